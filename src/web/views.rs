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
            body {
                header.top {
                    a.brand href="/" { (shop) }
                    a.cart-link href="/cart" aria-label=(tx.cart) {
                        (tx.cart)
                        @if cart_units > 0 { span.badge { (cart_units) } }
                    }
                }
                main { (body) }
                footer.foot { (tx.footer) }
                nav.tabbar {
                    a href="/" class=[(tab == Tab::Home).then_some("on")] { (tx.home) }
                    a href="/cart" class=[(tab == Tab::Cart).then_some("on")] {
                        (tx.cart)
                        @if cart_units > 0 { " (" (cart_units) ")" }
                    }
                    a href="/orders" class=[(tab == Tab::Orders).then_some("on")] { (tx.my_orders) }
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

pub fn home(
    ctx: &Ctx,
    v: &Visitor,
    cats: &[Category],
    products: &[Product],
    stock: &HashMap<String, u32>,
) -> Markup {
    let tx = t(ctx);
    let featured: Vec<&Product> = products.iter().filter(|p| p.featured).collect();
    let units = |p: &Product| stock.get(&p.id).copied().unwrap_or(0);
    let body = html! {
        (category_nav(cats, None, tx.all_products))
        @if let Some(over) = ctx.app.config.shop.shipping.free_over {
            p.banner { (tx.free_shipping_over(&money(ctx, over))) }
        }
        @if !featured.is_empty() {
            section {
                h2 { (tx.featured) }
                div.grid { @for p in &featured { (product_card(ctx, p, units(p))) } }
            }
        }
        @for c in cats {
            @let in_cat: Vec<&Product> = products.iter().filter(|p| p.category == c.id).collect();
            @if !in_cat.is_empty() {
                section {
                    h2 { a href={ "/c/" (c.id) } { (c.name) } }
                    div.grid { @for p in &in_cat { (product_card(ctx, p, units(p))) } }
                }
            }
        }
    };
    layout(ctx, v.cart_units(), "", Tab::Home, body)
}

pub fn category(
    ctx: &Ctx,
    v: &Visitor,
    cats: &[Category],
    cat: &Category,
    products: &[Product],
    stock: &HashMap<String, u32>,
) -> Markup {
    let tx = t(ctx);
    let body = html! {
        (category_nav(cats, Some(&cat.id), tx.all_products))
        h1 { (cat.name) }
        div.grid {
            @for p in products { (product_card(ctx, p, stock.get(&p.id).copied().unwrap_or(0))) }
        }
    };
    layout(ctx, v.cart_units(), &cat.name, Tab::Home, body)
}

pub fn product(
    ctx: &Ctx,
    v: &Visitor,
    p: &Product,
    stock: &[u32],
    selected: Option<&str>,
    notice: Option<Notice>,
) -> Markup {
    let tx = t(ctx);
    let total: u32 = stock.iter().sum();
    // The pre-selected variant: the one asked for if it is in stock, else the first in stock.
    let chosen = p
        .variants
        .iter()
        .zip(stock)
        .find(|(var, n)| Some(var.sku.as_str()) == selected && **n > 0)
        .or_else(|| p.variants.iter().zip(stock).find(|(_, n)| **n > 0))
        .map(|(var, _)| var.sku.as_str());
    let body = html! {
        @match notice {
            Some(Notice::Added) => div.notice.ok {
                (tx.added_to_cart) " · " a href="/cart" { (tx.view_cart) }
            },
            Some(Notice::SoldOut) => div.notice.err { (tx.sold_out) },
            Some(Notice::CartFull) => div.notice.err { (tx.cart_full) },
            None => {},
        }
        div.gallery {
            @for (i, h) in p.images.iter().enumerate() { (img(Some(h), &p.name, i > 0)) }
            @if p.images.is_empty() { (img(None, &p.name, false)) }
        }
        @if p.images.len() > 1 {
            p.dots { @for _ in &p.images { span {} } }
        }
        div.pinfo {
            h1 { (p.name) }
            p.summary { (p.summary) }
            p.bigprice {
                (money(ctx, p.min_price()))
                @if p.has_price_range() { small { " " (tx.price_from) } }
            }
            (stock_badge(tx, total))
        }
        form.buy method="post" action="/cart/add" {
            @if p.variants.len() == 1 {
                input type="hidden" name="sku" value=(p.variants[0].sku);
            } @else {
                fieldset.variants {
                    legend { (if p.option_name.is_empty() { tx.choose } else { &p.option_name }) }
                    @for (var, n) in p.variants.iter().zip(stock) {
                        label.variant.out[*n == 0] {
                            input type="radio" name="sku" value=(var.sku)
                                checked[chosen == Some(var.sku.as_str())] disabled[*n == 0] required;
                            span.vname { (var.name) }
                            span.vprice { (money(ctx, var.price)) }
                            span.vstock {
                                @match StockState::of(*n) {
                                    StockState::SoldOut => (tx.sold_out),
                                    StockState::Low(k) => (tx.only_left(k)),
                                    StockState::InStock => (tx.in_stock),
                                }
                            }
                        }
                    }
                }
            }
            div.qty {
                label for="qty" { (tx.quantity) }
                input #qty type="number" name="qty" value="1" min="1" max="99" inputmode="numeric";
            }
            @if total == 0 {
                button.primary type="submit" disabled { (tx.sold_out) }
            } @else {
                button.primary type="submit" { (tx.add_to_cart) }
            }
        }
        section.desc { p { (p.description) } }
    };
    layout(ctx, v.cart_units(), &p.name, Tab::None, body)
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

pub fn cart(ctx: &Ctx, v: &Visitor, priced: &Priced) -> Markup {
    let tx = t(ctx);
    let body = html! {
        h1 { (tx.cart) }
        @if priced.lines.is_empty() && priced.unavailable.is_empty() {
            div.empty {
                p { (tx.cart_empty) }
                a.button href="/" { (tx.go_shopping) }
            }
        } @else {
            @if !priced.unavailable.is_empty() {
                div.notice.err { (tx.item_unavailable) }
            }
            ul.lines {
                @for l in &priced.lines {
                    li.line {
                        a href={ "/p/" (l.product.id) } { (img(l.product.cover(), &l.product.name, true)) }
                        div.linfo {
                            a.lname href={ "/p/" (l.product.id) } { (l.product.name) }
                            @if l.product.variants.len() > 1 { span.lvar { (l.variant.name) } }
                            span.lprice { (money(ctx, l.variant.price)) }
                            @if l.qty.get() > l.available {
                                span.warn { (tx.short_stock(&l.product.name, l.available)) }
                            }
                            div.lactions {
                                form.inline method="post" action="/cart/update" {
                                    input type="hidden" name="sku" value=(l.variant.sku);
                                    input type="number" name="qty" value=(l.qty.get()) min="1" max="99" inputmode="numeric" aria-label=(tx.quantity);
                                    button type="submit" { (tx.update) }
                                }
                                form.inline method="post" action="/cart/remove" {
                                    input type="hidden" name="sku" value=(l.variant.sku);
                                    button.link type="submit" { (tx.remove) }
                                }
                            }
                        }
                        span.ltotal { (money(ctx, l.line_total)) }
                    }
                }
                @for sku in &priced.unavailable {
                    li.line.gone {
                        div.linfo { span.lname { (sku) } span.warn { (tx.item_unavailable) } }
                        form.inline method="post" action="/cart/remove" {
                            input type="hidden" name="sku" value=(sku);
                            button.link type="submit" { (tx.remove) }
                        }
                    }
                }
            }
            (totals(ctx, priced.items, priced.shipping, priced.total))
            @if !priced.lines.is_empty() {
                a.button.primary.wide href="/checkout" { (tx.checkout) }
            }
            a.back href="/" { (tx.continue_shopping) }
        }
    };
    layout(ctx, v.cart_units(), tx.cart, Tab::Cart, body)
}

fn field_error(tx: &Text, errors: &[(Field, FieldProblem)], f: Field) -> Markup {
    html! {
        @for (_, p) in errors.iter().filter(|(ef, _)| *ef == f) {
            span.ferr id={ "err-" (field_id(f)) } { (tx.field_problem(*p)) }
        }
    }
}

fn field_id(f: Field) -> &'static str {
    match f {
        Field::Name => "name",
        Field::Mobile => "mobile",
        Field::Address => "address",
        Field::Note => "note",
    }
}

pub fn checkout(
    ctx: &Ctx,
    v: &Visitor,
    priced: &Priced,
    form: &CheckoutForm,
    errors: &[(Field, FieldProblem)],
    problem: Option<&str>,
) -> Markup {
    let tx = t(ctx);
    let has = |f: Field| errors.iter().any(|(ef, _)| *ef == f);
    let body = html! {
        h1 { (tx.checkout) }
        @if let Some(p) = problem { div.notice.err role="alert" { (p) } }
        ul.summary {
            @for l in &priced.lines {
                li {
                    span { (l.product.name) @if l.product.variants.len() > 1 { " · " (l.variant.name) } " × " (l.qty.get()) }
                    span { (money(ctx, l.line_total)) }
                }
            }
        }
        (totals(ctx, priced.items, priced.shipping, priced.total))
        form.checkout method="post" action="/checkout" novalidate {
            h2 { (tx.recipient) }
            div.field.bad[has(Field::Name)] {
                label for="name" { (tx.recipient_name) }
                input #name name="name" value=(form.name) autocomplete="name" maxlength="30" required;
                (field_error(tx, errors, Field::Name))
            }
            div.field.bad[has(Field::Mobile)] {
                label for="mobile" { (tx.mobile) }
                input #mobile name="mobile" type="tel" value=(form.mobile) autocomplete="tel" inputmode="tel" maxlength="20" required;
                (field_error(tx, errors, Field::Mobile))
            }
            div.field.bad[has(Field::Address)] {
                label for="address" { (tx.address) }
                textarea #address name="address" rows="3" autocomplete="street-address" maxlength="200" required { (form.address) }
                (field_error(tx, errors, Field::Address))
            }
            div.field.bad[has(Field::Note)] {
                label for="note" { (tx.note) }
                input #note name="note" value=(form.note) placeholder=(tx.note_placeholder) maxlength="200";
                (field_error(tx, errors, Field::Note))
            }
            button.primary.wide type="submit" { (tx.place_order) " · " (money(ctx, priced.total)) }
        }
    };
    layout(ctx, v.cart_units(), tx.checkout, Tab::Cart, body)
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

/// What the order page shows besides the order: a payment cancelled on the sheet, the
/// receipt confirmation step, a notice after an action.
pub struct OrderPageState<'a> {
    pub cancelled: bool,
    pub ask_receipt: bool,
    pub notice: Option<&'a str>,
}

pub fn order(ctx: &Ctx, v: &Visitor, o: &Order, page: OrderPageState<'_>) -> Markup {
    let OrderPageState {
        cancelled,
        ask_receipt,
        notice,
    } = page;
    let tx = t(ctx);
    let body = html! {
        div.ohead {
            h1 { (tx.order) }
            (state_tag(tx, o.state))
        }
        @if o.state == OrderState::PendingPayment {
            @if cancelled { p.notice role="status" { (tx.pay_cancelled) } } @else { p.notice { (tx.pay_soon) } }
            a.button.primary.wide #pay-now href={ "/pay/" (o.no) } { (tx.pay_now) " · " (money(ctx, o.total)) }
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        dl.meta {
            dt { (tx.order_no) } dd.mono { (o.no) }
            dt { (tx.placed_at) } dd { (when(ctx, o.created_at)) }
        }
        @if let Some(s) = &o.shipment {
            section.shipment #shipment {
                h2 { (tx.shipment) }
                dl.meta {
                    dt { (tx.courier) } dd { (s.courier) }
                    dt { (tx.tracking_no) } dd.mono { (s.tracking_no) }
                }
                @if o.state == OrderState::Shipped {
                    @if ask_receipt {
                        form.confirm-box method="post" action={ "/orders/" (o.no) "/received" } {
                            p { (tx.confirm_receipt_ask) }
                            button.button.primary.wide type="submit" { (tx.confirm_receipt_yes) }
                            a.button.wide href={ "/orders/" (o.no) } { (tx.not_yet) }
                        }
                    } @else {
                        a.button.primary.wide #confirm-receipt href={ "/orders/" (o.no) "?receive=1" } { (tx.confirm_receipt) }
                        p.muted.small { (tx.auto_complete_hint) }
                    }
                }
            }
        }
        ul.summary {
            @for l in &o.lines {
                li {
                    span { (l.product_name) @if !l.variant_name.is_empty() { " · " (l.variant_name) } " × " (l.qty) }
                    span { (money(ctx, l.line_total)) }
                }
            }
        }
        (totals(ctx, o.items_total, o.shipping, o.total))
        section.recipient {
            h2 { (tx.recipient) }
            p { (o.recipient.name) " " (o.recipient.mobile) }
            p { (o.recipient.address) }
            @if !o.note.is_empty() { p.note { (tx.note) ": " (o.note) } }
        }
        a.back href="/orders" { (tx.my_orders) }
    };
    layout(ctx, v.cart_units(), tx.order, Tab::Orders, body)
}

pub fn orders(ctx: &Ctx, v: &Visitor, orders: &[Order]) -> Markup {
    let tx = t(ctx);
    let body = html! {
        h1 { (tx.my_orders) }
        @if orders.is_empty() {
            div.empty { p { (tx.no_orders) } a.button href="/" { (tx.go_shopping) } }
        }
        ul.orders {
            @for o in orders {
                li {
                    a href={ "/orders/" (o.no) } {
                        div.row { span.mono { (o.no) } (state_tag(tx, o.state)) }
                        div.row {
                            span { (o.lines.first().map(|l| l.product_name.as_str()).unwrap_or("")) " · " (tx.units(o.units())) }
                            span.price { (money(ctx, o.total)) }
                        }
                    }
                }
            }
        }
    };
    layout(ctx, v.cart_units(), tx.my_orders, Tab::Orders, body)
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

/// The cashier: the amount and the WeChat Pay button.
pub fn pay_page(ctx: &Ctx, v: &Visitor, o: &Order, sandbox: bool, notice: Option<&str>) -> Markup {
    let tx = t(ctx);
    let body = html! {
        h1 { (tx.pay_title) }
        @if let Some(n) = notice { div.notice role="status" { (n) } }
        div.paybox {
            p.muted { (tx.pay_amount) }
            p.bigprice { (money(ctx, o.total)) }
            p.muted.mono { (tx.order_no) " " (o.no) }
        }
        ul.summary {
            @for l in &o.lines {
                li {
                    span { (l.product_name) @if !l.variant_name.is_empty() { " · " (l.variant_name) } " × " (l.qty) }
                    span { (money(ctx, l.line_total)) }
                }
            }
        }
        button.primary.wide #pay-button type="button" data-no=(o.no) data-fail=(tx.pay_failed) data-retry=(tx.retry) data-unavailable=(tx.pay_unavailable) { (tx.pay_button) }
        p #pay-msg .warn role="alert" {}
        noscript { p.notice { (tx.pay_unavailable) } }
        @if sandbox { p.muted.small { (tx.sandbox_notice) } }
        a.back href={ "/orders/" (o.no) } { (tx.view_order) }
    };
    layout_with(
        ctx,
        v.cart_units(),
        tx.pay_title,
        Tab::None,
        scripts(ctx, sandbox),
        body,
    )
}

/// Outside WeChat in live mode: how to get into WeChat.
pub fn open_in_wechat(ctx: &Ctx, v: &Visitor, url: &str, qr_svg: Option<&str>) -> Markup {
    let tx = t(ctx);
    let body = html! {
        div.empty {
            h1 { (tx.open_in_wechat) }
            p { (tx.open_in_wechat_body) }
            @if let Some(svg) = qr_svg { div.qr { (maud::PreEscaped(svg)) } }
            p.mono { (tx.copy_link) ": " (url) }
        }
    };
    layout(ctx, v.cart_units(), tx.open_in_wechat, Tab::None, body)
}

/// After the sheet returned `ok`: "confirming" until the backend knows, then thanks.
pub fn result_page(ctx: &Ctx, v: &Visitor, o: &Order) -> Markup {
    let tx = t(ctx);
    let thanks = &ctx.app.config.shop.thanks;
    let pending = o.state == OrderState::PendingPayment;
    let head = html! {
        @if pending { noscript { meta http-equiv="refresh" content="3"; } }
        (scripts(ctx, false))
    };
    let body = html! {
        @match o.state {
            OrderState::PendingPayment => div.empty #result data-no=(o.no) data-still=(tx.still_confirming) {
                div.spinner {}
                h1 { (tx.confirming) }
                p #result-msg { (tx.confirming_body) }
                p.mono { (o.no) }
            },
            OrderState::Closed if o.payment.is_none() => div.empty {
                h1 { (tx.state(o.state)) }
                p { (tx.order_closed_body) }
                a.button href="/" { (tx.back_home) }
            },
            _ => div.empty.thanks #thanks {
                h1 { (tx.paid_title) }
                p.bigprice { (money(ctx, o.payment.as_ref().map(|p| p.amount).unwrap_or(o.total))) }
                @if let Some(img) = &thanks.image { img.thanks-img src=(img) alt=""; }
                p { (thanks.text.as_deref().unwrap_or(tx.thanks_default)) }
                a.button.primary href={ "/orders/" (o.no) } { (tx.view_order) }
                @if let Some(link) = &thanks.link {
                    a.back href=(link) { (thanks.link_text.as_deref().unwrap_or(tx.continue_shopping)) }
                }
            },
        }
    };
    layout_with(ctx, v.cart_units(), tx.pay_title, Tab::None, head, body)
}
