//! Quiet secrets, the HTTP part (issue 17 item 6): `/metrics` answers loopback clients and
//! the bearer of `[server] metrics_token`, nobody else; its gauges come from a scan kept
//! for 30 s, not one per scrape; HSTS on every response when the shop serves TLS itself.

use crate::support::*;
use puzi::config::{Config, TlsConfig, TlsMode};
use std::net::SocketAddr;

const TOKEN: &str = "a-metrics-token-of-some-length";

#[tokio::test(flavor = "multi_thread")]
async fn metrics_answer_loopback_or_the_token_and_are_404_for_anyone_else() {
    // Behind a proxy on this host every client comes from 127.0.0.1: a trusted proxy's
    // peer address is not taken as a local client.
    let t = TestApp::start_tuned(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.server.metrics_token = Some(puzi::secret::Secret::new(TOKEN));
    })
    .await;
    let c = reqwest::Client::new();
    let r = c.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("puzi_"));
    let r = c
        .get(t.url("/metrics"))
        .bearer_auth("a-wrong-token-of-some-length")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(t.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("puzi_http_requests_total"));
    t.stop().await;

    // A direct loopback client needs no token.
    let t = TestApp::start().await;
    let r = c.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    t.stop().await;
}

async fn scrape(t: &TestApp) -> String {
    reqwest::get(t.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_gauges_come_from_one_scan_kept_for_thirty_seconds() {
    let t = TestApp::start().await;
    // The 30 s are counted by the test: no real second may pass unnoticed.
    t.app.clock.freeze();
    assert!(
        scrape(&t)
            .await
            .contains("puzi_orders{state=\"pending_payment\"} 0")
    );
    let c = client();
    add_to_cart(&c, &t, "canvas-tote-black", 1).await;
    let (s, _, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(s, 303);
    // Scrapes within 30 s reuse the scan; the request counters are live.
    t.app.clock.advance(29);
    let m = scrape(&t).await;
    assert!(
        m.contains("puzi_orders{state=\"pending_payment\"} 0"),
        "{m}"
    );
    assert!(
        m.contains("puzi_http_requests_total{class=\"3xx\"} 2"),
        "{m}"
    );
    t.app.clock.advance(1);
    let m = scrape(&t).await;
    assert!(
        m.contains("puzi_orders{state=\"pending_payment\"} 1"),
        "{m}"
    );
    t.stop().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn hsts_on_every_response_when_serving_tls_and_never_on_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let http_port = free_port();
    let mut cfg = Config::demo(dir.path().join("data"), addr);
    cfg.tls = TlsConfig {
        mode: TlsMode::SelfSigned {
            names: vec!["127.0.0.1".into()],
        },
        http_listen: Some(format!("127.0.0.1:{http_port}").parse().unwrap()),
        reload_secs: 3600,
    };
    let t = TestApp::start_with(cfg, true).await;
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/no-such-page", "/healthz", "/assets/style.css"] {
        let r = c
            .get(format!("https://{}{path}", t.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    // The plain-HTTP redirect beside it sends none (HSTS over plain HTTP is ignored anyway).
    let r = c
        .get(format!("http://127.0.0.1:{http_port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert!(r.headers().get("strict-transport-security").is_none());
    t.stop().await;

    // A shop on plain HTTP (behind a proxy) sends none.
    let t = TestApp::start().await;
    let r = client().get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("strict-transport-security").is_none());
    t.stop().await;
}
