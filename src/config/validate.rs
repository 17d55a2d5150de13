//! Raw structs → typed `Config`, one function per TOML section. Each section function
//! returns an `Invalid` (key and problem); `validate` adds the file name. Every numeric
//! range check goes through `ranged`, so every such error reads the same way.

use super::raw::{
    RawBackup, RawConfig, RawJobs, RawLog, RawSandbox, RawServer, RawShop, RawStorage, RawTls,
    RawWechat,
};
use super::{
    BackupConfig, Config, ConfigError, DEFAULT_API_BASE, DEFAULT_BODY_LIMIT, DEFAULT_OAUTH_BASE,
    DEFAULT_OWNER_KEYS, DEFAULT_SHIPPED_KEYS, DEFAULT_SNS_BASE, ENV_APIV3_KEY, ENV_APP_SECRET,
    ENV_METRICS_TOKEN, Flavour, GLOBAL_API_BASE, Institution, LETS_ENCRYPT, LogFormat,
    SandboxConfig, Secret, ServerConfig, ShopConfig, StorageConfig, Thanks, TlsConfig, TlsMode,
    WechatConfig, WechatMode,
};
use crate::cart::ShippingRule;
use crate::money::{Currency, Money};
use crate::text::Lang;
use std::fmt::Display;
use std::net::SocketAddr;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One problem in one key; `validate` turns it into a `ConfigError` naming the file.
#[derive(Debug)]
pub(super) struct Invalid {
    pub(super) key: &'static str,
    pub(super) problem: String,
}

pub(super) fn invalid(key: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        key,
        problem: problem.into(),
    }
}

