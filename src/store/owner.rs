//! The owner account in the store: the account, one-time setup links, and back-office
//! sessions, keyed by the SHA-256 of their token (the cookie holds the token itself, so a
//! copy of the data file opens no session).

use super::*;

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

impl Store {
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
