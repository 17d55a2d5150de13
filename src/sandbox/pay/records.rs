//! The sandbox's payment records and their storage: a transaction (`Tx`, under
//! `tx/<out_trade_no>`, with `prepay/<prepay_id>` and `txid/<transaction_id>` pointing at it)
//! and a refund (`RefundRec`, under `refund/<out_refund_no>`), their states as WeChat names
//! them, how each is described on the wire, and the ids WeChat would assign.

use super::super::{Sandbox, dec, rfc3339_cst};
use crate::store::{SandboxTable, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json as j};

/// Prepay ids expire after two hours.
pub const PREPAY_TTL_SECS: i64 = 2 * 3600;

/// A transaction's `trade_state`, stored and sent as WeChat's uppercase strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TradeState {
    /// `NOTPAY`: ordered, not paid.
    NotPay,
    /// `SUCCESS`: paid.
    Success,
    /// `CLOSED`: closed by the merchant before payment.
    Closed,
    /// `REFUND`: paid, and at least part of it refunded.
    Refund,
}

impl TradeState {
    /// WeChat's spelling, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeState::NotPay => "NOTPAY",
            TradeState::Success => "SUCCESS",
            TradeState::Closed => "CLOSED",
            TradeState::Refund => "REFUND",
        }
    }

    /// Paid, whether or not part of it was refunded since.
    pub fn is_paid(self) -> bool {
        matches!(self, TradeState::Success | TradeState::Refund)
    }

    /// `trade_state_desc`, as WeChat words it.
    pub fn desc(self) -> &'static str {
        match self {
            TradeState::Success => "支付成功",
            TradeState::Closed => "已关闭",
            TradeState::Refund => "转入退款",
            TradeState::NotPay => "订单未支付",
        }
    }
}

/// A refund's `status`: it is PROCESSING until its `success_at`, then SUCCESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RefundStatus {
    Processing,
    Success,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Processing => "PROCESSING",
            RefundStatus::Success => "SUCCESS",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tx {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    pub description: String,
    pub notify_url: String,
    pub total: i64,
    pub currency: String,
    pub openid: String,
    pub attach: Option<String>,
    pub time_expire: Option<String>,
    pub prepay_id: String,
    pub prepay_at: i64,
    pub state: TradeState,
    pub transaction_id: Option<String>,
    pub success_at: Option<i64>,
    pub created_at: i64,
    pub refunded: i64,
    /// The order parameters, to tell an identical repeat from a conflicting one.
    pub fingerprint: String,
    /// Ordered through WeChat Pay Global (`/v3/global/…`).
    #[serde(default)]
    pub global: bool,
    /// Global institution mode: the sub-merchant (appid/mchid are then sp_appid/sp_mchid).
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Global: CNY per unit of the order currency, × 10^8.
    #[serde(default)]
    pub rate_e8: i64,
    /// `NATIVE` for a Native order (absent: JSAPI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
}

impl Tx {
    /// What the shopper pays in CNY fen (global: converted at the sandbox's rate).
    pub fn payer_total(&self) -> i64 {
        if !self.global || self.currency == "CNY" {
            return self.total;
        }
        let exp = crate::money::Currency::parse(&self.currency)
            .map(|c| c.exponent())
            .unwrap_or(2);
        let major = self.total as f64 / 10f64.powi(i32::from(exp));
        (major * self.rate_e8 as f64 / 1e8 * 100.0).round() as i64
    }

