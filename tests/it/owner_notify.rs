//! The owner's phone (issue 14 items 6–8): a member binds their WeChat by scanning a
//! one-time QR code from `/admin/notify` (the sandbox phone opens it, the sandbox OAuth
//! names the persona); paid orders, after-sales requests, low stock and alerts reach every
//! bound member once, as template messages through the outbox, with the configured
//! template and fields; quiet hours hold them until morning; an unset template sends
//! nothing of its kind; an unbound member gets nothing.

use crate::admin::{Owner, setup_owner};
use crate::support::*;
use puzi::alert::AlertKind;
use puzi::order::{OrderNo, OrderState};
use puzi::store::{OutboxEntry, OutboxState};

const MUG: &str = "stoneware-mug-white";
const TPL_ORDER: &str = "TPL_OWNER_ORDER";
const TPL_AFTERSALES: &str = "TPL_OWNER_AFTERSALES";
const TPL_ALERT: &str = "TPL_OWNER_ALERT";
const BOSS_PHONE: &str = "老板";

fn templates(c: &mut puzi::config::Config) {
    c.wechat.owner_order_template_id = Some(TPL_ORDER.into());
    c.wechat.owner_aftersales_template_id = Some(TPL_AFTERSALES.into());
    c.wechat.owner_alert_template_id = Some(TPL_ALERT.into());
}

async fn start(quiet: Option<&str>, aftersales_template: bool) -> TestApp {
    let quiet = quiet.map(|q| puzi::config::QuietHours::parse(q).unwrap());
    let t = TestApp::start_tuned(move |c| {
        templates(c);
        if !aftersales_template {
            c.wechat.owner_aftersales_template_id = None;
        }
        c.owner.quiet_hours = quiet;
    })
    .await;
    t.app.clock.freeze();
    t
}

/// Decodes the bind QR code the page draws.
fn decode_bind_qr(page: &str) -> String {
    decode_svg_qr(&page[page.find("id=\"bind-qr\"").expect("a bind QR code")..])
}

