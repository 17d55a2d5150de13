//! The cart: what a shopper intends to buy, as SKU and quantity, and the pricing rule.
//!
//! A cart never charges a stored price: `price` looks every line up in the catalog at the
//! moment it is shown or turned into an order, so a price change is seen at once and a form
//! can never smuggle one in. A line remembers the price the shopper saw when adding it, only
//! so the cart can say that the price changed since. Totals are items − coupon discount +
//! shipping, where shipping is a flat fee that falls away when the items (after the
//! discount) reach a threshold (`free_shipping_gap` says how far away that is); regional
//! templates in `crate::shipping` replace the flat fee by the recipient's province.

use crate::catalog::{Product, Quantity, Variant};
use crate::money::{Money, Overflow};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub qty: Quantity,
    /// The unit price shown when the line was added (or last accepted); carts stored before
    /// this field existed load with `None`. Never used to charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_seen: Option<Money>,
}

/// Most distinct lines a cart may hold.
pub const MAX_LINES: usize = 50;

impl Cart {
    /// Adds to an existing line or appends one. Returns false when the cart is full.
    pub fn add(&mut self, sku: &str, qty: Quantity) -> bool {
        if let Some(line) = self.lines.iter_mut().find(|l| l.sku == sku) {
            line.qty = line.qty.saturating_add(qty);
            return true;
        }
        if self.lines.len() >= MAX_LINES {
            return false;
        }
        self.lines.push(CartLine {
            sku: sku.to_string(),
            qty,
            price_seen: None,
        });
        true
    }

    /// `add`, remembering the unit price the shopper saw (a line added again takes the
    /// newer price: the shopper has seen it).
    pub fn add_seen(&mut self, sku: &str, qty: Quantity, price: Money) -> bool {
        let added = self.add(sku, qty);
        if added && let Some(line) = self.lines.iter_mut().find(|l| l.sku == sku) {
            line.price_seen = Some(price);
        }
        added
    }

    /// The shopper accepted the prices as they are now (`current` gives a SKU's price).
    pub fn accept_prices(&mut self, mut current: impl FnMut(&str) -> Option<Money>) {
        for line in &mut self.lines {
            if let Some(p) = current(&line.sku) {
                line.price_seen = Some(p);
            }
        }
    }

    pub fn set(&mut self, sku: &str, qty: Quantity) {
        if let Some(line) = self.lines.iter_mut().find(|l| l.sku == sku) {
            line.qty = qty;
        }
    }

    pub fn remove(&mut self, sku: &str) {
        self.lines.retain(|l| l.sku != sku);
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Total number of units, for the cart badge.
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.qty.get()).sum()
    }
}

/// Shipping: a flat fee, free when the items reach a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShippingRule {
    pub flat_fee: Money,
    pub free_over: Option<Money>,
}

impl ShippingRule {
    pub fn fee_for(&self, items: Money) -> Money {
        match self.free_over {
            Some(threshold) if items >= threshold => Money::ZERO,
            _ if items == Money::ZERO => Money::ZERO,
            _ => self.flat_fee,
        }
    }
}

/// How much more the items must come to before shipping is free: `None` when the rule
/// has no threshold, the cart is empty, or the threshold is already reached. The one place
/// the cart page asks this, so a different shipping rule can answer it.
pub fn free_shipping_gap(rule: &ShippingRule, items: Money) -> Option<Money> {
    let threshold = rule.free_over?;
    if items == Money::ZERO || items >= threshold || rule.flat_fee == Money::ZERO {
        return None;
    }
    threshold.checked_sub(items).ok()
}

/// A cart line joined with the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub product: Product,
    pub variant: Variant,
    pub qty: Quantity,
    pub line_total: Money,
    /// Units available right now.
    pub available: u32,
    /// This line's share of a coupon's discount (zero without one).
    pub discount: Money,
    /// The unit price the shopper saw when adding the line, if known.
    pub price_seen: Option<Money>,
}

