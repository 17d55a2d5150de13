//! Unit and property tests of the order lifecycle: every method on its own, then random
//! sequences of events checked against the invariants of DESIGN §4.

use super::*;
use crate::order::lifecycle::{refund_reason, resend_backoff};

fn order(total: i64) -> Order {
    Order::for_test("ORDER123", total)
}

fn paid(txid: &str, total: i64) -> IncomingPayment {
    IncomingPayment {
        source: PaymentSource::Notification,
        trade_state: "SUCCESS".into(),
        transaction_id: txid.into(),
        out_trade_no: "ORDER123".into(),
        total: Some(total),
        currency: None,
        identity_problems: vec![],
        paid_at: 10,
        payer_total: None,
        payer_currency: None,
        exchange_rate: None,
        notification: None,
        payer_openid: None,
    }
}

fn shipment() -> Shipment {
    Shipment {
        courier: "SF".into(),
        tracking_no: "SF1".into(),
        shipped_at: 100,
    }
}

#[test]
fn lifecycle_refuses_illegal_moves() {
    let mut o = order(500);
    assert!(o.ship(shipment(), "owner", 1).is_err());
    assert!(o.shipment.is_none(), "a refused move changes nothing");
    assert!(o.complete(1, CompletedBy::Shopper).is_err());
    o.close(1, CloseReason::Timeout).unwrap();
    assert!(o.ship(shipment(), "owner", 2).is_err());
    assert!(o.close(2, CloseReason::Timeout).is_err());
    // A late payment may revive a closed order (with stock re-reserved).
    let fx = o.apply_payment(paid("T1", 500), false, StockCheck::Available, 3);
    assert_eq!(fx.applied, Applied::LatePaid);
    assert!(fx.reserve_stock);
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.history.len(), 2);
    assert_eq!(o.history[1].kind, EventKind::State(OrderState::Paid));
}

#[test]
fn a_payment_pays_once_and_only_when_it_matches() {
    let mut o = order(500);
    let fx = o.apply_payment(paid("T1", 499), false, StockCheck::Available, 1);
    assert!(matches!(fx.applied, Applied::Mismatch(_)));
    assert_eq!(fx.alert.unwrap().0, AlertKind::AmountMismatch);
    assert_eq!(o.state, OrderState::PendingPayment);
    assert!(o.payment.is_none() && fx.record_payment.is_none());

    let mut notpay = paid("", 500);
    notpay.trade_state = "NOTPAY".into();
    notpay.source = PaymentSource::Query;
    let fx = o.apply_payment(notpay, false, StockCheck::Available, 2);
    assert_eq!(fx.applied, Applied::NotPaid("NOTPAY".into()));
    assert_eq!(o.history.last().unwrap().kind.to_string(), "query_notpay");

    let fx = o.apply_payment(paid("T1", 500), false, StockCheck::Available, 3);
    assert_eq!(fx.applied, Applied::Paid);
    assert_eq!(fx.record_payment.as_deref(), Some("T1"));
    assert_eq!(o.payment.as_ref().unwrap().amount, Money(500));
    // The same transaction again is a duplicate; another one is a double payment.
    let fx = o.apply_payment(paid("T1", 500), true, StockCheck::Available, 4);
    assert_eq!(fx.applied, Applied::Duplicate);
    let fx = o.apply_payment(paid("T2", 500), false, StockCheck::Available, 5);
    assert_eq!(fx.alert.unwrap().0, AlertKind::DoublePayment);
    assert_eq!(o.payment.as_ref().unwrap().transaction_id, "T1");
}

#[test]
fn a_late_payment_without_stock_is_refunded_in_full() {
    let mut o = order(800);
    o.close(1, CloseReason::Timeout).unwrap();
    let fx = o.apply_payment(paid("T9", 800), false, StockCheck::Short, 2);
    assert_eq!(fx.applied, Applied::LateRefunding("ORDER123L".into()));
    assert_eq!(fx.index_refund.as_deref(), Some("ORDER123L"));
    assert!(!fx.reserve_stock);
    assert_eq!(o.state, OrderState::Closed);
    assert_eq!(o.refunds[0].amount, Money(800));
    assert!(o.refunds[0].automatic);
    o.settle_refund(
        "ORDER123L",
        RefundOutcome::status("SUCCESS", Some("R1".into())),
        3,
    )
    .unwrap();
    assert_eq!(o.state, OrderState::Refunded);
}

