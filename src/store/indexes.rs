//! Secondary indexes over orders and alerts (since schema 4), so pages and job ticks read
//! what they look up instead of every order: orders by state, unpaid orders per shopper
//! (the checkout cap), orders with after-sales requests, orders with refunds still to
//! settle, and open alerts. Each is written in the transaction of the change it follows
//! (`index_order` from placing and changing an order) and built in the upgrade's
//! transaction. The orders table itself is the index by time: order numbers begin with
//! the China-time second they were placed, so newest first is the table read backwards
//! and a date range is a key range.

use super::order_search::{SEARCH_WINDOW, SearchPage};
use super::*;
use redb::ReadableMultimapTable;

/// `{state}/{out_trade_no}` → created_at: the orders in each state, newest last.
pub(crate) const ORDERS_BY_STATE: TableDefinition<'static, &str, u64> =
    TableDefinition::new("orders_by_state");
/// `session:…`, `openid:…`, `mobile:…` → out_trade_no of each unpaid order of that shopper.
pub(crate) const UNPAID_BY_SHOPPER: MultimapTableDefinition<'static, &str, &str> =
    MultimapTableDefinition::new("unpaid_by_shopper");
/// out_trade_no → 1 while an after-sales request waits, 0 once all are decided.
pub(crate) const AFTERSALES_ORDERS: TableDefinition<'static, &str, u64> =
    TableDefinition::new("aftersales_orders");
/// out_trade_no → the earliest `next_at` of its refunds not yet settled.
pub(crate) const REFUNDS_DUE: TableDefinition<'static, &str, u64> =
    TableDefinition::new("refunds_due");
/// Alert id → when it was raised, for the alerts nobody has dismissed yet.
pub(crate) const OPEN_ALERTS: TableDefinition<'static, u64, u64> =
    TableDefinition::new("open_alerts");

/// The key of an order in `ORDERS_BY_STATE`.
pub(super) fn state_key(state: OrderState, no: &str) -> String {
    format!("{}/{no}", state.as_str())
}

/// The shopper keys an unpaid order counts against (session, openid, mobile number).
fn shopper_keys(o: &Order) -> Vec<String> {
    if o.state != OrderState::PendingPayment {
        return Vec::new();
    }
    let mut keys = vec![
        format!("session:{}", o.session),
        format!("mobile:{}", o.recipient.mobile),
    ];
    if let Some(openid) = o.owner_openid() {
        keys.push(format!("openid:{openid}"));
    }
    keys
}

/// How many unpaid orders a shopper key holds.
pub(crate) fn unpaid_count(tx: &redb::WriteTransaction, key: &str) -> Result<u32, StoreError> {
    let idx = tx.open_multimap_table(UNPAID_BY_SHOPPER)?;
    let mut n = 0u32;
    for row in idx.get(key)? {
        row?;
        n += 1;
    }
    Ok(n)
}

/// Moves an order's index entries from what it was (`before`, none when it is new) to what
/// it is now, inside the transaction of the change.
pub(crate) fn index_order(
    tx: &redb::WriteTransaction,
    before: Option<&Order>,
    after: &Order,
) -> Result<(), StoreError> {
    let no = after.no.as_str();
    {
        let mut by_state = tx.open_table(ORDERS_BY_STATE)?;
        if let Some(b) = before
            && b.state != after.state
        {
            by_state.remove(state_key(b.state, no).as_str())?;
        }
        by_state.insert(
            state_key(after.state, no).as_str(),
            after.created_at.max(0) as u64,
        )?;
    }
    {
        let old = before.map(shopper_keys).unwrap_or_default();
        let new = shopper_keys(after);
        let mut unpaid = tx.open_multimap_table(UNPAID_BY_SHOPPER)?;
        for k in old.iter().filter(|k| !new.contains(k)) {
            unpaid.remove(k.as_str(), no)?;
        }
        for k in new.iter().filter(|k| !old.contains(k)) {
            unpaid.insert(k.as_str(), no)?;
        }
    }
    if !after.aftersales.is_empty() {
        tx.open_table(AFTERSALES_ORDERS)?
            .insert(no, u64::from(after.aftersales_open()))?;
    }
    {
        let mut due = tx.open_table(REFUNDS_DUE)?;
        match after
            .refunds
            .iter()
            .filter(|r| !r.status.settled())
            .map(|r| r.next_at)
            .min()
        {
            Some(at) => due.insert(no, at.max(0) as u64)?,
            None => due.remove(no)?,
        };
    }
    // The back office's search terms (schema 5).
    order_search::index(tx, before, after)?;
    // The dashboard's and /metrics' running totals (schema 5).
    totals::count(tx, before, after)?;
    Ok(())
}

/// Builds every index of schema 4 from the orders and alerts (the upgrade from schema 3).
pub(super) fn build(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let orders = tx.open_table(ORDERS)?;
    for row in orders.iter()? {
        let (_, v) = row?;
        let o: Order = dec("orders", v.value())?;
        index_order(tx, None, &o)?;
    }
    let alerts = tx.open_table(ALERTS)?;
    let mut open = tx.open_table(OPEN_ALERTS)?;
    for row in alerts.iter()? {
        let (k, v) = row?;
        let a: Alert = dec("alerts", v.value())?;
        if !a.acknowledged {
            open.insert(k.value(), a.at.max(0) as u64)?;
        }
    }
    Ok(())
}

