//! Coupons: codes the owner hands out for money off an order, and the rules that say
//! whether one applies to a basket and how much it takes off.
//!
//! A code is 4–20 letters and digits, case-insensitive (kept upper-case). A coupon takes a
//! fixed amount or a percentage (1–99, rounded down to the minor unit) off the items it
//! covers — every item, or only those of some categories — never more than those items
//! cost, once their total reaches a minimum, inside a validity window, up to a total
//! number of uses and a number per shopper. The discount of an order is split over its
//! lines ([`split`]) so a line refund can give back at most what that line really cost.
//! No I/O: the store counts uses, the checkout asks [`discount_for`].

use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

pub const CODE_MIN: usize = 4;
pub const CODE_MAX: usize = 20;

/// What a coupon takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CouponKind {
    /// This much off (at most the covered items' total).
    Fixed { amount: Money },
    /// This percentage of the covered items, rounded down to the minor unit.
    Percent { percent: u8 },
}

/// A coupon as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    /// Upper-case letters and digits.
    pub code: String,
    pub kind: CouponKind,
    /// The covered items must reach this total (zero: no minimum).
    pub min_spend: Money,
    /// Unix seconds: valid from `starts_at` (inclusive) to `ends_at` (exclusive).
    pub starts_at: i64,
    pub ends_at: i64,
    /// Uses in all (None: no limit).
    #[serde(default)]
    pub total_cap: Option<u32>,
    /// Uses per shopper (None: no limit).
    #[serde(default)]
    pub per_shopper_cap: Option<u32>,
    /// Category ids it is limited to (empty: every item).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Orders holding a use now (orders that closed unpaid gave theirs back).
    #[serde(default)]
    pub used: u32,
    #[serde(default)]
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// Why a coupon does not apply, in the order the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CouponProblem {
    #[error("unknown code")]
    Unknown,
    #[error("not valid yet")]
    NotStarted { starts_at: i64 },
    #[error("expired")]
    Expired,
    #[error("used up")]
    UsedUp,
    #[error("already used by this shopper")]
    AlreadyUsed,
    #[error("covers none of these items")]
    NotForTheseItems,
    #[error("minimum spend not reached")]
    MinimumNotReached { short: Money },
}

/// A code as typed, normalised: trimmed, upper-case, 4–20 of `[A-Za-z0-9]`.
pub fn normalize_code(s: &str) -> Option<String> {
    let s = s.trim();
    let ok =
        (CODE_MIN..=CODE_MAX).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| s.to_ascii_uppercase())
}

/// One line of a basket as a coupon sees it.
#[derive(Clone, Copy, Debug)]
pub struct BasketLine<'a> {
    pub category: &'a str,
    pub line_total: Money,
}

impl Coupon {
    /// Whether a line of `category` is covered.
    pub fn covers(&self, category: &str) -> bool {
        self.categories.is_empty() || self.categories.iter().any(|c| c == category)
    }

    /// The money it takes off items of `base` (covered) total.
    pub fn amount_off(&self, base: Money) -> Money {
        let off = match self.kind {
            CouponKind::Fixed { amount } => amount.minor(),
            CouponKind::Percent { percent } => base.minor() * i64::from(percent) / 100,
        };
        Money(off.clamp(0, base.minor().max(0)))
    }
}

