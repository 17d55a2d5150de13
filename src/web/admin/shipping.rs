//! Shipping work in bulk: packing slips (one order, or every order waiting to ship) as a
//! print view with each order's QR code, and bulk shipping from a CSV file (order number,
//! carrier, tracking number): a preview first, then every order ships in one store
//! transaction or none does, with each bad row named in words.

use super::{Admin, Form, page, views};
use crate::carrier::Carrier;
use crate::fulfilment::{BulkShipment, ShipError};
use crate::order::{Order, OrderNo, OrderState};
use crate::web::Ctx;
use crate::web::http::{Resp, WebError};
use hyper::StatusCode;
use std::collections::HashSet;

/// The paper a packing slip is printed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlipSize {
    A4,
    /// A 100×150 mm thermal label.
    Label,
}

impl SlipSize {
    pub fn parse(s: Option<&str>) -> SlipSize {
        match s {
            Some("label") => SlipSize::Label,
            _ => SlipSize::A4,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SlipSize::A4 => "a4",
            SlipSize::Label => "label",
        }
    }
}

/// An order's QR code for its slip: it opens the order in the back office.
fn order_qr(ctx: &Ctx, no: &OrderNo) -> String {
    let url = format!("{}/admin/orders/{no}", ctx.app.base_url);
    let svg = crate::qr::svg(&url, 120).unwrap_or_default();
    svg.find("<svg")
        .map(|i| svg[i..].to_string())
        .unwrap_or(svg)
}

/// Packing slips for one order (`Some(no)`) or every order waiting to ship.
pub async fn slips(ctx: &Ctx, one: Option<&str>, size: SlipSize) -> Result<Resp, WebError> {
    let orders: Vec<Order> = match one {
        Some(no) => {
            let no = OrderNo::parse(no).ok_or(WebError::NotFound)?;
            let o = ctx.app.store.call(move |s| s.order(&no)).await?;
            vec![o.ok_or(WebError::NotFound)?]
        }
        None => {
            let mut v: Vec<Order> = ctx
                .app
                .store
                .call(|s| s.orders_in_state(OrderState::Paid))
                .await?;
            // Oldest first: the order they were paid in is the order they are packed in.
            v.reverse();
            v
        }
    };
    let with_qr: Vec<(Order, String)> = orders
        .into_iter()
        .map(|o| {
            let qr = order_qr(ctx, &o.no);
            (o, qr)
        })
        .collect();
    let base = match one {
        Some(no) => format!("/admin/orders/{no}/slip"),
        None => "/admin/slips".to_string(),
    };
    Ok(page(views::packing_slips(ctx, &with_qr, size, &base)))
}

/// One row of a bulk-shipping file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRow {
    /// The row's line in the file, counting from 1.
    pub row: usize,
    pub no: OrderNo,
    pub carrier: Carrier,
    pub other_name: String,
    pub tracking_no: String,
}

/// Reads a bulk-shipping CSV: rows of order number, carrier (code or name), tracking
/// number. A first row whose first cell is not an order number is a header. Returns the
/// rows that read well and every problem as (row, words).
pub fn parse_bulk(ctx: &Ctx, text: &str) -> (Vec<BulkRow>, Vec<(usize, String)>) {
    let w = ctx.app.config.shop.language.work();
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let Ok(rec) = rec else {
            errors.push((row, w.row_columns().to_string()));
            continue;
        };
        let cells: Vec<&str> = rec.iter().collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let Some(no) = OrderNo::parse(cells[0]) else {
            if row == 1 {
                continue; // a header
            }
            errors.push((row, w.row_no_order(cells[0])));
            continue;
        };
        if cells.len() != 3 {
            errors.push((row, w.row_columns().to_string()));
            continue;
        }
        let carrier = Carrier::from_code(cells[1]).or_else(|| Carrier::recognise(cells[1]));
        let Some(carrier) = carrier.filter(|c| *c != Carrier::Other) else {
            errors.push((row, w.row_carrier(cells[1])));
            continue;
        };
        let tracking_no = cells[2].to_string();
        if tracking_no.is_empty() || tracking_no.chars().count() > 40 {
            errors.push((row, w.row_tracking().to_string()));
            continue;
        }
        if !seen.insert(no.clone()) {
            errors.push((row, w.row_twice(no.as_str())));
            continue;
        }
        rows.push(BulkRow {
            row,
            no,
            carrier,
            other_name: String::new(),
            tracking_no,
        });
    }
    if errors.is_empty() && rows.is_empty() {
        errors.push((0, w.bulk_empty.to_string()));
    }
    (rows, errors)
}

pub async fn bulk_page(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    Ok(page(views::bulk_ship(
        ctx,
        admin,
        &views::BulkView::default(),
    )))
}

/// The uploaded file (or, from the preview's confirmation, the text it carries): a
/// preview, or with `apply=1` every order shipped in one transaction.
pub async fn bulk(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let w = ctx.app.config.shop.language.work();
    let text = match f.files.first() {
        Some(file) => match String::from_utf8(file.data.clone()) {
            Ok(t) => t,
            Err(_) => {
                return refused(
                    ctx,
                    admin,
                    vec![(0, w.bulk_not_utf8.to_string())],
                    String::new(),
                );
            }
        },
        None => f.get("csv").to_string(),
    };
    let (rows, mut errors) = parse_bulk(ctx, &text);
    // Each order must exist and wait to ship (checked again inside the transaction).
    let nos: Vec<OrderNo> = rows.iter().map(|r| r.no.clone()).collect();
    let found = ctx
        .app
        .store
        .call(
            move |s| -> Result<Vec<Option<Order>>, crate::store::StoreError> {
                nos.iter().map(|n| s.order(n)).collect()
            },
        )
        .await?;
    let t = ctx.app.config.shop.language.text();
    let mut preview = Vec::new();
    for (r, o) in rows.iter().zip(found) {
        match o {
            None => errors.push((r.row, w.row_no_order(r.no.as_str()))),
            Some(o) if o.state != OrderState::Paid => {
                errors.push((r.row, w.row_not_paid(r.no.as_str(), t.state(o.state))))
            }
            Some(o) => preview.push((r.clone(), o)),
        }
    }
    errors.sort_by_key(|(row, _)| *row);
    if !errors.is_empty() {
        return refused(ctx, admin, errors, text);
    }
    if f.get("apply") != "1" {
        return Ok(page(views::bulk_ship(
            ctx,
            admin,
            &views::BulkView {
                rows: preview,
                csv: text,
                ..Default::default()
            },
        )));
    }
    let items = rows
        .into_iter()
        .map(|r| BulkShipment {
            no: r.no,
            carrier: r.carrier,
            other_name: r.other_name,
            tracking_no: r.tracking_no,
        })
        .collect();
    match ctx
        .app
        .fulfilment
        .ship_many(items, &admin.session.username)
        .await
    {
        Ok(n) => Ok(page(views::bulk_ship(
            ctx,
            admin,
            &views::BulkView {
                done: Some(w.shipped_n(n)),
                ..Default::default()
            },
        ))),
        Err(ShipError::Store(e)) => Err(e.into()),
        // Another tab shipped or refunded one in between: nothing shipped.
        Err(_) => refused(ctx, admin, vec![(0, w.bulk_refused.to_string())], text),
    }
}

fn refused(
    ctx: &Ctx,
    admin: &Admin,
    errors: Vec<(usize, String)>,
    csv: String,
) -> Result<Resp, WebError> {
    let mut r = page(views::bulk_ship(
        ctx,
        admin,
        &views::BulkView {
            errors,
            csv,
            ..Default::default()
        },
    ));
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
