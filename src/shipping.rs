//! Shipping by region: templates per province (GB/T 2260 two-digit province code, from
//! the structured address) with a first-item fee, an additional-item fee, free shipping
//! over an amount, or no delivery at all. Provinces without a template use the shop's flat
//! rule (`[shop] shipping_fee`, `free_shipping_over`), the default template.
//!
//! "Free over" compares the items after a coupon's discount — what the shopper pays for
//! the goods — in both the templates and the flat rule. No I/O.

use crate::cart::ShippingRule;
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

pub use crate::cart::free_shipping_gap;

/// One province's template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingTemplate {
    /// Two-digit GB/T 2260 province code.
    pub province: String,
    /// For the first unit of an order.
    pub first_fee: Money,
    /// For every unit after the first.
    pub additional_fee: Money,
    /// Free when the goods (after the discount) reach this.
    #[serde(default)]
    pub free_over: Option<Money>,
    /// False: the shop does not deliver there.
    pub delivers: bool,
}

/// The shop does not deliver to this province.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no delivery to province {0}")]
pub struct NotDelivered(pub String);

impl ShippingTemplate {
    /// The fee for `units` units whose goods cost `goods`.
    pub fn fee(&self, units: u32, goods: Money) -> Result<Money, NotDelivered> {
        if !self.delivers {
            return Err(NotDelivered(self.province.clone()));
        }
        if units == 0 || self.free_over.is_some_and(|f| goods >= f) {
            return Ok(Money::ZERO);
        }
        let extra = self
            .additional_fee
            .minor()
            .saturating_mul(i64::from(units - 1));
        Ok(Money(self.first_fee.minor().saturating_add(extra)))
    }
}

/// The fee under `template` when the province has one, else under the flat rule.
pub fn fee_for(
    template: Option<&ShippingTemplate>,
    default: ShippingRule,
    units: u32,
    goods: Money,
) -> Result<Money, NotDelivered> {
    match template {
        Some(t) => t.fee(units, goods),
        None if units == 0 => Ok(Money::ZERO),
        None => Ok(default.fee_for(goods)),
    }
}

/// The back office's template form, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateForm {
    pub province: String,
    pub first_fee: String,
    pub additional_fee: String,
    pub free_over: String,
    /// "1" when the shop does not deliver there.
    pub no_delivery: bool,
}

/// What is wrong with a template form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateProblem {
    #[error("unknown province")]
    Province,
    #[error("bad fee")]
    Fee,
}

impl TemplateForm {
    pub fn validate(&self, currency: Currency) -> Result<ShippingTemplate, TemplateProblem> {
        let p = self.province.trim();
        if p.len() != 2 || !crate::region::provinces().iter().any(|d| d.code == p) {
            return Err(TemplateProblem::Province);
        }
        let amount = |s: &str, empty: Option<Money>| -> Result<Option<Money>, TemplateProblem> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(empty);
            }
            Money::parse_decimal(s, currency)
                .filter(|m| m.minor() >= 0)
                .map(Some)
                .ok_or(TemplateProblem::Fee)
        };
        let zero = Some(Money::ZERO);
        Ok(ShippingTemplate {
            province: p.to_string(),
            first_fee: amount(&self.first_fee, zero)?.unwrap_or(Money::ZERO),
            additional_fee: amount(&self.additional_fee, zero)?.unwrap_or(Money::ZERO),
            free_over: amount(&self.free_over, None)?,
            delivers: !self.no_delivery,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> ShippingTemplate {
        ShippingTemplate {
            province: "65".into(),
            first_fee: Money(2000),
            additional_fee: Money(500),
            free_over: Some(Money(30_000)),
            delivers: true,
        }
    }

    #[test]
    fn first_and_additional_units_and_free_over() {
        assert_eq!(t().fee(1, Money(5000)), Ok(Money(2000)));
        assert_eq!(t().fee(3, Money(5000)), Ok(Money(3000)));
        assert_eq!(t().fee(3, Money(30_000)), Ok(Money::ZERO));
        let flat = ShippingRule {
            flat_fee: Money(800),
            free_over: Some(Money(9900)),
        };
        assert_eq!(fee_for(None, flat, 3, Money(5000)), Ok(Money(800)));
        assert_eq!(fee_for(None, flat, 3, Money(9900)), Ok(Money::ZERO));
        let no = ShippingTemplate {
            delivers: false,
            ..t()
        };
        assert_eq!(no.fee(1, Money(1)), Err(NotDelivered("65".into())));
        assert_eq!(free_shipping_gap(&flat, Money(5000)), Some(Money(4900)));
        assert_eq!(free_shipping_gap(&flat, Money(9900)), None);
    }
}
