//! The built-in WeChat simulator, mounted under `/sandbox/` when `[wechat] mode =
//! "sandbox"`. It is not a mock: it speaks WeChat's wire format — signed Pay v3 requests
//! and responses, encrypted and signed notifications with WeChat's retry schedule, OAuth
//! codes, access tokens, template messages — and the shop's real `wechat` clients talk to
//! it over HTTP. Faults (duplicate, lost, delayed, forged notifications, failing calls)
//! can be asked for, and `/sandbox/phone` shows what the shopper's WeChat would receive.
//!
//! Records live in the store's sandbox table, so a restart loses no pending delivery.

mod booth;
mod jssdk;
pub mod keys;
mod notify;
mod oauth;
mod official_account;
mod pages;
mod pay;
mod phone;
mod scan;
mod sheet;

use crate::clock::Clock;
use crate::store::{SandboxTable, Store, StoreError};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, Method, Response, StatusCode};
use keys::SandboxKeys;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use booth::{Event as BoothEvent, feed as booth_feed};
pub use notify::{Delivery, DeliveryState, RETRY_SCHEDULE};
pub use oauth::openid;
pub use official_account::{Message as OaMessage, messages as oa_messages};

pub type Resp = Response<Full<Bytes>>;

/// Knobs for demos and tests.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Multiplies WeChat's notification retry schedule (1.0 = real; 0 = retry at once).
    pub retry_scale: f64,
    /// How long a refund stays PROCESSING.
    pub refund_delay_secs: i64,
    /// How long a "hang" fault keeps an API call waiting.
    pub hang: Duration,
    /// Timeout of each notification POST (WeChat: 5 s).
    pub notify_timeout: Duration,
    /// The merchant name on the payment sheet and vouchers.
    pub merchant_name: String,
    /// Deliver notifications to the shop's own loopback address without verifying its
    /// (self-signed or not-yet-issued) certificate. Only the shop's own sandbox does this.
    pub loopback_tls_insecure: bool,
    /// WeChat Pay Global: CNY a shopper pays per unit of the order currency.
    pub exchange_rate: f64,
    /// The shop's language: the booth, the phone page and generated persona names.
    pub lang: crate::text::Lang,
    /// The URL phones open the shop at (the booth's QR code).
    pub shop_url: String,
    /// Refill a sold-out demo SKU to its seeded stock after a payment is applied.
    pub refill: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry_scale: 1.0,
            refund_delay_secs: 10,
            hang: Duration::from_secs(15),
            notify_timeout: Duration::from_secs(5),
            merchant_name: "puzi".into(),
            loopback_tls_insecure: false,
            exchange_rate: 0.92,
            lang: crate::text::Lang::Zh,
            shop_url: String::new(),
            refill: false,
        }
    }
}

/// Faults waiting for the next notification or API call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Faults {
    /// Applies to the next notification created.
    pub next_notification: Option<NotificationFault>,
    /// Applies to the next Pay API call.
    pub next_api_call: Option<ApiFault>,
    /// How many calls after the next one get the same API fault.
    #[serde(default)]
    pub api_fault_repeats: u32,
    /// Applies to the next Official Account call that carries an access token.
    #[serde(default)]
    pub next_oa_call: Option<OaFault>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotificationFault {
    /// Delivered twice, one after the other.
    Duplicate,
    /// Delivered twice at the same moment.
    Concurrent,
    /// Held back this many seconds.
    Delay { seconds: i64 },
    /// Never delivered.
    Lose,
    /// Delivered only after the payment sheet has returned to the page.
    AfterReturn,
    /// First attempt signed with a key that is not WeChat's.
    Forged,
    /// First attempt with a timestamp outside the five-minute window.
    Stale,
    /// First attempt carries a `WECHATPAY/SIGNTEST/` probe signature.
    Probe,
    /// Signed with the platform certificate (its serial in `Wechatpay-Serial`) instead of
    /// the WeChat Pay public key, as WeChat does for some callbacks during the migration.
    CertSerial,
    /// WeChat Pay Global: the resource names WeChat's order number this way (the sandbox
    /// otherwise writes `id`, as the Global query API does).
    OrderNumberAs { name: OrderNumberName },
}

/// How a WeChat Pay Global transaction resource names WeChat's order number.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrderNumberName {
    Id,
    TransactionId,
    /// Both fields, with the same value.
    Both,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApiFault {
    /// Answer 500 `SYSTEM_ERROR`.
    SystemError,
    /// Answer only after `Settings::hang`.
    Hang,
    /// Answer normally, but with a `WECHATPAY/SIGNTEST/` probe signature.
    Probe,
    /// Sign the answer with the platform certificate serial, whatever the caller named.
    CertSerial,
    /// Answer 400 `PARAM_ERROR`, as WeChat does for a request it will never accept.
    ParamError,
}

