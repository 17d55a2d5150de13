//! Staff invitations: the owner makes a one-time link for a role (the store keeps only its
//! SHA-256, so the link is shown once); the invitee sets a username and password on it
//! and becomes a member, written with its audit entry.

use super::{SetupProblem, check_credentials, hash_password, sha256_hex};
use crate::audit::{Action, Entry, Role};
use crate::store::{AcceptRefusal, Invite, Member, Store, StoreError};

/// Staff invitations expire after three days.
pub const INVITE_TTL_SECS: i64 = 3 * 24 * 3600;

/// A one-time invitation link for a member with `role`, issued by `by` (the owner);
/// the store keeps only its SHA-256, so the link is shown once.
pub fn invite(
    store: &Store,
    base_url: &str,
    role: Role,
    by: &str,
    now: i64,
) -> Result<String, StoreError> {
    let token = crate::random::random_token::<24>();
    let inv = Invite {
        token_sha256: sha256_hex(&token),
        role,
        expires_at: now + INVITE_TTL_SECS,
        invited_by: by.to_string(),
    };
    store.put_invite(&inv, &Entry::new(now, by, Action::MemberInvited { role }))?;
    Ok(format!("{base_url}/admin/join/{token}"))
}

/// The invitation a link names, while it is valid.
pub fn live_invite(store: &Store, token: &str, now: i64) -> Result<Option<Invite>, StoreError> {
    Ok(store
        .invite(&sha256_hex(token))?
        .filter(|i| now < i.expires_at))
}

/// Validates the invitation form and creates the member (once). Blocking (argon2).
pub fn accept_invite(
    store: &Store,
    token: &str,
    username: &str,
    password: &str,
    confirm: &str,
    now: i64,
) -> Result<Result<Member, SetupProblem>, StoreError> {
    let Some(inv) = live_invite(store, token, now)? else {
        return Ok(Err(SetupProblem::LinkInvalid));
    };
    let username = username.trim();
    if let Err(p) = check_credentials(username, password, confirm) {
        return Ok(Err(p));
    }
    let m = Member {
        username: username.to_string(),
        password_hash: hash_password(password),
        role: inv.role,
        created_at: now,
        invited_by: inv.invited_by.clone(),
    };
    let entry = Entry::new(now, username, Action::InviteAccepted { role: inv.role });
    Ok(
        match store.accept_invite(&inv.token_sha256, now, &m, &entry)? {
            Ok(m) => Ok(m),
            Err(AcceptRefusal::LinkInvalid) => Err(SetupProblem::LinkInvalid),
            Err(AcceptRefusal::NameTaken) => Err(SetupProblem::NameTaken),
        },
    )
}
