//! Configuration: the TOML file (and environment variables for secrets) parsed into raw
//! structs, then validated into a typed `Config`. Nothing else in puzi reads config.
//!
//! This module owns the validated types, `Secret`, `ConfigError`, `load`/`parse`, the
//! `puzi init` template and the `puzi demo` config (both embedded TOML files), and the
//! one function that derives the shop's public base URL. `raw` holds the file's serde
//! shape; `validate` checks it section by section.
//!
//! Every error names the file, the key and the problem in one line. Secrets are wrapped in
//! `Secret`, whose `Debug` prints `[redacted]`, so a logged `Config` leaks nothing.

mod follow;
mod raw;
mod service;
mod validate;

use crate::cart::ShippingRule;
use crate::money::Currency;
use crate::text::Lang;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::secret::Secret;
pub use crate::wechat::settings::{Flavour, Institution};

/// One configuration problem: which file, which key, what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {key}: {problem}")]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub problem: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The file this came from; `None` for `puzi demo`.
    pub source: Option<PathBuf>,
    pub shop: ShopConfig,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub tls: TlsConfig,
    pub wechat: WechatConfig,
    pub sandbox: SandboxConfig,
    pub log: LogFormat,
    /// How often background jobs (closing, reconciling, refunds, bill, backups) run;
    /// `None` runs none (tests drive them by hand).
    pub jobs_interval: Option<Duration>,
    pub backup: BackupConfig,
    /// `[owner]`: the owner's phone.
    pub owner: OwnerConfig,
}

/// `[owner]`: how owner messages reach the phones bound in the back office.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerConfig {
    /// Owner messages due inside this window wait until it ends (China time).
    pub quiet_hours: Option<QuietHours>,
}

/// A daily window in China time, in minutes after midnight; `start > end` crosses midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    pub start: u16,
    pub end: u16,
}

impl QuietHours {
    /// Parses "HH:MM-HH:MM" (two different times).
    pub fn parse(s: &str) -> Option<QuietHours> {
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (a, b) = s.split_once('-')?;
        let (start, end) = (minutes(a)?, minutes(b)?);
        (start != end).then_some(QuietHours { start, end })
    }
}

/// `[backup]`: scheduled backups with retention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupConfig {
    /// 0 = no scheduled backups.
    pub interval_hours: u64,
    pub keep: usize,
    pub dir: PathBuf,
}

