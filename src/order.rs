//! Orders: the out_trade_no, the order state machine, the recipient and the order history.
//!
//! `PendingPayment → Paid → Shipped → Completed`, and `PendingPayment → Closed`.
//! An order is a snapshot taken at checkout: names and prices are copied from the catalog
//! at that moment, so later catalog edits never change what the shopper agreed to pay.
//! Every change appends to `history`, the order's timeline.

use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;

/// WeChat Pay's out_trade_no: 6–32 characters of `[0-9A-Za-z_-|*]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNo(String);

impl OrderNo {
    pub fn parse(s: &str) -> Option<OrderNo> {
        let ok_len = (6..=32).contains(&s.len());
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'));
        (ok_len && ok_chars).then(|| OrderNo(s.to_string()))
    }

    /// A new number: the local date and time to the second, then ten random digits.
    /// 24 digits, sortable by creation time, unguessable enough that one shopper cannot
    /// enumerate another's orders.
    pub fn generate(now: time::OffsetDateTime, random: u64) -> OrderNo {
        OrderNo(format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:010}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            random % 10_000_000_000
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrderNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrderNo::parse(&s).ok_or_else(|| format!("invalid out_trade_no {s:?}"))
    }
}

impl From<OrderNo> for String {
    fn from(n: OrderNo) -> String {
        n.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    PendingPayment,
    Paid,
    Shipped,
    Completed,
    Closed,
    Refunded,
}

impl OrderState {
    /// The stable name used in JSON (`GET /orders/{no}/status`) and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::PendingPayment => "pending_payment",
            OrderState::Paid => "paid",
            OrderState::Shipped => "shipped",
            OrderState::Completed => "completed",
            OrderState::Closed => "closed",
            OrderState::Refunded => "refunded",
        }
    }

    pub const ALL: [OrderState; 6] = [
        OrderState::PendingPayment,
        OrderState::Paid,
        OrderState::Shipped,
        OrderState::Completed,
        OrderState::Closed,
        OrderState::Refunded,
    ];
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("order {no} cannot go from {from:?} to {to:?}")]
pub struct IllegalTransition {
    pub no: OrderNo,
    pub from: OrderState,
    pub to: OrderState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: String,
    pub sku: String,
    pub product_name: String,
    pub variant_name: String,
    pub unit_price: Money,
    pub qty: u32,
    pub line_total: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub mobile: String,
    pub address: String,
}

/// One entry of an order's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub no: OrderNo,
    /// The shopper session that placed it; only that session may view it.
    pub session: String,
    pub state: OrderState,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub items_total: Money,
    pub shipping: Money,
    pub total: Money,
    pub recipient: Recipient,
    pub note: String,
    /// Entry channel (`?ch=` tag) the shopper came through, if any.
    #[serde(default)]
    pub channel: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub history: Vec<OrderEvent>,
    /// The WeChat order made for this order, reused while its prepay_id lives.
    #[serde(default)]
    pub attempt: Option<PaymentAttempt>,
    /// The payment WeChat confirmed (by verified notification or query).
    #[serde(default)]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
    #[serde(default)]
    pub shipment: Option<Shipment>,
}

/// The WeChat (JSAPI) order behind an order: one per order, so a reload or a double tap
/// never creates a second.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    pub prepay_id: String,
    /// Unix seconds; prepay ids live two hours.
    pub prepay_at: i64,
    pub openid: String,
    /// When the reconciler next asks WeChat about it.
    pub next_query_at: i64,
    pub queries: u32,
}

/// A payment WeChat confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub transaction_id: String,
    pub amount: Money,
    /// Unix seconds.
    pub paid_at: i64,
    /// "notification" or "query".
    pub source: String,
    #[serde(default)]
    pub payer_total: Option<i64>,
    #[serde(default)]
    pub payer_currency: Option<String>,
    #[serde(default)]
    pub exchange_rate: Option<serde_json::Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Asked for; WeChat has not confirmed it yet (or the call failed and will be retried).
    Requested,
    Processing,
    Success,
    Closed,
    Abnormal,
}

impl RefundStatus {
    /// Whether the money is (or may still be) on its way back to the shopper.
    pub fn counts(self) -> bool {
        !matches!(self, RefundStatus::Closed)
    }
    pub fn settled(self) -> bool {
        matches!(self, RefundStatus::Success | RefundStatus::Closed)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub out_refund_no: String,
    pub amount: Money,
    pub reason: String,
    pub status: RefundStatus,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default)]
    pub settled_at: Option<i64>,
    #[serde(default)]
    pub refund_id: Option<String>,
    /// Made by puzi itself (a payment that arrived for a closed order).
    #[serde(default)]
    pub automatic: bool,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub courier: String,
    pub tracking_no: String,
    pub shipped_at: i64,
}

impl Order {
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// Appends to the timeline without changing state.
    pub fn note(&mut self, at: i64, kind: &str, detail: serde_json::Value) {
        self.history.push(OrderEvent {
            at,
            kind: kind.to_string(),
            detail,
        });
    }

    /// Money refunded or on its way back.
    pub fn refunded(&self) -> Money {
        Money(
            self.refunds
                .iter()
                .filter(|r| r.status.counts())
                .map(|r| r.amount.minor())
                .sum(),
        )
    }

    /// What may still be refunded: the sum of refunds never exceeds what was paid.
    pub fn refundable(&self) -> Money {
        match &self.payment {
            Some(p) => Money((p.amount.minor() - self.refunded().minor()).max(0)),
            None => Money::ZERO,
        }
    }

