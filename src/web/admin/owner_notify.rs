//! The owner's phone in the back office: `/admin/notify` (the member's own binding, the
//! one-time QR code, unbinding after asking) and the public bind link the QR code holds,
//! `/admin/bind/{token}`, which runs WeChat's silent OAuth (`snsapi_base`) and comes back to
//! `/admin/bind/{token}/done` to store the scanner's openid on the member who made it.

use super::views::{self, NotifyPage};
use super::{Admin, Form, flash_redirect, form, page};
use crate::account::wechat_bind;
use crate::store::BindRefusal;
use crate::web::Ctx;
use crate::web::http::{Resp, WebError, query, redirect};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

/// `/admin/notify…` for a signed-in member.
pub async fn route(
    ctx: &Ctx,
    admin: &Admin,
    req: Request<Incoming>,
    rest: &[&str],
) -> Result<Resp, WebError> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let post = req.method() == Method::POST;
    match rest {
        [] if get => show(ctx, admin, None).await,
        ["link"] if post => {
            let _ = form(ctx, admin, req).await?;
            let (by, now) = admin.stamp(ctx);
            let base = ctx.app.base_url.clone();
            let (url, expires) = ctx
                .app
                .store
                .call(move |s| wechat_bind::bind_link(s, &base, &by, now))
                .await?;
            show(ctx, admin, Some((&url, expires))).await
        }
        ["unbind"] if get => Ok(page(views::owner_unbind(ctx, admin))),
        ["unbind"] if post => unbind(ctx, admin, form(ctx, admin, req).await?).await,
        _ => Err(WebError::NotFound),
    }
}

async fn show(ctx: &Ctx, admin: &Admin, link: Option<(&str, i64)>) -> Result<Resp, WebError> {
    let me = admin.session.username.clone();
    let (binding, not_follower) = ctx
        .app
        .store
        .call(move |s| {
            let b = s.wechat_binding(&me)?;
            let nf = match &b {
                Some(b) => s.owner_not_follower(&b.username, &b.openid)?,
                None => false,
            };
            Ok::<_, crate::store::StoreError>((b, nf))
        })
        .await?;
    let bound = binding.map(|b| wechat_bind::masked(&b.openid));
    let t = ctx.app.config.shop.language.owner_notify();
    let w = &ctx.app.config.wechat;
    let p = NotifyPage {
        bound,
        link,
        kinds: [
            (t.kind_paid, w.owner_order_template_id.is_some()),
            (t.kind_aftersales, w.owner_aftersales_template_id.is_some()),
            (t.kind_alerts, w.owner_alert_template_id.is_some()),
        ],
        not_follower,
        quiet: ctx.app.config.owner.quiet_hours.map(|q| {
            format!(
                "{:02}:{:02}-{:02}:{:02}",
                q.start / 60,
                q.start % 60,
                q.end / 60,
                q.end % 60
            )
        }),
    };
    Ok(page(views::owner_notify(ctx, admin, &p)))
}

async fn unbind(ctx: &Ctx, admin: &Admin, f: Form) -> Result<Resp, WebError> {
    if f.get("confirm") != "1" {
        return Ok(page(views::owner_unbind(ctx, admin)));
    }
    let e = admin.entry(ctx, crate::audit::Action::WechatUnbound);
    ctx.app.store.call(move |s| s.unbind_wechat_as(&e)).await?;
    Ok(flash_redirect(ctx, "/admin/notify"))
}

fn refused(ctx: &Ctx, why: BindRefusal) -> Resp {
    let t = ctx.app.config.shop.language.owner_notify();
    let (status, msg) = match why {
        BindRefusal::Unknown => (StatusCode::NOT_FOUND, t.phone_link_used),
        BindRefusal::Expired => (StatusCode::GONE, t.phone_link_expired),
    };
    let mut r = page(views::bind_result(ctx, false, msg, None));
    *r.status_mut() = status;
    r
}

/// `GET /admin/bind/{token}` (no session: the phone that scanned the QR code): a live link
/// goes through WeChat's silent OAuth, coming back to `…/done`.
pub async fn start(ctx: &Ctx, token: &str) -> Result<Resp, WebError> {
    if token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(WebError::NotFound);
    }
    let (tk, now) = (token.to_string(), ctx.app.clock.unix());
    if let Err(why) = ctx
        .app
        .store
        .call(move |s| wechat_bind::check(s, &tk, now))
        .await?
    {
        return Ok(refused(ctx, why));
    }
    let back = format!("{}/admin/bind/{token}/done", ctx.app.base_url);
    Ok(redirect(&ctx.app.wechat.oauth.authorize_url(&back, "bind")))
}

/// `GET /admin/bind/{token}/done?code=…`: WeChat's answer; the openid is bound to the
/// member who made the link, once.
pub async fn done(ctx: &Ctx, req: Request<Incoming>, token: &str) -> Result<Resp, WebError> {
    let t = ctx.app.config.shop.language.owner_notify();
    let q = query(&req);
    let failed = || {
        let mut r = page(views::bind_result(ctx, false, t.phone_failed, None));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r
    };
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return Ok(failed());
    };
    let openid = match ctx.app.wechat.oauth.exchange(code).await {
        Ok(g) if !g.is_snapshot_user => g.openid,
        Ok(_) => {
            let mut r = page(views::bind_result(ctx, false, t.phone_open_in_wechat, None));
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
        Err(e) => {
            tracing::warn!(error = %e, "OAuth code exchange failed while binding a WeChat");
            return Ok(failed());
        }
    };
    let (tk, now) = (token.to_string(), ctx.app.clock.unix());
    match ctx
        .app
        .store
        .call(move |s| wechat_bind::bind(s, &tk, &openid, now))
        .await?
    {
        Ok(_) => Ok(page(views::bind_result(
            ctx,
            true,
            t.phone_bound,
            Some(t.phone_bound_hint),
        ))),
        Err(why) => Ok(refused(ctx, why)),
    }
}
