//! Config files: the template, errors naming file, key and problem, and secret redaction.

use std::path::Path;

#[test]
fn broken_files_name_the_file_the_key_and_the_problem() {
    let cases = [
        (
            "[server]\nlisten = \"nowhere\"\n",
            "server.listen",
            "not an address",
        ),
        (
            "[shop]\ncurrency = \"XYZ\"\n",
            "shop.currency",
            "unknown currency",
        ),
        (
            "[shop]\nshipping_fee = 8.5\n",
            "shop.shipping_fee",
            "invalid type",
        ),
        ("[tls]\nmode = \"sometimes\"\n", "tls.mode", "not one of"),
        (
            "[shop]\norder_timeout_minutes = 2\n",
            "shop.order_timeout_minutes",
            "at least 5",
        ),
        ("[wechat]\nmode = \"live\"\n", "wechat.appid", "required"),
        (
            "[shop]\nbase_url = \"ftp://x\"\n",
            "shop.base_url",
            "https://",
        ),
    ];
    for (text, key, problem) in cases {
        let e = puzi::config::parse(Path::new("/etc/puzi/puzi.toml"), text, &|_| None).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("/etc/puzi/puzi.toml: "), "{msg}");
        assert_eq!(e.key, key, "{msg}");
        assert!(msg.contains(problem), "{msg}");
    }
}

#[test]
fn the_template_is_valid_and_english_is_selectable() {
    let cfg = puzi::config::parse(Path::new("t.toml"), puzi::config::TEMPLATE, &|_| None).unwrap();
    assert_eq!(cfg.shop.language, puzi::text::Lang::Zh);
    let en = puzi::config::TEMPLATE.replace("language = \"zh-CN\"", "language = \"en\"");
    let cfg = puzi::config::parse(Path::new("t.toml"), &en, &|_| None).unwrap();
    assert_eq!(cfg.shop.language, puzi::text::Lang::En);
}

#[test]
fn secrets_never_show_in_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("apiv3.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();
    let text = format!(
        "[wechat]\napp_secret = \"app-secret-value\"\napiv3_key_file = \"{}\"\n",
        key.display()
    );
    let cfg = puzi::config::parse(Path::new("t.toml"), &text, &|_| None).unwrap();
    let dbg = format!("{cfg:?}");
    assert!(!dbg.contains("app-secret-value"));
    assert!(!dbg.contains("0123456789abcdef"));
}
