//! The audit log in the store: entries by sequence number, written by [`write_in`] inside
//! the write transaction of the change they record (the store's write functions for the
//! back office take the entry), or alone for events that change nothing else (a failed
//! login). Read newest first, a page at a time, optionally for one member.

use super::*;
use crate::audit::Entry;

/// Entries on one page of `/admin/audit`.
pub const PAGE: usize = 50;

/// One page of the log, newest first; `next`: the id to read on from (older entries).
#[derive(Debug, Default)]
pub struct AuditPage {
    pub entries: Vec<Entry>,
    pub next: Option<u64>,
}

/// Writes `e` inside `tx` (the caller commits it with the change it records).
pub(crate) fn write_in(tx: &redb::WriteTransaction, e: &Entry) -> Result<u64, StoreError> {
    let mut t = tx.open_table(AUDIT)?;
    let id = t.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
    let e = Entry { id, ..e.clone() };
    t.insert(id, enc(&e).as_slice())?;
    Ok(id)
}

impl Store {
    /// Records an event that changes nothing else (a failed login), in its own transaction.
    pub fn record_audit(&self, e: &Entry) -> Result<u64, StoreError> {
        let tx = self.db.begin_write()?;
        let id = write_in(&tx, e)?;
        tx.commit()?;
        Ok(id)
    }

    /// A page of the log, newest first, older than `before` (all when `None`), by member
    /// `by` (everyone when `None`).
    pub fn audit_page(
        &self,
        by: Option<&str>,
        before: Option<u64>,
    ) -> Result<AuditPage, StoreError> {
        let mut entries = self.audit_entries(by, before, PAGE + 1)?;
        let next = (entries.len() > PAGE).then(|| {
            entries.truncate(PAGE);
            entries.last().map_or(0, |e| e.id)
        });
        Ok(AuditPage { entries, next })
    }

    /// Up to `limit` entries, newest first (see `audit_page`).
    pub fn audit_entries(
        &self,
        by: Option<&str>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let mut out = Vec::new();
        for row in t.range(..before.unwrap_or(u64::MAX))?.rev() {
            let (_, v) = row?;
            let e: Entry = dec("audit", v.value())?;
            if by.is_none_or(|b| b == e.by) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}
