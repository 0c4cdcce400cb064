//! Simulated time: integer milliseconds since the Unix epoch (UTC).
//!
//! Absolute time (not "ms since start") lets budgets' cron schedules and outputs use
//! real wall-clock times of the replayed day, while staying an integer. Nothing here
//! reads the host's clock.

use std::fmt;

use serde::Serialize;

pub const MS_PER_SECOND: u64 = 1_000;
pub const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

/// An instant of simulated time in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimTime(pub u64);

/// A span of simulated time in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimDuration(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    /// Saturating: seconds come from input (a trace's times are any u64), and a span
    /// longer than the clock can hold is as good as forever.
    pub fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(MS_PER_SECOND))
    }

    pub fn from_mins(m: u64) -> SimDuration {
        SimDuration(m.saturating_mul(MS_PER_MINUTE))
    }

    pub fn as_millis(self) -> u64 {
        self.0
    }
}

impl SimTime {
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }

    /// `self − earlier`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Midnight UTC of this instant's day.
    pub fn start_of_day(self) -> SimTime {
        SimTime(self.0 - self.0 % MS_PER_DAY)
    }

    /// (year, month, day, hour, minute, second, millisecond) in UTC.
    pub fn civil(self) -> Civil {
        let days = (self.0 / MS_PER_DAY) as i64;
        let ms_of_day = self.0 % MS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (ms_of_day / MS_PER_HOUR) as u32,
            minute: (ms_of_day % MS_PER_HOUR / MS_PER_MINUTE) as u32,
            second: (ms_of_day % MS_PER_MINUTE / MS_PER_SECOND) as u32,
            millisecond: (ms_of_day % MS_PER_SECOND) as u32,
        }
    }

    /// Day of week, 0 = Sunday (as cron counts).
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        ((self.0 / MS_PER_DAY + 4) % 7) as u32
    }
}

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millisecond: u32,
}

impl fmt::Display for SimTime {
    /// RFC 3339, e.g. `2025-10-16T07:15:00Z` (milliseconds only when non-zero).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )?;
        if c.millisecond != 0 {
            write!(f, ".{:03}", c.millisecond)?;
        }
        f.write_str("Z")
    }
}

impl fmt::Display for SimDuration {
    /// Go-style: `1h30m`, `45s`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [
            ("h", MS_PER_HOUR),
            ("m", MS_PER_MINUTE),
            ("s", MS_PER_SECOND),
            ("ms", 1),
        ] {
            if ms >= size {
                write!(f, "{}{unit}", ms / size)?;
                ms %= size;
            }
        }
        Ok(())
    }
}

/// Why a duration or timestamp string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("duration `{0}` has no unit (hint: write `30s`, `5m`, `1h30m` or `720h`)")]
    MissingUnit(String),
    #[error(
        "`{input}` is not a duration: unknown unit `{unit}` (use ms, s, m or h; days are `24h`)"
    )]
    UnknownUnit { input: String, unit: String },
    #[error("`{0}` is not a duration (expected e.g. `30s`, `5m`, `1h30m`, `720h`)")]
    Malformed(String),
    #[error("negative duration `{0}`")]
    Negative(String),
    #[error("duration `{0}` is too long")]
    Overflow(String),
    #[error(
        "`{0}` is not a time (expected `07:15`, `07:15:30`, `+90m` or RFC 3339 like `2025-10-16T07:15:00Z`)"
    )]
    BadTimestamp(String),
}

/// Parses a Go-style duration (`10s`, `5m`, `1h30m`, `1.5h`, `250ms`, `0`) into milliseconds.
/// Sub-millisecond remainders round up. `Never` is not a duration; see [`parse_duration_or_never`].
pub fn parse_duration(input: &str) -> Result<SimDuration, TimeError> {
    let s = input.trim();
    if s.starts_with('-') {
        return Err(TimeError::Negative(input.to_string()));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Ok(SimDuration::ZERO);
    }
    if s.is_empty() {
        return Err(TimeError::Malformed(input.to_string()));
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(TimeError::MissingUnit(input.to_string()));
    }
    let overflow = || TimeError::Overflow(input.to_string());
    // Accumulate in nanoseconds so `1.5ms` style fractions stay exact.
    let mut total_ns: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return Err(TimeError::Malformed(input.to_string()));
        }
        let (number, after) = rest.split_at(num_len);
        let unit_len = after
            .bytes()
            .take_while(|b| !(b.is_ascii_digit() || *b == b'.'))
            .count();
        let (unit, next) = after.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(TimeError::MissingUnit(input.to_string())),
            _ => {
                return Err(TimeError::UnknownUnit {
                    input: input.to_string(),
                    unit: unit.to_string(),
                });
            }
        };
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return Err(TimeError::Malformed(input.to_string()));
        }
        let int_value: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| overflow())?
        };
        let mut part = int_value.checked_mul(unit_ns).ok_or_else(overflow)?;
        if !frac_part.is_empty() {
            let digits = frac_part.len().min(30) as u32;
            let frac: u128 = frac_part[..digits as usize]
                .parse()
                .map_err(|_| overflow())?;
            let scale = 10u128.pow(digits);
            part = part
                .checked_add(frac.checked_mul(unit_ns).ok_or_else(overflow)? / scale)
                .ok_or_else(overflow)?;
        }
        total_ns = total_ns.checked_add(part).ok_or_else(overflow)?;
        rest = next;
    }
    let ms = total_ns.div_ceil(1_000_000);
    u64::try_from(ms).map(SimDuration).map_err(|_| overflow())
}

/// Parses a duration or the literal `Never` (Karpenter's spelling for "disabled").
pub fn parse_duration_or_never(input: &str) -> Result<Option<SimDuration>, TimeError> {
    if input.trim() == "Never" {
        Ok(None)
    } else {
        parse_duration(input).map(Some)
    }
}

