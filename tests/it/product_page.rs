//! The storefront that sells (issue 15): the product page's variant data and bottom bar
//! (buy now posts `sku`/`qty` to `GET /checkout`), the cart's flags and free-shipping hint,
//! featured products shown once, the customer-service page and its links, the page cache.

use crate::support::*;
use puzi::money::Money;

/// The `<input …>` tag that carries `value="{sku}"`.
fn input_for<'a>(body: &'a str, sku: &str) -> &'a str {
    let at = body
        .find(&format!("value=\"{sku}\""))
        .unwrap_or_else(|| panic!("no input for {sku}"));
    let start = body[..at].rfind("<input").unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

#[tokio::test(flavor = "multi_thread")]
async fn variants_carry_their_price_and_stock_and_the_form_posts_the_chosen_one() {
    let t = TestApp::start().await;
    let c = client();
    let (s, body) = get_text(&c, &t.url("/p/stoneware-mug")).await;
    assert_eq!(s, 200);
    let white = input_for(&body, "stoneware-mug-white");
    let green = input_for(&body, "stoneware-mug-green");
    assert!(white.contains("data-price=\"¥59.00\""), "{white}");
    assert!(green.contains("data-price=\"¥69.00\""), "{green}");
    let stock = |tag: &str| -> u32 {
        let a = tag.find("data-stock=\"").unwrap() + 12;
        tag[a..a + tag[a..].find('"').unwrap()].parse().unwrap()
    };
    let product = t.app.store.sku("stoneware-mug-green").unwrap().unwrap();
    assert_eq!(stock(green), product.1, "the green mug's stock");
    assert!(
        white.contains("checked"),
        "the first variant in stock is chosen"
    );
    // The headline is the chosen variant's price, not "from".
    assert!(element(&body, "headline-price").contains("¥59.00"));
    // Without script, asking for a variant renders its price in the headline.
    let (_, green_page) = get_text(&c, &t.url("/p/stoneware-mug?sku=stoneware-mug-green")).await;
    assert!(
        element(&green_page, "headline-price").contains("¥69.00"),
        "{}",
        element(&green_page, "headline-price")
    );
    assert!(input_for(&green_page, "stoneware-mug-green").contains("checked"));
    // The plain form posts the chosen variant and the typed quantity.
    let r = add_to_cart(&c, &t, "stoneware-mug-green", 2).await;
    assert_eq!(r.status(), 303);
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("¥138.00"), "two green mugs");
    // The quantity stepper: − and + around a number input bounded by the stock and 99.
    assert!(body.contains("data-step=\"-1\"") && body.contains("data-step=\"1\""));
    let qty = element(&body, "qty");
    assert!(
        qty.contains("min=\"1\"") && qty.contains("type=\"number\""),
        "{qty}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn buy_now_posts_sku_and_qty_to_checkout_and_is_off_when_nothing_can_be_bought() {
    let t = TestApp::start().await;
    let c = client();
    let (_, body) = get_text(&c, &t.url("/p/longjing")).await;
    let form_start = body
        .find("<form class=\"buy\" id=\"buy\"")
        .expect("the buy form");
    let form = &body[form_start..form_start + body[form_start..].find("</form>").unwrap()];
    let buy_now = element(form, "buy-now");
    assert!(
        buy_now.contains("formaction=\"/checkout\"") && buy_now.contains("formmethod=\"get\""),
        "{buy_now}"
    );
    assert!(buy_now.contains("type=\"submit\""));
    assert!(form.contains("name=\"sku\"") && form.contains("name=\"qty\""));
    // The bar's cart link says how many items the cart holds.
    assert!(form.contains("href=\"/cart\""));
    add_to_cart(&c, &t, "longjing-50g", 3).await;
    let (_, again) = get_text(&c, &t.url("/p/longjing")).await;
    assert!(
        again.contains("aria-label=\"购物车，3 件商品\""),
        "badge in words"
    );
    // A sold-out product: variants shown, not choosable, both bar buttons disabled.
    let (_, sold) = get_text(&c, &t.url("/p/osmanthus-oolong")).await;
    assert!(!sold.contains("id=\"buy-now\""));
    assert!(!sold.contains("formaction=\"/checkout\""));
    assert!(
        sold.contains("class=\"addcart\" type=\"submit\" disabled"),
        "add to cart off"
    );
    assert!(
        sold.contains("type=\"submit\" disabled>暂时无货"),
        "buy now off"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cart_flags_stock_drops_price_changes_and_removed_products_in_words() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 2).await;
    add_to_cart(&c, &t, "dianhong-100g", 2).await;
    add_to_cart(&c, &t, "canvas-tote-black", 1).await;
    let (_, clean) = get_text(&c, &t.url("/cart")).await;
    assert!(!clean.contains("class=\"warn flag"), "nothing to flag yet");
    assert!(clean.contains("href=\"/checkout\""));

    // Stock drops below the quantity, a price changes, a product is taken off sale.
    t.app.store.set_stock("dianhong-100g", 1).unwrap();
    let mut tea = t.app.store.product("longjing").unwrap().unwrap();
    tea.variants[0].price = Money(7800);
    t.app.store.put_product(&tea, &[]).unwrap();
    let mut tote = t.app.store.product("canvas-tote").unwrap().unwrap();
    tote.published = false;
    t.app.store.put_product(&tote, &[]).unwrap();

    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(cart.contains("库存仅剩 1 件，请减少数量"), "stock drop");
    assert!(cart.contains("价格已从 ¥68.00 变为 ¥78.00"), "price change");
    assert!(cart.contains("该商品已下架，请移除"), "removed product");
    assert!(
        !cart.contains("canvas-tote-black<"),
        "no SKU code as a name"
    );
    // The checkout button says what to fix first.
    assert!(element(&cart, "checkout-button").contains("请先移除已售罄或已下架的商品"));
    assert!(!cart.contains("href=\"/checkout\""));

    c.post(t.url("/cart/remove"))
        .form(&[("sku", "canvas-tote-black")])
        .send()
        .await
        .unwrap();
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(element(&cart, "checkout-button").contains("请先减少库存不足的商品数量"));

    c.post(t.url("/cart/update"))
        .form(&[("sku", "dianhong-100g"), ("qty", "1")])
        .send()
        .await
        .unwrap();
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(element(&cart, "checkout-button").contains("价格有变动，确认后去结算"));
    // Accepting the new prices goes on to checkout and clears the flag.
    let r = c
        .post(t.url("/cart/update"))
        .form(&[("accept", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/checkout");
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(!cart.contains("价格已从"));
    assert!(cart.contains("href=\"/checkout\""));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cart_says_how_much_more_earns_free_shipping() {
    let t = TestApp::start().await;
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    // The demo ships free from ¥99.00; one ¥68.00 tin leaves ¥31.00 to go.
    assert!(
        element(&cart, "free-shipping-gap").contains("再买 ¥31.00 免运费"),
        "{}",
        element(&cart, "free-shipping-gap")
    );
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(element(&cart, "free-shipping-gap").contains("已免运费"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_page_shows_featured_products_once() {
    let t = TestApp::start().await;
    let (_, home) = get_text(&client(), &t.url("/")).await;
    let products = t.app.store.products().unwrap();
    let featured: Vec<_> = products.iter().filter(|p| p.featured).collect();
    assert!(!featured.is_empty());
    for p in &products {
        let n = home.matches(&format!("href=\"/p/{}\"", p.id)).count();
        assert_eq!(n, 1, "{} shown {n} times", p.id);
    }
    // The featured section comes first.
    let first_featured = home
        .find(&format!("href=\"/p/{}\"", featured[0].id))
        .unwrap();
    let first_category = home.find("<h2><a href=\"/c/").unwrap();
    assert!(first_featured < first_category);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_page_shows_the_configured_contact_and_is_linked_from_product_and_order_pages()
{
    let t = TestApp::start_tuned(|cfg| {
        cfg.shop.service.phone = Some("400 800 1234".into());
        cfg.shop.service.wechat_id = Some("puzi_kefu".into());
        cfg.shop.service.hours = Some("每天 9:00–21:00".into());
        cfg.wechat.follow_qr_image = Some(puzi::config::FollowQr {
            data: std::sync::Arc::new(b"GIF89a".to_vec()),
            content_type: "image/gif",
        });
    })
    .await;
    let c = client();
    let (s, page) = get_text(&c, &t.url("/service")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("href=\"tel:4008001234\""),
        "phone as a tel: link"
    );
    assert!(page.contains(">400 800 1234<"));
    assert!(
        page.contains("data-copy=\"puzi_kefu\""),
        "WeChat ID with a copy button"
    );
    assert!(page.contains("每天 9:00–21:00"));
    assert!(page.contains("src=\"/follow-qr\""), "the account's QR code");

    let (_, product) = get_text(&c, &t.url("/p/longjing")).await;
    assert!(
        product.contains("href=\"/service\""),
        "linked from the product page"
    );
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = placed_no(loc.as_deref().unwrap()).to_string();
    let (_, order) = get_text(&c, &t.url(&format!("/orders/{no}"))).await;
    assert!(
        order.contains("href=\"/service\""),
        "linked from the order page"
    );
    let (_, orders) = get_text(&c, &t.url("/orders")).await;
    assert!(
        orders.contains("href=\"/service\""),
        "linked from the order list"
    );
    // The list leads with date, state and goods, not the 24-digit number.
    assert!(
        !orders.contains(&format!(">{no}<")),
        "no order number shown in the list"
    );
    assert!(orders.contains("共 1 件 合计 ¥76.00"), "items and total");
    // The back office's contact form starts from the config's values.
    let owner = crate::admin::setup_owner(&t).await;
    let (_, form) = get_text(&owner.c, &t.url("/admin/service")).await;
    assert!(form.contains("客服电话") && form.contains("value=\"400 800 1234\""));
    assert!(form.contains("value=\"puzi_kefu\""));
    t.stop().await;

    // A shop without contact details: no links, and the page says so.
    let t = TestApp::start_tuned(|cfg| {
        cfg.shop.service = Default::default();
        cfg.wechat.follow_qr_image = None;
    })
    .await;
    let (_, product) = get_text(&client(), &t.url("/p/longjing")).await;
    assert!(!product.contains("href=\"/service\""));
    let (_, page) = get_text(&client(), &t.url("/service")).await;
    assert!(page.contains("店铺还没有填写联系方式。"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_product_page_is_still_served_from_the_page_cache() {
    let t = TestApp::start().await;
    let anon = client();
    let (_, first) = get_text(&anon, &t.url("/p/stoneware-mug")).await;
    let (_, second) = get_text(&anon, &t.url("/p/stoneware-mug")).await;
    assert_eq!(first, second, "byte-stable");
    let (_, metrics) = get_text(&anon, &t.url("/metrics")).await;
    let bytes: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("puzi_page_cache_bytes "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(bytes >= first.len() as u64, "the page is held by the cache");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_english_shop_says_it_in_english() {
    let t = TestApp::start_tuned(|cfg| cfg.shop.language = puzi::text::Lang::En).await;
    let c = client();
    let (_, product) = get_text(&c, &t.url("/p/longjing")).await;
    assert!(product.contains(">Buy now<") && product.contains(">Add to cart<"));
    assert!(product.contains("aria-label=\"Decrease quantity\""));
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, cart) = get_text(&c, &t.url("/cart")).await;
    assert!(
        cart.contains("¥31.00 more for free shipping"),
        "free-shipping hint"
    );
    assert!(cart.contains("aria-label=\"Cart, 1 item\""));
    assert!(!cart.contains("再买"), "no Chinese in the English cart");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checkout_is_headed_confirm_order_with_each_lines_picture_and_short_region_prompts() {
    for (lang, heading, city) in [
        (puzi::text::Lang::Zh, "<h1>确认订单</h1>", "城市"),
        (puzi::text::Lang::En, "<h1>Confirm your order</h1>", "City"),
    ] {
        let t = TestApp::start_tuned(|c| c.shop.language = lang).await;
        let c = client();
        add_to_cart(&c, &t, "stoneware-mug-white", 1).await;
        let (s, page) = get_text(&c, &t.url("/checkout")).await;
        assert_eq!(s, 200);
        assert!(page.contains(heading), "{page}");
        let summary = &page[page.find("class=\"summary\"").unwrap()..];
        let summary = &summary[..summary.find("</ul>").unwrap()];
        assert!(summary.contains("<img src=\"/img/"), "{summary}");
        // The empty choice of a region select is its name alone (no "· Choose" to be cut).
        assert!(
            page.contains(&format!("<option value=\"\">{city}</option>")),
            "{page}"
        );
        t.stop().await;
    }
}
