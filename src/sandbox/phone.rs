//! The shopper's own phone at a booth: `/sandbox/phone` for a browser that has a persona
//! (its cookie) shows that persona only — its name (changeable, `POST /sandbox/phone/name`),
//! its orders, and what its WeChat received (payment vouchers, Official Account messages).
//! A browser without a persona gets the overview of every persona (`pages::phone`).

use super::oauth::{self, Persona};
use super::official_account;
use super::{Request, Resp, Sandbox, SandboxError, blocking, html, redirect, rfc3339_cst};
use crate::order::Order;
use hyper::StatusCode;
use maud::html as m;

/// `GET /sandbox/phone`.
pub async fn page(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let Some(name) = oauth::cookie_persona(req) else {
        return super::pages::phone(sb, req).await;
    };
    let sb2 = sb.clone();
    let key = name.clone();
    let found = blocking(move || oauth::persona(&sb2, &key)).await?;
    let Some(persona) = found else {
        return super::pages::phone(sb, req).await;
    };
    own(sb, req, persona).await
}

async fn own(sb: &Sandbox, req: &Request, p: Persona) -> Result<Resp, SandboxError> {
    let lang = sb.inner.settings.lang;
    let (t, shop) = (lang.booth(), lang.text());
    let openid = oauth::openid(&sb.inner.keys.manifest.appid, &p.name);
    let store = sb.inner.store.clone();
    let id = openid.clone();
    // Through the openid index, not a scan of every order.
    let orders: Vec<Order> = blocking(move || {
        let mut orders = Vec::new();
        for no in store.orders_of_openid(&id)? {
            orders.extend(store.order(&no)?);
        }
        orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        Ok(orders)
    })
    .await?;
    let msgs: Vec<official_account::Message> = official_account::messages(sb)?
        .into_iter()
        .filter(|m| m.openid.as_deref() == Some(openid.as_str()))
        .collect();
    let bad = req.query_map().contains_key("bad");
    Ok(html(m! {
        (maud::DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.label()) }
                link rel="stylesheet" href="/sandbox/sheet.css";
            }
            body.sb-page { div.sb-card {
                h1 #me data-persona=(p.name) { (p.label()) }
                form.sb-me method="post" action="/sandbox/phone/name" {
                    label for="name" { (t.your_name) }
                    input #name name="name" maxlength="20" required value=(p.label());
                    button.sb-primary type="submit" { (t.change_name) }
                }
                @if bad { p.sb-error { (t.bad_name) } }
                (official_account::follow_form(lang, &p))
                (open_form(lang))
                h2 { (t.my_orders) }
                @if orders.is_empty() { p.sb-mute { (t.no_orders) } }
                ul.sb-list {
                    @for o in &orders {
                        li.sb-order data-order=(o.no) {
                            div.sb-row { strong { (o.total.display(o.currency)) } span.sb-state { (shop.state(o.state)) } }
                            div { (o.lines.iter().map(|l| format!("{} ×{}", l.product_name, l.qty)).collect::<Vec<_>>().join("、")) }
                            div.sb-mute { (shop.order_no) " " (o.no) " · " (short_time(o.created_at)) }
                        }
                    }
                }
                h2 { (t.messages) }
                @if msgs.is_empty() { p.sb-mute { (t.no_messages) } }
                ul.sb-list {
                    @for msg in &msgs {
                        @if msg.kind == "share" {
                            (super::jssdk::share_card(lang, msg, None))
                        } @else if msg.kind == "voucher" {
                            li.sb-voucher {
                                div.sb-row { strong { (t.voucher) } span.sb-mute { (short_time(msg.at)) } }
                                div { (msg.body["merchant"].as_str().unwrap_or("")) " · " (msg.body["description"].as_str().unwrap_or("")) }
                                div.sb-row {
                                    strong { (crate::money::Money(msg.body["total"].as_i64().unwrap_or(0)).display(sb_currency(&msg.body))) }
                                    span.sb-mute { (msg.body["transaction_id"].as_str().unwrap_or("")) }
                                }
                            }
                        } @else {
                            li.sb-msgcard {
                                div.sb-row { strong { (t.oa_message) } span.sb-mute { (short_time(msg.at)) } }
                                @if let Some(data) = msg.body["data"].as_object() {
                                    @for (_, v) in data {
                                        div { (v["value"].as_str().unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }))
}

/// `YYYY-MM-DD HH:MM`, China time.
fn short_time(at: i64) -> String {
    let s = rfc3339_cst(at);
    match (s.get(..10), s.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => s,
    }
}

/// The currency a voucher names (CNY when it names none).
fn sb_currency(body: &serde_json::Value) -> crate::money::Currency {
    body["currency"]
        .as_str()
        .and_then(crate::money::Currency::parse)
        .unwrap_or(crate::money::Currency::CNY)
}

/// `POST /sandbox/phone/name`: the persona in the cookie gets the name in the form.
pub async fn rename(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    if !same_origin(req) {
        return Ok(super::respond(
            StatusCode::FORBIDDEN,
            "text/plain; charset=utf-8",
            "cross-site request refused",
        ));
    }
    let Some(name) = oauth::cookie_persona(req) else {
        return Ok(redirect("/sandbox/phone"));
    };
    let display = req
        .form()
        .get("name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if !oauth::valid_persona(&display) {
        return Ok(redirect("/sandbox/phone?bad=1"));
    }
    let sb2 = sb.clone();
    blocking(move || oauth::rename(&sb2, &name, &display)).await?;
    Ok(redirect("/sandbox/phone"))
}

/// A form from another site must not rename anyone: `Origin`, when sent, names this host.
pub(super) fn same_origin(req: &Request) -> bool {
    let Some(origin) = req.headers.get(hyper::header::ORIGIN) else {
        return true;
    };
    let host = req
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    !origin_host.is_empty() && origin_host == host
}

/// A form that opens a link as if the phone had scanned its QR code (the back office's
/// WeChat binding code, for one).
fn open_form(lang: crate::text::Lang) -> maud::Markup {
    let t = lang.owner_notify();
    let (label, go) = (t.sb_open, t.sb_open_go);
    m! {
        form.sb-me method="get" action="/sandbox/phone/open" {
            label for="open-url" { (label) }
            input #open-url name="url" type="url" required;
            button.sb-primary type="submit" { (go) }
        }
    }
}

/// `GET /sandbox/phone/open?url=…`: the phone opens a scanned link — only one of the
/// shop's own pages (no open redirect).
pub async fn open(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let q = req.query_map();
    let url = q.get("url").map(String::as_str).unwrap_or("");
    let own = |base: &str| {
        !base.is_empty()
            && url
                .strip_prefix(base.trim_end_matches('/'))
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if own(&sb.inner.settings.shop_url) {
        return Ok(redirect(url));
    }
    Ok(redirect("/sandbox/phone"))
}
