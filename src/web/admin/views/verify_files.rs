//! The domain verification files page of the settings: the stored `MP_verify_….txt`
//! files with their public address, an upload form, and the question before one is deleted.

use super::{Admin, csrf, shell};
use crate::web::Ctx;
use maud::{Markup, html};

/// The list and the upload form; `error` when an upload was refused.
pub fn verify_files(ctx: &Ctx, admin: &Admin, names: &[String], error: Option<&str>) -> Markup {
    let l = ctx.app.config.shop.language.platform();
    shell(
        ctx,
        Some(admin),
        l.verify_files,
        html! {
            h1 { (l.verify_files) }
            section.panel #verify-files {
                p.muted.small { (l.verify_files_hint) }
                @if let Some(e) = error { p.error { (e) } }
                @if names.is_empty() {
                    p { (l.verify_none) }
                } @else {
                    ul.checks {
                        @for n in names {
                            li {
                                a href={ "/" (n) } { code.mono { (ctx.app.base_url) "/" (n) } }
                                " "
                                a.button href={ "/admin/settings/verify-files/delete?name=" (n) } { (l.verify_delete) }
                            }
                        }
                    }
                }
                form method="post" action="/admin/settings/verify-files" enctype="multipart/form-data" {
                    (csrf(admin))
                    input type="file" name="file" accept=".txt,text/plain" required;
                    button.primary type="submit" { (l.verify_upload) }
                }
                p { a href="/admin/settings" { (l.back) } }
            }
        },
    )
}

/// The question before a verification file is deleted.
pub fn verify_file_delete(ctx: &Ctx, admin: &Admin, name: &str) -> Markup {
    let l = ctx.app.config.shop.language.platform();
    shell(
        ctx,
        Some(admin),
        l.verify_files,
        html! {
            h1 { (l.verify_files) }
            section.panel #verify-delete {
                p { (l.verify_delete_ask) }
                p { code.mono { (name) } }
                form.stockrow method="post" action="/admin/settings/verify-files/delete" {
                    (csrf(admin))
                    input type="hidden" name="name" value=(name);
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (l.verify_delete_yes) }
                    a.button href="/admin/settings/verify-files" { (l.back) }
                }
            }
        },
    )
}