/// `[sandbox]`: knobs of the built-in WeChat simulator (sandbox mode only).
#[derive(Clone, Debug, PartialEq)]
pub struct SandboxConfig {
    /// Multiplies WeChat's notification retry schedule (1.0 = real time).
    pub notify_retry_scale: f64,
    /// How long a sandbox refund stays PROCESSING.
    pub refund_delay_secs: i64,
    /// Global flavour: CNY a shopper pays per unit of the order currency.
    pub exchange_rate: f64,
    /// Whether `/sandbox/` answers visitors that are not on this machine. When it does,
    /// its control API needs an owner session.
    pub public: bool,
    /// Refill a demo product's stock to its seeded level when it sells out (after the
    /// sale's payment is applied). On in `puzi demo`.
    pub refill: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            notify_retry_scale: 1.0,
            refund_delay_secs: 10,
            exchange_rate: 0.92,
            public: false,
            refill: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ShopConfig {
    pub name: String,
    /// The public URL without trailing slash, e.g. `https://shop.example.com`.
    /// `None` means "derive it from the listen address" (demo).
    pub base_url: Option<String>,
    pub currency: Currency,
    pub language: Lang,
    pub shipping: ShippingRule,
    /// Unpaid orders are closed after this long.
    pub order_timeout: Duration,
    /// Shipped orders the shopper has not confirmed complete this many days after shipping.
    pub auto_complete_days: u32,
    /// Signed order links (delivery message, QR handoff, thank-you page) work this many days.
    pub order_link_days: u32,
    /// Shopper sessions (carts, entry channels) unused this long are deleted.
    pub session_idle_days: u32,
    /// Unpaid orders one shopper (session, openid, or mobile number) may hold at once, so a
    /// script cannot keep every item reserved.
    pub max_unpaid_orders: u32,
    /// Orders one client address may place per hour (many shoppers can share an address
    /// behind a carrier's NAT, so the default is generous).
    pub checkouts_per_hour: u32,
    /// The thank-you page after a confirmed payment.
    pub thanks: Thanks,
    /// Customer service: how shoppers reach the shop (`/service`).
    pub service: Service,
}

/// The shop's customer-service contact (`[shop] service_phone`, `service_wechat_id`,
/// `service_hours`), shown at `/service` and linked from product and order pages.
#[derive(Clone, Debug, Default)]
pub struct Service {
    pub phone: Option<String>,
    pub wechat_id: Option<String>,
    pub hours: Option<String>,
}

impl Service {
    /// Whether the shop has published any way to reach it.
    pub fn is_set(&self) -> bool {
        self.phone.is_some() || self.wechat_id.is_some()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Thanks {
    pub text: Option<String>,
    /// An image URL (https, or a path on the shop).
    pub image: Option<String>,
    /// A link the shopper can follow next (e.g. the Official Account article).
    pub link: Option<String>,
    pub link_text: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive, from the start of the request.
    pub body_timeout: Duration,
    /// A connection with no request in flight for this long is closed (h1 and h2).
    pub idle_timeout: Duration,
    /// Connections served at once; more are refused (a short 503 on plain HTTP).
    pub max_connections: usize,
    /// `Authorization: Bearer …` that opens `/metrics` to other hosts than loopback.
    pub metrics_token: Option<Secret>,
}

#[derive(Clone, Debug)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
}

impl StorageConfig {
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("puzi.redb")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP, for a laptop or behind a reverse proxy.
    Off,
    /// A certificate generated (once, kept in the data dir) for these names.
    SelfSigned { names: Vec<String> },
    /// PEM files, reloaded when they change.
    Files { cert: PathBuf, key: PathBuf },
    /// Certificates from an ACME CA, obtained and renewed by puzi (HTTP-01).
    Acme {
        names: Vec<String>,
        directory: String,
        email: Option<String>,
        /// An extra root to trust for the directory (a test CA such as Pebble's).
        ca_file: Option<PathBuf>,
    },
}

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    pub mode: TlsMode,
    /// Plain-HTTP listener that redirects to https and answers ACME HTTP-01 challenges.
    pub http_listen: Option<SocketAddr>,
    /// How often `files` mode looks for changed files.
    pub reload_secs: u64,
}

impl TlsConfig {
    pub fn off() -> TlsConfig {
        TlsConfig {
            mode: TlsMode::Off,
            http_listen: None,
            reload_secs: 60,
        }
    }
    pub fn is_on(&self) -> bool {
        self.mode != TlsMode::Off
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// WeChat Pay Global's default host (Hong Kong).
pub const GLOBAL_API_BASE: &str = "https://apihk.mch.weixin.qq.com";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WechatMode {
    Live,
    Sandbox,
}

/// An image read from `[wechat] follow_qr_image`: its bytes and content type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowQr {
    pub data: std::sync::Arc<Vec<u8>>,
    pub content_type: &'static str,
}

#[derive(Clone, Debug)]
pub struct WechatConfig {
    pub mode: WechatMode,
    /// Mainland WeChat Pay (`/v3/pay/…`) or WeChat Pay Global (`/v3/global/…`).
    pub flavour: Flavour,
    pub appid: Option<String>,
    pub app_secret: Option<Secret>,
    pub mchid: Option<String>,
    pub merchant_serial_no: Option<String>,
    pub merchant_key_file: Option<PathBuf>,
    /// `apiclient_cert.pem`, only used to check that key and serial belong together.
    pub merchant_cert_file: Option<PathBuf>,
    pub apiv3_key: Option<Secret>,
    pub public_key_id: Option<String>,
    pub public_key_file: Option<PathBuf>,
    /// Download platform certificates (`/v3/certificates`) even when a public key is
    /// configured, and accept signatures by either while both are held (WeChat's
    /// migration from certificates to the public key). Default true.
    pub platform_certificates: bool,
    pub api_base: String,
    pub oauth_base: String,
    pub sns_base: String,
    /// The Official Account template for "your order has shipped"; none = no message.
    pub shipped_template_id: Option<String>,
    /// The template's keys for order number, goods, courier and tracking number.
    pub shipped_template_keys: [String; 4],
    /// The Official Account template for "your refund request was decided"; none = no
    /// message. Keys: `character_string1` order number, `phrase2` outcome, `amount3` refund,
    /// `thing4` the owner's reason.
    pub aftersales_template_id: Option<String>,
    /// Owner messages (issue 14): paid orders; none = no such message.
    pub owner_order_template_id: Option<String>,
    /// Owner messages: after-sales requests; none = no such message.
    pub owner_aftersales_template_id: Option<String>,
    /// Owner messages: alerts and low stock; none = no such message.
    pub owner_alert_template_id: Option<String>,
    /// The owner templates' keys for what happened, the order number (or SKU), the amount
    /// (or the stock left, the alert kind), the items and the time.
    pub owner_template_keys: [String; 5],
    /// The Official Account's QR code (PNG, JPEG, GIF or WebP), read when the config is
    /// loaded; shown on an order page whose shopper WeChat would not message.
    pub follow_qr_image: Option<FollowQr>,
    /// Custom menu buttons `puzi wechat menu` installs: (name, URL or path).
    pub menu: Vec<(String, String)>,
}

pub const DEFAULT_SHIPPED_KEYS: [&str; 4] =
    ["character_string1", "thing2", "thing3", "character_string4"];

pub const DEFAULT_OWNER_KEYS: [&str; 5] =
    ["thing1", "character_string2", "amount3", "thing4", "time5"];

pub const DEFAULT_API_BASE: &str = "https://api.mch.weixin.qq.com";
pub const DEFAULT_OAUTH_BASE: &str = "https://open.weixin.qq.com";
pub const DEFAULT_SNS_BASE: &str = "https://api.weixin.qq.com";
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Environment variables that may carry secrets instead of the file.
pub const ENV_APP_SECRET: &str = "PUZI_WECHAT_APP_SECRET";
pub const ENV_APIV3_KEY: &str = "PUZI_WECHAT_APIV3_KEY";
pub const ENV_METRICS_TOKEN: &str = "PUZI_METRICS_TOKEN";

/// The commented template `puzi init` writes.
pub const TEMPLATE: &str = include_str!("template.toml");

/// The zero-config shop of `puzi demo`, read through `parse` like any config file.
const DEMO: &str = include_str!("demo.toml");

/// Loads and validates a config file, reading secrets from the process environment.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        key: "-".into(),
        problem: format!("cannot read the file: {e}"),
    })?;
    parse(path, &text, &|k| std::env::var(k).ok())
}

