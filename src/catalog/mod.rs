//! The catalog: categories, products and their variants (SKUs) with per-variant prices.
//!
//! Stock is not part of a product record: it lives in its own table so that editing a
//! product never races with checkouts reserving stock. This module holds the types and
//! the pure rules (slugs, quantities, stock states); the store persists them.

use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// URL slug, `[a-z0-9-]`.
    pub id: String,
    pub name: String,
    pub sort: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// URL slug, `[a-z0-9-]`.
    pub id: String,
    pub category: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    /// Content hashes of images in the store, first is the cover.
    pub images: Vec<String>,
    /// Label of the variant dimension, e.g. "尺码" or "颜色"; empty when there is one variant.
    pub option_name: String,
    pub variants: Vec<Variant>,
    pub featured: bool,
    pub published: bool,
    pub sort: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Stock-keeping unit, unique across the shop.
    pub sku: String,
    /// What the shopper picks, e.g. "M" or "白色".
    pub name: String,
    pub price: Money,
}

impl Product {
    pub fn variant(&self, sku: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.sku == sku)
    }

    /// The lowest variant price, shown on listings ("from ¥…").
    pub fn min_price(&self) -> Money {
        self.variants
            .iter()
            .map(|v| v.price)
            .min()
            .unwrap_or(Money::ZERO)
    }

    pub fn has_price_range(&self) -> bool {
        let min = self.min_price();
        self.variants.iter().any(|v| v.price != min)
    }

    pub fn cover(&self) -> Option<&str> {
        self.images.first().map(String::as_str)
    }
}

/// How much of a SKU is left, as the shopper sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockState {
    SoldOut,
    /// Few left: the number is shown.
    Low(u32),
    InStock,
}

/// At or below this many units the product page says "only N left".
pub const LOW_STOCK: u32 = 5;

impl StockState {
    pub fn of(available: u32) -> StockState {
        match available {
            0 => StockState::SoldOut,
            n if n <= LOW_STOCK => StockState::Low(n),
            _ => StockState::InStock,
        }
    }
}

/// A quantity a shopper may put in the cart: 1..=99.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

pub const MAX_QUANTITY: u32 = 99;

impl Quantity {
    pub fn new(n: u32) -> Option<Quantity> {
        (1..=MAX_QUANTITY).contains(&n).then_some(Quantity(n))
    }
    pub fn get(self) -> u32 {
        self.0
    }
    /// Adds, saturating at the maximum a cart line may hold.
    pub fn saturating_add(self, other: Quantity) -> Quantity {
        Quantity((self.0 + other.0).min(MAX_QUANTITY))
    }
}

impl TryFrom<u32> for Quantity {
    type Error = String;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Quantity::new(n).ok_or_else(|| format!("quantity {n} out of range"))
    }
}

impl From<Quantity> for u32 {
    fn from(q: Quantity) -> u32 {
        q.0
    }
}

/// Whether a string is a usable slug for URLs: 1–64 chars of `[a-z0-9-]`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_states() {
        assert_eq!(StockState::of(0), StockState::SoldOut);
        assert_eq!(StockState::of(3), StockState::Low(3));
        assert_eq!(StockState::of(6), StockState::InStock);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(Quantity::new(0).is_none());
        assert!(Quantity::new(100).is_none());
        let q = Quantity::new(98).unwrap();
        assert_eq!(q.saturating_add(Quantity::new(5).unwrap()).get(), 99);
    }

    #[test]
    fn slugs() {
        assert!(is_slug("tea-cup-2"));
        assert!(!is_slug("Tea"));
        assert!(!is_slug("../x"));
        assert!(!is_slug(""));
    }
}

pub mod csv;
pub mod search;
