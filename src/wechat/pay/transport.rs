//! The HTTP transport of the WeChat Pay client: every request signed with the merchant key
//! (on the blocking pool), every answer verified against the platform keys before it is
//! trusted, safe calls retried, failures typed as `PayError`; and the platform-certificate
//! download (`/v3/certificates`) that fills and refreshes the keyring.

use super::PayConfig;
use super::wire::{CertificatesBody, ErrorBody};
use crate::clock::Clock;
use crate::wechat::crypto::{self, PublicKey};
use crate::wechat::keyring::{Keyring, PlatformCert};
use crate::wechat::verify::{SignedHeaders, VerifyError};
use bytes::Bytes;
use hyper::HeaderMap;
use std::sync::Arc;
use std::time::Duration;

/// Why a WeChat Pay call failed.
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
    /// WeChat's error code (`ORDERPAID`, `NOT_ENOUGH`, …) when WeChat answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            PayError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The answer carried a `WECHATPAY/SIGNTEST/` probe signature.
    pub fn is_probe(&self) -> bool {
        matches!(
            self,
            PayError::Verify(VerifyError::BadSignature { probe: true })
        )
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

/// A failed send or read: a timeout, or any other transport trouble.
fn transport_error(e: reqwest::Error) -> PayError {
    if e.is_timeout() {
        PayError::Timeout
    } else {
        PayError::Transport(e.to_string())
    }
}

/// The `request-id` header WeChat puts on every answer.
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) struct Inner {
    pub(super) cfg: PayConfig,
    http: reqwest::Client,
    keyring: Keyring,
    pub(super) clock: Clock,
    user_agent: String,
}

/// A WeChat Pay API v3 client for one merchant. Cheap to clone.
#[derive(Clone)]
pub struct PayClient {
    pub(super) inner: Arc<Inner>,
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

