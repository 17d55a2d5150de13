//! The demo booth: `/sandbox/booth`, a full-screen page for a second monitor or projector
//! (the shop's QR code, its name, and a live feed of what visitors do), the feed itself
//! (`/sandbox/booth/feed`, JSON the page's script polls), and the demo stock refill
//! (`POST /sandbox/control/refill`, confirmed, and the automatic one after a sale).
//!
//! The feed is read from the records themselves, so it needs no hook in the shop: orders
//! placed (the order table), payments confirmed by notification (an order's payment with
//! source `notification`), and Official Account messages the sandbox received.
//!
//! Exposure: the booth shows every visitor's activity, so on a public sandbox it answers
//! this machine (the booth's own screen) and the signed-in owner, like nothing else; the
//! refill is part of the control API (owner-only when public).

use super::oauth::{self, Persona};
use super::official_account;
use super::{Request, Resp, Sandbox, SandboxError, blocking, html, json, redirect};
use crate::order::PaymentSource;
use crate::seed::Refill;
use crate::text::BoothText;
use hyper::StatusCode;
use maud::{Markup, PreEscaped, html as m};
use serde::Serialize;
use serde_json::json as j;
use std::collections::HashMap;

/// How many events the feed shows.
const FEED_LEN: usize = 30;

/// One line of the live feed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Event {
    /// Stable across polls: the page adds only what it has not shown.
    pub id: String,
    /// `order`, `paid` or `message`.
    pub kind: &'static str,
    /// Unix seconds.
    pub at: i64,
    /// `HH:MM:SS`, China time.
    pub time: String,
    /// The line, in the shop's language.
    pub text: String,
}

fn clock_time(at: i64) -> String {
    let s = super::rfc3339_cst(at);
    s.get(11..19).unwrap_or("").to_string()
}

/// The newest events, newest first.
pub fn feed(sb: &Sandbox) -> Result<Vec<Event>, crate::store::StoreError> {
    let t = sb.inner.settings.lang.booth();
    let appid = &sb.inner.keys.manifest.appid;
    let names: HashMap<String, Persona> = oauth::personas(sb)?
        .into_iter()
        .map(|p| (oauth::openid(appid, &p.name), p))
        .collect();
    let who = |openid: Option<&str>| -> String {
        openid
            .and_then(|o| names.get(o))
            .map(|p| p.label().to_string())
            .unwrap_or_else(|| t.someone.to_string())
    };
    let store = &sb.inner.store;
    let mut events = Vec::new();
    for o in store.recent_orders(FEED_LEN)?.iter() {
        let openid = match o.owner_openid() {
            Some(a) => Some(a.to_string()),
            None => store.session(&o.session)?.and_then(|s| s.openid),
        };
        let name = who(openid.as_deref());
        let items = o
            .lines
            .iter()
            .map(|l| format!("{} ×{}", l.product_name, l.qty))
            .collect::<Vec<_>>()
            .join("、");
        let amount = o.total.display(o.currency);
        events.push(Event {
            id: format!("order-{}", o.no),
            kind: "order",
            at: o.created_at,
            time: clock_time(o.created_at),
            text: t.placed(&name, &items, &amount),
        });
        if let Some(p) = &o.payment
            && p.source == PaymentSource::Notification
        {
            events.push(Event {
                id: format!("paid-{}", o.no),
                kind: "paid",
                at: p.paid_at,
                time: clock_time(p.paid_at),
                text: t.paid(&name, &p.amount.display(o.currency)),
            });
        }
    }
    for msg in official_account::messages(sb)?
        .iter()
        .filter(|m| m.kind == "template")
        .take(FEED_LEN)
    {
        events.push(Event {
            id: format!("msg-{}", msg.seq),
            kind: "message",
            at: msg.at,
            time: clock_time(msg.at),
            text: t.message_sent(&who(msg.openid.as_deref())),
        });
    }
    // Newest first; at the same second, a payment after its order, a message after both.
    let rank = |k: &str| match k {
        "order" => 0,
        "paid" => 1,
        _ => 2,
    };
    events.sort_by_key(|e| std::cmp::Reverse((e.at, rank(e.kind))));
    events.truncate(FEED_LEN);
    Ok(events)
}

