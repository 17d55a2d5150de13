//! The back-office audit log (the owner's alone): `/admin/audit`, newest first, a page at
//! a time, filtered by member; and the same as CSV, every cell spreadsheet-safe.

use super::{Admin, lang, page, views};
use crate::store::StoreError;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError};
use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use std::collections::HashMap;

fn member_filter(q: &HashMap<String, String>) -> Option<String> {
    q.get("by")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub async fn list(ctx: &Ctx, admin: &Admin, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let by = member_filter(q);
    let before = q.get("before").and_then(|b| b.parse().ok());
    let b2 = by.clone();
    let (page_, names) = ctx
        .app
        .store
        .call(move |s| -> Result<_, StoreError> {
            let mut names: Vec<String> = s.owner()?.into_iter().map(|o| o.username).collect();
            names.extend(s.members()?.into_iter().map(|m| m.username));
            Ok((s.audit_page(b2.as_deref(), before)?, names))
        })
        .await?;
    Ok(page(views::audit(
        ctx,
        admin,
        &page_,
        &names,
        by.as_deref(),
    )))
}

pub async fn export_csv(ctx: &Ctx, q: &HashMap<String, String>) -> Result<Resp, WebError> {
    let by = member_filter(q);
    let entries = ctx
        .app
        .store
        .call(move |s| s.audit_entries(by.as_deref(), None, usize::MAX))
        .await?;
    let s = lang(ctx).staff();
    let cur = ctx.app.config.shop.currency;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let head = [s.when, s.who, s.what, s.order, s.product];
    w.write_record(head)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    for e in &entries {
        let row = [
            views::cst_datetime(e.at),
            e.by.clone(),
            s.sentence(&e.action, cur),
            e.order.clone().unwrap_or_default(),
            e.product.clone().unwrap_or_default(),
        ];
        w.write_record(
            row.iter()
                .map(|c| crate::store::spreadsheet_safe(c).into_owned()),
        )
        .map_err(|e| WebError::Internal(e.to_string()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    // A BOM so spreadsheet programs read the Chinese text as UTF-8.
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(bytes);
    let mut r = hyper::Response::new(http_body_util::Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit.csv\""),
    );
    Ok(r)
}
