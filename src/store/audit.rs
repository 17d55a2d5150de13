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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Action;
    use crate::catalog::Category;

    /// Whatever fsync a crash hits, a change and its entry are both on disk or neither is.
    #[test]
    fn a_change_and_its_entry_survive_a_crash_together() {
        let mut both = 0;
        for n in 1..=4 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("puzi.redb");
            {
                let faults = Faults::default();
                let backend = FaultyBackend::open(&path, faults.clone()).unwrap();
                let s = Store::open_with_backend(&path, backend).unwrap();
                faults.fail_nth_sync(n);
                let c = Category {
                    id: "tea".into(),
                    name: "Tea".into(),
                    sort: 0,
                };
                let e = Entry::new(1, "boss", Action::CategorySaved { name: "Tea".into() });
                let _ = s.put_category_as(&c, &e);
            }
            let s = Store::open(&path).unwrap();
            let saved = !s.categories().unwrap().is_empty();
            let logged = s.audit_entries(None, None, 10).unwrap().len();
            assert_eq!(logged, usize::from(saved), "crash at fsync {n}");
            both += usize::from(saved);
        }
        assert!(both > 0, "some crash point comes after the commit");
    }

    #[test]
    fn pages_run_newest_first_and_filter_by_member() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("puzi.redb")).unwrap();
        for i in 0..(PAGE as i64 + 5) {
            let by = if i % 2 == 0 { "boss" } else { "xiaoli" };
            s.record_audit(&Entry::new(i, by, Action::LoginSucceeded))
                .unwrap();
        }
        let first = s.audit_page(None, None).unwrap();
        assert_eq!(first.entries.len(), PAGE);
        assert_eq!(first.entries[0].at, PAGE as i64 + 4, "newest first");
        let rest = s.audit_page(None, first.next).unwrap();
        assert_eq!(rest.entries.len(), 5);
        assert_eq!(rest.next, None);
        let mine = s.audit_entries(Some("xiaoli"), None, usize::MAX).unwrap();
        assert!(mine.iter().all(|e| e.by == "xiaoli") && mine.len() == (PAGE + 5) / 2);
    }
}
