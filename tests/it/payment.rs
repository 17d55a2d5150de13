//! The payment scenario end to end over HTTP against the sandbox: OAuth, cashier, sheet,
//! notification and query in either order, duplicates, forgeries, lost notifications,
//! timeouts and late payments, a crash before commit, refunds and the bill comparison.
//!
//! The file runs twice (see `main.rs`): as `payment`, a mainland shop in CNY on WeChat Pay,
//! and as `payment_global`, a shop in HKD on WeChat Pay Global.

use crate::support::*;
use puzi::alert::AlertKind;
use puzi::money::Money;
use puzi::order::{EventKind, OrderNo, OrderState, PaymentSource, RefundStatus};
use puzi::sandbox::NotificationFault;

/// Whether this copy of the suite is the WeChat Pay Global one.
fn global() -> bool {
    module_path!().ends_with("payment_global")
}

/// Makes a config this copy's flavour: unchanged, or Global with a shop in HKD.
fn flavour(c: &mut puzi::config::Config) {
    if global() {
        c.shop.currency = puzi::money::Currency::parse("HKD").unwrap();
        c.sandbox.exchange_rate = 0.92;
        c.wechat.flavour = puzi::config::Flavour::Global {
            merchant_category_code: "5499".into(),
            institution: None,
        };
    }
}

async fn start() -> TestApp {
    TestApp::start_tuned(flavour).await
}

/// A shopper with a placed order and a WeChat identity.
struct Shopper {
    c: reqwest::Client,
    no: OrderNo,
}

