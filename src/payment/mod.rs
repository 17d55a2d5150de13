//! The payment flow of DESIGN §1 and §4: the WeChat orders behind each order (one JSAPI and
//! one Native attempt at most, each reused while it lives; `native`),
//! verified notifications applied exactly once, active queries, closing unpaid orders,
//! late payments, refunds, and reconciliation against WeChat's trade bill.
//!
//! Only a verified notification or a query answering SUCCESS marks an order paid; amount,
//! currency, appid and mchid must match; the paid transition, the notification record and
//! the payments index change in one durable write, and WeChat is answered only after it.

use crate::clock::Clock;
use crate::money::Currency;
use crate::order::{AttemptKind, CloseReason, IllegalTransition, Order, OrderNo, OrderState};

mod bill;
mod native;
mod notify;
mod refund;

pub use crate::order::Applied;
use crate::store::{Store, StoreError};
use crate::wechat::Clients;
use crate::wechat::pay::{JsapiOrder, JsapiParams, PayError};
pub use bill::{BillReport, compare_bill};
pub use refund::refund_error;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
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
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
}

/// What to answer WeChat for a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyAnswer {
    pub status: u16,
    /// `{"code":"FAIL","message":…}` for failures; none for success.
    pub body: Option<Value>,
}

impl NotifyAnswer {
    pub(crate) fn ok() -> NotifyAnswer {
        NotifyAnswer {
            status: 204,
            body: None,
        }
    }
    pub(crate) fn fail(status: u16, message: &str) -> NotifyAnswer {
        NotifyAnswer {
            status,
            body: Some(json!({ "code": "FAIL", "message": message })),
        }
    }
}

#[derive(Debug, Default)]
struct QueryState {
    first_confirm_at: Option<i64>,
    last_query_at: Option<i64>,
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
    /// Work started after answering WeChat (the automatic refund of a late payment).
    background: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Payments")
    }
}

pub(crate) use crate::clock::rfc3339_cst;

