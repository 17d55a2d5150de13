//! After-sales over HTTP (issue 13 items 6–8): a shopper asks for a refund of some lines
//! with a photo, the owner approves it after a confirmation and the refund settles, or
//! declines it with a reason; shipping is held while a request waits; bad input is
//! refused with a clear message and changes nothing.

use crate::admin::{Owner, setup_owner};
use crate::support::*;
use puzi::order::{AftersalesStatus, OrderNo, OrderState, RefundStatus};
use puzi::store::{OutboxKind, OutboxState};

const MUG: &str = "stoneware-mug-white";
const TEA: &str = "dianhong-100g";

/// The smallest PNG signature plus a few bytes (the shop checks the magic number).
fn png(tag: u8) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[tag; 32]);
    v
}

/// A multipart body (boundary `AsBoUnDaRy`): fields, then `photos` files.
fn multipart(fields: &[(&str, &str)], photos: &[&[u8]]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--AsBoUnDaRy\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (i, p) in photos.iter().enumerate() {
        b.extend_from_slice(format!("--AsBoUnDaRy\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"p{i}.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
        b.extend_from_slice(p);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(b"--AsBoUnDaRy--\r\n");
    b
}

/// Posts the request form of order `no`; returns the status and the page (or Location).
async fn ask(
    t: &TestApp,
    c: &reqwest::Client,
    no: &OrderNo,
    fields: &[(&str, &str)],
    photos: &[&[u8]],
) -> (u16, String) {
    let r = c
        .post(t.url(&format!("/orders/{no}/aftersales")))
        .header("content-type", "multipart/form-data; boundary=AsBoUnDaRy")
        .body(multipart(fields, photos))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, loc.unwrap_or(body))
}

/// An order of two mugs and one tea, placed and paid by a fresh shopper.
async fn paid_order(t: &TestApp) -> (reqwest::Client, OrderNo) {
    let c = client();
    add_to_cart(&c, t, MUG, 2).await;
    add_to_cart(&c, t, TEA, 1).await;
    let (_, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, "阿珍", None).await;
    assert_eq!(order(t, &no).state, OrderState::Paid);
    (c, no)
}

fn order(t: &TestApp, no: &OrderNo) -> puzi::order::Order {
    t.app.store.order(no).unwrap().unwrap()
}

fn messages(t: &TestApp, no: &OrderNo) -> Vec<puzi::store::OutboxEntry> {
    t.app
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.order == no.as_str() && e.kind == OutboxKind::Aftersales)
        .collect()
}

async fn owner_post(t: &TestApp, o: &Owner, path: &str, f: &[(&str, &str)]) -> (u16, String) {
    let r = o.post(t, path, f).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_for_some_lines_is_approved_and_the_refund_settles() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let owner = setup_owner(&t).await;
    let (c, no) = paid_order(&t).await;
    let (s, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"ask-refund\""), "a paid order offers it");
    let (s, form) = get_text(&c, &t.url(&format!("/orders/{no}/aftersales"))).await;
    assert_eq!(s, 200);
    assert!(form.contains("id=\"aftersales-form\"") && form.contains("商品破损"));

    let photo = png(7);
    let qty = format!("qty_{MUG}");
    let (s, loc) = ask(
        &t,
        &c,
        &no,
        &[
            ("scope", "lines"),
            (&qty, "1"),
            ("reason", "damaged"),
            ("note", "杯口有裂纹"),
        ],
        &[&photo],
    )
    .await;
    assert_eq!(s, 303, "{loc}");
    assert_eq!(loc, format!("/orders/{no}?requested=1"));
    let o = order(&t, &no);
    let r = &o.aftersales[0];
    assert_eq!(r.status, AftersalesStatus::Requested);
    assert_eq!((r.lines.len(), r.lines[0].qty), (1, 1));
    let hash = r.photos[0].clone();
    let mug_price = o.lines.iter().find(|l| l.sku == MUG).unwrap().unit_price;

    // The shopper sees it waiting, with the photo; the photo is theirs and the owner's only.
    let (_, page) = get_text(&c, &t.url(&format!("/orders/{no}?requested=1"))).await;
    assert!(page.contains("申请已提交") && page.contains("等待商家处理"));
    assert!(
        !page.contains("id=\"ask-refund\""),
        "one open request at a time"
    );
    let photo_path = format!("/orders/{no}/aftersales/{hash}");
    let r = c.get(t.url(&photo_path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), photo);
    let stranger = client();
    assert_eq!(
        stranger
            .get(t.url(&photo_path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        stranger
            .get(t.url(&format!("/img/{hash}")))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "not a public product image"
    );

    // The owner: the list with its count, the order's panel with the amount filled in.
    let (s, list) = get_text(&owner.c, &t.url("/admin/aftersales")).await;
    assert_eq!(s, 200);
    assert!(
        list.contains("待处理 1 件") && list.contains(no.as_str()),
        "{list}"
    );
    let (_, detail) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(detail.contains(&format!("value=\"{}\"", mug_price.decimal(o.currency))));
    let admin_photo = format!("/admin/aftersales/{no}/photo/{hash}");
    assert!(detail.contains(&admin_photo));
    let r = owner.c.get(t.url(&admin_photo)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        client()
            .get(t.url(&admin_photo))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "owners only"
    );

    // Approving asks first; nothing is refunded until confirmed.
    let amount = mug_price.decimal(o.currency);
    let path = format!("/admin/aftersales/{no}/approve");
    let (s, confirm) = owner_post(&t, &owner, &path, &[("amount", &amount)]).await;
    assert_eq!(s, 200);
    assert!(confirm.contains("id=\"aftersales-confirm\"") && confirm.contains("name=\"confirm\""));
    assert!(
        order(&t, &no).refunds.is_empty(),
        "not before the confirmation"
    );
    let (s, _) = owner_post(&t, &owner, &path, &[("amount", &amount), ("confirm", "1")]).await;
    assert_eq!(s, 303);
    let o = order(&t, &no);
    assert_eq!(o.aftersales[0].status, AftersalesStatus::Approved);
    assert_eq!(o.refunds.len(), 1);
    assert_eq!(o.refunds[0].amount, mug_price);
    assert_eq!(
        o.refunds[0].status,
        RefundStatus::Processing,
        "sent to WeChat"
    );
    assert_eq!(
        o.aftersales[0].refund_no.as_deref(),
        Some(o.refunds[0].out_refund_no.as_str())
    );
    assert!(
        o.history
            .iter()
            .any(|e| e.kind.to_string() == "aftersales_approved")
    );
    // The shopper's Official Account message went through the outbox.
    let m = messages(&t, &no);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].state, OutboxState::Sent, "{:?}", m[0].last_error);
    assert_eq!(m[0].payload["data"]["phrase2"]["value"], "同意退款");
    let (_, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert!(page.contains("商家已同意退款") && page.contains("退款处理中"));

    // WeChat settles the refund: the request closes, the shopper sees the money back.
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    let o = order(&t, &no);
    assert_eq!(o.refunds[0].status, RefundStatus::Success);
    assert_eq!(o.aftersales[0].status, AftersalesStatus::Closed);
    assert_eq!(
        o.state,
        OrderState::Paid,
        "a partial refund: the rest still ships"
    );
    let (_, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    let section = &page[page.find("id=\"aftersales\"").expect("the section")..];
    assert!(
        section.contains("已处理完毕") && section.contains("已退回"),
        "{section}"
    );
    let (_, detail) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(
        detail.contains("售后退款已到账，申请结束") && !detail.contains("aftersales_closed"),
        "the timeline says it in words"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_request_shows_the_reason_and_shipping_waits_for_the_decision() {
    let t = TestApp::start().await;
    let owner = setup_owner(&t).await;
    let (c, no) = paid_order(&t).await;
    let (s, _) = ask(
        &t,
        &c,
        &no,
        &[("scope", "whole"), ("reason", "changed_mind")],
        &[],
    )
    .await;
    assert_eq!(s, 303);

    // Held: shipping is refused with a clear message and the list marks the order.
    let ship = format!("/admin/orders/{no}/ship");
    let (s, page) = owner_post(
        &t,
        &owner,
        &ship,
        &[("courier", "顺丰"), ("tracking_no", "SF100")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("发货已暂停"), "{page}");
    assert_eq!(order(&t, &no).state, OrderState::Paid);
    assert!(order(&t, &no).shipment.is_none());
    let (_, list) = get_text(&owner.c, &t.url("/admin/orders?state=paid")).await;
    assert!(list.contains("售后中 · 暂停发货"), "to ship shows it held");

    // Declining needs a reason; then the shopper reads it.
    let decline = format!("/admin/aftersales/{no}/decline");
    let (s, page) = owner_post(&t, &owner, &decline, &[("reason", " ")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("请填写拒绝的原因"));
    assert!(order(&t, &no).aftersales_open(), "nothing changed");
    let (s, _) = owner_post(
        &t,
        &owner,
        &decline,
        &[("reason", "商品已拆封使用，不支持无理由退货")],
    )
    .await;
    assert_eq!(s, 303);
    let o = order(&t, &no);
    assert_eq!(o.aftersales[0].status, AftersalesStatus::Declined);
    assert!(o.refunds.is_empty());
    let m = messages(&t, &no);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].payload["data"]["phrase2"]["value"], "未同意");
    let (_, page) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert!(
        page.contains("商家未同意") && page.contains("商品已拆封使用"),
        "{page}"
    );
    assert!(
        page.contains("id=\"ask-refund\""),
        "the shopper may ask again"
    );
    // Decided: it ships.
    let (s, _) = owner_post(
        &t,
        &owner,
        &ship,
        &[("courier", "顺丰"), ("tracking_no", "SF100")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(order(&t, &no).state, OrderState::Shipped);
    // A shipped order can ask too.
    let (s, _) = ask(
        &t,
        &c,
        &no,
        &[("scope", "whole"), ("reason", "quality")],
        &[],
    )
    .await;
    assert_eq!(s, 303);
    t.stop().await;
}

/// Form fields, photos, and what the page must say.
type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a [u8]>, &'static str);

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_refused_with_a_message_and_change_nothing() {
    let t = TestApp::start().await;
    let (c, no) = paid_order(&t).await;
    let qty = format!("qty_{MUG}");
    let good = png(1);
    let mut big = png(2);
    big.resize(2 * 1024 * 1024 + 1, 0);
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let cases: Vec<Case<'_>> = vec![
        (
            vec![
                ("scope", "lines"),
                ("qty_no-such-sku", "1"),
                ("reason", "damaged"),
            ],
            vec![],
            "所选商品不在这个订单里",
        ),
        (
            vec![("scope", "lines"), (&qty, "3"), ("reason", "damaged")],
            vec![],
            "退款数量不能超过购买后尚未退款的数量",
        ),
        (
            vec![("scope", "lines"), (&qty, "0"), ("reason", "damaged")],
            vec![],
            "请选择要退款的商品",
        ),
        (
            vec![("scope", "whole"), ("reason", "")],
            vec![],
            "请选择退款原因",
        ),
        (
            vec![("scope", "whole"), ("reason", "damaged")],
            vec![b"not an image at all"],
            "JPEG、PNG 或 WebP",
        ),
        (
            vec![("scope", "whole"), ("reason", "damaged")],
            vec![&gif],
            "JPEG、PNG 或 WebP",
        ),
        (
            vec![("scope", "whole"), ("reason", "damaged")],
            vec![&big],
            "不能超过 2 MB",
        ),
        (
            vec![("scope", "whole"), ("reason", "damaged")],
            vec![&good, &good, &good, &good],
            "最多上传 3 张",
        ),
    ];
    for (fields, photos, says) in &cases {
        let (s, page) = ask(&t, &c, &no, fields, photos).await;
        assert_eq!(s, 422, "{says}");
        assert!(page.contains(says), "{says}: {page}");
        assert!(
            page.contains("id=\"aftersales-form\""),
            "the form comes back"
        );
        assert!(
            order(&t, &no).aftersales.is_empty(),
            "{says}: nothing changed"
        );
    }
    // Someone else's order is not found.
    let stranger = client();
    let (s, _) = ask(
        &t,
        &stranger,
        &no,
        &[("scope", "whole"), ("reason", "damaged")],
        &[],
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = get_text(&stranger, &t.url(&format!("/orders/{no}/aftersales"))).await;
    assert_eq!(s, 404);
    assert!(order(&t, &no).aftersales.is_empty());
    // A second request while one is open.
    let (s, _) = ask(
        &t,
        &c,
        &no,
        &[("scope", "whole"), ("reason", "damaged")],
        &[&good],
    )
    .await;
    assert_eq!(s, 303);
    let (s, page) = ask(
        &t,
        &c,
        &no,
        &[("scope", "whole"), ("reason", "quality")],
        &[],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("已有一个售后申请在等待商家处理"), "{page}");
    assert_eq!(order(&t, &no).aftersales.len(), 1);
    // An unpaid order cannot ask.
    let c2 = client();
    add_to_cart(&c2, &t, MUG, 1).await;
    let form = shopper_form(7);
    let (_, loc, _) = checkout(&c2, &t, &as_form(&form)).await;
    let unpaid = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    let (s, page) = ask(
        &t,
        &c2,
        &unpaid,
        &[("scope", "whole"), ("reason", "damaged")],
        &[],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("只有已付款或已发货的订单可以申请退款"));
    assert!(order(&t, &unpaid).aftersales.is_empty());
    t.stop().await;
}
