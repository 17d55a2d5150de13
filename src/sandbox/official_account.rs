//! The sandbox's Official Account API: access tokens (`/cgi-bin/token`, and
//! `/cgi-bin/stable_token`, which keeps handing out the same token until five minutes
//! before it expires unless `force_refresh` replaces it, at most once per 30 s), template
//! messages and the menu, which are recorded — with the payment vouchers WeChat itself
//! sends — as messages for the phone page. The `token_rejected` fault answers 40001 once.

use super::oauth::{check_app, errcode, openid, personas};
use super::{Request, Resp, Sandbox, SandboxError, dec, enc, json, next_seq};
use crate::store::StoreError;
use hyper::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json as j;

pub const TOKEN_TTL_SECS: i64 = 7200;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    appid: String,
    expires_at: i64,
}

/// A recorded Official Account message or voucher, shown on the phone page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub seq: u64,
    /// template, menu, voucher.
    pub kind: String,
    pub openid: Option<String>,
    pub at: i64,
    pub body: serde_json::Value,
}

pub(crate) fn record_message(
    sb: &Sandbox,
    kind: &str,
    openid: Option<String>,
    body: serde_json::Value,
) -> Result<u64, StoreError> {
    let at = sb.inner.clock.unix();
    sb.inner
        .store
        .sandbox_write(|t| -> Result<u64, StoreError> {
            let n = next_seq(t, "msg")?;
            let m = Message {
                seq: n,
                kind: kind.into(),
                openid,
                at,
                body,
            };
            t.put(&format!("msg/{n:020}"), &enc(&m))?;
            Ok(n)
        })
}

pub fn messages(sb: &Sandbox) -> Result<Vec<Message>, StoreError> {
    let mut v: Vec<Message> = sb
        .inner
        .store
        .sandbox_scan("msg/")?
        .into_iter()
        .map(|(_, b)| dec(&b))
        .collect::<Result<_, _>>()?;
    v.reverse();
    Ok(v)
}

fn issue_token(
    sb: &Sandbox,
    appid: &str,
    stable: bool,
    force: bool,
) -> Result<(String, i64), StoreError> {
    let now = sb.inner.clock.unix();
    sb.inner
        .store
        .sandbox_write(|t| -> Result<(String, i64), StoreError> {
            let stable_key = format!("stable/{appid}");
            if stable
                && force
                && let Some(old) = t.get(&stable_key)?
            {
                // A forced refresh invalidates the token it replaces.
                let old = String::from_utf8_lossy(&old).into_owned();
                t.remove(&format!("token/{old}"))?;
            }
            if stable
                && !force
                && let Some(tok) = t.get(&stable_key)?
            {
                let tok = String::from_utf8_lossy(&tok).into_owned();
                if let Some(b) = t.get(&format!("token/{tok}"))? {
                    let rec: Token = dec(&b)?;
                    // The same token until five minutes before it expires.
                    if rec.expires_at - now > 300 {
                        return Ok((tok, rec.expires_at - now));
                    }
                }
            }
            let tok = crate::random::random_token::<32>();
            t.put(
                &format!("token/{tok}"),
                &enc(&Token {
                    appid: appid.into(),
                    expires_at: now + TOKEN_TTL_SECS,
                }),
            )?;
            if stable {
                t.put(&stable_key, tok.as_bytes())?;
            }
            Ok((tok, TOKEN_TTL_SECS))
        })
}

/// Counts a token request (`seq/token`), answered or refused, for tests.
async fn count_token_call(sb: &Sandbox) -> Result<(), SandboxError> {
    let sb2 = sb.clone();
    super::blocking(move || {
        sb2.inner
            .store
            .sandbox_write(|t| next_seq(t, "token").map(|_| ()))
    })
    .await?;
    Ok(())
}

/// `GET /cgi-bin/token`.
pub async fn token(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    count_token_call(sb).await?;
    let q = req.query_map();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if let Some(e) = whitelist_refusal(sb) {
        return Ok(e);
    }
    if get("grant_type") != "client_credential" {
        return Ok(errcode(40002, "invalid grant_type"));
    }
    if let Some(e) = check_app(sb, &get("appid"), &get("secret")) {
        return Ok(e);
    }
    let (tok, ttl) = issue_token(sb, &get("appid"), false, false)?;
    Ok(json(
        StatusCode::OK,
        &j!({ "access_token": tok, "expires_in": ttl }),
    ))
}

/// `POST /cgi-bin/stable_token`.
pub async fn stable_token(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    count_token_call(sb).await?;
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    if let Some(e) = whitelist_refusal(sb) {
        return Ok(e);
    }
    if s("grant_type") != "client_credential" {
        return Ok(errcode(40002, "invalid grant_type"));
    }
    if let Some(e) = check_app(sb, &s("appid"), &s("secret")) {
        return Ok(e);
    }
    let force = b["force_refresh"].as_bool().unwrap_or(false);
    if force && !force_allowed(sb, &s("appid"))? {
        return Ok(errcode(
            45011,
            "api minute-quota reach limit, force_refresh at most once per 30 seconds",
        ));
    }
    let (tok, ttl) = issue_token(sb, &s("appid"), true, force)?;
    Ok(json(
        StatusCode::OK,
        &j!({ "access_token": tok, "expires_in": ttl }),
    ))
}

/// WeChat allows a forced refresh at most once per this many seconds.
pub const FORCE_REFRESH_INTERVAL_SECS: i64 = 30;

