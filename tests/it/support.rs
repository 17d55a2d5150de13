//! `TestApp`: the real server, in-process, on 127.0.0.1:0 with a temporary data dir.

use puzi::app::{self, App};
use puzi::config::Config;
use puzi::store::{Faults, FaultyBackend, FaultyReopen, Store};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub data: PathBuf,
    _dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    /// A demo shop (seeded catalog) in a fresh temporary directory.
    pub async fn start() -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().to_path_buf();
        let mut t = TestApp::start_in(&data).await;
        t._dir = Some(dir);
        t
    }

    /// A demo shop on an existing data directory (for restarts).
    pub async fn start_in(data: &Path) -> TestApp {
        let cfg = Config::demo(data.to_path_buf(), "127.0.0.1:0".parse().unwrap());
        TestApp::start_with(cfg, true).await
    }

    /// A demo shop whose config a test adjusts first (e.g. the sandbox retry scale).
    pub async fn start_tuned(tune: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::demo(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
        tune(&mut cfg);
        let mut t = TestApp::start_with(cfg, true).await;
        t._dir = Some(dir);
        t
    }

    pub fn sandbox(&self) -> &puzi::sandbox::Sandbox {
        self.app.sandbox.as_ref().expect("sandbox mode")
    }

    pub fn pay(&self) -> &puzi::wechat::PayClient {
        &self.app.wechat.pay
    }

    /// The background job loop is off: tests run jobs themselves, with a clock they move.
    pub async fn start_with(cfg: Config, seed: bool) -> TestApp {
        TestApp::start_opened(cfg, move |cfg, addr| App::open(cfg, seed, addr)).await
    }

    /// A demo shop (adjusted by `tune`) in a fresh temporary directory whose data file sits
    /// behind a fault-injecting storage backend; the `Faults` handle arms the faults.
    pub async fn start_faulty(tune: impl FnOnce(&mut Config)) -> (TestApp, Faults) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::demo(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
        tune(&mut cfg);
        let faults = Faults::default();
        let f2 = faults.clone();
        let mut t = TestApp::start_opened(cfg, move |cfg, addr| {
            let path = cfg.storage.db_path();
            let backend = FaultyBackend::open(&path, f2).expect("open the data file");
            let store = Store::open_with_backend(&path, backend)?;
            App::open_with_store(cfg, store, true, addr)
        })
        .await;
        t._dir = Some(dir);
        (t, faults)
    }

    /// Like `start_faulty`, but the store can reopen its data file after a storage
    /// failure (through the same fault-injecting backend), as the real store does: for
    /// tests of a disk that fills up and frees again while the shop runs.
    pub async fn start_reopening(tune: impl FnOnce(&mut Config)) -> (TestApp, Faults) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::demo(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
        tune(&mut cfg);
        let faults = Faults::default();
        let f2 = faults.clone();
        let mut t = TestApp::start_opened(cfg, move |cfg, addr| {
            let path = cfg.storage.db_path();
            let store = Store::open_reopening(&path, FaultyReopen::new(&path, f2))?;
            App::open_with_store(cfg, store, true, addr)
        })
        .await;
        t._dir = Some(dir);
        (t, faults)
    }

    async fn start_opened(
        mut cfg: Config,
        open: impl FnOnce(Config, SocketAddr) -> Result<App, app::StartError> + Send + 'static,
    ) -> TestApp {
        cfg.jobs_interval = None;
        let data = cfg.storage.data_dir.clone();
        let listener = tokio::net::TcpListener::bind(cfg.server.listen)
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let app = tokio::task::spawn_blocking(move || open(cfg, addr))
            .await
            .unwrap()
            .expect("open app");
        let (tx, rx) = oneshot::channel::<()>();
        let served = app.clone();
        let task = tokio::spawn(async move {
            puzi::web::run(listener, served, async {
                let _ = rx.await;
            })
            .await
        });
        TestApp {
            addr,
            app,
            data,
            _dir: None,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server gracefully and releases the data file; keeps the temp dir alive.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        self._dir.take()
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests check them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn get_text(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub async fn add_to_cart(
    c: &reqwest::Client,
    t: &TestApp,
    sku: &str,
    qty: u32,
) -> reqwest::Response {
    c.post(t.url("/cart/add"))
        .form(&[("sku", sku), ("qty", &qty.to_string())])
        .send()
        .await
        .unwrap()
}

/// The checkout form of the `i`-th of many different shoppers (each their own mobile
/// number: one shopper may hold only a few unpaid orders).
pub fn shopper_form(i: usize) -> Vec<(&'static str, String)> {
    vec![
        ("name", format!("顾客{i}")),
        ("mobile", format!("1390000{:04}", i % 10_000)),
        ("address", "上海市徐汇区漕溪北路 1 号".to_string()),
        ("note", String::new()),
    ]
}

/// `shopper_form` as the `checkout` helper takes it.
pub fn as_form<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub const GOOD_FORM: [(&str, &str); 4] = [
    ("name", "张三"),
    ("mobile", "13800138000"),
    ("address", "上海市徐汇区漕溪北路 1 号"),
    ("note", ""),
];

/// Posts the checkout form; returns the status and the Location header.
pub async fn checkout(
    c: &reqwest::Client,
    t: &TestApp,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let r = c.post(t.url("/checkout")).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, loc, r.text().await.unwrap())
}

/// The order number in checkout's redirect (`/pay/{no}?go=1`: straight to the cashier).
pub fn placed_no(location: &str) -> &str {
    let no = location
        .strip_prefix("/pay/")
        .unwrap_or_else(|| panic!("checkout goes to the cashier, not {location}"));
    no.strip_suffix("?go=1").unwrap_or(no)
}

/// A notification receiver on port 0 that acts like a careful merchant: it verifies and
/// decrypts with the shop's own client, answers 204 when that works and 401 otherwise,
/// and records everything it saw.
pub struct Receiver {
    pub url: String,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    /// Answer this status to valid notifications (to simulate a failing merchant).
    pub answer: std::sync::Arc<std::sync::atomic::AtomicU16>,
    stop: Option<oneshot::Sender<()>>,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub verified: Result<puzi::wechat::notify::Notification, puzi::wechat::notify::NotifyError>,
    pub answered: u16,
}

impl Receiver {
    pub async fn start(pay: puzi::wechat::PayClient) -> Receiver {
        use http_body_util::BodyExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let answer = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(204));
        let (tx, mut rx) = oneshot::channel::<()>();
        let (seen2, answer2) = (seen.clone(), answer.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = tokio::select! {
                    r = listener.accept() => r.unwrap(),
                    _ = &mut rx => break,
                };
                let (pay, seen, answer) = (pay.clone(), seen2.clone(), answer2.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (pay, seen, answer) = (pay.clone(), seen.clone(), answer.clone());
                            async move {
                                let headers = req.headers().clone();
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                let verified = pay.parse_notification(&headers, &body).await;
                                let status = if verified.is_ok() {
                                    answer.load(std::sync::atomic::Ordering::SeqCst)
                                } else {
                                    401
                                };
                                seen.lock().unwrap().push(Received {
                                    verified,
                                    answered: status,
                                });
                                let mut r = hyper::Response::new(http_body_util::Full::new(
                                    bytes::Bytes::new(),
                                ));
                                *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                Ok::<_, std::convert::Infallible>(r)
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        Receiver {
            url,
            seen,
            answer,
            stop: Some(tx),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Notifications that verified and were acknowledged.
    pub fn accepted(&self) -> usize {
        self.received()
            .iter()
            .filter(|r| r.verified.is_ok() && (200..300).contains(&r.answered))
            .count()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Signs and encrypts a notification exactly as WeChat (the sandbox) would.
pub fn wechat_notification(
    t: &TestApp,
    plaintext: &serde_json::Value,
) -> (reqwest::header::HeaderMap, String) {
    let id = format!("EV-TEST-{}", puzi::random::random_token::<6>());
    signed_notification(t, &id, &plaintext.to_string())
}

/// A payment notification the sandbox has scheduled, signed and encrypted as its
/// delivery would be (same notification id): the test plays WeChat sending it.
pub fn sandbox_delivery(
    t: &TestApp,
    d: &puzi::sandbox::Delivery,
) -> (reqwest::header::HeaderMap, String) {
    assert_eq!(
        d.event_type, "TRANSACTION.SUCCESS",
        "a payment notification"
    );
    signed_notification(t, &d.notification_id, &d.plaintext)
}

fn signed_notification(
    t: &TestApp,
    id: &str,
    plaintext: &str,
) -> (reqwest::header::HeaderMap, String) {
    signed_event(
        t,
        id,
        ("TRANSACTION.SUCCESS", "支付成功", "transaction"),
        plaintext,
    )
}

/// A refund notification (`REFUND.SUCCESS`) signed and encrypted as WeChat sends it.
pub fn wechat_refund_notification(
    t: &TestApp,
    plaintext: &serde_json::Value,
) -> (reqwest::header::HeaderMap, String) {
    let id = format!("EV-TEST-{}", puzi::random::random_token::<6>());
    let kind = ("REFUND.SUCCESS", "退款成功", "refund");
    signed_event(t, &id, kind, &plaintext.to_string())
}

/// An event `(event_type, summary, original_type)`, encrypted with the sandbox's APIv3 key
/// and signed with its platform key.
fn signed_event(
    t: &TestApp,
    id: &str,
    (event_type, summary, original_type): (&str, &str, &str),
    plaintext: &str,
) -> (reqwest::header::HeaderMap, String) {
    let k = t.sandbox().keys();
    let body = puzi::wechat::notify::encrypt(
        k.manifest.apiv3_key.as_bytes(),
        id,
        "2026-11-25T12:00:00+08:00",
        event_type,
        summary,
        original_type,
        plaintext,
    )
    .unwrap();
    let ts = t.app.clock.unix().to_string();
    let nonce = puzi::wechat::crypto::nonce();
    let sig = k.platform.sign(&puzi::wechat::crypto::response_message(
        &ts,
        &nonce,
        body.as_bytes(),
    ));
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("wechatpay-timestamp", ts.parse().unwrap());
    h.insert("wechatpay-nonce", nonce.parse().unwrap());
    h.insert("wechatpay-signature", sig.parse().unwrap());
    h.insert(
        "wechatpay-serial",
        k.manifest.public_key_id.parse().unwrap(),
    );
    h.insert("content-type", "application/json".parse().unwrap());
    (h, body)
}

/// The shopper's side of paying an order through the sandbox: the cashier's silent OAuth
/// (a persona the first time), the JSAPI parameters, and six digits on the sheet.
/// Returns the `getBrandWCPayRequest` parameters the sheet was given.
pub async fn pay_in_sandbox(
    t: &TestApp,
    c: &reqwest::Client,
    no: &puzi::order::OrderNo,
    persona: &str,
    fault: Option<puzi::sandbox::NotificationFault>,
) -> serde_json::Value {
    let params = prepay_in_sandbox(t, c, no, persona).await;
    if let Some(f) = fault {
        t.sandbox().set_notification_fault(f);
    }
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
    params
}

/// A phone inside WeChat (WeChat's user agent): keeps cookies, does not follow redirects.
pub fn wechat_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(WECHAT_UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub const WECHAT_UA: &str = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50";

/// The silent OAuth sign-in: given the shop's redirect to the sandbox's `authorize` URL,
/// approves as `persona` and follows the code back to the shop's OAuth return; that
/// response (the session now knows the persona's openid).
pub async fn approve_oauth(
    t: &TestApp,
    c: &reqwest::Client,
    authorize: &str,
    persona: &str,
) -> reqwest::Response {
    let auth = authorize.replace("#wechat_redirect", "");
    let q: std::collections::HashMap<String, String> =
        form_urlencoded::parse(auth.split_once('?').expect("a query").1.as_bytes())
            .into_owned()
            .collect();
    let r = c
        .post(t.url("/sandbox/connect/oauth2/approve"))
        .form(&[
            ("appid", q["appid"].as_str()),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("persona", persona),
        ])
        .send()
        .await
        .unwrap();
    c.get(r.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap()
}

/// The cashier's silent OAuth (a persona the first time) and the JSAPI parameters — an
/// order with a prepay at WeChat, not paid. Returns the `getBrandWCPayRequest` parameters.
pub async fn prepay_in_sandbox(
    t: &TestApp,
    c: &reqwest::Client,
    no: &puzi::order::OrderNo,
    persona: &str,
) -> serde_json::Value {
    let r = c.get(t.url(&format!("/pay/{no}"))).send().await.unwrap();
    if r.status() == 302 {
        approve_oauth(t, c, r.headers()["location"].to_str().unwrap(), persona).await;
    }
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
    params
}

/// Decodes the first QR code a page draws: the path-per-module SVG the shop writes,
/// rasterised to grey pixels for `rqrr`.
pub fn decode_svg_qr(page: &str) -> String {
    let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
    let dim = |key: &str| -> usize {
        let i = svg.find(key).unwrap() + key.len();
        svg[i..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (dim("width=\""), dim("height=\""));
    let mut px = vec![255u8; w * h];
    let d = svg.rfind(" d=\"").unwrap() + 4;
    let d = svg[d..].split('"').next().unwrap();
    // `M{x} {y}h{w}v{h}H{x}V{y}` per dark module.
    let nums: Vec<i64> = d
        .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().unwrap())
        .collect();
    for r in nums.chunks_exact(6) {
        let (x, y, a, b) = (r[0], r[1], r[2], r[3]);
        for yy in y..y + b {
            for xx in x..x + a {
                px[yy as usize * w + xx as usize] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

/// The element with this id in a page: its opening tag and the text up to the next tag.
pub fn element<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = body[..at].rfind('<').unwrap();
    let text_end = at + body[at..].find('>').unwrap() + 1;
    let close = text_end + body[text_end..].find('<').unwrap();
    &body[start..close]
}

/// One sample of `/metrics` by name (loopback is allowed).
pub async fn metric(t: &TestApp, name: &str) -> u64 {
    metric_from(&reqwest::Client::new(), &t.url("/metrics"), name).await
}

/// One sample by name from the `/metrics` at `url`, asked with `c` (e.g. over TLS).
pub async fn metric_from(c: &reqwest::Client, url: &str, name: &str) -> u64 {
    let (s, body) = get_text(c, url).await;
    assert_eq!(s, 200);
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}
