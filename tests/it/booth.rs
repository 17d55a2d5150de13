//! The demo booth (issue 20): every phone its own shopper with a generated name, the booth
//! screen's live feed, the demo stock refill (by hand and after a sell-out), and `--lan`'s
//! addresses with a terminal QR code that decodes to the printed URL.

use crate::admin::setup_owner;
use crate::support::*;
use puzi::order::{OrderNo, OrderState};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// A phone: its own cookies, an order of `qty` × `sku` placed as the `i`-th shopper.
async fn phone_with_order(
    t: &TestApp,
    i: usize,
    sku: &str,
    qty: u32,
) -> (reqwest::Client, OrderNo) {
    let c = client();
    add_to_cart(&c, t, sku, qty).await;
    let form = shopper_form(i);
    let (status, loc, body) = checkout(&c, t, &as_form(&form)).await;
    assert_eq!(status, 303, "{body}");
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    (c, no)
}

/// Pays as the phone would, following every redirect by hand: the cashier's silent OAuth
/// (the sandbox makes this phone a persona without asking), the JSAPI parameters, the sheet.
async fn pay_as_phone(t: &TestApp, c: &reqwest::Client, no: &OrderNo) {
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    assert_eq!(r.status(), 302, "OAuth first");
    let auth = r.headers()["location"]
        .to_str()
        .unwrap()
        .replace("#wechat_redirect", "");
    let r = c.get(&auth).send().await.unwrap();
    assert_eq!(
        r.status(),
        302,
        "no persona picker: straight back with a code"
    );
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("/wechat/oauth?code="), "{back}");
    let r = c.get(&back).send().await.unwrap();
    assert!(
        r.status().is_redirection(),
        "back to the cashier: {}",
        r.status()
    );
    let params: serde_json::Value = c
        .post(t.url(&format!("/pay/{no}/jsapi")))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(params["signType"], "RSA", "{params}");
    let mut body = params.clone();
    body["password"] = "654321".into();
    let r: serde_json::Value = reqwest::Client::new()
        .post(t.url("/sandbox/pay/confirm"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["ok"], true, "{r}");
}

/// The persona key and shown name on a phone's own page.
fn persona_on(page: &str) -> String {
    let i = page
        .find("data-persona=\"")
        .expect("the phone's own persona")
        + 14;
    page[i..i + page[i..].find('"').unwrap()].to_string()
}

