//! CSV in and out of the store, for the back office and the CLI alike: the catalog export,
//! the catalog import as ONE write transaction (every row is written or none is), and the
//! orders export for bookkeeping. Parsing and formatting the catalog's rows is the pure
//! `crate::catalog::csv`; this file only reads and writes the tables.

use super::*;
use crate::catalog::csv::{self as catalog_csv, Imported};
use std::collections::BTreeSet;

impl Store {
    /// The whole catalog as CSV, one row per variant with its stock.
    pub fn export_catalog(&self, currency: Currency) -> Result<String, StoreError> {
        let products = self.products()?;
        let mut stock = Vec::new();
        for p in &products {
            stock.push(self.stock_of(p)?);
        }
        Ok(catalog_csv::export(&products, &stock, currency))
    }

    /// Imports a catalog CSV: all rows or none. Every row is checked (against the
    /// categories and images in the shop) and then written in one write transaction, which
    /// is committed only if every product was written; a row the store refuses (a SKU that
    /// belongs to a product outside the file) aborts it. Returns the number of products
    /// imported, or every problem found with its line. The import is recorded in the
    /// audit log (by `by`) in the same transaction.
    pub fn import_catalog(
        &self,
        text: &str,
        currency: Currency,
        by: &str,
        now: i64,
    ) -> Result<Result<usize, Vec<String>>, StoreError> {
        let tx = self.db.begin_write()?;
        let rows = {
            let cats = tx.open_table(CATEGORIES)?;
            let mut known = Vec::new();
            for row in cats.iter()? {
                let (_, v) = row?;
                known.push(dec::<Category>("categories", v.value())?);
            }
            let images = tx.open_table(IMAGES)?;
            let has_image = |h: &str| images.get(h).is_ok_and(|v| v.is_some());
            catalog_csv::import(text, currency, &known, &has_image)
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(errors) => return Ok(Err(errors)),
        };
        let errors = import_in(&tx, &rows, by, now)?;
        if !errors.is_empty() {
            // Dropping the transaction would abort it too; this says so.
            tx.abort()?;
            return Ok(Err(errors));
        }
        let action = crate::audit::Action::CatalogImported {
            products: rows.len(),
        };
        audit::write_in(&tx, &crate::audit::Entry::new(now, by, action))?;
        tx.commit()?;
        self.catalog_changed();
        Ok(Ok(rows.len()))
    }
}

/// Writes imported products into a transaction, product by product, and returns the
/// problems the store found (the caller then aborts). Stock given in the file is set, and
/// logged as a "CSV import" change where it differs.
fn import_in(
    tx: &redb::WriteTransaction,
    rows: &[Imported],
    by: &str,
    now: i64,
) -> Result<Vec<String>, StoreError> {
    let in_file: BTreeSet<&str> = rows.iter().map(|r| r.product.id.as_str()).collect();
    let mut errors = Vec::new();
    for r in rows {
        // A SKU is unique across the shop: it may move between products of this file, but
        // not be taken from a product the file does not mention.
        let mut refused = false;
        {
            let skus = tx.open_table(SKUS)?;
            for (v, line) in r.product.variants.iter().zip(&r.lines) {
                if let Some(owner) = skus.get(v.sku.as_str())?
                    && !in_file.contains(owner.value())
                {
                    errors.push(format!(
                        "line {line}: sku {:?} belongs to the product {}",
                        v.sku,
                        owner.value()
                    ));
                    refused = true;
                }
            }
        }
        if refused {
            continue;
        }
        let initial: Vec<(String, u32)> = r
            .stock
            .iter()
            .filter_map(|(k, v)| v.map(|n| (k.clone(), n)))
            .collect();
        put_product_in(tx, &r.product, &initial)?;
        for (sku, n) in &r.stock {
            // Only real changes reach the stock log.
            let before = tx.open_table(STOCK)?.get(sku.as_str())?.map(|v| v.value());
            if let Some(n) = *n
                && before.unwrap_or(0) != u64::from(n)
            {
                stock_change_in(tx, sku, n, "CSV import", by, now)?;
            }
        }
    }
    // A SKU moved from a product written later in the file lost its index entry when that
    // product was rewritten: index every imported SKU again.
    let mut skus = tx.open_table(SKUS)?;
    for r in rows {
        for v in &r.product.variants {
            skus.insert(v.sku.as_str(), r.product.id.as_str())?;
        }
    }
    Ok(errors)
}

/// A cell a spreadsheet would not run as a formula: one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'` (shown as text, the value otherwise kept).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Orders as CSV for bookkeeping (times in China Standard Time).
pub fn orders_csv(orders: &[Order]) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "out_trade_no",
        "created_at",
        "state",
        "channel",
        "recipient",
        "mobile",
        "address",
        "items",
        "currency",
        "items_total",
        "shipping",
        "total",
        "paid",
        "transaction_id",
        "paid_at",
        "refunded",
        "courier",
        "tracking_no",
        "discount",
        "coupon",
    ])
    .expect("in-memory write");
    for o in orders {
        let cur = o.currency;
        let items = o
            .lines
            .iter()
            .map(|l| format!("{} {} ×{}", l.product_name, l.variant_name, l.qty))
            .collect::<Vec<_>>()
            .join("; ");
        let p = o.payment.as_ref();
        let row = [
            o.no.as_str(),
            &cst_datetime(o.created_at),
            o.state.as_str(),
            o.channel.as_deref().unwrap_or(""),
            &o.recipient.name,
            &o.recipient.mobile,
            &o.recipient.address,
            &items,
            cur.code(),
            &o.items_total.decimal(cur),
            &o.shipping.decimal(cur),
            &o.total.decimal(cur),
            &p.map(|p| p.amount.decimal(cur)).unwrap_or_default(),
            p.map(|p| p.transaction_id.as_str()).unwrap_or(""),
            &p.map(|p| cst_datetime(p.paid_at)).unwrap_or_default(),
            &o.refunded().decimal(cur),
            o.shipment
                .as_ref()
                .map(|s| s.courier.as_str())
                .unwrap_or(""),
            o.shipment
                .as_ref()
                .map(|s| s.tracking_no.as_str())
                .unwrap_or(""),
            &o.discount.decimal(cur),
            o.coupon.as_ref().map(|c| c.code.as_str()).unwrap_or(""),
        ];
        w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("UTF-8")
}

/// `2026-01-31 14:05` in China Standard Time (the back office shows the same).
fn cst_datetime(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(crate::clock::CST))
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "csv_io_tests.rs"]
mod tests;
