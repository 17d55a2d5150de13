//! The sandbox's WeChat OAuth for web pages: the authorize page (pick or create a shopper
//! persona, approve, or WeChat's silent `snsapi_base` redirect for a browser that already
//! picked one), five-minute single-use codes and their exchange for an openid, the
//! personas themselves and their deterministic openids, and the app id/secret check and
//! `errcode` answers the Official Account API shares. A browser that arrives with no
//! persona gets a generated one (a friendly name, changeable on `/sandbox/phone`), so
//! every phone at a booth is its own shopper; `forcePopup=true` shows the picker.
//! Personas and codes commit without a sync (`Store::sandbox_write_unsynced`): they play
//! WeChat's side of a sign-in, not the shop's money.

use super::{Request, Resp, Sandbox, SandboxError, dec, enc, html, json, redirect};
use crate::store::StoreError;
use base64::Engine;
use hyper::StatusCode;
use maud::html as m;
use serde::{Deserialize, Serialize};
use serde_json::json as j;

pub const CODE_TTL_SECS: i64 = 300;
const PERSONA_COOKIE: &str = "sandbox_persona";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persona {
    /// The persona's key: its openid derives from it, so it never changes.
    pub name: String,
    pub created_at: i64,
    /// The name the shopper chose on `/sandbox/phone`, shown instead of `name`.
    #[serde(default)]
    pub display: Option<String>,
    /// The persona does not follow the shop's Official Account: template messages to it
    /// are refused with 43004, as WeChat refuses them.
    #[serde(default)]
    pub not_following: bool,
}

impl Persona {
    /// The name to show.
    pub fn label(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Code {
    appid: String,
    openid: String,
    created_at: i64,
    used: bool,
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

/// The persona this browser picked (its cookie), if any.
pub(super) fn cookie_persona(req: &Request) -> Option<String> {
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

pub(super) fn valid_persona(name: &str) -> bool {
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
    let code = crate::random::random_token::<16>();
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
        display: None,
        not_following: false,
    };
    sb.inner
        .store
        .sandbox_write_unsynced(|t| -> Result<(), StoreError> {
            if t.get(&format!("persona/{persona}"))?.is_none() {
                t.put(&format!("persona/{persona}"), &enc(&p))?;
            }
            t.put(&format!("code/{code}"), &enc(&rec))
        })?;
    Ok(code)
}

/// `GET /connect/oauth2/authorize`: the persona picker (or, for a browser that already
/// picked one, WeChat's silent `snsapi_base` redirect).
pub async fn authorize_page(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
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
    if !force {
        // A browser with no persona yet becomes a new shopper with a generated name.
        let lang = sb.inner.settings.lang;
        let now = sb.inner.clock.unix();
        let name = sb
            .inner
            .store
            .sandbox_write_unsynced(|t| -> Result<String, StoreError> {
                loop {
                    let n = super::next_seq(t, "persona")?;
                    let name = lang.booth().persona_name(n - 1);
                    let key = format!("persona/{name}");
                    if t.get(&key)?.is_none() {
                        let p = Persona {
                            name: name.clone(),
                            created_at: now,
                            display: None,
                            not_following: false,
                        };
                        t.put(&key, &enc(&p))?;
                        return Ok(name);
                    }
                }
            })?;
        let code = issue_code(sb, &appid, &name)?;
        let mut r = redirect(&with_code(&redirect_uri, &code, &state));
        set_persona_cookie(&mut r, &name);
        return Ok(r);
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
pub async fn approve(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
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
    set_persona_cookie(&mut r, &persona);
    Ok(r)
}

fn set_persona_cookie(r: &mut Resp, persona: &str) {
    let cookie = format!(
        "{PERSONA_COOKIE}={}; Path=/sandbox; Max-Age=31536000; HttpOnly; SameSite=Lax",
        form_urlencoded::byte_serialize(persona.as_bytes()).collect::<String>()
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(&cookie) {
        r.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
}

/// A persona by its key.
pub fn persona(sb: &Sandbox, name: &str) -> Result<Option<Persona>, StoreError> {
    sb.inner
        .store
        .sandbox_get(&format!("persona/{name}"))?
        .map(|b| dec(&b))
        .transpose()
}

/// Sets the name a persona is shown by (its key and openid stay).
pub fn rename(sb: &Sandbox, name: &str, display: &str) -> Result<bool, StoreError> {
    let key = format!("persona/{name}");
    let display = display.to_string();
    sb.inner
        .store
        .sandbox_write(|t| -> Result<bool, StoreError> {
            let Some(b) = t.get(&key)? else {
                return Ok(false);
            };
            let mut p: Persona = dec(&b)?;
            p.display = Some(display);
            t.put(&key, &enc(&p))?;
            Ok(true)
        })
}

/// Makes a persona follow the Official Account or not; whether the persona exists.
pub fn set_following(sb: &Sandbox, name: &str, following: bool) -> Result<bool, StoreError> {
    let key = format!("persona/{name}");
    sb.inner
        .store
        .sandbox_write(|t| -> Result<bool, StoreError> {
            let Some(b) = t.get(&key)? else {
                return Ok(false);
            };
            let mut p: Persona = dec(&b)?;
            p.not_following = !following;
            t.put(&key, &enc(&p))?;
            Ok(true)
        })
}

pub(super) fn errcode(code: i64, msg: &str) -> Resp {
    json(StatusCode::OK, &j!({ "errcode": code, "errmsg": msg }))
}

pub(super) fn check_app(sb: &Sandbox, appid: &str, secret: &str) -> Option<Resp> {
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
pub async fn exchange(sb: &Sandbox, req: &Request) -> Result<Resp, SandboxError> {
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
    let r = sb.inner.store.sandbox_write_unsynced(
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
                "access_token": crate::random::random_token::<24>(),
                "expires_in": 7200,
                "refresh_token": crate::random::random_token::<24>(),
                "openid": openid,
                "scope": "snsapi_base",
            }),
        ),
        Err((c, m)) => errcode(c, m),
    })
}
