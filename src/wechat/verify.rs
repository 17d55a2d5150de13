//! Verifying a WeChat Pay signature carried in `Wechatpay-*` headers over a raw body — the
//! same check for API responses and for notifications.

use super::crypto::{PublicKey, response_message};
use hyper::HeaderMap;

/// A signature older or newer than this is refused (WeChat: five minutes).
pub const WINDOW_SECS: i64 = 300;
/// The prefix of WeChat's deliberate bad signatures. They fail like any other bad one;
/// the prefix only labels them in logs.
pub const SIGNTEST_PREFIX: &str = "WECHATPAY/SIGNTEST/";

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("Wechatpay-Timestamp is not a number")]
    BadTimestamp,
    #[error("the signature is stale: timestamp {timestamp}, now {now} (window {WINDOW_SECS} s)")]
    Stale { timestamp: i64, now: i64 },
    #[error("no key is known for Wechatpay-Serial {0}")]
    UnknownSerial(String),
    #[error("unsupported Wechatpay-Signature-Type {0}")]
    SignatureType(String),
    #[error("the signature does not verify{}", if *probe { " (a WECHATPAY/SIGNTEST/ probe)" } else { "" })]
    BadSignature { probe: bool },
}

/// The signature headers of a response or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
}

fn header<'a>(h: &'a HeaderMap, name: &'static str) -> Result<&'a str, VerifyError> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(VerifyError::MissingHeader(name))
}

impl SignedHeaders {
    pub fn from_headers(h: &HeaderMap) -> Result<SignedHeaders, VerifyError> {
        if let Some(t) = h.get("wechatpay-signature-type") {
            let t = t.to_str().unwrap_or("");
            if t != "WECHATPAY2-SHA256-RSA2048" {
                return Err(VerifyError::SignatureType(t.to_string()));
            }
        }
        Ok(SignedHeaders {
            timestamp: header(h, "wechatpay-timestamp")?.to_string(),
            nonce: header(h, "wechatpay-nonce")?.to_string(),
            signature: header(h, "wechatpay-signature")?.to_string(),
            serial: header(h, "wechatpay-serial")?.to_string(),
        })
    }

    /// Checks the window, finds the key by serial and verifies over the raw body.
    pub fn verify(
        &self,
        body: &[u8],
        now: i64,
        lookup: impl Fn(&str) -> Option<PublicKey>,
    ) -> Result<(), VerifyError> {
        let ts: i64 = self
            .timestamp
            .parse()
            .map_err(|_| VerifyError::BadTimestamp)?;
        if (now - ts).abs() >= WINDOW_SECS {
            return Err(VerifyError::Stale { timestamp: ts, now });
        }
        let key =
            lookup(&self.serial).ok_or_else(|| VerifyError::UnknownSerial(self.serial.clone()))?;
        let msg = response_message(&self.timestamp, &self.nonce, body);
        if key.verify(&msg, &self.signature) {
            Ok(())
        } else {
            Err(VerifyError::BadSignature {
                probe: self.signature.starts_with(SIGNTEST_PREFIX),
            })
        }
    }
}
