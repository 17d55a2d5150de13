//! The shopper's after-sales views: the refund request form (whole order or some lines
//! with quantities, a reason, text, photos) and, on the order page, each request with its
//! status in words, the shop's reason when declined and the refund as it settles.

use super::*;
use crate::order::{AftersalesProblem, AftersalesReason, AftersalesRequest, AftersalesStatus};

/// The request form of order `o`, refilled with `fields` and saying why it was refused; an
/// order that cannot ask (not paid, a request already open) shows only why, and the way back.
pub fn aftersales_form(
    ctx: &Ctx,
    v: &Visitor,
    o: &Order,
    fields: &HashMap<String, String>,
    problem: Option<AftersalesProblem>,
) -> Markup {
    let tx = t(ctx);
    let at = tx.aftersales();
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let lines_scope = get("scope") == "lines";
    let can_ask = o.aftersales_eligible().is_ok();
    let body = html! {
        h1 { (at.title) }
        p.muted.small.mono { (tx.order_no) " " (o.no) }
        @if let Some(p) = problem { p.notice.err #aftersales-problem role="alert" { (at.problem(p)) } }
        @if can_ask {
            form.checkout.aftersales #aftersales-form method="post" action={ "/orders/" (o.no) "/aftersales" } enctype="multipart/form-data" {
                fieldset.field {
                    label.check { input type="radio" name="scope" value="whole" checked[!lines_scope]; " " (at.whole_order) " · " (money(ctx, o.total)) }
                    label.check { input type="radio" name="scope" value="lines" checked[lines_scope]; " " (at.some_lines) }
                    ul.as-lines {
                        @for l in &o.lines {
                            @let name = format!("qty_{}", l.sku);
                            li {
                                label for=(name) {
                                    (l.product_name) @if !l.variant_name.is_empty() { " · " (l.variant_name) }
                                    br; span.muted.small { (money(ctx, l.unit_price)) " × " (l.qty) }
                                }
                                input #(name) type="number" name=(name) min="0" max=(l.qty.saturating_sub(o.units_refunded(&l.sku))) value=(get(&name)) inputmode="numeric" aria-label=(at.qty_of);
                            }
                        }
                    }
                }
                div.field {
                    label for="reason" { (at.reason) }
                    select #reason name="reason" required {
                        option value="" { (at.choose_reason) }
                        @for r in AftersalesReason::ALL {
                            option value=(r.as_str()) selected[get("reason") == r.as_str()] { (at.reason_name(r)) }
                        }
                    }
                }
                div.field {
                    label for="note" { (at.note) }
                    textarea #note name="note" rows="3" maxlength=(crate::order::NOTE_MAX_CHARS) placeholder=(at.note_placeholder) { (get("note")) }
                }
                div.field {
                    label for="photos" { (at.photos) }
                    input #photos type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple;
                    span.muted.small { (at.photos_hint) }
                }
                button.button.primary.wide type="submit" { (at.submit) }
            }
        }
        a.back href={ "/orders/" (o.no) } { (at.back) }
    };
    layout(ctx, v.cart_units(), at.title, Tab::Orders, body)
}

/// One request as the shopper sees it.
fn request_card(ctx: &Ctx, o: &Order, r: &AftersalesRequest) -> Markup {
    let tx = t(ctx);
    let at = tx.aftersales();
    let st = tx.shopper();
    let refund = r
        .refund_no
        .as_ref()
        .and_then(|n| o.refunds.iter().find(|x| &x.out_refund_no == n));
    html! {
        li.as-request id={ "aftersales-" (r.id) } {
            div.row {
                span.muted.small { (when(ctx, r.created_at)) }
                span class={ "tag as-" (r.status.as_str()) } { (at.status(r.status)) }
            }
            p {
                strong { (at.reason_name(r.reason)) }
                " · "
                @if r.whole_order { (at.whole_order) } @else {
                    @for (i, a) in r.lines.iter().enumerate() {
                        @if i > 0 { ", " }
                        (o.lines.iter().find(|l| l.sku == a.sku).map(|l| l.product_name.as_str()).unwrap_or(a.sku.as_str())) " × " (a.qty)
                    }
                }
            }
            @if !r.note.is_empty() { p.muted.small { (r.note) } }
            @if !r.photos.is_empty() {
                div.as-photos {
                    @for h in &r.photos {
                        a href={ "/orders/" (o.no) "/aftersales/" (h) } { img src={ "/orders/" (o.no) "/aftersales/" (h) } alt=(at.photos) loading="lazy"; }
                    }
                }
            }
            @if r.status == AftersalesStatus::Declined {
                p.as-declined { (at.declined_because) ": " (r.decline_reason.as_deref().unwrap_or("")) }
            }
            @if let Some(f) = refund {
                p.as-refund { (at.approved_amount) " " strong { (money(ctx, f.amount)) } " · " span.refund-status { (st.refund_status(f.status)) } }
            }
        }
    }
}

/// The order page's after-sales part: the requests, newest first, and the way to ask.
pub fn aftersales_section(ctx: &Ctx, o: &Order) -> Markup {
    let at = t(ctx).aftersales();
    let can_ask = o.aftersales_eligible().is_ok();
    html! {
        @if !o.aftersales.is_empty() {
            section.story.aftersales #aftersales {
                h2 { (at.section) }
                ul.as-requests {
                    @for r in o.aftersales.iter().rev() { (request_card(ctx, o, r)) }
                }
            }
        }
        @if can_ask {
            a.button.wide #ask-refund href={ "/orders/" (o.no) "/aftersales" } { (at.ask) }
        }
    }
}
