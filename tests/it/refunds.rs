//! Refunds and disputes as WeChat really behaves (issue 18): reasons cut to 80 bytes,
//! refusals that are final, transient errors and processing refunds on a backoff, refund
//! notifications checked against the refund asked for, and a mismatched payment recorded
//! once and then left alone.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::alert::AlertKind;
use puzi::money::Money;
use puzi::order::{OrderNo, OrderState, RefundStatus};
use puzi::sandbox::ApiFault;

/// A paid order of one mug, through the sandbox.
async fn paid(t: &TestApp) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "阿珍", None).await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Paid
    );
    no
}

fn alerts(t: &TestApp, kind: AlertKind) -> usize {
    t.app
        .store
        .alerts()
        .unwrap()
        .iter()
        .filter(|a| a.kind == kind)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_chinese_reason_is_cut_to_80_bytes_and_accepted() {
    let t = TestApp::start().await;
    let no = paid(&t).await;
    let reason = "商品在运输途中破损严重，外包装和杯身都有明显裂痕，顾客要求全额退款处理"; // 33 characters
    assert!(reason.len() > 80);
    let r = t
        .app
        .payments
        .refund(&no, Money(1000), reason)
        .await
        .unwrap();
    assert!(
        r.reason.len() <= 80 && reason.starts_with(&r.reason),
        "{}",
        r.reason
    );
    assert_eq!(r.status, RefundStatus::Processing, "WeChat accepted it");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn processing_refunds_are_asked_about_on_a_backoff() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let no = paid(&t).await;
    let r = t.app.payments.refund(&no, Money(500), "").await.unwrap();
    assert_eq!(r.status, RefundStatus::Processing);
    let o = t.app.store.order(&no).unwrap().unwrap();
    // Processing: asked about a minute later, then less and less often.
    let first = o.refunds[0].next_at - t.app.clock.unix();
    assert_eq!(first, 60);
    t.app.clock.advance(59);
    assert_eq!(t.app.payments.retry_refunds().await.unwrap(), 0);
    t.app.clock.advance(1);
    assert_eq!(t.app.payments.retry_refunds().await.unwrap(), 1);
    let o = t.app.store.order(&no).unwrap().unwrap();
    if o.refunds[0].status == RefundStatus::Processing {
        assert!(
            o.refunds[0].next_at - t.app.clock.unix() > first,
            "backing off"
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_refund_errors_are_sent_again_on_a_backoff() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let no = paid(&t).await;
    // WeChat fails every try of the client (it retries twice itself).
    t.sandbox().set_api_fault_times(ApiFault::SystemError, 3);
    let r = t.app.payments.refund(&no, Money(500), "").await.unwrap();
    assert_eq!(r.status, RefundStatus::Requested, "not accepted yet");
    assert!(r.last_error.as_deref().unwrap().contains("SYSTEM_ERROR"));
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(
        o.refundable(),
        Money(o.total.minor() - 500),
        "still on its way"
    );
    // Not re-sent on every tick, but after its backoff.
    assert_eq!(t.app.payments.retry_refunds().await.unwrap(), 0);
    let wait = r.next_at - t.app.clock.unix();
    assert_eq!(wait, 20, "20 s after the first failure");
    t.app.clock.advance(wait);
    assert_eq!(t.app.payments.retry_refunds().await.unwrap(), 1);
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(
        o.refunds[0].status,
        RefundStatus::Processing,
        "the same refund, accepted"
    );
    assert_eq!(o.refunds.len(), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_wechat_refuses_is_final_and_its_amount_refundable_again() {
    let t = TestApp::start().await;
    let no = paid(&t).await;
    t.sandbox().set_api_fault(ApiFault::ParamError);
    let r = t.app.payments.refund(&no, Money(500), "").await.unwrap();
    assert_eq!(r.status, RefundStatus::Failed);
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.refundable(), o.total, "nothing was refunded");
    assert_eq!(alerts(&t, AlertKind::RefundFailed), 1);
    // Never sent again, never alerted again.
    t.app.clock.advance(86_400);
    assert_eq!(t.app.payments.retry_refunds().await.unwrap(), 0);
    assert_eq!(alerts(&t, AlertKind::RefundFailed), 1);
    // The owner can refund it again.
    let again = t.app.payments.refund(&no, o.total, "").await.unwrap();
    assert_eq!(again.status, RefundStatus::Processing);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_notification_for_another_amount_is_not_applied() {
    let t = TestApp::start().await;
    let no = paid(&t).await;
    let r = t.app.payments.refund(&no, Money(500), "").await.unwrap();
    let plain = serde_json::json!({
        "mchid": t.app.wechat.mchid, "out_trade_no": no.as_str(),
        "transaction_id": "4200000000000000000000000009", "out_refund_no": r.out_refund_no,
        "refund_id": "50300000000000000000000001", "refund_status": "SUCCESS",
        "success_time": "2026-11-25T12:00:00+08:00", "user_received_account": "支付用户零钱",
        "amount": {"total": 2900, "refund": 2900, "payer_total": 2900, "payer_refund": 2900},
    });
    let (h, body) = wechat_refund_notification(&t, &plain);
    let resp = reqwest::Client::new()
        .post(t.url("/wechat/notify/refund"))
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_eq!(
        status,
        204,
        "verified, kept, answered: {}",
        resp.text().await.unwrap()
    );
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.refunds[0].status, RefundStatus::Processing, "not applied");
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(alerts(&t, AlertKind::AmountMismatch), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mismatched_payment_is_recorded_once_and_left_to_the_owner() {
    let t = TestApp::start().await;
    let owner = setup_owner(&t).await;
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    let plain = serde_json::json!({
        "appid": t.app.wechat.appid, "mchid": t.app.wechat.mchid, "out_trade_no": no.as_str(),
        "transaction_id": "4200000000000000000000000077", "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "success_time": "2026-11-25T12:00:00+08:00", "payer": {"openid": "o1"},
        "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
    });
    // WeChat sends it, then sends it again as a new notification.
    for _ in 0..2 {
        let (h, body) = wechat_notification(&t, &plain);
        let r = reqwest::Client::new()
            .post(t.url("/wechat/notify/pay"))
            .headers(h)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    assert_eq!(alerts(&t, AlertKind::AmountMismatch), 1, "alerted once");
    let o = t.app.store.order(&no).unwrap().unwrap();
    let d = o.dispute.as_ref().expect("disputed");
    assert_eq!(d.transaction_id, "4200000000000000000000000077");
    let events = o.history.len();
    // Past the timeout: neither queried nor closed.
    t.app.clock.advance(16 * 60);
    t.app.payments.reconcile_pending().await.unwrap();
    t.app.payments.close_expired().await.unwrap();
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment);
    assert_eq!(o.history.len(), events, "nothing more written");
    assert_eq!(alerts(&t, AlertKind::AmountMismatch), 1);
    // The owner sees it, in words.
    let (_, page) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(page.contains("id=\"dispute\"") && page.contains("支付不符"));
    let (_, list) = get_text(&owner.c, &t.url("/admin/orders")).await;
    assert!(list.contains("支付不符"));
    t.stop().await;
}
