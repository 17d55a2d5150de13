//! The `abuse` scenario (`abuse BASE DATA SECS`): one shopper buys and pays through the
//! sandbox, first on a quiet machine, then while the shop is under attack — 500 slow
//! connections (headers one byte at a time, bodies trickled), an anonymous flood
//! (`/?ch=x`, `/wechat/oauth`, a product page) and 20 concurrent wrong logins — and WeChat's
//! notifications keep arriving. Prints markdown tables: the shopper's per-step latencies
//! quiet vs abused (ratio), whether every purchase completed, whether every acknowledged
//! notification was applied (each order's state and `/metrics`), how the flood was answered,
//! and the data file's size before, during and after.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SKU: &str = "cotton-tee-m";
const STEPS: [&str; 7] = ["add", "checkout", "cashier", "prepay", "pay (sheet + notification)", "return", "result"];
const SLOW: usize = 500;
const FLOOD: usize = 32;
const LOGINS: usize = 20;
const NOTIFY_SENDERS: usize = 4;

/// Per-step latencies of one shopper's purchases, and what went wrong.
#[derive(Default)]
struct Shopper {
    steps: BTreeMap<usize, Vec<f64>>,
    completed: u64,
    failures: Vec<String>,
    /// Orders the shopper paid for (the sandbox answered the sheet ok).
    paid: Vec<String>,
}

fn form(mobile: &str) -> [(&'static str, String); 4] {
    [
        ("name", "压测".into()),
        ("mobile", mobile.into()),
        ("address", "上海市".into()),
        ("note", String::new()),
    ]
}

/// Places one order (cart → checkout) for `mobile`; the order number.
async fn place(c: &reqwest::Client, base: &str, mobile: &str) -> Result<String, String> {
    let r = c.post(format!("{base}/cart/add")).form(&[("sku", SKU), ("qty", "1")]).send().await.map_err(|e| e.to_string())?;
    if !r.status().is_redirection() && !r.status().is_success() {
        return Err(format!("add {}", r.status()));
    }
    let r = c.post(format!("{base}/checkout")).form(&form(mobile)).send().await.map_err(|e| e.to_string())?;
    let loc = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("");
    match loc.strip_prefix("/orders/") {
        Some(no) if r.status() == 303 => Ok(no.to_string()),
        _ => Err(format!("checkout {}", r.status())),
    }
}

async fn timed<T>(lat: &mut Vec<f64>, f: impl std::future::Future<Output = T>) -> T {
    let t = Instant::now();
    let v = f.await;
    lat.push(t.elapsed().as_secs_f64() * 1000.0);
    v
}

/// One purchase, step by step: add → checkout → cashier → prepay → the sandbox's sheet
/// (which delivers the notification before it answers) → return → result page and status.
async fn purchase(c: &reqwest::Client, base: &str, s: &mut Shopper) -> Result<(), String> {
    let e = |e: reqwest::Error| e.to_string();
    let mut lat: [Vec<f64>; 7] = Default::default();
    let r = timed(&mut lat[0], c.post(format!("{base}/cart/add")).form(&[("sku", SKU), ("qty", "1")]).send()).await.map_err(e)?;
    if r.status() != 303 && !r.status().is_success() {
        return Err(format!("add: {}", r.status()));
    }
    let r = timed(&mut lat[1], c.post(format!("{base}/checkout")).form(&form("13800138000")).send()).await.map_err(e)?;
    let no = match r.headers().get("location").and_then(|l| l.to_str().ok()).and_then(|l| l.strip_prefix("/orders/")) {
        Some(no) if r.status() == 303 => no.to_string(),
        _ => return Err(format!("checkout: {}", r.status())),
    };
    let r = timed(&mut lat[2], async { c.get(format!("{base}/pay/{no}")).send().await?.bytes().await }).await.map_err(e)?;
    if r.is_empty() {
        return Err("cashier: empty".into());
    }
    let r = timed(&mut lat[3], c.post(format!("{base}/pay/{no}/jsapi")).header("content-type", "application/json").body("{}").send()).await.map_err(e)?;
    if r.status() != 200 {
        return Err(format!("prepay: {}", r.status()));
    }
    let mut params: serde_json::Value = r.json().await.map_err(e)?;
    params["password"] = "123456".into();
    let r = timed(&mut lat[4], async { c.post(format!("{base}/sandbox/pay/confirm")).json(&params).send().await?.json::<serde_json::Value>().await }).await.map_err(e)?;
    if r["ok"] != true {
        return Err(format!("pay: {r}"));
    }
    s.paid.push(no.clone());
    let pkg = serde_json::json!({ "package": params["package"] });
    let r = timed(&mut lat[5], c.post(format!("{base}/sandbox/pay/returned")).json(&pkg).send()).await.map_err(e)?;
    if r.status() != 200 {
        return Err(format!("return: {}", r.status()));
    }
    let state = timed(&mut lat[6], async {
        let page = c.get(format!("{base}/pay/{no}/result")).send().await?;
        let ok = page.status() == 200;
        let st: serde_json::Value = c.get(format!("{base}/orders/{no}/status?confirm=1")).send().await?.json().await?;
        Ok::<_, reqwest::Error>((ok, st["state"].as_str().unwrap_or("").to_string()))
    })
    .await
    .map_err(e)?;
    if !state.0 || state.1 != "paid" {
        return Err(format!("result: page ok {} state {}", state.0, state.1));
    }
    for (i, l) in lat.into_iter().enumerate() {
        s.steps.entry(i).or_default().extend(l);
    }
    s.completed += 1;
    Ok(())
}

/// The shopper buys for `secs` seconds on its own thread and runtime, so the abusers'
/// tasks on the main runtime do not delay it on the client side.
fn shop_for(jar: Arc<reqwest::cookie::Jar>, base: String, secs: f64) -> Shopper {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let c = jar_client(jar);
            let mut s = Shopper::default();
            let end = Instant::now() + Duration::from_secs_f64(secs);
            while Instant::now() < end {
                if let Err(e) = purchase(&c, &base, &mut s).await {
                    s.failures.push(e);
                }
            }
            s
        })
    })
    .join()
    .unwrap()
}

