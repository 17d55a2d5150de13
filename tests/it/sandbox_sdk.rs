//! The sandbox as a merchant program nobody here wrote sees it. Several official WeChat Pay
//! SDKs sign the request path relative to their base URL, so pointed at `…/sandbox` they
//! sign `/v3/…`, the path real WeChat would see. These tests sign requests by hand with the
//! merchant key from `<data>/sandbox/` over either form (and over forms that must fail), and
//! verify every answer's signature over the exact bytes received, as an SDK does; the last
//! one drives the sandbox with the Python SDK `wechatpayv3` when it is installed.

use crate::support::*;
use puzi::wechat::crypto;
use puzi::wechat::{MerchantKey, PublicKey};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::path::PathBuf;

/// What a merchant program reads from `<data>/sandbox/`.
struct Merchant {
    dir: PathBuf,
    manifest: Value,
    key: MerchantKey,
    /// The WeChat Pay public key (`pub_key.pem`), which verifies the sandbox's answers.
    platform: PublicKey,
}

impl Merchant {
    fn read(t: &TestApp) -> Merchant {
        let dir = t.data.join("sandbox");
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("sandbox.json")).unwrap())
                .unwrap();
        let file = |k: &str| std::fs::read(dir.join(manifest[k].as_str().unwrap())).unwrap();
        let key = MerchantKey::from_pem(&file("merchant_key_file")).unwrap();
        let platform = PublicKey::from_pem(&file("public_key_file")).unwrap();
        Merchant {
            dir,
            manifest,
            key,
            platform,
        }
    }

    fn get(&self, k: &str) -> String {
        self.manifest[k].as_str().unwrap().to_string()
    }
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Sends `method` to `/sandbox{path}` with an Authorization header whose signature covers
/// `signed_url` (the canonical URL the caller claims), and returns the answer as received.
async fn call(
    t: &TestApp,
    m: &Merchant,
    method: Method,
    path: &str,
    signed_url: &str,
    body: &str,
    serial: Option<&str>,
) -> Answer {
    let ts = t.app.clock.unix();
    let nonce = crypto::nonce();
    let msg = crypto::request_message(method.as_str(), signed_url, ts, &nonce, body.as_bytes());
    let auth = crypto::authorization(
        &m.get("mchid"),
        &m.get("merchant_serial_no"),
        &nonce,
        ts,
        &m.key.sign(&msg),
    );
    let mut rb = reqwest::Client::new()
        .request(method, t.url(&format!("/sandbox{path}")))
        .header("authorization", auth)
        .header("accept", "application/json")
        .header("user-agent", "sdk-style-test/1.0")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = serial {
        rb = rb.header("wechatpay-serial", s);
    }
    let r = rb.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap(),
    }
}

