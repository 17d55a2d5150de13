//! The wire format of WeChat Pay v3 as puzi speaks it: what is sent (a JSAPI order, a
//! refund request) with WeChat's field limits checked before anything leaves, and what
//! comes back (transactions, refunds, encrypted resources, certificate and bill answers).
//! Plain data: no I/O.

use super::PayError;
use crate::wechat::settings::Flavour;
use serde::{Deserialize, Serialize};

/// What to order (`POST /v3/pay/transactions/jsapi`).
#[derive(Debug, Clone)]
pub struct JsapiOrder {
    pub description: String,
    pub out_trade_no: String,
    /// RFC 3339, e.g. `2026-11-25T12:00:00+08:00`.
    pub time_expire: Option<String>,
    pub attach: Option<String>,
    pub notify_url: String,
    /// Minor units.
    pub total: i64,
    pub currency: String,
    pub openid: String,
}

/// The parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiParams {
    #[serde(rename = "appId")]
    pub app_id: String,
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    pub package: String,
    #[serde(rename = "signType")]
    pub sign_type: String,
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Payer {
    #[serde(default)]
    pub openid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TransactionAmount {
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub payer_total: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payer_currency: Option<String>,
    /// Global: `{"type": …, "rate": …}`.
    #[serde(default)]
    pub exchange_rate: Option<serde_json::Value>,
}

/// A transaction as the query API and `TRANSACTION.*` notifications describe it. Unknown
/// fields are ignored; fields absent for unpaid orders are `None`. WeChat's order number
/// arrives as `transaction_id` (mainland), `id` (WeChat Pay Global) or both (some Global
/// accounts); see the `Deserialize` impl below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Transaction {
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub mchid: Option<String>,
    /// Global institution mode.
    #[serde(default)]
    pub sp_mchid: Option<String>,
    #[serde(default)]
    pub sub_mchid: Option<String>,
    #[serde(default)]
    pub sp_appid: Option<String>,
    #[serde(default)]
    pub sub_appid: Option<String>,
    pub out_trade_no: String,
    /// WeChat's order number; WeChat Pay Global calls it `id`, or sends both names.
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub trade_type: Option<String>,
    pub trade_state: String,
    #[serde(default)]
    pub trade_state_desc: Option<String>,
    #[serde(default)]
    pub bank_type: Option<String>,
    #[serde(default)]
    pub attach: Option<String>,
    #[serde(default)]
    pub success_time: Option<String>,
    #[serde(default)]
    pub payer: Option<Payer>,
    #[serde(default)]
    pub amount: Option<TransactionAmount>,
}

impl Serialize for Transaction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Transaction::serialize(self, s)
    }
}

/// WeChat's order number may be named `transaction_id`, `id`, or both. When both are
/// present they must name the same order: a resource that contradicts itself is refused
/// rather than guessed at (keying the payment on the wrong number could apply it twice),
/// and the order still settles by the active query, which names it once.
impl<'de> Deserialize<'de> for Transaction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut m = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let id = m.remove("id").filter(|v| !v.is_null());
        let named = m.get("transaction_id").filter(|v| !v.is_null()).cloned();
        match (id, named) {
            (Some(id), None) => {
                m.insert("transaction_id".into(), id);
            }
            (Some(id), Some(t)) if id != t => {
                return Err(D::Error::custom(format!(
                    "id {id} and transaction_id {t} name different orders"
                )));
            }
            _ => {}
        }
        Transaction::deserialize(serde_json::Value::Object(m)).map_err(D::Error::custom)
    }
}

