//! The data file's schema: creating every table, the version number, and upgrades from
//! older versions (each in the transaction that records the new version).

use super::*;

impl Store {
    pub(super) fn init_schema(&self, path: &Path) -> Result<(), StoreError> {
        let mut needs_upgrade_from = None;
        {
            let tx = self.db.begin_read()?;
            if let Ok(meta) = tx.open_table(META)
                && let Some(v) = meta.get("schema_version")?
            {
                let v = u32::from_le_bytes(v.value().try_into().unwrap_or([0xff; 4]));
                if v < SCHEMA_VERSION {
                    needs_upgrade_from = Some(v);
                }
            }
        }
        if let Some(v) = needs_upgrade_from {
            // Before changing anything: a copy of the file as it was.
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let out = path.with_extension(format!(
                "redb.before-schema-{SCHEMA_VERSION}-from-{v}-{stamp}"
            ));
            self.backup_to(&out)
                .map_err(|e| StoreError::Io(format!("backup before upgrade: {e}")))?;
            tracing::warn!(from = v, to = SCHEMA_VERSION, backup = %out.display(), "upgrading the data file");
        }
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(META)?;
            let found = meta
                .get("schema_version")?
                .map(|v| u32::from_le_bytes(v.value().try_into().unwrap_or([0xff; 4])));
            match found {
                Some(v) if v > SCHEMA_VERSION => {
                    return Err(StoreError::SchemaTooNew {
                        found: v,
                        supported: SCHEMA_VERSION,
                    });
                }
                Some(v) if v < SCHEMA_VERSION => {
                    // In the same transaction as the new version number.
                    migrate(&tx, v)?;
                    meta.insert("schema_version", SCHEMA_VERSION.to_le_bytes().as_slice())?;
                }
                Some(_) => {}
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION.to_le_bytes().as_slice())?;
                }
            }
            // An index missing from a file whose version says it is there — a backup made
            // by an earlier build, which copied the tables of schema 3 only, or a file
            // from before the outbox indexes — is built from the data, whatever the
            // version.
            build_missing(&tx)?;
            // Create every table so readers never meet a missing one.
            tx.open_table(CATEGORIES)?;
            tx.open_table(PRODUCTS)?;
            tx.open_table(SKUS)?;
            tx.open_table(STOCK)?;
            tx.open_table(IMAGES)?;
            tx.open_table(SESSIONS)?;
            tx.open_table(ORDERS)?;
            tx.open_multimap_table(SESSION_ORDERS)?;
            tx.open_table(SANDBOX)?;
            tx.open_table(PAYMENTS)?;
            tx.open_table(NOTIFICATIONS)?;
            tx.open_table(OPEN_ORDERS)?;
            tx.open_table(SHIPPED_ORDERS)?;
            tx.open_table(REFUNDS)?;
            tx.open_table(ALERTS)?;
            tx.open_table(ADMIN)?;
            tx.open_table(ADMIN_SESSIONS)?;
            tx.open_table(STOCK_LOG)?;
            tx.open_table(OUTBOX)?;
            tx.open_multimap_table(OPENID_ORDERS)?;
            tx.open_table(ADDRESSES)?;
            tx.open_table(OPENID_CARTS)?;
            tx.open_table(AFTERSALES_PHOTOS)?;
            tx.open_table(AUDIT)?;
            tx.open_table(coupons::COUPONS)?;
            tx.open_table(coupons::COUPON_USES)?;
            tx.open_table(shipping::SHIPPING_TEMPLATES)?;
            tx.open_table(ORDERS_BY_STATE)?;
            tx.open_multimap_table(UNPAID_BY_SHOPPER)?;
            tx.open_table(AFTERSALES_ORDERS)?;
            tx.open_table(REFUNDS_DUE)?;
            tx.open_table(OPEN_ALERTS)?;
            tx.open_table(order_search::ORDER_SEARCH)?;
            tx.open_table(totals::ORDER_COUNTS)?;
            tx.open_table(totals::CHANNEL_TOTALS)?;
            tx.open_table(outbox::OUTBOX_PENDING)?;
            tx.open_table(outbox::OUTBOX_BY_ORDER)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Upgrades a data file written with schema `from` (older than this build's), inside the
/// transaction that records the new version: all of it happens, or none.
fn migrate(tx: &redb::WriteTransaction, from: u32) -> Result<(), StoreError> {
    if from < 2 {
        // Schema 2 indexes shipped orders so completing them needs no scan of every order.
        let orders = tx.open_table(ORDERS)?;
        let mut shipped = tx.open_table(SHIPPED_ORDERS)?;
        for row in orders.iter()? {
            let (k, v) = row?;
            let o: Order = dec("orders", v.value())?;
            if let (OrderState::Shipped, Some(s)) = (o.state, &o.shipment) {
                shipped.insert(k.value(), s.shipped_at as u64)?;
            }
        }
    }
    if from < 3 {
        // Schema 3 indexes orders by the openid they belong to (the one their payment
        // attempt carried), so a shopper's orders are found in any session.
        let orders = tx.open_table(ORDERS)?;
        let mut by_openid = tx.open_multimap_table(OPENID_ORDERS)?;
        for row in orders.iter()? {
            let (k, v) = row?;
            let o: Order = dec("orders", v.value())?;
            if let Some(openid) = o.owner_openid() {
                by_openid.insert(openid, k.value())?;
            }
        }
    }
    if from < 4 {
        // Schema 4 indexes orders by state, unpaid orders by shopper, after-sales and
        // refunds still open, and open alerts, so pages and jobs stop reading every order.
        indexes::build(tx)?;
    }
    if from == 4 {
        // Schema 5 indexes what owners search orders by (mobile, its last 4 digits, name),
        // so the back office's search stops reading every order. (From older schemas,
        // `indexes::build` above has written it already: it indexes each order whole.)
        order_search::build(tx)?;
        // And keeps running totals for the dashboard and /metrics.
        totals::build(tx)?;
    }
    // Schema 5 also indexes the outbox's pending entries and each order's entries (so the
    // delivery tick and the order pages stop reading every message ever sent): built by
    // `build_missing`, as every index missing from a file is.
    Ok(())
}

/// Builds each index table the file lacks from the data it indexes (a table that exists
/// is kept as it is: it has been written in every transaction since it was made).
fn build_missing(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    use redb::TableHandle;
    let have: std::collections::HashSet<String> =
        tx.list_tables()?.map(|h| h.name().to_string()).collect();
    let missing = |name: &str| !have.contains(name);
    if missing(ORDERS_BY_STATE.name()) {
        // Every order index of schemas 4 and 5 (`index_order` writes them all).
        indexes::build(tx)?;
    } else {
        if missing(order_search::ORDER_SEARCH.name()) {
            order_search::build(tx)?;
        }
        if missing(totals::ORDER_COUNTS.name()) {
            totals::build(tx)?;
        }
    }
    if missing(outbox::OUTBOX_PENDING.name()) {
        outbox::build_indexes(tx)?;
    }
    Ok(())
}
