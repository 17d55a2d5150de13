//! Shopper sessions: a random id in an `HttpOnly`, `SameSite=Lax` cookie (plus `Secure`
//! over https); the session itself (cart, entry channel) lives in the store, so it
//! survives restarts.

use super::http::{Resp, cookie};
use crate::app::random_token;
use hyper::HeaderMap;
use hyper::header::{HeaderValue, SET_COOKIE};

pub const COOKIE: &str = "puzi_sid";
const MAX_AGE_SECS: u64 = 30 * 24 * 3600;

/// The session id of a request, and whether it was just minted (so the cookie must be set).
#[derive(Clone, Debug)]
pub struct Sid {
    pub id: String,
    pub fresh: bool,
}

impl Sid {
    pub fn from_headers(headers: &HeaderMap) -> Sid {
        match cookie(headers, COOKIE) {
            Some(v) if is_valid(v) => Sid {
                id: v.to_string(),
                fresh: false,
            },
            _ => Sid {
                id: random_token::<32>(),
                fresh: true,
            },
        }
    }

    /// Adds the `Set-Cookie` header when the id is new.
    pub fn apply(&self, resp: &mut Resp, secure: bool) {
        if !self.fresh {
            return;
        }
        let v = format!(
            "{COOKIE}={}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax{}",
            self.id,
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
}

/// 64 lowercase hex characters, as minted by `random_token::<32>`.
fn is_valid(v: &str) -> bool {
    v.len() == 64
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
