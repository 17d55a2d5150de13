//! Changing an order in the store: `OrderTxn`, the tables an order change may touch (stock,
//! the payments index, notifications, the refund index, alerts), and `update_order`, which
//! reads an order, lets the caller change it with them, and writes it back in one durable
//! transaction. Also the order indexes the payment flow reads.

use super::alerts::insert_alert;
use super::*;
use crate::order::StockCheck;

/// The tables an order change may touch, inside its write transaction.
pub struct OrderTxn<'t> {
    stock: redb::Table<'t, &'static str, u64>,
    payments: redb::Table<'t, &'static str, &'static str>,
    notifications: redb::Table<'t, &'static str, &'static [u8]>,
    refunds: redb::Table<'t, &'static str, &'static str>,
    alerts: redb::Table<'t, u64, &'static [u8]>,
    open_alerts: redb::Table<'t, u64, u64>,
    pub now: i64,
    /// Alerts raised in this change, for the owner's phone (queued after the change).
    raised: Vec<OwnerEvent>,
}

impl OrderTxn<'_> {
    /// Reserves stock for every line, or for none when any is short. Returns whether it did.
    pub fn reserve(&mut self, lines: &[OrderLine]) -> Result<bool, StoreError> {
        let mut want = Vec::new();
        for l in lines {
            let have = self.available(&l.sku)?;
            if have < u64::from(l.qty) {
                return Ok(false);
            }
            want.push((l.sku.as_str(), have - u64::from(l.qty)));
        }
        for (sku, left) in want {
            self.stock.insert(sku, left)?;
        }
        Ok(true)
    }

    /// Whether every line could be reserved now, without reserving anything.
    pub fn stock_check(&self, lines: &[OrderLine]) -> Result<StockCheck, StoreError> {
        for l in lines {
            if self.available(&l.sku)? < u64::from(l.qty) {
                return Ok(StockCheck::Short);
            }
        }
        Ok(StockCheck::Available)
    }

    /// Units of a SKU not reserved by any order.
    fn available(&self, sku: &str) -> Result<u64, StoreError> {
        Ok(self.stock.get(sku)?.map(|v| v.value()).unwrap_or(0))
    }

    /// Gives reserved stock back.
    pub fn release(&mut self, lines: &[OrderLine]) -> Result<(), StoreError> {
        for l in lines {
            let have = self.available(&l.sku)?;
            self.stock.insert(l.sku.as_str(), have + u64::from(l.qty))?;
        }
        Ok(())
    }

    /// The order a WeChat transaction was already applied to, if any.
    pub fn payment_of(&self, transaction_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .payments
            .get(transaction_id)?
            .map(|v| v.value().to_string()))
    }

    pub fn record_payment(&mut self, transaction_id: &str, no: &OrderNo) -> Result<(), StoreError> {
        self.payments.insert(transaction_id, no.as_str())?;
        Ok(())
    }

    /// Keeps a received notification (raw and decoded). False when its id was seen before.
    pub fn record_notification(
        &mut self,
        id: &str,
        record: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        if self.notifications.get(id)?.is_some() {
            return Ok(false);
        }
        self.notifications.insert(id, enc(record).as_slice())?;
        Ok(true)
    }

    pub fn index_refund(&mut self, out_refund_no: &str, no: &OrderNo) -> Result<(), StoreError> {
        self.refunds.insert(out_refund_no, no.as_str())?;
        Ok(())
    }

    pub fn alert(
        &mut self,
        kind: AlertKind,
        order: Option<&OrderNo>,
        message: String,
    ) -> Result<(), StoreError> {
        self.raised.push(OwnerEvent::Alert {
            kind,
            order: order.map(|o| o.to_string()),
            message: message.clone(),
        });
        insert_alert(
            &mut self.alerts,
            &mut self.open_alerts,
            self.now,
            kind,
            order,
            message,
        )
    }
}

