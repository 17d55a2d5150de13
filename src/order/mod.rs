//! Orders: the out_trade_no, the order state machine, the recipient and the order history.
//!
//! `PendingPayment → Paid → Shipped → Completed`, and `PendingPayment → Closed`.
//! An order is a snapshot taken at checkout: names and prices are copied from the catalog
//! at that moment, so later catalog edits never change what the shopper agreed to pay.
//! Every change appends to `history`, the order's timeline; the changes themselves are
//! the methods of `lifecycle`, and the checkout form is validated in `checkout`.

use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;

mod address_book;
mod aftersales;
mod attempts;
mod checkout;
mod events;
mod lifecycle;

pub use address_book::{AddressBook, MAX_ADDRESSES, SavedAddress};
pub use aftersales::{
    AftersalesProblem, AftersalesReason, AftersalesRequest, AftersalesStatus, AskedLine, Draft,
    MAX_PHOTOS, NOTE_MAX_CHARS, PHOTO_MAX_BYTES, parse_request,
};
pub use attempts::{AttemptKind, NATIVE_SUFFIX, PaymentAttempt};
pub use checkout::*;
pub use events::{CloseReason, CompletedBy, EventFacts, EventKind, PaymentSource};
pub use lifecycle::{
    Applied, DEFAULT_AUTO_COMPLETE_DAYS, DOUBLE_REFUND_REASON, IncomingPayment, LATE_REFUND_REASON,
    PaymentEffects, REFUND_REASON_MAX_BYTES, RefundError, RefundOutcome, StockCheck,
};

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
    /// This line's share of the order's coupon discount (Σ over lines = `Order::discount`).
    #[serde(default, skip_serializing_if = "no_money")]
    pub discount: Money,
}

/// For `skip_serializing_if`: a zero amount is left out of the stored record.
fn no_money(m: &Money) -> bool {
    *m == Money::ZERO
}

impl OrderLine {
    /// What the shopper paid for this line: its total less its share of the discount.
    pub fn paid(&self) -> Money {
        Money((self.line_total.minor() - self.discount.minor()).max(0))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub mobile: String,
    /// The whole address as one display line (what the back office, the CSV and the
    /// delivery message show).
    pub address: String,
    /// The same address in parts (region codes and the street line), when the shopper
    /// picked it from the region selects; older orders have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<AddressParts>,
}

/// A structured mainland address: GB/T 2260 codes (see `crate::region`) and the street line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddressParts {
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
}

/// One entry of an order's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// Unix seconds.
    pub at: i64,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub no: OrderNo,
    /// The shopper session that placed it.
    pub session: String,
    /// The shopper's WeChat openid, once known (placed after OAuth, paid, or opened from a
    /// signed link inside WeChat): the order then belongs to it, in every session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    pub state: OrderState,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub items_total: Money,
    pub shipping: Money,
    /// What `total` pays: `items_total − discount + shipping` (the WeChat Pay amount).
    pub total: Money,
    pub recipient: Recipient,
    pub note: String,
    // -- coupons (issue 15) --
    /// Money the coupon took off the items (zero without one).
    #[serde(default, skip_serializing_if = "no_money")]
    pub discount: Money,
    /// The coupon used, with the keys its use was counted under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<crate::coupon::OrderCoupon>,
    /// Entry channel (`?ch=` tag) the shopper came through, if any.
    #[serde(default)]
    pub channel: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub history: Vec<OrderEvent>,
    /// The WeChat orders made for this order (JSAPI inside WeChat, Native outside), each
    /// its own out_trade_no; stored orders with one `attempt` read back as a list of one.
    #[serde(default, alias = "attempt", deserialize_with = "attempts::one_or_many")]
    pub attempts: Vec<PaymentAttempt>,
    /// The payment WeChat confirmed (by verified notification or query).
    #[serde(default)]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
    #[serde(default)]
    pub shipment: Option<Shipment>,
    /// A payment WeChat vouched for that does not match this order: recorded once, shown
    /// to the owner, and the order is no longer queried or closed automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<Dispute>,
    /// The shopper's refund requests, oldest first (at most one waiting for the owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aftersales: Vec<AftersalesRequest>,
}

