//! Writing many ready-made orders at once, for the growth benchmark (`puzi bench-growth`):
//! each group of orders is one durable transaction that also writes every index the
//! order would have had if it had been placed and changed through the shop.

use super::*;

impl Store {
    /// Stores `orders` (numbers not yet taken) with their indexes in one transaction.
    /// Stock is not touched: the orders are history.
    #[doc(hidden)]
    pub fn insert_generated_orders(&self, orders: &[Order]) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(ORDERS)?;
            let mut by_session = tx.open_multimap_table(SESSION_ORDERS)?;
            let mut by_openid = tx.open_multimap_table(OPENID_ORDERS)?;
            let mut open = tx.open_table(OPEN_ORDERS)?;
            let mut shipped = tx.open_table(SHIPPED_ORDERS)?;
            for o in orders {
                let no = o.no.as_str();
                t.insert(no, enc(o).as_slice())?;
                by_session.insert(o.session.as_str(), no)?;
                if let Some(openid) = o.owner_openid() {
                    by_openid.insert(openid, no)?;
                }
                if o.state == OrderState::PendingPayment {
                    open.insert(no, o.created_at as u64)?;
                }
                if let (OrderState::Shipped, Some(s)) = (o.state, &o.shipment) {
                    shipped.insert(no, s.shipped_at as u64)?;
                }
            }
        }
        for o in orders {
            index_order(&tx, None, o)?;
        }
        tx.commit()?;
        Ok(())
    }
}
