//! Order pages: the filtered list and one order with its payment, shipping and refunds.

use super::{a, csrf, cst_datetime, money, shell};
use crate::carrier::Carrier;
use crate::money::Money;
use crate::order::{EventFacts, REFUND_REASON_MAX_BYTES};
use crate::order::{Order, OrderState};
use crate::store::{OutboxEntry, OutboxState};
use crate::web::Ctx;
use crate::web::admin::Admin;
use crate::web::admin::orders::RefundDraft;
use maud::{Markup, html};

pub fn orders(
    ctx: &Ctx,
    admin: &Admin,
    orders: &[Order],
    f: &crate::web::admin::orders::Filter,
    older: Option<&str>,
    window_cut: bool,
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
            @let w = ctx.app.config.shop.language.work();
            p.filters {
                a.button href="/admin/slips" { (w.print_all_to_ship) }
                a.button href="/admin/ship-bulk" { (w.bulk_ship) }
            }
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
            @if window_cut {
                // A fragment no index answers was looked for in the newest orders only.
                p.muted { (ctx.app.config.shop.language.order_search_window(crate::store::SEARCH_WINDOW)) }
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
            @if let Some(href) = older {
                p.filters { a.button href=(href) { (ctx.app.config.shop.language.older_orders()) } }
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
    draft: &RefundDraft,
) -> Markup {
    let l = a(ctx);
    let lang = ctx.app.config.shop.language;
    let w = lang.work();
    let t = lang.text();
    shell(
        ctx,
        Some(admin),
        o.no.as_str(),
        html! {
            div.ohead {
                h1.mono { (o.no) }
                span class={ "state " (o.state.as_str()) } { (t.state(o.state)) }
                @if matches!(o.state, OrderState::Paid | OrderState::Shipped) {
                    a.button.small href={ "/admin/orders/" (o.no) "/slip" } { (w.packing_slip) }
                }
            }
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
                        dt { (w.wechat_payment) } dd.mono { (d.transaction_id) " · " (cst_datetime(d.at)) }
                    }
                }
            }
            ul.summary {
                @for li in &o.lines {
                    li { span { (li.product_name) " · " (li.variant_name) " × " (li.qty) } span { (money(ctx, li.line_total)) @if li.discount > Money::ZERO { " · " (ctx.app.config.shop.language.pricing().line_paid) " " (money(ctx, li.paid())) } } }
                }
            }
            dl.meta {
                dt { (t.items_total) } dd { (money(ctx, o.items_total)) }
                @if o.discount > Money::ZERO {
                    dt { (ctx.app.config.shop.language.pricing().discount) } dd #order-discount { "−" (money(ctx, o.discount)) @if let Some(c) = &o.coupon { " · " (c.code) } }
                }
                dt { (t.shipping) } dd { (money(ctx, o.shipping)) }
                dt { (t.total) } dd { (money(ctx, o.total)) }
                dt { (t.recipient) } dd { (o.recipient.name) " " (o.recipient.mobile) br; (o.recipient.address) }
                @if !o.note.is_empty() { dt { (t.note) } dd { (o.note) } }
                dt { (l.channel) } dd { (o.channel.as_deref().map_or(l.direct.into(), |c| lang.jssdk().channel(c))) }
                @if let Some(p) = &o.payment {
                    dt { (w.wechat_payment) } dd.mono { (p.transaction_id) " · " (money(ctx, p.amount)) " · " (cst_datetime(p.paid_at)) }
                    @if let (Some(pt), Some(pc)) = (p.payer_total, &p.payer_currency) {
                        @if pc != o.currency.code() {
                            dt { (w.payer) }
                            dd #payer-amount {
                                (crate::money::Currency::parse(pc).map(|c| Money(pt).display(c)).unwrap_or_else(|| format!("{pc} {pt}")))
                                @if let Some(rate) = p.exchange_rate.as_ref().and_then(|r| r["rate"].as_i64()) {
                                    " · " (w.rate) " " (format!("{:.4}", rate as f64 / 1e8))
                                }
                            }
                        }
                    }
                }
                @if let Some(s) = &o.shipment {
                    @let (name, url) = crate::carrier::display(&s.courier, &s.tracking_no, lang);
                    dt { (l.courier) }
                    dd #shipment {
                        (name) " " span.mono { (s.tracking_no) }
                        @if let Some(u) = url { " " a.track href=(u) target="_blank" rel="noopener" { (w.track) } }
                    }
                }
            }
            @if o.state == OrderState::Paid && admin.role.can_change() {
                section.panel {
                    h2 { (l.ship) }
                    form.stockrow method="post" action={ "/admin/orders/" (o.no) "/ship" } {
                        (csrf(admin))
                        select name="carrier" aria-label=(w.carrier) required {
                            @for c in Carrier::ALL { option value=(c.code()) { (c.name(lang)) } }
                        }
                        input name="courier_other" placeholder=(w.carrier_other_name) aria-label=(w.carrier_other_name) maxlength="40";
                        input name="tracking_no" placeholder=(l.tracking_no) aria-label=(l.tracking_no) maxlength="40" required;
                        button.primary type="submit" { (l.ship) }
                    }
                }
            }
            @if o.payment.is_some() && o.refundable() > Money::ZERO && admin.role.is_owner() {
                section.panel #refund {
                    h2 { (l.refund) }
                    form.refund method="post" action={ "/admin/orders/" (o.no) "/refund" } {
                        (csrf(admin))
                        div.field {
                            label for="amount" { (l.refund_amount) }
                            input #amount name="amount" value=(draft.amount) inputmode="decimal" autocomplete="off"
                                placeholder=(w.refund_at_most(&money(ctx, o.refundable()))) required;
                        }
                        div.field {
                            label for="reason" { (l.reason) }
                            input #reason name="reason" value=(draft.reason) data-bytes-max=(REFUND_REASON_MAX_BYTES)
                                data-counter="reason-count" aria-describedby="reason-hint reason-count";
                            span.muted.small.counter #reason-count aria-live="polite" { (w.bytes_of(draft.reason.len(), REFUND_REASON_MAX_BYTES)) }
                        }
                        p.muted.small #reason-hint { (l.reason_hint) }
                        button type="submit" { (l.refund) }
                    }
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
                    p #message-status {
                        span class={ "tag msg-" (e.state) } {
                            (match e.state { OutboxState::Pending => w.msg_pending, OutboxState::Sent | OutboxState::Skipped => w.msg_sent, OutboxState::Failed => w.msg_failed, OutboxState::NotFollower => ctx.app.config.shop.language.platform().not_follower })
                        }
                        " · " (w.attempts(e.attempts))
                        @if let Some(err) = &e.last_error { " · " span.muted.small { (w.wechat_said) ": " (err) } }
                    }
                }
            }
            section.panel #timeline {
                h2 { (l.timeline) }
                table.grid-table.timeline {
                    @for ev in &o.history {
                        @let facts = carrier_named(EventFacts::read(&ev.kind, &ev.detail, o.payment.as_ref().map(|p| p.amount.minor())), lang);
                        tr { td.when { (cst_datetime(ev.at)) } td { (w.event(&ev.kind, &facts, &|m| money(ctx, Money(m)))) } }
                    }
                }
            }
        },
    )
}

