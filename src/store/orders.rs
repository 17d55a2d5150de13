//! Orders in the store: placing an order (stock reserved in the same transaction), reading
//! orders, and the shopper's order list.

use super::*;

impl Store {
    /// Turns the session's cart into an order in `PendingPayment`, reserving stock, in one
    /// write transaction: either every line is reserved and the order exists, or nothing
    /// changed. Prices come from the catalog inside the same transaction.
    pub fn place_order(&self, new: NewOrder) -> Result<Order, PlaceOrderError> {
        let tx = self.db.begin_write()?;
        let order = place_order_in(&tx, new)?;
        tx.commit()?;
        self.catalog_changed();
        Ok(order)
    }

    pub fn order(&self, no: &OrderNo) -> Result<Option<Order>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ORDERS)?;
        t.get(no.as_str())?
            .map(|v| dec::<Order>("orders", v.value()))
            .transpose()
    }

    /// A session's orders, newest first.
    pub fn orders_of_session(&self, session: &str) -> Result<Vec<Order>, StoreError> {
        let tx = self.db.begin_read()?;
        let idx = tx.open_multimap_table(SESSION_ORDERS)?;
        let orders = tx.open_table(ORDERS)?;
        let mut out = Vec::new();
        for no in idx.get(session)? {
            let no = no?;
            if let Some(v) = orders.get(no.value())? {
                out.push(dec::<Order>("orders", v.value())?);
            }
        }
        out.sort_by(|a, b| b.no.cmp(&a.no));
        Ok(out)
    }

    /// The orders a shopper sees: those placed in this session and, once OAuth has run,
    /// every order of their openid (any session, any phone), newest first.
    pub fn orders_of_shopper(
        &self,
        session: &str,
        openid: Option<&str>,
    ) -> Result<Vec<Order>, StoreError> {
        let tx = self.db.begin_read()?;
        let orders = tx.open_table(ORDERS)?;
        let mut nos = std::collections::BTreeSet::new();
        for no in tx.open_multimap_table(SESSION_ORDERS)?.get(session)? {
            nos.insert(no?.value().to_string());
        }
        if let Some(openid) = openid {
            for no in tx.open_multimap_table(OPENID_ORDERS)?.get(openid)? {
                nos.insert(no?.value().to_string());
            }
        }
        let mut out = Vec::new();
        for no in nos.iter().rev() {
            if let Some(v) = orders.get(no.as_str())? {
                out.push(dec::<Order>("orders", v.value())?);
            }
        }
        Ok(out)
    }

    /// The orders that belong to an openid (through the index), newest first.
    pub fn orders_of_openid(&self, openid: &str) -> Result<Vec<OrderNo>, StoreError> {
        let tx = self.db.begin_read()?;
        let mut v = Vec::new();
        for no in tx.open_multimap_table(OPENID_ORDERS)?.get(openid)? {
            if let Some(no) = OrderNo::parse(no?.value()) {
                v.push(no);
            }
        }
        v.sort_by(|a, b| b.cmp(a));
        Ok(v)
    }

    /// Gives an order that belongs to nobody yet to an openid (a signed link opened inside
    /// WeChat). An order that has an owner keeps it. Returns the owner afterwards.
    pub fn attach_openid(
        &self,
        no: &OrderNo,
        openid: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let openid = openid.to_string();
        Ok(self
            .update_order(no, now, move |o, _| -> Result<_, StoreError> {
                if o.owner_openid().is_none() {
                    o.openid = Some(openid);
                }
                Ok(o.owner_openid().map(str::to_string))
            })?
            .flatten())
    }

    pub fn order_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(ORDERS)?.len()?)
    }
}

fn display_name(l: &cart::PricedLine) -> String {
    if l.product.variants.len() > 1 {
        format!("{} · {}", l.product.name, l.variant.name)
    } else {
        l.product.name.clone()
    }
}

