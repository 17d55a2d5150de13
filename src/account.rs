//! The owner's account: one-time setup links, argon2id passwords, back-office sessions
//! with an idle timeout and a CSRF token (the store keeps only the SHA-256 of a session
//! token; the cookie holds the token), and login limits per client address and per account
//! that slow attempts down rather than lock the owner out. There are no default
//! credentials: the first owner is created through a link puzi prints at start-up or on
//! `puzi admin setup-link`; `reset-password` disables the password and ends every session.
//! The owner invites staff with one-time links too; every request looks the member's role
//! up afresh, so a changed role applies at once and a revoked member's sessions end.

mod staff;
pub mod wechat_bind;
pub use staff::{INVITE_TTL_SECS, accept_invite, invite, live_invite};

use crate::audit::{Action, Entry, Role};
use crate::store::{AdminSession, Owner, SetupToken, Store, StoreError};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Setup links expire after a day.
pub const SETUP_TTL_SECS: i64 = 24 * 3600;
/// An admin session ends after this long without a request…
pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
/// …and after this long in any case.
pub const MAX_SESSION_SECS: i64 = 12 * 3600;
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
    let st = SetupToken {
        token_sha256: sha256_hex(&token),
        expires_at: now + SETUP_TTL_SECS,
        reset,
    };
    if reset {
        // The old password and every session stop working at once.
        store.begin_reset(&st)?;
    } else {
        store.put_setup_token(&st)?;
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
    /// An invitee chose a username the owner or another member has.
    NameTaken,
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
    if let Err(p) = check_credentials(&username, password, confirm) {
        return Ok(Err(p));
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

/// A username of 3–32 letters, digits or `._-@`, a password of at least
/// [`MIN_PASSWORD_CHARS`], typed the same twice.
pub(crate) fn check_credentials(
    username: &str,
    password: &str,
    confirm: &str,
) -> Result<(), SetupProblem> {
    let valid_name = (3..=32).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if !valid_name {
        return Err(SetupProblem::Username);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SetupProblem::PasswordTooShort);
    }
    if password != confirm {
        return Err(SetupProblem::PasswordsDiffer);
    }
    Ok(())
}

/// The role of `username`: the owner's, a member's, or none (unknown or revoked).
pub fn role_of(store: &Store, username: &str) -> Result<Option<Role>, StoreError> {
    if store
        .owner()?
        .is_some_and(|o| o.username == username && !o.password_hash.is_empty())
    {
        return Ok(Some(Role::Owner));
    }
    Ok(store.member(username)?.map(|m| m.role))
}

/// The account a login names, as stored (the member's username as they chose it), with
/// the password hash to check against: the owner's or a member's (none while a reset is
/// pending or for an unknown name).
pub fn login_account(
    store: &Store,
    username: &str,
) -> Result<Option<(String, String)>, StoreError> {
    if let Some(o) = store.owner()?
        && constant_time_eq(&o.username, username)
    {
        return Ok(Some((o.username, o.password_hash)).filter(|(_, h)| !h.is_empty()));
    }
    Ok(store
        .member(username)?
        .map(|m| (m.username, m.password_hash)))
}

/// Starts an admin session, recording the sign-in in the audit log in the same
/// transaction; returns its token.
pub fn start_session(store: &Store, username: &str, now: i64) -> Result<String, StoreError> {
    let token = crate::random::random_token::<32>();
    store.start_admin_session(
        &sha256_hex(&token),
        &AdminSession {
            username: username.to_string(),
            csrf: crate::random::random_token::<16>(),
            created_at: now,
            last_seen: now,
        },
        &Entry::new(now, username, Action::LoginSucceeded),
    )?;
    Ok(token)
}

/// The live session for a token with its member's role now (touching it at most once a
/// minute), or none when it is unknown, idle too long, too old, or its member is gone.
pub fn session(
    store: &Store,
    token: &str,
    now: i64,
) -> Result<Option<(AdminSession, Role)>, StoreError> {
    let key = sha256_hex(token);
    let Some(mut s) = store.admin_session(&key)? else {
        return Ok(None);
    };
    let role = role_of(store, &s.username)?;
    let Some(role) = role
        .filter(|_| now - s.last_seen < IDLE_TIMEOUT_SECS && now - s.created_at < MAX_SESSION_SECS)
    else {
        store.remove_admin_session(&key)?;
        return Ok(None);
    };
    if now - s.last_seen >= 60 {
        s.last_seen = now;
        store.put_admin_session(&key, &s)?;
    }
    Ok(Some((s, role)))
}

/// Ends the session a cookie holds (logout).
pub fn end_session(store: &Store, token: &str) -> Result<(), StoreError> {
    store.remove_admin_session(&sha256_hex(token))
}

/// Each failure counts for the client address and for the account. This many may be made
/// without waiting…
pub const FREE_FAILURES: u32 = 3;
/// …then every further attempt waits: first this long, doubling with each failure…
pub const FIRST_DELAY_SECS: i64 = 5;
/// …up to this. The owner is slowed down, never locked out.
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// Failures are forgotten after this long without another, and at a successful sign-in.
pub const FORGET_AFTER_SECS: i64 = 3600;
/// An address the owner signed in from is not slowed by the account's failures (only by
/// its own) for this long.
pub const TRUSTED_SECS: i64 = 30 * 24 * 3600;
/// argon2 verifications running at once (19 MiB each)…
pub const MAX_VERIFYING: usize = 2;
/// …and waiting for their turn; beyond that a login is answered "busy".
pub const MAX_WAITING: usize = 8;
/// The limiter forgets stale entries once it holds this many.
const PRUNE_AT: usize = 4096;

/// The wait before the next attempt after `n` counted failures.
pub fn delay_after(n: u32) -> i64 {
    if n < FREE_FAILURES {
        return 0;
    }
    let doublings = (n - FREE_FAILURES).min(20);
    (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
}

/// Why a login is not tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Slowed down: the next attempt is allowed in this many seconds.
    Wait(i64),
    /// Too many verifications running and waiting; try again in a moment.
    Busy,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
    next_allowed: i64,
}

#[derive(Debug, Default)]
struct LimiterState {
    /// `ip:ADDR` and `user:NAME` → their failures.
    failures: HashMap<String, Failures>,
    /// Addresses the owner signed in from → when.
    trusted: HashMap<String, i64>,
}

impl LimiterState {
    fn live(&self, key: &str, now: i64) -> Option<Failures> {
        self.failures
            .get(key)
            .copied()
            .filter(|f| now - f.last < FORGET_AFTER_SECS)
    }

    fn wait(&self, key: &str, now: i64) -> i64 {
        self.live(key, now)
            .map_or(0, |f| (f.next_allowed - now).max(0))
    }

    fn count(&mut self, key: String, now: i64) {
        let count = self.live(&key, now).map_or(0, |f| f.count) + 1;
        self.failures.insert(
            key,
            Failures {
                count,
                last: now,
                next_allowed: now + delay_after(count),
            },
        );
    }

    fn prune(&mut self, now: i64) {
        if self.failures.len() >= PRUNE_AT {
            self.failures
                .retain(|_, f| now - f.last < FORGET_AFTER_SECS);
        }
        if self.trusted.len() >= PRUNE_AT {
            self.trusted.retain(|_, t| now - *t < TRUSTED_SECS);
        }
    }
}

/// Back-office login limits, in memory: attempts are counted before anything is verified,
/// each failure slows the address and the account down a little more (never a lockout),
/// addresses the owner signed in from recently are not slowed by the account's failures,
/// and argon2 runs for at most [`MAX_VERIFYING`] logins at once, always (a dummy hash
/// stands in for an unknown username), on the blocking pool behind a semaphore so pages
/// and payment notifications never queue behind it.
#[derive(Debug)]
pub struct LoginLimiter {
    state: Mutex<LimiterState>,
    verifying: Arc<tokio::sync::Semaphore>,
    waiting: AtomicUsize,
    verifications: AtomicU64,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    dummy: Arc<OnceLock<String>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            state: Mutex::default(),
            verifying: Arc::new(tokio::sync::Semaphore::new(MAX_VERIFYING)),
            waiting: AtomicUsize::new(0),
            verifications: AtomicU64::new(0),
            in_flight: Arc::default(),
            peak: Arc::default(),
            dummy: Arc::default(),
        }
    }
}

