//! `/admin/service`: the owner sets the customer-service contact shown at `/service`
//! (phone, WeChat ID, hours). Until saved once the config's `[shop] service_*` values are
//! the form's defaults; a refused value is told in words and nothing is saved; a save is
//! audited in its transaction.

use super::{Admin, Form, clear_flash, flash_redirect, page};
use crate::store::ServiceContact;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError};
use hyper::StatusCode;

/// The form with the stored contact (or the config's), and "saved" after a save.
pub async fn show(ctx: &Ctx, admin: &Admin, flashed: bool) -> Result<Resp, WebError> {
    let stored = ctx.app.store.call(|s| s.service_contact()).await?;
    let from_config = stored.is_none();
    let c = stored.unwrap_or_else(|| ServiceContact::of(&ctx.app.config.shop.service));
    let mut r = page(super::views::service_contact(
        ctx,
        admin,
        &c,
        from_config,
        None,
        flashed,
    ));
    if flashed {
        clear_flash(ctx, &mut r);
    }
    Ok(r)
}

/// Checks and saves the form; 422 with the reason and the typed values when refused.
pub async fn save(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    match ServiceContact::checked(f.get("phone"), f.get("wechat_id"), f.get("hours")) {
        Ok(c) => {
            let (by, now) = admin.stamp(ctx);
            ctx.app
                .store
                .call(move |s| s.save_service_contact(&c, (&by, now)))
                .await?;
            Ok(flash_redirect(ctx, "/admin/service"))
        }
        Err(p) => {
            let draft = ServiceContact {
                phone: f.get("phone").to_string(),
                wechat_id: f.get("wechat_id").to_string(),
                hours: f.get("hours").to_string(),
            };
            let from_config = ctx.app.store.call(|s| s.service_contact()).await?.is_none();
            let words = ctx.app.config.shop.language.service_contact();
            let mut r = page(super::views::service_contact(
                ctx,
                admin,
                &draft,
                from_config,
                Some(words.problem(p)),
                false,
            ));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
