//! Fixed textual forms shared by every writer. Everything that can be exact is
//! formatted from integers, so the same run gives the same bytes on every machine.

use model::SimTime;
use model::price::trim_decimals;
use model::time::MS_PER_HOUR;

/// Nano-dollars as an exact decimal (`0.8064`, `12.00`).
pub fn usd(nanos: u128) -> String {
    trim_decimals(nanos)
}

/// `part / whole` as a percentage with two decimals, rounded half up; `None` when
/// `whole` is zero (an empty cell, not a made-up 0 %).
pub fn percent(part: u64, whole: u64) -> Option<String> {
    if whole == 0 {
        return None;
    }
    let hundredths = (u128::from(part) * 10_000 * 2 + u128::from(whole)) / (2 * u128::from(whole));
    Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

/// `part / whole` in percent as a float for charts; 0 when `whole` is zero.
pub fn percent_f64(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `HH:MM` UTC of an instant.
pub fn hhmm(t: SimTime) -> String {
    let c = t.civil();
    format!("{:02}:{:02}", c.hour, c.minute)
}

/// `HH:MM` for a number of hours after midnight UTC (chart axis positions); past
/// midnight it wraps, which is what a person reading a clock expects.
pub fn hhmm_from_hours(hours: f64) -> String {
    let minutes = (hours * 60.0).round().max(0.0) as u64;
    if minutes > 0 && minutes.is_multiple_of(1_440) {
        // The midnight that ends a day reads better as its end than as a new start.
        return "24:00".to_string();
    }
    format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
}

/// A duration in ms as `+HH:MM` elapsed (for comparing runs that start at different times).
pub fn elapsed_hhmm_from_hours(hours: f64) -> String {
    let minutes = (hours * 60.0).round().max(0.0) as u64;
    format!("+{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Milliseconds as seconds with three decimals (`12.345`), exact.
pub fn seconds_from_millis(ms: u64) -> String {
    format!("{}.{:03}", ms / 1_000, ms % 1_000)
}

/// A latency for people: `45.2s` under two minutes, `3m05s` above.
pub fn duration_label(ms: u64) -> String {
    if ms < 120_000 {
        format!("{}.{}s", ms / 1_000, ms % 1_000 / 100)
    } else {
        let s = ms / 1_000;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// Hours since `origin` as a float chart coordinate.
pub fn hours_since(t: SimTime, origin: SimTime) -> f64 {
    t.0.saturating_sub(origin.0) as f64 / MS_PER_HOUR as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up_and_refuses_zero() {
        assert_eq!(percent(1, 3).as_deref(), Some("33.33"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.67"));
        assert_eq!(percent(5, 5).as_deref(), Some("100.00"));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn clock_labels() {
        assert_eq!(hhmm_from_hours(7.25), "07:15");
        assert_eq!(hhmm_from_hours(24.5), "00:30");
        assert_eq!(hhmm_from_hours(24.0), "24:00");
        assert_eq!(elapsed_hhmm_from_hours(25.0), "+25:00");
        assert_eq!(seconds_from_millis(61_005), "61.005");
        assert_eq!(usd(806_400_000), "0.8064");
    }
}
