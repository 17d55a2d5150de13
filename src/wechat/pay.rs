//! The WeChat Pay API v3 client: signed requests, verified responses, typed errors, and
//! the operations the shop uses (JSAPI order and `paySign`, query, close, refunds, trade
//! bill, platform certificates). It knows nothing about orders: callers pass plain values.

use super::crypto::{self, MerchantKey, PublicKey};
use super::keyring::{Keyring, PlatformCert};
use super::verify::{SignedHeaders, VerifyError};
use super::x509;
use crate::clock::Clock;
use bytes::Bytes;
use hyper::HeaderMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// What the client needs to talk to one merchant account.
#[derive(Debug, Clone)]
pub struct PayConfig {
    /// `https://api.mch.weixin.qq.com`, or any faithful implementation (the sandbox).
    pub api_base: String,
    pub appid: String,
    pub mchid: String,
    /// Serial of the merchant API certificate (`apiclient_cert.pem`).
    pub merchant_serial_no: String,
    pub merchant_key: Arc<MerchantKey>,
    /// The 32-byte APIv3 key.
    pub apiv3_key: crate::config::Secret,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Pauses before each retry of a call that is safe to repeat.
    pub retry_backoff: Vec<Duration>,
    /// Accept `http://` notify URLs (the built-in sandbox only; WeChat requires https).
    pub allow_http_notify: bool,
    /// Mainland (`/v3/pay/…`) or WeChat Pay Global (`/v3/global/…`). In institution mode
    /// `mchid` and `appid` above are the institution's (`sp_mchid`, `sp_appid`).
    pub flavour: crate::config::Flavour,
}

impl PayConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub fn default_backoff() -> Vec<Duration> {
        vec![Duration::from_millis(200), Duration::from_secs(1)]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// A field breaks WeChat's rules; nothing was sent.
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("cannot reach WeChat Pay: {0}")]
    Transport(String),
    #[error("WeChat Pay did not answer within the timeout")]
    Timeout,
    /// WeChat answered with an error.
    #[error("WeChat Pay error {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        detail: Option<serde_json::Value>,
        request_id: Option<String>,
    },
    /// The response's signature did not verify: it is not trusted.
    #[error("untrusted response: {0}")]
    Verify(#[from] VerifyError),
    #[error("unexpected response: {0}")]
    Decode(String),
    #[error("bill: {0}")]
    Bill(String),
}

