//! Checkout, order creation, stock reservation, privacy and persistence across restarts.

use crate::support::*;
use puzi::money::Money;
use puzi::order::{OrderNo, OrderState};

/// Checkout sends the shopper straight to the cashier, which opens the sheet at once.
fn order_no(location: &str) -> OrderNo {
    assert!(location.ends_with("?go=1"), "{location}");
    OrderNo::parse(placed_no(location)).expect("a valid out_trade_no")
}

#[tokio::test(flavor = "multi_thread")]
async fn checkout_validates_on_the_server_and_keeps_the_cart() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "canvas-tote-black", 1).await;
    let (status, _, body) = checkout(
        &c,
        &t,
        &[
            ("name", " "),
            ("mobile", "12345"),
            ("address", ""),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"err-name\""), "error beside name");
    assert!(body.contains("id=\"err-mobile\"") && body.contains("请输入 11 位手机号码"));
    assert!(body.contains("id=\"err-address\""));
    assert!(!body.contains("id=\"err-note\""), "note is optional");
    assert!(body.contains("value=\"12345\""), "entered values are kept");
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("帆布托特包"), "nothing lost");
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn placing_an_order_reserves_stock_and_prices_from_the_catalog() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "longjing-100g", 2).await;
    // A forged price field is ignored: prices come from the catalog.
    let mut form = GOOD_FORM.to_vec();
    form.push(("price", "1"));
    form.push(("total", "1"));
    let (status, loc, _) = checkout(&c, &t, &form).await;
    assert_eq!(status, 303);
    let no = order_no(&loc.unwrap());
    assert!((6..=32).contains(&no.as_str().len()));

    let order = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(order.state, OrderState::PendingPayment);
    assert_eq!(order.items_total, Money(25600));
    assert_eq!(
        order.shipping,
        Money::ZERO,
        "over the free-shipping threshold"
    );
    assert_eq!(order.total, Money(25600));
    assert_eq!(order.recipient.mobile, "13800138000");
    assert_eq!(t.app.store.stock("longjing-100g").unwrap(), 23);

    let (s, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("待付款") && page.contains("¥256.00") && page.contains(no.as_str()));
    let status: serde_json::Value = c
        .get(t.url(&format!("/orders/{no}/status")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "pending_payment");
    assert_eq!(status["total"], 25600);

    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("购物车是空的"), "the cart became the order");
    let (_, list) = get_text(&c, &t.url("/orders")).await;
    assert!(list.contains(no.as_str()));

    // Another shopper cannot see it.
    let other = client();
    assert_eq!(
        get_text(&other, &t.url(&format!("/orders/{no}"))).await.0,
        404
    );
    assert_eq!(
        get_text(&other, &t.url(&format!("/orders/{no}/status")))
            .await
            .0,
        404
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shipping_fee_applies_below_the_threshold() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "wool-socks-sm", 1).await;
    let (status, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let order = t
        .app
        .store
        .order(&order_no(&loc.unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(order.items_total, Money(3900));
    assert_eq!(order.shipping, Money(800));
    assert_eq!(order.total, Money(4700));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn checkout_refuses_more_than_is_in_stock() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "dianhong-100g", 5).await; // only 3 left
    let (status, _, body) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(status, 409);
    assert!(body.contains("仅剩 3 件"), "{body}");
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 3);
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_checkouts_never_oversell() {
    let t = TestApp::start().await;
    t.app.store.set_stock("dianhong-100g", 5).unwrap();
    let mut clients = Vec::new();
    for _ in 0..50 {
        let c = client();
        let r = add_to_cart(&c, &t, "dianhong-100g", 1).await;
        assert_eq!(r.status(), 303);
        clients.push(c);
    }
    let t = std::sync::Arc::new(t);
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let f = shopper_form(i);
            checkout(&c, &t, &as_form(&f)).await.0
        }));
    }
    let mut placed = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            303 => placed += 1,
            409 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(placed, 5);
    assert_eq!(refused, 45);
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 0);
    assert_eq!(t.app.store.order_count().unwrap(), 5);
    let t = std::sync::Arc::into_inner(t).unwrap();
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn carts_and_orders_survive_a_restart() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "cotton-tee-m", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = order_no(&loc.unwrap());
    add_to_cart(&c, &t, "canvas-tote-natural", 2).await;
    let data = t.data.clone();
    let dir = t.stop().await;

    let t = TestApp::start_in(&data).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("帆布托特包"), "cart kept across restart");
    assert!(cart.contains("value=\"2\""));
    let (s, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("纯棉圆领T恤"));
    // The demo catalog is seeded once: stock changes survive too.
    assert_eq!(t.app.store.stock("cotton-tee-m").unwrap(), 19);
    t.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn entry_channel_is_remembered_on_the_order() {
    let t = TestApp::start().await;
    let c = client();
    get_text(&c, &t.url("/p/longjing?ch=article-0315")).await;
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let order = t
        .app
        .store
        .order(&order_no(&loc.unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(order.channel.as_deref(), Some("article-0315"));
    t.stop().await;
}

/// Group commit: changes queued together share one durable write; a change that panics
/// fails its own batch (nothing of it is written, its caller gets an error) and the writer
/// keeps serving every later change.
#[tokio::test(flavor = "multi_thread")]
async fn group_commit_survives_a_panicking_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = puzi::store::Store::open(&dir.path().join("puzi.redb")).unwrap();
    let err = store
        .update_session_grouped("s-panic".into(), 10, |s| {
            s.channel = Some("half-written".into());
            panic!("a bug in one request");
        })
        .await;
    assert!(
        err.is_err(),
        "a panicking change is not reported as written"
    );
    assert!(
        store.session("s-panic").unwrap().is_none(),
        "nothing of the panicking change is durable"
    );
    let mut waits = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        waits.push(tokio::spawn(async move {
            s.update_session_grouped(format!("s-{i}"), 20, move |sess| {
                sess.channel = Some(format!("ch-{i}"));
                i
            })
            .await
        }));
    }
    for (i, w) in waits.into_iter().enumerate() {
        assert_eq!(w.await.unwrap().unwrap(), i);
        let sess = store.session(&format!("s-{i}")).unwrap().expect("written");
        assert_eq!(sess.channel.as_deref(), Some(format!("ch-{i}").as_str()));
    }
}

