//! Order pages: the filtered list and one order with its payment, shipping and refunds.

use super::{a, csrf, cst_datetime, money, shell};
use crate::money::Money;
use crate::order::{Order, OrderState};
use crate::store::OutboxEntry;
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};

pub fn orders(
    ctx: &Ctx,
    admin: &Admin,
    orders: &[Order],
    f: &crate::web::admin::orders::Filter,
) -> Markup {
    let l = a(ctx);
    let t = ctx.app.config.shop.language.text();
    let qs = format!(
        "state={}&from={}&to={}&q={}",
        f.state.map(|s| s.as_str()).unwrap_or(""),
        f.from.clone().unwrap_or_default(),
        f.to.clone().unwrap_or_default(),
        form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>()
    );
    shell(
        ctx,
        Some(admin),
        l.orders,
        html! {
            h1 { (l.orders) }
            form.filters method="get" action="/admin/orders" {
                select name="state" aria-label="state" {
                    option value="" { (l.all_states) }
                    @for s in OrderState::ALL { option value=(s.as_str()) selected[f.state == Some(s)] { (t.state(s)) } }
                }
                label { (l.from) " " input type="date" name="from" value=[f.from.as_deref()]; }
                label { (l.to) " " input type="date" name="to" value=[f.to.as_deref()]; }
                input type="search" name="q" value=(f.q) placeholder=(l.search);
                button type="submit" { (l.filter) }
                a.button href={ "/admin/orders.csv?" (qs) } { (l.csv_export) }
            }
            table.grid-table {
                @for o in orders {
                    tr {
                        td { a.mono href={ "/admin/orders/" (o.no) } { (o.no) } br; span.muted { (cst_datetime(o.created_at)) } }
                        td { (o.recipient.name) br; span.muted { (o.recipient.mobile) } }
                        td { (money(ctx, o.total)) }
                        td {
                            span class={ "state " (o.state.as_str()) } { (t.state(o.state)) }
                            @if o.dispute.is_some() { " " span.tag.err { (l.disputed) } }
                            @if o.aftersales_open() { " " span.tag.low.held { (l.aftersales().held) } }
                        }
                    }
                }
            }
        },
    )
}

pub fn order_detail(
    ctx: &Ctx,
    admin: &Admin,
    o: &Order,
    outbox: &[OutboxEntry],
    problem: Option<&str>,
) -> Markup {
    let l = a(ctx);
    let t = ctx.app.config.shop.language.text();
    shell(
        ctx,
        Some(admin),
        o.no.as_str(),
        html! {
            div.ohead { h1.mono { (o.no) } span class={ "state " (o.state.as_str()) } { (t.state(o.state)) } }
            @if let Some(p) = problem { p.notice.err role="alert" { (p) } }
            (super::aftersales::order_panel(ctx, admin, o))
            @if let Some(d) = &o.dispute {
                section.panel.disputed #dispute {
                    h2 { span.tag.err { (l.disputed) } }
                    p { (l.disputed_body) }
                    dl.meta {
                        dt { (l.disputed_paid) }
                        dd {
                            @match (d.amount, d.currency.as_deref().map_or(Some(crate::money::Currency::CNY), crate::money::Currency::parse)) {
                                (Some(a), Some(c)) => { (Money(a).display(c)) }
                                _ => { "—" }
                            }
                        }
                        dt { (t.total) } dd { (money(ctx, o.total)) }
                        dt { "WeChat" } dd.mono { (d.transaction_id) " · " (cst_datetime(d.at)) }
                    }
                }
            }
            ul.summary {
                @for li in &o.lines {
                    li { span { (li.product_name) " · " (li.variant_name) " × " (li.qty) } span { (money(ctx, li.line_total)) } }
                }
            }
            dl.meta {
                dt { (t.items_total) } dd { (money(ctx, o.items_total)) }
                dt { (t.shipping) } dd { (money(ctx, o.shipping)) }
                dt { (t.total) } dd { (money(ctx, o.total)) }
                dt { (t.recipient) } dd { (o.recipient.name) " " (o.recipient.mobile) br; (o.recipient.address) }
                @if !o.note.is_empty() { dt { (t.note) } dd { (o.note) } }
                dt { (l.channel) } dd { (o.channel.as_deref().unwrap_or(l.direct)) }
                @if let Some(p) = &o.payment {
                    dt { "WeChat" } dd.mono { (p.transaction_id) " · " (money(ctx, p.amount)) " · " (cst_datetime(p.paid_at)) }
                    @if let (Some(pt), Some(pc)) = (p.payer_total, &p.payer_currency) {
                    @if pc != o.currency.code() {
                        dt { "payer" }
                        dd #payer-amount {
                            (crate::money::Currency::parse(pc).map(|c| Money(pt).display(c)).unwrap_or_else(|| format!("{pc} {pt}")))
                            @if let Some(rate) = p.exchange_rate.as_ref().and_then(|r| r["rate"].as_i64()) {
                                " · rate " (format!("{:.4}", rate as f64 / 1e8))
                            }
                        }
                    }
                }
                }
                @if let Some(s) = &o.shipment { dt { (l.courier) } dd { (s.courier) " " (s.tracking_no) } }
            }
            @if o.state == OrderState::Paid {
                section.panel {
                    h2 { (l.ship) }
                    form.stockrow method="post" action={ "/admin/orders/" (o.no) "/ship" } {
                        (csrf(admin))
                        input name="courier" placeholder=(l.courier) maxlength="40" required;
                        input name="tracking_no" placeholder=(l.tracking_no) maxlength="40" required;
                        button.primary type="submit" { (l.ship) }
                    }
                }
            }
            @if o.payment.is_some() && o.refundable() > Money::ZERO {
                section.panel {
                    h2 { (l.refund) }
                    form.stockrow method="post" action={ "/admin/orders/" (o.no) "/refund" } {
                        (csrf(admin))
                        input name="amount" value=(o.refundable().decimal(o.currency)) inputmode="decimal" aria-label=(l.refund_amount);
                        input name="reason" placeholder=(l.reason) maxlength="80" aria-describedby="reason-hint";
                        button type="submit" { (l.refund) }
                    }
                    p.muted.small #reason-hint { (l.reason_hint) }
                }
            }
            @if !o.refunds.is_empty() {
                section.panel {
                    h2 { (l.refunds) }
                    table.grid-table {
                        @for r in &o.refunds {
                            tr { td.mono { (r.out_refund_no) } td { (money(ctx, r.amount)) } td { span class={ "tag refund-" (r.status.as_str()) } { (l.refund_status(r.status)) } } td { (r.reason) } td.muted { (r.last_error.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
            section.panel {
                h2 { (l.message) }
                @if outbox.is_empty() { p.muted { (l.no_message) } }
                @for e in outbox {
                    p #message-status { span class={ "tag msg-" (e.state) } { (e.state) } " · " (e.attempts) " · " (e.last_error.as_deref().unwrap_or("")) }
                }
            }
            section.panel {
                h2 { (l.timeline) }
                table.grid-table {
                    @for ev in &o.history {
                        tr { td { (cst_datetime(ev.at)) } td { (ev.kind) } td.mono.small-json { (ev.detail.to_string()) } }
                    }
                }
            }
        },
    )
}