/// Faults of the Official Account API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OaFault {
    /// The next call that carries an access token answers 40001, even for the current
    /// token (WeChat does this after a token was replaced elsewhere).
    TokenRejected,
    /// Every call (token calls included) answers 40164: the server's IP is not on the
    /// account's whitelist. It stays until cleared, as a whitelist does.
    IpNotWhitelisted { ip: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] keys::KeysError),
    /// A blocking or spawned sandbox task panicked or was cancelled.
    #[error("sandbox task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

pub(crate) struct Inner {
    pub keys: SandboxKeys,
    pub store: Store,
    pub clock: Clock,
    pub settings: Settings,
    pub http: reqwest::Client,
    pub faults: Mutex<Faults>,
    pub wake: tokio::sync::Notify,
    pub deliver_lock: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("appid", &self.inner.keys.manifest.appid)
            .finish()
    }
}

/// An HTTP request as the sandbox sees it: the path below `/sandbox`.
pub struct Request {
    pub method: Method,
    /// E.g. `/v3/pay/transactions/jsapi`.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `scheme://host[:port]` the request reached, to build absolute sandbox URLs.
    pub origin: String,
}

impl Request {
    pub fn query_map(&self) -> std::collections::HashMap<String, String> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }

    pub fn form(&self) -> std::collections::HashMap<String, String> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The full path and query under the site root, as a signature covers it.
    pub fn signed_url(&self) -> String {
        match &self.query {
            Some(q) => format!("/sandbox{}?{q}", self.path),
            None => format!("/sandbox{}", self.path),
        }
    }
}

pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn json(status: StatusCode, v: &serde_json::Value) -> Resp {
    respond(status, "application/json", v.to_string())
}

pub(crate) fn html(markup: maud::Markup) -> Resp {
    respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        markup.into_string(),
    )
}

pub(crate) fn redirect(location: &str) -> Resp {
    let mut r = respond(StatusCode::FOUND, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Runs blocking store work off the async threads; a task that panicked becomes an error.
pub(crate) async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, StoreError> + Send + 'static,
) -> Result<R, SandboxError> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// The next number of the counter `name` (`seq/<name>`), starting at 1.
pub(crate) fn next_seq(t: &mut SandboxTable<'_>, name: &str) -> Result<u64, StoreError> {
    let key = format!("seq/{name}");
    let n = t
        .get(&key)?
        .and_then(|b| {
            std::str::from_utf8(&b)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
        })
        .unwrap_or(0)
        + 1;
    t.put(&key, n.to_string().as_bytes())?;
    Ok(n)
}

pub(crate) fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("plain records serialize")
}

pub(crate) fn dec<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(b).map_err(|e| StoreError::Corrupt {
        table: "sandbox",
        detail: e.to_string(),
    })
}

pub(crate) use crate::clock::rfc3339_cst;

