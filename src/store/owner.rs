//! The owner account in the store: the account, one-time setup links, and back-office
//! sessions, keyed by the SHA-256 of their token (the cookie holds the token itself, so a
//! copy of the data file opens no session). Also the staff: members invited by the owner
//! through one-time links (`invite:{sha256}` in the admin table, the member under
//! `member:{username}`), each change to them written with its audit entry.

use super::audit::write_in;
use super::*;
use crate::audit::{Entry, Role};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub username: String,
    /// argon2id PHC string; empty while a reset is pending.
    pub password_hash: String,
    pub created_at: i64,
}

/// A one-time link that creates the owner account (or resets its password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupToken {
    /// SHA-256 of the token: the store never holds the link itself.
    pub token_sha256: String,
    pub expires_at: i64,
    /// true: sets a new password for the existing owner.
    pub reset: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    pub username: String,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
}

/// A back-office member other than the owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Staff or viewer (never the owner's).
    pub role: Role,
    pub created_at: i64,
    /// Who invited them.
    pub invited_by: String,
}

/// A one-time link that lets someone become a member with `role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub token_sha256: String,
    pub role: Role,
    pub expires_at: i64,
    pub invited_by: String,
}

/// Why an invitation was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptRefusal {
    /// Unknown, used or expired.
    LinkInvalid,
    /// The owner or another member has that username.
    NameTaken,
}

fn member_key(username: &str) -> String {
    format!("member:{}", username.to_lowercase())
}

