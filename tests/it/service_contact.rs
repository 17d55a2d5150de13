//! The customer-service contact set in the back office (`/admin/service`, issue 15): the
//! owner's saved contact replaces the config's on `/service` and on the cached product
//! page's link, a bad phone or WeChat ID is refused in words with nothing saved, staff and
//! viewers are refused (403 page), and the audit log tells the change.

use crate::admin::{Owner, setup_owner};
use crate::support::*;

const PASSWORD: &str = "staff password 123";

/// The owner invites a member with `role`; they join and sign in.
async fn member(t: &TestApp, o: &Owner, role: &str, name: &str) -> Owner {
    let r = o.post(t, "/admin/staff/invite", &[("role", role)]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let i = page.find("/admin/join/").expect("the link on the page");
    let start = page[..i].rfind('"').unwrap() + 1;
    let link = page[start..i + page[i..].find('"').unwrap()].to_string();
    let c = client();
    let form = [
        ("username", name),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(
        c.post(&link).form(&form).send().await.unwrap().status(),
        200
    );
    let r = c
        .post(t.url("/admin/login"))
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{name} signs in");
    Owner { c }
}

/// No Debug output, JSON or error codes on a page.
fn clean(page: &str) {
    for bad in [
        "Some(",
        "None",
        "Err(",
        "Ok(",
        "{\"",
        "ContactProblem",
        "WechatId",
    ] {
        assert!(!page.contains(bad), "{bad:?} on the page:\n{page}");
    }
}

async fn save(t: &TestApp, o: &Owner, phone: &str, wechat: &str, hours: &str) -> (u16, String) {
    let r = o
        .post(
            t,
            "/admin/service",
            &[("phone", phone), ("wechat_id", wechat), ("hours", hours)],
        )
        .await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_sets_the_contact_and_the_shop_shows_it_at_once() {
    // No contact in the config: no link, and the page says so.
    let t = TestApp::start_tuned(|cfg| {
        cfg.shop.service = Default::default();
        cfg.wechat.follow_qr_image = None;
    })
    .await;
    let anon = client();
    let (_, product) = get_text(&anon, &t.url("/p/longjing")).await;
    assert!(!product.contains("href=\"/service\""));
    let o = setup_owner(&t).await;
    let (s, settings) = get_text(&o.c, &t.url("/admin/settings")).await;
    assert_eq!(s, 200);
    assert!(
        settings.contains("href=\"/admin/service\""),
        "linked from Settings"
    );
    let (s, form) = get_text(&o.c, &t.url("/admin/service")).await;
    assert_eq!(s, 200);
    assert!(
        form.contains("id=\"from-config\""),
        "says the config's defaults stand"
    );
    clean(&form);

    let (s, _) = save(&t, &o, "021-12345678", "puzi_kefu", "每天 9:00–18:00").await;
    assert_eq!(s, 303);
    let (_, form) = get_text(&o.c, &t.url("/admin/service")).await;
    assert!(form.contains("value=\"021-12345678\"") && !form.contains("id=\"from-config\""));
    assert!(form.contains("已保存。"));

    let (_, page) = get_text(&anon, &t.url("/service")).await;
    assert!(page.contains("href=\"tel:021-12345678\""), "a tel: link");
    assert!(page.contains("data-copy=\"puzi_kefu\""), "a copy button");
    assert!(page.contains("每天 9:00–18:00"));
    clean(&page);
    // The cached product page links to it now (the catalog generation moved).
    let (_, product) = get_text(&anon, &t.url("/p/longjing")).await;
    assert!(
        product.contains("href=\"/service\""),
        "linked from the product page"
    );

    // Emptied again: nothing shown, no link.
    let (s, _) = save(&t, &o, "", "", "").await;
    assert_eq!(s, 303);
    let (_, page) = get_text(&anon, &t.url("/service")).await;
    assert!(page.contains("店铺还没有填写联系方式。") && !page.contains("tel:"));
    let (_, product) = get_text(&anon, &t.url("/p/longjing")).await;
    assert!(!product.contains("href=\"/service\""));

    // The audit log tells both changes in words.
    let (_, audit) = get_text(&o.c, &t.url("/admin/audit")).await;
    assert!(
        audit.contains(
            "更新客服联系方式：电话 021-12345678，微信号 puzi_kefu，服务时间 每天 9:00–18:00"
        ),
        "{audit}"
    );
    assert!(audit.contains("更新客服联系方式：电话 （不显示）"));
    clean(&audit);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_phone_or_wechat_id_is_refused_in_words_with_nothing_saved() {
    let t = TestApp::start_tuned(|cfg| {
        cfg.shop.service.phone = Some("400 800 1234".into());
        cfg.shop.service.wechat_id = None;
    })
    .await;
    let o = setup_owner(&t).await;
    let (s, page) = save(&t, &o, "call us", "puzi_kefu", "").await;
    assert_eq!(s, 422);
    assert!(page.contains("电话号码格式不对") && page.contains("没有保存任何内容"));
    assert!(page.contains("value=\"call us\""), "the typed value stays");
    clean(&page);
    for bad in ["1shop", "has space", "店铺客服"] {
        let (s, page) = save(&t, &o, "13812345678", bad, "").await;
        assert_eq!(s, 422, "{bad}");
        assert!(page.contains("微信号格式不对"), "{bad}");
        clean(&page);
    }
    let (s, page) = save(&t, &o, "", "", &"时".repeat(41)).await;
    assert_eq!(s, 422);
    assert!(page.contains("服务时间太长"));
    assert!(
        t.app.store.service_contact().unwrap().is_none(),
        "nothing saved"
    );
    let (_, shop) = get_text(&client(), &t.url("/service")).await;
    assert!(shop.contains("tel:4008001234") && !shop.contains("13812345678"));
    let audit = t.app.store.audit_entries(None, None, 100).unwrap();
    assert!(
        !audit
            .iter()
            .any(|e| matches!(e.action, puzi::audit::Action::ServiceContactSaved { .. }))
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_and_viewers_cannot_change_the_contact() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let staff = member(&t, &o, "staff", "xiaoli").await;
    let viewer = member(&t, &o, "viewer", "auditor").await;
    for m in [&staff, &viewer] {
        let (s, page) = get_text(&m.c, &t.url("/admin/service")).await;
        assert_eq!(s, 403);
        assert!(page.contains("id=\"forbidden\""));
        let (s, page) = save(&t, m, "13812345678", "puzi_kefu", "").await;
        assert_eq!(s, 403);
        assert!(page.contains("id=\"forbidden\""));
        clean(&page);
    }
    assert!(t.app.store.service_contact().unwrap().is_none());
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_reads_in_english_too() {
    let t = TestApp::start_tuned(|cfg| cfg.shop.language = puzi::text::Lang::En).await;
    let o = setup_owner(&t).await;
    let (s, form) = get_text(&o.c, &t.url("/admin/service")).await;
    assert_eq!(s, 200);
    assert!(form.contains("Customer service") && form.contains("Save contact"));
    clean(&form);
    let (s, page) = save(&t, &o, "12345", "", "").await;
    assert_eq!(s, 422);
    assert!(page.contains("That phone number is not in a form shoppers can dial"));
    clean(&page);
    let (s, _) = save(&t, &o, "+44 20 7946 0958", "kefu-01", "Daily 9–18").await;
    assert_eq!(s, 303);
    let (_, audit) = get_text(&o.c, &t.url("/admin/audit")).await;
    assert!(audit.contains(
        "Customer service contact changed: phone +44 20 7946 0958, WeChat ID kefu-01, hours Daily 9–18"
    ));
    let (_, shop) = get_text(&client(), &t.url("/service")).await;
    assert!(shop.contains("href=\"tel:+442079460958\""));
    t.stop().await;
}
