//! Group commit: one writer thread applies the changes that arrive together (payment
//! notifications, order placements, the shop's prepay records) in one durable transaction, commits
//! once, and answers each caller only after that commit. A failing or panicking change
//! fails its batch, so nothing is acknowledged that is not durable.
//!
//! Changes that need no sync (carts, the sandbox's prepay records) go through the same
//! writer: they ride a batch's transaction instead of each taking redb's write lock for a
//! commit of their own (and waiting on it while a batch syncs). A batch of only such
//! changes commits unsynced; one with any durable change syncs all of it.

use super::order_txn::update_order_in;
use super::*;

impl Store {
    /// `update_order` through group commit: changes arriving together share one durable
    /// transaction, and each caller hears back only after that commit. If any change in a
    /// batch fails, the batch is not committed and every caller gets an error (WeChat then
    /// retries each notification), so nothing is ever acknowledged without being durable.
    pub async fn update_order_grouped<R, E, F>(
        &self,
        no: OrderNo,
        now: i64,
        f: F,
    ) -> Result<Option<R>, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Order, &mut OrderTxn<'_>) -> Result<R, E> + Send + 'static,
    {
        let r = self
            .grouped(true, move |tx| update_order_in(tx, &no, now, f))
            .await;
        if r.is_ok() {
            // Stock may have been reserved or released.
            self.catalog_changed();
        }
        r
    }

    /// Any write through group commit (see `update_order_grouped`). `f` must make no
    /// change before an error it returns: an error fails its whole batch.
    pub async fn write_grouped<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        self.grouped(true, f).await
    }

    /// `write_grouped` for a change that is not money (a cart, the sandbox's own prepay
    /// record): it needs no sync of its own and reaches the disk with the next synced
    /// commit, as `WriteTx::commit_unsynced` does.
    pub async fn write_grouped_unsynced<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        self.grouped(false, f).await
    }

    /// Queues `f` for the group-commit writer and waits for its batch's commit (synced
    /// when `durable`, or when anything else in the batch is).
    async fn grouped<T, E, F>(&self, durable: bool, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> Result<T, E> + Send + 'static,
    {
        let slot: Slot<Result<T, E>> = Arc::default();
        let s2 = slot.clone();
        // The change runs on the writer thread inside the caller's request span.
        let span = tracing::Span::current();
        let work: GroupWork = Box::new(move |tx: &redb::WriteTransaction| {
            let r = span.in_scope(|| f(tx));
            let ok = r.is_ok();
            *s2.lock().expect("slot") = Some(r);
            ok
        });
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let sent = self
            .group_writer()
            .send(GroupJob {
                work,
                durable,
                done: done_tx,
            })
            .is_ok();
        let committed = sent && done_rx.await.unwrap_or(false);
        let result = slot.lock().expect("slot").take();
        match (committed, result) {
            (true, Some(r)) => r,
            (_, Some(Err(e))) => Err(e),
            // The batch was not committed (the storage failed, or another change in it did):
            // nothing of this change was kept, and trying again is right.
            _ => Err(StoreError::Unavailable.into()),
        }
    }

    /// `update_session` through group commit, synced. The shop's cart changes do not use
    /// it (they commit unsynced, `Store::change_session`); it stays for a session change
    /// that must be durable when answered.
    pub async fn update_session_grouped<R: Send + 'static>(
        &self,
        id: String,
        now: i64,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.write_grouped(move |tx| session_in(tx, &id, now, f))
            .await
    }

    /// `place_order` through group commit: the checks come before any change, so a refusal
    /// (empty cart, stock) leaves the shared transaction untouched.
    pub async fn place_order_grouped(&self, new: NewOrder) -> Result<Order, PlaceOrderError> {
        let r = self
            .write_grouped(move |tx| match orders::place_order_in(tx, new) {
                Err(PlaceOrderError::Store(e)) => Err(e),
                other => Ok(other),
            })
            .await;
        match r {
            Ok(Ok(order)) => {
                self.catalog_changed();
                Ok(order)
            }
            Ok(Err(refused)) => Err(refused),
            Err(e) => Err(PlaceOrderError::Store(e)),
        }
    }

    fn group_writer(&self) -> &std::sync::mpsc::Sender<GroupJob> {
        self.group.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<GroupJob>();
            let weak = Arc::downgrade(&self.db);
            std::thread::Builder::new()
                .name("puzi-group-commit".into())
                .spawn(move || group_commit_loop(weak, rx))
                .expect("spawn the group-commit thread");
            tx
        })
    }
}

/// Where a grouped change leaves its result for its caller.
type Slot<T> = Arc<std::sync::Mutex<Option<T>>>;

/// A change run inside a shared write transaction; false when it failed.
pub(crate) type GroupWork = Box<dyn FnOnce(&redb::WriteTransaction) -> bool + Send>;

