//! The checkout's pricing pieces: the totals with a coupon's discount, the coupon field
//! with what it did (or why it did not apply), and the hidden fields of a buy-now checkout.

use super::*;

/// What the checkout shows besides the cart: the buy-now item, the coupon code as typed
/// and what it did — `Ok(message)` applied, `Err(reason)` refused.
#[derive(Default)]
pub struct CheckoutExtras {
    pub buy_now: Option<(String, u32)>,
    pub coupon: String,
    pub coupon_note: Option<Result<String, String>>,
    /// "We do not deliver to X yet", when the chosen province is not delivered to.
    pub ship_note: Option<String>,
}

/// Items, the discount (when there is one), shipping and the total to pay.
pub fn checkout_totals(ctx: &Ctx, priced: &Priced, extras: &CheckoutExtras) -> Markup {
    let tx = t(ctx);
    let p = ctx.app.config.shop.language.pricing();
    html! {
        dl.totals #checkout-totals {
            dt { (tx.items_total) } dd { (money(ctx, priced.items)) }
            @if priced.discount > Money::ZERO {
                dt.discount { (p.discount) } dd.discount #discount { "−" (money(ctx, priced.discount)) }
            }
            @if let Some(n) = &extras.ship_note { dt.ship-no { (tx.shipping) } dd.ship-no #ship-note role="alert" { (n) } } @else {
            dt { (tx.shipping) } dd #shipping-fee { @if priced.shipping == Money::ZERO && priced.items > Money::ZERO { (tx.free_shipping) } @else { (money(ctx, priced.shipping)) } }
            }
            dt.grand { (tx.total) } dd.grand #grand-total { (money(ctx, priced.total)) }
        }
    }
}

/// The coupon code input with its apply button, and the outcome of the last try.
pub fn coupon_field(ctx: &Ctx, extras: &CheckoutExtras) -> Markup {
    let p = ctx.app.config.shop.language.pricing();
    let refused = matches!(extras.coupon_note, Some(Err(_)));
    html! {
        div.field.coupon.bad[refused] {
            label for="coupon" { (p.coupon) }
            div.coupon-row {
                input #coupon name="coupon" value=(extras.coupon) placeholder=(p.coupon_placeholder) autocomplete="off" autocapitalize="characters" maxlength="20";
                button.small #apply-coupon type="submit" name="apply_coupon" value="1" formnovalidate { (p.coupon_apply) }
            }
            @match &extras.coupon_note {
                Some(Ok(m)) => { p.ok #coupon-note role="status" { (m) } }
                Some(Err(m)) => { p.ferr #coupon-note role="alert" { (m) } }
                None => {}
            }
        }
    }
}

/// A buy-now checkout carries its one item, so placing the order buys just that.
pub fn buy_now_fields(extras: &CheckoutExtras) -> Markup {
    html! {
        @if let Some((sku, qty)) = &extras.buy_now {
            input type="hidden" name="sku" value=(sku);
            input type="hidden" name="qty" value=(qty);
        }
    }
}

/// An order's items, discount (when a coupon took some), shipping and total paid.
pub fn order_totals(ctx: &Ctx, o: &Order) -> Markup {
    let tx = t(ctx);
    let p = ctx.app.config.shop.language.pricing();
    html! {
        dl.totals {
            dt { (tx.items_total) } dd { (money(ctx, o.items_total)) }
            @if o.discount > Money::ZERO {
                dt.discount { (p.discount) @if let Some(c) = &o.coupon { " · " (c.code) } }
                dd.discount { "−" (money(ctx, o.discount)) }
            }
            dt { (tx.shipping) } dd { @if o.shipping == Money::ZERO && o.items_total > Money::ZERO { (tx.free_shipping) } @else { (money(ctx, o.shipping)) } }
            dt.grand { (tx.total) } dd.grand { (money(ctx, o.total)) }
        }
    }
}
