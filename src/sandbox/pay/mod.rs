//! The sandbox's Pay API v3: the same paths as WeChat under the sandbox base URL. This
//! module is the entry: every request's signature is verified against the merchant key
//! (401 `SIGN_ERROR` otherwise), pending API faults are applied, WeChat Pay Global's paths
//! are mapped onto the domestic ones, and the request is dispatched; every response is
//! signed with the platform key. The operations live beside it: JSAPI order, query and
//! close (`jsapi`), refunds (`refund`), the trade bill (`bill`), all over the records in
//! `records`. WeChat's validation rules and error codes, as far as they are documented.

mod bill;
mod jsapi;
pub(crate) mod native;
mod order_body;
mod records;
mod refund;

pub(crate) use records::{
    PREPAY_TTL_SECS, get_tx, load_tx, new_transaction_id, prepay_key, tx_key, txid_key,
};
pub use records::{RefundRec, RefundStatus, TradeState, Tx};

use super::{ApiFault, Request, Resp, Sandbox, SandboxError, respond, rfc3339_cst};
use crate::wechat::crypto;
use hyper::header::HeaderValue;
use hyper::{Method, StatusCode};
use serde_json::{Value, json as j};

/// A signed response from WeChat's side. As during WeChat's migration, a caller that names
/// the WeChat Pay public key in `Wechatpay-Serial` gets answers signed with it; any other
/// caller gets answers signed with the platform certificate.
pub(crate) fn signed(
    sb: &Sandbox,
    req_serial: Option<&str>,
    status: StatusCode,
    body: Vec<u8>,
) -> Resp {
    let k = &sb.inner.keys;
    let serial = match req_serial {
        Some(s) if s == k.manifest.public_key_id => s.to_string(),
        _ => k.manifest.platform_serial_no.clone(),
    };
    signed_as(sb, &serial, status, body)
}

pub(crate) fn signed_as(sb: &Sandbox, serial: &str, status: StatusCode, body: Vec<u8>) -> Resp {
    let ts = sb.inner.clock.unix().to_string();
    let nonce = crypto::nonce();
    let sig = sb
        .inner
        .keys
        .platform
        .sign(&crypto::response_message(&ts, &nonce, &body));
    let mut r = if body.is_empty() {
        respond(status, "application/json", Vec::new())
    } else {
        respond(status, "application/json", body)
    };
    let h = r.headers_mut();
    let mut put = |k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    put("wechatpay-timestamp", &ts);
    put("wechatpay-nonce", &nonce);
    put("wechatpay-signature", &sig);
    put("wechatpay-serial", serial);
    put("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048");
    put(
        "request-id",
        &format!("SANDBOX-{}", crate::random::random_token::<8>()),
    );
    r
}

pub(crate) fn error(
    sb: &Sandbox,
    serial: Option<&str>,
    status: StatusCode,
    code: &str,
    message: &str,
    detail: Option<Value>,
) -> Resp {
    let mut v = j!({ "code": code, "message": message });
    if let Some(d) = detail {
        v["detail"] = d;
    }
    signed(sb, serial, status, v.to_string().into_bytes())
}

pub(crate) fn param_error(sb: &Sandbox, serial: Option<&str>, field: &str, issue: &str) -> Resp {
    error(
        sb,
        serial,
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        &format!("参数错误: {field} {issue}"),
        Some(j!({ "field": field, "location": "body", "issue": issue })),
    )
}

