//! The seed day's operations log against the model (issue 6, item 2).
//!
//! [`seed_day`] takes a run of `scenarios/cutover.toml` and returns every numeric claim of
//! the log (`shared/seed/000_a09b6c35f1cf401b.txt`) beside the model's figure and a
//! verdict. The log's figures are data here ([`log`], each with the line it comes from);
//! everything computed from them (sums, products) is computed, and every model figure
//! comes from the run, the scenario and its catalogue, or from small probe runs of the
//! same scenario (what Karpenter would launch for one pod; what consolidation would do if
//! Karpenter owned the nodes the log says it consolidated). `docs/validation.md` embeds
//! [`SeedDayValidation::to_markdown`], and a test keeps the two equal.

use serde::Serialize;

use engine::config::Scenario;
use engine::output::RunOutput;

use crate::error::ReportError;

mod facts;
pub mod log;
mod markdown;
mod numbers;
mod probes;
mod rows;

pub use log::LogRef;

/// How a claim compares with the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The model, run on its own, gives the log's figure.
    Reproduced,
    /// The figure is an input of `cutover.toml`'s derivation, so agreement is by
    /// construction; the row shows that the derivation holds.
    DerivationInput,
    /// The model gives another figure, for the reason stated.
    Differs,
    /// The log contradicts itself (or its own arithmetic); the row shows the arithmetic.
    LogInconsistent,
    /// Outside what karpsim models; only the log's arithmetic is checked.
    NotModelled,
}

impl VerdictKind {
    pub fn label(self) -> &'static str {
        match self {
            VerdictKind::Reproduced => "reproduced",
            VerdictKind::DerivationInput => "reproduced (derivation input)",
            VerdictKind::Differs => "differs",
            VerdictKind::LogInconsistent => "the log is internally inconsistent",
            VerdictKind::NotModelled => "not modelled",
        }
    }
}

/// One claim of the replayed log beside the model's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationRow {
    /// What the log claims, e.g. `Karpenter-managed nodes at 10:30`.
    pub claim: String,
    /// The log's figure as the log states it.
    pub log_value: String,
    /// The model's figure from this run.
    pub model_value: String,
    /// `reproduced`, `differs because …`, or `the log is internally inconsistent: …`.
    pub verdict: String,
    pub kind: VerdictKind,
    /// Where in the log the claim is (empty for rows not taken from a log).
    pub sources: Vec<LogRef>,
}

impl ValidationRow {
    /// `L477, L479`: the log lines, for people.
    pub fn source_label(&self) -> String {
        log::label(&self.sources)
    }
}

/// A titled group of rows (inventory, cost, latency, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationSection {
    pub title: String,
    pub rows: Vec<ValidationRow>,
}

/// The whole comparison of the seed-day log with one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeedDayValidation {
    /// Scenario name and seed of the run compared.
    pub scenario: String,
    pub seed: u64,
    pub sections: Vec<ValidationSection>,
}

impl SeedDayValidation {
    /// Every row, section after section (what `report.html` shows).
    pub fn rows(&self) -> Vec<ValidationRow> {
        self.sections
            .iter()
            .flat_map(|s| s.rows.iter().cloned())
            .collect()
    }

    /// How many rows of each verdict, in [`VerdictKind`] order, without the empty ones.
    pub fn tally(&self) -> Vec<(VerdictKind, usize)> {
        let mut counts: Vec<(VerdictKind, usize)> = Vec::new();
        for row in self.sections.iter().flat_map(|s| &s.rows) {
            match counts.iter_mut().find(|(k, _)| *k == row.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((row.kind, 1)),
            }
        }
        counts.sort();
        counts
    }

    /// The generated part of `docs/validation.md`: a tally, then one table per section.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }
}

/// Compares a run of the seed-day scenario with the log. Runs a few small probes of the
/// same scenario (see [`probes`]); fails if `scenario` is not the seed day or a probe
/// cannot run.
pub fn seed_day(scenario: &Scenario, run: &RunOutput) -> Result<SeedDayValidation, ReportError> {
    let facts = facts::Facts::new(scenario, run)?;
    let probes = probes::Probes::run(scenario)?;
    Ok(SeedDayValidation {
        scenario: run.summary.scenario.clone(),
        seed: run.summary.seed,
        sections: rows::sections(&facts, &probes),
    })
}
