//! The sandbox's JS-SDK: `GET /cgi-bin/ticket/getticket` (a `jsapi_ticket` valid 7,200 s by
//! the sandbox's clock, refused with 40001/42001 like any token call), the stand-in
//! `jweixin.js` a page loads instead of WeChat's, and the endpoints it calls:
//! `POST /sandbox/jssdk/config` checks `wx.config` as WeChat does (appId, the page's URL
//! without `#…`, the signature with a ticket the sandbox issued) and answers, on a bad
//! signature, WeChat's `invalid signature` with the string it expected to be signed and the
//! one the page's config describes; `POST /sandbox/jssdk/share` records the share data a
//! page registered, replacing the previous page's (shown as a chat card on `/sandbox/phone`); `POST /sandbox/jssdk/address`
//! answers `openAddress` with the persona's saved address in the shop (or a sample one).

use super::oauth::{cookie_persona, errcode, openid};
use super::official_account::{Message, check_token, record_message};
use super::{Request, Resp, Sandbox, SandboxError, dec, enc, json, next_seq, respond};
use crate::store::{AddressBookOwner, StoreError};
use crate::wechat::jssdk::{signature, string_to_sign, without_fragment};
use hyper::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json as j;

/// How long a ticket lives.
pub const TICKET_TTL_SECS: i64 = 7200;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ticket {
    ticket: String,
    expires_at: i64,
}

/// `GET /cgi-bin/ticket/getticket?access_token=…&type=jsapi`.
pub async fn getticket(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let sb2 = sb.clone();
    super::blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| next_seq(t, "getticket").map(|_| ()))
    })
    .await?;
    if let Some(e) = check_token(sb, req)? {
        return Ok(e);
    }
    if req.query_map().get("type").map(String::as_str) != Some("jsapi") {
        return Ok(errcode(40097, "invalid args"));
    }
    let now = sb.inner.clock.unix();
    let rec = Ticket {
        ticket: format!("sandbox_ticket_{}", crate::random::random_token::<24>()),
        expires_at: now + TICKET_TTL_SECS,
    };
    sb.inner
        .store
        .sandbox_write(|t| -> Result<(), StoreError> {
            let n = next_seq(t, "ticket")?;
            t.put(&format!("ticket/{n:020}"), &enc(&rec))
        })?;
    Ok(json(
        StatusCode::OK,
        &j!({ "errcode": 0, "errmsg": "ok", "ticket": rec.ticket, "expires_in": TICKET_TTL_SECS }),
    ))
}

/// The tickets still valid, newest first.
fn live_tickets(sb: &Sandbox) -> Result<Vec<String>, StoreError> {
    let now = sb.inner.clock.unix();
    let mut v = Vec::new();
    for (_, b) in sb.inner.store.sandbox_scan("ticket/")?.into_iter().rev() {
        let t: Ticket = dec(&b)?;
        if t.expires_at > now {
            v.push(t.ticket);
        }
    }
    Ok(v)
}

impl Sandbox {
    /// How many calls reached the Official Account's token and ticket endpoints, answered
    /// or refused (for tests).
    pub fn oa_calls(&self) -> Result<u64, StoreError> {
        let token = self
            .inner
            .store
            .sandbox_get("seq/token")?
            .and_then(|b| String::from_utf8_lossy(&b).parse::<u64>().ok())
            .unwrap_or(0);
        Ok(token + self.ticket_calls()?)
    }

    /// How many times `getticket` was called (for tests and the booth).
    pub fn ticket_calls(&self) -> Result<u64, StoreError> {
        Ok(self
            .inner
            .store
            .sandbox_get("seq/getticket")?
            .and_then(|b| String::from_utf8_lossy(&b).parse().ok())
            .unwrap_or(0))
    }
}

/// `POST /sandbox/jssdk/config`: `{appId, timestamp, nonceStr, signature, url, pageUrl}`
/// (`pageUrl`: the page's `location.href`) → `{ok, errMsg, expected, given}`.
pub async fn check_config(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    let ts = b["timestamp"]
        .as_i64()
        .or_else(|| b["timestamp"].as_str().and_then(|t| t.parse().ok()))
        .unwrap_or(0);
    let fail = |msg: &str, expected: &str, given: &str| {
        json(
            StatusCode::OK,
            &j!({ "ok": false, "errMsg": msg, "expected": expected, "given": given }),
        )
    };
    if s("appId") != sb.inner.keys.manifest.appid {
        return Ok(fail("config:invalid appid", "", ""));
    }
    let page = without_fragment(&s("pageUrl")).to_string();
    let tickets = live_tickets(sb)?;
    let sig = s("signature");
    let nonce = s("nonceStr");
    if tickets
        .iter()
        .any(|t| signature(t, &nonce, ts, &page) == sig)
    {
        return Ok(json(
            StatusCode::OK,
            &j!({ "ok": true, "errMsg": "config:ok" }),
        ));
    }
    let ticket = tickets.first().map(String::as_str).unwrap_or("");
    Ok(fail(
        "config:invalid signature",
        &string_to_sign(ticket, &nonce, ts, &page),
        &string_to_sign(ticket, &nonce, ts, &s("url")),
    ))
}

