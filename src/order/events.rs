//! The kinds of entry in an order's timeline, and the small enums their details carry.
//! Stored as the same snake_case strings as before they were typed (`"paid"`,
//! `"refund_success"`, `"query_notpay"`…), so old data files read back unchanged.

use super::{AftersalesStatus, OrderState, RefundStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a payment became known: a verified notification or a query answering SUCCESS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    Notification,
    Query,
}

impl PaymentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentSource::Notification => "notification",
            PaymentSource::Query => "query",
        }
    }
}

/// Why an unpaid order closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Unpaid past `order_timeout_minutes`.
    Timeout,
}

/// Who completed a shipped order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletedBy {
    /// The shopper confirmed receipt.
    Shopper,
    /// The days after shipping ran out.
    Automatic,
}

/// One kind of timeline entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EventKind {
    /// Placed at checkout.
    Created,
    /// A WeChat (JSAPI) order was made.
    Prepay,
    /// The order entered a state (paid, closed, shipped, completed, refunded).
    State(OrderState),
    /// WeChat vouched for a payment that did not match the order.
    PaymentMismatch,
    /// A payment arrived after the order closed and the stock was gone.
    LatePayment,
    RefundRequested,
    /// A refund changed status at WeChat.
    Refund(RefundStatus),
    /// WeChat answered with a trade state other than SUCCESS (`notpay`, `closed`…).
    NotPaid {
        source: PaymentSource,
        trade_state: String,
    },
    /// An after-sales request moved (requested, approved, declined, closed).
    Aftersales(AftersalesStatus),
}

impl EventKind {
    pub fn state(s: OrderState) -> EventKind {
        EventKind::State(s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Created => f.write_str("created"),
            EventKind::Prepay => f.write_str("prepay"),
            EventKind::State(s) => f.write_str(s.as_str()),
            EventKind::PaymentMismatch => f.write_str("payment_mismatch"),
            EventKind::LatePayment => f.write_str("late_payment"),
            EventKind::RefundRequested => f.write_str("refund_requested"),
            EventKind::Refund(s) => write!(f, "refund_{}", s.as_str()),
            EventKind::NotPaid {
                source,
                trade_state,
            } => write!(f, "{}_{trade_state}", source.as_str()),
            EventKind::Aftersales(s) => write!(f, "aftersales_{}", s.as_str()),
        }
    }
}

impl From<EventKind> for String {
    fn from(k: EventKind) -> String {
        k.to_string()
    }
}

impl TryFrom<String> for EventKind {
    type Error = String;
    fn try_from(s: String) -> Result<EventKind, String> {
        let simple = match s.as_str() {
            "created" => Some(EventKind::Created),
            "prepay" => Some(EventKind::Prepay),
            "payment_mismatch" => Some(EventKind::PaymentMismatch),
            "late_payment" => Some(EventKind::LatePayment),
            "refund_requested" => Some(EventKind::RefundRequested),
            _ => None,
        };
        if let Some(k) = simple {
            return Ok(k);
        }
        if let Some(st) = OrderState::ALL.into_iter().find(|st| st.as_str() == s) {
            return Ok(EventKind::State(st));
        }
        if let Some(rest) = s.strip_prefix("refund_")
            && let Some(st) = RefundStatus::ALL.into_iter().find(|st| st.as_str() == rest)
        {
            return Ok(EventKind::Refund(st));
        }
        if let Some(rest) = s.strip_prefix("aftersales_")
            && let Some(st) = AftersalesStatus::ALL
                .into_iter()
                .find(|st| st.as_str() == rest)
        {
            return Ok(EventKind::Aftersales(st));
        }
        for source in [PaymentSource::Notification, PaymentSource::Query] {
            if let Some(rest) = s
                .strip_prefix(source.as_str())
                .and_then(|r| r.strip_prefix('_'))
                && !rest.is_empty()
            {
                return Ok(EventKind::NotPaid {
                    source,
                    trade_state: rest.to_string(),
                });
            }
        }
        Err(format!("unknown order event kind {s:?}"))
    }
}

/// What a timeline entry's stored detail says, read leniently for display: old entries
/// may lack fields, and each kind keeps its amount under its own key (`total` when
/// placed, `amount` for refunds, `refunded` for a full refund). The payment's amount is
/// not in a `paid` entry; the caller passes it from the order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFacts {
    /// Minor units.
    pub amount: Option<i64>,
    pub transaction_id: Option<String>,
    pub out_refund_no: Option<String>,
    pub reason: Option<String>,
    pub courier: Option<String>,
    pub tracking_no: Option<String>,
    pub by: Option<String>,
    /// The payment became known by a query rather than a notification.
    pub by_query: bool,
    /// Completed by itself rather than by the shopper.
    pub automatic: bool,
}

impl EventFacts {
    /// Reads the facts out of an entry's detail; `paid_amount` fills in a payment's amount.
    pub fn read(kind: &EventKind, detail: &serde_json::Value, paid_amount: Option<i64>) -> Self {
        let s = |k: &str| detail.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let n = |k: &str| detail.get(k).and_then(serde_json::Value::as_i64);
        let amount = match kind {
            EventKind::Created => n("total"),
            EventKind::State(OrderState::Refunded) => n("refunded"),
            EventKind::State(OrderState::Paid) | EventKind::LatePayment => paid_amount,
            _ => n("amount"),
        };
        EventFacts {
            amount,
            transaction_id: s("transaction_id"),
            out_refund_no: s("out_refund_no"),
            reason: s("reason"),
            courier: s("courier"),
            tracking_no: s("tracking_no"),
            by: s("by"),
            by_query: s("source").as_deref() == Some(PaymentSource::Query.as_str())
                || matches!(
                    kind,
                    EventKind::NotPaid {
                        source: PaymentSource::Query,
                        ..
                    }
                ),
            automatic: s("by").as_deref() == Some("automatic"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_kind_reads_back_as_the_same_bytes() {
        for s in [
            "created",
            "prepay",
            "pending_payment",
            "paid",
            "shipped",
            "completed",
            "closed",
            "refunded",
            "payment_mismatch",
            "late_payment",
            "refund_requested",
            "refund_processing",
            "refund_success",
            "refund_closed",
            "refund_abnormal",
            "notification_notpay",
            "query_closed",
            "query_userpaying",
            "aftersales_requested",
            "aftersales_approved",
            "aftersales_declined",
            "aftersales_closed",
        ] {
            let json = format!("\"{s}\"");
            let k: EventKind = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&k).unwrap(), json);
        }
        assert!(serde_json::from_str::<EventKind>("\"query_\"").is_err());
        assert!(serde_json::from_str::<EventKind>("\"teleported\"").is_err());
    }

    #[test]
    fn facts_are_read_from_each_kind_of_detail() {
        let refund =
            serde_json::json!({ "out_refund_no": "1R1", "amount": 1000, "reason": "破损" });
        let f = EventFacts::read(&EventKind::RefundRequested, &refund, None);
        assert_eq!((f.amount, f.reason.as_deref()), (Some(1000), Some("破损")));
        let paid = serde_json::json!({ "source": "query", "transaction_id": "42" });
        let f = EventFacts::read(&EventKind::State(OrderState::Paid), &paid, Some(5700));
        assert_eq!((f.amount, f.by_query), (Some(5700), true));
        let done = serde_json::json!({ "by": "automatic" });
        assert!(EventFacts::read(&EventKind::State(OrderState::Completed), &done, None).automatic);
        assert_eq!(
            EventFacts::read(&EventKind::Prepay, &serde_json::Value::Null, None),
            EventFacts::default()
        );
    }
}
