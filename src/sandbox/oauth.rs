//! The sandbox's Official Account side: the OAuth authorize page (pick or create a shopper
//! persona, approve), code exchange with five-minute single-use codes, `token` and
//! `stable_token`, and template messages and menus, which are recorded for the phone page.

use super::{Request, Resp, Sandbox, dec, enc, html, json, redirect};
use crate::store::StoreError;
use base64::Engine;
use hyper::StatusCode;
use maud::html as m;
use serde::{Deserialize, Serialize};
use serde_json::json as j;

pub const CODE_TTL_SECS: i64 = 300;
pub const TOKEN_TTL_SECS: i64 = 7200;
const PERSONA_COOKIE: &str = "sandbox_persona";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Code {
    appid: String,
    openid: String,
    created_at: i64,
    used: bool,
}

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

/// The openid a persona has under an appid: deterministic, 28 characters like WeChat's.
pub fn openid(appid: &str, persona: &str) -> String {
    let h = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{appid}/{persona}").as_bytes(),
    );
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.as_ref());
    format!("o{}", &b[..27])
}

pub fn personas(sb: &Sandbox) -> Result<Vec<Persona>, StoreError> {
    sb.inner
        .store
        .sandbox_scan("persona/")?
        .into_iter()
        .map(|(_, b)| dec(&b))
        .collect()
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
            let key = "seq/msg";
            let n = t
                .get(key)?
                .and_then(|b| {
                    std::str::from_utf8(&b)
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                })
                .unwrap_or(0)
                + 1;
            t.put(key, n.to_string().as_bytes())?;
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

fn cookie_persona(req: &Request) -> Option<String> {
    req.headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == PERSONA_COOKIE)
        .and_then(|(_, v)| {
            form_urlencoded::parse(format!("p={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
}

fn valid_persona(name: &str) -> bool {
    let n = name.chars().count();
    (1..=20).contains(&n) && !name.chars().any(|c| c.is_control() || c == '/')
}

fn with_code(redirect_uri: &str, code: &str, state: &str) -> String {
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!(
        "{redirect_uri}{sep}code={}&state={}",
        form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>(),
        form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
    )
}

fn issue_code(sb: &Sandbox, appid: &str, persona: &str) -> Result<String, StoreError> {
    let code = crate::id::random_token::<16>();
    let now = sb.inner.clock.unix();
    let rec = Code {
        appid: appid.into(),
        openid: openid(appid, persona),
        created_at: now,
        used: false,
    };
    let p = Persona {
        name: persona.into(),
        created_at: now,
    };
    sb.inner
        .store
        .sandbox_write(|t| -> Result<(), StoreError> {
            if t.get(&format!("persona/{persona}"))?.is_none() {
                t.put(&format!("persona/{persona}"), &enc(&p))?;
            }
            t.put(&format!("code/{code}"), &enc(&rec))
        })?;
    Ok(code)
}

/// `GET /connect/oauth2/authorize`: the persona picker (or, for a browser that already
/// picked one, WeChat's silent `snsapi_base` redirect).
pub async fn authorize_page(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    let q = req.query_map();
    let appid = q.get("appid").cloned().unwrap_or_default();
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    if appid != sb.inner.keys.manifest.appid {
        return Ok(error_page("10003", "appid 无效或未绑定 (invalid appid)"));
    }
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return Ok(error_page("10011", "redirect_uri 参数错误"));
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return Ok(error_page("10010", "response_type 须为 code"));
    }
    let force = q.get("forcePopup").map(String::as_str) == Some("true");
    if !force
        && let Some(p) = cookie_persona(req)
        && valid_persona(&p)
    {
        let code = issue_code(sb, &appid, &p)?;
        return Ok(redirect(&with_code(&redirect_uri, &code, &state)));
    }
    let people = personas(sb)?;
    let form = |name: Option<&str>| {
        m! {
            input type="hidden" name="appid" value=(appid);
            input type="hidden" name="redirect_uri" value=(redirect_uri);
            input type="hidden" name="state" value=(state);
            @if let Some(n) = name { input type="hidden" name="persona" value=(n); }
        }
    };
    Ok(html(m! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "微信授权（沙箱）" }
                link rel="stylesheet" href="/sandbox/sheet.css";
            }
            body.sb-page {
                div.sb-card {
                    h1 { "微信授权 · 沙箱" }
                    p.sb-mute { "选择一位模拟顾客，以其身份授权进入商户网页（snsapi_base，仅获取 openid）。" }
                    @for p in &people {
                        form method="post" action="/sandbox/connect/oauth2/approve" {
                            (form(Some(&p.name)))
                            button.sb-persona type="submit" data-persona=(p.name) { (p.name) span.sb-mute { " · " (openid(&appid, &p.name)) } }
                        }
                    }
                    form.sb-new method="post" action="/sandbox/connect/oauth2/approve" {
                        (form(None))
                        label for="persona" { "新顾客名称" }
                        input #persona name="persona" maxlength="20" required placeholder="例如：小王";
                        button.sb-primary type="submit" { "创建并授权" }
                    }
                }
            }
        }
    }))
}

