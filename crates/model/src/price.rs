//! Money as integers. Prices are nano-dollars per hour so that sums over a day are
//! exact and identical on every machine; floats appear only when printing.

use std::fmt;

use serde::{Serialize, Serializer};

/// A price in US dollars per hour, stored as nano-dollars per hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UsdPerHour(pub u64);

/// An amount of US dollars, stored as nano-dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(pub u128);

pub const NANOS_PER_USD: u64 = 1_000_000_000;
/// Hours in a month as AWS's calculators count them.
pub const HOURS_PER_MONTH: u64 = 730;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a price in dollars (expected e.g. `0.768`, at most 9 decimals)")]
pub struct PriceError(pub String);

impl UsdPerHour {
    /// Parses a decimal dollar amount exactly (`0.8064` → 806,400,000 n$/h).
    pub fn parse(s: &str) -> Result<UsdPerHour, PriceError> {
        let err = || PriceError(s.to_string());
        let (int_part, frac_part) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        if int_part.is_empty() && frac_part.is_empty()
            || frac_part.len() > 9
            || !int_part
                .bytes()
                .chain(frac_part.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let int: u64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err())?
        };
        let frac: u64 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse::<u64>().map_err(|_| err())? * 10u64.pow(9 - frac_part.len() as u32)
        };
        int.checked_mul(NANOS_PER_USD)
            .and_then(|n| n.checked_add(frac))
            .map(UsdPerHour)
            .ok_or_else(err)
    }

    pub fn dollars(self) -> f64 {
        self.0 as f64 / NANOS_PER_USD as f64
    }

    /// Applies a discount in basis points (1 % = 100 bp), rounding to the nearest nano-dollar.
    pub fn discounted_bp(self, discount_bp: u32) -> UsdPerHour {
        let kept = 10_000u128.saturating_sub(u128::from(discount_bp));
        UsdPerHour(((u128::from(self.0) * kept + 5_000) / 10_000) as u64)
    }

    /// The cost of running for `ms` milliseconds.
    pub fn cost_for_millis(self, ms: u64) -> Usd {
        Usd(u128::from(self.0) * u128::from(ms) / 3_600_000)
    }

    pub fn per_month(self) -> Usd {
        Usd(u128::from(self.0) * u128::from(HOURS_PER_MONTH))
    }

    pub fn saturating_add(self, other: UsdPerHour) -> UsdPerHour {
        UsdPerHour(self.0.saturating_add(other.0))
    }
}

impl Usd {
    pub fn dollars(self) -> f64 {
        self.0 as f64 / NANOS_PER_USD as f64
    }
}

impl fmt::Display for UsdPerHour {
    /// `$0.8064/h`: as many decimals as the price has, at least two.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}/h", trim_decimals(u128::from(self.0)))
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${:.2}", self.dollars())
    }
}

/// Nano-dollars as a decimal string with trailing zeros trimmed (minimum two decimals).
pub fn trim_decimals(nanos: u128) -> String {
    let int = nanos / u128::from(NANOS_PER_USD);
    let frac = format!("{:09}", nanos % u128::from(NANOS_PER_USD));
    let trimmed = frac.trim_end_matches('0');
    let shown = if trimmed.len() < 2 {
        &frac[..2]
    } else {
        trimmed
    };
    format!("{int}.{shown}")
}

impl Serialize for UsdPerHour {
    /// JSON carries the exact decimal as a number (`0.8064`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(UsdPerHour::parse("0.8064"), Ok(UsdPerHour(806_400_000)));
        assert_eq!(UsdPerHour::parse("0.768"), Ok(UsdPerHour(768_000_000)));
        assert_eq!(UsdPerHour::parse("12"), Ok(UsdPerHour(12 * NANOS_PER_USD)));
        assert!(UsdPerHour::parse("").is_err());
        assert!(UsdPerHour::parse("1.2.3").is_err());
        assert!(UsdPerHour::parse("-1").is_err());
        assert!(UsdPerHour::parse("0.0000000001").is_err());
    }

    #[test]
    fn display_and_cost() {
        assert_eq!(UsdPerHour(806_400_000).to_string(), "$0.8064/h");
        assert_eq!(UsdPerHour(768_000_000).to_string(), "$0.768/h");
        assert_eq!(UsdPerHour(2 * NANOS_PER_USD).to_string(), "$2.00/h");
        let p = UsdPerHour(768_000_000);
        assert_eq!(p.cost_for_millis(3_600_000), Usd(768_000_000));
        assert_eq!(p.per_month().to_string(), "$560.64");
        assert_eq!(p.discounted_bp(1_000), UsdPerHour(691_200_000));
    }
}
