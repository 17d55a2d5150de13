//! Back-office staff (the owner's alone; `allowed` refuses everyone else): the member
//! list, one-time invitation links (shown once), role changes, removal (confirmed first;
//! the member's sessions end in the same write), and the page an invitee joins on.

use super::{Admin, flash_redirect, form, lang, page, views};
use crate::account;
use crate::audit::{Action, Role};
use crate::web::Ctx;
use crate::web::http::{Resp, WebError, parse_form, read_body};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

/// `/admin/staff/…` (the owner is signed in).
pub async fn route(
    ctx: &Ctx,
    admin: &Admin,
    req: Request<Incoming>,
    rest: &[&str],
) -> Result<Resp, WebError> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let post = req.method() == Method::POST;
    match rest {
        [] | [""] if get => list(ctx, admin, None).await,
        ["invite"] if post => {
            let f = form(ctx, admin, req).await?;
            let role = Role::member_role(f.get("role")).ok_or(WebError::NotFound)?;
            let (base, by, now) = (
                ctx.app.base_url.clone(),
                admin.session.username.clone(),
                ctx.app.clock.unix(),
            );
            let link = ctx
                .app
                .store
                .call(move |s| account::invite(s, &base, role, &by, now))
                .await?;
            list(ctx, admin, Some(&link)).await
        }
        [name, "role"] if post => {
            let f = form(ctx, admin, req).await?;
            let role = Role::member_role(f.get("role")).ok_or(WebError::NotFound)?;
            let name = name.to_string();
            let e = admin.entry(
                ctx,
                Action::RoleChanged {
                    member: name.clone(),
                    role,
                },
            );
            let found = ctx
                .app
                .store
                .call(move |s| s.set_member_role(&name, role, &e))
                .await?;
            if !found {
                return Err(WebError::NotFound);
            }
            Ok(flash_redirect(ctx, "/admin/staff"))
        }
        [name, "revoke"] if post => {
            let f = form(ctx, admin, req).await?;
            if f.get("confirm") != "1" {
                return Ok(page(views::revoke_confirm(ctx, admin, name)));
            }
            let name = name.to_string();
            let e = admin.entry(
                ctx,
                Action::MemberRevoked {
                    member: name.clone(),
                },
            );
            let found = ctx
                .app
                .store
                .call(move |s| s.revoke_member(&name, &e))
                .await?;
            if !found {
                return Err(WebError::NotFound);
            }
            Ok(flash_redirect(ctx, "/admin/staff"))
        }
        _ if get || post => Err(WebError::NotFound),
        _ => Err(WebError::MethodNotAllowed),
    }
}

async fn list(ctx: &Ctx, admin: &Admin, link: Option<&str>) -> Result<Resp, WebError> {
    let (owner, members) = ctx
        .app
        .store
        .call(|s| -> Result<_, crate::store::StoreError> { Ok((s.owner()?, s.members()?)) })
        .await?;
    let owner = owner.map(|o| o.username).unwrap_or_default();
    Ok(page(views::staff(ctx, admin, &owner, &members, link)))
}

/// `GET /admin/join/{token}`: the invitation form, or why the link does not work (404).
pub async fn join_page(ctx: &Ctx, token: &str) -> Result<Resp, WebError> {
    let (t2, now) = (token.to_string(), ctx.app.clock.unix());
    let inv = ctx
        .app
        .store
        .call(move |s| account::live_invite(s, &t2, now))
        .await?;
    let msg = inv.is_none().then_some(lang(ctx).link_invalid);
    let mut r = page(views::join(ctx, token, inv.map(|i| i.role), msg));
    if msg.is_some() {
        *r.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(r)
}

/// `POST /admin/join/{token}`: creates the member (once); then the login page.
pub async fn join(ctx: &Ctx, req: Request<Incoming>, token: &str) -> Result<Resp, WebError> {
    crate::web::http::check_origin(&req)?;
    let body = read_body(req, 4096).await?;
    let f = parse_form(&body);
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (user, pass, confirm, t2) = (
        g("username"),
        g("password"),
        g("confirm"),
        token.to_string(),
    );
    let now = ctx.app.clock.unix();
    let r = ctx
        .app
        .store
        .call(move |s| account::accept_invite(s, &t2, &user, &pass, &confirm, now))
        .await?;
    match r {
        Ok(_) => Ok(page(views::login(ctx, Some(lang(ctx).staff().join_done)))),
        Err(p) => {
            let msg = super::problem_text(lang(ctx), p);
            let (t2, now) = (token.to_string(), ctx.app.clock.unix());
            let inv = ctx
                .app
                .store
                .call(move |s| account::live_invite(s, &t2, now))
                .await?;
            let mut r = page(views::join(ctx, token, inv.map(|i| i.role), Some(msg)));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