/// The one numeric range check: `None` takes `default`; a value outside `range` is an
/// error that names the value and the range.
fn ranged<T, R>(key: &'static str, value: Option<T>, default: T, range: R) -> Result<T, Invalid>
where
    T: PartialOrd + Display + Copy,
    R: RangeBounds<T>,
{
    let v = value.unwrap_or(default);
    if range.contains(&v) {
        return Ok(v);
    }
    let bound = |b: Bound<&T>| match b {
        Bound::Included(x) => x.to_string(),
        Bound::Excluded(x) => format!("{x} (exclusive)"),
        Bound::Unbounded => "…".to_string(),
    };
    Err(invalid(
        key,
        format!(
            "{v} is out of range {}–{}",
            bound(range.start_bound()),
            bound(range.end_bound())
        ),
    ))
}

/// Validates every section; errors name `path`, the key and the problem.
pub(super) fn validate(
    path: &Path,
    raw: RawConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    validate_sections(path, raw, env).map_err(|i| ConfigError {
        file: path.display().to_string(),
        key: i.key.to_string(),
        problem: i.problem,
    })
}

fn validate_sections(
    path: &Path,
    raw: RawConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Invalid> {
    let shop = shop(raw.shop)?;
    let server = server(raw.server, env)?;
    let storage = storage(raw.storage)?;
    let tls = tls(raw.tls)?;
    let log = log(raw.log)?;
    let wechat = wechat(raw.wechat, env, &shop)?;
    let sandbox = sandbox(raw.sandbox)?;
    let jobs_interval = jobs(raw.jobs)?;
    let backup = backup(raw.backup, &storage.data_dir)?;
    let owner = owner(raw.owner)?;
    Ok(Config {
        owner,
        source: Some(path.to_path_buf()),
        shop,
        server,
        storage,
        tls,
        wechat,
        sandbox,
        log,
        jobs_interval,
        backup,
    })
}

/// `[shop]`.
fn shop(s: RawShop) -> Result<ShopConfig, Invalid> {
    let currency = match s.currency.as_deref() {
        None => Currency::CNY,
        Some(c) => Currency::parse(c)
            .ok_or_else(|| invalid("shop.currency", format!("unknown currency {c:?}")))?,
    };
    let language = match s.language.as_deref() {
        None => Lang::Zh,
        Some(l) => Lang::parse(l).ok_or_else(|| {
            invalid(
                "shop.language",
                format!("{l:?} is not supported; use \"zh-CN\" or \"en\""),
            )
        })?,
    };
    let money = |key: &'static str, v: &str| {
        Money::parse_decimal(v, currency).ok_or_else(|| {
            invalid(
                key,
                format!(
                    "{v:?} is not an amount in {currency} (write it like \"{}\")",
                    Money(800).decimal(currency)
                ),
            )
        })
    };
    let flat_fee = match s.shipping_fee.as_deref() {
        None => Money::ZERO,
        Some(v) => money("shop.shipping_fee", v)?,
    };
    let free_over = match s.free_shipping_over.as_deref() {
        None => None,
        Some(v) => Some(money("shop.free_shipping_over", v)?),
    };
    let base_url = match s.base_url {
        None => None,
        Some(u) => Some(base_url(&u).map_err(|p| invalid("shop.base_url", p))?),
    };
    let timeout_min = ranged(
        "shop.order_timeout_minutes",
        s.order_timeout_minutes,
        15,
        5..=7 * 24 * 60,
    )
    .map_err(|mut e| {
        e.problem.push_str("; WeChat requires at least 5 minutes");
        e
    })?;
    let auto_complete_days = ranged(
        "shop.auto_complete_days",
        s.auto_complete_days,
        crate::order::DEFAULT_AUTO_COMPLETE_DAYS,
        1..=90,
    )?;
    let order_link_days = ranged("shop.order_link_days", s.order_link_days, 30, 1..=365)?;
    let session_idle_days = ranged("shop.session_idle_days", s.session_idle_days, 30, 1..=365)?;
    let max_unpaid_orders = ranged("shop.max_unpaid_orders", s.max_unpaid_orders, 3, 1..=100)?;
    let checkouts_per_hour = ranged(
        "shop.checkouts_per_hour",
        s.checkouts_per_hour,
        30,
        1..=100_000,
    )?;
    let name = s.name.unwrap_or_else(|| "铺子".to_string());
    if name.trim().is_empty() || name.chars().count() > 40 {
        return Err(invalid("shop.name", "must be 1–40 characters"));
    }
    for (key, v) in [
        ("shop.thanks_image", &s.thanks_image),
        ("shop.thanks_link", &s.thanks_link),
    ] {
        if let Some(u) = v
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        {
            return Err(invalid(
                key,
                format!("{u:?} must be an http(s) URL or a path on the shop"),
            ));
        }
    }
    Ok(ShopConfig {
        name,
        base_url,
        currency,
        language,
        shipping: ShippingRule {
            flat_fee,
            free_over,
        },
        order_timeout: Duration::from_secs(timeout_min * 60),
        auto_complete_days,
        order_link_days,
        session_idle_days,
        max_unpaid_orders,
        checkouts_per_hour,
        thanks: Thanks {
            text: s.thanks_text,
            image: s.thanks_image,
            link: s.thanks_link,
            link_text: s.thanks_link_text,
        },
        service: super::service::read(s.service_phone, s.service_wechat_id, s.service_hours)?,
    })
}

/// `[server]`.
fn server(s: RawServer, env: &dyn Fn(&str) -> Option<String>) -> Result<ServerConfig, Invalid> {
    let listen_s = s.listen.unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listen: SocketAddr = listen_s.parse().map_err(|_| {
        invalid(
            "server.listen",
            format!("{listen_s:?} is not an address like \"0.0.0.0:443\""),
        )
    })?;
    let default_kb = (DEFAULT_BODY_LIMIT / 1024) as u64;
    let body_limit = ranged(
        "server.body_limit_kb",
        s.body_limit_kb,
        default_kb,
        1..=64 * 1024,
    )? as usize
        * 1024;
    let mut trusted_proxies = Vec::new();
    for p in &s.trusted_proxies {
        trusted_proxies.push(p.parse().map_err(|_| {
            invalid(
                "server.trusted_proxies",
                format!("{p:?} is not an IP address"),
            )
        })?);
    }
    let secs = |key, v, default| ranged(key, v, default, 1..=3600).map(Duration::from_secs);
    let body_timeout = secs("server.body_timeout_secs", s.body_timeout_secs, 60)?;
    let idle_timeout = secs("server.idle_timeout_secs", s.idle_timeout_secs, 60)?;
    let max_connections = ranged("server.max_connections", s.max_connections, 1024, 1..=65536)?;
    let metrics_token = match env(ENV_METRICS_TOKEN).or(s.metrics_token) {
        Some(t) if t.len() < 16 || t.len() > 256 || !t.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(invalid(
                "server.metrics_token",
                "must be 16–256 printable characters without spaces",
            ));
        }
        t => t.map(Secret::new),
    };
    Ok(ServerConfig {
        listen,
        trusted_proxies,
        body_limit,
        body_timeout,
        idle_timeout,
        max_connections,
        metrics_token,
    })
}

