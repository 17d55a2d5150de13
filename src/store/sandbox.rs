//! The sandbox's own table: a prefixed key-value space only the WeChat simulator uses.

use super::*;

/// The sandbox's key-value table inside one write transaction.
pub struct SandboxTable<'t> {
    table: redb::Table<'t, &'static str, &'static [u8]>,
}

impl SandboxTable<'_> {
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.table.get(key)?.map(|v| v.value().to_vec()))
    }
    pub fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.table.insert(key, value)?;
        Ok(())
    }
    pub fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.table.remove(key)?;
        Ok(())
    }
}

impl Store {
    pub fn sandbox_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SANDBOX)?;
        Ok(t.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub fn sandbox_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SANDBOX)?;
        let mut out = Vec::new();
        for row in t.range(prefix..)? {
            let (k, v) = row?;
            if !k.value().starts_with(prefix) {
                break;
            }
            out.push((k.value().to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Runs `f` in one durable write transaction over the sandbox table; nothing is
    /// written when `f` returns an error.
    pub fn sandbox_write<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut SandboxTable<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.sandbox_commit(true, f)
    }

    /// `sandbox_write` without a sync, for the simulator's records on a shopper's way to
    /// paying — OAuth personas and codes, JSAPI prepay orders. They play WeChat's side and
    /// are not the shop's money: the shop's own order and prepay record always commit
    /// synced. The change reaches the disk with the next synced commit (any order, prepay
    /// or payment, the sandbox's payment on its sheet, or the job tick); a crash before
    /// that loses it, and the shopper's next attempt makes it again.
    pub fn sandbox_write_unsynced<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut SandboxTable<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.sandbox_commit(false, f)
    }

    fn sandbox_commit<R, E: From<StoreError>>(
        &self,
        synced: bool,
        f: impl FnOnce(&mut SandboxTable<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let tx = self.db.begin_write()?;
        let r = {
            let table = tx.open_table(SANDBOX).map_err(StoreError::from)?;
            let mut st = SandboxTable { table };
            f(&mut st)?
        };
        if synced {
            tx.commit()?;
        } else {
            tx.commit_unsynced()?;
        }
        Ok(r)
    }

    /// `sandbox_write` through group commit (the sandbox's hot path: JSAPI orders).
    pub async fn sandbox_write_grouped<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut SandboxTable<'_>) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.write_grouped(move |tx| {
            let table = tx.open_table(SANDBOX)?;
            let mut st = SandboxTable { table };
            f(&mut st)
        })
        .await
    }

    /// `sandbox_write_unsynced` through the group-commit writer (the sandbox's hot path:
    /// JSAPI prepay records): it rides a batch's transaction, unsynced.
    pub async fn sandbox_write_grouped_unsynced<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut SandboxTable<'_>) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.write_grouped_unsynced(move |tx| {
            let table = tx.open_table(SANDBOX)?;
            let mut st = SandboxTable { table };
            f(&mut st)
        })
        .await
    }
}
