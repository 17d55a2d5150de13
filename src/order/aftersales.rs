//! After-sales: a shopper's request for a refund on a paid or shipped order — the whole
//! order or some lines, a reason from a fixed list, free text and up to three photos — and
//! its moves, each a method of `Order` that sets data and history together:
//! `requested → approved (with its refund number) | declined (with the owner's reason)`,
//! and `approved → closed` once WeChat settles that refund.
//!
//! At most one request is open (awaiting the owner) per order; while it is, the order does
//! not ship. This file holds the request, its form and what an order may still ask for;
//! `moves.rs` the moves. Everything here is pure: the form is checked against the order here, the
//! photos' bytes in the web layer, and the store writes each move in one transaction.

use super::{Order, OrderState};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod moves;

/// Photos one request may carry.
pub const MAX_PHOTOS: usize = 3;
/// Bytes one photo may have: the shop's image limit (as for product images).
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Characters of free text the shopper (or the owner declining) may write.
pub const NOTE_MAX_CHARS: usize = 200;

/// Why the shopper asks, from a fixed list (the words are in the text tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AftersalesReason {
    Damaged,
    WrongItem,
    Missing,
    NotAsDescribed,
    Quality,
    ChangedMind,
    Other,
}

impl AftersalesReason {
    pub const ALL: [AftersalesReason; 7] = [
        AftersalesReason::Damaged,
        AftersalesReason::WrongItem,
        AftersalesReason::Missing,
        AftersalesReason::NotAsDescribed,
        AftersalesReason::Quality,
        AftersalesReason::ChangedMind,
        AftersalesReason::Other,
    ];

    /// The stable snake_case name (form value and stored spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            AftersalesReason::Damaged => "damaged",
            AftersalesReason::WrongItem => "wrong_item",
            AftersalesReason::Missing => "missing",
            AftersalesReason::NotAsDescribed => "not_as_described",
            AftersalesReason::Quality => "quality",
            AftersalesReason::ChangedMind => "changed_mind",
            AftersalesReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AftersalesReason> {
        AftersalesReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AftersalesStatus {
    /// Waiting for the owner; the order does not ship meanwhile.
    Requested,
    /// The owner approved it and asked WeChat for the refund.
    Approved,
    /// The owner declined it, with a reason.
    Declined,
    /// Its refund settled at WeChat.
    Closed,
}

impl AftersalesStatus {
    pub const ALL: [AftersalesStatus; 4] = [
        AftersalesStatus::Requested,
        AftersalesStatus::Approved,
        AftersalesStatus::Declined,
        AftersalesStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AftersalesStatus::Requested => "requested",
            AftersalesStatus::Approved => "approved",
            AftersalesStatus::Declined => "declined",
            AftersalesStatus::Closed => "closed",
        }
    }
}

/// One line the shopper wants refunded: the SKU and how many units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskedLine {
    pub sku: String,
    pub qty: u32,
}

/// A shopper's refund request on an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AftersalesRequest {
    /// 1, 2, … within the order.
    pub id: u32,
    /// The whole order (shipping included) rather than some lines.
    pub whole_order: bool,
    pub lines: Vec<AskedLine>,
    pub reason: AftersalesReason,
    #[serde(default)]
    pub note: String,
    /// SHA-256 of each photo (stored beside the order, shown to the shopper and the owner).
    #[serde(default)]
    pub photos: Vec<String>,
    pub status: AftersalesStatus,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default)]
    pub decided_at: Option<i64>,
    /// The refund an approval asked for.
    #[serde(default)]
    pub refund_no: Option<String>,
    #[serde(default)]
    pub amount: Option<Money>,
    /// The owner's words when declining.
    #[serde(default)]
    pub decline_reason: Option<String>,
    #[serde(default)]
    pub closed_at: Option<i64>,
}

/// What the shopper asked for, checked against the order (before any photo is stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub whole_order: bool,
    pub lines: Vec<AskedLine>,
    pub reason: AftersalesReason,
    pub note: String,
}

/// Why a request or a decision is refused; nothing changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AftersalesProblem {
    #[error("only a paid or shipped order can ask for a refund")]
    NotEligible,
    #[error("a request is already open on this order")]
    AlreadyOpen,
    #[error("nothing is left to refund")]
    NothingRefundable,
    #[error("no line was chosen")]
    NoLines,
    #[error("a line is not in the order")]
    UnknownLine,
    #[error("more units than the order holds")]
    TooMany,
    #[error("no reason was chosen")]
    NoReason,
    #[error("the text is too long")]
    NoteTooLong,
    #[error("too many photos")]
    TooManyPhotos,
    #[error("a photo is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("a photo is over the size limit")]
    PhotoTooLarge,
    #[error("no request is waiting on this order")]
    NotOpen,
    #[error("the amount is zero or more than is left to refund")]
    BadAmount,
    #[error("a reason is needed to decline")]
    NoDeclineReason,
}