/// Decrements a counter when dropped (also when the request is abandoned).
struct Held<'a>(&'a AtomicUsize);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn user_key(user: &str) -> String {
    let name: String = user.to_lowercase().chars().take(64).collect();
    format!("user:{name}")
}

impl LoginLimiter {
    /// Counts an attempt from `addr` for `user` before anything is verified, or refuses it
    /// with the wait until the next allowed time. A success afterwards clears the count.
    /// `Ok(true)`: the address is trusted (the owner signed in from it recently).
    pub fn attempt(&self, addr: &str, user: &str, now: i64) -> Result<bool, Refusal> {
        let mut st = self.state.lock().expect("limiter lock");
        st.prune(now);
        let (ka, ku) = (format!("ip:{addr}"), user_key(user));
        let trusted = st
            .trusted
            .get(addr)
            .is_some_and(|t| now - *t < TRUSTED_SECS);
        let mut wait = st.wait(&ka, now);
        if !trusted {
            wait = wait.max(st.wait(&ku, now));
        }
        if wait > 0 {
            return Err(Refusal::Wait(wait));
        }
        st.count(ka, now);
        st.count(ku, now);
        Ok(trusted)
    }

    /// The owner signed in from `addr`: its failures and the account's are forgotten, and
    /// the address is trusted.
    pub fn succeeded(&self, addr: &str, user: &str, now: i64) {
        let mut st = self.state.lock().expect("limiter lock");
        st.failures.remove(&format!("ip:{addr}"));
        st.failures.remove(&user_key(user));
        st.trusted.insert(addr.to_string(), now);
    }

