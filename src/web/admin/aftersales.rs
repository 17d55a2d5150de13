//! Back-office after-sales: the list of refund requests (open ones first, with their
//! count), the owner's decision on an order — approve with an amount (confirmed first, then
//! the refund is asked for in the same write and sent to WeChat by the refund path) or
//! decline with a reason — each queuing the shopper's Official Account message when a
//! template is configured, and the request photos for the owner.

use super::{Admin, Form, form, orders, page, views};
use crate::link::Links;
use crate::money::Money;
use crate::order::{AftersalesProblem, AftersalesStatus, Order, OrderNo};
use crate::store::{OutboxEntry, OutboxKind, OutboxState, StoreError};
use crate::text::AftersalesText;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError, redirect};
use crate::wechat::official_account::{TemplateMessage, TemplateValue};
use hyper::body::Incoming;
use hyper::{Method, Request};
use std::collections::BTreeMap;

/// `/admin/aftersales/…` (the owner is signed in).
pub async fn route(
    ctx: &Ctx,
    admin: &Admin,
    req: Request<Incoming>,
    rest: &[&str],
) -> Result<Resp, WebError> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let post = req.method() == Method::POST;
    match rest {
        [] | [""] if get => list(ctx, admin).await,
        [no, "approve"] if post => approve(ctx, admin, no, form(ctx, admin, req).await?).await,
        [no, "decline"] if post => decline(ctx, admin, no, form(ctx, admin, req).await?).await,
        [no, "photo", hash] if get && crate::web::aftersales::valid_hash(hash) => {
            let o = load(ctx, no).await?;
            crate::web::aftersales::photo_response(ctx, &o, hash).await
        }
        _ if get || post => Err(WebError::NotFound),
        _ => Err(WebError::MethodNotAllowed),
    }
}

async fn load(ctx: &Ctx, no: &str) -> Result<Order, WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    ctx.app
        .store
        .call(move |s| s.order(&no))
        .await?
        .ok_or(WebError::NotFound)
}

/// `GET /admin/aftersales`: orders with an open request (oldest first), then the latest
/// decided ones.
async fn list(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    // Through the after-sales index: only orders that ever had a request are read.
    let (mut open, decided) = ctx.app.store.call(|s| s.aftersales_orders(20)).await?;
    open.sort_by_key(|o| o.open_aftersales().map(|r| r.created_at));
    Ok(page(views::aftersales::list(ctx, admin, &open, &decided)))
}

/// The order page with why the decision was refused (422), nothing changed.
async fn refused(
    ctx: &Ctx,
    admin: &Admin,
    no: &str,
    p: AftersalesProblem,
) -> Result<Resp, WebError> {
    let msg = ctx.app.config.shop.language.text().aftersales().problem(p);
    orders::detail(ctx, admin, no, Some(msg)).await
}

/// The shopper's Official Account message about a decision, when a template is
/// configured and the order has an openid.
#[derive(Clone)]
struct Message {
    template: Option<String>,
    base_url: String,
    links: Links,
    words: &'static AftersalesText,
    currency: crate::money::Currency,
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut c: String = s.chars().take(n - 1).collect();
    c.push('…');
    c
}

impl Message {
    fn of(ctx: &Ctx) -> Message {
        Message {
            template: ctx.app.config.wechat.aftersales_template_id.clone(),
            base_url: ctx.app.base_url.clone(),
            links: ctx.app.links.clone(),
            words: ctx.app.config.shop.language.text().aftersales(),
            currency: ctx.app.config.shop.currency,
        }
    }