/// A client holding the shopper's cookies (one per runtime: pooled connections belong to one).
fn jar_client(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Counts by outcome, shared by the abusers.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    fn add(&self, k: impl Into<String>) {
        *self.0.lock().unwrap().entry(k.into()).or_default() += 1;
    }
    fn get(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().clone()
    }
}

fn class(s: reqwest::StatusCode) -> String {
    match s.as_u16() {
        429 | 503 => format!("refused {}", s.as_u16()),
        500..=599 => format!("5xx {}", s.as_u16()),
        400..=499 => format!("answered {}", s.as_u16()),
        _ => format!("served {}xx", s.as_u16() / 100),
    }
}

/// A slow client: connects, then sends its request head one byte a second (or a complete
/// head and then its body one byte a second) until the server closes; then again.
async fn slow(addr: String, body: bool, stop: Arc<AtomicBool>, t: Arc<Tally>, lifetimes: Arc<Mutex<Vec<f64>>>) {
    let head = if body {
        "POST /cart/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n".to_string()
    } else {
        format!("GET /?ch=slow HTTP/1.1\r\nHost: x\r\nUser-Agent: {}\r\n", "s".repeat(4000))
    };
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut tcp) = tokio::net::TcpStream::connect(&addr).await else {
            t.add("connect failed");
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        t.add("opened");
        let start = Instant::now();
        let (mut rd, mut wr) = tcp.split();
        let mut buf = [0u8; 512];
        let trickle = async {
            if body {
                wr.write_all(head.as_bytes()).await?;
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    wr.write_all(b"a").await?;
                }
            } else {
                for b in head.as_bytes() {
                    wr.write_all(&[*b]).await?;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                std::future::pending::<()>().await;
            }
            #[allow(unreachable_code)]
            Ok::<_, std::io::Error>(())
        };
        let outcome = tokio::select! {
            _ = trickle => "closed by server (write failed)".to_string(),
            n = rd.read(&mut buf) => match n {
                Ok(0) | Err(_) => "closed by server".to_string(),
                Ok(n) => {
                    let s = String::from_utf8_lossy(&buf[..n]);
                    format!("answered {}", s.split_whitespace().nth(1).unwrap_or("?"))
                }
            },
            _ = async { while !stop.load(Ordering::Relaxed) { tokio::time::sleep(Duration::from_millis(100)).await } } => "still open at the end".to_string(),
        };
        if outcome != "still open at the end" {
            lifetimes.lock().unwrap().push(start.elapsed().as_secs_f64());
        }
        t.add(format!("{} {outcome}", if body { "body" } else { "head" }));
    }
}

