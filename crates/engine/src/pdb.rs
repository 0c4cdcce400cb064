//! PodDisruptionBudget headroom, computed once per disruption pass: how many more pods of
//! each workload may be evicted right now.

use model::PodId;
use model::workload::PodDisruptionBudget;

use crate::sim::Simulation;
use crate::state::{ClusterState, PodPhase};

pub struct PdbRoom {
    /// Per workload: `None` without a PDB, else the disruptions it allows now.
    allowed: Vec<Option<u32>>,
}

impl PdbRoom {
    pub fn new(sim: &Simulation) -> PdbRoom {
        let allowed = sim
            .cfg
            .workloads
            .iter()
            .enumerate()
            .map(|(w, spec)| {
                let limit = spec.pdb?;
                let live = &sim.state.workload_pods[w];
                let healthy = live
                    .iter()
                    .filter(|p| matches!(sim.state.pod(**p).phase, PodPhase::Bound(_)))
                    .count() as u32;
                let pdb = PodDisruptionBudget {
                    name: spec.name.clone(),
                    selector: model::labels::LabelSelector::default(),
                    limit,
                };
                Some(pdb.disruptions_allowed(live.len() as u32, healthy))
            })
            .collect();
        PdbRoom { allowed }
    }

    /// True if evicting all of `pods` at once keeps every PDB satisfied.
    pub fn allows(&self, state: &ClusterState, pods: &[PodId]) -> bool {
        let mut counts: Vec<(usize, u32)> = Vec::new();
        for p in pods {
            let w = state.pod(*p).pod.workload.index();
            match counts.iter_mut().find(|(x, _)| *x == w) {
                Some((_, c)) => *c += 1,
                None => counts.push((w, 1)),
            }
        }
        counts
            .iter()
            .all(|(w, c)| self.allowed[*w].is_none_or(|a| a >= *c))
    }
}
