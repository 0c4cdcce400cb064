//! Invariants checked after every event in debug builds and tests, and in release with
//! `--check-invariants`: no pod lost or duplicated, no node over-committed, the pending set
//! exact, bookkeeping consistent, NodePool limits held. (The clock is monotone by
//! construction of the queue; billed cost is computed per node from its lifetime.)

use model::{Resources, SimTime};

use crate::error::EngineError;
use crate::state::{ClusterState, NodePhase, PodPhase};
use packer::pod_demand;

pub fn check(
    state: &ClusterState,
    cfg: &crate::config::Scenario,
    now: SimTime,
) -> Result<(), EngineError> {
    let fail = |what: String| Err(EngineError::Invariant { at: now, what });
    // NodePool limits hold in pools Karpenter built (a pool whose inventory started above
    // its limits is exempt: Karpenter only stops launching there).
    for (p, pool) in cfg.nodepools.iter().enumerate() {
        if state
            .nodes
            .iter()
            .any(|n| n.nodepool == Some(p) && n.initial)
        {
            continue;
        }
        let live: Vec<&crate::state::NodeState> = state
            .nodes
            .iter()
            .filter(|n| {
                n.nodepool == Some(p) && matches!(n.phase, NodePhase::Launching | NodePhase::Ready)
            })
            .collect();
        let usage = live
            .iter()
            .fold(Resources::ZERO, |acc, n| acc.saturating_add(&n.capacity));
        if let Some(kind) = usage.first_exceeding(&pool.limits.resources) {
            return fail(format!(
                "NodePool {} uses {} {} over its limit {}",
                pool.name,
                kind.format(usage.get(kind)),
                kind.kubernetes_name(),
                kind.format(pool.limits.resources.get(kind))
            ));
        }
        if pool.limits.nodes.is_some_and(|max| live.len() as u64 > max) {
            return fail(format!(
                "NodePool {} has more nodes than its limit",
                pool.name
            ));
        }
    }
    let mut seen_on_nodes = vec![0u8; state.pods.len()];
    for n in &state.nodes {
        let mut sum = n.daemon_overhead;
        for p in &n.pods {
            let ps = &state.pods[p.index()];
            if ps.phase != PodPhase::Bound(n.id) {
                return fail(format!(
                    "pod {} is listed on node {} but its phase is {:?}",
                    ps.pod.name, n.name, ps.phase
                ));
            }
            seen_on_nodes[p.index()] += 1;
            sum = sum.saturating_add(&pod_demand(&ps.pod.spec.requests));
        }
        if sum != n.requested {
            return fail(format!(
                "node {} requested {} but its pods and daemons sum to {}",
                n.name, n.requested, sum
            ));
        }
        if n.phase != NodePhase::Terminated
            && !n.requested.fits_in(&n.allocatable)
            && !n.pods.is_empty()
        {
            return fail(format!(
                "node {} is over-committed: requested {} > allocatable {}",
                n.name, n.requested, n.allocatable
            ));
        }
        if n.phase == NodePhase::Terminated && !n.pods.is_empty() {
            return fail(format!(
                "terminated node {} still has {} pods",
                n.name,
                n.pods.len()
            ));
        }
        let nominated: Resources = n.nominated.iter().fold(Resources::ZERO, |a, p| {
            a.saturating_add(&pod_demand(&state.pods[p.index()].pod.spec.requests))
        });
        if nominated != n.nominated_requests {
            return fail(format!("node {} nominated requests out of sync", n.name));
        }
    }
    for (i, ps) in state.pods.iter().enumerate() {
        let listed = seen_on_nodes[i];
        match ps.phase {
            PodPhase::Bound(_) if listed != 1 => {
                return fail(format!(
                    "pod {} is bound but listed on {listed} nodes",
                    ps.pod.name
                ));
            }
            PodPhase::Pending if !state.pending.contains(&ps.pod.id) => {
                return fail(format!(
                    "pod {} is pending but not in the pending set",
                    ps.pod.name
                ));
            }
            PodPhase::Gone | PodPhase::Bound(_) if state.pending.contains(&ps.pod.id) => {
                return fail(format!(
                    "pod {} is in the pending set but {:?}",
                    ps.pod.name, ps.phase
                ));
            }
            _ => {}
        }
        if ps.phase == PodPhase::Pending && ps.pending_since.is_none() {
            return fail(format!(
                "pending pod {} has no pending-since time",
                ps.pod.name
            ));
        }
    }
    Ok(())
}
