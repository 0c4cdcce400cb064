//! One disruption pass over a scenario's initial cluster, without running the day: what
//! `cargo bench --bench disruption` times and what tests use to ask "what would
//! Karpenter do with this cluster right now?".

use crate::EngineError;
use crate::config::Scenario;
use crate::output::DecisionRecord;
use crate::sim::{RunOptions, Simulation};

/// A cluster built from a scenario's inventory and initial pods, at the scenario's start.
pub struct DisruptionProbe<'s> {
    sim: Simulation<'s>,
}

/// The command one pass chose, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassCommand {
    /// `Emptiness`, `MultiNodeConsolidation`, …
    pub method: &'static str,
    /// Node names, in decision order.
    pub candidates: Vec<String>,
    /// Instance types launched as replacements (empty for a delete).
    pub replacements: Vec<String>,
}

impl<'s> DisruptionProbe<'s> {
    pub fn new(scenario: &'s Scenario) -> Result<DisruptionProbe<'s>, EngineError> {
        let sim = Simulation::new(scenario, &RunOptions::default())?;
        Ok(DisruptionProbe { sim })
    }

    /// Runs one full pass (every method in the version's order) at the scenario's start.
    /// The pass only decides, so repeated calls see the same cluster and give the same
    /// answer; the previous call's decisions are cleared first.
    pub fn pass(&mut self) -> Option<PassCommand> {
        let sim = &mut self.sim;
        sim.validating = None;
        sim.last_noop_version = None;
        sim.decisions.clear();
        sim.last_decision.clear();
        // Each pass starts without the refusals an earlier one kept, as a first pass does.
        sim.verdicts.clear();
        sim.disruption_pass(sim.cfg.start);
        let cmd = sim.validating.as_ref()?;
        let replacements = match &cmd.outcome {
            crate::disruption::Outcome::Replace(claims) => claims
                .iter()
                .filter_map(|c| c.launch.as_ref())
                .map(|l| l.instance_type_name.clone())
                .collect(),
            _ => Vec::new(),
        };
        Some(PassCommand {
            method: cmd.method.name(),
            candidates: cmd
                .candidates
                .iter()
                .map(|c| sim.state.node(*c).name.clone())
                .collect(),
            replacements,
        })
    }

    /// What the last pass recorded, one record per candidate considered.
    pub fn decisions(&self) -> &[DecisionRecord] {
        &self.sim.decisions
    }

    /// Nodes and pods in the cluster (for sizing a benchmark).
    pub fn size(&self) -> (usize, usize) {
        let s = &self.sim.state;
        (
            s.nodes.iter().filter(|n| n.exists()).count(),
            s.pods
                .iter()
                .filter(|p| matches!(p.phase, crate::state::PodPhase::Bound(_)))
                .count(),
        )
    }
}