/// The discount `c` gives `lines` at `now`, for a shopper who used it `shopper_uses` times
/// (the most of their openid/session and mobile-number counts), or why it does not apply.
pub fn discount_for(
    c: &Coupon,
    lines: &[BasketLine<'_>],
    now: i64,
    shopper_uses: u32,
) -> Result<Money, CouponProblem> {
    if c.disabled {
        return Err(CouponProblem::Unknown);
    }
    if now < c.starts_at {
        return Err(CouponProblem::NotStarted {
            starts_at: c.starts_at,
        });
    }
    if now >= c.ends_at {
        return Err(CouponProblem::Expired);
    }
    if c.total_cap.is_some_and(|cap| c.used >= cap) {
        return Err(CouponProblem::UsedUp);
    }
    if c.per_shopper_cap.is_some_and(|cap| shopper_uses >= cap) {
        return Err(CouponProblem::AlreadyUsed);
    }
    let base: i64 = lines
        .iter()
        .filter(|l| c.covers(l.category))
        .map(|l| l.line_total.minor())
        .sum();
    if !lines.iter().any(|l| c.covers(l.category)) {
        return Err(CouponProblem::NotForTheseItems);
    }
    if base < c.min_spend.minor() {
        return Err(CouponProblem::MinimumNotReached {
            short: Money(c.min_spend.minor() - base),
        });
    }
    Ok(c.amount_off(Money(base)))
}

/// Splits `discount` over lines in proportion to their totals (lines with a zero total get
/// nothing): each line its share rounded down, the remainder to the largest line (then the
/// next largest, never past a line's own total). The parts add up to `discount` exactly
/// when it is at most the lines' sum.
pub fn split(discount: i64, line_totals: &[i64]) -> Vec<i64> {
    let sum: i64 = line_totals.iter().map(|t| (*t).max(0)).sum();
    let mut out = vec![0i64; line_totals.len()];
    if sum <= 0 || discount <= 0 {
        return out;
    }
    let discount = discount.min(sum);
    for (o, t) in out.iter_mut().zip(line_totals) {
        // i128: discount × total may pass i64 for large amounts.
        *o = (i128::from(discount) * i128::from((*t).max(0)) / i128::from(sum)) as i64;
    }
    let mut rest = discount - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..line_totals.len()).collect();
    // Largest first; the earlier line on a tie.
    order.sort_by(|a, b| line_totals[*b].cmp(&line_totals[*a]).then(a.cmp(b)));
    for i in order {
        if rest == 0 {
            break;
        }
        let room = line_totals[i].max(0) - out[i];
        let give = room.min(rest);
        out[i] += give;
        rest -= give;
    }
    out
}

/// The keys one shopper's uses are counted under: their openid when known, else their
/// session, and the recipient's mobile number when given — a new session alone does not
/// reset the count.
pub fn shopper_keys(openid: Option<&str>, session: &str, mobile: Option<&str>) -> Vec<String> {
    let mut keys = vec![match openid.filter(|o| !o.is_empty()) {
        Some(o) => format!("openid:{o}"),
        None => format!("session:{session}"),
    }];
    if let Some(m) = mobile.filter(|m| !m.is_empty()) {
        keys.push(format!("mobile:{m}"));
    }
    keys
}

/// The coupon an order used: its code, what it took off, and the keys its use was counted
/// under (given back when the order closes unpaid).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCoupon {
    pub code: String,
    pub discount: Money,
    #[serde(default)]
    pub keys: Vec<String>,
}

/// The back office's form for a new coupon, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CouponForm {
    pub code: String,
    /// `fixed` or `percent`.
    pub kind: String,
    /// The amount (fixed) in major units, or the percentage.
    pub value: String,
    pub min_spend: String,
    /// `YYYY-MM-DDTHH:MM`, shop time (CST).
    pub starts: String,
    pub ends: String,
    pub total_cap: String,
    pub per_shopper_cap: String,
    pub categories: Vec<String>,
}

/// What is wrong with a coupon form, one at a time (the first found).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CouponFormProblem {
    #[error("bad code")]
    Code,
    #[error("code taken")]
    CodeTaken,
    #[error("bad amount")]
    Amount,
    #[error("bad percent")]
    Percent,
    #[error("bad minimum")]
    MinSpend,
    #[error("bad window")]
    Window,
    #[error("bad cap")]
    Cap,
}

