//! Kubernetes quantity strings (`100m`, `0.5`, `1Gi`, `1e3`) parsed exactly.
//!
//! The grammar is apimachinery's `resource.Quantity`: a non-negative decimal number
//! followed by a binary-SI suffix (`Ki`..`Ei`), a decimal-SI suffix (`n`, `u`, `m`, ``,
//! `k`, `M`, `G`, `T`, `P`, `E`) or a decimal exponent (`e3`, `E-2`). Values are kept
//! as an exact rational and converted with Kubernetes' rule: anything more precise
//! than the target unit rounds *up* (`0.1m` CPU is `1m`).

/// Why a quantity string was rejected. The message is written for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("empty quantity")]
    Empty,
    #[error("negative quantity `{0}`: requests, limits and capacities cannot be negative")]
    Negative(String),
    #[error("`{0}` is not a number (expected digits such as `2`, `0.5` or `1.5Gi`)")]
    NotANumber(String),
    #[error("unknown suffix `{suffix}` in `{input}` ({hint})")]
    UnknownSuffix {
        input: String,
        suffix: String,
        hint: &'static str,
    },
    #[error("quantity `{0}` is too large")]
    Overflow(String),
}

/// An exact non-negative rational `mantissa × 10^decimal_exponent × 2^binary_exponent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    mantissa: u128,
    decimal_exponent: i32,
    binary_exponent: u32,
}

impl Quantity {
    /// Parses a Kubernetes quantity string.
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        let (negative, body) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let number_len = body
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let (number, suffix) = body.split_at(number_len);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return Err(QuantityError::NotANumber(input.to_string()));
        }
        if negative {
            return Err(QuantityError::Negative(input.to_string()));
        }
        let overflow = || QuantityError::Overflow(input.to_string());
        let mut mantissa: u128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        let frac_digits = i32::try_from(frac_part.len()).map_err(|_| overflow())?;
        let (decimal_exponent, binary_exponent) = parse_suffix(input, suffix)?;
        Ok(Quantity {
            mantissa,
            decimal_exponent: decimal_exponent
                .checked_sub(frac_digits)
                .ok_or_else(overflow)?,
            binary_exponent,
        })
    }

    /// The value times `scale`, rounded up to an integer. `None` if it does not fit in `u64`.
    pub fn to_scaled_ceil(self, scale: u64) -> Option<u64> {
        if self.mantissa == 0 {
            return Some(0);
        }
        let mut numerator = self.mantissa.checked_mul(u128::from(scale))?;
        numerator = numerator.checked_mul(1u128.checked_shl(self.binary_exponent)?)?;
        let value = if self.decimal_exponent >= 0 {
            let factor = 10u128.checked_pow(self.decimal_exponent.unsigned_abs())?;
            numerator.checked_mul(factor)?
        } else {
            match 10u128.checked_pow(self.decimal_exponent.unsigned_abs()) {
                Some(denominator) => numerator.div_ceil(denominator),
                // A denominator beyond u128 makes any positive value round up to one unit.
                None => 1,
            }
        };
        u64::try_from(value).ok()
    }
}

fn parse_suffix(input: &str, suffix: &str) -> Result<(i32, u32), QuantityError> {
    let binary = |p: u32| Ok((0, p));
    let decimal = |e: i32| Ok((e, 0));
    match suffix {
        "" => decimal(0),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        _ => {
            if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    return exp
                        .parse::<i32>()
                        .map(|e| (e, 0))
                        .map_err(|_| QuantityError::Overflow(input.to_string()));
                }
            }
            let hint = match suffix {
                "KiB" | "MiB" | "GiB" | "TiB" | "KB" | "MB" | "GB" | "TB" => {
                    "Kubernetes writes `Gi`, not `GiB`"
                }
                "Kb" | "kb" | "mb" | "gb" | "g" | "gi" => "suffixes are case-sensitive, e.g. `Gi`",
                _ if suffix.chars().any(|c| c.is_ascii_digit()) => "a quantity has one number",
                _ => "use one of Ki Mi Gi Ti Pi Ei, m k M G T P E, or an exponent like e3",
            };
            if input
                .trim_start_matches(['+', '-'])
                .starts_with(|c: char| c.is_ascii_digit() || c == '.')
            {
                Err(QuantityError::UnknownSuffix {
                    input: input.to_string(),
                    suffix: suffix.to_string(),
                    hint,
                })
            } else {
                Err(QuantityError::NotANumber(input.to_string()))
            }
        }
    }
}

