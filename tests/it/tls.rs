//! TLS: self-signed with h2 and the https redirect, files reloaded without dropping
//! connections, ACME against Pebble on loopback, and the sandbox payment flow over TLS.

use crate::support::*;
use puzi::config::{Config, TlsConfig, TlsMode};
use std::io::BufRead;
use std::net::SocketAddr;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn tls_app(mode: TlsMode, http_port: Option<u16>) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cfg = Config::demo(dir.path().join("data"), addr);
    cfg.tls = TlsConfig {
        mode,
        http_listen: http_port.map(|p| format!("127.0.0.1:{p}").parse().unwrap()),
        reload_secs: 3600,
    };
    (TestApp::start_with(cfg, true).await, dir)
}

fn https(t: &TestApp, path: &str) -> String {
    format!("https://{}{path}", t.addr)
}

#[tokio::test(flavor = "multi_thread")]
async fn self_signed_serves_h2_secure_cookies_and_redirects_http() {
    let http_port = free_port();
    let (t, _dir) = tls_app(
        TlsMode::SelfSigned {
            names: vec!["localhost".into(), "127.0.0.1".into()],
        },
        Some(http_port),
    )
    .await;
    assert!(t.app.base_url.starts_with("https://"));
    // The key is its owner's alone, in a directory that is too.
    let tls_dir = t.data.join("tls");
    assert_eq!(crate::ops::mode(&tls_dir), 0o700);
    assert_eq!(crate::ops::mode(&tls_dir.join("self-signed.key")), 0o600);
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let r = c.get(https(&t, "/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_2, "h2 through ALPN");
    let no_follow = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let added = no_follow
        .post(https(&t, "/cart/add"))
        .form(&[("sku", "canvas-tote-black"), ("qty", "1")])
        .send()
        .await
        .unwrap();
    let cookie = added.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // HTTP/1.1 still works.
    let h1 = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .http1_only()
        .build()
        .unwrap();
    assert_eq!(
        h1.get(https(&t, "/healthz"))
            .send()
            .await
            .unwrap()
            .version(),
        reqwest::Version::HTTP_11
    );
    // A cached page over HTTP/1.1 on TLS comes from the fast lane (a new connection each,
    // since this one went to hyper for /healthz), HSTS and all, the same bytes as over h2.
    let metrics = https(&t, "/metrics");
    let lane = || metric_from(&c, &metrics, "puzi_http_fast_lane_total");
    let h2_page = c
        .get(https(&t, "/"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let before = lane().await;
    for _ in 0..2 {
        let fresh = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .http1_only()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let r = fresh.get(https(&t, "/")).send().await.unwrap();
        assert_eq!(r.version(), reqwest::Version::HTTP_11);
        assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
        assert_eq!(r.bytes().await.unwrap(), h2_page);
    }
    let after = lane().await;
    assert_eq!(after, before + 2, "lane {before} -> {after}");
    // Port 80 (here: another port) redirects to https.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain
        .get(format!("http://127.0.0.1:{http_port}/p/longjing?ch=menu"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers()["location"],
        format!("https://127.0.0.1:{}/p/longjing?ch=menu", t.addr.port()).as_str()
    );
    // Metrics show the certificate's expiry.
    let m = c
        .get(https(&t, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("puzi_tls_certificate_expiry_seconds"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_payment_flow_runs_over_tls_with_the_sandbox() {
    let (t, _dir) = tls_app(
        TlsMode::SelfSigned {
            names: vec!["127.0.0.1".into()],
        },
        None,
    )
    .await;
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    c.post(https(&t, "/cart/add"))
        .form(&[("sku", "canvas-tote-black"), ("qty", "1")])
        .send()
        .await
        .unwrap();
    let r = c
        .post(https(&t, "/checkout"))
        .form(&GOOD_FORM)
        .send()
        .await
        .unwrap();
    let no = placed_no(r.headers()["location"].to_str().unwrap()).to_string();
    t.pay()
        .jsapi_prepay(&puzi::wechat::pay::JsapiOrder {
            description: "x".into(),
            out_trade_no: no.clone(),
            time_expire: None,
            attach: None,
            notify_url: t.app.wechat.notify_url.clone(),
            total: 5700,
            currency: "CNY".into(),
            openid: "o1".into(),
        })
        .await
        .unwrap();
    let r = c
        .post(https(&t, "/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": no}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let o = t
        .app
        .store
        .order(&puzi::order::OrderNo::parse(&no).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        o.state,
        puzi::order::OrderState::Paid,
        "the notification reached the shop over TLS"
    );
    t.stop().await;
}

/// Writes a file and stamps it `secs` in the future, so a change is seen without waiting.
fn write_later(path: &std::path::Path, data: &str, secs: u64) {
    std::fs::write(path, data).unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(secs))
        .unwrap();
}

fn cert_for(name: &str) -> (String, String) {
    puzi::tls::self_signed(&[name.to_string()]).unwrap()
}

fn client_trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .resolve("shop.test", "127.0.0.1:0".parse().unwrap())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_reloaded_when_they_change_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_a, key_a) = cert_for("shop.test");
    let (cert_b, key_b) = cert_for("shop.test");
    let (cf, kf) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cf, &cert_a).unwrap();
    std::fs::write(&kf, &key_a).unwrap();
    let (t, _d) = tls_app(
        TlsMode::Files {
            cert: cf.clone(),
            key: kf.clone(),
        },
        None,
    )
    .await;
    let url = format!("https://shop.test:{}/healthz", t.addr.port());
    let a = client_trusting(&cert_a);
    assert_eq!(a.get(&url).send().await.unwrap().status(), 200);
    assert!(
        client_trusting(&cert_b).get(&url).send().await.is_err(),
        "B is not served yet"
    );
    let tls = t.app.tls.clone().unwrap();
    assert!(!tls.reload_files().unwrap(), "nothing changed");
    // Replace the files (with a later mtime) and reload.
    write_later(&cf, &cert_b, 10);
    write_later(&kf, &key_b, 10);
    assert!(tls.reload_files().unwrap());
    // The established connection of client A keeps working; new connections get B.
    assert_eq!(a.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(
        client_trusting(&cert_b)
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(client_trusting(&cert_a).get(&url).send().await.is_err());
    // A broken file keeps the current certificate in service.
    write_later(&cf, "garbage", 20);
    assert!(tls.reload_files().is_err());
    assert_eq!(
        client_trusting(&cert_b)
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    t.stop().await;
}

/// Pebble, Let's Encrypt's test CA, on loopback with a CA of the test's own.
struct Pebble {
    child: std::process::Child,
    dir: String,
    mgmt: u16,
    ca_pem: String,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_pebble(dir: &std::path::Path, http_port: u16) -> Pebble {
    // A CA and a leaf for Pebble's own https listener.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("pebble.pem"), leaf.pem()).unwrap();
    std::fs::write(dir.join("pebble.key"), leaf_key.serialize_pem()).unwrap();
    let (port, mgmt) = (free_port(), free_port());
    let cfg = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{port}"),
        "managementListenAddress": format!("127.0.0.1:{mgmt}"),
        "certificate": dir.join("pebble.pem"), "privateKey": dir.join("pebble.key"),
        "httpPort": http_port, "tlsPort": free_port(), "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
    }});
    std::fs::write(dir.join("pebble.json"), cfg.to_string()).unwrap();
    let mut child = std::process::Command::new("pebble")
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pebble (apt: pebble)");
    // Ready when it says where its directory is.
    let out = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(out).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("Listening on") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Pebble {
        child,
        dir: format!("https://127.0.0.1:{port}/dir"),
        mgmt,
        ca_pem: ca_cert.pem(),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs pebble (apt); .ci/run installs it and runs this with --include-ignored"]
async fn acme_obtains_a_certificate_from_pebble_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let http_port = free_port();
    let pebble = start_pebble(dir.path(), http_port);
    let (t, _d) = tls_app(
        TlsMode::Acme {
            names: vec!["localhost".into()],
            directory: pebble.dir.clone(),
            email: Some("owner@example.com".into()),
            ca_file: Some(dir.path().join("ca.pem")),
        },
        Some(http_port),
    )
    .await;
    let tls = t.app.tls.clone().unwrap();
    let now = t.app.clock.unix();
    assert!(
        tls.acme_renew_if_due(now).await.unwrap(),
        "a certificate was obtained"
    );
    assert!(tls.not_after() > now + 30 * 24 * 3600);
    assert!(!tls.acme_renew_if_due(now).await.unwrap(), "not due again");
    assert!(
        t.data.join("tls/acme-account.json").exists() && t.data.join("tls/acme-cert.pem").exists()
    );
    for f in ["acme-key.pem", "acme-account.json"] {
        assert_eq!(crate::ops::mode(&t.data.join("tls").join(f)), 0o600, "{f}");
    }
    // Trust Pebble's root and talk to the shop by name.
    let mgmt = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pebble.ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let root = mgmt
        .get(format!("https://127.0.0.1:{}/roots/0", pebble.mgmt))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let c = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(root.as_bytes()).unwrap()])
        .resolve("localhost", t.addr)
        .build()
        .unwrap();
    let r = c
        .get(format!("https://localhost:{}/healthz", t.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Renewal is due 30 days before expiry.
    assert!(
        tls.acme_renew_if_due(tls.not_after() - 29 * 24 * 3600)
            .await
            .unwrap()
    );
    t.stop().await;
}