    pub(super) fn apiv3_key(&self) -> &[u8] {
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
    /// errors, 429 and 5xx, and once, at once, when the answer carries a
    /// `WECHATPAY/SIGNTEST/` probe signature (WeChat's check that merchants verify; the
    /// repeat gets a genuine signature). Every WeChat Pay call puzi makes is idempotent:
    /// queries, close and the certificate download by nature, a JSAPI order because WeChat
    /// answers an identical repeat for the same out_trade_no with the same prepay_id, and a
    /// refund because the same out_refund_no is one refund however often it is sent.
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

    /// `call` with a full URL; `verify: false` for the one unsigned answer (the bill file).
    pub(super) async fn call_url(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
        verify: bool,
    ) -> Result<Response, PayError> {
        let body = body.map(|b| serde_json::to_vec(b).expect("JSON serializes"));
        let mut attempt = 0;
        let mut probed = false;
        loop {
            let r = self
                .once(method.clone(), url, body.as_deref(), verify)
                .await;
            match r {
                Err(e) if idempotent && !probed && e.is_probe() => {
                    tracing::info!(url, "WECHATPAY/SIGNTEST/ probe on a response; asking again");
                    probed = true;
                }
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

    /// The `Authorization` header of one request: the merchant's signature over method,
    /// path with query, time, nonce and body.
    async fn authorization(
        &self,
        method: &reqwest::Method,
        url: &reqwest::Url,
        body: &[u8],
    ) -> String {
        let canonical = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        };
        let ts = self.inner.clock.unix();
        let nonce = crypto::nonce();
        let msg = crypto::request_message(method.as_str(), &canonical, ts, &nonce, body);
        let signature = self.sign(msg).await;
        let cfg = &self.inner.cfg;
        crypto::authorization(&cfg.mchid, &cfg.merchant_serial_no, &nonce, ts, &signature)
    }

    /// A signed request to `url`, not yet sent.
    async fn signed_request(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &[u8],
    ) -> Result<reqwest::RequestBuilder, PayError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| PayError::Transport(e.to_string()))?;
        let auth = self.authorization(&method, &parsed, body).await;
        Ok(self
            .inner
            .http
            .request(method, parsed)
            .header("Authorization", auth)
            .header("Accept", "application/json")
            .header("User-Agent", &self.inner.user_agent))
    }

    async fn once(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
        verify: bool,
    ) -> Result<Response, PayError> {
        let mut req = self
            .signed_request(method, url, body.unwrap_or(b""))
            .await?;
        if let Some(id) = self.inner.keyring.public_key_id() {
            req = req.header("Wechatpay-Serial", id);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().await.map_err(transport_error)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(transport_error)?;
        let request_id = request_id(&headers);
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
        let e = ErrorBody::parse(&bytes);
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
        if kr.try_begin_scheduled_refresh(now) {
            self.scheduled_refresh(now).await;
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

    /// Verifies a notification: with the keys already held when they can (no download in
    /// the answer path — WeChat waits at most 5 s), downloading only for a serial never seen
    /// (without its certificate the notification cannot be verified at all). The scheduled
    /// refresh is left to `refresh_if_due`, which the jobs run.
    pub async fn verify_notification(
        &self,
        signed: &SignedHeaders,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        match self.verify_now(signed, body) {
            Err(VerifyError::UnknownSerial(_)) => self.verify(signed, body).await,
            other => other,
        }
    }

    /// Downloads platform certificates when the keyring says they are due (every 6 h,
    /// sooner before one expires); the background jobs call it.
    pub async fn refresh_if_due(&self) {
        let now = self.inner.clock.unix();
        if self.inner.keyring.try_begin_scheduled_refresh(now) {
            self.scheduled_refresh(now).await;
        }
    }

    /// A scheduled certificate download. A merchant WeChat has no certificates for (it
    /// answers `RESOURCE_NOT_EXISTS` to a public-key-only merchant) is not asked again
    /// until the next regular refresh.
    async fn scheduled_refresh(&self, now: i64) {
        match self.refresh_certificates().await {
            Ok(n) => tracing::debug!(certificates = n, "platform certificates refreshed"),
            Err(e) if e.code() == Some("RESOURCE_NOT_EXISTS") => {
                tracing::info!(error = %e, "WeChat Pay has no platform certificates for this merchant");
                self.inner.keyring.mark_checked(now);
            }
            Err(e) => tracing::warn!(error = %e, "platform certificate download failed"),
        }
    }

    /// `GET /v3/certificates` (Global: `/v3/global/certificates`): decrypts every
    /// certificate with the APIv3 key, verifies the response with the keys it carries (or
    /// already known ones) and replaces the set. A probe-signed answer is asked for again
    /// once.
    pub async fn refresh_certificates(&self) -> Result<usize, PayError> {
        match self.download_certificates().await {
            Err(e) if e.is_probe() => {
                tracing::info!("WECHATPAY/SIGNTEST/ probe on the certificate list; asking again");
                self.download_certificates().await
            }
            other => other,
        }
    }

    async fn download_certificates(&self) -> Result<usize, PayError> {
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
            let cert = crate::x509::parse(&der)
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
                    key: PublicKey::from_spki_der(&cert.spki_der),
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
        let resp = self
            .signed_request(method, url, b"")
            .await?
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| PayError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            let e = ErrorBody::parse(&bytes);
            return Err(PayError::Api {
                status,
                code: e.code.unwrap_or_else(|| format!("HTTP_{status}")),
                message: e.message.unwrap_or_default(),
                detail: e.detail,
                request_id: request_id(&headers),
            });
        }
        Ok((headers, bytes))
    }

    /// Reads a verified answer's JSON body.
    pub(super) fn decode<T: serde::de::DeserializeOwned>(r: &Response) -> Result<T, PayError> {
        serde_json::from_slice(&r.body).map_err(|e| PayError::Decode(e.to_string()))
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

fn cert_der_from_pem(pem: &[u8]) -> Result<Vec<u8>, String> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem)
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| e.to_string())
}
