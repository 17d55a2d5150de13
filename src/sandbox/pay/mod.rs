//! The sandbox's Pay API v3: the same paths as WeChat under the sandbox base URL. Every
//! request's signature is verified against the merchant key (401 `SIGN_ERROR` otherwise);
//! every response is signed with the platform key. WeChat's validation rules and error
//! codes, as far as they are documented.

use super::{ApiFault, Request, Resp, Sandbox, dec, enc, respond, rfc3339_cst};
use crate::store::StoreError;
use crate::wechat::crypto;
use hyper::header::HeaderValue;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json as j};

/// Prepay ids expire after two hours.
pub const PREPAY_TTL_SECS: i64 = 2 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tx {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    pub description: String,
    pub notify_url: String,
    pub total: i64,
    pub currency: String,
    pub openid: String,
    pub attach: Option<String>,
    pub time_expire: Option<String>,
    pub prepay_id: String,
    pub prepay_at: i64,
    /// NOTPAY, SUCCESS, CLOSED, REFUND.
    pub state: String,
    pub transaction_id: Option<String>,
    pub success_at: Option<i64>,
    pub created_at: i64,
    pub refunded: i64,
    /// The order parameters, to tell an identical repeat from a conflicting one.
    pub fingerprint: String,
    /// Ordered through WeChat Pay Global (`/v3/global/…`).
    #[serde(default)]
    pub global: bool,
    /// Global institution mode: the sub-merchant (appid/mchid are then sp_appid/sp_mchid).
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Global: CNY per unit of the order currency, × 10^8.
    #[serde(default)]
    pub rate_e8: i64,
}

impl Tx {
    /// What the shopper pays in CNY fen (global: converted at the sandbox's rate).
    pub fn payer_total(&self) -> i64 {
        if !self.global || self.currency == "CNY" {
            return self.total;
        }
        let exp = crate::money::Currency::parse(&self.currency)
            .map(|c| c.exponent())
            .unwrap_or(2);
        let major = self.total as f64 / 10f64.powi(i32::from(exp));
        (major * self.rate_e8 as f64 / 1e8 * 100.0).round() as i64
    }

    /// The transaction as the query API and notifications describe it.
    pub fn to_json(&self) -> Value {
        let mut v = j!({
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.state,
            "trade_state_desc": match self.state.as_str() {
                "SUCCESS" => "支付成功",
                "CLOSED" => "已关闭",
                "REFUND" => "转入退款",
                _ => "订单未支付",
            },
            "amount": { "total": self.total, "currency": self.currency },
        });
        if let Some(a) = &self.attach {
            v["attach"] = Value::from(a.as_str());
        }
        if let Some(sub) = &self.sub_mchid {
            let o = v.as_object_mut().expect("object");
            o.remove("appid");
            o.remove("mchid");
            v["sp_appid"] = Value::from(self.appid.as_str());
            v["sp_mchid"] = Value::from(self.mchid.as_str());
            v["sub_mchid"] = Value::from(sub.as_str());
        }
        if let (Some(id), Some(at)) = (&self.transaction_id, self.success_at) {
            // WeChat Pay Global names the order number `id`.
            v[if self.global { "id" } else { "transaction_id" }] = Value::from(id.as_str());
            v["trade_type"] = Value::from("JSAPI");
            v["bank_type"] = Value::from("OTHERS");
            v["success_time"] = Value::from(rfc3339_cst(at));
            v["payer"] = if self.sub_mchid.is_some() {
                j!({ "sp_openid": self.openid })
            } else {
                j!({ "openid": self.openid })
            };
            v["amount"]["payer_total"] = Value::from(self.payer_total());
            v["amount"]["payer_currency"] = Value::from(if self.global {
                "CNY"
            } else {
                self.currency.as_str()
            });
            if self.global {
                v["amount"]["exchange_rate"] =
                    j!({ "type": "SETTLEMENT_RATE", "rate": self.rate_e8 });
            }
        }
        v
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundRec {
    pub out_refund_no: String,
    pub refund_id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub total: i64,
    pub refund: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub notify_url: Option<String>,
    pub created_at: i64,
    /// When it turns from PROCESSING to SUCCESS.
    pub success_at: i64,
}

impl RefundRec {
    pub fn status(&self, now: i64) -> &'static str {
        if now >= self.success_at {
            "SUCCESS"
        } else {
            "PROCESSING"
        }
    }

    pub fn to_json(&self, now: i64) -> Value {
        let status = self.status(now);
        let mut v = j!({
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": rfc3339_cst(self.created_at),
            "status": status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total, "refund": self.refund,
                "payer_total": self.total, "payer_refund": self.refund,
                "settlement_refund": self.refund, "settlement_total": self.total,
                "discount_refund": 0, "currency": self.currency,
            },
        });
        if status == "SUCCESS" {
            v["success_time"] = Value::from(rfc3339_cst(self.success_at));
        }
        v
    }
}

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
        &format!("SANDBOX-{}", crate::id::random_token::<8>()),
    );
    r
}

