//! The owner's account: one-time setup links, argon2id passwords, back-office sessions
//! with an idle timeout and a CSRF token, and login rate limits per client address and per
//! account. There are no default credentials: the first owner is created through a link
//! puzi prints at start-up or on `puzi admin setup-link`.

use crate::store::{AdminSession, Owner, SetupToken, Store, StoreError};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::collections::HashMap;
use std::sync::Mutex;

/// Setup links expire after a day.
pub const SETUP_TTL_SECS: i64 = 24 * 3600;
/// An admin session ends after this long without a request…
pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
/// …and after this long in any case.
pub const MAX_SESSION_SECS: i64 = 12 * 3600;
/// Failed logins allowed per window, per address and per account.
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn sha256_hex(s: &str) -> String {
    crate::random::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes()).as_ref())
}

/// argon2id with its default parameters and a random salt. ~30 ms: call it off the async threads.
pub fn hash_password(password: &str) -> String {
    let salt: [u8; 16] = crate::random::random_bytes();
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .expect("argon2 with valid parameters")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    !hash.is_empty()
        && Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
}

/// Comparison whose time does not depend on where the strings differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Issues a new setup link token (replacing any earlier one). `reset`: for an existing owner.
pub fn issue_setup_token(store: &Store, now: i64, reset: bool) -> Result<String, StoreError> {
    let token = crate::random::random_token::<24>();
    store.put_setup_token(&SetupToken {
        token_sha256: sha256_hex(&token),
        expires_at: now + SETUP_TTL_SECS,
        reset,
    })?;
    if reset && let Some(mut o) = store.owner()? {
        // The old password stops working at once.
        o.password_hash = String::new();
        store.put_owner(&o)?;
    }
    Ok(token)
}

/// A fresh setup link when there is no owner yet (first start).
pub fn first_start_link(
    store: &Store,
    base_url: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    if store.owner()?.is_some() {
        return Ok(None);
    }
    let token = issue_setup_token(store, now, false)?;
    Ok(Some(format!("{base_url}/admin/setup/{token}")))
}

/// A setup link now: for the first owner, or to reset the owner's password.
pub fn setup_link(
    store: &Store,
    base_url: &str,
    now: i64,
    reset: bool,
) -> Result<String, StoreError> {
    let reset = reset && store.owner()?.is_some();
    let token = issue_setup_token(store, now, reset)?;
    Ok(format!("{base_url}/admin/setup/{token}"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupProblem {
    LinkInvalid,
    Username,
    PasswordTooShort,
    PasswordsDiffer,
}

/// Validates the setup form and creates (or resets) the owner. Blocking (argon2).
pub fn complete_setup(
    store: &Store,
    token: &str,
    username: &str,
    password: &str,
    confirm: &str,
    now: i64,
) -> Result<Result<Owner, SetupProblem>, StoreError> {
    let Some(st) = store.setup_token()? else {
        return Ok(Err(SetupProblem::LinkInvalid));
    };
    if !constant_time_eq(&st.token_sha256, &sha256_hex(token)) || now >= st.expires_at {
        return Ok(Err(SetupProblem::LinkInvalid));
    }
    let existing = store.owner()?;
    let username = match (&existing, st.reset) {
        (Some(o), true) => o.username.clone(),
        _ => username.trim().to_string(),
    };
    let valid_name = (3..=32).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if !valid_name {
        return Ok(Err(SetupProblem::Username));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Ok(Err(SetupProblem::PasswordTooShort));
    }
    if password != confirm {
        return Ok(Err(SetupProblem::PasswordsDiffer));
    }
    let owner = Owner {
        username,
        password_hash: hash_password(password),
        created_at: existing.as_ref().map(|o| o.created_at).unwrap_or(now),
    };
    if store.complete_setup(&st.token_sha256, now, &owner)? {
        Ok(Ok(owner))
    } else {
        Ok(Err(SetupProblem::LinkInvalid))
    }
}

/// Starts an admin session; returns its token.
pub fn start_session(store: &Store, username: &str, now: i64) -> Result<String, StoreError> {
    let token = crate::random::random_token::<32>();
    store.put_admin_session(
        &token,
        &AdminSession {
            username: username.to_string(),
            csrf: crate::random::random_token::<16>(),
            created_at: now,
            last_seen: now,
        },
    )?;
    Ok(token)
}

/// The live session for a token (touching it at most once a minute), or none when it is
/// unknown, idle too long or too old.
pub fn session(store: &Store, token: &str, now: i64) -> Result<Option<AdminSession>, StoreError> {
    let Some(mut s) = store.admin_session(token)? else {
        return Ok(None);
    };
    if now - s.last_seen >= IDLE_TIMEOUT_SECS || now - s.created_at >= MAX_SESSION_SECS {
        store.remove_admin_session(token)?;
        return Ok(None);
    }
    if now - s.last_seen >= 60 {
        s.last_seen = now;
        store.put_admin_session(token, &s)?;
    }
    Ok(Some(s))
}

/// Failed-login counters per client address and per account, in memory.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    fn recent(&self, key: &str, now: i64) -> usize {
        let mut m = self.failures.lock().expect("limiter lock");
        let v = m.entry(key.to_string()).or_default();
        v.retain(|t| now - t < FAILURE_WINDOW_SECS);
        v.len()
    }

    /// Whether another attempt from `addr` for `user` may be tried now.
    pub fn allowed(&self, addr: &str, user: &str, now: i64) -> bool {
        self.recent(&format!("ip:{addr}"), now) < MAX_FAILURES
            && self.recent(&format!("user:{}", user.to_lowercase()), now) < MAX_FAILURES
    }

    pub fn failed(&self, addr: &str, user: &str, now: i64) {
        let mut m = self.failures.lock().expect("limiter lock");
        m.entry(format!("ip:{addr}")).or_default().push(now);
        m.entry(format!("user:{}", user.to_lowercase()))
            .or_default()
            .push(now);
    }

    pub fn succeeded(&self, user: &str) {
        let mut m = self.failures.lock().expect("limiter lock");
        m.remove(&format!("user:{}", user.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("anything", ""));
    }

    #[test]
    fn limiter_counts_per_address_and_account() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(l.allowed("1.2.3.4", "boss", 0));
            l.failed("1.2.3.4", "boss", 0);
        }
        assert!(!l.allowed("1.2.3.4", "other", 1), "per address");
        assert!(!l.allowed("5.6.7.8", "BOSS", 1), "per account");
        assert!(l.allowed("5.6.7.8", "other", 1));
        assert!(
            l.allowed("1.2.3.4", "boss", FAILURE_WINDOW_SECS),
            "the window passes"
        );
    }
}
