//! The owner account in the store: the account, one-time setup links, and back-office
//! sessions.

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
            let mut sessions = tx.open_table(ADMIN_SESSIONS)?;
            let keys: Vec<String> = sessions
                .iter()?
                .filter_map(|r| r.ok().map(|(k, _)| k.value().to_string()))
                .collect();
            for k in keys {
                sessions.remove(k.as_str())?;
            }
        }
        tx.commit()?;
        Ok(ok)
    }

    pub fn admin_session(&self, token: &str) -> Result<Option<AdminSession>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ADMIN_SESSIONS)?;
        t.get(token)?
            .map(|v| dec("admin_sessions", v.value()))
            .transpose()
    }

    pub fn put_admin_session(&self, token: &str, s: &AdminSession) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN_SESSIONS)?
            .insert(token, enc(s).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn remove_admin_session(&self, token: &str) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(ADMIN_SESSIONS)?.remove(token)?;
        tx.commit()?;
        Ok(())
    }
}