pub(crate) fn parse_time(s: Option<&str>) -> Option<i64> {
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
                background: Mutex::default(),
            }),
        }
    }

    /// Runs `work` after the current answer, in the background; `idle` waits for it.
    pub(crate) fn in_background(&self, work: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.inner.background.lock().expect("background lock");
        tasks.retain(|t| !t.is_finished());
        tasks.push(tokio::spawn(work));
    }

    /// Waits until the background work started so far is done (for shutdown and tests).
    pub async fn idle(&self) {
        loop {
            let tasks =
                std::mem::take(&mut *self.inner.background.lock().expect("background lock"));
            if tasks.is_empty() {
                return;
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.unix()
    }

    pub(crate) async fn load(&self, no: &OrderNo) -> Result<Order, PaymentError> {
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

    /// The `getBrandWCPayRequest` parameters for an order: its one JSAPI WeChat order, created
    /// on first use and reused while the prepay_id lives. `order` is as the caller just read
    /// it (the cashier reads it to check whose it is), so it is not read twice.
    pub async fn jsapi(&self, order: Order, openid: &str) -> Result<JsapiParams, PaymentError> {
        if order.state != OrderState::PendingPayment {
            return Err(PaymentError::NotPayable(order.state));
        }
        let now = self.now();
        if now >= self.expires_at(&order) {
            return Err(PaymentError::Expired);
        }
        let w = &self.inner.wechat;
        if let Some(a) = order.jsapi_attempt()
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
        let no2 = order.no.clone();
        self.inner
            .store
            .update_order_grouped(no2, now, move |o, _| -> Result<(), StoreError> {
                let out_trade_no = o.no.to_string();
                o.record_attempt(
                    AttemptKind::Jsapi,
                    &out_trade_no,
                    &pid,
                    &openid,
                    now,
                    now + FIRST_QUERY_AFTER_SECS,
                );
                Ok(())
            })
            .await?;
        Ok(w.pay.jsapi_params(&prepay_id).await)
    }

    /// The result page's poll: the order's state, after asking WeChat itself when the
    /// notification is late (a few seconds after the first poll; at most every 5 s).
    pub async fn confirm(&self, no: &OrderNo) -> Result<OrderState, PaymentError> {
        self.confirm_with(no, false).await
    }

    /// The payment sheet answered `fail`, which may still hide a payment (a network
    /// glitch after paying): ask WeChat at once (still at most every 5 s per order).
    pub async fn confirm_after_fail(&self, no: &OrderNo) -> Result<OrderState, PaymentError> {
        self.confirm_with(no, true).await
    }

    async fn confirm_with(&self, no: &OrderNo, at_once: bool) -> Result<OrderState, PaymentError> {
        let order = self.load(no).await?;
        if order.state != OrderState::PendingPayment || order.attempts.is_empty() {
            return Ok(order.state);
        }
        let now = self.now();
        let ask = {
            let mut q = self.inner.queries.lock().expect("query lock");
            let st = q.entry(no.to_string()).or_default();
            let first = *st.first_confirm_at.get_or_insert(now);
            let due = (at_once || now - first >= CONFIRM_QUERY_AFTER_SECS)
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
            // A disputed order waits for the owner: WeChat holds a payment for it.
            if order.state != OrderState::PendingPayment
                || now < self.expires_at(&order)
                || order.dispute.is_some()
            {
                continue;
            }
            // Every attempt is closed at WeChat first; one that was paid is applied instead.
            let mut all_closed = true;
            for out_trade_no in order.out_trade_nos() {
                match self.inner.wechat.pay.close(&out_trade_no).await {
                    Ok(()) => {}
                    Err(e) if e.code() == Some("ORDER_NOT_EXIST") => {}
                    Err(e) if e.code() == Some("ORDERPAID") => {
                        self.query_and_apply(&no).await?;
                        all_closed = false;
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, order = %no, out_trade_no, "closing at WeChat failed; will retry");
                        all_closed = false;
                    }
                }
            }
            if !all_closed {
                continue;
            }
            let no2 = no.clone();
            let done = self
                .inner
                .store
                .call(move |s| {
                    s.update_order(&no2, now, |o, t| -> Result<bool, PaymentError> {
                        if o.state != OrderState::PendingPayment {
                            return Ok(false);
                        }
                        o.close(now, CloseReason::Timeout)?;
                        t.release(&o.lines)?;
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

    /// Queries the attempts of orders still unpaid a minute after their prepay, then on a
    /// backoff, each attempt on its own.
    pub async fn reconcile_pending(&self) -> Result<usize, PaymentError> {
        let now = self.now();
        let open = self.inner.store.call(|s| s.open_orders()).await?;
        let mut asked = 0;
        for no in open {
            let order = self.load(&no).await?;
            if order.state != OrderState::PendingPayment || order.dispute.is_some() {
                continue;
            }
            let due: Vec<String> = order
                .attempts
                .iter()
                .filter(|a| now >= a.next_query_at)
                .map(|a| a.out_trade_no(&order.no).to_string())
                .collect();
            for out_trade_no in due {
                asked += 1;
                if let Err(e) = self.query_attempt_and_apply(&no, &out_trade_no).await {
                    tracing::warn!(error = %e, order = %no, out_trade_no, "reconciling query failed");
                }
                let no2 = no.clone();
                self.inner
                    .store
                    .call(move |s| {
                        s.update_order(&no2, now, |o, _| -> Result<(), StoreError> {
                            let order_no = o.no.clone();
                            if let Some(a) = o
                                .attempts
                                .iter_mut()
                                .find(|a| a.out_trade_no(&order_no) == out_trade_no)
                            {
                                a.queries += 1;
                                let backoff = (FIRST_QUERY_AFTER_SECS << a.queries.min(4)).min(600);
                                a.next_query_at = now + backoff;
                            }
                            Ok(())
                        })
                    })
                    .await?;
            }
        }
        Ok(asked)
    }

    pub fn wechat(&self) -> &Clients {
        &self.inner.wechat
    }
}
