//! The payment flow of DESIGN §1 and §4: the JSAPI order behind each order (one, reused),
//! verified notifications applied exactly once, active queries, closing unpaid orders,
//! late payments, refunds, and reconciliation against WeChat's trade bill.
//!
//! Only a verified notification or a query answering SUCCESS marks an order paid; amount,
//! currency, appid and mchid must match; the paid transition, the notification record and
//! the payments index change in one durable write, and WeChat is answered only after it.

use crate::clock::Clock;
use crate::money::{Currency, Money};
use crate::order::{Order, OrderNo, OrderState, Payment, Refund, RefundStatus};
use crate::store::{Store, StoreError};
use crate::wechat::Clients;
use crate::wechat::notify::{Event, NotifyError, RefundNotice};
use crate::wechat::pay::{JsapiOrder, JsapiParams, PayError, RefundRequest, Transaction};
use hyper::HeaderMap;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Prepay ids live two hours; one is reused until ten minutes before that.
pub const PREPAY_REUSE_SECS: i64 = 2 * 3600 - 600;
/// After the JS `ok`, the result page waits this long for the notification before the
/// server asks WeChat itself.
pub const CONFIRM_QUERY_AFTER_SECS: i64 = 3;
/// At most one query per order this often (result page).
pub const QUERY_MIN_INTERVAL_SECS: i64 = 5;
/// The reconciler first asks about an unpaid order this long after its prepay.
pub const FIRST_QUERY_AFTER_SECS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("no such order")]
    NotFound,
    #[error("the order is {0:?} and cannot be paid")]
    NotPayable(OrderState),
    #[error("the order has expired")]
    Expired,
    #[error("nothing left to refund, or more than was paid")]
    RefundTooLarge,
    #[error("WeChat Pay: {0}")]
    WeChat(#[from] PayError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to answer WeChat for a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyAnswer {
    pub status: u16,
    /// `{"code":"FAIL","message":…}` for failures; none for success.
    pub body: Option<Value>,
}

impl NotifyAnswer {
    fn ok() -> NotifyAnswer {
        NotifyAnswer {
            status: 204,
            body: None,
        }
    }
    fn fail(status: u16, message: &str) -> NotifyAnswer {
        NotifyAnswer {
            status,
            body: Some(json!({ "code": "FAIL", "message": message })),
        }
    }
}

/// What applying a transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Paid,
    /// Paid after the order was closed; stock was re-reserved.
    LatePaid,
    /// Paid after the order was closed without stock; an automatic refund was queued.
    LateRefunding(String),
    Duplicate,
    Mismatch(String),
    NotPaid(String),
}

#[derive(Debug, Default)]
struct QueryState {
    first_confirm_at: Option<i64>,
    last_query_at: Option<i64>,
}

/// The difference report of one day's bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillReport {
    pub date: String,
    pub lines: usize,
    pub differences: Vec<String>,
}

#[derive(Clone)]
pub struct Payments {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    wechat: Arc<Clients>,
    clock: Clock,
    shop_name: String,
    currency: Currency,
    order_timeout: Duration,
    queries: Mutex<HashMap<String, QueryState>>,
    crash_before_commit: AtomicBool,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Payments")
    }
}

/// Simulated crash inside the notification write (test hook).
#[derive(Debug, thiserror::Error)]
#[error("simulated crash before commit")]
struct SimulatedCrash;

#[derive(Debug, thiserror::Error)]
enum ApplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crash(#[from] SimulatedCrash),
}

fn rfc3339_cst(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(crate::clock::CST))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_time(s: Option<&str>) -> Option<i64> {
    s.and_then(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    })
    .map(|t| t.unix_timestamp())
}

/// The order description WeChat shows in the shopper's bill: at most 127 bytes, no emoji.
pub fn description(shop: &str, order: &Order) -> String {
    let first = order
        .lines
        .first()
        .map(|l| l.product_name.as_str())
        .unwrap_or("");
    let more = if order.lines.len() > 1 {
        format!(" 等{}件", order.units())
    } else {
        String::new()
    };
    let full = crate::wechat::pay::strip_4byte(&format!("{shop}-{first}{more}"));
    let mut out = String::new();
    for c in full.chars() {
        if out.len() + c.len_utf8() > 127 {
            break;
        }
        out.push(c);
    }
    out
}

