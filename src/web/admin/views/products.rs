//! Catalog pages: the product list (with CSV import/export and the QR sheet form), the
//! product form with variants, images and the stock log, categories, and the printable QR
//! sheet.

use super::{a, csrf, cst_datetime, money, shell};
use crate::catalog::{Category, Product};
use crate::store::StockChange;
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{DOCTYPE, Markup, PreEscaped, html};

pub fn products(ctx: &Ctx, admin: &Admin, rows: &[(Product, Vec<u32>)]) -> Markup {
    products_with(ctx, admin, rows, None, &[])
}

pub fn products_with(
    ctx: &Ctx,
    admin: &Admin,
    rows: &[(Product, Vec<u32>)],
    notice: Option<String>,
    errors: &[String],
) -> Markup {
    let l = a(ctx);
    shell(
        ctx,
        Some(admin),
        l.products,
        html! {
            div.row {
                h1 { (l.products) }
                a.button.primary href="/admin/products/new" { (l.new_product) }
            }
            @if let Some(n) = notice { p.notice.ok role="status" { (n) } }
            @if !errors.is_empty() { ul.notice.err role="alert" { @for e in errors { li { (e) } } } }
            table.grid-table {
                tr { th { (l.name) } th { (l.price) } th { (l.stock) } th { } }
                @for (p, st) in rows {
                    tr {
                        td { a href={ "/admin/products/" (p.id) } { (p.name) } br; span.muted { (p.id) } }
                        td { (money(ctx, p.min_price())) }
                        td { (st.iter().sum::<u32>()) }
                        td { @if p.published { span.tag { (l.published) } } @else { span.tag.out { (l.unpublished) } } }
                    }
                }
            }
            section.panel {
                h2 { "CSV" }
                p { a.button href="/admin/catalog.csv" { (l.csv_export) } }
                @if admin.role.is_owner() {
                    form method="post" action="/admin/catalog.csv" enctype="multipart/form-data" {
                        (csrf(admin))
                        input type="file" name="file" accept=".csv,text/csv" required;
                        button type="submit" { (l.csv_import) }
                    }
                }
            }
            section.panel {
                h2 { (l.qr_codes) }
                form method="get" action="/admin/qr-sheet" {
                    label { (l.channel) " " input name="ch" placeholder="article-0315" pattern="[A-Za-z0-9_\\-]{0,32}"; }
                    button type="submit" { (l.print_sheet) }
                }
            }
        },
    )
}