async fn feed(t: &TestApp) -> Vec<serde_json::Value> {
    let v: serde_json::Value = client()
        .get(t.url("/sandbox/booth/feed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["events"].as_array().unwrap().clone()
}

fn event<'a>(events: &'a [serde_json::Value], id: &str) -> Option<&'a serde_json::Value> {
    events.iter().find(|e| e["id"] == id)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_booth_feed_receives_an_order_and_then_its_payment() {
    let t = TestApp::start().await;
    let (c, no) = phone_with_order(&t, 1, "stoneware-mug-white", 1).await;

    let events = feed(&t).await;
    let placed = event(&events, &format!("order-{no}")).expect("the order is in the feed");
    assert_eq!(placed["kind"], "order");
    assert!(
        placed["text"].as_str().unwrap().contains("粗陶马克杯 ×1"),
        "{placed}"
    );
    assert!(placed["text"].as_str().unwrap().contains("¥"), "{placed}");
    assert!(
        event(&events, &format!("paid-{no}")).is_none(),
        "not paid yet"
    );

    pay_as_phone(&t, &c, &no).await;
    let (_, phone) = get_text(&c, &t.url("/sandbox/phone")).await;
    let name = persona_on(&phone);
    let events = feed(&t).await;
    let paid = event(&events, &format!("paid-{no}")).expect("the payment is in the feed");
    assert_eq!(paid["kind"], "paid");
    let text = paid["text"].as_str().unwrap();
    assert!(text.contains(&name) && text.contains("¥67.00"), "{text}");
    assert!(text.contains("微信支付通知已确认"), "{text}");
    assert_eq!(events[0]["id"], format!("paid-{no}"), "newest first");

    // The booth screen: the shop's QR code, its name, the feed so far and its own script.
    let (s, page) = get_text(&client(), &t.url("/sandbox/booth")).await;
    assert_eq!(s, 200);
    assert!(page.contains("<svg") && page.contains("铺子 · 演示店"));
    assert!(page.contains("id=\"booth-feed\"") && page.contains(text));
    assert!(page.contains("/sandbox/booth.js"));
    let (s, js) = get_text(&client(), &t.url("/sandbox/booth.js")).await;
    assert_eq!(s, 200);
    assert!(js.contains("/sandbox/booth/feed"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_booth_of_a_public_sandbox_shows_on_this_machine_and_to_the_owner_only() {
    let t = TestApp::start_tuned(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.sandbox.public = true;
    })
    .await;
    let afar = |c: &reqwest::Client, path: &str| {
        c.get(t.url(path))
            .header("x-forwarded-for", "203.0.113.7")
            .send()
    };
    let c = client();
    for path in ["/sandbox/booth", "/sandbox/booth/feed"] {
        assert_eq!(afar(&c, path).await.unwrap().status(), 404, "{path}");
        assert_eq!(get_text(&c, &t.url(path)).await.0, 200, "{path} here");
    }
    assert_eq!(afar(&c, "/sandbox/phone").await.unwrap().status(), 200);
    let owner = setup_owner(&t).await;
    assert_eq!(
        afar(&owner.c, "/sandbox/booth").await.unwrap().status(),
        200
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_phones_buying_at_once_are_two_shoppers_who_see_only_their_own() {
    let t = TestApp::start().await;
    let buy = |i: usize, sku: &'static str| {
        let t = &t;
        async move {
            let (c, no) = phone_with_order(t, i, sku, 1).await;
            pay_as_phone(t, &c, &no).await;
            (c, no)
        }
    };
    let ((a, a_no), (b, b_no)) =
        tokio::join!(buy(1, "canvas-tote-natural"), buy(2, "wool-socks-sm"));
    let (_, a_page) = get_text(&a, &t.url("/sandbox/phone")).await;
    let (_, b_page) = get_text(&b, &t.url("/sandbox/phone")).await;
    let (a_name, b_name) = (persona_on(&a_page), persona_on(&b_page));
    assert_ne!(a_name, b_name, "each phone its own persona");
    for (page, mine, theirs) in [(&a_page, &a_no, &b_no), (&b_page, &b_no, &a_no)] {
        assert!(page.contains(mine.as_str()), "own order shown");
        assert!(!page.contains(theirs.as_str()), "never the other's order");
        assert!(page.contains("微信支付 · 支付凭证"), "own voucher");
        assert!(page.contains(t.app.config.shop.language.text().state(OrderState::Paid)));
    }
    assert!(a_page.contains("帆布托特包") && !a_page.contains("羊毛袜"));

    // A phone renames itself; its openid (and so its orders) stay.
    let r = a
        .post(t.url("/sandbox/phone/name"))
        .form(&[("name", "展台访客")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let (_, a_page) = get_text(&a, &t.url("/sandbox/phone")).await;
    assert!(a_page.contains("展台访客") && a_page.contains(a_no.as_str()));
    assert_eq!(persona_on(&a_page), a_name, "same persona underneath");
    let events = feed(&t).await;
    let paid = event(&events, &format!("paid-{a_no}")).unwrap();
    assert!(
        paid["text"].as_str().unwrap().contains("展台访客"),
        "{paid}"
    );
    // Nobody renames from another site, and a name must be 1–20 characters.
    let r = b
        .post(t.url("/sandbox/phone/name"))
        .header("origin", "http://evil.example")
        .form(&[("name", "hijack")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = b
        .post(t.url("/sandbox/phone/name"))
        .form(&[("name", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/sandbox/phone?bad=1");
    let (_, b_page) = get_text(&b, &t.url("/sandbox/phone")).await;
    assert!(b_page.contains(&b_name) && !b_page.contains("hijack"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stock_refill_keeps_orders_and_the_owner() {
    let t = TestApp::start().await;
    let owner = setup_owner(&t).await;
    let (paid_c, paid_no) = phone_with_order(&t, 1, "stoneware-mug-white", 2).await;
    pay_as_phone(&t, &paid_c, &paid_no).await;
    let (_, open_no) = phone_with_order(&t, 2, "longjing-50g", 1).await;
    let store = &t.app.store;
    assert_eq!(store.stock("stoneware-mug-white").unwrap(), 28);
    assert_eq!(store.stock("longjing-50g").unwrap(), 39);

    // The button asks first.
    let c = client();
    let r = c
        .post(t.url("/sandbox/control/refill"))
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("订单、店主账户和设置都不受影响")
    );
    assert_eq!(store.stock("stoneware-mug-white").unwrap(), 28, "not yet");

    let r = c
        .post(t.url("/sandbox/control/refill"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sandbox/?refilled=")
    );
    assert_eq!(store.stock("stoneware-mug-white").unwrap(), 30);
    assert_eq!(store.stock("longjing-50g").unwrap(), 40);
    assert_eq!(
        store.stock("osmanthus-oolong-75g").unwrap(),
        0,
        "seeded sold out"
    );
    let log = store.stock_log(Some("stoneware-mug-white")).unwrap();
    assert_eq!((log[0].before, log[0].after), (28, 30));
    assert_eq!(log[0].reason, "演示补货");

    // Orders, the owner and the owner's session are untouched.
    assert_eq!(store.order_count().unwrap(), 2);
    let paid = store.order(&paid_no).unwrap().unwrap();
    assert_eq!(paid.state, OrderState::Paid);
    assert_eq!(paid.lines[0].qty, 2);
    let open = store.order(&open_no).unwrap().unwrap();
    assert_eq!(open.state, OrderState::PendingPayment);
    assert!(store.owner().unwrap().is_some());
    assert_eq!(get_text(&owner.c, &t.url("/admin")).await.0, 200);

    // The JSON control API does it at once; nothing left to change.
    let v: serde_json::Value = c
        .post(t.url("/sandbox/control/refill"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["refilled"], 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_refill_on_a_sold_out_demo_product_comes_back_after_the_sale() {
    for refill in [true, false] {
        let t = TestApp::start_tuned(|c| c.sandbox.refill = refill).await;
        let (c, no) = phone_with_order(&t, 1, "dianhong-100g", 3).await;
        assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), 0);
        pay_as_phone(&t, &c, &no).await;
        let order = t.app.store.order(&no).unwrap().unwrap();
        assert_eq!(order.state, OrderState::Paid, "the sale stands");
        assert_eq!(order.lines[0].qty, 3, "units sold stay exact");
        let left = t.app.store.stock("dianhong-100g").unwrap();
        assert_eq!(left, if refill { 3 } else { 0 }, "refill = {refill}");
        assert_eq!(t.app.store.stock("osmanthus-oolong-75g").unwrap(), 0);
        t.stop().await;
    }
}

/// Reads the QR code drawn with half blocks back (a block is light, as on a dark terminal).
fn decode_terminal_qr(lines: &[String]) -> String {
    let w = lines.iter().map(|l| l.chars().count()).max().unwrap();
    let (scale, h) = (4, lines.len() * 2);
    let light = |x: usize, y: usize| -> bool {
        let c = lines[y / 2].chars().nth(x).unwrap_or(' ');
        matches!((c, y % 2), ('█', _) | ('▀', 0) | ('▄', 1))
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
        if light(x / scale, y / scale) { 255 } else { 0 }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("a readable QR code").1
}

#[test]
fn the_terminal_qr_code_decodes_to_its_url() {
    let url = "http://192.168.1.23:8080";
    let qr = puzi::cli::lan::terminal_qr(url).unwrap();
    let lines: Vec<String> = qr.lines().map(str::to_string).collect();
    assert_eq!(decode_terminal_qr(&lines), url);
}

#[test]
fn demo_lan_prints_its_lan_addresses_and_a_qr_code_of_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_puzi"))
        .args(["demo", "--lan", "--listen", "0.0.0.0:0", "--data"])
        .arg(dir.path().join("shop"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().unwrap().unwrap();
    let port = first
        .strip_prefix("listening on http://0.0.0.0:")
        .unwrap_or_else(|| panic!("first line was {first:?}"));
    let mut lan = Vec::new();
    let mut qr = Vec::new();
    let mut scan_url = None;
    for line in out.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("on the LAN (") {
            lan.push(rest.split_once("): ").unwrap().1.to_string());
        } else if let Some(u) = line.strip_prefix("scan to open ") {
            scan_url = Some(u.trim_end_matches(':').to_string());
        } else if scan_url.is_some() {
            if line.is_empty() {
                break; // the blank line after the code
            }
            qr.push(line);
        } else if line.starts_with("no LAN address") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let machine = puzi::cli::lan::lan_urls(
        format!("0.0.0.0:{port}").parse().unwrap(),
        "http",
        &puzi::cli::lan::system_interfaces(),
    );
    let expected: Vec<String> = machine.into_iter().map(|u| u.url).collect();
    assert_eq!(
        lan, expected,
        "every LAN address, as listed for this machine"
    );
    if let Some(first) = expected.first() {
        assert_eq!(scan_url.as_deref(), Some(first.as_str()));
        assert_eq!(
            decode_terminal_qr(&qr),
            *first,
            "the QR code opens the first"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_need_nothing_from_the_internet_and_cjk_has_an_embedded_font() {
    let t = TestApp::start().await;
    let c = client();
    for path in ["/assets/style.css", "/sandbox/sheet.css"] {
        let (s, css) = get_text(&c, &t.url(path)).await;
        assert_eq!(s, 200);
        assert!(
            css.contains("url(\"/assets/fonts/noto-sans-sc-subset.woff2\")"),
            "{path}"
        );
        assert!(!css.contains("http:") && !css.contains("https:"), "{path}");
    }
    let r = c
        .get(t.url("/assets/fonts/noto-sans-sc-subset.woff2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "font/woff2");
    let font = r.bytes().await.unwrap();
    assert_eq!(&font[..4], b"wOF2");
    assert!(font.len() < 1024 * 1024, "{} bytes", font.len());
    assert_eq!(get_text(&c, &t.url("/assets/fonts/OFL.txt")).await.0, 200);
    for path in ["/sandbox/booth", "/sandbox/phone", "/"] {
        let (_, page) = get_text(&c, &t.url(path)).await;
        for attr in ["src=\"http", "href=\"http"] {
            assert!(!page.contains(attr), "{path} loads nothing from elsewhere");
        }
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_reset_stock_refills_the_catalog_and_keeps_orders_and_the_owner() {
    let t = TestApp::start().await;
    setup_owner(&t).await;
    let (_, no) = phone_with_order(&t, 1, "cotton-tee-m", 4).await;
    assert_eq!(t.app.store.stock("cotton-tee-m").unwrap(), 16);
    let dir = t.stop().await.unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_puzi"))
        .args(["demo", "--reset-stock", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().unwrap().unwrap();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    let next = out.next().unwrap().unwrap();
    assert!(next.starts_with("demo stock refilled"), "{next}");
    // Serving (and so listening for SIGTERM) before it is stopped.
    let addr = first.trim_start_matches("listening on ");
    let health = client()
        .get(format!("{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // SAFETY: kill(2) with a pid we spawned and a valid signal number.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    assert!(child.wait().unwrap().success());

    let store = puzi::store::Store::open(&dir.path().join("puzi.redb")).unwrap();
    assert_eq!(store.stock("cotton-tee-m").unwrap(), 20);
    assert_eq!(store.order_count().unwrap(), 1);
    assert_eq!(
        store.order(&no).unwrap().unwrap().state,
        OrderState::PendingPayment
    );
    assert!(store.owner().unwrap().is_some());
}

/// Every character the shop can show (src/: the text tables, the seed data, the region
/// names) is in the embedded font's subset: text added later cannot go out as boxes on a
/// machine without a CJK font. On failure: run `python3 assets/fonts/subset.py`.
#[test]
fn the_embedded_font_covers_every_character_in_the_source() {
    fn walk(dir: &std::path::Path, found: &mut std::collections::BTreeSet<char>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, found);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("rs" | "toml" | "txt")
            ) {
                let text = std::fs::read_to_string(&p).unwrap();
                found.extend(text.chars().filter(|c| !c.is_ascii()));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = std::collections::BTreeSet::new();
    walk(&root.join("src"), &mut used);
    let subset = std::fs::read_to_string(root.join("assets/fonts/subset-chars.txt")).unwrap();
    let missing: String = used.iter().filter(|c| !subset.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "not in the font subset (run python3 assets/fonts/subset.py): {missing}"
    );
}
