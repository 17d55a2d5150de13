//! Back-office orders: the filtered list, the detail with its payment timeline, shipping,
//! refunds, and the bookkeeping CSV.

use super::{Admin, Form, lang, page, views};
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

    pub fn matches(&self, o: &Order) -> bool {
        let day = views::cst_date(o.created_at);
        self.state.is_none_or(|s| s == o.state)
            && self
                .from
                .as_ref()
                .is_none_or(|f| day.as_str() >= f.as_str())
            && self.to.as_ref().is_none_or(|t| day.as_str() <= t.as_str())
            && (self.q.is_empty()
                || o.no.as_str().contains(&self.q)
                || o.recipient.mobile.contains(&self.q)
                || o.recipient.name.contains(&self.q))
    }
}

pub async fn list(ctx: &Ctx, admin: &Admin, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let f = Filter::from_query(q);
    let orders: Vec<Order> = ctx
        .app
        .store
        .call(|s| s.all_orders())
        .await?
        .into_iter()
        .filter(|o| f.matches(o))
        .collect();
    Ok(page(views::orders(ctx, admin, &orders, &f)))
}

pub async fn export_csv(ctx: &Ctx, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let f = Filter::from_query(q);
    let orders: Vec<Order> = ctx
        .app
        .store
        .call(|s| s.all_orders())
        .await?
        .into_iter()
        .filter(|o| f.matches(o))
        .collect();
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

pub async fn detail(
    ctx: &Ctx,
    admin: &Admin,
    no: &str,
    problem: Option<String>,
) -> Result<Resp, WebError> {
    let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let n2 = no.clone();
    let (order, outbox) = ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            let o = s.order(&n2)?;
            let out: Vec<_> = s
                .outbox()?
                .into_iter()
                .filter(|e| e.order == n2.as_str())
                .collect();
            Ok((o, out))
        })
        .await?;
    let order = order.ok_or(WebError::NotFound)?;
    let mut r = page(views::order_detail(
        ctx,
        admin,
        &order,
        &outbox,
        problem.as_deref(),
    ));
    if problem.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn ship(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let n = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    match ctx
        .app
        .fulfilment
        .ship(
            &n,
            f.get("courier"),
            f.get("tracking_no"),
            &admin.session.username,
        )
        .await
    {
        Ok(_) => Ok(redirect(&format!("/admin/orders/{no}"))),
        Err(crate::fulfilment::ShipError::NotFound) => Err(WebError::NotFound),
        Err(crate::fulfilment::ShipError::Store(e)) => Err(e.into()),
        Err(crate::fulfilment::ShipError::Held) => {
            let held = lang(ctx).aftersales().ship_held.to_string();
            detail(ctx, admin, no, Some(held)).await
        }
        Err(e) => detail(ctx, admin, no, Some(e.to_string())).await,
    }
}

pub async fn refund(ctx: &Ctx, admin: &Admin, no: &str, f: Form) -> Result<Resp, WebError> {
    let n = OrderNo::parse(no).ok_or(WebError::NotFound)?;
    let cur = ctx.app.config.shop.currency;
    let Some(amount) = crate::money::Money::parse_decimal(f.get("amount"), cur) else {
        return detail(
            ctx,
            admin,
            no,
            Some(format!("{} {:?}", lang(ctx).refund_amount, f.get("amount"))),
        )
        .await;
    };
    match ctx.app.payments.refund(&n, amount, f.get("reason")).await {
        Ok(_) => Ok(redirect(&format!("/admin/orders/{no}"))),
        Err(crate::payment::PaymentError::NotFound) => Err(WebError::NotFound),
        Err(e) => detail(ctx, admin, no, Some(e.to_string())).await,
    }
}
