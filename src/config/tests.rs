//! Unit tests for config: parsing, errors, secrets, the embedded files, the base URL.

use super::*;
use crate::money::Money;

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

#[test]
fn the_demo_config_is_the_zero_config_shop() {
    let listen: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let c = Config::demo(PathBuf::from("/d"), listen);
    assert_eq!(c.source, None);
    assert_eq!(c.shop.name, "铺子 · 演示店");
    assert_eq!(c.shop.base_url, None);
    assert_eq!(
        (c.shop.currency, c.shop.language),
        (Currency::CNY, Lang::Zh)
    );
    assert_eq!(c.shop.shipping.flat_fee, Money(800));
    assert_eq!(c.shop.shipping.free_over, Some(Money(9900)));
    assert_eq!(c.shop.order_timeout, Duration::from_secs(15 * 60));
    assert_eq!(
        c.shop.thanks.text.as_deref(),
        Some("感谢您的惠顾！我们会尽快为您发货，发货后将通过公众号通知您。")
    );
    assert_eq!(c.shop.thanks.image, None);
    assert_eq!(c.shop.thanks.link.as_deref(), Some("/"));
    assert_eq!(c.shop.thanks.link_text.as_deref(), Some("继续逛逛"));
    assert_eq!(c.server.listen, listen);
    assert!(c.server.trusted_proxies.is_empty());
    assert_eq!(c.server.body_limit, DEFAULT_BODY_LIMIT);
    assert_eq!(c.storage.data_dir, PathBuf::from("/d"));
    assert_eq!(c.tls, TlsConfig::off());
    let w = &c.wechat;
    assert_eq!(
        (w.mode, &w.flavour),
        (WechatMode::Sandbox, &Flavour::Domestic)
    );
    assert!(w.appid.is_none() && w.app_secret.is_none() && w.mchid.is_none());
    assert!(w.apiv3_key.is_none() && w.merchant_key_file.is_none());
    assert_eq!(w.api_base, DEFAULT_API_BASE);
    assert_eq!(w.oauth_base, DEFAULT_OAUTH_BASE);
    assert_eq!(w.sns_base, DEFAULT_SNS_BASE);
    assert_eq!(
        w.shipped_template_id.as_deref(),
        Some("SANDBOX_TPL_SHIPPED")
    );
    assert_eq!(
        w.shipped_template_keys,
        DEFAULT_SHIPPED_KEYS.map(String::from)
    );
    assert_eq!(w.owner_template_keys, DEFAULT_OWNER_KEYS.map(String::from));
    assert_eq!(
        w.menu,
        vec![
            ("商城".to_string(), "/".to_string()),
            ("我的订单".to_string(), "/orders".to_string())
        ]
    );
    assert_eq!(c.sandbox, SandboxConfig::default());
    assert_eq!(c.log, LogFormat::Text);
    assert_eq!(c.jobs_interval, Some(Duration::from_secs(10)));
    assert_eq!(
        c.backup,
        BackupConfig {
            interval_hours: 24,
            keep: 7,
            dir: PathBuf::from("/d/backups"),
        }
    );
}

#[test]
fn range_errors_name_the_value_and_the_range() {
    let e = parse_str("[jobs]\ninterval_secs = 0\n").unwrap_err();
    assert_eq!(e.key, "jobs.interval_secs");
    assert_eq!(e.problem, "0 is out of range 1–3600");
    let e = parse_str("[shop]\norder_timeout_minutes = 2\n").unwrap_err();
    assert_eq!(
        e.problem,
        "2 is out of range 5–10080; WeChat requires at least 5 minutes"
    );
    let e = parse_str("[shop]\nauto_complete_days = 0\n").unwrap_err();
    assert_eq!(e.key, "shop.auto_complete_days");
    assert_eq!(e.problem, "0 is out of range 1–90");
    let c = parse_str("[shop]\nauto_complete_days = 7\n").unwrap();
    assert_eq!(c.shop.auto_complete_days, 7);
    assert_eq!(parse_str("").unwrap().shop.auto_complete_days, 10);
    let e = parse_str("[sandbox]\nexchange_rate = 0.0\n").unwrap_err();
    assert_eq!(e.key, "sandbox.exchange_rate");
    assert!(e.problem.starts_with("0 is out of range"), "{e}");
    let c = parse_str("[backup]\ninterval_hours = 0\n[server]\nbody_limit_kb = 1\n").unwrap();
    assert_eq!((c.backup.interval_hours, c.server.body_limit), (0, 1024));
    assert_eq!(
        parse_str("[server]\nbody_limit_kb = 65537\n")
            .unwrap_err()
            .key,
        "server.body_limit_kb"
    );
}

