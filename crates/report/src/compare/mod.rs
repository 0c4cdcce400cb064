//! Run against run: the figures of [`RunOutput`] A and B side by side, with deltas.

use std::collections::BTreeSet;

use engine::output::{Provisioner, RunOutput, Sample};
use model::SimTime;
use model::price::UsdPerHour;
use serde::Serialize;

use crate::stats::time_weighted_mean;

mod text;

/// What a metric counts; decides how it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Usd,
    UsdPerHour,
    Nodes,
    Pods,
    Percent,
    PodSeconds,
    Seconds,
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// `cost`, `nodes`, `utilisation`, `disruptions`, `pending`, `latency`.
    pub group: &'static str,
    pub name: String,
    pub unit: Unit,
    pub a: f64,
    pub b: f64,
    /// `b − a`.
    pub delta: f64,
    /// `(b − a) / a` in percent; `None` when `a` is zero.
    pub change_pct: Option<f64>,
}

/// Which run a side of the comparison is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunLabel {
    /// How tables and charts name the run; the scenario name unless the caller changes it.
    pub label: String,
    pub scenario: String,
    pub seed: u64,
    pub start: String,
    pub end: String,
}

/// The two runs' time series for the overlay chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Series {
    pub start: SimTime,
    pub end: SimTime,
    /// (time, nodes, cost per hour) per sample.
    pub points: Vec<(SimTime, u32, UsdPerHour)>,
}

/// A against B. Serialises to JSON as `{a, b, metrics}`; [`std::fmt::Display`] prints
/// the plain-text table; [`Comparison::overlay_svg`] draws $/h and nodes of both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub a: RunLabel,
    pub b: RunLabel,
    pub metrics: Vec<Metric>,
    #[serde(skip)]
    pub(crate) series: [Series; 2],
}

