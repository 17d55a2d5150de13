//! Storage faults for crash tests: a redb storage backend that wraps the file backend and
//! fails the N-th write or fsync (`sync_data`) a test asks it to, as a crash would.
//!
//! The backend keeps what redb writes in memory until redb syncs it (as the operating
//! system's page cache does), so a fault can lose exactly what a real crash loses: when an
//! injected fault fires, every write since the last successful sync is dropped, and the
//! failing call and every later one return an error. The file on disk is then what a
//! machine that lost power at that moment would leave, and a store reopened on it (with
//! `Store::open`) is the shop after a restart. Nothing in production code knows about it:
//! tests hand it to `Store::open_with_backend`.

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// The test's handle on a [`FaultyBackend`]: arms faults and counts calls. Clones share
/// one backend's state.
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<Mutex<FaultState>>);

#[derive(Debug, Default)]
struct FaultState {
    writes: u64,
    syncs: u64,
    /// The write call (counted from open, 1-based) that fails.
    fail_write_at: Option<u64>,
    /// The sync call (counted from open, 1-based) that fails.
    fail_sync_at: Option<u64>,
    crashed: bool,
    /// Every write and fsync fails (as on a full disk) until cleared; reads still work.
    full: bool,
    /// Writes not yet synced, oldest first: (offset, bytes).
    unsynced: Vec<(u64, Vec<u8>)>,
}

impl Faults {
    fn state(&self) -> MutexGuard<'_, FaultState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `n`-th write from now fails (1: the next one).
    pub fn fail_nth_write(&self, n: u64) {
        let mut s = self.state();
        s.fail_write_at = Some(s.writes + n.max(1));
    }

    /// The `n`-th fsync from now fails (1: the next one).
    pub fn fail_nth_sync(&self, n: u64) {
        let mut s = self.state();
        s.fail_sync_at = Some(s.syncs + n.max(1));
    }

    /// Every write and fsync fails with "no space left on device" from now on, as on a
    /// full disk, until [`Faults::clear`]; reads keep working. What had not been synced
    /// when a write or fsync failed is lost, as the kernel may drop it.
    pub fn fill_disk(&self) {
        self.state().full = true;
    }

    /// Ends [`Faults::fill_disk`]: writes and fsyncs succeed again.
    pub fn clear(&self) {
        self.state().full = false;
    }

    /// Whether writes would succeed now: the probe a [`FaultyReopen`] makes.
    fn probe(&self) -> io::Result<()> {
        let s = self.state();
        if s.crashed {
            return Err(crashed());
        }
        if s.full {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "injected storage fault: no space left on device",
            ));
        }
        Ok(())
    }

    /// Write calls so far.
    pub fn writes(&self) -> u64 {
        self.state().writes
    }

    /// Fsync calls so far.
    pub fn syncs(&self) -> u64 {
        self.state().syncs
    }

    /// Whether an injected fault has fired (the backend has "crashed").
    pub fn crashed(&self) -> bool {
        self.state().crashed
    }
}

/// A storage backend over the data file whose writes and fsyncs fail when its [`Faults`]
/// say so (see the module documentation).
#[derive(Debug)]
pub struct FaultyBackend {
    file: FileBackend,
    faults: Faults,
}

impl FaultyBackend {
    /// Opens (or creates) the data file at `path` behind fault injection.
    pub fn open(path: &Path, faults: Faults) -> io::Result<FaultyBackend> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let file = FileBackend::new(file).map_err(io::Error::other)?;
        Ok(FaultyBackend { file, faults })
    }

    /// The state, or the error every call returns once the backend has crashed.
    fn alive(&self) -> io::Result<MutexGuard<'_, FaultState>> {
        let s = self.faults.state();
        if s.crashed {
            return Err(crashed());
        }
        Ok(s)
    }
}

/// Opens (and after a storage failure reopens) a store's data file behind fault
/// injection, all sharing one [`Faults`]: hand it to `Store::open_reopening`. Its probe
/// fails while the disk is "full" or the backend has crashed.
#[derive(Clone, Debug)]
pub struct FaultyReopen {
    path: std::path::PathBuf,
    faults: Faults,
}

impl FaultyReopen {
    pub fn new(path: &Path, faults: Faults) -> FaultyReopen {
        FaultyReopen {
            path: path.to_path_buf(),
            faults,
        }
    }
}

impl crate::store::Reopen for FaultyReopen {
    fn probe(&self) -> io::Result<()> {
        self.faults.probe()
    }

