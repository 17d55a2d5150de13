//! Payments WeChat vouches for: verified notifications (`POST /wechat/notify/pay`) and
//! queries answering SUCCESS, applied to the order exactly once in one durable write
//! through group commit, and answered only after it. What the payment does to the order
//! is decided by the pure `Order::apply_payment`; here it meets the store and WeChat.

use super::{NotifyAnswer, PaymentError, Payments, parse_time};
use crate::alert::AlertKind;
use crate::order::{Applied, IncomingPayment, OrderNo, OrderState, PaymentSource, StockCheck};
use crate::store::StoreError;
use crate::wechat::notify::{Event, NotifyError};
use crate::wechat::pay::Transaction;
use hyper::HeaderMap;
use serde_json::{Value, json};

impl Payments {
    /// Applies a transaction WeChat vouched for (a verified notification or a query) in
    /// one durable write. `record` is the raw and decoded notification, if one carried it.
    /// `None` when the order is unknown.
    pub(super) async fn apply(
        &self,
        no: &OrderNo,
        tx: Transaction,
        source: PaymentSource,
        record: Option<(String, Value)>,
    ) -> Result<Option<Applied>, StoreError> {
        let now = self.now();
        let amount = tx.amount.clone().unwrap_or_default();
        let incoming = IncomingPayment {
            source,
            trade_state: tx.trade_state.clone(),
            transaction_id: tx.transaction_id.clone().unwrap_or_default(),
            out_trade_no: tx.out_trade_no.clone(),
            total: amount.total,
            currency: amount.currency.clone(),
            identity_problems: self.inner.wechat.pay.identity_problems(&tx),
            paid_at: parse_time(tx.success_time.as_deref()).unwrap_or(now),
            payer_total: amount.payer_total,
            payer_currency: amount.payer_currency.clone(),
            exchange_rate: amount.exchange_rate.clone(),
            notification: record.as_ref().map(|(id, _)| id.clone()),
            payer_openid: tx.payer.as_ref().and_then(|p| p.openid.clone()),
        };
        // Group commit: notifications arriving together share one durable write.
        let r = self
            .inner
            .store
            .update_order_grouped(
                no.clone(),
                now,
                move |o, t| -> Result<Applied, StoreError> {
                    if let Some((id, raw)) = &record
                        && !t.record_notification(id, raw)?
                    {
                        return Ok(Applied::Duplicate);
                    }
                    let already = !incoming.transaction_id.is_empty()
                        && t.payment_of(&incoming.transaction_id)?.is_some();
                    let stock = if o.state == OrderState::Closed {
                        t.stock_check(&o.lines)?
                    } else {
                        StockCheck::Available
                    };
                    let fx = o.apply_payment(incoming, already, stock, now);
                    if let Some(txid) = &fx.record_payment {
                        t.record_payment(txid, &o.no)?;
                    }
                    if fx.reserve_stock && !t.reserve(&o.lines)? {
                        // Checked above in this same transaction; cannot happen.
                        return Err(StoreError::Corrupt {
                            table: "stock",
                            detail: format!("stock for order {} vanished inside one write", o.no),
                        });
                    }
                    if let Some(rno) = &fx.index_refund {
                        t.index_refund(rno, &o.no)?;
                    }
                    if let Some((kind, msg)) = fx.alert {
                        t.alert(kind, Some(&o.no), msg)?;
                    }
                    Ok(fx.applied)
                },
            )
            .await?;
        if let Some(
            Applied::LateRefunding(out_refund_no) | Applied::DoubleRefunding(out_refund_no),
        ) = &r
        {
            // After the answer, not before it: WeChat waits at most 5 s for the answer,
            // and the refund is durable already (the job re-sends it if this fails).
            let (me, no, rno) = (self.clone(), no.clone(), out_refund_no.clone());
            self.in_background(async move {
                if let Err(e) = me.submit_refund(&no, &rno).await {
                    tracing::warn!(error = %e, order = %no, "automatic refund not yet accepted; will retry");
                }
            });
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
                    AlertKind::WechatConfig,
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
        // JSAPI pays under the order number, Native under its own (a parse, not a scan).
        let Some(no) = OrderNo::of_out_trade_no(&tx.out_trade_no) else {
            return self.stray(&n.id, &record, &tx.out_trade_no).await;
        };
        match self
            .apply(
                &no,
                (*tx).clone(),
                PaymentSource::Notification,
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

    /// Asks WeChat about every attempt of an order and applies what it says (each
    /// attempt, even after one was paid: a second payment must be found and refunded).
    /// Returns what the first attempt that changed anything did, else the last answer.
    pub async fn query_and_apply(&self, no: &OrderNo) -> Result<Option<Applied>, PaymentError> {
        let order = self.load(no).await?;
        let mut numbers = order.out_trade_nos();
        if numbers.is_empty() {
            numbers.push(no.to_string());
        }
        let mut out: Option<Applied> = None;
        let mut first_err = None;
        for n in numbers {
            match self.query_attempt_and_apply(no, &n).await {
                Ok(r) => {
                    let changed = matches!(
                        out,
                        Some(
                            Applied::Paid
                                | Applied::LatePaid
                                | Applied::LateRefunding(_)
                                | Applied::DoubleRefunding(_)
                        )
                    );
                    if !changed && r.is_some() {
                        out = r;
                    }
                }
                Err(e) => first_err = first_err.or(Some(e)),
            }
        }
        match (out, first_err) {
            (None, Some(e)) => Err(e),
            (out, _) => Ok(out),
        }
    }

    /// Asks WeChat about one attempt (`out_trade_no`) of an order and applies the answer.
    pub async fn query_attempt_and_apply(
        &self,
        no: &OrderNo,
        out_trade_no: &str,
    ) -> Result<Option<Applied>, PaymentError> {
        let tx = match self
            .inner
            .wechat
            .pay
            .query_by_out_trade_no(out_trade_no)
            .await
        {
            Ok(tx) => tx,
            Err(e) if e.code() == Some("ORDER_NOT_EXIST") => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(self.apply(no, tx, PaymentSource::Query, None).await?)
    }
}
