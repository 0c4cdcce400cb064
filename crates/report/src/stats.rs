//! Aggregates over a run's samples.

use engine::output::Sample;
use model::SimTime;

/// The time-weighted mean of `value` over the samples: each sample holds until the next
/// one, the last until `end`. Samples where `value` is `None` (e.g. no allocatable
/// capacity yet) carry no weight. `None` if nothing has weight.
pub fn time_weighted_mean(
    samples: &[Sample],
    end: SimTime,
    value: impl Fn(&Sample) -> Option<f64>,
) -> Option<f64> {
    let mut weighted = 0.0;
    let mut total_ms = 0u64;
    for (i, s) in samples.iter().enumerate() {
        let until = samples.get(i + 1).map_or(end, |n| n.t);
        let held_ms = until.since(s.t).0;
        if let Some(v) = value(s) {
            weighted += v * held_ms as f64;
            total_ms += held_ms;
        }
    }
    if total_ms > 0 {
        return Some(weighted / total_ms as f64);
    }
    // Every sample at one instant: an unweighted mean is the only honest figure.
    let values: Vec<f64> = samples.iter().filter_map(&value).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_day;

    #[test]
    fn weights_by_holding_time() {
        let mut run = sample_day();
        run.samples.truncate(3);
        // 0 for one minute, 10 for one minute, 40 held for two minutes until `end`.
        for (s, v) in run.samples.iter_mut().zip([0, 10, 40]) {
            s.pods_pending = v;
        }
        let end = SimTime(run.samples[2].t.0 + 120_000);
        let mean = time_weighted_mean(&run.samples, end, |s| Some(f64::from(s.pods_pending)));
        assert_eq!(mean, Some((0.0 + 10.0 + 80.0) / 4.0));
        assert_eq!(time_weighted_mean(&run.samples, end, |_| None), None);
    }
}