/// Parses a CPU quantity into millicores, rounding up (`0.1m` → 1, `1.5` → 1500).
pub fn parse_cpu_millis(input: &str) -> Result<u64, QuantityError> {
    Quantity::parse(input)?
        .to_scaled_ceil(1000)
        .ok_or_else(|| QuantityError::Overflow(input.to_string()))
}

/// Parses a byte quantity (memory, storage), rounding fractions of a byte up.
pub fn parse_bytes(input: &str) -> Result<u64, QuantityError> {
    Quantity::parse(input)?
        .to_scaled_ceil(1)
        .ok_or_else(|| QuantityError::Overflow(input.to_string()))
}

/// Parses a count (pods, GPUs), rounding up.
pub fn parse_count(input: &str) -> Result<u64, QuantityError> {
    parse_bytes(input)
}

/// Formats bytes in the largest binary unit that divides them exactly (`1Gi`, `1536Mi`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u32); 5] = [("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    if bytes == 0 {
        return "0".to_string();
    }
    for (unit, shift) in UNITS {
        if bytes.trailing_zeros() >= shift {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// Formats millicores as Kubernetes does (`1500m`, `2`).
pub fn format_cpu_millis(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_examples_round_up_to_millicores() {
        for (s, m) in [
            ("100m", 100),
            ("0.5", 500),
            ("2", 2000),
            ("1e3", 1_000_000),
            ("0.1m", 1),
            ("1.0001", 1001),
            ("250m", 250),
            ("+1", 1000),
            (".5", 500),
        ] {
            assert_eq!(parse_cpu_millis(s), Ok(m), "{s}");
        }
    }

    #[test]
    fn memory_examples() {
        for (s, b) in [
            ("1Gi", 1u64 << 30),
            ("512Mi", 512 << 20),
            ("1G", 1_000_000_000),
            ("1.5Gi", 3 << 29),
            ("500k", 500_000),
            ("1e3", 1000),
            ("129M", 129_000_000),
            ("123Mi", 123 << 20),
            ("0.5Ki", 512),
            ("1E", 1_000_000_000_000_000_000),
            ("1m", 1),
        ] {
            assert_eq!(parse_bytes(s), Ok(b), "{s}");
        }
    }

    #[test]
    fn rejects_bad_strings_with_reasons() {
        assert!(matches!(
            parse_cpu_millis("-1"),
            Err(QuantityError::Negative(_))
        ));
        assert!(matches!(
            parse_cpu_millis("1.2.3"),
            Err(QuantityError::NotANumber(_))
        ));
        assert!(matches!(
            parse_bytes("Gi"),
            Err(QuantityError::NotANumber(_))
        ));
        assert!(matches!(
            parse_bytes("NaN"),
            Err(QuantityError::NotANumber(_))
        ));
        assert!(matches!(parse_bytes(""), Err(QuantityError::Empty)));
        let err = parse_bytes("1GiB").unwrap_err();
        assert!(err.to_string().contains("not `GiB`"), "{err}");
        assert!(matches!(
            parse_bytes("100000Ei"),
            Err(QuantityError::Overflow(_))
        ));
        assert!(matches!(
            parse_bytes("1e400"),
            Err(QuantityError::Overflow(_))
        ));
        assert!(matches!(
            parse_bytes("1e99999999999"),
            Err(QuantityError::Overflow(_))
        ));
    }

    #[test]
    fn tiny_values_round_up_to_one_unit() {
        assert_eq!(parse_bytes("1e-60"), Ok(1));
        assert_eq!(parse_bytes("0e-60"), Ok(0));
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_bytes(1 << 30), "1Gi");
        assert_eq!(format_bytes(1536 << 20), "1536Mi");
        assert_eq!(format_bytes(1000), "1000");
        assert_eq!(format_cpu_millis(1500), "1500m");
        assert_eq!(format_cpu_millis(2000), "2");
    }

    proptest::proptest! {
        #[test]
        fn formatted_bytes_parse_back(b in 0u64..(1 << 50)) {
            proptest::prop_assert_eq!(parse_bytes(&format_bytes(b)), Ok(b));
        }

        #[test]
        fn formatted_cpu_parses_back(m in 0u64..10_000_000) {
            proptest::prop_assert_eq!(parse_cpu_millis(&format_cpu_millis(m)), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = parse_bytes(&s);
            let _ = parse_cpu_millis(&s);
        }
    }
}