fn error(
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

fn param_error(sb: &Sandbox, serial: Option<&str>, field: &str, issue: &str) -> Resp {
    error(
        sb,
        serial,
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        &format!("参数错误: {field} {issue}"),
        Some(j!({ "field": field, "location": "body", "issue": issue })),
    )
}

/// Checks the merchant's Authorization header: format, mchid, window and signature.
fn check_signature(sb: &Sandbox, req: &Request) -> Result<(), (String, String)> {
    let header = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or((
            "authorization".to_string(),
            "Authorization header missing".to_string(),
        ))?;
    let a = crypto::parse_authorization(header).ok_or((
        "authorization".to_string(),
        "not a WECHATPAY2-SHA256-RSA2048 header".to_string(),
    ))?;
    let m = &sb.inner.keys.manifest;
    if a.mchid != m.mchid {
        return Err(("mchid".into(), format!("unknown mchid {}", a.mchid)));
    }
    if !a.serial_no.eq_ignore_ascii_case(&m.merchant_serial_no) {
        return Err((
            "serial_no".into(),
            "merchant certificate serial does not match".into(),
        ));
    }
    let ts: i64 = a
        .timestamp
        .parse()
        .map_err(|_| ("timestamp".to_string(), "not a number".to_string()))?;
    if (sb.inner.clock.unix() - ts).abs() >= 300 {
        return Err(("timestamp".into(), "request timestamp expired".into()));
    }
    let msg = crypto::request_message(
        req.method.as_str(),
        &req.signed_url(),
        ts,
        &a.nonce_str,
        &req.body,
    );
    if !sb.inner.keys.merchant_public().verify(&msg, &a.signature) {
        return Err(("signature".into(), "sign not match".into()));
    }
    Ok(())
}

fn gen_id(prefix: &str, digits: usize) -> String {
    let r = crate::id::random_bytes::<32>();
    let tail: String = r
        .iter()
        .take(digits)
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("{prefix}{tail}")
}

pub(crate) fn load_tx(
    t: &crate::store::SandboxTable<'_>,
    out_trade_no: &str,
) -> Result<Option<Tx>, StoreError> {
    t.get(&format!("tx/{out_trade_no}"))?
        .map(|b| dec(&b))
        .transpose()
}

pub(crate) fn get_tx(sb: &Sandbox, out_trade_no: &str) -> Result<Option<Tx>, StoreError> {
    sb.inner
        .store
        .sandbox_get(&format!("tx/{out_trade_no}"))?
        .map(|b| dec(&b))
        .transpose()
}

pub async fn handle(sb: &Sandbox, req: &Request, segs: &[&str]) -> Result<Resp, StoreError> {
    let serial = req
        .headers
        .get("wechatpay-serial")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let serial = serial.as_deref();
    if let Err((field, issue)) = check_signature(sb, req) {
        return Ok(error(
            sb,
            serial,
            StatusCode::UNAUTHORIZED,
            "SIGN_ERROR",
            "签名错误，验签失败",
            Some(j!({ "field": field, "location": "authorization", "issue": issue })),
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
    let fault = sb
        .inner
        .faults
        .lock()
        .expect("faults lock")
        .next_api_call
        .take();
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
        Some(ApiFault::Hang) => tokio::time::sleep(sb.inner.settings.hang).await,
        None => {}
    }
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let store = sb.inner.store.clone();
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
        ["pay", "transactions", "jsapi"] if post => jsapi(sb, req, serial, global).await,
        ["pay", "transactions", "out-trade-no", no] if get => {
            let no = percent_decode(no);
            let tx = {
                let no = no.clone();
                let sb2 = sb.clone();
                tokio::task::spawn_blocking(move || get_tx(&sb2, &no))
                    .await
                    .expect("task")?
            };
            Ok(match tx {
                Some(t) if query_mchid_ok(sb, req) => signed(
                    sb,
                    serial,
                    StatusCode::OK,
                    t.to_json().to_string().into_bytes(),
                ),
                Some(_) => param_error(sb, serial, "mchid", "mchid 与订单不符"),
                None => error(
                    sb,
                    serial,
                    StatusCode::NOT_FOUND,
                    "ORDER_NOT_EXIST",
                    "订单不存在",
                    None,
                ),
            })
        }
        ["pay", "transactions", "id", id] if get => {
            let id = id.to_string();
            let tx = tokio::task::spawn_blocking(move || -> Result<Option<Tx>, StoreError> {
                match store.sandbox_get(&format!("txid/{id}"))? {
                    Some(no) => store
                        .sandbox_get(&format!("tx/{}", String::from_utf8_lossy(&no)))?
                        .map(|b| dec(&b))
                        .transpose(),
                    None => Ok(None),
                }
            })
            .await
            .expect("task")?;
            Ok(match tx {
                Some(t) => signed(
                    sb,
                    serial,
                    StatusCode::OK,
                    t.to_json().to_string().into_bytes(),
                ),
                None => error(
                    sb,
                    serial,
                    StatusCode::NOT_FOUND,
                    "ORDER_NOT_EXIST",
                    "订单不存在",
                    None,
                ),
            })
        }
        ["pay", "transactions", "out-trade-no", no, "close"] if post => {
            close(sb, req, serial, &percent_decode(no)).await
        }
        ["refund", "domestic", "refunds"] if post => refund(sb, req, serial).await,
        ["refund", "domestic", "refunds", no] if get => {
            let no = percent_decode(no);
            let rec: Option<RefundRec> = store
                .sandbox_get(&format!("refund/{no}"))?
                .map(|b| dec(&b))
                .transpose()?;
            let now = sb.inner.clock.unix();
            Ok(match rec {
                Some(r) => signed(
                    sb,
                    serial,
                    StatusCode::OK,
                    r.to_json(now).to_string().into_bytes(),
                ),
                None => error(
                    sb,
                    serial,
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_EXISTS",
                    "退款单不存在",
                    None,
                ),
            })
        }
        ["certificates"] if get => Ok(certificates(sb)),
        ["bill", "tradebill"] if get => super::notify::trade_bill(sb, req, serial).await,
        ["billdownload", "file"] if get => super::notify::bill_file(sb, req).await,
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

fn query_mchid_ok(sb: &Sandbox, req: &Request) -> bool {
    let q = req.query_map();
    let m = sb.inner.keys.manifest.mchid.as_str();
    q.get("mchid").map(String::as_str) == Some(m)
        || q.get("sp_mchid").map(String::as_str) == Some(m)
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct JsapiBody {
    appid: Option<String>,
    mchid: Option<String>,
    sp_appid: Option<String>,
    sp_mchid: Option<String>,
    sub_mchid: Option<String>,
    trade_type: Option<String>,
    merchant_category_code: Option<String>,
    description: Option<String>,
    out_trade_no: Option<String>,
    time_expire: Option<String>,
    attach: Option<String>,
    notify_url: Option<String>,
    amount: Option<AmountBody>,
    payer: Option<PayerBody>,
}

#[derive(Deserialize)]
struct AmountBody {
    total: Option<i64>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct PayerBody {
    openid: Option<String>,
    sp_openid: Option<String>,
    sub_openid: Option<String>,
}

async fn jsapi(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    global: bool,
) -> Result<Resp, StoreError> {
    let b: JsapiBody = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return Ok(param_error(
                sb,
                serial,
                "/",
                &format!("请求体不是合法的 JSON: {e}"),
            ));
        }
    };
    let m = &sb.inner.keys.manifest;
    let institution = global && b.sp_mchid.is_some();
    let (appid, mchid) = if institution {
        (
            b.sp_appid.clone().unwrap_or_default(),
            b.sp_mchid.clone().unwrap_or_default(),
        )
    } else {
        (
            b.appid.clone().unwrap_or_default(),
            b.mchid.clone().unwrap_or_default(),
        )
    };
    if global {
        if b.trade_type.as_deref() != Some("JSAPI") {
            return Ok(param_error(
                sb,
                serial,
                "/trade_type",
                "trade_type 须为 JSAPI",
            ));
        }
        let mcc = b.merchant_category_code.clone().unwrap_or_default();
        if mcc.is_empty() || !mcc.bytes().all(|c| c.is_ascii_digit()) {
            return Ok(param_error(
                sb,
                serial,
                "/merchant_category_code",
                "暂不支持该mcc码",
            ));
        }
        if institution && b.sub_mchid.as_deref() != Some(m.sub_mchid.as_str()) {
            return Ok(error(
                sb,
                serial,
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "受理关系不存在",
                None,
            ));
        }
    }
    let description = b.description.unwrap_or_default();
    let out_trade_no = b.out_trade_no.unwrap_or_default();
    let notify_url = b.notify_url.unwrap_or_default();
    let (total, currency) = match b.amount {
        Some(a) => (
            a.total.unwrap_or(0),
            a.currency.unwrap_or_else(|| "CNY".into()),
        ),
        None => (0, String::new()),
    };
    let openid = b
        .payer
        .and_then(|p| p.openid.or(p.sp_openid).or(p.sub_openid))
        .unwrap_or_default();
    if appid.is_empty() {
        return Ok(param_error(sb, serial, "/appid", "appid 为必填"));
    }
    if mchid != m.mchid {
        return Ok(error(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            "MCH_NOT_EXISTS",
            "商户号不存在",
            None,
        ));
    }
    if appid != m.appid {
        return Ok(error(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配",
            None,
        ));
    }
    if description.is_empty() || description.len() > 127 {
        return Ok(param_error(
            sb,
            serial,
            "/description",
            "长度须为 1–127 字节",
        ));
    }
    if !crate::wechat::pay::valid_out_trade_no(&out_trade_no) {
        return Ok(param_error(
            sb,
            serial,
            "/out_trade_no",
            "须为 6–32 位数字、字母或 _-|*",
        ));
    }
    if b.attach.as_ref().is_some_and(|a| a.len() > 128) {
        return Ok(param_error(sb, serial, "/attach", "长度不能超过 128 字节"));
    }
    // The sandbox also accepts http:// so a laptop demo can receive notifications.
    let url_ok = (notify_url.starts_with("https://") || notify_url.starts_with("http://"))
        && !notify_url.contains('?')
        && notify_url.len() <= 255;
    if !url_ok {
        return Ok(param_error(
            sb,
            serial,
            "/notify_url",
            "须为不带查询串的 URL",
        ));
    }
    if total <= 0 {
        return Ok(param_error(sb, serial, "/amount/total", "须为正整数"));
    }
    if !global && currency != "CNY" {
        return Ok(param_error(
            sb,
            serial,
            "/amount/currency",
            "境内商户仅支持 CNY",
        ));
    }
    if global && crate::money::Currency::parse(&currency).is_none() {
        return Ok(param_error(sb, serial, "/amount/currency", "不支持的币种"));
    }
    if openid.is_empty() || openid.len() > 128 {
        return Ok(param_error(sb, serial, "/payer/openid", "openid 为必填"));
    }
    let fingerprint = crypto::sha256_hex(
        j!([
            appid,
            mchid,
            description,
            out_trade_no,
            b.time_expire,
            b.attach,
            notify_url,
            total,
            currency,
            openid
        ])
        .to_string()
        .as_bytes(),
    );
    let now = sb.inner.clock.unix();
    let rate = sb.inner.settings.exchange_rate;
    enum Outcome {
        Prepay(String),
        Err(StatusCode, &'static str, &'static str),
    }
    let sb2 = sb.clone();
    let outcome = {
        sb2.inner
            .store
            .sandbox_write_grouped(move |t| -> Result<Outcome, StoreError> {
                if let Some(mut tx) = load_tx(t, &out_trade_no)? {
                    if tx.fingerprint != fingerprint {
                        return Ok(Outcome::Err(
                            StatusCode::FORBIDDEN,
                            "OUT_TRADE_NO_USED",
                            "商户订单号重复",
                        ));
                    }
                    match tx.state.as_str() {
                        "SUCCESS" | "REFUND" => {
                            return Ok(Outcome::Err(
                                StatusCode::BAD_REQUEST,
                                "ORDERPAID",
                                "该订单已支付",
                            ));
                        }
                        "CLOSED" => {
                            return Ok(Outcome::Err(
                                StatusCode::BAD_REQUEST,
                                "ORDER_CLOSED",
                                "订单已关闭",
                            ));
                        }
                        _ => {}
                    }
                    if now - tx.prepay_at < PREPAY_TTL_SECS {
                        return Ok(Outcome::Prepay(tx.prepay_id));
                    }
                    // Expired prepay id: an identical repeat gets a fresh one.
                    t.remove(&format!("prepay/{}", tx.prepay_id))?;
                    tx.prepay_id = gen_prepay_id();
                    tx.prepay_at = now;
                    t.put(&format!("prepay/{}", tx.prepay_id), out_trade_no.as_bytes())?;
                    t.put(&format!("tx/{out_trade_no}"), &enc(&tx))?;
                    return Ok(Outcome::Prepay(tx.prepay_id));
                }
                let tx = Tx {
                    appid,
                    mchid,
                    out_trade_no: out_trade_no.clone(),
                    description,
                    notify_url,
                    total,
                    currency,
                    openid,
                    attach: b.attach,
                    time_expire: b.time_expire,
                    prepay_id: gen_prepay_id(),
                    prepay_at: now,
                    state: "NOTPAY".into(),
                    transaction_id: None,
                    success_at: None,
                    created_at: now,
                    refunded: 0,
                    fingerprint,
                    global,
                    sub_mchid: institution.then(|| b.sub_mchid.clone().unwrap_or_default()),
                    rate_e8: (rate * 1e8).round() as i64,
                };
                t.put(&format!("prepay/{}", tx.prepay_id), out_trade_no.as_bytes())?;
                t.put(&format!("tx/{out_trade_no}"), &enc(&tx))?;
                Ok(Outcome::Prepay(tx.prepay_id))
            })
            .await?
    };
    Ok(match outcome {
        Outcome::Prepay(id) => signed(
            sb,
            serial,
            StatusCode::OK,
            j!({ "prepay_id": id }).to_string().into_bytes(),
        ),
        Outcome::Err(s, code, msg) => error(sb, serial, s, code, msg, None),
    })
}

fn gen_prepay_id() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(crate::clock::CST);
    format!(
        "wx{:04}{:02}{:02}{:02}{:02}{:02}{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        crate::id::random_token::<10>()
    )
}

pub(crate) fn new_transaction_id() -> String {
    gen_id("4200", 24)
}

async fn close(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    no: &str,
) -> Result<Resp, StoreError> {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let m = sb.inner.keys.manifest.mchid.as_str();
    if body["mchid"].as_str() != Some(m) && body["sp_mchid"].as_str() != Some(m) {
        return Ok(param_error(
            sb,
            serial,
            "/mchid",
            "mchid 为必填且须与订单一致",
        ));
    }
    let no = no.to_string();
    let sb2 = sb.clone();
    let r = tokio::task::spawn_blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| -> Result<Option<&'static str>, StoreError> {
                let Some(mut tx) = load_tx(t, &no)? else {
                    return Ok(Some("ORDER_NOT_EXIST"));
                };
                match tx.state.as_str() {
                    "SUCCESS" | "REFUND" => Ok(Some("ORDERPAID")),
                    _ => {
                        tx.state = "CLOSED".into();
                        t.put(&format!("tx/{no}"), &enc(&tx))?;
                        Ok(None)
                    }
                }
            })
    })
    .await
    .expect("task")?;
    Ok(match r {
        None => signed(sb, serial, StatusCode::NO_CONTENT, Vec::new()),
        Some("ORDER_NOT_EXIST") => error(
            sb,
            serial,
            StatusCode::NOT_FOUND,
            "ORDER_NOT_EXIST",
            "订单不存在",
            None,
        ),
        Some(_) => error(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            "ORDERPAID",
            "订单已支付，不能关闭",
            None,
        ),
    })
}

