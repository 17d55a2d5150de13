//! The payment sheet: `/sandbox/bridge.js` gives the pay page a `WeixinJSBridge` whose
//! `getBrandWCPayRequest` behaves like WeChat's (same parameters, same callback strings)
//! and draws a sheet with the merchant, the amount, a six-digit password pad and cancel.
//! Confirming verifies `paySign` with the merchant's public key, marks the transaction paid
//! and sends the notification. `POST /sandbox/control/pay` pays the same way without the
//! sheet, for booths and tests.

use super::pay::{
    PREPAY_TTL_SECS, TradeState, Tx, get_tx, load_tx, new_transaction_id, prepay_key, tx_key,
    txid_key,
};
use super::{Request, Resp, Sandbox, SandboxError, blocking, enc, json, respond};
use crate::store::StoreError;
use crate::wechat::crypto;
use hyper::StatusCode;
use serde_json::json as j;

pub fn bridge_js() -> Resp {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        include_str!("../../assets/sandbox/bridge.js"),
    )
}

pub fn sheet_css() -> Resp {
    respond(
        StatusCode::OK,
        "text/css; charset=utf-8",
        include_str!("../../assets/sandbox/sheet.css"),
    )
}

fn fail(msg: &str) -> Resp {
    json(StatusCode::OK, &j!({ "ok": false, "err": msg }))
}

fn prepay_tx(sb: &Sandbox, package: &str) -> Result<Option<Tx>, StoreError> {
    let Some(prepay_id) = package.strip_prefix("prepay_id=") else {
        return Ok(None);
    };
    let Some(no) = sb.inner.store.sandbox_get(&prepay_key(prepay_id))? else {
        return Ok(None);
    };
    let tx = get_tx(sb, &String::from_utf8_lossy(&no))?;
    Ok(tx.filter(|t| t.prepay_id == prepay_id))
}

/// `POST /sandbox/pay/sheet` `{package}` → what the sheet shows.
pub async fn sheet_info(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let Some(tx) = prepay_tx(sb, b["package"].as_str().unwrap_or(""))? else {
        return Ok(fail("JSAPI缺少参数：package 无效"));
    };
    if sb.inner.clock.unix() - tx.prepay_at >= PREPAY_TTL_SECS {
        return Ok(fail("prepay_id 已过期"));
    }
    Ok(json(
        StatusCode::OK,
        &j!({
            "ok": true,
            "merchant": sb.inner.settings.merchant_name,
            "description": tx.description,
            "total": tx.total,
            "currency": tx.currency,
            "amount": crate::money::Currency::parse(&tx.currency)
                .map(|c| crate::money::Money(tx.total).display(c))
                .unwrap_or_else(|| format!("{} {}", tx.currency, tx.total)),
            "state": tx.state,
        }),
    ))
}

/// Marks a transaction paid (once) and schedules its notification; delivers what is due
/// at once, so by default the notification reaches the shop before the sheet returns.
pub(crate) async fn mark_paid(
    sb: &Sandbox,
    out_trade_no: &str,
    force: bool,
) -> Result<Result<Tx, &'static str>, SandboxError> {
    let fault = sb.take_notification_fault();
    let now = sb.inner.clock.unix();
    let no = out_trade_no.to_string();
    let sb2 = sb.clone();
    let r = blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| -> Result<Result<Tx, &'static str>, StoreError> {
                let Some(mut tx) = load_tx(t, &no)? else {
                    return Ok(Err("订单不存在"));
                };
                match tx.state {
                    TradeState::NotPay => {}
                    // `force`: a payment that races the merchant's close.
                    TradeState::Closed if force => {}
                    TradeState::Closed => return Ok(Err("订单已关闭")),
                    TradeState::Success | TradeState::Refund => return Ok(Err("订单已支付")),
                }
                let id = new_transaction_id();
                tx.state = TradeState::Success;
                tx.transaction_id = Some(id.clone());
                tx.success_at = Some(now);
                t.put(&tx_key(&no), &enc(&tx))?;
                t.put(&txid_key(&id), no.as_bytes())?;
                super::notify::schedule_payment(t, &tx, fault, now)?;
                Ok(Ok(tx))
            })
    })
    .await?;
    if let Ok(tx) = &r {
        super::official_account::record_message(
            sb,
            "voucher",
            Some(tx.openid.clone()),
            j!({
                "merchant": sb.inner.settings.merchant_name,
                "description": tx.description,
                "total": tx.total,
                "currency": tx.currency,
                "transaction_id": tx.transaction_id,
                "out_trade_no": tx.out_trade_no,
            }),
        )?;
        super::notify::deliver_due(sb).await?;
    }
    Ok(r)
}

/// `POST /sandbox/pay/confirm` with the `getBrandWCPayRequest` parameters and the password.
pub async fn confirm(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    let (app_id, ts, nonce, package, sign_type, pay_sign) = (
        s("appId"),
        s("timeStamp"),
        s("nonceStr"),
        s("package"),
        s("signType"),
        s("paySign"),
    );
    let password = s("password");
    if password.len() != 6 || !password.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(fail("请输入六位支付密码"));
    }
    if sign_type != "RSA" {
        return Ok(fail("支付验证签名失败：signType 须为 RSA"));
    }
    let msg = crypto::pay_sign_message(&app_id, &ts, &nonce, &package);
    if !sb.inner.keys.merchant_public().verify(&msg, &pay_sign) {
        return Ok(fail("支付验证签名失败"));
    }
    let Some(tx) = prepay_tx(sb, &package)? else {
        return Ok(fail("JSAPI缺少参数：package 无效"));
    };
    if tx.appid != app_id {
        return Ok(fail("appId 与下单时不一致"));
    }
    if sb.inner.clock.unix() - tx.prepay_at >= PREPAY_TTL_SECS {
        return Ok(fail("prepay_id 已过期"));
    }
    Ok(match mark_paid(sb, &tx.out_trade_no, false).await? {
        Ok(t) => json(
            StatusCode::OK,
            &j!({ "ok": true, "transaction_id": t.transaction_id }),
        ),
        Err(e) => fail(e),
    })
}

/// `POST /sandbox/pay/returned` `{package}`: the sheet has handed control back to the page.
pub async fn returned(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    if let Some(tx) = prepay_tx(sb, b["package"].as_str().unwrap_or(""))? {
        super::notify::release_after_return(sb, &tx.out_trade_no)?;
        sb.kick();
    }
    Ok(json(StatusCode::OK, &j!({ "ok": true })))
}

/// `POST /sandbox/control/pay` `{"out_trade_no": …}` (JSON or form): pays as the sheet
/// would. `"late": true` pays even a closed transaction, as when a payment races the
/// merchant's close.
pub async fn control_pay(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let json_body = serde_json::from_slice::<serde_json::Value>(&req.body).ok();
    let no = json_body
        .as_ref()
        .and_then(|v| v["out_trade_no"].as_str().map(str::to_string))
        .or_else(|| req.form().get("out_trade_no").cloned())
        .unwrap_or_default();
    let late = json_body
        .as_ref()
        .and_then(|v| v["late"].as_bool())
        .unwrap_or(false);
    Ok(match mark_paid(sb, &no, late).await? {
        Ok(t) => json(
            StatusCode::OK,
            &j!({ "ok": true, "transaction_id": t.transaction_id }),
        ),
        Err(e) => json(StatusCode::CONFLICT, &j!({ "ok": false, "err": e })),
    })
}
