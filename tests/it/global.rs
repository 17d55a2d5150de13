//! WeChat Pay Global end to end against the sandbox: direct and institution merchants, a
//! shop priced in HKD (and one in JPY, without minor units); the payer's CNY amount and the
//! exchange rate are kept; query, close, lost notifications and refunds on `/v3/global`.

use crate::support::*;
use puzi::config::{Flavour, Institution};
use puzi::money::{Currency, Money};
use puzi::order::{OrderNo, OrderState, RefundStatus};
use puzi::sandbox::NotificationFault;

fn global(institution: bool, currency: &str) -> impl FnOnce(&mut puzi::config::Config) {
    let currency = currency.to_string();
    move |c| {
        c.shop.currency = Currency::parse(&currency).unwrap();
        c.sandbox.exchange_rate = 0.92;
        c.wechat.flavour = Flavour::Global {
            merchant_category_code: "5499".into(),
            institution: institution.then(|| Institution {
                sp_mchid: "ignored-in-sandbox".into(),
                sp_appid: "ignored".into(),
                sub_mchid: "ignored".into(),
                sub_appid: None,
            }),
        };
    }
}

async fn order_and_pay(t: &TestApp, sku: &str, fault: Option<NotificationFault>) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, sku, 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "Wong", fault).await;
    no
}

