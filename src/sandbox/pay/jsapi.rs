//! JSAPI transactions: place an order (`POST /v3/pay/transactions/jsapi`, and Global's
//! `/v3/global/transactions/jsapi`, with WeChat's parameter checks and its rules for a
//! repeated `out_trade_no`), query it by merchant order number or by transaction id, and
//! close it.

use super::order_body::{CheckedOrder, OrderBody, repeat_refusal};
use super::records::{
    PREPAY_TTL_SECS, TradeState, Tx, gen_prepay_id, get_tx, get_tx_by_id, load_tx, prepay_key,
    tx_key,
};
use super::{error, param_error, signed};
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, blocking, enc};
use crate::store::StoreError;
use crate::wechat::crypto;
use hyper::StatusCode;
use serde_json::{Value, json as j};

/// `POST /v3/pay/transactions/jsapi`: a prepay id for a valid order; the same one for an
/// identical repeat while it lives, a fresh one after it expired.
pub(super) async fn order(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
    global: bool,
) -> Result<Resp, SandboxError> {
    let o = match OrderBody::parse(sb, serial, &req.body)
        .and_then(|b| b.check(sb, serial, global, "JSAPI"))
    {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let payer_id = |k: &str| {
        o.payer
            .as_ref()
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let openid = payer_id("openid")
        .or_else(|| payer_id("sp_openid"))
        .or_else(|| payer_id("sub_openid"))
        .unwrap_or_default();
    if openid.is_empty() || openid.len() > 128 {
        return Ok(param_error(sb, serial, "/payer/openid", "openid 为必填"));
    }
    let CheckedOrder {
        appid,
        mchid,
        description,
        out_trade_no,
        time_expire,
        attach,
        notify_url,
        total,
        currency,
        sub_mchid,
        payer: _,
    } = o;
    let fingerprint = crypto::sha256_hex(
        j!([
            appid,
            mchid,
            description,
            out_trade_no,
            time_expire,
            attach,
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
    // The sandbox's own prepay record is not the shop's money: unsynced, riding the
    // group-commit writer's next batch (the shop's prepay record and order commit synced
    // on its side).
    let outcome = sb2
        .inner
        .store
        .sandbox_write_grouped_unsynced(move |t| -> Result<Outcome, StoreError> {
            if let Some(mut tx) = load_tx(t, &out_trade_no)? {
                if let Some((status, code, msg)) = repeat_refusal(&tx, &fingerprint) {
                    return Ok(Outcome::Err(status, code, msg));
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
                attach,
                time_expire,
                prepay_id: gen_prepay_id(),
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
                trade_type: None,
            };
            t.put(&prepay_key(&tx.prepay_id), out_trade_no.as_bytes())?;
            t.put(&tx_key(&out_trade_no), &enc(&tx))?;
            Ok(Outcome::Prepay(tx.prepay_id))
        })
        .await?;
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
