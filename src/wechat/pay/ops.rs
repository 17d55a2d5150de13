//! The WeChat Pay operations, one method each: JSAPI prepay and the `paySign` parameters,
//! query by either number, close, refund and refund query, the trade bill download, and
//! notification parsing. Each picks the domestic or Global path and merchant identity
//! (direct or institution mode), validates what it sends, and decodes what comes back.

use super::PayError;
use super::transport::PayClient;
use super::wire::{
    BillInfo, JsapiOrder, JsapiParams, Refund, RefundRequest, Transaction, escape, invalid,
    valid_out_trade_no,
};
use crate::wechat::crypto;
use crate::wechat::notify::{self, Notification, NotifyError};
use crate::wechat::settings::Institution;
use crate::wechat::verify::SignedHeaders;
use hyper::HeaderMap;
use serde::Deserialize;

impl PayClient {
    /// `POST /v3/pay/transactions/jsapi` → `prepay_id`. Repeating the same order is safe:
    /// WeChat answers an identical repeat with the current prepay_id.
    pub async fn jsapi_prepay(&self, order: &JsapiOrder) -> Result<String, PayError> {
        order.validate(self.inner.cfg.allow_http_notify)?;
        let cfg = &self.inner.cfg;
        let body = order.body(&cfg.appid, &cfg.mchid, &cfg.flavour);
        let path = self.path(
            "/v3/pay/transactions/jsapi",
            "/v3/global/transactions/jsapi",
        );
        let r = self
            .call(reqwest::Method::POST, &path, Some(&body), true)
            .await?;
        #[derive(Deserialize)]
        struct Prepay {
            prepay_id: String,
        }
        let p: Prepay = Self::decode(&r)?;
        Ok(p.prepay_id)
    }

    /// The `getBrandWCPayRequest` parameters for a prepay_id, with `paySign`.
    pub async fn jsapi_params(&self, prepay_id: &str) -> JsapiParams {
        let app_id = self.pay_appid();
        let time_stamp = self.inner.clock.unix().to_string();
        let nonce_str = crypto::nonce();
        let package = format!("prepay_id={prepay_id}");
        let pay_sign = self
            .sign(crypto::pay_sign_message(
                &app_id,
                &time_stamp,
                &nonce_str,
                &package,
            ))
            .await;
        JsapiParams {
            app_id,
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".into(),
            pay_sign,
        }
    }

    /// WeChat Pay Global (`/v3/global/…`) rather than mainland.
    pub(super) fn global(&self) -> bool {
        self.inner.cfg.flavour.is_global()
    }

    /// The path of an operation in this merchant's API family.
    pub(super) fn path(&self, domestic: &str, global: &str) -> String {
        if self.global() {
            global.to_string()
        } else {
            domestic.to_string()
        }
    }

    fn institution(&self) -> Option<&Institution> {
        self.inner.cfg.flavour.institution()
    }

    /// The merchant identity of a query string.
    fn mchid_query(&self) -> String {
        match self.institution() {
            Some(i) => format!("sp_mchid={}&sub_mchid={}", i.sp_mchid, i.sub_mchid),
            None => format!("mchid={}", self.inner.cfg.mchid),
        }
    }

    /// The merchant identity of a request body.
    fn mchid_body(&self) -> serde_json::Value {
        match self.institution() {
            Some(i) => serde_json::json!({ "sp_mchid": i.sp_mchid, "sub_mchid": i.sub_mchid }),
            None => serde_json::json!({ "mchid": self.inner.cfg.mchid }),
        }
    }

    /// The `appId` of `getBrandWCPayRequest`: the appid the shopper's openid belongs to.
    pub fn pay_appid(&self) -> String {
        match self.institution() {
            Some(i) => i.sub_appid.clone().unwrap_or_else(|| i.sp_appid.clone()),
            None => self.inner.cfg.appid.clone(),
        }
    }

    /// What in a transaction does not name this merchant (empty when all is well).
    pub fn identity_problems(&self, tx: &Transaction) -> Vec<String> {
        let mut v = Vec::new();
        match self.institution() {
            Some(i) => {
                if tx.sp_mchid.as_deref() != Some(i.sp_mchid.as_str()) {
                    v.push(format!("sp_mchid {:?}", tx.sp_mchid));
                }
                if tx.sub_mchid.as_deref() != Some(i.sub_mchid.as_str()) {
                    v.push(format!("sub_mchid {:?}", tx.sub_mchid));
                }
            }
            None => {
                if tx.appid.as_deref() != Some(self.inner.cfg.appid.as_str()) {
                    v.push(format!("appid {:?}", tx.appid));
                }
                if tx.mchid.as_deref() != Some(self.inner.cfg.mchid.as_str()) {
                    v.push(format!("mchid {:?}", tx.mchid));
                }
            }
        }
        v
    }

