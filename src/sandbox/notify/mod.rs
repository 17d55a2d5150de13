//! Notification delivery as WeChat does it: `TRANSACTION.SUCCESS` and `REFUND.*` envelopes,
//! encrypted with the APIv3 key and signed with the platform key, POSTed to the notify URL
//! with a 5 s timeout and retried on WeChat's schedule (scaled for tests) until a 2xx.
//! Deliveries are persisted, so a restart resumes them. Also the trade bill, which is built
//! from the same records.

use super::pay::{RefundRec, Tx};
use super::{NotificationFault, Request, Resp, Sandbox, dec, enc, respond, rfc3339_cst};
use crate::store::{SandboxTable, StoreError};
use crate::wechat::crypto::{self, MerchantKey};
use hyper::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;

/// WeChat's retry schedule after a failed delivery, in seconds (24 h 4 min in all).
pub const RETRY_SCHEDULE: [i64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attempt {
    pub at: i64,
    pub status: Option<u16>,
    pub error: Option<String>,
    /// The fault applied to this attempt, if any.
    pub fault: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Delivery {
    pub id: u64,
    /// The notification id (`EV-…`), the same on every retry.
    pub notification_id: String,
    pub url: String,
    pub event_type: String,
    pub summary: String,
    pub original_type: String,
    pub plaintext: String,
    pub out_trade_no: String,
    pub created_at: i64,
    pub next_at: i64,
    pub attempts: u32,
    /// pending, waiting_return, delivered, lost, gave_up.
    pub state: String,
    /// Applied to the first attempt only: WeChat's genuine retry follows.
    pub fault: Option<NotificationFault>,
    /// Deliveries of one group are sent at the same moment.
    pub group: u64,
    pub log: Vec<Attempt>,
}

fn next_seq(t: &mut SandboxTable<'_>, name: &str) -> Result<u64, StoreError> {
    let key = format!("seq/{name}");
    let n = t
        .get(&key)?
        .and_then(|b| {
            std::str::from_utf8(&b)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
        })
        .unwrap_or(0)
        + 1;
    t.put(&key, n.to_string().as_bytes())?;
    Ok(n)
}

fn save(t: &mut SandboxTable<'_>, d: &Delivery) -> Result<(), StoreError> {
    t.put(&format!("dlv/{:020}", d.id), &enc(d))?;
    let pending_key = format!("dlvp/{:020}", d.id);
    if d.state == "pending" {
        t.put(&pending_key, b"")?;
    } else {
        t.remove(&pending_key)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn new_delivery(
    t: &mut SandboxTable<'_>,
    url: &str,
    event_type: &str,
    summary: &str,
    original_type: &str,
    plaintext: String,
    out_trade_no: &str,
    now: i64,
    next_at: i64,
    state: &str,
    fault: Option<NotificationFault>,
    group: Option<u64>,
) -> Result<Delivery, StoreError> {
    let id = next_seq(t, "dlv")?;
    let d = Delivery {
        id,
        notification_id: format!("EV-{}", crate::id::random_token::<12>()),
        url: url.to_string(),
        event_type: event_type.into(),
        summary: summary.into(),
        original_type: original_type.into(),
        plaintext,
        out_trade_no: out_trade_no.into(),
        created_at: now,
        next_at,
        attempts: 0,
        state: state.into(),
        fault,
        group: group.unwrap_or(id),
        log: Vec::new(),
    };
    save(t, &d)?;
    Ok(d)
}

/// Creates the `TRANSACTION.SUCCESS` delivery (or deliveries) for a paid transaction,
/// shaped by the pending notification fault.
pub(crate) fn schedule_payment(
    t: &mut SandboxTable<'_>,
    tx: &Tx,
    fault: Option<NotificationFault>,
    now: i64,
) -> Result<Vec<u64>, StoreError> {
    let plain = tx.to_json().to_string();
    let mk = |t: &mut SandboxTable<'_>,
              next_at: i64,
              state: &str,
              fault: Option<NotificationFault>,
              group: Option<u64>| {
        new_delivery(
            t,
            &tx.notify_url,
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            plain.clone(),
            &tx.out_trade_no,
            now,
            next_at,
            state,
            fault,
            group,
        )
    };
    let ids = match fault {
        None => vec![mk(t, now, "pending", None, None)?.id],
        Some(NotificationFault::Duplicate) => {
            let a = mk(t, now, "pending", None, None)?;
            let mut b = mk(t, now, "pending", None, None)?;
            b.notification_id = a.notification_id.clone();
            save(t, &b)?;
            vec![a.id, b.id]
        }
        Some(NotificationFault::Concurrent) => {
            let a = mk(t, now, "pending", None, None)?;
            let mut b = mk(t, now, "pending", None, Some(a.id))?;
            b.notification_id = a.notification_id.clone();
            save(t, &b)?;
            vec![a.id, b.id]
        }
        Some(NotificationFault::Delay { seconds }) => {
            vec![mk(t, now + seconds.max(0), "pending", None, None)?.id]
        }
        Some(NotificationFault::Lose) => vec![mk(t, now, "lost", None, None)?.id],
        Some(NotificationFault::AfterReturn) => vec![mk(t, now, "waiting_return", None, None)?.id],
        Some(
            f @ (NotificationFault::Forged | NotificationFault::Stale | NotificationFault::Probe),
        ) => {
            vec![mk(t, now, "pending", Some(f), None)?.id]
        }
    };
    Ok(ids)
}

/// Creates the `REFUND.SUCCESS` delivery of a refund, due when it succeeds.
pub(crate) fn schedule_refund(
    t: &mut SandboxTable<'_>,
    r: &RefundRec,
    url: &str,
    due: i64,
) -> Result<(), StoreError> {
    let plain = json!({
        "mchid": "",
        "out_trade_no": r.out_trade_no,
        "transaction_id": r.transaction_id,
        "out_refund_no": r.out_refund_no,
        "refund_id": r.refund_id,
        "refund_status": "SUCCESS",
        "success_time": rfc3339_cst(due),
        "user_received_account": "支付用户零钱",
        "amount": { "total": r.total, "refund": r.refund, "payer_total": r.total, "payer_refund": r.refund },
    });
    new_delivery(
        t,
        url,
        "REFUND.SUCCESS",
        "退款成功",
        "refund",
        plain.to_string(),
        &r.out_trade_no,
        r.created_at,
        due,
        "pending",
        None,
        None,
    )?;
    Ok(())
}

/// Releases deliveries held until the payment sheet returned.
pub(crate) fn release_after_return(sb: &Sandbox, out_trade_no: &str) -> Result<(), StoreError> {
    let now = sb.inner.clock.unix();
    let held: Vec<Delivery> = all(sb)?
        .into_iter()
        .filter(|d| d.state == "waiting_return" && d.out_trade_no == out_trade_no)
        .collect();
    sb.inner.store.sandbox_write(|t| -> Result<(), StoreError> {
        for mut d in held {
            d.state = "pending".into();
            d.next_at = now;
            save(t, &d)?;
        }
        Ok(())
    })
}

pub fn all(sb: &Sandbox) -> Result<Vec<Delivery>, StoreError> {
    let mut v: Vec<Delivery> = sb
        .inner
        .store
        .sandbox_scan("dlv/")?
        .into_iter()
        .map(|(_, b)| dec(&b))
        .collect::<Result<_, _>>()?;
    v.reverse();
    Ok(v)
}

fn pending(sb: &Sandbox) -> Result<Vec<Delivery>, StoreError> {
    let store = &sb.inner.store;
    let mut out = Vec::new();
    for (k, _) in store.sandbox_scan("dlvp/")? {
        let id = &k["dlvp/".len()..];
        if let Some(b) = store.sandbox_get(&format!("dlv/{id}"))? {
            out.push(dec::<Delivery>(&b)?);
        }
    }
    Ok(out)
}

fn forger() -> &'static MerchantKey {
    static KEY: OnceLock<MerchantKey> = OnceLock::new();
    KEY.get_or_init(MerchantKey::generate)
}

/// One POST of a delivery. Returns the HTTP status, or the transport error.
async fn send(
    sb: &Sandbox,
    d: &Delivery,
    fault: Option<&NotificationFault>,
) -> Result<u16, String> {
    let k = &sb.inner.keys;
    let body = crate::wechat::notify::encrypt(
        k.manifest.apiv3_key.as_bytes(),
        &d.notification_id,
        &rfc3339_cst(d.created_at),
        &d.event_type,
        &d.summary,
        &d.original_type,
        &d.plaintext,
    )
    .map_err(|e| e.to_string())?;
    let mut ts = sb.inner.clock.unix();
    if fault == Some(&NotificationFault::Stale) {
        ts -= 600;
    }
    let ts = ts.to_string();
    let nonce = crypto::nonce();
    let msg = crypto::response_message(&ts, &nonce, body.as_bytes());
    let signature = match fault {
        Some(NotificationFault::Forged) => forger().sign(&msg),
        Some(NotificationFault::Probe) => format!("WECHATPAY/SIGNTEST/{}", crypto::nonce()),
        _ => k.platform.sign(&msg),
    };
    let r = sb
        .inner
        .http
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "Mozilla/4.0 (WeChat Pay sandbox)")
        .header("Wechatpay-Timestamp", ts)
        .header("Wechatpay-Nonce", nonce)
        .header("Wechatpay-Signature", signature)
        .header("Wechatpay-Serial", &k.manifest.public_key_id)
        .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
        .body(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    Ok(r.status().as_u16())
}

async fn attempt(sb: &Sandbox, mut d: Delivery) -> Result<(), StoreError> {
    let fault = if d.attempts == 0 {
        d.fault.clone()
    } else {
        None
    };
    let outcome = send(sb, &d, fault.as_ref()).await;
    let now = sb.inner.clock.unix();
    d.attempts += 1;
    let ok = matches!(outcome, Ok(s) if (200..300).contains(&s));
    d.log.push(Attempt {
        at: now,
        status: outcome.as_ref().ok().copied(),
        error: outcome.as_ref().err().cloned(),
        fault: fault.map(|f| format!("{f:?}")),
    });
    if ok {
        d.state = "delivered".into();
    } else if let Some(wait) = RETRY_SCHEDULE.get(d.attempts as usize - 1) {
        d.next_at = now + (*wait as f64 * sb.inner.settings.retry_scale).round() as i64;
    } else {
        d.state = "gave_up".into();
    }
    tracing::debug!(id = d.id, event = %d.event_type, state = %d.state, attempts = d.attempts, "sandbox notification attempt");
    let store = sb.inner.store.clone();
    tokio::task::spawn_blocking(move || store.sandbox_write(|t| save(t, &d)))
        .await
        .expect("task")
}

/// Sends every delivery that is due now: groups in order, the members of a group at once.
pub async fn deliver_due(sb: &Sandbox) -> Result<usize, StoreError> {
    let _guard = sb.inner.deliver_lock.lock().await;
    let mut sent = 0;
    // Retries that come due at once (scale 0) are picked up by the next pass.
    for _ in 0..RETRY_SCHEDULE.len() + 1 {
        let now = sb.inner.clock.unix();
        let sb2 = sb.clone();
        let mut due: Vec<Delivery> = tokio::task::spawn_blocking(move || pending(&sb2))
            .await
            .expect("task")?
            .into_iter()
            .filter(|d| d.next_at <= now)
            .collect();
        if due.is_empty() {
            break;
        }
        due.sort_by_key(|d| (d.group, d.id));
        let mut i = 0;
        while i < due.len() {
            let g = due[i].group;
            let mut j = i;
            while j < due.len() && due[j].group == g {
                j += 1;
            }
            // Members of a group go out at the same moment.
            let handles: Vec<_> = due[i..j]
                .iter()
                .cloned()
                .map(|d| {
                    let sb = sb.clone();
                    tokio::spawn(async move { attempt(&sb, d).await })
                })
                .collect();
            for h in handles {
                h.await.expect("delivery task panicked")?;
            }
            sent += j - i;
            i = j;
        }
    }
    Ok(sent)
}

/// The delivery loop: runs due deliveries, then waits for the next due time, a kick, or
/// at most a second (the clock may be moved by tests).
pub async fn run(sb: &Sandbox, stop: impl std::future::Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        if let Err(e) = deliver_due(sb).await {
            tracing::error!(error = %e, "sandbox delivery failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = sb.inner.wake.notified() => {}
            _ = &mut stop => break,
        }
    }
}

// -- trade bill ----------------------------------------------------------------------

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
pub(crate) fn build_bill(sb: &Sandbox, date: &str) -> Result<Option<String>, StoreError> {
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
            "SUCCESS".into(),
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
            .sandbox_get(&format!("tx/{}", r.out_trade_no))?
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
            "REFUND".into(),
            "OTHERS".into(),
            r.currency.clone(),
            "0.00".into(),
            "0.00".into(),
            r.refund_id.clone(),
            r.out_refund_no.clone(),
            yuan(r.refund),
            "0.00".into(),
            "ORIGINAL".into(),
            r.status(sb.inner.clock.unix()).into(),
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
pub(crate) async fn trade_bill(
    sb: &Sandbox,
    req: &Request,
    serial: Option<&str>,
) -> Result<Resp, StoreError> {
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
        return Ok(super::pay::sign_response(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            body.to_string().into_bytes(),
        ));
    }
    let sb2 = sb.clone();
    let d2 = date.clone();
    let csv = tokio::task::spawn_blocking(move || build_bill(&sb2, &d2))
        .await
        .expect("task")?;
    let Some(csv) = csv else {
        let body = json!({"code": "NO_STATEMENT_EXIST", "message": "该日期无交易，账单不存在"});
        return Ok(super::pay::sign_response(
            sb,
            serial,
            StatusCode::BAD_REQUEST,
            body.to_string().into_bytes(),
        ));
    };
    let token = crate::id::random_token::<16>();
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
    Ok(super::pay::sign_response(
        sb,
        serial,
        StatusCode::OK,
        body.to_string().into_bytes(),
    ))
}

/// `GET /v3/billdownload/file?token=…`: the file itself, unsigned, as WeChat serves it.
pub(crate) async fn bill_file(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
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
