//! The trade bill: WeChat's `bill_type=ALL` CSV for one day, built from the sandbox's
//! transactions and refunds (`GET /v3/bill/tradebill` answers with its SHA-1 and a download
//! URL valid for five minutes; `GET /v3/billdownload/file` serves it unsigned).

use super::records::{RefundRec, TradeState, Tx, tx_key};
use super::signed;
use crate::sandbox::{Request, Resp, Sandbox, SandboxError, blocking, dec, respond, rfc3339_cst};
use crate::store::StoreError;
use crate::wechat::crypto;
use hyper::StatusCode;
use serde_json::json;

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn cst_date(unix: i64) -> String {
    rfc3339_cst(unix).get(..10).unwrap_or_default().to_string()
}

fn cst_datetime(unix: i64) -> String {
    rfc3339_cst(unix)
        .get(..19)
        .unwrap_or_default()
        .replace('T', " ")
}

/// WeChat's trade bill (`bill_type=ALL`) for one day: BOM, header, backtick-prefixed
/// rows, summary header and summary row. Amounts in yuan.
fn build_bill(sb: &Sandbox, date: &str) -> Result<Option<String>, StoreError> {
    let store = &sb.inner.store;
    let m = &sb.inner.keys.manifest;
    let mut rows = Vec::new();
    let (mut count, mut paid, mut refunded) = (0i64, 0i64, 0i64);
    for (_, b) in store.sandbox_scan("tx/")? {
        let tx: Tx = dec(&b)?;
        let Some(at) = tx.success_at else { continue };
        if cst_date(at) != date {
            continue;
        }
        count += 1;
        paid += tx.total;
        let fields = [
            cst_datetime(at),
            tx.appid.clone(),
            tx.mchid.clone(),
            "0".into(),
            String::new(),
            tx.transaction_id.clone().unwrap_or_default(),
            tx.out_trade_no.clone(),
            tx.openid.clone(),
            "JSAPI".into(),
            TradeState::Success.as_str().into(),
            "OTHERS".into(),
            tx.currency.clone(),
            yuan(tx.total),
            "0.00".into(),
            "0".into(),
            "0".into(),
            "0.00".into(),
            "0.00".into(),
            String::new(),
            String::new(),
            tx.description.clone(),
            tx.attach.clone().unwrap_or_default(),
            "0.00000".into(),
            "0.60%".into(),
            yuan(tx.total),
            "0.00".into(),
            String::new(),
        ];
        rows.push(
            fields
                .iter()
                .map(|f| format!("`{f}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    for (_, b) in store.sandbox_scan("refund/")? {
        let r: RefundRec = dec(&b)?;
        if cst_date(r.created_at) != date {
            continue;
        }
        count += 1;
        refunded += r.refund;
        let tx: Option<Tx> = store
            .sandbox_get(&tx_key(&r.out_trade_no))?
            .map(|b| dec(&b))
            .transpose()?;
        let (appid, openid, desc) = tx
            .map(|t| (t.appid, t.openid, t.description))
            .unwrap_or_default();
        let fields = [
            cst_datetime(r.created_at),
            appid,
            m.mchid.clone(),
            "0".into(),
            String::new(),
            r.transaction_id.clone(),
            r.out_trade_no.clone(),
            openid,
            "JSAPI".into(),
            TradeState::Refund.as_str().into(),
            "OTHERS".into(),
            r.currency.clone(),
            "0.00".into(),
            "0.00".into(),
            r.refund_id.clone(),
            r.out_refund_no.clone(),
            yuan(r.refund),
            "0.00".into(),
            "ORIGINAL".into(),
            r.status(sb.inner.clock.unix()).as_str().into(),
            desc,
            String::new(),
            "0.00000".into(),
            "0.60%".into(),
            "0.00".into(),
            yuan(r.refund),
            String::new(),
        ];
        rows.push(
            fields
                .iter()
                .map(|f| format!("`{f}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let mut csv = String::from(
        "\u{feff}交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n",
    );
    for r in rows {
        csv.push_str(&r);
        csv.push_str("\r\n");
    }
    csv.push_str("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n");
    csv.push_str(&format!(
        "`{count},`{},`{},`0.00,`0.00000,`{},`{}\r\n",
        yuan(paid),
        yuan(refunded),
        yuan(paid),
        yuan(refunded)
    ));
    Ok(Some(csv))
}

/// `GET /v3/bill/tradebill?bill_date=…`: a signed answer with the file's SHA-1 and a
/// download URL valid for five minutes.
pub(super) async fn trade_bill(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
) -> Result<Resp, SandboxError> {
    let q = req.query_map();
    let date = q.get("bill_date").cloned().unwrap_or_default();
    let valid_date = date.len() == 10
        && time::Date::parse(
            &date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok();
    if !valid_date {
        let body = json!({"code": "PARAM_ERROR", "message": "bill_date 格式须为 yyyy-MM-DD"});
        return Ok(signed(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            body.to_string().into_bytes(),
        ));
    }
    let sb2 = sb.clone();
    let d2 = date.clone();
    let csv = blocking(move || build_bill(&sb2, &d2)).await?;
    let Some(csv) = csv else {
        let body = json!({"code": "NO_STATEMENT_EXIST", "message": "该日期无交易，账单不存在"});
        return Ok(signed(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            body.to_string().into_bytes(),
        ));
    };
    let token = crate::random::random_token::<16>();
    let now = sb.inner.clock.unix();
    let rec = json!({ "csv": csv, "expires_at": now + 300 });
    sb.inner
        .store
        .sandbox_write(|t| t.put(&format!("bill/{token}"), rec.to_string().as_bytes()))?;
    let body = json!({
        "hash_type": "SHA1",
        "hash_value": crypto::sha1_hex(csv.as_bytes()),
        "download_url": format!("{}/sandbox/v3/billdownload/file?token={token}", req.origin),
    });
    Ok(signed(
        sb,
        serial,
        StatusCode::OK,
        body.to_string().into_bytes(),
    ))
}

/// `GET /v3/billdownload/file?token=…`: the file itself, unsigned, as WeChat serves it.
pub(super) async fn bill_file(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let token = req.query_map().get("token").cloned().unwrap_or_default();
    let rec: Option<serde_json::Value> = sb
        .inner
        .store
        .sandbox_get(&format!("bill/{token}"))?
        .map(|b| dec(&b))
        .transpose()?;
    let now = sb.inner.clock.unix();
    match rec {
        Some(r) if r["expires_at"].as_i64().unwrap_or(0) > now => Ok(respond(
            StatusCode::OK,
            "text/csv; charset=utf-8",
            r["csv"].as_str().unwrap_or("").to_string(),
        )),
        _ => Ok(respond(
            StatusCode::NOT_FOUND,
            "application/json",
            json!({"code": "RESOURCE_NOT_EXISTS", "message": "下载链接已失效"}).to_string(),
        )),
    }
}
