//! The coupons page: the new-code form and the list with uses so far, and the question
//! before a code is disabled.

use super::{Admin, csrf, cst_datetime, shell};
use crate::catalog::Category;
use crate::coupon::{Coupon, CouponForm, format_local};
use crate::web::Ctx;
use maud::{Markup, html};

/// The list and the form; `draft` is what was typed when `error` refused it.
pub fn coupons(
    ctx: &Ctx,
    admin: &Admin,
    list: &[Coupon],
    categories: &[Category],
    draft: &CouponForm,
    error: Option<&str>,
    now: i64,
) -> Markup {
    let p = ctx.app.config.shop.language.pricing();
    let cur = ctx.app.config.shop.currency;
    let cat_name = |id: &str| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map_or(id.to_string(), |c| c.name.clone())
    };
    let starts = if draft.starts.is_empty() {
        format_local(now)
    } else {
        draft.starts.clone()
    };
    let ends = if draft.ends.is_empty() {
        format_local(now + 30 * 86_400)
    } else {
        draft.ends.clone()
    };
    shell(
        ctx,
        Some(admin),
        p.coupons_title,
        html! {
            h1 { (p.coupons_title) }
            section.panel #coupon-list {
                @if list.is_empty() {
                    p { (p.none_yet) }
                } @else {
                    ul.checks.coupons {
                        @for c in list {
                            li.coupon-item {
                                strong.mono { (c.code) }
                                " · " (p.describe_off(c.kind, cur))
                                @if c.min_spend.minor() > 0 { " · " (p.describe_min(c.min_spend, cur)) }
                                br;
                                span.muted.small {
                                    (cst_datetime(c.starts_at)) " – " (cst_datetime(c.ends_at))
                                    " · "
                                    @if c.categories.is_empty() { (p.every_item) } @else {
                                        (c.categories.iter().map(|id| cat_name(id)).collect::<Vec<_>>().join("、"))
                                    }
                                    " · " (p.describe_per_shopper(c.per_shopper_cap))
                                }
                                br;
                                span { (p.uses) "：" span.uses { (p.describe_uses(c.used, c.total_cap)) } }
                                " · "
                                @if c.disabled {
                                    span.state.closed { (p.disabled) }
                                } @else {
                                    span.state.paid { (p.active) }
                                    " "
                                    a.button.small href={ "/admin/coupons/" (c.code) "/disable" } { (p.disable) }
                                }
                            }
                        }
                    }
                }
            }
            section.panel #coupon-new {
                h2 { (p.new_coupon) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form.stack method="post" action="/admin/coupons" {
                    (csrf(admin))
                    label for="code" { (p.code) }
                    input #code name="code" value=(draft.code) maxlength="20" required autocomplete="off";
                    p.muted.small { (p.code_hint) }
                    fieldset {
                        legend { (p.kind) }
                        label.check { input type="radio" name="kind" value="fixed" checked[draft.kind != "percent"]; " " (p.fixed) }
                        label.check { input type="radio" name="kind" value="percent" checked[draft.kind == "percent"]; " " (p.percent) }
                    }
                    label for="value" { (p.value) }
                    input #value name="value" value=(draft.value) inputmode="decimal" required;
                    p.muted.small { (p.value_hint) }
                    label for="min_spend" { (p.min_spend) }
                    input #min_spend name="min_spend" value=(draft.min_spend) inputmode="decimal";
                    label for="starts" { (p.starts) }
                    input #starts name="starts" type="datetime-local" value=(starts) required;
                    label for="ends" { (p.ends) }
                    input #ends name="ends" type="datetime-local" value=(ends) required;
                    p.muted.small { (p.window_hint) }
                    label for="total_cap" { (p.total_cap) }
                    input #total_cap name="total_cap" value=(draft.total_cap) inputmode="numeric";
                    label for="per_shopper_cap" { (p.per_shopper_cap) }
                    input #per_shopper_cap name="per_shopper_cap" value=(draft.per_shopper_cap) inputmode="numeric";
                    p.muted.small { (p.cap_hint) }
                    fieldset {
                        legend { (p.categories) }
                        @for c in categories {
                            label.check {
                                input type="checkbox" name={ "cat_" (c.id) } value="1" checked[draft.categories.contains(&c.id)];
                                " " (c.name)
                            }
                        }
                        p.muted.small { (p.categories_hint) }
                    }
                    button.primary type="submit" { (p.create) }
                }
            }
        },
    )
}

/// The question before a code is disabled.
pub fn coupon_disable(ctx: &Ctx, admin: &Admin, code: &str) -> Markup {
    let p = ctx.app.config.shop.language.pricing();
    shell(
        ctx,
        Some(admin),
        p.coupons_title,
        html! {
            h1 { (p.coupons_title) }
            section.panel #coupon-disable {
                p { (p.disable_ask) }
                p { strong.mono { (code) } }
                form.stockrow method="post" action={ "/admin/coupons/" (code) "/disable" } {
                    (csrf(admin))
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (p.disable_yes) }
                    a.button href="/admin/coupons" { (p.back) }
                }
            }
        },
    )
}