#[test]
fn shipped_orders_complete_by_the_shopper_or_after_the_days() {
    let mut o = order(500);
    o.apply_payment(paid("T1", 500), false, StockCheck::Available, 1);
    assert!(!o.completes_by_itself(10_000_000, 10), "not shipped yet");
    o.ship(shipment(), "owner", 100).unwrap();
    assert_eq!(o.shipment.as_ref().unwrap().tracking_no, "SF1");
    assert!(!o.completes_by_itself(100 + 10 * 86_400 - 1, 10));
    assert!(o.completes_by_itself(100 + 10 * 86_400, 10));
    o.complete(200, CompletedBy::Shopper).unwrap();
    assert_eq!(o.state, OrderState::Completed);
    assert!(o.complete(300, CompletedBy::Automatic).is_err());
    // After-sales: a completed order can still be refunded.
    let rno = o.request_refund(Money(500), "退货", 400).unwrap();
    o.settle_refund(&rno, RefundOutcome::status("SUCCESS", None), 500)
        .unwrap();
    assert_eq!(o.state, OrderState::Refunded);
}

#[test]
fn refund_reasons_are_cut_to_80_bytes_on_a_character_boundary() {
    let reason = "商品破损".repeat(10); // 40 characters, 120 bytes
    let cut = refund_reason(&reason);
    assert_eq!(cut.len(), 78, "26 characters of 3 bytes");
    assert!(reason.starts_with(&cut));
    assert_eq!(refund_reason("  broken  "), "broken");
    assert_eq!(refund_reason(&"a".repeat(100)).len(), 80);
    let mut o = order(500);
    o.apply_payment(paid("T1", 500), false, StockCheck::Available, 1);
    o.request_refund(Money(100), &reason, 2).unwrap();
    assert_eq!(o.refunds[0].reason, cut);
}

#[test]
fn a_mismatched_payment_is_disputed_once() {
    let mut o = order(500);
    let fx = o.apply_payment(paid("T7", 1), false, StockCheck::Available, 1);
    assert!(fx.alert.is_some());
    assert_eq!(o.dispute.as_ref().unwrap().transaction_id, "T7");
    let events = o.history.len();
    // WeChat's retry and the reconciler's query of the same payment: no new alert or event.
    let fx = o.apply_payment(paid("T7", 1), false, StockCheck::Available, 2);
    assert!(matches!(fx.applied, Applied::Mismatch(_)) && fx.alert.is_none());
    assert_eq!(o.history.len(), events);
    assert_eq!(o.state, OrderState::PendingPayment);
}