    /// Moves to `to` if the lifecycle allows it and records the event.
    pub fn transition(
        &mut self,
        to: OrderState,
        at: i64,
        detail: serde_json::Value,
    ) -> Result<(), IllegalTransition> {
        use OrderState::*;
        let legal = matches!(
            (self.state, to),
            (PendingPayment, Paid)
                | (PendingPayment, Closed)
                // A payment that arrives after the order was closed, with stock re-reserved.
                | (Closed, Paid)
                // …or without stock: refunded automatically.
                | (Closed, Refunded)
                | (Paid, Shipped)
                | (Shipped, Completed)
                | (Paid, Refunded)
                | (Shipped, Refunded)
        );
        if !legal {
            return Err(IllegalTransition {
                no: self.no.clone(),
                from: self.state,
                to,
            });
        }
        self.state = to;
        self.history.push(OrderEvent {
            at,
            kind: to.as_str().to_string(),
            detail,
        });
        Ok(())
    }
}

/// Fields of the checkout form, for errors shown beside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Mobile,
    Address,
    Note,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    TooLong(usize),
    BadMobile,
}

pub const NAME_MAX: usize = 30;
pub const ADDRESS_MAX: usize = 200;
pub const NOTE_MAX: usize = 200;

/// The checkout form as posted. Everything is text until validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub note: String,
}

impl CheckoutForm {
    /// Validates into a recipient and a note, or lists every problem by field.
    pub fn validate(&self) -> Result<(Recipient, String), Vec<(Field, FieldProblem)>> {
        let mut errors = Vec::new();
        let name = clean(&self.name);
        let address = clean(&self.address);
        let note = clean(&self.note);
        let mobile: String = self
            .mobile
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        check_text(&mut errors, Field::Name, &name, NAME_MAX, true);
        check_text(&mut errors, Field::Address, &address, ADDRESS_MAX, true);
        check_text(&mut errors, Field::Note, &note, NOTE_MAX, false);
        if mobile.is_empty() {
            errors.push((Field::Mobile, FieldProblem::Required));
        } else if !is_mobile(&mobile) {
            errors.push((Field::Mobile, FieldProblem::BadMobile));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Recipient {
                name,
                mobile,
                address,
            },
            note,
        ))
    }
}

/// Trims, folds runs of whitespace and drops control characters.
fn clean(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_text(
    errors: &mut Vec<(Field, FieldProblem)>,
    field: Field,
    value: &str,
    max: usize,
    required: bool,
) {
    let n = value.chars().count();
    if required && n == 0 {
        errors.push((field, FieldProblem::Required));
    } else if n > max {
        errors.push((field, FieldProblem::TooLong(max)));
    }
}

/// A mainland mobile number (`1[3-9]` and nine digits) or an international one (`+` and 6–15 digits).
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    if let Some(rest) = s.strip_prefix('+') {
        return (6..=15).contains(&rest.len()) && rest.bytes().all(|c| c.is_ascii_digit());
    }
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_fit_wechat_rules() {
        let now = time::macros::datetime!(2026-11-25 08:09:10 UTC);
        let no = OrderNo::generate(now, 123);
        assert_eq!(no.as_str(), "202611250809100000000123");
        assert!(OrderNo::parse(no.as_str()).is_some());
        assert!(OrderNo::parse("abc").is_none());
        assert!(OrderNo::parse("abcdef|*_-").is_some());
        assert!(OrderNo::parse("abc def").is_none());
        assert!(OrderNo::parse(&"a".repeat(33)).is_none());
    }

    #[test]
    fn checkout_validation_lists_every_field() {
        let form = CheckoutForm {
            name: "  ".into(),
            mobile: "12345".into(),
            address: "x".repeat(201),
            note: String::new(),
        };
        let errs = form.validate().unwrap_err();
        assert!(errs.contains(&(Field::Name, FieldProblem::Required)));
        assert!(errs.contains(&(Field::Mobile, FieldProblem::BadMobile)));
        assert!(errs.contains(&(Field::Address, FieldProblem::TooLong(200))));

        let ok = CheckoutForm {
            name: " 张三 ".into(),
            mobile: "138-0013-8000".into(),
            address: "上海市 徐汇区\n漕溪北路 1 号".into(),
            note: String::new(),
        };
        let (r, _) = ok.validate().unwrap();
        assert_eq!(r.name, "张三");
        assert_eq!(r.mobile, "13800138000");
        assert_eq!(r.address, "上海市 徐汇区 漕溪北路 1 号");
    }

    #[test]
    fn lifecycle_refuses_illegal_moves() {
        let mut o = Order {
            no: OrderNo::parse("ORDER123").unwrap(),
            session: String::new(),
            state: OrderState::PendingPayment,
            currency: Currency::CNY,
            lines: vec![],
            items_total: Money::ZERO,
            shipping: Money::ZERO,
            total: Money::ZERO,
            recipient: Recipient {
                name: String::new(),
                mobile: String::new(),
                address: String::new(),
            },
            note: String::new(),
            channel: None,
            created_at: 0,
            history: vec![],
            attempt: None,
            payment: None,
            refunds: vec![],
            shipment: None,
        };
        assert!(
            o.transition(OrderState::Shipped, 1, serde_json::Value::Null)
                .is_err()
        );
        o.transition(OrderState::Closed, 1, serde_json::Value::Null)
            .unwrap();
        assert!(
            o.transition(OrderState::Shipped, 2, serde_json::Value::Null)
                .is_err()
        );
        assert!(
            o.transition(OrderState::Completed, 2, serde_json::Value::Null)
                .is_err()
        );
        // A late payment may revive a closed order (with stock re-reserved).
        o.transition(OrderState::Paid, 3, serde_json::Value::Null)
            .unwrap();
        assert!(
            o.transition(OrderState::PendingPayment, 4, serde_json::Value::Null)
                .is_err()
        );
        assert_eq!(o.history.len(), 2);
    }
}
