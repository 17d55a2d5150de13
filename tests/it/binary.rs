//! The built binary: first stdout line, graceful SIGTERM, `init`, exit status 2 on bad config.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_puzi");

fn sigterm(child: &std::process::Child) {
    // SAFETY: kill(2) with a pid we spawned and a valid signal number.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0, "kill failed");
}

#[test]
fn demo_prints_its_address_first_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("shop");
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line was {line:?}"));
    assert!(!addr.ends_with(":0"), "real port: {addr}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = rt.block_on(async {
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(body, "ok\n");
    assert!(data.join("puzi.redb").exists());

    sigterm(&child);
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful exit, got {exit:?}");
}

#[test]
fn init_writes_a_template_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("puzi.toml");
    let out = Command::new(BIN)
        .args(["init", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("[wechat]") && text.contains("# "));
    let again = Command::new(BIN)
        .args(["init", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text, "untouched");
}

#[test]
fn serve_with_a_broken_config_exits_2_with_one_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("broken.toml");
    std::fs::write(&cfg, "[server]\nlisten = \"not-an-address\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.toml"), "{err}");
    assert!(err.contains("server.listen"), "{err}");
    assert!(err.contains("not an address"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn serve_runs_from_an_init_template() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("puzi.toml");
    assert!(
        Command::new(BIN)
            .args(["init", "--config"])
            .arg(&cfg)
            .status()
            .unwrap()
            .success()
    );
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"")
        .replace(
            "data_dir = \"./puzi-data\"",
            &format!("data_dir = \"{}\"", dir.path().join("data").display()),
        );
    std::fs::write(&cfg, text).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("http://{addr}/"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    sigterm(&child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_data_file_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("puzi.redb");
    {
        let store = puzi::store::Store::open(&path).unwrap();
        store
            .set_meta(
                "schema_version",
                &(puzi::store::SCHEMA_VERSION + 1).to_le_bytes(),
            )
            .unwrap();
    }
    let err = puzi::store::Store::open(&path).unwrap_err().to_string();
    assert!(err.contains("newer puzi"), "{err}");
}

/// kill -9 in the middle of orders and payments: everything the shop acknowledged is still
/// there after a restart.
#[test]
fn kill_9_loses_nothing_that_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("shop");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let start = || {
        let mut child = Command::new(BIN)
            .args(["demo", "--listen", &listen, "--data"])
            .arg(&data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on"), "{line}");
        child
    };
    let child = start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = format!("http://{listen}");
    let acked_orders = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let acked_paid = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    rt.block_on(async {
        let enough = std::sync::Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (base, orders, paid, enough) = (
                base.clone(),
                acked_orders.clone(),
                acked_paid.clone(),
                enough.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let c = reqwest::Client::builder()
                    .cookie_store(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let sku = ["wool-socks-sm", "canvas-tote-natural", "longjing-50g"][i % 3];
                // Each task is its own WeChat user: one user's phones share one cart.
                let persona = format!("load{i}");
                for _ in 0..200 {
                    if c.post(format!("{base}/cart/add"))
                        .form(&[("sku", sku), ("qty", "1")])
                        .send()
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let Ok(r) = c
                        .post(format!("{base}/checkout"))
                        .form(&[
                            ("name", "王五"),
                            ("mobile", "13900139000"),
                            ("address", "北京市"),
                            ("note", ""),
                        ])
                        .send()
                        .await
                    else {
                        return;
                    };
                    if r.status() != 303 {
                        return;
                    }
                    let no = crate::support::placed_no(r.headers()["location"].to_str().unwrap())
                        .to_string();
                    orders.lock().unwrap().push(no.clone());
                    // The cashier: OAuth through the sandbox the first time, then the WeChat order.
                    let Ok(r) = c.get(format!("{base}/pay/{no}")).send().await else {
                        return;
                    };
                    if r.status() == 302 {
                        let auth = r.headers()["location"]
                            .to_str()
                            .unwrap()
                            .replace("#wechat_redirect", "");
                        let q: std::collections::HashMap<String, String> =
                            form_urlencoded::parse(auth.split_once('?').unwrap().1.as_bytes())
                                .into_owned()
                                .collect();
                        let Ok(r) = c
                            .post(format!("{base}/sandbox/connect/oauth2/approve"))
                            .form(&[
                                ("appid", q["appid"].as_str()),
                                ("redirect_uri", q["redirect_uri"].as_str()),
                                ("state", q["state"].as_str()),
                                ("persona", persona.as_str()),
                            ])
                            .send()
                            .await
                        else {
                            return;
                        };
                        let back = r.headers()["location"].to_str().unwrap().to_string();
                        if c.get(&back).send().await.is_err() {
                            return;
                        }
                    }
                    let Ok(r) = c
                        .post(format!("{base}/pay/{no}/jsapi"))
                        .header("content-type", "application/json")
                        .body("{}")
                        .send()
                        .await
                    else {
                        return;
                    };
                    if r.status() != 200 {
                        return;
                    }
                    // Paid at the sandbox: the shop acknowledges the notification before this returns.
                    if c.post(format!("{base}/sandbox/control/pay"))
                        .json(&serde_json::json!({"out_trade_no": no}))
                        .send()
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let Ok(s) = c.get(format!("{base}/orders/{no}/status")).send().await else {
                        return;
                    };
                    let Ok(v) = s.json::<serde_json::Value>().await else {
                        return;
                    };
                    if v["state"] == "paid" {
                        let n = {
                            let mut p = paid.lock().unwrap();
                            p.push(no);
                            p.len()
                        };
                        if n >= 12 {
                            enough.notify_one();
                        }
                    }
                }
            }));
        }
        // Pull the plug while requests are in flight.
        enough.notified().await;
        // SAFETY: kill(2) on our child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        for t in tasks {
            let _ = t.await;
        }
    });
    let mut child = child;
    let _ = child.wait();
    let (acked_orders, acked_paid) = (
        acked_orders.lock().unwrap().clone(),
        acked_paid.lock().unwrap().clone(),
    );
    // Restart, then read the data file through a backup taken by the restarted shop.
    let mut child = start();
    let backup = dir.path().join("after.redb");
    let out = Command::new(BIN)
        .args(["backup", "--config"])
        .arg(write_cfg(dir.path(), &data, &listen))
        .arg("--out")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sigterm(&child);
    let _ = child.wait();
    let store = puzi::store::Store::open(&backup).unwrap();
    for no in &acked_orders {
        assert!(
            store
                .order(&puzi::order::OrderNo::parse(no).unwrap())
                .unwrap()
                .is_some(),
            "acknowledged order {no} lost"
        );
    }
    for no in &acked_paid {
        let o = store
            .order(&puzi::order::OrderNo::parse(no).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            o.state,
            puzi::order::OrderState::Paid,
            "acknowledged payment of {no} lost"
        );
    }
    assert!(acked_paid.len() >= 12);
}

fn write_cfg(dir: &std::path::Path, data: &std::path::Path, listen: &str) -> std::path::PathBuf {
    let p = dir.join("kill9.toml");
    std::fs::write(
        &p,
        format!(
            "[server]\nlisten = \"{listen}\"\n[storage]\ndata_dir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    p
}
