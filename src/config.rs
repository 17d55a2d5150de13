//! Configuration: the TOML file (and environment variables for secrets) parsed into raw
//! structs, then validated into a typed `Config`. Nothing else in puzi reads config.
//!
//! Every error names the file, the key and the problem in one line. Secrets are wrapped in
//! `Secret`, whose `Debug` prints `[redacted]`, so a logged `Config` leaks nothing.

use crate::cart::ShippingRule;
use crate::money::{Currency, Money};
use crate::text::Lang;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::{
    secret::Secret,
    wechat::settings::{Flavour, Institution},
};

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
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            notify_retry_scale: 1.0,
            refund_delay_secs: 10,
            exchange_rate: 0.92,
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
    /// The thank-you page after a confirmed payment.
    pub thanks: Thanks,
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
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
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
    pub api_base: String,
    pub oauth_base: String,
    pub sns_base: String,
    /// The Official Account template for "your order has shipped"; none = no message.
    pub shipped_template_id: Option<String>,
    /// The template's keys for order number, goods, courier and tracking number.
    pub shipped_template_keys: [String; 4],
    /// Custom menu buttons `puzi wechat menu` installs: (name, URL or path).
    pub menu: Vec<(String, String)>,
}

pub const DEFAULT_SHIPPED_KEYS: [&str; 4] =
    ["character_string1", "thing2", "thing3", "character_string4"];

