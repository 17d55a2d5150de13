//! The database handle behind `Store`, and how the shop lives through a full disk or a
//! failed fsync without a restart.
//!
//! After a failed write or fsync redb refuses every later write (`StorageError::PreviousIo`)
//! until the `Database` is closed and opened again. `Db` notices that state (a failed
//! `begin_write` or commit), logs it once, and from then on refuses writes at once with
//! `StoreError::Unavailable` while reads keep going to the database as it was. On a later
//! store call, no sooner than a backoff measured on the shop's `Clock` (1 s, doubling to
//! 64 s), it asks the opener whether the disk accepts writes again (a small probe file
//! beside the data file, written and synced) and only then closes the database and opens
//! it again on the same file (or, in tests, from the same backend factory). A change in
//! flight gets its error; the next one succeeds. Recovery raises a merchant alert, and
//! counters for `/metrics` record failures, reopens and alerts that could not be written.

use super::{StoreError, alerts::insert_alert};
use crate::alert::AlertKind;
use crate::clock::Clock;
use redb::{Database, ReadableDatabase};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Longest wait, in seconds, between two attempts to reopen.
const MAX_BACKOFF_SECS: i64 = 64;
/// Bytes the probe file writes: a little room beyond what one commit needs.
const PROBE_BYTES: usize = 64 * 1024;

/// Opens the database again after a storage failure, and first tells whether that is
/// worth trying.
pub trait Reopen: Send + Sync + 'static {
    /// Whether writes (and fsyncs) succeed again, without touching the data file.
    fn probe(&self) -> std::io::Result<()>;
    /// Opens the database anew on the same data.
    fn open(&self) -> Result<Database, redb::DatabaseError>;
}

/// Reopens the data file at a path; probes with a file beside it.
pub(crate) struct PathReopen(pub PathBuf);

impl Reopen for PathReopen {
    fn probe(&self) -> std::io::Result<()> {
        probe_dir(&self.0)
    }

    fn open(&self) -> Result<Database, redb::DatabaseError> {
        Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&self.0)
    }
}

/// redb's page cache. Its default (1 GiB) lets resident memory grow with every page ever
/// read — a CSV export of a large shop, a backup — up to that; the pages the shop reads
/// again and again (catalog, indexes, newest orders) fit in far less.
pub(crate) const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// For a store opened on one backend value: it cannot be opened again.
pub(crate) struct NoReopen;

impl Reopen for NoReopen {
    fn probe(&self) -> std::io::Result<()> {
        Err(std::io::Error::other("this store cannot be reopened"))
    }

    fn open(&self) -> Result<Database, redb::DatabaseError> {
        Err(redb::DatabaseError::Storage(redb::StorageError::PreviousIo))
    }
}

/// Writes and syncs a small file beside `data_file`, then removes it.
pub fn probe_dir(data_file: &Path) -> std::io::Result<()> {
    let probe = data_file.with_extension("redb-probe");
    let r = (|| {
        let mut f = std::fs::File::create(&probe)?;
        f.write_all(&[0u8; PROBE_BYTES])?;
        f.sync_all()
    })();
    let _ = std::fs::remove_file(&probe);
    r
}

/// Counters of storage trouble, for `/metrics`.
#[derive(Debug, Default)]
pub struct StorageCounters {
    /// Writes that failed in the storage (each failure episode counts its first).
    pub write_failures: AtomicU64,
    /// Attempts to reopen (probes included).
    pub reopen_attempts: AtomicU64,
    /// Successful reopens.
    pub reopens: AtomicU64,
    /// Alerts that could not be stored (logged instead).
    pub alerts_unwritten: AtomicU64,
}

#[derive(Debug, Default)]
struct Health {
    /// Unix seconds the current failure began; `None` while writable.
    broken_since: Option<i64>,
    /// No attempt to reopen before this (unix seconds).
    next_attempt: i64,
    backoff: i64,
    /// What went wrong first, for the alert.
    cause: String,
}

/// The current `Database`, replaced after a storage failure (see the module documentation).
pub(crate) struct Db {
    current: RwLock<Option<Arc<Database>>>,
    reopen: Box<dyn Reopen>,
    broken: AtomicBool,
    /// A commit that was not synced (`WriteTx::commit_unsynced`) waits for the next synced
    /// one; `Store::sync_unsynced` makes one when nothing else did.
    unsynced: AtomicBool,
    health: Mutex<Health>,
    clock: RwLock<Clock>,
    pub(crate) counters: StorageCounters,
}