/// `[storage]`.
fn storage(s: RawStorage) -> Result<StorageConfig, Invalid> {
    let data_dir = PathBuf::from(s.data_dir.unwrap_or_else(|| "./puzi-data".into()));
    if data_dir.as_os_str().is_empty() {
        return Err(invalid("storage.data_dir", "must not be empty"));
    }
    Ok(StorageConfig { data_dir })
}

/// `[tls]`.
fn tls(t: RawTls) -> Result<TlsConfig, Invalid> {
    let names = |default: &[&str]| -> Result<Vec<String>, Invalid> {
        let v: Vec<String> = if t.names.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            t.names.clone()
        };
        for n in &v {
            if n.is_empty() || n.contains(['/', ' ', ':']) {
                return Err(invalid("tls.names", format!("{n:?} is not a host name")));
            }
        }
        Ok(v)
    };
    let required = |key: &'static str, v: &Option<String>| {
        v.clone()
            .map(PathBuf::from)
            .ok_or_else(|| invalid(key, "required when tls.mode = \"files\""))
    };
    let mode = match t.mode.as_deref().unwrap_or("off") {
        "off" => TlsMode::Off,
        "self-signed" => TlsMode::SelfSigned {
            names: names(&["localhost", "127.0.0.1"])?,
        },
        "files" => TlsMode::Files {
            cert: required("tls.cert_file", &t.cert_file)?,
            key: required("tls.key_file", &t.key_file)?,
        },
        "acme" => {
            let names = names(&[])?;
            if names.is_empty() {
                return Err(invalid(
                    "tls.names",
                    "acme needs the domain names to certify",
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
            return Err(invalid(
                "tls.mode",
                format!("{m:?} is not one of \"acme\", \"files\", \"self-signed\", \"off\""),
            ));
        }
    };
    let http_listen = match t.http_listen.as_deref() {
        Some("") => None,
        Some(a) => Some(
            a.parse()
                .map_err(|_| invalid("tls.http_listen", format!("{a:?} is not an address")))?,
        ),
        None if mode != TlsMode::Off => Some(SocketAddr::from(([0, 0, 0, 0], 80))),
        None => None,
    };
    Ok(TlsConfig {
        mode,
        http_listen,
        // Coerced rather than refused: any value works, only the poll rate changes.
        reload_secs: t.reload_secs.unwrap_or(60).clamp(1, 3600),
    })
}

/// `[log]`.
fn log(l: RawLog) -> Result<LogFormat, Invalid> {
    match l.format.as_deref().unwrap_or("text") {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        f => Err(invalid(
            "log.format",
            format!("{f:?} is not \"text\" or \"json\""),
        )),
    }
}

/// `[wechat]`, which needs the shop's currency and base URL for its cross-checks.
fn wechat(
    mut w: RawWechat,
    env: &dyn Fn(&str) -> Option<String>,
    shop: &ShopConfig,
) -> Result<WechatConfig, Invalid> {
    let mode = match w.mode.as_deref().unwrap_or("sandbox") {
        "live" => WechatMode::Live,
        "sandbox" => WechatMode::Sandbox,
        m => {
            return Err(invalid(
                "wechat.mode",
                format!("{m:?} is not \"live\" or \"sandbox\""),
            ));
        }
    };
    let base = |key: &'static str, v: Option<String>, default: &str| -> Result<String, Invalid> {
        match v {
            None => Ok(default.to_string()),
            Some(u) => base_url(&u).map_err(|p| invalid(key, p)),
        }
    };
    let app_secret = env(ENV_APP_SECRET).or(w.app_secret.take()).map(Secret::new);
    let apiv3_key = match env(ENV_APIV3_KEY) {
        Some(k) => Some(Secret::new(k)),
        None => match &w.apiv3_key_file {
            None => None,
            Some(f) => Some(Secret::new(
                std::fs::read_to_string(f)
                    .map_err(|e| invalid("wechat.apiv3_key_file", format!("cannot read {f}: {e}")))?
                    .trim()
                    .to_string(),
            )),
        },
    };
    if let Some(k) = &apiv3_key
        && k.expose().len() != 32
    {
        return Err(invalid(
            "wechat.apiv3_key_file",
            "the APIv3 key must be exactly 32 characters",
        ));
    }
    if mode == WechatMode::Live
        && w.platform_certificates == Some(false)
        && w.public_key_id.is_none()
    {
        return Err(invalid(
            "wechat.platform_certificates",
            "false needs public_key_id and public_key_file: without platform certificates \
             the public key is the only way to verify WeChat Pay",
        ));
    }
    let flavour = flavour(&w, mode)?;
    if flavour == Flavour::Domestic && shop.currency != Currency::CNY {
        return Err(invalid(
            "shop.currency",
            format!(
                "{} needs wechat.flavour = \"global\"; mainland WeChat Pay settles in CNY only",
                shop.currency
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
        platform_certificates: w.platform_certificates.unwrap_or(true),
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
                return Err(invalid(
                    "wechat.shipped_template_keys",
                    "needs four keys: order number, goods, courier, tracking number",
                ));
            }
        },
        aftersales_template_id: w.aftersales_template_id.filter(|t| !t.trim().is_empty()),
        owner_order_template_id: w.owner_order_template_id.filter(|t| !t.trim().is_empty()),
        owner_aftersales_template_id: w
            .owner_aftersales_template_id
            .filter(|t| !t.trim().is_empty()),
        owner_alert_template_id: w.owner_alert_template_id.filter(|t| !t.trim().is_empty()),
        owner_template_keys: match w.owner_template_keys {
            None => DEFAULT_OWNER_KEYS.map(String::from),
            Some(k) if k.len() == 5 && k.iter().all(|x| !x.is_empty()) => [
                k[0].clone(),
                k[1].clone(),
                k[2].clone(),
                k[3].clone(),
                k[4].clone(),
            ],
            Some(_) => {
                return Err(invalid(
                    "wechat.owner_template_keys",
                    "needs five keys: what happened, order number, amount, items, time",
                ));
            }
        },
        follow_qr_image: super::follow::read(w.follow_qr_image)
            .map_err(|p| invalid("wechat.follow_qr_image", p))?,
        menu: {
            if w.menu.len() > 3 {
                return Err(invalid("wechat.menu", "a menu has at most 3 buttons"));
            }
            let mut v = Vec::new();
            for b in w.menu {
                if b.name.is_empty() || b.name.len() > 16 {
                    return Err(invalid(
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
        live_requirements(&wechat, shop)?;
    }
    Ok(wechat)
}

/// `wechat.flavour` and the keys that go with the global flavour.
fn flavour(w: &RawWechat, mode: WechatMode) -> Result<Flavour, Invalid> {
    match w.flavour.as_deref().unwrap_or("domestic") {
        "domestic" => Ok(Flavour::Domestic),
        "global" => {
            let mcc = w.merchant_category_code.clone().unwrap_or_else(|| {
                if mode == WechatMode::Sandbox {
                    "5499".into()
                } else {
                    String::new()
                }
            });
            if mcc.is_empty() || mcc.len() > 16 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "wechat.merchant_category_code",
                    "required for the global flavour: the merchant's MCC, digits",
                ));
            }
            let institution = match (&w.sp_mchid, &w.sub_mchid) {
                (None, None) => None,
                (Some(sp), Some(sub)) => Some(Institution {
                    sp_mchid: sp.clone(),
                    sp_appid: w
                        .sp_appid
                        .clone()
                        .ok_or_else(|| invalid("wechat.sp_appid", "required with sp_mchid"))?,
                    sub_mchid: sub.clone(),
                    sub_appid: w.sub_appid.clone(),
                }),
                _ => {
                    return Err(invalid(
                        "wechat.sub_mchid",
                        "institution mode needs sp_mchid, sp_appid and sub_mchid together",
                    ));
                }
            };
            Ok(Flavour::Global {
                merchant_category_code: mcc,
                institution,
            })
        }
        f => Err(invalid(
            "wechat.flavour",
            format!("{f:?} is not \"domestic\" or \"global\""),
        )),
    }
}

/// What `wechat.mode = "live"` needs: the merchant's keys and the shop's https URL.
fn live_requirements(wechat: &WechatConfig, shop: &ShopConfig) -> Result<(), Invalid> {
    let inst = matches!(
        &wechat.flavour,
        Flavour::Global {
            institution: Some(_),
            ..
        }
    );
    let required: [(&'static str, bool); 6] = [
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
        return Err(invalid(key, "required when wechat.mode = \"live\""));
    }
    match &shop.base_url {
        Some(u) if u.starts_with("https://") => Ok(()),
        _ => Err(invalid(
            "shop.base_url",
            "live WeChat Pay needs the shop's public https:// URL",
        )),
    }
}

/// `[sandbox]`.
fn sandbox(s: RawSandbox) -> Result<SandboxConfig, Invalid> {
    let d = SandboxConfig::default();
    Ok(SandboxConfig {
        notify_retry_scale: ranged(
            "sandbox.notify_retry_scale",
            s.notify_retry_scale,
            d.notify_retry_scale,
            0.0..=10.0,
        )?,
        refund_delay_secs: ranged(
            "sandbox.refund_delay_secs",
            s.refund_delay_secs,
            d.refund_delay_secs,
            0..=86_400,
        )?,
        exchange_rate: ranged(
            "sandbox.exchange_rate",
            s.exchange_rate,
            d.exchange_rate,
            (Bound::Excluded(0.0), Bound::Excluded(100_000.0)),
        )?,
        public: s.public.unwrap_or(d.public),
        refill: s.refill.unwrap_or(d.refill),
    })
}

/// `[jobs]`.
fn jobs(j: RawJobs) -> Result<Option<Duration>, Invalid> {
    let secs = ranged("jobs.interval_secs", j.interval_secs, 10, 1..=3600)?;
    Ok(Some(Duration::from_secs(secs)))
}

/// `[backup]`; the backup directory defaults to `backups/` in the data directory.
fn backup(b: RawBackup, data_dir: &Path) -> Result<BackupConfig, Invalid> {
    Ok(BackupConfig {
        interval_hours: ranged("backup.interval_hours", b.interval_hours, 24, 0..=24 * 365)?,
        keep: ranged("backup.keep", b.keep, 7, 1..=1000)?,
        dir: b
            .dir
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("backups")),
    })
}

/// `http(s)://host[:port][/path]` without query or fragment; returned without trailing slash.
pub(super) fn base_url(u: &str) -> Result<String, String> {
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

/// `[owner]`: quiet hours "HH:MM-HH:MM" in China time; empty or absent = none.
fn owner(o: super::raw::RawOwner) -> Result<super::OwnerConfig, Invalid> {
    let quiet_hours = match o.quiet_hours.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(super::QuietHours::parse(s).ok_or_else(|| {
            invalid(
                "owner.quiet_hours",
                "expected two different times of day like \"22:00-08:00\" (China time)",
            )
        })?),
    };
    Ok(super::OwnerConfig { quiet_hours })
}