impl Payments {
    pub fn new(
        store: Store,
        wechat: Arc<Clients>,
        clock: Clock,
        shop_name: &str,
        currency: Currency,
        order_timeout: Duration,
    ) -> Payments {
        Payments {
            inner: Arc::new(Inner {
                store,
                wechat,
                clock,
                shop_name: shop_name.to_string(),
                currency,
                order_timeout,
                queries: Mutex::new(HashMap::new()),
                crash_before_commit: AtomicBool::new(false),
            }),
        }
    }

    /// Test hook: the next notification write aborts before committing, as a crash would.
    pub fn crash_next_commit(&self) {
        self.inner.crash_before_commit.store(true, Ordering::SeqCst);
    }

    fn now(&self) -> i64 {
        self.inner.clock.unix()
    }

    async fn load(&self, no: &OrderNo) -> Result<Order, PaymentError> {
        let no = no.clone();
        self.inner
            .store
            .call(move |s| s.order(&no))
            .await?
            .ok_or(PaymentError::NotFound)
    }

    fn expires_at(&self, order: &Order) -> i64 {
        order.created_at + self.inner.order_timeout.as_secs() as i64
    }

    /// The `getBrandWCPayRequest` parameters for an order: its one WeChat order, created
    /// on first use and reused while the prepay_id lives.
    pub async fn jsapi(&self, no: &OrderNo, openid: &str) -> Result<JsapiParams, PaymentError> {
        let order = self.load(no).await?;
        if order.state != OrderState::PendingPayment {
            return Err(PaymentError::NotPayable(order.state));
        }
        let now = self.now();
        if now >= self.expires_at(&order) {
            return Err(PaymentError::Expired);
        }
        let w = &self.inner.wechat;
        if let Some(a) = &order.attempt
            && a.openid == openid
            && now - a.prepay_at < PREPAY_REUSE_SECS
        {
            return Ok(w.pay.jsapi_params(&a.prepay_id).await);
        }
        let jsapi = JsapiOrder {
            description: description(&self.inner.shop_name, &order),
            out_trade_no: order.no.to_string(),
            time_expire: Some(rfc3339_cst(self.expires_at(&order))),
            attach: None,
            notify_url: w.notify_url.clone(),
            total: order.total.minor(),
            currency: order.currency.code().to_string(),
            openid: openid.to_string(),
        };
        let prepay_id = w.pay.jsapi_prepay(&jsapi).await?;
        let openid = openid.to_string();
        let pid = prepay_id.clone();
        let no2 = no.clone();
        self.inner
            .store
            .update_order_grouped(no2, now, move |o, _| -> Result<(), StoreError> {
                let fresh = o.attempt.as_ref().is_none_or(|a| a.prepay_id != pid);
                let queries = o.attempt.as_ref().map(|a| a.queries).unwrap_or(0);
                o.attempt = Some(crate::order::PaymentAttempt {
                    prepay_id: pid.clone(),
                    prepay_at: now,
                    openid,
                    next_query_at: now + FIRST_QUERY_AFTER_SECS,
                    queries,
                });
                if fresh {
                    o.note(now, "prepay", json!({ "prepay_id": pid }));
                }
                Ok(())
            })
            .await?;
        Ok(w.pay.jsapi_params(&prepay_id).await)
    }

