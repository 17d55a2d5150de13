//! The back office in the store: the owner account, setup links, admin sessions, the stock
//! log, and the outbox of messages to WeChat.

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockChange {
    pub id: u64,
    pub at: i64,
    pub sku: String,
    pub before: u32,
    pub after: u32,
    pub reason: String,
    pub by: String,
}

/// What an outbox message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// The delivery message (Official Account template message) of a shipped order.
    Shipped,
}

/// Where an outbox message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Pending,
    /// WeChat accepted it.
    Sent,
    /// Every attempt failed; the owner was alerted.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }
}

impl std::fmt::Display for OutboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: u64,
    pub order: String,
    pub kind: OutboxKind,
    pub payload: serde_json::Value,
    pub created_at: i64,
    pub attempts: u32,
    pub next_at: i64,
    pub state: OutboxState,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub msgid: Option<i64>,
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

    /// Sets a SKU's stock and records the change, in one transaction.
    pub fn adjust_stock(
        &self,
        sku: &str,
        after: u32,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<StockChange, StoreError> {
        let tx = self.db.begin_write()?;
        let change = {
            let mut stock = tx.open_table(STOCK)?;
            let before = stock.get(sku)?.map(|v| v.value() as u32).unwrap_or(0);
            stock.insert(sku, u64::from(after))?;
            let mut log = tx.open_table(STOCK_LOG)?;
            let id = log.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
            let c = StockChange {
                id,
                at: now,
                sku: sku.to_string(),
                before,
                after,
                reason: reason.to_string(),
                by: by.to_string(),
            };
            log.insert(id, enc(&c).as_slice())?;
            c
        };
        tx.commit()?;
        self.catalog_changed();
        Ok(change)
    }

    /// The stock log, newest first (optionally of one SKU).
    pub fn stock_log(&self, sku: Option<&str>) -> Result<Vec<StockChange>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(STOCK_LOG)?;
        let mut v = Vec::new();
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            let c: StockChange = dec("stock_log", b.value())?;
            if sku.is_none_or(|s| s == c.sku) {
                v.push(c);
            }
        }
        Ok(v)
    }

    pub fn enqueue(&self, e: &OutboxEntry) -> Result<u64, StoreError> {
        let tx = self.db.begin_write()?;
        let id = {
            let mut t = tx.open_table(OUTBOX)?;
            let id = t.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
            let e = OutboxEntry { id, ..e.clone() };
            t.insert(id, enc(&e).as_slice())?;
            id
        };
        tx.commit()?;
        Ok(id)
    }

    pub fn put_outbox(&self, e: &OutboxEntry) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(OUTBOX)?.insert(e.id, enc(e).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Outbox entries, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(OUTBOX)?;
        let mut v = Vec::new();
        for row in t.iter()? {
            let (_, b) = row?;
            v.push(dec::<OutboxEntry>("outbox", b.value())?);
        }
        Ok(v)
    }

    /// Removes a category (its products keep their category id until edited).
    pub fn delete_category(&self, id: &str) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(CATEGORIES)?.remove(id)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }
}