/// Records a forced refresh now, unless one happened less than 30 s ago.
fn force_allowed(sb: &Sandbox, appid: &str) -> Result<bool, StoreError> {
    let now = sb.inner.clock.unix();
    sb.inner
        .store
        .sandbox_write(|t| -> Result<bool, StoreError> {
            let key = format!("forced/{appid}");
            let last = t
                .get(&key)?
                .and_then(|b| String::from_utf8_lossy(&b).parse::<i64>().ok());
            if last.is_some_and(|l| now - l < FORCE_REFRESH_INTERVAL_SECS) {
                return Ok(false);
            }
            t.put(&key, now.to_string().as_bytes())?;
            Ok(true)
        })
}

pub(super) fn check_token(sb: &Sandbox, req: &Request) -> Result<Option<Resp>, StoreError> {
    match sb.take_oa_fault() {
        Some(super::OaFault::TokenRejected) => {
            return Ok(Some(errcode(
                40001,
                "invalid credential, access_token is invalid or not latest",
            )));
        }
        Some(super::OaFault::IpNotWhitelisted { ip }) => return Ok(Some(whitelist_errcode(&ip))),
        None => {}
    }
    let tok = req
        .query_map()
        .get("access_token")
        .cloned()
        .unwrap_or_default();
    let Some(b) = sb.inner.store.sandbox_get(&format!("token/{tok}"))? else {
        return Ok(Some(errcode(
            40001,
            "invalid credential, access_token is invalid or not latest",
        )));
    };
    let rec: Token = dec(&b)?;
    if rec.expires_at <= sb.inner.clock.unix() {
        return Ok(Some(errcode(42001, "access_token expired")));
    }
    Ok(None)
}

/// `POST /cgi-bin/message/template/send`.
pub async fn template_send(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    if let Some(e) = check_token(sb, req)? {
        return Ok(e);
    }
    let b: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(_) => return Ok(errcode(47001, "data format error")),
    };
    let touser = b["touser"].as_str().unwrap_or("").to_string();
    let appid = sb.inner.keys.manifest.appid.clone();
    let all = personas(sb)?;
    let Some(persona) = all.iter().find(|p| openid(&appid, &p.name) == touser) else {
        return Ok(errcode(40003, "invalid openid"));
    };
    if persona.not_following {
        // Template messages reach followers only.
        return Ok(errcode(
            43004,
            "require subscribe rid: 6571d2c1-0a1b2c3d-4e5f6a7b",
        ));
    }
    if b["template_id"].as_str().unwrap_or("").is_empty() {
        return Ok(errcode(40037, "invalid template_id"));
    }
    if !b["data"].is_object() {
        return Ok(errcode(47003, "argument invalid! data is empty"));
    }
    let msgid = record_message(sb, "template", Some(touser), b)?;
    Ok(json(
        StatusCode::OK,
        &j!({ "errcode": 0, "errmsg": "ok", "msgid": msgid }),
    ))
}

/// `POST /cgi-bin/menu/create`.
pub async fn menu_create(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    if let Some(e) = check_token(sb, req)? {
        return Ok(e);
    }
    let b: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(_) => return Ok(errcode(47001, "data format error")),
    };
    let buttons = b["button"].as_array().map(Vec::len).unwrap_or(0);
    if !(1..=3).contains(&buttons) {
        return Ok(errcode(40016, "invalid button size"));
    }
    record_message(sb, "menu", None, b)?;
    Ok(errcode(0, "ok"))
}

/// WeChat's answer to a caller whose IP is not whitelisted (the shape merchants report).
fn whitelist_errcode(ip: &str) -> Resp {
    errcode(
        40164,
        &format!(
            "invalid ip {ip} ipv6 ::ffff:{ip}, not in whitelist rid: 6571d2c1-1c2d3e4f-5a6b7c8d"
        ),
    )
}

/// The whitelist fault, when set: token calls are refused too.
fn whitelist_refusal(sb: &Sandbox) -> Option<Resp> {
    sb.whitelist_fault().map(|ip| whitelist_errcode(&ip))
}

impl Sandbox {
    /// Makes a persona follow the Official Account or not (a non-follower's template
    /// messages are refused with 43004); whether the persona exists.
    pub fn set_following(&self, persona: &str, following: bool) -> Result<bool, StoreError> {
        super::oauth::set_following(self, persona, following)
    }
}

/// `POST /sandbox/phone/follow` (`follow=1` or `0`): the phone's persona follows the
/// Official Account or stops following it.
pub async fn follow_toggle(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
    if !super::phone::same_origin(req) {
        return Ok(super::respond(
            StatusCode::FORBIDDEN,
            "text/plain; charset=utf-8",
            "cross-site request refused",
        ));
    }
    let Some(name) = super::oauth::cookie_persona(req) else {
        return Ok(super::redirect("/sandbox/phone"));
    };
    let follow = req.form().get("follow").map(String::as_str) == Some("1");
    let sb2 = sb.clone();
    super::blocking(move || sb2.set_following(&name, follow)).await?;
    Ok(super::redirect("/sandbox/phone"))
}

/// The phone page's toggle: follow the shop's Official Account or stop following it.
pub(super) fn follow_form(lang: crate::text::Lang, p: &super::oauth::Persona) -> maud::Markup {
    let t = lang.platform();
    let (label, value) = if p.not_following {
        (t.sb_follow, "1")
    } else {
        (t.sb_unfollow, "0")
    };
    maud::html! {
        form.sb-me #follow method="post" action="/sandbox/phone/follow" data-following=(!p.not_following) {
            span.sb-mute { (if p.not_following { t.sb_not_following } else { t.sb_following }) }
            input type="hidden" name="follow" value=(value);
            button type="submit" { (label) }
        }
    }
}
