//! Which nodes a disruption method may consider, in Karpenter's order
//! (`types.go: NewCandidate`, `consolidation.go: sortCandidates`).
//!
//! Every pass over a changed cluster asks this of every node, and the answer reads every
//! pod of the cluster (do-not-disrupt, PDB counts, eviction costs). Pods change a few
//! nodes at a time, so what a node's pods contribute is kept per node
//! ([`PodSummary`]) and rebuilt only when its pods changed.

use model::nodepool::ConsolidationPolicy;
use model::{NodeId, SimTime};

use crate::disruption::Method;
use crate::sim::Simulation;
use crate::state::NodePhase;

/// What the candidate filter and sort read from one node's pods.
#[derive(Debug, Clone, Default)]
pub struct PodSummary {
    /// The node's `pod_edits` it was built at; `None` before the first build.
    built_at: Option<u64>,
    do_not_disrupt: bool,
    /// Σ eviction cost, summed in pod order (the v1.0–v1.13 sort key).
    eviction_cost: f64,
    /// v1.14: 1 + Σ max(0, eviction cost).
    reschedule_cost: f64,
    /// Pods per workload with a PDB (a workload's PDB is fixed for the run), for the
    /// PDB check.
    per_workload: Vec<(usize, u32)>,
}

impl Simulation<'_> {
    /// True if, without any state change, the passage of time from `since` to `now`
    /// could change a disruption decision: a node's `consolidateAfter` window or its
    /// expiry ends, or a scheduled budget may have switched. (The candidates' order, which
    /// ages too before v1.14, is compared in `disruption_pass`.)
    pub(crate) fn time_changed_candidates(&self, since: SimTime, now: SimTime) -> bool {
        let ends_within = |t: SimTime| t > since && t <= now;
        let scheduled_budgets = self.cfg.nodepools.iter().enumerate().any(|(i, p)| {
            self.budget_override[i]
                .as_ref()
                .unwrap_or(&p.disruption.budgets)
                .iter()
                .any(|b| b.schedule.is_some())
        });
        scheduled_budgets
            || self
                .state
                .live_nodes()
                .filter(|n| n.phase == NodePhase::Ready)
                .any(|n| {
                    let Some(pool) = n.nodepool else { return false };
                    let np = &self.cfg.nodepools[pool];
                    np.disruption
                        .consolidate_after
                        .is_some_and(|a| ends_within(n.last_pod_event.saturating_add(a)))
                        || np
                            .expire_after
                            .is_some_and(|e| ends_within(n.launched_at.saturating_add(e)))
                })
    }

    /// Nodes Karpenter may disrupt now for `method`, each with its sort key (cheapest to
    /// disrupt first), not yet in order: the budgets let only the first few of a pool
    /// run, so only those need ordering ([`Simulation::within_budget`]).
    pub(crate) fn candidates(&mut self, now: SimTime, method: Method) -> Vec<(u64, NodeId)> {
        // No drifted node, no drift candidate: skip asking every node.
        if method == Method::Drift && !self.state.live_nodes().any(|n| n.drifted) {
            return Vec::new();
        }
        let mut out: Vec<(u64, NodeId)> = Vec::with_capacity(self.state.live.len());
        let pdb_room = crate::pdb::PdbRoom::new(self);
        for i in 0..self.state.live.len() {
            let id = self.state.live[i];
            if let Some(key) = self.candidate_key(now, method, id, &pdb_room) {
                out.push((key, id));
            }
        }
        out
    }

    /// Whether every node of `nodes` is a candidate for `method` now (what
    /// [`Self::candidates`] would include), without ordering the whole cluster.
    pub(crate) fn all_candidates(
        &mut self,
        now: SimTime,
        method: Method,
        nodes: &[NodeId],
    ) -> bool {
        let pdb_room = crate::pdb::PdbRoom::new(self);
        nodes
            .iter()
            .all(|id| self.candidate_key(now, method, *id, &pdb_room).is_some())
    }

    /// A node's sort key if it is a candidate for `method` now (`types.go: NewCandidate`,
    /// `consolidation.go: sortCandidates`).
    fn candidate_key(
        &mut self,
        now: SimTime,
        method: Method,
        id: NodeId,
        pdb_room: &crate::pdb::PdbRoom,
    ) -> Option<u64> {
        let v1_14 = self.cfg.karpenter.v1_14;
        {
            let n = self.state.node(id);
            // Most nodes hold pods: emptiness rules them out before anything else.
            if method == Method::Emptiness && !n.pods.is_empty() {
                return None;
            }
            let pool = n.nodepool?;
            if n.phase != NodePhase::Ready || n.cordoned || n.disrupting || !n.nominated.is_empty()
            {
                return None;
            }
            let np = &self.cfg.nodepools[pool];
            let relevant = match method {
                Method::Expiration => np
                    .expire_after
                    .is_some_and(|e| now.since(n.launched_at) >= e),
                Method::Drift => n.drifted,
                Method::Emptiness => np.disruption.consolidate_after.is_some(),
                Method::MultiNode | Method::SingleNode => {
                    np.disruption.consolidate_after.is_some()
                        && matches!(
                            np.disruption.consolidation_policy,
                            ConsolidationPolicy::WhenEmptyOrUnderutilized
                                | ConsolidationPolicy::Balanced
                        )
                }
            };
            if !relevant {
                return None;
            }
            if matches!(
                method,
                Method::Emptiness | Method::MultiNode | Method::SingleNode
            ) && np
                .disruption
                .consolidate_after
                .is_some_and(|after| now.since(n.last_pod_event) < after)
            {
                return None;
            }
        }
        let n = self.state.node(id);
        let (price, launched_at) = (n.price, n.launched_at);
        let expire_after = n.nodepool.and_then(|p| self.cfg.nodepools[p].expire_after);
        let summary = self.pod_summary(id);
        if summary.do_not_disrupt || !pdb_room.allows_counts(&summary.per_workload) {
            return None;
        }
        Some(if v1_14 {
            // v1.14+: savings ratio = price / (1 + Σ max(0, eviction cost)), highest
            // first; sorted ascending, so the key is its complement.
            let ratio = price.0 as f64 / summary.reschedule_cost;
            u64::MAX - (ratio * 1_000.0) as u64
        } else {
            // v1.0–v1.13: Σ eviction cost × lifetime remaining, lowest first.
            let lifetime = expire_after.map_or(1.0, |e| {
                (1.0 - now.since(launched_at).0 as f64 / e.0.max(1) as f64).clamp(0.0, 1.0)
            });
            ((summary.eviction_cost * lifetime).max(0.0) * 1_000_000.0) as u64
        })
    }

    /// The node's [`PodSummary`], rebuilt if its pods changed since it was built.
    fn pod_summary(&mut self, id: NodeId) -> &PodSummary {
        let edits = self.state.node(id).pod_edits;
        if self.pod_summaries.len() <= id.index() {
            self.pod_summaries
                .resize_with(self.state.nodes.len(), PodSummary::default);
        }
        if self.pod_summaries[id.index()].built_at != Some(edits) {
            // One pass over the pods; the sums run in pod order, as
            // `eviction_cost` / `reschedule_disruption_cost` would sum them.
            let mut summary = PodSummary {
                built_at: Some(edits),
                reschedule_cost: 1.0,
                ..PodSummary::default()
            };
            let mut eviction_costs = 0.0;
            let mut positive_costs = 0.0;
            for p in &self.state.node(id).pods {
                let pod = &self.state.pod(*p).pod;
                let w = pod.workload.index();
                if self.cfg.workloads[w].pdb.is_some() {
                    match summary.per_workload.iter_mut().find(|(x, _)| *x == w) {
                        Some((_, c)) => *c += 1,
                        None => summary.per_workload.push((w, 1)),
                    }
                }
                summary.do_not_disrupt |= pod.spec.do_not_disrupt;
                let cost = crate::balanced::eviction_cost_of(&pod.spec);
                eviction_costs += cost;
                positive_costs += cost.max(0.0);
            }
            summary.eviction_cost = eviction_costs;
            summary.reschedule_cost = 1.0 + positive_costs;
            self.pod_summaries[id.index()] = summary;
        }
        &self.pod_summaries[id.index()]
    }
}