    /// Applies a transaction WeChat vouched for (a verified notification or a query) in
    /// one durable write. `record` is the raw and decoded notification, if one carried it.
    async fn apply(
        &self,
        no: &OrderNo,
        tx: Transaction,
        source: &'static str,
        record: Option<(String, Value)>,
    ) -> Result<Option<Applied>, ApplyError> {
        let w = self.inner.wechat.clone();
        let now = self.now();
        let crash = self.inner.crash_before_commit.swap(false, Ordering::SeqCst);
        let no2 = no.clone();
        // Group commit: notifications arriving together share one durable write.
        let r = self
            .inner
            .store
            .update_order_grouped(no2, now, move |o, t| -> Result<Applied, ApplyError> {
                    let txid = tx.transaction_id.clone().unwrap_or_default();
                    let detail = json!({
                        "source": source,
                        "transaction_id": txid,
                        "trade_state": tx.trade_state,
                        "notification": record.as_ref().map(|(id, _)| id.clone()),
                    });
                    if let Some((id, raw)) = &record
                        && !t.record_notification(id, raw)?
                    {
                        return Ok(Applied::Duplicate);
                    }
                    if tx.trade_state != "SUCCESS" {
                        o.note(now, &format!("{source}_{}", tx.trade_state.to_ascii_lowercase()), detail);
                        return Ok(Applied::NotPaid(tx.trade_state.clone()));
                    }
                    if txid.is_empty() {
                        return Ok(Applied::Mismatch("no transaction_id".into()));
                    }
                    if t.payment_of(&txid)?.is_some() {
                        return Ok(Applied::Duplicate);
                    }
                    let amount = tx.amount.clone().unwrap_or_default();
                    let mut problems = w.pay.identity_problems(&tx);
                    if tx.out_trade_no != o.no.as_str() {
                        problems.push(format!("out_trade_no {}", tx.out_trade_no));
                    }
                    if amount.total != Some(o.total.minor()) {
                        problems.push(format!("amount {:?} ≠ order total {}", amount.total, o.total.minor()));
                    }
                    if amount.currency.as_deref().unwrap_or("CNY") != o.currency.code() {
                        problems.push(format!("currency {:?} ≠ {}", amount.currency, o.currency.code()));
                    }
                    if !problems.is_empty() {
                        let msg = format!("payment {txid} for order {} does not match: {}", o.no, problems.join("; "));
                        t.alert("amount_mismatch", Some(&o.no), msg.clone())?;
                        o.note(now, "payment_mismatch", json!({ "problems": problems, "transaction_id": txid, "source": source }));
                        return Ok(Applied::Mismatch(msg));
                    }
                    let payment = Payment {
                        transaction_id: txid.clone(),
                        amount: Money(amount.total.unwrap_or(0)),
                        paid_at: parse_time(tx.success_time.as_deref()).unwrap_or(now),
                        source: source.to_string(),
                        payer_total: amount.payer_total,
                        payer_currency: amount.payer_currency.clone(),
                        exchange_rate: amount.exchange_rate.clone(),
                    };
                    let outcome = match o.state {
                        OrderState::PendingPayment => {
                            o.payment = Some(payment);
                            t.record_payment(&txid, &o.no)?;
                            o.transition(OrderState::Paid, now, detail).expect("pending → paid is legal");
                            Applied::Paid
                        }
                        OrderState::Closed => {
                            o.payment = Some(payment);
                            t.record_payment(&txid, &o.no)?;
                            if t.reserve(&o.lines)? {
                                o.transition(OrderState::Paid, now, detail).expect("closed → paid is legal");
                                t.alert("late_payment", Some(&o.no), format!("order {} was paid after it closed; stock was reserved again and it is ready to ship", o.no))?;
                                Applied::LatePaid
                            } else {
                                let out_refund_no = format!("{}L", o.no);
                                o.refunds.push(Refund {
                                    out_refund_no: out_refund_no.clone(),
                                    amount: o.total,
                                    reason: "订单已关闭且库存不足，自动退款".into(),
                                    status: RefundStatus::Requested,
                                    created_at: now,
                                    settled_at: None,
                                    refund_id: None,
                                    automatic: true,
                                    last_error: None,
                                });
                                t.index_refund(&out_refund_no, &o.no)?;
                                o.note(now, "late_payment", detail);
                                t.alert("late_payment", Some(&o.no), format!("order {} was paid after it closed and the stock is gone; the payment is refunded automatically", o.no))?;
                                Applied::LateRefunding(out_refund_no)
                            }
                        }
                        _ => {
                            t.alert("double_payment", Some(&o.no), format!("a second payment {txid} arrived for order {}", o.no))?;
                            Applied::Mismatch("order already paid".into())
                        }
                    };
                    if crash {
                        return Err(SimulatedCrash.into());
                    }
                    Ok(outcome)
            })
            .await?;
        if let Some(Applied::LateRefunding(out_refund_no)) = &r
            && let Err(e) = self.submit_refund(no, out_refund_no).await
        {
            tracing::warn!(error = %e, order = %no, "automatic refund not yet accepted; will retry");
        }
        Ok(r)
    }

