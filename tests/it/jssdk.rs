//! The JS-SDK (issue 14): `wx.config` signatures against an independent SHA-1 (written
//! out in this file from FIPS 180-4), the `jsapi_ticket` cache (shared across pages, refreshed after expiry and after
//! 40001), the sandbox's `wx.config` check with its two strings, share data and Open Graph
//! tags, the "share" channel through to the back office, and `openAddress` → checkout codes.

use crate::admin::setup_owner;
use crate::support::*;
use serde_json::Value;

/// SHA-1 hex of `s`, written out here from FIPS 180-4 (not the shop's implementation,
/// which goes through aws-lc-rs), so the test needs nothing but Rust.
fn independent_sha1(s: &str) -> String {
    let mut m = s.as_bytes().to_vec();
    let bits = (m.len() as u64) * 8;
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&bits.to_be_bytes());
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    for block in m.chunks(64) {
        let mut w = [0u32; 80];
        for t in 0..16 {
            w[t] = u32::from_be_bytes(block[4 * t..4 * t + 4].try_into().unwrap());
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (t, wt) in w.iter().enumerate() {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let tmp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wt);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = tmp;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn the_tests_sha1_meets_the_fips_vectors() {
    assert_eq!(
        independent_sha1("abc"),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(
        independent_sha1(""),
        "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    );
    assert_eq!(
        independent_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
}

async fn wx_config(c: &reqwest::Client, t: &TestApp, page_url: &str) -> (u16, Value) {
    let r = c
        .get(url::Url::parse_with_params(&t.url("/wx/config"), [("url", page_url)]).unwrap())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// The sandbox's `wx.config` check, as the stand-in jweixin.js calls it from `page_url`.
async fn sandbox_check(c: &reqwest::Client, t: &TestApp, cfg: &Value, page_url: &str) -> Value {
    let mut body = cfg.clone();
    body["pageUrl"] = page_url.into();
    c.post(t.url("/sandbox/jssdk/config"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn wx_config_signatures_match_an_independent_sha1_of_wechats_string() {
    let t = TestApp::start().await;
    let c = client();
    let ticket = t.app.wechat.oa.jsapi_ticket().await.unwrap();
    let base = &t.app.base_url;
    for (asked, signed) in [
        (format!("{base}/p/longjing"), format!("{base}/p/longjing")),
        (
            format!("{base}/p/stoneware-mug?ch=article-0315&sku=stoneware-mug-blue"),
            format!("{base}/p/stoneware-mug?ch=article-0315&sku=stoneware-mug-blue"),
        ),
        (format!("{base}/c/tea#top"), format!("{base}/c/tea")),
    ] {
        let (s, cfg) = wx_config(&c, &t, &asked).await;
        assert_eq!(s, 200, "{asked}");
        assert_eq!(
            cfg["url"],
            signed.as_str(),
            "the URL signed has no fragment"
        );
        assert_eq!(cfg["appId"], t.app.wechat.appid.as_str());
        let string = format!(
            "jsapi_ticket={ticket}&noncestr={}&timestamp={}&url={signed}",
            cfg["nonceStr"].as_str().unwrap(),
            cfg["timestamp"].as_i64().unwrap()
        );
        assert_eq!(
            cfg["signature"].as_str().unwrap(),
            independent_sha1(&string)
        );
        // And WeChat (the sandbox) accepts it from the page, fragment and all.
        let check = sandbox_check(&c, &t, &cfg, &asked).await;
        assert_eq!(check["ok"], true, "{check}");
        assert_eq!(check["errMsg"], "config:ok");
    }
    // Only pages of this shop are signed.
    for bad in [
        "https://evil.example/p/longjing",
        "",
        &format!("{base}.evil.example/"),
    ] {
        assert_eq!(wx_config(&c, &t, bad).await.0, 400, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_is_shared_across_pages_and_refreshed_after_expiry_and_after_40001() {
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let c = client();
    let sb = t.sandbox();
    let base = t.app.base_url.clone();
    for p in ["/", "/c/tea", "/p/longjing", "/p/stoneware-mug?ch=x"] {
        assert_eq!(wx_config(&c, &t, &format!("{base}{p}")).await.0, 200);
    }
    assert_eq!(sb.ticket_calls().unwrap(), 1, "one ticket for every page");
    // Refreshed before WeChat's 7,200 s are up.
    t.app.clock.advance(7200 - 299);
    let (_, cfg) = wx_config(&c, &t, &format!("{base}/")).await;
    assert_eq!(sb.ticket_calls().unwrap(), 2, "a new ticket near expiry");
    let check = sandbox_check(&c, &t, &cfg, &format!("{base}/")).await;
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(wx_config(&c, &t, &format!("{base}/c/tea")).await.0, 200);
    assert_eq!(sb.ticket_calls().unwrap(), 2);
    // WeChat refuses the token (40001) when the next ticket is fetched: the token is
    // replaced and the ticket fetched once more.
    t.app.clock.advance(7200 - 299);
    sb.set_oa_fault(puzi::sandbox::OaFault::TokenRejected);
    let (s, cfg) = wx_config(&c, &t, &format!("{base}/p/longjing")).await;
    assert_eq!(s, 200);
    assert_eq!(
        sb.ticket_calls().unwrap(),
        4,
        "refused once, then fetched again"
    );
    let check = sandbox_check(&c, &t, &cfg, &format!("{base}/p/longjing")).await;
    assert_eq!(check["ok"], true, "{check}");
    // WeChat refuses every call (the whitelist) once the ticket is due: pages go on
    // without the JS-SDK, and WeChat is not asked again on every page view.
    t.app.clock.advance(7200);
    sb.set_oa_fault(puzi::sandbox::OaFault::IpNotWhitelisted {
        ip: "203.0.113.9".into(),
    });
    let before = sb.oa_calls().unwrap();
    assert_eq!(wx_config(&c, &t, &format!("{base}/")).await.0, 503);
    let asked = sb.oa_calls().unwrap();
    assert!(asked > before, "WeChat was asked");
    for p in ["/", "/c/tea", "/p/longjing"] {
        assert_eq!(wx_config(&c, &t, &format!("{base}{p}")).await.0, 503);
    }
    assert_eq!(sb.oa_calls().unwrap(), asked, "not again at once");
    let wait = puzi::wechat::jssdk::RETRY_AFTER_FAILURE_SECS;
    t.app.clock.advance(wait - 1);
    assert_eq!(wx_config(&c, &t, &format!("{base}/")).await.0, 503);
    assert_eq!(sb.oa_calls().unwrap(), asked, "not again within a minute");
    t.app.clock.advance(1);
    sb.clear_oa_fault();
    assert_eq!(wx_config(&c, &t, &format!("{base}/")).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_refuses_a_bad_signature_showing_both_strings() {
    let t = TestApp::start().await;
    let c = client();
    let base = t.app.base_url.clone();
    // Signed for the page without its query string, used on the page with one.
    let (_, cfg) = wx_config(&c, &t, &format!("{base}/p/longjing")).await;
    let page = format!("{base}/p/longjing?ch=booth#x");
    let check = sandbox_check(&c, &t, &cfg, &page).await;
    assert_eq!(check["ok"], false);
    assert_eq!(check["errMsg"], "config:invalid signature");
    let expected = check["expected"].as_str().unwrap();
    let given = check["given"].as_str().unwrap();
    assert!(expected.starts_with("jsapi_ticket="), "{expected}");
    assert!(
        expected.ends_with(&format!("&url={base}/p/longjing?ch=booth")),
        "{expected}"
    );
    assert!(
        given.ends_with(&format!("&url={base}/p/longjing")),
        "{given}"
    );
    // A tampered signature on the right page is refused too; another app id as well.
    let mut bad = cfg.clone();
    bad["signature"] = "0".repeat(40).into();
    let check = sandbox_check(&c, &t, &bad, &format!("{base}/p/longjing")).await;
    assert_eq!(check["errMsg"], "config:invalid signature");
    bad["appId"] = "wx0000000000000000".into();
    let check = sandbox_check(&c, &t, &bad, &format!("{base}/p/longjing")).await;
    assert_eq!(check["ok"], false);
    // The stand-in SDK is served.
    let (s, js) = get_text(&c, &t.url("/sandbox/jweixin.js")).await;
    assert_eq!(s, 200);
    assert!(js.contains("updateAppMessageShareData") && js.contains("openAddress"));
}

fn share_data(page: &str) -> Value {
    let start = page
        .find(r#"<script type="application/json" id="wx-share">"#)
        .expect("share data in the page");
    let rest = &page[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(json).expect("share data is JSON")
}

fn meta(page: &str, property: &str) -> String {
    let key = format!(r#"<meta property="{property}" content=""#);
    let i = page
        .find(&key)
        .unwrap_or_else(|| panic!("{property} in the page"))
        + key.len();
    page[i..i + page[i..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn home_category_and_product_pages_carry_share_data_and_open_graph_tags() {
    let t =
        TestApp::start_tuned(|cfg| cfg.shop.base_url = Some("https://shop.example".into())).await;
    let c = client();
    for (path, title) in [("/", ""), ("/c/tea", "茶饮"), ("/p/longjing", "")] {
        let (s, page) = get_text(&c, &t.url(path)).await;
        assert_eq!(s, 200, "{path}");
        let d = share_data(&page);
        let link = format!("https://shop.example{path}?from=share");
        assert_eq!(d["link"], link.as_str(), "{path}: marked as shared");
        assert_eq!(meta(&page, "og:url"), link);
        let img = d["imgUrl"].as_str().unwrap();
        assert!(
            img.starts_with("https://shop.example/img/"),
            "{path}: {img}"
        );
        assert_eq!(meta(&page, "og:image"), img);
        assert_eq!(meta(&page, "og:title"), d["title"].as_str().unwrap());
        assert!(!d["desc"].as_str().unwrap().is_empty(), "{path}");
        if !title.is_empty() {
            assert_eq!(d["title"], title);
        }
        assert!(
            page.contains("/assets/wx.js?v=") && page.contains(r#"data-sdk="/sandbox/jweixin.js""#)
        );
        // Nothing per visit in the cached bytes: the signature comes from /wx/config.
        assert!(!page.contains("signature"), "{path}");
    }
    let (_, p) = get_text(&c, &t.url("/p/longjing")).await;
    assert!(share_data(&p)["title"].as_str().unwrap().contains("龙井"));
    // A shopper who came with a channel tag shares it on, the link still marked as shared.
    let tagged = client();
    let (_, page) = get_text(&tagged, &t.url("/p/longjing?ch=article-0315")).await;
    assert_eq!(
        share_data(&page)["link"],
        "https://shop.example/p/longjing?ch=article-0315&from=share"
    );
    // On a cached page (no query) the tag rides in /wx/config's answer for wx.js.
    let (s, cfg) = wx_config(&tagged, &t, "https://shop.example/c/tea").await;
    assert_eq!(s, 200);
    assert_eq!(cfg["ch"], "article-0315");
    assert_eq!(
        wx_config(&c, &t, "https://shop.example/c/tea").await.1["ch"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_from_a_shared_link_shows_the_share_channel_in_words() {
    let t = TestApp::start().await;
    let c = client();
    let (_, page) = get_text(&c, &t.url("/p/longjing")).await;
    let link = share_data(&page)["link"].as_str().unwrap().to_string();
    // A friend opens the shared link and buys.
    let friend = client();
    let (s, _) = get_text(&friend, &link).await;
    assert_eq!(s, 200);
    add_to_cart(&friend, &t, "longjing-50g", 1).await;
    let (s, loc, body) = checkout(&friend, &t, &GOOD_FORM).await;
    assert_eq!(s, 303, "{body}");
    let no = placed_no(loc.as_deref().unwrap()).to_string();
    let order = t
        .app
        .store
        .order(&puzi::order::OrderNo::parse(&no).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(order.channel.as_deref(), Some("share"));
    let order_no = puzi::order::OrderNo::parse(&no).unwrap();
    pay_in_sandbox(&t, &friend, &order_no, "小李", None).await;
    let owner = setup_owner(&t).await;
    let (s, admin) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert_eq!(s, 200);
    assert!(admin.contains("好友分享"), "the channel in words");
    let (_, dash) = get_text(&owner.c, &t.url("/admin")).await;
    assert!(
        dash.contains("好友分享"),
        "the dashboard's channel table in words"
    );
    // A link shared by someone who came with a tag, as WeChat forwards it (it adds its own
    // `from`): the friend buys at once, without the cart; the order is "share" from that tag.
    let friend = client();
    let (s, _) = get_text(
        &friend,
        &t.url("/p/longjing?ch=article-0315&from=singlemessage&isappinstalled=0"),
    )
    .await;
    assert_eq!(s, 200);
    let mut f: Vec<(&str, &str)> = GOOD_FORM.to_vec();
    f.extend([("sku", "longjing-50g"), ("qty", "1")]);
    let (s, loc, body) = checkout(&friend, &t, &f).await;
    assert_eq!(s, 303, "{body}");
    let no = placed_no(loc.as_deref().unwrap()).to_string();
    let order = t
        .app
        .store
        .order(&puzi::order::OrderNo::parse(&no).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(order.channel.as_deref(), Some("share:article-0315"));
    let (_, admin) = get_text(&owner.c, &t.url(&format!("/admin/orders/{no}"))).await;
    assert!(
        admin.contains("好友分享 · article-0315"),
        "the channel in words"
    );
    // Their own shares pass the tag on, not the "share" mark.
    let (_, cfg) = wx_config(&friend, &t, &t.url("/c/tea")).await;
    assert_eq!(cfg["ch"], "article-0315");
}

#[test]
fn open_address_codes_map_onto_the_region_selects() {
    use puzi::wechat::jssdk::address_regions;
    let r = address_regions("440106", "广东省", "广州市", "天河区");
    assert_eq!(
        (
            r.province.as_deref(),
            r.city.as_deref(),
            r.district.as_deref()
        ),
        (Some("44"), Some("4401"), Some("440106"))
    );
    // A code the shop does not know: the names, level by level.
    let r = address_regions("449999", "广东省", "广州市", "天河区");
    assert_eq!(r.district.as_deref(), Some("440106"));
    // A municipality: WeChat names the city after the province.
    let r = address_regions("", "上海市", "上海市", "徐汇区");
    assert_eq!(r.district.as_deref(), Some("310104"));
    // Names that only partly match: the shopper picks the rest.
    let r = address_regions("", "广东省", "广州市", "无此区");
    assert_eq!(
        (r.province.as_deref(), r.city.as_deref(), r.district),
        (Some("44"), Some("4401"), None)
    );
    assert_eq!(address_regions("", "", "", ""), Default::default());
}

#[tokio::test(flavor = "multi_thread")]
async fn checkout_in_wechat_offers_the_wechat_address_and_its_answer_maps_to_codes() {
    let t = TestApp::start().await;
    let wechat = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(WECHAT_UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    add_to_cart(&wechat, &t, "longjing-50g", 1).await;
    let (s, page) = get_text(&wechat, &t.url("/checkout")).await;
    assert_eq!(s, 200);
    assert!(page.contains(r#"id="wx-address""#) && page.contains("使用微信地址"));
    assert!(page.contains("/assets/wx.js?v="));
    let outside = client();
    add_to_cart(&outside, &t, "longjing-50g", 1).await;
    let (_, page) = get_text(&outside, &t.url("/checkout")).await;
    assert!(!page.contains("wx-address") && !page.contains("使用微信地址"));
    // The sandbox's openAddress (no persona yet: a sample in a real county) → the codes.
    let a: Value = wechat
        .post(t.url("/sandbox/jssdk/address"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["errMsg"], "openAddress:ok");
    let code = a["nationalCode"].as_str().unwrap();
    let r: Value = wechat
        .get(
            url::Url::parse_with_params(
                &t.url("/wx/address"),
                [
                    ("code", code),
                    ("province", a["provinceName"].as_str().unwrap()),
                    ("city", a["cityName"].as_str().unwrap()),
                    ("county", a["countryName"].as_str().unwrap()),
                ],
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["district"], code);
    assert_eq!(r["city"], &code[..4]);
    assert_eq!(r["province"], &code[..2]);
    // The codes and street make a checkout the shop accepts.
    let r = wechat
        .post(t.url("/checkout"))
        .form(&[
            ("name", a["userName"].as_str().unwrap()),
            ("mobile", a["telNumber"].as_str().unwrap()),
            ("province", r["province"].as_str().unwrap()),
            ("city", r["city"].as_str().unwrap()),
            ("district", r["district"].as_str().unwrap()),
            ("street", a["detailInfo"].as_str().unwrap()),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_phone_shows_share_cards_and_open_address_answers_the_personas_address() {
    let t = TestApp::start().await;
    // A visitor not signed in shares a page: the card is on the phone overview.
    let visitor = client();
    let card = serde_json::json!({
        "kind": "chat", "title": "西湖龙井", "desc": "明前新茶",
        "link": format!("{}/p/longjing?ch=share", t.app.base_url),
        "imgUrl": format!("{}/img/abc", t.app.base_url),
    });
    let r = visitor
        .post(t.url("/sandbox/jssdk/share"))
        .json(&card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, phone) = get_text(&visitor, &t.url("/sandbox/phone")).await;
    assert!(
        phone.contains("visitor-shares") && phone.contains("明前新茶"),
        "{phone}"
    );
    assert!(phone.contains("/p/longjing?ch=share"));

    // A persona (signed in through the cashier's OAuth) with a saved address.
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (_, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    let no = puzi::order::OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    pay_in_sandbox(&t, &c, &no, "小李", None).await;
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (s, _, body) = checkout(
        &c,
        &t,
        &[
            ("name", "李四"),
            ("mobile", "13900000001"),
            ("province", "44"),
            ("city", "4401"),
            ("district", "440106"),
            ("street", "体育西路 1 号"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let a: Value = c
        .post(t.url("/sandbox/jssdk/address"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["userName"], "李四");
    assert_eq!(a["nationalCode"], "440106");
    assert_eq!(
        (&a["provinceName"], &a["cityName"], &a["countryName"]),
        (&"广东省".into(), &"广州市".into(), &"天河区".into())
    );
    assert_eq!(a["detailInfo"], "体育西路 1 号");
    // The persona's own phone shows its share card.
    let mut mine = card.clone();
    mine["title"] = "小李分享的茶".into();
    mine["desc"] = "小李的描述".into();
    c.post(t.url("/sandbox/jssdk/share"))
        .json(&mine)
        .send()
        .await
        .unwrap();
    let (_, phone) = get_text(&c, &t.url("/sandbox/phone")).await;
    assert!(
        phone.contains("小李分享的茶") && phone.contains("sb-share"),
        "{phone}"
    );
    assert!(
        !phone.contains("明前新茶"),
        "another visitor's card is not on this phone"
    );
    // The next page's share data replaces the card: one per kind.
    mine["title"] = "下一页".into();
    c.post(t.url("/sandbox/jssdk/share"))
        .json(&mine)
        .send()
        .await
        .unwrap();
    let (_, phone) = get_text(&c, &t.url("/sandbox/phone")).await;
    assert!(
        phone.contains("下一页") && !phone.contains("小李分享的茶"),
        "{phone}"
    );
}

/// A live-mode shop whose WeChat is another shop's sandbox at `sns` (or nothing there).
async fn live_shop(wx: &TestApp, sns: &str) -> TestApp {
    let k: Value = serde_json::from_str(
        &std::fs::read_to_string(wx.data.join("sandbox/sandbox.json")).unwrap(),
    )
    .unwrap();
    let s = |key: &str| k[key].as_str().unwrap().to_string();
    TestApp::start_tuned(|cfg| {
        cfg.shop.base_url = Some("https://shop.example".into());
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
        w.api_base = format!("http://{}/sandbox", wx.addr);
        w.oauth_base = w.api_base.clone();
        w.sns_base = sns.to_string();
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn live_mode_allows_wechats_script_only_on_jssdk_pages_in_wechat_and_survives_no_ticket() {
    let wx = TestApp::start().await;
    let t = live_shop(&wx, &format!("http://{}/sandbox", wx.addr)).await;
    assert!(t.app.sandbox.is_none(), "live mode");
    let wechat = reqwest::Client::builder()
        .user_agent(WECHAT_UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let csp = |r: &reqwest::Response| {
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    for path in ["/", "/c/tea", "/p/longjing"] {
        let r = wechat.get(t.url(path)).send().await.unwrap();
        let policy = csp(&r);
        assert!(
            policy.contains("script-src 'self' https://res.wx.qq.com;"),
            "{path}: {policy}"
        );
        let page = r.text().await.unwrap();
        assert!(page.contains(r#"data-sdk="https://res.wx.qq.com/open/js/jweixin-1.6.0.js""#));
        // Outside WeChat, the same page's policy stays as it was.
        let r = client().get(t.url(path)).send().await.unwrap();
        assert!(csp(&r).contains("script-src 'self';"), "{path}");
    }
    // The same pages once cached, each on a new connection, so the fast lane answers
    // them (`web::fast_lane`): WeChat's policy for WeChat's browser, as the ordinary path.
    let lane = || metric(&t, "puzi_http_fast_lane_total");
    let before = lane().await;
    for path in ["/", "/c/tea", "/p/longjing"] {
        let fresh = reqwest::Client::builder()
            .user_agent(WECHAT_UA)
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let r = fresh.get(t.url(path)).send().await.unwrap();
        assert!(
            csp(&r).contains("script-src 'self' https://res.wx.qq.com;"),
            "{path}"
        );
    }
    assert_eq!(lane().await, before + 3, "answered by the lane");
    // Two User-Agent headers: the first decides, on either path.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(t.addr).await.unwrap();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: shop\r\nUser-Agent: Mozilla/5.0\r\nUser-Agent: {WECHAT_UA}\r\n\r\n"
    );
    s.write_all(raw.as_bytes()).await.unwrap();
    let (mut head, mut chunk) = (Vec::new(), [0u8; 4096]);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "answered");
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let policy = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("content-security-policy: "))
        .unwrap();
    assert!(
        policy.contains("script-src 'self';") && !policy.contains("res.wx.qq.com"),
        "{policy}"
    );
    assert_eq!(lane().await, before + 4, "answered by the lane too");
    let r = wechat.get(t.url("/cart")).send().await.unwrap();
    assert!(!csp(&r).contains("res.wx.qq.com"), "not a JS-SDK page");
    // The live client fetches the ticket from "WeChat" and signs.
    let (s, cfg) = wx_config(&client(), &t, "https://shop.example/p/longjing").await;
    assert_eq!(s, 200, "{cfg}");
    assert_eq!(wx.sandbox().ticket_calls().unwrap(), 1);
    drop(t);

    // WeChat unreachable: no ticket, but the pages render and /wx/config says 503.
    let dead = live_shop(&wx, "http://127.0.0.1:9/sandbox").await;
    let (s, page) = get_text(&wechat, &dead.url("/p/longjing")).await;
    assert_eq!(s, 200);
    assert!(page.contains("wx-share"));
    let (s, _) = wx_config(&client(), &dead, "https://shop.example/p/longjing").await;
    assert_eq!(s, 503);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_without_a_cover_shares_the_accounts_qr_code_or_no_image_at_all() {
    let empty = puzi::catalog::Category {
        id: "gifts".into(),
        name: "礼盒".into(),
        sort: 9,
    };
    // No cover and no QR code: no imgUrl and no og:image (never an empty one).
    let t =
        TestApp::start_tuned(|cfg| cfg.shop.base_url = Some("https://shop.example".into())).await;
    t.app.store.put_category(&empty).unwrap();
    let (s, page) = get_text(&client(), &t.url("/c/gifts")).await;
    assert_eq!(s, 200);
    let d = share_data(&page);
    assert_eq!(d["title"], "礼盒");
    assert!(d.get("imgUrl").is_none(), "{d}");
    assert!(!page.contains("og:image"));
    t.stop().await;
    // With the account's QR code: that, absolute, in both.
    let t = TestApp::start_tuned(|cfg| {
        cfg.shop.base_url = Some("https://shop.example".into());
        cfg.wechat.follow_qr_image = Some(puzi::config::FollowQr {
            data: std::sync::Arc::new(b"GIF89a".to_vec()),
            content_type: "image/gif",
        });
    })
    .await;
    t.app.store.put_category(&empty).unwrap();
    let c = client();
    let (_, page) = get_text(&c, &t.url("/c/gifts")).await;
    let d = share_data(&page);
    assert_eq!(d["imgUrl"], "https://shop.example/follow-qr");
    assert_eq!(meta(&page, "og:image"), "https://shop.example/follow-qr");
    let (s, _) = get_text(&c, &t.url("/follow-qr")).await;
    assert_eq!(s, 200, "the image is served");
    // A page with a cover keeps its own.
    let (_, page) = get_text(&c, &t.url("/p/longjing")).await;
    assert!(
        share_data(&page)["imgUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://shop.example/img/")
    );
    t.stop().await;
}
