//! The Pay v3 client against a deliberately misbehaving fake WeChat on port 0: the server
//! verifies what the client signs, and the client refuses tampered, stale, unsigned,
//! probe-signed and unknown-serial responses.

use http_body_util::BodyExt;
use puzi::wechat::crypto::{self, MerchantKey};
use puzi::wechat::pay::PayError;
use puzi::wechat::verify::VerifyError;
use puzi::wechat::{Keyring, PayClient, PayConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

const GOOD: u8 = 0;
const TAMPERED: u8 = 1;
const STALE: u8 = 2;
const UNSIGNED: u8 = 3;
const PROBE: u8 = 4;
const UNKNOWN_SERIAL: u8 = 5;
/// Answers a signed 400 `PARAM_ERROR`, as WeChat does for a refund it will never accept.
const PARAM_ERROR: u8 = 6;
/// Answers a signed 500 `SYSTEM_ERROR`.
const SYSTEM_ERROR: u8 = 7;

struct Fake {
    base: String,
    mode: Arc<AtomicU8>,
    merchant: Arc<MerchantKey>,
    platform_public: puzi::wechat::PublicKey,
}

async fn start_fake() -> Fake {
    let merchant = Arc::new(MerchantKey::generate());
    let platform = Arc::new(MerchantKey::generate());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mode = Arc::new(AtomicU8::new(GOOD));
    let (m2, p2, mode2) = (merchant.public_key(), platform.clone(), mode.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (m, p, mode) = (m2.clone(), p2.clone(), mode2.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (m, p, mode) = (m.clone(), p.clone(), mode.clone());
                        async move {
                            let method = req.method().to_string();
                            let url = req.uri().path_and_query().unwrap().to_string();
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string);
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            // Verify the client's signature like WeChat does.
                            let ok = auth
                                .as_deref()
                                .and_then(crypto::parse_authorization)
                                .is_some_and(|a| {
                                    let msg = crypto::request_message(
                                        &method,
                                        &url,
                                        a.timestamp.parse().unwrap_or(0),
                                        &a.nonce_str,
                                        &body,
                                    );
                                    m.verify(&msg, &a.signature)
                                });
                            let mode = mode.load(Ordering::SeqCst);
                            let (status, out) = if !ok {
                                (401, br#"{"code":"SIGN_ERROR","message":"bad"}"#.to_vec())
                            } else if mode == PARAM_ERROR {
                                let e = r#"{"code":"PARAM_ERROR","message":"退款金额不合法"}"#;
                                (400, e.as_bytes().to_vec())
                            } else if mode == SYSTEM_ERROR {
                                (500, br#"{"code":"SYSTEM_ERROR","message":"busy"}"#.to_vec())
                            } else {
                                (200, br#"{"prepay_id":"wx20261125000000abcdef"}"#.to_vec())
                            };
                            let now = time::OffsetDateTime::now_utc().unix_timestamp();
                            let ts = if mode == STALE { now - 301 } else { now }.to_string();
                            let nonce = crypto::nonce();
                            let mut sig = p.sign(&crypto::response_message(&ts, &nonce, &out));
                            if mode == PROBE {
                                sig = format!("WECHATPAY/SIGNTEST/{sig}");
                            }
                            let mut sent = out.clone();
                            if mode == TAMPERED {
                                sent = String::from_utf8(out)
                                    .unwrap()
                                    .replace("abcdef", "abcdeg")
                                    .into_bytes();
                            }
                            let mut r = hyper::Response::new(http_body_util::Full::new(
                                bytes::Bytes::from(sent),
                            ));
                            *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            if mode != UNSIGNED {
                                let h = r.headers_mut();
                                h.insert("wechatpay-timestamp", ts.parse().unwrap());
                                h.insert("wechatpay-nonce", nonce.parse().unwrap());
                                h.insert("wechatpay-signature", sig.parse().unwrap());
                                let serial = if mode == UNKNOWN_SERIAL {
                                    "PUB_KEY_ID_OTHER"
                                } else {
                                    "PUB_KEY_ID_TEST"
                                };
                                h.insert("wechatpay-serial", serial.parse().unwrap());
                                h.insert("request-id", "REQ-1".parse().unwrap());
                            }
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
    Fake {
        base,
        mode,
        platform_public: platform.public_key(),
        merchant,
    }
}

fn client(f: &Fake, key: Arc<MerchantKey>) -> PayClient {
    PayClient::new(
        PayConfig {
            api_base: f.base.clone(),
            appid: "wxtest".into(),
            mchid: "1900000109".into(),
            merchant_serial_no: "ABCDEF".into(),
            merchant_key: key,
            apiv3_key: puzi::config::Secret::new("0123456789abcdef0123456789abcdef"),
            timeout: Duration::from_secs(5),
            retry_backoff: vec![],
            allow_http_notify: true,
            flavour: puzi::config::Flavour::Domestic,
        },
        Keyring::new(
            Some(("PUB_KEY_ID_TEST".into(), f.platform_public.clone())),
            false,
        ),
        puzi::clock::Clock::default(),
    )
}

fn order() -> puzi::wechat::pay::JsapiOrder {
    puzi::wechat::pay::JsapiOrder {
        description: "test".into(),
        out_trade_no: "FAKE00000001".into(),
        time_expire: None,
        attach: Some("a".into()),
        notify_url: "https://shop.example.com/wechat/notify/pay".into(),
        total: 100,
        currency: "CNY".into(),
        openid: "o1".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_verifies_what_the_client_signs() {
    let f = start_fake().await;
    let c = client(&f, f.merchant.clone());
    assert_eq!(
        c.jsapi_prepay(&order()).await.unwrap(),
        "wx20261125000000abcdef"
    );
    // Another key: WeChat says SIGN_ERROR, and the error keeps code, status and request id.
    let rogue = client(&f, Arc::new(MerchantKey::generate()));
    match rogue.jsapi_prepay(&order()).await.unwrap_err() {
        PayError::Api {
            status,
            code,
            request_id,
            ..
        } => {
            assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"));
            assert_eq!(request_id.as_deref(), Some("REQ-1"));
        }
        e => panic!("{e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_responses_are_refused() {
    let f = start_fake().await;
    let c = client(&f, f.merchant.clone());
    type Expect = fn(&PayError) -> bool;
    let cases: [(u8, Expect); 5] = [
        (TAMPERED, |e| {
            matches!(
                e,
                PayError::Verify(VerifyError::BadSignature { probe: false })
            )
        }),
        (STALE, |e| {
            matches!(e, PayError::Verify(VerifyError::Stale { .. }))
        }),
        (UNSIGNED, |e| {
            matches!(e, PayError::Verify(VerifyError::MissingHeader(_)))
        }),
        (PROBE, |e| {
            matches!(
                e,
                PayError::Verify(VerifyError::BadSignature { probe: true })
            )
        }),
        (UNKNOWN_SERIAL, |e| {
            matches!(e, PayError::Verify(VerifyError::UnknownSerial(_)))
        }),
    ];
    for (mode, expect) in cases {
        f.mode.store(mode, Ordering::SeqCst);
        let e = c.jsapi_prepay(&order()).await.unwrap_err();
        assert!(expect(&e), "mode {mode}: {e}");
    }
    f.mode.store(GOOD, Ordering::SeqCst);
    assert!(c.jsapi_prepay(&order()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn field_limits_are_enforced_before_sending() {
    let f = start_fake().await;
    let c = client(&f, f.merchant.clone());
    let checks: Vec<(&str, puzi::wechat::pay::JsapiOrder)> = vec![
        (
            "description",
            puzi::wechat::pay::JsapiOrder {
                description: "x".repeat(128),
                ..order()
            },
        ),
        (
            "description",
            puzi::wechat::pay::JsapiOrder {
                description: "茶🍵".into(),
                ..order()
            },
        ),
        (
            "out_trade_no",
            puzi::wechat::pay::JsapiOrder {
                out_trade_no: "abc".into(),
                ..order()
            },
        ),
        (
            "out_trade_no",
            puzi::wechat::pay::JsapiOrder {
                out_trade_no: "bad order no".into(),
                ..order()
            },
        ),
        (
            "attach",
            puzi::wechat::pay::JsapiOrder {
                attach: Some("a".repeat(129)),
                ..order()
            },
        ),
        (
            "notify_url",
            puzi::wechat::pay::JsapiOrder {
                notify_url: "https://x.example/n?a=1".into(),
                ..order()
            },
        ),
    ];
    for (field, o) in checks {
        match c.jsapi_prepay(&o).await.unwrap_err() {
            PayError::Invalid { field: f, .. } => assert_eq!(f, field),
            e => panic!("{field}: {e}"),
        }
    }
}

/// A fake live WeChat during the key migration: it holds a platform certificate and a
/// WeChat Pay public key (the same key pair, as in WeChat's migration), serves
/// `/v3/certificates`, and signs other answers under the public key id or, when
/// `by_cert` is set, the certificate serial.
struct MigratingFake {
    base: String,
    by_cert: Arc<std::sync::atomic::AtomicBool>,
    downloads: Arc<std::sync::atomic::AtomicUsize>,
    keys: Arc<puzi::sandbox::keys::SandboxKeys>,
    _dir: tempfile::TempDir,
}

async fn start_migrating_fake() -> MigratingFake {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(puzi::sandbox::keys::SandboxKeys::load_or_create(dir.path()).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let by_cert = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let downloads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (k2, c2, d2) = (keys.clone(), by_cert.clone(), downloads.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (k, by_cert, downloads) = (k2.clone(), c2.clone(), d2.clone());
            let svc = hyper::service::service_fn(
                move |req: hyper::Request<hyper::body::Incoming>| {
                    let (k, by_cert, downloads) = (k.clone(), by_cert.clone(), downloads.clone());
                    async move {
                        let m = &k.manifest;
                        let (body, serial) = if req.uri().path() == "/v3/certificates" {
                            downloads.fetch_add(1, Ordering::SeqCst);
                            let nonce = "0123456789ab";
                            let ct = crypto::aead_encrypt(
                                m.apiv3_key.as_bytes(),
                                nonce.as_bytes(),
                                b"certificate",
                                k.platform_cert_pem.as_bytes(),
                            )
                            .unwrap();
                            let v = serde_json::json!({"data": [{
                                "serial_no": m.platform_serial_no,
                                "effective_time": "2020-01-01T00:00:00+08:00",
                                "expire_time": "2099-01-01T00:00:00+08:00",
                                "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM",
                                    "nonce": nonce, "associated_data": "certificate", "ciphertext": ct}
                            }]});
                            (v.to_string(), m.platform_serial_no.clone())
                        } else {
                            let serial = if by_cert.load(Ordering::SeqCst) {
                                m.platform_serial_no.clone()
                            } else {
                                m.public_key_id.clone()
                            };
                            (
                                r#"{"out_trade_no":"FAKE00000001","trade_state":"NOTPAY"}"#
                                    .to_string(),
                                serial,
                            )
                        };
                        let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
                        let nonce = crypto::nonce();
                        let sig = k.platform.sign(&crypto::response_message(
                            &ts,
                            &nonce,
                            body.as_bytes(),
                        ));
                        let mut r = hyper::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from(body),
                        ));
                        let h = r.headers_mut();
                        h.insert("wechatpay-timestamp", ts.parse().unwrap());
                        h.insert("wechatpay-nonce", nonce.parse().unwrap());
                        h.insert("wechatpay-signature", sig.parse().unwrap());
                        h.insert("wechatpay-serial", serial.parse().unwrap());
                        Ok::<_, std::convert::Infallible>(r)
                    }
                },
            );
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    MigratingFake {
        base,
        by_cert,
        downloads,
        keys,
        _dir: dir,
    }
}

fn migrating_client(f: &MigratingFake, platform_certificates: bool) -> PayClient {
    let m = &f.keys.manifest;
    PayClient::new(
        PayConfig {
            api_base: f.base.clone(),
            appid: m.appid.clone(),
            mchid: m.mchid.clone(),
            merchant_serial_no: m.merchant_serial_no.clone(),
            merchant_key: Arc::new(MerchantKey::generate()),
            apiv3_key: puzi::config::Secret::new(m.apiv3_key.clone()),
            timeout: Duration::from_secs(5),
            retry_backoff: vec![],
            allow_http_notify: true,
            flavour: puzi::config::Flavour::Domestic,
        },
        Keyring::new(
            Some((m.public_key_id.clone(), f.keys.platform_public())),
            platform_certificates,
        ),
        puzi::clock::Clock::default(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn live_with_a_public_key_certificates_are_still_downloaded_and_both_accepted() {
    let f = start_migrating_fake().await;
    let c = migrating_client(&f, true);
    let q = c.query_by_out_trade_no("FAKE00000001").await.unwrap();
    assert_eq!(q.trade_state, "NOTPAY");
    assert_eq!(
        f.downloads.load(Ordering::SeqCst),
        1,
        "downloaded beside the key"
    );
    f.by_cert.store(true, Ordering::SeqCst);
    c.query_by_out_trade_no("FAKE00000001").await.unwrap();
    assert_eq!(
        f.downloads.load(Ordering::SeqCst),
        1,
        "no download per call"
    );
    assert_eq!(c.keyring().serials().len(), 2);

    // `platform_certificates = false`: only the public key; a certificate signature is an
    // unknown serial, and nothing is downloaded.
    let only = migrating_client(&f, false);
    match only
        .query_by_out_trade_no("FAKE00000001")
        .await
        .unwrap_err()
    {
        PayError::Verify(VerifyError::UnknownSerial(s)) => {
            assert_eq!(s, f.keys.manifest.platform_serial_no)
        }
        e => panic!("{e}"),
    }
    assert_eq!(f.downloads.load(Ordering::SeqCst), 1);
}

/// Live mode, issue 18 item 2: what a real WeChat answers to a refund decides whether it is
/// final. A signed 400 `PARAM_ERROR` can never succeed (the refund fails and its amount is
/// refundable again); a 500 is worth sending again, with the same out_refund_no.
#[tokio::test(flavor = "multi_thread")]
async fn live_refund_errors_are_final_or_transient_as_wechat_answers() {
    use puzi::order::RefundOutcome;
    let f = start_fake().await;
    let c = client(&f, f.merchant.clone());
    let req = puzi::wechat::pay::RefundRequest {
        out_trade_no: "FAKE00000001".into(),
        out_refund_no: "FAKE00000001R1".into(),
        reason: Some("破损".into()),
        notify_url: None,
        refund: 100,
        total: 100,
        currency: "CNY".into(),
    };
    f.mode.store(PARAM_ERROR, Ordering::SeqCst);
    let e = c.refund(&req).await.unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"), "{e}");
    assert!(matches!(
        puzi::payment::refund_error(&e),
        RefundOutcome::Refused(_)
    ));
    f.mode.store(SYSTEM_ERROR, Ordering::SeqCst);
    let e = c.refund(&req).await.unwrap_err();
    assert!(matches!(
        puzi::payment::refund_error(&e),
        RefundOutcome::Transient(_)
    ));
    // A reason over 80 bytes never leaves the shop: refused locally, also final.
    let long = puzi::wechat::pay::RefundRequest {
        reason: Some("破".repeat(27)),
        ..req
    };
    let e = c.refund(&long).await.unwrap_err();
    assert!(matches!(
        puzi::payment::refund_error(&e),
        RefundOutcome::Refused(_)
    ));
}
