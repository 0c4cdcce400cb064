//! Standard five-field cron schedules, as Karpenter's budgets use them (robfig/cron's
//! standard parser: minute hour day-of-month month day-of-week, plus `@daily` and friends).
//! Schedules are evaluated in UTC.

use std::fmt;

use crate::time::{MS_PER_MINUTE, SimDuration, SimTime};

/// A parsed schedule: one bitmask per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    source: String,
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    days_of_week: u8,
    dom_star: bool,
    dow_star: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad cron schedule `{schedule}`: {reason}")]
pub struct CronError {
    pub schedule: String,
    pub reason: String,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl CronSchedule {
    pub fn parse(input: &str) -> Result<CronSchedule, CronError> {
        let err = |reason: String| CronError {
            schedule: input.to_string(),
            reason,
        };
        let expanded = match input.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(err(format!(
                    "unknown descriptor `{other}` (use @yearly, @monthly, @weekly, @daily or @hourly)"
                )));
            }
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                fields.len()
            )));
        }
        let minutes = parse_field(fields[0], 0, 59, &[], "minute").map_err(err)?;
        let hours = parse_field(fields[1], 0, 23, &[], "hour").map_err(err)?;
        let dom = parse_field(fields[2], 1, 31, &[], "day-of-month").map_err(err)?;
        let months = parse_field(fields[3], 1, 12, &MONTHS, "month").map_err(err)?;
        let mut dow = parse_field(fields[4], 0, 7, &DAYS, "day-of-week").map_err(err)?;
        if dow & (1 << 7) != 0 {
            dow |= 1; // 7 is Sunday too
        }
        Ok(CronSchedule {
            source: input.trim().to_string(),
            minutes,
            hours: hours as u32,
            days_of_month: dom as u32,
            months: months as u16,
            days_of_week: (dow & 0x7f) as u8,
            dom_star: fields[2].starts_with('*') || fields[2] == "?",
            dow_star: fields[4].starts_with('*') || fields[4] == "?",
        })
    }

    /// True if the schedule fires at the minute containing `t`.
    pub fn fires_at(&self, t: SimTime) -> bool {
        let c = t.civil();
        let dom_ok = self.days_of_month & (1 << c.day) != 0;
        let dow_ok = self.days_of_week & (1 << t.weekday()) != 0;
        // Cron's rule: if both day fields are restricted, either may match.
        let day_ok = match (self.dom_star, self.dow_star) {
            (false, false) => dom_ok || dow_ok,
            _ => dom_ok && dow_ok,
        };
        self.minutes & (1 << c.minute) != 0
            && self.hours & (1 << c.hour) != 0
            && self.months & (1 << c.month) != 0
            && day_ok
    }

    /// True if the schedule fired within `(t − duration, t]`, i.e. a budget with this
    /// schedule and duration is active at `t` (Karpenter's `Budget.IsActive`).
    pub fn active_at(&self, t: SimTime, duration: SimDuration) -> bool {
        let minute = t.0 - t.0 % MS_PER_MINUTE;
        let window_minutes = duration.0.div_ceil(MS_PER_MINUTE);
        (0..window_minutes.max(1)).any(|back| {
            let m = minute.saturating_sub(back * MS_PER_MINUTE);
            t.0 - m < duration.0.max(1) && self.fires_at(SimTime(m))
        })
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn parse_field(field: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<u64, String> {
    let mut mask = 0u64;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step `{s}` in {what} field"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, names, min, what)?, value(b, names, min, what)?)
        } else {
            let v = value(range, names, min, what)?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{what} `{part}` is outside {min}-{max}"));
        }
        let mut v = lo;
        while v <= hi {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

fn value(s: &str, names: &[&str], offset: u32, what: &str) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        return Ok(i as u32 + offset);
    }
    s.parse::<u32>()
        .map_err(|_| format!("`{s}` is not a valid {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    fn at(s: &str) -> SimTime {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn parses_and_fires() {
        let c = CronSchedule::parse("0 9 * * mon-fri").unwrap();
        assert!(c.fires_at(at("2025-10-16T09:00:00Z"))); // Thursday
        assert!(!c.fires_at(at("2025-10-18T09:00:00Z"))); // Saturday
        assert!(!c.fires_at(at("2025-10-16T09:01:00Z")));
        assert!(
            CronSchedule::parse("@daily")
                .unwrap()
                .fires_at(at("2025-10-16T00:00:30Z"))
        );
        assert!(
            CronSchedule::parse("*/15 * * * *")
                .unwrap()
                .fires_at(at("2025-10-16T10:45:00Z"))
        );
    }

    #[test]
    fn active_window() {
        let c = CronSchedule::parse("0 9 * * *").unwrap();
        let d = SimDuration::from_mins(8 * 60);
        assert!(c.active_at(at("2025-10-16T09:00:00Z"), d));
        assert!(c.active_at(at("2025-10-16T16:59:59Z"), d));
        assert!(!c.active_at(at("2025-10-16T17:00:00Z"), d));
        assert!(!c.active_at(at("2025-10-16T08:59:59Z"), d));
    }

    #[test]
    fn rejects_bad_schedules() {
        for bad in [
            "",
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "*/0 * * * *",
            "@often",
            "a b c d e",
            "5-1 * * * *",
        ] {
            assert!(CronSchedule::parse(bad).is_err(), "{bad}");
        }
    }
}