pub fn product_form(
    ctx: &Ctx,
    admin: &Admin,
    p: Option<&(Product, Vec<u32>)>,
    cats: &[Category],
    log: &[StockChange],
    errors: &[String],
    saved: bool,
) -> Markup {
    let l = a(ctx);
    let w = ctx.app.config.shop.language.work();
    let cur = ctx.app.config.shop.currency;
    let prod = p.map(|(p, _)| p);
    let stock: &[u32] = p.map(|(_, s)| s.as_slice()).unwrap_or(&[]);
    let action = match prod {
        Some(p) => format!("/admin/products/{}", p.id),
        None => "/admin/products/new".to_string(),
    };
    let variants: Vec<(String, String, String)> = prod
        .map(|p| {
            p.variants
                .iter()
                .map(|v| (v.sku.clone(), v.name.clone(), v.price.decimal(cur)))
                .collect()
        })
        .unwrap_or_default();
    let title = prod.map(|p| p.name.as_str()).unwrap_or(l.new_product);
    shell(
        ctx,
        Some(admin),
        title,
        html! {
            h1 { (title) }
            @if saved { p.notice.ok role="status" { (l.saved) } }
            @if !errors.is_empty() { ul.notice.err role="alert" { @for e in errors { li { (e) } } } }
            form.checkout method="post" action=(action) enctype="multipart/form-data" {
                (csrf(admin))
                @if prod.is_none() {
                    div.field {
                        label for="id" { (w.product_id) }
                        input #id name="id" pattern="[a-z0-9\\-]{0,64}" maxlength="64" placeholder=(w.generated_hint) autocapitalize="off";
                    }
                }
                div.field { label for="name" { (l.name) } input #name name="name" value=[prod.map(|p| p.name.as_str())] maxlength="60" required; }
                div.field {
                    label for="category" { (crate::text::Lang::admin(ctx.app.config.shop.language).categories) }
                    select #category name="category" {
                        @for c in cats { option value=(c.id) selected[prod.is_some_and(|p| p.category == c.id)] { (c.name) } }
                    }
                }
                div.field { label for="summary" { (l.summary) } input #summary name="summary" value=[prod.map(|p| p.summary.as_str())] maxlength="80"; }
                div.field { label for="description" { (l.description) } textarea #description name="description" rows="4" { (prod.map(|p| p.description.as_str()).unwrap_or("")) } }
                div.field { label for="option_name" { (l.option_name) } input #option_name name="option_name" value=[prod.map(|p| p.option_name.as_str())] maxlength="20"; }
                fieldset.variants-edit {
                    legend { (l.variants) }
                    div.vrow.stocked.head { span { (l.variant) } span { (l.sku) } span { (l.price) } span { (l.stock) } }
                    @for i in 0..(variants.len() + 2) {
                        @let v = variants.get(i);
                        @let n = stock.get(i).map(|n| n.to_string());
                        div.vrow.stocked {
                            input name={ "vname" (i) } value=[v.map(|v| v.1.as_str())] aria-label=(l.variant);
                            input name={ "sku" (i) } value=[v.map(|v| v.0.as_str())] aria-label=(l.sku) placeholder=(w.generated_hint);
                            input name={ "price" (i) } value=[v.map(|v| v.2.as_str())] inputmode="decimal" aria-label=(l.price);
                            input name={ "stock" (i) } type="number" min="0" value=[n.as_deref()] aria-label=(l.stock);
                            @if let Some(n) = &n { input type="hidden" name={ "stock_was" (i) } value=(n); }
                        }
                    }
                }
                div.field.check { label { input type="checkbox" name="featured" value="1" checked[prod.is_some_and(|p| p.featured)]; " " (l.featured) } }
                @if prod.is_none() {
                    div.field {
                        label for="images" { (l.images) }
                        input #images type="file" name="images" accept="image/png,image/jpeg,image/gif,image/webp" multiple;
                        p.muted.small { (w.images_hint) }
                    }
                    div.field.check { label { input type="checkbox" name="published" value="1"; " " (l.publish) } }
                }
                div.field { label for="sort" { (l.sort) } input #sort name="sort" type="number" value=(prod.map(|p| p.sort).unwrap_or(0)); }
                button.primary.wide type="submit" { (l.save) }
            }
            @if let Some((p, stock)) = p {
                section.panel {
                    form.inline method="post" action={ "/admin/products/" (p.id) "/publish" } {
                        (csrf(admin))
                        @if p.published {
                            input type="hidden" name="published" value="0";
                            span.tag { (l.published) } " " button type="submit" { (l.unpublish) }
                        } @else {
                            input type="hidden" name="published" value="1";
                            span.tag.out { (l.unpublished) } " " button.primary type="submit" { (l.publish) }
                        }
                    }
                    " " a href={ "/p/" (p.id) } { "/p/" (p.id) }
                }
                section.panel {
                    h2 { (l.images) }
                    div.thumbs #images-order {
                        @for (i, h) in p.images.iter().enumerate() {
                            div.thumb {
                                img src={ "/img/" (h) } alt="" width="96" height="96";
                                @if i == 0 { span.tag { (w.cover) } }
                                div.imgorder {
                                    @if i > 0 {
                                        form method="post" action={ "/admin/products/" (p.id) "/images/move" } {
                                            (csrf(admin))
                                            input type="hidden" name="hash" value=(h);
                                            input type="hidden" name="dir" value="up";
                                            button type="submit" aria-label=(w.move_earlier) { "←" }
                                        }
                                    }
                                    @if i + 1 < p.images.len() {
                                        form method="post" action={ "/admin/products/" (p.id) "/images/move" } {
                                            (csrf(admin))
                                            input type="hidden" name="hash" value=(h);
                                            input type="hidden" name="dir" value="down";
                                            button type="submit" aria-label=(w.move_later) { "→" }
                                        }
                                    }
                                }
                                form method="post" action={ "/admin/products/" (p.id) "/images/delete" } {
                                    (csrf(admin))
                                    input type="hidden" name="hash" value=(h);
                                    button.link type="submit" { (l.remove) }
                                }
                            }
                        }
                    }
                    form method="post" action={ "/admin/products/" (p.id) "/images" } enctype="multipart/form-data" {
                        (csrf(admin))
                        input type="file" name="images" accept="image/png,image/jpeg,image/gif,image/webp" multiple required;
                        button type="submit" { (l.upload) }
                    }
                }
                section.panel {
                    h2 { (l.adjust_stock) }
                    @for (v, n) in p.variants.iter().zip(stock) {
                        form.inline.stockrow method="post" action={ "/admin/products/" (p.id) "/stock" } {
                            (csrf(admin))
                            input type="hidden" name="sku" value=(v.sku);
                            span { (v.sku) " " (v.name) }
                            input type="number" name="stock" value=(n) min="0" aria-label=(l.stock);
                            input name="reason" placeholder=(l.reason) maxlength="80";
                            button type="submit" { (l.save) }
                        }
                    }
                    @if !log.is_empty() {
                        h2 { (l.stock_log) }
                        table.grid-table {
                            @for c in log.iter().take(30) {
                                tr { td { (cst_datetime(c.at)) } td { (c.sku) } td { (c.before) " → " (c.after) } td { (c.reason) } td { (c.by) } }
                            }
                        }
                    }
                }
                section.panel {
                    h2 { (l.qr_codes) }
                    div.thumbs {
                        @for ch in ["", "article-0315", "menu", "booth"] {
                            @let q = if ch.is_empty() { String::new() } else { format!("?ch={ch}") };
                            div.thumb {
                                img src={ "/admin/qr/" (p.id) ".svg" (q) } alt="QR" width="120" height="120";
                                span.muted { @if ch.is_empty() { "—" } @else { (ch) } }
                                a href={ "/admin/qr/" (p.id) ".png" (q) } download { "PNG" }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn categories(ctx: &Ctx, admin: &Admin, cats: &[Category]) -> Markup {
    let l = a(ctx);
    shell(
        ctx,
        Some(admin),
        l.categories,
        html! {
            h1 { (l.categories) }
            @for c in cats {
                form.inline.stockrow method="post" action="/admin/categories" {
                    (csrf(admin))
                    input type="hidden" name="id" value=(c.id);
                    span.mono { (c.id) }
                    input name="name" value=(c.name) maxlength="20" aria-label=(l.name);
                    input name="sort" type="number" value=(c.sort) aria-label=(l.sort);
                    button type="submit" { (l.save) }
                    button.link type="submit" name="delete" value="1" { (l.remove) }
                }
            }
            form.inline.stockrow method="post" action="/admin/categories" {
                (csrf(admin))
                input name="id" placeholder="id" pattern="[a-z0-9\\-]{1,64}" required;
                input name="name" placeholder=(l.name) maxlength="20" required;
                input name="sort" type="number" value="0" aria-label=(l.sort);
                button.primary type="submit" { (l.save) }
            }
        },
    )
}

pub fn qr_sheet(ctx: &Ctx, cards: &[(Product, String, String)]) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(ctx.app.config.shop.language.html_lang()) {
            head {
                meta charset="utf-8";
                title { (ctx.app.config.shop.name) }
                link rel="stylesheet" href={ "/assets/style.css?v=" (ctx.assets.version("style.css")) };
            }
            body.sheet {
                @for (p, url, svg) in cards {
                    div.card-print {
                        @if let Some(h) = p.cover() { img src={ "/img/" (h) } alt=""; }
                        div {
                            strong { (p.name) }
                            p { (money(ctx, p.min_price())) }
                            div.qr-print { (PreEscaped(svg)) }
                            p.mono.url { (url) }
                        }
                    }
                }
            }
        }
    }
}