/// Compares two runs.
pub fn compare(a: &RunOutput, b: &RunOutput) -> Comparison {
    let mut metrics = Vec::new();
    let mut push = |group, name: &str, unit, va: f64, vb: f64| {
        metrics.push(Metric::new(group, name, unit, va, vb));
    };
    let (sa, sb) = (&a.summary, &b.summary);

    push(
        "cost",
        "total cost of the run",
        Unit::Usd,
        sa.total_cost.dollars(),
        sb.total_cost.dollars(),
    );
    let mean_cost = |r: &RunOutput| mean(r, |s| Some(s.cost_per_hour.dollars()));
    push(
        "cost",
        "cost per hour, mean",
        Unit::UsdPerHour,
        mean_cost(a),
        mean_cost(b),
    );
    push(
        "cost",
        "cost per hour, start",
        Unit::UsdPerHour,
        sa.cost_per_hour_start.dollars(),
        sb.cost_per_hour_start.dollars(),
    );
    push(
        "cost",
        "cost per hour, end",
        Unit::UsdPerHour,
        sa.cost_per_hour_end.dollars(),
        sb.cost_per_hour_end.dollars(),
    );
    push(
        "cost",
        "monthly cost at the end rate",
        Unit::Usd,
        sa.monthly_cost_at_end.dollars(),
        sb.monthly_cost_at_end.dollars(),
    );

    let n = |v: u32| f64::from(v);
    push(
        "nodes",
        "start",
        Unit::Nodes,
        n(sa.nodes_start),
        n(sb.nodes_start),
    );
    push(
        "nodes",
        "end",
        Unit::Nodes,
        n(sa.nodes_end),
        n(sb.nodes_end),
    );
    push(
        "nodes",
        "min",
        Unit::Nodes,
        n(sa.nodes_min),
        n(sb.nodes_min),
    );
    push(
        "nodes",
        "max",
        Unit::Nodes,
        n(sa.nodes_max),
        n(sb.nodes_max),
    );
    let launched = |s: &engine::output::Summary| n(s.nodes_launched.iter().sum());
    push("nodes", "launched", Unit::Nodes, launched(sa), launched(sb));

    type Ratio = fn(&Sample) -> (u64, u64);
    let ratios: [(&str, Ratio); 2] = [
        ("CPU requested / allocatable, mean", |s| {
            (s.cpu_requested_millis, s.cpu_allocatable_millis)
        }),
        ("memory requested / allocatable, mean", |s| {
            (s.memory_requested_bytes, s.memory_allocatable_bytes)
        }),
    ];
    for (name, ratio) in ratios {
        let pct = |r: &RunOutput| {
            mean(r, |s| {
                let (part, whole) = ratio(s);
                (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
            })
        };
        push("utilisation", name, Unit::Percent, pct(a), pct(b));
    }

    push(
        "disruptions",
        "nodes terminated, all reasons",
        Unit::Nodes,
        n(sa.nodes_terminated),
        n(sb.nodes_terminated),
    );
    let reasons: BTreeSet<&str> = sa
        .disruptions_by_reason
        .iter()
        .chain(&sb.disruptions_by_reason)
        .map(|(r, _)| r.as_str())
        .collect();
    for reason in reasons {
        let count = |s: &engine::output::Summary| {
            s.disruptions_by_reason
                .iter()
                .find(|(r, _)| r == reason)
                .map_or(0.0, |(_, c)| f64::from(*c))
        };
        push("disruptions", reason, Unit::Nodes, count(sa), count(sb));
    }

    push(
        "pending",
        "pending pod-seconds",
        Unit::PodSeconds,
        sa.pending_pod_seconds as f64,
        sb.pending_pod_seconds as f64,
    );
    push(
        "pending",
        "pods pending at the end",
        Unit::Pods,
        n(sa.pods_pending_at_end),
        n(sb.pods_pending_at_end),
    );

    for (i, p) in Provisioner::ALL.iter().enumerate() {
        let (la, lb) = (sa.provisioning_latency[i], sb.provisioning_latency[i]);
        if la.count == 0 && lb.count == 0 {
            continue;
        }
        let secs = |ms: u64| ms as f64 / 1_000.0;
        push(
            "latency",
            &format!("{} p50", p.label()),
            Unit::Seconds,
            secs(la.p50_ms),
            secs(lb.p50_ms),
        );
        push(
            "latency",
            &format!("{} p95", p.label()),
            Unit::Seconds,
            secs(la.p95_ms),
            secs(lb.p95_ms),
        );
    }

    let (mut label_a, mut label_b) = (sa.scenario.clone(), sb.scenario.clone());
    if label_a == label_b {
        label_a.push_str(" (A)");
        label_b.push_str(" (B)");
    }
    Comparison {
        a: RunLabel::new(label_a, a),
        b: RunLabel::new(label_b, b),
        metrics,
        series: [Series::of(a), Series::of(b)],
    }
}

fn mean(run: &RunOutput, value: impl Fn(&Sample) -> Option<f64>) -> f64 {
    time_weighted_mean(&run.samples, run.summary.end, value).unwrap_or(0.0)
}

impl Metric {
    fn new(group: &'static str, name: &str, unit: Unit, a: f64, b: f64) -> Metric {
        Metric {
            group,
            name: name.to_string(),
            unit,
            a,
            b,
            delta: b - a,
            change_pct: (a != 0.0).then(|| (b - a) / a * 100.0),
        }
    }
}

impl RunLabel {
    fn new(label: String, run: &RunOutput) -> RunLabel {
        RunLabel {
            label,
            scenario: run.summary.scenario.clone(),
            seed: run.summary.seed,
            start: run.summary.start.to_string(),
            end: run.summary.end.to_string(),
        }
    }
}

impl Series {
    fn of(run: &RunOutput) -> Series {
        let (start, end) = crate::charts::frame::run_span(run);
        Series {
            start,
            end,
            points: run
                .samples
                .iter()
                .map(|s| (s.t, s.nodes_total, s.cost_per_hour))
                .collect(),
        }
    }
}

impl Comparison {
    /// The metric named `name`, if there is one.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> Result<String, crate::ReportError> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|source| crate::ReportError::Json {
                file: COMPARISON_JSON,
                source,
            })?;
        text.push('\n');
        Ok(text)
    }

    /// Cost per hour and nodes of A and B over time, overlaid.
    pub fn overlay_svg(&self) -> Result<String, crate::ReportError> {
        crate::charts::overlay::render(self)
    }
}

pub const COMPARISON_TXT: &str = "comparison.txt";
pub const COMPARISON_JSON: &str = "comparison.json";
pub const COMPARISON_SVG: &str = "comparison.svg";
