//! The back office a merchant trusts, over HTTP: every page in plain words in both
//! languages (no Debug output, no raw event codes), refunds confirmed before they are
//! made, carriers with tracking links, packing slips, bulk shipping all or nothing,
//! products from one form (generated ids and SKUs, stock, images, reordering, a notice
//! shown once, valid `pattern`s), and the first steps of an empty shop.

use crate::admin::{Owner, setup_owner};
use crate::support::*;
use puzi::order::{OrderNo, OrderState};
use puzi::text::Lang;

/// A paid order of the `i`-th shopper.
async fn paid_order(t: &TestApp, i: usize) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, "stoneware-mug-white", 1).await;
    let form = shopper_form(i);
    let (_, loc, _) = checkout(&c, t, &as_form(&form)).await;
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(t, &c, &no, &format!("顾客{i}"), None).await;
    assert_eq!(state(t, &no), OrderState::Paid);
    no
}

fn state(t: &TestApp, no: &OrderNo) -> OrderState {
    t.app.store.order(no).unwrap().unwrap().state
}

async fn page(o: &Owner, t: &TestApp, path: &str) -> (u16, String) {
    get_text(&o.c, &t.url(path)).await
}

/// A multipart body with text fields and files (field name, file name, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, data) in files {
        b.extend_from_slice(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(b"--XyZ--\r\n");
    b
}

async fn post_multipart(
    o: &Owner,
    t: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    let csrf = o.csrf(t).await;
    let mut f = fields.to_vec();
    f.push(("csrf", &csrf));
    o.c.post(t.url(path))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart(&f, files))
        .send()
        .await
        .unwrap()
}

/// What Rust's `Debug`, JSON or stored codes look like when they leak onto a page.
fn assert_plain(path: &str, html: &str) {
    for leak in [
        "{ ",
        "Some(",
        "None",
        "::",
        "\":",
        "refund_requested",
        "refund_processing",
        "refund_success",
        "query_notpay",
        "prepay_id",
        "transaction_id",
        "out_refund_no",
        "Config {",
        "PendingPayment",
    ] {
        assert!(!html.contains(leak), "{path} shows {leak:?}");
    }
}

