//! The customer-service contact form (`/admin/service`): phone, WeChat ID and hours, each
//! with its rule in words, a note while the config's defaults stand, and a link to the
//! page shoppers see.

use super::{Admin, csrf, shell};
use crate::store::{HOURS_MAX, ServiceContact};
use crate::web::Ctx;
use maud::{Markup, html};

pub fn service_contact(
    ctx: &Ctx,
    admin: &Admin,
    c: &ServiceContact,
    from_config: bool,
    error: Option<&str>,
    saved: bool,
) -> Markup {
    let w = ctx.app.config.shop.language.service_contact();
    shell(
        ctx,
        Some(admin),
        w.title,
        html! {
            h1 { (w.title) }
            section.panel #service-contact {
                @if saved { p.notice.ok role="status" { (w.saved) } }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                p.muted.small { (w.hint) }
                @if from_config { p.muted.small #from-config { (w.from_config) } }
                form.stack method="post" action="/admin/service" {
                    (csrf(admin))
                    label for="phone" { (w.phone) }
                    input #phone name="phone" type="tel" value=(c.phone) maxlength="30"
                        inputmode="tel" autocomplete="off" aria-describedby="phone-hint";
                    p.muted.small #phone-hint { (w.phone_hint) }
                    label for="wechat_id" { (w.wechat_id) }
                    input #wechat_id name="wechat_id" value=(c.wechat_id) maxlength="20"
                        autocapitalize="off" autocomplete="off" spellcheck="false"
                        aria-describedby="wechat-hint";
                    p.muted.small #wechat-hint { (w.wechat_id_hint) }
                    label for="hours" { (w.hours) }
                    input #hours name="hours" value=(c.hours) maxlength=(HOURS_MAX)
                        aria-describedby="hours-hint";
                    p.muted.small #hours-hint { (w.hours_hint) }
                    button.primary type="submit" { (w.save) }
                }
                p { a href="/service" { (w.view_page) } }
            }
        },
    )
}