pub const DEFAULT_API_BASE: &str = "https://api.mch.weixin.qq.com";
pub const DEFAULT_OAUTH_BASE: &str = "https://open.weixin.qq.com";
pub const DEFAULT_SNS_BASE: &str = "https://api.weixin.qq.com";
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Raw file shape

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    shop: RawShop,
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    tls: RawTls,
    #[serde(default)]
    wechat: RawWechat,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    sandbox: RawSandbox,
    #[serde(default)]
    jobs: RawJobs,
    #[serde(default)]
    backup: RawBackup,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBackup {
    interval_hours: Option<u64>,
    keep: Option<usize>,
    dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawJobs {
    interval_secs: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    notify_retry_scale: Option<f64>,
    refund_delay_secs: Option<i64>,
    exchange_rate: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawShop {
    name: Option<String>,
    base_url: Option<String>,
    currency: Option<String>,
    language: Option<String>,
    shipping_fee: Option<String>,
    free_shipping_over: Option<String>,
    order_timeout_minutes: Option<u64>,
    thanks_text: Option<String>,
    thanks_image: Option<String>,
    thanks_link: Option<String>,
    thanks_link_text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    body_limit_kb: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    data_dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    mode: Option<String>,
    #[serde(default)]
    names: Vec<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    acme_directory: Option<String>,
    acme_email: Option<String>,
    acme_ca_file: Option<String>,
    http_listen: Option<String>,
    reload_secs: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWechat {
    mode: Option<String>,
    flavour: Option<String>,
    merchant_category_code: Option<String>,
    sp_mchid: Option<String>,
    sp_appid: Option<String>,
    sub_mchid: Option<String>,
    sub_appid: Option<String>,
    appid: Option<String>,
    app_secret: Option<String>,
    mchid: Option<String>,
    merchant_serial_no: Option<String>,
    merchant_key_file: Option<String>,
    merchant_cert_file: Option<String>,
    apiv3_key_file: Option<String>,
    public_key_id: Option<String>,
    public_key_file: Option<String>,
    api_base: Option<String>,
    oauth_base: Option<String>,
    sns_base: Option<String>,
    shipped_template_id: Option<String>,
    shipped_template_keys: Option<Vec<String>>,
    #[serde(default)]
    menu: Vec<RawMenuButton>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMenuButton {
    name: String,
    url: String,
}

/// Environment variables that may carry secrets instead of the file.
pub const ENV_APP_SECRET: &str = "PUZI_WECHAT_APP_SECRET";
pub const ENV_APIV3_KEY: &str = "PUZI_WECHAT_APIV3_KEY";

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
    let file = path.display().to_string();
    let err = |key: &str, problem: String| ConfigError {
        file: file.clone(),
        key: key.to_string(),
        problem,
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(0);
        err(
            &format!("line {line}"),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let raw: RawConfig =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.lines().next().unwrap_or_default().to_string();
            err(&key, inner)
        })?;
    validate(path, raw, env)
}

fn validate(
    path: &Path,
    raw: RawConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let err = |key: &str, problem: String| ConfigError {
        file: file.clone(),
        key: key.to_string(),
        problem,
    };

    // [shop]
    let currency = match raw.shop.currency.as_deref() {
        None => Currency::CNY,
        Some(c) => Currency::parse(c)
            .ok_or_else(|| err("shop.currency", format!("unknown currency {c:?}")))?,
    };
    let language = match raw.shop.language.as_deref() {
        None => Lang::Zh,
        Some(l) => Lang::parse(l).ok_or_else(|| {
            err(
                "shop.language",
                format!("{l:?} is not supported; use \"zh-CN\" or \"en\""),
            )
        })?,
    };
    let money = |key: &str, v: &str| {
        Money::parse_decimal(v, currency).ok_or_else(|| {
            err(
                key,
                format!(
                    "{v:?} is not an amount in {currency} (write it like \"{}\")",
                    Money(800).decimal(currency)
                ),
            )
        })
    };
    let flat_fee = match raw.shop.shipping_fee.as_deref() {
        None => Money::ZERO,
        Some(v) => money("shop.shipping_fee", v)?,
    };
    let free_over = match raw.shop.free_shipping_over.as_deref() {
        None => None,
        Some(v) => Some(money("shop.free_shipping_over", v)?),
    };
    let base_url = match raw.shop.base_url {
        None => None,
        Some(u) => Some(validate_base_url(&u).map_err(|p| err("shop.base_url", p))?),
    };
    let timeout_min = raw.shop.order_timeout_minutes.unwrap_or(15);
    if !(5..=7 * 24 * 60).contains(&timeout_min) {
        return Err(err(
            "shop.order_timeout_minutes",
            format!("{timeout_min} is out of range; WeChat requires at least 5 minutes"),
        ));
    }
    let name = raw.shop.name.unwrap_or_else(|| "铺子".to_string());
    if name.trim().is_empty() || name.chars().count() > 40 {
        return Err(err("shop.name", "must be 1–40 characters".into()));
    }

    for (key, v) in [
        ("shop.thanks_image", &raw.shop.thanks_image),
        ("shop.thanks_link", &raw.shop.thanks_link),
    ] {
        if let Some(u) = v
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        {
            return Err(err(
                key,
                format!("{u:?} must be an http(s) URL or a path on the shop"),
            ));
        }
    }
    let thanks = Thanks {
        text: raw.shop.thanks_text,
        image: raw.shop.thanks_image,
        link: raw.shop.thanks_link,
        link_text: raw.shop.thanks_link_text,
    };

    // [server]
    let listen_s = raw
        .server
        .listen
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listen: SocketAddr = listen_s.parse().map_err(|_| {
        err(
            "server.listen",
            format!("{listen_s:?} is not an address like \"0.0.0.0:443\""),
        )
    })?;
    let body_limit = match raw.server.body_limit_kb {
        None => DEFAULT_BODY_LIMIT,
        Some(kb) if (1..=64 * 1024).contains(&kb) => kb as usize * 1024,
        Some(kb) => {
            return Err(err(
                "server.body_limit_kb",
                format!("{kb} is out of range 1–65536"),
            ));
        }
    };

    let mut trusted_proxies = Vec::new();
    for p in &raw.server.trusted_proxies {
        trusted_proxies.push(p.parse().map_err(|_| {
            err(
                "server.trusted_proxies",
                format!("{p:?} is not an IP address"),
            )
        })?);
    }

    // [storage]
    let data_dir = PathBuf::from(raw.storage.data_dir.unwrap_or_else(|| "./puzi-data".into()));
    if data_dir.as_os_str().is_empty() {
        return Err(err("storage.data_dir", "must not be empty".into()));
    }

    // [tls]
    let t = raw.tls;
    let names = |default: &[&str]| -> Result<Vec<String>, ConfigError> {
        let v: Vec<String> = if t.names.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            t.names.clone()
        };
        for n in &v {
            if n.is_empty() || n.contains(['/', ' ', ':']) {
                return Err(err("tls.names", format!("{n:?} is not a host name")));
            }
        }
        Ok(v)
    };
    let mode =
        match t.mode.as_deref().unwrap_or("off") {
            "off" => TlsMode::Off,
            "self-signed" => TlsMode::SelfSigned {
                names: names(&["localhost", "127.0.0.1"])?,
            },
            "files" => TlsMode::Files {
                cert: PathBuf::from(t.cert_file.clone().ok_or_else(|| {
                    err("tls.cert_file", "required when tls.mode = \"files\"".into())
                })?),
                key: PathBuf::from(t.key_file.clone().ok_or_else(|| {
                    err("tls.key_file", "required when tls.mode = \"files\"".into())
                })?),
            },
            "acme" => {
                let names = names(&[])?;
                if names.is_empty() {
                    return Err(err(
                        "tls.names",
                        "acme needs the domain names to certify".into(),
                    ));
                }
                TlsMode::Acme {
                    names,
                    directory: t
                        .acme_directory
                        .clone()
                        .unwrap_or_else(|| LETS_ENCRYPT.into()),
                    email: t.acme_email.clone(),
                    ca_file: t.acme_ca_file.clone().map(PathBuf::from),
                }
            }
            m => {
                return Err(err(
                    "tls.mode",
                    format!("{m:?} is not one of \"acme\", \"files\", \"self-signed\", \"off\""),
                ));
            }
        };
    let http_listen = match t.http_listen.as_deref() {
        Some("") => None,
        Some(a) => Some(
            a.parse()
                .map_err(|_| err("tls.http_listen", format!("{a:?} is not an address")))?,
        ),
        None if mode != TlsMode::Off => Some("0.0.0.0:80".parse().expect("valid")),
        None => None,
    };
    let tls = TlsConfig {
        mode,
        http_listen,
        reload_secs: t.reload_secs.unwrap_or(60).clamp(1, 3600),
    };

    // [log]
    let log = match raw.log.format.as_deref().unwrap_or("text") {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        f => {
            return Err(err(
                "log.format",
                format!("{f:?} is not \"text\" or \"json\""),
            ));
        }
    };

    // [wechat]
    let w = raw.wechat;
    let mode = match w.mode.as_deref().unwrap_or("sandbox") {
        "live" => WechatMode::Live,
        "sandbox" => WechatMode::Sandbox,
        m => {
            return Err(err(
                "wechat.mode",
                format!("{m:?} is not \"live\" or \"sandbox\""),
            ));
        }
    };
    let base = |key: &str, v: Option<String>, default: &str| -> Result<String, ConfigError> {
        match v {
            None => Ok(default.to_string()),
            Some(u) => validate_base_url(&u).map_err(|p| err(key, p)),
        }
    };
    let app_secret = env(ENV_APP_SECRET).or(w.app_secret).map(Secret::new);
    let apiv3_key = match env(ENV_APIV3_KEY) {
        Some(k) => Some(Secret::new(k)),
        None => match &w.apiv3_key_file {
            None => None,
            Some(f) => Some(Secret::new(
                std::fs::read_to_string(f)
                    .map_err(|e| err("wechat.apiv3_key_file", format!("cannot read {f}: {e}")))?
                    .trim()
                    .to_string(),
            )),
        },
    };
    if let Some(k) = &apiv3_key
        && k.expose().len() != 32
    {
        return Err(err(
            "wechat.apiv3_key_file",
            "the APIv3 key must be exactly 32 characters".into(),
        ));
    }
    let flavour = match w.flavour.as_deref().unwrap_or("domestic") {
        "domestic" => Flavour::Domestic,
        "global" => {
            let mcc = w.merchant_category_code.clone().unwrap_or_else(|| {
                if mode == WechatMode::Sandbox {
                    "5499".into()
                } else {
                    String::new()
                }
            });
            if mcc.is_empty() || mcc.len() > 16 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(
                    "wechat.merchant_category_code",
                    "required for the global flavour: the merchant's MCC, digits".into(),
                ));
            }
            let institution = match (&w.sp_mchid, &w.sub_mchid) {
                (None, None) => None,
                (Some(sp), Some(sub)) => Some(Institution {
                    sp_mchid: sp.clone(),
                    sp_appid: w
                        .sp_appid
                        .clone()
                        .ok_or_else(|| err("wechat.sp_appid", "required with sp_mchid".into()))?,
                    sub_mchid: sub.clone(),
                    sub_appid: w.sub_appid.clone(),
                }),
                _ => {
                    return Err(err(
                        "wechat.sub_mchid",
                        "institution mode needs sp_mchid, sp_appid and sub_mchid together".into(),
                    ));
                }
            };
            Flavour::Global {
                merchant_category_code: mcc,
                institution,
            }
        }
        f => {
            return Err(err(
                "wechat.flavour",
                format!("{f:?} is not \"domestic\" or \"global\""),
            ));
        }
    };
    if flavour == Flavour::Domestic && currency != Currency::CNY {
        return Err(err(
            "shop.currency",
            format!(
                "{currency} needs wechat.flavour = \"global\"; mainland WeChat Pay settles in CNY only"
            ),
        ));
    }
    let default_api = if flavour.is_global() {
        GLOBAL_API_BASE
    } else {
        DEFAULT_API_BASE
    };
    let wechat = WechatConfig {
        mode,
        flavour,
        appid: w.appid,
        app_secret,
        mchid: w.mchid,
        merchant_serial_no: w.merchant_serial_no,
        merchant_key_file: w.merchant_key_file.map(PathBuf::from),
        merchant_cert_file: w.merchant_cert_file.map(PathBuf::from),
        apiv3_key,
        public_key_id: w.public_key_id,
        public_key_file: w.public_key_file.map(PathBuf::from),
        api_base: base("wechat.api_base", w.api_base, default_api)?,
        oauth_base: base("wechat.oauth_base", w.oauth_base, DEFAULT_OAUTH_BASE)?,
        sns_base: base("wechat.sns_base", w.sns_base, DEFAULT_SNS_BASE)?,
        shipped_template_id: w.shipped_template_id.filter(|t| !t.trim().is_empty()),
        shipped_template_keys: match w.shipped_template_keys {
            None => DEFAULT_SHIPPED_KEYS.map(String::from),
            Some(k) if k.len() == 4 && k.iter().all(|x| !x.is_empty()) => {
                [k[0].clone(), k[1].clone(), k[2].clone(), k[3].clone()]
            }
            Some(_) => {
                return Err(err(
                    "wechat.shipped_template_keys",
                    "needs four keys: order number, goods, courier, tracking number".into(),
                ));
            }
        },
        menu: {
            if w.menu.len() > 3 {
                return Err(err("wechat.menu", "a menu has at most 3 buttons".into()));
            }
            let mut v = Vec::new();
            for b in w.menu {
                if b.name.is_empty() || b.name.len() > 16 {
                    return Err(err(
                        "wechat.menu",
                        format!("button name {:?} must be 1–16 bytes", b.name),
                    ));
                }
                v.push((b.name, b.url));
            }
            v
        },
    };
    if mode == WechatMode::Live {
        let inst = matches!(
            &wechat.flavour,
            Flavour::Global {
                institution: Some(_),
                ..
            }
        );
        let required: [(&str, bool); 6] = [
            ("wechat.appid", wechat.appid.is_some() || inst),
            ("wechat.app_secret", wechat.app_secret.is_some()),
            ("wechat.mchid", wechat.mchid.is_some() || inst),
            (
                "wechat.merchant_serial_no",
                wechat.merchant_serial_no.is_some(),
            ),
            (
                "wechat.merchant_key_file",
                wechat.merchant_key_file.is_some(),
            ),
            ("wechat.apiv3_key_file", wechat.apiv3_key.is_some()),
        ];
        if let Some((key, _)) = required.iter().find(|(_, present)| !present) {
            return Err(err(key, "required when wechat.mode = \"live\"".into()));
        }
        match &base_url {
            Some(u) if u.starts_with("https://") => {}
            _ => {
                return Err(err(
                    "shop.base_url",
                    "live WeChat Pay needs the shop's public https:// URL".into(),
                ));
            }
        }
    }

    let sandbox = SandboxConfig {
        notify_retry_scale: match raw.sandbox.notify_retry_scale {
            None => 1.0,
            Some(x) if (0.0..=10.0).contains(&x) => x,
            Some(x) => {
                return Err(err(
                    "sandbox.notify_retry_scale",
                    format!("{x} is out of range 0–10"),
                ));
            }
        },
        refund_delay_secs: match raw.sandbox.refund_delay_secs {
            None => 10,
            Some(x) if (0..=86_400).contains(&x) => x,
            Some(x) => {
                return Err(err(
                    "sandbox.refund_delay_secs",
                    format!("{x} is out of range 0–86400"),
                ));
            }
        },
        exchange_rate: match raw.sandbox.exchange_rate {
            None => 0.92,
            Some(x) if x > 0.0 && x < 100_000.0 => x,
            Some(x) => return Err(err("sandbox.exchange_rate", format!("{x} is out of range"))),
        },
    };

    let jobs_interval = match raw.jobs.interval_secs {
        None => Some(Duration::from_secs(10)),
        Some(n) if (1..=3600).contains(&n) => Some(Duration::from_secs(n)),
        Some(n) => {
            return Err(err(
                "jobs.interval_secs",
                format!("{n} is out of range 1–3600"),
            ));
        }
    };

    let backup = BackupConfig {
        interval_hours: match raw.backup.interval_hours {
            None => 24,
            Some(h) if h <= 24 * 365 => h,
            Some(h) => return Err(err("backup.interval_hours", format!("{h} is out of range"))),
        },
        keep: match raw.backup.keep {
            None => 7,
            Some(k) if (1..=1000).contains(&k) => k,
            Some(k) => return Err(err("backup.keep", format!("{k} is out of range 1–1000"))),
        },
        dir: raw
            .backup
            .dir
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("backups")),
    };

    Ok(Config {
        source: Some(path.to_path_buf()),
        shop: ShopConfig {
            name,
            base_url,
            currency,
            language,
            shipping: ShippingRule {
                flat_fee,
                free_over,
            },
            order_timeout: Duration::from_secs(timeout_min * 60),
            thanks,
        },
        server: ServerConfig {
            listen,
            trusted_proxies,
            body_limit,
        },
        storage: StorageConfig { data_dir },
        tls,
        wechat,
        sandbox,
        log,
        jobs_interval,
        backup,
    })
}