/// The owner asks for a bind QR code; returns the URL it holds.
async fn bind_link(t: &TestApp, o: &Owner) -> String {
    let r = o.post(t, "/admin/notify/link", &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    decode_bind_qr(&page)
}

/// The sandbox phone of `persona` opens `url` (as scanned) and approves WeChat's OAuth;
/// returns the final status and page.
async fn scan(t: &TestApp, phone: &reqwest::Client, url: &str, persona: &str) -> (u16, String) {
    let r = phone
        .get(format!(
            "{}?url={}",
            t.url("/sandbox/phone/open"),
            form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"].to_str().unwrap(), url);
    let r = phone.get(url).send().await.unwrap();
    if !r.status().is_redirection() {
        return (r.status().as_u16(), r.text().await.unwrap());
    }
    let auth = r.headers()["location"].to_str().unwrap();
    assert!(auth.contains("scope=snsapi_base"), "{auth}");
    let r = approve_oauth(t, phone, auth, persona).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

fn openid(t: &TestApp, persona: &str) -> String {
    puzi::sandbox::openid(&t.sandbox().keys().manifest.appid, persona)
}

/// Owner messages in the outbox.
fn owner_entries(t: &TestApp) -> Vec<OutboxEntry> {
    t.app
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.is_owner())
        .collect()
}

/// Template messages the sandbox WeChat delivered to `persona`.
fn received(t: &TestApp, persona: &str) -> Vec<serde_json::Value> {
    let id = openid(t, persona);
    let mut v: Vec<_> = puzi::sandbox::oa_messages(t.sandbox())
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "template" && m.openid.as_deref() == Some(id.as_str()))
        .collect();
    v.sort_by_key(|m| m.seq);
    v.into_iter().map(|m| m.body).collect()
}

async fn bound_owner(t: &TestApp) -> Owner {
    let o = setup_owner(t).await;
    let url = bind_link(t, &o).await;
    let (s, page) = scan(t, &client(), &url, BOSS_PHONE).await;
    assert_eq!(s, 200, "{page}");
    o
}

async fn paid_order(t: &TestApp, qty: u32) -> (reqwest::Client, OrderNo) {
    let c = client();
    add_to_cart(&c, t, MUG, qty).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "阿珍", None).await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Paid
    );
    (c, no)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_binds_their_wechat_once_by_scanning_and_can_unbind() {
    let t = start(None, true).await;
    let o = setup_owner(&t).await;
    let (s, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert_eq!(s, 200);
    assert!(page.contains("尚未绑定微信"), "{page}");
    let url = bind_link(&t, &o).await;
    assert!(
        url.starts_with(&format!("{}/admin/bind/", t.app.base_url)),
        "{url}"
    );

    let phone = client();
    let (s, page) = scan(&t, &phone, &url, BOSS_PHONE).await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("绑定成功"),
        "the phone says it in words: {page}"
    );
    let b = t.app.store.wechat_binding("boss").unwrap().unwrap();
    assert_eq!(b.openid, openid(&t, BOSS_PHONE));

    // The back office says so, and never shows the whole openid.
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(page.contains("已绑定微信"), "{page}");
    assert!(!page.contains(&b.openid), "the openid is masked");
    assert!(page.contains(&puzi::account::wechat_bind::masked(&b.openid)));

    // The link works once.
    let (s, page) = scan(&t, &client(), &url, "路人").await;
    assert_eq!(s, 404);
    assert!(page.contains("已经用过"), "{page}");
    assert_eq!(
        t.app.store.wechat_binding("boss").unwrap().unwrap().openid,
        b.openid
    );

    // A link older than ten minutes is refused.
    let late = bind_link(&t, &o).await;
    t.app.clock.advance(601);
    let (s, page) = scan(&t, &client(), &late, "路人").await;
    assert_eq!(s, 410);
    assert!(page.contains("已过期"), "{page}");

    // Unbinding asks first.
    let (s, page) = get_text(&o.c, &t.url("/admin/notify/unbind")).await;
    assert_eq!(s, 200);
    assert!(page.contains("确定解除"));
    let r = o.post(&t, "/admin/notify/unbind", &[]).await;
    assert_eq!(r.status(), 200, "without confirming it only asks");
    assert!(t.app.store.wechat_binding("boss").unwrap().is_some());
    let r = o
        .post(&t, "/admin/notify/unbind", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(t.app.store.wechat_binding("boss").unwrap().is_none());
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(page.contains("尚未绑定微信"));
}

#[tokio::test(flavor = "multi_thread")]
async fn paid_orders_after_sales_low_stock_and_alerts_reach_the_bound_owner_once() {
    let t = start(None, true).await;
    let _o = bound_owner(&t).await;
    // A staff member who never bound their WeChat.
    let now = t.app.clock.unix();
    let link = puzi::account::invite(
        &t.app.store,
        &t.app.base_url,
        puzi::audit::Role::Staff,
        "boss",
        now,
    )
    .unwrap();
    let token = link.rsplit('/').next().unwrap();
    puzi::account::accept_invite(
        &t.app.store,
        token,
        "clerk",
        "pw-long-enough-1",
        "pw-long-enough-1",
        now,
    )
    .unwrap()
    .unwrap();

    // Paid: delivered twice by WeChat, still one message.
    t.app.store.set_stock(MUG, 8).unwrap();
    let c = client();
    add_to_cart(&c, &t, MUG, 3).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(
        &t,
        &c,
        &no,
        "阿珍",
        Some(puzi::sandbox::NotificationFault::Duplicate),
    )
    .await;
    let order = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(order.state, OrderState::Paid);
    t.sandbox().deliver_due().await.unwrap();

    // Low stock: 8 → 5 crossed the threshold when the order was placed.
    let entries = owner_entries(&t);
    let kinds: Vec<_> = entries.iter().map(|e| e.kind).collect();
    use puzi::store::OutboxKind::*;
    assert_eq!(kinds, vec![OwnerLowStock, OwnerPaid], "{entries:?}");
    assert!(
        entries.iter().all(|e| e.payload["member"] == "boss"),
        "the unbound clerk gets nothing"
    );

    t.app.fulfilment.deliver_outbox().await.unwrap();
    let got = received(&t, BOSS_PHONE);
    assert_eq!(got.len(), 2, "{got:?}");
    let low = &got[0];
    assert_eq!(low["template_id"], TPL_ALERT);
    assert_eq!(low["data"]["thing1"]["value"], "库存紧张");
    assert_eq!(low["data"]["character_string2"]["value"], MUG);
    let paid = &got[1];
    assert_eq!(paid["template_id"], TPL_ORDER);
    assert_eq!(paid["data"]["thing1"]["value"], "新订单已付款");
    assert_eq!(paid["data"]["character_string2"]["value"], no.as_str());
    assert_eq!(
        paid["data"]["amount3"]["value"],
        order.total.display(order.currency)
    );
    assert!(
        paid["data"]["thing4"]["value"]
            .as_str()
            .unwrap()
            .contains(&order.lines[0].product_name)
    );
    assert_eq!(paid["url"], format!("{}/admin/orders/{no}", t.app.base_url));

    // An after-sales request.
    let body = {
        let mut b = Vec::new();
        for (k, v) in [("scope", "whole"), ("reason", "damaged"), ("note", "坏了")] {
            b.extend_from_slice(
                format!(
                    "--AsBoUnDaRy\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        b.extend_from_slice(b"--AsBoUnDaRy--\r\n");
        b
    };
    let r = c
        .post(t.url(&format!("/orders/{no}/aftersales")))
        .header("content-type", "multipart/form-data; boundary=AsBoUnDaRy")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // An alert raised through the store's alert path.
    t.app
        .store
        .alert(AlertKind::BillDifference, None, "difference".into(), now)
        .unwrap();
    t.app.fulfilment.deliver_outbox().await.unwrap();
    t.app.fulfilment.deliver_outbox().await.unwrap();
    let got = received(&t, BOSS_PHONE);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[2]["template_id"], TPL_AFTERSALES);
    assert_eq!(got[2]["data"]["thing1"]["value"], "顾客申请退款");
    assert_eq!(got[2]["data"]["character_string2"]["value"], no.as_str());
    assert_eq!(got[3]["template_id"], TPL_ALERT);
    assert_eq!(got[3]["data"]["thing1"]["value"], "店铺提醒");
    assert_eq!(owner_entries(&t).len(), 4, "one entry each");
    assert!(received(&t, "clerk").is_empty());

    // The sandbox phone of the owner's persona lists them like delivery messages.
    let phone = client();
    let r = phone
        .post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", t.sandbox().keys().manifest.appid.as_str()),
            ("redirect_uri", t.url("/").as_str()),
            ("state", "x"),
            ("persona", BOSS_PHONE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let (_, page) = get_text(&phone, &t.url("/sandbox/phone")).await;
    assert!(
        page.contains("新订单已付款") && page.contains("顾客申请退款"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_at_night_waits_for_the_end_of_quiet_hours() {
    let t = start(Some("22:00-08:00"), true).await;
    let _o = bound_owner(&t).await;
    // Move to 23:00 China time.
    let now = t.app.clock.unix();
    let local = (now + 8 * 3600).rem_euclid(86_400);
    t.app.clock.advance((23 * 3600 - local).rem_euclid(86_400));
    let (_, no) = paid_order(&t, 1).await;
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert!(received(&t, BOSS_PHONE).is_empty(), "nothing at night");
    let e = owner_entries(&t);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].state, e[0].attempts), (OutboxState::Pending, 0));

    // 07:59: still quiet.
    t.app.clock.advance(9 * 3600 - 60);
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert!(received(&t, BOSS_PHONE).is_empty());
    // 08:00: delivered.
    t.app.clock.advance(60);
    t.app.fulfilment.deliver_outbox().await.unwrap();
    let got = received(&t, BOSS_PHONE);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["data"]["character_string2"]["value"], no.as_str());
    assert_eq!(owner_entries(&t)[0].state, OutboxState::Sent);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unset_template_sends_nothing_of_its_kind_and_the_page_says_so() {
    let t = start(None, false).await;
    let o = bound_owner(&t).await;
    let (c, no) = paid_order(&t, 1).await;
    let body = b"--AsBoUnDaRy\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\nwhole\r\n--AsBoUnDaRy\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\ndamaged\r\n--AsBoUnDaRy--\r\n".to_vec();
    let r = c
        .post(t.url(&format!("/orders/{no}/aftersales")))
        .header("content-type", "multipart/form-data; boundary=AsBoUnDaRy")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    t.app.fulfilment.deliver_outbox().await.unwrap();
    let got = received(&t, BOSS_PHONE);
    assert_eq!(got.len(), 1, "only the paid order: {got:?}");
    assert_eq!(got[0]["template_id"], TPL_ORDER);
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(page.contains("不会发送：未设置模板"), "{page}");
    let (_, page) = get_text(&o.c, &t.url("/admin/settings")).await;
    assert!(
        page.contains("未设置：退款申请不会通知绑定的微信")
            && page.contains("owner_aftersales_template_id")
            && page.contains(TPL_ORDER),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_notifications_page_reads_in_both_languages_without_raw_data() {
    for (lang, words) in [
        (
            puzi::text::Lang::Zh,
            ["微信通知", "生成绑定二维码", "免打扰时段"],
        ),
        (
            puzi::text::Lang::En,
            [
                "WeChat notifications",
                "Make a binding QR code",
                "Quiet hours",
            ],
        ),
    ] {
        let t = TestApp::start_tuned(move |c| {
            c.shop.language = lang;
            c.owner.quiet_hours = puzi::config::QuietHours::parse("22:00-08:00");
        })
        .await;
        let o = setup_owner(&t).await;
        let (s, page) = get_text(&o.c, &t.url("/admin/notify")).await;
        assert_eq!(s, 200);
        for w in words {
            assert!(page.contains(w), "{lang:?}: {w}");
        }
        assert!(page.contains("22:00-08:00"));
        for raw in ["Some(", "None", "{\"", "owner_order_template_id", "TPL_"] {
            assert!(!page.contains(raw), "{lang:?}: {raw}");
        }
    }
}

/// The payment's commit fails (fsync) and the shop stops: no owner message was queued;
/// WeChat's retry pays the order and queues exactly one.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_while_a_payment_commits_leaves_exactly_one_owner_message() {
    let (t, faults) = TestApp::start_faulty(templates).await;
    // The held-back notification must not go out by itself (10 s) before the test sends it.
    t.app.clock.freeze();
    let _o = bound_owner(&t).await;
    let c = client();
    add_to_cart(&c, &t, MUG, 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(
        &t,
        &c,
        &no,
        "阿珍",
        Some(puzi::sandbox::NotificationFault::Delay { seconds: 10 }),
    )
    .await;
    let d = t.sandbox().deliveries().unwrap()[0].clone();
    faults.fail_nth_sync(1);
    let (h, body) = sandbox_delivery(&t, &d);
    let r = reqwest::Client::new()
        .post(&d.url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(faults.crashed(), "the fault fired");
    let (data, addr) = (t.data.clone(), t.addr);
    let dir = t.stop().await;

    let mut cfg = puzi::config::Config::demo(data, addr);
    templates(&mut cfg);
    let t = TestApp::start_with(cfg, true).await;
    assert!(owner_entries(&t).is_empty(), "nothing half-written");
    t.app.clock.advance(15);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Paid
    );
    let e = owner_entries(&t);
    assert_eq!(e.len(), 1, "{e:?}");
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(received(&t, BOSS_PHONE).len(), 1);
    t.stop().await;
    drop(dir);
}

#[test]
fn quiet_hours_in_the_config_file_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("puzi.toml");
    for (value, ok) in [
        ("22:00-08:00", true),
        ("", true),
        ("22:00", false),
        ("25:00-08:00", false),
        ("08:00-08:00", false),
    ] {
        let text = puzi::config::TEMPLATE.replace(
            "# quiet_hours = \"22:00-08:00\"",
            &format!("quiet_hours = \"{value}\""),
        );
        assert_ne!(text, puzi::config::TEMPLATE);
        std::fs::write(&path, text).unwrap();
        let r = puzi::config::load(&path);
        match r {
            Ok(c) => assert!(ok, "{value} accepted: {:?}", c.owner),
            Err(e) => {
                assert!(!ok, "{value} refused: {e}");
                assert_eq!(e.key, "owner.quiet_hours");
            }
        }
    }
}

/// Staff bind their own WeChat too: each bound member gets their own message; a removed
/// member's WeChat hears nothing more.
#[tokio::test(flavor = "multi_thread")]
async fn each_member_binds_their_own_wechat_and_a_removed_member_hears_nothing_more() {
    let t = start(None, true).await;
    let o = bound_owner(&t).await;
    let now = t.app.clock.unix();
    let link = puzi::account::invite(
        &t.app.store,
        &t.app.base_url,
        puzi::audit::Role::Staff,
        "boss",
        now,
    )
    .unwrap();
    let token = link.rsplit('/').next().unwrap();
    let pw = "pw-long-enough-1";
    puzi::account::accept_invite(&t.app.store, token, "clerk", pw, pw, now)
        .unwrap()
        .unwrap();
    let c = client();
    let r = c
        .post(t.url("/admin/login"))
        .form(&[("username", "clerk"), ("password", pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let clerk = Owner { c };
    let url = bind_link(&t, &clerk).await;
    let (s, _) = scan(&t, &client(), &url, "店员").await;
    assert_eq!(s, 200);
    assert_eq!(
        t.app.store.wechat_binding("clerk").unwrap().unwrap().openid,
        openid(&t, "店员")
    );

    paid_order(&t, 1).await;
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(received(&t, BOSS_PHONE).len(), 1);
    assert_eq!(received(&t, "店员").len(), 1);

    let r = o
        .post(&t, "/admin/staff/clerk/revoke", &[("confirm", "1")])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(t.app.store.wechat_binding("clerk").unwrap().is_none());
    paid_order(&t, 1).await;
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(received(&t, BOSS_PHONE).len(), 2);
    assert_eq!(received(&t, "店员").len(), 1, "nothing more");
}

/// The owner templates' field names come from `[wechat] owner_template_keys` (a template
/// from WeChat's library rarely has the default names), and the amount field of low stock
/// and alerts says something: the stock left, the alert kind.
#[tokio::test(flavor = "multi_thread")]
async fn owner_messages_use_the_configured_keys_and_never_an_empty_amount() {
    let keys = ["thing9", "character_string8", "thing7", "thing6", "time5"];
    let t = TestApp::start_tuned(move |c| {
        templates(c);
        c.wechat.owner_template_keys = keys.map(String::from);
    })
    .await;
    t.app.clock.freeze();
    let _o = bound_owner(&t).await;
    t.app.store.set_stock(MUG, 6).unwrap();
    let (_, no) = paid_order(&t, 1).await;
    let now = t.app.clock.unix();
    t.app
        .store
        .alert(AlertKind::BillDifference, None, "difference".into(), now)
        .unwrap();
    t.app.fulfilment.deliver_outbox().await.unwrap();
    t.app.fulfilment.deliver_outbox().await.unwrap();
    let got = received(&t, BOSS_PHONE);
    assert_eq!(got.len(), 3, "{got:?}");
    for m in &got {
        let data = m["data"].as_object().unwrap();
        let mut names: Vec<&str> = data.keys().map(String::as_str).collect();
        names.sort();
        let mut want = keys.to_vec();
        want.sort();
        assert_eq!(names, want, "{m}");
        for (k, v) in data {
            let v = v["value"].as_str().unwrap();
            assert!(
                !v.is_empty() && v != "-" || k == "character_string8",
                "{k}: {m}"
            );
        }
    }
    let low = got.iter().find(|m| m["template_id"] == TPL_ALERT).unwrap();
    assert_eq!(low["data"]["thing7"]["value"], "剩余 5 件");
    let paid = got.iter().find(|m| m["template_id"] == TPL_ORDER).unwrap();
    assert_eq!(paid["data"]["character_string8"]["value"], no.as_str());
    let alert = got.last().unwrap();
    assert_eq!(alert["template_id"], TPL_ALERT);
    let kind = puzi::text::Lang::Zh
        .work()
        .alert_kind(AlertKind::BillDifference);
    assert_eq!(alert["data"]["thing7"]["value"], kind);
    // The kind once; the other fields in the shop's language, never the stored English.
    let see = puzi::text::Lang::Zh.owner_notify().msg_alert_see;
    assert_eq!(alert["data"]["thing6"]["value"], see, "{alert}");
    assert_eq!(alert["data"]["thing9"]["value"], "店铺提醒");
    assert!(!alert.to_string().contains("difference"), "{alert}");
}

/// Binding and unbinding are in the audit log, in words, by the member whose WeChat it is.
#[tokio::test(flavor = "multi_thread")]
async fn binding_and_unbinding_are_in_the_audit_log_in_words() {
    let t = start(None, true).await;
    let o = bound_owner(&t).await;
    let masked = puzi::account::wechat_bind::masked(&openid(&t, BOSS_PHONE));
    let r = o
        .post(&t, "/admin/notify/unbind", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    // Unbinding again changes nothing and logs nothing.
    let r = o
        .post(&t, "/admin/notify/unbind", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    let (s, page) = get_text(&o.c, &t.url("/admin/audit")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains(&format!("绑定微信接收店铺通知（{masked}）")),
        "{page}"
    );
    assert_eq!(
        page.matches("解除绑定微信，不再接收店铺通知").count(),
        1,
        "{page}"
    );
    assert!(
        !page.contains(&openid(&t, BOSS_PHONE)),
        "never the whole openid"
    );
    let e = t.app.store.audit_entries(Some("boss"), None, 10).unwrap();
    use puzi::audit::Action;
    assert!(matches!(e[0].action, Action::WechatUnbound));
    assert!(matches!(e[1].action, Action::WechatBound { .. }));
}

/// WeChat sends nothing to a WeChat that does not follow the account (43004, final): the
/// phone after binding and `/admin/notify` say so and show the account's QR code; once a
/// message to the member was refused that way, the page says so for them in words, until
/// one goes through.
#[tokio::test(flavor = "multi_thread")]
async fn an_owner_who_does_not_follow_the_account_is_told_and_shown_the_qr_code() {
    let png = b"\x89PNG\r\n\x1a\n-a-follow-qr".to_vec();
    let image = puzi::config::FollowQr {
        data: std::sync::Arc::new(png.clone()),
        content_type: "image/png",
    };
    let t = TestApp::start_tuned(move |c| {
        templates(c);
        c.wechat.follow_qr_image = Some(image);
    })
    .await;
    t.app.clock.freeze();
    let o = setup_owner(&t).await;
    let url = bind_link(&t, &o).await;
    let (s, phone_page) = scan(&t, &client(), &url, BOSS_PHONE).await;
    assert_eq!(s, 200);
    let note = "微信只把店铺通知发给关注了店铺公众号的微信";
    for page in [
        &phone_page,
        &get_text(&o.c, &t.url("/admin/notify")).await.1,
    ] {
        assert!(page.contains(note), "{page}");
        assert!(page.contains("src=\"/follow-qr\""), "{page}");
    }
    let r = client().get(t.url("/follow-qr")).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    let not_follower = "它没有关注店铺公众号，微信不发送";
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(!page.contains(not_follower), "nothing was refused yet");

    // The owner's WeChat stops following; a paid order's message is refused, finally.
    assert!(t.sandbox().set_following(BOSS_PHONE, false).unwrap());
    paid_order(&t, 1).await;
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(owner_entries(&t)[0].state, OutboxState::NotFollower);
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(page.contains(not_follower), "{page}");
    assert!(!page.contains("43004") && !page.contains("NotFollower"));

    // Following again: the next message goes through and the warning is gone.
    assert!(t.sandbox().set_following(BOSS_PHONE, true).unwrap());
    paid_order(&t, 1).await;
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(received(&t, BOSS_PHONE).len(), 1);
    let (_, page) = get_text(&o.c, &t.url("/admin/notify")).await;
    assert!(!page.contains(not_follower), "{page}");
}