async fn flood(base: String, stop: Arc<AtomicBool>, t: Arc<Tally>, i: usize) {
    // No cookie store: every request is a first visit.
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut n = i;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let (label, url) = match n % 3 {
            0 => ("GET /?ch=x", format!("{base}/?ch=x{n}")),
            1 => ("GET /wechat/oauth", format!("{base}/wechat/oauth?code=c{n}&state=s{n}")),
            _ => ("GET /p/stoneware-mug", format!("{base}/p/stoneware-mug")),
        };
        match c.get(url).send().await {
            Ok(r) => {
                let k = class(r.status());
                let _ = r.bytes().await;
                t.add(format!("{label}|{k}"));
            }
            Err(_) => t.add(format!("{label}|connection error")),
        }
    }
}

async fn logins(base: String, stop: Arc<AtomicBool>, t: Arc<Tally>, i: usize) {
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let pw = format!("wrong-{i}-{n}");
        let r = c.post(format!("{base}/admin/login")).header("origin", &base).form(&[("username", "admin"), ("password", pw.as_str())]).send().await;
        match r {
            Ok(r) => {
                let s = r.status();
                let _ = r.bytes().await;
                t.add(match s.as_u16() {
                    401 => "tried, wrong (401)".to_string(),
                    429 => "slowed down (429)".to_string(),
                    503 => "busy (503)".to_string(),
                    x => format!("other {x}"),
                });
            }
            Err(_) => t.add("connection error"),
        }
    }
}

/// A signed, encrypted `TRANSACTION.SUCCESS` for an order placed by its own client.
struct Note {
    client: reqwest::Client,
    no: String,
    body: String,
}

struct Wechat {
    platform: puzi::wechat::MerchantKey,
    serial: String,
}

async fn prepare_notes(base: &str, data: &str, count: usize) -> (Wechat, Vec<Note>) {
    let dir = std::path::Path::new(data).join("sandbox");
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("sandbox.json")).unwrap()).unwrap();
    let platform = puzi::wechat::MerchantKey::from_pem(&std::fs::read(dir.join("platform_key.pem")).unwrap()).unwrap();
    let s = |k: &str| m[k].as_str().unwrap().to_string();
    let mut notes = Vec::new();
    for i in 0..count {
        // A fresh shopper and mobile number each: at most 3 unpaid orders per shopper.
        let client = crate::client();
        let no = place(&client, base, &format!("139{i:08}")).await.expect("order for a notification");
        let st: serde_json::Value = client.get(format!("{base}/orders/{no}/status")).send().await.unwrap().json().await.unwrap();
        let total = st["total"].as_i64().unwrap();
        let plain = serde_json::json!({
            "appid": s("appid"), "mchid": s("mchid"), "out_trade_no": no, "transaction_id": format!("4299{i:024}"),
            "trade_type": "JSAPI", "trade_state": "SUCCESS", "success_time": "2026-11-26T08:00:00+08:00",
            "payer": {"openid": "oabuse"}, "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
        });
        let body = puzi::wechat::notify::encrypt(s("apiv3_key").as_bytes(), &format!("EV-ABUSE-{i}"), "2026-11-26T08:00:00+08:00", "TRANSACTION.SUCCESS", "支付成功", "transaction", &plain.to_string()).unwrap();
        notes.push(Note { client, no, body });
    }
    (Wechat { platform, serial: s("public_key_id") }, notes)
}