/// Checks the merchant's Authorization header: format, mchid, window and signature, the
/// signature over either of the [`canonical_urls`]. A refusal is the `detail` of WeChat's
/// `SIGN_ERROR`; a signature that does not match carries `sign_information` as WeChat's
/// does: the method, the URL and the start of the message it expected (over `/v3/…`).
fn check_signature(sb: &Sandbox, req: &Request) -> Result<(), Value> {
    let refuse = |field: &str, issue: &str| j!({ "field": field, "location": "authorization", "issue": issue });
    let header = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| refuse("authorization", "Authorization header missing"))?;
    let a = crypto::parse_authorization(header)
        .ok_or_else(|| refuse("authorization", "not a WECHATPAY2-SHA256-RSA2048 header"))?;
    let m = &sb.inner.keys.manifest;
    if a.mchid != m.mchid {
        return Err(refuse("mchid", &format!("unknown mchid {}", a.mchid)));
    }
    if !a.serial_no.eq_ignore_ascii_case(&m.merchant_serial_no) {
        return Err(refuse(
            "serial_no",
            "merchant certificate serial does not match",
        ));
    }
    let ts: i64 = a
        .timestamp
        .parse()
        .map_err(|_| refuse("timestamp", "not a number"))?;
    if (sb.inner.clock.unix() - ts).abs() >= 300 {
        return Err(refuse("timestamp", "request timestamp expired"));
    }
    let key = sb.inner.keys.merchant_public();
    let [mounted, bare] = canonical_urls(req);
    let message =
        |url: &str| crypto::request_message(req.method.as_str(), url, ts, &a.nonce_str, &req.body);
    if [&mounted, &bare]
        .iter()
        .any(|url| key.verify(&message(url), &a.signature))
    {
        return Ok(());
    }
    let expected = message(&bare);
    let shown: String = String::from_utf8_lossy(&expected)
        .chars()
        .take(160)
        .collect();
    let mut detail = refuse("signature", "sign not match");
    detail["sign_information"] = j!({
        "method": req.method.as_str(),
        "url": bare,
        "sign_message_length": expected.len(),
        "truncated_sign_message": shown,
    });
    Err(detail)
}

/// The two canonical URLs (path and query, as sent) a merchant signature may cover: the one
/// the request reached, under the `/sandbox` mount, and the one real WeChat would see
/// (`/v3/…`), which is what SDKs that sign relative to their base URL sign. Nothing else.
fn canonical_urls(req: &Request) -> [String; 2] {
    let bare = match &req.query {
        Some(q) => format!("{}?{q}", req.path),
        None => req.path.clone(),
    };
    [req.signed_url(), bare]
}

/// Answers one Pay API call; a failure inside the sandbox is answered as WeChat answers its
/// own: a signed 500 `SYSTEM_ERROR`, so an SDK sees an API error, not an unsigned page.
pub async fn handle(sb: &Sandbox, req: &Request, segs: &[&str]) -> Result<Resp, SandboxError> {
    match route(sb, req, segs).await {
        Ok(r) => Ok(r),
        Err(e) => {
            tracing::error!(error = %e, path = req.path, "sandbox Pay API call failed");
            let serial = req
                .headers
                .get("wechatpay-serial")
                .and_then(|v| v.to_str().ok());
            Ok(error(
                sb,
                serial,
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "系统错误",
                None,
            ))
        }
    }
}

async fn route(sb: &Sandbox, req: &Request, segs: &[&str]) -> Result<Resp, SandboxError> {
    let serial = req
        .headers
        .get("wechatpay-serial")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let serial = serial.as_deref();
    if let Err(detail) = check_signature(sb, req) {
        return Ok(error(
            sb,
            serial,
            StatusCode::UNAUTHORIZED,
            "SIGN_ERROR",
            "签名错误，验签失败",
            Some(detail),
        ));
    }
    if req.headers.get("accept").is_none() || req.headers.get("user-agent").is_none() {
        return Ok(error(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Http头缺少Accept或User-Agent",
            None,
        ));
    }
    let fault = sb.take_api_fault();
    match fault {
        Some(ApiFault::SystemError) => {
            return Ok(error(
                sb,
                serial,
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "系统错误",
                None,
            ));
        }
        Some(ApiFault::ParamError) => {
            return Ok(error(
                sb,
                serial,
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                "参数错误",
                None,
            ));
        }
        Some(ApiFault::Hang) => tokio::time::sleep(sb.inner.settings.hang).await,
        Some(ApiFault::Probe | ApiFault::CertSerial) | None => {}
    }
    let resp = dispatch(sb, req, segs, serial).await?;
    Ok(match fault {
        Some(ApiFault::Probe) => probe(resp),
        Some(ApiFault::CertSerial) => resign_with_certificate(sb, resp).await?,
        _ => resp,
    })
}

