//! Backups: a consistent copy of every table, taken from one read snapshot while the shop
//! keeps serving (redb has no online backup of its own), written to a new file that is a
//! complete puzi store, created readable by its owner only (0600); and verification of a
//! backup before it replaces anything.

use super::*;
use redb::ReadableMultimapTable;

macro_rules! copy_tables {
    ($rtx:expr, $wtx:expr, $($t:expr),* $(,)?) => {$(
        // A table a file from an older schema does not have yet is skipped: the copy is
        // then that older file, and upgrades when it is opened.
        match $rtx.open_table($t) {
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            src => {
                let src = src?;
                let mut dst = $wtx.open_table($t)?;
                for row in src.iter()? {
                    let (k, v) = row?;
                    dst.insert(k.value(), v.value())?;
                }
            }
        }
    )*};
}

/// Makes `path` an owner-only (0600) file: created so when missing (empty; redb
/// initializes an empty file), narrowed when it exists with wider permissions.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        let mode = f.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `dir` (and its missing parents) owner-only (0700); an existing directory is
/// left as it is.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

impl Store {
    /// Copies the store, as of one snapshot, into a new file at `out` (which must not
    /// exist). Returns the size of the file written.
    pub fn backup_to(&self, out: &Path) -> Result<u64, String> {
        if out.exists() {
            return Err(format!(
                "{} exists already; choose a new file",
                out.display()
            ));
        }
        let tmp = out.with_extension(format!("partial-{}", crate::random::random_token::<4>()));
        let _ = std::fs::remove_file(&tmp);
        // Created 0600 before redb opens it: never readable by others, not even briefly.
        private_file(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let r = (|| -> Result<(), StoreError> {
            let rtx = self.db.begin_read()?;
            let dst = Database::create(&tmp)?;
            let wtx = dst.begin_write()?;
            copy_tables!(
                rtx,
                wtx,
                META,
                CATEGORIES,
                PRODUCTS,
                SKUS,
                STOCK,
                IMAGES,
                SESSIONS,
                ORDERS,
                PAYMENTS,
                NOTIFICATIONS,
                OPEN_ORDERS,
                SHIPPED_ORDERS,
                REFUNDS,
                ALERTS,
                ADMIN,
                ADMIN_SESSIONS,
                STOCK_LOG,
                OUTBOX,
                SANDBOX,
                ADDRESSES,
                OPENID_CARTS,
                AFTERSALES_PHOTOS,
                AUDIT,
                coupons::COUPONS,
                coupons::COUPON_USES,
                shipping::SHIPPING_TEMPLATES,
                ORDERS_BY_STATE,
                AFTERSALES_ORDERS,
                REFUNDS_DUE,
                OPEN_ALERTS,
                order_search::ORDER_SEARCH,
                totals::ORDER_COUNTS,
                totals::CHANNEL_TOTALS,
                outbox::OUTBOX_PENDING,
                outbox::OUTBOX_BY_ORDER,
            );
            // Every table the file has must be in one of these two lists:
            // `tests/it/ops.rs` compares a backup's tables and rows with the store's.
            for table in [SESSION_ORDERS, OPENID_ORDERS, UNPAID_BY_SHOPPER] {
                // An older file lacks the newer index: nothing to copy.
                let src = match rtx.open_multimap_table(table) {
                    Err(redb::TableError::TableDoesNotExist(_)) => continue,
                    other => other?,
                };
                let mut dst = wtx.open_multimap_table(table)?;
                for row in src.iter()? {
                    let (k, vs) = row?;
                    for v in vs {
                        dst.insert(k.value(), v?.value())?;
                    }
                }
            }
            wtx.commit()?;
            Ok(())
        })();
        if let Err(e) = r {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.to_string());
        }
        std::fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
    }

    /// Every table in the file with its number of rows (a multimap table: its values),
    /// sorted by name — what a backup must reproduce.
    pub fn table_sizes(&self) -> Result<Vec<(String, u64)>, StoreError> {
        use redb::{MultimapTableHandle, ReadableTableMetadata, TableHandle};
        let tx = self.db.begin_read()?;
        let mut v = Vec::new();
        for h in tx.list_tables()? {
            let name = h.name().to_string();
            v.push((name, tx.open_untyped_table(h)?.len()?));
        }
        for h in tx.list_multimap_tables()? {
            let name = h.name().to_string();
            v.push((name, tx.open_untyped_multimap_table(h)?.len()?));
        }
        v.sort();
        Ok(v)
    }

    /// Opens a backup read-only and checks it (see `verify`).
    pub fn verify_file(path: &Path) -> Result<String, String> {
        let db =
            redb::ReadOnlyDatabase::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let tx = db.begin_read().map_err(|e| e.to_string())?;
        verify_tx(&tx)
    }

    /// Checks this store: schema, and every order, product and session decodes.
    pub fn verify(&self) -> Result<String, String> {
        let tx = self.db.begin_read().map_err(|e| e.to_string())?;
        verify_tx(&tx)
    }
}

fn verify_tx(tx: &redb::ReadTransaction) -> Result<String, String> {
    {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let meta = tx.open_table(META).map_err(|e| err(&e))?;
        let version = meta
            .get("schema_version")
            .map_err(|e| err(&e))?
            .map(|v| u32::from_le_bytes(v.value().try_into().unwrap_or([0xff; 4])))
            .ok_or("no schema version: not a puzi data file")?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "schema {version} is newer than this puzi ({SCHEMA_VERSION})"
            ));
        }
        let orders = tx.open_table(ORDERS).map_err(|e| err(&e))?;
        let mut n_orders = 0;
        for row in orders.iter().map_err(|e| err(&e))? {
            let (_, v) = row.map_err(|e| err(&e))?;
            dec::<Order>("orders", v.value()).map_err(|e| err(&e))?;
            n_orders += 1;
        }
        let products = tx.open_table(PRODUCTS).map_err(|e| err(&e))?;
        let mut n_products = 0;
        for row in products.iter().map_err(|e| err(&e))? {
            let (_, v) = row.map_err(|e| err(&e))?;
            dec::<Product>("products", v.value()).map_err(|e| err(&e))?;
            n_products += 1;
        }
        let sessions = tx.open_table(SESSIONS).map_err(|e| err(&e))?;
        for row in sessions.iter().map_err(|e| err(&e))? {
            let (_, v) = row.map_err(|e| err(&e))?;
            dec::<Session>("sessions", v.value()).map_err(|e| err(&e))?;
        }
        Ok(format!(
            "schema {version}, {n_products} products, {n_orders} orders"
        ))
    }
}