impl PayError {
    pub fn code(&self) -> Option<&str> {
        match self {
            PayError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Worth repeating the same call: network trouble or WeChat's own failure.
    fn retryable(&self) -> bool {
        match self {
            PayError::Transport(_) | PayError::Timeout => true,
            PayError::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// A verified response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
    pub request_id: Option<String>,
}

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
/// fields are ignored; fields absent for unpaid orders are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// WeChat's order number; WeChat Pay Global calls it `id`.
    #[serde(default, alias = "id")]
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

fn invalid(field: &'static str, problem: impl Into<String>) -> PayError {
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
        let http_ok = allow_http_notify
            && valid_notify_url(&self.notify_url.replacen("http://", "https://", 1));
        if !valid_notify_url(&self.notify_url) && !http_ok {
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

    fn body(
        &self,
        appid: &str,
        mchid: &str,
        flavour: &crate::config::Flavour,
    ) -> serde_json::Value {
        use crate::config::Flavour;
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

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    detail: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct CertificatesBody {
    data: Vec<CertificateEntry>,
}

#[derive(Debug, Deserialize)]
struct CertificateEntry {
    serial_no: String,
    encrypt_certificate: EncryptedResource,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    pub nonce: String,
    #[serde(default)]
    pub associated_data: String,
    pub ciphertext: String,
}

#[derive(Debug, Deserialize)]
struct BillInfo {
    hash_type: String,
    hash_value: String,
    download_url: String,
}

struct Inner {
    cfg: PayConfig,
    http: reqwest::Client,
    keyring: Keyring,
    clock: Clock,
    user_agent: String,
}

/// A WeChat Pay API v3 client for one merchant. Cheap to clone.
#[derive(Clone)]
pub struct PayClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayClient")
            .field("api_base", &self.inner.cfg.api_base)
            .field("mchid", &self.inner.cfg.mchid)
            .finish()
    }
}

impl PayClient {
    pub fn new(cfg: PayConfig, keyring: Keyring, clock: Clock) -> PayClient {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(5)))
            .build()
            .expect("HTTP client builds");
        PayClient::with_http(cfg, keyring, clock, http)
    }

    /// With a given HTTP client (the sandbox over loopback TLS uses one that trusts the
    /// shop's own certificate).
    pub fn with_http(
        cfg: PayConfig,
        keyring: Keyring,
        clock: Clock,
        http: reqwest::Client,
    ) -> PayClient {
        PayClient {
            inner: Arc::new(Inner {
                cfg,
                http,
                keyring,
                clock,
                user_agent: format!(
                    "puzi/{} ({}) rust",
                    env!("CARGO_PKG_VERSION"),
                    std::env::consts::OS
                ),
            }),
        }
    }

    pub fn config(&self) -> &PayConfig {
        &self.inner.cfg
    }

    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    fn apiv3_key(&self) -> &[u8] {
        self.inner.cfg.apiv3_key.expose().as_bytes()
    }

    /// Signs `msg` with the merchant key on the blocking pool.
    pub async fn sign(&self, msg: Vec<u8>) -> String {
        let key = self.inner.cfg.merchant_key.clone();
        tokio::task::spawn_blocking(move || key.sign(&msg))
            .await
            .expect("signing task panicked")
    }

    /// Sends one signed request and verifies the answer. `path` is relative to `api_base`
    /// and may carry a query string. Calls marked `idempotent` are retried on network
    /// errors, 429 and 5xx.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<Response, PayError> {
        let url = format!("{}{}", self.inner.cfg.api_base, path);
        self.call_url(method, &url, body, idempotent, true).await
    }

    async fn call_url(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
        verify: bool,
    ) -> Result<Response, PayError> {
        let body = body.map(|b| serde_json::to_vec(b).expect("JSON serializes"));
        let mut attempt = 0;
        loop {
            let r = self
                .once(method.clone(), url, body.as_deref(), verify)
                .await;
            match r {
                Err(e)
                    if idempotent
                        && e.retryable()
                        && attempt < self.inner.cfg.retry_backoff.len() =>
                {
                    tracing::warn!(error = %e, url, attempt, "WeChat Pay call failed; retrying");
                    tokio::time::sleep(self.inner.cfg.retry_backoff[attempt]).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn once(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
        verify: bool,
    ) -> Result<Response, PayError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| PayError::Transport(e.to_string()))?;
        let canonical = match parsed.query() {
            Some(q) => format!("{}?{}", parsed.path(), q),
            None => parsed.path().to_string(),
        };
        let ts = self.inner.clock.unix();
        let nonce = crypto::nonce();
        let msg =
            crypto::request_message(method.as_str(), &canonical, ts, &nonce, body.unwrap_or(b""));
        let signature = self.sign(msg).await;
        let cfg = &self.inner.cfg;
        let auth =
            crypto::authorization(&cfg.mchid, &cfg.merchant_serial_no, &nonce, ts, &signature);
        let mut req = self
            .inner
            .http
            .request(method, parsed)
            .header("Authorization", auth)
            .header("Accept", "application/json")
            .header("User-Agent", &self.inner.user_agent);
        if let Some(id) = self.inner.keyring.public_key_id() {
            req = req.header("Wechatpay-Serial", id);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                PayError::Timeout
            } else {
                PayError::Transport(e.to_string())
            }
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                PayError::Timeout
            } else {
                PayError::Transport(e.to_string())
            }
        })?;
        let request_id = headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let signed = SignedHeaders::from_headers(&headers);
        if (200..300).contains(&status) {
            if verify {
                // A success without a valid signature is treated as forged.
                self.verify(&signed?, &bytes).await?;
            }
            return Ok(Response {
                status,
                body: bytes,
                request_id,
            });
        }
        // Errors are verified when signed; an unsigned error is still an error.
        if verify && let Ok(s) = &signed {
            self.verify(s, &bytes).await?;
        }
        let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or(ErrorBody {
            code: None,
            message: None,
            detail: None,
        });
        Err(PayError::Api {
            status,
            code: e.code.unwrap_or_else(|| format!("HTTP_{status}")),
            message: e
                .message
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect()),
            detail: e.detail,
            request_id,
        })
    }

