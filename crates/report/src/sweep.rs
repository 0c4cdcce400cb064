//! A sweep: one scenario run for every combination of `--set` values and every seed. A
//! table shows one row per combination (the figures over its seeds, and the change in
//! cost from the first combination); `sweep.csv` one row per run.
//!
//! Every figure is computed from the runs' integer summaries in run order, so a sweep's
//! files are the same bytes however many threads ran it.

use std::fmt::{self, Write as _};

use engine::output::{Provisioner, Summary};
use model::price::Usd;

use crate::csv::push_record;
use crate::format::{duration_label, usd};

pub const SWEEP_CSV: &str = "sweep.csv";
pub const SWEEP_JSON: &str = "sweep.json";
pub const SWEEP_TXT: &str = "sweep.txt";
pub const SWEEP_SVG: &str = "sweep.svg";
pub const SWEEP_HTML: &str = "sweep.html";

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRun {
    /// The value of each swept path, in the order of [`Sweep::paths`].
    pub values: Vec<String>,
    pub seed: u64,
    pub summary: Summary,
}

/// Every run of a sweep, combination by combination, seeds innermost.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub scenario: String,
    /// The swept paths (`nodepools.default.weight`), in the order given.
    pub paths: Vec<String>,
    pub runs: Vec<SweepRun>,
}

/// The figures of one run that a sweep compares, all exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Figures {
    total_cost: u128,
    monthly_cost_at_end: u128,
    nodes_max: u128,
    pending_pod_seconds: u128,
    karpenter_p95_ms: Option<u128>,
    terminations: u128,
}

impl Figures {
    fn of(s: &Summary) -> Figures {
        let karpenter = &s.provisioning_latency[provisioner_index(Provisioner::Karpenter)];
        Figures {
            total_cost: s.total_cost.0,
            monthly_cost_at_end: s.monthly_cost_at_end.0,
            nodes_max: u128::from(s.nodes_max),
            pending_pod_seconds: u128::from(s.pending_pod_seconds),
            karpenter_p95_ms: (karpenter.count > 0).then_some(u128::from(karpenter.p95_ms)),
            terminations: s
                .disruptions_by_reason
                .iter()
                .map(|(_, n)| u128::from(*n))
                .sum(),
        }
    }
}

fn provisioner_index(p: Provisioner) -> usize {
    Provisioner::ALL.iter().position(|q| *q == p).unwrap_or(0)
}

/// Mean (rounded down), least and greatest of some integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spread {
    mean: u128,
    min: u128,
    max: u128,
}

impl Spread {
    fn of(values: impl Iterator<Item = u128>) -> Option<Spread> {
        let (mut n, mut sum, mut min, mut max) = (0u128, 0u128, u128::MAX, 0u128);
        for v in values {
            n += 1;
            sum = sum.saturating_add(v);
            min = min.min(v);
            max = max.max(v);
        }
        (n > 0).then(|| Spread {
            mean: sum / n,
            min,
            max,
        })
    }

    /// `mean` alone when every run agrees, else `mean (min–max)`.
    fn show(&self, f: impl Fn(u128) -> String) -> String {
        if self.min == self.max {
            f(self.mean)
        } else {
            format!("{} ({}–{})", f(self.mean), f(self.min), f(self.max))
        }
    }
}

/// One combination's bar in the chart: (mean, least, greatest) of each figure.
pub(crate) struct Bar {
    pub values: Vec<String>,
    pub cost_usd: [f64; 3],
    pub pending_pod_seconds: [f64; 3],
}

/// The runs of one combination of values.
struct Combination<'s> {
    values: &'s [String],
    runs: &'s [SweepRun],
}

