//! The back office: access (setup link, login, rate limits, CSRF, idle timeout), products,
//! images, stock log, CSV round trips, orders (ship, refund, CSV), the outbox, QR codes.

use crate::support::*;
use puzi::order::{OrderNo, OrderState};

/// A signed-in owner's browser.
pub struct Owner {
    pub c: reqwest::Client,
}

pub fn csrf_of(page: &str) -> String {
    let i = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    page[i..i + 32].to_string()
}

pub async fn setup_owner(t: &TestApp) -> Owner {
    let now = t.app.clock.unix();
    let link = puzi::account::first_start_link(&t.app.store, &t.app.base_url, now)
        .unwrap()
        .unwrap();
    let c = client();
    let (s, _) = get_text(&c, &link).await;
    assert_eq!(s, 200);
    let r = c
        .post(&link)
        .form(&[
            ("username", "boss"),
            ("password", "correct horse battery"),
            ("confirm", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    login(t, &c, "correct horse battery").await;
    Owner { c }
}

pub async fn login(t: &TestApp, c: &reqwest::Client, password: &str) -> u16 {
    let r = c
        .post(t.url("/admin/login"))
        .form(&[("username", "boss"), ("password", password)])
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

impl Owner {
    pub async fn csrf(&self, t: &TestApp) -> String {
        let (s, page) = get_text(&self.c, &t.url("/admin")).await;
        assert_eq!(s, 200);
        csrf_of(&page)
    }

    pub async fn post(
        &self,
        t: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let csrf = self.csrf(t).await;
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("csrf", &csrf));
        self.c.post(t.url(path)).form(&f).send().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_admin_route_refuses_without_a_session() {
    let t = TestApp::start().await;
    let c = client();
    for path in [
        "/admin",
        "/admin/products",
        "/admin/products/new",
        "/admin/products/longjing",
        "/admin/categories",
        "/admin/catalog.csv",
        "/admin/orders",
        "/admin/orders.csv",
        "/admin/settings",
        "/admin/qr/longjing.svg",
        "/admin/qr-sheet",
    ] {
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/admin/login", "{path}");
    }
    for path in [
        "/admin/logout",
        "/admin/products/new",
        "/admin/products/longjing",
        "/admin/products/longjing/publish",
        "/admin/products/longjing/images",
        "/admin/products/longjing/stock",
        "/admin/categories",
        "/admin/catalog.csv",
        "/admin/orders/202601010000000000000001/ship",
        "/admin/orders/202601010000000000000001/refund",
        "/admin/alerts/1/ack",
        "/admin/settings/check",
    ] {
        let r = c
            .post(t.url(path))
            .form(&[("x", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_link_is_one_time_and_passwords_are_checked() {
    let t = TestApp::start().await;
    let link = puzi::account::first_start_link(&t.app.store, &t.app.base_url, t.app.clock.unix())
        .unwrap()
        .unwrap();
    let c = client();
    let r = c
        .post(&link)
        .form(&[
            ("username", "boss"),
            ("password", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(&link)
        .form(&[
            ("username", "boss"),
            ("password", "correct horse battery"),
            ("confirm", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let owner = t.app.store.owner().unwrap().unwrap();
    assert!(owner.password_hash.starts_with("$argon2id$"));
    // Used once: gone.
    assert_eq!(get_text(&c, &link).await.0, 404);
    assert!(
        puzi::account::first_start_link(&t.app.store, &t.app.base_url, 0)
            .unwrap()
            .is_none()
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_cookies_rate_limits_csrf_and_idle_timeout() {
    let t = TestApp::start().await;
    let owner = setup_owner(&t).await;
    // The cookie: HttpOnly, SameSite=Strict.
    let c = client();
    let r = c
        .post(t.url("/admin/login"))
        .form(&[("username", "boss"), ("password", "correct horse battery")])
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.starts_with("puzi_admin="),
        "{cookie}"
    );
    // A form without the right CSRF token is refused.
    let r = owner
        .c
        .post(t.url("/admin/categories"))
        .form(&[
            ("id", "x"),
            ("name", "X"),
            ("csrf", "0".repeat(32).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = owner
        .c
        .post(t.url("/admin/categories"))
        .form(&[("id", "x"), ("name", "X")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Wrong passwords: 401, then 429 (wait) after a few.
    let bad = client();
    for _ in 0..puzi::account::FREE_FAILURES {
        assert_eq!(login(&t, &bad, "wrong password!").await, 401);
    }
    assert_eq!(
        login(&t, &bad, "correct horse battery").await,
        429,
        "limited even with the right password"
    );
    // Idle for 30 minutes: signed out.
    t.app.clock.advance(31 * 60);
    let r = owner.c.get(t.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    t.stop().await;
}

fn png() -> Vec<u8> {
    puzi::qr::png("https://example.com/a", 2).unwrap()
}

fn multipart_body(boundary: &str, csrf: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    for (name, data) in files {
        b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    b
}

/// Posts a multipart body (boundary `BoUnDaRy`) to green-tea's image upload.
async fn upload_images(t: &TestApp, o: &Owner, body: Vec<u8>) -> reqwest::Response {
    o.c.post(t.url("/admin/products/green-tea/images"))
        .header("content-type", "multipart/form-data; boundary=BoUnDaRy")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn image_count(t: &TestApp, slug: &str) -> usize {
    t.app.store.product(slug).unwrap().unwrap().images.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn products_are_created_edited_published_with_images_and_stock_log() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let r = o
        .post(
            &t,
            "/admin/products/new",
            &[
                ("id", "green-tea"),
                ("name", "碧螺春"),
                ("category", "tea"),
                ("summary", "洞庭山"),
                ("sku0", "green-tea-50"),
                ("vname0", "50g"),
                ("price0", "45.5"),
                ("sku1", "green-tea-100"),
                ("vname1", "100g"),
                ("price1", "88"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let p = t.app.store.product("green-tea").unwrap().unwrap();
    assert_eq!(p.variants[0].price, puzi::money::Money(4550));
    assert!(!p.published);
    assert_eq!(
        get_text(&client(), &t.url("/p/green-tea")).await.0,
        404,
        "unpublished is not sold"
    );
    // Bad input: clear errors, nothing lost.
    let r = o
        .post(
            &t,
            "/admin/products/green-tea",
            &[
                ("name", "碧螺春"),
                ("sku0", "green-tea-50"),
                ("price0", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        t.app
            .store
            .product("green-tea")
            .unwrap()
            .unwrap()
            .variants
            .len(),
        2
    );
    // Publish.
    o.post(
        &t,
        "/admin/products/green-tea/publish",
        &[("published", "1")],
    )
    .await;
    assert_eq!(get_text(&client(), &t.url("/p/green-tea")).await.0, 200);
    // Stock, recorded.
    let r = o
        .post(
            &t,
            "/admin/products/green-tea/stock",
            &[("sku", "green-tea-50"), ("stock", "12"), ("reason", "进货")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(t.app.store.stock("green-tea-50").unwrap(), 12);
    let log = t.app.store.stock_log(Some("green-tea-50")).unwrap();
    assert_eq!(
        (
            log[0].before,
            log[0].after,
            log[0].reason.as_str(),
            log[0].by.as_str()
        ),
        (0, 12, "进货", "boss")
    );
    // Images: two at once.
    let csrf = o.csrf(&t).await;
    let img2 = puzi::qr::png("https://example.com/b", 2).unwrap();
    let body = multipart_body("BoUnDaRy", &csrf, &[("a.png", &png()), ("b.png", &img2)]);
    let r = upload_images(&t, &o, body.clone()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(image_count(&t, "green-tea"), 2);
    // A truncated upload and a non-image change nothing.
    let cut = body[..body.len() - 30].to_vec();
    let r = upload_images(&t, &o, cut).await;
    assert_eq!(r.status(), 400);
    let bad = multipart_body("BoUnDaRy", &csrf, &[("x.svg", b"<svg onload=alert(1)>")]);
    let r = upload_images(&t, &o, bad).await;
    assert_eq!(r.status(), 400);
    assert_eq!(image_count(&t, "green-tea"), 2);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_csv_round_trips_and_bad_files_change_nothing() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let csv =
        o.c.get(t.url("/admin/catalog.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.starts_with("product_id,category,name"));
    let before: Vec<_> = t.app.store.products().unwrap();
    // Import what was exported: nothing changes.
    let r = o
        .post(&t, "/admin/catalog.csv", &[("csv", csv.as_str())])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(t.app.store.products().unwrap(), before);
    // A change of price and stock through CSV.
    let changed = csv.replacen(
        "longjing-50g,50 克,68.00,40",
        "longjing-50g,50 克,70.00,41",
        1,
    );
    assert_ne!(changed, csv);
    o.post(&t, "/admin/catalog.csv", &[("csv", changed.as_str())])
        .await;
    assert_eq!(
        t.app.store.product("longjing").unwrap().unwrap().variants[0].price,
        puzi::money::Money(7000)
    );
    assert_eq!(t.app.store.stock("longjing-50g").unwrap(), 41);
    assert_eq!(
        t.app.store.stock_log(Some("longjing-50g")).unwrap()[0].reason,
        "CSV import"
    );
    // One bad row: nothing imported.
    let broken = format!("{changed}bad id,tea,X,sku-x,oops,1,true,false,0,\n");
    let r = o
        .post(&t, "/admin/catalog.csv", &[("csv", broken.as_str())])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("line"));
    assert!(t.app.store.sku("sku-x").unwrap().is_none());
    t.stop().await;
}

async fn paid_order(t: &TestApp) -> OrderNo {
    // A shopper orders and pays through the sandbox (same steps as the payment tests).
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 2).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "阿珍", None).await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Paid
    );
    no
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_are_filtered_shipped_with_a_delivery_message_refunded_and_exported() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let no = paid_order(&t).await;
    let (_, list) = get_text(&o.c, &t.url("/admin/orders?state=paid&q=13800138000")).await;
    assert!(list.contains(no.as_str()));
    let (_, none) = get_text(&o.c, &t.url("/admin/orders?state=shipped")).await;
    assert!(!none.contains(no.as_str()));
    let (_, detail) = get_text(&o.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(
        detail.contains("上海市徐汇区") && detail.contains("paid"),
        "timeline and address"
    );
    // Ship: the order moves and the message reaches the shopper's phone.
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("courier", "顺丰"), ("tracking_no", "SF1234567890")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let order = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(order.state, OrderState::Shipped);
    let out = t.app.store.outbox().unwrap();
    assert_eq!(out[0].state, puzi::store::OutboxState::Sent);
    let (_, phone) = get_text(&client(), &t.url("/sandbox/phone")).await;
    assert!(phone.contains("SF1234567890") && phone.contains(no.as_str()));
    let (_, detail) = get_text(&o.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(detail.contains("msg-sent"));
    // Refund part of it.
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{no}/refund"),
            &[
                ("amount", "10.00"),
                ("reason", "破损补偿"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let order = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(order.refunds[0].amount, puzi::money::Money(1000));
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{no}/refund"),
            &[("amount", "999.00"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 422, "more than was paid");
    // CSV for bookkeeping.
    let csv =
        o.c.get(t.url("/admin/orders.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.contains(no.as_str()) && csv.contains("SF1234567890") && csv.contains("118.00"));
    // The dashboard counts it.
    let (_, dash) = get_text(&o.c, &t.url("/admin")).await;
    assert!(
        dash.contains("id=\"today-orders\">1<"),
        "{}",
        &dash[..200.min(dash.len())]
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_retries_until_wechat_accepts() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let no = paid_order(&t).await;
    // Make WeChat refuse: the shopper's openid is unknown to the Official Account.
    t.app
        .store
        .update_order(&no, 0, |ord, _| -> Result<(), puzi::store::StoreError> {
            // The order belongs to the openid that paid it (issue 13): both say so.
            ord.attempts[0].openid = "oNotAFollowerYet".into();
            ord.openid = Some("oNotAFollowerYet".into());
            Ok(())
        })
        .unwrap();
    o.post(
        &t,
        &format!("/admin/orders/{no}/ship"),
        &[("courier", "EMS"), ("tracking_no", "E1")],
    )
    .await;
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().state,
        OrderState::Shipped,
        "shipping is never blocked"
    );
    let e = &t.app.store.outbox().unwrap()[0];
    assert_eq!((e.state.as_str(), e.attempts), ("pending", 1));
    assert!(e.last_error.as_deref().unwrap().contains("40003"));
    // Not before the backoff.
    t.app.fulfilment.deliver_outbox().await.unwrap();
    assert_eq!(t.app.store.outbox().unwrap()[0].attempts, 1);
    // WeChat would accept now: point the message at a real follower.
    let mut e = t.app.store.outbox().unwrap()[0].clone();
    e.payload["touser"] = puzi::sandbox::openid(&t.app.wechat.appid, "阿珍").into();
    t.app.store.put_outbox(&e).unwrap();
    t.app.clock.advance(puzi::fulfilment::OUTBOX_BACKOFF[0]);
    assert_eq!(t.app.fulfilment.deliver_outbox().await.unwrap(), 1);
    let e = &t.app.store.outbox().unwrap()[0];
    assert_eq!((e.state.as_str(), e.attempts), ("sent", 2));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qr_codes_decode_back_to_the_product_url() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let png =
        o.c.get(t.url("/admin/qr/longjing.png?ch=booth"))
            .send()
            .await
            .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(
        crate::qr::decode_png(&bytes),
        format!("{}/p/longjing?ch=booth", t.app.base_url)
    );
    let svg =
        o.c.get(t.url("/admin/qr/longjing.svg"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(svg.contains("<svg"));
    let (s, sheet) = get_text(&o.c, &t.url("/admin/qr-sheet?ch=article-0315")).await;
    assert_eq!(s, 200);
    assert!(sheet.contains("/p/longjing?ch=article-0315") && sheet.matches("<svg").count() >= 9);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_show_console_strings_and_checks() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (_, page) = get_text(&o.c, &t.url("/admin/settings")).await;
    assert!(page.contains(&format!("{}/pay/", t.app.base_url)));
    assert!(page.contains(&format!("{}/wechat/notify/pay", t.app.base_url)));
    assert!(
        !page.contains(&t.sandbox().keys().manifest.apiv3_key),
        "no secrets in the config view"
    );
    let r = o.post(&t, "/admin/settings/check", &[]).await;
    let body = r.text().await.unwrap();
    assert!(body.contains("微信验证了我们的签名"), "the live check ran");
    t.stop().await;
}
