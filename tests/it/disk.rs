//! Faults lose nothing: a disk that fills up (every write and fsync refused, through the
//! fault-injecting storage backend) makes writes fail cleanly — WeChat's notification is
//! answered 500, the shopper sees "try again", pages that only read are still served — and
//! once space returns the shop takes writes again by itself, without a restart, with
//! everything it acknowledged in the file. A second test does the same with the real
//! binary on a tmpfs of a few megabytes.

use crate::support::*;
use puzi::alert::AlertKind;
use puzi::order::{OrderNo, OrderState};
use puzi::sandbox::NotificationFault;
use puzi::store::Store;

/// Places an order for `sku` as a fresh shopper, pays it on the sandbox's sheet with the
/// notification held back, and returns the order and WeChat's pending delivery.
async fn paid_on_the_sheet(t: &TestApp, sku: &str) -> (OrderNo, puzi::sandbox::Delivery) {
    let c = client();
    add_to_cart(&c, t, sku, 1).await;
    let (status, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let no = OrderNo::parse(loc.unwrap().trim_start_matches("/orders/")).unwrap();
    // WeChat holds its notification back; the test sends it, playing WeChat.
    t.sandbox()
        .set_notification_fault(NotificationFault::Delay { seconds: 10 });
    pay_in_sandbox(t, &c, &no, "小林", None).await;
    let d = t
        .sandbox()
        .deliveries()
        .unwrap()
        .into_iter()
        .find(|d| d.plaintext.contains(&no.to_string()))
        .expect("a delivery for the order");
    assert_eq!(d.attempts, 0, "held back");
    (no, d)
}

/// WeChat sends the notification; the status the shop answers.
async fn deliver(t: &TestApp, d: &puzi::sandbox::Delivery) -> u16 {
    let (h, body) = sandbox_delivery(t, d);
    reqwest::Client::new()
        .post(&d.url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// One sample of `/metrics` by name (loopback is allowed).
async fn metric(t: &TestApp, name: &str) -> u64 {
    let (s, body) = get_text(&reqwest::Client::new(), &t.url("/metrics")).await;
    assert_eq!(s, 200);
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_writes_cleanly_and_the_shop_recovers_without_a_restart() {
    let (t, faults) = TestApp::start_reopening(|_| {}).await;
    // Time that matters (the backoff between reopen attempts) moves only when told.
    t.app.clock.freeze();
    let (paid_no, d) = paid_on_the_sheet(&t, "longjing-50g").await;
    // Another shopper has a cart and is about to check out.
    let shopper = client();
    add_to_cart(&shopper, &t, "dianhong-100g", 2).await;
    let stock = t.app.store.stock("dianhong-100g").unwrap();
    let orders_before = t.app.store.order_count().unwrap();
    assert_eq!(metric(&t, "puzi_store_writable").await, 1);

    faults.fill_disk();

    // WeChat's notification cannot be stored: answered 500 so WeChat retries, not applied.
    assert_eq!(deliver(&t, &d).await, 500);
    let o = t.app.store.order(&paid_no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment, "not applied");
    assert_eq!(t.app.store.notification(&d.notification_id).unwrap(), None);
    assert!(!t.app.store.writable());

    // The shopper is told to try again, on a page, and nothing is reserved.
    let text = t.app.config.shop.language.text();
    for _ in 0..3 {
        let (status, loc, page) = checkout(&shopper, &t, &GOOD_FORM).await;
        assert_eq!((status, loc), (503, None));
        assert!(page.contains(text.store_unavailable_body), "{page}");
        assert!(!page.contains("Unavailable") && !page.contains("StoreError"));
    }
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), stock);
    assert_eq!(t.app.store.order_count().unwrap(), orders_before);

    // Pages that only read are still served.
    for path in ["/", "/p/longjing", "/cart"] {
        let (s, page) = get_text(&shopper, &t.url(path)).await;
        assert_eq!(s, 200, "{path}: {page}");
    }
    let (s, _) = get_text(&client(), &t.url("/p/dianhong")).await;
    assert_eq!(s, 200);

    // No spinning: with the clock still, one attempt to reopen however many requests came;
    // each backoff step allows one more.
    assert_eq!(metric(&t, "puzi_store_reopen_attempts_total").await, 1);
    t.app.clock.advance(1);
    assert_eq!(checkout(&shopper, &t, &GOOD_FORM).await.0, 503);
    assert_eq!(checkout(&shopper, &t, &GOOD_FORM).await.0, 503);
    assert_eq!(metric(&t, "puzi_store_reopen_attempts_total").await, 2);
    assert_eq!(metric(&t, "puzi_store_write_failures_total").await, 1);
    assert_eq!(metric(&t, "puzi_store_writable").await, 0);
    assert_eq!(metric(&t, "puzi_store_reopens_total").await, 0);

    // Space returns. After the backoff, the store reopens by itself: no restart.
    faults.clear();
    t.app.clock.advance(2);
    // WeChat redelivers the same notification: applied and acknowledged.
    let answered = deliver(&t, &d).await;
    assert!((200..300).contains(&answered), "{answered}");
    assert_eq!(
        t.app.store.order(&paid_no).unwrap().unwrap().state,
        OrderState::Paid
    );
    // The shopper's checkout now goes through.
    let (status, loc, _) = checkout(&shopper, &t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let placed = OrderNo::parse(loc.unwrap().trim_start_matches("/orders/")).unwrap();
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), stock - 2);
    assert_eq!(metric(&t, "puzi_store_writable").await, 1);
    assert_eq!(metric(&t, "puzi_store_reopens_total").await, 1);
    // The owner hears of it once.
    let alerts = t.app.store.alerts().unwrap();
    assert_eq!(
        alerts
            .iter()
            .filter(|a| a.kind == AlertKind::StorageFault)
            .count(),
        1,
        "{alerts:?}"
    );

    // Everything acknowledged is in the file, and the file opens clean.
    let path = t.data.join("puzi.redb");
    let dir = t.stop().await;
    let store = Store::open(&path).unwrap();
    let o = store.order(&paid_no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Paid);
    assert!(store.notification(&d.notification_id).unwrap().is_some());
    let o = store.order(&placed).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment);
    assert_eq!(store.stock("dianhong-100g").unwrap(), stock - 2);
    assert_eq!(store.order_count().unwrap(), orders_before + 1);
    drop(store);
    drop(dir);
}