impl Sweep {
    /// Combinations in run order; a combination's runs are adjacent.
    fn combinations(&self) -> Vec<Combination<'_>> {
        self.runs
            .chunk_by(|a, b| a.values == b.values)
            .map(|runs| Combination {
                values: &runs[0].values,
                runs,
            })
            .collect()
    }

    /// The table's name for each swept path: its last key (`weight`), unless two
    /// would read the same; then the path as typed.
    pub(crate) fn column_names(&self) -> Vec<String> {
        let short: Vec<String> = self
            .paths
            .iter()
            .map(|p| {
                let first = p.split('+').next().unwrap_or(p).trim();
                // A quoted last key keeps its dots.
                if let Some(open) = first.strip_suffix('"').and_then(|f| f.rfind('"')) {
                    return first[open + 1..first.len() - 1].to_string();
                }
                first.rsplit('.').next().unwrap_or(first).to_string()
            })
            .collect();
        short
            .iter()
            .zip(&self.paths)
            .map(|(name, path)| {
                let clash = short.iter().filter(|n| *n == name).count() > 1;
                if clash || name.is_empty() {
                    path.clone()
                } else {
                    name.clone()
                }
            })
            .collect()
    }

    /// Per combination, for the chart: its values, and (mean, least, greatest) of the
    /// total cost in dollars and of the pending pod-seconds over its seeds.
    pub(crate) fn bars(&self) -> Vec<Bar> {
        let as_f64 = |s: Option<Spread>, scale: f64| {
            s.map_or([0.0; 3], |s| {
                [s.mean, s.min, s.max].map(|v| v as f64 / scale)
            })
        };
        self.combinations()
            .iter()
            .map(|c| {
                let figures: Vec<Figures> =
                    c.runs.iter().map(|r| Figures::of(&r.summary)).collect();
                Bar {
                    values: c.values.to_vec(),
                    cost_usd: as_f64(
                        Spread::of(figures.iter().map(|f| f.total_cost)),
                        model::price::NANOS_PER_USD as f64,
                    ),
                    pending_pod_seconds: as_f64(
                        Spread::of(figures.iter().map(|f| f.pending_pod_seconds)),
                        1.0,
                    ),
                }
            })
            .collect()
    }

    /// `sweep.html`: the table and the chart on one self-contained page.
    pub fn to_html(&self) -> Result<String, crate::ReportError> {
        Ok(crate::html::sweep_page(self, &self.chart_svg()?))
    }

    /// Total cost and pending pod-seconds per combination, as bars with the seeds'
    /// range (`sweep.svg`).
    pub fn chart_svg(&self) -> Result<String, crate::ReportError> {
        crate::charts::sweep::render(self)
    }

    /// How many runs stopped early at a cap.
    pub fn incomplete_runs(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.summary.incomplete.is_some())
            .count()
    }

    /// The runs as pretty JSON: `{scenario, paths, runs: [{run, values, seed, summary}]}`,
    /// each summary as `summary.json` writes it.
    pub fn to_json(&self) -> Result<String, crate::ReportError> {
        let runs: Vec<serde_json::Value> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::json!({
                    "run": i,
                    "values": r.values,
                    "seed": r.seed,
                    "summary": crate::summary_value(&r.summary),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "scenario": self.scenario,
            "paths": self.paths,
            "runs": runs,
        });
        let mut text =
            serde_json::to_string_pretty(&doc).map_err(|source| crate::ReportError::Json {
                file: SWEEP_JSON,
                source,
            })?;
        text.push('\n');
        Ok(text)
    }

    /// One row per run: the swept values, the seed, and the run's summary figures.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut header: Vec<String> = vec!["run".into()];
        header.extend(self.paths.iter().cloned());
        header.extend(
            [
                "seed",
                "total_cost_usd",
                "monthly_cost_at_end_usd",
                "cost_per_hour_end_usd",
                "nodes_start",
                "nodes_end",
                "nodes_min",
                "nodes_max",
                "nodes_launched_karpenter",
                "nodes_launched_cluster_autoscaler",
                "nodes_terminated",
                "pending_pod_seconds",
                "pods_pending_at_end",
                "karpenter_latency_p50_ms",
                "karpenter_latency_p95_ms",
                "cluster_autoscaler_latency_p50_ms",
                "cluster_autoscaler_latency_p95_ms",
                "incomplete",
            ]
            .map(str::to_string),
        );
        push_record(&mut out, &header);
        let k = provisioner_index(Provisioner::Karpenter);
        let ca = provisioner_index(Provisioner::ClusterAutoscaler);
        for (i, run) in self.runs.iter().enumerate() {
            let s = &run.summary;
            let latency = |p: usize, p95: bool| {
                let l = &s.provisioning_latency[p];
                match (l.count, p95) {
                    (0, _) => String::new(),
                    (_, false) => l.p50_ms.to_string(),
                    (_, true) => l.p95_ms.to_string(),
                }
            };
            let mut row: Vec<String> = vec![i.to_string()];
            row.extend(run.values.iter().cloned());
            row.extend([
                run.seed.to_string(),
                usd(s.total_cost.0),
                usd(s.monthly_cost_at_end.0),
                usd(u128::from(s.cost_per_hour_end.0)),
                s.nodes_start.to_string(),
                s.nodes_end.to_string(),
                s.nodes_min.to_string(),
                s.nodes_max.to_string(),
                s.nodes_launched[k].to_string(),
                s.nodes_launched[ca].to_string(),
                s.nodes_terminated.to_string(),
                s.pending_pod_seconds.to_string(),
                s.pods_pending_at_end.to_string(),
                latency(k, false),
                latency(k, true),
                latency(ca, false),
                latency(ca, true),
                s.incomplete.clone().unwrap_or_default(),
            ]);
            push_record(&mut out, &row);
        }
        out
    }
}