#[test]
fn the_public_base_url_honours_base_url_tls_and_unspecified_addresses() {
    let any: SocketAddr = "0.0.0.0:8443".parse().unwrap();
    let mut c = Config::demo(PathBuf::from("/d"), any);
    assert_eq!(c.public_base_url(any), "http://127.0.0.1:8443");
    assert_eq!(
        c.public_base_url("[::]:80".parse().unwrap()),
        "http://[::1]:80"
    );
    assert_eq!(
        c.public_base_url("192.0.2.7:8080".parse().unwrap()),
        "http://192.0.2.7:8080"
    );
    c.tls.mode = TlsMode::SelfSigned {
        names: vec!["localhost".into()],
    };
    assert_eq!(c.public_base_url(any), "https://127.0.0.1:8443");
    assert_eq!(c.local_url(any), "https://127.0.0.1:8443");
    c.shop.base_url = Some("https://shop.example.com".into());
    assert_eq!(c.public_base_url(any), "https://shop.example.com");
    assert_eq!(c.local_url(any), "https://127.0.0.1:8443");
}

#[test]
fn platform_certificates_default_on_and_false_needs_a_public_key() {
    assert!(parse_str("").unwrap().wechat.platform_certificates);
    let c = parse_str(
        "[wechat]\npublic_key_id = \"PUB_KEY_ID_1\"\npublic_key_file = \"k.pem\"\nplatform_certificates = false\n",
    )
    .unwrap();
    assert!(!c.wechat.platform_certificates);
    let e = parse_str("[wechat]\nmode = \"live\"\nplatform_certificates = false\n").unwrap_err();
    assert_eq!(e.key, "wechat.platform_certificates", "{e}");
}

#[test]
fn server_limits_have_defaults_ranges_and_a_token_from_file_or_env() {
    let c = parse_str("").unwrap();
    let s = &c.server;
    assert_eq!(
        (s.body_timeout, s.idle_timeout, s.max_connections),
        (Duration::from_secs(60), Duration::from_secs(60), 1024)
    );
    assert!(s.metrics_token.is_none());
    let c =
        parse_str("[server]\nmax_connections = 2\nmetrics_token = \"0123456789abcdef\"\n").unwrap();
    assert_eq!(c.server.max_connections, 2);
    assert_eq!(
        c.server.metrics_token.as_ref().map(Secret::expose),
        Some("0123456789abcdef")
    );
    let e = parse_str("[server]\nmetrics_token = \"short\"\n").unwrap_err();
    assert_eq!(e.key, "server.metrics_token");
    let e = parse_str("[server]\nbody_timeout_secs = 0\n").unwrap_err();
    assert_eq!(e.key, "server.body_timeout_secs");
    let env = |k: &str| (k == ENV_METRICS_TOKEN).then(|| "from-the-environment".to_string());
    let c = parse(Path::new("t.toml"), "", &env).unwrap();
    assert_eq!(
        c.server.metrics_token.as_ref().map(Secret::expose),
        Some("from-the-environment")
    );
}

#[test]
fn owner_template_keys_need_five_names() {
    let c = parse_str(
        "[wechat]\nowner_template_keys = [\"thing9\", \"character_string8\", \"thing7\", \"thing6\", \"time5\"]\n",
    )
    .unwrap();
    assert_eq!(
        c.wechat.owner_template_keys,
        ["thing9", "character_string8", "thing7", "thing6", "time5"].map(String::from)
    );
    for bad in ["[\"thing1\"]", "[\"a\", \"b\", \"\", \"d\", \"e\"]"] {
        let e = parse_str(&format!("[wechat]\nowner_template_keys = {bad}\n")).unwrap_err();
        assert_eq!(e.key, "wechat.owner_template_keys", "{bad}");
    }
}
