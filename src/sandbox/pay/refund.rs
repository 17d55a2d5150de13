//! Refunds: `POST /v3/refund/domestic/refunds` (and Global's `/v3/global/refunds`), with
//! WeChat's checks — one refund per `out_refund_no`, amounts and currency as paid, never more
//! than what is left — a refund that stays PROCESSING for a while and then succeeds, its
//! `REFUND.SUCCESS` notification, and the refund query.

use super::records::{
    RefundRec, TradeState, get_refund, load_tx, new_refund_id, refund_key, tx_key, txid_key,
};
use super::{error, param_error, signed};
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, blocking, dec, enc, notify};
use crate::store::StoreError;
use hyper::StatusCode;
use serde::Deserialize;

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

/// Applies for a refund; an `out_refund_no` seen before answers with that refund again.
pub(super) async fn create(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
) -> Result<Resp, SandboxError> {
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
    let r = blocking(move || {
        sb2.inner.store.sandbox_write(
            |t| -> Result<Result<RefundRec, (StatusCode, &'static str, &'static str)>, StoreError> {
                if let Some(existing) = t.get(&refund_key(&out_refund_no))? {
                    // Same refund number: at most one refund.
                    return Ok(Ok(dec(&existing)?));
                }
                let no = match (&out_trade_no, &transaction_id) {
                    (Some(no), _) => no.clone(),
                    (None, Some(id)) => match t.get(&txid_key(id))? {
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
                if !tx.state.is_paid() {
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
                tx.state = TradeState::Refund;
                let rec = RefundRec {
                    out_refund_no: out_refund_no.clone(),
                    refund_id: new_refund_id(),
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
                t.put(&tx_key(&no), &enc(&tx))?;
                t.put(&refund_key(&out_refund_no), &enc(&rec))?;
                if let Some(url) = &notify_url {
                    notify::schedule_refund(t, &rec, url, now + delay)?;
                }
                Ok(Ok(rec))
            },
        )
    })
    .await?;
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

/// `GET …/refunds/{out_refund_no}`: the refund, PROCESSING or SUCCESS by now.
pub(super) async fn query(
    sb: &Sandbox,
    serial: Option<&str>,
    out_refund_no: &str,
) -> Result<Resp, SandboxError> {
    let no = out_refund_no.to_string();
    let sb2 = sb.clone();
    let rec = blocking(move || get_refund(&sb2, &no)).await?;
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
