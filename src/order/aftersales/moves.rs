//! The moves of an after-sales request, each a method of `Order` that changes the request
//! and appends to the order's history together: the shopper asks (`requested`), the owner
//! approves with an amount (asking for the refund in the same change) or declines with a
//! reason, and WeChat's settled refund closes an approved request.

use super::{
    AftersalesProblem, AftersalesRequest, AftersalesStatus, Draft, MAX_PHOTOS, NOTE_MAX_CHARS,
};
use crate::money::Money;
use crate::order::{EventKind, Order, OrderEvent, RefundError};
use serde_json::json;

impl Order {
    fn push_aftersales(&mut self, at: i64, status: AftersalesStatus, detail: serde_json::Value) {
        self.history.push(OrderEvent {
            at,
            kind: EventKind::Aftersales(status),
            detail,
        });
    }

    /// The shopper asks for a refund. `photos` are the stored photos' hashes.
    pub fn request_aftersales(
        &mut self,
        d: Draft,
        photos: Vec<String>,
        now: i64,
    ) -> Result<u32, AftersalesProblem> {
        self.aftersales_eligible()?;
        if photos.len() > MAX_PHOTOS {
            return Err(AftersalesProblem::TooManyPhotos);
        }
        let id = self.aftersales.len() as u32 + 1;
        let detail = json!({
            "id": id,
            "whole_order": d.whole_order,
            "lines": d.lines.iter().map(|l| json!({ "sku": l.sku, "qty": l.qty })).collect::<Vec<_>>(),
            "reason": d.reason,
            "photos": photos.len(),
        });
        self.aftersales.push(AftersalesRequest {
            id,
            whole_order: d.whole_order,
            lines: d.lines,
            reason: d.reason,
            note: d.note,
            photos,
            status: AftersalesStatus::Requested,
            created_at: now,
            decided_at: None,
            refund_no: None,
            amount: None,
            decline_reason: None,
            closed_at: None,
        });
        self.push_aftersales(now, AftersalesStatus::Requested, detail);
        Ok(id)
    }

    /// The owner approves the open request with `amount`: a refund is asked for in the same
    /// change (the caller indexes the returned refund number and sends it to WeChat).
    pub fn approve_aftersales(
        &mut self,
        amount: Money,
        refund_reason: &str,
        now: i64,
    ) -> Result<String, AftersalesProblem> {
        let idx = self
            .aftersales
            .iter()
            .position(|r| r.status == AftersalesStatus::Requested)
            .ok_or(AftersalesProblem::NotOpen)?;
        // A refund of some lines gives back at most what was paid for them.
        if !self.aftersales[idx].whole_order
            && amount > self.aftersales_value(&self.aftersales[idx])
        {
            return Err(AftersalesProblem::BadAmount);
        }
        let refund_no = self
            .request_refund(amount, refund_reason, now)
            .map_err(|RefundError::TooLarge| AftersalesProblem::BadAmount)?;
        let r = &mut self.aftersales[idx];
        r.status = AftersalesStatus::Approved;
        r.decided_at = Some(now);
        r.refund_no = Some(refund_no.clone());
        r.amount = Some(amount);
        let id = r.id;
        self.push_aftersales(
            now,
            AftersalesStatus::Approved,
            json!({ "id": id, "amount": amount.minor(), "out_refund_no": refund_no }),
        );
        Ok(refund_no)
    }

    /// The owner declines the open request, saying why.
    pub fn decline_aftersales(&mut self, reason: &str, now: i64) -> Result<(), AftersalesProblem> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AftersalesProblem::NoDeclineReason);
        }
        if reason.chars().count() > NOTE_MAX_CHARS {
            return Err(AftersalesProblem::NoteTooLong);
        }
        let r = self
            .aftersales
            .iter_mut()
            .find(|r| r.status == AftersalesStatus::Requested)
            .ok_or(AftersalesProblem::NotOpen)?;
        r.status = AftersalesStatus::Declined;
        r.decided_at = Some(now);
        r.decline_reason = Some(reason.to_string());
        let id = r.id;
        self.push_aftersales(
            now,
            AftersalesStatus::Declined,
            json!({ "id": id, "reason": reason }),
        );
        Ok(())
    }

    /// An approved request whose refund settled at WeChat (success or not) is closed.
    /// Called by `settle_refund`; does nothing for a refund no request asked for.
    pub(in crate::order) fn close_aftersales_for(&mut self, out_refund_no: &str, now: i64) {
        let Some(r) = self.aftersales.iter_mut().find(|r| {
            r.status == AftersalesStatus::Approved && r.refund_no.as_deref() == Some(out_refund_no)
        }) else {
            return;
        };
        r.status = AftersalesStatus::Closed;
        r.closed_at = Some(now);
        let id = r.id;
        self.push_aftersales(
            now,
            AftersalesStatus::Closed,
            json!({ "id": id, "out_refund_no": out_refund_no }),
        );
    }
}
