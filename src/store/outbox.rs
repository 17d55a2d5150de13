//! The outbox in the store: messages to WeChat (the delivery message), kept until WeChat
//! accepts them or every attempt failed.

use super::*;

/// What an outbox message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// The delivery message (Official Account template message) of a shipped order.
    Shipped,
    /// The Official Account message telling the shopper how a refund request was decided.
    Aftersales,
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
}
