//! Running totals kept in every order's own transaction (schema 5), so the dashboard and
//! `/metrics` stop reading every order: how many orders are in each state, and per sales
//! channel how many orders were paid and their net amount (paid less refunds kept). Each
//! order write moves its own contribution from what it was to what it is (`count`); the
//! upgrade to schema 5 adds every order once (`build`).

use super::*;
use std::collections::BTreeMap;

/// state → how many orders are in it.
pub(crate) const ORDER_COUNTS: TableDefinition<'static, &str, u64> =
    TableDefinition::new("order_counts");
/// channel tag (empty: direct) → JSON `[orders paid, net minor units]`.
pub(crate) const CHANNEL_TOTALS: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("channel_totals");

/// What a paid order adds to its channel: (channel, net minor units).
fn channel_share(o: &Order) -> Option<(String, i64)> {
    o.payment.as_ref().map(|p| {
        (
            o.channel.clone().unwrap_or_default(),
            p.amount.minor() - o.refunded().minor(),
        )
    })
}

/// Moves an order's share of the totals from what it was (`before`) to what it is, in
/// the transaction of the change.
pub(crate) fn count(
    tx: &redb::WriteTransaction,
    before: Option<&Order>,
    after: &Order,
) -> Result<(), StoreError> {
    if before.map(|b| b.state) != Some(after.state) {
        let mut t = tx.open_table(ORDER_COUNTS)?;
        if let Some(b) = before {
            let n = t.get(b.state.as_str())?.map(|v| v.value()).unwrap_or(0);
            t.insert(b.state.as_str(), n.saturating_sub(1))?;
        }
        let n = t.get(after.state.as_str())?.map(|v| v.value()).unwrap_or(0);
        t.insert(after.state.as_str(), n + 1)?;
    }
    let (was, is) = (before.and_then(channel_share), channel_share(after));
    if was != is {
        let mut t = tx.open_table(CHANNEL_TOTALS)?;
        for (share, sign) in [(was, -1i64), (is, 1)] {
            let Some((ch, net)) = share else { continue };
            let (n, sum): (i64, i64) = match t.get(ch.as_str())? {
                Some(v) => dec("channel_totals", v.value())?,
                None => (0, 0),
            };
            let now = (n + sign, sum + sign * net);
            t.insert(ch.as_str(), enc(&now).as_slice())?;
        }
    }
    Ok(())
}

/// Adds every order to the totals (the upgrade to schema 5, from schema 4).
pub(super) fn build(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let orders = tx.open_table(ORDERS)?;
    for row in orders.iter()? {
        let (_, v) = row?;
        let o: Order = dec("orders", v.value())?;
        count(tx, None, &o)?;
    }
    Ok(())
}

impl Store {
    /// How many orders are in each state (every state listed), from the running counts.
    pub fn order_counts(&self) -> Result<Vec<(OrderState, u64)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ORDER_COUNTS)?;
        let mut out = Vec::new();
        for s in OrderState::ALL {
            out.push((s, t.get(s.as_str())?.map(|v| v.value()).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Per sales channel (empty: direct), the orders paid and their net amount in minor
    /// units, all time, from the running totals.
    pub fn channel_totals(&self) -> Result<BTreeMap<String, (u64, i64)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CHANNEL_TOTALS)?;
        let mut out = BTreeMap::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let (n, sum): (i64, i64) = dec("channel_totals", v.value())?;
            if n > 0 {
                out.insert(k.value().to_string(), (n.max(0) as u64, sum));
            }
        }
        Ok(out)
    }
}