    /// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=`.
    pub async fn query_by_out_trade_no(&self, out_trade_no: &str) -> Result<Transaction, PayError> {
        if !valid_out_trade_no(out_trade_no) {
            return Err(invalid("out_trade_no", "must be 6–32 of [0-9A-Za-z_-|*]"));
        }
        let path = format!(
            "{}/{}?{}",
            self.path(
                "/v3/pay/transactions/out-trade-no",
                "/v3/global/transactions/out-trade-no"
            ),
            escape(out_trade_no),
            self.mchid_query()
        );
        let r = self.call(reqwest::Method::GET, &path, None, true).await?;
        Self::decode(&r)
    }

    /// `GET /v3/pay/transactions/id/{transaction_id}?mchid=`.
    pub async fn query_by_transaction_id(
        &self,
        transaction_id: &str,
    ) -> Result<Transaction, PayError> {
        if transaction_id.is_empty()
            || transaction_id.len() > 32
            || !transaction_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(invalid("transaction_id", "must be 1–32 letters or digits"));
        }
        let path = format!(
            "{}/{transaction_id}?{}",
            self.path("/v3/pay/transactions/id", "/v3/global/transactions/id"),
            self.mchid_query()
        );
        let r = self.call(reqwest::Method::GET, &path, None, true).await?;
        Self::decode(&r)
    }

    /// `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` → 204.
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PayError> {
        if !valid_out_trade_no(out_trade_no) {
            return Err(invalid("out_trade_no", "must be 6–32 of [0-9A-Za-z_-|*]"));
        }
        let path = format!(
            "{}/{}/close",
            self.path(
                "/v3/pay/transactions/out-trade-no",
                "/v3/global/transactions/out-trade-no"
            ),
            escape(out_trade_no)
        );
        let body = self.mchid_body();
        self.call(reqwest::Method::POST, &path, Some(&body), true)
            .await?;
        Ok(())
    }

    /// `POST /v3/refund/domestic/refunds`. Safe to repeat with the same out_refund_no.
    pub async fn refund(&self, req: &RefundRequest) -> Result<Refund, PayError> {
        req.validate(self.inner.cfg.allow_http_notify)?;
        let mut body = req.body();
        if self.global() {
            // The merchant identity goes in the body; `NOT_ENOUGH` (the CNY refund pool is
            // short) is retried later with the same out_refund_no.
            if let serde_json::Value::Object(ids) = self.mchid_body() {
                for (k, v) in ids {
                    body[k] = v;
                }
            }
            match self.institution() {
                Some(i) => body["sp_appid"] = i.sp_appid.as_str().into(),
                None => body["appid"] = self.inner.cfg.appid.as_str().into(),
            }
        }
        let path = self.path("/v3/refund/domestic/refunds", "/v3/global/refunds");
        let r = self
            .call(reqwest::Method::POST, &path, Some(&body), true)
            .await?;
        Self::decode(&r)
    }

    /// `GET /v3/refund/domestic/refunds/{out_refund_no}` (global:
    /// `/v3/global/refunds/out-refund-no/{out_refund_no}?mchid=…`).
    pub async fn refund_query(&self, out_refund_no: &str) -> Result<Refund, PayError> {
        let path = if self.global() {
            format!(
                "/v3/global/refunds/out-refund-no/{}?{}",
                escape(out_refund_no),
                self.mchid_query()
            )
        } else {
            format!("/v3/refund/domestic/refunds/{}", escape(out_refund_no))
        };
        let r = self.call(reqwest::Method::GET, &path, None, true).await?;
        Self::decode(&r)
    }

    /// The trade bill of a day (`yyyy-MM-dd`, China time): asks for it, downloads the file
    /// (an unsigned response) and checks its SHA-1 against the signed hash.
    pub async fn trade_bill(&self, bill_date: &str) -> Result<String, PayError> {
        if self.global() {
            return Err(invalid(
                "bill_date",
                "the trade bill download is not implemented for WeChat Pay Global",
            ));
        }
        let path = format!("/v3/bill/tradebill?bill_date={bill_date}&bill_type=ALL");
        let r = self.call(reqwest::Method::GET, &path, None, true).await?;
        let info: BillInfo = Self::decode(&r)?;
        if !info.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(PayError::Bill(format!("hash type {}", info.hash_type)));
        }
        let file = self
            .call_url(reqwest::Method::GET, &info.download_url, None, true, false)
            .await?;
        let got = crypto::sha1_hex(&file.body);
        if !got.eq_ignore_ascii_case(&info.hash_value) {
            return Err(PayError::Bill(format!(
                "SHA-1 mismatch: expected {}, got {got}",
                info.hash_value
            )));
        }
        String::from_utf8(file.body.to_vec()).map_err(|_| PayError::Bill("not UTF-8".into()))
    }

    /// Verifies a notification and decrypts its resource (see `notify`), downloading
    /// certificates for an unknown serial like `verify` does.
    pub async fn parse_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        let signed = SignedHeaders::from_headers(headers)?;
        self.verify_notification(&signed, body).await?;
        notify::decrypt(body, self.apiv3_key())
    }
}
