//! The WeChat Pay API v3 client: signed requests, verified responses, typed errors, and
//! the operations the shop uses (JSAPI order and `paySign`, query, close, refunds, trade
//! bill, platform certificates). It knows nothing about orders: callers pass plain values.
//!
//! - `wire`: the request and response bodies (serde types) and WeChat's field rules;
//! - `transport`: the client, request signing, response verification, retries, errors and
//!   the platform-certificate download that keeps the keyring fresh;
//! - `ops`: one method per WeChat Pay operation, domestic and Global;
//! - `native`: the Native order (a QR code's `code_url`) for payers outside WeChat.

mod native;
mod ops;
mod transport;
mod wire;

pub use native::NativeOrder;
pub use transport::{PayClient, PayError, Response};
pub use wire::{
    EncryptedResource, JsapiOrder, JsapiParams, Payer, Refund, RefundAmount, RefundRequest,
    Transaction, TransactionAmount, strip_4byte, valid_notify_url, valid_out_trade_no,
};

use super::crypto::MerchantKey;
use super::settings::Flavour;
use crate::secret::Secret;
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
    pub apiv3_key: Secret,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Pauses before each retry of a call that is safe to repeat.
    pub retry_backoff: Vec<Duration>,
    /// Accept `http://` notify URLs (the built-in sandbox only; WeChat requires https).
    pub allow_http_notify: bool,
    /// Mainland (`/v3/pay/…`) or WeChat Pay Global (`/v3/global/…`). In institution mode
    /// `mchid` and `appid` above are the institution's (`sp_mchid`, `sp_appid`).
    pub flavour: Flavour,
}

impl PayConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub fn default_backoff() -> Vec<Duration> {
        vec![Duration::from_millis(200), Duration::from_secs(1)]
    }
}