/// A verified payment that does not match its order (amount, currency or ids).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// Unix seconds.
    pub at: i64,
    pub transaction_id: String,
    /// What differs, for the alert and the log (not shown on pages as it is).
    pub problems: Vec<String>,
    /// What WeChat says was paid, in the minor unit of `currency` (CNY when absent).
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A payment WeChat confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub transaction_id: String,
    pub amount: Money,
    /// Unix seconds.
    pub paid_at: i64,
    pub source: PaymentSource,
    #[serde(default)]
    pub payer_total: Option<i64>,
    #[serde(default)]
    pub payer_currency: Option<String>,
    #[serde(default)]
    pub exchange_rate: Option<serde_json::Value>,
    // -- payment attempts (issue 13) --
    /// The attempt's out_trade_no it paid, when not the order number (Native).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Asked for; WeChat has not confirmed it yet (or the call failed and will be retried).
    Requested,
    Processing,
    Success,
    Closed,
    Abnormal,
    /// WeChat refused it with an error that cannot succeed on retry (a parameter error or
    /// another 4xx); nothing was refunded.
    Failed,
}

impl RefundStatus {
    /// Whether the money is (or may still be) on its way back to the shopper.
    pub fn counts(self) -> bool {
        !matches!(self, RefundStatus::Closed | RefundStatus::Failed)
    }
    /// Final: WeChat will not change it any more.
    pub fn settled(self) -> bool {
        matches!(
            self,
            RefundStatus::Success | RefundStatus::Closed | RefundStatus::Failed
        )
    }

    /// WeChat's `status`/`refund_status`: anything not final counts as processing.
    pub fn from_wechat(status: &str) -> RefundStatus {
        match status {
            "SUCCESS" => RefundStatus::Success,
            "CLOSED" => RefundStatus::Closed,
            "ABNORMAL" => RefundStatus::Abnormal,
            _ => RefundStatus::Processing,
        }
    }

    /// The stable snake_case name (as stored).
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Requested => "requested",
            RefundStatus::Processing => "processing",
            RefundStatus::Success => "success",
            RefundStatus::Closed => "closed",
            RefundStatus::Abnormal => "abnormal",
            RefundStatus::Failed => "failed",
        }
    }

    pub const ALL: [RefundStatus; 6] = [
        RefundStatus::Requested,
        RefundStatus::Processing,
        RefundStatus::Success,
        RefundStatus::Closed,
        RefundStatus::Abnormal,
        RefundStatus::Failed,
    ];
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
    /// Calls made for it so far (sends while requested, queries while processing).
    #[serde(default)]
    pub attempts: u32,
    /// Unix seconds of the next send or query; 0 means at once.
    #[serde(default)]
    pub next_at: i64,
    // -- payment attempts (issue 13) --
    /// The WeChat transaction it refunds (absent on refunds stored before an order could be
    /// paid twice: then the kept payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The out_trade_no of the attempt it refunds, when not the order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub courier: String,
    pub tracking_no: String,
    pub shipped_at: i64,
}

impl Order {
    /// The openid the order belongs to: its own, else the one its payment attempt carried
    /// (an order placed before OAuth joins the openid that pays it).
    pub fn owner_openid(&self) -> Option<&str> {
        self.openid
            .as_deref()
            .or(self.jsapi_attempt().map(|a| a.openid.as_str()))
            .filter(|o| !o.is_empty())
    }

    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// A bare pending order of `total` in CNY, with no lines (for unit tests).
    #[cfg(test)]
    pub(crate) fn for_test(no: &str, total: i64) -> Order {
        Order {
            no: OrderNo::parse(no).expect("a valid order number"),
            session: String::new(),
            openid: None,
            state: OrderState::PendingPayment,
            currency: Currency::CNY,
            lines: vec![],
            items_total: Money(total),
            shipping: Money::ZERO,
            total: Money(total),
            recipient: Recipient {
                name: String::new(),
                mobile: String::new(),
                address: String::new(),
                parts: None,
            },
            note: String::new(),
            discount: Money::ZERO,
            coupon: None,
            channel: None,
            created_at: 0,
            history: vec![],
            attempts: vec![],
            payment: None,
            refunds: vec![],
            shipment: None,
            dispute: None,
            aftersales: vec![],
        }
    }

    /// Whether a refund gives back the kept payment (not a second payment of the order).
    pub fn refunds_kept_payment(&self, r: &Refund) -> bool {
        match (&r.transaction_id, &self.payment) {
            (None, _) => true,
            (Some(t), Some(p)) => *t == p.transaction_id,
            (Some(_), None) => false,
        }
    }

    /// Money of the kept payment refunded or on its way back.
    pub fn refunded(&self) -> Money {
        Money(
            self.refunds
                .iter()
                .filter(|r| r.status.counts() && self.refunds_kept_payment(r))
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
}
