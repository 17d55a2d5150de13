//! Back-office views: the page shell, the helpers every page uses, and the pages before
//! sign-in (login, setup link). Each other page lives in its own file: the dashboard,
//! products and categories (with the QR sheet), orders, settings. Words come from
//! `crate::text::AdminText` (and the shop's `Text` for order states); no inline script or
//! style.

pub mod aftersales;
mod coupons;
mod dashboard;
mod orders;
mod owner_notify;
mod products;
mod service;
mod settings;
mod shipping;
mod shipping_rules;
mod staff;
mod verify_files;
pub use owner_notify::{NotifyPage, bind_result, owner_notify, owner_unbind};

pub use coupons::{coupon_disable, coupons};
pub use dashboard::{FirstSteps, Stats, dashboard};
pub use orders::{order_detail, orders, refund_confirm};
pub use products::{categories, product_form, products, products_with, qr_sheet};
pub use service::service_contact;
pub use settings::settings;
pub use shipping::{BulkView, bulk_ship, packing_slips};
pub use shipping_rules::{shipping_rule_delete, shipping_rules};
pub use staff::{audit, forbidden, join, revoke_confirm, staff};
pub use verify_files::{verify_file_delete, verify_files};

use super::Admin;
use crate::money::Money;
use crate::text::AdminText;
use crate::web::Ctx;
use maud::{DOCTYPE, Markup, html};

fn a(ctx: &Ctx) -> &'static AdminText {
    ctx.app.config.shop.language.admin()
}

fn money(ctx: &Ctx, m: Money) -> String {
    m.display(ctx.app.config.shop.currency)
}

pub fn cst_datetime(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(crate::clock::CST))
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

fn csrf(admin: &Admin) -> Markup {
    html! { input type="hidden" name="csrf" value=(admin.session.csrf); }
}

fn shell(ctx: &Ctx, admin: Option<&Admin>, title: &str, body: Markup) -> Markup {
    let l = a(ctx);
    html! {
        (DOCTYPE)
        html lang=(ctx.app.config.shop.language.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · " (l.title) }
                link rel="stylesheet" href={ "/assets/style.css?v=" (ctx.assets.version("style.css")) };
                link rel="stylesheet" href={ "/assets/admin.css?v=" (ctx.assets.version("admin.css")) };
                script src={ "/assets/admin.js?v=" (ctx.assets.version("admin.js")) } defer {}
            }
            // A viewer's pages hide their forms that would change something (the server
            // refuses them anyway).
            body class={ "admin role-" (admin.map_or("none", |ad| ad.role.as_str())) } {
                @if ctx.app.sandbox.is_some() {
                    div.sandbox-banner role="note" { (ctx.app.config.shop.language.text().sandbox_banner) }
                }
                header.top {
                    a.brand href="/admin" { (ctx.app.config.shop.name) " · " (l.title) }
                    @if let Some(ad) = admin {
                        form.inline method="post" action="/admin/logout" {
                            (csrf(ad))
                            button.link type="submit" { (ad.session.username) " · " (l.logout) }
                        }
                    }
                }
                @if admin.is_some() {
                    nav.cats.adminnav {
                        a href="/admin" { (l.dashboard) }
                        a href="/admin/orders" { (l.orders) }
                        a href="/admin/aftersales" { (l.aftersales().nav) }
                        a href="/admin/products" { (l.products) }
                        a href="/admin/categories" { (l.categories) }
                        a href="/admin/notify" { (ctx.app.config.shop.language.owner_notify().title) }
                        @if admin.is_some_and(|ad| ad.role.is_owner()) {
                            a href="/admin/settings" { (l.settings) }
                            a href="/admin/coupons" { (ctx.app.config.shop.language.pricing().nav_coupons) }
                            a href="/admin/shipping-rules" { (ctx.app.config.shop.language.pricing().nav_shipping) }
                            a href="/admin/staff" { (l.staff().nav_staff) }
                            a href="/admin/audit" { (l.staff().nav_audit) }
                        }
                    }
                }
                main.adminmain { (body) }
            }
        }
    }
}

pub fn login(ctx: &Ctx, message: Option<&str>) -> Markup {
    let l = a(ctx);
    shell(
        ctx,
        None,
        l.login,
        html! {
            form.checkout.narrow method="post" action="/admin/login" {
                h1 { (l.login) }
                @if let Some(m) = message { p.notice role="alert" { (m) } }
                div.field { label for="username" { (l.username) } input #username name="username" autocomplete="username" required; }
                div.field { label for="password" { (l.password) } input #password name="password" type="password" autocomplete="current-password" required; }
                button.primary.wide type="submit" { (l.login) }
            }
        },
    )
}

pub fn setup(ctx: &Ctx, token: &str, reset: bool, message: Option<&str>) -> Markup {
    let l = a(ctx);
    let title = if reset { l.reset_title } else { l.setup_title };
    shell(
        ctx,
        None,
        title,
        html! {
            form.checkout.narrow method="post" action={ "/admin/setup/" (token) } {
                h1 { (title) }
                @if let Some(m) = message { p.notice role="alert" { (m) } }
                @if !reset {
                    div.field { label for="username" { (l.username) } input #username name="username" autocomplete="username" required; }
                }
                div.field { label for="password" { (l.password) } input #password name="password" type="password" autocomplete="new-password" minlength="10" required; }
                div.field { label for="confirm" { (l.confirm_password) } input #confirm name="confirm" type="password" autocomplete="new-password" minlength="10" required; }
                button.primary.wide type="submit" { (title) }
            }
        },
    )
}