/// A `WECHATPAY/SIGNTEST/` probe: the real answer under a deliberately wrong signature.
fn probe(mut resp: Resp) -> Resp {
    let sig = format!("WECHATPAY/SIGNTEST/{}", crypto::nonce());
    if let Ok(v) = HeaderValue::from_str(&sig) {
        resp.headers_mut().insert("wechatpay-signature", v);
    }
    resp
}

/// The same answer, signed again under the platform certificate's serial.
async fn resign_with_certificate(sb: &Sandbox, resp: Resp) -> Result<Resp, SandboxError> {
    use http_body_util::BodyExt;
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let serial = sb.inner.keys.manifest.platform_serial_no.clone();
    Ok(signed_as(sb, &serial, parts.status, bytes.to_vec()))
}

/// Routes one verified Pay API request to its operation.
async fn dispatch(
    sb: &Sandbox,
    req: &Request,
    segs: &[&str],
    serial: Option<&str>,
) -> Result<Resp, SandboxError> {
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    // WeChat Pay Global's paths map onto the same handlers.
    let global = segs.first() == Some(&"global");
    let mapped: Vec<&str> = match segs {
        ["global", "transactions", rest @ ..] => ["pay", "transactions"]
            .iter()
            .copied()
            .chain(rest.iter().copied())
            .collect(),
        ["global", "refunds", "out-refund-no", no] => vec!["refund", "domestic", "refunds", no],
        ["global", "refunds"] => vec!["refund", "domestic", "refunds"],
        ["global", "certificates"] => vec!["certificates"],
        other => other.to_vec(),
    };
    let segs = mapped.as_slice();
    match segs {
        ["pay", "transactions", "jsapi"] if post => jsapi::order(sb, req, serial, global).await,
        ["pay", "transactions", "native"] if post => native::order(sb, req, serial, global).await,
        ["pay", "transactions", "out-trade-no", no] if get => {
            jsapi::query_by_out_trade_no(sb, req, serial, &percent_decode(no)).await
        }
        ["pay", "transactions", "id", id] if get => jsapi::query_by_id(sb, serial, id).await,
        ["pay", "transactions", "out-trade-no", no, "close"] if post => {
            jsapi::close(sb, req, serial, &percent_decode(no)).await
        }
        ["refund", "domestic", "refunds"] if post => refund::create(sb, req, serial).await,
        ["refund", "domestic", "refunds", no] if get => {
            refund::query(sb, serial, &percent_decode(no)).await
        }
        ["certificates"] if get => Ok(certificates(sb)),
        ["bill", "tradebill"] if get => bill::trade_bill(sb, req, serial).await,
        ["billdownload", "file"] if get => bill::bill_file(sb, req).await,
        _ => Ok(error(
            sb,
            serial,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such API in the sandbox",
            None,
        )),
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `GET /v3/certificates`: the platform certificate, encrypted with the APIv3 key and
/// signed with its own serial (which lets the client bootstrap).
fn certificates(sb: &Sandbox) -> Resp {
    let k = &sb.inner.keys;
    let nonce: String = crypto::nonce().chars().take(12).collect();
    let ct = crypto::aead_encrypt(
        k.manifest.apiv3_key.as_bytes(),
        nonce.as_bytes(),
        b"certificate",
        k.platform_cert_pem.as_bytes(),
    )
    .expect("32-byte key");
    let body = j!({ "data": [{
        "serial_no": k.manifest.platform_serial_no,
        "effective_time": rfc3339_cst(k.platform_not_before),
        "expire_time": rfc3339_cst(k.platform_not_after),
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": nonce,
            "associated_data": "certificate",
            "ciphertext": ct,
        }
    }]});
    signed_as(
        sb,
        &k.manifest.platform_serial_no,
        StatusCode::OK,
        body.to_string().into_bytes(),
    )
}