/// Verifies an answer as WeChat's rules and the SDKs do: all five headers present, the
/// algorithm named, the expected key serial, a fresh timestamp, and the signature over
/// `TIMESTAMP\nNONCE\nBODY\n` with the exact bytes received.
fn assert_verifies(t: &TestApp, m: &Merchant, a: &Answer, serial: &str) {
    let h = |k: &str| {
        a.headers
            .get(k)
            .unwrap_or_else(|| panic!("{k} missing ({})", a.status))
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(h("wechatpay-signature-type"), "WECHATPAY2-SHA256-RSA2048");
    assert_eq!(h("wechatpay-serial"), serial);
    assert!(!h("request-id").is_empty());
    let ts = h("wechatpay-timestamp");
    let age = t.app.clock.unix() - ts.parse::<i64>().unwrap();
    assert!(age.abs() < 300, "timestamp {ts}");
    let nonce = h("wechatpay-nonce");
    assert!(!nonce.is_empty());
    let msg = crypto::response_message(&ts, &nonce, &a.body);
    assert!(
        m.platform.verify(&msg, &h("wechatpay-signature")),
        "the {} answer's signature does not verify over the bytes received",
        a.status
    );
}

fn jsapi_body(t: &TestApp, m: &Merchant, no: &str) -> String {
    json!({
        "appid": m.get("appid"),
        "mchid": m.get("mchid"),
        "description": "铺子-SDK 测试",
        "out_trade_no": no,
        "notify_url": t.app.wechat.notify_url,
        "amount": { "total": 1990, "currency": "CNY" },
        "payer": { "openid": "oTestOpenid0000000000000000001" },
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_over_the_path_real_wechat_sees_is_accepted_and_answers_verify() {
    let t = TestApp::start().await;
    let m = Merchant::read(&t);
    let platform_serial = m.get("platform_serial_no");
    let pub_key_id = m.get("public_key_id");

    // The order, signed over `/v3/…` as an SDK with base URL `…/sandbox` signs it.
    let path = "/v3/pay/transactions/jsapi";
    let body = jsapi_body(&t, &m, "SDKTEST00001");
    let a = call(&t, &m, Method::POST, path, path, &body, None).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.json()["prepay_id"].as_str().unwrap().starts_with("wx"));
    assert_verifies(&t, &m, &a, &platform_serial);

    // The query, with its query string, signed over both accepted forms.
    let q = format!(
        "/v3/pay/transactions/out-trade-no/SDKTEST00001?mchid={}",
        m.get("mchid")
    );
    for signed in [q.clone(), format!("/sandbox{q}")] {
        let a = call(&t, &m, Method::GET, &q, &signed, "", None).await;
        assert_eq!(
            a.status,
            200,
            "{signed}: {}",
            String::from_utf8_lossy(&a.body)
        );
        assert_eq!(a.json()["trade_state"], "NOTPAY");
        assert_verifies(&t, &m, &a, &platform_serial);
    }
    // Naming the WeChat Pay public key asks for answers signed under its id.
    let a = call(&t, &m, Method::GET, &q, &q, "", Some(&pub_key_id)).await;
    assert_eq!(a.status, 200);
    assert_verifies(&t, &m, &a, &pub_key_id);

    // Closing answers 204 with no body, signed over the empty body.
    let close = "/v3/pay/transactions/out-trade-no/SDKTEST00001/close";
    let body = json!({ "mchid": m.get("mchid") }).to_string();
    let a = call(&t, &m, Method::POST, close, close, &body, None).await;
    assert_eq!(a.status, 204, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.body.is_empty());
    assert_verifies(&t, &m, &a, &platform_serial);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_over_any_other_path_is_refused_with_a_signed_sign_error() {
    let t = TestApp::start().await;
    let m = Merchant::read(&t);
    let q = format!(
        "/v3/pay/transactions/out-trade-no/SDKTEST00002?mchid={}",
        m.get("mchid")
    );
    for signed in [
        "/sandbox/sandbox".to_string() + &q,
        "/other".to_string() + &q,
        q.trim_start_matches("/v3").to_string(),
        "/v3/pay/transactions/out-trade-no/SDKTEST00002".to_string(),
        "/sandbox/v3/pay/transactions/out-trade-no/SDKTEST00002".to_string(),
        format!(
            "/v3/pay/transactions/out-trade-no/SDKTEST00003?mchid={}",
            m.get("mchid")
        ),
    ] {
        let a = call(&t, &m, Method::GET, &q, &signed, "", None).await;
        assert_eq!(a.status, 401, "{signed}");
        assert_eq!(a.json()["code"], "SIGN_ERROR", "{signed}");
        assert_eq!(a.json()["detail"]["field"], "signature", "{signed}");
        // As WeChat does, the answer shows what was expected: the URL real WeChat sees.
        let info = &a.json()["detail"]["sign_information"];
        assert_eq!(info["method"], "GET");
        assert_eq!(info["url"], q.as_str());
        assert!(
            info["truncated_sign_message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("GET\n{q}\n")),
            "{info}"
        );
        assert_verifies(&t, &m, &a, &m.get("platform_serial_no"));
    }
    // Only one mount prefix comes off: a doubled one is no Pay API path, whatever it signs.
    let doubled = format!("/sandbox{q}");
    for signed in [q.clone(), doubled.clone(), format!("/sandbox{doubled}")] {
        let a = call(&t, &m, Method::GET, &doubled, &signed, "", None).await;
        assert_eq!(a.status, 404, "{signed}");
    }
    // The body is covered too: a signature over another body fails on either path form.
    let path = "/v3/pay/transactions/jsapi";
    let body = jsapi_body(&t, &m, "SDKTEST00004");
    let ts = t.app.clock.unix();
    let nonce = crypto::nonce();
    let sig = m
        .key
        .sign(&crypto::request_message("POST", path, ts, &nonce, b"{}"));
    let r = reqwest::Client::new()
        .post(t.url("/sandbox/v3/pay/transactions/jsapi"))
        .header(
            "authorization",
            crypto::authorization(
                &m.get("mchid"),
                &m.get("merchant_serial_no"),
                &nonce,
                ts,
                &sig,
            ),
        )
        .header("accept", "application/json")
        .header("user-agent", "sdk-style-test/1.0")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_inside_the_sandbox_is_a_signed_system_error() {
    let t = TestApp::start().await;
    let m = Merchant::read(&t);
    // A record the sandbox cannot read makes the query fail inside the simulator.
    t.app
        .store
        .sandbox_write::<_, puzi::store::StoreError>(|tb| tb.put("tx/SDKTEST00009", b"not json"))
        .unwrap();
    let q = format!(
        "/v3/pay/transactions/out-trade-no/SDKTEST00009?mchid={}",
        m.get("mchid")
    );
    let a = call(&t, &m, Method::GET, &q, &q, "", None).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.json()["code"], "SYSTEM_ERROR");
    assert_verifies(&t, &m, &a, &m.get("platform_serial_no"));
    t.stop().await;
}

/// The Python SDK `wechatpayv3` (`pip install wechatpayv3==2.0.4`) against the sandbox:
/// see `wechatpayv3_sandbox.py`. The SDK verifies every 2xx answer and the notification
/// itself; the script fails on anything unexpected.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs python3 wechatpayv3 (pip)"]
async fn the_python_sdk_wechatpayv3_orders_pays_refunds_and_closes_against_the_sandbox() {
    let t = TestApp::start().await;
    let m = Merchant::read(&t);
    let script = t.data.join("wechatpayv3_sandbox.py");
    std::fs::write(&script, include_str!("wechatpayv3_sandbox.py")).unwrap();
    let base = t.url("/sandbox");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(&base)
            .arg(&m.dir)
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "{}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    t.stop().await;
}
