//! Checkout: the form (pre-filled from the address book) and placing the order, which
//! goes straight to the cashier. A buy-now checkout (`/checkout?sku=…&qty=…`) is for that
//! one item only and leaves the cart alone; a coupon code is previewed on "apply" and
//! checked again (and its use counted) in the transaction that places the order.

use super::address::AddressInput;
use super::http::{Resp, WebError, check_origin, parse_form, read_body, redirect};
use super::views::CheckoutExtras;
use super::{Ctx, views};
use crate::cart::{Cart, Priced};
use crate::catalog::Quantity;
use crate::order::CheckoutForm;
use crate::store::{AddressBookOwner, NewOrder, PlaceOrderError};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use std::collections::HashMap;

use super::shop::{page, visitor, with_cookie};

/// The buy-now item of a checkout (`sku` and `qty`, from the query or the form): None for
/// the cart, an error the shopper reads when either is wrong.
fn buy_now_of(
    ctx: &Ctx,
    f: &HashMap<String, String>,
) -> Result<Option<(String, Quantity)>, WebError> {
    let Some(sku) = f.get("sku").map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        WebError::Shown(
            ctx.app
                .config
                .shop
                .language
                .pricing()
                .buy_now_bad
                .to_string(),
        )
    };
    let qty = match f.get("qty").map(|q| q.trim()) {
        None | Some("") => Quantity::new(1),
        Some(q) => q.parse().ok().and_then(Quantity::new),
    }
    .ok_or_else(bad)?;
    if sku.len() > 64 {
        return Err(bad());
    }
    Ok(Some((sku.to_string(), qty)))
}

/// What the checkout is for: the buy-now item or the session's cart.
fn basket_of(v: &super::shop::Visitor, buy_now: &Option<(String, Quantity)>) -> Cart {
    match buy_now {
        Some((sku, qty)) => {
            let mut c = Cart::default();
            c.add(sku, *qty);
            c
        }
        None => v.session.cart.clone(),
    }
}

/// Prices `basket`, with the coupon `code` when one was typed: the priced basket and what
/// the coupon did (`Ok` the applied line, `Err` why it does not apply).
async fn quote(
    ctx: &Ctx,
    v: &super::shop::Visitor,
    basket: Cart,
    code: &str,
    mobile: Option<String>,
) -> Result<(Priced, Option<Result<String, String>>), WebError> {
    let rule = ctx.app.config.shop.shipping;
    let mut priced = ctx
        .app
        .store
        .call(move |s| s.price_cart(&basket, rule))
        .await?;
    let code = code.trim().to_string();
    if code.is_empty() || priced.lines.is_empty() {
        return Ok((priced, None));
    }
    let keys = crate::coupon::shopper_keys(
        v.session.openid.as_deref(),
        &v.sid.id,
        mobile.as_deref().filter(|m| crate::order::is_mobile(m)),
    );
    let now = ctx.app.clock.unix();
    let basket_lines: Vec<(String, crate::money::Money)> = priced
        .lines
        .iter()
        .map(|l| (l.product.category.clone(), l.line_total))
        .collect();
    let checked = ctx
        .app
        .store
        .call(move |s| {
            let b: Vec<crate::coupon::BasketLine<'_>> = basket_lines
                .iter()
                .map(|(c, t)| crate::coupon::BasketLine {
                    category: c,
                    line_total: *t,
                })
                .collect();
            s.check_coupon(&code, &keys, &b, now)
        })
        .await?;
    let currency = ctx.app.config.shop.currency;
    let words = ctx.app.config.shop.language.pricing();
    let note = match checked {
        Ok((c, off)) => {
            priced
                .apply_discount(off, |l| c.covers(&l.product.category), rule)
                .map_err(|_| WebError::BadRequest("order total out of range".into()))?;
            Ok(words.applied(&c.code, priced.discount, currency))
        }
        Err(p) => Err(words.problem(p, currency)),
    };
    Ok((priced, Some(note)))
}

/// Puts the province's shipping fee in (its template, else the flat rule); the words
/// saying the shop does not deliver there, when it does not.
async fn regional(
    ctx: &Ctx,
    priced: &mut Priced,
    province: &str,
) -> Result<Option<String>, WebError> {
    if province.is_empty() {
        return Ok(None);
    }
    let p = province.to_string();
    let template = ctx.app.store.call(move |s| s.shipping_template(&p)).await?;
    let rule = ctx.app.config.shop.shipping;
    match crate::shipping::fee_for(template.as_ref(), rule, priced.units(), priced.goods()) {
        Ok(fee) => {
            priced
                .set_shipping(fee)
                .map_err(|_| WebError::BadRequest("order total out of range".into()))?;
            Ok(None)
        }
        Err(_) => Ok(Some(no_delivery_words(ctx, province))),
    }
}

/// "We do not deliver to X yet", with the province's name in the shop's language.
fn no_delivery_words(ctx: &Ctx, province: &str) -> String {
    ctx.app.config.shop.language.pricing().no_delivery(province)
}

