//! Shipping by region, through HTTP: a province's own template (first and further items,
//! free over) against the default flat rule, a province not delivered to said at once and
//! refused at checkout with nothing changed, the JSON fee for the checkout's script, the
//! fee on the order and in the CSV, the back office's template page, the cart's
//! free-shipping hint for the shopper's province, and provinces named in English in the
//! English shop.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::money::Money;
use puzi::order::OrderNo;
use puzi::shipping::ShippingTemplate;

fn template(t: &TestApp, province: &str, first: i64, more: i64, free: Option<i64>, delivers: bool) {
    t.app
        .store
        .save_shipping_template(
            &ShippingTemplate {
                province: province.into(),
                first_fee: Money(first),
                additional_fee: Money(more),
                free_over: free.map(Money),
                delivers,
            },
            ("test", t.app.clock.unix()),
        )
        .unwrap();
}

/// A structured checkout form to a province (Shanghai Xuhui, Hangzhou Xihu, Urumqi).
fn to(province: &str, i: usize) -> Vec<(&'static str, String)> {
    let (city, district) = match province {
        "31" => ("3101", "310104"),
        "33" => ("3301", "330106"),
        _ => ("6501", "650102"),
    };
    vec![
        ("name", format!("顾客{i}")),
        ("mobile", format!("1390000{i:04}")),
        ("addr", "new".into()),
        ("province", province.into()),
        ("city", city.into()),
        ("district", district.into()),
        ("street", "某路 1 号".into()),
        ("note", String::new()),
    ]
}