#[test]
fn processing_refunds_are_asked_about_on_a_growing_backoff() {
    let mut o = order(500);
    o.apply_payment(paid("T1", 500), false, StockCheck::Available, 1);
    let rno = o.request_refund(Money(500), "", 0).unwrap();
    let mut now = 0;
    let mut waits = vec![];
    for _ in 0..12 {
        o.settle_refund(&rno, RefundOutcome::status("PROCESSING", None), now)
            .unwrap();
        waits.push(o.refunds[0].next_at - now);
        now = o.refunds[0].next_at;
    }
    assert_eq!(waits[0], 60, "first asked a minute later");
    assert!(waits.windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
    assert_eq!(*waits.last().unwrap(), 6 * 3600, "at most every six hours");
}

#[test]
fn refunds_never_exceed_the_payment() {
    let mut o = order(1000);
    assert_eq!(
        o.request_refund(Money(1), "", 1),
        Err(RefundError::TooLarge),
        "nothing paid yet"
    );
    o.apply_payment(paid("T1", 1000), false, StockCheck::Available, 1);
    let r1 = o.request_refund(Money(600), "", 2).unwrap();
    assert_eq!(
        o.request_refund(Money(401), "", 3),
        Err(RefundError::TooLarge)
    );
    assert_eq!(
        o.request_refund(Money(0), "", 3),
        Err(RefundError::TooLarge)
    );
    // A closed refund gives its amount back.
    let alert = o
        .settle_refund(&r1, RefundOutcome::status("CLOSED", None), 4)
        .unwrap();
    assert_eq!(alert.unwrap().0, AlertKind::RefundFailed);
    assert_eq!(o.refundable(), Money(1000));
    // An error from the call is kept and changes nothing else.
    let r2 = o.request_refund(Money(1000), "", 5).unwrap();
    o.settle_refund(&r2, RefundOutcome::Transient("timeout".into()), 6)
        .unwrap();
    assert_eq!(o.refunds[1].status, RefundStatus::Requested);
    assert_eq!(o.refunds[1].last_error.as_deref(), Some("timeout"));
    assert_eq!(o.refunds[1].next_at, 6 + resend_backoff(1));
    assert_eq!(o.state, OrderState::Paid);
    // A refusal is final: the amount is refundable again, and an alert says why.
    let alert = o
        .settle_refund(&r2, RefundOutcome::Refused("PARAM_ERROR".into()), 7)
        .unwrap();
    assert_eq!(o.refunds[1].status, RefundStatus::Failed);
    assert!(alert.unwrap().1.contains("PARAM_ERROR"));
    assert_eq!(o.refundable(), Money(1000));
    // Final means final: a late SUCCESS for it changes nothing.
    o.settle_refund(&r2, RefundOutcome::status("SUCCESS", None), 8)
        .unwrap();
    assert_eq!(o.refunds[1].status, RefundStatus::Failed);
    assert_eq!(o.state, OrderState::Paid);
}

// -- property tests: random sequences of events ------------------------------------------

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_event(o: &mut Order, rng: &mut Rng, now: i64) {
    let total = o.total.minor();
    match rng.below(9) {
        0 | 1 => {
            let amount = if rng.below(4) == 0 { total - 1 } else { total };
            let txid = format!("T{}", rng.below(3));
            let already = o.payment.as_ref().is_some_and(|p| p.transaction_id == txid);
            let stock = if rng.below(2) == 0 {
                StockCheck::Available
            } else {
                StockCheck::Short
            };
            let _ = o.apply_payment(paid(&txid, amount), already, stock, now);
        }
        2 => {
            let _ = o.close(now, CloseReason::Timeout);
        }
        3 => {
            let _ = o.ship(shipment(), "owner", now);
        }
        4 => {
            let by = if rng.below(2) == 0 {
                CompletedBy::Shopper
            } else {
                CompletedBy::Automatic
            };
            let _ = o.complete(now, by);
        }
        5 | 6 => {
            let amount = Money(rng.below(total as u64 + 2) as i64);
            let _ = o.request_refund(amount, "", now);
        }
        _ => {
            if o.refunds.is_empty() {
                return;
            }
            let i = rng.below(o.refunds.len() as u64) as usize;
            let rno = o.refunds[i].out_refund_no.clone();
            let status = ["SUCCESS", "CLOSED", "ABNORMAL", "PROCESSING"][rng.below(4) as usize];
            let outcome = if rng.below(5) == 0 {
                RefundOutcome::Transient("network".to_string())
            } else if rng.below(8) == 0 {
                RefundOutcome::Refused("PARAM_ERROR".to_string())
            } else {
                RefundOutcome::status(status, None)
            };
            o.settle_refund(&rno, outcome, now)
                .expect("settling never makes an illegal move");
        }
    }
}

fn check_invariants(o: &Order, seed: u64) {
    let paid = o.payment.as_ref().map(|p| p.amount).unwrap_or(Money::ZERO);
    assert!(
        o.refunded() <= paid,
        "seed {seed}: refunds {} exceed the payment {}",
        o.refunded().minor(),
        paid.minor()
    );
    if let Some(p) = &o.payment {
        assert_eq!(
            p.amount, o.total,
            "seed {seed}: only a matching payment is kept"
        );
    }
    match o.state {
        OrderState::PendingPayment => assert!(o.payment.is_none(), "seed {seed}"),
        OrderState::Paid => assert!(o.payment.is_some() && o.shipment.is_none(), "seed {seed}"),
        OrderState::Shipped | OrderState::Completed => {
            assert!(o.payment.is_some() && o.shipment.is_some(), "seed {seed}")
        }
        OrderState::Refunded => {
            let settled: i64 = o
                .refunds
                .iter()
                .filter(|r| r.status == RefundStatus::Success)
                .map(|r| r.amount.minor())
                .sum();
            assert!(
                o.payment.is_some() && settled >= paid.minor(),
                "seed {seed}"
            );
        }
        OrderState::Closed => {}
    }
    // The timeline replays as legal moves from the start.
    let mut state = OrderState::PendingPayment;
    for ev in &o.history {
        if let EventKind::State(to) = ev.kind {
            assert!(
                state.can_become(to),
                "seed {seed}: history moves {state:?} → {to:?}"
            );
            state = to;
        }
    }
    assert_eq!(
        state, o.state,
        "seed {seed}: history ends in the order's state"
    );
}

#[test]
fn any_sequence_of_events_leaves_a_legal_order() {
    for seed in 1..=2_000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut o = order(1 + rng.below(10_000) as i64);
        for step in 0..40 {
            random_event(&mut o, &mut rng, step);
            check_invariants(&o, seed);
        }
    }
}

// -- several payment attempts (JSAPI and Native) on one order -----------------------------

const TWO_NO: &str = "202611250809100000000123";

/// A pending order with a JSAPI and a Native attempt.
fn two_attempts(total: i64) -> Order {
    let mut o = Order::for_test(TWO_NO, total);
    o.record_attempt(crate::order::AttemptKind::Jsapi, TWO_NO, "wx1", "oA", 0, 60);
    let native =
        o.no.out_trade_no(crate::order::AttemptKind::Native)
            .unwrap();
    o.record_attempt(
        crate::order::AttemptKind::Native,
        &native,
        "weixin://x",
        "",
        0,
        60,
    );
    o
}