/// A paid order of one mug, shipped by the owner; returns the shopper's client too.
async fn shipped_order(t: &TestApp, persona: &str) -> (reqwest::Client, OrderNo) {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = order_no(&loc.unwrap());
    pay_in_sandbox(t, &c, &no, persona, None).await;
    t.app
        .fulfilment
        .ship(&no, "顺丰", "SF5550001", "owner")
        .await
        .unwrap();
    (c, no)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shopper_sees_the_tracking_number_and_confirms_receipt() {
    let t = TestApp::start().await;
    let (c, no) = shipped_order(&t, "阿珍").await;
    let (status, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("SF5550001") && page.contains("顺丰"),
        "tracking shown"
    );
    assert!(page.contains("id=\"confirm-receipt\""));
    // The confirmation step asks first; nothing changes until the form is posted.
    let (_, ask) = get_text(&c, &t.url(&format!("/orders/{no}?receive=1"))).await;
    assert!(ask.contains(&format!("action=\"/orders/{no}/received\"")));
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Shipped
    );
    // Someone else's session cannot complete it.
    let other = client();
    let r = other
        .post(t.url(&format!("/orders/{no}/received")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Shipped
    );
    let r = c
        .post(t.url(&format!("/orders/{no}/received")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/orders/{no}?received=1").as_str()
    );
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Completed);
    let last = o.history.last().unwrap();
    assert_eq!(last.kind.to_string(), "completed");
    assert_eq!(last.detail["by"], "shopper");
    let (_, page) = get_text(&c, &t.url(&format!("/orders/{no}?received=1"))).await;
    assert!(page.contains("已确认收货") && !page.contains("id=\"confirm-receipt\""));
    // A second tap changes nothing and lands on the order.
    let r = c
        .post(t.url(&format!("/orders/{no}/received")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().history.len(),
        o.history.len()
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shipped_orders_complete_by_themselves_after_ten_days() {
    let t = TestApp::start().await;
    // Seconds count exactly here: no real second may slip in between.
    t.app.clock.freeze();
    let (_, no) = shipped_order(&t, "阿珍").await;
    t.app
        .clock
        .advance(puzi::fulfilment::DEFAULT_AUTO_COMPLETE_DAYS as i64 * 86_400 - 1);
    puzi::jobs::tick(&t.app).await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Shipped,
        "one second early"
    );
    t.app.clock.advance(1);
    puzi::jobs::tick(&t.app).await;
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Completed);
    assert_eq!(o.history.last().unwrap().detail["by"], "automatic");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_shopper_cannot_hold_more_than_a_few_unpaid_orders() {
    let t = TestApp::start_tuned(|c| c.shop.max_unpaid_orders = 2).await;
    let stock_before = t.app.store.stock("dianhong-100g").unwrap();
    // Fresh sessions, one mobile number: a script holding stock.
    for i in 0..3 {
        let c = client();
        add_to_cart(&c, &t, "dianhong-100g", 1).await;
        let (status, _, body) = checkout(&c, &t, &GOOD_FORM).await;
        if i < 2 {
            assert_eq!(status, 303, "order {i}");
        } else {
            assert_eq!(status, 409, "the third is refused");
            assert!(body.contains("2 笔未付款的订单"), "a clear message");
        }
    }
    assert_eq!(
        t.app.store.stock("dianhong-100g").unwrap(),
        stock_before - 2
    );
    assert_eq!(t.app.store.order_count().unwrap(), 2);
    // One session, several mobile numbers: the same limit.
    let c = client();
    for i in 0..3 {
        add_to_cart(&c, &t, "longjing-50g", 1).await;
        let f = shopper_form(100 + i);
        let (status, _, _) = checkout(&c, &t, &as_form(&f)).await;
        assert_eq!(status, if i < 2 { 303 } else { 409 }, "session order {i}");
    }
    // Another shopper is not held up by them.
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let f = shopper_form(7);
    assert_eq!(checkout(&c, &t, &as_form(&f)).await.0, 303);
    t.stop().await;
}
