//! The WeChat platform pieces a live merchant cannot skip (issue 14): domain verification
//! files (uploaded in the back office or with `puzi wechat verify-file`, served at the root
//! byte for byte, checked by `doctor`), template messages to non-followers (43004: final,
//! the order page offers the follow QR code) and the IP whitelist (40164: one alert naming
//! the IP; `doctor` checks it with a live token call).

use crate::admin::{csrf_of, setup_owner};
use crate::support::*;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_puzi");
/// What WeChat hands out: a short ASCII string, no newline.
const VERIFY_BYTES: &[u8] = b"hG7kQ2xPzL9mWc4T";

async fn puzi(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let o = Command::new(BIN).args(&args).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// A shop started from a config file, and a second config for the CLI that names the
/// address the shop actually listens on (so `doctor` reaches it and its sandbox).
async fn shop_with_cli_config() -> (TestApp, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let boot = dir.path().join("boot.toml");
    std::fs::write(
        &boot,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndata_dir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    let t = TestApp::start_with(puzi::config::load(&boot).unwrap(), true).await;
    let addr = t
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let cli = dir.path().join("cli.toml");
    std::fs::write(
        &cli,
        format!(
            "[server]\nlisten = \"{addr}\"\n[storage]\ndata_dir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    (t, dir, cli)
}

/// The status of a GET sent as raw bytes, the path exactly as given.
async fn raw_status(t: &TestApp, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = t
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let head = String::from_utf8_lossy(&out);
    head.split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap_or(0)
}

fn upload_body(csrf: &str, filename: &str, data: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--VfBoUnD\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--VfBoUnD\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(data);
    b.extend_from_slice(b"\r\n--VfBoUnD--\r\n");
    b
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verification_file_uploaded_in_the_back_office_is_served_byte_for_byte() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (s, settings) = get_text(&o.c, &t.url("/admin/settings")).await;
    assert_eq!(s, 200);
    assert!(settings.contains("/admin/settings/verify-files"));
    let (s, page) = get_text(&o.c, &t.url("/admin/settings/verify-files")).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&page);
    let upload = |name: &str, data: &[u8]| {
        o.c.post(t.url("/admin/settings/verify-files"))
            .header("content-type", "multipart/form-data; boundary=VfBoUnD")
            .body(upload_body(&csrf, name, data))
            .send()
    };
    let r = upload("MP_verify_hG7kQ2xPzL9mWc4T.txt", VERIFY_BYTES)
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A second account's file is kept beside the first.
    let r = upload("MP_verify_Second2.txt", b"other").await.unwrap();
    assert_eq!(r.status(), 303);
    // Not a verification file: refused, in words, nothing stored.
    let r = upload("index.html", b"<script>").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("MP_verify_"));

    let r = client()
        .get(t.url("/MP_verify_hG7kQ2xPzL9mWc4T.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.bytes().await.unwrap().as_ref(), VERIFY_BYTES);
    let (s, other) = get_text(&client(), &t.url("/MP_verify_Second2.txt")).await;
    assert_eq!((s, other.as_str()), (200, "other"));
    // Only names of the pattern, only stored ones; no way out of the root.
    for path in [
        "/MP_verify_unknown1.txt",
        "/MP_verify_.txt",
        "/MP_verify_hG7kQ2xPzL9mWc4T.txt.bak",
        "/MP_verify_a-b.txt",
        "/index.html",
        "/MP_verify_%2e%2e%2fpuzi.txt",
        "/MP_verify_hG7kQ2xPzL9mWc4T.txt/",
        "/sub/MP_verify_hG7kQ2xPzL9mWc4T.txt",
    ] {
        let r = client().get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    // Dot segments as sent on the wire (a client library would resolve them first).
    for raw in [
        "/../MP_verify_hG7kQ2xPzL9mWc4T.txt",
        "/x/../MP_verify_hG7kQ2xPzL9mWc4T.txt",
        "/../../data/puzi.redb",
    ] {
        assert_eq!(raw_status(&t, raw).await, 404, "{raw}");
    }

    // Deleting asks first; then it is gone and no longer served.
    let (s, ask) = get_text(
        &o.c,
        &t.url("/admin/settings/verify-files/delete?name=MP_verify_Second2.txt"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(ask.contains("name=\"confirm\""));
    let r = o
        .post(
            &t,
            "/admin/settings/verify-files/delete",
            &[("name", "MP_verify_Second2.txt")],
        )
        .await;
    assert_eq!(r.status(), 200, "without confirm: the question again");
    assert_eq!(
        client()
            .get(t.url("/MP_verify_Second2.txt"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = o
        .post(
            &t,
            "/admin/settings/verify-files/delete",
            &[("name", "MP_verify_Second2.txt"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        client()
            .get(t.url("/MP_verify_Second2.txt"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(t.app.store.domain_files().unwrap().len(), 1);
    // Both changes are in the audit log, by the member who made them.
    let log = t.app.store.audit_entries(None, None, 50).unwrap();
    let names: Vec<_> = log
        .iter()
        .filter_map(|e| match &e.action {
            puzi::audit::Action::VerifyFileSaved { name } => Some(("saved", name.as_str())),
            puzi::audit::Action::VerifyFileDeleted { name } => Some(("deleted", name.as_str())),
            _ => None,
        })
        .collect();
    assert!(
        names.contains(&("saved", "MP_verify_Second2.txt")),
        "{names:?}"
    );
    assert!(
        names.contains(&("deleted", "MP_verify_Second2.txt")),
        "{names:?}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_verify_file_goes_through_the_running_shop_and_doctor_fetches_it() {
    let (t, dir, cli) = shop_with_cli_config().await;
    let file = dir.path().join("MP_verify_CliFile42.txt");
    std::fs::write(&file, VERIFY_BYTES).unwrap();
    let arg = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cfg = cli.display().to_string();
    let (code, out, err) = puzi(arg(&[
        "wechat",
        "verify-file",
        "--config",
        &cfg,
        &file.display().to_string(),
    ]))
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("MP_verify_CliFile42.txt"), "{out}");
    // The running shop stored it (the data file is locked by the shop: only it could).
    let r = client()
        .get(t.url("/MP_verify_CliFile42.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), VERIFY_BYTES);
    // A file named otherwise is refused.
    let bad = dir.path().join("verify.txt");
    std::fs::write(&bad, b"x").unwrap();
    let (code, _, err) = puzi(arg(&[
        "wechat",
        "verify-file",
        "--config",
        &cfg,
        &bad.display().to_string(),
    ]))
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("MP_verify_"), "{err}");

    // doctor fetches it through the public base URL: reachable and identical.
    let (code, out, _) = puzi(arg(&["doctor", "--config", &cfg])).await;
    assert!(
        out.contains("MP_verify_CliFile42.txt is reachable and byte-identical"),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");
    // Through a public address that does not reach the shop: doctor says so and fails.
    let away = dir.path().join("away.toml");
    std::fs::write(
        &away,
        format!(
            "{}[shop]\nbase_url = \"http://127.0.0.1:9\"\n",
            std::fs::read_to_string(&cli).unwrap()
        ),
    )
    .unwrap();
    let (code, out, _) = puzi(arg(&["doctor", "--config", &away.display().to_string()])).await;
    assert!(
        out.contains("FAIL") && out.contains("MP_verify_CliFile42.txt is not reachable"),
        "{out}"
    );
    assert_eq!(code, 1, "{out}");
    t.stop().await;
}

/// A tiny PNG (the signature is what the config checks) standing in for the account's QR.
const QR_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-follow-us-qr";

/// A shopper (its browser) who ordered two mugs and paid as `persona` in the sandbox.
async fn paid_order(t: &TestApp, persona: &str) -> (reqwest::Client, puzi::order::OrderNo) {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 2).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = puzi::order::OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, persona, None).await;
    (c, no)
}

async fn start_with_follow_qr() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let qr = dir.path().join("qr.png");
    std::fs::write(&qr, QR_PNG).unwrap();
    // Through the config key, as an owner sets it.
    let toml = dir.path().join("qr.toml");
    std::fs::write(
        &toml,
        format!("[wechat]\nfollow_qr_image = \"{}\"\n", qr.display()),
    )
    .unwrap();
    let image = puzi::config::load(&toml).unwrap().wechat.follow_qr_image;
    assert!(image.is_some());
    let t = TestApp::start_tuned(move |cfg| cfg.wechat.follow_qr_image = image).await;
    (t, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_to_a_non_follower_is_final_and_the_order_page_offers_the_follow_qr() {
    let (t, _dir) = start_with_follow_qr().await;
    let o = setup_owner(&t).await;
    let (shopper, no) = paid_order(&t, "阿珍").await;
    let (_, before) = get_text(&shopper, &t.url(&format!("/orders/{no}"))).await;
    assert!(!before.contains("follow-oa"), "nothing to offer yet");
    // 阿珍 stops following the shop's Official Account.
    assert!(t.sandbox().set_following("阿珍", false).unwrap());
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("courier", "EMS"), ("tracking_no", "E100")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let e = &t.app.store.outbox().unwrap()[0];
    assert_eq!((e.state.as_str(), e.attempts), ("not_follower", 1));
    // The back office says so in words.
    let (_, detail) = get_text(&o.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(detail.contains("未关注公众号"), "the outbox entry in words");
    assert!(!detail.contains("43004"));
    // Final: no retry however long we wait, and no alert.
    t.app
        .clock
        .advance(puzi::fulfilment::OUTBOX_BACKOFF.iter().sum::<i64>() + 60);
    for _ in 0..3 {
        t.app.fulfilment.deliver_outbox().await.unwrap();
    }
    let e = &t.app.store.outbox().unwrap()[0];
    assert_eq!((e.state.as_str(), e.attempts), ("not_follower", 1));
    assert!(t.app.store.alerts().unwrap().is_empty());
    // The shopper's order page offers the account's QR code, served at a fixed URL.
    let (_, page) = get_text(&shopper, &t.url(&format!("/orders/{no}"))).await;
    assert!(
        page.contains("关注公众号，获取发货通知") && page.contains("src=\"/follow-qr\""),
        "the follow block"
    );
    let r = client().get(t.url("/follow-qr")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), QR_PNG);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_phone_toggles_following() {
    let t = TestApp::start().await;
    let (_shopper, no) = paid_order(&t, "阿珍").await;
    let _ = no;
    // The phone of 阿珍 (its persona cookie).
    let phone = client();
    let cookie = format!("{}={}", "sandbox_persona", "%E9%98%BF%E7%8F%8D");
    let page = |c: &reqwest::Client| {
        c.get(t.url("/sandbox/phone"))
            .header("cookie", cookie.clone())
            .send()
    };
    let body = page(&phone).await.unwrap().text().await.unwrap();
    assert!(
        body.contains("data-following=\"true\""),
        "a persona follows at first"
    );
    let r = phone
        .post(t.url("/sandbox/phone/follow"))
        .header("cookie", cookie.clone())
        .form(&[("follow", "0")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection() || r.status().is_success());
    let body = page(&phone).await.unwrap().text().await.unwrap();
    assert!(body.contains("data-following=\"false\""), "{body}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_server_ip_is_reported_once_naming_the_ip() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (_, first) = paid_order(&t, "阿珍").await;
    let (_, second) = paid_order(&t, "小王").await;
    t.sandbox()
        .set_oa_fault(puzi::sandbox::OaFault::IpNotWhitelisted {
            ip: "203.0.113.7".into(),
        });
    for no in [&first, &second] {
        let r = o
            .post(
                &t,
                &format!("/admin/orders/{no}/ship"),
                &[("courier", "EMS"), ("tracking_no", "E200")],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    // Retried later (the IP can be added), but one alert, not one per message or attempt.
    t.app.clock.advance(puzi::fulfilment::OUTBOX_BACKOFF[0]);
    t.app.fulfilment.deliver_outbox().await.unwrap();
    let out = t.app.store.outbox().unwrap();
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|e| e.state.as_str() == "pending"));
    let alerts = t.app.store.alerts().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, puzi::store::AlertKind::IpWhitelist);
    assert_eq!(alerts[0].message, "203.0.113.7");
    let (_, dash) = get_text(&o.c, &t.url("/admin")).await;
    assert!(dash.contains("203.0.113.7") && dash.contains("IP白名单"));
    // The owner adds the IP: the messages go out on their next attempt.
    t.sandbox().clear_oa_fault();
    t.app.clock.advance(puzi::fulfilment::OUTBOX_BACKOFF[1]);
    assert_eq!(t.app.fulfilment.deliver_outbox().await.unwrap(), 2);
    assert_eq!(t.app.store.alerts().unwrap().len(), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_the_ip_whitelist_with_a_live_token_call() {
    let (t, _dir, cli) = shop_with_cli_config().await;
    let cfg = cli.display().to_string();
    let args = vec!["doctor".to_string(), "--config".into(), cfg];
    let (code, out, _) = puzi(args.clone()).await;
    assert!(out.contains("ok   IP whitelist"), "{out}");
    assert_eq!(code, 0, "{out}");
    t.sandbox()
        .set_oa_fault(puzi::sandbox::OaFault::IpNotWhitelisted {
            ip: "198.51.100.23".into(),
        });
    let (code, out, _) = puzi(args).await;
    assert!(
        out.contains("FAIL IP whitelist: add 198.51.100.23 to the Official Account's IP whitelist"),
        "{out}"
    );
    assert_eq!(code, 1, "{out}");
    t.stop().await;
}
