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
