//! `flash BASE PRODUCT_ID SKU SHOPPERS [burst]`: a flash sale. `SHOPPERS` shoppers arrive
//! evenly within 10 s, each with its own client (cookie jar: session), its own sandbox
//! persona and WeChat's user agent, and try to buy one unit of `SKU`: product page, add to
//! cart, checkout, prepay (the cashier's OAuth, then JSAPI), pay on the sandbox's sheet,
//! result page. With `burst`, every shopper that got to the sheet waits until all others
//! are done with the earlier steps, then all pay at once, so WeChat's notifications arrive
//! in a burst. Prints per step p50/p99 (ms), errors (5xx, timeouts), orders placed and
//! paid, and shoppers told "sold out" (a refusal below 500).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, watch};

const UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN";

#[derive(Default)]
struct Tally {
    steps: BTreeMap<&'static str, Vec<f64>>,
    /// Errors by step and exact kind (the deepest cause of a transport error, or the status).
    errors: BTreeMap<String, usize>,
    sold_out: usize,
    placed: usize,
    /// The sandbox's sheet answered ok (WeChat took the money).
    sheet_ok: usize,
    /// The shop says paid (by the notification, or the result page's query).
    paid: usize,
}

impl Tally {
    fn error(&mut self, what: String) {
        *self.errors.entry(what).or_default() += 1;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(UA)
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A transport error's exact kind: timeout or connect, and its deepest cause.
fn kind(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(s) = cause.source() {
        cause = s;
    }
    let class = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    format!("{class}: {cause}")
}

/// One step's answer, timed: `Err` for a 5xx or a transport error (timeouts included).
async fn step(
    tally: &Mutex<Tally>,
    name: &'static str,
    req: reqwest::RequestBuilder,
) -> Result<reqwest::Response, ()> {
    let t = Instant::now();
    let r = req.send().await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut g = tally.lock().await;
    g.steps.entry(name).or_default().push(ms);
    match r {
        Ok(r) if r.status().is_server_error() => {
            g.error(format!("{name}: HTTP {}", r.status().as_u16()));
            Err(())
        }
        Ok(r) => Ok(r),
        Err(e) => {
            g.error(format!("{name}: {}", kind(&e)));
            Err(())
        }
    }
}

/// The cashier's OAuth through the sandbox, each hop a timed step.
async fn sign_in(tally: &Mutex<Tally>, c: &reqwest::Client, base: &str, no: &str, persona: &str) -> Result<(), ()> {
    let r = step(tally, "OAuth: cashier redirect", c.get(format!("{base}/pay/{no}"))).await?;
    let Some(auth) = r.headers().get("location").and_then(|v| v.to_str().ok()) else {
        tally.lock().await.error(format!("OAuth: cashier answered {} without a redirect", r.status().as_u16()));
        return Err(());
    };
    let auth = auth.replace("#wechat_redirect", "");
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(auth.split_once('?').map(|x| x.1).unwrap_or("").as_bytes()).into_owned().collect();
    let (Some(appid), Some(uri), Some(state)) = (q.get("appid"), q.get("redirect_uri"), q.get("state")) else {
        tally.lock().await.error("OAuth: redirect without parameters".into());
        return Err(());
    };
    let form = [("appid", appid.as_str()), ("redirect_uri", uri.as_str()), ("state", state.as_str()), ("persona", persona)];
    let r = step(tally, "OAuth: sandbox approve", c.post(format!("{base}/sandbox/connect/oauth2/approve")).form(&form)).await?;
    let Some(back) = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        tally.lock().await.error(format!("OAuth: approve answered {}", r.status().as_u16()));
        return Err(());
    };
    step(tally, "OAuth: return to shop", c.get(back)).await?;
    Ok(())
}

/// One shopper's attempt; returns the JSAPI parameters when they got to the sheet.
async fn shop(
    tally: &Mutex<Tally>,
    base: &str,
    product: &str,
    sku: &str,
    i: usize,
) -> Result<Option<(reqwest::Client, String, serde_json::Value)>, ()> {
    let c = client();
    step(tally, "product page", c.get(format!("{base}/p/{product}"))).await?;
    let r = step(tally, "add to cart", c.post(format!("{base}/cart/add")).form(&[("sku", sku), ("qty", "1")])).await?;
    if r.status() != 303 {
        tally.lock().await.sold_out += 1;
        return Ok(None);
    }
    let mobile = format!("136{i:08}");
    let form = [("name", "抢购"), ("mobile", mobile.as_str()), ("address", "上海市徐汇区漕溪北路 1 号"), ("note", "")];
    let r = step(tally, "checkout", c.post(format!("{base}/checkout")).form(&form)).await?;
    let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let Some(no) = loc.strip_prefix("/pay/").map(|n| n.trim_end_matches("?go=1").to_string()) else {
        // Checkout said the stock ran out.
        tally.lock().await.sold_out += 1;
        return Ok(None);
    };
    tally.lock().await.placed += 1;
    let t = Instant::now();
    sign_in(tally, &c, base, &no, &format!("flash{i}")).await?;
    let r = step(tally, "prepay (JSAPI)", c.post(format!("{base}/pay/{no}/jsapi")).header("content-type", "application/json").body("{}")).await?;
    let status = r.status().as_u16();
    let p: serde_json::Value = r.json().await.unwrap_or_default();
    tally.lock().await.steps.entry("prepay with OAuth").or_default().push(t.elapsed().as_secs_f64() * 1000.0);
    if p["paySign"].as_str().is_none() {
        tally.lock().await.error(format!("prepay: HTTP {status} without paySign"));
        return Err(());
    }
    Ok(Some((c, no, p)))
}

/// The sheet, then the result page, then the result page's polling (`confirm=1`: the shop
/// asks WeChat when the notification is late) until the shop says paid.
async fn pay(tally: &Mutex<Tally>, base: &str, c: reqwest::Client, no: String, mut p: serde_json::Value) {
    p["password"] = "654321".into();
    let t = Instant::now();
    let Ok(r) = step(tally, "pay (sandbox sheet)", c.post(format!("{base}/sandbox/pay/confirm")).json(&p)).await else { return };
    let ok: serde_json::Value = r.json().await.unwrap_or_default();
    if ok["ok"] != true {
        tally.lock().await.error(format!("pay: the sheet said {ok}"));
        return;
    }
    tally.lock().await.sheet_ok += 1;
    if step(tally, "result page", c.get(format!("{base}/pay/{no}/result"))).await.is_err() {
        return;
    }
    // The page polls every second for up to a minute.
    for _ in 0..60 {
        let Ok(r) = step(tally, "result page poll", c.get(format!("{base}/orders/{no}/status?confirm=1"))).await else { return };
        let s: serde_json::Value = r.json().await.unwrap_or_default();
        match s["state"].as_str() {
            Some("pending_payment") => tokio::time::sleep(Duration::from_secs(1)).await,
            Some("paid") => {
                let mut g = tally.lock().await;
                g.paid += 1;
                g.steps.entry("sheet → shop says paid").or_default().push(t.elapsed().as_secs_f64() * 1000.0);
                return;
            }
            other => {
                tally.lock().await.error(format!("result: order state {other:?}"));
                return;
            }
        }
    }
    tally.lock().await.error("result: still pending after a minute".into());
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn run(base: String, product: String, sku: String, shoppers: usize, burst: bool) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let ready = Arc::new(AtomicUsize::new(0));
    let (go_tx, go_rx) = watch::channel(false);
    let go_tx = Arc::new(go_tx);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..shoppers {
        let (tally, base, product, sku, ready, go_tx, mut go_rx) =
            (tally.clone(), base.clone(), product.clone(), sku.clone(), ready.clone(), go_tx.clone(), go_rx.clone());
        let at = start + Duration::from_millis((10_000 * i / shoppers) as u64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let got = shop(&tally, &base, &product, &sku, i).await;
            if ready.fetch_add(1, Ordering::AcqRel) + 1 == shoppers {
                let _ = go_tx.send(true);
            }
            if let Ok(Some((c, no, p))) = got {
                if burst {
                    let _ = go_rx.wait_for(|go| *go).await;
                }
                pay(&tally, &base, c, no, p).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let mut g = tally.lock().await;
    println!("| step | n | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for (name, v) in g.steps.iter_mut() {
        let n = v.len();
        println!("| {name} | {n} | {:.1} | {:.1} |", pct(v, 0.5), pct(v, 0.99));
    }
    println!();
    println!("| outcome | |");
    println!("|---|---|");
    println!("| shoppers | {shoppers} (arriving within 10 s; whole run {secs:.1} s) |");
    println!("| orders placed | {} |", g.placed);
    println!("| paid on the sandbox's sheet | {} |", g.sheet_ok);
    println!("| orders the shop says paid | {} |", g.paid);
    println!("| told sold out (cleanly, < 500) | {} |", g.sold_out);
    println!("| errors (5xx, transport, timeouts) | {} |", g.errors.values().sum::<usize>());
    for (e, n) in &g.errors {
        println!("| error × {n} | {e} |");
    }
}
