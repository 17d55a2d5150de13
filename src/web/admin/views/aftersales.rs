//! After-sales pages of the back office: the list of refund requests with the open count,
//! the panel on an order (lines asked, reason, the shopper's words, photos; approve with an
//! amount or decline with a reason) and the confirmation before a refund is sent.

use super::{a, csrf, cst_datetime, money, shell};
use crate::money::Money;
use crate::order::{AftersalesRequest, AftersalesStatus, Order};
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};

fn status_tag(ctx: &Ctx, r: &AftersalesRequest) -> Markup {
    let w = ctx.app.config.shop.language.text().aftersales();
    html! { span class={ "tag as-" (r.status.as_str()) } { (w.status(r.status)) } }
}

/// What was asked: the whole order, or each line with its units.
fn asked(ctx: &Ctx, o: &Order, r: &AftersalesRequest) -> Markup {
    let l = a(ctx).aftersales();
    html! {
        @if r.whole_order { (l.whole_order) " · " (money(ctx, o.total)) } @else {
            @for (i, x) in r.lines.iter().enumerate() {
                @if i > 0 { br; }
                (o.lines.iter().find(|li| li.sku == x.sku).map(|li| li.product_name.as_str()).unwrap_or(x.sku.as_str()))
                " · " span.mono { (x.sku) } " × " (x.qty)
            }
        }
    }
}

/// `/admin/aftersales`: the open requests (with their count), then recent decisions.
pub fn list(ctx: &Ctx, admin: &Admin, open: &[Order], decided: &[Order]) -> Markup {
    let l = a(ctx).aftersales();
    let w = ctx.app.config.shop.language.text().aftersales();
    let row = |o: &Order, r: &AftersalesRequest| {
        html! {
            tr {
                td { a.mono href={ "/admin/orders/" (o.no) "#aftersales" } { (o.no) } br; span.muted { (cst_datetime(r.created_at)) } }
                td { (asked(ctx, o, r)) }
                td { (w.reason_name(r.reason)) @if !r.photos.is_empty() { br; span.muted { (l.photos) " " (r.photos.len()) } } }
                td { (status_tag(ctx, r)) }
            }
        }
    };
    shell(
        ctx,
        Some(admin),
        l.title,
        html! {
            h1 { (l.title) }
            p #aftersales-open-count { strong { (l.open_count(open.len())) } }
            @if open.is_empty() { p.muted { (l.none_open) } }
            table.grid-table #aftersales-open {
                @for o in open { @if let Some(r) = o.open_aftersales() { (row(o, r)) } }
            }
            @if !decided.is_empty() {
                h2 { (l.decided) }
                table.grid-table #aftersales-decided {
                    @for o in decided { @if let Some(r) = o.aftersales.last() { (row(o, r)) } }
                }
            }
        },
    )
}

/// The after-sales panel on an order: every request, and the decision forms for the open one.
pub fn order_panel(ctx: &Ctx, admin: &Admin, o: &Order) -> Markup {
    if o.aftersales.is_empty() {
        return html! {};
    }
    let l = a(ctx).aftersales();
    let w = ctx.app.config.shop.language.text().aftersales();
    html! {
        section.panel #aftersales {
            h2 { (l.title) @if o.aftersales_open() { " " span.tag.low.held { (l.held) } } }
            @for r in o.aftersales.iter().rev() {
                dl.meta {
                    dt { (l.asked_at) } dd { (cst_datetime(r.created_at)) " " (status_tag(ctx, r)) }
                    dt { (l.order) } dd { (asked(ctx, o, r)) }
                    dt { (w.reason) } dd { (w.reason_name(r.reason)) }
                    @if !r.note.is_empty() { dt { (l.note) } dd { (r.note) } }
                    @if !r.photos.is_empty() {
                        dt { (l.photos) }
                        dd.as-photos {
                            @for h in &r.photos {
                                @let src = format!("/admin/aftersales/{}/photo/{h}", o.no);
                                a href=(src) { img src=(src) alt=(l.photos) loading="lazy"; }
                            }
                        }
                    }
                    @if let Some(why) = &r.decline_reason { dt { (l.decline) } dd { (why) } }
                    @if let (Some(amount), Some(rno)) = (r.amount, &r.refund_no) { dt { (l.amount) } dd { (money(ctx, amount)) " · " span.mono { (rno) } } }
                }
                @if r.status == AftersalesStatus::Requested && admin.role.can_change() {
                    @if admin.role.is_owner() {
                        form.stockrow method="post" action={ "/admin/aftersales/" (o.no) "/approve" } {
                            (csrf(admin))
                            input name="amount" value=(o.aftersales_value(r).decimal(o.currency)) inputmode="decimal" aria-label=(l.amount) aria-describedby="as-amount-hint";
                            button.primary type="submit" { (l.approve) }
                        }
                        p.muted.small #as-amount-hint { (l.amount_hint) " · " (money(ctx, o.refundable())) }
                    }
                    form.stockrow method="post" action={ "/admin/aftersales/" (o.no) "/decline" } {
                        (csrf(admin))
                        input name="reason" placeholder=(l.decline_reason) aria-label=(l.decline_reason) maxlength=(crate::order::NOTE_MAX_CHARS) required;
                        button type="submit" { (l.decline) }
                    }
                }
            }
        }
    }
}

/// The question before an approval sends money back.
pub fn confirm(ctx: &Ctx, admin: &Admin, o: &Order, amount: Money) -> Markup {
    let l = a(ctx).aftersales();
    shell(
        ctx,
        Some(admin),
        l.confirm_title,
        html! {
            h1 { (l.confirm_title) }
            section.panel #aftersales-confirm {
                p { (l.confirm_refund(&money(ctx, amount), o.no.as_str())) }
                form.stockrow method="post" action={ "/admin/aftersales/" (o.no) "/approve" } {
                    (csrf(admin))
                    input type="hidden" name="amount" value=(amount.decimal(o.currency));
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (l.confirm_yes) }
                    a.button href={ "/admin/orders/" (o.no) "#aftersales" } { (l.back) }
                }
            }
        },
    )
}
