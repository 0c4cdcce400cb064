//! A consolidation probe decided by first fit on the existing nodes alone.
//!
//! Most probes of a busy day end the same way: one of the candidate's pods would have to
//! wait for a node that is still launching, so the probe fails. For plain pods (no
//! selectors, affinities or topology) the full solve puts each pod on the first existing
//! node with room, in Karpenter's order, before it looks at claims; a pod that fits no
//! existing node goes to a claim or stays unschedulable and never takes existing room
//! later in that solve (rooms only shrink, and a plain pod has one rung unless some pool
//! has a `PreferNoSchedule` taint). So walking the pods in queue order over the existing
//! nodes alone finds where the full solve would stop, or that it needs no claim at all,
//! without setting one up. When some pods fit no existing node, the full solve's claims
//! hold exactly those pods (claims never take room from existing nodes), so a solve of
//! them alone with no existing node gives its claims and unschedulable pods
//! ([`Scheduler::schedule_draft_without_existing`]). Topology spread and preferred
//! anti-affinity are checked on existing nodes as the full solve does
//! ([`super::quick_topology`]) while every pod they count stays on one; a pod with other
//! constraints, or an anti-affinity that could repel a plain pod, is left to the full
//! solve.

use std::borrow::Borrow;

use model::taints::first_untolerated;

use super::existing_nodes::taints_reject;
use super::quick_topology::{ProbeTopology, TopologySeed, relaxable};
use super::*;

/// A probe's answer when first fit on existing nodes decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuickProbe {
    /// The full solve is needed.
    Undecided,
    /// These pods (positions in `watched` and in `others`, each ascending) fit no
    /// existing node; every other pod binds to an existing node, and no watched pod to an
    /// uninitialized one. The full solve's new claims and unschedulable pods are those of
    /// [`Scheduler::schedule_draft_without_existing`] over these pods alone, watched ones
    /// first, from `seed` (the unschedulable ones possibly listed in another rotation of
    /// the retry queue: retries of pods that fit nowhere end in the same state either
    /// way), unless that solve reports [`Draft::topology_missed`].
    OffExisting {
        watched: Vec<usize>,
        others: Vec<usize>,
        seed: TopologySeed,
    },
    /// Every pod binds to an existing node, and no watched pod to an uninitialized one.
    AllOnExisting,
    /// The first watched pod to bind to an uninitialized node: where a full solve with the
    /// same `stop_watch` stops.
    WatchedWaits(PodId),
    /// Where a full solve with the same `stop_watch` stops, as [`QuickProbe::WatchedWaits`]
    /// says, unless a solve of the pods first fit put off the existing nodes before it
    /// (listed as in [`QuickProbe::OffExisting`]), alone from `seed`, reports
    /// [`Draft::topology_missed`]. One of those pods has a later rung and, had it missed
    /// its first, might have come back to an existing node; if none missed, each took a
    /// claim at its first try, as in the full solve, and the existing nodes' rooms are
    /// those first fit saw.
    WatchedWaitsUnlessMissed {
        pod: PodId,
        watched: Vec<usize>,
        others: Vec<usize>,
        seed: TopologySeed,
    },
    /// (Only when asked to watch for it.) The watched pods that fit no existing node cannot
    /// all share one new node, so a probe allowing one new node fails; the full solve may
    /// have failed it for an earlier reason, which is not known.
    BeyondOneClaim,
}

/// Reused buffers: free room of the slots a probe filled (valid where `seen` holds the
/// probe's epoch; masked slots hold zero) and the tree-search stack; and what the last
/// walk read of the existing nodes ([`ProbeWalk`]).
#[derive(Debug, Clone, Default)]
pub(super) struct QuickScratch {
    free: Vec<Resources>,
    seen: Vec<u32>,
    epoch: u32,
    stack: Vec<usize>,
    placed: Vec<usize>,
    plain: bool,
}

