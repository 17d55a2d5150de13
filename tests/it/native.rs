//! Native payment (issue 13 item 3): a visitor outside WeChat pays by scanning a QR code.
//! End to end in the sandbox (its scan-and-pay sheet, with the notification and with the
//! query alone), two successful attempts on one order (one kept, one refunded
//! automatically), the endpoint's refusals, and the request a live shop sends to WeChat.

use crate::support::*;
use puzi::alert::AlertKind;
use puzi::order::{OrderNo, OrderState, PaymentSource, RefundStatus};
use puzi::sandbox::NotificationFault;
use std::sync::{Arc, Mutex};

async fn place(t: &TestApp, c: &reqwest::Client) -> OrderNo {
    add_to_cart(c, t, "stoneware-mug-white", 1).await;
    let (status, loc, _) = checkout(c, t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    OrderNo::parse(placed_no(&loc.unwrap())).unwrap()
}

/// `POST /pay/{no}/native` from the visitor's own page: status and JSON.
async fn native(t: &TestApp, c: &reqwest::Client, no: &OrderNo) -> (u16, serde_json::Value) {
    let r = c
        .post(t.url(&format!("/pay/{no}/native")))
        .header("origin", t.url("").trim_end_matches('/'))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    // A refusal before the handler (not found) is a page, not JSON.
    let body = r.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// The payer scans the code with their phone and pays on the sandbox's sheet as `persona`.
async fn scan_and_pay(t: &TestApp, code_url: &str, persona: &str) -> String {
    let phone = client();
    let (s, sheet) = get_text(&phone, code_url).await;
    assert_eq!(s, 200, "{sheet}");
    assert!(sheet.contains("扫码付款"), "{sheet}");
    let pr = code_url.split("pr=").nth(1).unwrap();
    let r = phone
        .post(t.url("/sandbox/phone/scan"))
        .form(&[("pr", pr), ("new_persona", persona), ("password", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn order(t: &TestApp, no: &OrderNo) -> puzi::order::Order {
    t.app.store.order(no).unwrap().unwrap()
}

async fn status(t: &TestApp, c: &reqwest::Client, no: &OrderNo, confirm: bool) -> String {
    let q = if confirm { "?confirm=1" } else { "" };
    let v: serde_json::Value = c
        .get(t.url(&format!("/orders/{no}/status{q}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["state"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_wechat_the_cashier_offers_a_native_code_that_pays_with_the_notification() {
    let t = TestApp::start().await;
    let c = client();
    let no = place(&t, &c).await;
    // A desktop browser that declines OAuth: the cashier shows the Native box.
    let (s, page) = get_text(&c, &t.url(&format!("/pay/{no}?noauth=1"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"native\""), "{page}");
    let (s, v) = native(&t, &c, &no).await;
    assert_eq!(s, 200, "{v}");
    let code_url = v["code_url"].as_str().unwrap().to_string();
    assert!(
        code_url.starts_with(&t.url("/sandbox/phone/scan?pr=")),
        "{code_url}"
    );
    assert!(v["qr"].as_str().unwrap().starts_with("<svg"), "{v}");
    // Reused while it lives: a reload asks WeChat for nothing new.
    assert_eq!(native(&t, &c, &no).await.1["code_url"], code_url.as_str());
    assert_eq!(status(&t, &c, &no, false).await, "pending_payment");
    let done = scan_and_pay(&t, &code_url, "Mei").await;
    assert!(done.contains("支付成功"), "{done}");
    assert_eq!(status(&t, &c, &no, false).await, "paid");
    let o = order(&t, &no);
    let p = o.payment.as_ref().unwrap();
    assert_eq!(p.source, PaymentSource::Notification);
    assert_eq!(p.out_trade_no.as_deref(), Some(format!("{no}N").as_str()));
    assert_eq!(o.out_trade_nos(), vec![format!("{no}N")]);
    // Placed outside WeChat, the order now belongs to the WeChat user who scanned and paid:
    // their "my orders" lists it on every phone.
    let payer = o
        .openid
        .clone()
        .expect("the payer's openid from the notification");
    assert_eq!(
        t.app.store.orders_of_openid(&payer).unwrap(),
        vec![no.clone()]
    );
    // Paid: the endpoint refuses clearly, and says why.
    let (s, v) = native(&t, &c, &no).await;
    assert_eq!((s, v["state"].as_str()), (409, Some("paid")), "{v}");
    assert!(v["error"].as_str().unwrap().contains("已经付款"), "{v}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_native_payment_whose_notification_is_lost_settles_by_query() {
    let t = TestApp::start().await;
    // "Pending" until the test moves 3 s on: a real second under load must not count.
    t.app.clock.freeze();
    let c = client();
    let no = place(&t, &c).await;
    let code_url = native(&t, &c, &no).await.1["code_url"]
        .as_str()
        .unwrap()
        .to_string();
    t.sandbox().set_notification_fault(NotificationFault::Lose);
    scan_and_pay(&t, &code_url, "Mei").await;
    assert_eq!(status(&t, &c, &no, true).await, "pending_payment");
    // The page keeps watching; a few seconds on, the server asks WeChat itself.
    t.app.clock.advance(puzi::payment::CONFIRM_QUERY_AFTER_SECS);
    assert_eq!(status(&t, &c, &no, true).await, "paid");
    let o = order(&t, &no);
    assert_eq!(o.payment.unwrap().source, PaymentSource::Query);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_successful_attempts_keep_one_and_refund_the_other_automatically() {
    let t = TestApp::start_tuned(|c| c.sandbox.notify_retry_scale = 0.0).await;
    let c = client();
    let no = place(&t, &c).await;
    // The visitor shows the QR code on a laptop, then also pays inside WeChat (JSAPI)…
    let code_url = native(&t, &c, &no).await.1["code_url"]
        .as_str()
        .unwrap()
        .to_string();
    pay_in_sandbox(&t, &c, &no, "Lin", None).await;
    let kept = order(&t, &no).payment.unwrap().transaction_id;
    // …and a second person scans the code: WeChat takes a second payment (its
    // notification arrives twice).
    t.sandbox()
        .set_notification_fault(NotificationFault::Duplicate);
    scan_and_pay(&t, &code_url, "Mei").await;
    t.sandbox().deliver_due().await.unwrap();
    t.app.payments.idle().await;
    let o = order(&t, &no);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.payment.as_ref().unwrap().transaction_id, kept, "one kept");
    assert_eq!(
        o.refunds.len(),
        1,
        "refunded once, duplicates change nothing"
    );
    let r = &o.refunds[0];
    assert!(r.automatic);
    assert_eq!(r.amount, o.total);
    assert_eq!(r.out_trade_no.as_deref(), Some(format!("{no}N").as_str()));
    assert_ne!(r.transaction_id.as_deref(), Some(kept.as_str()));
    assert!(r.transaction_id.is_some());
    assert_eq!(r.status, RefundStatus::Processing, "accepted by WeChat");
    let alerts = t.app.store.alerts().unwrap();
    assert_eq!(
        alerts
            .iter()
            .filter(|a| a.kind == AlertKind::DoublePayment)
            .count(),
        1
    );
    // Every notification of it was answered with success.
    let answers: Vec<_> = t
        .sandbox()
        .deliveries()
        .unwrap()
        .into_iter()
        .filter(|d| d.out_trade_no == format!("{no}N"))
        .flat_map(|d| d.log.into_iter().map(|a| a.status))
        .collect();
    assert!(
        !answers.is_empty() && answers.iter().all(|s| *s == Some(204)),
        "{answers:?}"
    );
    // WeChat settles the refund; the order stays paid with all of its payment.
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    let o = order(&t, &no);
    assert_eq!(o.refunds[0].status, RefundStatus::Success);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.refundable(), o.total);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_native_endpoint_refuses_other_sessions_and_closed_orders() {
    let t = TestApp::start().await;
    let c = client();
    let no = place(&t, &c).await;
    let (s, _) = native(&t, &client(), &no).await;
    assert_eq!(s, 404, "someone else's order");
    // Cross-site: refused.
    let r = c
        .post(t.url(&format!("/pay/{no}/native")))
        .header("origin", "https://evil.example")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(order(&t, &no).attempts.is_empty(), "nothing was made");
    // Closed after its time: refused, saying so.
    t.app.clock.advance(3 * 3600);
    let (s, v) = native(&t, &c, &no).await;
    assert_eq!(s, 409, "{v}");
    assert!(v["error"].as_str().unwrap().contains("已关闭"), "{v}");
    t.app.payments.close_expired().await.unwrap();
    assert_eq!(order(&t, &no).state, OrderState::Closed);
    let (s, v) = native(&t, &c, &no).await;
    assert_eq!((s, v["state"].as_str()), (409, Some("closed")), "{v}");
    t.stop().await;
}

/// What a fake live WeChat saw: method, path and body of each request.
type Seen = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

/// A fake live WeChat on port 0 that answers every call with a signed `code_url`.
async fn fake_wechat(platform: Arc<puzi::wechat::crypto::MerchantKey>) -> (String, Seen) {
    use http_body_util::BodyExt;
    use puzi::wechat::crypto;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (p, seen) = (platform.clone(), seen2.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (p, seen) = (p.clone(), seen.clone());
                        async move {
                            let method = req.method().to_string();
                            let path = req.uri().path().to_string();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let v = serde_json::from_slice(&body).unwrap_or_default();
                            seen.lock().unwrap().push((method, path, v));
                            let out = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=Fake123"}"#;
                            let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
                            let nonce = crypto::nonce();
                            let sig = p.sign(&crypto::response_message(&ts, &nonce, out));
                            let mut r = hyper::Response::new(http_body_util::Full::new(
                                bytes::Bytes::from_static(out),
                            ));
                            let h = r.headers_mut();
                            h.insert("wechatpay-timestamp", ts.parse().unwrap());
                            h.insert("wechatpay-nonce", nonce.parse().unwrap());
                            h.insert("wechatpay-signature", sig.parse().unwrap());
                            h.insert("wechatpay-serial", "PUB_KEY_ID_TEST".parse().unwrap());
                            h.insert("request-id", "REQ-1".parse().unwrap());
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    (base, seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn live_native_orders_send_no_payer_and_use_globals_path() {
    use puzi::wechat::crypto::MerchantKey;
    use puzi::wechat::{Keyring, PayClient, PayConfig};
    let platform = Arc::new(MerchantKey::generate());
    let (base, seen) = fake_wechat(platform.clone()).await;
    let client_for = |flavour: puzi::config::Flavour| {
        PayClient::new(
            PayConfig {
                api_base: base.clone(),
                appid: "wxtest".into(),
                mchid: "1900000109".into(),
                merchant_serial_no: "ABCDEF".into(),
                merchant_key: Arc::new(MerchantKey::generate()),
                apiv3_key: puzi::config::Secret::new("0123456789abcdef0123456789abcdef"),
                timeout: std::time::Duration::from_secs(5),
                retry_backoff: vec![],
                allow_http_notify: false,
                flavour,
            },
            Keyring::new(
                Some(("PUB_KEY_ID_TEST".into(), platform.public_key())),
                false,
            ),
            puzi::clock::Clock::default(),
        )
    };
    let order = puzi::wechat::pay::NativeOrder {
        description: "铺子-马克杯".into(),
        out_trade_no: "202611250809100000000123N".into(),
        time_expire: Some("2026-11-25T08:39:10+08:00".into()),
        attach: None,
        notify_url: "https://shop.example.com/wechat/notify/pay".into(),
        total: 6800,
        currency: "CNY".into(),
    };
    let code = client_for(puzi::config::Flavour::Domestic)
        .native_prepay(&order)
        .await
        .unwrap();
    assert_eq!(code, "weixin://wxpay/bizpayurl?pr=Fake123");
    let global = puzi::config::Flavour::Global {
        merchant_category_code: "5499".into(),
        institution: None,
    };
    let hkd = puzi::wechat::pay::NativeOrder {
        currency: "HKD".into(),
        ..order.clone()
    };
    client_for(global).native_prepay(&hkd).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let (method, path, body) = &seen[0];
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/v3/pay/transactions/native")
    );
    assert!(body.get("payer").is_none(), "{body}");
    assert!(body.get("trade_type").is_none(), "{body}");
    assert_eq!(
        body["amount"],
        serde_json::json!({ "total": 6800, "currency": "CNY" })
    );
    assert_eq!(
        body["notify_url"],
        "https://shop.example.com/wechat/notify/pay"
    );
    assert_eq!(body["out_trade_no"], "202611250809100000000123N");
    assert_eq!(
        (body["appid"].as_str(), body["mchid"].as_str()),
        (Some("wxtest"), Some("1900000109"))
    );
    let (_, path, body) = &seen[1];
    assert_eq!(path, "/v3/global/transactions/native");
    assert_eq!(body["trade_type"], "NATIVE");
    assert_eq!(body["merchant_category_code"], "5499");
    assert!(body.get("payer").is_none(), "{body}");
    assert_eq!(body["amount"]["currency"], "HKD");
}