    /// The message about the latest request of `o`, as just decided.
    fn entry(&self, o: &Order, now: i64) -> Option<OutboxEntry> {
        let template_id = self.template.clone()?;
        let touser = o.owner_openid()?.to_string();
        let r = o.aftersales.last()?;
        let (outcome, amount, why) = match r.status {
            AftersalesStatus::Declined => (
                self.words.msg_declined,
                "—".to_string(),
                r.decline_reason.clone().unwrap_or_default(),
            ),
            _ => (
                self.words.msg_approved,
                r.amount.unwrap_or(Money::ZERO).display(self.currency),
                self.words.reason_name(r.reason).to_string(),
            ),
        };
        let mut data = BTreeMap::new();
        for (k, v) in [
            ("character_string1", o.no.to_string()),
            ("phrase2", outcome.to_string()),
            ("amount3", amount),
            ("thing4", clip(&why, 20)),
        ] {
            data.insert(k.to_string(), TemplateValue { value: v });
        }
        let msg = TemplateMessage {
            touser,
            template_id,
            url: Some(format!(
                "{}{}",
                self.base_url,
                self.links.order_path(&o.no, now)
            )),
            client_msg_id: Some(format!("aftersales-{}-{}", o.no, r.id)),
            data,
        };
        Some(OutboxEntry {
            id: 0,
            order: o.no.to_string(),
            kind: OutboxKind::Aftersales,
            payload: serde_json::to_value(&msg).ok()?,
            created_at: now,
            attempts: 0,
            next_at: now,
            state: OutboxState::Pending,
            last_error: None,
            msgid: None,
        })
    }
}

/// `POST /admin/aftersales/{no}/approve`: with `amount` alone, the confirmation page;
/// with `confirm=1` too, the request is approved and the refund asked for.
async fn approve(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let o = load(ctx, no).await?;
    let Some(open) = o.open_aftersales() else {
        return refused(ctx, admin, no, AftersalesProblem::NotOpen).await;
    };
    let amount = match Money::parse_decimal(f.get("amount"), o.currency) {
        Some(a) if a > Money::ZERO && a <= o.refundable() => a,
        _ => return refused(ctx, admin, no, AftersalesProblem::BadAmount).await,
    };
    if f.get("confirm") != "1" {
        return Ok(page(views::aftersales::confirm(ctx, admin, &o, amount)));
    }
    let words = ctx.app.config.shop.language.text().aftersales();
    let reason = words.refund_reason(open.reason);
    let message = Message::of(ctx);
    let now = ctx.app.clock.unix();
    let n = o.no.clone();
    let entry = admin
        .entry(
            ctx,
            crate::audit::Action::AftersalesApproved {
                amount: amount.minor(),
            },
        )
        .order(o.no.as_str());
    let decided = ctx
        .app
        .store
        .call(move |s| {
            s.decide_aftersales(&n, now, &entry, |o, t| {
                let rno = match o.approve_aftersales(amount, &reason, now) {
                    Ok(rno) => rno,
                    Err(p) => return Ok(Err(p)),
                };
                t.index_refund(&rno, &o.no)?;
                Ok::<_, StoreError>(Ok((rno, message.entry(o, now))))
            })
        })
        .await?
        .ok_or(WebError::NotFound)?;
    let rno = match decided {
        Ok(rno) => rno,
        Err(p) => return refused(ctx, admin, no, p).await,
    };
    // The refund path sends it now; the job re-sends it if WeChat does not take it yet.
    if let Err(e) = ctx.app.payments.submit_refund(&o.no, &rno).await {
        tracing::warn!(error = %e, order = %o.no, "after-sales refund not yet accepted by WeChat; will retry");
    }
    let _ = ctx.app.fulfilment.deliver_outbox().await;
    Ok(redirect(&format!("/admin/orders/{}", o.no)))
}

/// `POST /admin/aftersales/{no}/decline`: declined with the owner's reason.
async fn decline(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let o = load(ctx, no).await?;
    let reason = f.get("reason").to_string();
    let message = Message::of(ctx);
    let now = ctx.app.clock.unix();
    let n = o.no.clone();
    let entry = admin
        .entry(
            ctx,
            crate::audit::Action::AftersalesDeclined {
                reason: reason.clone(),
            },
        )
        .order(o.no.as_str());
    let decided = ctx
        .app
        .store
        .call(move |s| {
            s.decide_aftersales(&n, now, &entry, |o, _| {
                if let Err(p) = o.decline_aftersales(&reason, now) {
                    return Ok(Err(p));
                }
                Ok::<_, StoreError>(Ok(((), message.entry(o, now))))
            })
        })
        .await?
        .ok_or(WebError::NotFound)?;
    if let Err(p) = decided {
        return refused(ctx, admin, no, p).await;
    }
    let _ = ctx.app.fulfilment.deliver_outbox().await;
    Ok(redirect(&format!("/admin/orders/{}", o.no)))
}