/// Checks the request form against the order: `scope` = `whole` or `lines` (then
/// `qty_{sku}` per line, 0 or empty for none), `reason`, `note`.
pub fn parse_request(o: &Order, f: &HashMap<String, String>) -> Result<Draft, AftersalesProblem> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let reason = AftersalesReason::parse(get("reason")).ok_or(AftersalesProblem::NoReason)?;
    let note = get("note").to_string();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(AftersalesProblem::NoteTooLong);
    }
    let whole_order = get("scope") != "lines";
    let lines = if whole_order {
        o.lines
            .iter()
            .map(|l| AskedLine {
                sku: l.sku.clone(),
                qty: l.qty,
            })
            .collect()
    } else {
        let mut lines = Vec::new();
        for (k, v) in f {
            let Some(sku) = k.strip_prefix("qty_") else {
                continue;
            };
            let v = v.trim();
            let qty: u32 = if v.is_empty() {
                0
            } else {
                v.parse().map_err(|_| AftersalesProblem::TooMany)?
            };
            let line = o
                .lines
                .iter()
                .find(|l| l.sku == sku)
                .ok_or(AftersalesProblem::UnknownLine)?;
            // Units refunded through earlier requests cannot be asked for again.
            if qty > line.qty.saturating_sub(o.units_refunded(sku)) {
                return Err(AftersalesProblem::TooMany);
            }
            if qty > 0 {
                lines.push(AskedLine {
                    sku: sku.to_string(),
                    qty,
                });
            }
        }
        // The order's own line order, whatever order the form fields came in.
        lines.sort_by_key(|a| o.lines.iter().position(|l| l.sku == a.sku));
        lines
    };
    if lines.is_empty() {
        return Err(AftersalesProblem::NoLines);
    }
    Ok(Draft {
        whole_order,
        lines,
        reason,
        note,
    })
}

impl Order {
    /// Units of a line refunded (or being refunded) through approved requests: a whole-order
    /// request counts every unit. What a later request may still ask for is the rest.
    pub fn units_refunded(&self, sku: &str) -> u32 {
        let Some(line) = self.lines.iter().find(|l| l.sku == sku) else {
            return 0;
        };
        let asked: u32 = self
            .aftersales
            .iter()
            .filter(|r| {
                matches!(
                    r.status,
                    AftersalesStatus::Approved | AftersalesStatus::Closed
                )
            })
            .flat_map(|r| r.lines.iter())
            .filter(|a| a.sku == sku)
            .map(|a| a.qty)
            .sum();
        asked.min(line.qty)
    }

    /// The request waiting for the owner, if any.
    pub fn open_aftersales(&self) -> Option<&AftersalesRequest> {
        self.aftersales
            .iter()
            .find(|r| r.status == AftersalesStatus::Requested)
    }

    /// Whether shipping is held (a request waits for the owner).
    pub fn aftersales_open(&self) -> bool {
        self.open_aftersales().is_some()
    }

    /// Whether the shopper may ask for a refund now (nothing of the request checked yet).
    pub fn aftersales_eligible(&self) -> Result<(), AftersalesProblem> {
        if !matches!(self.state, OrderState::Paid | OrderState::Shipped) {
            return Err(AftersalesProblem::NotEligible);
        }
        if self.aftersales_open() {
            return Err(AftersalesProblem::AlreadyOpen);
        }
        if self.refundable() <= Money::ZERO {
            return Err(AftersalesProblem::NothingRefundable);
        }
        Ok(())
    }