    /// `POST /wechat/notify/pay`: verify, decrypt, apply, and only then answer.
    pub async fn on_pay_notification(&self, headers: &HeaderMap, body: &[u8]) -> NotifyAnswer {
        let w = &self.inner.wechat;
        let n = match w.pay.parse_notification(headers, body).await {
            Ok(n) => n,
            Err(NotifyError::Verify(e)) => {
                tracing::warn!(error = %e, "payment notification refused");
                return NotifyAnswer::fail(401, &format!("签名验证失败: {e}"));
            }
            Err(e) => {
                tracing::error!(error = %e, "payment notification could not be decrypted");
                let _ = self.inner.store.alert(
                    "wechat_config",
                    None,
                    format!(
                        "a signed payment notification could not be read: {e} (check the APIv3 key)"
                    ),
                    self.now(),
                );
                return NotifyAnswer::fail(500, "解密失败");
            }
        };
        let Event::TransactionSuccess(tx) = n.event.clone() else {
            tracing::info!(event = %n.event_type, "notification ignored");
            return NotifyAnswer::ok();
        };
        let record = json!({
            "id": n.id,
            "event_type": n.event_type,
            "create_time": n.create_time,
            "received_at": self.now(),
            "raw": String::from_utf8_lossy(body),
            "decoded": serde_json::from_str::<Value>(&n.plaintext).unwrap_or(Value::Null),
        });
        let Some(no) = OrderNo::parse(&tx.out_trade_no) else {
            return self.stray(&n.id, &record, &tx.out_trade_no).await;
        };
        match self
            .apply(
                &no,
                (*tx).clone(),
                "notification",
                Some((n.id.clone(), record.clone())),
            )
            .await
        {
            Ok(Some(outcome)) => {
                tracing::info!(order = %no, ?outcome, "payment notification applied");
                NotifyAnswer::ok()
            }
            Ok(None) => self.stray(&n.id, &record, &tx.out_trade_no).await,
            Err(e) => {
                tracing::error!(error = %e, order = %no, "payment notification not stored; WeChat will retry");
                NotifyAnswer::fail(500, "暂时无法处理")
            }
        }
    }

    async fn stray(&self, id: &str, record: &Value, out_trade_no: &str) -> NotifyAnswer {
        let (id, record) = (id.to_string(), record.clone());
        let msg = format!("WeChat reported a payment for unknown order {out_trade_no}");
        let now = self.now();
        match self
            .inner
            .store
            .call(move |s| s.record_stray_notification(&id, &record, now, msg))
            .await
        {
            Ok(()) => NotifyAnswer::ok(),
            Err(_) => NotifyAnswer::fail(500, "暂时无法处理"),
        }
    }

