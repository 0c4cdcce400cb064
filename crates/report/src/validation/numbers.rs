//! Figures for people, from integers: thousands separators, money rounded half up,
//! percentages with one decimal. The same inputs give the same text on every machine.

use model::SimTime;
use model::price::{HOURS_PER_MONTH, NANOS_PER_USD, Usd, UsdPerHour};

/// `1,137`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Nano-dollars rounded half up to `decimals` (at most 9): `$20,130.48`.
pub fn dollars(nanos: u128, decimals: u32) -> String {
    let unit = u128::from(NANOS_PER_USD) / 10u128.pow(decimals);
    let scaled = (nanos + unit / 2) / unit;
    let whole = scaled / 10u128.pow(decimals);
    let frac = scaled % 10u128.pow(decimals);
    let whole = count(whole as u64);
    if decimals == 0 {
        format!("${whole}")
    } else {
        format!("${whole}.{frac:0width$}", width = decimals as usize)
    }
}

/// A monthly amount to the cent: `$1,065.22`.
pub fn month(usd: Usd) -> String {
    dollars(usd.0, 2)
}

/// An hourly price exactly: `$0.8064/h`.
pub fn hourly(p: UsdPerHour) -> String {
    format!("${}/h", model::price::trim_decimals(u128::from(p.0)))
}

/// `p` × 730 hours.
pub fn per_month(p: UsdPerHour) -> Usd {
    Usd(u128::from(p.0) * u128::from(HOURS_PER_MONTH))
}

/// `part / whole` in percent, one decimal, half up: `57.8 %`. `—` when `whole` is 0.
pub fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let tenths = (u128::from(part) * 2_000 + u128::from(whole)) / (2 * u128::from(whole));
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// `part / whole` in whole percent, half up (how the log rounds).
pub fn whole_pct(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    ((u128::from(part) * 200 + u128::from(whole)) / (2 * u128::from(whole))) as u64
}

/// Millicores as vCPU with one decimal: `13.0 vCPU`.
pub fn vcpu(millis: u64) -> String {
    let tenths = (millis + 50) / 100;
    format!("{}.{} vCPU", tenths / 10, tenths % 10)
}

/// Bytes as GiB with one decimal.
pub fn gib(bytes: u64) -> String {
    let tenths = (u128::from(bytes) * 10 + (1 << 29)) >> 30;
    format!("{}.{} GiB", count((tenths / 10) as u64), tenths % 10)
}

/// `HH:MM:SS` UTC.
pub fn clock(t: SimTime) -> String {
    let c = t.civil();
    format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second)
}

/// Milliseconds as whole seconds, half up: `44 s`.
pub fn seconds(ms: u64) -> String {
    format!("{} s", (ms + 500) / 1_000)
}

/// `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        assert_eq!(count(1_137), "1,137");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(dollars(20_130_480_000_000, 2), "$20,130.48");
        assert_eq!(dollars(560_640_000_000, 0), "$561");
        assert_eq!(dollars(1_065_216_000_000, 2), "$1,065.22");
        assert_eq!(hourly(UsdPerHour(806_400_000)), "$0.8064/h");
        assert_eq!(pct(1, 3), "33.3 %");
        assert_eq!(pct(2, 3), "66.7 %");
        assert_eq!(whole_pct(3_462, 15_890), 22);
        assert_eq!(vcpu(13_030), "13.0 vCPU");
        assert_eq!(gib(3 << 30), "3.0 GiB");
        assert_eq!(seconds(43_500), "44 s");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