/// The body of `place_order`, inside a transaction someone else commits. Every check comes
/// before the first change.
pub(crate) fn place_order_in(
    tx: &redb::WriteTransaction,
    new: NewOrder,
) -> Result<Order, PlaceOrderError> {
    let mut sessions = tx.open_table(SESSIONS)?;
    let skus = tx.open_table(SKUS)?;
    let products = tx.open_table(PRODUCTS)?;
    let mut stock = tx.open_table(STOCK)?;
    let mut orders = tx.open_table(ORDERS)?;
    let mut by_session = tx.open_multimap_table(SESSION_ORDERS)?;

    let mut session: Session = match sessions.get(new.session.as_str())? {
        Some(v) => dec("sessions", v.value())?,
        // Buy now from a visitor who never used the cart: the order starts the session.
        None if new.items.is_some() => Session {
            created_at: new.now.unix_timestamp(),
            ..Session::default()
        },
        None => return Err(PlaceOrderError::EmptyCart),
    };
    take_openid_cart(tx, &mut session)?;
    // Buy now: just the item asked for; the cart stays as it is.
    let buy_now = new.items.is_some();
    let basket = new.items.clone().unwrap_or_else(|| session.cart.clone());
    if basket.is_empty() {
        return Err(PlaceOrderError::EmptyCart);
    }
    // Stock cannot be hoarded: a shopper — by session, WeChat openid or mobile number —
    // holds at most `max_unpaid` unpaid orders (their stock is reserved until they close).
    // Counted through the unpaid-orders index (schema 4): no scan of the open orders.
    {
        let mut keys = vec![
            format!("session:{}", new.session),
            format!("mobile:{}", new.recipient.mobile),
        ];
        if let Some(openid) = &session.openid {
            keys.push(format!("openid:{openid}"));
        }
        for k in keys {
            if indexes::unpaid_count(tx, &k)? >= new.max_unpaid {
                return Err(PlaceOrderError::TooManyUnpaid(new.max_unpaid));
            }
        }
    }
    let mut failure = None;
    let mut priced = cart::price(&basket, new.shipping, |sku| {
        match lookup_sku(&skus, &products, &stock, sku) {
            Ok(found) => found,
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    })
    .map_err(|_| PlaceOrderError::Overflow)?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    if !priced.unavailable.is_empty() {
        return Err(PlaceOrderError::Unavailable(priced.unavailable));
    }
    let short: Vec<(String, u32)> = priced
        .short_lines()
        .map(|l| (display_name(l), l.available))
        .collect();
    if !short.is_empty() {
        return Err(PlaceOrderError::OutOfStock(short));
    }
    // The coupon is checked again here, in the transaction that counts its use: of two
    // shoppers racing for the last use, the second sees it used up.
    let applied = match new.coupon.as_deref().filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(code) => {
            let keys = crate::coupon::shopper_keys(
                session.openid.as_deref(),
                &new.session,
                Some(new.recipient.mobile.as_str()),
            );
            let found = {
                let coupons = tx.open_table(coupons::COUPONS)?;
                let uses = tx.open_table(coupons::COUPON_USES)?;
                coupons::check(
                    &coupons,
                    &uses,
                    code,
                    &keys,
                    &priced.basket(),
                    new.now.unix_timestamp(),
                )?
            };
            let (c, off) = found.map_err(PlaceOrderError::Coupon)?;
            priced
                .apply_discount(off, |l| c.covers(&l.product.category), new.shipping)
                .map_err(|_| PlaceOrderError::Overflow)?;
            Some(crate::coupon::OrderCoupon {
                code: c.code,
                discount: priced.discount,
                keys,
            })
        }
    };
    // Shipping by the recipient's province: its template, else the flat rule; a province
    // the shop does not deliver to places nothing.
    if let Some(parts) = &new.recipient.parts {
        let t = tx.open_table(shipping::SHIPPING_TEMPLATES)?;
        let template = shipping::template_in(&t, &parts.province)?;
        let fee = crate::shipping::fee_for(
            template.as_ref(),
            new.shipping,
            priced.units(),
            priced.goods(),
        )
        .map_err(PlaceOrderError::NotDelivered)?;
        priced
            .set_shipping(fee)
            .map_err(|_| PlaceOrderError::Overflow)?;
    } else if !tx.open_table(shipping::SHIPPING_TEMPLATES)?.is_empty()? {
        // A one-line address cannot be priced by province: the shopper picks the region.
        return Err(PlaceOrderError::RegionRequired);
    }
    let mut low = Vec::new();
    for l in &priced.lines {
        let left = l.available - l.qty.get();
        stock.insert(l.variant.sku.as_str(), u64::from(left))?;
        low.extend(owner_notify::low_stock(
            &l.variant.sku,
            &display_name(l),
            l.available,
            left,
        ));
    }
    let no = OrderNo::generate(new.now, new.random);
    let at = new.now.unix_timestamp();
    let order = Order {
        no: no.clone(),
        session: new.session.clone(),
        openid: session.openid.clone(),
        state: OrderState::PendingPayment,
        currency: new.currency,
        lines: priced
            .lines
            .iter()
            .map(|l| OrderLine {
                product_id: l.product.id.clone(),
                sku: l.variant.sku.clone(),
                product_name: l.product.name.clone(),
                variant_name: l.variant.name.clone(),
                unit_price: l.variant.price,
                qty: l.qty.get(),
                line_total: l.line_total,
                discount: l.discount,
            })
            .collect(),
        items_total: priced.items,
        shipping: priced.shipping,
        total: priced.total,
        recipient: new.recipient,
        note: new.note,
        discount: priced.discount,
        coupon: applied.clone(),
        channel: new.channel.clone().or_else(|| session.channel.clone()),
        created_at: at,
        history: vec![OrderEvent {
            at,
            kind: crate::order::EventKind::Created,
            detail: serde_json::json!({ "total": priced.total.minor() }),
        }],
        attempts: vec![],
        payment: None,
        refunds: vec![],
        shipment: None,
        dispute: None,
        aftersales: vec![],
    };
    if orders.get(no.as_str())?.is_some() {
        // Same second and same ten random digits: refuse rather than overwrite.
        return Err(PlaceOrderError::Store(StoreError::Corrupt {
            table: "orders",
            detail: format!("order number {no} already taken"),
        }));
    }
    orders.insert(no.as_str(), enc(&order).as_slice())?;
    by_session.insert(new.session.as_str(), no.as_str())?;
    if let Some(openid) = &order.openid {
        tx.open_multimap_table(OPENID_ORDERS)?
            .insert(openid.as_str(), no.as_str())?;
    }
    tx.open_table(OPEN_ORDERS)?.insert(no.as_str(), at as u64)?;
    if let Some(applied) = &applied {
        coupons::count_use(tx, applied)?;
    }
    // The schema-4 indexes (state, unpaid per shopper).
    index_order(tx, None, &order)?;
    if !buy_now {
        session.cart = Cart::default();
    }
    session.last_seen = at;
    put_openid_cart(tx, &mut session)?;
    sessions.insert(new.session.as_str(), enc(&session).as_slice())?;
    owner_notify::queue_owner_in(tx, &low, at)?;
    Ok(order)
}
