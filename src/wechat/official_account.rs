//! The merchant's Official Account: the API access token (through `stable_token`, cached
//! until shortly before expiry and shared by all callers, one refresh at a time; when
//! WeChat rejects it, replaced with `force_refresh` — at most once per 30 s, WeChat's limit —
//! and the call tried once more), template messages and the custom menu.

use crate::clock::Clock;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// A token is renewed this long before WeChat says it expires.
pub const RENEW_BEFORE_SECS: i64 = 300;
/// WeChat allows a `force_refresh` at most once per 30 s (and 20 times a day).
pub const FORCE_REFRESH_MIN_INTERVAL_SECS: i64 = 30;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OaError {
    #[error("WeChat error {errcode}: {errmsg}")]
    Api { errcode: i64, errmsg: String },
    #[error("cannot reach WeChat: {0}")]
    Transport(String),
    #[error("unexpected answer: {0}")]
    Decode(String),
    #[error("{0}")]
    Invalid(String),
}

impl OaError {
    /// WeChat refused a template message because the shopper does not follow the account
    /// (43004, "require subscribe"): final, retrying never helps.
    pub fn not_follower(&self) -> bool {
        matches!(self, OaError::Api { errcode: 43004, .. })
    }

    /// WeChat refused the call because the server's IP is not whitelisted (40164).
    pub fn whitelist_refused(&self) -> bool {
        matches!(self, OaError::Api { errcode: 40164, .. })
    }

    /// The outgoing IP WeChat saw, from a 40164 answer (`invalid ip 1.2.3.4 ipv6 ::ffff:…,
    /// not in whitelist`).
    pub fn whitelist_ip(&self) -> Option<String> {
        match self {
            OaError::Api {
                errcode: 40164,
                errmsg,
            } => parse_invalid_ip(errmsg),
            _ => None,
        }
    }

    /// The access token was rejected (expired or replaced): renew and try once more.
    pub(super) fn token_rejected(&self) -> bool {
        matches!(
            self,
            OaError::Api {
                errcode: 40001 | 40014 | 42001,
                ..
            }
        )
    }
}

/// The IP address after `invalid ip` in WeChat's 40164 errmsg, if it parses as one.
pub fn parse_invalid_ip(errmsg: &str) -> Option<String> {
    let rest = &errmsg[errmsg.find("invalid ip")? + "invalid ip".len()..];
    let word = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())?;
    word.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TemplateValue {
    pub value: String,
}

/// A template message (`POST /cgi-bin/message/template/send`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TemplateMessage {
    pub touser: String,
    pub template_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// De-duplicates retries on WeChat's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    pub data: std::collections::BTreeMap<String, TemplateValue>,
}

/// A custom-menu button (`view` buttons open a URL).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MenuButton {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_button: Vec<MenuButton>,
}

/// Checks WeChat's menu limits: 1–3 buttons, 1–5 sub-buttons, name and URL lengths.
pub fn validate_menu(buttons: &[MenuButton]) -> Result<(), OaError> {
    let bad = |m: String| Err(OaError::Invalid(m));
    if buttons.is_empty() || buttons.len() > 3 {
        return bad("a menu has 1–3 buttons".into());
    }
    for b in buttons {
        if b.name.is_empty() || b.name.len() > 16 {
            return bad(format!("button name {:?} must be 1–16 bytes", b.name));
        }
        if b.sub_button.len() > 5 {
            return bad(format!("button {:?} has more than 5 sub-buttons", b.name));
        }
        for s in &b.sub_button {
            if s.name.is_empty() || s.name.len() > 40 {
                return bad(format!("sub-button name {:?} must be 1–40 bytes", s.name));
            }
        }
        for u in std::iter::once(b)
            .chain(&b.sub_button)
            .filter_map(|x| x.url.as_ref())
        {
            if u.len() > 256 || !(u.starts_with("https://") || u.starts_with("http://")) {
                return bad(format!(
                    "menu URL {u:?} must be an http(s) URL of at most 256 bytes"
                ));
            }
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    msgid: Option<i64>,
}

#[derive(Debug)]
struct Cached {
    token: String,
    renew_at: i64,
}

#[derive(Debug, Default)]
struct TokenState {
    cached: Option<Cached>,
    /// When this client last asked for `force_refresh`.
    last_forced: Option<i64>,
}

#[derive(Clone)]
pub struct OfficialAccount {
    pub(super) sns_base: String,
    pub(super) appid: String,
    secret: crate::secret::Secret,
    pub(super) http: reqwest::Client,
    pub(super) clock: Clock,
    token: Arc<Mutex<TokenState>>,
    /// The cached `jsapi_ticket` (see `jssdk`).
    pub(super) ticket: Arc<Mutex<Option<super::jssdk::CachedTicket>>>,
}

impl std::fmt::Debug for OfficialAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficialAccount")
            .field("appid", &self.appid)
            .finish()
    }
}

