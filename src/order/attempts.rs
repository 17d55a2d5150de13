//! Payment attempts: the WeChat orders made for one shop order. Inside WeChat the shopper
//! pays through JSAPI, outside it by scanning a Native QR code; each attempt is its own
//! WeChat order with its own `out_trade_no` (WeChat keeps one per merchant): JSAPI uses the
//! order number itself, Native the order number with [`NATIVE_SUFFIX`]. A number WeChat
//! names maps back to its order by a parse ([`OrderNo::of_out_trade_no`]), no index needed.
//!
//! Orders stored before attempts were a list carry one JSAPI attempt under the key
//! `attempt` (or `null`); [`one_or_many`] reads both shapes.

use super::{
    Applied, DOUBLE_REFUND_REASON, EventKind, Order, OrderNo, Payment, PaymentEffects, Refund,
    RefundStatus,
};
use crate::alert::AlertKind;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Appended to the order number for the Native attempt. Generated order numbers are all
/// digits, so a number ending in it is never an order number of its own.
pub const NATIVE_SUFFIX: char = 'N';

/// How the shopper pays an attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKind {
    /// `getBrandWCPayRequest` inside WeChat (stored attempts before Native were all JSAPI).
    #[default]
    Jsapi,
    /// A QR code (`code_url`) scanned with WeChat, for visitors outside it.
    Native,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::Jsapi => "jsapi",
            AttemptKind::Native => "native",
        }
    }
}

/// One WeChat order behind an order: reused while its prepay_id (or code_url) lives, so a
/// reload or a double tap never creates a second of the same kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    #[serde(default)]
    pub kind: AttemptKind,
    /// Its WeChat `out_trade_no`; empty on attempts stored before there could be several
    /// (then it is the order number).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub out_trade_no: String,
    /// JSAPI: the prepay_id (empty for Native).
    #[serde(default)]
    pub prepay_id: String,
    /// Native: the code_url the QR code carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_url: Option<String>,
    /// Unix seconds; prepay ids and code URLs live two hours.
    pub prepay_at: i64,
    /// JSAPI: the payer's openid (empty for Native: whoever scans pays).
    #[serde(default)]
    pub openid: String,
    /// When the reconciler next asks WeChat about it.
    pub next_query_at: i64,
    pub queries: u32,
}

impl PaymentAttempt {
    /// The WeChat `out_trade_no` of this attempt of order `no`.
    pub fn out_trade_no<'a>(&'a self, no: &'a OrderNo) -> &'a str {
        if self.out_trade_no.is_empty() {
            no.as_str()
        } else {
            &self.out_trade_no
        }
    }
}

/// Reads `attempts` as a list, or the older `attempt` as one attempt or `null`.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PaymentAttempt>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Many(Vec<PaymentAttempt>),
        One(Box<PaymentAttempt>),
    }
    Ok(match Option::<Shape>::deserialize(d)? {
        None => Vec::new(),
        Some(Shape::Many(v)) => v,
        Some(Shape::One(a)) => vec![*a],
    })
}

impl OrderNo {
    /// The order an attempt's `out_trade_no` belongs to: the number itself, or the order
    /// number before [`NATIVE_SUFFIX`] when that is all digits (as generated numbers are).
    pub fn of_out_trade_no(out_trade_no: &str) -> Option<OrderNo> {
        if let Some(base) = out_trade_no.strip_suffix(NATIVE_SUFFIX)
            && !base.is_empty()
            && base.bytes().all(|b| b.is_ascii_digit())
        {
            return OrderNo::parse(base);
        }
        OrderNo::parse(out_trade_no)
    }

    /// The `out_trade_no` of this order's attempt of `kind` (≤ 32 characters, WeChat's
    /// charset), or `None` when the order number leaves no room for the suffix.
    pub fn out_trade_no(&self, kind: AttemptKind) -> Option<String> {
        match kind {
            AttemptKind::Jsapi => Some(self.as_str().to_string()),
            AttemptKind::Native => {
                let s = format!("{}{NATIVE_SUFFIX}", self.as_str());
                (OrderNo::parse(&s).is_some()
                    && OrderNo::of_out_trade_no(&s).as_ref() == Some(self))
                .then_some(s)
            }
        }
    }
}

impl Order {
    /// The attempt of a kind, if one was made.
    pub fn attempt(&self, kind: AttemptKind) -> Option<&PaymentAttempt> {
        self.attempts.iter().find(|a| a.kind == kind)
    }

