//! Money: integer amounts in a currency's minor unit, never floats.
//!
//! `Currency` knows its ISO 4217 code and how many decimal places its minor
//! unit has (CNY 2, JPY 0, …). `Money` is an amount of minor units; arithmetic
//! is checked so an overflow is an error rather than a wrong price.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency the shop can price in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Currencies WeChat Pay settles in (mainland and cross-border), with their minor-unit exponent.
const KNOWN: &[(&str, u8, &str)] = &[
    ("CNY", 2, "¥"),
    ("HKD", 2, "HK$"),
    ("USD", 2, "US$"),
    ("EUR", 2, "€"),
    ("GBP", 2, "£"),
    ("AUD", 2, "A$"),
    ("CAD", 2, "C$"),
    ("NZD", 2, "NZ$"),
    ("SGD", 2, "S$"),
    ("MOP", 2, "MOP$"),
    ("THB", 2, "฿"),
    ("MYR", 2, "RM"),
    ("CHF", 2, "CHF "),
    ("SEK", 2, "kr "),
    ("DKK", 2, "kr "),
    ("NOK", 2, "kr "),
    ("JPY", 0, "JP¥"),
    ("KRW", 0, "₩"),
];

impl Currency {
    pub const CNY: Currency = Currency {
        code: *b"CNY",
        exponent: 2,
    };

    /// Parse an ISO 4217 code the shop supports.
    pub fn parse(code: &str) -> Option<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        KNOWN.iter().find(|(c, _, _)| *c == upper).map(|(c, e, _)| {
            let b = c.as_bytes();
            Currency {
                code: [b[0], b[1], b[2]],
                exponent: *e,
            }
        })
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Decimal places of the minor unit (2 for CNY, 0 for JPY).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    pub fn symbol(&self) -> &'static str {
        KNOWN
            .iter()
            .find(|(c, _, _)| c.as_bytes() == self.code)
            .map(|(_, _, s)| *s)
            .unwrap_or("")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units (fen for CNY). Non-negative in every place the shop uses it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("amount out of range")]
pub struct Overflow;

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn minor(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_add(other.0).map(Money).ok_or(Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_sub(other.0).map(Money).ok_or(Overflow)
    }

    pub fn checked_mul(self, n: u32) -> Result<Money, Overflow> {
        self.0.checked_mul(i64::from(n)).map(Money).ok_or(Overflow)
    }

    /// Render as a decimal amount without symbol: 1250 fen → "12.50"; 1250 yen → "1250".
    pub fn decimal(self, currency: Currency) -> String {
        let e = u32::from(currency.exponent());
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if e == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(e);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = e as usize
        )
    }

    /// Render with the currency symbol, e.g. "¥12.50".
    pub fn display(self, currency: Currency) -> String {
        format!("{}{}", currency.symbol(), self.decimal(currency))
    }

    /// Parse a decimal amount as an operator writes it ("12.5", "12.50", "1200") into minor units.
    pub fn parse_decimal(s: &str, currency: Currency) -> Option<Money> {
        let s = s.trim();
        let e = usize::from(currency.exponent());
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if frac.len() > e || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if s.contains('.') && frac.is_empty() {
            return None;
        }
        let int: i64 = int.parse().ok()?;
        let mut frac_val: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        for _ in frac.len()..e {
            frac_val *= 10;
        }
        int.checked_mul(10i64.pow(e as u32))?
            .checked_add(frac_val)
            .map(Money)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units() {
        assert_eq!(Money(1250).display(Currency::CNY), "¥12.50");
        assert_eq!(Money(5).decimal(Currency::CNY), "0.05");
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money(1250).display(jpy), "JP¥1250");
    }

    #[test]
    fn parses_decimals_exactly() {
        let c = Currency::CNY;
        assert_eq!(Money::parse_decimal("12.5", c), Some(Money(1250)));
        assert_eq!(Money::parse_decimal("12.05", c), Some(Money(1205)));
        assert_eq!(Money::parse_decimal("7", c), Some(Money(700)));
        assert_eq!(Money::parse_decimal("1.234", c), None);
        assert_eq!(Money::parse_decimal("-1", c), None);
        assert_eq!(Money::parse_decimal("1.", c), None);
        assert_eq!(Money::parse_decimal("abc", c), None);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse_decimal("1200", jpy), Some(Money(1200)));
        assert_eq!(Money::parse_decimal("12.5", jpy), None);
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), Err(Overflow));
        assert_eq!(Money(300).checked_mul(3), Ok(Money(900)));
    }
}