/// Sends the notifications evenly over `secs`; a refused one is retried (as WeChat does)
/// up to 5 times. Returns the orders whose notification was acknowledged (204).
async fn send_notes(base: &str, wx: Arc<Wechat>, notes: Arc<Vec<Note>>, secs: f64, t: Arc<Tally>) -> Vec<usize> {
    let next = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..NOTIFY_SENDERS {
        let (wx, notes, next, acked, t, base) = (wx.clone(), notes.clone(), next.clone(), acked.clone(), t.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(n) = notes.get(i) else { break };
                tokio::time::sleep_until((start + Duration::from_secs_f64(secs * i as f64 / notes.len() as f64)).into()).await;
                for _attempt in 0..5 {
                    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
                    let nonce = puzi::wechat::crypto::nonce();
                    let sig = wx.platform.sign(&puzi::wechat::crypto::response_message(&ts, &nonce, n.body.as_bytes()));
                    let r = c.post(format!("{base}/wechat/notify/pay"))
                        .header("wechatpay-timestamp", ts).header("wechatpay-nonce", nonce)
                        .header("wechatpay-signature", sig).header("wechatpay-serial", &wx.serial)
                        .header("content-type", "application/json").body(n.body.clone()).send().await;
                    let s = r.map(|r| r.status().as_u16()).unwrap_or(0);
                    t.add(format!("answered {s}"));
                    if s == 204 || s == 200 {
                        acked.lock().unwrap().push(i);
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

async fn metrics(base: &str) -> BTreeMap<String, f64> {
    let text = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(k, v)| Some((k.to_string(), v.parse().ok()?))))
        .collect()
}

fn size(data: &str) -> u64 {
    std::fs::metadata(std::path::Path::new(data).join("puzi.redb")).map(|m| m.len()).unwrap_or(0)
}

pub async fn run(base: String, data: String, secs: f64) {
    let addr = base.trim_start_matches("http://").to_string();
    let m0 = metrics(&base).await;
    let t_m0 = Instant::now();

    // The shopper signs in through the sandbox's OAuth once, with a first order.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let shopper = jar_client(jar.clone());
    let first = place(&shopper, &base, "13800138000").await.expect("first order");
    crate::sign_in(&shopper, &base, &first, "abuse-shopper").await;
    let warm = shop_for(jar.clone(), base.clone(), 1.0);
    // About 10 a second, at most 400 (each is an open order until paid, and placing an
    // order looks at every open one).
    let n_notes = ((secs * 10.0) as usize).min(400);
    let (wx, notes) = prepare_notes(&base, &data, n_notes).await;
    let (wx, notes) = (Arc::new(wx), Arc::new(notes));

    // Quiet machine.
    let s_quiet0 = size(&data);
    let quiet = shop_for(jar.clone(), base.clone(), secs);
    let s_quiet1 = size(&data);

    // Abuse starts; the flood alone first.
    let stop = Arc::new(AtomicBool::new(false));
    let (slow_t, flood_t, login_t, note_t) = (Arc::new(Tally::default()), Arc::new(Tally::default()), Arc::new(Tally::default()), Arc::new(Tally::default()));
    let lifetimes = Arc::new(Mutex::new(Vec::new()));
    let mut abusers = Vec::new();
    for i in 0..SLOW {
        abusers.push(tokio::spawn(slow(addr.clone(), i % 2 == 1, stop.clone(), slow_t.clone(), lifetimes.clone())));
    }
    for i in 0..FLOOD {
        abusers.push(tokio::spawn(flood(base.clone(), stop.clone(), flood_t.clone(), i)));
    }
    for i in 0..LOGINS {
        abusers.push(tokio::spawn(logins(base.clone(), stop.clone(), login_t.clone(), i)));
    }
    let flood_only = (secs / 2.0).max(5.0);
    tokio::time::sleep(Duration::from_secs_f64(flood_only)).await;
    let s_flood = size(&data);

    // The shopper and WeChat, under abuse.
    let notes_task = tokio::spawn({
        let (base, wx, notes, t) = (base.clone(), wx.clone(), notes.clone(), note_t.clone());
        async move { send_notes(&base, wx, notes, secs, t).await }
    });
    let abused = tokio::task::spawn_blocking({
        let (jar, base) = (jar.clone(), base.clone());
        move || shop_for(jar, base, secs)
    })
    .await
    .unwrap();
    let acked = notes_task.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for a in abusers {
        a.await.unwrap();
    }
    let s_end = size(&data);

    // Nothing acknowledged is lost: each order's own state, then the shop's counters.
    let mut lost = Vec::new();
    for &i in &acked {
        let n = &notes[i];
        let st: serde_json::Value = n.client.get(format!("{base}/orders/{}/status", n.no)).send().await.unwrap().json().await.unwrap();
        if st["state"] != "paid" {
            lost.push(n.no.clone());
        }
    }
    for no in warm.paid.iter().chain(&quiet.paid).chain(&abused.paid) {
        let st: serde_json::Value = shopper.get(format!("{base}/orders/{no}/status")).send().await.unwrap().json().await.unwrap();
        if st["state"] != "paid" {
            lost.push(no.clone());
        }
    }
    // Orders by state come from a scan kept for 30 s: wait it out for a fresh one.
    tokio::time::sleep(Duration::from_secs(31).saturating_sub(t_m0.elapsed())).await;
    let m1 = metrics(&base).await;
    let d = |k: &str| m1.get(k).copied().unwrap_or(0.0) - m0.get(k).copied().unwrap_or(0.0);
    let shopper_paid = (warm.paid.len() + quiet.paid.len() + abused.paid.len()) as f64;

    println!("| shopper step (one shopper, sequential) | quiet p50 / p99 ms | under abuse p50 / p99 ms | ratio p50 / p99 |");
    println!("|---|---|---|---|");
    for (i, name) in STEPS.iter().enumerate() {
        let (q, a) = (quiet.steps.get(&i).cloned().unwrap_or_default(), abused.steps.get(&i).cloned().unwrap_or_default());
        let (q50, q99, a50, a99) = (pct(&q, 0.5), pct(&q, 0.99), pct(&a, 0.5), pct(&a, 0.99));
        println!("| {name} | {q50:.1} / {q99:.1} | {a50:.1} / {a99:.1} | {:.2} / {:.2} |", a50 / q50, a99 / q99);
    }
    let total = |s: &Shopper| (0..STEPS.len()).map(|i| s.steps.get(&i).map(|v| pct(v, 0.5)).unwrap_or(0.0)).sum::<f64>();
    println!("| whole purchase (sum of p50s) | {:.1} | {:.1} | {:.2} |", total(&quiet), total(&abused), total(&abused) / total(&quiet));
    println!();
    println!("| outcome | quiet | under abuse |");
    println!("|---|---|---|");
    println!("| purchases completed (paid, result page, state `paid`) | {} | {} |", quiet.completed, abused.completed);
    println!("| purchases failed | {} {:?} | {} {:?} |", quiet.failures.len(), quiet.failures.iter().take(3).collect::<Vec<_>>(), abused.failures.len(), abused.failures.iter().take(3).collect::<Vec<_>>());
    println!();
    println!("| WeChat and the store | |");
    println!("|---|---|");
    println!("| notifications sent during abuse ({NOTIFY_SENDERS} senders, evenly over {secs} s) | {} orders: {:?} |", notes.len(), note_t.get());
    println!("| acknowledged (204) | {} |", acked.len());
    println!("| acknowledged but not applied (order state not `paid`), shopper's included | {} {:?} |", lost.len(), lost.iter().take(5).collect::<Vec<_>>());
    println!("| `/metrics` notifications accepted (Δ) vs acknowledged to the driver + the shopper's payments | {} vs {} |", d("puzi_notifications_total{outcome=\"accepted\"}"), acked.len() as f64 + shopper_paid);
    println!("| `/metrics` orders paid (Δ) vs the same | {} vs {} |", d("puzi_orders{state=\"paid\"}"), acked.len() as f64 + shopper_paid);
    println!("| `/metrics` 5xx answers (Δ, whole run) | {} |", d("puzi_http_requests_total{class=\"5xx\"}"));
    println!();
    let flood = flood_t.get();
    let served: u64 = flood.iter().filter(|(k, _)| k.contains("|served")).map(|(_, v)| v).sum();
    let refused: u64 = flood.iter().filter(|(k, _)| k.contains("|refused")).map(|(_, v)| v).sum();
    let dur = flood_only + secs;
    println!("| the abuse ({dur:.0} s) | |");
    println!("|---|---|");
    println!("| anonymous flood ({FLOOD} keep-alive clients, no cookies) | {} requests: {served} served, {refused} refused politely (429/503), {} other |", flood.values().sum::<u64>(), flood.values().sum::<u64>() - served - refused);
    for (k, v) in &flood {
        println!("| &nbsp; {} | {v} |", k.replace('|', " → "));
    }
    let mut life = lifetimes.lock().unwrap().clone();
    life.sort_by(f64::total_cmp);
    println!("| slow connections ({SLOW}: half send the head 1 byte/s, half a body 1 byte/s; reconnect when closed) | {:?} |", slow_t.get());
    println!("| &nbsp; how long a slow connection lasted before the server closed it (p50 / max s) | {:.1} / {:.1} |", pct(&life, 0.5), life.last().copied().unwrap_or(f64::NAN));
    println!("| wrong logins ({LOGINS} at once, repeatedly) | {:?} |", login_t.get());
    println!();
    println!("| data file `puzi.redb` | bytes |");
    println!("|---|---|");
    println!("| before the quiet purchases → after ({} purchases) | {s_quiet0} → {s_quiet1} (+{}) |", quiet.completed, s_quiet1 as i64 - s_quiet0 as i64);
    println!("| before the flood → after {flood_only:.0} s of flood alone | {s_quiet1} → {s_flood} (+{}) |", s_flood as i64 - s_quiet1 as i64);
    println!("| → after the abused purchases ({}) and {} notifications | {s_end} (+{}) |", abused.completed, acked.len(), s_end as i64 - s_flood as i64);
    // What the driver wrote on purpose: the shopper's session and one per notification's
    // order; orders: the shopper's first, their purchases, the notifications'. Anything more
    // in the file would come from the flood (`counts` reads it once the shop has stopped).
    let purchases = warm.paid.len() + quiet.paid.len() + abused.paid.len();
    println!("| shopper sessions the driver opened on purpose (1 shopper + {} for the notifications' orders) | {} |", notes.len(), 1 + notes.len());
    println!("| orders the driver placed (1 + {purchases} purchases + {} for notifications) | {} |", notes.len(), 1 + purchases + notes.len());
}

/// `abuse-counts DATA`, run once the shop has stopped: sessions and orders in the file.
pub fn counts(data: &str) {
    let s = puzi::store::Store::open(&std::path::Path::new(data).join("puzi.redb")).unwrap();
    println!("| shopper sessions in the data file after the run | {} |", s.session_count().unwrap());
    println!("| orders in the data file after the run | {} |", s.all_orders().unwrap().len());
}
