//! `/addresses`: the shopper's address book outside checkout — list, make one the default,
//! delete one (asked first). The book belongs to the shopper's openid once known (inside
//! WeChat, silent OAuth first), else to the session.

use super::http::{Resp, WebError, query, redirect};
use super::pay::start_oauth;
use super::shop::{form, page, visitor, with_cookie};
use super::shopper::needs_openid;
use super::{Ctx, views};
use crate::store::AddressBookOwner;
use hyper::Request;
use hyper::body::Incoming;

/// `GET /addresses` (`?delete=ID` asks before deleting).
pub async fn list(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    if needs_openid(&req, &v) {
        return start_oauth(ctx, &v, "/addresses").await;
    }
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let book = if v.sid.fresh && v.session.openid.is_none() {
        Default::default()
    } else {
        ctx.app.store.call(move |s| s.address_book(&owner)).await?
    };
    let confirm = query(&req)
        .get("delete")
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|id| book.get(*id).is_some());
    Ok(page(ctx, &v, views::addresses(ctx, &v, &book, confirm)))
}

/// `POST /addresses/{id}/default` and `POST /addresses/{id}/delete`.
pub async fn change(
    ctx: &Ctx,
    req: Request<Incoming>,
    id: &str,
    delete: bool,
) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let (sid, _) = form(ctx, req).await?;
    let id: u32 = id.parse().map_err(|_| WebError::NotFound)?;
    if v.sid.fresh {
        return Err(WebError::NotFound);
    }
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let found = ctx
        .app
        .store
        .call(move |s| {
            s.update_address_book(&owner, |b| {
                if delete {
                    b.remove(id)
                } else {
                    b.set_default(id)
                }
            })
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(with_cookie(ctx, &sid, redirect("/addresses")))
}