/// `GET /checkout/shipping?province=…` → `{"fee": minor units, "text": the fee in words,
/// "delivers": bool, "message": words when not}` for the checkout's script: the fee of
/// the shopper's checkout (cart or `sku`/`qty`, with `coupon`) to that province.
pub async fn shipping_json(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let q = super::http::query(&req);
    let buy_now = buy_now_of(ctx, &q)?;
    let code = q.get("coupon").cloned().unwrap_or_default();
    let (mut priced, _) = quote(ctx, &v, basket_of(&v, &buy_now), &code, None).await?;
    let province = q.get("province").map(|p| p.trim()).unwrap_or("");
    if !province.is_empty() && crate::region::name(province).is_none() {
        return Err(WebError::NotFound);
    }
    let refused = regional(ctx, &mut priced, province).await?;
    let cur = ctx.app.config.shop.currency;
    let t = ctx.app.config.shop.language.text();
    let body = serde_json::json!({
        "delivers": refused.is_none(),
        "message": refused,
        "fee": priced.shipping.minor(),
        "text": if priced.shipping == crate::money::Money::ZERO { t.free_shipping.to_string() } else { priced.shipping.display(cur) },
        "total": priced.total.minor(),
        "total_text": priced.total.display(cur),
    });
    Ok(super::http::json(&body))
}

pub async fn checkout_form(ctx: &Ctx, req: Request<Incoming>) -> Result<Resp, WebError> {
    let v = visitor(ctx, &req).await?;
    let q = super::http::query(&req);
    let buy_now = buy_now_of(ctx, &q)?;
    if buy_now.is_none() && v.session.cart.is_empty() {
        return Ok(with_cookie(ctx, &v.sid, redirect("/cart")));
    }
    let code = q.get("coupon").cloned().unwrap_or_default();
    let (mut priced, coupon_note) = quote(ctx, &v, basket_of(&v, &buy_now), &code, None).await?;
    if buy_now.is_some() && (priced.lines.is_empty() || !priced.unavailable.is_empty()) {
        let words = ctx.app.config.shop.language.pricing();
        return Err(WebError::Shown(words.buy_now_bad.to_string()));
    }
    if buy_now.is_some()
        && let Some(l) = priced.short_lines().next()
    {
        let t = ctx.app.config.shop.language.text();
        return Err(WebError::Shown(t.short_stock(&l.product.name, l.available)));
    }
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let book = ctx.app.store.call(move |s| s.address_book(&owner)).await?;
    let input = AddressInput::from_book(&book);
    let ship_note = regional(ctx, &mut priced, &input.parts.province).await?;
    let extras = CheckoutExtras {
        buy_now: buy_now.map(|(s, q)| (s, q.get())),
        coupon: code,
        coupon_note,
        ship_note,
    };
    let mut form = CheckoutForm::default();
    if let Some(e) = book.default_entry() {
        form.name = e.name.clone();
        form.mobile = e.mobile.clone();
    }
    Ok(page(
        ctx,
        &v,
        views::checkout(ctx, &v, &priced, &form, &[], None, &book, &input, &extras),
    ))
}

pub async fn checkout(
    ctx: &Ctx,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
) -> Result<Resp, WebError> {
    check_origin(&req)?;
    let ip = super::http::client_ip(&req, peer, &ctx.app.config.server.trusted_proxies);
    let (v, book) = super::shop::visitor_with(ctx, &req, |s, id, session| {
        s.address_book(&AddressBookOwner::of(id, session.openid.as_deref()))
    })
    .await?;
    let channel = super::shop::channel_cookie(&req);
    let body = read_body(req, ctx.app.config.server.body_limit).await?;
    let f = parse_form(&body);
    let owner = AddressBookOwner::of(&v.sid.id, v.session.openid.as_deref());
    let (form, input) = super::address::read(ctx, &f, &book);
    let t = ctx.app.config.shop.language.text();
    let buy_now = buy_now_of(ctx, &f)?;
    let code = f
        .get("coupon")
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    // "Apply" on the coupon field: the checkout again with the discount, nothing placed.
    let applying = f.contains_key("apply_coupon");
    let mut throttled = false;
    let validated = match (input.refresh || applying, input.problem) {
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
                coupon: (!code.is_empty()).then(|| code.clone()),
                items: buy_now.as_ref().map(|_| basket_of(&v, &buy_now)),
                channel,
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
                Err(PlaceOrderError::NotDelivered(n)) => (no_delivery_words(ctx, &n.0), vec![]),
                Err(PlaceOrderError::RegionRequired) => (
                    ctx.app
                        .config
                        .shop
                        .language
                        .pricing()
                        .region_required
                        .to_string(),
                    vec![],
                ),
                Err(PlaceOrderError::Coupon(p)) => (
                    ctx.app
                        .config
                        .shop
                        .language
                        .pricing()
                        .problem(p, ctx.app.config.shop.currency),
                    vec![],
                ),
                Err(PlaceOrderError::Overflow) => {
                    return Err(WebError::BadRequest("order total out of range".into()));
                }
                Err(PlaceOrderError::Store(e)) => return Err(e.into()),
            }
        }
        Err(refused) => refused,
    };
    let basket = match &buy_now {
        Some(_) => basket_of(&v, &buy_now),
        None => {
            ctx.app
                .store
                .call({
                    let id = v.sid.id.clone();
                    move |s| s.session(&id)
                })
                .await?
                .unwrap_or_default()
                .cart
        }
    };
    let (mut priced, coupon_note) =
        quote(ctx, &v, basket, &code, Some(form.mobile.clone())).await?;
    let coupon_refused = matches!(coupon_note, Some(Err(_)));
    let province = if input.structured {
        input.parts.province.clone()
    } else {
        String::new()
    };
    let ship_note = regional(ctx, &mut priced, &province).await?;
    let extras = CheckoutExtras {
        buy_now: buy_now.map(|(s, q)| (s, q.get())),
        coupon: code,
        coupon_note,
        ship_note,
    };
    let status = if applying && coupon_refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if input.refresh || applying {
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
            &extras,
        ),
    );
    *r.status_mut() = status;
    Ok(r)
}