    fn open(&self) -> Result<redb::Database, redb::DatabaseError> {
        let backend = FaultyBackend::open(&self.path, self.faults.clone())
            .map_err(|e| redb::DatabaseError::Storage(e.into()))?;
        redb::Database::builder().create_with_backend(backend)
    }
}

fn crashed() -> io::Error {
    io::Error::other("injected storage fault: the backend has crashed")
}

/// Drops what was never synced and fails from now on.
fn crash(s: &mut FaultState, what: &str) -> io::Error {
    s.crashed = true;
    s.unsynced.clear();
    io::Error::other(format!("injected storage fault: {what} failed"))
}

/// A write or fsync on a full disk: what was not synced is gone, the backend lives on.
fn no_space(s: &mut FaultState) -> io::Error {
    s.unsynced.clear();
    io::Error::new(
        io::ErrorKind::StorageFull,
        "injected storage fault: no space left on device",
    )
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> Result<u64, io::Error> {
        let _s = self.alive()?;
        self.file.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        let s = self.alive()?;
        self.file.read(offset, out)?;
        // Unsynced writes are visible to reads, as the page cache makes them.
        let end = offset + out.len() as u64;
        for (at, bytes) in &s.unsynced {
            let (from, to) = ((*at).max(offset), (at + bytes.len() as u64).min(end));
            if from < to {
                out[(from - offset) as usize..(to - offset) as usize]
                    .copy_from_slice(&bytes[(from - at) as usize..(to - at) as usize]);
            }
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let mut s = self.alive()?;
        // The length goes to the file at once: growth is zeros, which a crash may keep.
        self.file.set_len(len)?;
        for (at, bytes) in &mut s.unsynced {
            bytes.truncate(len.saturating_sub(*at) as usize);
        }
        s.unsynced.retain(|(_, b)| !b.is_empty());
        Ok(())
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        let mut s = self.alive()?;
        s.syncs += 1;
        if s.fail_sync_at == Some(s.syncs) {
            return Err(crash(&mut s, "fsync"));
        }
        if s.full {
            return Err(no_space(&mut s));
        }
        for (at, bytes) in std::mem::take(&mut s.unsynced) {
            self.file.write(at, &bytes)?;
        }
        self.file.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let mut s = self.alive()?;
        s.writes += 1;
        if s.fail_write_at == Some(s.writes) {
            return Err(crash(&mut s, "write"));
        }
        if s.full {
            return Err(no_space(&mut s));
        }
        let end = offset + data.len() as u64;
        if self.file.len()? < end {
            self.file.set_len(end)?;
        }
        // A write that covers an earlier unsynced one makes it moot.
        s.unsynced
            .retain(|(at, b)| *at < offset || at + b.len() as u64 > end);
        s.unsynced.push((offset, data.to_vec()));
        Ok(())
    }

    fn close(&self) -> Result<(), io::Error> {
        // Always reaches the file: its locks must be released even after a crash.
        self.file.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.query_lock_range(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn faulty(path: &Path) -> (Store, Faults) {
        let faults = Faults::default();
        let backend = FaultyBackend::open(path, faults.clone()).unwrap();
        (Store::open_with_backend(path, backend).unwrap(), faults)
    }

    #[test]
    fn a_failed_fsync_loses_the_commit_and_keeps_the_ones_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("puzi.redb");
        let (store, faults) = faulty(&path);
        store.set_meta("a", b"1").unwrap();
        faults.fail_nth_sync(1);
        assert!(store.set_meta("b", b"2").is_err());
        assert!(faults.crashed());
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(store.meta("b").unwrap(), None, "never synced, so lost");
    }

    #[test]
    fn a_failed_write_loses_the_commit_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("puzi.redb");
        let (store, faults) = faulty(&path);
        store.set_meta("a", b"1").unwrap();
        let (writes, syncs) = (faults.writes(), faults.syncs());
        store.set_meta("a", b"2").unwrap();
        assert!(
            faults.writes() > writes && faults.syncs() > syncs,
            "counted"
        );
        faults.fail_nth_write(1);
        assert!(store.set_meta("a", b"3").is_err());
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("a").unwrap().as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn unarmed_it_is_the_file_backend() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("puzi.redb");
        let (store, faults) = faulty(&path);
        for i in 0..50u32 {
            store.set_meta(&format!("k{i}"), &[7; 3000]).unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(crate::store::StoreError::Locked(_))
        ));
        drop(store);
        assert!(!faults.crashed());
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("k49").unwrap(), Some(vec![7; 3000]));
    }
}
