//! Faults lose nothing: a disk that fills up (every write and fsync refused, through the
//! fault-injecting storage backend) makes writes fail cleanly — WeChat's notification is
//! answered 500, the shopper sees "try again", pages that only read are still served — and
//! once space returns the shop takes writes again by itself, without a restart, with
//! everything it acknowledged in the file. A second test does the same with the real
//! binary on a tmpfs of a few megabytes.

use crate::support::*;
use puzi::alert::AlertKind;
use puzi::order::{OrderNo, OrderState};
use puzi::sandbox::NotificationFault;
use puzi::store::Store;

/// Places an order for `sku` as a fresh shopper, pays it on the sandbox's sheet with the
/// notification held back, and returns the order and WeChat's pending delivery.
async fn paid_on_the_sheet(t: &TestApp, sku: &str) -> (OrderNo, puzi::sandbox::Delivery) {
    let c = client();
    add_to_cart(&c, t, sku, 1).await;
    let (status, loc, _) = checkout(&c, t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    // WeChat holds its notification back; the test sends it, playing WeChat.
    t.sandbox()
        .set_notification_fault(NotificationFault::Delay { seconds: 10 });
    pay_in_sandbox(t, &c, &no, "小林", None).await;
    let d = t
        .sandbox()
        .deliveries()
        .unwrap()
        .into_iter()
        .find(|d| d.plaintext.contains(&no.to_string()))
        .expect("a delivery for the order");
    assert_eq!(d.attempts, 0, "held back");
    (no, d)
}

/// WeChat sends the notification; the status the shop answers.
async fn deliver(t: &TestApp, d: &puzi::sandbox::Delivery) -> u16 {
    let (h, body) = sandbox_delivery(t, d);
    reqwest::Client::new()
        .post(&d.url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_writes_cleanly_and_the_shop_recovers_without_a_restart() {
    let (t, faults) = TestApp::start_reopening(|_| {}).await;
    // Time that matters (the backoff between reopen attempts) moves only when told.
    t.app.clock.freeze();
    let (paid_no, d) = paid_on_the_sheet(&t, "longjing-50g").await;
    // Another shopper has a cart and is about to check out. A cart is not money: the change
    // commits without a sync, and the job tick's sync carries it to disk. A storage failure,
    // like a crash, loses the cart changes since the last synced commit — never an order, a
    // prepay or a payment — so this cart is carried to disk before the disk fills.
    let shopper = client();
    assert_eq!(
        add_to_cart(&shopper, &t, "dianhong-100g", 2).await.status(),
        303
    );
    assert!(
        t.app.store.sync_unsynced().unwrap(),
        "the cart change was committed without a sync"
    );
    let stock = t.app.store.stock("dianhong-100g").unwrap();
    let orders_before = t.app.store.order_count().unwrap();
    assert_eq!(metric(&t, "puzi_store_writable").await, 1);

    faults.fill_disk();

    // WeChat's notification cannot be stored: answered 500 so WeChat retries, not applied.
    assert_eq!(deliver(&t, &d).await, 500);
    let o = t.app.store.order(&paid_no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment, "not applied");
    assert_eq!(t.app.store.notification(&d.notification_id).unwrap(), None);
    assert!(!t.app.store.writable());

    // The shopper is told to try again, on a page, and nothing is reserved.
    let text = t.app.config.shop.language.text();
    for _ in 0..3 {
        let (status, loc, page) = checkout(&shopper, &t, &GOOD_FORM).await;
        assert_eq!((status, loc), (503, None));
        assert!(page.contains(text.store_unavailable_body), "{page}");
        assert!(!page.contains("Unavailable") && !page.contains("StoreError"));
    }
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), stock);
    assert_eq!(t.app.store.order_count().unwrap(), orders_before);

    // A cart change cannot be kept now: the shopper is told to try again, and it is not
    // reported as kept (the checkout below reserves the 2 units of before, not 3).
    let r = add_to_cart(&shopper, &t, "dianhong-100g", 1).await;
    assert_eq!(r.status(), 503);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(text.store_unavailable_body)
    );

    // Pages that only read are still served.
    for path in ["/", "/p/longjing", "/cart"] {
        let (s, page) = get_text(&shopper, &t.url(path)).await;
        assert_eq!(s, 200, "{path}: {page}");
    }
    let (s, _) = get_text(&client(), &t.url("/p/dianhong")).await;
    assert_eq!(s, 200);

    // No spinning: with the clock still, one attempt to reopen however many requests came;
    // each backoff step allows one more.
    assert_eq!(metric(&t, "puzi_store_reopen_attempts_total").await, 1);
    t.app.clock.advance(1);
    assert_eq!(checkout(&shopper, &t, &GOOD_FORM).await.0, 503);
    assert_eq!(checkout(&shopper, &t, &GOOD_FORM).await.0, 503);
    assert_eq!(metric(&t, "puzi_store_reopen_attempts_total").await, 2);
    assert_eq!(metric(&t, "puzi_store_write_failures_total").await, 1);
    assert_eq!(metric(&t, "puzi_store_writable").await, 0);
    assert_eq!(metric(&t, "puzi_store_reopens_total").await, 0);

    // Space returns. After the backoff, the store reopens by itself: no restart.
    faults.clear();
    t.app.clock.advance(2);
    // WeChat redelivers the same notification: applied and acknowledged.
    let answered = deliver(&t, &d).await;
    assert!((200..300).contains(&answered), "{answered}");
    assert_eq!(
        t.app.store.order(&paid_no).unwrap().unwrap().state,
        OrderState::Paid
    );
    // The shopper's checkout now goes through.
    let (status, loc, _) = checkout(&shopper, &t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let placed = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    assert_eq!(t.app.store.stock("dianhong-100g").unwrap(), stock - 2);
    assert_eq!(metric(&t, "puzi_store_writable").await, 1);
    assert_eq!(metric(&t, "puzi_store_reopens_total").await, 1);
    // The owner hears of it once.
    let alerts = t.app.store.alerts().unwrap();
    assert_eq!(
        alerts
            .iter()
            .filter(|a| a.kind == AlertKind::StorageFault)
            .count(),
        1,
        "{alerts:?}"
    );

    // Everything acknowledged is in the file, and the file opens clean.
    let path = t.data.join("puzi.redb");
    let dir = t.stop().await;
    let store = Store::open(&path).unwrap();
    let o = store.order(&paid_no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::Paid);
    assert!(store.notification(&d.notification_id).unwrap().is_some());
    let o = store.order(&placed).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment);
    assert_eq!(store.stock("dianhong-100g").unwrap(), stock - 2);
    assert_eq!(store.order_count().unwrap(), orders_before + 1);
    drop(store);
    drop(dir);
}

