//! Checkout: the form (pre-filled from the address book) and placing the order, which
//! goes straight to the cashier.

use super::address::AddressInput;
use super::http::{Resp, WebError, check_origin, parse_form, read_body, redirect};
use super::{Ctx, views};
use crate::order::CheckoutForm;
use crate::store::{AddressBookOwner, NewOrder, PlaceOrderError};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::shop::{page, visitor, with_cookie};

pub async fn checkout_form(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    if v.session.cart.is_empty() {
        return Ok(with_cookie(ctx, &v.sid, redirect("/cart")));
    }
    let cart = v.session.cart.clone();
    let rule = ctx.app.config.shop.shipping;
    let priced = ctx
        .app
        .store
        .call(move |s| s.price_cart(&cart, rule))
        .await?;
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let book = ctx.app.store.call(move |s| s.address_book(&owner)).await?;
    let input = AddressInput::from_book(&book);
    let mut form = CheckoutForm::default();
    if let Some(e) = book.default_entry() {
        form.name = e.name.clone();
        form.mobile = e.mobile.clone();
    }
    Ok(page(
        ctx,
        &v,
        views::checkout(ctx, &v, &priced, &form, &[], None, &book, &input),
    ))
}

pub async fn checkout(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    check_origin(&req)?;
    let ip = super::http::client_ip(&req, peer, &ctx.app.config.server.trusted_proxies);
    let v = visitor(ctx, &req).await?;
    let body = read_body(req, ctx.app.config.server.body_limit).await?;
    let f = parse_form(&body);
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let book = {
        let owner = owner.clone();
        ctx.app.store.call(move |s| s.address_book(&owner)).await?
    };
    let (form, input) = super::address::read(ctx, &f, &book);
    let t = ctx.app.config.shop.language.text();
    let mut throttled = false;
    let validated = match (input.refresh, input.problem) {
        // The no-JS region selects asked for their next choices: nothing placed.
        (true, _) => Err((String::new(), vec![])),
        (false, Some(p)) => Err((p.to_string(), vec![])),
        (false, None) => form.validate().map_err(|e| (t.fix_errors.to_string(), e)),
    };
    let (problem, errors) = match validated {
        // Stock cannot be hoarded from many fresh sessions at one address either (this
        // machine is not counted: it is the owner, or a proxy not named in trusted_proxies).
        Ok(_) if !ip.is_loopback() && !ctx.checkouts.allow(ip, ctx.app.clock.unix()) => {
            throttled = true;
            (t.too_many_checkouts.to_string(), vec![])
        }
        Ok((mut recipient, note)) => {
            if input.structured {
                recipient.parts = Some(input.parts.clone());
            }
            let new = NewOrder {
                session: v.sid.id.clone(),
                recipient,
                note,
                currency: ctx.app.config.shop.currency,
                shipping: ctx.app.config.shop.shipping,
                now: ctx.app.clock.now_cst(),
                random: crate::app::random_u64(),
                max_unpaid: ctx.app.config.shop.max_unpaid_orders,
            };
            match ctx.app.store.place_order_grouped(new).await {
                Ok(order) => {
                    tracing::info!(out_trade_no = %order.no, total = order.total.minor(), "order placed");
                    // Kept in the shopper's address book for next time.
                    if input.structured {
                        let (r, make_default) = (order.recipient.clone(), input.make_default);
                        ctx.app
                            .store
                            .call(move |s| {
                                s.update_address_book(&owner, |b| b.remember(&r, make_default))
                            })
                            .await?;
                    }
                    // Straight to the cashier, which opens the payment sheet at once.
                    let loc = format!("/pay/{}?go=1", order.no);
                    return Ok(with_cookie(ctx, &v.sid, redirect(&loc)));
                }
                Err(PlaceOrderError::EmptyCart) => {
                    return Ok(with_cookie(ctx, &v.sid, redirect("/cart")));
                }
                Err(PlaceOrderError::Unavailable(_)) => (t.item_unavailable.to_string(), vec![]),
                Err(PlaceOrderError::OutOfStock(short)) => (
                    short
                        .iter()
                        .map(|(name, n)| t.short_stock(name, *n))
                        .collect::<Vec<_>>()
                        .join("；"),
                    vec![],
                ),
                Err(PlaceOrderError::TooManyUnpaid(n)) => (t.too_many_unpaid(n), vec![]),
                Err(PlaceOrderError::Overflow) => {
                    return Err(WebError::BadRequest("order total out of range".into()));
                }
                Err(PlaceOrderError::Store(e)) => return Err(e.into()),
            }
        }
        Err(refused) => refused,
    };
    let cart = ctx
        .app
        .store
        .call({
            let id = v.sid.id.clone();
            move |s| s.session(&id)
        })
        .await?
        .unwrap_or_default()
        .cart;
    let rule = ctx.app.config.shop.shipping;
    let priced = ctx
        .app
        .store
        .call(move |s| s.price_cart(&cart, rule))
        .await?;
    let status = if input.refresh {
        StatusCode::OK
    } else if throttled {
        StatusCode::TOO_MANY_REQUESTS
    } else if input.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = page(
        ctx,
        &v,
        views::checkout(
            ctx,
            &v,
            &priced,
            &form,
            &errors,
            (!problem.is_empty()).then_some(problem.as_str()),
            &book,
            &input,
        ),
    );
    *r.status_mut() = status;
    Ok(r)
}
