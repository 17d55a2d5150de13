//! Coupons and buy-now, through HTTP: each coupon rule with its reason in words, the
//! discount split over the lines, the WeChat Pay amount (the sandbox's own record), the
//! caps (total, per shopper across sessions and mobile numbers), the last-use race, a use
//! given back when the order closes unpaid, prorated line refunds, the bill comparison,
//! and the back office's coupon page.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::coupon::{Coupon, CouponKind};
use puzi::money::Money;
use puzi::order::{Order, OrderNo, OrderState};

fn coupon(t: &TestApp, code: &str, kind: CouponKind, tune: impl FnOnce(&mut Coupon)) {
    let now = t.app.clock.unix();
    let mut c = Coupon {
        code: code.into(),
        kind,
        min_spend: Money::ZERO,
        starts_at: now - 3600,
        ends_at: now + 86_400,
        total_cap: None,
        per_shopper_cap: None,
        categories: vec![],
        used: 0,
        disabled: false,
        created_at: now,
    };
    tune(&mut c);
    t.app
        .store
        .create_coupon(&c, ("test", now))
        .unwrap()
        .unwrap();
}

fn used(t: &TestApp, code: &str) -> u32 {
    t.app.store.coupon(code).unwrap().unwrap().used
}

fn order(t: &TestApp, no: &OrderNo) -> Order {
    t.app.store.order(no).unwrap().unwrap()
}

/// The checkout form of shopper `i` with a coupon code.
fn form_with(i: usize, code: &str) -> Vec<(&'static str, String)> {
    let mut f = shopper_form(i);
    f.push(("coupon", code.to_string()));
    f
}

/// "Apply" on the coupon field: the status and the page.
async fn apply(c: &reqwest::Client, t: &TestApp, i: usize, code: &str) -> (u16, String) {
    let mut f = form_with(i, code);
    f.push(("apply_coupon", "1".into()));
    let (s, _, page) = checkout(c, t, &as_form(&f)).await;
    (s, page)
}