/// A write transaction that reports storage failures to its `Db` when it commits.
pub(crate) struct WriteTx<'a> {
    tx: redb::WriteTransaction,
    db: &'a Db,
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = redb::WriteTransaction;
    fn deref(&self) -> &redb::WriteTransaction {
        &self.tx
    }
}

impl WriteTx<'_> {
    /// Commits durably; a storage failure marks the database for reopening.
    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let db = self.db;
        // A synced commit carries every unsynced one before it to the disk. The flag is
        // cleared before the commit: an unsynced commit that slips in right after this one
        // (the write lock is free once it returns) sets it again and is not forgotten.
        let had_unsynced = db.unsynced.swap(false, Ordering::AcqRel);
        if let Err(e) = self.tx.commit() {
            if had_unsynced {
                db.unsynced.store(true, Ordering::Release);
            }
            return Err(db.noticed(e.into()));
        }
        Ok(())
    }

    /// Commits without syncing to disk (redb's `Durability::None`): for what is not money
    /// (shopper sessions and carts, the sandbox's own OAuth and prepay records). The
    /// change is visible at once and reaches the disk with the next synced commit; a crash
    /// (or a storage failure, which reopens the file) before that loses it, never an order,
    /// a prepay or a payment, which always sync.
    pub(crate) fn commit_unsynced(mut self) -> Result<(), StoreError> {
        if self.tx.set_durability(redb::Durability::None).is_err() {
            return self.commit();
        }
        let db = self.db;
        self.tx.commit().map_err(|e| db.noticed(e.into()))?;
        db.unsynced.store(true, Ordering::Release);
        Ok(())
    }

    /// Whether a commit since the last synced one was not synced; clears the flag.
    pub(crate) fn take_unsynced(db: &Db) -> bool {
        db.unsynced.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn abort(self) -> Result<(), StoreError> {
        self.tx.abort().map_err(|e| self.db.noticed(e.into()))
    }
}

/// Whether an error comes from the storage itself (disk full, fsync failed, or redb
/// refusing after one): the kind a reopen may cure.
fn is_storage_fault(e: &redb::Error) -> bool {
    matches!(
        e,
        redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed
    )
}

impl Db {
    pub(crate) fn new(db: Database, reopen: Box<dyn Reopen>) -> Db {
        Db {
            current: RwLock::new(Some(Arc::new(db))),
            reopen,
            broken: AtomicBool::new(false),
            unsynced: AtomicBool::new(false),
            health: Mutex::default(),
            clock: RwLock::default(),
            counters: StorageCounters::default(),
        }
    }

    pub(crate) fn set_clock(&self, clock: Clock) {
        *self.clock.write().unwrap_or_else(|e| e.into_inner()) = clock;
    }

    fn now(&self) -> i64 {
        self.clock.read().unwrap_or_else(|e| e.into_inner()).unix()
    }