    /// Asks WeChat about an order and applies what it says.
    pub async fn query_and_apply(&self, no: &OrderNo) -> Result<Option<Applied>, PaymentError> {
        let tx = match self
            .inner
            .wechat
            .pay
            .query_by_out_trade_no(no.as_str())
            .await
        {
            Ok(tx) => tx,
            Err(e) if e.code() == Some("ORDER_NOT_EXIST") => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        match self.apply(no, tx, "query", None).await {
            Ok(r) => Ok(r),
            Err(ApplyError::Store(e)) => Err(e.into()),
            Err(ApplyError::Crash(_)) => Ok(None),
        }
    }

    /// The result page's poll: the order's state, after asking WeChat itself when the
    /// notification is late (a few seconds after the first poll; at most every 5 s).
    pub async fn confirm(&self, no: &OrderNo) -> Result<OrderState, PaymentError> {
        let order = self.load(no).await?;
        if order.state != OrderState::PendingPayment || order.attempt.is_none() {
            return Ok(order.state);
        }
        let now = self.now();
        let ask = {
            let mut q = self.inner.queries.lock().expect("query lock");
            let st = q.entry(no.to_string()).or_default();
            let first = *st.first_confirm_at.get_or_insert(now);
            let due = now - first >= CONFIRM_QUERY_AFTER_SECS
                && st
                    .last_query_at
                    .is_none_or(|t| now - t >= QUERY_MIN_INTERVAL_SECS);
            if due {
                st.last_query_at = Some(now);
            }
            due
        };
        if ask && let Err(e) = self.query_and_apply(no).await {
            tracing::warn!(error = %e, order = %no, "confirming query failed");
        }
        Ok(self.load(no).await?.state)
    }

    /// Closes orders unpaid past the timeout: at WeChat first, then stock is released.
    pub async fn close_expired(&self) -> Result<usize, PaymentError> {
        let now = self.now();
        let open = self.inner.store.call(|s| s.open_orders()).await?;
        let mut closed = 0;
        for no in open {
            let order = self.load(&no).await?;
            if order.state != OrderState::PendingPayment || now < self.expires_at(&order) {
                continue;
            }
            if order.attempt.is_some() {
                match self.inner.wechat.pay.close(no.as_str()).await {
                    Ok(()) => {}
                    Err(e) if e.code() == Some("ORDER_NOT_EXIST") => {}
                    Err(e) if e.code() == Some("ORDERPAID") => {
                        self.query_and_apply(&no).await?;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, order = %no, "closing at WeChat failed; will retry");
                        continue;
                    }
                }
            }
            let no2 = no.clone();
            let done = self
                .inner
                .store
                .call(move |s| {
                    s.update_order(&no2, now, |o, t| -> Result<bool, StoreError> {
                        if o.state != OrderState::PendingPayment {
                            return Ok(false);
                        }
                        t.release(&o.lines)?;
                        o.transition(OrderState::Closed, now, json!({ "reason": "timeout" }))
                            .expect("pending → closed is legal");
                        Ok(true)
                    })
                })
                .await?;
            if done == Some(true) {
                closed += 1;
                tracing::info!(order = %no, "unpaid order closed");
            }
        }
        Ok(closed)
    }

    /// Queries orders still unpaid a minute after their prepay, then on a backoff.
    pub async fn reconcile_pending(&self) -> Result<usize, PaymentError> {
        let now = self.now();
        let open = self.inner.store.call(|s| s.open_orders()).await?;
        let mut asked = 0;
        for no in open {
            let order = self.load(&no).await?;
            let Some(a) = &order.attempt else { continue };
            if order.state != OrderState::PendingPayment || now < a.next_query_at {
                continue;
            }
            asked += 1;
            if let Err(e) = self.query_and_apply(&no).await {
                tracing::warn!(error = %e, order = %no, "reconciling query failed");
            }
            let no2 = no.clone();
            self.inner
                .store
                .call(move |s| {
                    s.update_order(&no2, now, |o, _| -> Result<(), StoreError> {
                        if let Some(a) = o.attempt.as_mut() {
                            a.queries += 1;
                            let backoff = (FIRST_QUERY_AFTER_SECS << a.queries.min(4)).min(600);
                            a.next_query_at = now + backoff;
                        }
                        Ok(())
                    })
                })
                .await?;
        }
        Ok(asked)
    }

    // -- refunds -------------------------------------------------------------------------

