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

// TEMPORARY: the hand-written demo config this module used to build, kept only to prove
// the embedded demo.toml yields the same Config.
#[allow(dead_code)]
/// The zero-config setup of `puzi demo`: sandbox WeChat, plain HTTP, demo shipping rule.
fn legacy_demo(data_dir: PathBuf, listen: SocketAddr) -> Config {
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


#[test]
fn demo_toml_equals_the_hand_written_demo() {
    let (dir, listen) = (PathBuf::from("/tmp/d"), "127.0.0.1:0".parse().unwrap());
    assert_eq!(
        format!("{:#?}", Config::demo(dir.clone(), listen)),
        format!("{:#?}", legacy_demo(dir, listen))
    );
}
