//! The outbox in the store: messages to WeChat (the delivery message), kept until WeChat
//! accepts them or every attempt failed.

use super::alerts::insert_alert;
use super::owner_notify::{OwnerEvent, queue_owner_in};
use super::*;

/// What an outbox message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// The delivery message (Official Account template message) of a shipped order.
    Shipped,
    /// The Official Account message telling the shopper how a refund request was decided.
    Aftersales,
    /// To a bound member's WeChat: an order was paid.
    OwnerPaid,
    /// To a bound member's WeChat: a shopper asked for a refund.
    OwnerAftersales,
    /// To a bound member's WeChat: a SKU's stock fell to the low-stock threshold.
    OwnerLowStock,
    /// To a bound member's WeChat: an alert was raised.
    OwnerAlert,
}

impl OutboxKind {
    /// A message to a back-office member's own WeChat (not to a shopper).
    pub fn is_owner(self) -> bool {
        matches!(
            self,
            OutboxKind::OwnerPaid
                | OutboxKind::OwnerAftersales
                | OutboxKind::OwnerLowStock
                | OutboxKind::OwnerAlert
        )
    }
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
    /// WeChat refused it for good: the shopper does not follow the Official Account
    /// (43004). Never retried, no alert; the order page offers the account's QR code.
    NotFollower,
    /// Not sent because no template is configured for its kind (owner messages).
    Skipped,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::NotFollower => "not_follower",
            OutboxState::Skipped => "skipped",
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
    /// Whether a message to the shopper about this order could not be sent: refused
    /// because they do not follow the account, or failed after every attempt.
    pub fn message_undelivered(&self, order: &str) -> Result<bool, StoreError> {
        Ok(self.outbox()?.iter().any(|e| {
            e.order == order && matches!(e.state, OutboxState::NotFollower | OutboxState::Failed)
        }))
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

    /// Writes an outbox entry and, in the same transaction, raises `alert` — unless an
    /// unacknowledged alert of the same kind and message is open already (a problem that
    /// affects every message is reported once, not once per message).
    pub fn put_outbox_alerting(
        &self,
        e: &OutboxEntry,
        alert: (AlertKind, String),
        now: i64,
    ) -> Result<(), StoreError> {
        let (kind, message) = alert;
        let tx = self.db.begin_write()?;
        let already_open = {
            tx.open_table(OUTBOX)?.insert(e.id, enc(e).as_slice())?;
            let mut alerts = tx.open_table(ALERTS)?;
            let mut open_alerts = tx.open_table(OPEN_ALERTS)?;
            // Only the open alerts are read (schema 4's index), not every alert.
            let mut open = false;
            for row in open_alerts.iter()? {
                let (id, _) = row?;
                let Some(b) = alerts.get(id.value())? else {
                    continue;
                };
                let a: Alert = dec("alerts", b.value())?;
                if a.kind == kind && a.message == message {
                    open = true;
                    break;
                }
            }
            if !open {
                insert_alert(
                    &mut alerts,
                    &mut open_alerts,
                    now,
                    kind,
                    None,
                    message.clone(),
                )?;
            }
            open
        };
        if !already_open {
            let event = OwnerEvent::Alert {
                kind,
                order: None,
                message,
            };
            queue_owner_in(&tx, &[event], now)?;
        }
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
