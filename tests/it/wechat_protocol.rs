//! WeChat protocol corrections against the sandbox, through the shop's own clients: the
//! key migration (certificate-serial and public-key signatures accepted in one run), the
//! `WECHATPAY/SIGNTEST/` probe on a response (asked again once), and the Official Account
//! token WeChat rejects (replaced with `force_refresh`, the call retried once).

use crate::support::*;
use puzi::order::{OrderNo, OrderState};
use puzi::sandbox::{ApiFault, NotificationFault, OaFault};
use puzi::wechat::official_account::{OaError, TemplateMessage, TemplateValue};

async fn order_and_pay(t: &TestApp, fault: Option<NotificationFault>) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "Lin", fault).await;
    no
}

/// The HTTP statuses the shop answered to each attempt of the notification for `no`.
fn answers(t: &TestApp, no: &OrderNo) -> Vec<Option<u16>> {
    let d = t.sandbox().deliveries().unwrap();
    let d = d
        .iter()
        .find(|d| d.out_trade_no == no.as_str() && d.event_type == "TRANSACTION.SUCCESS")
        .expect("a delivery");
    d.log.iter().map(|a| a.status).collect()
}

async fn control_fault(t: &TestApp, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/control/fault"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{body}");
}

fn scale_zero(c: &mut puzi::config::Config) {
    c.sandbox.notify_retry_scale = 0.0;
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_and_public_key_signatures_are_both_accepted_during_the_migration() {
    let t = TestApp::start_tuned(scale_zero).await;
    let m = t.sandbox().keys().manifest.clone();
    // A notification signed under the platform certificate's serial: the shop, which has
    // the public key configured, downloads the certificates and accepts it at once.
    let a = order_and_pay(&t, Some(NotificationFault::CertSerial)).await;
    assert_eq!(answers(&t, &a), vec![Some(204)]);
    assert_eq!(
        t.app.store.order(&a).unwrap().unwrap().state,
        OrderState::Paid
    );
    // One signed with the public key id, in the same run.
    let b = order_and_pay(&t, None).await;
    assert_eq!(answers(&t, &b), vec![Some(204)]);
    assert_eq!(
        t.app.store.order(&b).unwrap().unwrap().state,
        OrderState::Paid
    );
    let mut both = vec![m.platform_serial_no.clone(), m.public_key_id.clone()];
    both.sort();
    assert_eq!(t.pay().keyring().serials(), both);
    // API answers too: one signed under the certificate serial verifies.
    t.sandbox().set_api_fault(ApiFault::CertSerial);
    let q = t.pay().query_by_out_trade_no(a.as_str()).await.unwrap();
    assert_eq!(q.trade_state, "SUCCESS");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_platform_certificates_off_only_the_public_key_is_trusted() {
    let t = TestApp::start_tuned(|c| {
        scale_zero(c);
        c.wechat.platform_certificates = false;
    })
    .await;
    let a = order_and_pay(&t, Some(NotificationFault::CertSerial)).await;
    // Refused (no certificate is held or fetched), then WeChat's retry under the public
    // key is accepted.
    assert_eq!(answers(&t, &a), vec![Some(401), Some(204)]);
    assert_eq!(
        t.pay().keyring().serials(),
        vec![t.sandbox().keys().manifest.public_key_id.clone()]
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_probe_signed_answer_is_asked_again_once() {
    let t = TestApp::start().await;
    let no = order_and_pay(&t, None).await;
    // A query: the probe-signed answer is not trusted; the repeat is. (Armed through the
    // control API, as another program would.)
    control_fault(&t, serde_json::json!({"kind": "api_probe"})).await;
    assert_eq!(t.sandbox().faults().next_api_call, Some(ApiFault::Probe));
    let q = t.pay().query_by_out_trade_no(no.as_str()).await.unwrap();
    assert_eq!(q.trade_state, "SUCCESS");
    assert_eq!(
        t.sandbox().faults().next_api_call,
        None,
        "the probe was sent"
    );
    // The certificate download too.
    t.sandbox().set_api_fault(ApiFault::Probe);
    assert_eq!(t.pay().refresh_certificates().await.unwrap(), 1);
    assert_eq!(t.sandbox().faults().next_api_call, None);
    t.stop().await;
}

async fn follower(t: &TestApp) -> String {
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
    puzi::sandbox::openid(&t.app.wechat.appid, "Lin")
}

/// `POST /sandbox/cgi-bin/stable_token` as any caller would.
async fn stable_token(t: &TestApp, force: bool) -> serde_json::Value {
    let m = &t.sandbox().keys().manifest;
    reqwest::Client::new()
        .post(t.url("/sandbox/cgi-bin/stable_token"))
        .json(&serde_json::json!({
            "grant_type": "client_credential",
            "appid": m.appid,
            "secret": m.app_secret,
            "force_refresh": force,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_access_token_is_replaced_with_force_refresh_and_the_message_delivered() {
    let t = TestApp::start().await;
    let oa = &t.app.wechat.oa;
    let touser = follower(&t).await;
    let mut data = std::collections::BTreeMap::new();
    data.insert(
        "thing2".to_string(),
        TemplateValue {
            value: "粗陶马克杯".into(),
        },
    );
    let msg = TemplateMessage {
        touser,
        template_id: "TPL_SHIPPED".into(),
        url: None,
        client_msg_id: None,
        data,
    };
    let first = oa.access_token().await.unwrap();
    // Without force_refresh, WeChat hands back the very token it is refusing.
    assert_eq!(
        stable_token(&t, false).await["access_token"],
        first.as_str()
    );

    control_fault(&t, serde_json::json!({"kind": "token_rejected"})).await;
    assert_eq!(
        t.sandbox().faults().next_oa_call,
        Some(OaFault::TokenRejected)
    );
    let msgid = oa.send_template(&msg).await.unwrap();
    assert!(msgid > 0, "delivered on the retry");
    let second = oa.access_token().await.unwrap();
    assert_ne!(second, first, "a new token, from force_refresh");
    assert_eq!(
        stable_token(&t, false).await["access_token"],
        second.as_str()
    );

    // Rejected again within 30 s: no second forced refresh (WeChat would refuse it); the
    // call fails and is left to the caller's retry.
    t.sandbox().set_oa_fault(OaFault::TokenRejected);
    match oa.send_template(&msg).await.unwrap_err() {
        OaError::Api { errcode, .. } => assert_eq!(errcode, 40001),
        e => panic!("{e}"),
    }
    assert_eq!(oa.access_token().await.unwrap(), second);
    // 30 s later a forced refresh is allowed again.
    t.app.clock.advance(30);
    t.sandbox().set_oa_fault(OaFault::TokenRejected);
    assert!(oa.send_template(&msg).await.unwrap() > msgid);
    assert_ne!(oa.access_token().await.unwrap(), second);
    t.stop().await;
}
