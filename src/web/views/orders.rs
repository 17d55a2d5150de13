//! The shopper's orders: the list (date and state, picture, what was bought, item count and
//! total — the order number only on the order itself) and one order, told as a story
//! (placed, paid, shipped with the tracking number, refunds, received), with the pay
//! button and the countdown to closing while unpaid.

use super::*;
use crate::order::{EventKind, Refund};

/// What the order page shows besides the order: a payment cancelled on the sheet, the
/// receipt confirmation step, a notice after an action, and when an unpaid order closes.
pub struct OrderPageState<'a> {
    pub cancelled: bool,
    pub ask_receipt: bool,
    pub notice: Option<&'a str>,
    /// Unix seconds when an unpaid order closes by itself.
    pub closes_at: i64,
    /// Unix seconds now (the app's clock), for the countdown's first value.
    pub now: i64,
}

/// `mm:ss` (or `h:mm:ss`) left until `until`.
fn left(now: i64, until: i64) -> String {
    let s = (until - now).max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// One step of the story: when, and what happened.
struct Step {
    at: i64,
    body: Markup,
}

fn refund_step(ctx: &Ctx, r: &Refund) -> Step {
    let st = t(ctx).shopper();
    Step {
        at: r.created_at,
        body: html! {
            strong { (st.refund_of(&money(ctx, r.amount))) }
            " · " span.refund-status { (st.refund_status(r.status)) }
            @if !r.reason.is_empty() { br; span.muted { (st.refund_reason) ": " (r.reason) } }
        },
    }
}

fn story(ctx: &Ctx, o: &Order) -> Vec<Step> {
    let st = t(ctx).shopper();
    let mut steps = vec![Step {
        at: o.created_at,
        body: html! { strong { (st.ev_placed) } },
    }];
    if let Some(p) = &o.payment {
        steps.push(Step {
            at: p.paid_at,
            body: html! { strong { (st.ev_paid) } " · " (money(ctx, p.amount)) },
        });
    }
    if let Some(s) = &o.shipment {
        let (carrier, tracking) = crate::carrier::display(&s.courier, &s.tracking_no, st.lang);
        steps.push(Step {
            at: s.shipped_at,
            body: html! {
                strong { (st.ev_shipped) } " · " (carrier)
                br;
                span.mono #tracking-no { (s.tracking_no) }
                " "
                button.copy type="button" data-copy=(s.tracking_no) data-done=(st.copied) { (st.copy) }
                @if let Some(url) = tracking {
                    " "
                    a.track href=(url) rel="noopener noreferrer" { (st.track_parcel) }
                }
            },
        });
    }
    steps.extend(o.refunds.iter().map(|r| refund_step(ctx, r)));
    for e in &o.history {
        let text = match &e.kind {
            EventKind::State(OrderState::Completed) => {
                if e.detail.get("by").and_then(|b| b.as_str()) == Some("automatic") {
                    st.ev_completed_auto
                } else {
                    st.ev_received
                }
            }
            EventKind::State(OrderState::Closed) => st.ev_closed,
            _ => continue,
        };
        steps.push(Step {
            at: e.at,
            body: html! { strong { (text) } },
        });
    }
    // Stable: equal times keep the order above (placed before paid, …).
    steps.sort_by_key(|s| s.at);
    steps
}

pub fn order(ctx: &Ctx, v: &Visitor, o: &Order, page: OrderPageState<'_>) -> Markup {
    let OrderPageState {
        cancelled,
        ask_receipt,
        notice,
        closes_at,
        now,
    } = page;
    let tx = t(ctx);
    let st = tx.shopper();
    let head = html! {
        script src={ "/assets/order.js?v=" (ctx.assets.version("order.js")) } defer {}
    };
    let body = html! {
        div.ohead {
            h1 { (tx.order) }
            (state_tag(tx, o.state))
        }
        @if o.state == OrderState::PendingPayment {
            @if cancelled { p.notice role="status" { (tx.pay_cancelled) } } @else { p.notice { (tx.pay_soon) } }
            p.countdown #countdown data-deadline=(closes_at) data-now=(now) data-closing=(st.closing_now) {
                (st.pay_before) " " strong { (when(ctx, closes_at)) }
                br;
                (st.time_left) " " span.mono #countdown-left { (left(now, closes_at)) }
            }
            a.button.primary.wide #pay-now href={ "/pay/" (o.no) } { (tx.pay_now) " · " (money(ctx, o.total)) }
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        section.story #story {
            h2 { (st.story) }
            ol.story {
                @for s in story(ctx, o) {
                    li { span.when { (when(ctx, s.at)) } div { (s.body) } }
                }
            }
        }
        @if o.state == OrderState::Shipped && o.shipment.is_some() {
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
        (aftersales_section(ctx, o))
        (follow_block(ctx, o))
        ul.summary {
            @for l in &o.lines {
                li {
                    span { (l.product_name) @if !l.variant_name.is_empty() { " · " (l.variant_name) } " × " (l.qty) }
                    span { (money(ctx, l.line_total)) }
                }
            }
        }
        (order_totals(ctx, o))
        section.recipient {
            h2 { (tx.recipient) }
            p { (o.recipient.name) " " (o.recipient.mobile) }
            p { (o.recipient.address) }
            @if !o.note.is_empty() { p.note { (tx.note) ": " (o.note) } }
        }
        dl.meta {
            dt { (tx.order_no) } dd.mono { (o.no) }
            dt { (tx.placed_at) } dd { (when(ctx, o.created_at)) }
        }
        @if crate::web::service::contact_set(ctx) {
            a.back #contact-link href="/service" { (tx.lang.storefront().contact_us) }
        }
        a.back href="/orders" { (tx.my_orders) }
    };
    layout_with(ctx, v.cart_units(), tx.order, Tab::Orders, head, body)
}

/// The list: each order with its first item's picture, date, state and total.
pub fn orders(ctx: &Ctx, v: &Visitor, orders: &[(Order, Option<String>)]) -> Markup {
    let tx = t(ctx);
    let sf = tx.lang.storefront();
    let body = html! {
        div.title-row {
            h1 { (tx.my_orders) }
            a.small #addresses-link href="/addresses" { (tx.shopper().addresses) }
        }
        @if orders.is_empty() {
            div.empty { p { (tx.no_orders) } a.button href="/" { (tx.go_shopping) } }
        }
        ul.orders {
            @for (o, cover) in orders {
                @let first = o.lines.first().map(|l| l.product_name.as_str()).unwrap_or("");
                li {
                    a.order-row href={ "/orders/" (o.no) } {
                        div.order-top {
                            span.muted.small { (when(ctx, o.created_at)) }
                            (state_tag(tx, o.state))
                        }
                        div.order-main {
                            div.thumb { (img(cover.as_deref(), "", true)) }
                            div.order-info {
                                span.oname {
                                    @if o.lines.len() > 1 { (sf.and_more(first, o.lines.len() - 1)) } @else { (first) }
                                }
                                @if let Some(l) = o.lines.first().filter(|l| !l.variant_name.is_empty()) {
                                    span.muted.small.ovar { (l.variant_name) }
                                }
                            }
                        }
                        div.order-sum { (sf.units_total(o.units(), &money(ctx, o.total))) }
                    }
                }
            }
        }
        @if crate::web::service::contact_set(ctx) {
            a.back #contact-link href="/service" { (sf.contact_us) }
        }
    };
    layout(ctx, v.cart_units(), tx.my_orders, Tab::Orders, body)
}

/// A signed link past its expiry: say so, and point to "my orders".
pub fn link_expired(ctx: &Ctx, v: &Visitor) -> Markup {
    let tx = t(ctx);
    let st = tx.shopper();
    let body = html! {
        div.empty #link-expired {
            h1 { (st.link_expired) }
            p { (st.link_expired_body) }
            a.button.primary href="/orders" { (tx.my_orders) }
        }
    };
    layout(ctx, v.cart_units(), st.link_expired, Tab::None, body)
}

/// The invitation to follow the shop's Official Account (its QR code from `[wechat]
/// follow_qr_image`), when WeChat refused a message about this order because the shopper
/// does not follow the account, when one failed for good, or when a shipped order had no
/// WeChat identity to message. Nothing without a configured image.
pub fn follow_block(ctx: &Ctx, o: &Order) -> Markup {
    let w = &ctx.app.config.wechat;
    if w.follow_qr_image.is_none() {
        return html! {};
    }
    let unreachable =
        o.shipment.is_some() && w.shipped_template_id.is_some() && o.owner_openid().is_none();
    // A small read of the outbox (the page is rendered per request, never cached).
    let refused = || {
        ctx.app
            .store
            .message_undelivered(o.no.as_str())
            .unwrap_or(false)
    };
    if !(unreachable || refused()) {
        return html! {};
    }
    let t = ctx.app.config.shop.language.platform();
    html! {
        section.follow-oa #follow-oa {
            h2 { (t.follow_title) }
            img src="/follow-qr" alt=(t.follow_alt) width="180" height="180";
        }
    }
}
