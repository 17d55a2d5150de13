//! Views: functions from plain data to `Markup`. No I/O, no business rules, no words of
//! their own — every string comes from `crate::text`.

use super::Ctx;
use super::shop::Visitor;
use crate::cart::Priced;
use crate::catalog::{Category, Product, StockState};
use crate::money::Money;
use crate::order::{CheckoutForm, Field, FieldProblem, Order, OrderState};
use crate::text::Text;
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Home,
    Cart,
    Orders,
    None,
    /// A product page: its own bottom bar (cart, add to cart, buy now) instead of the tabs.
    Product,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Added,
    SoldOut,
    CartFull,
}

fn t(ctx: &Ctx) -> &'static Text {
    ctx.app.config.shop.language.text()
}

fn money(ctx: &Ctx, m: Money) -> String {
    m.display(ctx.app.config.shop.currency)
}

fn layout(ctx: &Ctx, cart_units: u32, title: &str, tab: Tab, body: Markup) -> Markup {
    layout_with(ctx, cart_units, title, tab, html! {}, body)
}

fn layout_with(
    ctx: &Ctx,
    cart_units: u32,
    title: &str,
    tab: Tab,
    head: Markup,
    body: Markup,
) -> Markup {
    let tx = t(ctx);
    let sf = tx.lang.storefront();
    let shop = &ctx.app.config.shop.name;
    html! {
        (DOCTYPE)
        html lang=(tx.lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                meta name="format-detection" content="telephone=no";
                title { @if title.is_empty() { (shop) } @else { (title) " · " (shop) } }
                link rel="stylesheet" href={ "/assets/style.css?v=" (ctx.assets.version("style.css")) };
                link rel="icon" type="image/svg+xml" href="/favicon.ico";
                (head)
            }
            body.shop {
                @if ctx.app.sandbox.is_some() { div.sandbox-banner role="note" { (tx.sandbox_banner) } }
                header.top {
                    a.brand href="/" { (shop) }
                    a.cart-link href="/cart" aria-label=(sf.cart_with(cart_units)) {
                        (tx.cart)
                        @if cart_units > 0 { span.badge aria-hidden="true" { (cart_units) } }
                    }
                }
                main.withbar[tab == Tab::Product] { (body) }
                footer.foot.withbar[tab == Tab::Product] { (tx.footer) }
                @if tab != Tab::Product {
                    nav.tabbar {
                        a href="/" class=[(tab == Tab::Home).then_some("on")]
                            aria-current=[(tab == Tab::Home).then_some("page")] { (tx.home) }
                        a href="/cart" class=[(tab == Tab::Cart).then_some("on")]
                            aria-current=[(tab == Tab::Cart).then_some("page")] aria-label=(sf.cart_with(cart_units)) {
                            (tx.cart)
                            @if cart_units > 0 { " (" (cart_units) ")" }
                        }
                        a href="/orders" class=[(tab == Tab::Orders).then_some("on")]
                            aria-current=[(tab == Tab::Orders).then_some("page")] { (tx.my_orders) }
                    }
                }
            }
        }
    }
}

fn img(hash: Option<&str>, alt: &str, lazy: bool) -> Markup {
    html! {
        @if let Some(h) = hash {
            img src={ "/img/" (h) } alt=(alt) width="600" height="600" loading=[lazy.then_some("lazy")];
        } @else {
            div.noimg {}
        }
    }
}

fn price_label(ctx: &Ctx, p: &Product) -> Markup {
    let tx = t(ctx);
    html! {
        span.price {
            (money(ctx, p.min_price()))
            @if p.has_price_range() { small { " " (tx.price_from) } }
        }
    }
}

fn stock_badge(tx: &Text, available: u32) -> Markup {
    html! {
        @match StockState::of(available) {
            StockState::SoldOut => span.tag.out { (tx.sold_out) },
            StockState::Low(n) => span.tag.low { (tx.only_left(n)) },
            StockState::InStock => {},
        }
    }
}

fn product_card(ctx: &Ctx, p: &Product, available: u32) -> Markup {
    let tx = t(ctx);
    html! {
        a.card.soldout[available == 0] href={ "/p/" (p.id) } {
            (img(p.cover(), &p.name, true))
            div.info {
                h3 { (p.name) }
                p.summary { (p.summary) }
                div.row { (price_label(ctx, p)) (stock_badge(tx, available)) }
            }
        }
    }
}

fn category_nav(cats: &[Category], active: Option<&str>, all_label: &str) -> Markup {
    html! {
        nav.cats {
            a href="/" class=[active.is_none().then_some("on")] { (all_label) }
            @for c in cats {
                a href={ "/c/" (c.id) } class=[(active == Some(c.id.as_str())).then_some("on")] { (c.name) }
            }
        }
    }
}

fn totals(ctx: &Ctx, items: Money, shipping: Money, total: Money) -> Markup {
    let tx = t(ctx);
    html! {
        dl.totals {
            dt { (tx.items_total) } dd { (money(ctx, items)) }
            dt { (tx.shipping) } dd { @if shipping == Money::ZERO && items > Money::ZERO { (tx.free_shipping) } @else { (money(ctx, shipping)) } }
            dt.grand { (tx.total) } dd.grand { (money(ctx, total)) }
        }
    }
}

fn when(ctx: &Ctx, unix: i64) -> String {
    let _ = ctx;
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(crate::app::CST))
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

fn state_tag(tx: &Text, s: OrderState) -> Markup {
    html! { span class={ "state " (s.as_str()) } { (tx.state(s)) } }
}

pub fn error_page(ctx: &Ctx, title: &str, message: &str) -> Markup {
    let tx = t(ctx);
    let body = html! {
        div.empty {
            h1 { (title) }
            p { (message) }
            a.button href="/" { (tx.back_home) }
        }
    };
    layout(ctx, 0, title, Tab::None, body)
}

fn scripts(ctx: &Ctx, sandbox: bool) -> Markup {
    html! {
        @if sandbox { script src="/sandbox/bridge.js" {} }
        script src={ "/assets/pay.js?v=" (ctx.assets.version("pay.js")) } defer {}
    }
}

mod addresses;
mod aftersales;
mod cart;
mod catalog;
mod orders;
mod pay;
mod pricing;
mod search;
mod service;

pub use addresses::*;
pub use aftersales::*;
pub use cart::*;
pub use catalog::*;
pub use orders::*;
pub use pay::*;
pub use pricing::*;
pub use search::*;
pub use service::*;