impl PricedLine {
    /// The price went up or down since the shopper added the line: (then, now).
    pub fn price_change(&self) -> Option<(Money, Money)> {
        self.price_seen
            .filter(|seen| *seen != self.variant.price)
            .map(|seen| (seen, self.variant.price))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<PricedLine>,
    /// SKUs in the cart that are no longer sold (deleted or unpublished).
    pub unavailable: Vec<String>,
    pub items: Money,
    /// Money a coupon takes off the items (zero without one).
    pub discount: Money,
    pub shipping: Money,
    pub total: Money,
}

impl Priced {
    /// Lines asking for more than is in stock.
    pub fn short_lines(&self) -> impl Iterator<Item = &PricedLine> {
        self.lines.iter().filter(|l| l.qty.get() > l.available)
    }

    /// Lines whose price changed since the shopper added them.
    pub fn changed_lines(&self) -> impl Iterator<Item = &PricedLine> {
        self.lines.iter().filter(|l| l.price_change().is_some())
    }
}

/// Prices a cart against the catalog. `lookup` finds the product selling a SKU and the
/// units available; SKUs it cannot find (or that are unpublished) are reported, not priced.
pub fn price(
    cart: &Cart,
    rule: ShippingRule,
    mut lookup: impl FnMut(&str) -> Option<(Product, u32)>,
) -> Result<Priced, Overflow> {
    let mut out = Priced::default();
    for line in &cart.lines {
        let Some((product, available)) = lookup(&line.sku) else {
            out.unavailable.push(line.sku.clone());
            continue;
        };
        let Some(variant) = product.variant(&line.sku).cloned() else {
            out.unavailable.push(line.sku.clone());
            continue;
        };
        if !product.published {
            out.unavailable.push(line.sku.clone());
            continue;
        }
        let line_total = variant.price.checked_mul(line.qty.get())?;
        out.items = out.items.checked_add(line_total)?;
        out.lines.push(PricedLine {
            product,
            variant,
            qty: line.qty,
            line_total,
            available,
            price_seen: line.price_seen,
            discount: Money::ZERO,
        });
    }
    out.shipping = rule.fee_for(out.items);
    out.total = out.items.checked_add(out.shipping)?;
    Ok(out)
}

impl Priced {
    /// The lines as a coupon sees them (category and total).
    pub fn basket(&self) -> Vec<crate::coupon::BasketLine<'_>> {
        self.lines
            .iter()
            .map(|l| crate::coupon::BasketLine {
                category: &l.product.category,
                line_total: l.line_total,
            })
            .collect()
    }

