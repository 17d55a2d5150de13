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
