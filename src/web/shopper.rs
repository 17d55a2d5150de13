//! The shopper's own things: who they are (their openid, through silent `snsapi_base`
//! OAuth inside WeChat), which orders they may open (their session's, their openid's, and
//! any opened through a signed link), the order list and page, confirming receipt and the
//! status JSON the result page polls. Outside WeChat a shopper is their session.

use super::http::{Resp, WebError, json, query, redirect};
use super::pay::{in_wechat, start_oauth};
use super::shop::{Visitor, form, page, visitor, visitor_with, with_cookie};
use super::{Ctx, views};
use crate::fulfilment::ShipError;
use crate::link::LinkError;
use crate::order::{Order, OrderNo};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

/// Orders one session remembers having opened through signed links.
const OPENED_MAX: usize = 20;

/// Whether the visitor may see an order: placed in this session, opened here through a
/// signed link, or belonging to the visitor's openid.
fn may_see(v: &Visitor, o: &Order) -> bool {
    let by_session = !v.sid.fresh
        && (o.session == v.sid.id || v.session.opened.iter().any(|n| n == o.no.as_str()));
    let by_openid = v.session.openid.is_some() && o.owner_openid() == v.session.openid.as_deref();
    by_session || by_openid
}

/// Loads an order the visitor may see; anyone else's order is "not found".
pub(super) async fn own_order(ctx: &Ctx, v: &Visitor, no: &str) -> Result<Order, WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let order = ctx.app.store.call(move |s| s.order(&no)).await?;
    seen_by(v, order)
}

/// `visitor` and `own_order` in one trip to the blocking pool (the cashier's prepay).
pub(super) async fn visitor_and_order(
    ctx: &Ctx,
    req: &Request<Incoming>,
    no: &str,
) -> Result<(Visitor, Order), WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let (v, order) = visitor_with(ctx, req, move |s, _, _| s.order(&no)).await?;
    let order = seen_by(&v, order)?;
    Ok((v, order))
}

/// The order, if the visitor may see it; "not found" otherwise, as for no order at all.
fn seen_by(v: &Visitor, order: Option<Order>) -> Result<Order, WebError> {
    match order {
        Some(o) if may_see(v, &o) => Ok(o),
        _ => Err(WebError::NotFound),
    }
}

/// Inside WeChat, a page of the shopper's own things first learns their openid (silent
/// OAuth), unless the shopper just came back from refusing it.
pub(super) fn needs_openid(req: &Request<Incoming>, v: &Visitor) -> bool {
    in_wechat(req)
        && v.session.openid.is_none()
        && query(req).get("noauth").map(String::as_str) != Some("1")
}

/// The path and query of a request, to come back to after OAuth.
fn here(req: &Request<Incoming>) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

