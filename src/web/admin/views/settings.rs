//! The settings page: the strings to paste into the WeChat consoles, the setup checks
//! and the running configuration (secrets redacted).

use super::{a, csrf, shell};
use crate::checklist::Check;
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};

pub fn settings(ctx: &Ctx, admin: &Admin, offline: &[Check], live: Option<&[Check]>) -> Markup {
    let l = a(ctx);
    let cfg = &ctx.app.config;
    let strings = crate::checklist::console_strings(&ctx.app.base_url);
    let label = |k: &str| match k {
        "pay_dir" => l.pay_dir,
        "oauth_domain" => l.oauth_domain,
        "js_domain" => l.js_domain,
        _ => l.notify_urls,
    };
    shell(
        ctx,
        Some(admin),
        l.settings,
        html! {
            h1 { (l.settings) }
            section.panel {
                h2 { (l.console_strings) }
                dl.meta { @for (k, v) in &strings { dt { (label(k)) } dd.mono { (v) } } }
            }
            section.panel {
                h2 { (l.checks) }
                ul.checks {
                    @for c in offline.iter().chain(live.unwrap_or(&[])) {
                        li class=(if c.ok { "ok" } else { "fail" }) { (if c.ok { "✓ " } else { "✗ " }) (c.detail) }
                    }
                }
                form method="post" action="/admin/settings/check" { (csrf(admin)) button type="submit" { (l.run_check) } }
            }
            section.panel {
                h2 { (l.config) }
                pre.config { (format!("{cfg:#?}")) }
            }
        },
    )
}
