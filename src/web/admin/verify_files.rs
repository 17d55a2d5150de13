//! `/admin/settings/verify-files`: the owner uploads the domain verification file WeChat
//! hands out (multipart), sees the stored ones, and deletes one after confirming.

use super::{Admin, Form, flash_redirect, form, page};
use crate::web::Ctx;
use crate::web::http::{Resp, WebError};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

pub async fn route(
    ctx: &Ctx,
    admin: &Admin,
    req: Request<Incoming>,
    rest: &[&str],
) -> Result<Resp, WebError> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let post = req.method() == Method::POST;
    match rest {
        [] if get => list(ctx, admin, None).await,
        [] if post => upload(ctx, admin, form(ctx, admin, req).await?).await,
        ["delete"] if get => {
            let q = crate::web::http::query(&req);
            let name = q.get("name").map(String::as_str).unwrap_or("");
            if !crate::store::valid_verify_name(name) {
                return Err(WebError::NotFound);
            }
            Ok(page(super::views::verify_file_delete(ctx, admin, name)))
        }
        ["delete"] if post => {
            let f = form(ctx, admin, req).await?;
            let name = f.get("name").to_string();
            if f.get("confirm") != "1" {
                return Ok(page(super::views::verify_file_delete(ctx, admin, &name)));
            }
            let (by, now) = admin.stamp(ctx);
            ctx.app
                .store
                .call(move |s| s.delete_domain_file(&name, (&by, now)))
                .await?;
            Ok(flash_redirect(ctx, "/admin/settings/verify-files"))
        }
        _ => Err(WebError::NotFound),
    }
}

async fn list(ctx: &Ctx, admin: &Admin, error: Option<&str>) -> Result<Resp, WebError> {
    let names: Vec<String> = ctx
        .app
        .store
        .call(|s| s.domain_files())
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    Ok(page(super::views::verify_files(ctx, admin, &names, error)))
}

async fn upload(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let Some(file) = f.files.into_iter().next() else {
        return refused(ctx, admin).await;
    };
    let name = file
        .filename
        .as_deref()
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .unwrap_or("")
        .to_string();
    let data = file.data;
    let (by, now) = admin.stamp(ctx);
    let stored = ctx
        .app
        .store
        .call(move |s| s.put_domain_file(&name, &data, (&by, now)))
        .await?;
    match stored {
        Ok(()) => Ok(flash_redirect(ctx, "/admin/settings/verify-files")),
        Err(_) => refused(ctx, admin).await,
    }
}

async fn refused(ctx: &Ctx, admin: &Admin) -> Result<Resp, WebError> {
    let l = ctx.app.config.shop.language.platform();
    let mut r = list(ctx, admin, Some(l.verify_bad_file)).await?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