impl Store {
    /// Every member but the owner, by username.
    pub fn members(&self) -> Result<Vec<Member>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        let mut out = Vec::new();
        for row in t.range("member:".."member;")? {
            let (_, v) = row?;
            out.push(dec("admin", v.value())?);
        }
        Ok(out)
    }

    pub fn member(&self, username: &str) -> Result<Option<Member>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        t.get(member_key(username).as_str())?
            .map(|v| dec("admin", v.value()))
            .transpose()
    }

    /// Stores an invitation with its audit entry.
    pub fn put_invite(&self, inv: &Invite, entry: &Entry) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN)?.insert(
            format!("invite:{}", inv.token_sha256).as_str(),
            enc(inv).as_slice(),
        )?;
        write_in(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    pub fn invite(&self, token_sha256: &str) -> Result<Option<Invite>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        t.get(format!("invite:{token_sha256}").as_str())?
            .map(|v| dec("admin", v.value()))
            .transpose()
    }

    /// Uses the invitation (once, before it expires) and stores the member, with its
    /// audit entry, in one transaction. The member's role is the invitation's.
    pub fn accept_invite(
        &self,
        token_sha256: &str,
        now: i64,
        member: &Member,
        entry: &Entry,
    ) -> Result<Result<Member, AcceptRefusal>, StoreError> {
        let tx = self.db.begin_write()?;
        let member = {
            let mut t = tx.open_table(ADMIN)?;
            let key = format!("invite:{token_sha256}");
            let inv: Option<Invite> = t
                .get(key.as_str())?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            let Some(inv) = inv.filter(|i| now < i.expires_at) else {
                return Ok(Err(AcceptRefusal::LinkInvalid));
            };
            let owner: Option<Owner> = t
                .get("owner")?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            let mkey = member_key(&member.username);
            if owner.is_some_and(|o| o.username.eq_ignore_ascii_case(&member.username))
                || t.get(mkey.as_str())?.is_some()
            {
                return Ok(Err(AcceptRefusal::NameTaken));
            }
            let m = Member {
                role: inv.role,
                invited_by: inv.invited_by,
                ..member.clone()
            };
            t.remove(key.as_str())?;
            t.insert(mkey.as_str(), enc(&m).as_slice())?;
            m
        };
        write_in(
            &tx,
            &Entry {
                action: crate::audit::Action::InviteAccepted { role: member.role },
                ..entry.clone()
            },
        )?;
        tx.commit()?;
        Ok(Ok(member))
    }

    /// Gives a member another role, with its audit entry. `false`: no such member.
    pub fn set_member_role(
        &self,
        username: &str,
        role: Role,
        entry: &Entry,
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(ADMIN)?;
            let key = member_key(username);
            let m: Option<Member> = t
                .get(key.as_str())?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            let Some(mut m) = m else {
                return Ok(false);
            };
            m.role = role;
            t.insert(key.as_str(), enc(&m).as_slice())?;
        }
        write_in(&tx, entry)?;
        tx.commit()?;
        Ok(true)
    }

    /// Removes a member and ends every session of theirs, with its audit entry, in one
    /// transaction. `false`: no such member (the owner is never one).
    pub fn revoke_member(&self, username: &str, entry: &Entry) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(ADMIN)?;
            let Some(m) = t
                .remove(member_key(username).as_str())?
                .map(|v| dec::<Member>("admin", v.value()))
                .transpose()?
            else {
                return Ok(false);
            };
            // Their WeChat no longer hears from the shop.
            t.remove(format!("wxbind:{}", username.to_lowercase()).as_str())?;
            let mut sessions = tx.open_table(ADMIN_SESSIONS)?;
            sessions.retain(|_, v| {
                dec::<AdminSession>("admin_sessions", v)
                    .map_or(true, |s| !s.username.eq_ignore_ascii_case(&m.username))
            })?;
        }
        write_in(&tx, entry)?;
        tx.commit()?;
        Ok(true)
    }

    /// Starts a back-office session with the audit entry of the sign-in.
    pub fn start_admin_session(
        &self,
        token_sha256: &str,
        s: &AdminSession,
        entry: &Entry,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN_SESSIONS)?
            .insert(token_sha256, enc(s).as_slice())?;
        write_in(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    pub fn owner(&self) -> Result<Option<Owner>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        t.get("owner")?.map(|v| dec("admin", v.value())).transpose()
    }

    pub fn put_owner(&self, o: &Owner) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN)?.insert("owner", enc(o).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn put_setup_token(&self, t: &SetupToken) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN)?.insert("setup", enc(t).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// A password reset, in one transaction: stores the reset link, disables the owner's
    /// password and ends every admin session.
    pub fn begin_reset(&self, st: &SetupToken) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(ADMIN)?;
            t.insert("setup", enc(st).as_slice())?;
            let owner: Option<Owner> = t
                .get("owner")?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            if let Some(mut o) = owner {
                o.password_hash = String::new();
                t.insert("owner", enc(&o).as_slice())?;
            }
        }
        end_sessions_in(&tx)?;
        tx.commit()?;
        Ok(())
    }

    pub fn setup_token(&self) -> Result<Option<SetupToken>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN)?;
        t.get("setup")?.map(|v| dec("admin", v.value())).transpose()
    }

    /// Uses the setup token (once) and stores the owner, ending every admin session.
    pub fn complete_setup(
        &self,
        token_sha256: &str,
        now: i64,
        owner: &Owner,
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let ok = {
            let mut t = tx.open_table(ADMIN)?;
            let current: Option<SetupToken> = t
                .get("setup")?
                .map(|v| dec("admin", v.value()))
                .transpose()?;
            match current {
                Some(s) if s.token_sha256 == token_sha256 && now < s.expires_at => {
                    t.remove("setup")?;
                    t.insert("owner", enc(owner).as_slice())?;
                    true
                }
                _ => false,
            }
        };
        if ok {
            end_sessions_in(&tx)?;
        }
        tx.commit()?;
        Ok(ok)
    }

    /// The session whose token hashes to `token_sha256`.
    pub fn admin_session(&self, token_sha256: &str) -> Result<Option<AdminSession>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN_SESSIONS)?;
        t.get(token_sha256)?
            .map(|v| dec("admin_sessions", v.value()))
            .transpose()
    }

    pub fn put_admin_session(
        &self,
        token_sha256: &str,
        s: &AdminSession,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN_SESSIONS)?
            .insert(token_sha256, enc(s).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn remove_admin_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN_SESSIONS)?.remove(token_sha256)?;
        tx.commit()?;
        Ok(())
    }
}

/// Removes every admin session inside a transaction the caller commits.
fn end_sessions_in(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let mut sessions = tx.open_table(ADMIN_SESSIONS)?;
    sessions.retain(|_, _| false)?;
    Ok(())
}
