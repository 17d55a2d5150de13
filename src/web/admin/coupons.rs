//! `/admin/coupons`: the owner creates coupon codes (fixed or percent off, minimum spend,
//! validity window, total and per-shopper caps, categories), sees each with its uses so
//! far, and disables one after confirming. Every change is audited in its transaction.

use super::{Admin, Form, flash_redirect, form, page};
use crate::coupon::{CouponForm, normalize_code};
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
        [] if get => list(ctx, admin, &CouponForm::default(), None).await,
        [] if post => create(ctx, admin, form(ctx, admin, req).await?).await,
        [code, "disable"] if get => {
            let code = known(ctx, code).await?;
            Ok(page(super::views::coupon_disable(ctx, admin, &code)))
        }
        [code, "disable"] if post => {
            let f = form(ctx, admin, req).await?;
            let code = known(ctx, code).await?;
            if f.get("confirm") != "1" {
                return Ok(page(super::views::coupon_disable(ctx, admin, &code)));
            }
            let (by, now) = admin.stamp(ctx);
            ctx.app
                .store
                .call(move |s| s.disable_coupon(&code, (&by, now)))
                .await?;
            Ok(flash_redirect(ctx, "/admin/coupons"))
        }
        _ => Err(WebError::NotFound),
    }
}

/// The stored code named in a URL, or 404.
async fn known(ctx: &Ctx, code: &str) -> Result<String, WebError> {
    let code = normalize_code(code).ok_or(WebError::NotFound)?;
    let c2 = code.clone();
    match ctx.app.store.call(move |s| s.coupon(&c2)).await? {
        Some(_) => Ok(code),
        None => Err(WebError::NotFound),
    }
}

async fn list(
    ctx: &Ctx,
    admin: &Admin,
    draft: &CouponForm,
    error: Option<&str>,
) -> Result<Resp, WebError> {
    let coupons = ctx.app.store.call(|s| s.coupons()).await?;
    let categories = ctx.app.store.call(|s| s.categories()).await?;
    let now = ctx.app.clock.unix();
    Ok(page(super::views::coupons(
        ctx,
        admin,
        &coupons,
        &categories,
        draft,
        error,
        now,
    )))
}

async fn create(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    let draft = CouponForm {
        code: f.get("code").to_string(),
        kind: f.get("kind").to_string(),
        value: f.get("value").to_string(),
        min_spend: f.get("min_spend").to_string(),
        starts: f.get("starts").to_string(),
        ends: f.get("ends").to_string(),
        total_cap: f.get("total_cap").to_string(),
        per_shopper_cap: f.get("per_shopper_cap").to_string(),
        categories: f
            .fields
            .iter()
            .filter(|(k, v)| k.starts_with("cat_") && v.as_str() == "1")
            .map(|(k, _)| k["cat_".len()..].to_string())
            .collect(),
    };
    let (by, now) = admin.stamp(ctx);
    let words = ctx.app.config.shop.language.pricing();
    let problem = match draft.validate(ctx.app.config.shop.currency, now) {
        Ok(c) => match ctx
            .app
            .store
            .call(move |s| s.create_coupon(&c, (&by, now)))
            .await?
        {
            Ok(()) => return Ok(flash_redirect(ctx, "/admin/coupons")),
            Err(p) => p,
        },
        Err(p) => p,
    };
    let mut r = list(ctx, admin, &draft, Some(words.form_problem(problem))).await?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