impl Sweep {
    /// The first line of the table: runs, combinations, seeds, and how to read figures.
    pub(crate) fn headline(&self) -> String {
        let combinations = self.combinations();
        let seeds = combinations.first().map_or(0, |c| c.runs.len());
        let how = if seeds > 1 {
            "; figures are means over the seeds, (least–greatest) where they differ"
        } else {
            ""
        };
        format!(
            "{}: {} runs ({} x {}){how}",
            self.scenario,
            self.runs.len(),
            plural(combinations.len(), "combination"),
            plural(seeds, "seed"),
        )
    }

    /// The table's header and rows: one row per combination, its values, its seeds'
    /// figures, and the change of its mean total cost from the first combination's.
    pub(crate) fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let combinations = self.combinations();
        let mut header: Vec<String> = self.column_names();
        header.extend(
            [
                "total cost",
                "Δ cost",
                "$/month at end",
                "peak nodes",
                "pending pod-s",
                "Karpenter p95",
                "terminations",
            ]
            .map(str::to_string),
        );
        let base = combinations
            .first()
            .and_then(|c| Spread::of(c.runs.iter().map(|r| r.summary.total_cost.0)));
        let rows = combinations
            .iter()
            .map(|c| combination_row(c, base.map(|b| b.mean)))
            .collect();
        (header, rows)
    }
}