impl Store {
    /// Reads an order, lets `f` change it (and stock, indexes, alerts) and writes it back,
    /// all in one durable transaction. Nothing is written when `f` fails. The set of open
    /// orders follows the order's state.
    pub fn update_order<R, E: From<StoreError>>(
        &self,
        no: &OrderNo,
        now: i64,
        f: impl FnOnce(&mut Order, &mut OrderTxn<'_>) -> Result<R, E>,
    ) -> Result<Option<R>, E> {
        let tx = self.db.begin_write()?;
        let r = update_order_in(&tx, no, now, f)?;
        if r.is_some() {
            tx.commit()?;
            // Stock may have been reserved or released.
            self.catalog_changed();
        }
        Ok(r)
    }

    /// `update_order` for a member's change: the audit entry is written in the same
    /// transaction, only when `f` succeeds (a refused change commits nothing, so leaves no
    /// entry).
    pub fn update_order_as<R, E: From<StoreError>>(
        &self,
        no: &OrderNo,
        now: i64,
        entry: &crate::audit::Entry,
        f: impl FnOnce(&mut Order, &mut OrderTxn<'_>) -> Result<R, E>,
    ) -> Result<Option<R>, E> {
        let tx = self.db.begin_write()?;
        let r = update_order_in(&tx, no, now, f)?;
        if r.is_some() {
            audit::write_in(&tx, entry)?;
            tx.commit()?;
            self.catalog_changed();
        }
        Ok(r)
    }

    /// Orders awaiting payment, oldest first.
    pub fn open_orders(&self) -> Result<Vec<OrderNo>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(OPEN_ORDERS)?;
        let mut v = Vec::new();
        for row in t.iter()? {
            let (k, created) = row?;
            if let Some(no) = OrderNo::parse(k.value()) {
                v.push((created.value(), no));
            }
        }
        v.sort();
        Ok(v.into_iter().map(|(_, n)| n).collect())
    }

    /// Shipped orders awaiting completion, with when they shipped (unix seconds).
    pub fn shipped_orders(&self) -> Result<Vec<(OrderNo, i64)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SHIPPED_ORDERS)?;
        let mut v = Vec::new();
        for row in t.iter()? {
            let (k, at) = row?;
            if let Some(no) = OrderNo::parse(k.value()) {
                v.push((no, at.value() as i64));
            }
        }
        Ok(v)
    }

    /// The order a refund belongs to.
    pub fn refund_order(&self, out_refund_no: &str) -> Result<Option<OrderNo>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(REFUNDS)?;
        Ok(t.get(out_refund_no)?
            .and_then(|v| OrderNo::parse(v.value())))
    }

    /// Records a notification that matches no order, and alerts the merchant.
    pub fn record_stray_notification(
        &self,
        id: &str,
        record: &serde_json::Value,
        now: i64,
        message: String,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut n = tx.open_table(NOTIFICATIONS)?;
            if n.get(id)?.is_none() {
                n.insert(id, enc(record).as_slice())?;
                let mut alerts = tx.open_table(ALERTS)?;
                let mut open = tx.open_table(OPEN_ALERTS)?;
                insert_alert(
                    &mut alerts,
                    &mut open,
                    now,
                    AlertKind::UnknownOrder,
                    None,
                    message.clone(),
                )?;
                drop(open);
                drop(alerts);
                drop(n);
                let event = OwnerEvent::Alert {
                    kind: AlertKind::UnknownOrder,
                    order: None,
                    message,
                };
                owner_notify::queue_owner_in(&tx, &[event], now)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every order, newest first (for the reconciler and the back office).
    pub fn all_orders(&self) -> Result<Vec<Order>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ORDERS)?;
        let mut v = Vec::new();
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            v.push(dec::<Order>("orders", b.value())?);
        }
        Ok(v)
    }

    /// Notifications received (raw and decoded), by WeChat's id.
    pub fn notification(&self, id: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(NOTIFICATIONS)?;
        t.get(id)?
            .map(|b| dec("notifications", b.value()))
            .transpose()
    }
}