/// Places an order with `code`; the order number, or the refusal page.
async fn place(
    c: &reqwest::Client,
    t: &TestApp,
    i: usize,
    code: &str,
) -> Result<OrderNo, (u16, String)> {
    let f = form_with(i, code);
    match checkout(c, t, &as_form(&f)).await {
        (303, Some(loc), _) => Ok(OrderNo::parse(placed_no(&loc)).unwrap()),
        (s, _, page) => Err((s, page)),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_code_is_previewed_split_over_lines_and_the_prepay_is_what_the_shopper_pays() {
    let t = TestApp::start().await;
    coupon(
        &t,
        "SAVE10",
        CouponKind::Fixed {
            amount: Money(1000),
        },
        |_| {},
    );
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await; // 59.00
    add_to_cart(&c, &t, "longjing-50g", 1).await; // 68.00
    // Apply (typed in lower case): the checkout again, with the discount and the new total.
    let (s, page) = apply(&c, &t, 1, "save10").await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("id=\"discount\""), "the discount line");
    assert!(page.contains("−¥10.00"), "{page}");
    assert!(page.contains("¥117.00"), "127 − 10, free shipping over 99");
    assert!(
        t.app.store.order_count().unwrap() == 0,
        "applying places nothing"
    );
    assert_eq!(used(&t, "SAVE10"), 0, "nor counts a use");
    let no = place(&c, &t, 1, "save10").await.unwrap();
    let o = order(&t, &no);
    assert_eq!(o.items_total, Money(12_700));
    assert_eq!(o.discount, Money(1000));
    assert_eq!(o.total, Money(11_700));
    let parts: i64 = o.lines.iter().map(|l| l.discount.minor()).sum();
    assert_eq!(parts, 1000, "Σ line discounts = discount");
    assert_eq!(
        o.lines
            .iter()
            .find(|l| l.sku == "longjing-50g")
            .unwrap()
            .discount,
        Money(536)
    );
    assert_eq!(used(&t, "SAVE10"), 1);
    // The order page says it.
    let (_, shown) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert!(
        shown.contains("−¥10.00"),
        "the shopper's order shows the discount"
    );
    // Paid through the sandbox: WeChat was asked for what the shopper pays.
    pay_in_sandbox(&t, &c, &no, "阿珍", None).await;
    let tx: serde_json::Value = serde_json::from_slice(
        &t.app
            .store
            .sandbox_get(&format!("tx/{no}"))
            .unwrap()
            .expect("the sandbox's transaction"),
    )
    .unwrap();
    assert_eq!(tx["total"], 11_700, "{tx}");
    let o = order(&t, &no);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.payment.as_ref().unwrap().amount, Money(11_700));
    assert!(o.dispute.is_none());
    // WeChat's bill has the paid total: the comparison finds nothing.
    let today = t.app.clock.now_cst().date().to_string();
    let report = t.app.payments.reconcile_bill(&today).await.unwrap();
    assert_eq!(report.lines, 1);
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    // The back office shows the discount; the CSV carries it and the code.
    let owner = setup_owner(&t).await;
    let (_, detail) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(
        detail.contains("id=\"order-discount\">−¥10.00 · SAVE10"),
        "{detail}"
    );
    let csv = owner
        .c
        .get(t.url("/admin/orders.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",discount,coupon"));
    assert!(
        csv.contains("117.00") && csv.contains(",10.00,SAVE10"),
        "{csv}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn percent_rounds_down_minimums_say_how_much_more_and_categories_limit_it() {
    let t = TestApp::start().await;
    // 15% of 59.00 + 68.00: 8.85 + 10.20 → 19.05 on both lines.
    coupon(&t, "PCT15", CouponKind::Percent { percent: 15 }, |_| {});
    // 33% of the tea only (68.00 → 22.44), with a minimum of 100.00 on the tea.
    coupon(&t, "TEA33", CouponKind::Percent { percent: 33 }, |c| {
        c.categories = vec!["tea".into()];
        c.min_spend = Money(10_000);
    });
    coupon(
        &t,
        "CLOTHES",
        CouponKind::Fixed { amount: Money(500) },
        |c| {
            c.categories = vec!["apparel".into()];
        },
    );
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (s, page) = apply(&c, &t, 1, "PCT15").await;
    assert_eq!(s, 200);
    assert!(page.contains("−¥19.05"), "rounded down to the fen");
    let (s, page) = apply(&c, &t, 1, "TEA33").await;
    assert_eq!(s, 422);
    assert!(
        page.contains("再买 ¥32.00 即可使用这个优惠码"),
        "how much more (tea only)"
    );
    let (s, page) = apply(&c, &t, 1, "CLOTHES").await;
    assert_eq!(s, 422);
    assert!(page.contains("这个优惠码不适用于所选商品"));
    let (s, page) = apply(&c, &t, 1, "NOSUCH1").await;
    assert_eq!(s, 422);
    assert!(page.contains("没有这个优惠码"));
    // Placing with a refused code places nothing.
    let (s, page) = place(&c, &t, 1, "CLOTHES").await.unwrap_err();
    assert_eq!(s, 409);
    assert!(page.contains("这个优惠码不适用于所选商品"));
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    assert_eq!(
        t.app.store.stock("longjing-50g").unwrap(),
        40,
        "no stock taken"
    );
    // More tea reaches the minimum: 33% of the tea lines only.
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let no = place(&c, &t, 1, "tea33").await.unwrap();
    let o = order(&t, &no);
    assert_eq!(o.discount, Money(13_600 * 33 / 100));
    let mug = o
        .lines
        .iter()
        .find(|l| l.sku == "stoneware-mug-white")
        .unwrap();
    assert_eq!(mug.discount, Money::ZERO, "the mug is not covered");
    assert_eq!(o.total, Money(5900 + 13_600 - 4488));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_validity_window_follows_the_clock() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let now = t.app.clock.unix();
    coupon(&t, "LATER", CouponKind::Fixed { amount: Money(100) }, |c| {
        c.starts_at = now + 3600;
        c.ends_at = now + 7200;
    });
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (s, page) = apply(&c, &t, 1, "LATER").await;
    assert_eq!(s, 422);
    assert!(page.contains("起才能使用"), "not started");
    t.app.clock.advance(3600);
    let (s, page) = apply(&c, &t, 1, "LATER").await;
    assert_eq!(s, 200, "valid from its start");
    assert!(page.contains("−¥1.00"));
    t.app.clock.advance(3600);
    let (s, page) = apply(&c, &t, 1, "LATER").await;
    assert_eq!(s, 422);
    assert!(page.contains("这个优惠码已过期"));
    let (s, _) = place(&c, &t, 1, "LATER").await.unwrap_err();
    assert_eq!(s, 409);
    assert_eq!(t.app.store.order_count().unwrap(), 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn caps_count_uses_in_all_and_per_shopper_across_sessions_and_mobiles() {
    let t = TestApp::start().await;
    coupon(&t, "ONCE", CouponKind::Fixed { amount: Money(100) }, |c| {
        c.per_shopper_cap = Some(1);
    });
    coupon(&t, "TWICE", CouponKind::Fixed { amount: Money(100) }, |c| {
        c.total_cap = Some(2);
    });
    let a = client();
    add_to_cart(&a, &t, "stoneware-mug-white", 1).await;
    place(&a, &t, 1, "ONCE").await.unwrap();
    // The same session again (another mobile number): already used.
    add_to_cart(&a, &t, "stoneware-mug-white", 1).await;
    let (s, page) = place(&a, &t, 2, "ONCE").await.unwrap_err();
    assert_eq!(s, 409);
    assert!(page.contains("你已经用过这个优惠码了"));
    // A fresh session with the same mobile number: still the same shopper.
    let b = client();
    add_to_cart(&b, &t, "stoneware-mug-white", 1).await;
    let (_, page) = place(&b, &t, 1, "ONCE").await.unwrap_err();
    assert!(page.contains("你已经用过这个优惠码了"));
    // Another shopper may.
    place(&b, &t, 3, "ONCE").await.unwrap();
    assert_eq!(used(&t, "ONCE"), 2);
    // The total cap.
    for i in 10..12 {
        let c = client();
        add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
        place(&c, &t, i, "TWICE").await.unwrap();
    }
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let (_, page) = apply(&c, &t, 12, "TWICE").await;
    assert!(page.contains("这个优惠码已被用完"));
    let before = t.app.store.order_count().unwrap();
    let (_, page) = place(&c, &t, 12, "TWICE").await.unwrap_err();
    assert!(page.contains("这个优惠码已被用完"));
    assert_eq!(t.app.store.order_count().unwrap(), before);
    assert_eq!(used(&t, "TWICE"), 2);
    t.stop().await;
}

/// Inside WeChat the shopper is their openid: the same WeChat user on a second phone (a new
/// session) with another mobile number is still the shopper who used the code.
#[tokio::test(flavor = "multi_thread")]
async fn the_per_shopper_cap_follows_the_openid_across_phones_and_mobiles() {
    let t = TestApp::start().await;
    coupon(&t, "ONCE", CouponKind::Fixed { amount: Money(100) }, |c| {
        c.per_shopper_cap = Some(1);
    });
    // "My orders" signs a phone in silently as `persona`.
    let phone = |persona: &'static str| {
        let t = &t;
        async move {
            let c = wechat_client();
            let r = c.get(t.url("/orders")).send().await.unwrap();
            assert_eq!(r.status(), 302, "OAuth first");
            let back = approve_oauth(t, &c, r.headers()["location"].to_str().unwrap(), persona);
            assert_eq!(back.await.status(), 303);
            c
        }
    };
    let first = phone("阿珍").await;
    add_to_cart(&first, &t, "stoneware-mug-white", 1).await;
    let no = place(&first, &t, 1, "ONCE").await.unwrap();
    let azhen = puzi::sandbox::openid(&t.sandbox().keys().manifest.appid, "阿珍");
    assert_eq!(order(&t, &no).openid.as_deref(), Some(azhen.as_str()));
    // Her second phone: a new session, another mobile number, the same openid.
    let second = phone("阿珍").await;
    add_to_cart(&second, &t, "stoneware-mug-white", 1).await;
    let (s, page) = place(&second, &t, 2, "ONCE").await.unwrap_err();
    assert_eq!(s, 409);
    assert!(page.contains("你已经用过这个优惠码了"));
    assert_eq!(used(&t, "ONCE"), 1);
    // Another WeChat user may.
    let other = phone("小林").await;
    add_to_cart(&other, &t, "stoneware-mug-white", 1).await;
    place(&other, &t, 3, "ONCE").await.unwrap();
    assert_eq!(used(&t, "ONCE"), 2);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_shoppers_racing_for_the_last_use_exactly_one_wins() {
    let t = TestApp::start().await;
    for round in 0..4 {
        let code = format!("LAST{round}");
        coupon(&t, &code, CouponKind::Fixed { amount: Money(100) }, |c| {
            c.total_cap = Some(1);
        });
        let (a, b) = (client(), client());
        add_to_cart(&a, &t, "soy-candle-cedar", 1).await;
        add_to_cart(&b, &t, "soy-candle-cedar", 1).await;
        let stock = t.app.store.stock("soy-candle-cedar").unwrap();
        let orders = t.app.store.order_count().unwrap();
        let (ra, rb) = tokio::join!(
            place(&a, &t, 100 + round * 2, &code),
            place(&b, &t, 101 + round * 2, &code)
        );
        let (won, lost) = match (ra, rb) {
            (Ok(no), Err(l)) | (Err(l), Ok(no)) => (no, l),
            (x, y) => panic!("exactly one wins: {:?} / {:?}", x.is_ok(), y.is_ok()),
        };
        assert_eq!(lost.0, 409);
        assert!(lost.1.contains("这个优惠码已被用完"), "the loser is told");
        assert_eq!(order(&t, &won).discount, Money(100));
        assert_eq!(used(&t, &code), 1);
        assert_eq!(t.app.store.order_count().unwrap(), orders + 1, "one order");
        assert_eq!(
            t.app.store.stock("soy-candle-cedar").unwrap(),
            stock - 1,
            "one unit taken"
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_use_is_given_back_when_the_order_closes_unpaid() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    coupon(
        &t,
        "COMEBACK",
        CouponKind::Fixed { amount: Money(100) },
        |c| {
            c.total_cap = Some(1);
            c.per_shopper_cap = Some(1);
        },
    );
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let no = place(&c, &t, 1, "COMEBACK").await.unwrap();
    assert_eq!(used(&t, "COMEBACK"), 1);
    let other = client();
    add_to_cart(&other, &t, "stoneware-mug-white", 1).await;
    let (_, page) = apply(&other, &t, 2, "COMEBACK").await;
    assert!(page.contains("已被用完"));
    assert_eq!(t.app.payments.close_expired().await.unwrap(), 0);
    t.app.clock.advance(15 * 60);
    assert_eq!(t.app.payments.close_expired().await.unwrap(), 1);
    assert_eq!(order(&t, &no).state, OrderState::Closed);
    assert_eq!(used(&t, "COMEBACK"), 0, "released in the close");
    // The same shopper (same mobile number) may use it again: their count went back too.
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    let again = place(&c, &t, 1, "COMEBACK").await.unwrap();
    assert_eq!(order(&t, &again).discount, Money(100));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn buy_now_places_only_that_item_and_leaves_the_cart() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 2).await;
    let (s, page) = get_text(&c, &t.url("/checkout?sku=longjing-100g&qty=2")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("name=\"sku\" value=\"longjing-100g\""),
        "carried by the form"
    );
    assert!(page.contains("¥256.00"), "just the tea: 2 × 128.00");
    assert!(!page.contains("粗陶马克杯"), "not the cart's mug");
    let mut f = shopper_form(1);
    f.push(("sku", "longjing-100g".into()));
    f.push(("qty", "2".into()));
    let (s, loc, _) = checkout(&c, &t, &as_form(&f)).await;
    assert_eq!(s, 303);
    let o = order(&t, &OrderNo::parse(placed_no(&loc.unwrap())).unwrap());
    assert_eq!(o.lines.len(), 1);
    assert_eq!(
        (o.lines[0].sku.as_str(), o.lines[0].qty),
        ("longjing-100g", 2)
    );
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("粗陶马克杯"), "the cart is left as it was");
    // A visitor who never used the cart can buy now too.
    let fresh = client();
    let mut f = shopper_form(2);
    f.push(("sku", "soy-candle-cedar".into()));
    f.push(("qty", "1".into()));
    let (s, _, _) = checkout(&fresh, &t, &as_form(&f)).await;
    assert_eq!(s, 303);
    // Bad sku or quantity: said in words, nothing placed.
    let n = t.app.store.order_count().unwrap();
    for q in [
        "sku=nope&qty=1",
        "sku=longjing-100g&qty=0",
        "sku=longjing-100g&qty=abc",
        "sku=osmanthus-oolong-75g&qty=1",
    ] {
        let (s, page) = get_text(&c, &t.url(&format!("/checkout?{q}"))).await;
        assert!(s == 400 || s == 409, "{q}: {s}");
        assert!(
            page.contains("无法直接购买") || page.contains("库存"),
            "{q}: {page}"
        );
    }
    let mut f = shopper_form(3);
    f.push(("sku", "nope".into()));
    f.push(("qty", "1".into()));
    let (s, _, _) = checkout(&c, &t, &as_form(&f)).await;
    assert_ne!(s, 303);
    assert_eq!(t.app.store.order_count().unwrap(), n);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_creates_lists_and_disables_codes_in_words_with_audit_entries() {
    for (lang, words) in [
        (
            puzi::text::Lang::Zh,
            ["优惠券", "已用次数", "停用后", "减 15%"],
        ),
        (
            puzi::text::Lang::En,
            ["Coupons", "Used", "Once disabled", "15% off"],
        ),
    ] {
        let t = TestApp::start_tuned(|c| c.shop.language = lang).await;
        let o = setup_owner(&t).await;
        let (s, page) = get_text(&o.c, &t.url("/admin/coupons")).await;
        assert_eq!(s, 200);
        assert!(page.contains(words[0]));
        // A bad form says why and stores nothing.
        let r = o
            .post(
                &t,
                "/admin/coupons",
                &[
                    ("code", "ab"),
                    ("kind", "fixed"),
                    ("value", "5"),
                    ("starts", "2026-01-01T00:00"),
                    ("ends", "2027-01-01T00:00"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(t.app.store.coupons().unwrap().is_empty());
        let r = o
            .post(
                &t,
                "/admin/coupons",
                &[
                    ("code", "spring15"),
                    ("kind", "percent"),
                    ("value", "15"),
                    ("min_spend", "50"),
                    ("starts", "2026-01-01T00:00"),
                    ("ends", "2027-01-01T00:00"),
                    ("total_cap", "100"),
                    ("per_shopper_cap", "1"),
                    ("cat_tea", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let c = t.app.store.coupon("SPRING15").unwrap().unwrap();
        assert_eq!(c.kind, CouponKind::Percent { percent: 15 });
        assert_eq!(c.categories, vec!["tea".to_string()]);
        let (_, page) = get_text(&o.c, &t.url("/admin/coupons")).await;
        assert!(page.contains("SPRING15") && page.contains(words[1]) && page.contains(words[3]));
        assert!(page.contains("0 / 100"), "uses so far");
        for bad in ["Debug", "Percent {", "{\"", "CouponKind"] {
            assert!(!page.contains(bad), "{bad} on the page");
        }
        // Disabling asks first.
        let (_, ask) = get_text(&o.c, &t.url("/admin/coupons/SPRING15/disable")).await;
        assert!(ask.contains(words[2]));
        let r = o.post(&t, "/admin/coupons/SPRING15/disable", &[]).await;
        assert_eq!(r.status(), 200, "asked again without the confirmation");
        assert!(!t.app.store.coupon("SPRING15").unwrap().unwrap().disabled);
        let r = o
            .post(&t, "/admin/coupons/SPRING15/disable", &[("confirm", "1")])
            .await;
        assert_eq!(r.status(), 303);
        assert!(t.app.store.coupon("SPRING15").unwrap().unwrap().disabled);
        let entries = t.app.store.audit_entries(None, None, 50).unwrap();
        let kinds: Vec<_> = entries.iter().map(|e| e.action.clone()).collect();
        assert!(kinds.contains(&puzi::audit::Action::CouponCreated {
            code: "SPRING15".into()
        }));
        assert!(kinds.contains(&puzi::audit::Action::CouponDisabled {
            code: "SPRING15".into()
        }));
        let (_, audit) = get_text(&o.c, &t.url("/admin/audit")).await;
        assert!(audit.contains("SPRING15"));
        t.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_refund_is_prorated_to_what_the_line_paid_after_the_discount() {
    let t = TestApp::start().await;
    coupon(
        &t,
        "SAVE10",
        CouponKind::Fixed {
            amount: Money(1000),
        },
        |_| {},
    );
    let c = client();
    add_to_cart(&c, &t, "stoneware-mug-white", 1).await; // 59.00, its share 4.64
    add_to_cart(&c, &t, "longjing-50g", 1).await; // 68.00, its share 5.36
    let no = place(&c, &t, 1, "SAVE10").await.unwrap();
    pay_in_sandbox(&t, &c, &no, "阿珍", None).await;
    let o = order(&t, &no);
    let mug = o
        .lines
        .iter()
        .find(|l| l.sku == "stoneware-mug-white")
        .unwrap();
    assert_eq!(mug.paid(), Money(5436));
    // The shopper asks for the mug back.
    let now = t.app.clock.unix();
    let f: std::collections::HashMap<String, String> = [
        ("scope", "lines"),
        ("qty_stoneware-mug-white", "1"),
        ("reason", "damaged"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let d = puzi::order::parse_request(&o, &f).unwrap();
    t.app
        .store
        .update_order(&no, now, |o, _| {
            Ok::<_, puzi::store::StoreError>(o.request_aftersales(d, vec![], now))
        })
        .unwrap()
        .unwrap()
        .unwrap();
    // The owner's form starts at what the mug paid; more is refused, nothing refunded.
    let owner = setup_owner(&t).await;
    let (_, detail) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(
        detail.contains("value=\"54.36\""),
        "pre-filled with the line's paid amount"
    );
    let path = format!("/admin/aftersales/{no}/approve");
    let r = owner
        .post(&t, &path, &[("amount", "59.00"), ("confirm", "1")])
        .await;
    assert_ne!(r.status(), 303, "the mug's price is more than it paid");
    assert!(order(&t, &no).refunds.is_empty());
    let r = owner
        .post(&t, &path, &[("amount", "54.36"), ("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(order(&t, &no).refunds[0].amount, Money(5436));
    // The mug is refunded: a second request for it is refused (only the tea is left).
    let o = order(&t, &no);
    assert_eq!(o.units_refunded("stoneware-mug-white"), 1);
    assert!(matches!(
        puzi::order::parse_request(&o, &f),
        Err(puzi::order::AftersalesProblem::TooMany)
    ));
    t.stop().await;
}

/// WeChat's late payment for a closed order (the sandbox pays the expired prepay).
async fn late_payment(t: &TestApp, no: &OrderNo) {
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/control/pay"))
        .json(&serde_json::json!({"out_trade_no": no.as_str(), "late": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// An order of one `sku` with `code`, prepaid, expired unpaid and closed.
async fn closed_with_coupon(t: &TestApp, i: usize, sku: &str, code: &str) -> OrderNo {
    let c = client();
    add_to_cart(&c, t, sku, 1).await;
    let no = place(&c, t, i, code).await.unwrap();
    prepay_in_sandbox(t, &c, &no, "阿珍").await;
    t.app.clock.advance(15 * 60);
    t.app.payments.close_expired().await.unwrap();
    assert_eq!(order(t, &no).state, OrderState::Closed);
    no
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_payment_takes_the_use_again_unless_it_is_refunded_for_want_of_stock() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    coupon(&t, "LATE", CouponKind::Fixed { amount: Money(100) }, |_| {});
    // Stock left: the order revives, and so does its use of the code.
    let no = closed_with_coupon(&t, 1, "dianhong-100g", "LATE").await;
    assert_eq!(used(&t, "LATE"), 0, "given back in the close");
    late_payment(&t, &no).await;
    assert_eq!(order(&t, &no).state, OrderState::Paid);
    assert_eq!(used(&t, "LATE"), 1, "taken again by the revival");
    // No stock left: the late payment is refunded in full and the order ends refunded,
    // never fulfilled — the use stays given back.
    let no = closed_with_coupon(&t, 2, "dianhong-100g", "LATE").await;
    assert_eq!(used(&t, "LATE"), 1);
    t.app.store.set_stock("dianhong-100g", 0).unwrap();
    late_payment(&t, &no).await;
    t.app.payments.idle().await;
    t.app
        .clock
        .advance(t.sandbox().settings().refund_delay_secs);
    t.sandbox().deliver_due().await.unwrap();
    assert_eq!(order(&t, &no).state, OrderState::Refunded);
    assert_eq!(
        used(&t, "LATE"),
        1,
        "a refunded late payment does not use the code"
    );
    t.stop().await;
}
