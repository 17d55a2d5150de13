//! Browsing, assets, images, security headers and the cart.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn home_lists_the_demo_catalog_by_category() {
    let t = TestApp::start().await;
    let c = client();
    let r = c.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Browsing stores nothing and sets no cookie; the first cart change does.
    assert!(r.headers().get("set-cookie").is_none());
    let body = r.text().await.unwrap();
    let added = add_to_cart(&client(), &t, "canvas-tote-black", 1).await;
    let cookie = added.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("puzi_sid="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    for cat in ["/c/tea", "/c/home", "/c/apparel"] {
        assert!(body.contains(cat), "missing {cat}");
    }
    let products = [
        "longjing",
        "dianhong",
        "osmanthus-oolong",
        "stoneware-mug",
        "soy-candle",
        "linen-cushion",
        "cotton-tee",
        "canvas-tote",
        "wool-socks",
    ];
    for p in products {
        assert!(body.contains(&format!("href=\"/p/{p}\"")), "missing {p}");
    }
    assert!(body.contains("已售罄"), "sold-out badge");
    assert!(body.contains("仅剩 3 件"), "low-stock badge");

    let (s, tea) = get_text(&c, &t.url("/c/tea")).await;
    assert_eq!(s, 200);
    assert!(tea.contains("/p/longjing") && !tea.contains("/p/cotton-tee"));
    assert_eq!(get_text(&c, &t.url("/c/nope")).await.0, 404);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn product_page_has_gallery_variants_and_stock_state() {
    let t = TestApp::start().await;
    let c = client();
    let (s, body) = get_text(&c, &t.url("/p/stoneware-mug")).await;
    assert_eq!(s, 200);
    assert_eq!(
        body.matches("<img src=\"/img/").count(),
        2,
        "two gallery images"
    );
    for (sku, price) in [
        ("stoneware-mug-white", "¥59.00"),
        ("stoneware-mug-green", "¥69.00"),
    ] {
        assert!(body.contains(&format!("value=\"{sku}\"")), "{sku}");
        assert!(body.contains(price));
    }
    assert!(body.contains("仅剩 4 件"));

    let (_, sold) = get_text(&c, &t.url("/p/osmanthus-oolong")).await;
    assert!(
        sold.contains("disabled"),
        "sold-out product cannot be added"
    );
    assert_eq!(get_text(&c, &t.url("/p/no-such-thing")).await.0, 404);
    assert_eq!(get_text(&c, &t.url("/p/..%2Fetc")).await.0, 404);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_security_headers() {
    let t = TestApp::start().await;
    for path in ["/", "/p/longjing", "/nope", "/assets/style.css", "/healthz"] {
        let r = reqwest::get(t.url(path)).await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(h.get("referrer-policy").is_some());
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn assets_and_images_are_cacheable_and_compressed() {
    let t = TestApp::start().await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let r = raw
        .get(t.url("/assets/style.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    assert!(r.headers().get("cache-control").is_some());
    let etag = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let r2 = raw
        .get(t.url("/assets/style.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 304);
    let plain = raw.get(t.url("/assets/style.css")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().contains(".tabbar"));

    let (_, page) = get_text(&raw, &t.url("/p/longjing")).await;
    let start = page.find("/img/").unwrap();
    let img = &page[start..start + 5 + 64];
    let r = raw.get(t.url(img)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").unwrap(), "image/svg+xml");
    assert!(
        r.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let tag = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(tag, format!("\"{}\"", &img[5..]));
    let r = raw
        .get(t.url(img))
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cart_add_update_remove_and_totals() {
    let t = TestApp::start().await;
    let c = client();
    let r = add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("/p/stoneware-mug?added=1")
    );

    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("粗陶马克杯"));
    // ¥59.00 + ¥8.00 shipping
    assert!(cart.contains("¥8.00") && cart.contains("¥67.00"), "{cart}");

    let r = c
        .post(t.url("/cart/update"))
        .form(&[("sku", "stoneware-mug-white"), ("qty", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    // ¥118.00 is over the ¥99 threshold: free shipping
    assert!(cart.contains("¥118.00") && cart.contains("包邮"), "{cart}");

    let bad = c
        .post(t.url("/cart/update"))
        .form(&[("sku", "stoneware-mug-white"), ("qty", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    c.post(t.url("/cart/remove"))
        .form(&[("sku", "stoneware-mug-white")])
        .send()
        .await
        .unwrap();
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("购物车是空的"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sold_out_and_unknown_items_cannot_be_added() {
    let t = TestApp::start().await;
    let c = client();
    let r = add_to_cart(&c, &t, "osmanthus-oolong-75g", 1).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("added=soldout")
    );
    let r = add_to_cart(&c, &t, "no-such-sku", 1).await;
    assert_eq!(r.status(), 400);
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("购物车是空的"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_cross_site_posts_are_refused() {
    let t = TestApp::start().await;
    let c = client();
    let big = "x".repeat(200 * 1024);
    let r = c
        .post(t.url("/cart/add"))
        .form(&[("sku", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = c
        .post(t.url("/cart/add"))
        .header("origin", "https://evil.example")
        .form(&[("sku", "stoneware-mug-white"), ("qty", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c.delete(t.url("/cart")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers() {
    let t = TestApp::start().await;
    let r = reqwest::get(t.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cached_pages_follow_stock_and_catalog_changes() {
    let t = TestApp::start().await;
    let anon = client();
    let (_, before) = get_text(&anon, &t.url("/p/dianhong")).await;
    assert!(before.contains("仅剩 3 件"));
    let (_, again) = get_text(&anon, &t.url("/p/dianhong")).await;
    assert_eq!(before, again, "served from the cache");
    let c = client();
    add_to_cart(&c, &t, "dianhong-100g", 1).await;
    checkout(&c, &t, &GOOD_FORM).await;
    let (_, after) = get_text(&anon, &t.url("/p/dianhong")).await;
    assert!(after.contains("仅剩 2 件"), "the order changed the page");
    // The cart badge differs per visitor.
    add_to_cart(&c, &t, "canvas-tote-black", 1).await;
    let (_, with_cart) = get_text(&c, &t.url("/")).await;
    let (_, without) = get_text(&anon, &t.url("/")).await;
    assert_ne!(with_cart, without);
    let mut p = t.app.store.product("dianhong").unwrap().unwrap();
    p.name = "云南滇红 · 新茶".into();
    t.app.store.put_product(&p, &[]).unwrap();
    assert!(
        get_text(&anon, &t.url("/p/dianhong"))
            .await
            .1
            .contains("云南滇红 · 新茶")
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_requests_are_explained_in_the_shops_words_not_developer_text() {
    let t = TestApp::start().await;
    let c = client();
    // A quantity that is not a number: 400, a sentence from the text tables.
    let r = c
        .post(t.url("/cart/add"))
        .form(&[("sku", "longjing-50g"), ("qty", "lots")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("这个请求无法处理"), "{page}");
    assert!(!page.contains("quantity must") && !page.contains("bad request"));
    // A form posted from another site: 403, said in words.
    let r = c
        .post(t.url("/cart/add"))
        .header("origin", "https://evil.example")
        .form(&[("sku", "longjing-50g"), ("qty", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("页面已过期"), "{page}");
    assert!(!page.contains("cross-site") && !page.contains("forbidden"));
    t.stop().await;
}