/// A timeline entry's carrier by its name in the shop's language, not its stored code.
fn carrier_named(mut f: EventFacts, lang: crate::text::Lang) -> EventFacts {
    if let Some(c) = &f.courier {
        f.courier = Some(crate::carrier::display(c, "", lang).0);
    }
    f
}

/// The refund's confirmation step: what goes back, to whom, and why; confirm or go back.
pub fn refund_confirm(ctx: &Ctx, admin: &Admin, o: &Order, amount: Money, reason: &str) -> Markup {
    let l = a(ctx);
    let w = ctx.app.config.shop.language.work();
    shell(
        ctx,
        Some(admin),
        w.confirm_refund,
        html! {
            section.panel.confirm #refund-confirm {
                h1 { (w.confirm_refund) }
                p { (w.confirm_refund_body) }
                dl.meta {
                    dt { (l.refund_amount) } dd.big #confirm-amount { (money(ctx, amount)) }
                    dt { (w.refund_to) } dd { (o.recipient.name) " " (o.recipient.mobile) br; span.mono { (o.no) } }
                    dt { (l.reason) } dd { @if reason.is_empty() { span.muted { (w.refund_no_reason) } } @else { (reason) } }
                }
                form.confirm-actions method="post" action={ "/admin/orders/" (o.no) "/refund" } {
                    (csrf(admin))
                    input type="hidden" name="amount" value=(amount.decimal(o.currency));
                    input type="hidden" name="reason" value=(reason);
                    input type="hidden" name="confirm" value="1";
                    button.primary.danger type="submit" { (w.confirm_refund) }
                    a.button href={ "/admin/orders/" (o.no) "#refund" } { (w.cancel) }
                }
            }
        },
    )
}
