//! The owner's phone: what a bound member's WeChat is told (paid orders, after-sales
//! requests, low stock, alerts) as Official Account template messages, and when. The store
//! queues one outbox entry per bound member in the transaction of the event
//! (`store::owner_notify`); here each is turned into a template message at send time —
//! which template (none configured: nothing is sent of that kind), the fields in the shop's
//! language, the link to the back-office page — and held back during quiet hours (China
//! time), to go out, in order, when the window ends. A storage fault is not held back: the
//! shop cannot take orders until the owner acts.

use crate::alert::AlertKind;
use crate::money::Money;
use crate::store::{OutboxKind, OwnerEvent, OwnerMessage};
use crate::text::Lang;
use crate::wechat::official_account::{TemplateMessage, TemplateValue};

/// How owner messages are sent, from the shop's config.
#[derive(Clone, Debug)]
pub struct OwnerNotify {
    pub order_template: Option<String>,
    pub aftersales_template: Option<String>,
    /// Alerts and low stock.
    pub alert_template: Option<String>,
    /// The data keys every owner template uses (`[wechat] owner_template_keys`), so one
    /// template may serve several kinds: what happened, the order number (or SKU), the
    /// amount (the stock left, the alert kind), the items, the time.
    pub keys: [String; 5],
    /// Quiet hours in China time: minutes after midnight (start, end); start > end crosses
    /// midnight.
    pub quiet: Option<(u16, u16)>,
    pub lang: Lang,
    /// The shop's public origin, for the back-office links.
    pub base_url: String,
}

const CST_SECS: i64 = 8 * 3600;

/// When the quiet window holding `now` ends (unix seconds), or `None` outside it.
pub fn quiet_until(quiet: Option<(u16, u16)>, now: i64) -> Option<i64> {
    let (start, end) = quiet?;
    let local = now + CST_SECS;
    let day = local.div_euclid(86_400) * 86_400;
    let minute = (local - day) / 60;
    let (s, e) = (i64::from(start), i64::from(end));
    let inside = if s < e {
        minute >= s && minute < e
    } else {
        minute >= s || minute < e
    };
    if !inside {
        return None;
    }
    let end_today = day + e * 60;
    let end_local = if end_today > local {
        end_today
    } else {
        end_today + 86_400
    };
    Some(end_local - CST_SECS)
}

impl OwnerNotify {
    /// The template configured for an owner message of `kind`.
    pub fn template(&self, kind: OutboxKind) -> Option<&str> {
        match kind {
            OutboxKind::OwnerPaid => self.order_template.as_deref(),
            OutboxKind::OwnerAftersales => self.aftersales_template.as_deref(),
            OutboxKind::OwnerLowStock | OutboxKind::OwnerAlert => self.alert_template.as_deref(),
            OutboxKind::Shipped | OutboxKind::Aftersales => None,
        }
    }

    /// When a message about `event` due `now` may go: `None` at once, else the end of the
    /// quiet window. A storage fault goes at once.
    pub fn hold_until(&self, event: &OwnerEvent, now: i64) -> Option<i64> {
        if matches!(
            event,
            OwnerEvent::Alert {
                kind: AlertKind::StorageFault,
                ..
            }
        ) {
            return None;
        }
        quiet_until(self.quiet, now)
    }

    /// The template message for `msg`, created at `at`; `None` when no template is set for
    /// its kind.
    pub fn render(&self, msg: &OwnerMessage, id: u64, at: i64) -> Option<TemplateMessage> {
        let template_id = self.template(msg.event.kind())?.to_string();
        let t = self.lang.owner_notify();
        let (what, number, amount, items, link) = match &msg.event {
            OwnerEvent::Paid {
                order,
                amount,
                currency,
                summary,
            } => (
                t.msg_paid.to_string(),
                order.clone(),
                Money(*amount).display(*currency),
                summary.clone(),
                format!("/admin/orders/{order}"),
            ),
            OwnerEvent::Aftersales {
                order,
                amount,
                currency,
                summary,
            } => (
                t.msg_aftersales.to_string(),
                order.clone(),
                Money(*amount).display(*currency),
                summary.clone(),
                "/admin/aftersales".to_string(),
            ),
            OwnerEvent::LowStock { sku, product, left } => (
                t.msg_low_stock.to_string(),
                sku.clone(),
                t.msg_stock_left.replace("{n}", &left.to_string()),
                format!("{product}{}{left}", t.msg_left),
                "/admin/products".to_string(),
            ),
            // The kind once, in the shop's language; the stored message is internal English,
            // except an IP refused by WeChat, which is what the owner must add.
            OwnerEvent::Alert {
                kind,
                order,
                message,
            } => (
                t.msg_alert.to_string(),
                order.clone().unwrap_or_else(|| "-".to_string()),
                self.lang.work().alert_kind(*kind).to_string(),
                match kind {
                    AlertKind::IpWhitelist => message.clone(),
                    _ => t.msg_alert_see.to_string(),
                },
                match order {
                    Some(o) => format!("/admin/orders/{o}"),
                    None => "/admin".to_string(),
                },
            ),
        };
        let time = crate::clock::rfc3339_cst(at);
        let time = time.get(..16).unwrap_or(&time).replace('T', " ");
        let values = [
            clip(&what, 20),
            clip(&number, 32),
            clip(&amount, 20),
            clip(&items, 20),
            time,
        ];
        Some(TemplateMessage {
            touser: msg.touser.clone(),
            template_id,
            url: Some(format!("{}{link}", self.base_url)),
            client_msg_id: Some(format!("owner-{id}")),
            data: self
                .keys
                .iter()
                .cloned()
                .zip(values.map(|value| TemplateValue { value }))
                .collect(),
        })
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut c: String = s.chars().take(n - 1).collect();
    c.push('…');
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-30 00:00 China time = 2026-11-29 16:00 UTC.
    const MIDNIGHT_CST: i64 = 1_795_968_000;

    #[test]
    fn a_window_across_midnight_holds_until_its_end() {
        let q = Some((22 * 60, 8 * 60));
        let at = |h: i64, m: i64| MIDNIGHT_CST + h * 3600 + m * 60;
        assert_eq!(quiet_until(q, at(23, 0)), Some(at(32, 0)));
        assert_eq!(quiet_until(q, at(3, 0)), Some(at(8, 0)));
        assert_eq!(quiet_until(q, at(8, 0)), None);
        assert_eq!(quiet_until(q, at(21, 59)), None);
        assert_eq!(quiet_until(q, at(22, 0)), Some(at(32, 0)));
        assert_eq!(quiet_until(None, at(23, 0)), None);
    }

    #[test]
    fn a_window_within_a_day() {
        let q = Some((12 * 60, 14 * 60));
        let at = |h: i64| MIDNIGHT_CST + h * 3600;
        assert_eq!(quiet_until(q, at(13)), Some(at(14)));
        assert_eq!(quiet_until(q, at(14)), None);
        assert_eq!(quiet_until(q, at(11)), None);
    }
}
