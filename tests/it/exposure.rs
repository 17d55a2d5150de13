//! A shop facing the internet (issue 17 items 1–3): the sandbox says so on every page and
//! answers only this machine unless made public (then its control API needs the owner);
//! anonymous traffic writes nothing; idle sessions are deleted.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::order::OrderNo;

/// Asks `path` as a visitor from another machine, through a trusted local proxy.
async fn from_afar(c: &reqwest::Client, t: &TestApp, path: &str) -> u16 {
    c.get(t.url(path))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn behind_proxy(c: &mut puzi::config::Config) {
    c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_of_a_sandbox_shop_says_no_real_money_moves() {
    let t = TestApp::start().await;
    for path in ["/", "/p/longjing", "/cart", "/admin/login"] {
        let (status, page) = get_text(&client(), &t.url(path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("演示模式 — 不产生真实扣款"), "{path}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_sandbox_answers_this_machine_only() {
    let t = TestApp::start_tuned(behind_proxy).await;
    assert!(!t.app.config.sandbox.public);
    let c = client();
    assert_eq!(from_afar(&c, &t, "/sandbox/bridge.js").await, 404);
    assert_eq!(from_afar(&c, &t, "/sandbox/control/state").await, 404);
    let r = c
        .post(t.url("/sandbox/control/pay"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&serde_json::json!({"out_trade_no": "202611250000000000000001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nobody afar marks orders paid");
    // This machine still has it all.
    assert_eq!(get_text(&c, &t.url("/sandbox/bridge.js")).await.0, 200);
    assert_eq!(get_text(&c, &t.url("/sandbox/control/state")).await.0, 200);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_sandbox_keeps_its_controls_and_keys_for_the_owner() {
    let t = TestApp::start_tuned(|c| {
        behind_proxy(c);
        c.sandbox.public = true;
    })
    .await;
    let c = client();
    // Shoppers from afar can pay on the simulated sheet…
    assert_eq!(from_afar(&c, &t, "/sandbox/bridge.js").await, 200);
    // …but neither the control API nor the page with the keys answers them.
    assert_eq!(from_afar(&c, &t, "/sandbox/control/state").await, 404);
    assert_eq!(from_afar(&c, &t, "/sandbox/").await, 404);
    assert_eq!(get_text(&c, &t.url("/sandbox/control/state")).await.0, 404);
    // The owner, signed in, has them.
    let owner = setup_owner(&t).await;
    assert_eq!(
        get_text(&owner.c, &t.url("/sandbox/control/state")).await.0,
        200
    );
    assert_eq!(get_text(&owner.c, &t.url("/sandbox/")).await.0, 200);
    t.stop().await;
}

#[test]
fn the_packaged_config_is_public_on_purpose_and_private_without_the_flag() {
    let packaged = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/puzi.toml"),
    )
    .unwrap();
    let env = |_: &str| None;
    let path = std::path::Path::new("puzi.toml");
    let cfg = puzi::config::parse(path, &packaged, &env).unwrap();
    assert!(cfg.sandbox.public, "a first install works from a phone");
    assert!(
        packaged.contains("owner session"),
        "and says what that means"
    );
    let without = packaged.replace("public = true", "");
    let cfg = puzi::config::parse(path, &without, &env).unwrap();
    assert!(
        !cfg.sandbox.public,
        "without the flag the sandbox is private"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_traffic_writes_nothing() {
    let t = TestApp::start().await;
    for _ in 0..20 {
        let r = client()
            .get(t.url("/p/longjing?ch=flood"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
        assert!(
            cookies
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("puzi_ch=flood;")),
            "the tag rides in a cookie"
        );
        let r = client()
            .get(t.url("/wechat/oauth?code=x&state=y"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
    assert_eq!(t.app.store.session_count().unwrap(), 0, "nothing stored");
    // The tag still reaches the order: the first cart action stores it.
    let c = client();
    get_text(&c, &t.url("/p/longjing?ch=article-0315")).await;
    assert_eq!(t.app.store.session_count().unwrap(), 0);
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    let order = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(order.channel.as_deref(), Some("article-0315"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_sessions_are_deleted_and_orders_stay() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    add_to_cart(&client(), &t, "longjing-50g", 1).await;
    assert_eq!(t.app.store.session_count().unwrap(), 2);
    t.app.clock.advance(29 * 86_400);
    puzi::jobs::sweep_sessions(&t.app).await.unwrap();
    assert_eq!(
        t.app.store.session_count().unwrap(),
        2,
        "not idle long enough"
    );
    t.app.clock.advance(2 * 86_400);
    assert_eq!(puzi::jobs::sweep_sessions(&t.app).await.unwrap(), 2);
    assert_eq!(t.app.store.session_count().unwrap(), 0);
    assert!(t.app.store.order(&no).unwrap().is_some(), "orders stay");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn checkouts_per_address_are_limited() {
    let t = TestApp::start_tuned(|c| {
        behind_proxy(c);
        c.shop.checkouts_per_hour = 2;
    })
    .await;
    let order_from = |ip: &'static str, i: usize| {
        let t = &t;
        async move {
            let c = client();
            add_to_cart(&c, t, "longjing-50g", 1).await;
            let f = shopper_form(i);
            let r = c
                .post(t.url("/checkout"))
                .header("x-forwarded-for", ip)
                .form(&as_form(&f))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(order_from("203.0.113.7", 1).await.0, 303);
    assert_eq!(order_from("203.0.113.7", 2).await.0, 303);
    let (status, page) = order_from("203.0.113.7", 3).await;
    assert_eq!(status, 429);
    assert!(page.contains("下单太频繁了"), "a clear message");
    assert_eq!(
        order_from("198.51.100.2", 4).await.0,
        303,
        "another address"
    );
    t.app.clock.advance(3600);
    assert_eq!(order_from("203.0.113.7", 5).await.0, 303, "an hour later");
    t.stop().await;
}