    /// Asks for a refund of `amount` (the sum of refunds never exceeds what was paid).
    pub async fn refund(
        &self,
        no: &OrderNo,
        amount: Money,
        reason: &str,
    ) -> Result<Refund, PaymentError> {
        let now = self.now();
        let reason = reason.trim().chars().take(40).collect::<String>();
        let no2 = no.clone();
        let created = self
            .inner
            .store
            .call(move |s| {
                s.update_order(&no2, now, |o, t| -> Result<Option<String>, StoreError> {
                    if amount <= Money::ZERO || amount > o.refundable() {
                        return Ok(None);
                    }
                    let out_refund_no = format!("{}R{}", o.no, o.refunds.len() + 1);
                    o.refunds.push(Refund {
                        out_refund_no: out_refund_no.clone(),
                        amount,
                        reason: reason.clone(),
                        status: RefundStatus::Requested,
                        created_at: now,
                        settled_at: None,
                        refund_id: None,
                        automatic: false,
                        last_error: None,
                    });
                    t.index_refund(&out_refund_no, &o.no)?;
                    o.note(now, "refund_requested", json!({ "out_refund_no": out_refund_no, "amount": amount.minor(), "reason": reason }));
                    Ok(Some(out_refund_no))
                })
            })
            .await?
            .ok_or(PaymentError::NotFound)?
            .ok_or(PaymentError::RefundTooLarge)?;
        if let Err(e) = self.submit_refund(no, &created).await {
            tracing::warn!(error = %e, order = %no, "refund not yet accepted by WeChat; will retry");
        }
        let order = self.load(no).await?;
        Ok(order
            .refunds
            .into_iter()
            .find(|r| r.out_refund_no == created)
            .expect("refund just created"))
    }

    /// Sends (or re-sends, with the same out_refund_no) a requested refund to WeChat.
    async fn submit_refund(&self, no: &OrderNo, out_refund_no: &str) -> Result<(), PaymentError> {
        let order = self.load(no).await?;
        let Some(r) = order
            .refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
        else {
            return Ok(());
        };
        let req = RefundRequest {
            out_trade_no: order.no.to_string(),
            out_refund_no: out_refund_no.to_string(),
            reason: (!r.reason.is_empty()).then(|| r.reason.clone()),
            notify_url: Some(self.inner.wechat.refund_notify_url.clone()),
            refund: r.amount.minor(),
            total: order
                .payment
                .as_ref()
                .map(|p| p.amount.minor())
                .unwrap_or(order.total.minor()),
            currency: order.currency.code().to_string(),
        };
        let result = self.inner.wechat.pay.refund(&req).await;
        let now = self.now();
        let (no2, rno) = (no.clone(), out_refund_no.to_string());
        let outcome = match &result {
            Ok(w) => Ok((w.status.clone(), w.refund_id.clone())),
            Err(e) => Err(e.to_string()),
        };
        self.inner
            .store
            .call(move |s| {
                s.update_order(&no2, now, |o, t| -> Result<(), StoreError> {
                    apply_refund_status(o, t, &rno, outcome, now)
                })
            })
            .await?;
        result.map(|_| ()).map_err(PaymentError::from)
    }

