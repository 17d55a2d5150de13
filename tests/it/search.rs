//! Storefront search (`/search?q=…`): Chinese substrings, folded ASCII, SKUs, terms that
//! must all match, names ranked first, hidden products left out, the index following
//! catalog changes, the empty state and over-long queries.

use crate::support::*;
use puzi::catalog::{Product, Variant};
use puzi::money::Money;

fn product(id: &str, name: &str, description: &str, sku: &str) -> Product {
    Product {
        id: id.into(),
        category: "tea".into(),
        name: name.into(),
        summary: String::new(),
        description: description.into(),
        images: vec![],
        option_name: String::new(),
        variants: vec![Variant {
            sku: sku.into(),
            name: String::new(),
            price: Money(1000),
        }],
        featured: false,
        published: true,
        sort: 0,
    }
}

fn put(t: &TestApp, p: &Product) {
    t.app
        .store
        .put_product(p, &[(p.variants[0].sku.clone(), 5)])
        .unwrap();
}

async fn search(t: &TestApp, q: &str) -> (u16, String) {
    let url = format!("{}?q={}", t.url("/search"), urlencode(q));
    get_text(&client(), &url).await
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn found(body: &str, id: &str) -> bool {
    body.contains(&format!("href=\"/p/{id}\""))
}

#[tokio::test(flavor = "multi_thread")]
async fn chinese_substrings_folded_ascii_and_skus_are_found() {
    let t = TestApp::start().await;
    put(
        &t,
        &product("cu-tao", "手工陶泥杯", "适合早晨的咖啡", "ZX-9042"),
    );
    put(&t, &product("tao-cu", "泥陶杯", "", "QQ-1"));
    put(&t, &product("travel", "Stoneware Travel Mug", "", "TR-7"));

    // Two characters inside a name; the same characters the other way round are not it.
    let (s, body) = search(&t, "陶泥").await;
    assert_eq!(s, 200);
    assert!(found(&body, "cu-tao"), "{body}");
    assert!(!found(&body, "tao-cu"));
    assert!(body.contains("共找到 1 件商品"), "the count");
    assert!(
        body.contains("value=\"陶泥\""),
        "the query stays in the box"
    );
    // From the description.
    assert!(found(&search(&t, "咖啡").await.1, "cu-tao"));
    // ASCII in any case, and full-width letters.
    for q in ["TRAVEL mug", "travel", "ｔｒａｖｅｌ"] {
        let body = search(&t, q).await.1;
        assert!(found(&body, "travel"), "{q}");
        assert!(!found(&body, "cu-tao"), "{q}");
    }
    // A SKU, any case.
    assert!(found(&search(&t, "zx-9042").await.1, "cu-tao"));
    // One character.
    let body = search(&t, "泥").await.1;
    assert!(found(&body, "cu-tao") && found(&body, "tao-cu"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_term_must_match_and_names_rank_first() {
    let t = TestApp::start().await;
    put(
        &t,
        &product("a-desc", "Aaa plain cup", "青瓷 glaze, hand thrown", "A-1"),
    );
    put(&t, &product("z-name", "Zzz 青瓷 bowl", "", "Z-1"));
    put(&t, &product("b-other", "Bbb 青瓷 plate", "", "B-1"));

    let body = search(&t, "青瓷").await.1;
    let pos = |id: &str| body.find(&format!("href=\"/p/{id}\"")).expect(id);
    // Names before descriptions, even when the name sorts last.
    assert!(pos("z-name") < pos("a-desc"), "name match first");
    assert!(pos("b-other") < pos("z-name"), "then by name");
    assert!(body.contains("共找到 3 件商品"));

    // Terms AND: both must be somewhere in the product.
    let body = search(&t, "青瓷 bowl").await.1;
    assert!(found(&body, "z-name") && !found(&body, "a-desc") && !found(&body, "b-other"));
    let body = search(&t, "青瓷 glaze").await.1;
    assert!(found(&body, "a-desc") && !found(&body, "z-name"));
    let body = search(&t, "青瓷 teapot").await.1;
    assert!(body.contains("没有找到相关商品"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hidden_products_never_appear() {
    let t = TestApp::start().await;
    let mut hidden = product("secret", "内部样品杯", "", "HID-1");
    hidden.published = false;
    put(&t, &hidden);
    for q in ["内部样品", "hid-1"] {
        let (s, body) = search(&t, q).await;
        assert_eq!(s, 200);
        assert!(!found(&body, "secret"), "{q}");
        assert!(body.contains("没有找到相关商品"), "{q}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_index_follows_catalog_changes() {
    let t = TestApp::start().await;
    assert!(search(&t, "云雾").await.1.contains("没有找到相关商品"));
    // A product written (as the back office does) is found by the next search.
    let mut p = product("yunwu", "庐山云雾", "", "YW-1");
    put(&t, &p);
    assert!(found(&search(&t, "云雾").await.1, "yunwu"));
    // Renamed: the old words go, the new ones come.
    p.name = "高山绿茶".into();
    put(&t, &p);
    assert!(!found(&search(&t, "云雾").await.1, "yunwu"));
    assert!(found(&search(&t, "高山").await.1, "yunwu"));
    // Unpublished: gone.
    p.published = false;
    put(&t, &p);
    assert!(!found(&search(&t, "高山").await.1, "yunwu"));
    // A catalog import.
    let csv = "product_id,category,name,summary,description,option_name,sku,variant,price,stock,published,featured,sort,images\n\
               imported-tea,tea,蒙顶甘露,,,,MD-1,,88.00,5,true,false,0,\n";
    let n = t
        .app
        .store
        .import_catalog(csv, puzi::money::Currency::CNY, "test", 0)
        .unwrap()
        .unwrap();
    assert_eq!(n, 1);
    assert!(found(&search(&t, "甘露").await.1, "imported-tea"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_unmatched_queries_say_so_and_offer_the_featured_products() {
    let t = TestApp::start().await;
    // Sent empty: a prompt, not an error.
    for url in ["/search", "/search?q=", "/search?q=+++"] {
        let (s, body) = get_text(&client(), &t.url(url)).await;
        assert_eq!(s, 200, "{url}");
        assert!(body.contains("请输入要找的商品名称"), "{url}");
        assert!(found(&body, "longjing"), "featured suggestions: {url}");
    }
    // Nothing found: said in words, featured products and a way back.
    let (s, body) = search(&t, "没有这种东西").await;
    assert_eq!(s, 200);
    assert!(body.contains("没有找到相关商品"));
    assert!(found(&body, "longjing"), "a featured product is suggested");
    assert!(body.contains("href=\"/\""), "a way back");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_queries_get_a_clear_message_and_search_nothing() {
    let t = TestApp::start().await;
    let before = t.app.store.generation();
    // Over 100 characters: refused in words, not searched.
    let (s, body) = search(&t, &"茶".repeat(101)).await;
    assert_eq!(s, 400);
    assert!(body.contains("搜索词太长了"), "{body}");
    assert!(!found(&body, "longjing"), "nothing was searched");
    // 10 KB: the server's URL limit answers first, with a page in words.
    let r = client()
        .get(format!("{}?q={}", t.url("/search"), "a".repeat(10 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("网址太长了"));
    // Nothing changed.
    assert_eq!(t.app.store.generation(), before);
    assert_eq!(search(&t, "龙井").await.0, 200);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn home_and_category_pages_carry_a_labelled_search_box() {
    let t = TestApp::start().await;
    for path in ["/", "/c/tea"] {
        let (s, body) = get_text(&client(), &t.url(path)).await;
        assert_eq!(s, 200);
        assert!(
            body.contains(
                "<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">"
            ),
            "{path}"
        );
        assert!(
            body.contains("<label class=\"sr-only\" for=\"search-q\">搜索商品</label>"),
            "{path}"
        );
        assert!(
            body.contains("id=\"search-q\" type=\"search\" name=\"q\""),
            "{path}"
        );
    }
    t.stop().await;
}
