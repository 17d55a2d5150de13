//! Refunds: asked for by the owner (or automatically for a late payment without stock),
//! sent to WeChat with a stable out_refund_no, re-sent until accepted, queried while
//! processing, and settled by WeChat's verified refund notification. The sum of refunds
//! never exceeds what was paid (`Order::request_refund`).

use super::{NotifyAnswer, PaymentError, Payments};
use crate::alert::AlertKind;
use crate::audit::{Action, Entry};
use crate::money::Money;
use crate::order::{Order, OrderNo, Refund, RefundError, RefundOutcome, RefundStatus};
use crate::store::OrderTxn;
use crate::wechat::notify::{Event, NotifyError, RefundNotice};
use crate::wechat::pay::{PayError, RefundRequest};
use hyper::HeaderMap;
use serde_json::{Value, json};

/// Records WeChat's word on a refund and raises the alert it calls for, in one write.
fn settle(
    o: &mut Order,
    t: &mut OrderTxn<'_>,
    out_refund_no: &str,
    outcome: RefundOutcome,
    now: i64,
) -> Result<(), PaymentError> {
    if let Some((kind, msg)) = o.settle_refund(out_refund_no, outcome, now)? {
        t.alert(kind, Some(&o.no), msg)?;
    }
    Ok(())
}

/// How a failed refund call counts: parameter errors and other 4xx cannot succeed by
/// repeating (final); network trouble, timeouts, 5xx, rate limits and an empty balance can.
pub fn refund_error(e: &PayError) -> RefundOutcome {
    let transient_codes = [
        "NOT_ENOUGH",
        "FREQUENCY_LIMITED",
        "RATELIMIT_EXCEEDED",
        "SYSTEM_ERROR",
    ];
    match e {
        PayError::Invalid { .. } => RefundOutcome::Refused(e.to_string()),
        PayError::Api { status, code, .. }
            if (400..500).contains(status)
                && *status != 429
                && !transient_codes.contains(&code.as_str()) =>
        {
            RefundOutcome::Refused(e.to_string())
        }
        _ => RefundOutcome::Transient(e.to_string()),
    }
}

/// How a verified refund notification differs from the refund the shop asked for.
fn refund_notice_problems(o: &Order, n: &RefundNotice, mchid: &str) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(m) = n.mchid.as_deref().filter(|m| !m.is_empty())
        && m != mchid
    {
        v.push(format!("mchid {m}"));
    }
    match o
        .refunds
        .iter()
        .find(|r| r.out_refund_no == n.out_refund_no)
    {
        None => v.push(format!("no refund {}", n.out_refund_no)),
        Some(r) => {
            // The attempt it refunds: its own out_trade_no (a second payment), else the
            // order's.
            let expected = r.out_trade_no.as_deref().unwrap_or(o.no.as_str());
            if let Some(no) = &n.out_trade_no
                && no != expected
            {
                v.push(format!("out_trade_no {no}"));
            }
            if let Some(amount) = n.amount.as_ref().and_then(|a| a.refund)
                && amount != r.amount.minor()
            {
                v.push(format!("amount {amount} ≠ {}", r.amount.minor()));
            }
        }
    }
    v
}

impl Payments {
    /// Asks for a refund of `amount` (the sum of refunds never exceeds what was paid).
    pub async fn refund(
        &self,
        no: &OrderNo,
        amount: Money,
        reason: &str,
    ) -> Result<Refund, PaymentError> {
        self.refund_by(no, amount, reason, None).await
    }