async fn place(t: &TestApp, sku: &str, qty: u32) -> Shopper {
    let c = client();
    add_to_cart(&c, t, sku, qty).await;
    let (status, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    Shopper { c, no }
}

impl Shopper {
    /// Opens the cashier: the silent OAuth round trip through the sandbox, then the page.
    async fn open_cashier(&self, t: &TestApp) -> String {
        let r = self
            .c
            .get(t.url(&format!("/pay/{}", self.no)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "OAuth first");
        let auth = r.headers()["location"]
            .to_str()
            .unwrap()
            .replace("#wechat_redirect", "");
        assert!(
            auth.contains("/sandbox/connect/oauth2/authorize")
                && auth.contains("scope=snsapi_base")
        );
        let q: std::collections::HashMap<String, String> = url_query(&auth);
        let r = self.c.get(&auth).send().await.unwrap();
        let back = if r.status() == 302 {
            r.headers()["location"].to_str().unwrap().to_string()
        } else {
            let r = self
                .c
                .post(t.url("/sandbox/connect/oauth2/approve"))
                .form(&[
                    ("appid", q["appid"].as_str()),
                    ("redirect_uri", q["redirect_uri"].as_str()),
                    ("state", q["state"].as_str()),
                    ("persona", "小林"),
                ])
                .send()
                .await
                .unwrap();
            r.headers()["location"].to_str().unwrap().to_string()
        };
        assert!(back.contains("/wechat/oauth?code="), "{back}");
        let r = self.c.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("/pay/{}", self.no).as_str()
        );
        let (s, page) = get_text(&self.c, &t.url(&format!("/pay/{}", self.no))).await;
        assert_eq!(s, 200);
        page
    }

    async fn jsapi(&self, t: &TestApp) -> serde_json::Value {
        let r = self
            .c
            .post(t.url(&format!("/pay/{}/jsapi", self.no)))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// What bridge.js does when the shopper types the six digits.
    async fn confirm_on_sheet(&self, t: &TestApp, params: &serde_json::Value) -> serde_json::Value {
        let mut body = params.clone();
        body["password"] = serde_json::Value::from("123456");
        reqwest::Client::new()
            .post(t.url("/sandbox/pay/confirm"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn status(&self, t: &TestApp, confirm: bool) -> String {
        let q = if confirm { "?confirm=1" } else { "" };
        let v: serde_json::Value = self
            .c
            .get(t.url(&format!("/orders/{}/status{q}", self.no)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["state"].as_str().unwrap().to_string()
    }
}

fn url_query(url: &str) -> std::collections::HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn order(t: &TestApp, no: &OrderNo) -> puzi::order::Order {
    t.app.store.order(no).unwrap().unwrap()
}

fn paid_events(o: &puzi::order::Order) -> usize {
    o.history
        .iter()
        .filter(|e| e.kind == EventKind::State(OrderState::Paid))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn happy_path_notification_before_the_js_ok() {
    let t = start().await;
    let s = place(&t, "stoneware-mug-blue", 1).await;
    let page = s.open_cashier(&t).await;
    assert!(
        page.contains("pay-button")
            && page.contains("/sandbox/bridge.js")
            && page.contains(if global() { "HK$67.00" } else { "¥67.00" })
    );
    let params = s.jsapi(&t).await;
    assert_eq!(params["signType"], "RSA");
    assert!(
        params["package"]
            .as_str()
            .unwrap()
            .starts_with("prepay_id=")
    );
    let sheet = s.confirm_on_sheet(&t, &params).await;
    assert_eq!(sheet["ok"], true, "{sheet}");
    // The notification arrived while the sheet was confirming: paid before the JS ok.
    assert_eq!(s.status(&t, false).await, "paid");
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::Paid);
    let p = o.payment.clone().unwrap();
    assert_eq!(p.amount, Money(6700));
    assert_eq!(p.source, PaymentSource::Notification);
    assert_eq!(paid_events(&o), 1);
    // The notification is kept raw and decoded.
    let ev = o
        .history
        .iter()
        .find(|e| e.kind == EventKind::State(OrderState::Paid))
        .unwrap();
    let id = ev.detail["notification"].as_str().unwrap();
    let rec = t.app.store.notification(id).unwrap().unwrap();
    assert!(rec["raw"].as_str().unwrap().contains("\"resource\""));
    assert_eq!(rec["decoded"]["out_trade_no"], s.no.as_str());
    // The result page shows the thank-you.
    let (_, result) = get_text(&s.c, &t.url(&format!("/pay/{}/result", s.no))).await;
    assert!(
        result.contains("支付成功") && result.contains("感谢您的惠顾"),
        "{result}"
    );
    // The voucher is on the shopper's phone.
    let (_, phone) = get_text(&client(), &t.url("/sandbox/phone")).await;
    assert!(phone.contains("支付凭证") && phone.contains(p.transaction_id.as_str()));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_after_the_js_ok_the_result_page_settles_by_query() {
    let t = start().await;
    // "Confirming" until the test moves 3 s on: a real second under load must not count.
    t.app.clock.freeze();
    let s = place(&t, "canvas-tote-black", 1).await;
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    t.sandbox()
        .set_notification_fault(NotificationFault::AfterReturn);
    assert_eq!(s.confirm_on_sheet(&t, &params).await["ok"], true);
    // The JS ok has come, the notification has not: the result page says "confirming".
    let (_, result) = get_text(&s.c, &t.url(&format!("/pay/{}/result", s.no))).await;
    assert!(
        result.contains("正在确认支付结果"),
        "never claims success early"
    );
    assert_eq!(s.status(&t, true).await, "pending_payment");
    // A few seconds on, the server asks WeChat itself.
    t.app.clock.advance(puzi::payment::CONFIRM_QUERY_AFTER_SECS);
    assert_eq!(s.status(&t, true).await, "paid");
    assert_eq!(
        order(&t, &s.no).payment.unwrap().source,
        PaymentSource::Query
    );
    // The notification arrives afterwards: a duplicate, no side effect.
    reqwest::Client::new()
        .post(t.url("/sandbox/pay/returned"))
        .json(&serde_json::json!({"package": params["package"]}))
        .send()
        .await
        .unwrap();
    t.sandbox().deliver_due().await.unwrap();
    let d = &t.sandbox().deliveries().unwrap()[0];
    assert_eq!(d.state, "delivered");
    assert_eq!(d.log.last().unwrap().status, Some(204));
    assert_eq!(paid_events(&order(&t, &s.no)), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_notifications_also_two_at_once_pay_once() {
    let t = start().await;
    for fault in [NotificationFault::Duplicate, NotificationFault::Concurrent] {
        let s = place(&t, "wool-socks-ml", 1).await;
        s.open_cashier(&t).await;
        let params = s.jsapi(&t).await;
        t.sandbox().set_notification_fault(fault.clone());
        s.confirm_on_sheet(&t, &params).await;
        let o = order(&t, &s.no);
        assert_eq!(o.state, OrderState::Paid, "{fault:?}");
        assert_eq!(paid_events(&o), 1, "{fault:?}");
        let statuses: Vec<_> = t
            .sandbox()
            .deliveries()
            .unwrap()
            .iter()
            .take(2)
            .map(|d| d.log[0].status)
            .collect();
        assert_eq!(
            statuses,
            vec![Some(204), Some(204)],
            "duplicates answer success"
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_notification_is_settled_by_the_reconciler() {
    let t = start().await;
    let s = place(&t, "linen-cushion-45", 1).await;
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    t.sandbox().set_notification_fault(NotificationFault::Lose);
    s.confirm_on_sheet(&t, &params).await;
    assert_eq!(order(&t, &s.no).state, OrderState::PendingPayment);
    assert_eq!(
        t.app.payments.reconcile_pending().await.unwrap(),
        0,
        "not before a minute"
    );
    t.app.clock.advance(puzi::payment::FIRST_QUERY_AFTER_SECS);
    assert_eq!(t.app.payments.reconcile_pending().await.unwrap(), 1);
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.payment.unwrap().source, PaymentSource::Query);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sheet_that_says_fail_makes_the_backend_ask_wechat_at_once() {
    let t = start().await;
    let s = place(&t, "linen-cushion-45", 1).await;
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    // Paid at WeChat, but the notification is lost and the bridge reports `fail`.
    t.sandbox().set_notification_fault(NotificationFault::Lose);
    s.confirm_on_sheet(&t, &params).await;
    assert_eq!(
        s.status(&t, true).await,
        "pending_payment",
        "the result page waits 3 s first"
    );
    let v: serde_json::Value =
        s.c.get(t.url(&format!("/orders/{}/status?confirm=failed", s.no)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(v["state"], "paid", "asked at once, without waiting");
    assert_eq!(
        order(&t, &s.no).payment.unwrap().source,
        PaymentSource::Query
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_stale_and_probe_notifications_are_refused_then_the_genuine_retry_pays() {
    let t = TestApp::start_tuned(|c| {
        flavour(c);
        c.sandbox.notify_retry_scale = 0.0
    })
    .await;
    for fault in [
        NotificationFault::Forged,
        NotificationFault::Stale,
        NotificationFault::Probe,
    ] {
        let s = place(&t, "soy-candle-cedar", 1).await;
        s.open_cashier(&t).await;
        let params = s.jsapi(&t).await;
        t.sandbox().set_notification_fault(fault.clone());
        s.confirm_on_sheet(&t, &params).await;
        let d = t.sandbox().deliveries().unwrap()[0].clone();
        assert_eq!(d.log[0].status, Some(401), "{fault:?} refused with 401");
        assert_eq!(
            d.log[1].status,
            Some(204),
            "{fault:?} genuine retry accepted"
        );
        let o = order(&t, &s.no);
        assert_eq!(o.state, OrderState::Paid);
        assert_eq!(paid_events(&o), 1);
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_amount_never_marks_paid_and_alerts_the_merchant() {
    let t = start().await;
    let s = place(&t, "stoneware-mug-white", 1).await;
    let plain = serde_json::json!({
        "appid": t.app.wechat.appid, "mchid": t.app.wechat.mchid, "out_trade_no": s.no.as_str(),
        "transaction_id": "4200000000000000000000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "success_time": "2026-11-25T12:00:00+08:00", "payer": {"openid": "o1"},
        "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
    });
    let (h, body) = wechat_notification(&t, &plain);
    let r = reqwest::Client::new()
        .post(t.url("/wechat/notify/pay"))
        .headers(h.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "recorded, answered");
    assert_eq!(order(&t, &s.no).state, OrderState::PendingPayment);
    let alerts = t.app.store.alerts().unwrap();
    assert_eq!(alerts[0].kind, AlertKind::AmountMismatch);
    assert_eq!(alerts[0].order.as_deref(), Some(s.no.as_str()));

    // The same body with one byte changed after signing: refused with 401 and FAIL.
    let tampered = body.replacen("\"id\":\"EV", "\"id\":\"EW", 1);
    let r = reqwest::Client::new()
        .post(t.url("/wechat/notify/pay"))
        .headers(h)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "FAIL");
    assert!(v["message"].as_str().is_some());

    // Unsigned: 401.
    let r = reqwest::Client::new()
        .post(t.url("/wechat/notify/pay"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The genuine payment still goes through.
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    s.confirm_on_sheet(&t, &params).await;
    assert_eq!(order(&t, &s.no).state, OrderState::Paid);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prepay_is_reused_on_reload_and_double_tap() {
    let t = start().await;
    let s = place(&t, "cotton-tee-l", 1).await;
    s.open_cashier(&t).await;
    let a = s.jsapi(&t).await;
    // Reload the cashier and tap twice at once.
    s.open_cashier_again(&t).await;
    let (b, c) = tokio::join!(s.jsapi(&t), s.jsapi(&t));
    assert_eq!(a["package"], b["package"]);
    assert_eq!(a["package"], c["package"]);
    let o = order(&t, &s.no);
    assert_eq!(
        o.history
            .iter()
            .filter(|e| e.kind == EventKind::Prepay)
            .count(),
        1
    );
    t.stop().await;
}

impl Shopper {
    async fn open_cashier_again(&self, t: &TestApp) {
        let (s, page) = get_text(&self.c, &t.url(&format!("/pay/{}", self.no))).await;
        assert_eq!(s, 200, "the openid is remembered: no second OAuth");
        assert!(page.contains("pay-button"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unpaid_orders_close_at_wechat_first_then_release_stock() {
    let t = start().await;
    let s = place(&t, "dianhong-100g", 2).await;
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 1);
    s.open_cashier(&t).await;
    s.jsapi(&t).await;
    assert_eq!(t.app.payments.close_expired().await.unwrap(), 0, "not yet");
    t.app.clock.advance(15 * 60);
    assert_eq!(t.app.payments.close_expired().await.unwrap(), 1);
    assert_eq!(order(&t, &s.no).state, OrderState::Closed);
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 3);
    let wx = t.pay().query_by_out_trade_no(s.no.as_str()).await.unwrap();
    assert_eq!(wx.trade_state, "CLOSED", "closed at WeChat too");
    // Paying a closed order at the sheet fails.
    let r =
        s.c.post(t.url(&format!("/pay/{}/jsapi", s.no)))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 409);
    t.stop().await;
}

async fn late_payment(t: &TestApp, s: &Shopper) {
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": s.no.as_str(), "late": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// An order of one `sku` that got a prepay, then expired unpaid and was closed.
async fn closed_after_prepay(t: &TestApp, sku: &str) -> Shopper {
    let s = place(t, sku, 1).await;
    s.open_cashier(t).await;
    s.jsapi(t).await;
    t.app.clock.advance(15 * 60);
    t.app.payments.close_expired().await.unwrap();
    s
}

fn has_alert(t: &TestApp, kind: AlertKind) -> bool {
    t.app.store.alerts().unwrap().iter().any(|a| a.kind == kind)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_is_answered_without_a_certificate_download() {
    let t = start().await;
    let s = place(&t, "longjing-50g", 1).await;
    s.open_cashier(&t).await;
    s.jsapi(&t).await;
    // Hours later a certificate refresh is due, and WeChat's API would hang if asked.
    t.app.clock.advance(7 * 3600);
    t.sandbox().set_api_fault(puzi::sandbox::ApiFault::Hang);
    late_payment(&t, &s).await;
    let d = t.sandbox().deliveries().unwrap()[0].clone();
    assert_eq!(d.log[0].status, Some(204), "answered at once");
    assert!(
        t.sandbox().faults().next_api_call.is_some(),
        "no call to WeChat happened while the notification waited"
    );
    assert_eq!(order(&t, &s.no).state, OrderState::Paid);
    t.sandbox()
        .set_api_fault_times(puzi::sandbox::ApiFault::Hang, 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_payment_with_stock_left_revives_the_order() {
    let t = start().await;
    let s = closed_after_prepay(&t, "dianhong-100g").await;
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 3);
    late_payment(&t, &s).await;
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(
        t.app.store.stock("dianhong-100g").unwrap(),
        2,
        "stock reserved again"
    );
    assert!(has_alert(&t, AlertKind::LatePayment));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_payment_without_stock_is_refunded_automatically() {
    let t = start().await;
    let s = closed_after_prepay(&t, "dianhong-100g").await;
    t.app.store.set_stock("dianhong-100g", 0).unwrap();
    late_payment(&t, &s).await;
    // The refund is asked for after WeChat got its answer.
    t.app.payments.idle().await;
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::Closed);
    assert!(o.payment.is_some(), "the payment is never lost");
    assert_eq!(o.refunds.len(), 1);
    assert!(o.refunds[0].automatic);
    assert_eq!(o.refunds[0].amount, o.total);
    assert_eq!(o.refunds[0].status, RefundStatus::Processing);
    assert_eq!(
        t.app.store.stock("dianhong-100g").unwrap(),
        0,
        "stock never negative"
    );
    assert!(has_alert(&t, AlertKind::LatePayment));
    // WeChat settles the refund and tells the shop.
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    let o = order(&t, &s.no);
    assert_eq!(o.refunds[0].status, RefundStatus::Success);
    assert_eq!(o.state, OrderState::Refunded);
    t.stop().await;
}

/// The data file's fsync fails while the shop commits a payment notification: WeChat is
/// answered 500, the restarted shop finds nothing of it, and WeChat's retry pays once.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_before_commit_loses_nothing_and_the_retry_pays_once() {
    let (t, faults) = TestApp::start_faulty(flavour).await;
    // The held-back notification must not go out by itself (10 s) before the test sends it.
    t.app.clock.freeze();
    let s = place(&t, "longjing-50g", 1).await;
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    // WeChat holds its notification back; the test sends it, playing WeChat.
    t.sandbox()
        .set_notification_fault(NotificationFault::Delay { seconds: 10 });
    assert_eq!(s.confirm_on_sheet(&t, &params).await["ok"], true);
    let d = t.sandbox().deliveries().unwrap()[0].clone();
    assert_eq!(d.attempts, 0, "held back");
    let stock = t.app.store.stock("longjing-50g").unwrap();

    // The next fsync, the one that would make the notification's commit durable, fails.
    faults.fail_nth_sync(1);
    let (h, body) = sandbox_delivery(&t, &d);
    let r = reqwest::Client::new()
        .post(&d.url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500, "not acknowledged");
    assert!(faults.crashed(), "the fault fired");
    let (data, addr) = (t.data.clone(), t.addr);
    let dir = t.stop().await;

    // The restarted shop: nothing half-written.
    let mut cfg = puzi::config::Config::demo(data, addr);
    flavour(&mut cfg);
    let t = TestApp::start_with(cfg, true).await;
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::PendingPayment, "nothing half-written");
    assert!(o.payment.is_none() && paid_events(&o) == 0);
    assert_eq!(t.app.store.notification(&d.notification_id).unwrap(), None);
    assert_eq!(t.app.store.stock("longjing-50g").unwrap(), stock);
    // WeChat retries (the same notification): paid exactly once.
    t.app.clock.advance(15);
    t.sandbox().deliver_due().await.unwrap();
    let o = order(&t, &s.no);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(paid_events(&o), 1);
    assert!(
        t.app
            .store
            .notification(&d.notification_id)
            .unwrap()
            .is_some()
    );
    let d = t.sandbox().deliveries().unwrap()[0].clone();
    let answered = d.log.last().unwrap().status.unwrap();
    assert!((200..300).contains(&answered), "{:?}", d.log);
    t.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_in_part_never_exceed_what_was_paid() {
    let t = start().await;
    let s = place(&t, "longjing-100g", 1).await;
    s.open_cashier(&t).await;
    let params = s.jsapi(&t).await;
    s.confirm_on_sheet(&t, &params).await;
    let p = &t.app.payments;
    let r = p.refund(&s.no, Money(5000), "少发一包").await.unwrap();
    assert_eq!(r.status, RefundStatus::Processing);
    assert!(matches!(
        p.refund(&s.no, Money(9000), "x").await,
        Err(puzi::payment::PaymentError::RefundTooLarge)
    ));
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    let o = order(&t, &s.no);
    assert_eq!(o.refunds[0].status, RefundStatus::Success);
    assert_eq!(o.state, OrderState::Paid, "partly refunded stays paid");
    assert_eq!(o.refundable(), Money(12800 - 5000));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bill_comparison_finds_a_planted_difference() {
    if global() {
        // Not built for WeChat Pay Global: its bill download differs and the daily job
        // skips the comparison there.
        return;
    }
    let t = start().await;
    // One order paid normally.
    let a = place(&t, "canvas-tote-natural", 1).await;
    a.open_cashier(&t).await;
    let params = a.jsapi(&t).await;
    a.confirm_on_sheet(&t, &params).await;
    // One paid at WeChat whose notification was lost and never reconciled: planted.
    let b = place(&t, "canvas-tote-black", 1).await;
    b.open_cashier(&t).await;
    let params = b.jsapi(&t).await;
    t.sandbox().set_notification_fault(NotificationFault::Lose);
    b.confirm_on_sheet(&t, &params).await;
    let today = t.app.clock.now_cst().date().to_string();
    let report = t.app.payments.reconcile_bill(&today).await.unwrap();
    assert_eq!(report.lines, 2);
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    assert!(report.differences[0].contains(b.no.as_str()));
    let alerts = t.app.store.alerts().unwrap();
    assert!(
        alerts
            .iter()
            .any(|x| x.kind == AlertKind::BillDifference && x.message.contains(b.no.as_str()))
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_wechat_in_live_mode_the_cashier_says_open_in_wechat() {
    // Inside the sandbox any browser may pay; the live-mode rule is checked on the UA.
    let t = start().await;
    let s = place(&t, "canvas-tote-black", 1).await;
    let r =
        s.c.get(t.url(&format!("/pay/{}", s.no)))
            .header("user-agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 302, "inside WeChat: silent OAuth");
    let other = client();
    assert_eq!(
        get_text(&other, &t.url(&format!("/pay/{}", s.no))).await.0,
        404,
        "someone else's order"
    );
    t.stop().await;
}
