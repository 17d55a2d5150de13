//! The shipping templates page: the default flat rule, each province's template, the
//! form to add or change one, and the question before one is deleted.

use super::{Admin, csrf, money, shell};
use crate::shipping::{ShippingTemplate, TemplateForm};
use crate::web::Ctx;
use maud::{Markup, html};

pub fn shipping_rules(
    ctx: &Ctx,
    admin: &Admin,
    templates: &[ShippingTemplate],
    draft: &TemplateForm,
    error: Option<&str>,
) -> Markup {
    let p = ctx.app.config.shop.language.pricing();
    let flat = ctx.app.config.shop.shipping;
    shell(
        ctx,
        Some(admin),
        p.ship_title,
        html! {
            h1 { (p.ship_title) }
            section.panel #shipping-rules {
                p.muted.small { (p.ship_hint) }
                dl.meta {
                    dt { (p.ship_default) }
                    dd #default-rule {
                        (money(ctx, flat.flat_fee))
                        @if let Some(f) = flat.free_over { " · " (p.free_over) " " (money(ctx, f)) }
                    }
                }
                @if templates.is_empty() {
                    p { (p.ship_none) }
                } @else {
                    ul.checks {
                        @for t in templates {
                            li.template {
                                strong { (p.province(&t.province)) }
                                " · "
                                @if t.delivers {
                                    (p.first_fee) " " (money(ctx, t.first_fee)) " · "
                                    (p.additional_fee) " " (money(ctx, t.additional_fee))
                                    @if let Some(f) = t.free_over { " · " (p.free_over) " " (money(ctx, f)) }
                                } @else {
                                    span.state.closed { (p.not_delivered) }
                                }
                                " "
                                a.button.small href={ "/admin/shipping-rules/" (t.province) "/delete" } { (p.delete_template) }
                            }
                        }
                    }
                }
            }
            section.panel #shipping-rule-new {
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form.stack method="post" action="/admin/shipping-rules" {
                    (csrf(admin))
                    label for="province" { (p.province) }
                    select #province name="province" required {
                        option value="" { "—" }
                        @for d in crate::region::provinces() {
                            option value=(d.code) selected[draft.province == d.code] { (p.province(d.code)) }
                        }
                    }
                    label for="first_fee" { (p.first_fee) }
                    input #first_fee name="first_fee" value=(draft.first_fee) inputmode="decimal";
                    label for="additional_fee" { (p.additional_fee) }
                    input #additional_fee name="additional_fee" value=(draft.additional_fee) inputmode="decimal";
                    label for="free_over" { (p.free_over) }
                    input #free_over name="free_over" value=(draft.free_over) inputmode="decimal";
                    label.check { input type="checkbox" name="no_delivery" value="1" checked[draft.no_delivery]; " " (p.no_delivery_label) }
                    button.primary type="submit" { (p.save_template) }
                }
            }
        },
    )
}

/// The question before a province's template is deleted.
pub fn shipping_rule_delete(ctx: &Ctx, admin: &Admin, province: &str) -> Markup {
    let p = ctx.app.config.shop.language.pricing();
    shell(
        ctx,
        Some(admin),
        p.ship_title,
        html! {
            h1 { (p.ship_title) }
            section.panel #shipping-rule-delete {
                p { (p.delete_template_ask) }
                p { strong { (p.province(province)) } }
                form.stockrow method="post" action={ "/admin/shipping-rules/" (province) "/delete" } {
                    (csrf(admin))
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (p.delete_template_yes) }
                    a.button href="/admin/shipping-rules" { (p.back) }
                }
            }
        },
    )
}
