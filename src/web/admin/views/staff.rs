//! Staff and audit-log pages of the back office: the refusal page (403, in words), the
//! member list with invitations, role changes and removal (confirmed first), the page an
//! invitee joins on, and the audit log (newest first, paged, filtered by member).

use super::{a, csrf, cst_datetime, shell};
use crate::audit::{Entry, Role};
use crate::store::{AuditPage, Member};
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};

/// The page for something the member's role may not do.
pub fn forbidden(ctx: &Ctx, admin: &Admin) -> Markup {
    let s = a(ctx).staff();
    shell(
        ctx,
        Some(admin),
        s.forbidden_title,
        html! {
            h1 { (s.forbidden_title) }
            p.notice.err #forbidden role="alert" { (s.forbidden(admin.role)) }
            p { a.button href="/admin" { (a(ctx).dashboard) } }
        },
    )
}

/// The member roles to choose from; `describe`: each with what it may do (the invitation
/// form; the member table keeps it short for narrow screens).
fn role_select(ctx: &Ctx, current: Role, describe: bool) -> Markup {
    let s = a(ctx).staff();
    html! {
        select id=[describe.then_some("role")] name="role" aria-label=(s.role) {
            @for r in Role::MEMBER_ROLES {
                option value=(r.as_str()) selected[current == r] {
                    (s.role(r)) @if describe { " — " (s.role_means(r)) }
                }
            }
        }
    }
}

/// `/admin/staff`: the owner, the members (role, change, remove), the invitation form and,
/// right after inviting, the link (shown once).
pub fn staff(
    ctx: &Ctx,
    admin: &Admin,
    owner: &str,
    members: &[Member],
    link: Option<&str>,
) -> Markup {
    let s = a(ctx).staff();
    let l = a(ctx);
    shell(
        ctx,
        Some(admin),
        s.title,
        html! {
            h1 { (s.title) }
            @if let Some(link) = link {
                section.notice #invite-link {
                    h2 { (s.invite_link_title) }
                    p { input.wide readonly value=(link) aria-label=(s.invite_link_title); }
                    p.muted { (s.invite_link_hint) }
                }
            }
            h2 { (s.members) }
            table.grid-table #members {
                tr { th { (l.username) } th { (s.role) } th { (s.joined) } th {} }
                tr { td { (owner) } td { (s.role(Role::Owner)) } td {} td.muted { (s.owner_fixed) } }
                @for m in members {
                    tr {
                        td { (m.username) }
                        td {
                            form.inline method="post" action={ "/admin/staff/" (m.username) "/role" } {
                                (csrf(admin))
                                (role_select(ctx, m.role, false))
                                " " button.small type="submit" { (s.change_role) }
                            }
                        }
                        td { (cst_datetime(m.created_at)) }
                        td {
                            form.inline method="post" action={ "/admin/staff/" (m.username) "/revoke" } {
                                (csrf(admin))
                                button.small.danger type="submit" { (s.revoke) }
                            }
                        }
                    }
                }
            }
            @if members.is_empty() { p.muted { (s.no_members) } }
            h2 { (s.invite) }
            form.checkout.narrow method="post" action="/admin/staff/invite" {
                (csrf(admin))
                div.field { label for="role" { (s.role) } (role_select(ctx, Role::Staff, true)) }
                button.primary type="submit" { (s.invite_button) }
            }
        },
    )
}

/// The confirmation before a member is removed.
pub fn revoke_confirm(ctx: &Ctx, admin: &Admin, name: &str) -> Markup {
    let s = a(ctx).staff();
    shell(
        ctx,
        Some(admin),
        s.revoke_title,
        html! {
            form.checkout.narrow method="post" action={ "/admin/staff/" (name) "/revoke" } {
                h1 { (s.revoke_title) }
                p #revoke-confirm { (s.revoke_confirm(name)) }
                (csrf(admin))
                input type="hidden" name="confirm" value="1";
                button.primary.danger type="submit" { (s.revoke) }
                " " a.button href="/admin/staff" { (s.cancel) }
            }
        },
    )
}

/// The page an invitee sets a username and password on (or why the link does not work).
pub fn join(ctx: &Ctx, token: &str, role: Option<Role>, message: Option<&str>) -> Markup {
    let (l, s) = (a(ctx), a(ctx).staff());
    shell(
        ctx,
        None,
        s.join_title,
        html! {
            form.checkout.narrow method="post" action={ "/admin/join/" (token) } {
                h1 { (s.join_title) }
                @if let Some(m) = message { p.notice role="alert" { (m) } }
                @if let Some(r) = role {
                    p.muted { (s.role) ": " (s.role(r)) " — " (s.role_means(r)) }
                    div.field { label for="username" { (l.username) } input #username name="username" autocomplete="username" required; }
                    div.field { label for="password" { (l.password) } input #password name="password" type="password" autocomplete="new-password" minlength="10" required; }
                    div.field { label for="confirm" { (l.confirm_password) } input #confirm name="confirm" type="password" autocomplete="new-password" minlength="10" required; }
                    button.primary.wide type="submit" { (s.join_button) }
                }
            }
        },
    )
}

/// `/admin/audit`: newest first, a page at a time, filtered by member.
pub fn audit(
    ctx: &Ctx,
    admin: &Admin,
    page: &AuditPage,
    names: &[String],
    by: Option<&str>,
) -> Markup {
    let s = a(ctx).staff();
    let cur = ctx.app.config.shop.currency;
    let q = |next: Option<u64>| {
        let mut p = Vec::new();
        if let Some(b) = by {
            p.push(format!(
                "by={}",
                form_urlencoded::byte_serialize(b.as_bytes()).collect::<String>()
            ));
        }
        if let Some(n) = next {
            p.push(format!("before={n}"));
        }
        if p.is_empty() {
            String::new()
        } else {
            format!("?{}", p.join("&"))
        }
    };
    shell(
        ctx,
        Some(admin),
        s.audit_title,
        html! {
            h1 { (s.audit_title) }
            form.inline method="get" action="/admin/audit" {
                select name="by" aria-label=(s.who) {
                    option value="" { (s.everyone) }
                    @for n in names { option value=(n) selected[by == Some(n.as_str())] { (n) } }
                }
                " " button.small type="submit" { (s.filter) }
                " " a.button.small href={ "/admin/audit.csv" (q(None)) } { (s.export) }
            }
            @if page.entries.is_empty() { p.muted { (s.empty) } }
            table.grid-table #audit {
                tr { th { (s.when) } th { (s.who) } th { (s.what) } }
                @for e in &page.entries { (row(ctx, e, cur)) }
            }
            @if let Some(n) = page.next { p { a.button href={ "/admin/audit" (q(Some(n))) } { (s.older) } } }
        },
    )
}

fn row(ctx: &Ctx, e: &Entry, cur: crate::money::Currency) -> Markup {
    let s = a(ctx).staff();
    html! {
        tr {
            td { (cst_datetime(e.at)) }
            td { (e.by) }
            td {
                (s.sentence(&e.action, cur))
                @if let Some(o) = &e.order { br; span.muted { (s.order) " " } a.mono href={ "/admin/orders/" (o) } { (o) } }
                @if let Some(p) = &e.product { br; span.muted { (s.product) " " } a.mono href={ "/admin/products/" (p) } { (p) } }
            }
        }
    }
}
