//! `SimulateScheduling` for disruption probes: the candidates' pods and the pending pods
//! scheduled onto the other nodes, through the cheapest route that gives the full
//! solve's answer (the quick probe, a solve of only the pods off the existing nodes, a
//! kept refusal), and with invariants on, checked against the full solve.

use model::NodeId;
use packer::NodeRef;

use crate::disruption::Outcome;
use crate::sim::Simulation;
use crate::state::NodePhase;

/// A probe's answer, whether the full solve gave it, and the key a refusal may be kept
/// under (claims-only single-node probes).
struct Probed {
    outcome: Outcome,
    key: Option<crate::verdicts::VerdictKey>,
    solved_in_full: bool,
    no_cheaper_type: bool,
}

/// What [`Simulation::simulate`] answers.
pub(crate) struct Simulated {
    pub outcome: Outcome,
    /// The key a refusal may be kept under (claims-only single-node probes).
    pub verdict_key: Option<crate::verdicts::VerdictKey>,
    /// A multi-node probe whose candidate pods off the existing nodes fit in no NodePool
    /// type with an offering cheaper than the candidates: the replacement rule refuses it
    /// whatever the solve says. Without invariant checks the probe answers that refusal
    /// without solving; with them it solves, and the caller checks that the rule refused.
    pub no_cheaper_type: bool,
}

/// When a probe's solve may stop early: at the first of its `watched` candidate pods that
/// would wait for an uninitialized node, and for consolidation at a claim beyond
/// `max_claims` once every candidate pod is placed — at once for a multi-node probe, whose
/// reason is never shown (the binary search keeps only the longest prefix that works).
fn probe_stops(nodes: &[NodeId], max_claims: usize, watched: usize) -> packer::Stops {
    // Drift replaces whatever the candidate's pods need; consolidation limits claims.
    let allow_many = max_claims == usize::MAX;
    packer::Stops {
        watched,
        max_claims: (!allow_many).then_some(max_claims),
        any_failure: nodes.len() > 1 && !allow_many,
    }
}

