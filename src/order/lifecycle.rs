//! The order lifecycle (DESIGN §4) as methods: record a prepay, apply a payment, close,
//! ship, complete, request and settle a refund. Each sets data, state and history
//! together and returns a typed error for an illegal move; the raw state change is
//! private, so "paid without a payment" or "shipped without a shipment" cannot be written.
//!
//! Everything here is pure: the store's transaction closure asks [`StockCheck`] of the
//! stock table, calls these methods, then applies the [`PaymentEffects`] they return
//! (payments index, stock, refund index, alerts) in the same write.

use super::{
    CloseReason, CompletedBy, EventKind, IllegalTransition, Order, OrderState, Payment,
    PaymentSource, Refund, RefundStatus, Shipment,
};
use crate::alert::AlertKind;
use crate::money::Money;
use serde_json::{Value, json};

/// A payment WeChat vouched for (verified notification or query), as the order sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingPayment {
    pub source: PaymentSource,
    /// WeChat's `trade_state` (`SUCCESS`, `NOTPAY`, `CLOSED`, …).
    pub trade_state: String,
    pub transaction_id: String,
    pub out_trade_no: String,
    /// `amount.total`, in the order currency's minor unit.
    pub total: Option<i64>,
    /// `amount.currency`; WeChat omits it for CNY.
    pub currency: Option<String>,
    /// appid/mchid problems the WeChat client found.
    pub identity_problems: Vec<String>,
    /// Unix seconds (`success_time`), or the time it was learned.
    pub paid_at: i64,
    pub payer_total: Option<i64>,
    pub payer_currency: Option<String>,
    pub exchange_rate: Option<Value>,
    /// The notification id that carried it, if any.
    pub notification: Option<String>,
    /// `payer.openid`: who paid (for a Native payment, whoever scanned the code).
    pub payer_openid: Option<String>,
}

/// Whether the stock table could reserve the order's lines again (asked only when a
/// payment arrives for a closed order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockCheck {
    Available,
    Short,
}

/// What applying a payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Paid,
    /// Paid after the order was closed; stock was re-reserved.
    LatePaid,
    /// Paid after the order was closed without stock; an automatic refund was queued.
    LateRefunding(String),
    /// A second payment (another attempt) of an order already paid: kept out of the
    /// order and refunded automatically with this refund number.
    DoubleRefunding(String),
    Duplicate,
    Mismatch(String),
    NotPaid(String),
}

/// What the store must do, in the same transaction, after [`Order::apply_payment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEffects {
    pub applied: Applied,
    /// Index WeChat's transaction id → this order (a payment applies at most once).
    pub record_payment: Option<String>,
    /// Reserve the order's lines again (a late payment with stock available).
    pub reserve_stock: bool,
    /// Index a new refund number → this order.
    pub index_refund: Option<String>,
    pub alert: Option<(AlertKind, String)>,
}

impl PaymentEffects {
    fn only(applied: Applied) -> PaymentEffects {
        PaymentEffects {
            applied,
            record_payment: None,
            reserve_stock: false,
            index_refund: None,
            alert: None,
        }
    }
}

/// Why a refund cannot be asked for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RefundError {
    #[error("nothing left to refund, or more than was paid")]
    TooLarge,
}

/// What WeChat said about a refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Its status (`PROCESSING`, `SUCCESS`, `CLOSED`, `ABNORMAL`) and id.
    Status {
        status: String,
        refund_id: Option<String>,
    },
    /// The call failed in a way worth repeating (network, timeout, 5xx, rate limit,
    /// insufficient balance): sent again, with the same out_refund_no, on a backoff.
    Transient(String),
    /// WeChat refused it for good (a parameter error or another 4xx): the refund failed
    /// and its amount can be refunded again.
    Refused(String),
}

impl RefundOutcome {
    pub fn status(status: &str, refund_id: Option<String>) -> RefundOutcome {
        RefundOutcome::Status {
            status: status.to_string(),
            refund_id,
        }
    }
}

/// WeChat's limit on a refund `reason`, in bytes of UTF-8.
pub const REFUND_REASON_MAX_BYTES: usize = 80;