/// The body of `update_order`, inside a transaction someone else commits.
pub(super) fn update_order_in<R, E: From<StoreError>>(
    tx: &redb::WriteTransaction,
    no: &OrderNo,
    now: i64,
    f: impl FnOnce(&mut Order, &mut OrderTxn<'_>) -> Result<R, E>,
) -> Result<Option<R>, E> {
    let mut orders = tx.open_table(ORDERS).map_err(StoreError::from)?;
    let Some(bytes) = orders.get(no.as_str()).map_err(StoreError::from)? else {
        return Ok(None);
    };
    let mut order: Order = dec("orders", bytes.value())?;
    drop(bytes);
    let before = order.clone();
    let mut otx = OrderTxn {
        stock: tx.open_table(STOCK).map_err(StoreError::from)?,
        payments: tx.open_table(PAYMENTS).map_err(StoreError::from)?,
        notifications: tx.open_table(NOTIFICATIONS).map_err(StoreError::from)?,
        refunds: tx.open_table(REFUNDS).map_err(StoreError::from)?,
        alerts: tx.open_table(ALERTS).map_err(StoreError::from)?,
        open_alerts: tx.open_table(OPEN_ALERTS).map_err(StoreError::from)?,
        now,
        raised: Vec::new(),
    };
    let (had_payment, requests, was) =
        (order.payment.is_some(), order.aftersales.len(), order.state);
    let r = f(&mut order, &mut otx)?;
    let mut owner_events = std::mem::take(&mut otx.raised);
    drop(otx);
    owner_events.extend(owner_notify::order_events(had_payment, requests, &order));
    // A coupon follows its order: an order closing unpaid gives its use back (the total and
    // the shopper's count), and a closed order a late payment revives takes it again. A late
    // payment refunded in full (no stock left) leaves the order closed, then refunded: the
    // use stays given back. A revival may take the use past the cap (the shopper paid the
    // discounted price when it was theirs); the payment is accepted all the same.
    if let Some(applied) = &order.coupon {
        match (was, order.state) {
            (OrderState::PendingPayment, OrderState::Closed) => coupons::release_use(tx, applied)?,
            (OrderState::Closed, OrderState::Paid) => coupons::count_use(tx, applied)?,
            _ => {}
        }
    }
    // An order placed before OAuth joins the openid its payment attempt carries; the
    // index follows (an openid, once set, stays).
    if order.openid.is_none() {
        order.openid = order.owner_openid().map(str::to_string);
    }
    if let Some(openid) = &order.openid {
        tx.open_multimap_table(OPENID_ORDERS)
            .map_err(StoreError::from)?
            .insert(openid.as_str(), no.as_str())
            .map_err(StoreError::from)?;
    }
    orders
        .insert(no.as_str(), enc(&order).as_slice())
        .map_err(StoreError::from)?;
    index_order(tx, Some(&before), &order)?;
    let mut open = tx.open_table(OPEN_ORDERS).map_err(StoreError::from)?;
    if order.state == OrderState::PendingPayment {
        open.insert(no.as_str(), order.created_at as u64)
            .map_err(StoreError::from)?;
    } else {
        open.remove(no.as_str()).map_err(StoreError::from)?;
    }
    let mut shipped = tx.open_table(SHIPPED_ORDERS).map_err(StoreError::from)?;
    match (order.state, &order.shipment) {
        (OrderState::Shipped, Some(s)) => shipped
            .insert(no.as_str(), s.shipped_at as u64)
            .map_err(StoreError::from)?,
        _ => shipped.remove(no.as_str()).map_err(StoreError::from)?,
    };
    // The owner's phone hears of it in the same transaction.
    owner_notify::queue_owner_in(tx, &owner_events, now)?;
    Ok(Some(r))
}

// Bulk shipping: several orders change in one durable transaction, all or none.
impl Store {
    /// Changes every order in `nos` with `f` and queues the outbox message `f` returns for
    /// it, with the audit `entries` of the change, all in one durable transaction: when any
    /// order is missing (`Ok(None)`) or `f` fails for any of them, nothing is written.
    /// Returns the outbox ids queued.
    pub fn update_orders_with_outbox<E: From<StoreError>>(
        &self,
        nos: &[OrderNo],
        now: i64,
        entries: &[crate::audit::Entry],
        mut f: impl FnMut(&mut Order) -> Result<Option<OutboxEntry>, E>,
    ) -> Result<Option<Vec<u64>>, E> {
        let tx = self.db.begin_write()?;
        for e in entries {
            audit::write_in(&tx, e)?;
        }
        let mut messages = Vec::new();
        for no in nos {
            match update_order_in(&tx, no, now, |o, _| f(o))? {
                Some(m) => messages.extend(m),
                None => return Ok(None),
            }
        }
        let mut ids = Vec::new();
        {
            let mut t = outbox::OutboxTables::open(&tx)?;
            for e in messages {
                ids.push(t.add(e)?);
            }
        }
        tx.commit()?;
        self.catalog_changed();
        Ok(Some(ids))
    }
}