    /// The JSAPI attempt (whose openid is the payer's).
    pub fn jsapi_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempt(AttemptKind::Jsapi)
    }

    /// Every attempt's `out_trade_no`.
    pub fn out_trade_nos(&self) -> Vec<String> {
        self.attempts
            .iter()
            .map(|a| a.out_trade_no(&self.no).to_string())
            .collect()
    }

    /// Whether `out_trade_no` names one of this order's WeChat orders: an attempt's, or a
    /// number that maps back to this order.
    pub fn knows_out_trade_no(&self, out_trade_no: &str) -> bool {
        OrderNo::of_out_trade_no(out_trade_no).as_ref() == Some(&self.no)
            || self
                .attempts
                .iter()
                .any(|a| a.out_trade_no(&self.no) == out_trade_no)
    }

    /// Records the WeChat order made for an attempt (a new prepay_id or code_url is noted
    /// in the timeline once). `credential` is the prepay_id (JSAPI) or code_url (Native).
    pub fn record_attempt(
        &mut self,
        kind: AttemptKind,
        out_trade_no: &str,
        credential: &str,
        openid: &str,
        now: i64,
        first_query_at: i64,
    ) {
        let cred = |a: &PaymentAttempt| match kind {
            AttemptKind::Jsapi => a.prepay_id.clone(),
            AttemptKind::Native => a.code_url.clone().unwrap_or_default(),
        };
        let old = self.attempts.iter().position(|a| a.kind == kind);
        let fresh = old.is_none_or(|i| cred(&self.attempts[i]) != credential);
        let queries = old.map(|i| self.attempts[i].queries).unwrap_or(0);
        let attempt = PaymentAttempt {
            kind,
            out_trade_no: out_trade_no.to_string(),
            prepay_id: match kind {
                AttemptKind::Jsapi => credential.to_string(),
                AttemptKind::Native => String::new(),
            },
            code_url: (kind == AttemptKind::Native).then(|| credential.to_string()),
            prepay_at: now,
            openid: openid.to_string(),
            next_query_at: first_query_at,
            queries,
        };
        match old {
            Some(i) => self.attempts[i] = attempt,
            None => self.attempts.push(attempt),
        }
        if fresh {
            let detail = match kind {
                AttemptKind::Jsapi => serde_json::json!({ "prepay_id": credential }),
                AttemptKind::Native => {
                    serde_json::json!({ "kind": "native", "out_trade_no": out_trade_no })
                }
            };
            self.history.push(super::OrderEvent {
                at: now,
                kind: EventKind::Prepay,
                detail,
            });
        }
    }
}

impl Order {
    /// A second payment of an order that is paid already: recorded as a refund of that
    /// transaction (its whole amount, against its own out_trade_no), indexed so WeChat's
    /// repeats of it change nothing, and alerted.
    pub(super) fn refund_second_payment(
        &mut self,
        payment: Payment,
        out_trade_no: &str,
        detail: Value,
        now: i64,
    ) -> PaymentEffects {
        let txid = payment.transaction_id.clone();
        let out_refund_no = format!("{}D{}", self.no, self.refunds.len() + 1);
        self.refunds.push(Refund {
            out_refund_no: out_refund_no.clone(),
            amount: payment.amount,
            reason: DOUBLE_REFUND_REASON.into(),
            status: RefundStatus::Requested,
            created_at: now,
            settled_at: None,
            refund_id: None,
            automatic: true,
            last_error: None,
            attempts: 0,
            next_at: now,
            transaction_id: Some(txid.clone()),
            out_trade_no: (out_trade_no != self.no.as_str()).then(|| out_trade_no.to_string()),
        });
        let mut detail = detail;
        detail["double_payment"] = true.into();
        detail["out_refund_no"] = out_refund_no.as_str().into();
        detail["amount"] = payment.amount.minor().into();
        detail["reason"] = DOUBLE_REFUND_REASON.into();
        self.history.push(super::OrderEvent {
            at: now,
            kind: EventKind::RefundRequested,
            detail,
        });
        let kept = self
            .payment
            .as_ref()
            .map(|p| p.transaction_id.clone())
            .unwrap_or_default();
        PaymentEffects {
            applied: Applied::DoubleRefunding(out_refund_no.clone()),
            record_payment: Some(txid.clone()),
            reserve_stock: false,
            index_refund: Some(out_refund_no),
            alert: Some((
                AlertKind::DoublePayment,
                format!(
                    "order {} was paid twice ({kept} kept; {txid} through {out_trade_no}); the second payment is refunded automatically",
                    self.no
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_numbers_map_back_to_their_order() {
        let no = OrderNo::parse("202611250809100000000123").unwrap();
        let native = no.out_trade_no(AttemptKind::Native).unwrap();
        assert_eq!(native, "202611250809100000000123N");
        assert!(native.len() <= 32);
        assert_eq!(OrderNo::of_out_trade_no(&native), Some(no.clone()));
        assert_eq!(OrderNo::of_out_trade_no(no.as_str()), Some(no));
        // A number that is not all digits keeps its N.
        assert_eq!(
            OrderNo::of_out_trade_no("ORDERN").unwrap().as_str(),
            "ORDERN"
        );
        let long = OrderNo::parse(&"1".repeat(32)).unwrap();
        assert_eq!(long.out_trade_no(AttemptKind::Native), None);
    }

    #[test]
    fn stored_orders_with_one_attempt_or_none_read_back() {
        let mut o = Order::for_test("202611250809100000000123", 100);
        o.record_attempt(
            AttemptKind::Jsapi,
            "202611250809100000000123",
            "wx1",
            "oA",
            5,
            65,
        );
        let mut v = serde_json::to_value(&o).unwrap();
        let list = v["attempts"].take();
        let obj = v.as_object_mut().unwrap();
        obj.remove("attempts");
        // As stored before: one attempt, without kind or out_trade_no.
        let mut one = list[0].clone();
        one.as_object_mut().unwrap().remove("kind");
        one.as_object_mut().unwrap().remove("out_trade_no");
        obj.insert("attempt".into(), one);
        let back: Order = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back.attempts.len(), 1);
        assert_eq!(back.jsapi_attempt().unwrap().openid, "oA");
        assert_eq!(back.out_trade_nos(), vec![o.no.to_string()]);
        v["attempt"] = Value::Null;
        let back: Order = serde_json::from_value(v).unwrap();
        assert!(back.attempts.is_empty());
    }
}