async fn paid_with_cny_amounts(institution: bool) {
    let t = TestApp::start_tuned(global(institution, "HKD")).await;
    let no = order_and_pay(&t, "stoneware-mug-white", None).await;
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.currency.code(), "HKD");
    let p = o.payment.unwrap();
    assert_eq!(p.amount, Money(6700), "HK$59 + HK$8 shipping");
    assert_eq!(p.payer_currency.as_deref(), Some("CNY"));
    assert_eq!(p.payer_total, Some(6164), "HK$67.00 × 0.92");
    assert_eq!(p.exchange_rate.unwrap()["rate"], 92_000_000);
    // Queries go to /v3/global and read `id`.
    let q = t.pay().query_by_out_trade_no(no.as_str()).await.unwrap();
    assert_eq!(q.transaction_id.as_deref(), Some(p.transaction_id.as_str()));
    // The page shows HK$.
    let (_, page) = get_text(&client(), &t.url("/p/stoneware-mug")).await;
    assert!(page.contains("HK$59.00"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn direct_merchant_pays_in_hkd_and_keeps_the_cny_amount() {
    paid_with_cny_amounts(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn institution_mode_pays_through_sp_and_sub_mchid() {
    paid_with_cny_amounts(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_decimal_currencies_work_end_to_end() {
    let t = TestApp::start_tuned(global(false, "JPY")).await;
    let no = order_and_pay(&t, "canvas-tote-black", None).await;
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Paid);
    // The demo prices are numbers in the minor unit: here, yen.
    assert_eq!(o.total, Money(4900 + 800));
    assert_eq!(
        o.payment.unwrap().payer_total,
        Some(524_400),
        "¥5,700 × 0.92 = CN¥5,244.00"
    );
    let (_, page) = get_text(&client(), &t.url("/p/canvas-tote")).await;
    assert!(page.contains("JP¥4900"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn global_lost_notification_close_and_refund() {
    let t = TestApp::start_tuned(global(true, "HKD")).await;
    // A lost notification is settled by the reconciler's query.
    let no = order_and_pay(&t, "wool-socks-sm", Some(NotificationFault::Lose)).await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::PendingPayment
    );
    t.app.clock.advance(puzi::payment::FIRST_QUERY_AFTER_SECS);
    t.app.payments.reconcile_pending().await.unwrap();
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Paid
    );
    // A partial refund on /v3/global/refunds, settled by the refund notification.
    let r = t
        .app
        .payments
        .refund(&no, Money(1000), "damaged")
        .await
        .unwrap();
    assert_eq!(r.status, RefundStatus::Processing);
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().refunds[0].status,
        RefundStatus::Success
    );
    // An unpaid order times out and closes at WeChat first.
    let c = client();
    add_to_cart(&c, &t, "wool-socks-ml", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let other = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    let order = t.app.store.order(&other).unwrap().unwrap();
    t.app.payments.jsapi(order, "oWong").await.unwrap();
    t.app.clock.advance(15 * 60);
    t.app.payments.close_expired().await.unwrap();
    assert_eq!(
        t.app.store.order(&other).unwrap().unwrap().state,
        OrderState::Closed
    );
    assert_eq!(
        t.pay()
            .query_by_out_trade_no(other.as_str())
            .await
            .unwrap()
            .trade_state,
        "CLOSED"
    );
    t.stop().await;
}

#[test]
fn a_non_cny_shop_needs_the_global_flavour() {
    let e = puzi::config::parse(
        std::path::Path::new("t.toml"),
        "[shop]\ncurrency = \"HKD\"\n",
        &|_| None,
    )
    .unwrap_err();
    assert_eq!(e.key, "shop.currency");
    let ok = puzi::config::parse(
        std::path::Path::new("t.toml"),
        "[shop]\ncurrency = \"HKD\"\n[wechat]\nflavour = \"global\"\nmerchant_category_code = \"5499\"\n",
        &|_| None,
    )
    .unwrap();
    assert!(ok.wechat.flavour.is_global());
    assert_eq!(ok.wechat.api_base, puzi::config::GLOBAL_API_BASE);
}

/// Each shape of WeChat's order number in a Global notification (`id`, `transaction_id`,
/// both) is accepted on the first delivery and keys the payment on the same number.
async fn order_number_named(institution: bool) {
    use puzi::sandbox::OrderNumberName::{Both, Id, TransactionId};
    let t = TestApp::start_tuned(global(institution, "HKD")).await;
    for name in [Id, TransactionId, Both] {
        let fault = NotificationFault::OrderNumberAs { name };
        // The control API names the same fault.
        let armed: serde_json::Value = reqwest::Client::new()
            .post(t.url("/sandbox/control/fault"))
            .json(&serde_json::json!({"kind": "order_number_as", "name": name}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            armed["faults"]["next_notification"],
            serde_json::to_value(&fault).unwrap()
        );
        let no = order_and_pay(&t, "stoneware-mug-white", Some(fault)).await;
        let d = t.sandbox().deliveries().unwrap();
        let d = d.iter().find(|d| d.out_trade_no == no.as_str()).unwrap();
        let sent: serde_json::Value = serde_json::from_str(&d.plaintext).unwrap();
        assert_eq!(sent.get("id").is_some(), name != TransactionId, "{name:?}");
        assert_eq!(sent.get("transaction_id").is_some(), name != Id, "{name:?}");
        let statuses: Vec<_> = d.log.iter().map(|a| a.status).collect();
        assert_eq!(statuses, vec![Some(204)], "{name:?}: answered at once");
        let o = t.app.store.order(&no).unwrap().unwrap();
        assert_eq!(o.state, OrderState::Paid, "{name:?}");
        let id = sent["id"].as_str().or(sent["transaction_id"].as_str());
        assert_eq!(Some(o.payment.unwrap().transaction_id.as_str()), id);
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn global_notifications_name_the_order_number_id_transaction_id_or_both() {
    order_number_named(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn institution_notifications_name_the_order_number_id_transaction_id_or_both() {
    order_number_named(true).await;
}

#[test]
fn a_transaction_whose_two_order_numbers_disagree_is_refused() {
    let parse = |s: &str| serde_json::from_str::<puzi::wechat::pay::Transaction>(s);
    let base = r#""out_trade_no":"P1","trade_state":"SUCCESS""#;
    let both = parse(&format!(r#"{{{base},"id":"42","transaction_id":"42"}}"#)).unwrap();
    assert_eq!(both.transaction_id.as_deref(), Some("42"));
    let id = parse(&format!(r#"{{{base},"id":"42"}}"#)).unwrap();
    assert_eq!(id.transaction_id.as_deref(), Some("42"));
    let e = parse(&format!(r#"{{{base},"id":"42","transaction_id":"43"}}"#)).unwrap_err();
    assert!(e.to_string().contains("different orders"), "{e}");
    // What the shop stores keeps the one name.
    let out = serde_json::to_value(&both).unwrap();
    assert_eq!(out["transaction_id"], "42");
    assert!(out.get("id").is_none());
}
