//! The cart and the checkout form.

use super::*;
use crate::order::AddressBook;
use crate::shipping::ShippingHint;
use crate::web::address::AddressInput;

pub fn cart(ctx: &Ctx, v: &Visitor, priced: &Priced, hint: Option<&ShippingHint>) -> Markup {
    let tx = t(ctx);
    let sf = tx.lang.storefront();
    let pr = tx.lang.pricing();
    let must_remove =
        !priced.unavailable.is_empty() || priced.lines.iter().any(|l| l.available == 0);
    let short = priced.short_lines().next().is_some();
    let changed = priced.changed_lines().next().is_some();
    let body = html! {
        h1 { (tx.cart) }
        @if priced.lines.is_empty() && priced.unavailable.is_empty() {
            div.empty {
                p { (tx.cart_empty) }
                a.button href="/" { (tx.go_shopping) }
            }
        } @else {
            @match hint {
                Some(h @ ShippingHint::Gap(gap, _)) => {
                    p.banner.gap #free-shipping-gap { (pr.shipping_hint(h, &money(ctx, *gap))) }
                }
                Some(h @ ShippingHint::Free(_)) => {
                    p.banner.gap.reached #free-shipping-gap { (pr.shipping_hint(h, "")) }
                }
                Some(h @ ShippingHint::NotDelivered(_)) => {
                    p.banner.gap.nodelivery #free-shipping-gap role="note" { (pr.shipping_hint(h, "")) }
                }
                None => {}
            }
            ul.lines #cart-lines {
                @for l in &priced.lines {
                    @let flagged = l.qty.get() > l.available || l.price_change().is_some();
                    li.line.flagged[flagged] {
                        a.lthumb href={ "/p/" (l.product.id) } tabindex="-1" aria-hidden="true" { (img(l.product.cover(), "", true)) }
                        div.linfo {
                            a.lname href={ "/p/" (l.product.id) } { (l.product.name) }
                            @if l.product.variants.len() > 1 { span.lvar { (l.variant.name) } }
                            span.lprice { (money(ctx, l.variant.price)) }
                            @if l.qty.get() > l.available {
                                span.warn.flag role="note" { (sf.short_flag(l.available)) }
                            }
                            @if let Some((then, now)) = l.price_change() {
                                span.warn.flag.price-changed role="note" { (sf.price_flag(&money(ctx, then), &money(ctx, now))) }
                            }
                            div.lactions {
                                form.inline.qtyform method="post" action="/cart/update" {
                                    input type="hidden" name="sku" value=(l.variant.sku);
                                    div.stepper {
                                        button.step type="button" data-step="-1" aria-label=(sf.decrease) disabled[l.qty.get() <= 1] { "−" }
                                        input type="number" name="qty" value=(l.qty.get()) min="1"
                                            max=(l.available.clamp(l.qty.get().max(1), crate::catalog::MAX_QUANTITY))
                                            inputmode="numeric" aria-label={ (tx.quantity) " · " (l.product.name) };
                                        button.step type="button" data-step="1" aria-label=(sf.increase)
                                            disabled[l.qty.get() >= l.available.min(crate::catalog::MAX_QUANTITY)] { "+" }
                                    }
                                    button.apply type="submit" { (tx.update) }
                                }
                                form.inline method="post" action="/cart/remove" {
                                    input type="hidden" name="sku" value=(l.variant.sku);
                                    button.link type="submit" aria-label={ (tx.remove) " · " (l.product.name) } { (tx.remove) }
                                }
                            }
                        }
                        span.ltotal { (money(ctx, l.line_total)) }
                    }
                }
                @for sku in &priced.unavailable {
                    li.line.gone.flagged {
                        div.linfo { span.lname { (sf.gone_item) } span.warn.flag role="note" { (sf.gone_flag) } }
                        form.inline method="post" action="/cart/remove" {
                            input type="hidden" name="sku" value=(sku);
                            button.link type="submit" { (tx.remove) }
                        }
                    }
                }
            }
            (totals(ctx, priced.items, priced.shipping, priced.total))
            @if !priced.lines.is_empty() {
                @if must_remove {
                    button.primary.wide #checkout-button type="button" disabled { (sf.fix_remove_first) }
                } @else if short {
                    button.primary.wide #checkout-button type="button" disabled { (sf.fix_short_first) }
                } @else if changed {
                    form method="post" action="/cart/update" {
                        input type="hidden" name="accept" value="1";
                        button.primary.wide #checkout-button type="submit" { (sf.accept_prices) }
                    }
                } @else {
                    a.button.primary.wide #checkout-button href="/checkout" { (tx.checkout) " · " (money(ctx, priced.total)) }
                }
            }
            a.back href="/" { (tx.continue_shopping) }
        }
        script src={ "/assets/cart.js?v=" (ctx.assets.version("cart.js")) } defer {}
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

/// One region select: the choices under `parent` (the provinces for `None`), `selected`
/// kept when it is among them.
fn region_select(
    lang: crate::text::Lang,
    id: &str,
    label: &str,
    parent: Option<&str>,
    selected: &str,
) -> Markup {
    let list = match parent {
        None => crate::region::provinces(),
        Some("") => &[],
        Some(p) => crate::region::children(p),
    };
    html! {
        select id=(id) name=(id) aria-label=(label) {
            // Just the select's name ("城市"): three selects share a 320 px row, and
            // "City · Choose" was cut off there.
            option value="" { (label) }
            @for d in list {
                option value=(d.code) selected[d.code == selected] { (region_label(lang, d)) }
            }
        }
    }
}

/// A select's label for a division: a province in the English shop is named in English
/// beside its Chinese name (the cities under it stay in Chinese, as addresses are written).
fn region_label(lang: crate::text::Lang, d: &crate::region::Division) -> String {
    match crate::region::province_en(d.code) {
        Some(en) if d.code.len() == 2 && lang == crate::text::Lang::En => {
            format!("{en} {}", d.name)
        }
        _ => d.name.to_string(),
    }
}

/// The address part: the saved addresses to choose from, then a new one (three dependent
/// selects and the street line).
fn address_fields(
    tx: &Text,
    errors: &[(Field, FieldProblem)],
    book: &AddressBook,
    input: &AddressInput,
) -> Markup {
    let st = tx.shopper();
    let p = &input.parts;
    let new_chosen = input.chosen.is_none();
    html! {
        @if !book.entries.is_empty() {
            fieldset.field {
                legend { (st.saved_addresses) }
                ul.book {
                    @for e in book.entries.iter().rev() {
                        li { label {
                            input type="radio" name="addr" value=(e.id) checked[input.chosen == Some(e.id)];
                            span {
                                (e.name) " " (e.mobile)
                                @if book.default == Some(e.id) { span.tag { (st.default_tag) } }
                                br; span.muted { (e.address) }
                            }
                        } }
                    }
                    li { label {
                        input type="radio" name="addr" value="new" checked[new_chosen];
                        span { (st.new_address) }
                    } }
                }
            }
        }
        @if let Some(pr) = input.problem { p.ferr #err-region role="alert" { (pr) } }
        div.field {
            label for="province" { (st.region) }
            div.regions {
                (region_select(tx.lang, "province", st.province, None, &p.province))
                (region_select(tx.lang, "city", st.city, Some(&p.province), &p.city))
                (region_select(tx.lang, "district", st.district, Some(&p.city), &p.district))
            }
            button.small #refresh-regions type="submit" name="refresh" value="1" formnovalidate { (st.refresh_regions) }
        }
        div.field.bad[errors.iter().any(|(f, _)| *f == Field::Address)] {
            label for="street" { (st.street) }
            input #street name="street" value=(p.street) placeholder=(st.street_placeholder) autocomplete="street-address" maxlength="120";
            (field_error(tx, errors, Field::Address))
        }
        label.check { input type="checkbox" name="make_default" value="1"; " " (st.make_default) }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn checkout(
    ctx: &Ctx,
    v: &Visitor,
    priced: &Priced,
    form: &CheckoutForm,
    errors: &[(Field, FieldProblem)],
    problem: Option<&str>,
    book: &AddressBook,
    input: &AddressInput,
    extras: &CheckoutExtras,
) -> Markup {
    let tx = t(ctx);
    let has = |f: Field| errors.iter().any(|(ef, _)| *ef == f);
    let sf = tx.lang.storefront();
    let body = html! {
        h1 { (sf.confirm_order) }
        @if let Some(p) = problem { div.notice.err role="alert" { (p) } }
        ul.summary {
            @for l in &priced.lines {
                li.sline {
                    span.sthumb aria-hidden="true" { (img(l.product.cover(), "", false)) }
                    span.sname { (l.product.name) @if l.product.variants.len() > 1 { " · " (l.variant.name) } " × " (l.qty.get()) }
                    span.samt { (money(ctx, l.line_total)) }
                }
            }
        }
        (checkout_totals(ctx, priced, extras))
        form.checkout method="post" action="/checkout" novalidate {
            (buy_now_fields(extras))
            h2 { (tx.recipient) }
            @if v.in_wechat { (crate::web::wx::address_button(ctx)) }
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
            @if input.structured {
                (address_fields(tx, errors, book, input))
            } @else {
                div.field.bad[has(Field::Address)] {
                    label for="address" { (tx.address) }
                    textarea #address name="address" rows="3" autocomplete="street-address" maxlength="200" required { (form.address) }
                    (field_error(tx, errors, Field::Address))
                }
            }
            div.field.bad[has(Field::Note)] {
                label for="note" { (tx.note) }
                input #note name="note" value=(form.note) placeholder=(tx.note_placeholder) maxlength="200";
                (field_error(tx, errors, Field::Note))
            }
            (coupon_field(ctx, extras))
            button.primary.wide #place-order type="submit" { (tx.place_order) " · " (money(ctx, priced.total)) }
        }
    };
    let head = html! {
        script src={ "/assets/order.js?v=" (ctx.assets.version("order.js")) } defer {}
        @if v.in_wechat { (crate::web::wx::script(ctx)) }
    };
    layout_with(ctx, v.cart_units(), sf.confirm_order, Tab::Cart, head, body)
}
