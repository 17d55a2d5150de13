//! The shop's real `wechat` clients against the built-in sandbox over HTTP: every Pay v3
//! endpoint, OAuth, the Official Account, every notification fault, and a restart with
//! deliveries pending.

use crate::support::*;
use puzi::sandbox::{ApiFault, NotificationFault};
use puzi::wechat::pay::{JsapiOrder, PayError, RefundRequest};
use puzi::wechat::{Keyring, MerchantKey, PayClient, PayConfig};
use std::sync::Arc;
use std::time::Duration;

fn order(no: &str, notify_url: &str, total: i64) -> JsapiOrder {
    JsapiOrder {
        description: "铺子-测试商品".into(),
        out_trade_no: no.into(),
        time_expire: None,
        attach: None,
        notify_url: notify_url.into(),
        total,
        currency: "CNY".into(),
        openid: "oTestOpenid0000000000000000001".into(),
    }
}

/// A client on the sandbox's merchant keys with its own timeout and retry pauses.
fn client_with(
    t: &TestApp,
    timeout: Duration,
    backoff: Vec<Duration>,
    key: Option<MerchantKey>,
) -> PayClient {
    let k = t.sandbox().keys();
    let m = &k.manifest;
    let key = key.unwrap_or_else(|| MerchantKey::from_pem(k.merchant.to_pem().as_bytes()).unwrap());
    PayClient::new(
        PayConfig {
            api_base: format!("http://{}/sandbox", t.addr),
            appid: m.appid.clone(),
            mchid: m.mchid.clone(),
            merchant_serial_no: m.merchant_serial_no.clone(),
            merchant_key: Arc::new(key),
            apiv3_key: puzi::config::Secret::new(m.apiv3_key.clone()),
            timeout,
            retry_backoff: backoff,
            allow_http_notify: true,
            flavour: puzi::config::Flavour::Domestic,
        },
        Keyring::new(Some((m.public_key_id.clone(), k.platform_public())), false),
        t.app.clock.clone(),
    )
}

