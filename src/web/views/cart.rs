//! The cart and the checkout form.

use super::*;

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