/// Parses and validates config text. `env` looks up environment variables.
pub fn parse(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let err = |key: String, problem: String| ConfigError {
        file: path.display().to_string(),
        key,
        problem,
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(0);
        err(
            format!("line {line}"),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let raw: raw::RawConfig =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.lines().next().unwrap_or_default().to_string();
            err(key, inner)
        })?;
    validate::validate(path, raw, env)
}

impl Config {
    /// The zero-config setup of `puzi demo`: sandbox WeChat, plain HTTP, demo shipping rule,
    /// with the data directory and listen address from the command line.
    pub fn demo(data_dir: PathBuf, listen: SocketAddr) -> Config {
        // The embedded file is fixed at build time and a unit test parses it.
        let mut c = parse(Path::new("demo.toml"), DEMO, &|_| None)
            .unwrap_or_else(|e| panic!("the embedded demo config is invalid: {e}"));
        c.source = None;
        c.server.listen = listen;
        c.backup.dir = data_dir.join("backups");
        c.storage.data_dir = data_dir;
        c
    }

    /// Whether shoppers reach the shop over https (so cookies get `Secure`).
    pub fn served_over_https(&self) -> bool {
        self.tls.is_on()
            || self
                .shop
                .base_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }

    /// The URL the shop answers on locally when its listener is bound to `bound`: https
    /// when the shop terminates TLS itself, an unspecified address replaced by loopback.
    pub fn local_url(&self, bound: SocketAddr) -> String {
        let ip = match bound.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if self.tls.is_on() { "https" } else { "http" };
        format!("{scheme}://{}", SocketAddr::new(ip, bound.port()))
    }

    /// The public base URL shoppers and WeChat reach the shop at, without trailing slash:
    /// `[shop] base_url` when set, else `local_url(bound)`. The only place it is derived.
    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        self.shop
            .base_url
            .clone()
            .unwrap_or_else(|| self.local_url(bound))
    }
}

#[cfg(test)]
mod tests;