fn sandbox_json_lists_the_keys(t: &TestApp) {
    let dir = t.data.join("sandbox");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sandbox.json")).unwrap()).unwrap();
    for key in [
        "appid",
        "mchid",
        "app_secret",
        "merchant_serial_no",
        "public_key_id",
        "apiv3_key",
    ] {
        assert!(
            manifest[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}"
        );
    }
    assert!(
        manifest["public_key_id"]
            .as_str()
            .unwrap()
            .starts_with("PUB_KEY_ID_")
    );
    for f in ["apiclient_key.pem", "apiclient_cert.pem", "pub_key.pem"] {
        assert!(dir.join(f).exists(), "{f}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_generated_once_and_kept() {
    let t = TestApp::start().await;
    sandbox_json_lists_the_keys(&t);
    let before = std::fs::read_to_string(t.data.join("sandbox/sandbox.json")).unwrap();
    let data = t.data.clone();
    let dir = t.stop().await;
    let t = TestApp::start_in(&data).await;
    assert_eq!(
        std::fs::read_to_string(t.data.join("sandbox/sandbox.json")).unwrap(),
        before
    );
    t.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn jsapi_order_prepay_reuse_conflicts_and_pay_sign() {
    let t = TestApp::start().await;
    let pay = t.pay();
    let notify = t.app.wechat.notify_url.clone();
    let o = order("SBTEST000001", &notify, 1990);
    let prepay = pay.jsapi_prepay(&o).await.unwrap();
    assert!(prepay.starts_with("wx"));
    // An identical repeat gets the same prepay_id.
    assert_eq!(pay.jsapi_prepay(&o).await.unwrap(), prepay);
    // The same out_trade_no with other parameters is refused.
    let mut other = o.clone();
    other.total = 1;
    let e = pay.jsapi_prepay(&other).await.unwrap_err();
    assert_eq!(e.code(), Some("OUT_TRADE_NO_USED"), "{e}");
    // Field limits are enforced before sending.
    let mut long = o.clone();
    long.description = "长".repeat(50);
    assert!(matches!(
        pay.jsapi_prepay(&long).await,
        Err(PayError::Invalid {
            field: "description",
            ..
        })
    ));
    // The sandbox's own validation: PARAM_ERROR with detail.
    let body = serde_json::json!({"appid": t.app.wechat.appid, "mchid": t.app.wechat.mchid,
        "description": "x", "out_trade_no": "SBTEST000002", "notify_url": notify,
        "amount": {"total": 0, "currency": "CNY"}, "payer": {"openid": "o1"}});
    let e = pay
        .call(
            reqwest::Method::POST,
            "/v3/pay/transactions/jsapi",
            Some(&body),
            false,
        )
        .await
        .unwrap_err();
    match e {
        PayError::Api {
            status,
            code,
            detail,
            ..
        } => {
            assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"));
            assert_eq!(detail.unwrap()["field"], "/amount/total");
        }
        other => panic!("{other}"),
    }
    // paySign verifies with the merchant's public key over the four lines.
    let p = pay.jsapi_params(&prepay).await;
    assert_eq!(p.package, format!("prepay_id={prepay}"));
    assert_eq!(p.sign_type, "RSA");
    let msg =
        puzi::wechat::crypto::pay_sign_message(&p.app_id, &p.time_stamp, &p.nonce_str, &p.package);
    assert!(pay.merchant_public_key().verify(&msg, &p.pay_sign));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prepay_ids_expire_after_two_hours() {
    let t = TestApp::start().await;
    let o = order("SBTEST000010", &t.app.wechat.notify_url, 100);
    let first = t.pay().jsapi_prepay(&o).await.unwrap();
    t.app.clock.advance(2 * 3600);
    let second = t.pay().jsapi_prepay(&o).await.unwrap();
    assert_ne!(first, second, "an expired prepay_id is replaced");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn query_close_and_paid_states() {
    let t = TestApp::start().await;
    let pay = t.pay();
    let notify = t.app.wechat.notify_url.clone();
    pay.jsapi_prepay(&order("SBTEST000020", &notify, 500))
        .await
        .unwrap();
    let q = pay.query_by_out_trade_no("SBTEST000020").await.unwrap();
    assert_eq!(q.trade_state, "NOTPAY");
    assert!(q.transaction_id.is_none());
    assert_eq!(
        pay.query_by_out_trade_no("SBNOSUCH0000")
            .await
            .unwrap_err()
            .code(),
        Some("ORDER_NOT_EXIST")
    );

    // Close an unpaid order; then it cannot be ordered again.
    pay.close("SBTEST000020").await.unwrap();
    assert_eq!(
        pay.query_by_out_trade_no("SBTEST000020")
            .await
            .unwrap()
            .trade_state,
        "CLOSED"
    );
    let e = pay
        .jsapi_prepay(&order("SBTEST000020", &notify, 500))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_CLOSED"));

    // Pay another one through the control API.
    pay.jsapi_prepay(&order("SBTEST000021", &notify, 700))
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": "SBTEST000021"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let q = pay.query_by_out_trade_no("SBTEST000021").await.unwrap();
    assert_eq!(q.trade_state, "SUCCESS");
    let id = q.transaction_id.clone().unwrap();
    assert_eq!(q.amount.unwrap().total, Some(700));
    let by_id = pay.query_by_transaction_id(&id).await.unwrap();
    assert_eq!(by_id.out_trade_no, "SBTEST000021");
    assert_eq!(
        pay.close("SBTEST000021").await.unwrap_err().code(),
        Some("ORDERPAID")
    );
    let e = pay
        .jsapi_prepay(&order("SBTEST000021", &notify, 700))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDERPAID"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_go_from_processing_to_success_and_never_exceed_the_total() {
    let t = TestApp::start().await;
    let pay = t.pay();
    pay.jsapi_prepay(&order("SBTEST000030", &t.app.wechat.notify_url, 1000))
        .await
        .unwrap();
    t.sandbox().deliver_due().await.unwrap();
    reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": "SBTEST000030"}))
        .send()
        .await
        .unwrap();
    let req = |no: &str, amount: i64| RefundRequest {
        out_trade_no: "SBTEST000030".into(),
        out_refund_no: no.into(),
        reason: Some("尺码不合适".into()),
        notify_url: None,
        refund: amount,
        total: 1000,
        currency: "CNY".into(),
    };
    let r = pay.refund(&req("RF1", 600)).await.unwrap();
    assert_eq!(r.status, "PROCESSING");
    // The same refund number is one refund.
    assert_eq!(
        pay.refund(&req("RF1", 600)).await.unwrap().refund_id,
        r.refund_id
    );
    let e = pay.refund(&req("RF2", 500)).await.unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "600 + 500 > 1000");
    assert_eq!(pay.refund_query("RF1").await.unwrap().status, "PROCESSING");
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    let done = pay.refund_query("RF1").await.unwrap();
    assert_eq!(done.status, "SUCCESS");
    assert!(done.success_time.is_some());
    assert_eq!(
        pay.refund_query("NOPE").await.unwrap_err().code(),
        Some("RESOURCE_NOT_EXISTS")
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_signed_with_another_key_are_refused() {
    let t = TestApp::start().await;
    let rogue = client_with(
        &t,
        Duration::from_secs(5),
        vec![],
        Some(MerchantKey::generate()),
    );
    let e = rogue
        .query_by_out_trade_no("SBTEST000040")
        .await
        .unwrap_err();
    match e {
        PayError::Api { status, code, .. } => {
            assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"))
        }
        other => panic!("{other}"),
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn platform_certificates_download_and_verify_in_certificate_mode() {
    let t = TestApp::start().await;
    let k = t.sandbox().keys();
    let m = &k.manifest;
    let certs = PayClient::new(
        PayConfig {
            api_base: format!("http://{}/sandbox", t.addr),
            appid: m.appid.clone(),
            mchid: m.mchid.clone(),
            merchant_serial_no: m.merchant_serial_no.clone(),
            merchant_key: Arc::new(MerchantKey::from_pem(k.merchant.to_pem().as_bytes()).unwrap()),
            apiv3_key: puzi::config::Secret::new(m.apiv3_key.clone()),
            timeout: Duration::from_secs(5),
            retry_backoff: vec![],
            allow_http_notify: true,
            flavour: puzi::config::Flavour::Domestic,
        },
        Keyring::new(None, true),
        t.app.clock.clone(),
    );
    // The first call finds the keyring empty, downloads the certificates, then verifies.
    let e = certs
        .query_by_out_trade_no("SBTEST000050")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"), "{e}");
    assert_eq!(
        certs.keyring().serials(),
        vec![m.platform_serial_no.clone()]
    );
    assert_eq!(certs.refresh_certificates().await.unwrap(), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_faults_system_error_is_retried_and_a_hang_times_out() {
    let t = TestApp::start().await;
    let patient = client_with(&t, Duration::from_secs(5), vec![Duration::ZERO], None);
    t.sandbox().set_api_fault(ApiFault::SystemError);
    let e = patient
        .query_by_out_trade_no("SBTEST000060")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some("ORDER_NOT_EXIST"),
        "retried past SYSTEM_ERROR: {e}"
    );

    let once = client_with(&t, Duration::from_secs(5), vec![], None);
    t.sandbox().set_api_fault(ApiFault::SystemError);
    let e = once
        .query_by_out_trade_no("SBTEST000060")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("SYSTEM_ERROR"));

    let hasty = client_with(&t, Duration::from_millis(300), vec![], None);
    t.sandbox().set_api_fault(ApiFault::Hang);
    let e = hasty
        .query_by_out_trade_no("SBTEST000060")
        .await
        .unwrap_err();
    assert!(matches!(e, PayError::Timeout), "{e}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn trade_bill_lists_the_day_and_its_sha1_is_checked() {
    let t = TestApp::start().await;
    let pay = t.pay();
    pay.jsapi_prepay(&order("SBTEST000070", &t.app.wechat.notify_url, 1234))
        .await
        .unwrap();
    reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": "SBTEST000070"}))
        .send()
        .await
        .unwrap();
    let today = t.app.clock.now_cst().date().to_string();
    let csv = pay.trade_bill(&today).await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("`SBTEST000070"), "{csv}");
    assert!(csv.contains("`12.34"));
    assert!(csv.contains("总交易单数"));
    let e = pay.trade_bill("2020-01-01").await.unwrap_err();
    assert_eq!(e.code(), Some("NO_STATEMENT_EXIST"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_codes_are_single_use_and_expire() {
    let t = TestApp::start().await;
    let oauth = &t.app.wechat.oauth;
    let url = oauth.authorize_url("http://127.0.0.1/back?x=1", "abc123");
    assert!(url.contains("scope=snsapi_base") && url.ends_with("#wechat_redirect"));
    // The picker shows when asked for (a browser without a persona is given one).
    let plain = url.replace("#wechat_redirect", "");
    let url = format!("{plain}&forcePopup=true");
    let c = client();
    let (s, page) = get_text(&c, &url).await;
    assert_eq!(s, 200);
    assert!(page.contains("新顾客名称"));
    // Approve as a new persona.
    let r = c
        .post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", t.app.wechat.appid.as_str()),
            ("redirect_uri", "http://127.0.0.1/back?x=1"),
            ("state", "abc123"),
            ("persona", "小王"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("http://127.0.0.1/back?x=1&code="), "{loc}");
    assert!(loc.ends_with("&state=abc123"));
    let code = loc
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let grant = oauth.exchange(code).await.unwrap();
    assert_eq!(
        grant.openid,
        puzi::sandbox::openid(&t.app.wechat.appid, "小王")
    );
    assert_eq!(
        oauth.exchange(code).await.unwrap_err(),
        puzi::wechat::oauth::OAuthError::CodeUsed
    );
    assert_eq!(
        oauth.exchange("bogus").await.unwrap_err(),
        puzi::wechat::oauth::OAuthError::InvalidCode
    );

    // The same browser is now let through silently, like snsapi_base.
    let r = c.get(&plain).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let code2 = r.headers()["location"]
        .to_str()
        .unwrap()
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    t.app.clock.advance(300);
    assert_eq!(
        oauth.exchange(&code2).await.unwrap_err(),
        puzi::wechat::oauth::OAuthError::InvalidCode
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn official_account_token_template_message_and_menu() {
    let t = TestApp::start().await;
    let oa = &t.app.wechat.oa;
    let a = oa.access_token().await.unwrap();
    assert_eq!(oa.access_token().await.unwrap(), a, "cached");
    // Many callers at once share one token.
    let tokens = futures_all((0..8).map(|_| oa.access_token())).await;
    assert!(tokens.iter().all(|tk| tk.as_ref().unwrap() == &a));

    // A persona must exist for the message to be deliverable.
    let c = client();
    let auth = t
        .app
        .wechat
        .oauth
        .authorize_url("http://127.0.0.1/x", "s")
        .replace("#wechat_redirect", "");
    get_text(&c, &auth).await;
    c.post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", t.app.wechat.appid.as_str()),
            ("redirect_uri", "http://127.0.0.1/x"),
            ("state", "s"),
            ("persona", "Lin"),
        ])
        .send()
        .await
        .unwrap();
    let openid = puzi::sandbox::openid(&t.app.wechat.appid, "Lin");
    let mut data = std::collections::BTreeMap::new();
    data.insert(
        "thing1".to_string(),
        puzi::wechat::official_account::TemplateValue {
            value: "粗陶马克杯".into(),
        },
    );
    data.insert(
        "character_string2".to_string(),
        puzi::wechat::official_account::TemplateValue {
            value: "SF1234567890".into(),
        },
    );
    let msg = puzi::wechat::official_account::TemplateMessage {
        touser: openid.clone(),
        template_id: "TPL_SHIPPED".into(),
        url: Some("http://127.0.0.1/orders/1".into()),
        client_msg_id: None,
        data,
    };
    assert!(oa.send_template(&msg).await.unwrap() > 0);
    let (_, phone) = get_text(&client(), &t.url("/sandbox/phone")).await;
    assert!(
        phone.contains("SF1234567890") && phone.contains("Lin"),
        "{phone}"
    );

    let bad = puzi::wechat::official_account::TemplateMessage {
        touser: "oNobody".into(),
        ..msg
    };
    let e = oa.send_template(&bad).await.unwrap_err();
    assert_eq!(
        e,
        puzi::wechat::official_account::OaError::Api {
            errcode: 40003,
            errmsg: "invalid openid".into()
        }
    );

    let menu = vec![puzi::wechat::official_account::MenuButton {
        name: "商城".into(),
        kind: Some("view".into()),
        url: Some("http://127.0.0.1/".into()),
        sub_button: vec![],
    }];
    oa.create_menu(&menu).await.unwrap();
    // The token expires: a new one is fetched.
    t.app.clock.advance(7200);
    assert_ne!(oa.access_token().await.unwrap(), a);
    t.stop().await;
}

async fn futures_all<F: Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = fs.map(Box::pin).collect();
    for h in handles {
        out.push(h.await);
    }
    out
}

async fn pay_to(t: &TestApp, r: &Receiver, no: &str, fault: Option<NotificationFault>) {
    t.pay().jsapi_prepay(&order(no, &r.url, 888)).await.unwrap();
    if let Some(f) = fault {
        t.sandbox().set_notification_fault(f);
    }
    let resp = reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": no}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

fn scale_zero(c: &mut puzi::config::Config) {
    c.sandbox.notify_retry_scale = 0.0;
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_are_signed_encrypted_and_delivered_before_the_sheet_returns() {
    let t = TestApp::start().await;
    let r = Receiver::start(t.pay().clone()).await;
    pay_to(&t, &r, "SBNOTE000001", None).await;
    // Delivered during the pay call: before the sheet would return.
    let got = r.received();
    assert_eq!(got.len(), 1);
    let n = got[0].verified.clone().unwrap();
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    match n.event {
        puzi::wechat::notify::Event::TransactionSuccess(tx) => {
            assert_eq!(tx.out_trade_no, "SBNOTE000001");
            assert_eq!(tx.trade_state, "SUCCESS");
            assert_eq!(tx.amount.unwrap().total, Some(888));
            assert_eq!(tx.mchid.as_deref(), Some(t.app.wechat.mchid.as_str()));
        }
        other => panic!("{other:?}"),
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_and_concurrent_notifications() {
    let t = TestApp::start().await;
    let r = Receiver::start(t.pay().clone()).await;
    pay_to(&t, &r, "SBNOTE000002", Some(NotificationFault::Duplicate)).await;
    assert_eq!(r.accepted(), 2);
    pay_to(&t, &r, "SBNOTE000003", Some(NotificationFault::Concurrent)).await;
    assert_eq!(r.accepted(), 4);
    let ids: Vec<String> = r
        .received()
        .iter()
        .map(|x| x.verified.clone().unwrap().id)
        .collect();
    assert_eq!(
        ids[0], ids[1],
        "a duplicate carries the same notification id"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn delayed_lost_and_after_return_notifications() {
    let t = TestApp::start().await;
    // The delayed notification must not go out by itself before the test moves time.
    t.app.clock.freeze();
    let r = Receiver::start(t.pay().clone()).await;
    pay_to(
        &t,
        &r,
        "SBNOTE000004",
        Some(NotificationFault::Delay { seconds: 30 }),
    )
    .await;
    assert_eq!(r.accepted(), 0);
    t.app.clock.advance(30);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.accepted(), 1);

    pay_to(&t, &r, "SBNOTE000005", Some(NotificationFault::Lose)).await;
    t.app.clock.advance(3600);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.accepted(), 1, "a lost notification never arrives");

    let prepay = t
        .pay()
        .jsapi_prepay(&order("SBNOTE000006", &r.url, 888))
        .await
        .unwrap();
    t.sandbox()
        .set_notification_fault(NotificationFault::AfterReturn);
    reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": "SBNOTE000006"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.accepted(), 1, "held until the sheet returns");
    reqwest::Client::new()
        .post(t.url("/sandbox/pay/returned"))
        .json(&serde_json::json!({"package": format!("prepay_id={prepay}")}))
        .send()
        .await
        .unwrap();
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.accepted(), 2);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_stale_and_probe_notifications_fail_then_the_genuine_retry_succeeds() {
    let t = TestApp::start_tuned(scale_zero).await;
    let r = Receiver::start(t.pay().clone()).await;
    for (i, fault) in [
        NotificationFault::Forged,
        NotificationFault::Stale,
        NotificationFault::Probe,
    ]
    .into_iter()
    .enumerate()
    {
        let no = format!("SBNOTE00001{i}");
        pay_to(&t, &r, &no, Some(fault.clone())).await;
        let got = r.received();
        let last_two = &got[got.len() - 2..];
        assert_eq!(last_two[0].answered, 401, "{fault:?} refused");
        let why = last_two[0].verified.clone().unwrap_err().to_string();
        match fault {
            NotificationFault::Forged => assert!(why.contains("does not verify"), "{why}"),
            NotificationFault::Stale => assert!(why.contains("stale"), "{why}"),
            NotificationFault::Probe => assert!(why.contains("SIGNTEST"), "{why}"),
            _ => unreachable!(),
        }
        assert_eq!(
            last_two[1].answered, 204,
            "{fault:?} genuine retry accepted"
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_follow_wechats_retry_schedule() {
    let t = TestApp::start().await;
    // Only the seconds the test counts pass (a busy machine must not add one).
    t.app.clock.freeze();
    let r = Receiver::start(t.pay().clone()).await;
    r.answer.store(500, std::sync::atomic::Ordering::SeqCst);
    pay_to(&t, &r, "SBNOTE000020", None).await;
    assert_eq!(r.received().len(), 1);
    // Nothing more until 15 s later.
    t.app.clock.advance(14);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.received().len(), 1);
    t.app.clock.advance(1);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.received().len(), 2);
    r.answer.store(204, std::sync::atomic::Ordering::SeqCst);
    t.app.clock.advance(15);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.received().len(), 3);
    assert_eq!(r.accepted(), 1);
    let d = t.sandbox().deliveries().unwrap();
    assert_eq!(d[0].state, "delivered");
    assert_eq!(d[0].attempts, 3);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_loses_no_pending_delivery() {
    let t = TestApp::start().await;
    let r = Receiver::start(t.pay().clone()).await;
    r.answer.store(503, std::sync::atomic::Ordering::SeqCst);
    pay_to(&t, &r, "SBNOTE000030", None).await;
    assert_eq!(r.accepted(), 0);
    let data = t.data.clone();
    let dir = t.stop().await;

    r.answer.store(204, std::sync::atomic::Ordering::SeqCst);
    let t = TestApp::start_in(&data).await;
    t.app.clock.advance(15);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(r.accepted(), 1, "the pending delivery survived the restart");
    t.stop().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_routes_answer_404_in_live_mode() {
    let dir = tempfile::tempdir().unwrap();
    let key = MerchantKey::generate();
    std::fs::write(dir.path().join("k.pem"), key.to_pem()).unwrap();
    std::fs::write(dir.path().join("pub.pem"), key.public_key().to_pem()).unwrap();
    std::fs::write(
        dir.path().join("v3.key"),
        "0123456789abcdef0123456789abcdef",
    )
    .unwrap();
    let text = format!(
        "[shop]\nbase_url = \"https://shop.example.com\"\n[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndata_dir = \"{d}/data\"\n\
         [wechat]\nmode = \"live\"\nappid = \"wx1\"\napp_secret = \"s\"\nmchid = \"1900000001\"\nmerchant_serial_no = \"AB\"\n\
         merchant_key_file = \"{d}/k.pem\"\napiv3_key_file = \"{d}/v3.key\"\npublic_key_id = \"PUB_KEY_ID_01\"\npublic_key_file = \"{d}/pub.pem\"\n",
        d = dir.path().display()
    );
    let cfg = puzi::config::parse(std::path::Path::new("live.toml"), &text, &|_| None).unwrap();
    let t = TestApp::start_with(cfg, true).await;
    assert!(t.app.sandbox.is_none());
    for path in [
        "/sandbox/",
        "/sandbox/bridge.js",
        "/sandbox/phone",
        "/sandbox/v3/certificates",
    ] {
        assert_eq!(
            reqwest::get(t.url(path)).await.unwrap().status(),
            404,
            "{path}"
        );
    }
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

/// A request the other end drops unanswered (a kept-alive connection closed just as it went
/// out) is sent once more on a fresh connection: the shopper's sign-in does not fail on it.
#[tokio::test]
async fn the_oauth_code_exchange_tries_again_after_a_connection_drops_unanswered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for answer in [false, true] {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.unwrap();
            heads.push(String::from_utf8_lossy(&buf[..n]).to_string());
            if answer {
                let body = r#"{"access_token":"t","expires_in":7200,"openid":"oRetried","scope":"snsapi_base"}"#;
                let r = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(r.as_bytes()).await.unwrap();
            }
            // Dropped: the first connection closes without an answer.
        }
        heads
    });
    let oauth = puzi::wechat::oauth::OAuthClient::new(
        &base,
        &base,
        "wxretry",
        puzi::secret::Secret::new("s"),
    );
    let grant = oauth.exchange("the-code").await.unwrap();
    assert_eq!(grant.openid, "oRetried");
    let heads = server.await.unwrap();
    assert_eq!(heads.len(), 2);
    assert!(
        heads.iter().all(|h| h.contains("code=the-code")),
        "{heads:?}"
    );
}
