//! The comparison, one module per subject. Every row cites the log lines it checks.

use super::facts::Facts;
use super::log::LogRef;
use super::probes::Probes;
use super::{ValidationRow, ValidationSection, VerdictKind};

mod beyond;
mod consolidation;
mod cost;
mod inventory;
mod latency;
mod launches;
mod nodepools;
mod utilisation;

pub fn sections(facts: &Facts, probes: &Probes) -> Vec<ValidationSection> {
    let section = |title: &str, rows: Vec<ValidationRow>| ValidationSection {
        title: title.to_string(),
        rows,
    };
    vec![
        section("Inventory at 06:50", inventory::rows(facts)),
        section("Requested CPU and memory", utilisation::rows(facts)),
        section("Cost at list price", cost::rows(facts)),
        section("Provisioning latency", latency::rows(facts, probes)),
        section("Launches", launches::rows(facts, probes)),
        section("Consolidation", consolidation::rows(facts, probes)),
        section("NodePool settings", nodepools::rows(facts)),
        section("Outside the node model", beyond::rows(facts)),
    ]
}

/// A row under construction: claim, sources, the two figures, then a verdict.
pub struct Row {
    claim: String,
    sources: Vec<LogRef>,
    log: String,
    model: String,
}

pub fn row(claim: impl Into<String>, sources: impl IntoIterator<Item = LogRef>) -> Row {
    Row {
        claim: claim.into(),
        sources: sources.into_iter().collect(),
        log: String::new(),
        model: String::new(),
    }
}

impl Row {
    pub fn log(mut self, figure: impl Into<String>) -> Row {
        self.log = figure.into();
        self
    }

    pub fn model(mut self, figure: impl Into<String>) -> Row {
        self.model = figure.into();
        self
    }

    fn done(self, kind: VerdictKind, verdict: String) -> ValidationRow {
        ValidationRow {
            claim: self.claim,
            log_value: self.log,
            model_value: self.model,
            verdict,
            kind,
            sources: self.sources,
        }
    }

    pub fn reproduced(self, note: &str) -> ValidationRow {
        let verdict = if note.is_empty() {
            "reproduced".to_string()
        } else {
            format!("reproduced: {note}")
        };
        self.done(VerdictKind::Reproduced, verdict)
    }

    pub fn input(self, why: &str) -> ValidationRow {
        self.done(
            VerdictKind::DerivationInput,
            format!("reproduced (derivation input): {why}"),
        )
    }

    pub fn differs(self, why: &str) -> ValidationRow {
        self.done(VerdictKind::Differs, format!("differs because {why}"))
    }

    pub fn inconsistent(self, arithmetic: &str) -> ValidationRow {
        self.done(
            VerdictKind::LogInconsistent,
            format!("the log is internally inconsistent: {arithmetic}"),
        )
    }

    pub fn not_modelled(self, why: &str) -> ValidationRow {
        self.done(VerdictKind::NotModelled, format!("not modelled: {why}"))
    }

    /// A derivation input when `same`; when not, the derivation no longer holds.
    pub fn input_or_differs(self, same: bool, why: &str) -> ValidationRow {
        if same {
            self.input(why)
        } else {
            self.differs(&format!("the derivation no longer holds: {why}"))
        }
    }

    /// `reproduced` when `same`, otherwise `differs because why`.
    pub fn reproduced_or_differs(self, same: bool, note: &str, why: &str) -> ValidationRow {
        if same {
            self.reproduced(note)
        } else {
            self.differs(why)
        }
    }
}