    /// The transaction as the query API and notifications describe it.
    pub fn to_json(&self) -> Value {
        let mut v = j!({
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.state,
            "trade_state_desc": self.state.desc(),
            "amount": { "total": self.total, "currency": self.currency },
        });
        if let Some(a) = &self.attach {
            v["attach"] = Value::from(a.as_str());
        }
        if let Some(sub) = &self.sub_mchid {
            let o = v.as_object_mut().expect("object");
            o.remove("appid");
            o.remove("mchid");
            v["sp_appid"] = Value::from(self.appid.as_str());
            v["sp_mchid"] = Value::from(self.mchid.as_str());
            v["sub_mchid"] = Value::from(sub.as_str());
        }
        if let (Some(id), Some(at)) = (&self.transaction_id, self.success_at) {
            // WeChat Pay Global names the order number `id`.
            v[if self.global { "id" } else { "transaction_id" }] = Value::from(id.as_str());
            v["trade_type"] = Value::from(self.trade_type.as_deref().unwrap_or("JSAPI"));
            v["bank_type"] = Value::from("OTHERS");
            v["success_time"] = Value::from(rfc3339_cst(at));
            v["payer"] = if self.sub_mchid.is_some() {
                j!({ "sp_openid": self.openid })
            } else {
                j!({ "openid": self.openid })
            };
            v["amount"]["payer_total"] = Value::from(self.payer_total());
            v["amount"]["payer_currency"] = Value::from(if self.global {
                "CNY"
            } else {
                self.currency.as_str()
            });
            if self.global {
                v["amount"]["exchange_rate"] =
                    j!({ "type": "SETTLEMENT_RATE", "rate": self.rate_e8 });
            }
        }
        v
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundRec {
    pub out_refund_no: String,
    pub refund_id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub total: i64,
    pub refund: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub notify_url: Option<String>,
    pub created_at: i64,
    /// When it turns from PROCESSING to SUCCESS.
    pub success_at: i64,
}

impl RefundRec {
    pub fn status(&self, now: i64) -> RefundStatus {
        if now >= self.success_at {
            RefundStatus::Success
        } else {
            RefundStatus::Processing
        }
    }

    pub fn to_json(&self, now: i64) -> Value {
        let status = self.status(now);
        let mut v = j!({
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": rfc3339_cst(self.created_at),
            "status": status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total, "refund": self.refund,
                "payer_total": self.total, "payer_refund": self.refund,
                "settlement_refund": self.refund, "settlement_total": self.total,
                "discount_refund": 0, "currency": self.currency,
            },
        });
        if status == RefundStatus::Success {
            v["success_time"] = Value::from(rfc3339_cst(self.success_at));
        }
        v
    }
}

pub(crate) fn tx_key(out_trade_no: &str) -> String {
    format!("tx/{out_trade_no}")
}

pub(crate) fn prepay_key(prepay_id: &str) -> String {
    format!("prepay/{prepay_id}")
}

pub(crate) fn txid_key(transaction_id: &str) -> String {
    format!("txid/{transaction_id}")
}

pub(crate) fn refund_key(out_refund_no: &str) -> String {
    format!("refund/{out_refund_no}")
}

/// A transaction inside a sandbox write.
pub(crate) fn load_tx(t: &SandboxTable<'_>, out_trade_no: &str) -> Result<Option<Tx>, StoreError> {
    t.get(&tx_key(out_trade_no))?.map(|b| dec(&b)).transpose()
}

/// A transaction, read outside a write.
pub(crate) fn get_tx(sb: &Sandbox, out_trade_no: &str) -> Result<Option<Tx>, StoreError> {
    sb.inner
        .store
        .sandbox_get(&tx_key(out_trade_no))?
        .map(|b| dec(&b))
        .transpose()
}

/// A transaction by WeChat's transaction id.
pub(crate) fn get_tx_by_id(sb: &Sandbox, transaction_id: &str) -> Result<Option<Tx>, StoreError> {
    match sb.inner.store.sandbox_get(&txid_key(transaction_id))? {
        Some(no) => get_tx(sb, &String::from_utf8_lossy(&no)),
        None => Ok(None),
    }
}

/// A refund by the merchant's refund number.
pub(crate) fn get_refund(
    sb: &Sandbox,
    out_refund_no: &str,
) -> Result<Option<RefundRec>, StoreError> {
    sb.inner
        .store
        .sandbox_get(&refund_key(out_refund_no))?
        .map(|b| dec(&b))
        .transpose()
}

/// `prefix` followed by `digits` random decimal digits.
pub(crate) fn gen_id(prefix: &str, digits: usize) -> String {
    let r = crate::random::random_bytes::<32>();
    let tail: String = r
        .iter()
        .take(digits)
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("{prefix}{tail}")
}

/// `wx` + the time in China + a random tail, like WeChat's prepay ids.
pub(crate) fn gen_prepay_id() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(crate::clock::CST);
    format!(
        "wx{:04}{:02}{:02}{:02}{:02}{:02}{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        crate::random::random_token::<10>()
    )
}

pub(crate) fn new_transaction_id() -> String {
    gen_id("4200", 24)
}

pub(crate) fn new_refund_id() -> String {
    gen_id("50", 28)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transaction as an earlier build stored it, with `state` as a bare string.
    const OLD_TX: &str = r#"{"appid":"wx0000000000000001","mchid":"1900000001","out_trade_no":"P20240101ABC","description":"茶叶","notify_url":"https://shop.example/pay/notify","total":1200,"currency":"CNY","openid":"oABC","attach":null,"time_expire":null,"prepay_id":"wx20240101120000abcdefghij","prepay_at":1704081600,"state":"REFUND","transaction_id":"4200000000000000000000000001","success_at":1704081660,"created_at":1704081600,"refunded":200,"fingerprint":"ff","global":false,"sub_mchid":null,"rate_e8":92000000}"#;

    #[test]
    fn old_stored_tx_round_trips_byte_for_byte() {
        let tx: Tx = serde_json::from_str(OLD_TX).unwrap();
        assert_eq!(tx.state, TradeState::Refund);
        assert_eq!(serde_json::to_string(&tx).unwrap(), OLD_TX);
    }

    #[test]
    fn every_trade_state_keeps_wechats_spelling() {
        for (s, w) in [
            (TradeState::NotPay, "NOTPAY"),
            (TradeState::Success, "SUCCESS"),
            (TradeState::Closed, "CLOSED"),
            (TradeState::Refund, "REFUND"),
        ] {
            let json = format!("\"{w}\"");
            assert_eq!(s.as_str(), w);
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
            assert_eq!(serde_json::from_str::<TradeState>(&json).unwrap(), s);
        }
        assert!(serde_json::from_str::<TradeState>("\"NOT_PAY\"").is_err());
    }

    #[test]
    fn wire_json_carries_uppercase_states() {
        let mut tx: Tx = serde_json::from_str(OLD_TX).unwrap();
        assert_eq!(tx.to_json()["trade_state"], "REFUND");
        assert_eq!(tx.to_json()["trade_state_desc"], "转入退款");
        tx.state = TradeState::NotPay;
        assert_eq!(tx.to_json()["trade_state"], "NOTPAY");
        let r = RefundRec {
            out_refund_no: "R1".into(),
            refund_id: "50".into(),
            out_trade_no: "P1".into(),
            transaction_id: "4200".into(),
            total: 1200,
            refund: 200,
            currency: "CNY".into(),
            reason: None,
            notify_url: None,
            created_at: 100,
            success_at: 110,
        };
        assert_eq!(r.to_json(105)["status"], "PROCESSING");
        assert_eq!(r.to_json(110)["status"], "SUCCESS");
        assert!(r.to_json(105).get("success_time").is_none());
    }
}