pub(crate) struct GroupJob {
    work: GroupWork,
    /// Whether the change must be synced before its caller hears back.
    durable: bool,
    /// Told whether the batch was committed.
    done: tokio::sync::oneshot::Sender<bool>,
}

/// Most changes one transaction carries.
const GROUP_MAX: usize = 64;

/// How long, at most, the writer lets changes gather before a batch when the last batch
/// showed they arrive together (it carried more than one), looking every `LINGER_STEP`
/// and stopping at the first look that found nothing new (one step when every sender was
/// already waiting). A change that comes alone, after a batch of one, is committed at
/// once. Under load, a commit's fixed cost — rewriting the pages of every table it
/// touches, their checksums, the write-out and the sync — is shared by more changes, and
/// the writer is woken once per batch rather than once per change.
const LINGER: std::time::Duration = std::time::Duration::from_micros(300);
const LINGER_STEP: std::time::Duration = std::time::Duration::from_micros(60);

/// Moves what is queued into `batch`, up to `GROUP_MAX`.
fn take_queued(rx: &std::sync::mpsc::Receiver<GroupJob>, batch: &mut Vec<GroupJob>) {
    while batch.len() < GROUP_MAX {
        match rx.try_recv() {
            Ok(j) => batch.push(j),
            Err(_) => break,
        }
    }
}

/// The group-commit writer: takes what is queued, applies it in one transaction, commits
/// once, then answers every caller. It holds the database weakly and ends with the store.
fn group_commit_loop(db: std::sync::Weak<db::Db>, rx: std::sync::mpsc::Receiver<GroupJob>) {
    let mut together = false;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        take_queued(&rx, &mut batch);
        if together {
            // Senders do not wake a sleeping receiver: what arrives meanwhile just queues.
            let until = std::time::Instant::now() + LINGER;
            while batch.len() < GROUP_MAX && std::time::Instant::now() < until {
                std::thread::sleep(LINGER_STEP);
                let had = batch.len();
                take_queued(&rx, &mut batch);
                if batch.len() == had {
                    break;
                }
            }
        }
        together = batch.len() > 1;
        let Some(db) = db.upgrade() else {
            return;
        };
        let mut dones = Vec::with_capacity(batch.len());
        let durable = batch.iter().any(|j| j.durable);
        let committed = match db.begin_write() {
            Ok(tx) => {
                let mut ok = true;
                for job in batch {
                    if ok {
                        // A panicking change fails its batch like an error does, and the
                        // writer lives on: one bad request must not stop every later write.
                        let work = job.work;
                        ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&tx)))
                            .unwrap_or(false);
                    }
                    dones.push(job.done);
                }
                ok && if durable {
                    tx.commit().is_ok()
                } else {
                    tx.commit_unsynced().is_ok()
                }
            }
            Err(_) => {
                dones.extend(batch.into_iter().map(|j| j.done));
                false
            }
        };
        drop(db);
        for d in dones {
            let _ = d.send(committed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queues jobs (each writing one session) and runs the writer over them as one batch.
    fn one_batch(store: &Store, durable: &[bool]) -> Vec<bool> {
        let (tx, rx) = std::sync::mpsc::channel::<GroupJob>();
        let mut answers = Vec::new();
        for (i, &d) in durable.iter().enumerate() {
            let (done, answer) = tokio::sync::oneshot::channel();
            let id = format!("s{i}");
            let work: GroupWork = Box::new(move |t: &redb::WriteTransaction| {
                session_in(t, &id, 1, |s| s.last_seen = 1).is_ok()
            });
            tx.send(GroupJob {
                work,
                durable: d,
                done,
            })
            .unwrap();
            answers.push(answer);
        }
        drop(tx);
        // Everything was queued before the writer looked: one batch, then the channel ends.
        group_commit_loop(Arc::downgrade(&store.db), rx);
        answers
            .into_iter()
            .map(|mut a| a.try_recv().unwrap())
            .collect()
    }

    /// A batch of changes that need no sync commits unsynced; one durable change in a batch
    /// syncs everything in it, so nothing durable is answered before the sync.
    #[test]
    fn a_batch_syncs_when_any_change_in_it_must_be_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("puzi.redb")).unwrap();
        store.sync_unsynced().unwrap();
        assert_eq!(one_batch(&store, &[false, false]), [true, true]);
        assert!(
            store.sync_unsynced().unwrap(),
            "unsynced-only batch: left unsynced"
        );
        assert_eq!(one_batch(&store, &[false, true, false]), [true, true, true]);
        assert!(
            !store.sync_unsynced().unwrap(),
            "a durable change synced its whole batch"
        );
        assert!(store.session("s2").unwrap().is_some());
    }
}
