//! `/admin/shipping-rules`: shipping templates per province (first item, each further
//! item, free over, or no delivery) beside the default flat rule; saving and deleting
//! (asked first) are audited in their transaction.

use super::{Admin, Form, flash_redirect, form, page};
use crate::shipping::{TemplateForm, TemplateProblem};
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
        [] if get => list(ctx, admin, &TemplateForm::default(), None).await,
        [] if post => save(ctx, admin, form(ctx, admin, req).await?).await,
        [p, "delete"] if get => {
            let p = known(p)?;
            Ok(page(super::views::shipping_rule_delete(ctx, admin, p)))
        }
        [p, "delete"] if post => {
            let f = form(ctx, admin, req).await?;
            let p = known(p)?;
            if f.get("confirm") != "1" {
                return Ok(page(super::views::shipping_rule_delete(ctx, admin, p)));
            }
            let (by, now) = admin.stamp(ctx);
            let code = p.to_string();
            ctx.app
                .store
                .call(move |s| s.delete_shipping_template(&code, (&by, now)))
                .await?;
            Ok(flash_redirect(ctx, "/admin/shipping-rules"))
        }
        _ => Err(WebError::NotFound),
    }
}

/// A province code from the URL, or 404.
fn known(p: &str) -> Result<&'static str, WebError> {
    crate::region::provinces()
        .iter()
        .find(|d| d.code == p)
        .map(|d| d.code)
        .ok_or(WebError::NotFound)
}

async fn list(
    ctx: &Ctx,
    admin: &Admin,
    draft: &TemplateForm,
    error: Option<&str>,
) -> Result<Resp, WebError> {
    let templates = ctx.app.store.call(|s| s.shipping_templates()).await?;
    Ok(page(super::views::shipping_rules(
        ctx, admin, &templates, draft, error,
    )))
}

async fn save(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let draft = TemplateForm {
        province: f.get("province").to_string(),
        first_fee: f.get("first_fee").to_string(),
        additional_fee: f.get("additional_fee").to_string(),
        free_over: f.get("free_over").to_string(),
        no_delivery: f.get("no_delivery") == "1",
    };
    let words = ctx.app.config.shop.language.pricing();
    match draft.validate(ctx.app.config.shop.currency) {
        Ok(t) => {
            let (by, now) = admin.stamp(ctx);
            ctx.app
                .store
                .call(move |s| s.save_shipping_template(&t, (&by, now)))
                .await?;
            Ok(flash_redirect(ctx, "/admin/shipping-rules"))
        }
        Err(p) => {
            let e = match p {
                TemplateProblem::Province => words.bad_province,
                TemplateProblem::Fee => words.bad_fee,
            };
            let mut r = list(ctx, admin, &draft, Some(e)).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
