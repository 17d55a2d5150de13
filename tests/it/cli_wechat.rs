//! `puzi wechat check` and `puzi wechat decrypt-notify` against a running sandbox shop.

use crate::support::*;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_puzi");

async fn shop_with_config() -> (TestApp, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg_path = dir.path().join("puzi.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"{}\"\n[wechat]\nmode = \"sandbox\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let cfg = puzi::config::load(&cfg_path).unwrap();
    let t = TestApp::start_with(cfg, true).await;
    (t, dir, cfg_path)
}

#[tokio::test(flavor = "multi_thread")]
async fn wechat_check_proves_keys_and_one_signed_call() {
    let (t, _dir, cfg) = shop_with_config().await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["wechat", "check", "--config"])
            .arg(&cfg)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("belongs to the merchant key"), "{stdout}");
    assert!(stdout.contains("matches merchant_serial_no"));
    assert!(stdout.contains("WeChat verified our signature"));
    assert!(stdout.contains("all checks passed"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn decrypt_notify_explains_a_capture() {
    let (t, dir, cfg) = shop_with_config().await;
    let plain = serde_json::json!({"out_trade_no": "CAPTURE0001", "trade_state": "SUCCESS", "transaction_id": "4200000000000000000000000009", "amount": {"total": 100}});
    let (h, body) = wechat_notification(&t, &plain);
    let headers: serde_json::Map<String, serde_json::Value> = h
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v.to_str().unwrap())))
        .collect();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        serde_json::json!({"headers": headers, "body": body}).to_string(),
    )
    .unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::json!({"headers": headers, "body": body.replacen("TRANSACTION", "TRANSACTIOM", 1)}).to_string()).unwrap();
    let run = |capture: std::path::PathBuf| {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .args(["wechat", "decrypt-notify", "--config"])
                .arg(&cfg)
                .arg(&capture)
                .output()
                .unwrap()
        })
    };
    let out = run(good).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("signature verifies")
            && stdout.contains("CAPTURE0001")
            && stdout.contains("verdict: OK"),
        "{stdout}"
    );
    let out = run(bad).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("FAIL signature"), "{stdout}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wechat_menu_installs_the_configured_buttons() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.path().join("puzi.toml");
    std::fs::write(
        &cfg,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"{}\"\n[wechat]\nmode = \"sandbox\"\n\
             [[wechat.menu]]\nname = \"商城\"\nurl = \"/\"\n[[wechat.menu]]\nname = \"我的订单\"\nurl = \"/orders\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let t = TestApp::start_with(puzi::config::load(&cfg).unwrap(), true).await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["wechat", "menu", "--config"])
            .arg(&cfg)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("menu installed: 商城 | 我的订单"),
        "{stdout}"
    );
    t.stop().await;
}
