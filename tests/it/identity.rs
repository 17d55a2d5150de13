//! Issue 13: the shopper is their openid, signed order links, the order page's story and
//! the address book — over HTTP against the sandbox.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::order::{OrderNo, OrderState};
use std::collections::HashMap;

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Follows a redirect to the sandbox's OAuth page, approves as `persona`, and returns the
/// shop's redirect after the OAuth return (where the shopper was going).
async fn oauth_as(t: &TestApp, c: &reqwest::Client, authorize: &str, persona: &str) -> String {
    assert!(authorize.contains("oauth2/authorize"), "{authorize}");
    assert!(
        authorize.contains("scope=snsapi_base"),
        "silent OAuth: {authorize}"
    );
    let r = approve_oauth(t, c, authorize, persona).await;
    assert_eq!(r.status(), 303, "the OAuth return sends the shopper on");
    location(&r)
}

/// A cart with one item and the checkout form posted; the order number.
async fn place(t: &TestApp, c: &reqwest::Client, form: &[(&str, &str)]) -> OrderNo {
    add_to_cart(c, t, "stoneware-mug-white", 1).await;
    let (status, loc, body) = checkout(c, t, form).await;
    assert_eq!(status, 303, "{body}");
    OrderNo::parse(placed_no(&loc.unwrap())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_openid_sees_the_same_orders_in_every_session() {
    let t = TestApp::start().await;
    // Placed in a plain browser, before any OAuth: the order belongs to the session only.
    let a = client();
    let no = place(&t, &a, &GOOD_FORM).await;
    assert_eq!(t.app.store.order(&no).unwrap().unwrap().openid, None);
    // Paying it (the sandbox cashier runs OAuth as 阿珍): the attempt carries her openid,
    // and the order joins it.
    pay_in_sandbox(&t, &a, &no, "阿珍", None).await;
    let o = t.app.store.order(&no).unwrap().unwrap();
    let azhen = o.jsapi_attempt().unwrap().openid.clone();
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.openid.as_deref(), Some(azhen.as_str()));
    assert_eq!(
        t.app.store.orders_of_openid(&azhen).unwrap(),
        vec![no.clone()]
    );

    // Another phone inside WeChat: "my orders" first learns who this is, silently.
    let b = wechat_client();
    let r = b.get(t.url("/orders")).send().await.unwrap();
    assert_eq!(
        r.status(),
        302,
        "silent OAuth before the shopper's own things"
    );
    let back = oauth_as(&t, &b, &location(&r), "阿珍").await;
    assert_eq!(back, "/orders");
    let (s, page) = get_text(&b, &t.url("/orders")).await;
    assert_eq!(s, 200);
    assert!(page.contains(no.as_str()), "her order on her other phone");
    let (s, _) = get_text(&b, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    // An order she places there belongs to her openid from the start.
    let second = place(&t, &b, &GOOD_FORM).await;
    assert_eq!(
        t.app
            .store
            .order(&second)
            .unwrap()
            .unwrap()
            .openid
            .as_deref(),
        Some(azhen.as_str())
    );
    let (_, page) = get_text(&a, &t.url("/orders")).await;
    assert!(page.contains(second.as_str()) && page.contains(no.as_str()));

    // Someone else in WeChat sees neither, and her order number is "not found" for them.
    let c = wechat_client();
    let r = c.get(t.url(&format!("/orders/{no}"))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = oauth_as(&t, &c, &location(&r), "小林").await;
    assert_eq!(back, format!("/orders/{no}"));
    let (s, _) = get_text(&c, &t.url(&back)).await;
    assert_eq!(s, 404, "someone else's order number");
    let (_, page) = get_text(&c, &t.url("/orders")).await;
    assert!(!page.contains(no.as_str()) && !page.contains(second.as_str()));
    let r = c
        .post(t.url(&format!("/orders/{no}/received")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Outside WeChat nothing changes: a fresh browser is its own session, with no OAuth.
    let d = client();
    let r = d.get(t.url("/orders")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.unwrap().contains(no.as_str()));
}

/// The link in a message, the way a shopper meets it: the signed URL the shop handed out.
fn signed_path(url: &str) -> String {
    let i = url.find("/orders/").or_else(|| url.find("/pay/")).unwrap();
    url[i..].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_delivery_message_link_opens_the_order_in_a_fresh_session() {
    let t = TestApp::start_tuned(|c| {
        c.wechat.shipped_template_id = Some("TPL-SHIPPED".into());
    })
    .await;
    let owner = setup_owner(&t).await;
    let a = client();
    let no = place(&t, &a, &GOOD_FORM).await;
    pay_in_sandbox(&t, &a, &no, "阿珍", None).await;
    let r = owner
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("courier", "顺丰"), ("tracking_no", "SF1234567890")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let entry = t
        .app
        .store
        .outbox()
        .unwrap()
        .pop()
        .expect("the delivery message");
    let url = entry.payload["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&t.app.base_url) && url.contains("?t="),
        "{url}"
    );
    let path = signed_path(&url);

    // A fresh browser (another phone, no cookie): the link opens that one order.
    let b = client();
    let r = b.get(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/orders/{no}"), "the clean URL");
    let (s, page) = get_text(&b, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("SF1234567890"));
    // Only that one order.
    let (_, list) = get_text(&b, &t.url("/orders")).await;
    assert!(!list.contains("SF1234567890"));

    // Opened inside WeChat by her, after silent OAuth: her order, in her session too.
    let w = wechat_client();
    let r = w.get(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = oauth_as(&t, &w, &location(&r), "阿珍").await;
    assert_eq!(back, path, "back to the link itself");
    let r = w.get(t.url(&back)).send().await.unwrap();
    assert_eq!(location(&r), format!("/orders/{no}"));
    let (_, list) = get_text(&w, &t.url("/orders")).await;
    assert!(list.contains(no.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_links_are_not_found_and_expired_ones_say_so() {
    let t = TestApp::start().await;
    let a = client();
    let no = place(&t, &a, &GOOD_FORM).await;
    let other = place(&t, &client(), &as_form(&shopper_form(7))).await;
    let good = t.app.links.order_path(&no, t.app.clock.unix());
    let token = good.split_once("?t=").unwrap().1.to_string();
    let (expiry, mac) = token.split_once('.').unwrap();
    let flipped = format!(
        "{expiry}.{}{}",
        &mac[..mac.len() - 1],
        if mac.ends_with('0') { '1' } else { '0' }
    );
    let longer = format!("{}.{mac}", expiry.parse::<i64>().unwrap() + 86_400);
    for bad in [
        format!("/orders/{no}?t={flipped}"),
        format!("/orders/{no}?t={longer}"),
        format!("/orders/{no}?t="),
        format!("/orders/{no}?t=garbage"),
        // A genuine token, on someone else's order number.
        format!("/orders/{other}?t={token}"),
        format!("/pay/{other}?t={token}"),
    ] {
        let b = client();
        let r = b.get(t.url(&bad)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{bad}");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "nothing kept: {bad}"
        );
        let page = r.text().await.unwrap();
        assert!(
            !page.contains(other.as_str()) && !page.contains("?t="),
            "{bad}"
        );
    }
    assert_eq!(
        t.app.store.session_count().unwrap(),
        2,
        "the two shoppers only"
    );

    // The app's clock past the link's days: it says so and points to "my orders".
    let days = t.app.config.shop.order_link_days;
    assert_eq!(days, 30, "the default");
    t.app.clock.advance(i64::from(days) * 86_400);
    let b = client();
    let r = b.get(t.url(&good)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(page.contains("链接已过期"), "{page}");
    assert!(page.contains("href=\"/orders\""));
    assert!(!page.contains(no.as_str()), "nothing of the order");
    // A fresh link works again.
    let fresh = t.app.links.order_path(&no, t.app.clock.unix());
    let r = b.get(t.url(&fresh)).send().await.unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_qr_handoff_opens_the_cashier_in_wechat_and_gives_the_order_to_the_scanner() {
    let t = TestApp::start().await;
    let a = client();
    let no = place(&t, &a, &GOOD_FORM).await;
    // Outside WeChat, with OAuth declined: the cashier shows a QR code to scan in WeChat.
    let (s, page) = get_text(&a, &t.url(&format!("/pay/{no}?noauth=1"))).await;
    assert_eq!(s, 200);
    let url = decode_svg_qr(&page);
    assert!(
        url.starts_with(&format!("{}/pay/{no}?t=", t.app.base_url)),
        "{url}"
    );
    // Scanned with WeChat: a fresh session, silent OAuth, then the cashier.
    let w = wechat_client();
    let r = w.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = oauth_as(&t, &w, &location(&r), "小王").await;
    let r = w.get(t.url(&back)).send().await.unwrap();
    assert_eq!(location(&r), format!("/pay/{no}"));
    let (s, page) = get_text(&w, &t.url(&format!("/pay/{no}"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("pay-button"));
    // The order had no owner: it is now the scanner's, on every phone of theirs.
    let xw = t
        .app
        .store
        .order(&no)
        .unwrap()
        .unwrap()
        .openid
        .expect("an owner");
    assert_eq!(t.app.store.orders_of_openid(&xw).unwrap(), vec![no.clone()]);
    let other_phone = wechat_client();
    let r = other_phone.get(t.url("/orders")).send().await.unwrap();
    oauth_as(&t, &other_phone, &location(&r), "小王").await;
    let (_, list) = get_text(&other_phone, &t.url("/orders")).await;
    assert!(list.contains(no.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_order_page_tells_the_story_with_tracking_and_a_partial_refund() {
    let t = TestApp::start().await;
    // The countdown is asserted to the second: only the seconds the test moves pass.
    t.app.clock.freeze();
    let owner = setup_owner(&t).await;
    let a = client();
    let no = place(&t, &a, &GOOD_FORM).await;
    // Unpaid: the countdown to closing, rendered by the server, and the pay button.
    let created = t.app.store.order(&no).unwrap().unwrap().created_at;
    let (_, page) = get_text(&a, &t.url(&format!("/orders/{no}"))).await;
    let deadline = created + 15 * 60;
    assert!(
        page.contains(&format!("data-deadline=\"{deadline}\"")),
        "{page}"
    );
    assert!(page.contains("15:00"), "time left at first render");
    assert!(page.contains(&format!("href=\"/pay/{no}\"")));
    pay_in_sandbox(&t, &a, &no, "阿珍", None).await;
    for (path, f) in [
        (
            "ship",
            vec![("carrier", "SF"), ("tracking_no", "SF1234567890")],
        ),
        (
            "refund",
            vec![
                ("amount", "10.00"),
                ("reason", "杯口破损补偿"),
                ("confirm", "1"),
            ],
        ),
    ] {
        let r = owner
            .post(&t, &format!("/admin/orders/{no}/{path}"), &f)
            .await;
        assert_eq!(r.status(), 303, "{path}");
    }
    let (s, page) = get_text(&a, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    let story = &page[page.find("id=\"story\"").expect("the story")..];
    let at = |needle: &str| {
        story
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {story}"))
    };
    // In order: placed, paid, shipped (carrier, tracking number with a copy button), refund.
    assert!(at("已下单") < at("已付款"));
    assert!(at("已付款") < at("已发货"));
    assert!(at("顺丰") < at("SF1234567890"));
    assert!(story.contains("data-copy=\"SF1234567890\""));
    assert!(
        story.contains(
            "href=\"https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890\""
        ),
        "the carrier's tracking page"
    );
    assert!(story.contains("查看物流"));
    assert!(at("已发货") < at("退款 ¥10.00"));
    assert!(story.contains("杯口破损补偿"));
    assert!(story.contains("退款处理中"), "the refund's status in words");
    assert!(!page.contains("id=\"countdown\""), "paid: no countdown");
    // Received.
    let r = a
        .post(t.url(&format!("/orders/{no}/received")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = get_text(&a, &t.url(&format!("/orders/{no}"))).await;
    assert!(page.contains("已确认收货"));
    // The list: the first item's picture, the date and the state.
    let (_, list) = get_text(&a, &t.url("/orders")).await;
    assert!(list.contains("<img src=\"/img/"), "{list}");
    assert!(list.contains("已完成"));
}

#[tokio::test(flavor = "multi_thread")]
async fn checkout_keeps_an_address_book_with_checked_region_codes() {
    let t = TestApp::start().await;
    let a = client();
    add_to_cart(&a, &t, "stoneware-mug-white", 1).await;
    let (s, page) = get_text(&a, &t.url("/checkout")).await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"province\"") && page.contains("广东省"));
    // The selects' script asks for the next choices; unknown codes are not found.
    let cities: serde_json::Value = a
        .get(t.url("/regions/44"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        cities
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "广州市")
    );
    assert_eq!(
        a.get(t.url("/regions/99")).send().await.unwrap().status(),
        404
    );
    // Without JS: "update the choices" re-renders with the province's cities, places nothing.
    let mut form = vec![
        ("name", "张三"),
        ("mobile", "13800138000"),
        ("province", "44"),
        ("city", ""),
        ("district", ""),
        ("street", "天河路 1 号"),
        ("note", ""),
    ];
    let mut refresh = form.clone();
    refresh.push(("refresh", "1"));
    let (s, _, page) = checkout(&a, &t, &refresh).await;
    assert_eq!(s, 200);
    assert!(page.contains("value=\"4401\"") && page.contains("广州市"));
    // Codes that do not exist, or do not nest (北京's 东城区 under 广州): a clear message,
    // nothing placed, the cart kept.
    for (p, c, d) in [
        ("99", "9901", "990101"),
        ("44", "4401", "110101"),
        ("11", "4401", "440106"),
    ] {
        form[2..5].copy_from_slice(&[("province", p), ("city", c), ("district", d)]);
        let (s, loc, page) = checkout(&a, &t, &form).await;
        assert_eq!((s, loc), (422, None), "{p}/{c}/{d}");
        assert!(page.contains("所选地区不存在"), "{page}");
    }
    form[2..5].copy_from_slice(&[("province", "44"), ("city", "4401"), ("district", "")]);
    let (s, _, page) = checkout(&a, &t, &form).await;
    assert_eq!(s, 422);
    assert!(page.contains("请选择区县"));
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    // A good address: the order has it whole and in parts, and the book keeps it.
    form[2..5].copy_from_slice(&[("province", "44"), ("city", "4401"), ("district", "440106")]);
    let no = place(&t, &a, &form).await;
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.recipient.address, "广东省 广州市 天河区 天河路 1 号");
    let parts = o.recipient.parts.clone().expect("structured");
    assert_eq!(
        (parts.district.as_str(), parts.street.as_str()),
        ("440106", "天河路 1 号")
    );
    // Next time: pre-filled with it (the default: the first one).
    add_to_cart(&a, &t, "stoneware-mug-white", 1).await;
    let (_, page) = get_text(&a, &t.url("/checkout")).await;
    assert!(page.contains("广东省 广州市 天河区 天河路 1 号"));
    assert!(page.contains("name=\"addr\" value=\"1\" checked"), "{page}");
    assert!(page.contains("value=\"张三\""));
    // A second address, made the default.
    let second = [
        ("addr", "new"),
        ("name", "李四"),
        ("mobile", "13900139000"),
        ("province", "11"),
        ("city", "1101"),
        ("district", "110101"),
        ("street", "王府井 2 号"),
        ("make_default", "1"),
        ("note", ""),
    ];
    place(&t, &a, &second).await;
    add_to_cart(&a, &t, "stoneware-mug-white", 1).await;
    let (_, page) = get_text(&a, &t.url("/checkout")).await;
    assert!(
        page.contains("name=\"addr\" value=\"2\" checked"),
        "the new default"
    );
    assert!(page.contains("北京市 东城区 王府井 2 号"));
    // Someone else's (or no) saved address: refused, nothing placed.
    let before = t.app.store.order_count().unwrap();
    let (s, _, page) = checkout(&a, &t, &[("addr", "9"), ("note", "")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("找不到这个地址"));
    assert_eq!(t.app.store.order_count().unwrap(), before);
    // Picking the first saved one.
    let picked = place(&t, &a, &[("addr", "1"), ("note", "")]).await;
    let newest = t.app.store.order(&picked).unwrap().unwrap();
    assert_eq!(newest.recipient.name, "张三");
    assert_eq!(newest.recipient.address, "广东省 广州市 天河区 天河路 1 号");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cart_follows_the_shopper_across_phones() {
    let t = TestApp::start().await;
    let cart_of = |c: reqwest::Client| {
        let url = t.url("/cart");
        async move { get_text(&c, &url).await.1 }
    };
    // Phone A inside WeChat learns who this is, then fills the cart.
    let a = wechat_client();
    let r = a.get(t.url("/orders")).send().await.unwrap();
    oauth_as(&t, &a, &location(&r), "阿珍").await;
    assert_eq!(
        add_to_cart(&a, &t, "stoneware-mug-white", 2).await.status(),
        303
    );
    // Phone B puts something in its cart before it knows her; once OAuth says who she is,
    // the two carts are one, on both phones.
    let b = wechat_client();
    add_to_cart(&b, &t, "longjing-50g", 1).await;
    let r = b.get(t.url("/orders")).send().await.unwrap();
    oauth_as(&t, &b, &location(&r), "阿珍").await;
    for phone in [&a, &b] {
        let page = cart_of(phone.clone()).await;
        assert!(
            page.contains("粗陶马克杯") && page.contains("明前龙井"),
            "{page}"
        );
    }
    // Someone else's cart is their own.
    let c = wechat_client();
    let r = c.get(t.url("/orders")).send().await.unwrap();
    oauth_as(&t, &c, &location(&r), "小林").await;
    let page = cart_of(c.clone()).await;
    assert!(!page.contains("粗陶马克杯") && !page.contains("明前龙井"));
    // A change on one phone is the cart on the other; checking out on B empties both.
    c.post(t.url("/cart/remove"))
        .form(&[("sku", "longjing-50g")])
        .send()
        .await
        .unwrap();
    a.post(t.url("/cart/remove"))
        .form(&[("sku", "longjing-50g")])
        .send()
        .await
        .unwrap();
    let page = cart_of(b.clone()).await;
    assert!(page.contains("粗陶马克杯") && !page.contains("明前龙井"));
    let (status, _, body) = checkout(&b, &t, &GOOD_FORM).await;
    assert_eq!(status, 303, "{body}");
    for phone in [&a, &b] {
        assert!(!cart_of(phone.clone()).await.contains("粗陶马克杯"));
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn placing_an_order_goes_straight_to_the_cashier_which_opens_the_sheet() {
    let t = TestApp::start().await;
    let c = wechat_client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (status, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let loc = loc.unwrap();
    let no = placed_no(&loc).to_string();
    assert_eq!(loc, format!("/pay/{no}?go=1"));
    // The first visit learns who this is; the way back keeps "open the sheet at once".
    let r = c.get(t.url(&loc)).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = oauth_as(&t, &c, &location(&r), "阿珍").await;
    assert_eq!(back, loc);
    let (s, page) = get_text(&c, &t.url(&back)).await;
    assert_eq!(s, 200);
    assert!(page.contains("data-auto=\"1\""), "{page}");
    // A later visit to the cashier (from the order page) waits for the tap.
    let (_, page) = get_text(&c, &t.url(&format!("/pay/{no}"))).await;
    assert!(!page.contains("data-auto"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_address_book_page_makes_a_default_and_deletes_after_asking() {
    let t = TestApp::start().await;
    let c = client();
    let form = |street: &'static str, default: bool| {
        let mut f = vec![
            ("name", "阿珍"),
            ("mobile", "13800138000"),
            ("province", "31"),
            ("city", "3101"),
            ("district", "310104"),
            ("street", street),
            ("note", ""),
        ];
        if default {
            // A checkbox: sent only when ticked.
            f.push(("make_default", "1"));
        }
        f
    };
    for (street, default) in [("漕溪北路 1 号", true), ("虹桥路 2 号", false)] {
        add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
        let (s, _, body) = checkout(&c, &t, &form(street, default)).await;
        assert_eq!(s, 303, "{body}");
    }
    let (s, page) = get_text(&c, &t.url("/addresses")).await;
    assert_eq!(s, 200);
    let entry = |page: &str, street: &str| -> String {
        let at = page
            .find(street)
            .unwrap_or_else(|| panic!("{street} in {page}"));
        let start = page[..at].rfind("<li").unwrap();
        let end = at + page[at..].find("</li>").unwrap();
        page[start..end].to_string()
    };
    assert!(
        entry(&page, "漕溪北路").contains("class=\"tag\""),
        "the first is the default"
    );
    assert!(!entry(&page, "虹桥路").contains("class=\"tag\""));
    let id_of = |li: &str| -> String {
        let at = li.find("data-id=\"").unwrap() + 9;
        li[at..at + li[at..].find('"').unwrap()].to_string()
    };
    let second = id_of(&entry(&page, "虹桥路"));
    // Make the second the default: checkout pre-fills it from now on.
    let r = c
        .post(t.url(&format!("/addresses/{second}/default")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "back to the list");
    let (_, page) = get_text(&c, &t.url("/addresses")).await;
    assert!(entry(&page, "虹桥路").contains("class=\"tag\""));
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (_, co) = get_text(&c, &t.url("/checkout")).await;
    assert!(co.contains("虹桥路 2 号"), "pre-filled with the default");
    // Deleting asks first; the question names nothing else and changes nothing.
    let (_, ask) = get_text(&c, &t.url(&format!("/addresses?delete={second}"))).await;
    assert!(ask.contains("删除这个地址？"));
    assert!(ask.contains(&format!("action=\"/addresses/{second}/delete\"")));
    let (_, page) = get_text(&c, &t.url("/addresses")).await;
    assert!(page.contains("虹桥路"));
    c.post(t.url(&format!("/addresses/{second}/delete")))
        .send()
        .await
        .unwrap();
    let (_, page) = get_text(&c, &t.url("/addresses")).await;
    assert!(!page.contains("虹桥路"), "deleted");
    assert!(
        entry(&page, "漕溪北路").contains("class=\"tag\""),
        "the other is the default again"
    );
    // Someone else's session has its own (empty) book; an unknown id is not found.
    let other = client();
    let (_, page) = get_text(&other, &t.url("/addresses")).await;
    assert!(!page.contains("漕溪北路"));
    let r = c.post(t.url("/addresses/999/delete")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

/// A shop in live mode whose WeChat is another shop's sandbox (WeChat's wire format over
/// HTTP, its own keys): the shop's live OAuth client (authorize URL, code exchange at
/// `sns_base`) gives a shopper the same orders on two phones.
#[tokio::test(flavor = "multi_thread")]
async fn live_mode_the_same_wechat_user_sees_the_same_orders_on_two_phones() {
    let wx = TestApp::start().await;
    let k: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wx.data.join("sandbox/sandbox.json")).unwrap(),
    )
    .unwrap();
    let s = |key: &str| k[key].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg =
        puzi::config::Config::demo(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
    // The public URL is https as live mode requires; the test stands in for the browser
    // that follows WeChat's redirect to it.
    const PUBLIC: &str = "https://shop.example";
    cfg.shop.base_url = Some(PUBLIC.into());
    let sandbox = format!("http://{}/sandbox", wx.addr);
    let w = &mut cfg.wechat;
    w.mode = puzi::config::WechatMode::Live;
    w.appid = Some(s("appid"));
    w.app_secret = Some(puzi::config::Secret::new(s("app_secret")));
    w.mchid = Some(s("mchid"));
    w.merchant_serial_no = Some(s("merchant_serial_no"));
    w.merchant_key_file = Some(wx.data.join("sandbox/apiclient_key.pem"));
    w.apiv3_key = Some(puzi::config::Secret::new(s("apiv3_key")));
    w.public_key_id = Some(s("public_key_id"));
    w.public_key_file = Some(wx.data.join("sandbox/pub_key.pem"));
    w.platform_certificates = false;
    w.api_base = sandbox.clone();
    w.oauth_base = sandbox.clone();
    w.sns_base = sandbox.clone();
    let t = TestApp::start_with(cfg, true).await;
    assert!(t.app.sandbox.is_none(), "live mode");

    // Phone A in WeChat: "my orders" first asks WeChat who this is.
    let signed_in = |c: reqwest::Client, persona: &'static str| {
        let (t, wx, sandbox) = (&t, &wx, &sandbox);
        async move {
            let r = c.get(t.url("/orders")).send().await.unwrap();
            assert_eq!(r.status(), 302, "silent OAuth first");
            let authorize = location(&r).replace("#wechat_redirect", "");
            assert!(authorize.starts_with(&format!("{sandbox}/connect/oauth2/authorize?")));
            let q: HashMap<String, String> =
                form_urlencoded::parse(authorize.split_once('?').unwrap().1.as_bytes())
                    .into_owned()
                    .collect();
            assert_eq!(q["redirect_uri"], format!("{PUBLIC}/wechat/oauth"));
            // WeChat (the other shop's sandbox) approves and sends the browser back.
            let r = c
                .post(wx.url("/sandbox/connect/oauth2/approve"))
                .form(&[
                    ("appid", q["appid"].as_str()),
                    ("redirect_uri", q["redirect_uri"].as_str()),
                    ("state", q["state"].as_str()),
                    ("persona", persona),
                ])
                .send()
                .await
                .unwrap();
            let back = location(&r).replace(PUBLIC, &format!("http://{}", t.addr));
            let r = c.get(back).send().await.unwrap();
            assert_eq!(r.status(), 303, "the code exchanged at sns_base");
            assert_eq!(location(&r), "/orders");
        }
    };
    let a = wechat_client();
    signed_in(a.clone(), "阿珍").await;
    let no = place(&t, &a, &GOOD_FORM).await;
    let openid = t.app.store.order(&no).unwrap().unwrap().openid;
    assert!(openid.is_some(), "placed after OAuth: hers from the start");
    // Phone B, the same WeChat user: the same order. Someone else: not theirs.
    let b = wechat_client();
    signed_in(b.clone(), "阿珍").await;
    let (_, page) = get_text(&b, &t.url("/orders")).await;
    assert!(page.contains(no.as_str()), "her order on her other phone");
    let c = wechat_client();
    signed_in(c.clone(), "小林").await;
    let (_, page) = get_text(&c, &t.url("/orders")).await;
    assert!(!page.contains(no.as_str()));
    assert_eq!(get_text(&c, &t.url(&format!("/orders/{no}"))).await.0, 404);
    t.stop().await;
    wx.stop().await;
}

/// Another WeChat user signing in on the same browser does not take the first one's cart,
/// and the first one finds it again on their own phone.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_wechat_user_on_one_browser_gets_their_own_cart() {
    let t = TestApp::start().await;
    let s = &t.app.store;
    let qty = puzi::catalog::Quantity::new(2).unwrap();
    s.update_session("browser", 1, |sess| {
        sess.openid = Some("oA".into());
        sess.cart.add("longjing-50g", qty);
    })
    .unwrap();
    s.update_session("phone-of-b", 1, |sess| {
        sess.openid = Some("oB".into());
        sess.cart.add("stoneware-mug-white", qty);
    })
    .unwrap();
    // B signs in on A's browser.
    s.update_session("browser", 2, |sess| sess.openid = Some("oB".into()))
        .unwrap();
    let skus = |id: &str| -> Vec<String> {
        s.session(id)
            .unwrap()
            .unwrap()
            .cart
            .lines
            .iter()
            .map(|l| l.sku.clone())
            .collect()
    };
    assert_eq!(skus("browser"), vec!["stoneware-mug-white"], "B's own cart");
    assert_eq!(skus("phone-of-b"), vec!["stoneware-mug-white"]);
    s.update_session("a-phone", 3, |sess| sess.openid = Some("oA".into()))
        .unwrap();
    assert_eq!(skus("a-phone"), vec!["longjing-50g"], "A's cart kept for A");
    t.stop().await;
}
