//! Load drivers for `bench/run.sh`. Each prints one line `name value unit`.
//!
//! - `checkout BASE SECS CONC`: orders placed and prepaid per second (add to cart,
//!   checkout, JSAPI prepay with paySign) against the in-process sandbox.
//! - `notify BASE DATA COUNT CONC`: payment notifications verified, decrypted and durably
//!   applied per second (each answered 204 after its own commit).
//! - `redb DIR SECS`: redb's raw durable commit rate on the same disk (the reference).
//! - `startup BIN`: milliseconds from spawn to the first answered request.
//! - `flash BASE PRODUCT_ID SKU SHOPPERS [burst]`: a flash sale (see `flash.rs`).
//! - `abuse BASE DATA SECS`: a shopper's purchases quiet vs under abuse (see `abuse.rs`);
//!   `abuse-counts DATA` then reads the sessions and orders in the stopped shop's file.

mod abuse;
mod raw;
mod search;
mod flash;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The checkout form the drivers post for `mobile`.
fn checkout_form(mobile: &str) -> [(&str, &str); 4] {
    [("name", "压测"), ("mobile", mobile), ("address", "上海市"), ("note", "")]
}

/// The order number in checkout's redirect: straight to the cashier (`/pay/{no}?go=1`); an
/// empty cart (sold out) sends the shopper back to /cart instead.
fn placed_no(location: &str) -> Option<String> {
    let no = location.strip_prefix("/pay/")?;
    Some(no.strip_suffix("?go=1").unwrap_or(no).to_string())
}

/// The sandbox's approve form for the OAuth authorize URL the cashier redirected to.
fn approve_form(authorize: &str, persona: &str) -> Option<Vec<(String, String)>> {
    let query = authorize.replace("#wechat_redirect", "");
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.split_once('?')?.1.as_bytes()).into_owned().collect();
    let field = |k: &str| Some((k.to_string(), q.get(k)?.clone()));
    Some(vec![field("appid")?, field("redirect_uri")?, field("state")?, ("persona".into(), persona.into())])
}

/// Places one order as `mobile`; returns its out_trade_no.
async fn place(c: &reqwest::Client, base: &str, sku: &str, mobile: &str) -> Option<String> {
    c.post(format!("{base}/cart/add")).form(&[("sku", sku), ("qty", "1")]).send().await.ok()?;
    let r = c.post(format!("{base}/checkout")).form(&checkout_form(mobile)).send().await.ok()?;
    if r.status() != 303 {
        return None;
    }
    placed_no(r.headers()["location"].to_str().ok()?)
}

/// Signs the client in through the sandbox's OAuth once.
pub(crate) async fn sign_in(c: &reqwest::Client, base: &str, no: &str, persona: &str) {
    // A failed step leaves the client signed out: the prepay that follows says so.
    let Ok(r) = c.get(format!("{base}/pay/{no}")).send().await else { return };
    if r.status() != 302 {
        return;
    }
    let Some(form) = approve_form(r.headers()["location"].to_str().unwrap(), persona) else { return };
    let Ok(r) = c.post(format!("{base}/sandbox/connect/oauth2/approve")).form(&form).send().await else { return };
    let Some(back) = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string) else { return };
    let _ = c.get(back).send().await;
}

