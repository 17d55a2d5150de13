//! The shopper's orders: the list and one order (shipment, receipt confirmation).

use super::*;

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