/// `http(s)://host[:port][/path]` without query or fragment; returned without trailing slash.
fn validate_base_url(u: &str) -> Result<String, String> {
    let u = u.trim();
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| format!("{u:?} must start with https:// or http://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{u:?} has no host"));
    }
    if u.contains('?') || u.contains('#') || u.contains(char::is_whitespace) {
        return Err(format!(
            "{u:?} must not contain a query, fragment or spaces"
        ));
    }
    Ok(u.trim_end_matches('/').to_string())
}

impl Config {
    /// The zero-config setup of `puzi demo`: sandbox WeChat, plain HTTP, demo shipping rule.
    pub fn demo(data_dir: PathBuf, listen: SocketAddr) -> Config {
        Config {
            source: None,
            shop: ShopConfig {
                name: "铺子 · 演示店".to_string(),
                base_url: None,
                currency: Currency::CNY,
                language: Lang::Zh,
                shipping: ShippingRule {
                    flat_fee: Money(800),
                    free_over: Some(Money(9900)),
                },
                order_timeout: Duration::from_secs(15 * 60),
                thanks: Thanks {
                    text: Some(
                        "感谢您的惠顾！我们会尽快为您发货，发货后将通过公众号通知您。".into(),
                    ),
                    image: None,
                    link: Some("/".into()),
                    link_text: Some("继续逛逛".into()),
                },
            },
            server: ServerConfig {
                listen,
                trusted_proxies: Vec::new(),
                body_limit: DEFAULT_BODY_LIMIT,
            },
            storage: StorageConfig {
                data_dir: data_dir.clone(),
            },
            tls: TlsConfig::off(),
            wechat: WechatConfig {
                mode: WechatMode::Sandbox,
                flavour: Flavour::Domestic,
                appid: None,
                app_secret: None,
                mchid: None,
                merchant_serial_no: None,
                merchant_key_file: None,
                merchant_cert_file: None,
                apiv3_key: None,
                public_key_id: None,
                public_key_file: None,
                api_base: DEFAULT_API_BASE.into(),
                oauth_base: DEFAULT_OAUTH_BASE.into(),
                sns_base: DEFAULT_SNS_BASE.into(),
                shipped_template_id: Some("SANDBOX_TPL_SHIPPED".into()),
                shipped_template_keys: DEFAULT_SHIPPED_KEYS.map(String::from),
                menu: vec![
                    ("商城".into(), "/".into()),
                    ("我的订单".into(), "/orders".into()),
                ],
            },
            sandbox: SandboxConfig::default(),
            log: LogFormat::Text,
            jobs_interval: Some(Duration::from_secs(10)),
            backup: BackupConfig {
                interval_hours: 24,
                keep: 7,
                dir: data_dir.join("backups"),
            },
        }
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
}

/// The commented template `puzi init` writes.
pub const TEMPLATE: &str = r#"# puzi configuration. Every key is optional unless marked; defaults are shown.
# Secrets can also come from the environment: PUZI_WECHAT_APP_SECRET, PUZI_WECHAT_APIV3_KEY.

[shop]
name = "我的小铺"                      # shown in the header and page titles
# base_url = "https://shop.example.com" # the public URL; required for live WeChat Pay
currency = "CNY"                      # ISO 4217
language = "zh-CN"                    # "zh-CN" or "en"
shipping_fee = "8.00"                 # flat shipping fee, in the currency above
free_shipping_over = "99.00"          # no shipping fee from this item total on; remove to always charge
order_timeout_minutes = 15            # unpaid orders close after this (at least 5)
# thanks_text = "感谢您的惠顾！"         # the thank-you page after payment
# thanks_image = "https://shop.example.com/thanks.jpg"
# thanks_link = "https://mp.weixin.qq.com/…"
# thanks_link_text = "关注我们"

[server]
listen = "127.0.0.1:8080"
# trusted_proxies = ["127.0.0.1"]    # believe X-Forwarded-For/-Proto only from these
# body_limit_kb = 64

[storage]
data_dir = "./puzi-data"              # holds puzi.redb and the sandbox keys

[tls]
mode = "off"                          # "off" (behind a TLS proxy), "self-signed", "files" or "acme"
# names = ["shop.example.com"]        # self-signed and acme
# cert_file = "/etc/puzi/fullchain.pem"   # files (reloaded when they change)
# key_file = "/etc/puzi/privkey.pem"
# acme_email = "owner@example.com"
# acme_directory = "https://acme-v02.api.letsencrypt.org/directory"
# http_listen = "0.0.0.0:80"          # redirects to https and answers ACME challenges; "" = none

[log]
format = "text"                       # "text" or "json"

[backup]
interval_hours = 24                   # a consistent copy of the data file this often (0 = never)
keep = 7                              # how many to keep
# dir = "./puzi-data/backups"

[wechat]
mode = "sandbox"                      # "sandbox": WeChat simulated in-process; "live": real WeChat Pay
flavour = "domestic"                  # "domestic" (mainland, CNY) or "global" (WeChat Pay Global, /v3/global)
# merchant_category_code = "5499"     # global: the MCC WeChat assigned
# sp_mchid = "…"                      # global institution mode: the institution's mchid and appid,
# sp_appid = "wx…"                    #   and the shop's sub_mchid (sub_appid if it has its own
# sub_mchid = "…"                     #   Official Account); leave out for a direct merchant
# sub_appid = "wx…"
# appid = "wx…"
# app_secret = "…"                    # or PUZI_WECHAT_APP_SECRET
# mchid = "190000…"
# merchant_serial_no = "…"            # serial of apiclient_cert.pem
# merchant_key_file = "/etc/puzi/apiclient_key.pem"
# merchant_cert_file = "/etc/puzi/apiclient_cert.pem"   # optional: lets `puzi wechat check` match key and serial
# apiv3_key_file = "/etc/puzi/apiv3.key"   # or PUZI_WECHAT_APIV3_KEY
# public_key_id = "PUB_KEY_ID_…"      # WeChat Pay public-key mode
# public_key_file = "/etc/puzi/pub_key.pem"
# api_base = "https://api.mch.weixin.qq.com"
# oauth_base = "https://open.weixin.qq.com"
# sns_base = "https://api.weixin.qq.com"
# shipped_template_id = "…"           # Official Account template for "order shipped"; unset = no message
# shipped_template_keys = ["character_string1", "thing2", "thing3", "character_string4"]  # order no, goods, courier, tracking
# [[wechat.menu]]                     # buttons `puzi wechat menu` installs (at most 3)
# name = "商城"
# url = "/"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Config, ConfigError> {
        parse(Path::new("t.toml"), s, &|_| None)
    }

    #[test]
    fn template_parses() {
        let c = parse_str(TEMPLATE).unwrap();
        assert_eq!(c.shop.shipping.flat_fee, Money(800));
        assert_eq!(c.shop.shipping.free_over, Some(Money(9900)));
        assert_eq!(c.wechat.mode, WechatMode::Sandbox);
    }

    #[test]
    fn errors_name_file_key_and_problem() {
        let e = parse_str("[server]\nlisten = 5\n").unwrap_err();
        assert_eq!(e.file, "t.toml");
        assert_eq!(e.key, "server.listen");
        assert!(e.problem.contains("invalid type"), "{e}");

        let e = parse_str("[shop]\nshipping_fee = \"8.001\"\n").unwrap_err();
        assert_eq!(e.key, "shop.shipping_fee");

        let e = parse_str("[shop]\nnmae = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("nmae"), "{e}");

        let e = parse_str("[shop\n").unwrap_err();
        assert!(e.key.starts_with("line 1"), "{e}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = parse(
            Path::new("t.toml"),
            "[wechat]\napp_secret = \"s3cr3t-value\"\n",
            &|_| None,
        )
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cr3t-value"));
        assert!(dbg.contains("[redacted]"));
    }

    #[test]
    fn env_overrides_file_secrets() {
        let c = parse(
            Path::new("t.toml"),
            "[wechat]\napp_secret = \"from-file\"\n",
            &|k| (k == ENV_APP_SECRET).then(|| "from-env".to_string()),
        )
        .unwrap();
        assert_eq!(c.wechat.app_secret.unwrap().expose(), "from-env");
    }

    #[test]
    fn live_mode_requires_keys() {
        let e = parse_str("[wechat]\nmode = \"live\"\n").unwrap_err();
        assert_eq!(e.key, "wechat.appid");
    }
}
