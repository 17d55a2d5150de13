//! Native payment, for visitors outside WeChat: `POST /v3/pay/transactions/native` (Global:
//! `/v3/global/transactions/native` with `trade_type` `NATIVE`) takes the JSAPI order's
//! fields without `payer` and answers a `code_url` (valid two hours) that the shop shows as
//! a QR code for the payer to scan with WeChat. Query, close, refund and notifications are
//! the same as for JSAPI.

use super::PayError;
use super::transport::PayClient;
use super::wire::JsapiOrder;
use crate::wechat::settings::Flavour;
use serde::Deserialize;

/// A Native order: what the merchant sends, in plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeOrder {
    pub description: String,
    pub out_trade_no: String,
    /// RFC 3339, e.g. `2026-11-25T12:00:00+08:00`.
    pub time_expire: Option<String>,
    pub attach: Option<String>,
    pub notify_url: String,
    /// Minor units.
    pub total: i64,
    pub currency: String,
}

impl NativeOrder {
    /// The same fields as a JSAPI order, with a placeholder payer that is never sent.
    fn as_jsapi(&self) -> JsapiOrder {
        JsapiOrder {
            description: self.description.clone(),
            out_trade_no: self.out_trade_no.clone(),
            time_expire: self.time_expire.clone(),
            attach: self.attach.clone(),
            notify_url: self.notify_url.clone(),
            total: self.total,
            currency: self.currency.clone(),
            openid: "-".into(),
        }
    }

    /// Enforces WeChat's field limits (those of a JSAPI order) before anything is sent.
    pub fn validate(&self, allow_http_notify: bool) -> Result<(), PayError> {
        self.as_jsapi().validate(allow_http_notify)
    }

    fn body(&self, appid: &str, mchid: &str, flavour: &Flavour) -> serde_json::Value {
        let mut v = self.as_jsapi().body(appid, mchid, flavour);
        if let Some(o) = v.as_object_mut() {
            o.remove("payer");
        }
        if flavour.is_global() {
            v["trade_type"] = "NATIVE".into();
        }
        v
    }
}

impl PayClient {
    /// `POST /v3/pay/transactions/native` → `code_url`. Repeating the same order is safe.
    pub async fn native_prepay(&self, order: &NativeOrder) -> Result<String, PayError> {
        order.validate(self.inner.cfg.allow_http_notify)?;
        let cfg = &self.inner.cfg;
        let body = order.body(&cfg.appid, &cfg.mchid, &cfg.flavour);
        let path = self.path(
            "/v3/pay/transactions/native",
            "/v3/global/transactions/native",
        );
        let r = self
            .call(reqwest::Method::POST, &path, Some(&body), true)
            .await?;
        #[derive(Deserialize)]
        struct Code {
            code_url: String,
        }
        let c: Code = Self::decode(&r)?;
        Ok(c.code_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_native_body_has_no_payer_and_global_names_its_trade_type() {
        let o = NativeOrder {
            description: "铺子-茶".into(),
            out_trade_no: "202611250809100000000123N".into(),
            time_expire: None,
            attach: None,
            notify_url: "https://shop.example/wechat/notify/pay".into(),
            total: 1200,
            currency: "CNY".into(),
        };
        o.validate(false).unwrap();
        let v = o.body("wx1", "190", &Flavour::Domestic);
        assert!(v.get("payer").is_none(), "{v}");
        assert!(v.get("trade_type").is_none(), "{v}");
        assert_eq!(v["amount"]["total"], 1200);
        assert_eq!(v["appid"], "wx1");
        let g = Flavour::Global {
            merchant_category_code: "5999".into(),
            institution: None,
        };
        let v = o.body("wx1", "190", &g);
        assert_eq!(v["trade_type"], "NATIVE");
        assert!(v.get("payer").is_none(), "{v}");
    }
}
