//! Cart handlers: adding, changing and removing lines, and the cart page.

use super::http::{Resp, WebError, redirect};
use super::{Ctx, views};
use crate::catalog::Quantity;
use crate::store::AddressBookOwner;
use hyper::Request;
use hyper::body::Incoming;
use std::collections::HashMap;

use super::shop::{channel_cookie, form, page, visitor, with_cookie};

fn quantity(f: &HashMap<String, String>) -> Result<Quantity, WebError> {
    f.get("qty")
        .map(|q| q.trim())
        .unwrap_or("1")
        .parse::<u32>()
        .ok()
        .and_then(Quantity::new)
        .ok_or_else(|| WebError::BadRequest("quantity must be a whole number from 1 to 99".into()))
}

pub async fn cart_add(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    // The first cart action stores the entry channel the cookie carried.
    let channel = channel_cookie(&req);
    let (sid, f) = form(ctx, req).await?;
    let sku = f.get("sku").cloned().unwrap_or_default();
    let qty = quantity(&f)?;
    let id = sid.id.clone();
    let now = ctx.app.clock.unix();
    let sku2 = sku.clone();
    let found = ctx.app.store.call(move |s| s.sku(&sku2)).await?;
    let outcome = match found {
        Some((p, _)) if !p.published => None,
        None => None,
        Some((p, 0)) => Some((p.id, "soldout")),
        Some((p, _)) => {
            let sku3 = sku.clone();
            let seen = p.variant(&sku).map(|v| v.price).unwrap_or_default();
            let added = ctx
                .app
                .store
                .change_session(id, now, move |sess| {
                    if channel.is_some() {
                        sess.channel = channel;
                    }
                    sess.cart.add_seen(&sku3, qty, seen)
                })
                .await?;
            Some((p.id, if added { "1" } else { "full" }))
        }
    };
    let Some((pid, flag)) = outcome else {
        return Err(WebError::BadRequest("that item is not sold here".into()));
    };
    let loc = format!(
        "/p/{pid}?added={flag}&sku={}",
        form_urlencoded::byte_serialize(sku.as_bytes()).collect::<String>()
    );
    Ok(with_cookie(ctx, &sid, redirect(&loc)))
}

pub async fn cart_update(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let (sid, f) = form(ctx, req).await?;
    if f.get("accept").map(String::as_str) == Some("1") {
        return accept_prices(ctx, sid).await;
    }
    let sku = f.get("sku").cloned().unwrap_or_default();
    let qty = quantity(&f)?;
    let (id, now) = (sid.id.clone(), ctx.app.clock.unix());
    ctx.app
        .store
        .change_session(id, now, move |sess| sess.cart.set(&sku, qty))
        .await?;
    Ok(with_cookie(ctx, &sid, redirect("/cart")))
}

/// The shopper saw the changed prices on the cart page and goes on: every line takes the
/// price it has now, then checkout (which prices the cart again either way).
async fn accept_prices(ctx: &Ctx, sid: super::session::Sid) -> Result<Resp, WebError> {
    let (id, now) = (sid.id.clone(), ctx.app.clock.unix());
    let id2 = id.clone();
    let prices = ctx
        .app
        .store
        .call(
            move |s| -> Result<HashMap<String, crate::money::Money>, crate::store::StoreError> {
                let mut m = HashMap::new();
                if let Some(sess) = s.session(&id2)? {
                    for line in &sess.cart.lines {
                        if let Some((p, _)) = s.sku(&line.sku)?
                            && let Some(v) = p.variant(&line.sku)
                        {
                            m.insert(line.sku.clone(), v.price);
                        }
                    }
                }
                Ok(m)
            },
        )
        .await?;
    ctx.app
        .store
        .change_session(id, now, move |sess| {
            sess.cart.accept_prices(|sku| prices.get(sku).copied())
        })
        .await?;
    Ok(with_cookie(ctx, &sid, redirect("/checkout")))
}

pub async fn cart_remove(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let (sid, f) = form(ctx, req).await?;
    let sku = f.get("sku").cloned().unwrap_or_default();
    let (id, now) = (sid.id.clone(), ctx.app.clock.unix());
    ctx.app
        .store
        .change_session(id, now, move |sess| sess.cart.remove(&sku))
        .await?;
    Ok(with_cookie(ctx, &sid, redirect("/cart")))
}

/// The cart page. Its free-shipping hint and shipping line follow the shopper's known
/// province — that of their default saved address, which checkout starts from — and
/// without one the hint says only what holds (see [`crate::shipping::shipping_hint`]).
pub async fn cart(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let cart = v.session.cart.clone();
    let rule = ctx.app.config.shop.shipping;
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let (mut priced, book, templates) = ctx
        .app
        .store
        .call(move |s| {
            Ok::<_, crate::store::StoreError>((
                s.price_cart(&cart, rule)?,
                s.address_book(&owner)?,
                s.shipping_templates()?,
            ))
        })
        .await?;
    let province = book
        .default_entry()
        .map(|e| e.parts.province.clone())
        .filter(|p| !p.is_empty());
    let (units, goods) = (priced.units(), priced.goods());
    if let Some(p) = &province {
        let template = templates.iter().find(|t| &t.province == p);
        if let Ok(fee) = crate::shipping::fee_for(template, rule, units, goods) {
            priced
                .set_shipping(fee)
                .map_err(|_| WebError::BadRequest("order total out of range".into()))?;
        }
    }
    let hint = crate::shipping::shipping_hint(&templates, rule, province.as_deref(), units, goods);
    Ok(page(ctx, &v, views::cart(ctx, &v, &priced, hint.as_ref())))
}