async fn every_page_in(lang: Lang) {
    let t = TestApp::start_tuned(|c| c.shop.language = lang).await;
    let o = setup_owner(&t).await;
    let no = paid_order(&t, 1).await;
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{no}/ship"),
            &[("carrier", "SF"), ("tracking_no", "SF1234567890")],
        )
        .await;
    assert_eq!(r.status(), 303);
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
    let other = paid_order(&t, 2).await;
    let order = format!("/admin/orders/{no}");
    let mut pages = vec![
        "/admin".to_string(),
        "/admin/orders".into(),
        order.clone(),
        format!("/admin/orders/{other}"),
        format!("/admin/orders/{other}/slip"),
        "/admin/slips?size=label".into(),
        "/admin/ship-bulk".into(),
        "/admin/products".into(),
        "/admin/products/new".into(),
        "/admin/products/stoneware-mug".into(),
        "/admin/categories".into(),
        "/admin/settings".into(),
    ];
    pages.dedup();
    let mut seen = std::collections::HashMap::new();
    for p in &pages {
        let (s, html) = page(&o, &t, p).await;
        assert_eq!(s, 200, "{p}");
        assert_plain(p, &html);
        seen.insert(p.clone(), html);
    }
    // Pages that answer a form.
    let r = o.post(&t, "/admin/settings/check", &[]).await;
    let check = r.text().await.unwrap();
    assert_plain("settings/check", &check);
    let r = o
        .post(
            &t,
            &format!("/admin/orders/{other}/refund"),
            &[("amount", "5"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_plain("refund confirmation", &r.text().await.unwrap());

    let detail = &seen[&order];
    let settings = &seen["/admin/settings"];
    let paid = t.app.store.order(&no).unwrap().unwrap();
    let pay = paid.payment.as_ref().unwrap();
    let (txid, amount) = (
        &pay.transaction_id,
        pay.amount.display(t.app.config.shop.currency),
    );
    match lang {
        Lang::Zh => {
            for p in &pages {
                for english in ["Processing", "WeChat", "payer", "Saved", "Variant"] {
                    assert!(!seen[p].contains(english), "{p} shows {english:?}");
                }
            }
            assert!(
                detail.contains(&format!("通过微信支付付款 {amount}，交易单号 {txid}")),
                "{detail}"
            );
            assert!(detail.contains("发货：顺丰速运，运单号 SF1234567890"));
            assert!(detail.contains("申请退款 ¥10.00"));
            assert!(detail.contains("处理中") || detail.contains("已退款"));
            assert!(settings.contains("模拟模式") && settings.contains("网页授权域名"));
            assert!(settings.contains("IP 白名单") && settings.contains("未配置"));
            assert!(check.contains("签名调用成功"));
        }
        Lang::En => {
            assert!(
                detail.contains(&format!("paid {amount} by WeChat Pay, transaction {txid}")),
                "{detail}"
            );
            assert!(detail.contains("shipped by boss: SF Express, tracking number SF1234567890"));
            assert!(detail.contains("refund of ¥10.00 asked for"));
            assert!(settings.contains("Sandbox") && settings.contains("OAuth domain"));
            assert!(settings.contains("IP whitelist") && settings.contains("Missing"));
            assert!(check.contains("A signed call worked"));
        }
    }
    // What to paste into WeChat's consoles, and no secrets.
    assert!(settings.contains(&format!("{}/wechat/notify/pay", t.app.base_url)));
    assert!(!settings.contains(&t.sandbox().keys().manifest.apiv3_key));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_back_office_page_reads_in_chinese_words() {
    every_page_in(Lang::Zh).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_back_office_page_reads_in_english_words() {
    every_page_in(Lang::En).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_is_confirmed_before_it_is_made_and_its_reason_fits_80_bytes() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let no = paid_order(&t, 1).await;
    let path = format!("/admin/orders/{no}/refund");
    let (_, detail) = page(&o, &t, &format!("/admin/orders/{no}")).await;
    assert!(
        detail.contains("name=\"amount\" value=\"\""),
        "the amount starts empty"
    );
    assert!(detail.contains("data-bytes-max=\"80\"") && detail.contains("0/80 字节"));
    // Submitting shows what will happen, and refunds nothing.
    let r = o
        .post(&t, &path, &[("amount", "12.50"), ("reason", "少发一件")])
        .await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    for want in [
        "确认退款",
        "¥12.50",
        "顾客1",
        "少发一件",
        "name=\"confirm\" value=\"1\"",
    ] {
        assert!(confirm.contains(want), "{want}");
    }
    assert!(t.app.store.order(&no).unwrap().unwrap().refunds.is_empty());
    // A reason over 80 bytes (27 Chinese characters are 81) is refused in words.
    let long = "退".repeat(27);
    for confirm in ["", "1"] {
        let r = o
            .post(
                &t,
                &path,
                &[("amount", "1"), ("reason", &long), ("confirm", confirm)],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("退款原因最多 80 字节") && body.contains(&long),
            "kept"
        );
    }
    // Nothing typed, or more than was paid: refused in words.
    let r = o.post(&t, &path, &[("amount", ""), ("confirm", "1")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写退款金额"));
    let r = o
        .post(&t, &path, &[("amount", "999"), ("confirm", "1")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(t.app.store.order(&no).unwrap().unwrap().refunds.is_empty());
    // Only the confirmed form refunds.
    let r = o
        .post(
            &t,
            &path,
            &[
                ("amount", "12.50"),
                ("reason", "少发一件"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let refunds = t.app.store.order(&no).unwrap().unwrap().refunds;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount, puzi::money::Money(1250));
    assert_eq!(refunds[0].reason, "少发一件");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_ship_with_a_carrier_from_the_list_and_a_tracking_link() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (a, b, c) = (
        paid_order(&t, 1).await,
        paid_order(&t, 2).await,
        paid_order(&t, 3).await,
    );
    let (_, detail) = page(&o, &t, &format!("/admin/orders/{a}")).await;
    assert!(detail.contains("<select name=\"carrier\"") && detail.contains("value=\"JT\""));
    assert!(detail.contains("极兔速递") && detail.contains("中国邮政"));
    let ship = |no: OrderNo, fields: Vec<(&'static str, &'static str)>| {
        let (o, t) = (&o, &t);
        async move {
            o.post(t, &format!("/admin/orders/{no}/ship"), &fields)
                .await
                .status()
        }
    };
    assert_eq!(
        ship(
            a.clone(),
            vec![("carrier", "ZTO"), ("tracking_no", "78123")]
        )
        .await,
        303
    );
    assert_eq!(
        t.app
            .store
            .order(&a)
            .unwrap()
            .unwrap()
            .shipment
            .unwrap()
            .courier,
        "ZTO",
        "the code is stored"
    );
    let (_, detail) = page(&o, &t, &format!("/admin/orders/{a}")).await;
    assert!(detail.contains("中通快递"));
    assert!(
        detail.contains("href=\"https://www.zto.com/express/expressCheck.html?txtBill=78123\"")
    );
    // "Other" needs the carrier's name.
    assert_eq!(
        ship(
            b.clone(),
            vec![("carrier", "OTHER"), ("tracking_no", "DB1")]
        )
        .await,
        422
    );
    assert_eq!(
        ship(
            b.clone(),
            vec![
                ("carrier", "OTHER"),
                ("courier_other", "德邦"),
                ("tracking_no", "DB1")
            ]
        )
        .await,
        303
    );
    let (_, detail) = page(&o, &t, &format!("/admin/orders/{b}")).await;
    assert!(detail.contains("德邦") && !detail.contains("class=\"track\""));
    // A form from before the list (free text) still ships and displays.
    assert_eq!(
        ship(c.clone(), vec![("courier", "顺丰"), ("tracking_no", "SF9")]).await,
        303
    );
    let (_, detail) = page(&o, &t, &format!("/admin/orders/{c}")).await;
    assert!(detail.contains("顺丰速运") && detail.contains("sf-express.com"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn packing_slips_print_one_or_every_order_to_ship_with_its_qr_code() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (a, b) = (paid_order(&t, 1).await, paid_order(&t, 2).await);
    let (s, all) = page(&o, &t, "/admin/slips").await;
    assert_eq!(s, 200);
    assert!(all.contains("size-a4") && all.contains("data-print"));
    for no in [&a, &b] {
        assert!(all.contains(no.as_str()));
        let qr = puzi::qr::svg(&format!("{}/admin/orders/{no}", t.app.base_url), 120).unwrap();
        let qr = &qr[qr.find("<svg").unwrap()..];
        assert!(
            all.contains(qr),
            "the slip's QR opens the order in the back office"
        );
    }
    assert_eq!(all.matches("<article class=\"slip\"").count(), 2);
    let (_, one) = page(&o, &t, &format!("/admin/orders/{a}/slip?size=label")).await;
    assert!(one.contains("size-label") && one.contains(a.as_str()) && !one.contains(b.as_str()));
    assert!(one.contains("顾客1") && one.contains("上海市徐汇区") && one.contains("× 1"));
    // Shipped orders leave "everything to ship".
    o.post(
        &t,
        &format!("/admin/orders/{a}/ship"),
        &[("carrier", "SF"), ("tracking_no", "SF1")],
    )
    .await;
    let (_, all) = page(&o, &t, "/admin/slips").await;
    assert!(!all.contains(a.as_str()) && all.contains(b.as_str()));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_shipping_previews_then_ships_all_or_nothing() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let (a, b, c) = (
        paid_order(&t, 1).await,
        paid_order(&t, 2).await,
        paid_order(&t, 3).await,
    );
    // A bad row refuses the whole file, each problem named by its row.
    let bad = format!(
        "订单号,快递公司,运单号\n{a},SF,SF100\n{b},飞鸽,X1\n{c},中通,\n202601010000000000000099,EMS,E1\n"
    );
    let r = post_multipart(
        &o,
        &t,
        "/admin/ship-bulk",
        &[],
        &[("file", "s.csv", bad.as_bytes())],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("第 3 行：不认识的快递公司「飞鸽」"), "{body}");
    assert!(body.contains("第 4 行：运单号为空"));
    assert!(body.contains("第 5 行：找不到订单 202601010000000000000099"));
    for no in [&a, &b, &c] {
        assert_eq!(state(&t, no), OrderState::Paid, "nothing shipped");
    }
    // A good file: a preview first, nothing shipped yet.
    let good = format!("{a},SF,SF100\n{b},极兔,JT200\n");
    let r = post_multipart(
        &o,
        &t,
        "/admin/ship-bulk",
        &[],
        &[("file", "s.csv", good.as_bytes())],
    )
    .await;
    assert_eq!(r.status(), 200);
    let preview = r.text().await.unwrap();
    assert!(preview.contains("2 个订单可以发货") && preview.contains("极兔速递"));
    assert_eq!(state(&t, &a), OrderState::Paid);
    // In between, one of them ships on its own page: confirming now ships neither.
    o.post(
        &t,
        &format!("/admin/orders/{b}/ship"),
        &[("carrier", "EMS"), ("tracking_no", "E5")],
    )
    .await;
    let r = post_multipart(
        &o,
        &t,
        "/admin/ship-bulk",
        &[("csv", &good), ("apply", "1")],
        &[],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(state(&t, &a), OrderState::Paid, "all or nothing");
    // Confirmed with orders all waiting: every one ships, each with its message queued.
    let good = format!("{a},SF,SF100\n{c},YTO,YT300\n");
    let r = post_multipart(
        &o,
        &t,
        "/admin/ship-bulk",
        &[("csv", &good), ("apply", "1")],
        &[],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("2 个订单已发货"));
    let sa = t.app.store.order(&a).unwrap().unwrap();
    let sc = t.app.store.order(&c).unwrap().unwrap();
    assert_eq!(
        (sa.state, sc.state),
        (OrderState::Shipped, OrderState::Shipped)
    );
    assert_eq!(sc.shipment.unwrap().courier, "YTO");
    let out = t.app.store.outbox().unwrap();
    assert!(out.iter().any(|e| e.order == a.as_str()) && out.iter().any(|e| e.order == c.as_str()));
    t.stop().await;
}

/// Whether a `pattern` attribute compiles as a JavaScript `v`-flag regular expression as
/// far as character classes go (what Chromium refused): inside `[…]`, the characters
/// `( ) [ { } / | -` must be escaped unless `-` joins a range.
fn v_flag_class_ok(p: &str) -> bool {
    let b: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut prev_atom = false;
    while i < b.len() {
        let c = b[i];
        if c == '\\' {
            i += 2;
            prev_atom = true;
            continue;
        }
        if !in_class {
            if c == '[' {
                in_class = true;
                prev_atom = false;
            }
        } else if c == ']' {
            in_class = false;
        } else if c == '-' {
            let next_ok = b.get(i + 1).is_some_and(|n| *n != ']' && *n != '-');
            if !(prev_atom && next_ok) {
                return false;
            }
            prev_atom = false;
            i += 2;
            continue;
        } else if "()[{}/|".contains(c) {
            return false;
        } else {
            prev_atom = true;
        }
        i += 1;
    }
    !in_class
}

#[test]
fn the_pattern_check_knows_what_chromium_refuses() {
    assert!(!v_flag_class_ok("[a-z0-9-]{1,64}"));
    assert!(!v_flag_class_ok("[A-Za-z0-9_-]{0,32}"));
    assert!(v_flag_class_ok("[a-z0-9\\-]{1,64}"));
    assert!(v_flag_class_ok("[A-Za-z0-9_\\-]{0,32}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_is_made_in_one_form_with_generated_codes_stock_and_images() {
    let t = TestApp::start().await;
    let o = setup_owner(&t).await;
    let png1 = puzi::qr::png("https://example.com/1", 2).unwrap();
    let png2 = puzi::qr::png("https://example.com/2", 2).unwrap();
    let r = post_multipart(
        &o,
        &t,
        "/admin/products/new",
        &[
            ("name", "碧螺春"),
            ("category", "tea"),
            ("vname0", "50g"),
            ("price0", "45.5"),
            ("stock0", "7"),
            ("vname1", "100g"),
            ("price1", "88"),
            ("sku1", "blc-100"),
            ("stock1", "3"),
        ],
        &[("images", "a.png", &png1), ("images", "b.png", &png2)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let id = to.trim_start_matches("/admin/products/").to_string();
    assert!(id.starts_with("p-") && !to.contains('?'), "{to}");
    let p = t.app.store.product(&id).unwrap().unwrap();
    assert_eq!(p.variants[0].sku, format!("{id}-1"), "generated");
    assert_eq!(p.variants[1].sku, "blc-100", "typed codes are kept");
    assert_eq!(t.app.store.stock_of(&p).unwrap(), vec![7, 3]);
    assert_eq!(t.app.store.stock_log(Some("blc-100")).unwrap().len(), 1);
    assert_eq!(p.images.len(), 2);
    // "Saved" once, then gone.
    let (_, first) = page(&o, &t, &to).await;
    assert!(first.contains("已保存"));
    let (_, again) = page(&o, &t, &to).await;
    assert!(
        !again.contains("已保存"),
        "the notice goes after the next page"
    );
    // Stock in the variant table; an untouched number changes nothing.
    assert!(again.contains("name=\"stock0\"") && again.contains("value=\"7\""));
    t.app.store.set_stock(&format!("{id}-1"), 6).unwrap(); // a sale while the form is open
    let r = post_multipart(
        &o,
        &t,
        &to,
        &[
            ("name", "碧螺春"),
            ("category", "tea"),
            ("sku0", &format!("{id}-1")),
            ("price0", "45.5"),
            ("stock0", "7"),
            ("stock_was0", "7"),
            ("sku1", "blc-100"),
            ("price1", "88"),
            ("stock1", "10"),
            ("stock_was1", "3"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = t.app.store.product(&id).unwrap().unwrap();
    assert_eq!(t.app.store.stock_of(&p).unwrap(), vec![6, 10]);
    // Reordering: the second image becomes the cover.
    let second = p.images[1].clone();
    let r = o
        .post(
            &t,
            &format!("{to}/images/move"),
            &[("hash", &second), ("dir", "up")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(t.app.store.product(&id).unwrap().unwrap().images[0], second);
    // Errors in words, in the shop's language.
    let r = o
        .post(
            &t,
            "/admin/products/new",
            &[("id", "Bad Id"), ("name", ""), ("price0", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("商品编号只能用小写字母") && body.contains("请填写商品名称"));
    assert!(body.contains("第 1 个规格：价格「x」不是有效金额"));
    // Every pattern attribute on the product pages compiles with the v flag.
    for path in [
        "/admin/products",
        "/admin/products/new",
        "/admin/categories",
        &to,
    ] {
        let (_, html) = page(&o, &t, path).await;
        for p in html.split("pattern=\"").skip(1) {
            let p = &p[..p.find('"').unwrap()];
            assert!(v_flag_class_ok(p), "{path}: pattern {p}");
        }
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_shop_shows_its_first_steps_ticked_as_they_are_done() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = puzi::config::Config::demo(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
    let t = TestApp::start_with(cfg, false).await;
    let o = setup_owner(&t).await;
    let (_, dash) = page(&o, &t, "/admin").await;
    assert!(dash.contains("id=\"first-steps\""));
    for href in [
        "/admin/categories",
        "/admin/products/new",
        "/admin/settings#summary",
        "/admin/settings#console",
        "/admin/settings#checks",
    ] {
        assert!(dash.contains(&format!("href=\"{href}\"")), "{href}");
    }
    let done = |html: &str| html.matches("<li class=\"done\"").count();
    // The demo config sets a shipping fee: that step is done; the catalog is empty.
    assert_eq!(done(&dash), 1);
    let r = o
        .post(&t, "/admin/categories", &[("id", "tea"), ("name", "茶")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, dash) = page(&o, &t, "/admin").await;
    assert_eq!(done(&dash), 2);
    assert!(
        dash.contains("<li class=\"done\"><span class=\"tick\" aria-hidden=\"true\">✓</span><a href=\"/admin/categories\">"),
        "the category step is ticked"
    );
    let r = o
        .post(
            &t,
            "/admin/products/new",
            &[
                ("name", "Longjing"),
                ("category", "tea"),
                ("price0", "10"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, dash) = page(&o, &t, "/admin").await;
    assert_eq!(done(&dash), 3, "WeChat and going live wait for live mode");
    t.stop().await;
    drop(dir);
}