/// Parses a scenario timestamp. `07:15` and `07:15:30` are UTC clock times on the day of
/// `start`; `+90m` is relative to `start`; anything with a `T` is RFC 3339.
pub fn parse_timestamp(input: &str, start: SimTime) -> Result<SimTime, TimeError> {
    let s = input.trim();
    let bad = || TimeError::BadTimestamp(input.to_string());
    if let Some(offset) = s.strip_prefix('+') {
        let d = parse_duration(offset)?;
        return start
            .checked_add(d)
            .ok_or(TimeError::Overflow(input.to_string()));
    }
    if s.contains('T') || s.contains('t') {
        return parse_rfc3339(s).ok_or_else(bad);
    }
    let ms_of_day = parse_clock(s).ok_or_else(bad)?;
    Ok(SimTime(start.start_of_day().0 + ms_of_day))
}

/// `HH:MM` or `HH:MM:SS` → milliseconds since midnight.
fn parse_clock(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let h: u64 = parts[0].parse().ok()?;
    let m: u64 = parts[1].parse().ok()?;
    let sec: u64 = if parts.len() == 3 {
        parts[2].parse().ok()?
    } else {
        0
    };
    (h < 24 && m < 60 && sec < 60)
        .then_some(h * MS_PER_HOUR + m * MS_PER_MINUTE + sec * MS_PER_SECOND)
}

/// RFC 3339 (`2025-10-16T07:15:00Z`, `…T07:15:00.250+02:00`) → absolute time.
pub fn parse_rfc3339(s: &str) -> Option<SimTime> {
    let b = s.as_bytes();
    if !s.is_ascii()
        || b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year as i64, month as u32)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0u64;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let digits = &frac[..n.min(3)];
        millis = digits.parse::<u64>().ok()? * 10u64.pow(3 - digits.len() as u32);
        rest = &frac[n..];
    }
    let offset_ms: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let clock = parse_clock(&rest[1..])?;
            if rest.len() != 6 {
                return None;
            }
            sign * clock as i64
        }
    };
    if year < 1970 {
        return None;
    }
    let days = days_from_civil(year as i64, month as u32, day as u32);
    let local = days * MS_PER_DAY as i64
        + (hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second.min(59) * MS_PER_SECOND + millis)
            as i64;
    u64::try_from(local - offset_ms).ok().map(SimTime)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days-from-civil algorithm.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(SimDuration(10_000)));
        assert_eq!(parse_duration("5m"), Ok(SimDuration(300_000)));
        assert_eq!(parse_duration("1h30m"), Ok(SimDuration(5_400_000)));
        assert_eq!(parse_duration("720h"), Ok(SimDuration(720 * MS_PER_HOUR)));
        assert_eq!(parse_duration("1.5h"), Ok(SimDuration(5_400_000)));
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250)));
        assert_eq!(parse_duration("1ns"), Ok(SimDuration(1)));
        assert_eq!(parse_duration("0"), Ok(SimDuration(0)));
        assert_eq!(parse_duration_or_never("Never"), Ok(None));
        assert!(matches!(
            parse_duration("30"),
            Err(TimeError::MissingUnit(_))
        ));
        assert!(matches!(
            parse_duration("3d"),
            Err(TimeError::UnknownUnit { .. })
        ));
        assert!(matches!(parse_duration("-5s"), Err(TimeError::Negative(_))));
        assert!(matches!(parse_duration("s"), Err(TimeError::Malformed(_))));
        assert!(matches!(
            parse_duration("99999999999999999999999h"),
            Err(TimeError::Overflow(_))
        ));
    }

    #[test]
    fn duration_display_is_go_style() {
        assert_eq!(SimDuration(5_400_000).to_string(), "1h30m");
        assert_eq!(SimDuration(43_250).to_string(), "43s250ms");
        assert_eq!(SimDuration(0).to_string(), "0s");
    }

    #[test]
    fn timestamps() {
        let start = parse_rfc3339("2025-10-16T06:50:00Z").unwrap();
        assert_eq!(start.to_string(), "2025-10-16T06:50:00Z");
        assert_eq!(
            parse_timestamp("07:15", start).unwrap().to_string(),
            "2025-10-16T07:15:00Z"
        );
        assert_eq!(
            parse_timestamp("07:15:30", start).unwrap().to_string(),
            "2025-10-16T07:15:30Z"
        );
        assert_eq!(
            parse_timestamp("+90m", start).unwrap().to_string(),
            "2025-10-16T08:20:00Z"
        );
        assert_eq!(
            parse_timestamp("2025-10-16T09:15:00+02:00", start)
                .unwrap()
                .to_string(),
            "2025-10-16T07:15:00Z"
        );
        assert_eq!(
            parse_timestamp("2025-10-16T07:15:00.5Z", start).unwrap().0 % 1000,
            500
        );
        for bad in [
            "7:15",
            "24:00",
            "07:60",
            "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "noon",
            "07:15:30:00",
        ] {
            assert!(parse_timestamp(bad, start).is_err(), "{bad}");
        }
        assert_eq!(start.weekday(), 4, "2025-10-16 was a Thursday");
    }

    proptest::proptest! {
        #[test]
        fn civil_round_trip(days in 0i64..200_000) {
            let (y, m, d) = civil_from_days(days);
            proptest::prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn duration_display_parses_back(ms in 0u64..10_000_000_000) {
            proptest::prop_assert_eq!(parse_duration(&SimDuration(ms).to_string()), Ok(SimDuration(ms)));
        }

        #[test]
        fn never_panics(s in "\\PC{0,16}") {
            let _ = parse_duration(&s);
            let _ = parse_timestamp(&s, SimTime(0));
        }
    }
}
