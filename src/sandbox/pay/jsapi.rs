//! JSAPI transactions: place an order (`POST /v3/pay/transactions/jsapi`, and Global's
//! `/v3/global/transactions/jsapi`, with WeChat's parameter checks and its rules for a
//! repeated `out_trade_no`), query it by merchant order number or by transaction id, and
//! close it.

use super::records::{
    PREPAY_TTL_SECS, TradeState, Tx, gen_prepay_id, get_tx, get_tx_by_id, load_tx, prepay_key,
    tx_key,
};
use super::{error, param_error, signed};
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, blocking, enc};
use crate::store::StoreError;
use crate::wechat::crypto;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json as j};

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

/// `POST /v3/pay/transactions/jsapi`: a prepay id for a valid order; the same one for an
/// identical repeat while it lives, a fresh one after it expired.
pub(super) async fn order(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    global: bool,
) -> Result<Resp, SandboxError> {
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
                    match tx.state {
                        TradeState::Success | TradeState::Refund => {
                            return Ok(Outcome::Err(
                                StatusCode::BAD_REQUEST,
                                "ORDERPAID",
                                "该订单已支付",
                            ));
                        }
                        TradeState::Closed => {
                            return Ok(Outcome::Err(
                                StatusCode::BAD_REQUEST,
                                "ORDER_CLOSED",
                                "订单已关闭",
                            ));
                        }
                        TradeState::NotPay => {}
                    }
                    if now - tx.prepay_at < PREPAY_TTL_SECS {
                        return Ok(Outcome::Prepay(tx.prepay_id));
                    }
                    // Expired prepay id: an identical repeat gets a fresh one.
                    t.remove(&prepay_key(&tx.prepay_id))?;
                    tx.prepay_id = gen_prepay_id();
                    tx.prepay_at = now;
                    t.put(&prepay_key(&tx.prepay_id), out_trade_no.as_bytes())?;
                    t.put(&tx_key(&out_trade_no), &enc(&tx))?;
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
                    state: TradeState::NotPay,
                    transaction_id: None,
                    success_at: None,
                    created_at: now,
                    refunded: 0,
                    fingerprint,
                    global,
                    sub_mchid: institution.then(|| b.sub_mchid.clone().unwrap_or_default()),
                    rate_e8: (rate * 1e8).round() as i64,
                    trade_type: None,
                };
                t.put(&prepay_key(&tx.prepay_id), out_trade_no.as_bytes())?;
                t.put(&tx_key(&out_trade_no), &enc(&tx))?;
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

/// `POST …/out-trade-no/{no}/close`: closes an unpaid transaction (204); a paid one stays.
pub(super) async fn close(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    no: &str,
) -> Result<Resp, SandboxError> {
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
    let r = blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| -> Result<Option<&'static str>, StoreError> {
                let Some(mut tx) = load_tx(t, &no)? else {
                    return Ok(Some("ORDER_NOT_EXIST"));
                };
                if tx.state.is_paid() {
                    return Ok(Some("ORDERPAID"));
                }
                tx.state = TradeState::Closed;
                t.put(&tx_key(&no), &enc(&tx))?;
                Ok(None)
            })
    })
    .await?;
    Ok(match r {
        None => signed(sb, serial, StatusCode::NO_CONTENT, Vec::new()),
        Some("ORDER_NOT_EXIST") => not_found(sb, serial),
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

/// `GET …/out-trade-no/{no}?mchid=…`: the transaction as WeChat describes it.
pub(super) async fn query_by_out_trade_no(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    no: &str,
) -> Result<Resp, SandboxError> {
    let tx = {
        let no = no.to_string();
        let sb2 = sb.clone();
        blocking(move || get_tx(&sb2, &no)).await?
    };
    Ok(match tx {
        Some(t) if query_mchid_ok(sb, req) => signed(
            sb,
            serial,
            StatusCode::OK,
            t.to_json().to_string().into_bytes(),
        ),
        Some(_) => param_error(sb, serial, "mchid", "mchid 与订单不符"),
        None => not_found(sb, serial),
    })
}

/// `GET …/id/{transaction_id}`: the same, found by WeChat's transaction id.
pub(super) async fn query_by_id(
    sb: &Sandbox,
    serial: Option<&str>,
    id: &str,
) -> Result<Resp, SandboxError> {
    let id = id.to_string();
    let sb2 = sb.clone();
    let tx = blocking(move || get_tx_by_id(&sb2, &id)).await?;
    Ok(match tx {
        Some(t) => signed(
            sb,
            serial,
            StatusCode::OK,
            t.to_json().to_string().into_bytes(),
        ),
        None => not_found(sb, serial),
    })
}

fn not_found(sb: &Sandbox, serial: Option<&str>) -> Resp {
    error(
        sb,
        serial,
        StatusCode::NOT_FOUND,
        "ORDER_NOT_EXIST",
        "订单不存在",
        None,
    )
}

fn query_mchid_ok(sb: &Sandbox, req: &Request) -> bool {
    let q = req.query_map();
    let m = sb.inner.keys.manifest.mchid.as_str();
    q.get("mchid").map(String::as_str) == Some(m)
        || q.get("sp_mchid").map(String::as_str) == Some(m)
}
