//! Native transactions: `POST /v3/pay/transactions/native` (and Global's
//! `/v3/global/transactions/native` with `trade_type` `NATIVE`) with WeChat's parameter
//! checks — the JSAPI order's fields without `payer` — answering a `code_url`, the same one
//! for an identical repeat while it lives (two hours).
//!
//! A deliberate difference from WeChat: its `code_url` is `weixin://wxpay/bizpayurl?pr=…`,
//! which only WeChat's scanner opens; a demo phone's camera cannot, so the sandbox's is an
//! http(s) URL of its scan-and-pay sheet on the shop's own origin (taken from `notify_url`),
//! `/sandbox/phone/scan?pr=…`, where the current persona confirms and pays (`scan`).

use super::order_body::{CheckedOrder, OrderBody, repeat_refusal};
use super::records::{PREPAY_TTL_SECS, TradeState, Tx, gen_id, gen_prepay_id, load_tx, tx_key};
use super::{error, param_error, signed};
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, enc};
use crate::store::{SandboxTable, StoreError};
use crate::wechat::crypto;
use hyper::StatusCode;
use serde_json::json as j;

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
    let o = match OrderBody::parse(sb, serial, &req.body) {
        Ok(b) if b.payer.is_some() => {
            return Ok(param_error(sb, serial, "/payer", "Native 下单不接受 payer"));
        }
        Ok(b) => b.check(sb, serial, global, "NATIVE"),
        Err(r) => Err(r),
    };
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
    } = match o {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let fingerprint = crypto::sha256_hex(
        j!([
            "NATIVE",
            appid,
            mchid,
            description,
            out_trade_no,
            time_expire,
            attach,
            notify_url,
            total,
            currency
        ])
        .to_string()
        .as_bytes(),
    );
    let now = sb.inner.clock.unix();
    let rate = sb.inner.settings.exchange_rate;
    let outcome = sb
        .inner
        .store
        .sandbox_write_grouped(
            move |t| -> Result<Result<Tx, (StatusCode, &'static str, &'static str)>, StoreError> {
                if let Some(mut tx) = load_tx(t, &out_trade_no)? {
                    if let Some(refusal) = repeat_refusal(&tx, &fingerprint) {
                        return Ok(Err(refusal));
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
                    attach,
                    time_expire,
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
