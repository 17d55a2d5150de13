//! The outbox in the store: messages to WeChat (the delivery message), kept until WeChat
//! accepts them or every attempt failed.
//!
//! Messages stay after they are sent (the order page shows them), so the outbox grows with
//! the shop's age. Two indexes (schema 5), written with every entry through
//! `OutboxTables::put`, keep the delivery tick and the order pages from reading all of it:
//! the pending entries (`OUTBOX_PENDING`, the tick's work list) and the entries of each
//! order (`OUTBOX_BY_ORDER`, `{order}/{id}`).

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

/// Ids of the outbox entries still pending (the delivery tick's work list).
pub(crate) const OUTBOX_PENDING: TableDefinition<'static, u64, ()> =
    TableDefinition::new("outbox_pending");
/// `{order}/{id:020}` for every outbox entry about an order.
pub(crate) const OUTBOX_BY_ORDER: TableDefinition<'static, &str, ()> =
    TableDefinition::new("outbox_by_order");

fn order_key(order: &str, id: u64) -> String {
    format!("{order}/{id:020}")
}

/// The outbox and its two indexes, open in one write transaction: every entry is written
/// through `put`, so the indexes cannot drift from the entries.
pub(crate) struct OutboxTables<'t> {
    entries: redb::Table<'t, u64, &'static [u8]>,
    pending: redb::Table<'t, u64, ()>,
    by_order: redb::Table<'t, &'static str, ()>,
}

impl<'t> OutboxTables<'t> {
    pub(crate) fn open(tx: &'t redb::WriteTransaction) -> Result<Self, StoreError> {
        Ok(OutboxTables {
            entries: tx.open_table(OUTBOX)?,
            pending: tx.open_table(OUTBOX_PENDING)?,
            by_order: tx.open_table(OUTBOX_BY_ORDER)?,
        })
    }

    /// The id the next new entry gets.
    pub(crate) fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.entries.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1)
    }

    /// Writes (or rewrites) an entry and its index rows.
    pub(crate) fn put(&mut self, e: &OutboxEntry) -> Result<(), StoreError> {
        self.entries.insert(e.id, enc(e).as_slice())?;
        if e.state == OutboxState::Pending {
            self.pending.insert(e.id, ())?;
        } else {
            self.pending.remove(e.id)?;
        }
        if !e.order.is_empty() {
            self.by_order
                .insert(order_key(&e.order, e.id).as_str(), ())?;
        }
        Ok(())
    }

    /// Gives a new entry the next id and writes it; returns the id.
    pub(crate) fn add(&mut self, e: OutboxEntry) -> Result<u64, StoreError> {
        let id = self.next_id()?;
        self.put(&OutboxEntry { id, ..e })?;
        Ok(id)
    }
}

/// Builds both indexes from the entries (the schema-5 upgrade).
pub(crate) fn build_indexes(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let entries = tx.open_table(OUTBOX)?;
    let mut pending = tx.open_table(OUTBOX_PENDING)?;
    let mut by_order = tx.open_table(OUTBOX_BY_ORDER)?;
    for row in entries.iter()? {
        let (_, b) = row?;
        let e: OutboxEntry = dec("outbox", b.value())?;
        if e.state == OutboxState::Pending {
            pending.insert(e.id, ())?;
        }
        if !e.order.is_empty() {
            by_order.insert(order_key(&e.order, e.id).as_str(), ())?;
        }
    }
    Ok(())
}

impl Store {
    /// Whether a message to the shopper about this order could not be sent: refused
    /// because they do not follow the account, or failed after every attempt.
    pub fn message_undelivered(&self, order: &str) -> Result<bool, StoreError> {
        Ok(self.outbox_for_order(order)?.iter().any(|e| {
            !e.kind.is_owner() && matches!(e.state, OutboxState::NotFollower | OutboxState::Failed)
        }))
    }

    /// The outbox entries about one order, oldest first (through `OUTBOX_BY_ORDER`).
    pub fn outbox_for_order(&self, order: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let tx = self.db.begin_read()?;
        let (entries, by_order) = (tx.open_table(OUTBOX)?, tx.open_table(OUTBOX_BY_ORDER)?);
        let (lo, hi) = (format!("{order}/"), format!("{order}0"));
        let mut v = Vec::new();
        for row in by_order.range(lo.as_str()..hi.as_str())? {
            let (k, _) = row?;
            let id = k
                .value()
                .rsplit('/')
                .next()
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(b) = id.map(|id| entries.get(id)).transpose()?.flatten() {
                v.push(dec::<OutboxEntry>("outbox", b.value())?);
            }
        }
        Ok(v)
    }

    /// The pending outbox entries, oldest first (through `OUTBOX_PENDING`): the delivery
    /// tick reads these, never the messages already sent.
    pub fn outbox_pending(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let tx = self.db.begin_read()?;
        let (entries, pending) = (tx.open_table(OUTBOX)?, tx.open_table(OUTBOX_PENDING)?);
        let mut v = Vec::new();
        for row in pending.iter()? {
            let (id, _) = row?;
            if let Some(b) = entries.get(id.value())? {
                v.push(dec::<OutboxEntry>("outbox", b.value())?);
            }
        }
        Ok(v)
    }

    pub fn enqueue(&self, e: &OutboxEntry) -> Result<u64, StoreError> {
        let tx = self.db.begin_write()?;
        let id = OutboxTables::open(&tx)?.add(e.clone())?;
        tx.commit()?;
        Ok(id)
    }

    pub fn put_outbox(&self, e: &OutboxEntry) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        OutboxTables::open(&tx)?.put(e)?;
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
            OutboxTables::open(&tx)?.put(e)?;
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
