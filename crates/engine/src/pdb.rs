//! PodDisruptionBudget headroom: how many more pods of each workload the Eviction API
//! would evict right now. The disruption controller reads it once per pass for candidates
//! (`pdblimits.go`, `CanEvictPods`); Karpenter's terminator asks it per eviction, and a
//! refusal is the API's HTTP 429 (`terminator/eviction.go`).

use model::PodId;

use crate::sim::Simulation;
use crate::state::ClusterState;

/// How many more pods of workload `w` its PDB allows to be evicted now, `None` without a
/// PDB. This is the Kubernetes disruption controller's `disruptionsAllowed` with
/// `expected` = the workload's live pods (an evicted pod's replacement exists at once) and
/// `healthy` = those bound to a node (pods on a draining node still count until evicted).
pub fn disruptions_allowed(sim: &Simulation, w: usize) -> Option<u32> {
    let limit = sim.cfg.workloads[w].pdb?;
    let live = &sim.state.workload_pods[w];
    let healthy = sim.state.workload_bound[w];
    Some(limit.disruptions_allowed(live.len() as u32, healthy))
}

/// Every workload's headroom, computed once per disruption pass.
pub struct PdbRoom {
    /// Per workload: `None` without a PDB, else the disruptions it allows now.
    allowed: Vec<Option<u32>>,
}

impl PdbRoom {
    pub fn new(sim: &Simulation) -> PdbRoom {
        let allowed = (0..sim.cfg.workloads.len())
            .map(|w| disruptions_allowed(sim, w))
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
        self.allows_counts(&counts)
    }

    /// [`PdbRoom::allows`] for pods already counted per workload.
    pub fn allows_counts(&self, counts: &[(usize, u32)]) -> bool {
        counts
            .iter()
            .all(|(w, c)| self.allowed[*w].is_none_or(|a| a >= *c))
    }
}

/// Headroom of the few workloads one drain step touches, computed on first use and
/// decremented as the step evicts, so pods evicted together never overrun a PDB.
#[derive(Default)]
pub struct EvictionBudget {
    allowed: Vec<(usize, Option<u32>)>,
}

impl EvictionBudget {
    /// Takes one disruption of workload `w` if its PDB allows it (the Eviction API's
    /// 200); false is its 429.
    pub fn try_take(&mut self, sim: &Simulation, w: usize) -> bool {
        let slot = match self.allowed.iter().position(|(x, _)| *x == w) {
            Some(i) => i,
            None => {
                self.allowed.push((w, disruptions_allowed(sim, w)));
                self.allowed.len() - 1
            }
        };
        match &mut self.allowed[slot].1 {
            None => true,
            Some(0) => false,
            Some(a) => {
                *a -= 1;
                true
            }
        }
    }
}
