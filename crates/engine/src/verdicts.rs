//! Refusals of claims-only consolidation probes, remembered across probes and passes.
//!
//! A single-node probe whose pods partly fit no existing node is decided by a solve of
//! only the pods that fit nowhere (the candidate's and the pending ones) with no existing
//! node (`packer::QuickProbe::OffExisting`), then by the replacement price rule. Nothing
//! else of the cluster enters that answer: the solve reads the pods' specs in queue order,
//! which of them are the candidate's, and the room left under NodePools' limits as far as
//! the solve could use it ([`packer::LimitRoom`]); the price rule reads the candidate's
//! price and capacity type and the offerings; with topology, the solve also starts from
//! the counts the walk left (`packer::TopologySeed`), unless a pod missed its first rung
//! there (then the full solve answers, and nothing is kept). Pods of one spec
//! are interchangeable there (only their ids differ, and a refusal names none). A node
//! probed pass after pass mostly leaves the same pods off the others, and its replacement
//! is refused for the same reason each time; this keeps such refusals, so a probe with an
//! equal [`VerdictKey`] skips the solve and the launch choice.
//!
//! Kept: refusals by the replacement rules (price, spot-to-spot) and "more than one new
//! node". Not kept: replacements (a claim lists its pods) and reasons that name a pod.
//! Also kept, under the solve's part of the key ([`SolveKey`]): whether a solve of the
//! pods off the existing nodes before a waiting candidate pod had one miss its first
//! rung (`packer::QuickProbe::WatchedWaitsUnlessMissed`). Offerings and pools changing
//! clear the store ([`Simulation::pools_changed`]).

use std::collections::VecDeque;
use std::sync::Arc;

use model::NodeId;
use model::instance::CapacityType;
use model::pod::{Pod, PodSpec};
use model::price::UsdPerHour;

use crate::disruption::Outcome;
use crate::sim::Simulation;

/// Refusals kept at once; the oldest goes first. A pass probes a few dozen nodes.
const VERDICTS_MAX: usize = 64;

/// Everything a claims-only single-node probe's answer depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictKey {
    price: UsdPerHour,
    capacity: CapacityType,
    solve: SolveKey,
}

/// Everything a solve of only the pods off the existing nodes reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveKey {
    /// The solve's pods in queue order, run-length encoded: (spec, the candidate's?,
    /// count). Holding the `Arc` keeps the spec's address from being reused.
    pods: Vec<(SpecRef, bool, u32)>,
    /// Per NodePool with limits, the room the solve reads ([`packer::LimitRoom`]).
    limits: Vec<Option<packer::LimitRoom>>,
    /// The topology counts the solve starts from.
    seed: packer::TopologySeed,
}

/// A spec compared by identity, as the solve tells specs apart.
#[derive(Debug, Clone)]
struct SpecRef(Arc<PodSpec>);

impl PartialEq for SpecRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Debug, Default)]
pub struct Verdicts {
    entries: VecDeque<(VerdictKey, String)>,
    /// Whether a solve of the pods off the existing nodes before a waiting pod had one
    /// miss its first rung (`packer::QuickProbe::WatchedWaitsUnlessMissed`).
    missed: VecDeque<(SolveKey, bool)>,
}

impl Verdicts {
    pub fn clear(&mut self) {
        self.entries.clear();
        self.missed.clear();
    }

    pub fn missed(&self, key: &SolveKey) -> Option<bool> {
        self.missed.iter().find(|(k, _)| k == key).map(|e| e.1)
    }

    pub fn get(&self, key: &VerdictKey) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, why)| why.as_str())
    }

    pub fn insert(&mut self, key: VerdictKey, why: String) {
        if self.entries.len() == VERDICTS_MAX {
            self.entries.pop_front();
        }
        self.entries.push_back((key, why));
    }
}

impl Simulation<'_> {
    /// The key of a claims-only probe of `node`: `watched` are its pods that fit no other
    /// node, `others` the pending ones, each in queue order.
    pub(crate) fn verdict_key(
        &self,
        node: NodeId,
        watched: &[&Pod],
        others: &[&Pod],
        seed: &packer::TopologySeed,
    ) -> VerdictKey {
        let n = self.state.node(node);
        VerdictKey {
            price: n.price,
            capacity: n.capacity_type,
            solve: self.solve_key(watched, others, seed),
        }
    }

    /// The key of a solve of `watched` (a candidate's pods that fit no other node) and
    /// `others` (pending ones), each in queue order, from `seed`.
    pub(crate) fn solve_key(
        &self,
        watched: &[&Pod],
        others: &[&Pod],
        seed: &packer::TopologySeed,
    ) -> SolveKey {
        let mut pods: Vec<(SpecRef, bool, u32)> = Vec::new();
        for (pod, position) in packer::merged_in_queue_order(watched, others) {
            let is_watched = position.is_ok();
            match pods.last_mut() {
                Some((spec, w, count)) if *w == is_watched && Arc::ptr_eq(&spec.0, &pod.spec) => {
                    *count += 1;
                }
                _ => pods.push((SpecRef(pod.spec.clone()), is_watched, 1)),
            }
        }
        let limits = self
            .scheduler
            .limit_rooms(&self.snapshot.usage, watched.len() + others.len());
        SolveKey {
            pods,
            limits,
            seed: seed.clone(),
        }
    }

    /// Keeps whether the solve under `key` had a pod miss its first rung. With invariants
    /// on, probes skip no solve, so a key already kept is compared instead.
    pub(crate) fn keep_missed(&mut self, key: SolveKey, missed: bool) {
        match self.verdicts.missed(&key) {
            Some(kept) if kept != missed => {
                let what = format!(
                    "a kept answer of whether a solve of the pods off the existing nodes missed a first rung ({kept}) differs from the solve's ({missed})"
                );
                self.state.invariant_marks.note_violation(what);
            }
            Some(_) => {}
            None => {
                if self.verdicts.missed.len() == VERDICTS_MAX {
                    self.verdicts.missed.pop_front();
                }
                self.verdicts.missed.push_back((key, missed));
            }
        }
    }

    /// Keeps a refusal under `key`. With invariants on, probes skip no solve, so a key
    /// already kept is compared with the solve's answer instead.
    pub(crate) fn keep_verdict(&mut self, key: VerdictKey, outcome: &Outcome) {
        let why = match outcome {
            Outcome::Blocked(why) => Some(why),
            _ => None,
        };
        match self.verdicts.get(&key) {
            Some(kept) if why.is_none_or(|w| w != kept) => {
                let what = format!(
                    "a kept consolidation refusal ({kept}) differs from the solve's answer ({})",
                    why.map_or("not refused", |w| w.as_str())
                );
                self.state.invariant_marks.note_violation(what);
            }
            Some(_) => {}
            None => {
                if let Some(why) = why {
                    self.verdicts.insert(key, why.clone());
                }
            }
        }
    }

    /// Whatever changed the scheduler's pools or an offering: refusals kept no longer
    /// hold (the scheduler re-indexes a changed pool, prices included).
    pub(crate) fn pools_changed(&mut self) {
        self.verdicts.clear();
    }
}
