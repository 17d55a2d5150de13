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

/// Where a cart's free-shipping hint holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HintScope {
    /// The shopper's known province (two-digit code).
    Province(String),
    /// Every province: no template is less generous than the flat rule.
    Everywhere,
    /// The provinces without a less generous template — most of them.
    MostRegions,
}

/// What the cart says about free shipping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShippingHint {
    /// This much more of goods and shipping is free there.
    Gap(Money, HintScope),
    /// Shipping is free there already.
    Free(HintScope),
    /// The shop does not deliver to the shopper's province.
    NotDelivered(String),
}

/// The cart's hint for `units` units of `goods`: under the template of the shopper's
/// `province` when it is known (the flat rule when that province has none); when it is
/// not, the flat rule's hint only where it is honest — for every province when no
/// template is less generous, for "most regions" when fewer than half the provinces have
/// one that is, else none.
pub fn shipping_hint(
    templates: &[ShippingTemplate],
    flat: ShippingRule,
    province: Option<&str>,
    units: u32,
    goods: Money,
) -> Option<ShippingHint> {
    if units == 0 || goods <= Money::ZERO {
        return None;
    }
    if let Some(p) = province.filter(|p| !p.is_empty()) {
        let scope = HintScope::Province(p.to_string());
        return match templates.iter().find(|t| t.province == p) {
            Some(t) if !t.delivers => Some(ShippingHint::NotDelivered(p.to_string())),
            Some(t) => match t.fee(units, goods) {
                Ok(fee) if fee == Money::ZERO => Some(ShippingHint::Free(scope)),
                _ => t
                    .free_over
                    .and_then(|f| f.checked_sub(goods).ok())
                    .map(|gap| ShippingHint::Gap(gap, scope)),
            },
            None => flat_hint(flat, goods, scope),
        };
    }
    let threshold = flat.free_over?;
    let stingier = templates
        .iter()
        .filter(|t| !t.delivers || t.free_over.is_none_or(|f| f > threshold))
        .filter(|t| !t.delivers || t.first_fee > Money::ZERO || t.additional_fee > Money::ZERO)
        .count();
    let scope = if stingier == 0 {
        HintScope::Everywhere
    } else if stingier * 2 < crate::region::provinces().len() {
        HintScope::MostRegions
    } else {
        return None;
    };
    flat_hint(flat, goods, scope)
}

fn flat_hint(flat: ShippingRule, goods: Money, scope: HintScope) -> Option<ShippingHint> {
    match free_shipping_gap(&flat, goods) {
        Some(gap) => Some(ShippingHint::Gap(gap, scope)),
        None if flat.fee_for(goods) == Money::ZERO && flat.free_over.is_some() => {
            Some(ShippingHint::Free(scope))
        }
        None => None,
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

    #[test]
    fn the_hint_follows_the_shoppers_province_and_is_honest_without_one() {
        use HintScope::*;
        use ShippingHint::*;
        let flat = ShippingRule {
            flat_fee: Money(800),
            free_over: Some(Money(9900)),
        };
        let p = |c: &str| Province(c.to_string());
        // No templates: the flat rule holds everywhere.
        assert_eq!(
            shipping_hint(&[], flat, None, 1, Money(5900)),
            Some(Gap(Money(4000), Everywhere))
        );
        assert_eq!(shipping_hint(&[], flat, None, 0, Money::ZERO), None);
        // Xinjiang: 20.00 first, free over 300.00.
        let xj = t();
        let ts = [xj.clone()];
        assert_eq!(
            shipping_hint(&ts, flat, Some("65"), 1, Money(5900)),
            Some(Gap(Money(24_100), p("65")))
        );
        assert_eq!(
            shipping_hint(&ts, flat, Some("65"), 1, Money(30_000)),
            Some(Free(p("65")))
        );
        // A province without a template: the flat rule, named.
        assert_eq!(
            shipping_hint(&ts, flat, Some("31"), 1, Money(5900)),
            Some(Gap(Money(4000), p("31")))
        );
        assert_eq!(
            shipping_hint(&ts, flat, Some("31"), 2, Money(11_800)),
            Some(Free(p("31")))
        );
        // Unknown province, one stingier template: "most regions".
        assert_eq!(
            shipping_hint(&ts, flat, None, 1, Money(5900)),
            Some(Gap(Money(4000), MostRegions))
        );
        // A template at least as generous does not qualify the hint.
        let generous = ShippingTemplate {
            free_over: Some(Money(5000)),
            ..t()
        };
        assert_eq!(
            shipping_hint(&[generous], flat, None, 1, Money(5900)),
            Some(Gap(Money(4000), Everywhere))
        );
        // Not delivered there: said.
        let no = ShippingTemplate {
            delivers: false,
            ..t()
        };
        assert_eq!(
            shipping_hint(&[no], flat, Some("65"), 1, Money(5900)),
            Some(NotDelivered("65".into()))
        );
        // Most provinces stingier: no hint at all without the province.
        let many: Vec<_> = crate::region::provinces()
            .iter()
            .take(16)
            .map(|d| ShippingTemplate {
                province: d.code.to_string(),
                ..t()
            })
            .collect();
        assert_eq!(shipping_hint(&many, flat, None, 1, Money(5900)), None);
    }
}