impl CouponForm {
    /// Validates into a new coupon (no uses yet).
    pub fn validate(&self, currency: Currency, now: i64) -> Result<Coupon, CouponFormProblem> {
        let code = normalize_code(&self.code).ok_or(CouponFormProblem::Code)?;
        let kind = match self.kind.as_str() {
            "percent" => {
                let p: u8 = self
                    .value
                    .trim()
                    .parse()
                    .map_err(|_| CouponFormProblem::Percent)?;
                if !(1..=99).contains(&p) {
                    return Err(CouponFormProblem::Percent);
                }
                CouponKind::Percent { percent: p }
            }
            _ => {
                let amount = Money::parse_decimal(self.value.trim(), currency)
                    .filter(|m| m.minor() > 0)
                    .ok_or(CouponFormProblem::Amount)?;
                CouponKind::Fixed { amount }
            }
        };
        let min_spend = if self.min_spend.trim().is_empty() {
            Money::ZERO
        } else {
            Money::parse_decimal(self.min_spend.trim(), currency)
                .filter(|m| m.minor() >= 0)
                .ok_or(CouponFormProblem::MinSpend)?
        };
        let starts_at = parse_local(&self.starts).ok_or(CouponFormProblem::Window)?;
        let ends_at = parse_local(&self.ends).ok_or(CouponFormProblem::Window)?;
        if ends_at <= starts_at {
            return Err(CouponFormProblem::Window);
        }
        let cap = |s: &str| -> Result<Option<u32>, CouponFormProblem> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<u32>() {
                Ok(n) if n >= 1 => Ok(Some(n)),
                _ => Err(CouponFormProblem::Cap),
            }
        };
        Ok(Coupon {
            code,
            kind,
            min_spend,
            starts_at,
            ends_at,
            total_cap: cap(&self.total_cap)?,
            per_shopper_cap: cap(&self.per_shopper_cap)?,
            categories: self
                .categories
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
            used: 0,
            disabled: false,
            created_at: now,
        })
    }
}

/// `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">`, seconds optional) in shop time
/// (CST) → unix seconds.
pub fn parse_local(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.get(..16).filter(|_| s.len() == 16 || s.len() == 19)?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let dt = time::PrimitiveDateTime::parse(s, fmt).ok()?;
    Some(dt.assume_offset(crate::clock::CST).unix_timestamp())
}

