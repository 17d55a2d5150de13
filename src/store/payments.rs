//! Payment state in the store: changing an order together with everything that must
//! change with it (stock, the payments index, notifications, alerts) in one durable write
//! transaction, and the merchant's alerts.

use super::*;
pub use crate::alert::AlertKind;
use crate::order::StockCheck;

/// A merchant alert (amount mismatch, late payment, failed refund, bill difference…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: u64,
    /// Unix seconds.
    pub at: i64,
    pub kind: AlertKind,
    #[serde(default)]
    pub order: Option<String>,
    pub message: String,
    #[serde(default)]
    pub acknowledged: bool,
}

/// The tables an order change may touch, inside its write transaction.
pub struct OrderTxn<'t> {
    stock: redb::Table<'t, &'static str, u64>,
    payments: redb::Table<'t, &'static str, &'static str>,
    notifications: redb::Table<'t, &'static str, &'static [u8]>,
    refunds: redb::Table<'t, &'static str, &'static str>,
    alerts: redb::Table<'t, u64, &'static [u8]>,
    pub now: i64,
}

impl OrderTxn<'_> {
    /// Reserves stock for every line, or for none when any is short. Returns whether it did.
    pub fn reserve(&mut self, lines: &[OrderLine]) -> Result<bool, StoreError> {
        let mut want = Vec::new();
        for l in lines {
            let have = self
                .stock
                .get(l.sku.as_str())?
                .map(|v| v.value())
                .unwrap_or(0);
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
            let have = self
                .stock
                .get(l.sku.as_str())?
                .map(|v| v.value())
                .unwrap_or(0);
            if have < u64::from(l.qty) {
                return Ok(StockCheck::Short);
            }
        }
        Ok(StockCheck::Available)
    }

    /// Gives reserved stock back.
    pub fn release(&mut self, lines: &[OrderLine]) -> Result<(), StoreError> {
        for l in lines {
            let have = self
                .stock
                .get(l.sku.as_str())?
                .map(|v| v.value())
                .unwrap_or(0);
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
        let id = self.alerts.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
        let a = Alert {
            id,
            at: self.now,
            kind,
            order: order.map(|o| o.to_string()),
            message,
            acknowledged: false,
        };
        self.alerts.insert(id, enc(&a).as_slice())?;
        Ok(())
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
        let tx = self.db.begin_write().map_err(StoreError::from)?;
        let r = update_order_in(&tx, no, now, f)?;
        if r.is_some() {
            tx.commit().map_err(StoreError::from)?;
            // Stock may have been reserved or released.
            self.catalog_changed();
        }
        Ok(r)
    }

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
            .grouped(move |tx| update_order_in(tx, &no, now, f))
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
        self.grouped(f).await
    }

    /// Queues `f` for the group-commit writer and waits for its batch's commit.
    async fn grouped<T, E, F>(&self, f: F) -> Result<T, E>
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
                done: done_tx,
            })
            .is_ok();
        let committed = sent && done_rx.await.unwrap_or(false);
        let result = slot.lock().expect("slot").take();
        match (committed, result) {
            (true, Some(r)) => r,
            (_, Some(Err(e))) => Err(e),
            _ => Err(StoreError::Io("the grouped write was not committed".into()).into()),
        }
    }

    /// `update_session` through group commit.
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
                let aid = alerts.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
                let a = Alert {
                    id: aid,
                    at: now,
                    kind: AlertKind::UnknownOrder,
                    order: None,
                    message,
                    acknowledged: false,
                };
                alerts.insert(aid, enc(&a).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Raises an alert on its own.
    pub fn alert(
        &self,
        kind: AlertKind,
        order: Option<&OrderNo>,
        message: String,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut alerts = tx.open_table(ALERTS)?;
            let id = alerts.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
            let a = Alert {
                id,
                at: now,
                kind,
                order: order.map(|o| o.to_string()),
                message,
                acknowledged: false,
            };
            alerts.insert(id, enc(&a).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Alerts, newest first.
    pub fn alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ALERTS)?;
        let mut v = Vec::new();
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            v.push(dec::<Alert>("alerts", b.value())?);
        }
        Ok(v)
    }

    pub fn acknowledge_alert(&self, id: u64) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let found = {
            let mut t = tx.open_table(ALERTS)?;
            let current = t.get(id)?.map(|b| dec::<Alert>("alerts", b.value()));
            match current {
                Some(a) => {
                    let mut a = a?;
                    a.acknowledged = true;
                    t.insert(id, enc(&a).as_slice())?;
                    true
                }
                None => false,
            }
        };
        tx.commit()?;
        Ok(found)
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

/// Where a grouped change leaves its result for its caller.
type Slot<T> = Arc<std::sync::Mutex<Option<T>>>;

/// A change run inside a shared write transaction; false when it failed.
pub(crate) type GroupWork = Box<dyn FnOnce(&redb::WriteTransaction) -> bool + Send>;

pub(crate) struct GroupJob {
    work: GroupWork,
    /// Told whether the batch was committed.
    done: tokio::sync::oneshot::Sender<bool>,
}

/// Most changes one transaction carries.
const GROUP_MAX: usize = 64;

/// The group-commit writer: takes what is queued, applies it in one transaction, commits
/// once, then answers every caller. It holds the database weakly and ends with the store.
fn group_commit_loop(db: std::sync::Weak<Database>, rx: std::sync::mpsc::Receiver<GroupJob>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_MAX {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let Some(db) = db.upgrade() else {
            return;
        };
        let mut dones = Vec::with_capacity(batch.len());
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
                ok && tx.commit().is_ok()
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

/// The body of `update_order`, inside a transaction someone else commits.
fn update_order_in<R, E: From<StoreError>>(
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
    let mut otx = OrderTxn {
        stock: tx.open_table(STOCK).map_err(StoreError::from)?,
        payments: tx.open_table(PAYMENTS).map_err(StoreError::from)?,
        notifications: tx.open_table(NOTIFICATIONS).map_err(StoreError::from)?,
        refunds: tx.open_table(REFUNDS).map_err(StoreError::from)?,
        alerts: tx.open_table(ALERTS).map_err(StoreError::from)?,
        now,
    };
    let r = f(&mut order, &mut otx)?;
    orders
        .insert(no.as_str(), enc(&order).as_slice())
        .map_err(StoreError::from)?;
    let mut open = tx.open_table(OPEN_ORDERS).map_err(StoreError::from)?;
    if order.state == OrderState::PendingPayment {
        open.insert(no.as_str(), order.created_at as u64)
            .map_err(StoreError::from)?;
    } else {
        open.remove(no.as_str()).map_err(StoreError::from)?;
    }
    Ok(Some(r))
}
