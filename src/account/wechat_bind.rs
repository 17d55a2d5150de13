//! Binding a member's WeChat to the owner's phone: a one-time bind link (ten minutes; the
//! store keeps only its SHA-256, so the QR code is shown once) and its use, which stores the
//! openid WeChat's OAuth gave on the member who made the link.

use super::sha256_hex;
use crate::store::{BindLink, BindRefusal, Store, StoreError, WechatBinding};

/// A bind link works for ten minutes.
pub const BIND_TTL_SECS: i64 = 600;

/// A new one-time bind link for `username`: the URL to put in the QR code and when it
/// expires.
pub fn bind_link(
    store: &Store,
    base_url: &str,
    username: &str,
    now: i64,
) -> Result<(String, i64), StoreError> {
    let token = crate::random::random_token::<24>();
    let link = BindLink {
        token_sha256: sha256_hex(&token),
        username: username.to_string(),
        expires_at: now + BIND_TTL_SECS,
    };
    store.put_bind_link(&link)?;
    Ok((format!("{base_url}/admin/bind/{token}"), link.expires_at))
}

/// Whether a bind link still works, without using it.
pub fn check(store: &Store, token: &str, now: i64) -> Result<Result<(), BindRefusal>, StoreError> {
    Ok(store.bind_link(&sha256_hex(token), now)?.map(|_| ()))
}

/// Uses a bind link (once) for `openid`; the audit log names it masked.
pub fn bind(
    store: &Store,
    token: &str,
    openid: &str,
    now: i64,
) -> Result<Result<WechatBinding, BindRefusal>, StoreError> {
    store.bind_wechat(&sha256_hex(token), openid, &masked(openid), now)
}

/// The short form of an openid the back office shows: never the whole of it.
pub fn masked(openid: &str) -> String {
    let chars: Vec<char> = openid.chars().collect();
    if chars.len() <= 8 {
        return "****".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}