    /// Units in the priced lines.
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.qty.get()).sum()
    }

    /// The goods after the discount: what shipping's "free over" compares.
    pub fn goods(&self) -> Money {
        Money(self.items.minor() - self.discount.minor())
    }

    /// Puts a shipping fee in (a regional template's) and totals again.
    pub fn set_shipping(&mut self, fee: Money) -> Result<(), Overflow> {
        self.shipping = fee;
        self.total = self.goods().checked_add(fee)?;
        Ok(())
    }

    /// Takes `discount` off the lines `covers` accepts (split in proportion to their
    /// totals, `coupon::split`), and prices shipping again on the items after it.
    pub fn apply_discount(
        &mut self,
        discount: Money,
        covers: impl Fn(&PricedLine) -> bool,
        rule: ShippingRule,
    ) -> Result<(), Overflow> {
        let totals: Vec<i64> = self
            .lines
            .iter()
            .map(|l| if covers(l) { l.line_total.minor() } else { 0 })
            .collect();
        // WeChat Pay takes no order of zero: at least one fen of the items is paid.
        let discount = Money(discount.minor().min(self.items.minor() - 1).max(0));
        let parts = crate::coupon::split(discount.minor(), &totals);
        for (l, d) in self.lines.iter_mut().zip(&parts) {
            l.discount = Money(*d);
        }
        self.discount = Money(parts.iter().sum());
        let goods = self.items.checked_sub(self.discount)?;
        self.shipping = rule.fee_for(goods);
        self.total = goods.checked_add(self.shipping)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(sku: &str, price: i64) -> Product {
        Product {
            id: "p".into(),
            category: "c".into(),
            name: "P".into(),
            summary: String::new(),
            description: String::new(),
            images: vec![],
            option_name: String::new(),
            variants: vec![Variant {
                sku: sku.into(),
                name: "-".into(),
                price: Money(price),
            }],
            featured: false,
            published: true,
            sort: 0,
        }
    }

    #[test]
    fn totals_with_shipping_threshold() {
        let rule = ShippingRule {
            flat_fee: Money(800),
            free_over: Some(Money(9900)),
        };
        let mut cart = Cart::default();
        cart.add("a", Quantity::new(2).unwrap());
        let priced = price(&cart, rule, |_| Some((product("a", 1500), 10))).unwrap();
        assert_eq!(priced.items, Money(3000));
        assert_eq!(priced.shipping, Money(800));
        assert_eq!(priced.total, Money(3800));

        cart.set("a", Quantity::new(7).unwrap());
        let priced = price(&cart, rule, |_| Some((product("a", 1500), 10))).unwrap();
        assert_eq!(priced.items, Money(10500));
        assert_eq!(priced.shipping, Money::ZERO);
        assert_eq!(priced.total, Money(10500));
    }

    #[test]
    fn unknown_skus_are_reported_not_priced() {
        let mut cart = Cart::default();
        cart.add("gone", Quantity::new(1).unwrap());
        let rule = ShippingRule {
            flat_fee: Money(800),
            free_over: None,
        };
        let priced = price(&cart, rule, |_| None).unwrap();
        assert_eq!(priced.unavailable, vec!["gone".to_string()]);
        assert_eq!(priced.total, Money::ZERO);
    }

    #[test]
    fn the_free_shipping_gap_is_what_is_missing_from_the_threshold() {
        let rule = ShippingRule {
            flat_fee: Money(800),
            free_over: Some(Money(9900)),
        };
        assert_eq!(free_shipping_gap(&rule, Money(5900)), Some(Money(4000)));
        assert_eq!(free_shipping_gap(&rule, Money(9900)), None);
        assert_eq!(free_shipping_gap(&rule, Money::ZERO), None);
        let no_threshold = ShippingRule {
            free_over: None,
            ..rule
        };
        assert_eq!(free_shipping_gap(&no_threshold, Money(100)), None);
    }

    #[test]
    fn old_carts_load_and_price_changes_are_seen() {
        let old: Cart = serde_json::from_str(r#"{"lines":[{"sku":"a","qty":2}]}"#).unwrap();
        assert_eq!(old.lines[0].price_seen, None);
        let mut cart = Cart::default();
        cart.add_seen("a", Quantity::new(1).unwrap(), Money(1500));
        let rule = ShippingRule {
            flat_fee: Money(800),
            free_over: None,
        };
        let priced = price(&cart, rule, |_| Some((product("a", 1800), 10))).unwrap();
        assert_eq!(
            priced.lines[0].price_change(),
            Some((Money(1500), Money(1800)))
        );
        cart.accept_prices(|_| Some(Money(1800)));
        let priced = price(&cart, rule, |_| Some((product("a", 1800), 10))).unwrap();
        assert_eq!(priced.changed_lines().count(), 0);
    }

    #[test]
    fn adding_merges_lines() {
        let mut cart = Cart::default();
        cart.add("a", Quantity::new(1).unwrap());
        cart.add("a", Quantity::new(2).unwrap());
        assert_eq!(cart.lines.len(), 1);
        assert_eq!(cart.units(), 3);
        cart.remove("a");
        assert!(cart.is_empty());
    }
}