#[derive(Deserialize)]
struct RefundBody {
    out_trade_no: Option<String>,
    transaction_id: Option<String>,
    out_refund_no: Option<String>,
    reason: Option<String>,
    notify_url: Option<String>,
    amount: Option<RefundAmountBody>,
}

#[derive(Deserialize)]
struct RefundAmountBody {
    refund: Option<i64>,
    total: Option<i64>,
    currency: Option<String>,
}

async fn refund(sb: &Sandbox, req: &Request, serial: Option<&str>) -> Result<Resp, StoreError> {
    let b: RefundBody = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return Ok(param_error(
                sb,
                serial,
                "/",
                &format!("请求体不是合法的 JSON: {e}"),
            ));
        }
    };
    let Some(out_refund_no) = b.out_refund_no.filter(|s| !s.is_empty() && s.len() <= 64) else {
        return Ok(param_error(
            sb,
            serial,
            "/out_refund_no",
            "out_refund_no 为必填",
        ));
    };
    let Some(a) = b.amount else {
        return Ok(param_error(sb, serial, "/amount", "amount 为必填"));
    };
    let (refund, total) = (a.refund.unwrap_or(0), a.total.unwrap_or(0));
    if refund <= 0 {
        return Ok(param_error(sb, serial, "/amount/refund", "须为正整数"));
    }
    let currency = a.currency.clone().unwrap_or_default();
    let now = sb.inner.clock.unix();
    let delay = sb.inner.settings.refund_delay_secs;
    let sb2 = sb.clone();
    let out_trade_no = b.out_trade_no;
    let transaction_id = b.transaction_id;
    let reason = b.reason;
    let notify_url = b.notify_url;
    let r = tokio::task::spawn_blocking(move || {
        sb2.inner.store.sandbox_write(
            |t| -> Result<Result<RefundRec, (StatusCode, &'static str, &'static str)>, StoreError> {
                if let Some(existing) = t.get(&format!("refund/{out_refund_no}"))? {
                    // Same refund number: at most one refund.
                    return Ok(Ok(dec(&existing)?));
                }
                let no = match (&out_trade_no, &transaction_id) {
                    (Some(no), _) => no.clone(),
                    (None, Some(id)) => match t.get(&format!("txid/{id}"))? {
                        Some(no) => String::from_utf8_lossy(&no).into_owned(),
                        None => {
                            return Ok(Err((
                                StatusCode::NOT_FOUND,
                                "RESOURCE_NOT_EXISTS",
                                "订单不存在",
                            )));
                        }
                    },
                    (None, None) => {
                        return Ok(Err((
                            StatusCode::BAD_REQUEST,
                            "PARAM_ERROR",
                            "out_trade_no 与 transaction_id 须填其一",
                        )));
                    }
                };
                let Some(mut tx) = load_tx(t, &no)? else {
                    return Ok(Err((
                        StatusCode::NOT_FOUND,
                        "RESOURCE_NOT_EXISTS",
                        "订单不存在",
                    )));
                };
                if !matches!(tx.state.as_str(), "SUCCESS" | "REFUND") {
                    return Ok(Err((
                        StatusCode::NOT_FOUND,
                        "RESOURCE_NOT_EXISTS",
                        "订单未支付",
                    )));
                }
                if currency != tx.currency {
                    return Ok(Err((
                        StatusCode::BAD_REQUEST,
                        "PARAM_ERROR",
                        "退款币种须与支付币种一致",
                    )));
                }
                if total != tx.total {
                    return Ok(Err((
                        StatusCode::BAD_REQUEST,
                        "PARAM_ERROR",
                        "订单金额与原订单不符",
                    )));
                }
                if tx.refunded + refund > tx.total {
                    return Ok(Err((
                        StatusCode::BAD_REQUEST,
                        "INVALID_REQUEST",
                        "申请退款金额超过订单可退金额",
                    )));
                }
                tx.refunded += refund;
                tx.state = "REFUND".into();
                let rec = RefundRec {
                    out_refund_no: out_refund_no.clone(),
                    refund_id: gen_id("50", 28),
                    out_trade_no: no.clone(),
                    transaction_id: tx.transaction_id.clone().unwrap_or_default(),
                    total,
                    refund,
                    currency: tx.currency.clone(),
                    reason,
                    notify_url: notify_url.clone(),
                    created_at: now,
                    success_at: now + delay,
                };
                t.put(&format!("tx/{no}"), &enc(&tx))?;
                t.put(&format!("refund/{out_refund_no}"), &enc(&rec))?;
                if let Some(url) = &notify_url {
                    super::notify::schedule_refund(t, &rec, url, now + delay)?;
                }
                Ok(Ok(rec))
            },
        )
    })
    .await
    .expect("task")?;
    sb.kick();
    Ok(match r {
        Ok(rec) => signed(
            sb,
            serial,
            StatusCode::OK,
            rec.to_json(now).to_string().into_bytes(),
        ),
        Err((s, code, msg)) => error(sb, serial, s, code, msg, None),
    })
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

pub(crate) use signed as sign_response;