/// A refund to ask for (`POST /v3/refund/domestic/refunds`).
#[derive(Debug, Clone)]
pub struct RefundRequest {
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub reason: Option<String>,
    pub notify_url: Option<String>,
    pub refund: i64,
    pub total: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RefundAmount {
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub refund: Option<i64>,
    #[serde(default)]
    pub payer_total: Option<i64>,
    #[serde(default)]
    pub payer_refund: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

fn processing() -> String {
    "PROCESSING".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// WeChat Pay Global calls it `id`.
    #[serde(default, alias = "id")]
    pub refund_id: Option<String>,
    pub out_refund_no: String,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub out_trade_no: Option<String>,
    /// SUCCESS, CLOSED, PROCESSING, ABNORMAL (a global refund creation answers without it:
    /// accepted, so processing).
    #[serde(default = "processing")]
    pub status: String,
    #[serde(default)]
    pub success_time: Option<String>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub amount: Option<RefundAmount>,
}

/// Whether a string is a valid out_trade_no: 6–32 of `[0-9A-Za-z_-|*]`.
pub fn valid_out_trade_no(s: &str) -> bool {
    (6..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'))
}

/// Whether a notify URL meets WeChat's rules: https, no query string or fragment.
pub fn valid_notify_url(s: &str) -> bool {
    s.starts_with("https://")
        && s.len() > "https://".len()
        && !s.contains('?')
        && !s.contains('#')
        && s.len() <= 255
}

/// Drops characters WeChat refuses in JSON text (4-byte UTF-8, e.g. emoji).
pub fn strip_4byte(s: &str) -> String {
    s.chars().filter(|c| c.len_utf8() < 4).collect()
}

/// A notify URL WeChat accepts; `http://` too when `allow_http` (the built-in sandbox).
fn notify_url_ok(url: &str, allow_http: bool) -> bool {
    valid_notify_url(url)
        || (allow_http && valid_notify_url(&url.replacen("http://", "https://", 1)))
}

/// `PayError::Invalid`: a field breaks WeChat's rules.
pub(super) fn invalid(field: &'static str, problem: impl Into<String>) -> PayError {
    PayError::Invalid {
        field,
        problem: problem.into(),
    }
}

impl JsapiOrder {
    /// Enforces WeChat's field limits before anything is sent.
    pub fn validate(&self, allow_http_notify: bool) -> Result<(), PayError> {
        if self.description.is_empty() || self.description.len() > 127 {
            return Err(invalid("description", "must be 1–127 bytes"));
        }
        if self.description.chars().any(|c| c.len_utf8() >= 4) {
            return Err(invalid(
                "description",
                "must not contain 4-byte characters such as emoji",
            ));
        }
        if !valid_out_trade_no(&self.out_trade_no) {
            return Err(invalid("out_trade_no", "must be 6–32 of [0-9A-Za-z_-|*]"));
        }
        if let Some(a) = &self.attach
            && a.len() > 128
        {
            return Err(invalid("attach", "must be at most 128 bytes"));
        }
        if !notify_url_ok(&self.notify_url, allow_http_notify) {
            return Err(invalid(
                "notify_url",
                "must be an https URL without a query string",
            ));
        }
        if self.total <= 0 {
            return Err(invalid("amount.total", "must be positive"));
        }
        if self.openid.is_empty() || self.openid.len() > 128 {
            return Err(invalid("payer.openid", "must be 1–128 characters"));
        }
        Ok(())
    }

    pub(super) fn body(&self, appid: &str, mchid: &str, flavour: &Flavour) -> serde_json::Value {
        let mut v = serde_json::json!({
            "description": self.description,
            "out_trade_no": self.out_trade_no,
            "notify_url": self.notify_url,
            "amount": { "total": self.total, "currency": self.currency },
        });
        match flavour {
            Flavour::Domestic => {
                v["appid"] = appid.into();
                v["mchid"] = mchid.into();
                v["payer"] = serde_json::json!({ "openid": self.openid });
            }
            Flavour::Global {
                merchant_category_code,
                institution,
            } => {
                v["trade_type"] = "JSAPI".into();
                v["merchant_category_code"] = merchant_category_code.as_str().into();
                match institution {
                    None => {
                        v["appid"] = appid.into();
                        v["mchid"] = mchid.into();
                        v["payer"] = serde_json::json!({ "openid": self.openid });
                    }
                    Some(i) => {
                        v["sp_appid"] = i.sp_appid.as_str().into();
                        v["sp_mchid"] = i.sp_mchid.as_str().into();
                        v["sub_mchid"] = i.sub_mchid.as_str().into();
                        match &i.sub_appid {
                            Some(sub) => {
                                v["sub_appid"] = sub.as_str().into();
                                v["payer"] = serde_json::json!({ "sub_openid": self.openid });
                            }
                            None => v["payer"] = serde_json::json!({ "sp_openid": self.openid }),
                        }
                    }
                }
            }
        }
        if let Some(t) = &self.time_expire {
            v["time_expire"] = serde_json::Value::from(t.as_str());
        }
        if let Some(a) = &self.attach {
            v["attach"] = serde_json::Value::from(a.as_str());
        }
        v
    }
}

impl RefundRequest {
    /// Enforces WeChat's field limits before anything is sent.
    pub fn validate(&self, allow_http_notify: bool) -> Result<(), PayError> {
        if !valid_out_trade_no(&self.out_trade_no) {
            return Err(invalid("out_trade_no", "must be 6–32 of [0-9A-Za-z_-|*]"));
        }
        if self.out_refund_no.is_empty()
            || self.out_refund_no.len() > 64
            || !self
                .out_refund_no
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-|*@".contains(&b))
        {
            return Err(invalid("out_refund_no", "must be 1–64 of [0-9A-Za-z_-|*@]"));
        }
        if self.refund <= 0 || self.refund > self.total {
            return Err(invalid(
                "amount.refund",
                "must be positive and at most the order total",
            ));
        }
        if let Some(r) = &self.reason
            && r.len() > 80
        {
            return Err(invalid("reason", "must be at most 80 bytes"));
        }
        if let Some(u) = &self.notify_url
            && !notify_url_ok(u, allow_http_notify)
        {
            return Err(invalid(
                "notify_url",
                "must be an https URL without a query string",
            ));
        }
        Ok(())
    }

    /// The request body without the merchant identity (which only Global puts in it).
    pub(super) fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "out_trade_no": self.out_trade_no,
            "out_refund_no": self.out_refund_no,
            "amount": { "refund": self.refund, "total": self.total, "currency": self.currency },
        });
        if let Some(r) = &self.reason {
            body["reason"] = serde_json::Value::from(strip_4byte(r));
        }
        if let Some(u) = &self.notify_url {
            body["notify_url"] = serde_json::Value::from(u.as_str());
        }
        body
    }
}