/// A request that carries a signed link token (`?t=`) for order `no`: a forged one is
/// "not found", an expired one says so; a good one is remembered by the session (and, in
/// WeChat, gives an order without an owner to the shopper's openid), then the clean URL
/// `then` opens.
pub(super) async fn open_link(
    ctx: &Ctx,
    req: &Request<Incoming>,
    v: &Visitor,
    no: &str,
    token: &str,
    then: &str,
) -> Result<Resp, WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let now = ctx.app.clock.unix();
    match ctx.app.links.verify(&no, token, now) {
        Ok(()) => {}
        Err(LinkError::Forged) => return Err(WebError::NotFound),
        Err(LinkError::Expired) => {
            let mut r = page(ctx, v, views::link_expired(ctx, v));
            *r.status_mut() = StatusCode::GONE;
            return Ok(r);
        }
    }
    let no2 = no.clone();
    if ctx.app.store.call(move |s| s.order(&no2)).await?.is_none() {
        return Err(WebError::NotFound);
    }
    if needs_openid(req, v) {
        return start_oauth(ctx, v, &here(req)).await;
    }
    let (id, n) = (v.sid.id.clone(), no.to_string());
    let openid = v.session.openid.clone();
    ctx.app
        .store
        .call(move |s| -> Result<(), crate::store::StoreError> {
            s.update_session(&id, now, |sess| {
                sess.opened.retain(|x| *x != n);
                sess.opened.push(n);
                let extra = sess.opened.len().saturating_sub(OPENED_MAX);
                sess.opened.drain(..extra);
            })?;
            if let Some(openid) = openid {
                s.attach_openid(&no, &openid, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(with_cookie(ctx, &v.sid, redirect(then)))
}

/// `GET /orders`: the session's orders and, once known, every order of the openid.
pub async fn orders(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    if needs_openid(&req, &v) {
        return start_oauth(ctx, &v, &here(&req)).await;
    }
    let (id, openid) = (v.sid.id.clone(), v.session.openid.clone());
    let fresh = v.sid.fresh;
    let rows = ctx
        .app
        .store
        .call(move |s| -> Result<_, crate::store::StoreError> {
            // A fresh visitor has no session: only an openid could own orders.
            let session = if fresh { "" } else { id.as_str() };
            let orders = s.orders_of_shopper(session, openid.as_deref())?;
            let mut rows = Vec::with_capacity(orders.len());
            for o in orders {
                let cover = match o.lines.first() {
                    Some(l) => s
                        .product(&l.product_id)?
                        .and_then(|p| p.cover().map(str::to_string)),
                    None => None,
                };
                rows.push((o, cover));
            }
            Ok(rows)
        })
        .await?;
    Ok(page(ctx, &v, views::orders(ctx, &v, &rows)))
}

/// `GET /orders/{no}` (with `?t=` from a signed link).
pub async fn order(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let q = query(&req);
    if let Some(token) = q.get("t") {
        return open_link(ctx, &req, &v, no, token, &format!("/orders/{no}")).await;
    }
    if needs_openid(&req, &v) {
        return start_oauth(ctx, &v, &here(&req)).await;
    }
    let order = own_order(ctx, &v, no).await?;
    let flag = |k: &str| q.get(k).map(String::as_str) == Some("1");
    let state = views::OrderPageState {
        cancelled: flag("cancelled"),
        ask_receipt: flag("receive"),
        notice: flag("received")
            .then_some(ctx.app.config.shop.language.text().receipt_confirmed)
            .or(flag("requested").then_some(ctx.app.config.shop.language.text().aftersales().sent)),
        closes_at: order.created_at + ctx.app.config.shop.order_timeout.as_secs() as i64,
        now: ctx.app.clock.unix(),
    };
    Ok(page(ctx, &v, views::order(ctx, &v, &order, state)))
}

/// `POST /orders/{no}/received`: the shopper confirms receipt; the order completes.
pub async fn order_received(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let _ = form(ctx, req).await?;
    let order = own_order(ctx, &v, no).await?;
    match ctx.app.fulfilment.confirm_receipt(&order.no).await {
        Ok(()) => Ok(redirect(&format!("/orders/{}?received=1", order.no))),
        // Already completed (a double tap) or not shipped: show the order as it is.
        Err(ShipError::NotShipped(_)) => Ok(redirect(&format!("/orders/{}", order.no))),
        Err(ShipError::NotFound) => Err(WebError::NotFound),
        Err(ShipError::Store(e)) => Err(e.into()),
        Err(e @ (ShipError::NotPaid(_) | ShipError::Invalid | ShipError::Held)) => {
            Err(WebError::Internal(e.to_string()))
        }
    }
}

/// `GET /orders/{no}/status` → `{"state": "...", "out_trade_no": "..."}`.
pub async fn order_status(ctx: &Ctx, req: Request<Incoming>, no: &str) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let mut order = own_order(ctx, &v, no).await?;
    let confirm = query(&req).get("confirm").cloned();
    if let Some(how @ ("1" | "failed")) = confirm.as_deref()
        && order.state == crate::order::OrderState::PendingPayment
    {
        // The result page is waiting: ask WeChat when the notification is late; after the
        // sheet said `fail`, ask at once.
        let p = &ctx.app.payments;
        let asked = if how == "failed" {
            p.confirm_after_fail(&order.no).await
        } else {
            p.confirm(&order.no).await
        };
        match asked {
            Ok(state) => order.state = state,
            Err(e) => tracing::warn!(error = %e, order = %order.no, "confirm failed"),
        }
    }
    Ok(json(&serde_json::json!({
        "out_trade_no": order.no.as_str(),
        "state": order.state.as_str(),
        "total": order.total.minor(),
        "currency": order.currency.code(),
    })))
}
