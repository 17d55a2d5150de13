//! Back-office orders: the filtered list, the detail with its payment timeline, shipping,
//! refunds, and the bookkeeping CSV.

use super::{Admin, Form, page, views};
use crate::carrier::Carrier;
use crate::fulfilment::ShipError;
use crate::order::REFUND_REASON_MAX_BYTES;
use crate::order::{Order, OrderNo, OrderState};
use crate::store::StoreError;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError, redirect};
use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use std::collections::HashMap;

/// The list filters: state, date range (China time, `yyyy-mm-dd`), and a search over
/// out_trade_no, mobile and name.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub state: Option<OrderState>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: String,
}

impl Filter {
    pub fn from_query(q: &HashMap<String, String>) -> Filter {
        let date = |k: &str| q.get(k).filter(|d| d.len() == 10).cloned();
        Filter {
            state: q
                .get("state")
                .and_then(|s| OrderState::ALL.into_iter().find(|x| x.as_str() == s)),
            from: date("from"),
            to: date("to"),
            q: q.get("q").map(|s| s.trim().to_string()).unwrap_or_default(),
        }
    }
}

/// Orders on one page of the back office's list.
pub const ORDERS_PAGE: usize = 100;

impl Filter {
    /// The store query for this filter, starting before order `before` (exclusive).
    fn query<'a>(&'a self, before: Option<&'a str>) -> crate::store::OrderQuery<'a> {
        crate::store::OrderQuery {
            state: self.state,
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            q: &self.q,
            before,
            window: None,
        }
    }
}

/// `GET /admin/orders`: the newest `ORDERS_PAGE` matching orders, read through the store's
/// indexes, and a link to the orders before them when there are more.
pub async fn list(ctx: &Ctx, admin: &Admin, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let f = Filter::from_query(q);
    let before = q
        .get("before")
        .and_then(|b| OrderNo::parse(b))
        .map(|n| n.as_str().to_string());
    let (f2, b2) = (f.clone(), before.clone());
    let found = ctx
        .app
        .store
        .call(move |s| s.orders_search_page(&f2.query(b2.as_deref()), ORDERS_PAGE + 1))
        .await?;
    let (mut orders, window_cut) = (found.orders, found.window_cut);
    let older = (orders.len() > ORDERS_PAGE).then(|| {
        orders.truncate(ORDERS_PAGE);
        let last = orders.last().map(|o| o.no.as_str()).unwrap_or_default();
        format!(
            "/admin/orders?state={}&from={}&to={}&q={}&before={last}",
            f.state.map(|s| s.as_str()).unwrap_or(""),
            f.from.clone().unwrap_or_default(),
            f.to.clone().unwrap_or_default(),
            form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>()
        )
    });
    Ok(page(views::orders(
        ctx,
        admin,
        &orders,
        &f,
        older.as_deref(),
        window_cut,
    )))
}

pub async fn export_csv(ctx: &Ctx, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let f = Filter::from_query(q);
    let orders: Vec<Order> = ctx
        .app
        .store
        .call(move |s| s.orders_page(&f.query(None), usize::MAX))
        .await?;
    // A BOM so spreadsheet programs read the Chinese text as UTF-8.
    let body = format!("\u{feff}{}", crate::store::orders_csv(&orders));
    let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"orders.csv\""),
    );
    Ok(r)
}

/// What the refund form held when it comes back with a problem, so nothing typed is lost.
#[derive(Default)]
pub struct RefundDraft {
    pub amount: String,
    pub reason: String,
}

pub async fn detail(
    ctx: &Ctx,
    admin: &Admin,
    no: &str,
    problem: Option<String>,
) -> Result<Resp, WebError> {
    detail_with(ctx, admin, no, problem, RefundDraft::default()).await
}

async fn load(ctx: &Ctx, no: &str) -> Result<(Order, Vec<crate::store::OutboxEntry>), WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let n2 = no.clone();
    let (order, outbox) = ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            let o = s.order(&n2)?;
            let out = s.outbox_for_order(n2.as_str())?;
            Ok((o, out))
        })
        .await?;
    Ok((order.ok_or(WebError::NotFound)?, outbox))
}

async fn detail_with(
    ctx: &Ctx,
    admin: &Admin,
    no: &str,
    problem: Option<String>,
    draft: RefundDraft,
) -> Result<Resp, WebError> {
    let (order, outbox) = load(ctx, no).await?;
    let mut r = page(views::order_detail(
        ctx,
        admin,
        &order,
        &outbox,
        problem.as_deref(),
        &draft,
    ));
    if problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// Ships with a carrier from the list (`carrier`, and `courier_other` for "other"); a form
/// from before the list sends `courier` as free text, which still works.
pub async fn ship(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let n = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let (carrier, other) = match Carrier::from_code(f.get("carrier")) {
        Some(c) => (c, f.get("courier_other")),
        None => match Carrier::recognise(f.get("courier")) {
            Some(c) => (c, ""),
            None => (Carrier::Other, f.get("courier")),
        },
    };
    let by = admin.session.username.clone();
    let w = ctx.app.config.shop.language.work();
    match ctx
        .app
        .fulfilment
        .ship_with(&n, carrier, other, f.get("tracking_no"), &by)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/admin/orders/{no}"))),
        Err(ShipError::NotFound) => Err(WebError::NotFound),
        Err(ShipError::Store(e)) => Err(e.into()),
        Err(ShipError::NotPaid(s) | ShipError::NotShipped(s)) => {
            let state = ctx.app.config.shop.language.text().state(s);
            detail(ctx, admin, no, Some(w.ship_not_paid(state))).await
        }
        Err(ShipError::Invalid) => detail(ctx, admin, no, Some(w.ship_invalid.to_string())).await,
        Err(ShipError::Held) => {
            let held = super::lang(ctx).aftersales().ship_held.to_string();
            detail(ctx, admin, no, Some(held)).await
        }
    }
}

/// A refund in two steps: the form shows what will happen (amount, recipient, reason) and
/// only the confirmed form (`confirm=1`) refunds. Amount and reason are checked on both.
pub async fn refund(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let n = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let cur = ctx.app.config.shop.currency;
    let w = ctx.app.config.shop.language.work();
    let draft = RefundDraft {
        amount: f.get("amount").trim().to_string(),
        reason: f.get("reason").trim().to_string(),
    };
    let back = |msg: &str, draft| detail_with(ctx, admin, no, Some(msg.to_string()), draft);
    let Some(amount) = crate::money::Money::parse_decimal(&draft.amount, cur)
        .filter(|m| *m > crate::money::Money::ZERO)
    else {
        return back(w.amount_invalid, draft).await;
    };
    if draft.reason.len() > REFUND_REASON_MAX_BYTES {
        return back(w.reason_too_long, draft).await;
    }
    let (order, _) = load(ctx, no).await?;
    if amount > order.refundable() {
        return back(w.refund_too_large, draft).await;
    }
    if f.get("confirm") != "1" {
        return Ok(page(views::refund_confirm(
            ctx,
            admin,
            &order,
            amount,
            &draft.reason,
        )));
    }
    let by = Some(admin.session.username.as_str());
    match ctx
        .app
        .payments
        .refund_by(&n, amount, &draft.reason, by)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/admin/orders/{no}"))),
        Err(crate::payment::PaymentError::NotFound) => Err(WebError::NotFound),
        Err(crate::payment::PaymentError::RefundTooLarge) => back(w.refund_too_large, draft).await,
        Err(e) => back(&w.refund_not_taken(&e.to_string()), draft).await,
    }
}
