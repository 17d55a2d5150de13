//! Sessions and carts are not money (issue 19): a session change (the cashier's OAuth
//! state, the shopper's openid) and a cart change commit without a sync and reach the disk
//! with the next synced commit or the job tick's `sync_unsynced`; a crash loses at most the
//! changes since the last synced commit, and a clean stop loses nothing of them.

use crate::support::*;
use puzi::catalog::Quantity;
use puzi::store::{Faults, FaultyBackend, Store};
use reqwest::cookie::CookieStore;

#[tokio::test]
async fn session_changes_commit_unsynced_and_survive_a_clean_stop() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (s, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(s, 303);
    let no = placed_no(&loc.unwrap()).to_string();
    t.app.store.sync_unsynced().unwrap();
    // The cashier remembers the OAuth it starts in the session.
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        t.app.store.sync_unsynced().unwrap(),
        "the session change was committed without a sync"
    );
    assert!(
        !t.app.store.sync_unsynced().unwrap(),
        "nothing left to sync"
    );
    let sessions = t.app.store.session_count().unwrap();
    let dir = t.stop().await.unwrap();
    let t = TestApp::start_in(dir.path()).await;
    assert_eq!(t.app.store.session_count().unwrap(), sessions);
}

/// Adding, changing and removing cart lines commit without a sync (no fsync to wait for
/// on the shopper's tap); the cart is all there after a clean stop.
#[tokio::test]
async fn cart_changes_commit_unsynced_and_survive_a_clean_stop() {
    let t = TestApp::start().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let c = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    t.app.store.sync_unsynced().unwrap();
    for (path, form) in [
        ("/cart/add", [("sku", "stoneware-mug-white"), ("qty", "1")]),
        ("/cart/add", [("sku", "longjing-50g"), ("qty", "1")]),
        ("/cart/update", [("sku", "longjing-50g"), ("qty", "3")]),
    ] {
        let r = c.post(t.url(path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert!(
            t.app.store.sync_unsynced().unwrap(),
            "{path}: committed without a sync"
        );
    }
    let r = c
        .post(t.url("/cart/remove"))
        .form(&[("sku", "stoneware-mug-white")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(t.app.store.sync_unsynced().unwrap(), "remove: unsynced");
    // The last change is left unsynced; a clean stop makes it durable.
    let r = c
        .post(t.url("/cart/add"))
        .form(&[("sku", "dianhong-100g"), ("qty", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let dir = t.stop().await.unwrap();
    // The browser's session (its cookie) holds the whole cart.
    let t = TestApp::start_in(dir.path()).await;
    let cookies = jar.cookies(&t.url("/").parse().unwrap()).unwrap();
    let sid = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("puzi_sid="))
        .unwrap()
        .to_string();
    let cart = t.app.store.session(&sid).unwrap().unwrap().cart;
    let lines: Vec<(String, u32)> = cart
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.qty.get()))
        .collect();
    assert_eq!(
        lines,
        [
            ("longjing-50g".to_string(), 3),
            ("dianhong-100g".to_string(), 2)
        ]
    );
}

/// The bound a crash keeps to: what a synced commit carried survives, the changes after it
/// may be lost, and the file opens clean.
#[test]
fn a_crash_loses_at_most_the_session_changes_since_the_last_synced_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("puzi.redb");
    let faults = Faults::default();
    let mug = Quantity::new(1).unwrap();
    {
        let backend = FaultyBackend::open(&path, faults.clone()).unwrap();
        let s = Store::open_with_backend(&path, backend).unwrap();
        s.update_session("kept", 10, |sess| sess.cart.add("stoneware-mug-white", mug))
            .unwrap();
        // The job tick (or any order, prepay or payment commit) syncs it.
        assert!(s.sync_unsynced().unwrap());
        s.update_session("after", 11, |sess| sess.cart.add("longjing-50g", mug))
            .unwrap();
        // Power fails at the next fsync.
        faults.fail_nth_sync(1);
        let _ = s.sync_unsynced();
        assert!(faults.crashed());
    }
    let s = Store::open(&path).unwrap();
    let kept = s.session("kept").unwrap().expect("synced before the crash");
    assert_eq!(kept.cart.lines.len(), 1);
    assert_eq!(s.session("after").unwrap(), None, "lost with the crash");
}

/// The sandbox plays WeChat: its OAuth records (the persona, the code) are not the shop's
/// money and commit without a sync; the shop's order stays synced.
#[tokio::test]
async fn the_sandbox_oauth_records_commit_unsynced() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (s, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(s, 303);
    assert!(
        !t.app.store.sync_unsynced().unwrap(),
        "placing the order synced everything before it"
    );
    let no = placed_no(&loc.unwrap()).to_string();
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    let auth = r.headers()["location"]
        .to_str()
        .unwrap()
        .replace("#wechat_redirect", "");
    let q: std::collections::HashMap<String, String> =
        form_urlencoded::parse(auth.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    t.app.store.sync_unsynced().unwrap();
    // WeChat's side: a new persona approves; the sandbox stores the persona and a code.
    let r = c
        .post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", q["appid"].as_str()),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("persona", "小周"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        t.app.store.sync_unsynced().unwrap(),
        "the persona and code were committed without a sync"
    );
}

/// What one checkout costs the disk: a new shopper adds to the cart, places the order,
/// signs in through the sandbox's OAuth and gets the JSAPI prepay. Only the shop's money
/// syncs — the order and its prepay record, each its own synced transaction — while the
/// cart, the session and the sandbox's own records ride along unsynced.
#[tokio::test(flavor = "multi_thread")]
async fn a_checkout_syncs_only_the_order_and_the_prepay() {
    let (t, faults) = TestApp::start_reopening(|_| {}).await;
    // A first checkout warms up what is made once (the sandbox's keys, counters).
    let once = async |n: usize| {
        let c = client();
        assert_eq!(
            add_to_cart(&c, &t, "stoneware-mug-white", 1).await.status(),
            303
        );
        let (s, loc, _) = checkout(&c, &t, &as_form(&shopper_form(n))).await;
        assert_eq!(s, 303);
        let no = puzi::order::OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
        crate::disk::pay_params(&t, &c, &no).await;
        no
    };
    once(1).await;
    let before = faults.syncs();
    let no = once(2).await;
    // One synced redb commit is one fsync of the data file.
    let fsyncs = faults.syncs() - before;
    assert_eq!(fsyncs, 2, "the order and the prepay, nothing else");
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert!(
        !o.attempts.is_empty(),
        "the prepay is stored with the order"
    );
    t.stop().await;
}
