//! The "WeChat notifications" page (`/admin/notify`): whether the signed-in member's WeChat
//! is bound (its openid only in a short masked form), the one-time QR code that binds it,
//! which owner messages the config sends and the quiet hours, in words; the question before
//! unbinding; and the page the phone shows after scanning.

use super::{Admin, csrf, cst_datetime, shell};
use crate::web::Ctx;
use maud::{Markup, PreEscaped, html};

/// What the page knows about the member and the shop.
pub struct NotifyPage<'a> {
    /// The member's bound WeChat, masked.
    pub bound: Option<String>,
    /// A fresh bind link and when it expires, shown once.
    pub link: Option<(&'a str, i64)>,
    /// (kind in words, whether a template is set).
    pub kinds: [(&'static str, bool); 3],
    /// The quiet hours as configured, e.g. "22:00-08:00".
    pub quiet: Option<String>,
    /// The member's last owner message was refused: their WeChat does not follow.
    pub not_follower: bool,
}

/// That messages reach only a WeChat following the account, and its QR code when
/// `[wechat] follow_qr_image` is set.
fn follow_note(ctx: &Ctx) -> Markup {
    let t = ctx.app.config.shop.language.owner_notify();
    html! {
        div.follow-oa #follow-note {
            p.small { (t.follow_note) }
            @if ctx.app.config.wechat.follow_qr_image.is_some() {
                p.small.muted { (t.follow_scan) }
                img src="/follow-qr" alt=(t.follow_alt) width="180" height="180";
            }
        }
    }
}

pub fn owner_notify(ctx: &Ctx, admin: &Admin, p: &NotifyPage<'_>) -> Markup {
    let t = ctx.app.config.shop.language.owner_notify();
    shell(
        ctx,
        Some(admin),
        t.title,
        html! {
            h1 { (t.title) }
            section.panel #wechat-binding {
                p.muted.small { (t.intro) }
                @match &p.bound {
                    Some(masked) => {
                        p #bind-state .ok { strong { (t.bound) } }
                        p { (t.bound_as) ": " code.mono { (masked) } }
                        a.button href="/admin/notify/unbind" { (t.unbind) }
                    }
                    None => p #bind-state { strong { (t.not_bound) } },
                }
                @if p.not_follower {
                    p.notice.err #not-follower { (t.not_follower) }
                }
                (follow_note(ctx))
                @if let Some((url, expires)) = p.link {
                    div.bind-qr #bind-qr {
                        @if let Some(svg) = crate::qr::svg(url, 220) { (PreEscaped(svg)) }
                        p.small { (t.scan_hint) }
                        p.small.muted { (t.link_expires) " " (cst_datetime(expires)) }
                    }
                } @else {
                    form method="post" action="/admin/notify/link" {
                        (csrf(admin))
                        button.primary type="submit" { (t.make_qr) }
                    }
                }
            }
            section.panel #notify-kinds {
                h2 { (t.kinds) }
                ul.checks {
                    @for (kind, on) in p.kinds {
                        li { (kind) ": " @if on { (t.kind_on) } @else { span.muted { (t.kind_off) } } }
                    }
                }
                h2 { (t.quiet) }
                @match &p.quiet {
                    Some(q) => p { (q) },
                    None => p.muted { (t.quiet_none) },
                }
                p.muted.small { (t.quiet_hint) }
            }
        },
    )
}

/// The question before the member's WeChat is unbound.
pub fn owner_unbind(ctx: &Ctx, admin: &Admin) -> Markup {
    let t = ctx.app.config.shop.language.owner_notify();
    shell(
        ctx,
        Some(admin),
        t.title,
        html! {
            h1 { (t.title) }
            section.panel #unbind {
                p { (t.unbind_ask) }
                form.stockrow method="post" action="/admin/notify/unbind" {
                    (csrf(admin))
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (t.unbind_yes) }
                    a.button href="/admin/notify" { (t.back) }
                }
            }
        },
    )
}

/// What the phone shows after scanning: bound, or why not.
pub fn bind_result(ctx: &Ctx, ok: bool, message: &str, hint: Option<&str>) -> Markup {
    let t = ctx.app.config.shop.language.owner_notify();
    shell(
        ctx,
        None,
        t.title,
        html! {
            section.panel.narrow #bind-result {
                h1 { @if ok { (t.phone_bound) } @else { (t.title) } }
                p { (message) }
                @if let Some(h) = hint { p.muted.small { (h) } }
                @if ok { (follow_note(ctx)) }
            }
        },
    )
}

/// The settings summary's rows for the owner templates: the id, or what its absence means
/// and which key sets it.
pub fn settings_rows(ctx: &Ctx) -> [(&'static str, Result<String, String>); 3] {
    let t = ctx.app.config.shop.language.owner_notify();
    let w = &ctx.app.config.wechat;
    let row = |id: &Option<String>, none: &str| id.clone().ok_or_else(|| none.to_string());
    [
        (
            t.set_order,
            row(&w.owner_order_template_id, t.set_none_order),
        ),
        (
            t.set_aftersales,
            row(&w.owner_aftersales_template_id, t.set_none_aftersales),
        ),
        (
            t.set_alert,
            row(&w.owner_alert_template_id, t.set_none_alert),
        ),
    ]
}