/// What the last [`Scheduler::quick_probe`] read of the existing nodes: first fit chose
/// the nodes in `placed` (input indices, in the order it first chose them, including one
/// a watched pod would wait for); every other node only refused the pods that reached it,
/// so masking one of those as well gives the same answer. Meaningful only when `plain`:
/// no pod of the probe has constraints beyond requests and tolerations, so the walk read
/// nothing but rooms, taints and initialized flags (with topology, a masked node's pods
/// would also leave the counts).
#[derive(Debug, Clone, Copy)]
pub struct ProbeWalk<'a> {
    pub placed: &'a [usize],
    pub plain: bool,
}

impl QuickScratch {
    fn start_walk(&mut self) {
        self.placed.clear();
        self.plain = false;
    }
}

impl PreparedExisting {
    /// What the last quick probe on this snapshot read of its nodes.
    pub fn last_walk(&self) -> ProbeWalk<'_> {
        ProbeWalk {
            placed: &self.scratch.placed,
            plain: self.scratch.plain,
        }
    }
}

/// A pod whose only constraints are its requests and tolerations: its first rung is
/// unconstrained and it owns no topology group.
pub fn plain(spec: &PodSpec) -> bool {
    spec.node_selector.is_empty()
        && spec.required_node_affinity.is_empty()
        && spec.preferred_node_affinity.is_empty()
        && spec.topology_spread.is_empty()
        && spec.pod_affinity.is_empty()
        && spec.pod_anti_affinity.is_empty()
}

/// Pods in `a` and `b` (each in [`queue_order`]) merged into that order, with their
/// position in `a` (`Ok`) or `b` (`Err`).
pub fn merged_in_queue_order<'p, A: Borrow<Pod>, B: Borrow<Pod>>(
    a: &'p [A],
    b: &'p [B],
) -> impl Iterator<Item = (&'p Pod, Result<usize, usize>)> {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let take_a = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => queue_order(x.borrow(), y.borrow()).is_lt(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_a {
            i += 1;
            Some((a[i - 1].borrow(), Ok(i - 1)))
        } else {
            j += 1;
            Some((b[j - 1].borrow(), Err(j - 1)))
        }
    })
}