/// `GET /sandbox/booth/feed`: `{"events": [...]}`, newest first.
pub async fn feed_json(sb: &Sandbox) -> Result<Resp, SandboxError> {
    let sb2 = sb.clone();
    let events = blocking(move || feed(&sb2)).await?;
    Ok(json(StatusCode::OK, &j!({ "events": events })))
}

fn feed_item(e: &Event) -> Markup {
    m! {
        li class=(format!("booth-ev booth-{}", e.kind)) data-id=(e.id) {
            span.booth-time { (e.time) }
            span.booth-text { (e.text) }
        }
    }
}

/// `GET /sandbox/booth`.
pub async fn page(sb: &Sandbox) -> Result<Resp, SandboxError> {
    let sb2 = sb.clone();
    let events = blocking(move || feed(&sb2)).await?;
    let s = &sb.inner.settings;
    let t: &BoothText = s.lang.booth();
    let qr = crate::qr::svg(&s.shop_url, 560).unwrap_or_default();
    let qr = qr.find("<svg").map(|i| &qr[i..]).unwrap_or(&qr).to_string();
    Ok(html(m! {
        (maud::DOCTYPE)
        html lang=(s.lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (s.merchant_name) " · " (t.title) }
                link rel="stylesheet" href="/sandbox/sheet.css";
                script src="/sandbox/booth.js" defer {}
            }
            body.sb-booth {
                main.booth {
                    section.booth-shop {
                        h1.booth-name { (s.merchant_name) }
                        div.booth-qr { (PreEscaped(qr)) }
                        p.booth-scan { (t.scan) }
                        p.booth-url { (s.shop_url) }
                        p.booth-hint { (t.scan_hint) }
                    }
                    section.booth-live {
                        h2 { span.booth-dot {} (t.live) }
                        ol #booth-feed data-empty=(t.empty) {
                            @for e in &events { (feed_item(e)) }
                        }
                        @if events.is_empty() { p #booth-empty { (t.empty) } }
                    }
                }
            }
        }
    }))
}

/// `GET /sandbox/booth.js`: the booth's own script (polls the feed).
pub fn booth_js() -> Resp {
    super::respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        include_str!("../../assets/sandbox/booth.js"),
    )
}

/// Refills sold-out demo SKUs (`[sandbox] refill`): its own transaction, after the sale's.
pub async fn refill_sold_out(sb: &Sandbox) -> Result<usize, SandboxError> {
    let (store, lang, now) = (
        sb.inner.store.clone(),
        sb.inner.settings.lang,
        sb.inner.clock.unix(),
    );
    let n = blocking(move || crate::seed::refill_demo_stock(&store, Refill::SoldOut, lang, now))
        .await?;
    if n > 0 {
        tracing::info!(skus = n, "sold-out demo stock refilled");
    }
    Ok(n)
}

/// `POST /sandbox/control/refill`: the demo catalog's stock back to its seeded levels.
/// A form asks first (`confirm=yes` does it); JSON does it at once.
pub async fn control_refill(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let is_form = super::pages::is_form(req);
    let t = sb.inner.settings.lang.booth();
    if is_form && req.form().get("confirm").map(String::as_str) != Some("yes") {
        return Ok(html(m! {
            (maud::DOCTYPE)
            html lang=(sb.inner.settings.lang.html_lang()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (t.refill) }
                    link rel="stylesheet" href="/sandbox/sheet.css";
                }
                body.sb-page { div.sb-card {
                    h1 { (t.refill) }
                    p { (t.refill_ask) }
                    form.sb-confirm method="post" action="/sandbox/control/refill" {
                        input type="hidden" name="confirm" value="yes";
                        button.sb-primary type="submit" { (t.refill_yes) }
                        a.sb-cancel href="/sandbox/" { (t.cancel) }
                    }
                } }
            }
        }));
    }
    let (store, lang, now) = (
        sb.inner.store.clone(),
        sb.inner.settings.lang,
        sb.inner.clock.unix(),
    );
    let n =
        blocking(move || crate::seed::refill_demo_stock(&store, Refill::All, lang, now)).await?;
    tracing::info!(skus = n, "demo stock refilled");
    if is_form {
        return Ok(redirect(&format!("/sandbox/?refilled={n}")));
    }
    Ok(json(StatusCode::OK, &j!({ "ok": true, "refilled": n })))
}