    /// Verifies signed bytes against the keyring, downloading platform certificates when
    /// they are due or when an unknown serial appears (rate-limited).
    pub async fn verify(&self, signed: &SignedHeaders, body: &[u8]) -> Result<(), VerifyError> {
        let now = self.inner.clock.unix();
        let kr = &self.inner.keyring;
        if kr.refresh_due(now)
            && let Err(e) = self.refresh_certificates().await
        {
            tracing::warn!(error = %e, "platform certificate download failed");
        }
        match signed.verify(body, now, |s| kr.get(s, now)) {
            Err(VerifyError::UnknownSerial(serial)) if kr.try_begin_unknown_serial_refresh(now) => {
                tracing::info!(%serial, "unknown Wechatpay-Serial; downloading certificates");
                if let Err(e) = self.refresh_certificates().await {
                    tracing::warn!(error = %e, "platform certificate download failed");
                }
                signed.verify(body, now, |s| kr.get(s, now))
            }
            other => other,
        }
    }

    /// `GET /v3/certificates`: decrypts every certificate with the APIv3 key, verifies the
    /// response with the keys it carries (or already known ones) and replaces the set.
    pub async fn refresh_certificates(&self) -> Result<usize, PayError> {
        let url = format!(
            "{}{}",
            self.inner.cfg.api_base,
            self.path("/v3/certificates", "/v3/global/certificates")
        );
        let resp = self.call_url_raw(reqwest::Method::GET, &url).await?;
        let (headers, bytes) = resp;
        let parsed: CertificatesBody =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Decode(e.to_string()))?;
        let now = self.inner.clock.unix();
        let mut certs = Vec::new();
        for entry in parsed.data {
            let r = &entry.encrypt_certificate;
            if r.algorithm != "AEAD_AES_256_GCM" {
                return Err(PayError::Decode(format!(
                    "certificate algorithm {}",
                    r.algorithm
                )));
            }
            let pem = crypto::aead_decrypt(
                self.apiv3_key(),
                r.nonce.as_bytes(),
                r.associated_data.as_bytes(),
                &r.ciphertext,
            )
            .map_err(|e| PayError::Decode(format!("certificate {}: {e}", entry.serial_no)))?;
            let der = cert_der_from_pem(pem.as_bytes())
                .map_err(|e| PayError::Decode(format!("certificate {}: {e}", entry.serial_no)))?;
            let cert = x509::parse(&der)
                .map_err(|e| PayError::Decode(format!("certificate {}: {e}", entry.serial_no)))?;
            if !cert.serial.eq_ignore_ascii_case(&entry.serial_no) {
                return Err(PayError::Decode(format!(
                    "certificate serial {} does not match serial_no {}",
                    cert.serial, entry.serial_no
                )));
            }
            certs.push((
                entry.serial_no.to_ascii_uppercase(),
                PlatformCert {
                    key: cert.public_key,
                    not_before: cert.not_before,
                    not_after: cert.not_after,
                },
            ));
        }
        let signed = SignedHeaders::from_headers(&headers)?;
        let kr = &self.inner.keyring;
        signed.verify(&bytes, now, |s| {
            certs
                .iter()
                .find(|(serial, c)| serial == s && c.not_before <= now && now < c.not_after)
                .map(|(_, c)| c.key.clone())
                .or_else(|| kr.get(s, now))
        })?;
        let n = certs.len();
        kr.set_certificates(certs, now);
        Ok(n)
    }

    /// A signed GET whose answer is returned unverified with its headers (the caller
    /// verifies: certificate bootstrap).
    async fn call_url_raw(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<(HeaderMap, Bytes), PayError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| PayError::Transport(e.to_string()))?;
        let canonical = match parsed.query() {
            Some(q) => format!("{}?{}", parsed.path(), q),
            None => parsed.path().to_string(),
        };
        let ts = self.inner.clock.unix();
        let nonce = crypto::nonce();
        let signature = self
            .sign(crypto::request_message(
                method.as_str(),
                &canonical,
                ts,
                &nonce,
                b"",
            ))
            .await;
        let cfg = &self.inner.cfg;
        let resp = self
            .inner
            .http
            .request(method, parsed)
            .header(
                "Authorization",
                crypto::authorization(&cfg.mchid, &cfg.merchant_serial_no, &nonce, ts, &signature),
            )
            .header("Accept", "application/json")
            .header("User-Agent", &self.inner.user_agent)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    PayError::Timeout
                } else {
                    PayError::Transport(e.to_string())
                }
            })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| PayError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or(ErrorBody {
                code: None,
                message: None,
                detail: None,
            });
            return Err(PayError::Api {
                status,
                code: e.code.unwrap_or_else(|| format!("HTTP_{status}")),
                message: e.message.unwrap_or_default(),
                detail: e.detail,
                request_id: headers
                    .get("request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            });
        }
        Ok((headers, bytes))
    }

    fn decode<T: serde::de::DeserializeOwned>(r: &Response) -> Result<T, PayError> {
        serde_json::from_slice(&r.body).map_err(|e| PayError::Decode(e.to_string()))
    }

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

    fn global(&self) -> bool {
        self.inner.cfg.flavour.is_global()
    }

    fn path(&self, domestic: &str, global: &str) -> String {
        if self.global() {
            global.to_string()
        } else {
            domestic.to_string()
        }
    }

    fn institution(&self) -> Option<&crate::config::Institution> {
        match &self.inner.cfg.flavour {
            crate::config::Flavour::Global { institution, .. } => institution.as_ref(),
            crate::config::Flavour::Domestic => None,
        }
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
        if !valid_out_trade_no(&req.out_trade_no) {
            return Err(invalid("out_trade_no", "must be 6–32 of [0-9A-Za-z_-|*]"));
        }
        if req.out_refund_no.is_empty()
            || req.out_refund_no.len() > 64
            || !req
                .out_refund_no
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-|*@".contains(&b))
        {
            return Err(invalid("out_refund_no", "must be 1–64 of [0-9A-Za-z_-|*@]"));
        }
        if req.refund <= 0 || req.refund > req.total {
            return Err(invalid(
                "amount.refund",
                "must be positive and at most the order total",
            ));
        }
        if let Some(r) = &req.reason
            && r.len() > 80
        {
            return Err(invalid("reason", "must be at most 80 bytes"));
        }
        let mut body = serde_json::json!({
            "out_trade_no": req.out_trade_no,
            "out_refund_no": req.out_refund_no,
            "amount": { "refund": req.refund, "total": req.total, "currency": req.currency },
        });
        if let Some(r) = &req.reason {
            body["reason"] = serde_json::Value::from(strip_4byte(r));
        }
        if let Some(u) = &req.notify_url {
            let http_ok = self.inner.cfg.allow_http_notify
                && valid_notify_url(&u.replacen("http://", "https://", 1));
            if !valid_notify_url(u) && !http_ok {
                return Err(invalid(
                    "notify_url",
                    "must be an https URL without a query string",
                ));
            }
            body["notify_url"] = serde_json::Value::from(u.as_str());
        }
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
    ) -> Result<super::notify::Notification, super::notify::NotifyError> {
        let signed = SignedHeaders::from_headers(headers)?;
        self.verify(&signed, body).await?;
        super::notify::decrypt(body, self.apiv3_key())
    }

    /// Verifies with the keys known now, without any download.
    pub fn verify_now(&self, signed: &SignedHeaders, body: &[u8]) -> Result<(), VerifyError> {
        let now = self.inner.clock.unix();
        signed.verify(body, now, |s| self.inner.keyring.get(s, now))
    }

    /// The public half of the merchant key (for checks).
    pub fn merchant_public_key(&self) -> PublicKey {
        self.inner.cfg.merchant_key.public_key()
    }
}

/// Percent-escapes a path segment.
fn escape(s: &str) -> String {
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

fn cert_der_from_pem(pem: &[u8]) -> Result<Vec<u8>, String> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem)
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| e.to_string())
}
