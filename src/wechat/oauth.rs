//! Official Account web authorization (OAuth 2, `snsapi_base`): the authorize URL that
//! sends a shopper through WeChat silently, and the code → openid exchange.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OAuthError {
    /// 40029: the code is invalid or expired (codes live five minutes).
    #[error("the authorization code is invalid or expired")]
    InvalidCode,
    /// 40163: the code was already used (e.g. a reload re-submitted it).
    #[error("the authorization code was already used")]
    CodeUsed,
    /// 40013 / 40125 / 40001: the appid or secret is wrong.
    #[error("WeChat refused the appid or app secret ({0})")]
    Credentials(i64),
    #[error("WeChat error {errcode}: {errmsg}")]
    Other { errcode: i64, errmsg: String },
    #[error("cannot reach WeChat: {0}")]
    Transport(String),
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl OAuthError {
    pub fn from_errcode(errcode: i64, errmsg: String) -> OAuthError {
        match errcode {
            40029 => OAuthError::InvalidCode,
            40163 => OAuthError::CodeUsed,
            40013 | 40125 | 40001 => OAuthError::Credentials(errcode),
            _ => OAuthError::Other { errcode, errmsg },
        }
    }
}

/// What the code exchange yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub openid: String,
    pub scope: String,
    /// A "snapshot page" virtual user: treat as not signed in.
    pub is_snapshot_user: bool,
}

#[derive(Debug, Clone)]
pub struct OAuthClient {
    oauth_base: String,
    sns_base: String,
    appid: String,
    secret: crate::secret::Secret,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    openid: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    is_snapshotuser: Option<i64>,
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl OAuthClient {
    pub fn new(
        oauth_base: &str,
        sns_base: &str,
        appid: &str,
        secret: crate::secret::Secret,
    ) -> OAuthClient {
        OAuthClient {
            oauth_base: oauth_base.trim_end_matches('/').to_string(),
            sns_base: sns_base.trim_end_matches('/').to_string(),
            appid: appid.to_string(),
            secret,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client builds"),
        }
    }

    /// Replaces the HTTP client (see `PayClient::with_http`).
    pub fn with_http(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// `…/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect`.
    /// `state` must be `[A-Za-z0-9]`, at most 128 bytes.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        debug_assert!(state.len() <= 128 && state.bytes().all(|b| b.is_ascii_alphanumeric()));
        format!(
            "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope=snsapi_base&state={}#wechat_redirect",
            self.oauth_base,
            encode(&self.appid),
            encode(redirect_uri),
            state
        )
    }

    /// `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` → openid.
    pub async fn exchange(&self, code: &str) -> Result<Grant, OAuthError> {
        if code.is_empty() || code.len() > 512 {
            return Err(OAuthError::InvalidCode);
        }
        let url = format!(
            "{}/sns/oauth2/access_token?appid={}&secret={}&code={}&grant_type=authorization_code",
            self.sns_base,
            encode(&self.appid),
            encode(self.secret.expose()),
            encode(code)
        );
        let send = || self.http.get(&url).send();
        let r = match send().await {
            Ok(r) => r,
            // A kept-alive connection the other end closed just as this request went out
            // fails it without an answer: once more, on a fresh connection. (A code WeChat
            // did take then answers "already used", as a reload's would.)
            Err(_) => send()
                .await
                .map_err(|e| OAuthError::Transport(e.without_url().to_string()))?,
        };
        let a: TokenAnswer = r
            .json()
            .await
            .map_err(|e| OAuthError::Decode(e.without_url().to_string()))?;
        if let Some(code) = a.errcode.filter(|c| *c != 0) {
            return Err(OAuthError::from_errcode(code, a.errmsg.unwrap_or_default()));
        }
        let openid = a
            .openid
            .filter(|o| !o.is_empty())
            .ok_or_else(|| OAuthError::Decode("no openid".into()))?;
        Ok(Grant {
            openid,
            scope: a.scope.unwrap_or_default(),
            is_snapshot_user: a.is_snapshotuser == Some(1),
        })
    }
}
