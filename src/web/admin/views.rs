//! Back-office views. Words come from `crate::text::AdminText` (and the shop's `Text` for
//! order states); no inline script or style.

use super::Admin;
use crate::catalog::{Category, Product};
use crate::checklist::Check;
use crate::money::Money;
use crate::order::{Order, OrderState};
use crate::store::{Alert, OutboxEntry, StockChange};
use crate::text::AdminText;
use crate::web::Ctx;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;

fn a(ctx: &Ctx) -> &'static AdminText {
    ctx.app.config.shop.language.admin()
}

fn money(ctx: &Ctx, m: Money) -> String {
    m.display(ctx.app.config.shop.currency)
}

pub fn cst_date(unix: i64) -> String {
    cst_datetime(unix).get(..10).unwrap_or_default().to_string()
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
            }
            body.admin {
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
                        a href="/admin/products" { (l.products) }
                        a href="/admin/categories" { (l.categories) }
                        a href="/admin/settings" { (l.settings) }
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

/// Dashboard figures, computed from the orders.
pub struct Stats {
    pub today_orders: usize,
    pub today_revenue: Money,
    pub week_orders: usize,
    pub week_revenue: Money,
    pub to_ship: usize,
    pub by_channel: BTreeMap<String, (usize, Money)>,
}

impl Stats {
    pub fn compute(orders: &[Order], now: time::OffsetDateTime) -> Stats {
        let today = now.date();
        let week_start =
            today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
        let day_of = |unix: i64| {
            time::OffsetDateTime::from_unix_timestamp(unix)
                .map(|t| t.to_offset(crate::clock::CST).date())
                .unwrap_or(today)
        };
        let mut s = Stats {
            today_orders: 0,
            today_revenue: Money::ZERO,
            week_orders: 0,
            week_revenue: Money::ZERO,
            to_ship: 0,
            by_channel: BTreeMap::new(),
        };
        for o in orders {
            let d = day_of(o.created_at);
            if d == today {
                s.today_orders += 1;
            }
            if d >= week_start {
                s.week_orders += 1;
            }
            if o.state == OrderState::Paid {
                s.to_ship += 1;
            }
            if let Some(p) = &o.payment {
                let net = Money(p.amount.minor() - o.refunded().minor());
                let pd = day_of(p.paid_at);
                if pd == today {
                    s.today_revenue = Money(s.today_revenue.minor() + net.minor());
                }
                if pd >= week_start {
                    s.week_revenue = Money(s.week_revenue.minor() + net.minor());
                }
                let e = s
                    .by_channel
                    .entry(o.channel.clone().unwrap_or_default())
                    .or_insert((0, Money::ZERO));
                e.0 += 1;
                e.1 = Money(e.1.minor() + net.minor());
            }
        }
        s
    }
}

pub fn dashboard(
    ctx: &Ctx,
    admin: &Admin,
    s: &Stats,
    alerts: &[Alert],
    low: &[(String, String, u32)],
) -> Markup {
    let l = a(ctx);
    shell(
        ctx,
        Some(admin),
        l.dashboard,
        html! {
            div.kpis {
                div.kpi { span { (l.today) " · " (l.orders_count) } strong #today-orders { (s.today_orders) } }
                div.kpi { span { (l.today) " · " (l.revenue) } strong #today-revenue { (money(ctx, s.today_revenue)) } }
                div.kpi { span { (l.this_week) " · " (l.orders_count) } strong { (s.week_orders) } }
                div.kpi { span { (l.this_week) " · " (l.revenue) } strong { (money(ctx, s.week_revenue)) } }
                a.kpi href="/admin/orders?state=paid" { span { (l.to_ship) } strong #to-ship { (s.to_ship) } }
            }
            section.panel {
                h2 { (l.alerts) }
                @if alerts.is_empty() { p.muted { (l.no_alerts) } }
                ul.alerts {
                    @for al in alerts {
                        li class={ "alert " (al.kind) } {
                            div { span.tag.low { (al.kind) } " " span.muted { (cst_datetime(al.at)) } }
                            p { (al.message) }
                            @if let Some(o) = &al.order { a href={ "/admin/orders/" (o) } { (o) } }
                            form.inline method="post" action={ "/admin/alerts/" (al.id) "/ack" } {
                                (csrf(admin))
                                button type="submit" { (l.acknowledge) }
                            }
                        }
                    }
                }
            }
            section.panel {
                h2 { (l.by_channel) }
                table.grid-table {
                    @for (ch, (n, m)) in &s.by_channel {
                        tr { td { @if ch.is_empty() { (l.direct) } @else { (ch) } } td { (n) } td { (money(ctx, *m)) } }
                    }
                }
            }
            @if !low.is_empty() {
                section.panel {
                    h2 { (l.low_stock) }
                    table.grid-table {
                        @for (p, v, n) in low { tr { td { (p) } td { (v) } td { (n) } } }
                    }
                }
            }
        },
    )
}

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
                form method="post" action="/admin/catalog.csv" enctype="multipart/form-data" {
                    (csrf(admin))
                    input type="file" name="file" accept=".csv,text/csv" required;
                    button type="submit" { (l.csv_import) }
                }
            }
            section.panel {
                h2 { (l.qr_codes) }
                form method="get" action="/admin/qr-sheet" {
                    label { (l.channel) " " input name="ch" placeholder="article-0315" pattern="[A-Za-z0-9_-]{0,32}"; }
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
    let cur = ctx.app.config.shop.currency;
    let prod = p.map(|(p, _)| p);
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
            form.checkout method="post" action=(action) {
                (csrf(admin))
                @if prod.is_none() {
                    div.field { label for="id" { "ID (URL)" } input #id name="id" pattern="[a-z0-9-]{1,64}" required; }
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
                    div.vrow.head { span { (l.sku) } span { (l.variant) } span { (l.price) } }
                    @for i in 0..(variants.len() + 2) {
                        @let v = variants.get(i);
                        div.vrow {
                            input name={ "sku" (i) } value=[v.map(|v| v.0.as_str())] aria-label=(l.sku);
                            input name={ "vname" (i) } value=[v.map(|v| v.1.as_str())] aria-label=(l.variant);
                            input name={ "price" (i) } value=[v.map(|v| v.2.as_str())] inputmode="decimal" aria-label=(l.price);
                        }
                    }
                }
                div.field.check { label { input type="checkbox" name="featured" value="1" checked[prod.is_some_and(|p| p.featured)]; " " (l.featured) } }
                @if prod.is_none() {
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
                    div.thumbs {
                        @for h in &p.images {
                            div.thumb {
                                img src={ "/img/" (h) } alt="" width="96" height="96";
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
                input name="id" placeholder="id" pattern="[a-z0-9-]{1,64}" required;
                input name="name" placeholder=(l.name) maxlength="20" required;
                input name="sort" type="number" value="0" aria-label=(l.sort);
                button.primary type="submit" { (l.save) }
            }
        },
    )
}

pub fn orders(ctx: &Ctx, admin: &Admin, orders: &[Order], f: &super::orders::Filter) -> Markup {
    let l = a(ctx);
    let t = ctx.app.config.shop.language.text();
    let qs = format!(
        "state={}&from={}&to={}&q={}",
        f.state.map(|s| s.as_str()).unwrap_or(""),
        f.from.clone().unwrap_or_default(),
        f.to.clone().unwrap_or_default(),
        form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>()
    );
    shell(
        ctx,
        Some(admin),
        l.orders,
        html! {
            h1 { (l.orders) }
            form.filters method="get" action="/admin/orders" {
                select name="state" aria-label="state" {
                    option value="" { (l.all_states) }
                    @for s in OrderState::ALL { option value=(s.as_str()) selected[f.state == Some(s)] { (t.state(s)) } }
                }
                label { (l.from) " " input type="date" name="from" value=[f.from.as_deref()]; }
                label { (l.to) " " input type="date" name="to" value=[f.to.as_deref()]; }
                input type="search" name="q" value=(f.q) placeholder=(l.search);
                button type="submit" { (l.filter) }
                a.button href={ "/admin/orders.csv?" (qs) } { (l.csv_export) }
            }
            table.grid-table {
                @for o in orders {
                    tr {
                        td { a.mono href={ "/admin/orders/" (o.no) } { (o.no) } br; span.muted { (cst_datetime(o.created_at)) } }
                        td { (o.recipient.name) br; span.muted { (o.recipient.mobile) } }
                        td { (money(ctx, o.total)) }
                        td { span class={ "state " (o.state.as_str()) } { (t.state(o.state)) } }
                    }
                }
            }
        },
    )
}

pub fn order_detail(
    ctx: &Ctx,
    admin: &Admin,
    o: &Order,
    outbox: &[OutboxEntry],
    problem: Option<&str>,
) -> Markup {
    let l = a(ctx);
    let t = ctx.app.config.shop.language.text();
    shell(
        ctx,
        Some(admin),
        o.no.as_str(),
        html! {
            div.ohead { h1.mono { (o.no) } span class={ "state " (o.state.as_str()) } { (t.state(o.state)) } }
            @if let Some(p) = problem { p.notice.err role="alert" { (p) } }
            ul.summary {
                @for li in &o.lines {
                    li { span { (li.product_name) " · " (li.variant_name) " × " (li.qty) } span { (money(ctx, li.line_total)) } }
                }
            }
            dl.meta {
                dt { (t.items_total) } dd { (money(ctx, o.items_total)) }
                dt { (t.shipping) } dd { (money(ctx, o.shipping)) }
                dt { (t.total) } dd { (money(ctx, o.total)) }
                dt { (t.recipient) } dd { (o.recipient.name) " " (o.recipient.mobile) br; (o.recipient.address) }
                @if !o.note.is_empty() { dt { (t.note) } dd { (o.note) } }
                dt { (l.channel) } dd { (o.channel.as_deref().unwrap_or(l.direct)) }
                @if let Some(p) = &o.payment {
                    dt { "WeChat" } dd.mono { (p.transaction_id) " · " (money(ctx, p.amount)) " · " (cst_datetime(p.paid_at)) }
                    @if let (Some(pt), Some(pc)) = (p.payer_total, &p.payer_currency) {
                    @if pc != o.currency.code() {
                        dt { "payer" }
                        dd #payer-amount {
                            (crate::money::Currency::parse(pc).map(|c| Money(pt).display(c)).unwrap_or_else(|| format!("{pc} {pt}")))
                            @if let Some(rate) = p.exchange_rate.as_ref().and_then(|r| r["rate"].as_i64()) {
                                " · rate " (format!("{:.4}", rate as f64 / 1e8))
                            }
                        }
                    }
                }
                }
                @if let Some(s) = &o.shipment { dt { (l.courier) } dd { (s.courier) " " (s.tracking_no) } }
            }
            @if o.state == OrderState::Paid {
                section.panel {
                    h2 { (l.ship) }
                    form.stockrow method="post" action={ "/admin/orders/" (o.no) "/ship" } {
                        (csrf(admin))
                        input name="courier" placeholder=(l.courier) maxlength="40" required;
                        input name="tracking_no" placeholder=(l.tracking_no) maxlength="40" required;
                        button.primary type="submit" { (l.ship) }
                    }
                }
            }
            @if o.payment.is_some() && o.refundable() > Money::ZERO {
                section.panel {
                    h2 { (l.refund) }
                    form.stockrow method="post" action={ "/admin/orders/" (o.no) "/refund" } {
                        (csrf(admin))
                        input name="amount" value=(o.refundable().decimal(o.currency)) inputmode="decimal" aria-label=(l.refund_amount);
                        input name="reason" placeholder=(l.reason) maxlength="40";
                        button type="submit" { (l.refund) }
                    }
                }
            }
            @if !o.refunds.is_empty() {
                section.panel {
                    h2 { (l.refunds) }
                    table.grid-table {
                        @for r in &o.refunds {
                            tr { td.mono { (r.out_refund_no) } td { (money(ctx, r.amount)) } td { (format!("{:?}", r.status)) } td { (r.reason) } td.muted { (r.last_error.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
            section.panel {
                h2 { (l.message) }
                @if outbox.is_empty() { p.muted { (l.no_message) } }
                @for e in outbox {
                    p #message-status { span class={ "tag msg-" (e.state) } { (e.state) } " · " (e.attempts) " · " (e.last_error.as_deref().unwrap_or("")) }
                }
            }
            section.panel {
                h2 { (l.timeline) }
                table.grid-table {
                    @for ev in &o.history {
                        tr { td { (cst_datetime(ev.at)) } td { (ev.kind) } td.mono.small-json { (ev.detail.to_string()) } }
                    }
                }
            }
        },
    )
}

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
