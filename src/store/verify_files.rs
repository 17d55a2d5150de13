//! WeChat's domain verification files (`MP_verify_<random>.txt`): the owner uploads the
//! file an Official Account console hands out, and the shop serves it at its root, byte for
//! byte. Several are kept (one per account); they live in the `meta` table under their own
//! prefix, so backups and restores carry them without a table of their own.

use super::*;

const PREFIX: &str = "mp_verify/";
/// A verification file is a short ASCII string; anything larger is not one.
pub const VERIFY_FILE_MAX: usize = 1024;

/// Whether `name` is a verification file's name: `MP_verify_[A-Za-z0-9]+.txt`, nothing else
/// (no path separators, no dots but the extension's).
pub fn valid_verify_name(name: &str) -> bool {
    name.strip_prefix("MP_verify_")
        .and_then(|r| r.strip_suffix(".txt"))
        .is_some_and(|mid| {
            !mid.is_empty() && mid.len() <= 64 && mid.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Why a verification file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFileError {
    #[error("the name must look like MP_verify_XXXX.txt")]
    BadName,
    #[error("the file is empty or larger than 1 KB: not a WeChat verification file")]
    BadSize,
}

impl Store {
    /// Stores (or replaces) a verification file. `Ok(Err(_))` when the name or size is wrong.
    /// `by`: who stored it (the member, or "cli") and when, for the audit entry written in
    /// the same transaction.
    pub fn put_domain_file(
        &self,
        name: &str,
        data: &[u8],
        by: (&str, i64),
    ) -> Result<Result<(), VerifyFileError>, StoreError> {
        if !valid_verify_name(name) {
            return Ok(Err(VerifyFileError::BadName));
        }
        if data.is_empty() || data.len() > VERIFY_FILE_MAX {
            return Ok(Err(VerifyFileError::BadSize));
        }
        let tx = self.db.begin_write()?;
        tx.open_table(META)?
            .insert(format!("{PREFIX}{name}").as_str(), data)?;
        let action = crate::audit::Action::VerifyFileSaved { name: name.into() };
        audit::write_in(&tx, &crate::audit::Entry::new(by.1, by.0, action))?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// A verification file's bytes, if stored.
    pub fn domain_file(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !valid_verify_name(name) {
            return Ok(None);
        }
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(format!("{PREFIX}{name}").as_str())?
            .map(|v| v.value().to_vec()))
    }

    /// Every stored verification file, by name.
    pub fn domain_files(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        let mut v = Vec::new();
        for row in t.range(PREFIX..)? {
            let (k, b) = row?;
            let Some(name) = k.value().strip_prefix(PREFIX) else {
                break;
            };
            v.push((name.to_string(), b.value().to_vec()));
        }
        Ok(v)
    }

    /// Deletes a verification file; whether it was there.
    pub fn delete_domain_file(&self, name: &str, by: (&str, i64)) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let found = tx
            .open_table(META)?
            .remove(format!("{PREFIX}{name}").as_str())?
            .is_some();
        if found {
            let action = crate::audit::Action::VerifyFileDeleted { name: name.into() };
            audit::write_in(&tx, &crate::audit::Entry::new(by.1, by.0, action))?;
        }
        tx.commit()?;
        Ok(found)
    }
}