/// The bounds of a China-time date filter as order-number keys (`yyyy-mm-dd`, inclusive).
fn date_bounds(from: Option<&str>, to: Option<&str>) -> (String, String) {
    let digits = |d: &str| d.chars().filter(char::is_ascii_digit).collect::<String>();
    let lo = from.map(digits).unwrap_or_default();
    // Every order number of the day `to` sorts below `to` followed by '~'.
    let hi = to
        .map(|t| digits(t) + "~")
        .unwrap_or_else(|| "~".to_string());
    (lo, hi)
}

/// What the back office's order list asks for: a state, a date range (China time,
/// `yyyy-mm-dd`, inclusive), a search over out_trade_no, mobile and name, and where the
/// page starts (orders older than `before`).
#[derive(Debug, Default, Clone)]
pub struct OrderQuery<'a> {
    pub state: Option<OrderState>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub q: &'a str,
    pub before: Option<&'a str>,
    /// How many of the newest orders a search reads for a fragment no index answers
    /// (`None`: `SEARCH_WINDOW`).
    pub window: Option<usize>,
}

impl Store {
    /// Up to `limit` orders matching `q`, newest first, read through the indexes: a state
    /// reads only that state's orders, a date range only that range's keys, a search its
    /// terms' index entries (see `order_search`).
    pub fn orders_page(&self, q: &OrderQuery<'_>, limit: usize) -> Result<Vec<Order>, StoreError> {
        Ok(self.orders_search_page(q, limit)?.orders)
    }

    /// `orders_page`, and whether a search's fragment scan stopped at its window.
    pub fn orders_search_page(
        &self,
        q: &OrderQuery<'_>,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        let tx = self.db.begin_read()?;
        let orders = tx.open_table(ORDERS)?;
        let (lo, date_hi) = date_bounds(q.from, q.to);
        let mut hi = date_hi.clone();
        if let Some(b) = q.before
            && b < hi.as_str()
        {
            hi = b.to_string();
        }
        let mut out = Vec::new();
        if lo.as_str() >= hi.as_str() {
            return Ok(SearchPage::default());
        }
        if !q.q.is_empty() {
            let window = q.window.unwrap_or(SEARCH_WINDOW);
            return order_search::search(&tx, q, (&lo, &date_hi, &hi), window, limit);
        }
        let mut take = |v: &[u8]| -> Result<bool, StoreError> {
            out.push(dec::<Order>("orders", v)?);
            Ok(out.len() >= limit)
        };
        match q.state {
            Some(state) => {
                let by_state = tx.open_table(ORDERS_BY_STATE)?;
                let (lo, hi) = (state_key(state, &lo), state_key(state, &hi));
                for row in by_state.range(lo.as_str()..hi.as_str())?.rev() {
                    let (k, _) = row?;
                    let no = k.value().split_once('/').map(|(_, n)| n).unwrap_or("");
                    if let Some(v) = orders.get(no)?
                        && take(v.value())?
                    {
                        break;
                    }
                }
            }
            None => {
                for row in orders.range(lo.as_str()..hi.as_str())?.rev() {
                    let (_, v) = row?;
                    if take(v.value())? {
                        break;
                    }
                }
            }
        }
        Ok(SearchPage {
            orders: out,
            window_cut: false,
        })
    }

    /// The newest `n` orders, newest first.
    pub fn recent_orders(&self, n: usize) -> Result<Vec<Order>, StoreError> {
        self.orders_page(&OrderQuery::default(), n)
    }

    /// Every order in a state, newest first.
    pub fn orders_in_state(&self, state: OrderState) -> Result<Vec<Order>, StoreError> {
        let q = OrderQuery {
            state: Some(state),
            ..OrderQuery::default()
        };
        self.orders_page(&q, usize::MAX)
    }

    /// Orders with an after-sales request waiting, and the newest `decided` orders whose
    /// requests are all decided, both newest first.
    pub fn aftersales_orders(
        &self,
        decided: usize,
    ) -> Result<(Vec<Order>, Vec<Order>), StoreError> {
        let tx = self.db.begin_read()?;
        let orders = tx.open_table(ORDERS)?;
        let idx = tx.open_table(AFTERSALES_ORDERS)?;
        let (mut open, mut done) = (Vec::new(), Vec::new());
        for row in idx.iter()?.rev() {
            let (k, waiting) = row?;
            let list = if waiting.value() == 1 {
                &mut open
            } else if done.len() < decided {
                &mut done
            } else {
                continue;
            };
            if let Some(v) = orders.get(k.value())? {
                list.push(dec::<Order>("orders", v.value())?);
            }
        }
        Ok((open, done))
    }

    /// Orders with a refund not yet settled whose next step is due by `now`.
    pub fn orders_with_refunds_due(&self, now: i64) -> Result<Vec<Order>, StoreError> {
        let tx = self.db.begin_read()?;
        let orders = tx.open_table(ORDERS)?;
        let mut out = Vec::new();
        for row in tx.open_table(REFUNDS_DUE)?.iter()? {
            let (k, at) = row?;
            if at.value() as i64 <= now
                && let Some(v) = orders.get(k.value())?
            {
                out.push(dec::<Order>("orders", v.value())?);
            }
        }
        Ok(out)
    }

    /// Alerts nobody has dismissed, newest first.
    pub fn open_alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let tx = self.db.begin_read()?;
        let alerts = tx.open_table(ALERTS)?;
        let mut out = Vec::new();
        for row in tx.open_table(OPEN_ALERTS)?.iter()?.rev() {
            let (k, _) = row?;
            if let Some(v) = alerts.get(k.value())? {
                out.push(dec::<Alert>("alerts", v.value())?);
            }
        }
        Ok(out)
    }
}
