//! The plain-text table of a [`Comparison`] (no colours: simctl prints it, and it goes
//! into files and CI logs as well).

use std::fmt;

use super::{Comparison, Metric, Unit};

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "A: {} (seed {}, {} to {})",
            self.a.label, self.a.seed, self.a.start, self.a.end
        )?;
        writeln!(
            f,
            "B: {} (seed {}, {} to {})",
            self.b.label, self.b.seed, self.b.start, self.b.end
        )?;
        writeln!(f)?;
        let rows: Vec<[String; 6]> = self.metrics.iter().map(row).collect();
        let header = ["metric", "unit", "A", "B", "Δ (B − A)", "Δ %"].map(str::to_string);
        let mut widths = [0usize; 6];
        for r in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, r: &[String; 6]| -> fmt::Result {
            write!(
                f,
                "{:<w$}  {:<u$}",
                r[0],
                r[1],
                w = widths[0],
                u = widths[1]
            )?;
            for (cell, w) in r[2..].iter().zip(&widths[2..]) {
                write!(f, "  {:>w$}", cell, w = w)?;
            }
            writeln!(f)
        };
        line(f, &header)?;
        let mut group = "";
        for (metric, r) in self.metrics.iter().zip(&rows) {
            if metric.group != group {
                group = metric.group;
                writeln!(f, "{group}")?;
            }
            line(f, r)?;
        }
        Ok(())
    }
}

fn row(m: &Metric) -> [String; 6] {
    let name = format!("  {}", m.name);
    let change = m
        .change_pct
        .map_or_else(|| "n/a".to_string(), |p| format!("{p:+.1}%"));
    [
        name,
        unit_label(m.unit).to_string(),
        value(m.unit, m.a, false),
        value(m.unit, m.b, false),
        value(m.unit, m.delta, true),
        change,
    ]
}

fn unit_label(unit: Unit) -> &'static str {
    match unit {
        Unit::Usd => "USD",
        Unit::UsdPerHour => "USD/h",
        Unit::Nodes => "nodes",
        Unit::Pods => "pods",
        Unit::Percent => "%",
        Unit::PodSeconds => "pod-s",
        Unit::Seconds => "s",
    }
}

fn value(unit: Unit, v: f64, signed: bool) -> String {
    let decimals = match unit {
        Unit::Usd => 2,
        Unit::UsdPerHour => 4,
        Unit::Percent | Unit::Seconds => 1,
        Unit::Nodes | Unit::Pods | Unit::PodSeconds => 0,
    };
    // -0.0 would print as "-0"; a zero delta is neither gain nor loss.
    let v = if v == 0.0 { 0.0 } else { v };
    if signed {
        format!("{v:+.decimals$}")
    } else {
        format!("{v:.decimals$}")
    }
}
