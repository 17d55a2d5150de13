//! The catalog in the store: categories, products and their SKU index, stock, cart
//! pricing against the catalog, content-addressed images, and the stock log.

use super::audit::write_in;
use super::*;
use crate::audit::{Action, Entry};

impl Store {
    pub fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CATEGORIES)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            out.push(dec::<Category>("categories", v.value())?);
        }
        out.sort_by(|a, b| a.sort.cmp(&b.sort).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    pub fn put_category(&self, c: &Category) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(CATEGORIES)?
            .insert(c.id.as_str(), enc(c).as_slice())?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }

    /// Saves a category with the audit entry of the member who did it.
    pub fn put_category_as(&self, c: &Category, entry: &Entry) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(CATEGORIES)?
            .insert(c.id.as_str(), enc(c).as_slice())?;
        write_in(&tx, entry)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }

    /// `put_product` with the audit entry of the member who did it, in one transaction.
    pub fn put_product_as(
        &self,
        p: &Product,
        initial_stock: &[(String, u32)],
        entry: &Entry,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        put_product_in(&tx, p, initial_stock)?;
        write_in(&tx, entry)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }

    /// Every product, published or not, in display order.
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PRODUCTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            out.push(dec::<Product>("products", v.value())?);
        }
        out.sort_by(|a, b| a.sort.cmp(&b.sort).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    pub fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PRODUCTS)?;
        t.get(id)?
            .map(|v| dec::<Product>("products", v.value()))
            .transpose()
    }

    /// Inserts or replaces a product and indexes its SKUs. Stock is untouched, except that a
    /// SKU seen for the first time starts at `initial_stock` (or 0).
    pub fn put_product(
        &self,
        p: &Product,
        initial_stock: &[(String, u32)],
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        put_product_in(&tx, p, initial_stock)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }

    pub fn stock(&self, sku: &str) -> Result<u32, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(STOCK)?;
        Ok(t.get(sku)?.map(|v| v.value() as u32).unwrap_or(0))
    }

    /// Stock of every SKU of a product, in variant order.
    pub fn stock_of(&self, p: &Product) -> Result<Vec<u32>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(STOCK)?;
        p.variants
            .iter()
            .map(|v| {
                Ok(t.get(v.sku.as_str())?
                    .map(|g| g.value() as u32)
                    .unwrap_or(0))
            })
            .collect()
    }

    pub fn set_stock(&self, sku: &str, n: u32) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(STOCK)?.insert(sku, u64::from(n))?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }

    /// Finds the product selling a SKU, with the units available.
    pub fn sku(&self, sku: &str) -> Result<Option<(Product, u32)>, StoreError> {
        let tx = self.db.begin_read()?;
        let skus = tx.open_table(SKUS)?;
        let products = tx.open_table(PRODUCTS)?;
        let stock = tx.open_table(STOCK)?;
        lookup_sku(&skus, &products, &stock, sku)
    }

    /// Prices a cart against the current catalog and stock, in one snapshot.
    pub fn price_cart(&self, cart: &Cart, rule: ShippingRule) -> Result<cart::Priced, StoreError> {
        let tx = self.db.begin_read()?;
        let skus = tx.open_table(SKUS)?;
        let products = tx.open_table(PRODUCTS)?;
        let stock = tx.open_table(STOCK)?;
        let mut failure = None;
        let priced = cart::price(cart, rule, |sku| {
            match lookup_sku(&skus, &products, &stock, sku) {
                Ok(found) => found,
                Err(e) => {
                    failure = Some(e);
                    None
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        priced.map_err(|_| StoreError::Corrupt {
            table: "products",
            detail: "cart total out of range".into(),
        })
    }

    // -- images ----------------------------------------------------------------------

    /// Stores image bytes under their SHA-256 and returns the hash. Storing the same bytes
    /// twice stores them once.
    pub fn put_image(&self, content_type: &str, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = crate::random::hex(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref(),
        );
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(IMAGES)?;
            if t.get(hash.as_str())?.is_none() {
                let ct = content_type.as_bytes();
                let mut v = Vec::with_capacity(1 + ct.len() + bytes.len());
                v.push(ct.len().min(255) as u8);
                v.extend_from_slice(&ct[..ct.len().min(255)]);
                v.extend_from_slice(bytes);
                t.insert(hash.as_str(), v.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(hash)
    }

    /// An image's content type and bytes.
    pub fn image(&self, hash: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(IMAGES)?;
        let Some(v) = t.get(hash)? else {
            return Ok(None);
        };
        let v = v.value();
        let n = usize::from(*v.first().unwrap_or(&0));
        if v.len() < 1 + n {
            return Err(StoreError::Corrupt {
                table: "images",
                detail: format!("image {hash} is truncated"),
            });
        }
        let ct = String::from_utf8_lossy(&v[1..1 + n]).into_owned();
        Ok(Some((ct, v[1 + n..].to_vec())))
    }
}

/// `Store::put_product` inside a transaction someone else commits.
pub(crate) fn put_product_in(
    tx: &redb::WriteTransaction,
    p: &Product,
    initial_stock: &[(String, u32)],
) -> Result<(), StoreError> {
    let mut products = tx.open_table(PRODUCTS)?;
    let mut skus = tx.open_table(SKUS)?;
    let mut stock = tx.open_table(STOCK)?;
    if let Some(old) = products.get(p.id.as_str())? {
        let old: Product = dec("products", old.value())?;
        for v in &old.variants {
            if p.variant(&v.sku).is_none() {
                skus.remove(v.sku.as_str())?;
            }
        }
    }
    products.insert(p.id.as_str(), enc(p).as_slice())?;
    for v in &p.variants {
        skus.insert(v.sku.as_str(), p.id.as_str())?;
        if stock.get(v.sku.as_str())?.is_none() {
            let n = initial_stock
                .iter()
                .find(|(s, _)| *s == v.sku)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            stock.insert(v.sku.as_str(), u64::from(n))?;
        }
    }
    Ok(())
}

pub(crate) fn lookup_sku(
    skus: &impl ReadableTable<&'static str, &'static str>,
    products: &impl ReadableTable<&'static str, &'static [u8]>,
    stock: &impl ReadableTable<&'static str, u64>,
    sku: &str,
) -> Result<Option<(Product, u32)>, StoreError> {
    let Some(pid) = skus.get(sku)? else {
        return Ok(None);
    };
    let Some(p) = products.get(pid.value())? else {
        return Ok(None);
    };
    let p: Product = dec("products", p.value())?;
    let n = stock.get(sku)?.map(|v| v.value() as u32).unwrap_or(0);
    Ok(Some((p, n)))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockChange {
    pub id: u64,
    pub at: i64,
    pub sku: String,
    pub before: u32,
    pub after: u32,
    pub reason: String,
    pub by: String,
}

impl Store {
    /// Sets a SKU's stock and records the change in the stock log and (by member `by`)
    /// the audit log, in one transaction.
    pub fn adjust_stock(
        &self,
        sku: &str,
        after: u32,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<StockChange, StoreError> {
        let tx = self.db.begin_write()?;
        let change = stock_change_in(&tx, sku, after, reason, by, now)?;
        let action = Action::StockAdjusted {
            sku: sku.to_string(),
            stock: after,
        };
        write_in(&tx, &Entry::new(now, by, action))?;
        tx.commit()?;
        self.catalog_changed();
        Ok(change)
    }

    /// Sets several SKUs' stock in one transaction, each change logged; SKUs no longer sold
    /// are skipped, and with `only_if_empty` so is every SKU that still has stock.
    pub fn refill_stock(
        &self,
        targets: &[(String, u32)],
        only_if_empty: bool,
        (reason, by, now): (&str, &str, i64),
    ) -> Result<Vec<StockChange>, StoreError> {
        let tx = self.db.begin_write()?;
        let mut changes = Vec::new();
        {
            let (skus, stock) = (tx.open_table(SKUS)?, tx.open_table(STOCK)?);
            for (sku, level) in targets {
                let have = stock.get(sku.as_str())?.map(|v| v.value());
                let wanted = !only_if_empty || have.unwrap_or(0) == 0;
                if skus.get(sku.as_str())?.is_some() && wanted && have != Some(u64::from(*level)) {
                    changes.push((sku.clone(), *level));
                }
            }
        }
        let changes = changes
            .iter()
            .map(|(sku, n)| stock_change_in(&tx, sku, *n, reason, by, now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        self.catalog_changed();
        Ok(changes)
    }

    /// The stock log, newest first (optionally of one SKU).
    pub fn stock_log(&self, sku: Option<&str>) -> Result<Vec<StockChange>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(STOCK_LOG)?;
        let mut v = Vec::new();
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            let c: StockChange = dec("stock_log", b.value())?;
            if sku.is_none_or(|s| s == c.sku) {
                v.push(c);
            }
        }
        Ok(v)
    }

    /// Removes a category (its products keep their category id until edited), with the
    /// audit entry of the member who did it.
    pub fn delete_category(&self, id: &str, entry: &Entry) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(CATEGORIES)?.remove(id)?;
        write_in(&tx, entry)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }
}

/// Sets a SKU's stock and appends the change to the stock log, inside a transaction
/// someone else commits.
pub(crate) fn stock_change_in(
    tx: &redb::WriteTransaction,
    sku: &str,
    after: u32,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<StockChange, StoreError> {
    let mut stock = tx.open_table(STOCK)?;
    let before = stock.get(sku)?.map(|v| v.value() as u32).unwrap_or(0);
    stock.insert(sku, u64::from(after))?;
    let mut log = tx.open_table(STOCK_LOG)?;
    let id = log.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
    let c = StockChange {
        id,
        at: now,
        sku: sku.to_string(),
        before,
        after,
        reason: reason.to_string(),
        by: by.to_string(),
    };
    log.insert(id, enc(&c).as_slice())?;
    Ok(c)
}

// The back office's product form: a product and its variants' stock in one transaction.
impl Store {
    /// Inserts or replaces a product and sets each listed SKU's stock, logging each change
    /// with `reason`, and records it in the audit log by member `by`, all in one
    /// transaction (a SKU not listed keeps its stock).
    pub fn put_product_with_stock(
        &self,
        p: &Product,
        stock: &[(String, u32)],
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        put_product_in(&tx, p, &[])?;
        for (sku, n) in stock {
            let before = {
                let t = tx.open_table(STOCK)?;
                t.get(sku.as_str())?.map(|v| v.value() as u32).unwrap_or(0)
            };
            if before != *n {
                stock_change_in(&tx, sku, *n, reason, by, now)?;
            }
        }
        let action = Action::ProductSaved {
            name: p.name.clone(),
        };
        write_in(&tx, &Entry::new(now, by, action).product(&p.id))?;
        tx.commit()?;
        self.catalog_changed();
        Ok(())
    }
}
