//! Sandbox pages and the control API: the control page (faults, deliveries), the
//! shopper's phone (vouchers and Official Account messages per persona), and
//! `POST /sandbox/control/fault` / `GET /sandbox/control/state`.

use super::oauth;
use super::official_account::{self, Message};
use super::{
    ApiFault, NotificationFault, Request, Resp, Sandbox, SandboxError, html, json, redirect,
    rfc3339_cst,
};
use hyper::StatusCode;
use maud::{Markup, html as m};
use serde_json::json as j;

fn page(title: &str, body: Markup) -> Resp {
    html(m! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/sandbox/sheet.css";
            }
            body.sb-page { div.sb-card { (body) } }
        }
    })
}

fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// `GET /sandbox/`: keys, faults and recent deliveries.
pub async fn index(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let k = &sb.inner.keys.manifest;
    let booth = sb.inner.settings.lang.booth();
    let refilled = req
        .query_map()
        .get("refilled")
        .and_then(|n| n.parse::<usize>().ok());
    let faults = sb.faults();
    let deliveries = super::notify::all(sb)?;
    let fault_button = |kind: &str, label: &str| {
        m! {
            form method="post" action="/sandbox/control/fault" {
                input type="hidden" name="kind" value=(kind);
                button type="submit" { (label) }
            }
        }
    };
    Ok(page(
        "WeChat sandbox",
        m! {
            h1 { "微信沙箱 · WeChat sandbox" }
            p.sb-mute { "appid " (k.appid) " · mchid " (k.mchid) " · " (k.public_key_id) }
            p { a href="/sandbox/phone" { "📱 顾客的手机 (the shopper's phone)" } }
            p { a #booth-link href="/sandbox/booth" { (booth.booth_link) } }
            @if let Some(n) = refilled { p.sb-notice { (booth.refilled(n)) } }
            form #refill method="post" action="/sandbox/control/refill" {
                button.sb-primary type="submit" { (booth.refill) }
            }
            h2 { "下一条通知 · next notification" }
            p.sb-mute { "pending: " (format!("{:?}", faults.next_notification)) " · next API call: " (format!("{:?}", faults.next_api_call)) }
            div.sb-faults {
                (fault_button("duplicate", "重复 duplicate"))
                (fault_button("concurrent", "并发两次 twice at once"))
                (fault_button("delay", "延迟 30s delay"))
                (fault_button("lose", "丢失 lose"))
                (fault_button("after_return", "页面返回后 after JS return"))
                (fault_button("forged", "伪造签名 forged"))
                (fault_button("stale", "过期时间戳 stale"))
                (fault_button("probe", "SIGNTEST 探测 probe"))
                (fault_button("system_error", "API SYSTEM_ERROR"))
                (fault_button("hang", "API 超时 hang"))
            }
            h2 { "通知投递 · deliveries" }
            table.sb-table {
                tr { th { "#" } th { "event" } th { "order" } th { "state" } th { "attempts" } }
                @for d in deliveries.iter().take(50) {
                    tr {
                        td { (d.id) } td { (d.event_type) } td { (d.out_trade_no) }
                        td { (d.state) } td { (d.attempts) }
                    }
                }
            }
        },
    ))
}