/// The script run inside a user and mount namespace: a tmpfs of `$SIZE` over `$D`, the
/// real binary serving a demo shop from it, and a filler file made and removed on
/// command (the test writes `fill`, `free`, `stop` on stdin; the script answers on stdout).
/// After the shop stops, its data file is copied out to `$OUT` for inspection.
const SMALL_DISK: &str = r#"
mount -t tmpfs -o size="$SIZE",mode=0700 tmpfs "$D" || { echo mount-failed; exit 1; }
"$BIN" demo --data "$D" --listen 127.0.0.1:0 &
pid=$!
while read -r cmd; do
  case "$cmd" in
    fill) dd if=/dev/zero of="$D/filler" bs=16k 2>/dev/null; echo filled ;;
    free) rm -f "$D/filler"; echo freed ;;
    stop) break ;;
  esac
done
kill -TERM "$pid"; wait "$pid"
cp "$D/puzi.redb" "$OUT/puzi.redb"
echo stopped
"#;

/// The real binary on a filesystem of a few megabytes that fills up: clean refusals while
/// it is full, pages still served, writes again once a file is deleted (no restart), and
/// every order it acknowledged in the data file afterwards.
#[test]
fn on_a_small_filesystem_the_shop_refuses_cleanly_and_recovers_when_space_is_freed() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let mut child = std::process::Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            SMALL_DISK,
        ])
        .env("SIZE", "16m")
        .env("D", &data)
        .env("OUT", &out)
        .env("BIN", env!("CARGO_BIN_EXE_puzi"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("unshare (util-linux) runs");
    let mut stdin = child.stdin.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |want: &str| loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no {want:?} from the script"));
        assert_ne!(line, "mount-failed", "a tmpfs in a user namespace");
        if line.starts_with(want) {
            return line;
        }
    };
    let first = wait_for("listening on http://");
    let addr = first.trim_start_matches("listening on http://").to_string();
    let url = |p: &str| format!("http://{addr}{p}");
    let rt = tokio::runtime::Runtime::new().unwrap();

    // One shopper's order: add to cart, check out. The statuses of both steps.
    let mut n = 0usize;
    let mut order = || {
        n += 1;
        let form = shopper_form(n);
        rt.block_on(async {
            let c = client();
            let added = c
                .post(url("/cart/add"))
                .form(&[("sku", "longjing-50g"), ("qty", "1")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if added != 303 {
                return (added, None);
            }
            let r = c.post(url("/checkout")).form(&form).send().await.unwrap();
            let loc = r.headers().get("location").map(|v| {
                let no = placed_no(v.to_str().unwrap());
                OrderNo::parse(no).unwrap()
            });
            (r.status().as_u16(), loc)
        })
    };
    let mut acknowledged = Vec::new();
    let (s, no) = order();
    assert_eq!(s, 303);
    acknowledged.extend(no);

    // The disk fills up; the shop's next writes meet it.
    writeln!(stdin, "fill").unwrap();
    wait_for("filled");
    let mut refused = false;
    for _ in 0..200 {
        let (s, no) = order();
        assert!(matches!(s, 303 | 503), "a clean answer, not {s}");
        acknowledged.extend(no);
        if s == 503 {
            refused = true;
            break;
        }
    }
    assert!(refused, "a full disk refuses a write");
    let get = |p: &str| rt.block_on(async { reqwest::get(url(p)).await.unwrap().status() });
    assert_eq!(get("/"), 200);
    assert_eq!(get("/p/longjing"), 200);

    // Space is freed: the same process takes orders again. The store's backoff runs on
    // the wall clock here (a second or two after a short outage), so the test retries.
    writeln!(stdin, "free").unwrap();
    wait_for("freed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (s, no) = order();
        assert!(matches!(s, 303 | 503), "a clean answer, not {s}");
        if let Some(no) = no {
            acknowledged.push(no);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "writes again");
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let metrics = rt.block_on(async {
        reqwest::get(url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(metrics.contains("puzi_store_writable 1"), "{metrics}");
    assert!(metrics.contains("puzi_store_reopens_total 1"), "{metrics}");

    // Stopped, the data file opens clean and holds every acknowledged order.
    writeln!(stdin, "stop").unwrap();
    wait_for("stopped");
    assert!(child.wait().unwrap().success());
    let store = Store::open(&out.join("puzi.redb")).unwrap();
    assert!(acknowledged.len() >= 2);
    for no in &acknowledged {
        let o = store.order(no).unwrap();
        assert_eq!(o.map(|o| o.state), Some(OrderState::PendingPayment), "{no}");
    }
}

/// WeChat's API down (every Pay call answered SYSTEM_ERROR): the storefront keeps selling,
/// the reconciler's query fails and is not asked again before its backoff, and once WeChat
/// is back the next due query goes through.
#[tokio::test(flavor = "multi_thread")]
async fn with_wechat_down_the_storefront_keeps_selling_and_the_reconciler_backs_off() {
    use puzi::sandbox::ApiFault;
    let t = TestApp::start().await;
    t.app.clock.freeze();
    let c = client();
    add_to_cart(&c, &t, "longjing-50g", 1).await;
    let (status, loc, _) = checkout(&c, &t, &GOOD_FORM).await;
    assert_eq!(status, 303);
    let no = OrderNo::parse(placed_no(&loc.unwrap())).unwrap();
    // The cashier made its prepay; then WeChat goes down.
    pay_params(&t, &c, &no).await;
    t.sandbox().set_api_fault_times(ApiFault::SystemError, 1000);
    let left = || t.sandbox().faults().api_fault_repeats;

    // Another shopper buys: nothing of that waits on WeChat.
    let other = client();
    assert_eq!(get_text(&other, &t.url("/")).await.0, 200);
    add_to_cart(&other, &t, "dianhong-100g", 1).await;
    let (status, _, _) = checkout(&other, &t, &as_form(&shopper_form(7))).await;
    assert_eq!(status, 303);
    assert_eq!(left(), 999, "no call to WeChat yet");

    // The reconciler's query is due: it fails (retried by the client), the order waits.
    t.app.clock.advance(61);
    assert_eq!(t.app.payments.reconcile_pending().await.unwrap(), 1);
    let after_first = left();
    assert!(after_first < 999, "WeChat was asked");
    let o = t.app.store.order(&no).unwrap().unwrap();
    assert_eq!(o.state, OrderState::PendingPayment);
    // Run again at once, and a little later: backed off, WeChat is not asked.
    assert_eq!(t.app.payments.reconcile_pending().await.unwrap(), 0);
    t.app.clock.advance(30);
    assert_eq!(t.app.payments.reconcile_pending().await.unwrap(), 0);
    assert_eq!(left(), after_first, "no call during the backoff");

    // WeChat is back: the next due query goes through.
    t.sandbox().set_api_fault_times(ApiFault::SystemError, 0);
    t.app.clock.advance(600);
    assert_eq!(t.app.payments.reconcile_pending().await.unwrap(), 1);
    t.stop().await;
}

/// The cashier's prepay, as the pay page makes it (silent OAuth first).
pub(crate) async fn pay_params(t: &TestApp, c: &reqwest::Client, no: &OrderNo) {
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    let auth = r.headers()["location"]
        .to_str()
        .unwrap()
        .replace("#wechat_redirect", "");
    let q: std::collections::HashMap<String, String> =
        form_urlencoded::parse(auth.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let r = c
        .post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", q["appid"].as_str()),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("persona", "小林"),
        ])
        .send()
        .await
        .unwrap();
    c.get(r.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    let r = c
        .post(t.url(&format!("/pay/{no}/jsapi")))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
