//! The kinds of merchant alert: what went wrong that the owner must look at (a payment
//! that does not match, a late payment, a failed refund, a bill difference…). Domain only;
//! the store keeps the alerts themselves. Stored as the snake_case names they always had.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A verified payment whose amount, currency or ids differ from the order.
    AmountMismatch,
    /// A payment for an order that had closed.
    LatePayment,
    /// A second payment for an order already paid.
    DoublePayment,
    /// WeChat closed a refund or marked it abnormal.
    RefundFailed,
    /// The daily trade bill differs from the store.
    BillDifference,
    /// A notification WeChat signed but the shop could not read (APIv3 key).
    WechatConfig,
    /// A notification for an order or refund the shop does not know.
    UnknownOrder,
    /// The delivery message could not be sent.
    MessageFailed,
    /// The data file refused writes for a while (disk full, failed fsync).
    StorageFault,
    /// WeChat refused the server's IP (40164): it is not on the Official Account's IP
    /// whitelist. The message is the IP WeChat saw, to add there.
    IpWhitelist,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::AmountMismatch => "amount_mismatch",
            AlertKind::LatePayment => "late_payment",
            AlertKind::DoublePayment => "double_payment",
            AlertKind::RefundFailed => "refund_failed",
            AlertKind::BillDifference => "bill_difference",
            AlertKind::WechatConfig => "wechat_config",
            AlertKind::UnknownOrder => "unknown_order",
            AlertKind::MessageFailed => "message_failed",
            AlertKind::StorageFault => "storage_fault",
            AlertKind::IpWhitelist => "ip_whitelist",
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_unchanged() {
        for k in [
            AlertKind::AmountMismatch,
            AlertKind::LatePayment,
            AlertKind::DoublePayment,
            AlertKind::RefundFailed,
            AlertKind::BillDifference,
            AlertKind::WechatConfig,
            AlertKind::UnknownOrder,
            AlertKind::MessageFailed,
            AlertKind::StorageFault,
            AlertKind::IpWhitelist,
        ] {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
    }
}