impl OfficialAccount {
    pub fn new(
        sns_base: &str,
        appid: &str,
        secret: crate::secret::Secret,
        clock: Clock,
    ) -> OfficialAccount {
        OfficialAccount {
            sns_base: sns_base.trim_end_matches('/').to_string(),
            appid: appid.to_string(),
            secret,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client builds"),
            clock,
            token: Arc::new(Mutex::new(TokenState::default())),
            ticket: Arc::new(Mutex::new(None)),
        }
    }

    /// Replaces the HTTP client (see `PayClient::with_http`).
    pub fn with_http(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    async fn post(&self, url: String, body: &serde_json::Value) -> Result<Answer, OaError> {
        let r = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| OaError::Transport(e.without_url().to_string()))?;
        let a: Answer = r
            .json()
            .await
            .map_err(|e| OaError::Decode(e.without_url().to_string()))?;
        if let Some(code) = a.errcode.filter(|c| *c != 0) {
            return Err(OaError::Api {
                errcode: code,
                errmsg: a.errmsg.clone().unwrap_or_default(),
            });
        }
        Ok(a)
    }

    /// The current access token. Callers share one cached token; while it is renewed the
    /// others wait for the same answer instead of asking WeChat themselves.
    pub async fn access_token(&self) -> Result<String, OaError> {
        let mut guard = self.token.lock().await;
        let now = self.clock.unix();
        if let Some(c) = guard.cached.as_ref()
            && now < c.renew_at
        {
            return Ok(c.token.clone());
        }
        self.fetch_token(&mut guard, false).await
    }

    /// Asks `stable_token` for a token and caches it. `force`: a new one, replacing the
    /// current one (in normal mode WeChat hands back the same token while it lives, even
    /// one it has just refused).
    async fn fetch_token(&self, state: &mut TokenState, force: bool) -> Result<String, OaError> {
        let now = self.clock.unix();
        let body = serde_json::json!({
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret.expose(),
            "force_refresh": force,
        });
        if force {
            state.last_forced = Some(now);
        }
        let a = self
            .post(format!("{}/cgi-bin/stable_token", self.sns_base), &body)
            .await?;
        let token = a
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OaError::Decode("no access_token".into()))?;
        let expires = a.expires_in.unwrap_or(7200);
        state.cached = Some(Cached {
            token: token.clone(),
            renew_at: now + (expires - RENEW_BEFORE_SECS).max(expires / 2),
        });
        Ok(token)
    }

    /// A token to replace `rejected`, which WeChat refused: the cached one when another
    /// caller has replaced it already, else a forced refresh. `None` when a forced refresh
    /// happened less than 30 s ago (WeChat would refuse another): the caller gives up and
    /// retries later.
    pub(super) async fn replace_token(&self, rejected: &str) -> Result<Option<String>, OaError> {
        let mut guard = self.token.lock().await;
        let now = self.clock.unix();
        if let Some(c) = guard.cached.as_ref()
            && c.token != rejected
            && now < c.renew_at
        {
            return Ok(Some(c.token.clone()));
        }
        guard.cached = None;
        if guard
            .last_forced
            .is_some_and(|t| now - t < FORCE_REFRESH_MIN_INTERVAL_SECS)
        {
            return Ok(None);
        }
        self.fetch_token(&mut guard, true).await.map(Some)
    }

    async fn with_token(&self, path: &str, body: &serde_json::Value) -> Result<Answer, OaError> {
        let token = self.access_token().await?;
        let url = |token: &str| format!("{}{path}?access_token={token}", self.sns_base);
        match self.post(url(&token), body).await {
            Err(e) if e.token_rejected() => {
                tracing::info!(error = %e, "access token rejected; replacing it");
                match self.replace_token(&token).await? {
                    Some(fresh) => self.post(url(&fresh), body).await,
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// One live token call (not served from the cache), to learn whether WeChat answers at
    /// all — a 40164 here means the server's IP is not whitelisted.
    pub async fn check_token(&self) -> Result<(), OaError> {
        let mut guard = self.token.lock().await;
        self.fetch_token(&mut guard, false).await.map(|_| ())
    }

    /// Sends a template message; returns WeChat's msgid.
    pub async fn send_template(&self, msg: &TemplateMessage) -> Result<i64, OaError> {
        let body = serde_json::to_value(msg).map_err(|e| OaError::Invalid(e.to_string()))?;
        let a = self
            .with_token("/cgi-bin/message/template/send", &body)
            .await?;
        Ok(a.msgid.unwrap_or(0))
    }

    /// Installs the custom menu.
    pub async fn create_menu(&self, buttons: &[MenuButton]) -> Result<(), OaError> {
        validate_menu(buttons)?;
        let body = serde_json::json!({ "button": buttons });
        self.with_token("/cgi-bin/menu/create", &body).await?;
        Ok(())
    }
}

#[cfg(test)]
mod platform_tests {
    use super::*;

    #[test]
    fn the_ip_is_read_from_a_40164_errmsg() {
        let e = OaError::Api {
            errcode: 40164,
            errmsg: "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1"
                .into(),
        };
        assert_eq!(e.whitelist_ip().as_deref(), Some("203.0.113.7"));
        assert_eq!(parse_invalid_ip("invalid ip, not in whitelist"), None);
        assert!(!e.not_follower());
    }
}