    /// Re-sends refunds WeChat has not accepted and asks about those still processing.
    pub async fn retry_refunds(&self) -> Result<usize, PaymentError> {
        let orders = self.inner.store.call(|s| s.all_orders()).await?;
        let now = self.now();
        let mut n = 0;
        for o in orders {
            for r in o.refunds.iter().filter(|r| !r.status.settled()) {
                n += 1;
                match r.status {
                    RefundStatus::Requested => {
                        let _ = self.submit_refund(&o.no, &r.out_refund_no).await;
                    }
                    _ if now - r.created_at >= 60 => {
                        if let Ok(w) = self.inner.wechat.pay.refund_query(&r.out_refund_no).await {
                            let (no2, rno) = (o.no.clone(), r.out_refund_no.clone());
                            self.inner
                                .store
                                .call(move |s| {
                                    s.update_order(&no2, now, |o, t| -> Result<(), StoreError> {
                                        apply_refund_status(
                                            o,
                                            t,
                                            &rno,
                                            Ok((w.status, w.refund_id)),
                                            now,
                                        )
                                    })
                                })
                                .await?;
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(n)
    }

    /// `POST /wechat/notify/refund`: verified and applied like payment notifications.
    pub async fn on_refund_notification(&self, headers: &HeaderMap, body: &[u8]) -> NotifyAnswer {
        let n = match self
            .inner
            .wechat
            .pay
            .parse_notification(headers, body)
            .await
        {
            Ok(n) => n,
            Err(NotifyError::Verify(e)) => {
                return NotifyAnswer::fail(401, &format!("签名验证失败: {e}"));
            }
            Err(e) => {
                tracing::error!(error = %e, "refund notification could not be decrypted");
                return NotifyAnswer::fail(500, "解密失败");
            }
        };
        let Event::Refund(notice) = n.event.clone() else {
            return NotifyAnswer::ok();
        };
        let record = json!({
            "id": n.id, "event_type": n.event_type, "received_at": self.now(),
            "raw": String::from_utf8_lossy(body),
            "decoded": serde_json::from_str::<Value>(&n.plaintext).unwrap_or(Value::Null),
        });
        match self.apply_refund_notice(&n.id, *notice, record).await {
            Ok(()) => NotifyAnswer::ok(),
            Err(e) => {
                tracing::error!(error = %e, "refund notification not stored; WeChat will retry");
                NotifyAnswer::fail(500, "暂时无法处理")
            }
        }
    }

    async fn apply_refund_notice(
        &self,
        id: &str,
        notice: RefundNotice,
        record: Value,
    ) -> Result<(), StoreError> {
        let rno = notice.out_refund_no.clone();
        let Some(no) = self.inner.store.call(move |s| s.refund_order(&rno)).await? else {
            let id = id.to_string();
            let msg = format!(
                "WeChat reported refund {} for no known order",
                notice.out_refund_no
            );
            let now = self.now();
            return self
                .inner
                .store
                .call(move |s| s.record_stray_notification(&id, &record, now, msg))
                .await;
        };
        let now = self.now();
        let id = id.to_string();
        self.inner
            .store
            .call(move |s| {
                s.update_order(&no, now, |o, t| -> Result<(), StoreError> {
                    if !t.record_notification(&id, &record)? {
                        return Ok(());
                    }
                    apply_refund_status(
                        o,
                        t,
                        &notice.out_refund_no,
                        Ok((notice.refund_status.clone(), notice.refund_id.clone())),
                        now,
                    )
                })
            })
            .await?;
        Ok(())
    }

    // -- reconciliation --------------------------------------------------------------------

    /// Downloads a day's trade bill and compares every line with the store; each
    /// difference becomes a merchant alert.
    pub async fn reconcile_bill(&self, date: &str) -> Result<BillReport, PaymentError> {
        let csv = match self.inner.wechat.pay.trade_bill(date).await {
            Ok(c) => c,
            Err(e) if e.code() == Some("NO_STATEMENT_EXIST") => String::new(),
            Err(e) => return Err(e.into()),
        };
        let orders = self.inner.store.call(|s| s.all_orders()).await?;
        let report = compare_bill(date, &csv, &orders, self.inner.currency);
        let now = self.now();
        for d in &report.differences {
            let (msg, order) = (format!("{date}: {d}"), None);
            self.inner
                .store
                .call(move |s| s.alert("bill_difference", order, msg, now))
                .await?;
        }
        Ok(report)
    }

    pub fn wechat(&self) -> &Clients {
        &self.inner.wechat
    }
}

fn apply_refund_status(
    o: &mut Order,
    t: &mut crate::store::OrderTxn<'_>,
    out_refund_no: &str,
    outcome: Result<(String, Option<String>), String>,
    now: i64,
) -> Result<(), StoreError> {
    let no = o.no.clone();
    let Some(r) = o
        .refunds
        .iter_mut()
        .find(|r| r.out_refund_no == out_refund_no)
    else {
        return Ok(());
    };
    let before = r.status;
    match outcome {
        Err(e) => r.last_error = Some(e),
        Ok((status, refund_id)) => {
            r.last_error = None;
            if refund_id.is_some() {
                r.refund_id = refund_id;
            }
            r.status = match status.as_str() {
                "SUCCESS" => RefundStatus::Success,
                "CLOSED" => RefundStatus::Closed,
                "ABNORMAL" => RefundStatus::Abnormal,
                _ => RefundStatus::Processing,
            };
            if r.status.settled() && r.settled_at.is_none() {
                r.settled_at = Some(now);
            }
        }
    }
    let after = r.status;
    let amount = r.amount;
    if before != after {
        o.note(
            now,
            &format!("refund_{}", format!("{after:?}").to_ascii_lowercase()),
            json!({ "out_refund_no": out_refund_no, "amount": amount.minor() }),
        );
        if matches!(after, RefundStatus::Closed | RefundStatus::Abnormal) {
            t.alert("refund_failed", Some(&no), format!("refund {out_refund_no} of order {no} is {after:?}; handle it in the WeChat Pay merchant platform"))?;
        }
    }
    // Fully refunded: the order's state says so.
    let paid = o.payment.as_ref().map(|p| p.amount).unwrap_or(Money::ZERO);
    let settled: i64 = o
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Success)
        .map(|r| r.amount.minor())
        .sum();
    if paid > Money::ZERO && settled >= paid.minor() && o.state != OrderState::Refunded {
        let _ = o.transition(OrderState::Refunded, now, json!({ "refunded": settled }));
    }
    Ok(())
}

fn parse_yuan(s: &str, currency: Currency) -> Option<Money> {
    Money::parse_decimal(s, currency)
}

/// Compares a trade bill (WeChat's CSV) with the orders; pure, for tests and the job.
pub fn compare_bill(date: &str, csv: &str, orders: &[Order], currency: Currency) -> BillReport {
    let mut report = BillReport {
        date: date.to_string(),
        ..BillReport::default()
    };
    let by_no: HashMap<&str, &Order> = orders.iter().map(|o| (o.no.as_str(), o)).collect();
    let mut seen_paid = std::collections::HashSet::new();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (c_no, c_tx, c_state, c_total, c_refund_no, c_refund) = (
        col("商户订单号"),
        col("微信订单号"),
        col("交易状态"),
        col("应结订单金额"),
        col("商户退款单号"),
        col("退款金额"),
    );
    for line in lines {
        if line.starts_with("总交易单数") {
            break;
        }
        let f: Vec<String> = line
            .split(',')
            .map(|x| x.trim().trim_start_matches('`').to_string())
            .collect();
        let get = |c: Option<usize>| c.and_then(|i| f.get(i)).cloned().unwrap_or_default();
        report.lines += 1;
        let (no, txid, state) = (get(c_no), get(c_tx), get(c_state));
        match state.as_str() {
            "SUCCESS" => {
                seen_paid.insert(no.clone());
                let Some(o) = by_no.get(no.as_str()) else {
                    report.differences.push(format!(
                        "WeChat has payment {txid} for order {no}, which the shop does not know"
                    ));
                    continue;
                };
                let total = parse_yuan(&get(c_total), currency);
                match &o.payment {
                    None => report.differences.push(format!(
                        "order {no} was paid at WeChat ({txid}) but the shop shows it {}",
                        o.state.as_str()
                    )),
                    Some(p) if p.transaction_id != txid => report.differences.push(format!(
                        "order {no}: transaction {txid} at WeChat, {} in the shop",
                        p.transaction_id
                    )),
                    Some(p) if Some(p.amount) != total => report.differences.push(format!(
                        "order {no}: {} at WeChat, {} in the shop",
                        get(c_total),
                        p.amount.decimal(currency)
                    )),
                    Some(_) => {}
                }
            }
            "REFUND" => {
                let rno = get(c_refund_no);
                let amount = parse_yuan(&get(c_refund), currency);
                let found = by_no
                    .get(no.as_str())
                    .and_then(|o| o.refunds.iter().find(|r| r.out_refund_no == rno));
                match found {
                    None => report.differences.push(format!(
                        "WeChat has refund {rno} of order {no}, which the shop does not know"
                    )),
                    Some(r) if Some(r.amount) != amount => report.differences.push(format!(
                        "refund {rno}: {} at WeChat, {} in the shop",
                        get(c_refund),
                        r.amount.decimal(currency)
                    )),
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    for o in orders {
        if let Some(p) = &o.payment
            && rfc3339_cst(p.paid_at).get(..10) == Some(date)
            && !seen_paid.contains(o.no.as_str())
        {
            report.differences.push(format!(
                "order {} is paid in the shop ({}) but missing from WeChat's bill",
                o.no, p.transaction_id
            ));
        }
    }
    report
}