/// `per` checkouts per shopper: 1 makes every checkout a new shopper (its own session,
/// mobile number and persona, signed in through the cashier's OAuth, so the cap of unpaid
/// orders per shopper never applies and is not weakened); more lets a signed-in shopper
/// place `per` orders before the next one arrives (the shop must allow that many unpaid
/// orders: `[shop] max_unpaid_orders`). Each shopper is one lean keep-alive connection
/// (`raw.rs`), so the driver takes little of the two cores the shop is measured on.
async fn checkout(base: String, secs: u64, conc: usize, per: u32) {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    // Every shopper is new to the shop, in this run and across runs on the same shop (a
    // shopper's unpaid orders count against `max_unpaid_orders`): numbered from the clock.
    let next = Arc::new(AtomicU64::new(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as u64));
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (base, done, failed, next) = (base.clone(), done.clone(), failed.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let (mut n, mut used, mut c, mut signed) = (0u64, per, raw::Shopper::new(&base), false);
            while Instant::now() < deadline {
                if used == per {
                    (n, used, c, signed) = (next.fetch_add(1, Ordering::Relaxed), 0, raw::Shopper::new(&base), false);
                }
                let mobile = format!("13{:09}", n % 1_000_000_000);
                let Some(no) = raw_place(&mut c, "cotton-tee-m", &mobile).await else { break };
                if !signed {
                    raw_sign_in(&mut c, &no, &format!("b{}", n % 1_000_000_000_000)).await;
                    signed = true;
                }
                let paid = match c.post_json(&format!("/pay/{no}/jsapi"), "{}").await {
                    Ok(r) if r.status == 200 => serde_json::from_slice::<serde_json::Value>(&r.body).is_ok_and(|p| p["paySign"].as_str().is_some()),
                    _ => false,
                };
                if !paid {
                    // Counted and reported, and the next checkout is a new shopper.
                    failed.fetch_add(1, Ordering::Relaxed);
                    used = per;
                    continue;
                }
                used += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    println!("checkout {rate:.1} orders/s failed {}", failed.load(Ordering::Relaxed));
}

/// `place` over the lean client.
async fn raw_place(c: &mut raw::Shopper, sku: &str, mobile: &str) -> Option<String> {
    c.post_form("/cart/add", &[("sku", sku), ("qty", "1")]).await.ok()?;
    let r = c.post_form("/checkout", &checkout_form(mobile)).await.ok()?;
    if r.status != 303 {
        return None;
    }
    placed_no(&r.location?)
}

/// `sign_in` over the lean client.
async fn raw_sign_in(c: &mut raw::Shopper, no: &str, persona: &str) {
    let Ok(r) = c.get(&format!("/pay/{no}")).await else { return };
    let (302, Some(auth)) = (r.status, r.location) else { return };
    let Some(form) = approve_form(&auth, persona) else { return };
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let Ok(r) = c.post_form("/sandbox/connect/oauth2/approve", &form).await else { return };
    let Some(back) = r.location else { return };
    let _ = c.get(&back).await;
}

async fn notify(base: String, data: String, count: usize, conc: usize) {
    let dir = std::path::Path::new(&data).join("sandbox");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("sandbox.json")).unwrap()).unwrap();
    let platform = puzi::wechat::MerchantKey::from_pem(&std::fs::read(dir.join("platform_key.pem")).unwrap()).unwrap();
    let (apiv3, serial) = (manifest["apiv3_key"].as_str().unwrap().to_string(), manifest["public_key_id"].as_str().unwrap().to_string());
    let (appid, mchid) = (manifest["appid"].as_str().unwrap().to_string(), manifest["mchid"].as_str().unwrap().to_string());
    // Orders to pay: placed over HTTP first, each by its own shopper and mobile number (a
    // shopper holds at most `[shop] max_unpaid_orders` unpaid orders).
    let mut bodies = Vec::new();
    for i in 0..count {
        let c = client();
        let no = place(&c, &base, "wool-socks-sm", &format!("139{i:08}")).await.expect("order");
        let total = 3900 + 800;
        let plain = serde_json::json!({
            "appid": appid, "mchid": mchid, "out_trade_no": no, "transaction_id": format!("4200{i:024}"),
            "trade_type": "JSAPI", "trade_state": "SUCCESS", "success_time": "2026-11-26T08:00:00+08:00",
            "payer": {"openid": "obench"}, "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
        });
        let body = puzi::wechat::notify::encrypt(apiv3.as_bytes(), &format!("EV-BENCH-{i}"), "2026-11-26T08:00:00+08:00", "TRANSACTION.SUCCESS", "支付成功", "transaction", &plain.to_string()).unwrap();
        bodies.push(body);
    }
    let bodies = Arc::new(std::sync::Mutex::new(bodies));
    let ok = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (bodies, ok, base, serial) = (bodies.clone(), ok.clone(), base.clone(), serial.clone());
        let platform = puzi::wechat::MerchantKey::from_pem(platform.to_pem().as_bytes()).unwrap();
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            loop {
                let Some(body) = bodies.lock().unwrap().pop() else { break };
                let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
                let nonce = puzi::wechat::crypto::nonce();
                let sig = platform.sign(&puzi::wechat::crypto::response_message(&ts, &nonce, body.as_bytes()));
                let r = c.post(format!("{base}/wechat/notify/pay"))
                    .header("wechatpay-timestamp", ts).header("wechatpay-nonce", nonce)
                    .header("wechatpay-signature", sig).header("wechatpay-serial", &serial)
                    .header("content-type", "application/json").body(body).send().await.unwrap();
                if r.status() == 204 {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = ok.load(Ordering::Relaxed);
    assert_eq!(n as usize, count, "every notification acknowledged");
    println!("notify {:.1} notifications/s", n as f64 / start.elapsed().as_secs_f64());
}

fn redb_reference(dir: String, secs: u64) {
    const T: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("t");
    let path = std::path::Path::new(&dir).join("reference.redb");
    let _ = std::fs::remove_file(&path);
    let db = redb::Database::create(&path).unwrap();
    let v = [7u8; 1500];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs() < secs {
        let tx = db.begin_write().unwrap();
        tx.open_table(T).unwrap().insert(n, v.as_slice()).unwrap();
        tx.commit().unwrap();
        n += 1;
    }
    println!("redb {:.1} commits/s", n as f64 / start.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&path);
}

async fn startup(bin: String) {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("puzi-startup-{}", std::process::id()));
    // A data dir that already exists (keys generated): what a restart costs.
    let mut runs = Vec::new();
    for round in 0..4 {
        let t0 = Instant::now();
        let mut child = std::process::Command::new(&bin)
            .args(["demo", "--listen", "127.0.0.1:0", "--data"])
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().trim_start_matches("listening on ").to_string();
        let r = reqwest::get(format!("{addr}/")).await.unwrap();
        assert_eq!(r.status(), 200);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if round > 0 {
            runs.push(ms);
        }
        let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let rss_kb: u64 = rss.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0);
        if round == 3 {
            println!("rss_idle {:.1} MB", rss_kb as f64 / 1024.0);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    runs.sort_by(f64::total_cmp);
    println!("startup {:.1} ms", runs[runs.len() / 2]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("checkout") => checkout(a[2].clone(), a[3].parse().unwrap(), a[4].parse().unwrap(), a.get(5).map_or(1, |n| n.parse().unwrap())).await,
        Some("notify") => notify(a[2].clone(), a[3].clone(), a[4].parse().unwrap(), a[5].parse().unwrap()).await,
        Some("redb") => redb_reference(a[2].clone(), a[3].parse().unwrap()),
        Some("startup") => startup(a[2].clone()).await,
        Some("abuse-counts") => abuse::counts(&a[2]),
        Some("search-gen") => search::generate(&a[2], a[3].parse().unwrap()),
        Some("search") => search::run(a[2].clone(), a[3].clone()).await,
        Some("flash") => flash::run(a[2].clone(), a[3].clone(), a[4].parse().unwrap(), a[5].parse().unwrap(), a.get(6).is_some_and(|b| b == "burst")).await,
        Some("abuse") => abuse::run(a[2].clone(), a[3].clone(), a[4].parse().unwrap()).await,
        _ => eprintln!("usage: puzi-bench checkout|notify|redb|startup|abuse|search-gen|search …"),
    }
}
