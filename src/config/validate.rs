//! Raw structs → typed `Config`, one function per TOML section (`[wechat]`, the largest,
//! in `wechat.rs`). Each section function returns an `Invalid` (key and problem);
//! `validate` adds the file name. Every numeric range check goes through `ranged`, so every
//! such error reads the same way.

use super::raw::{
    RawBackup, RawConfig, RawJobs, RawLog, RawSandbox, RawServer, RawShop, RawStorage, RawTls,
};
use super::{
    BackupConfig, Config, ConfigError, DEFAULT_BODY_LIMIT, ENV_METRICS_TOKEN, LETS_ENCRYPT,
    LogFormat, SandboxConfig, Secret, ServerConfig, ShopConfig, StorageConfig, Thanks, TlsConfig,
    TlsMode,
};
use crate::cart::ShippingRule;
use crate::money::{Currency, Money};
use crate::text::Lang;
use std::fmt::Display;
use std::net::SocketAddr;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod wechat;

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
    let wechat = wechat::wechat(raw.wechat, env, &shop)?;
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
