//! Shipping pages: packing slips as a print view (A4 or 100×150 mm labels, each with the
//! order's QR code) and bulk shipping from a CSV file (upload, preview, confirm).

use super::{a, csrf, cst_datetime, shell};
use crate::order::Order;
use crate::web::Ctx;
use crate::web::admin::Admin;
use crate::web::admin::shipping::{BulkRow, SlipSize};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// What the bulk-shipping page shows: the form, a preview to confirm, the problems, or
/// the result.
#[derive(Default)]
pub struct BulkView {
    pub rows: Vec<(BulkRow, Order)>,
    pub errors: Vec<(usize, String)>,
    pub csv: String,
    pub done: Option<String>,
}

pub fn packing_slips(ctx: &Ctx, orders: &[(Order, String)], size: SlipSize, base: &str) -> Markup {
    let l = a(ctx);
    let lang = ctx.app.config.shop.language;
    let w = lang.work();
    let t = lang.text();
    let shop = &ctx.app.config.shop.name;
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (w.packing_slips) " · " (shop) }
                link rel="stylesheet" href={ "/assets/style.css?v=" (ctx.assets.version("style.css")) };
                link rel="stylesheet" href={ "/assets/admin.css?v=" (ctx.assets.version("admin.css")) };
                script src={ "/assets/admin.js?v=" (ctx.assets.version("admin.js")) } defer {}
            }
            body.slips class={ "size-" (size.as_str()) } {
                nav.slip-bar {
                    a href="/admin/orders?state=paid" { "← " (l.orders) }
                    span { (w.paper_size) ": " }
                    a class=[(size == SlipSize::A4).then_some("on")] href={ (base) "?size=a4" } { (w.size_a4) }
                    a class=[(size == SlipSize::Label).then_some("on")] href={ (base) "?size=label" } { (w.size_label) }
                    button.primary type="button" data-print { (w.print) }
                }
                @if orders.is_empty() { p.muted.slip-bar { (w.nothing_to_ship) } }
                @for (o, qr) in orders {
                    article.slip {
                        div.slip-head {
                            div {
                                h2 { (shop) " · " (w.packing_slip) }
                                div.mono { (o.no) }
                                div.muted { (cst_datetime(o.created_at)) }
                            }
                            div {
                                div.qr-slip { (PreEscaped(qr)) }
                                div.scan { (w.scan_order) }
                            }
                        }
                        div.to {
                            (o.recipient.name) " " (o.recipient.mobile) br;
                            (o.recipient.address)
                        }
                        table {
                            tr { th { (l.name) } th.qty { (w.quantity) } }
                            @for li in &o.lines {
                                tr { td { (li.product_name) " · " (li.variant_name) } td.qty { "× " (li.qty) } }
                            }
                        }
                        @if !o.note.is_empty() { p { strong { (t.note) ": " } (o.note) } }
                    }
                }
            }
        }
    }
}

pub fn bulk_ship(ctx: &Ctx, admin: &Admin, v: &BulkView) -> Markup {
    let l = a(ctx);
    let lang = ctx.app.config.shop.language;
    let w = lang.work();
    shell(
        ctx,
        Some(admin),
        w.bulk_ship,
        html! {
            h1 { (w.bulk_ship) }
            @if let Some(d) = &v.done { p.notice.ok role="status" #bulk-done { (d) } }
            @if !v.errors.is_empty() {
                div.notice.err role="alert" #bulk-errors {
                    p { (w.bulk_refused) }
                    ul.bulk-errors {
                        @for (row, msg) in &v.errors {
                            li { @if *row > 0 { (w.row_problem(*row, msg)) } @else { (msg) } }
                        }
                    }
                }
            }
            @if !v.rows.is_empty() {
                section.panel #bulk-preview {
                    h2 { (w.preview) }
                    p { (w.ready_n(v.rows.len())) }
                    table.grid-table.bulk-table {
                        tr { th { (w.row) } th { (w.order_no) } th { (l.name) } th { (w.carrier) } th { (l.tracking_no) } }
                        @for (r, o) in &v.rows {
                            tr {
                                td { (r.row) }
                                td.mono { a href={ "/admin/orders/" (r.no) } { (r.no) } }
                                td { (o.recipient.name) }
                                td { (r.carrier.name(lang)) }
                                td.mono { (r.tracking_no) }
                            }
                        }
                    }
                    form.confirm-actions method="post" action="/admin/ship-bulk" enctype="multipart/form-data" {
                        (csrf(admin))
                        input type="hidden" name="csv" value=(v.csv);
                        input type="hidden" name="apply" value="1";
                        button.primary type="submit" { (w.ship_all) }
                        a.button href="/admin/ship-bulk" { (w.cancel) }
                    }
                }
            }
            section.panel {
                p.muted { (w.bulk_ship_hint) }
                pre.small { "202601011200000000000001,SF,SF1234567890\n202601011200000000000002,中通,78123456789" }
                form method="post" action="/admin/ship-bulk" enctype="multipart/form-data" {
                    (csrf(admin))
                    label { (w.bulk_file) " " input type="file" name="file" accept=".csv,text/csv" required; }
                    " " button type="submit" { (w.preview) }
                }
            }
        },
    )
}