    /// Runs argon2 for `password` against `hash` (`None`: an unknown username or a
    /// pending reset — a dummy hash is verified instead, so the time is the same, and the
    /// answer is no). At most [`MAX_VERIFYING`] run at once; with [`MAX_WAITING`] already
    /// waiting the login is refused as busy, unless it has `priority` (a trusted address).
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
        priority: bool,
    ) -> Result<bool, Refusal> {
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let queued = Held(&self.waiting);
        if waiting >= MAX_WAITING && !priority {
            return Err(Refusal::Busy);
        }
        let permit = self
            .verifying
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Refusal::Busy)?;
        drop(queued);
        self.verifications.fetch_add(1, Ordering::AcqRel);
        let now_running = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(now_running, Ordering::AcqRel);
        let (in_flight, dummy) = (self.in_flight.clone(), self.dummy.clone());
        let known = hash.is_some();
        let ok = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _running = Held(&in_flight);
            // Made once, on the first login of any kind, so no login pays for it alone.
            let dummy = dummy.get_or_init(|| hash_password(&crate::random::random_token::<16>()));
            verify_password(&password, hash.as_deref().unwrap_or(dummy))
        })
        .await
        .unwrap_or(false);
        Ok(ok && known)
    }

    /// argon2 verifications run so far (for tests and the curious).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Acquire)
    }

    /// The most verifications that ever ran at once.
    pub fn peak_verifying(&self) -> usize {
        self.peak.load(Ordering::Acquire)
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
    fn attempts_are_counted_first_and_slow_down_per_address_and_account() {
        let l = LoginLimiter::default();
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.attempt("1.2.3.4", "boss", 0), Ok(false));
        }
        let first = delay_after(FREE_FAILURES);
        assert_eq!(first, FIRST_DELAY_SECS);
        assert_eq!(
            l.attempt("1.2.3.4", "other", 1),
            Err(Refusal::Wait(first - 1)),
            "per address"
        );
        assert_eq!(
            l.attempt("5.6.7.8", "BOSS", 1),
            Err(Refusal::Wait(first - 1)),
            "per account"
        );
        assert_eq!(l.attempt("5.6.7.8", "other", 1), Ok(false));
        assert_eq!(
            l.attempt("1.2.3.4", "boss", first),
            Ok(false),
            "the wait passes"
        );
        assert_eq!(
            l.attempt("1.2.3.4", "boss", first),
            Err(Refusal::Wait(2 * first)),
            "and doubles"
        );
        assert_eq!(
            delay_after(100),
            MAX_DELAY_SECS,
            "up to a cap: never a lockout"
        );
        let later = first + FORGET_AFTER_SECS;
        assert_eq!(l.attempt("1.2.3.4", "boss", later), Ok(false), "forgotten");
        assert_eq!(l.attempt("1.2.3.4", "boss", later), Ok(false));
    }

    #[test]
    fn a_trusted_address_is_not_slowed_by_the_accounts_failures() {
        let l = LoginLimiter::default();
        l.succeeded("10.0.0.1", "boss", 0);
        for i in 0..20 {
            let _ = l.attempt(&format!("203.0.113.{i}"), "boss", 1);
        }
        assert!(matches!(
            l.attempt("198.51.100.7", "boss", 2),
            Err(Refusal::Wait(_))
        ));
        assert_eq!(l.attempt("10.0.0.1", "boss", 2), Ok(true));
        l.succeeded("10.0.0.1", "boss", 2);
        assert_eq!(
            l.attempt("198.51.100.7", "boss", 2),
            Ok(false),
            "a success clears the account"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn verifications_are_capped_and_a_long_queue_is_busy() {
        let l = Arc::new(LoginLimiter::default());
        // Every slot taken and the queue full: the next login is refused at once…
        let held = l
            .verifying
            .clone()
            .acquire_many_owned(MAX_VERIFYING as u32)
            .await
            .unwrap();
        let queued: Vec<_> = (0..MAX_WAITING)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move { l.verify("x".into(), None, false).await })
            })
            .collect();
        while l.waiting.load(Ordering::Acquire) < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert_eq!(l.verify("x".into(), None, false).await, Err(Refusal::Busy));
        assert_eq!(l.verifications(), 0, "refused before argon2");
        // …unless it comes from a trusted address: it waits for its turn.
        let l2 = l.clone();
        let trusted = tokio::spawn(async move { l2.verify("x".into(), None, true).await });
        while l.waiting.load(Ordering::Acquire) < MAX_WAITING + 1 {
            tokio::task::yield_now().await;
        }
        drop(held);
        assert_eq!(trusted.await.unwrap(), Ok(false));
        for q in queued {
            assert_eq!(q.await.unwrap(), Ok(false), "an unknown user never gets in");
        }
        // Many at once: never more than the cap running.
        let h = hash_password("right password");
        let runs: Vec<_> = (0..6)
            .map(|_| {
                let (l, h) = (l.clone(), h.clone());
                tokio::spawn(async move { l.verify("right password".into(), Some(h), false).await })
            })
            .collect();
        for r in runs {
            assert_eq!(r.await.unwrap(), Ok(true));
        }
        assert!(
            l.peak_verifying() <= MAX_VERIFYING,
            "{}",
            l.peak_verifying()
        );
        assert_eq!(l.verifications(), MAX_WAITING as u64 + 7);
    }
}