    fn database(&self) -> Result<Arc<Database>, StoreError> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(StoreError::Unavailable)
    }

    /// Whether writes are refused for now.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// A read transaction: served while writes are refused, from the database as it was.
    pub(crate) fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
        self.recover_if_due();
        let db = self.database()?;
        db.begin_read().map_err(|e| self.noticed(e.into()))
    }

    /// A write transaction, or `Unavailable` at once while the storage is failing.
    pub(crate) fn begin_write(&self) -> Result<WriteTx<'_>, StoreError> {
        self.recover_if_due();
        if self.is_broken() {
            return Err(StoreError::Unavailable);
        }
        let db = self.database()?;
        let tx = db.begin_write().map_err(|e| self.noticed(e.into()))?;
        Ok(WriteTx { tx, db: self })
    }

    /// Records a storage failure (the first of an episode is logged and counted) and
    /// returns the error as the caller should see it.
    fn noticed(&self, e: redb::Error) -> StoreError {
        if !is_storage_fault(&e) {
            return StoreError::Db(e);
        }
        let now = self.now();
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        if h.broken_since.is_none() {
            self.counters.write_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "the data file cannot be written (disk full or failing); writes are refused and retried with backoff, reads continue");
            h.broken_since = Some(now);
            h.cause = e.to_string();
            // The next call tries at once: a passing fault needs no wait.
            h.next_attempt = now;
            h.backoff = 1;
            self.broken.store(true, Ordering::Release);
        }
        StoreError::Db(e)
    }

    /// While broken: when the backoff has passed, probes and, if the disk takes writes
    /// again, closes the database and opens it anew. One caller attempts at a time.
    fn recover_if_due(&self) {
        if !self.is_broken() {
            return;
        }
        let now = self.now();
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        if h.broken_since.is_none() || now < h.next_attempt {
            return;
        }
        self.counters
            .reopen_attempts
            .fetch_add(1, Ordering::Relaxed);
        let wait = |h: &mut Health| {
            h.next_attempt = now + h.backoff;
            h.backoff = (h.backoff * 2).min(MAX_BACKOFF_SECS);
        };
        if let Err(e) = self.reopen.probe() {
            tracing::debug!(error = %e, "the data directory still refuses writes");
            wait(&mut h);
            return;
        }
        let mut slot = self.current.write().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = slot.take() {
            match Arc::try_unwrap(old) {
                // Releases the file; what redb latched is its error, already known.
                Ok(db) => drop(db.close()),
                Err(old) => {
                    // A reader is just starting on it: the next call tries again.
                    *slot = Some(old);
                    return;
                }
            }
        }
        match self.reopen.open() {
            Ok(db) => {
                *slot = Some(Arc::new(db));
                drop(slot);
                let since = h.broken_since.take().unwrap_or(now);
                self.broken.store(false, Ordering::Release);
                self.counters.reopens.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    seconds = now - since,
                    "the data file accepts writes again; the store was reopened"
                );
                let message = format!(
                    "From {} to {} the data file could not be written ({}); shoppers were asked to try again and WeChat retried its notifications. Check the free disk space.",
                    crate::clock::rfc3339_cst(since),
                    crate::clock::rfc3339_cst(now),
                    h.cause
                );
                drop(h);
                self.alert(AlertKind::StorageFault, message, now);
            }
            Err(e) => {
                tracing::debug!(error = %e, "reopening the data file failed");
                wait(&mut h);
            }
        }
    }

    /// Stores an alert in its own transaction; one that cannot be stored is logged and
    /// counted instead.
    pub(crate) fn alert(&self, kind: AlertKind, message: String, now: i64) {
        self.alert_with(kind, None, message, now).ok();
    }

    pub(crate) fn alert_with(
        &self,
        kind: AlertKind,
        order: Option<&crate::order::OrderNo>,
        message: String,
        now: i64,
    ) -> Result<(), StoreError> {
        let r = (|| {
            let tx = self.begin_write()?;
            {
                let mut alerts = tx.open_table(super::ALERTS)?;
                let mut open = tx.open_table(super::OPEN_ALERTS)?;
                insert_alert(&mut alerts, &mut open, now, kind, order, message.clone())?;
            }
            let event = super::owner_notify::OwnerEvent::Alert {
                kind,
                order: order.map(|o| o.to_string()),
                message: message.clone(),
            };
            super::owner_notify::queue_owner_in(&tx, &[event], now)?;
            tx.commit()
        })();
        if let Err(e) = &r {
            self.counters
                .alerts_unwritten
                .fetch_add(1, Ordering::Relaxed);
            tracing::error!(%kind, order = order.map(|o| o.to_string()), %message, error = %e, "alert could not be stored");
        }
        r
    }

    /// The counters and state as Prometheus text.
    pub(crate) fn render_metrics(&self) -> String {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "# HELP puzi_store_writable Whether the data file accepts writes.\n# TYPE puzi_store_writable gauge\npuzi_store_writable {}\n\
             # HELP puzi_store_write_failures_total Times the data file stopped accepting writes.\n# TYPE puzi_store_write_failures_total counter\npuzi_store_write_failures_total {}\n\
             # HELP puzi_store_reopen_attempts_total Attempts to reopen the data file after a failure.\n# TYPE puzi_store_reopen_attempts_total counter\npuzi_store_reopen_attempts_total {}\n\
             # HELP puzi_store_reopens_total Times the data file was reopened and accepted writes again.\n# TYPE puzi_store_reopens_total counter\npuzi_store_reopens_total {}\n\
             # HELP puzi_alerts_unwritten_total Merchant alerts that could not be stored (logged instead).\n# TYPE puzi_alerts_unwritten_total counter\npuzi_alerts_unwritten_total {}\n",
            u8::from(!self.is_broken()),
            get(&c.write_failures),
            get(&c.reopen_attempts),
            get(&c.reopens),
            get(&c.alerts_unwritten),
        )
    }
}
