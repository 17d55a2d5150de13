//! Native transactions: `POST /v3/pay/transactions/native` (and Global's
//! `/v3/global/transactions/native` with `trade_type` `NATIVE`) with WeChat's parameter
//! checks — the JSAPI order's fields without `payer` — answering a `code_url`, the same one
//! for an identical repeat while it lives (two hours).
//!
//! A deliberate difference from WeChat: its `code_url` is `weixin://wxpay/bizpayurl?pr=…`,
//! which only WeChat's scanner opens; a demo phone's camera cannot, so the sandbox's is an
//! http(s) URL of its scan-and-pay sheet on the shop's own origin (taken from `notify_url`),
//! `/sandbox/phone/scan?pr=…`, where the current persona confirms and pays (`scan`).

use super::records::{PREPAY_TTL_SECS, TradeState, Tx, gen_id, gen_prepay_id, load_tx, tx_key};
use super::{error, param_error, signed};
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, enc};
use crate::store::{SandboxTable, StoreError};
use crate::wechat::crypto;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json as j;

#[derive(Deserialize)]
struct NativeBody {
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
    payer: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AmountBody {
    total: Option<i64>,
    currency: Option<String>,
}

/// The key of a code's `pr` → out_trade_no.
pub(crate) fn code_key(pr: &str) -> String {
    format!("native/{pr}")
}

/// The scheme, host and port of a URL (`https://shop.example` of
/// `https://shop.example/wechat/notify/pay`).
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// The code URL of a `pr`: the scan-and-pay sheet on the shop's origin.
pub(crate) fn code_url(notify_url: &str, pr: &str) -> String {
    format!("{}/sandbox/phone/scan?pr={pr}", origin(notify_url))
}

/// The `pr` of a transaction, derived from its prepay id (kept as the code's identity).
fn pr_of(tx: &Tx) -> String {
    tx.prepay_id.trim_start_matches("wx").to_string()
}

fn put_code(t: &mut SandboxTable<'_>, tx: &Tx) -> Result<(), StoreError> {
    t.put(&code_key(&pr_of(tx)), tx.out_trade_no.as_bytes())
}

/// `POST /v3/pay/transactions/native` → `{"code_url": …}`.
pub(super) async fn order(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    global: bool,
) -> Result<Resp, SandboxError> {
    let b: NativeBody = match serde_json::from_slice(&req.body) {
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
        (b.sp_appid.clone(), b.sp_mchid.clone())
    } else {
        (b.appid.clone(), b.mchid.clone())
    };
    let (appid, mchid) = (appid.unwrap_or_default(), mchid.unwrap_or_default());
    if b.payer.is_some() {
        return Ok(param_error(sb, serial, "/payer", "Native 下单不接受 payer"));
    }
    if global {
        if b.trade_type.as_deref() != Some("NATIVE") {
            return Ok(param_error(
                sb,
                serial,
                "/trade_type",
                "trade_type 须为 NATIVE",
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
    let problem = if description.is_empty() || description.len() > 127 {
        Some(("/description", "长度须为 1–127 字节"))
    } else if !crate::wechat::pay::valid_out_trade_no(&out_trade_no) {
        Some(("/out_trade_no", "须为 6–32 位数字、字母或 _-|*"))
    } else if b.attach.as_ref().is_some_and(|a| a.len() > 128) {
        Some(("/attach", "长度不能超过 128 字节"))
    } else if !((notify_url.starts_with("https://") || notify_url.starts_with("http://"))
        && !notify_url.contains('?')
        && notify_url.len() <= 255)
    {
        // The sandbox also accepts http:// so a laptop demo can receive notifications.
        Some(("/notify_url", "须为不带查询串的 URL"))
    } else if total <= 0 {
        Some(("/amount/total", "须为正整数"))
    } else if !global && currency != "CNY" {
        Some(("/amount/currency", "境内商户仅支持 CNY"))
    } else if global && crate::money::Currency::parse(&currency).is_none() {
        Some(("/amount/currency", "不支持的币种"))
    } else {
        None
    };
    if let Some((field, issue)) = problem {
        return Ok(param_error(sb, serial, field, issue));
    }
    let fingerprint = crypto::sha256_hex(
        j!([
            "NATIVE",
            appid,
            mchid,
            description,
            out_trade_no,
            b.time_expire,
            b.attach,
            notify_url,
            total,
            currency
        ])
        .to_string()
        .as_bytes(),
    );
    let now = sb.inner.clock.unix();
    let rate = sb.inner.settings.exchange_rate;
    let sub_mchid = institution.then(|| b.sub_mchid.clone().unwrap_or_default());
    let outcome = sb
        .inner
        .store
        .sandbox_write_grouped(
            move |t| -> Result<Result<Tx, (StatusCode, &'static str, &'static str)>, StoreError> {
                if let Some(mut tx) = load_tx(t, &out_trade_no)? {
                    if tx.fingerprint != fingerprint {
                        return Ok(Err((
                            StatusCode::FORBIDDEN,
                            "OUT_TRADE_NO_USED",
                            "商户订单号重复",
                        )));
                    }
                    match tx.state {
                        TradeState::Success | TradeState::Refund => {
                            return Ok(Err((StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付")));
                        }
                        TradeState::Closed => {
                            return Ok(Err((
                                StatusCode::BAD_REQUEST,
                                "ORDER_CLOSED",
                                "订单已关闭",
                            )));
                        }
                        TradeState::NotPay => {}
                    }
                    if now - tx.prepay_at >= PREPAY_TTL_SECS {
                        // An expired code: an identical repeat gets a fresh one.
                        t.remove(&code_key(&pr_of(&tx)))?;
                        tx.prepay_id = gen_prepay_id();
                        tx.prepay_at = now;
                        put_code(t, &tx)?;
                        t.put(&tx_key(&out_trade_no), &enc(&tx))?;
                    }
                    return Ok(Ok(tx));
                }
                let tx = Tx {
                    appid,
                    mchid,
                    out_trade_no: out_trade_no.clone(),
                    description,
                    notify_url,
                    total,
                    currency,
                    openid: String::new(),
                    attach: b.attach,
                    time_expire: b.time_expire,
                    prepay_id: format!("wx{}", gen_id("", 24)),
                    prepay_at: now,
                    state: TradeState::NotPay,
                    transaction_id: None,
                    success_at: None,
                    created_at: now,
                    refunded: 0,
                    fingerprint,
                    global,
                    sub_mchid,
                    rate_e8: (rate * 1e8).round() as i64,
                    trade_type: Some("NATIVE".into()),
                };
                put_code(t, &tx)?;
                t.put(&tx_key(&out_trade_no), &enc(&tx))?;
                Ok(Ok(tx))
            },
        )
        .await?;
    Ok(match outcome {
        Ok(tx) => signed(
            sb,
            serial,
            StatusCode::OK,
            j!({ "code_url": code_url(&tx.notify_url, &pr_of(&tx)) })
                .to_string()
                .into_bytes(),
        ),
        Err((s, code, msg)) => error(sb, serial, s, code, msg, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_url_is_the_scan_sheet_on_the_shops_origin() {
        assert_eq!(
            code_url("https://shop.example:8443/wechat/notify/pay", "123"),
            "https://shop.example:8443/sandbox/phone/scan?pr=123"
        );
        assert_eq!(
            code_url("http://127.0.0.1:8080/wechat/notify/pay", "9"),
            "http://127.0.0.1:8080/sandbox/phone/scan?pr=9"
        );
    }
}