async fn place(
    c: &reqwest::Client,
    t: &TestApp,
    f: &[(&'static str, String)],
) -> Result<OrderNo, (u16, String)> {
    match checkout(c, t, &as_form(f)).await {
        (303, Some(loc), _) => Ok(OrderNo::parse(placed_no(&loc)).unwrap()),
        (s, _, page) => Err((s, page)),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_template_charges_first_and_further_items_and_frees_over_its_amount() {
    let t = TestApp::start().await;
    // Zhejiang: 12.00 for the first item, 3.00 each further, free from 300.00.
    template(&t, "33", 1200, 300, Some(30_000), true);
    // Three candles (237.00) to Zhejiang: 12 + 2 × 3 = 18.00.
    let c = client();
    add_to_cart(&c, &t, "soy-candle-cedar", 3).await;
    let no = place(&c, &t, &to("33", 1)).await.unwrap();
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.shipping, Money(1800));
    assert_eq!(o.total, Money(23_700 + 1800));
    // The same cart to Shanghai (no template): the default rule, free over 99.00.
    let c = client();
    add_to_cart(&c, &t, "soy-candle-cedar", 3).await;
    let no = place(&c, &t, &to("31", 2)).await.unwrap();
    assert_eq!(
        t.app.store.order(&no).unwrap().unwrap().shipping,
        Money::ZERO
    );
    // Four candles (316.00) to Zhejiang: free over 300.00.
    let c = client();
    add_to_cart(&c, &t, "soy-candle-cedar", 4).await;
    let no = place(&c, &t, &to("33", 3)).await.unwrap();
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.shipping, Money::ZERO);
    // One mug (59.00) to Shanghai: the flat 8.00.
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let no = place(&c, &t, &to("31", 4)).await.unwrap();
    let shanghai = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(shanghai.shipping, Money(800));
    // The CSV carries each fee.
    let o = setup_owner(&t).await;
    let csv =
        o.c.get(t.url("/admin/orders.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "shipping").unwrap();
    let fees: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().to_string())
        .collect();
    assert!(
        fees.contains(&"18.00".to_string()) && fees.contains(&"8.00".to_string()),
        "{fees:?}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_not_delivered_to_is_said_at_once_and_refused_with_nothing_changed() {
    let t = TestApp::start().await;
    template(&t, "65", 0, 0, None, false);
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    // The province chosen (the no-JS refresh of the region selects): said before the rest.
    let r = c
        .post(t.url("/checkout"))
        .form(&[("addr", "new"), ("province", "65"), ("refresh", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("暂不配送到新疆维吾尔自治区"), "{page}");
    // The script's question.
    let j: serde_json::Value = c
        .get(t.url("/checkout/shipping?province=65"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(j["delivers"], false);
    assert_eq!(j["message"], "暂不配送到新疆维吾尔自治区");
    let j: serde_json::Value = c
        .get(t.url("/checkout/shipping?province=31"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (j["delivers"].as_bool(), j["fee"].as_i64()),
        (Some(true), Some(800))
    );
    // Placing it there: refused in words; no order, no stock taken.
    let stock = t.app.store.stock("stoneware-mug-white").unwrap();
    let (s, page) = place(&c, &t, &to("65", 1)).await.unwrap_err();
    assert_eq!(s, 409);
    assert!(page.contains("暂不配送到新疆维吾尔自治区"));
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    assert_eq!(t.app.store.stock("stoneware-mug-white").unwrap(), stock);
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("粗陶马克杯"), "the cart is kept");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_line_address_cannot_dodge_the_regional_fee() {
    let t = TestApp::start().await;
    template(&t, "65", 0, 0, None, false);
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    // The free-text address (older clients, scripts) has no province to price by.
    let mut f = shopper_form(1);
    f[2].1 = "新疆维吾尔自治区乌鲁木齐市天山区 1 号".into();
    let (s, _, page) = checkout(&c, &t, &as_form(&f)).await;
    assert_eq!(s, 409);
    assert!(page.contains("运费按地区计算，请选择省、市、区"), "{page}");
    assert_eq!(t.app.store.order_count().unwrap(), 0, "nothing placed");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_saves_and_deletes_templates_in_words_with_audit_entries() {
    for (lang, words) in [
        (puzi::text::Lang::Zh, ["运费模板", "浙江省", "确定删除吗"]),
        (
            puzi::text::Lang::En,
            ["Shipping by region", "Zhejiang", "Delete it?"],
        ),
    ] {
        let t = TestApp::start_tuned(|c| c.shop.language = lang).await;
        let o = setup_owner(&t).await;
        let r = o
            .post(
                &t,
                "/admin/shipping-rules",
                &[("province", "99"), ("first_fee", "1")],
            )
            .await;
        assert_eq!(r.status(), 422);
        let r = o
            .post(
                &t,
                "/admin/shipping-rules",
                &[
                    ("province", "33"),
                    ("first_fee", "12"),
                    ("additional_fee", "3"),
                    ("free_over", "300"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let saved = t.app.store.shipping_template("33").unwrap().unwrap();
        assert_eq!(
            (saved.first_fee, saved.free_over),
            (Money(1200), Some(Money(30_000)))
        );
        let (_, page) = get_text(&o.c, &t.url("/admin/shipping-rules")).await;
        assert!(page.contains(words[0]) && page.contains(words[1]) && page.contains("¥12.00"));
        assert!(!page.contains("ShippingTemplate") && !page.contains("{\""));
        let (_, ask) = get_text(&o.c, &t.url("/admin/shipping-rules/33/delete")).await;
        assert!(ask.contains(words[2]));
        let r = o
            .post(&t, "/admin/shipping-rules/33/delete", &[("confirm", "1")])
            .await;
        assert_eq!(r.status(), 303);
        assert!(t.app.store.shipping_template("33").unwrap().is_none());
        let (_, audit) = get_text(&o.c, &t.url("/admin/audit")).await;
        assert!(audit.contains(words[1]), "audited, the province by name");
        t.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_carts_free_shipping_hint_follows_the_shoppers_province() {
    let t = TestApp::start().await;
    // Xinjiang: 20.00 first, 5.00 further, free from 300.00; the flat rule elsewhere
    // (8.00, free from 99.00).
    template(&t, "65", 2000, 500, Some(30_000), true);
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    // The province unknown: the flat rule's hint, but not for every region.
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(
        element(&cart, "free-shipping-gap").contains("再买 ¥31.00 大部分地区免运费"),
        "{}",
        element(&cart, "free-shipping-gap")
    );
    // An order to Urumqi saves the shopper's first (default) address there.
    place(&c, &t, &to("65", 1)).await.unwrap();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(
        element(&cart, "free-shipping-gap").contains("配送到新疆维吾尔自治区：再买 ¥232.00 免运费"),
        "{}",
        element(&cart, "free-shipping-gap")
    );
    assert!(
        cart.contains("¥88.00"),
        "68.00 + Xinjiang's 20.00 in the total"
    );
    // A shopper in Shanghai (no template): the flat rule, named.
    let c2 = client();
    add_to_cart(&c2, &t, "longjing-50g", 1).await;
    place(&c2, &t, &to("31", 2)).await.unwrap();
    add_to_cart(&c2, &t, "longjing-50g", 2).await;
    let (_, cart) = get_text(&c2, &t.url("/cart")).await;
    assert!(element(&cart, "free-shipping-gap").contains("配送到上海市已免运费"));
    // The shop stops delivering to Xinjiang: the cart says so before checkout.
    template(&t, "65", 0, 0, None, false);
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(
        element(&cart, "free-shipping-gap").contains("暂不配送到新疆维吾尔自治区"),
        "{}",
        element(&cart, "free-shipping-gap")
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_english_shop_names_provinces_in_english() {
    let t = TestApp::start_tuned(|c| c.shop.language = puzi::text::Lang::En).await;
    template(&t, "65", 2000, 500, Some(30_000), true);
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    place(&c, &t, &to("65", 1)).await.unwrap();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(
        element(&cart, "free-shipping-gap").contains("¥232.00 more for free shipping to Xinjiang"),
        "{}",
        element(&cart, "free-shipping-gap")
    );
    template(&t, "65", 0, 0, None, false);
    let j: serde_json::Value = c
        .get(t.url("/checkout/shipping?province=65"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(j["message"], "We do not deliver to Xinjiang yet");
    let (_, form) = get_text(&c, &t.url("/checkout")).await;
    assert!(form.contains("We do not deliver to Xinjiang yet"), "{form}");
    assert!(
        form.contains(">Guangdong 广东省</option>"),
        "the province select"
    );
    assert!(form.contains(">Inner Mongolia 内蒙古自治区</option>"));
    t.stop().await;
}