/// `POST /sandbox/jssdk/share` `{kind: "chat"|"timeline", title, desc, link, imgUrl}`:
/// recorded for the phone's persona (or a visitor not yet signed in).
pub async fn share(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| {
        b[k].as_str()
            .unwrap_or("")
            .chars()
            .take(512)
            .collect::<String>()
    };
    let kind = if s("kind") == "timeline" {
        "timeline"
    } else {
        "chat"
    };
    let appid = sb.inner.keys.manifest.appid.clone();
    let who = cookie_persona(req).map(|p| openid(&appid, &p));
    let body = j!({
        "kind": kind, "title": s("title"), "desc": s("desc"),
        "link": s("link"), "imgUrl": s("imgUrl"),
    });
    let sb2 = sb.clone();
    super::blocking(move || {
        // A page sets the share data; the next page replaces it: one card per kind.
        let old: Vec<String> = super::official_account::messages(&sb2)?
            .into_iter()
            .filter(|m| m.kind == "share" && m.openid == who && m.body["kind"] == kind)
            .map(|m| format!("msg/{:020}", m.seq))
            .collect();
        sb2.inner
            .store
            .sandbox_write(|t| -> Result<(), StoreError> {
                old.iter().try_for_each(|k| t.remove(k))
            })?;
        record_message(&sb2, "share", who, body)
    })
    .await?;
    Ok(json(StatusCode::OK, &j!({ "errMsg": "ok" })))
}

/// `POST /sandbox/jssdk/address`: WeChat's `openAddress` answer, from the persona's default
/// saved address in the shop, else a sample address in a real county.
pub async fn address(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    let appid = sb.inner.keys.manifest.appid.clone();
    let saved = match cookie_persona(req) {
        Some(p) => {
            let store = sb.inner.store.clone();
            let owner = AddressBookOwner::OpenId(openid(&appid, &p));
            super::blocking(move || store.address_book(&owner))
                .await?
                .default_entry()
                .cloned()
        }
        None => None,
    };
    let (name, tel, parts) = match saved {
        Some(e) => (e.name, e.mobile, e.parts),
        None => (
            "张三".to_string(),
            "13800138000".to_string(),
            crate::order::AddressParts {
                province: "11".into(),
                city: "1101".into(),
                district: "110105".into(),
                street: "建国路 88 号 1 单元 101".into(),
            },
        ),
    };
    let n = |c: &str| crate::region::name(c).unwrap_or("").to_string();
    // WeChat names a municipality's city after the province.
    let city = match n(&parts.city).as_str() {
        "市辖区" | "县" => n(&parts.province),
        c => c.to_string(),
    };
    Ok(json(
        StatusCode::OK,
        &j!({
            "errMsg": "openAddress:ok",
            "userName": name,
            "telNumber": tel,
            "postalCode": "100000",
            "provinceName": n(&parts.province),
            "cityName": city,
            "countryName": n(&parts.district),
            "detailInfo": parts.street,
            "nationalCode": parts.district,
        }),
    ))
}

/// `GET /sandbox/jweixin.js`: the stand-in for WeChat's `jweixin-1.6.0.js`.
pub fn jweixin_js() -> Resp {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        include_str!("../../assets/sandbox/jweixin.js"),
    )
}

/// One share card as a chat shows it: image, title, description, link.
pub(super) fn share_card(
    lang: crate::text::Lang,
    msg: &Message,
    who: Option<&str>,
) -> maud::Markup {
    let t = lang.jssdk();
    let b = &msg.body;
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    let kind = if s("kind") == "timeline" {
        t.sb_share_timeline
    } else {
        t.sb_share_chat
    };
    maud::html! {
        li.sb-share data-link=(s("link")) {
            div.sb-row { strong { (kind) } span.sb-mute { @if let Some(w) = who { (w) } } }
            div.sb-sharebox {
                div.sb-sharetext {
                    div.sb-sharetitle { (s("title")) }
                    div.sb-mute { (s("desc")) }
                }
                @if !s("imgUrl").is_empty() { img.sb-shareimg src=(s("imgUrl")) alt="" width="56" height="56"; }
            }
            div.sb-mute.sb-sharelink { (s("link")) }
        }
    }
}

/// The share cards of visitors not signed in yet (no persona), newest first: on the phone
/// overview, so a page shared before any OAuth still shows its card.
pub(super) fn visitor_shares(lang: crate::text::Lang, msgs: &[Message]) -> maud::Markup {
    let t = lang.jssdk();
    let list: Vec<&Message> = msgs
        .iter()
        .filter(|m| m.kind == "share" && m.openid.is_none())
        .take(10)
        .collect();
    maud::html! {
        @if !list.is_empty() {
            section.sb-persona-box #visitor-shares {
                h2 { (t.sb_share_cards) span.sb-mute { " · " (t.sb_share_visitor) } }
                ul.sb-list { @for m in list { (share_card(lang, m, None)) } }
            }
        }
    }
}