/// Unix seconds as `YYYY-MM-DDTHH:MM` in shop time, for the form's inputs.
pub fn format_local(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(crate::clock::CST))
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coupon(kind: CouponKind) -> Coupon {
        Coupon {
            code: "SAVE10".into(),
            kind,
            min_spend: Money::ZERO,
            starts_at: 100,
            ends_at: 200,
            total_cap: None,
            per_shopper_cap: None,
            categories: vec![],
            used: 0,
            disabled: false,
            created_at: 0,
        }
    }

    fn lines(v: &[(&'static str, i64)]) -> Vec<BasketLine<'static>> {
        v.iter()
            .map(|(c, t)| BasketLine {
                category: c,
                line_total: Money(*t),
            })
            .collect()
    }

    #[test]
    fn split_adds_up_exactly_with_awkward_numbers() {
        assert_eq!(split(1, &[100, 100, 100]), vec![1, 0, 0]);
        assert_eq!(split(2, &[1, 1, 1]), vec![1, 1, 0]);
        assert_eq!(split(100, &[3333, 3333, 3334]), vec![33, 33, 34]);
        assert_eq!(split(1000, &[5900, 0, 1500]), vec![798, 0, 202]);
        assert_eq!(split(7, &[1, 2, 4]), vec![1, 2, 4]);
        assert_eq!(split(50, &[]), Vec::<i64>::new());
        // Never more than the lines hold, never a line past its own total.
        assert_eq!(split(999, &[3, 4]), vec![3, 4]);
        for (d, ls) in [
            (1i64, vec![1i64, 1, 1]),
            (10, vec![3, 3, 3, 3]),
            (997, vec![1999, 1, 2, 3333]),
            (123_456, vec![999_999, 7, 500_000]),
        ] {
            let parts = split(d, &ls);
            assert_eq!(parts.iter().sum::<i64>(), d.min(ls.iter().sum()));
            assert!(parts.iter().zip(&ls).all(|(p, l)| *p >= 0 && p <= l));
        }
    }

    #[test]
    fn percent_rounds_down_and_fixed_never_exceeds_items() {
        let c = coupon(CouponKind::Percent { percent: 15 });
        // 15% of 33.33 = 4.9995 → 4.99
        assert_eq!(
            discount_for(&c, &lines(&[("a", 3333)]), 150, 0),
            Ok(Money(499))
        );
        let c = coupon(CouponKind::Fixed {
            amount: Money(5000),
        });
        assert_eq!(
            discount_for(&c, &lines(&[("a", 3000)]), 150, 0),
            Ok(Money(3000))
        );
    }

    #[test]
    fn the_rules_say_why() {
        let mut c = coupon(CouponKind::Fixed { amount: Money(500) });
        let l = lines(&[("tea", 3000), ("mug", 1000)]);
        assert_eq!(
            discount_for(&c, &l, 99, 0),
            Err(CouponProblem::NotStarted { starts_at: 100 })
        );
        assert_eq!(discount_for(&c, &l, 200, 0), Err(CouponProblem::Expired));
        c.min_spend = Money(5000);
        assert_eq!(
            discount_for(&c, &l, 150, 0),
            Err(CouponProblem::MinimumNotReached { short: Money(1000) })
        );
        c.min_spend = Money(2000);
        c.categories = vec!["mug".into()];
        assert_eq!(
            discount_for(&c, &l, 150, 0),
            Err(CouponProblem::MinimumNotReached { short: Money(1000) })
        );
        c.categories = vec!["books".into()];
        assert_eq!(
            discount_for(&c, &l, 150, 0),
            Err(CouponProblem::NotForTheseItems)
        );
        c.categories = vec!["tea".into()];
        assert_eq!(discount_for(&c, &l, 150, 0), Ok(Money(500)));
        c.per_shopper_cap = Some(1);
        assert_eq!(
            discount_for(&c, &l, 150, 1),
            Err(CouponProblem::AlreadyUsed)
        );
        c.total_cap = Some(3);
        c.used = 3;
        assert_eq!(discount_for(&c, &l, 150, 0), Err(CouponProblem::UsedUp));
        c.disabled = true;
        assert_eq!(discount_for(&c, &l, 150, 0), Err(CouponProblem::Unknown));
    }

    #[test]
    fn codes_are_case_insensitive_letters_and_digits() {
        assert_eq!(normalize_code(" save10 "), Some("SAVE10".into()));
        assert_eq!(normalize_code("abc"), None);
        assert_eq!(normalize_code("SAVE-10"), None);
        assert_eq!(normalize_code(&"A".repeat(21)), None);
    }

    #[test]
    fn the_form_is_checked() {
        let f = CouponForm {
            code: "spring".into(),
            kind: "percent".into(),
            value: "15".into(),
            min_spend: "50".into(),
            starts: "2026-12-01T00:00".into(),
            ends: "2026-12-31T23:59".into(),
            total_cap: "100".into(),
            per_shopper_cap: "".into(),
            categories: vec![],
        };
        let c = f.validate(Currency::CNY, 0).unwrap();
        assert_eq!(c.code, "SPRING");
        assert_eq!(c.min_spend, Money(5000));
        assert_eq!(format_local(c.starts_at), "2026-12-01T00:00");
        assert_eq!(c.total_cap, Some(100));
        let bad = CouponForm {
            value: "100".into(),
            ..f.clone()
        };
        assert_eq!(
            bad.validate(Currency::CNY, 0),
            Err(CouponFormProblem::Percent)
        );
        let bad = CouponForm {
            ends: "2026-11-01T00:00".into(),
            ..f
        };
        assert_eq!(
            bad.validate(Currency::CNY, 0),
            Err(CouponFormProblem::Window)
        );
    }
}
