//! The dashboard: figures for today and this week, open alerts, sales by channel and low
//! stock.

use super::{a, csrf, cst_datetime, money, shell};
use crate::money::Money;
use crate::order::{Order, OrderState};
use crate::store::Alert;
use crate::web::Ctx;
use crate::web::admin::Admin;
use maud::{Markup, html};
use std::collections::BTreeMap;

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

/// The first steps of a new shop, each done or not.
pub struct FirstSteps {
    pub category: bool,
    pub product: bool,
    pub shipping: bool,
    pub wechat: bool,
    pub live: bool,
}

impl FirstSteps {
    /// Reads the steps from the catalog facts and the configuration: shipping counts as
    /// set once a fee or a free-shipping threshold is configured; WeChat once live mode
    /// has its ids and keys; going live once the shop is live on https with something on
    /// sale.
    pub fn of(app: &crate::app::App, has_category: bool, has_published: bool) -> FirstSteps {
        let cfg = &app.config;
        let wc = &cfg.wechat;
        let live = wc.mode == crate::config::WechatMode::Live;
        let wechat = live
            && wc.appid.is_some()
            && wc.mchid.is_some()
            && wc.merchant_key_file.is_some()
            && wc.apiv3_key.is_some();
        let https = app.base_url.starts_with("https://");
        FirstSteps {
            category: has_category,
            product: has_published,
            shipping: cfg.shop.shipping.flat_fee > Money::ZERO
                || cfg.shop.shipping.free_over.is_some(),
            wechat,
            live: wechat && https && has_published,
        }
    }

    pub fn all_done(&self) -> bool {
        self.category && self.product && self.shipping && self.wechat && self.live
    }
}

pub fn dashboard(
    ctx: &Ctx,
    admin: &Admin,
    s: &Stats,
    alerts: &[Alert],
    low: &[(String, String, u32)],
    steps: &FirstSteps,
) -> Markup {
    let l = a(ctx);
    let w = ctx.app.config.shop.language.work();
    let step_list = [
        (w.step_category, "/admin/categories", steps.category),
        (w.step_product, "/admin/products/new", steps.product),
        (w.step_shipping, "/admin/settings#summary", steps.shipping),
        (w.step_wechat, "/admin/settings#console", steps.wechat),
        (w.step_live, "/admin/settings#checks", steps.live),
    ];
    shell(
        ctx,
        Some(admin),
        l.dashboard,
        html! {
            @if !steps.all_done() {
                section.panel #first-steps {
                    h2 { (w.first_steps) }
                    p.muted.small { (w.first_steps_hint) }
                    ol.steps {
                        @for (label, href, done) in step_list {
                            li class=[done.then_some("done")] {
                                span.tick aria-hidden="true" { @if done { "✓" } }
                                a href=(href) { (label) }
                                span.visually-hidden.muted.small { " · " (if done { w.step_done } else { w.step_todo }) }
                            }
                        }
                    }
                }
            }
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
                            div { span.tag.low { (w.alert_kind(al.kind)) } " " span.muted { (cst_datetime(al.at)) } }
                            @if ctx.app.config.shop.language == crate::text::Lang::En || al.kind == crate::alert::AlertKind::IpWhitelist { p { (al.message) } }
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
                        tr { td { @if ch.is_empty() { (l.direct) } @else { (ctx.app.config.shop.language.jssdk().channel(ch)) } } td { (n) } td { (money(ctx, *m)) } }
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