/// `GET /sandbox/phone[?persona=NAME]`.
pub async fn phone(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let appid = sb.inner.keys.manifest.appid.clone();
    let people = oauth::personas(sb)?;
    let chosen = req.query_map().get("persona").cloned();
    let msgs = official_account::messages(sb)?;
    let mine = |name: &str| -> Vec<&Message> {
        let id = oauth::openid(&appid, name);
        msgs.iter()
            .filter(|m| m.openid.as_deref() == Some(id.as_str()))
            .collect()
    };
    Ok(page(
        "Phone · sandbox",
        m! {
            h1 { "📱 顾客的手机" }
            p.sb-mute { "每位模拟顾客在微信里会收到的内容：微信支付凭证与公众号消息。" }
            @if people.is_empty() { p { "还没有顾客。在商城中通过微信授权后会出现在这里。" } }
            (super::jssdk::visitor_shares(sb.inner.settings.lang, &msgs))
            @for p in &people {
                @if chosen.as_deref().is_none_or(|c| c == p.name) {
                    section.sb-persona-box data-persona=(p.name) {
                        h2 { (p.name) span.sb-mute { " · " (oauth::openid(&appid, &p.name)) } }
                        @let list = mine(&p.name);
                        @if list.is_empty() { p.sb-mute { "暂无消息" } }
                        ul.sb-list {
                            @for msg in list {
                                @if msg.kind == "share" {
                                    (super::jssdk::share_card(sb.inner.settings.lang, msg, None))
                                } @else if msg.kind == "voucher" {
                                    li.sb-voucher {
                                        div.sb-row { strong { "微信支付 · 支付凭证" } span.sb-mute { (rfc3339_cst(msg.at)) } }
                                        div { (msg.body["merchant"].as_str().unwrap_or("")) " · " (msg.body["description"].as_str().unwrap_or("")) }
                                        div.sb-row {
                                            strong { (yuan(msg.body["total"].as_i64().unwrap_or(0))) }
                                            span.sb-mute { "交易单号 " (msg.body["transaction_id"].as_str().unwrap_or("")) }
                                        }
                                    }
                                } @else {
                                    li.sb-msgcard {
                                        div.sb-row { strong { "公众号消息" } span.sb-mute { (rfc3339_cst(msg.at)) } }
                                        @if let Some(data) = msg.body["data"].as_object() {
                                            @for (key, v) in data {
                                                div { span.sb-mute { (key) ": " } (v["value"].as_str().unwrap_or("")) }
                                            }
                                        }
                                        @if let Some(u) = msg.body["url"].as_str() { div.sb-mute { (u) } }
                                        div.sb-mute { "template " (msg.body["template_id"].as_str().unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// `POST /sandbox/control/fault`: JSON `{"kind": …, "seconds": N}` or the same as a form.
/// Whether the request body is an HTML form (else JSON).
pub(super) fn is_form(req: &Request) -> bool {
    req.headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

pub async fn control_fault(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let is_form = is_form(req);
    let (kind, seconds, name) = if is_form {
        let f = req.form();
        (
            f.get("kind").cloned().unwrap_or_default(),
            f.get("seconds").and_then(|s| s.parse().ok()),
            f.get("name").cloned(),
        )
    } else {
        let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        (
            v["kind"].as_str().unwrap_or("").to_string(),
            v["seconds"].as_i64(),
            v["name"].as_str().map(str::to_string),
        )
    };
    let note = match kind.as_str() {
        "duplicate" => Some(NotificationFault::Duplicate),
        "concurrent" => Some(NotificationFault::Concurrent),
        "delay" => Some(NotificationFault::Delay {
            seconds: seconds.unwrap_or(30),
        }),
        "lose" => Some(NotificationFault::Lose),
        "after_return" => Some(NotificationFault::AfterReturn),
        "forged" => Some(NotificationFault::Forged),
        "stale" => Some(NotificationFault::Stale),
        "probe" => Some(NotificationFault::Probe),
        "cert_serial" => Some(NotificationFault::CertSerial),
        "order_number_as" => serde_json::from_value(j!(name.as_deref().unwrap_or("both")))
            .ok()
            .map(|name| NotificationFault::OrderNumberAs { name }),
        _ => None,
    };
    let api = match kind.as_str() {
        "system_error" => Some(ApiFault::SystemError),
        "hang" => Some(ApiFault::Hang),
        "api_probe" => Some(ApiFault::Probe),
        "api_cert_serial" => Some(ApiFault::CertSerial),
        "param_error" => Some(ApiFault::ParamError),
        _ => None,
    };
    if kind == "token_rejected" {
        sb.set_oa_fault(super::OaFault::TokenRejected);
    } else {
        match (note, api) {
            (Some(n), _) => sb.set_notification_fault(n),
            (_, Some(a)) => sb.set_api_fault(a),
            _ => {
                return Ok(json(
                    StatusCode::BAD_REQUEST,
                    &j!({"ok": false, "err": format!("unknown fault kind {kind:?}")}),
                ));
            }
        }
    }
    if is_form {
        return Ok(redirect("/sandbox/"));
    }
    Ok(json(
        StatusCode::OK,
        &j!({"ok": true, "faults": sb.faults()}),
    ))
}

/// `GET /sandbox/control/state`.
pub async fn control_state(sb: &Sandbox) -> Result<Resp, SandboxError> {
    let deliveries = super::notify::all(sb)?;
    Ok(json(
        StatusCode::OK,
        &j!({
            "faults": sb.faults(),
            "deliveries": deliveries.iter().take(100).map(|d| j!({
                "id": d.id, "event_type": d.event_type, "out_trade_no": d.out_trade_no,
                "state": d.state, "attempts": d.attempts, "next_at": d.next_at,
                "log": d.log,
            })).collect::<Vec<_>>(),
        }),
    ))
}