impl Scheduler {
    /// What [`Scheduler::schedule_draft`] with pods `watched ++ others` and `stop_watch =
    /// watched.len()` would conclude, when first fit on the existing nodes decides it.
    /// `watched` and `others` must each be in [`queue_order`]; `prepared` is left as it
    /// was. With `watch_one_claim`, it may also answer [`QuickProbe::BeyondOneClaim`].
    /// `watched` may be borrowed pods, so a probe need not clone the candidates' pods.
    pub fn quick_probe<P: Borrow<Pod>>(
        &self,
        watched: &[P],
        others: &[Pod],
        existing: &[ExistingNode],
        prepared: &mut PreparedExisting,
        masked: &[usize],
        watch_one_claim: bool,
    ) -> QuickProbe {
        // A required anti-affinity anywhere in the solve could repel a plain pod from a
        // node: bound pods' terms are checked per pod below, the probe's own pods' here,
        // noting whether any pod has constraints (then its topology is built below).
        prepared.scratch.start_walk();
        let mut last_spec = None;
        let mut constrained = false;
        for pod in watched.iter().map(Borrow::borrow).chain(others) {
            let key = spec_key(&pod.spec);
            if last_spec == Some(key) {
                continue;
            }
            last_spec = Some(key);
            if pod.spec.pod_anti_affinity.iter().any(|t| t.is_required()) {
                return QuickProbe::Undecided;
            }
            constrained |= !plain(&pod.spec);
        }
        let is_masked = |ni: usize| masked.contains(&ni);
        let repelling: Vec<&model::labels::LabelSelector> = prepared
            .anti_affinity_pods
            .iter()
            .filter(|(ni, _)| !is_masked(*ni))
            .flat_map(|&(ni, pi)| existing[ni].pods[pi].spec.pod_anti_affinity.iter())
            .filter(|t| t.is_required())
            .map(|t| &t.label_selector)
            .collect();
        let p = prepared;
        p.scratch.plain = !constrained;
        let mut topology = None;
        if constrained {
            let mut specs: Vec<&Arc<PodSpec>> = Vec::new();
            for pod in watched.iter().map(Borrow::borrow).chain(others) {
                // Pods come in runs of one spec.
                if specs.last().is_none_or(|s| !Arc::ptr_eq(s, &pod.spec))
                    && !specs.iter().any(|s| Arc::ptr_eq(s, &pod.spec))
                {
                    specs.push(&pod.spec);
                }
            }
            match ProbeTopology::new(
                &specs,
                existing,
                &mut p.carried,
                &mut p.probe_groups,
                masked,
            ) {
                Some(t) => topology = Some(t),
                None => return QuickProbe::Undecided,
            }
        }
        let s = &mut p.scratch;
        s.epoch = s.epoch.wrapping_add(1);
        if s.epoch == 0 || s.seen.len() != p.slot_of.len() {
            s.seen = vec![0; p.slot_of.len()];
            s.free = vec![Resources::ZERO; p.slot_of.len()];
            s.epoch = 1;
        }
        // Masked nodes have no room; like filled ones they live in the scratch, so the
        // shared tree is never written (the tree's rooms stay upper bounds).
        for &i in masked {
            let slot = p.slot_of[i];
            s.free[slot] = Resources::ZERO;
            s.seen[slot] = s.epoch;
        }
        // A claim's pods sum to at most one of its pool's types' effective capacity.
        let claim_max = self
            .pools
            .iter()
            .fold(Resources::ZERO, |m, p| m.max(&p.base_max_effective));
        let mut watched_off_existing = Resources::ZERO;
        // The last pod's spec and where it fitted first: every earlier slot refused that
        // spec then, and rooms only shrink, so a pod of the same spec fits there first or
        // later (or, if it fitted nowhere, nowhere).
        let mut last_fit: Option<(usize, Option<usize>)> = None;
        // A pod off the existing nodes has a later rung: the full solve might yet put it
        // on an existing node, taking room first fit gave to later pods.
        let mut relaxable_off = false;
        let (mut off_watched, mut off_others) = (Vec::new(), Vec::new());
        for (pod, position) in merged_in_queue_order(watched, others) {
            let is_watched = position.is_ok();
            let spec = &pod.spec;
            if repelling.iter().any(|sel| sel.matches(&spec.labels)) {
                return QuickProbe::Undecided;
            }
            // The pod's topology groups, if it owns or is counted by any.
            let (groups, owns, uncertain) = match &mut topology {
                Some(t) => {
                    let i = t.spec_index(spec);
                    let g = t.groups(i);
                    let free = g.is_free();
                    let owns = !g.owned.is_empty();
                    ((!free).then_some(i), owns, !free && t.touches_uncertain(i))
                }
                None => (None, false, false),
            };
            let demand = pod_demand(&spec.requests);
            let (tree, order, epoch) = (&p.carried.tree, &p.carried.order, s.epoch);
            let (free, seen) = (&s.free, &s.seen);
            let room = |slot: usize| {
                if seen[slot] == epoch {
                    free[slot]
                } else {
                    tree.get(slot)
                }
            };
            let key = spec_key(spec);
            let accepts = |slot: usize| {
                demand.fits_in(&room(slot))
                    && !taints_reject(&existing[order[slot]], |t| {
                        first_untolerated(t, &spec.tolerations).is_some()
                    })
            };
            let tables = &p.carried.domain_tables;
            let found = if uncertain {
                // Where topology allows this pod depends on claims first fit does not
                // know; it is decided only if no existing node has room for it at all.
                match tree.find_first(&demand, &mut s.stack, accepts) {
                    Some(_) => return QuickProbe::Undecided,
                    None => None,
                }
            } else if let (true, Some(t), Some(i)) = (owns, &topology, groups) {
                // Counts change as pods are placed, so first fit for a pod that owns a
                // group is searched afresh (and remembers nothing).
                tree.find_first(&demand, &mut s.stack, |slot| {
                    accepts(slot) && t.allows(i, order[slot], &existing[order[slot]], tables)
                })
            } else {
                match last_fit {
                    Some((k, None)) if k == key => None,
                    Some((k, Some(slot))) if k == key && demand.fits_in(&room(slot)) => Some(slot),
                    // The search resumes after that slot: the tree's rooms are only upper
                    // bounds here, and the slots this walk filled would each be visited.
                    Some((k, Some(slot))) if k == key => {
                        tree.find_first_from(slot + 1, &demand, &mut s.stack, accepts)
                    }
                    _ => tree.find_first(&demand, &mut s.stack, accepts),
                }
            };
            last_fit = (!owns && !uncertain).then_some((key, found));
            let Some(slot) = found else {
                // On a claim the pod counts in a domain first fit does not know.
                if let (Some(t), Some(i)) = (topology.as_mut(), groups) {
                    t.went_off(i);
                    relaxable_off |= relaxable(spec);
                }
                // With a single rung, a pod that fits no existing node now never will in
                // this solve (rooms only shrink): it ends on a claim or unschedulable, and
                // later pods still see the same existing nodes first.
                if self.any_prefer_no_schedule {
                    return QuickProbe::Undecided;
                }
                if is_watched && watch_one_claim {
                    watched_off_existing = watched_off_existing.saturating_add(&demand);
                    if !watched_off_existing.fits_in(&claim_max) {
                        // Unless a pod off the existing nodes could come back to one.
                        return if relaxable_off {
                            QuickProbe::Undecided
                        } else {
                            QuickProbe::BeyondOneClaim
                        };
                    }
                }
                match position {
                    Ok(i) => off_watched.push(i),
                    Err(j) => off_others.push(j),
                }
                continue;
            };
            if s.seen[slot] != s.epoch {
                s.placed.push(order[slot]);
            }
            if is_watched && !existing[order[slot]].initialized {
                return if relaxable_off {
                    QuickProbe::WatchedWaitsUnlessMissed {
                        pod: pod.id,
                        watched: off_watched,
                        others: off_others,
                        seed: (topology.as_ref())
                            .map(|t| t.seed(&p.carried.domain_tables))
                            .unwrap_or_default(),
                    }
                } else {
                    QuickProbe::WatchedWaits(pod.id)
                };
            }
            let left = room(slot).saturating_sub(&demand);
            s.free[slot] = left;
            s.seen[slot] = s.epoch;
            if let (Some(t), Some(i)) = (topology.as_mut(), groups) {
                t.record(
                    i,
                    order[slot],
                    &existing[order[slot]],
                    &p.carried.domain_tables,
                );
            }
        }
        if off_watched.is_empty() && off_others.is_empty() {
            QuickProbe::AllOnExisting
        } else {
            QuickProbe::OffExisting {
                watched: off_watched,
                others: off_others,
                seed: topology
                    .map(|t| t.seed(&p.carried.domain_tables))
                    .unwrap_or_default(),
            }
        }
    }

    /// A draft solve of `pods` with no existing node, from the topology counts in `seed`:
    /// after [`QuickProbe::OffExisting`], the claims and unschedulable pods of the probe's
    /// full solve (unless [`Draft::topology_missed`]). `stops.watched` counts the leading
    /// watched pods.
    pub fn schedule_draft_without_existing(
        &mut self,
        pods: &[Pod],
        pool_usage: &[crate::input::PoolUsage],
        stops: Stops,
        seed: &TopologySeed,
    ) -> Draft {
        let input = ScheduleInput {
            pods,
            existing: &[],
            pool_usage,
        };
        let mut solve = Solve::new(self, &input, None);
        seed.apply(&mut solve.topology);
        solve.stop_watch = stops.watched;
        solve.stop_claims = stops.max_claims;
        solve.stop_any_failure = stops.any_failure;
        solve.run();
        solve.finish_draft().0
    }
}