/// A refund reason as WeChat takes it: trimmed, then cut to 80 bytes on a character
/// boundary (a Chinese character is three bytes).
pub fn refund_reason(reason: &str) -> String {
    let mut out = String::new();
    for c in reason.trim().chars() {
        if out.len() + c.len_utf8() > REFUND_REASON_MAX_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// Waits before re-sending a refund WeChat has not accepted: 10 s doubling, at most an
/// hour.
pub fn resend_backoff(attempts: u32) -> i64 {
    (10i64 << attempts.min(9)).min(3_600)
}

/// Waits before asking again about a refund still processing: a minute doubling to six
/// hours — balance refunds settle in minutes, bank cards in days.
pub fn query_backoff(attempts: u32) -> i64 {
    (60i64 << attempts.min(9)).min(6 * 3_600)
}

/// Days after shipping when an order the shopper has not confirmed completes by itself,
/// as shoppers in China expect (Taobao, JD and Youzan use about ten).
pub const DEFAULT_AUTO_COMPLETE_DAYS: u32 = 10;

/// Automatic refunds of late payments carry this reason (shown to the shopper by WeChat).
pub const LATE_REFUND_REASON: &str = "订单已关闭且库存不足，自动退款";

/// Automatic refunds of a second payment of one order carry this reason.
pub const DOUBLE_REFUND_REASON: &str = "订单已支付，重复支付自动退款";

impl OrderState {
    /// The moves DESIGN §4 allows.
    pub fn can_become(self, to: OrderState) -> bool {
        use OrderState::*;
        matches!(
            (self, to),
            (PendingPayment, Paid)
                | (PendingPayment, Closed)
                // A payment that arrives after the order was closed, with stock re-reserved.
                | (Closed, Paid)
                // …or without stock: refunded automatically.
                | (Closed, Refunded)
                | (Paid, Shipped)
                | (Shipped, Completed)
                | (Paid, Refunded)
                | (Shipped, Refunded)
                | (Completed, Refunded)
        )
    }
}

impl Order {
    /// Moves to `to` if the lifecycle allows it and records the event. Private: callers
    /// use the methods below, which set the data that goes with each state.
    fn move_to(&mut self, to: OrderState, at: i64, detail: Value) -> Result<(), IllegalTransition> {
        if !self.state.can_become(to) {
            return Err(IllegalTransition {
                no: self.no.clone(),
                from: self.state,
                to,
            });
        }
        self.state = to;
        self.push(at, EventKind::state(to), detail);
        Ok(())
    }

    fn push(&mut self, at: i64, kind: EventKind, detail: Value) {
        self.history.push(super::OrderEvent { at, kind, detail });
    }

    /// Applies a payment WeChat vouched for. Pure: `stock` says whether the lines could be
    /// reserved again (only consulted for a closed order); the returned effects say what
    /// the store must change with it. `already_applied` is whether WeChat's transaction id
    /// is already in the payments index.
    pub fn apply_payment(
        &mut self,
        p: IncomingPayment,
        already_applied: bool,
        stock: StockCheck,
        now: i64,
    ) -> PaymentEffects {
        let detail = json!({
            "source": p.source,
            "transaction_id": p.transaction_id,
            "trade_state": p.trade_state,
            "notification": p.notification,
        });
        if p.trade_state != "SUCCESS" {
            self.push(
                now,
                EventKind::NotPaid {
                    source: p.source,
                    trade_state: p.trade_state.to_ascii_lowercase(),
                },
                detail,
            );
            return PaymentEffects::only(Applied::NotPaid(p.trade_state));
        }
        if p.transaction_id.is_empty() {
            return PaymentEffects::only(Applied::Mismatch("no transaction_id".into()));
        }
        if already_applied {
            return PaymentEffects::only(Applied::Duplicate);
        }
        let mut problems = p.identity_problems.clone();
        if !self.knows_out_trade_no(&p.out_trade_no) {
            problems.push(format!("out_trade_no {}", p.out_trade_no));
        }
        if p.total != Some(self.total.minor()) {
            let paid = p
                .total
                .map_or_else(|| "none".to_string(), |t| t.to_string());
            problems.push(format!(
                "amount {paid} ≠ order total {}",
                self.total.minor()
            ));
        }
        if p.currency.as_deref().unwrap_or("CNY") != self.currency.code() {
            let currency = p.currency.as_deref().unwrap_or("none");
            problems.push(format!("currency {currency} ≠ {}", self.currency.code()));
        }
        let txid = p.transaction_id.clone();
        let payer_openid = p.payer_openid.clone().filter(|o| !o.is_empty());
        if !problems.is_empty() {
            let msg = format!(
                "payment {txid} for order {} does not match: {}",
                self.no,
                problems.join("; ")
            );
            // Recorded and alerted once per transaction; WeChat's retries and the
            // reconciler's queries of the same payment change nothing more.
            if self
                .dispute
                .as_ref()
                .is_some_and(|d| d.transaction_id == txid)
            {
                return PaymentEffects::only(Applied::Mismatch(msg));
            }
            self.push(
                now,
                EventKind::PaymentMismatch,
                json!({ "problems": problems, "transaction_id": txid, "source": p.source }),
            );
            self.dispute = Some(super::Dispute {
                at: now,
                transaction_id: txid,
                problems,
                amount: p.total,
                currency: p.currency.clone(),
            });
            return PaymentEffects {
                alert: Some((AlertKind::AmountMismatch, msg.clone())),
                ..PaymentEffects::only(Applied::Mismatch(msg))
            };
        }
        let payment = Payment {
            transaction_id: txid.clone(),
            amount: Money(p.total.unwrap_or(0)),
            paid_at: p.paid_at,
            source: p.source,
            payer_total: p.payer_total,
            payer_currency: p.payer_currency,
            exchange_rate: p.exchange_rate,
            out_trade_no: (p.out_trade_no != self.no.as_str()).then(|| p.out_trade_no.clone()),
        };
        let late = match (self.state, stock) {
            // A second transaction for an order that already holds a payment (another
            // attempt paid too): at most one payment is kept, this one goes back.
            _ if self.payment.is_some() => {
                return self.refund_second_payment(payment, &p.out_trade_no, detail, now);
            }
            (OrderState::PendingPayment, _) => false,
            (OrderState::Closed, StockCheck::Available) => true,
            (OrderState::Closed, StockCheck::Short) => {
                return self.refund_late_payment(payment, detail, now);
            }
            // Paid, shipped, completed or refunded without a payment cannot exist.
            (state, _) => {
                return PaymentEffects::only(Applied::Mismatch(format!(
                    "order is {} and holds no payment",
                    state.as_str()
                )));
            }
        };
        // Pending → paid and closed → paid are both legal moves.
        if let Err(e) = self.move_to(OrderState::Paid, now, detail) {
            return PaymentEffects::only(Applied::Mismatch(e.to_string()));
        }
        self.payment = Some(payment);
        // An order placed outside WeChat (or before OAuth) joins the shopper who paid it.
        if self.openid.is_none() {
            self.openid = payer_openid;
        }
        let mut fx = PaymentEffects {
            record_payment: Some(txid),
            ..PaymentEffects::only(Applied::Paid)
        };
        if late {
            fx.applied = Applied::LatePaid;
            fx.reserve_stock = true;
            fx.alert = Some((
                AlertKind::LatePayment,
                format!(
                    "order {} was paid after it closed; stock was reserved again and it is ready to ship",
                    self.no
                ),
            ));
        }
        fx
    }

    /// A payment for a closed order whose stock is gone: kept, and refunded in full.
    fn refund_late_payment(&mut self, payment: Payment, detail: Value, now: i64) -> PaymentEffects {
        let txid = payment.transaction_id.clone();
        let paid_no = payment.out_trade_no.clone();
        self.payment = Some(payment);
        let out_refund_no = format!("{}L", self.no);
        self.refunds.push(Refund {
            out_refund_no: out_refund_no.clone(),
            amount: self.total,
            reason: LATE_REFUND_REASON.into(),
            status: RefundStatus::Requested,
            created_at: now,
            settled_at: None,
            refund_id: None,
            automatic: true,
            last_error: None,
            attempts: 0,
            next_at: now,
            transaction_id: Some(txid.clone()),
            out_trade_no: paid_no,
        });
        self.push(now, EventKind::LatePayment, detail);
        PaymentEffects {
            applied: Applied::LateRefunding(out_refund_no.clone()),
            record_payment: Some(txid),
            reserve_stock: false,
            index_refund: Some(out_refund_no),
            alert: Some((
                AlertKind::LatePayment,
                format!(
                    "order {} was paid after it closed and the stock is gone; the payment is refunded automatically",
                    self.no
                ),
            )),
        }
    }

    /// Closes an unpaid order. The caller releases its stock in the same write.
    pub fn close(&mut self, now: i64, reason: CloseReason) -> Result<(), IllegalTransition> {
        self.move_to(OrderState::Closed, now, json!({ "reason": reason }))
    }

    /// Ships a paid order.
    pub fn ship(
        &mut self,
        shipment: Shipment,
        by: &str,
        now: i64,
    ) -> Result<(), IllegalTransition> {
        let detail =
            json!({ "courier": shipment.courier, "tracking_no": shipment.tracking_no, "by": by });
        self.move_to(OrderState::Shipped, now, detail)?;
        self.shipment = Some(shipment);
        Ok(())
    }

    /// Completes a shipped order: the shopper confirmed receipt, or the days after
    /// shipping ran out.
    pub fn complete(&mut self, now: i64, by: CompletedBy) -> Result<(), IllegalTransition> {
        self.move_to(OrderState::Completed, now, json!({ "by": by }))
    }

    /// Whether a shipped order is due to complete by itself at `now`.
    pub fn completes_by_itself(&self, now: i64, after_days: u32) -> bool {
        self.state == OrderState::Shipped
            && self
                .shipment
                .as_ref()
                .is_some_and(|s| now >= s.shipped_at + i64::from(after_days) * 86_400)
    }

    /// Asks for a refund of `amount`; the sum of refunds never exceeds what was paid.
    /// Returns the new refund number (the caller indexes it in the same write).
    pub fn request_refund(
        &mut self,
        amount: Money,
        reason: &str,
        now: i64,
    ) -> Result<String, RefundError> {
        if amount <= Money::ZERO || amount > self.refundable() {
            return Err(RefundError::TooLarge);
        }
        let reason = refund_reason(reason);
        let out_refund_no = format!("{}R{}", self.no, self.refunds.len() + 1);
        self.refunds.push(Refund {
            out_refund_no: out_refund_no.clone(),
            amount,
            reason: reason.clone(),
            status: RefundStatus::Requested,
            created_at: now,
            settled_at: None,
            refund_id: None,
            automatic: false,
            last_error: None,
            attempts: 0,
            next_at: now,
            transaction_id: self.payment.as_ref().map(|p| p.transaction_id.clone()),
            out_trade_no: self.payment.as_ref().and_then(|p| p.out_trade_no.clone()),
        });
        self.push(
            now,
            EventKind::RefundRequested,
            json!({ "out_refund_no": out_refund_no, "amount": amount.minor(), "reason": reason }),
        );
        Ok(out_refund_no)
    }

    /// Records what WeChat said about a refund. When every paid unit has come back, the
    /// order becomes `Refunded`. Returns an alert for a refund that failed at WeChat.
    pub fn settle_refund(
        &mut self,
        out_refund_no: &str,
        outcome: RefundOutcome,
        now: i64,
    ) -> Result<Option<(AlertKind, String)>, IllegalTransition> {
        let no = self.no.clone();
        let Some(r) = self
            .refunds
            .iter_mut()
            .find(|r| r.out_refund_no == out_refund_no)
        else {
            return Ok(None);
        };
        let before = r.status;
        if before.settled() {
            // Final at WeChat: a late or reordered answer cannot revive a refund whose
            // amount was already given back (or taken), so refunds never exceed the payment.
            return Ok(None);
        }
        match outcome {
            RefundOutcome::Transient(e) => {
                r.last_error = Some(e);
                r.attempts += 1;
                r.next_at = now + resend_backoff(r.attempts);
            }
            RefundOutcome::Refused(e) => {
                r.last_error = Some(e);
                r.status = RefundStatus::Failed;
                r.settled_at = Some(now);
            }
            RefundOutcome::Status { status, refund_id } => {
                r.last_error = None;
                if refund_id.is_some() {
                    r.refund_id = refund_id;
                }
                r.status = RefundStatus::from_wechat(&status);
                if r.status.settled() && r.settled_at.is_none() {
                    r.settled_at = Some(now);
                }
                if !r.status.settled() {
                    // Accepted and on its way: ask again on the query backoff.
                    if before == RefundStatus::Requested {
                        r.attempts = 0;
                    }
                    r.next_at = now + query_backoff(r.attempts);
                    r.attempts += 1;
                }
            }
        }
        let (after, amount) = (r.status, r.amount);
        if after.settled() {
            // An approved after-sales request closes with its refund.
            self.close_aftersales_for(out_refund_no, now);
        }
        let mut alert = None;
        if before != after {
            self.push(
                now,
                EventKind::Refund(after),
                json!({ "out_refund_no": out_refund_no, "amount": amount.minor() }),
            );
            if matches!(after, RefundStatus::Closed | RefundStatus::Abnormal) {
                alert = Some((
                    AlertKind::RefundFailed,
                    format!(
                        "refund {out_refund_no} of order {no} is {}; handle it in the WeChat Pay merchant platform",
                        after.as_str()
                    ),
                ));
            }
            if after == RefundStatus::Failed {
                let why = self
                    .refunds
                    .iter()
                    .find(|r| r.out_refund_no == out_refund_no);
                let why = why.and_then(|r| r.last_error.clone()).unwrap_or_default();
                alert = Some((
                    AlertKind::RefundFailed,
                    format!(
                        "WeChat refused refund {out_refund_no} of order {no} ({why}); nothing was refunded and the amount can be refunded again"
                    ),
                ));
            }
        }
        let paid = self
            .payment
            .as_ref()
            .map(|p| p.amount)
            .unwrap_or(Money::ZERO);
        // Only refunds of the kept payment count: a second payment given back leaves the
        // order as it was.
        let settled: i64 = self
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Success && self.refunds_kept_payment(r))
            .map(|r| r.amount.minor())
            .sum();
        if paid > Money::ZERO && settled >= paid.minor() && self.state != OrderState::Refunded {
            self.move_to(OrderState::Refunded, now, json!({ "refunded": settled }))?;
        }
        Ok(alert)
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