    /// What the asked lines are worth (the whole order: its total, shipping included),
    /// at most what is still refundable: the amount the owner's form starts with, and the
    /// most a refund of those lines may be. A line is worth what was paid for it — its
    /// total less its share of a coupon's discount — prorated by the units asked (rounded
    /// down).
    pub fn aftersales_value(&self, r: &AftersalesRequest) -> Money {
        let value = if r.whole_order {
            self.total.minor()
        } else {
            r.lines
                .iter()
                .filter_map(|a| {
                    let l = self.lines.iter().find(|l| l.sku == a.sku)?;
                    let units = i128::from(a.qty.min(l.qty));
                    let paid = i128::from(l.paid().minor());
                    Some((paid * units / i128::from(l.qty.max(1))) as i64)
                })
                .sum()
        };
        Money(value.min(self.refundable().minor()).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderLine, Payment, PaymentSource, RefundOutcome};

    fn paid() -> Order {
        let mut o = Order::for_test("AS000001", 3_800);
        o.lines = vec![
            OrderLine {
                product_id: "mug".into(),
                sku: "mug-white".into(),
                product_name: "Mug".into(),
                variant_name: String::new(),
                unit_price: Money(1_000),
                qty: 3,
                line_total: Money(3_000),
                discount: Money::ZERO,
            },
            OrderLine {
                product_id: "tea".into(),
                sku: "tea-50g".into(),
                product_name: "Tea".into(),
                variant_name: String::new(),
                unit_price: Money(800),
                qty: 1,
                line_total: Money(800),
                discount: Money::ZERO,
            },
        ];
        o.state = OrderState::Paid;
        o.payment = Some(Payment {
            transaction_id: "4200".into(),
            amount: Money(3_800),
            paid_at: 1,
            source: PaymentSource::Notification,
            payer_total: None,
            payer_currency: None,
            exchange_rate: None,
            out_trade_no: None,
        });
        o
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_is_checked_against_the_order() {
        let o = paid();
        let ok = parse_request(
            &o,
            &form(&[
                ("scope", "lines"),
                ("qty_mug-white", "2"),
                ("qty_tea-50g", ""),
                ("reason", "damaged"),
            ]),
        )
        .unwrap();
        assert_eq!(
            ok.lines,
            vec![AskedLine {
                sku: "mug-white".into(),
                qty: 2
            }]
        );
        let bad = |pairs: &[(&str, &str)]| parse_request(&o, &form(pairs)).unwrap_err();
        assert_eq!(
            bad(&[
                ("scope", "lines"),
                ("qty_mug-white", "4"),
                ("reason", "damaged")
            ]),
            AftersalesProblem::TooMany
        );
        assert_eq!(
            bad(&[("scope", "lines"), ("qty_nope", "1"), ("reason", "damaged")]),
            AftersalesProblem::UnknownLine
        );
        assert_eq!(
            bad(&[
                ("scope", "lines"),
                ("qty_mug-white", "0"),
                ("reason", "damaged")
            ]),
            AftersalesProblem::NoLines
        );
        assert_eq!(
            bad(&[("scope", "whole"), ("reason", "teleported")]),
            AftersalesProblem::NoReason
        );
        let whole = parse_request(&o, &form(&[("scope", "whole"), ("reason", "other")])).unwrap();
        assert!(whole.whole_order && whole.lines.len() == 2);
    }

    #[test]
    fn a_line_refund_is_capped_at_what_the_line_paid_after_its_discount() {
        let mut o = paid();
        // A coupon took 3.80 off: 3.00 from the mugs, 0.80 from the tea.
        o.lines[0].discount = Money(300);
        o.lines[1].discount = Money(80);
        o.discount = Money(380);
        let d = parse_request(
            &o,
            &form(&[
                ("scope", "lines"),
                ("qty_mug-white", "1"),
                ("reason", "damaged"),
            ]),
        )
        .unwrap();
        o.request_aftersales(d, vec![], 10).unwrap();
        // One mug of three: (30.00 − 3.00) / 3 = 9.00, not its 10.00 price.
        assert_eq!(o.aftersales_value(&o.aftersales[0]), Money(900));
        assert_eq!(
            o.approve_aftersales(Money(901), "x", 12),
            Err(AftersalesProblem::BadAmount)
        );
        assert!(o.approve_aftersales(Money(900), "x", 12).is_ok());
    }

    #[test]
    fn one_open_request_then_approve_settle_close() {
        let mut o = paid();
        let d = parse_request(
            &o,
            &form(&[
                ("scope", "lines"),
                ("qty_mug-white", "1"),
                ("reason", "damaged"),
            ]),
        )
        .unwrap();
        o.request_aftersales(d.clone(), vec![], 10).unwrap();
        assert!(o.aftersales_open());
        assert_eq!(
            o.request_aftersales(d, vec![], 11),
            Err(AftersalesProblem::AlreadyOpen)
        );
        assert_eq!(o.aftersales_value(&o.aftersales[0]), Money(1_000));
        assert_eq!(
            o.approve_aftersales(Money(9_999), "x", 12),
            Err(AftersalesProblem::BadAmount)
        );
        assert!(o.aftersales_open(), "a refused approval changes nothing");
        let rno = o.approve_aftersales(Money(1_000), "x", 12).unwrap();
        assert!(!o.aftersales_open());
        assert_eq!(o.aftersales[0].status, AftersalesStatus::Approved);
        o.settle_refund(&rno, RefundOutcome::status("SUCCESS", None), 13)
            .unwrap();
        assert_eq!(o.aftersales[0].status, AftersalesStatus::Closed);
        let kinds: Vec<String> = o.history.iter().map(|e| e.kind.to_string()).collect();
        assert!(kinds.contains(&"aftersales_requested".to_string()));
        assert!(kinds.contains(&"aftersales_closed".to_string()));
    }

    #[test]
    fn decline_needs_a_reason_and_only_paid_or_shipped_orders_ask() {
        let mut o = paid();
        let d = parse_request(&o, &form(&[("scope", "whole"), ("reason", "quality")])).unwrap();
        o.request_aftersales(d.clone(), vec![], 1).unwrap();
        assert_eq!(
            o.decline_aftersales("  ", 2),
            Err(AftersalesProblem::NoDeclineReason)
        );
        o.decline_aftersales("photos show no damage", 2).unwrap();
        assert_eq!(o.aftersales[0].status, AftersalesStatus::Declined);
        assert_eq!(
            o.decline_aftersales("again", 3),
            Err(AftersalesProblem::NotOpen)
        );
        // Declined: the shopper may ask again.
        o.request_aftersales(d.clone(), vec![], 4).unwrap();
        let mut pending = Order::for_test("AS000002", 100);
        assert_eq!(
            pending.request_aftersales(d, vec![], 1),
            Err(AftersalesProblem::NotEligible)
        );
    }
}