/// The body of an error answer.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    pub(super) code: Option<String>,
    pub(super) message: Option<String>,
    pub(super) detail: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Reads an error answer; one that is not WeChat's JSON has no fields.
    pub(super) fn parse(bytes: &[u8]) -> ErrorBody {
        serde_json::from_slice(bytes).unwrap_or_default()
    }
}

/// The answer of `GET /v3/certificates`.
#[derive(Debug, Deserialize)]
pub(super) struct CertificatesBody {
    pub(super) data: Vec<CertificateEntry>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CertificateEntry {
    pub(super) serial_no: String,
    pub(super) encrypt_certificate: EncryptedResource,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    pub nonce: String,
    #[serde(default)]
    pub associated_data: String,
    pub ciphertext: String,
}

/// The answer of `GET /v3/bill/tradebill`: where the file is and its hash.
#[derive(Debug, Deserialize)]
pub(super) struct BillInfo {
    pub(super) hash_type: String,
    pub(super) hash_value: String,
    pub(super) download_url: String,
}

/// Percent-escapes a path segment.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refund() -> RefundRequest {
        RefundRequest {
            out_trade_no: "PZ20260101AB".into(),
            out_refund_no: "PZ20260101AB-R1".into(),
            reason: Some("缺货🙂".into()),
            notify_url: Some("https://shop.example/wechat/notify/refund".into()),
            refund: 100,
            total: 300,
            currency: "CNY".into(),
        }
    }

    fn field(r: Result<(), PayError>) -> &'static str {
        match r {
            Err(PayError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn refund_requests_are_checked_field_by_field() {
        assert!(refund().validate(false).is_ok());
        let mut r = refund();
        r.refund = 301;
        assert_eq!(field(r.validate(false)), "amount.refund");
        let mut r = refund();
        r.out_refund_no = "bad refund no".into();
        assert_eq!(field(r.validate(false)), "out_refund_no");
        let mut r = refund();
        r.notify_url = Some("http://127.0.0.1:8080/wechat/notify/refund".into());
        assert_eq!(field(r.validate(false)), "notify_url");
        assert!(r.validate(true).is_ok());
        r.notify_url = Some("https://shop.example/n?x=1".into());
        assert_eq!(field(r.validate(true)), "notify_url");
    }

    #[test]
    fn refund_body_drops_emoji_from_the_reason() {
        let b = refund().body();
        assert_eq!(b["reason"], "缺货");
        assert_eq!(b["amount"]["refund"], 100);
        assert_eq!(b["notify_url"], "https://shop.example/wechat/notify/refund");
        assert!(b.get("mchid").is_none());
    }
}
