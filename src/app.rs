//! The one `App` value — validated config, the store, the clock, the WeChat clients — and
//! how it is opened. Serving it (`run`) belongs to the web server, `crate::web::run`.
//!
//! There are no globals: everything a handler needs hangs off `App`, and tests build their
//! own (temporary data dir, port 0, a clock they move by hand).

pub use crate::clock::{CST, Clock};
use crate::config::{Config, Flavour, Institution, Secret, WechatMode};
use crate::fulfilment::Fulfilment;
use crate::payment::Payments;
use crate::sandbox::Sandbox;
use crate::store::{Store, StoreError};
use crate::wechat::oauth::OAuthClient;
use crate::wechat::official_account::OfficialAccount;
use crate::wechat::{Clients, Keyring, MerchantKey, PayClient, PayConfig, PublicKey};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
    /// The shop's WeChat clients (against real WeChat, or the sandbox in sandbox mode).
    pub wechat: Arc<Clients>,
    /// The built-in simulator; `None` unless `[wechat] mode = "sandbox"`.
    pub sandbox: Option<Sandbox>,
    /// The public base URL shoppers and WeChat reach the shop at, without trailing slash.
    pub base_url: String,
    /// TLS, when the shop terminates it itself.
    pub tls: Option<Arc<crate::tls::Tls>>,
    /// Counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The control socket, bound at open (so CLI commands find it as soon as the shop is
    /// up) and served by `run`.
    #[cfg(unix)]
    pub control: Arc<std::sync::Mutex<Option<std::os::unix::net::UnixListener>>>,
    /// The payment flow.
    pub payments: Payments,
    /// Shipping and the delivery message outbox.
    pub fulfilment: Fulfilment,
    /// Failed back-office logins, per address and account.
    pub logins: Arc<crate::account::LoginLimiter>,
    /// Signed links to one order (key in `<data>/link.key`).
    pub links: crate::link::Links,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("sandbox: {0}")]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error("{0}")]
    Wechat(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl App {
    /// Opens the data file named by the config and sets up the WeChat clients. `addr` is
    /// the address the server listens on (the sandbox and default URLs derive from it);
    /// `seed_demo` fills an empty store with the demo catalog (once).
    pub fn open(config: Config, seed_demo: bool, addr: SocketAddr) -> Result<App, StartError> {
        let store = Store::open(&config.storage.db_path())?;
        App::open_with_store(config, store, seed_demo, addr)
    }

    /// `open` with a store the caller opened (tests: through a fault-injecting backend).
    pub fn open_with_store(
        config: Config,
        store: Store,
        seed_demo: bool,
        addr: SocketAddr,
    ) -> Result<App, StartError> {
        if seed_demo {
            crate::seed::seed_demo(&store, config.shop.language)?;
        }
        let clock = Clock::default();
        store.use_clock(clock.clone());
        let tls =
            crate::tls::Tls::setup(&config).map_err(|e| StartError::Wechat(format!("tls: {e}")))?;
        let loopback = config.local_url(addr);
        let base_url = config.public_base_url(addr);
        let (wechat, sandbox) = match config.wechat.mode {
            WechatMode::Sandbox => {
                let settings = crate::sandbox::Settings {
                    retry_scale: config.sandbox.notify_retry_scale,
                    refund_delay_secs: config.sandbox.refund_delay_secs,
                    merchant_name: config.shop.name.clone(),
                    loopback_tls_insecure: tls.is_some(),
                    exchange_rate: config.sandbox.exchange_rate,
                    lang: config.shop.language,
                    shop_url: base_url.clone(),
                    refill: config.sandbox.refill,
                    ..crate::sandbox::Settings::default()
                };
                let sb = Sandbox::open(
                    &config.storage.data_dir.join("sandbox"),
                    store.clone(),
                    clock.clone(),
                    settings,
                )?;
                let w = sandbox_clients(
                    sb.keys(),
                    &format!("{loopback}/sandbox"),
                    &base_url,
                    &clock,
                    tls.is_some(),
                    &config.wechat,
                )?;
                (w, Some(sb))
            }
            WechatMode::Live => (live_clients(&config, &base_url, &clock)?, None),
        };
        let wechat = Arc::new(wechat);
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let payments = Payments::new(
            store.clone(),
            wechat.clone(),
            clock.clone(),
            &config.shop.name,
            config.shop.currency,
            config.shop.order_timeout,
        );
        let links = crate::link::Links::load_or_create(
            &config.storage.data_dir,
            config.shop.order_link_days,
        )
        .map_err(|e| StartError::Wechat(format!("order links: {e}")))?;
        let fulfilment = Fulfilment::new(
            store.clone(),
            wechat.clone(),
            clock.clone(),
            config
                .wechat
                .shipped_template_id
                .clone()
                .map(|t| (t, config.wechat.shipped_template_keys.clone())),
            &base_url,
        )
        .with_auto_complete_days(config.shop.auto_complete_days)
        .with_links(links.clone())
        .with_owner(crate::owner_notify::OwnerNotify {
            order_template: config.wechat.owner_order_template_id.clone(),
            aftersales_template: config.wechat.owner_aftersales_template_id.clone(),
            alert_template: config.wechat.owner_alert_template_id.clone(),
            keys: config.wechat.owner_template_keys.clone(),
            quiet: config.owner.quiet_hours.map(|q| (q.start, q.end)),
            lang: config.shop.language,
            base_url: base_url.clone(),
        });
        let config_for_socket = config.clone();
        Ok(App {
            config: Arc::new(config),
            store,
            clock,
            wechat,
            sandbox,
            base_url,
            payments,
            fulfilment,
            logins: Arc::default(),
            links,
            tls,
            metrics,
            #[cfg(unix)]
            control: Arc::new(std::sync::Mutex::new(
                crate::control::bind(&crate::control::socket_path(&config_for_socket)).ok(),
            )),
        })
    }
}

/// The WeChat clients a config describes, without opening the store (for CLI commands
/// that run beside the shop). In sandbox mode they talk to the running shop's sandbox at
/// its listen address, with the keys in `<data>/sandbox/`.
pub fn clients_for(config: &Config) -> Result<Clients, StartError> {
    let clock = Clock::default();
    let tls_on = config.tls.is_on();
    let loopback = config.local_url(config.server.listen);
    let base_url = config.public_base_url(config.server.listen);
    match config.wechat.mode {
        WechatMode::Sandbox => {
            let dir = config.storage.data_dir.join("sandbox");
            if !dir.join("sandbox.json").exists() {
                return Err(StartError::Wechat(format!(
                    "{} has no sandbox keys yet; start the shop once (puzi serve or puzi demo)",
                    dir.display()
                )));
            }
            let keys = crate::sandbox::keys::SandboxKeys::load_or_create(&dir)
                .map_err(|e| StartError::Wechat(e.to_string()))?;
            sandbox_clients(
                &keys,
                &format!("{loopback}/sandbox"),
                &base_url,
                &clock,
                tls_on,
                &config.wechat,
            )
        }
        WechatMode::Live => live_clients(config, &base_url, &clock),
    }
}

#[allow(clippy::too_many_arguments)]
fn wechat_clients(
    pay: PayConfig,
    keyring: Keyring,
    oauth_base: &str,
    sns_base: &str,
    app_secret: Secret,
    base_url: &str,
    clock: &Clock,
) -> Clients {
    let pay_client = PayClient::new(pay, keyring, clock.clone());
    let appid = pay_client.pay_appid();
    let mchid = match &pay_client.config().flavour {
        Flavour::Global {
            institution: Some(i),
            ..
        } => i.sub_mchid.clone(),
        _ => pay_client.config().mchid.clone(),
    };
    Clients {
        oauth: OAuthClient::new(oauth_base, sns_base, &appid, app_secret.clone()),
        oa: OfficialAccount::new(sns_base, &appid, app_secret, clock.clone()),
        pay: pay_client,
        appid,
        mchid,
        notify_url: format!("{base_url}/wechat/notify/pay"),
        refund_notify_url: format!("{base_url}/wechat/notify/refund"),
    }
}

fn sandbox_clients(
    k: &crate::sandbox::keys::SandboxKeys,
    api: &str,
    base_url: &str,
    clock: &Clock,
    loopback_tls: bool,
    w: &crate::config::WechatConfig,
) -> Result<Clients, StartError> {
    let m = &k.manifest;
    let flavour = &w.flavour;
    // The sandbox plays the institution too: its ids stand in for the configured ones.
    let flavour = match flavour {
        Flavour::Domestic => Flavour::Domestic,
        Flavour::Global {
            merchant_category_code,
            institution,
        } => Flavour::Global {
            merchant_category_code: merchant_category_code.clone(),
            institution: institution.as_ref().map(|_| Institution {
                sp_mchid: m.mchid.clone(),
                sp_appid: m.appid.clone(),
                sub_mchid: m.sub_mchid.clone(),
                sub_appid: None,
            }),
        },
    };
    let merchant = MerchantKey::from_pem(k.merchant.to_pem().as_bytes())
        .map_err(|e| StartError::Wechat(e.to_string()))?;
    let pay = PayConfig {
        api_base: api.to_string(),
        appid: m.appid.clone(),
        mchid: m.mchid.clone(),
        merchant_serial_no: m.merchant_serial_no.clone(),
        merchant_key: Arc::new(merchant),
        apiv3_key: Secret::new(m.apiv3_key.clone()),
        timeout: PayConfig::DEFAULT_TIMEOUT,
        retry_backoff: PayConfig::default_backoff(),
        allow_http_notify: true,
        flavour,
    };
    let keyring = Keyring::new(
        Some((m.public_key_id.clone(), k.platform_public())),
        w.platform_certificates,
    );
    // Browsers reach the sandbox's authorize page through the shop's public URL; the
    // shop's own server-to-server calls go over loopback.
    let browser = format!("{base_url}/sandbox");
    let mut c = wechat_clients(
        pay,
        keyring,
        &browser,
        api,
        Secret::new(m.app_secret.clone()),
        base_url,
        clock,
    );
    if loopback_tls {
        // Over loopback the shop's certificate (self-signed, or issued for its public name)
        // cannot verify: the shop talks to its own sandbox without checking it. Sandbox only.
        let insecure = || {
            reqwest::Client::builder()
                .timeout(PayConfig::DEFAULT_TIMEOUT)
                .danger_accept_invalid_certs(true)
                .build()
                .expect("HTTP client builds")
        };
        let cfg = c.pay.config().clone();
        let keyring = Keyring::new(
            Some((m.public_key_id.clone(), k.platform_public())),
            w.platform_certificates,
        );
        c.pay = PayClient::with_http(cfg, keyring, clock.clone(), insecure());
        c.oauth = c.oauth.with_http(insecure());
        c.oa = c.oa.with_http(insecure());
    }
    Ok(c)
}

fn live_clients(config: &Config, base_url: &str, clock: &Clock) -> Result<Clients, StartError> {
    let w = &config.wechat;
    let missing = |k: &str| StartError::Wechat(format!("wechat.{k} is required in live mode"));
    let key_file = w
        .merchant_key_file
        .as_ref()
        .ok_or_else(|| missing("merchant_key_file"))?;
    let pem = std::fs::read(key_file)
        .map_err(|e| StartError::Wechat(format!("{}: {e}", key_file.display())))?;
    let merchant = MerchantKey::from_pem(&pem)
        .map_err(|e| StartError::Wechat(format!("{}: {e}", key_file.display())))?;
    let public = match (&w.public_key_id, &w.public_key_file) {
        (Some(id), Some(file)) => {
            let pem = std::fs::read(file)
                .map_err(|e| StartError::Wechat(format!("{}: {e}", file.display())))?;
            let key = PublicKey::from_pem(&pem)
                .map_err(|e| StartError::Wechat(format!("{}: {e}", file.display())))?;
            Some((id.clone(), key))
        }
        (None, None) => None,
        _ => {
            return Err(StartError::Wechat(
                "wechat.public_key_id and wechat.public_key_file go together".into(),
            ));
        }
    };
    let cert_mode = public.is_none() || w.platform_certificates;
    // In institution mode the institution signs: its mchid and appid.
    let (appid, mchid) = match &w.flavour {
        Flavour::Global {
            institution: Some(i),
            ..
        } => (i.sp_appid.clone(), i.sp_mchid.clone()),
        _ => (
            w.appid.clone().ok_or_else(|| missing("appid"))?,
            w.mchid.clone().ok_or_else(|| missing("mchid"))?,
        ),
    };
    let pay = PayConfig {
        api_base: w.api_base.clone(),
        appid,
        mchid,
        merchant_serial_no: w
            .merchant_serial_no
            .clone()
            .ok_or_else(|| missing("merchant_serial_no"))?,
        merchant_key: Arc::new(merchant),
        apiv3_key: w
            .apiv3_key
            .clone()
            .ok_or_else(|| missing("apiv3_key_file"))?,
        timeout: PayConfig::DEFAULT_TIMEOUT,
        retry_backoff: PayConfig::default_backoff(),
        allow_http_notify: false,
        flavour: w.flavour.clone(),
    };
    let secret = w.app_secret.clone().ok_or_else(|| missing("app_secret"))?;
    Ok(wechat_clients(
        pay,
        Keyring::new(public, cert_mode),
        &w.oauth_base,
        &w.sns_base,
        secret,
        base_url,
        clock,
    ))
}

pub use crate::random::{random_bytes, random_token, random_u64};
