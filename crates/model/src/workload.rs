//! PodDisruptionBudgets and DaemonSets.

use std::sync::Arc;

use serde::Serialize;

use crate::labels::LabelSelector;
use crate::nodepool::IntOrPercent;
use crate::pod::PodSpec;

/// Exactly one of `minAvailable` / `maxUnavailable`, as Kubernetes requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PdbLimit {
    MinAvailable(IntOrPercent),
    MaxUnavailable(IntOrPercent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodDisruptionBudget {
    pub name: String,
    pub selector: LabelSelector,
    pub limit: PdbLimit,
}

impl PodDisruptionBudget {
    /// How many more of the selected pods may be evicted now (the disruption controller's
    /// `disruptionsAllowed`). `expected` is the desired pod count, `healthy` the running ones.
    /// Percentages round up, as the Kubernetes disruption controller does.
    pub fn disruptions_allowed(&self, expected: u32, healthy: u32) -> u32 {
        self.limit.disruptions_allowed(expected, healthy)
    }
}

impl PdbLimit {
    /// [`PodDisruptionBudget::disruptions_allowed`] under this limit.
    pub fn disruptions_allowed(self, expected: u32, healthy: u32) -> u32 {
        let desired_healthy = match self {
            PdbLimit::MinAvailable(v) => v.resolve_round_up(expected),
            PdbLimit::MaxUnavailable(v) => expected.saturating_sub(v.resolve_round_up(expected)),
        };
        healthy.saturating_sub(desired_healthy)
    }
}

/// A DaemonSet: one pod on every node whose taints and labels it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaemonSet {
    pub name: String,
    pub spec: Arc<PodSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdb_allowed_disruptions() {
        let pdb = |limit| PodDisruptionBudget {
            name: "p".into(),
            selector: LabelSelector::default(),
            limit,
        };
        assert_eq!(
            pdb(PdbLimit::MinAvailable(IntOrPercent::Percent(80))).disruptions_allowed(10, 10),
            2
        );
        assert_eq!(
            pdb(PdbLimit::MinAvailable(IntOrPercent::Percent(80))).disruptions_allowed(10, 8),
            0
        );
        assert_eq!(
            pdb(PdbLimit::MaxUnavailable(IntOrPercent::Int(1))).disruptions_allowed(3, 3),
            1
        );
        assert_eq!(
            pdb(PdbLimit::MaxUnavailable(IntOrPercent::Int(1))).disruptions_allowed(3, 2),
            0
        );
        assert_eq!(
            pdb(PdbLimit::MaxUnavailable(IntOrPercent::Percent(25))).disruptions_allowed(10, 10),
            3
        );
    }
}