fn error_page(code: &str, msg: &str) -> Resp {
    let mut r = html(m! {
        (maud::DOCTYPE)
        html lang="zh-CN" { head { meta charset="utf-8"; title { "授权错误" } link rel="stylesheet" href="/sandbox/sheet.css"; }
        body.sb-page { div.sb-card { h1 { "错误 " (code) } p { (msg) } } } }
    });
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// `POST /connect/oauth2/approve`: the visitor approved as a persona.
pub async fn approve(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    let f = req.form();
    let appid = f.get("appid").cloned().unwrap_or_default();
    let redirect_uri = f.get("redirect_uri").cloned().unwrap_or_default();
    let state = f.get("state").cloned().unwrap_or_default();
    let persona = f
        .get("persona")
        .map(|p| p.trim().to_string())
        .unwrap_or_default();
    if appid != sb.inner.keys.manifest.appid {
        return Ok(error_page("10003", "appid 无效"));
    }
    if !valid_persona(&persona) {
        return Ok(error_page("10013", "顾客名称须为 1–20 个字符"));
    }
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return Ok(error_page("10011", "redirect_uri 参数错误"));
    }
    let code = issue_code(sb, &appid, &persona)?;
    let mut r = redirect(&with_code(&redirect_uri, &code, &state));
    let cookie = format!(
        "{PERSONA_COOKIE}={}; Path=/sandbox; Max-Age=31536000; HttpOnly; SameSite=Lax",
        form_urlencoded::byte_serialize(persona.as_bytes()).collect::<String>()
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(&cookie) {
        r.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
    Ok(r)
}

fn errcode(code: i64, msg: &str) -> Resp {
    json(StatusCode::OK, &j!({ "errcode": code, "errmsg": msg }))
}

fn check_app(sb: &Sandbox, appid: &str, secret: &str) -> Option<Resp> {
    let m = &sb.inner.keys.manifest;
    if appid != m.appid {
        return Some(errcode(40013, "invalid appid"));
    }
    if secret != m.app_secret {
        return Some(errcode(40125, "invalid appsecret"));
    }
    None
}

/// `GET /sns/oauth2/access_token`: code → openid.
pub async fn exchange(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    let q = req.query_map();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if let Some(e) = check_app(sb, &get("appid"), &get("secret")) {
        return Ok(e);
    }
    if get("grant_type") != "authorization_code" {
        return Ok(errcode(40002, "invalid grant_type"));
    }
    let code = get("code");
    let now = sb.inner.clock.unix();
    let appid = get("appid");
    let r = sb.inner.store.sandbox_write(
        |t| -> Result<Result<String, (i64, &'static str)>, StoreError> {
            let key = format!("code/{code}");
            let Some(b) = t.get(&key)? else {
                return Ok(Err((40029, "invalid code")));
            };
            let mut c: Code = dec(&b)?;
            if c.used {
                return Ok(Err((40163, "code been used")));
            }
            if now - c.created_at >= CODE_TTL_SECS || c.appid != appid {
                return Ok(Err((40029, "invalid code")));
            }
            c.used = true;
            t.put(&key, &enc(&c))?;
            Ok(Ok(c.openid))
        },
    )?;
    Ok(match r {
        Ok(openid) => json(
            StatusCode::OK,
            &j!({
                "access_token": crate::id::random_token::<24>(),
                "expires_in": 7200,
                "refresh_token": crate::id::random_token::<24>(),
                "openid": openid,
                "scope": "snsapi_base",
            }),
        ),
        Err((c, m)) => errcode(c, m),
    })
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
            let tok = crate::id::random_token::<32>();
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

/// `GET /cgi-bin/token`.
pub async fn token(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    let q = req.query_map();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
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
pub async fn stable_token(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    if s("grant_type") != "client_credential" {
        return Ok(errcode(40002, "invalid grant_type"));
    }
    if let Some(e) = check_app(sb, &s("appid"), &s("secret")) {
        return Ok(e);
    }
    let force = b["force_refresh"].as_bool().unwrap_or(false);
    let (tok, ttl) = issue_token(sb, &s("appid"), true, force)?;
    Ok(json(
        StatusCode::OK,
        &j!({ "access_token": tok, "expires_in": ttl }),
    ))
}

fn check_token(sb: &Sandbox, req: &Request) -> Result<Option<Resp>, StoreError> {
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
pub async fn template_send(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
    if let Some(e) = check_token(sb, req)? {
        return Ok(e);
    }
    let b: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(_) => return Ok(errcode(47001, "data format error")),
    };
    let touser = b["touser"].as_str().unwrap_or("").to_string();
    let appid = sb.inner.keys.manifest.appid.clone();
    let known = personas(sb)?
        .iter()
        .any(|p| openid(&appid, &p.name) == touser);
    if !known {
        return Ok(errcode(40003, "invalid openid"));
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
pub async fn menu_create(sb: &Sandbox, req: &Request) -> Result<Resp, StoreError> {
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