fn paid_on(out_trade_no: &str, txid: &str, total: i64) -> IncomingPayment {
    IncomingPayment {
        out_trade_no: out_trade_no.into(),
        ..paid(txid, total)
    }
}

#[test]
fn a_second_payment_on_another_attempt_is_refunded_whole_and_alerted() {
    let mut o = two_attempts(800);
    let native = o.out_trade_nos()[1].clone();
    let fx = o.apply_payment(paid_on(TWO_NO, "T1", 800), false, StockCheck::Available, 1);
    assert_eq!(fx.applied, Applied::Paid);
    let fx = o.apply_payment(paid_on(&native, "T2", 800), false, StockCheck::Available, 2);
    let Applied::DoubleRefunding(rno) = fx.applied.clone() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        fx.record_payment.as_deref(),
        Some("T2"),
        "indexed: repeats are duplicates"
    );
    assert_eq!(fx.index_refund.as_deref(), Some(rno.as_str()));
    assert_eq!(fx.alert.unwrap().0, AlertKind::DoublePayment);
    let r = o.refunds.iter().find(|r| r.out_refund_no == rno).unwrap();
    assert_eq!(r.amount, Money(800));
    assert_eq!(r.transaction_id.as_deref(), Some("T2"));
    assert_eq!(r.out_trade_no.as_deref(), Some(native.as_str()));
    assert!(r.automatic);
    // The kept payment is untouched: all of it can still be refunded, and the second
    // refund settling leaves the order paid.
    assert_eq!(o.payment.as_ref().unwrap().transaction_id, "T1");
    assert_eq!(o.refundable(), Money(800));
    o.settle_refund(&rno, RefundOutcome::status("SUCCESS", None), 3)
        .unwrap();
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(o.refundable(), Money(800));
    // A number of another order is not this order's.
    let fx = o.apply_payment(
        paid_on("202611250809100000000999N", "T3", 800),
        false,
        StockCheck::Available,
        4,
    );
    assert!(matches!(fx.applied, Applied::Mismatch(_)), "{fx:?}");
}

#[test]
fn refunds_never_exceed_what_was_paid_across_attempts() {
    for seed in 1..=2_000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let mut o = two_attempts(1 + rng.below(10_000) as i64);
        let numbers = o.out_trade_nos();
        // What the payments index holds: transaction ids applied (kept or refunded).
        let mut applied: std::collections::BTreeMap<String, i64> = Default::default();
        for step in 0..40 {
            if rng.below(3) == 0 {
                let total = o.total.minor();
                let amount = if rng.below(5) == 0 { total - 1 } else { total };
                let txid = format!("T{}", rng.below(4));
                let no = &numbers[rng.below(2) as usize];
                let stock = if rng.below(2) == 0 {
                    StockCheck::Available
                } else {
                    StockCheck::Short
                };
                let already = applied.contains_key(&txid);
                let fx = o.apply_payment(paid_on(no, &txid, amount), already, stock, step);
                if let Some(t) = fx.record_payment {
                    applied.insert(t, amount);
                }
            } else {
                random_event(&mut o, &mut rng, step);
                if let Some(p) = &o.payment {
                    applied
                        .entry(p.transaction_id.clone())
                        .or_insert(p.amount.minor());
                }
            }
            check_invariants(&o, seed);
            // Across attempts: each transaction gets back at most what it paid, and all
            // refunds together at most what was paid in all.
            let paid_in_all: i64 = applied.values().sum();
            let mut back_in_all = 0;
            for (txid, amount) in &applied {
                let back: i64 = o
                    .refunds
                    .iter()
                    .filter(|r| r.status.counts())
                    .filter(|r| match &r.transaction_id {
                        Some(t) => t == txid,
                        None => o.payment.as_ref().map(|p| &p.transaction_id) == Some(txid),
                    })
                    .map(|r| r.amount.minor())
                    .sum();
                assert!(
                    back <= *amount,
                    "seed {seed}: {txid} paid {amount}, back {back}"
                );
                back_in_all += back;
            }
            assert!(
                back_in_all <= paid_in_all,
                "seed {seed}: refunds {back_in_all} exceed payments {paid_in_all}"
            );
            // At most one payment is kept; every other one applied is refunded whole.
            for (txid, amount) in &applied {
                if o.payment.as_ref().map(|p| &p.transaction_id) == Some(txid) {
                    continue;
                }
                let r: Vec<_> = o
                    .refunds
                    .iter()
                    .filter(|r| r.transaction_id.as_deref() == Some(txid.as_str()))
                    .collect();
                assert_eq!(
                    r.len(),
                    1,
                    "seed {seed}: second payment {txid} refunded once"
                );
                assert_eq!(r[0].amount.minor(), *amount, "seed {seed}");
            }
        }
    }
}