impl Simulation<'_> {
    /// `SimulateScheduling`: the candidates' pods (plus pending pods) scheduled onto every
    /// other node, with new NodeClaims where needed. The cluster view is prepared once per
    /// pass ([`crate::snapshot::Snapshot`]); each probe masks its candidates, and launch
    /// choices are only made for probes that pass the binding checks.
    ///
    /// A claims-only single-node probe also returns its [`crate::verdicts::VerdictKey`],
    /// under which a refusal may be kept.
    pub(crate) fn simulate(&mut self, nodes: &[NodeId], max_claims: usize) -> Simulated {
        self.ensure_snapshot();
        let queued = self.lend_queued(nodes);
        let pods = queued.in_queue_order(nodes);
        let walk_key = match nodes {
            [node] if max_claims == 1 => crate::shared_walks::key_of(
                &pods,
                queued.keys_of(*node),
                &self.snapshot.pending_runs,
            ),
            _ => None,
        };
        let outcome = self.simulate_pods(nodes, &pods, max_claims, walk_key);
        drop(pods);
        self.return_queued(queued);
        outcome
    }

    /// [`Self::simulate`] with the candidates' pods in queue order. With invariants on,
    /// an answer reached without the full solve is compared with the full solve's: the
    /// same outcome, the same claims, and for a single node the same reason.
    fn simulate_pods(
        &mut self,
        nodes: &[NodeId],
        pods: &[&model::pod::Pod],
        max_claims: usize,
        walk_key: Option<crate::shared_walks::WalkKey>,
    ) -> Simulated {
        let answer = self.simulate_fast(nodes, pods, max_claims, walk_key);
        if self.check_invariants && !answer.solved_in_full {
            let draft = self.solve_all_on_snapshot(pods, nodes, max_claims);
            let (full, _) = self.outcome_of(nodes, pods, max_claims, draft);
            let agree = match (&answer.outcome, &full) {
                (Outcome::Delete, Outcome::Delete) => true,
                (Outcome::Replace(a), Outcome::Replace(b)) => a == b,
                (Outcome::Blocked(a), Outcome::Blocked(b)) => nodes.len() > 1 || a == b,
                _ => false,
            };
            if !agree {
                let names: Vec<&str> = nodes
                    .iter()
                    .map(|n| self.state.node(*n).name.as_str())
                    .collect();
                let what = format!(
                    "a consolidation probe of {} answered {:?} without the full solve, which answers {full:?}",
                    names.join(", "),
                    answer.outcome
                );
                self.state.invariant_marks.note_violation(what);
            }
        }
        Simulated {
            outcome: answer.outcome,
            verdict_key: answer.key,
            no_cheaper_type: answer.no_cheaper_type,
        }
    }

    /// [`Self::simulate_pods`] by the cheapest route to the full solve's answer; a
    /// single-node probe with its `walk_key` may share the pass's walk of its sequence.
    fn simulate_fast(
        &mut self,
        nodes: &[NodeId],
        pods: &[&model::pod::Pod],
        max_claims: usize,
        walk_key: Option<crate::shared_walks::WalkKey>,
    ) -> Probed {
        // Most probes are decided by first fit on the existing nodes (see
        // `packer::QuickProbe`); the answers below are the full solve's. A multi-node
        // probe's reason is never shown, so "more than one new node" may stand for
        // whichever reason the full solve would have found first.
        let watch_one_claim = nodes.len() > 1 && max_claims == 1;
        let mut verdict_key = None;
        let mut solved_in_full = false;
        let mut no_cheaper_type = false;
        let quick = |outcome| Probed {
            outcome,
            key: None,
            solved_in_full: false,
            no_cheaper_type: false,
        };
        let probe = match (walk_key, nodes) {
            (Some(key), [node]) => self.shared_quick_probe(*node, pods, key),
            _ => self.quick_probe_on_snapshot(pods, nodes, watch_one_claim),
        };
        let draft = match probe {
            packer::QuickProbe::WatchedWaits(pod) => return quick(self.waits(pod)),
            // Whether the pods off the existing nodes before it all took a claim at their
            // first try: a solve of them alone tells.
            packer::QuickProbe::WatchedWaitsUnlessMissed {
                pod,
                watched,
                others,
                seed,
            } => {
                if !self.missed_first_rung(pods, &watched, &others, &seed) {
                    return quick(self.waits(pod));
                }
                solved_in_full = true;
                self.solve_all_on_snapshot(pods, nodes, max_claims)
            }
            packer::QuickProbe::AllOnExisting => return quick(Outcome::Delete),
            packer::QuickProbe::BeyondOneClaim => return quick(too_many_claims(max_claims)),
            // The pods first fit leaves off the existing nodes are what the full solve
            // puts on claims; a solve of them alone gives the same claims.
            packer::QuickProbe::OffExisting {
                watched,
                others,
                seed,
            } => {
                if let [node] = nodes
                    && max_claims == 1
                {
                    let (watched_off, others_off) = self.off_refs(pods, &watched, &others);
                    let key = self.verdict_key(*node, &watched_off, &others_off, &seed);
                    // With invariants on, a kept refusal is checked against the solve.
                    if !self.check_invariants
                        && let Some(why) = self.verdicts.get(&key)
                    {
                        return quick(Outcome::Blocked(why.to_string()));
                    }
                    verdict_key = Some(key);
                }
                // A multi-node probe's reason is never shown: it fails unless one new node
                // cheaper than the candidates holds every candidate pod off the existing
                // nodes (each must then sit on that claim).
                if nodes.len() > 1 && max_claims == 1 {
                    let demand = watched.iter().fold(model::Resources::ZERO, |sum, &i| {
                        sum.saturating_add(&packer::pod_demand(pods[i].requests()))
                    });
                    no_cheaper_type = !self.cheaper_type_holds(&demand, self.price_of(nodes));
                    if no_cheaper_type && !self.check_invariants {
                        return Probed {
                            no_cheaper_type,
                            ..quick(Outcome::Blocked(
                                "no single cheaper node holds the pods off the existing nodes"
                                    .into(),
                            ))
                        };
                    }
                }
                let off = self.off_pods(pods, &watched, &others);
                let draft = self.scheduler.schedule_draft_without_existing(
                    &off,
                    &self.snapshot.usage,
                    probe_stops(nodes, max_claims, watched.len()),
                    &seed,
                );
                if draft.topology_missed {
                    // The full solve's answer depends on more than the key.
                    verdict_key = None;
                    solved_in_full = true;
                    self.solve_all_on_snapshot(pods, nodes, max_claims)
                } else {
                    draft
                }
            }
            packer::QuickProbe::Undecided => {
                solved_in_full = true;
                self.solve_all_on_snapshot(pods, nodes, max_claims)
            }
        };
        let (outcome, by_claims) = self.outcome_of(nodes, pods, max_claims, draft);
        Probed {
            outcome,
            key: verdict_key.filter(|_| by_claims),
            solved_in_full,
            no_cheaper_type,
        }
    }

    /// The quick probe of a single candidate `node` (its pods in queue order, forming
    /// `key` with the pending ones), from the pass's shared walk of that sequence where
    /// that walk stands for it ([`crate::shared_walks`]). With invariants on, a shared
    /// answer is checked against the candidate's own walk.
    fn shared_quick_probe(
        &mut self,
        node: NodeId,
        pods: &[&model::pod::Pod],
        key: crate::shared_walks::WalkKey,
    ) -> packer::QuickProbe {
        use crate::shared_walks::Lookup;
        let mut found = self.snapshot.shared_walks.lookup(&key, node, pods);
        if let Lookup::Second = found {
            let open = self.quick_probe_on_snapshot(pods, &[], false);
            let placed = self.plain_walk_nodes();
            self.snapshot.shared_walks.keep(&key, pods, open, placed);
            found = self.snapshot.shared_walks.lookup(&key, node, pods);
        }
        let Lookup::Shared(shared) = found else {
            return self.quick_probe_on_snapshot(pods, &[node], false);
        };
        if self.check_invariants {
            let own = self.quick_probe_on_snapshot(pods, &[node], false);
            if own != shared {
                let what = format!(
                    "the shared walk answered {shared:?} for {}, whose own walk answers {own:?}",
                    self.state.node(node).name
                );
                self.state.invariant_marks.note_violation(what);
            }
        }
        shared
    }

    /// A probe's answer when candidate pod `pod` would wait for a node still launching.
    fn waits(&self, pod: model::PodId) -> Outcome {
        Outcome::Blocked(format!(
            "pod {} would wait for an uninitialized node",
            self.state.pod(pod).pod.name
        ))
    }

    /// Whether a solve of the pods a quick probe left off the existing nodes (as
    /// [`Self::off_pods`] lists them) has one miss its first rung, from a kept answer if
    /// there is one (with invariants on, the kept answer is checked against the solve).
    fn missed_first_rung(
        &mut self,
        pods: &[&model::pod::Pod],
        watched: &[usize],
        others: &[usize],
        seed: &packer::TopologySeed,
    ) -> bool {
        let (watched_off, others_off) = self.off_refs(pods, watched, others);
        let key = self.solve_key(&watched_off, &others_off, seed);
        if let Some(missed) = self.verdicts.missed(&key)
            && !self.check_invariants
        {
            return missed;
        }
        let off = self.off_pods(pods, watched, others);
        let stops = packer::Stops {
            watched: watched.len(),
            ..Default::default()
        };
        let alone =
            self.scheduler
                .schedule_draft_without_existing(&off, &self.snapshot.usage, stops, seed);
        self.keep_missed(key, alone.topology_missed);
        alone.topology_missed
    }

    /// The pods a quick probe left off the existing nodes, borrowed: candidate pods at
    /// positions `watched` in `pods`, and pending pods at positions `others`.
    fn off_refs<'p>(
        &'p self,
        pods: &[&'p model::pod::Pod],
        watched: &[usize],
        others: &[usize],
    ) -> (Vec<&'p model::pod::Pod>, Vec<&'p model::pod::Pod>) {
        (
            watched.iter().map(|&i| pods[i]).collect(),
            others.iter().map(|&j| &self.snapshot.pending[j]).collect(),
        )
    }

    /// The pods a quick probe left off the existing nodes: candidate pods at positions
    /// `watched` in `pods`, then pending pods at positions `others`.
    fn off_pods(
        &self,
        pods: &[&model::pod::Pod],
        watched: &[usize],
        others: &[usize],
    ) -> Vec<model::pod::Pod> {
        watched
            .iter()
            .map(|&i| (*pods[i]).clone())
            .chain(others.iter().map(|&j| self.snapshot.pending[j].clone()))
            .collect()
    }

    /// What a probe's draft solve says: the candidate pods' bindings and unschedulable
    /// pods, then its claims (launches chosen only for a probe that passes the rest);
    /// and whether its claims decided it (a refusal then names no pod).
    fn outcome_of(
        &mut self,
        nodes: &[NodeId],
        pods: &[&model::pod::Pod],
        max_claims: usize,
        draft: packer::Draft,
    ) -> (Outcome, bool) {
        let allow_many = max_claims == usize::MAX;
        // Membership by a per-probe stamp on each pod id: sorting thousands of ids per
        // multi-node probe was a tenth of a large day.
        self.probe_stamp += 1;
        let stamp = self.probe_stamp;
        if self.probe_marks.len() < self.state.pods.len() {
            self.probe_marks.resize(self.state.pods.len(), 0);
        }
        for p in pods {
            self.probe_marks[p.id.index()] = stamp;
        }
        let marks = &self.probe_marks;
        let is_candidate = |p: &model::PodId| marks.get(p.index()) == Some(&stamp);
        let out = &draft.output;
        // A candidate pod landing on a node that is still launching counts as a failure
        // (`helpers.go: SimulateScheduling`, `UninitializedNodeError`). When several pods
        // fail, Karpenter's message lists them in map order; ours names the first pod
        // that would wait, else the first in queue order that fits nowhere (not in the
        // solve's retry order, which a solve of only the pods off existing nodes may
        // rotate).
        for b in &out.bindings {
            if is_candidate(&b.pod)
                && let NodeRef::Node(id) = b.node
                && (self.state.node(id).phase == NodePhase::Launching || nodes.contains(&id))
            {
                return (self.waits(b.pod), false);
            }
        }
        if let Some(u) = out
            .unschedulable
            .iter()
            .filter(|u| is_candidate(&u.pod))
            .min_by_key(|u| packer::queue_key(&self.state.pod(u.pod).pod))
        {
            let why = format!(
                "pod {} would not fit elsewhere: {}",
                self.state.pod(u.pod).pod.name,
                u.reason
            );
            return (Outcome::Blocked(why), false);
        }
        let over_claims = draft.over_claims;
        let claims: Vec<packer::DraftClaim> = draft
            .claims
            .into_iter()
            .filter(|c| !allow_many || c.pods().iter().any(is_candidate))
            .collect();
        if claims.is_empty() {
            return (Outcome::Delete, false);
        }
        if over_claims || claims.len() > max_claims {
            return (too_many_claims(max_claims), true);
        }
        let claims = claims
            .into_iter()
            .map(|c| self.scheduler.finalize(c))
            .collect();
        (Outcome::Replace(claims), true)
    }

    /// The full solve of a probe: the candidates' pods (in queue order) and the pending
    /// pods on the snapshot without `nodes`.
    fn solve_all_on_snapshot(
        &mut self,
        pods: &[&model::pod::Pod],
        nodes: &[NodeId],
        max_claims: usize,
    ) -> packer::Draft {
        let mut all = Vec::with_capacity(pods.len() + self.snapshot.pending.len());
        all.extend(pods.iter().map(|p| (*p).clone()));
        all.extend(self.snapshot.pending.iter().cloned());
        let stops = probe_stops(nodes, max_claims, pods.len());
        self.solve_on_snapshot(&all, nodes, stops)
    }
}

/// A probe whose pods (with the pending pods) need more new nodes than consolidation may
/// launch. The count is not given: the solve stops at the first claim too many.
fn too_many_claims(max_claims: usize) -> Outcome {
    Outcome::Blocked(if max_claims == 1 {
        "its pods would need more than one new node; consolidation replaces with at most one".into()
    } else {
        format!(
            "its pods would need more than {max_claims} new nodes; the repacking what-if allows at most {max_claims}"
        )
    })
}