impl Sandbox {
    /// Loads (or creates) the sandbox keys under `dir` and opens its records in `store`.
    pub fn open(
        dir: &std::path::Path,
        store: Store,
        clock: Clock,
        settings: Settings,
    ) -> Result<Sandbox, SandboxError> {
        let keys = SandboxKeys::load_or_create(dir)?;
        let http = reqwest::Client::builder()
            .timeout(settings.notify_timeout)
            .danger_accept_invalid_certs(settings.loopback_tls_insecure)
            .build()
            .expect("HTTP client builds");
        Ok(Sandbox {
            inner: Arc::new(Inner {
                keys,
                store,
                clock,
                settings,
                http,
                faults: Mutex::new(Faults::default()),
                wake: tokio::sync::Notify::new(),
                deliver_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub fn keys(&self) -> &SandboxKeys {
        &self.inner.keys
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    fn faults_mut(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.inner.faults.lock().expect("faults lock")
    }

    pub fn faults(&self) -> Faults {
        self.faults_mut().clone()
    }

    pub fn set_notification_fault(&self, f: NotificationFault) {
        self.faults_mut().next_notification = Some(f);
    }

    pub fn set_api_fault(&self, f: ApiFault) {
        self.set_api_fault_times(f, 1);
    }

    /// The next `n` Pay API calls get fault `f` (a client that retries meets it again).
    pub fn set_api_fault_times(&self, f: ApiFault, n: u32) {
        let mut faults = self.faults_mut();
        faults.next_api_call = (n > 0).then_some(f);
        faults.api_fault_repeats = n.saturating_sub(1);
    }

    pub fn set_oa_fault(&self, f: OaFault) {
        self.faults_mut().next_oa_call = Some(f);
    }

    /// The fault waiting for the next Official Account call, which it consumes (a
    /// whitelist fault stays).
    pub(crate) fn take_oa_fault(&self) -> Option<OaFault> {
        let mut f = self.faults_mut();
        match f.next_oa_call {
            Some(OaFault::IpNotWhitelisted { .. }) => f.next_oa_call.clone(),
            _ => f.next_oa_call.take(),
        }
    }

    /// Clears a waiting Official Account fault (the whitelist was fixed).
    pub fn clear_oa_fault(&self) {
        self.faults_mut().next_oa_call = None;
    }

    /// The whitelist fault's IP, if one is set (token calls check it without consuming).
    pub(crate) fn whitelist_fault(&self) -> Option<String> {
        match &self.faults_mut().next_oa_call {
            Some(OaFault::IpNotWhitelisted { ip }) => Some(ip.clone()),
            _ => None,
        }
    }

    /// The fault waiting for the next notification, which it consumes.
    pub(crate) fn take_notification_fault(&self) -> Option<NotificationFault> {
        self.faults_mut().next_notification.take()
    }

    /// The fault waiting for the next Pay API call, which it consumes.
    pub(crate) fn take_api_fault(&self) -> Option<ApiFault> {
        let mut faults = self.faults_mut();
        if faults.api_fault_repeats > 0 {
            faults.api_fault_repeats -= 1;
            return faults.next_api_call.clone();
        }
        faults.next_api_call.take()
    }

    /// Wakes the delivery loop (after the clock moved or a fault changed).
    pub fn kick(&self) {
        self.inner.wake.notify_one();
    }

    /// Handles one request below `/sandbox`.
    pub async fn handle(&self, req: Request) -> Resp {
        let path = req.path.clone();
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let m = req.method.clone();
        let get = m == Method::GET || m == Method::HEAD;
        let post = m == Method::POST;
        let r = match segs.as_slice() {
            ["v3", ..] => pay::handle(self, &req, &segs[1..]).await,
            ["connect", "oauth2", "authorize"] if get => oauth::authorize_page(self, &req).await,
            ["connect", "oauth2", "approve"] if post => oauth::approve(self, &req).await,
            ["sns", "oauth2", "access_token"] if get => oauth::exchange(self, &req).await,
            ["cgi-bin", "token"] if get => official_account::token(self, &req).await,
            ["cgi-bin", "stable_token"] if post => official_account::stable_token(self, &req).await,
            ["cgi-bin", "message", "template", "send"] if post => {
                official_account::template_send(self, &req).await
            }
            ["cgi-bin", "menu", "create"] if post => {
                official_account::menu_create(self, &req).await
            }
            ["cgi-bin", "ticket", "getticket"] if get => jssdk::getticket(self, &req).await,
            ["jweixin.js"] if get => Ok(jssdk::jweixin_js()),
            ["jssdk", "config"] if post => jssdk::check_config(self, &req).await,
            ["jssdk", "share"] if post => jssdk::share(self, &req).await,
            ["jssdk", "address"] if post => jssdk::address(self, &req).await,
            ["bridge.js"] if get => Ok(sheet::bridge_js()),
            ["sheet.css"] if get => Ok(sheet::sheet_css()),
            ["pay", "sheet"] if post => sheet::sheet_info(self, &req).await,
            ["pay", "confirm"] if post => sheet::confirm(self, &req).await,
            ["pay", "returned"] if post => sheet::returned(self, &req).await,
            ["control", "pay"] if post => sheet::control_pay(self, &req).await,
            ["control", "fault"] if post => pages::control_fault(self, &req).await,
            ["control", "deliver"] if post => {
                self.kick();
                Ok(json(StatusCode::OK, &serde_json::json!({"ok": true})))
            }
            ["control", "state"] if get => pages::control_state(self).await,
            ["control", "refill"] if post => booth::control_refill(self, &req).await,
            ["phone"] if get => phone::page(self, &req).await,
            ["phone", "name"] if post => phone::rename(self, &req).await,
            ["phone", "open"] if get => phone::open(self, &req).await,
            ["phone", "follow"] if post => official_account::follow_toggle(self, &req).await,
            ["booth"] if get => booth::page(self).await,
            ["booth", "feed"] if get => booth::feed_json(self).await,
            ["booth.js"] if get => Ok(booth::booth_js()),
            ["phone", "scan"] if get => scan::scan_page(self, &req).await,
            ["phone", "scan"] if post => scan::scan_pay(self, &req).await,
            [""] if get => pages::index(self, &req).await,
            _ => Ok(json(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"code": "NOT_FOUND", "message": "no such sandbox endpoint"}),
            )),
        };
        r.unwrap_or_else(|e| {
            tracing::error!(error = %e, path, "sandbox request failed");
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &serde_json::json!({"code": "SYSTEM_ERROR", "message": e.to_string()}),
            )
        })
    }

    /// Delivers due notifications until `stop` resolves.
    pub async fn run_deliveries(&self, stop: impl Future<Output = ()>) {
        notify::run(self, stop).await
    }

    /// Runs every notification that is due now (tests and the control API use it too).
    pub async fn deliver_due(&self) -> Result<usize, SandboxError> {
        notify::deliver_due(self).await
    }

    /// The deliveries, newest first (for the control page and tests).
    pub fn deliveries(&self) -> Result<Vec<Delivery>, StoreError> {
        notify::all(self)
    }
}
