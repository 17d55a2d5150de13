//! The cashier (JSAPI inside WeChat, a Native QR code outside it), "open in WeChat", and
//! the result page that waits for the payment.

use super::*;

/// The cashier: the amount and the WeChat Pay button.
/// `auto`: straight from checkout, the payment sheet opens without a tap.
/// `native`: outside WeChat, the Native QR code is offered too.
pub fn pay_page(
    ctx: &Ctx,
    v: &Visitor,
    o: &Order,
    sandbox: bool,
    notice: Option<&str>,
    auto: bool,
    native: bool,
) -> Markup {
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
        button.primary.wide #pay-button type="button" data-no=(o.no) data-fail=(tx.pay_failed) data-retry=(tx.retry) data-unavailable=(tx.pay_unavailable) data-auto=[auto.then_some("1")] { (tx.pay_button) }
        p #pay-msg .warn role="alert" {}
        noscript { p.notice { (tx.pay_unavailable) } }
        @if native { (native_box(ctx, o)) }
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

/// The Native QR code: `pay.js` asks `POST /pay/{no}/native` for it, shows it, and
/// watches the order until the backend confirms the payment.
fn native_box(ctx: &Ctx, o: &Order) -> Markup {
    let nt = t(ctx).native();
    html! {
        section.native #native data-no=(o.no) data-unavailable=(t(ctx).pay_unavailable) {
            h2 { (nt.scan_title) }
            p.muted { (nt.scan_body) }
            div.qr #native-qr role="img" aria-label=(nt.code_alt) { p.muted #native-wait { (nt.making_code) } }
            p.muted.small #native-status data-waiting=(nt.waiting) {}
            p #native-msg .warn role="alert" {}
        }
    }
}

/// Outside WeChat without an openid: pay by scanning the Native code, or open the order
/// in WeChat (the signed link's QR code).
pub fn native_page(ctx: &Ctx, v: &Visitor, o: &Order, url: &str, qr_svg: Option<&str>) -> Markup {
    let tx = t(ctx);
    let body = html! {
        h1 { (tx.pay_title) }
        div.paybox {
            p.muted { (tx.pay_amount) }
            p.bigprice { (money(ctx, o.total)) }
            p.muted.mono { (tx.order_no) " " (o.no) }
        }
        (native_box(ctx, o))
        noscript { p.notice { (tx.pay_unavailable) } }
        div.empty {
            h2 { (tx.native().or_open_in_wechat) }
            p { (tx.open_in_wechat_body) }
            @if let Some(svg) = qr_svg { div.qr { (maud::PreEscaped(svg)) } }
            p.mono { (tx.copy_link) ": " (url) }
        }
        a.back href={ "/orders/" (o.no) } { (tx.view_order) }
    };
    layout_with(
        ctx,
        v.cart_units(),
        tx.pay_title,
        Tab::None,
        scripts(ctx, false),
        body,
    )
}

/// After the sheet returned `ok`: "confirming" until the backend knows, then thanks.
/// `link`: the signed link to the order, to copy and open on any phone.
pub fn result_page(ctx: &Ctx, v: &Visitor, o: &Order, link: &str) -> Markup {
    let tx = t(ctx);
    let thanks = &ctx.app.config.shop.thanks;
    let pending = o.state == OrderState::PendingPayment;
    let head = html! {
        @if pending { noscript { meta http-equiv="refresh" content="3"; } }
        (scripts(ctx, false))
        script src={ "/assets/order.js?v=" (ctx.assets.version("order.js")) } defer {}
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
                div.order-link #order-link {
                    p.muted.small { (tx.shopper().order_link) " · " (tx.shopper().link_valid_days(ctx.app.config.shop.order_link_days)) }
                    p.mono.small.linktext { (link) }
                    button.copy type="button" data-copy=(link) data-done=(tx.shopper().copied) { (tx.shopper().copy) }
                }
                @if let Some(link) = &thanks.link {
                    a.back href=(link) { (thanks.link_text.as_deref().unwrap_or(tx.continue_shopping)) }
                }
            },
        }
    };
    layout_with(ctx, v.cart_units(), tx.pay_title, Tab::None, head, body)
}