    /// `refund` asked for by back-office member `by`: the audit entry is written in the
    /// transaction that records the refund (none when it is refused).
    pub async fn refund_by(
        &self,
        no: &OrderNo,
        amount: Money,
        reason: &str,
        by: Option<&str>,
    ) -> Result<Refund, PaymentError> {
        let now = self.now();
        let audit = by.map(|by| {
            let action = Action::Refunded {
                amount: amount.minor(),
                reason: reason.to_string(),
            };
            Entry::new(now, by, action).order(no.as_str())
        });
        let reason = reason.to_string();
        let no2 = no.clone();
        let created = self
            .inner
            .store
            .call(move |s| {
                let step = |o: &mut Order, t: &mut OrderTxn<'_>| -> Result<String, PaymentError> {
                    let out_refund_no = o
                        .request_refund(amount, &reason, now)
                        .map_err(|RefundError::TooLarge| PaymentError::RefundTooLarge)?;
                    t.index_refund(&out_refund_no, &o.no)?;
                    Ok(out_refund_no)
                };
                match &audit {
                    Some(e) => s.update_order_as(&no2, now, e, step),
                    None => s.update_order(&no2, now, step),
                }
            })
            .await?
            .ok_or(PaymentError::NotFound)?;
        if let Err(e) = self.submit_refund(no, &created).await {
            tracing::warn!(error = %e, order = %no, "refund not yet accepted by WeChat; will retry");
        }
        let order = self.load(no).await?;
        order
            .refunds
            .into_iter()
            .find(|r| r.out_refund_no == created)
            .ok_or(PaymentError::NotFound)
    }

    /// Sends (or re-sends, with the same out_refund_no) a requested refund to WeChat.
    pub async fn submit_refund(
        &self,
        no: &OrderNo,
        out_refund_no: &str,
    ) -> Result<(), PaymentError> {
        let order = self.load(no).await?;
        let Some(r) = order
            .refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
        else {
            return Ok(());
        };
        // Against the transaction it names: the kept payment, or a second payment (refunded
        // whole, so its amount is the transaction's total).
        let total = if order.refunds_kept_payment(r) {
            order
                .payment
                .as_ref()
                .map(|p| p.amount.minor())
                .unwrap_or(order.total.minor())
        } else {
            r.amount.minor()
        };
        let req = RefundRequest {
            out_trade_no: r
                .out_trade_no
                .clone()
                .unwrap_or_else(|| order.no.to_string()),
            out_refund_no: out_refund_no.to_string(),
            reason: (!r.reason.is_empty()).then(|| r.reason.clone()),
            notify_url: Some(self.inner.wechat.refund_notify_url.clone()),
            refund: r.amount.minor(),
            total,
            currency: order.currency.code().to_string(),
        };
        let result = self.inner.wechat.pay.refund(&req).await;
        let now = self.now();
        let (no2, rno) = (no.clone(), out_refund_no.to_string());
        let outcome = match &result {
            Ok(w) => RefundOutcome::status(&w.status, w.refund_id.clone()),
            Err(e) => refund_error(e),
        };
        self.inner
            .store
            .call(move |s| s.update_order(&no2, now, |o, t| settle(o, t, &rno, outcome, now)))
            .await?;
        result.map(|_| ()).map_err(PaymentError::from)
    }

    /// Re-sends refunds WeChat has not accepted and asks about those still processing,
    /// each when its backoff says so. Returns how many calls were made.
    pub async fn retry_refunds(&self) -> Result<usize, PaymentError> {
        let now = self.now();
        // Only orders with a refund still to settle (the store's index), not every order.
        let orders = self
            .inner
            .store
            .call(move |s| s.orders_with_refunds_due(now))
            .await?;
        let mut n = 0;
        for o in orders {
            for r in o
                .refunds
                .iter()
                .filter(|r| !r.status.settled() && r.next_at <= now)
            {
                n += 1;
                if r.status == RefundStatus::Requested {
                    let _ = self.submit_refund(&o.no, &r.out_refund_no).await;
                    continue;
                }
                let outcome = match self.inner.wechat.pay.refund_query(&r.out_refund_no).await {
                    Ok(w) => RefundOutcome::status(&w.status, w.refund_id),
                    // A failed query says nothing about the refund: ask again later.
                    Err(e) => RefundOutcome::Transient(e.to_string()),
                };
                let (no2, rno) = (o.no.clone(), r.out_refund_no.clone());
                self.inner
                    .store
                    .call(move |s| {
                        s.update_order(&no2, now, |o, t| settle(o, t, &rno, outcome, now))
                    })
                    .await?;
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
    ) -> Result<(), PaymentError> {
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
                .await
                .map_err(PaymentError::from);
        };
        let now = self.now();
        let id = id.to_string();
        let mchid = self.inner.wechat.mchid.clone();
        self.inner
            .store
            .call(move |s| {
                s.update_order(&no, now, |o, t| -> Result<(), PaymentError> {
                    if !t.record_notification(&id, &record)? {
                        return Ok(());
                    }
                    let problems = refund_notice_problems(o, &notice, &mchid);
                    if !problems.is_empty() {
                        // Verified, so WeChat sent it; but it is not the refund we asked
                        // for. Kept and shown to the owner, never applied.
                        let msg = format!(
                            "refund notification for {} does not match order {}: {}",
                            notice.out_refund_no,
                            o.no,
                            problems.join("; ")
                        );
                        t.alert(AlertKind::AmountMismatch, Some(&o.no), msg)?;
                        return Ok(());
                    }
                    let outcome =
                        RefundOutcome::status(&notice.refund_status, notice.refund_id.clone());
                    settle(o, t, &notice.out_refund_no, outcome, now)
                })
            })
            .await?;
        Ok(())
    }
}