impl fmt::Display for Sweep {
    /// The table as plain text, swept values left-aligned and figures right-aligned.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        for (name, path) in self.column_names().iter().zip(&self.paths) {
            if name != path {
                writeln!(f, "  {name}: {path}")?;
            }
        }
        writeln!(f)?;
        let (header, rows) = self.table();
        let mut widths = vec![0usize; header.len()];
        for r in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let axes = self.paths.len();
        for r in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, (cell, w)) in r.iter().zip(&widths).enumerate() {
                let sep = if i == 0 { "" } else { "  " };
                if i < axes {
                    let _ = write!(line, "{sep}{cell:<w$}");
                } else {
                    let _ = write!(line, "{sep}{cell:>w$}");
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        let incomplete = self.incomplete_runs();
        if incomplete > 0 {
            writeln!(
                f,
                "\n{incomplete} runs stopped early at a cap; their figures cover only what ran (see sweep.csv)"
            )?;
        }
        Ok(())
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn combination_row(c: &Combination<'_>, base_cost: Option<u128>) -> Vec<String> {
    let figures: Vec<Figures> = c.runs.iter().map(|r| Figures::of(&r.summary)).collect();
    let spread = |pick: fn(&Figures) -> u128| Spread::of(figures.iter().map(pick));
    let cell = |pick: fn(&Figures) -> u128, show: &dyn Fn(u128) -> String| {
        spread(pick).map_or_else(String::new, |s| s.show(show))
    };
    let dollars = |nanos: u128| Usd(nanos).to_string();
    let count = |n: u128| n.to_string();
    let mut row: Vec<String> = c.values.to_vec();
    row.push(cell(|f| f.total_cost, &dollars));
    row.push(match (spread(|f| f.total_cost), base_cost) {
        (Some(cost), Some(base)) if base > 0 => {
            let pct = (cost.mean as f64 - base as f64) * 100.0 / base as f64;
            format!("{pct:+.1}%")
        }
        _ => "n/a".into(),
    });
    row.push(cell(|f| f.monthly_cost_at_end, &dollars));
    row.push(cell(|f| f.nodes_max, &count));
    row.push(cell(|f| f.pending_pod_seconds, &count));
    let latencies = figures.iter().filter_map(|f| f.karpenter_p95_ms);
    row.push(
        Spread::of(latencies)
            .map_or_else(|| "-".into(), |s| s.show(|ms| duration_label(ms as u64))),
    );
    row.push(cell(|f| f.terminations, &count));
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(value: &str, seed: u64, cost_usd: u128, pending: u64) -> SweepRun {
        let mut summary = crate::testing::sample_day().summary;
        summary.total_cost = Usd(cost_usd * 1_000_000_000);
        summary.pending_pod_seconds = pending;
        SweepRun {
            values: vec![value.to_string()],
            seed,
            summary,
        }
    }

    fn sweep() -> Sweep {
        Sweep {
            scenario: "day".into(),
            paths: vec!["nodepools.default.weight".into()],
            runs: vec![
                run("10", 1, 100, 5),
                run("10", 2, 110, 5),
                run("90", 1, 150, 0),
                run("90", 2, 150, 9),
            ],
        }
    }

    #[test]
    fn the_table_gives_each_combination_its_mean_spread_and_change_from_the_first() {
        let text = sweep().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "day: 4 runs (2 combinations x 2 seeds); figures are means over the seeds, (least–greatest) where they differ"
        );
        assert_eq!(lines[1], "  weight: nodepools.default.weight");
        let cells = |line: &str| -> Vec<String> {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        };
        let first = cells(lines[4]);
        assert_eq!(first[..3], ["10", "$105.00 ($100.00–$110.00)", "+0.0%"]);
        assert_eq!(first[5], "5");
        let second = cells(lines[5]);
        assert_eq!(second[..3], ["90", "$150.00", "+42.9%"]);
        assert_eq!(second[5], "4 (0–9)");
    }

    #[test]
    fn the_csv_has_a_row_per_run_in_run_order() {
        let csv = sweep().to_csv();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), 5);
        assert!(rows[0].starts_with("run,nodepools.default.weight,seed,total_cost_usd,"));
        assert!(rows[2].starts_with("1,10,2,110.00,"), "{}", rows[2]);
        assert!(rows[4].starts_with("3,90,2,150.00,"), "{}", rows[4]);
    }

    #[test]
    fn columns_are_named_by_their_last_key_unless_two_would_read_the_same() {
        let mut s = sweep();
        s.paths = vec!["a.weight".into(), "b.weight".into(), "c.\"x.y\"+d.z".into()];
        assert_eq!(s.column_names(), ["a.weight", "b.weight", "x.y"]);
    }

    #[test]
    fn the_chart_labels_every_combination_and_draws_the_seeds_range() {
        let svg = sweep().chart_svg().unwrap();
        for text in [
            "10",
            "90",
            "weight",
            "bar: mean of 2 seeds",
            "line: least to greatest",
        ] {
            assert!(svg.lines().any(|l| l.trim() == text), "{text} missing");
        }
        let bars = sweep().bars();
        assert_eq!(bars[0].cost_usd, [105.0, 100.0, 110.0]);
        assert_eq!(bars[1].pending_pod_seconds, [4.0, 0.0, 9.0]);
    }

    #[test]
    fn the_page_holds_the_table_and_the_chart() {
        let html = sweep().to_html().unwrap();
        assert!(
            html.contains("<td class=\"num\">$105.00 ($100.00–$110.00)</td>"),
            "{html}"
        );
        assert!(html.contains("<td>90</td>"));
        assert!(html.contains("<code>nodepools.default.weight</code>"));
        assert!(html.contains("<svg"));
    }
}
