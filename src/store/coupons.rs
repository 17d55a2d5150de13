//! Coupons in the store: the coupons by code, and how often each shopper key used each
//! one. A use is counted in the transaction that creates the order (so two shoppers racing
//! for the last use cannot both win: redb has one writer) and given back in the
//! transaction that closes the order unpaid.

use super::*;
use crate::audit::{Action, Entry};
use crate::coupon::{BasketLine, Coupon, CouponFormProblem, CouponProblem, OrderCoupon};
use crate::money::Money;

/// code → the coupon (JSON).
pub(crate) const COUPONS: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("coupons");
/// `{code}|{shopper key}` → orders of that shopper holding a use of the code.
pub(crate) const COUPON_USES: TableDefinition<'static, &str, u64> =
    TableDefinition::new("coupon_uses");

fn use_key(code: &str, key: &str) -> String {
    format!("{code}|{key}")
}

impl Store {
    /// Every coupon, newest first.
    pub fn coupons(&self) -> Result<Vec<Coupon>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(COUPONS)?;
        let mut v = Vec::new();
        for row in t.iter()? {
            let (_, b) = row?;
            v.push(dec::<Coupon>("coupons", b.value())?);
        }
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.code.cmp(&b.code)));
        Ok(v)
    }

    pub fn coupon(&self, code: &str) -> Result<Option<Coupon>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(COUPONS)?;
        t.get(code)?.map(|b| dec("coupons", b.value())).transpose()
    }

    /// Stores a new coupon with its audit entry, in one transaction; a code already taken
    /// is refused.
    pub fn create_coupon(
        &self,
        c: &Coupon,
        by: (&str, i64),
    ) -> Result<Result<(), CouponFormProblem>, StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(COUPONS)?;
            if t.get(c.code.as_str())?.is_some() {
                return Ok(Err(CouponFormProblem::CodeTaken));
            }
            t.insert(c.code.as_str(), enc(c).as_slice())?;
        }
        let entry = Entry::new(
            by.1,
            by.0,
            Action::CouponCreated {
                code: c.code.clone(),
            },
        );
        audit::write_in(&tx, &entry)?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Disables a coupon (it applies to no new order), with its audit entry. False when
    /// there is no such coupon.
    pub fn disable_coupon(&self, code: &str, by: (&str, i64)) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(COUPONS)?;
            let Some(b) = t.get(code)? else {
                return Ok(false);
            };
            let mut c: Coupon = dec("coupons", b.value())?;
            drop(b);
            c.disabled = true;
            t.insert(code, enc(&c).as_slice())?;
        }
        let entry = Entry::new(
            by.1,
            by.0,
            Action::CouponDisabled {
                code: code.to_string(),
            },
        );
        audit::write_in(&tx, &entry)?;
        tx.commit()?;
        Ok(true)
    }

    /// Whether `code` applies to `basket` for the shopper `keys` now (for the checkout's
    /// preview; placing the order checks again in its own transaction).
    pub fn check_coupon(
        &self,
        code: &str,
        keys: &[String],
        basket: &[BasketLine<'_>],
        now: i64,
    ) -> Result<Result<(Coupon, Money), CouponProblem>, StoreError> {
        let tx = self.db.begin_read()?;
        let coupons = tx.open_table(COUPONS)?;
        let uses = tx.open_table(COUPON_USES)?;
        check(&coupons, &uses, code, keys, basket, now)
    }
}

/// The coupon `code` and the discount it gives, or why not.
pub(crate) fn check(
    coupons: &impl ReadableTable<&'static str, &'static [u8]>,
    uses: &impl ReadableTable<&'static str, u64>,
    code: &str,
    keys: &[String],
    basket: &[BasketLine<'_>],
    now: i64,
) -> Result<Result<(Coupon, Money), CouponProblem>, StoreError> {
    let Some(code) = crate::coupon::normalize_code(code) else {
        return Ok(Err(CouponProblem::Unknown));
    };
    let Some(b) = coupons.get(code.as_str())? else {
        return Ok(Err(CouponProblem::Unknown));
    };
    let c: Coupon = dec("coupons", b.value())?;
    let mut mine = 0u64;
    for k in keys {
        let n = uses
            .get(use_key(&code, k).as_str())?
            .map_or(0, |v| v.value());
        mine = mine.max(n);
    }
    let mine = u32::try_from(mine).unwrap_or(u32::MAX);
    Ok(crate::coupon::discount_for(&c, basket, now, mine).map(|d| (c, d)))
}

/// Counts one use of `applied` (the coupon and each shopper key), inside the transaction
/// that creates its order.
pub(crate) fn count_use(
    tx: &redb::WriteTransaction,
    applied: &OrderCoupon,
) -> Result<(), StoreError> {
    change_uses(tx, applied, 1)
}

/// Gives a use back (the order closed unpaid), inside the transaction that closes it.
pub(crate) fn release_use(
    tx: &redb::WriteTransaction,
    applied: &OrderCoupon,
) -> Result<(), StoreError> {
    change_uses(tx, applied, -1)
}

fn change_uses(
    tx: &redb::WriteTransaction,
    applied: &OrderCoupon,
    by: i64,
) -> Result<(), StoreError> {
    let mut coupons = tx.open_table(COUPONS)?;
    let found = coupons
        .get(applied.code.as_str())?
        .map(|b| dec::<Coupon>("coupons", b.value()))
        .transpose()?;
    if let Some(mut c) = found {
        c.used = (i64::from(c.used) + by).clamp(0, i64::from(u32::MAX)) as u32;
        coupons.insert(applied.code.as_str(), enc(&c).as_slice())?;
    }
    let mut uses = tx.open_table(COUPON_USES)?;
    for k in &applied.keys {
        let key = use_key(&applied.code, k);
        let n = uses.get(key.as_str())?.map_or(0, |v| v.value());
        let n = (n as i64 + by).max(0) as u64;
        if n == 0 {
            uses.remove(key.as_str())?;
        } else {
            uses.insert(key.as_str(), n)?;
        }
    }
    Ok(())
}
