//! Karpenter's disruption controller (`pkg/controllers/disruption/`): every 10 s, try the
//! methods in the version's order and act on the first that produces a command.
//!
//! * v0.37: Expiration → Drift → Emptiness → MultiNode → SingleNode;
//!   v1: Emptiness → Drift → MultiNode → SingleNode (v1.5+ order; expiration is forceful,
//!   see [`Simulation::expire_node`]).
//! * Candidates: initialized NodePool nodes, not nominated, not being disrupted, without
//!   do-not-disrupt pods, whose pods' PDBs allow eviction, past `consolidateAfter`
//!   (`types.go: NewCandidate`).
//! * Order: disruption cost ascending (`consolidation.go: sortCandidates`, v1.0–v1.13).
//! * Multi-node: binary search over at most 100 candidates for the longest prefix that can
//!   be deleted or replaced by one cheaper node (N → 0 or N → 1).
//! * Single-node: the first candidate that can be deleted or replaced by a cheaper node.
//! * Replacements only when the worst-case launch price is strictly below the candidates'.
//! * Every command waits 15 s and is re-simulated; it proceeds only if the answer holds.
//! * Budgets per NodePool and reason cap nodes disrupted at once.
//! * Replacements launch first; candidates drain once every replacement is ready.

use std::sync::Arc;

use model::nodepool::{ConsolidationPolicy, DisruptionReason, allowed_disruptions};
use model::price::UsdPerHour;
use model::{NodeId, SimDuration, SimTime};
use packer::NewClaim;

use crate::config::KarpenterVersion;
use crate::output::{DecisionRecord, EventKind, Provisioner};
use crate::sim::{Event, Simulation};
use crate::state::NodePhase;

pub const POLL_INTERVAL: SimDuration = SimDuration(10_000);
/// `commandValidationDelay` (`validation.go`).
pub const VALIDATION_DELAY: SimDuration = SimDuration(15_000);
/// `IsConsolidated` forces a re-check at least this often.
const FORCE_RECHECK: SimDuration = SimDuration(5 * 60_000);
/// `MaxParallel` candidates for multi-node consolidation.
const MULTI_NODE_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Expiration,
    Drift,
    Emptiness,
    MultiNode,
    SingleNode,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Expiration => "Expiration",
            Method::Drift => "Drift",
            Method::Emptiness => "Emptiness",
            Method::MultiNode => "MultiNodeConsolidation",
            Method::SingleNode => "SingleNodeConsolidation",
        }
    }

    pub(crate) fn reason(self) -> DisruptionReason {
        match self {
            Method::Emptiness => DisruptionReason::Empty,
            Method::Drift | Method::Expiration => DisruptionReason::Drifted,
            _ => DisruptionReason::Underutilized,
        }
    }
}

/// How a method spends a NodePool's disruption budget on its candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BudgetUse {
    /// One command may take many candidates, one unit each: only each pool's first
    /// `left` candidates are considered (emptiness, multi-node).
    PerCandidate,
    /// A command takes one candidate: every candidate of a pool with any room left is
    /// considered, in order ("We don't need to decrement any budget counter since single
    /// node consolidation commands can only have one candidate": single-node, and drift's
    /// busy nodes).
    PerCommand,
}

/// What a scheduling simulation says about removing some nodes.
#[derive(Debug, Clone)]
pub enum Outcome {
    Delete,
    /// Replace with these claims (one for consolidation; any number for drift).
    Replace(Vec<NewClaim>),
    Blocked(String),
}

/// A decided command, waiting for validation or for its replacements.
#[derive(Debug, Clone)]
pub struct Command {
    pub method: Method,
    pub candidates: Vec<NodeId>,
    pub outcome: Outcome,
    pub replacements: Vec<NodeId>,
}

impl Simulation<'_> {
    /// Queues the next disruption poll on the 10 s grid.
    pub fn arm_disruption(&mut self) {
        if self.disruption_queued || !self.karpenter_enabled || self.cfg.nodepools.is_empty() {
            return;
        }
        let now = self.queue.now();
        let k = now
            .0
            .saturating_sub(self.cfg.start.0)
            .div_ceil(POLL_INTERVAL.0);
        self.disruption_queued = true;
        self.queue.schedule_late(
            SimTime(self.cfg.start.0 + k * POLL_INTERVAL.0).max(now),
            Event::DisruptionPoll,
        );
    }

    pub fn disruption_poll(&mut self, now: SimTime) {
        self.disruption_queued = false;
        if !self.karpenter_enabled {
            return;
        }
        // A command in validation blocks the controller, as Karpenter's loop does.
        if self.validating.is_none() {
            self.disruption_pass(now);
        }
        // With no NodePool node there is nothing to disrupt until one becomes ready (which
        // re-arms the poll); skipping those polls cannot change any decision.
        let watching = self.poll_every_tick
            || self.validating.is_some()
            || !self.commands.is_empty()
            || self.state.live_nodes().any(|n| n.nodepool.is_some());
        let next = now.saturating_add(POLL_INTERVAL);
        if watching && next <= self.end {
            self.disruption_queued = true;
            self.queue.schedule_late(next, Event::DisruptionPoll);
        }
    }

    pub(crate) fn disruption_pass(&mut self, now: SimTime) {
        let order: &[Method] = match self.cfg.karpenter.version {
            KarpenterVersion::V0_37 => &[
                Method::Expiration,
                Method::Drift,
                Method::Emptiness,
                Method::MultiNode,
                Method::SingleNode,
            ],
            KarpenterVersion::V1 => &[
                Method::Emptiness,
                Method::Drift,
                Method::MultiNode,
                Method::SingleNode,
            ],
        };
        // `IsConsolidated`: an unchanged cluster gives the same (no-op) answer.
        let mut unchanged = !self.poll_every_tick
            && self.last_noop_version == Some(self.state.version)
            && now.since(self.last_noop_evaluated_at) < FORCE_RECHECK
            && !self.time_changed_candidates(self.last_noop_at, now);
        // One snapshot per pass, shared by every method's simulations.
        self.snapshot.release();
        // Before v1.14, consolidation candidates are sorted by eviction cost × remaining
        // lifetime, so with `expireAfter` their order drifts with time alone; the order
        // decides which candidates the budgets let through and which single-node tries
        // first.
        let order_ages = !self.cfg.karpenter.v1_14
            && self.cfg.nodepools.iter().any(|p| p.expire_after.is_some());
        let mut candidate_order = None;
        if unchanged && order_ages {
            let now_order = self.consolidation_order(now);
            unchanged = now_order == self.last_noop_order;
            candidate_order = Some(now_order);
        }
        let result = self.first_command(now, order, unchanged);
        // The order just compared, if any, is the one this pass evaluated.
        let evaluated_order = (order_ages && !unchanged && result.is_none())
            .then(|| candidate_order.unwrap_or_else(|| self.consolidation_order(now)));
        self.snapshot.release();
        if let Some(cmd) = result {
            self.validating = Some(cmd);
            self.queue.schedule(
                now.saturating_add(VALIDATION_DELAY),
                Event::DisruptionValidate,
            );
            return;
        }
        if !unchanged {
            self.last_noop_evaluated_at = now;
        }
        if let Some(order) = evaluated_order {
            self.last_noop_order = order;
        }
        self.last_noop_version = Some(self.state.version);
        self.last_noop_at = now;
    }

    fn first_command(
        &mut self,
        now: SimTime,
        order: &[Method],
        unchanged: bool,
    ) -> Option<Command> {
        for &method in order {
            if unchanged
                && matches!(
                    method,
                    Method::Emptiness | Method::MultiNode | Method::SingleNode
                )
            {
                continue;
            }
            if let Some(cmd) = self.compute(now, method) {
                return Some(cmd);
            }
        }
        None
    }

    /// A pool's budgets (after `set_budgets`), its ready nodes, and how many of them are
    /// being disrupted now: what every budget decision reads.
    fn budget_view(&self, pool: usize) -> (&[model::nodepool::Budget], u32, u32) {
        let budgets = self.budgets_of(pool);
        let (mut total, mut disrupting) = (0u32, 0u32);
        for n in self.state.live_nodes().filter(|n| n.nodepool == Some(pool)) {
            total += u32::from(n.phase == NodePhase::Ready);
            disrupting += u32::from(n.disrupting || n.phase == NodePhase::Deleting);
        }
        (budgets, total, disrupting)
    }

    /// A pool's budgets, after `set_budgets`.
    fn budgets_of(&self, pool: usize) -> &[model::nodepool::Budget] {
        self.budget_override[pool]
            .as_deref()
            .unwrap_or(&self.cfg.nodepools[pool].disruption.budgets)
    }

    /// How many more nodes of `pool` may be disrupted for `reason` now, with the pool's
    /// ready nodes and how many of them are being disrupted.
    fn budget_left(&self, now: SimTime, pool: usize, reason: DisruptionReason) -> (u32, u32, u32) {
        let (budgets, total, disrupting) = self.budget_view(pool);
        let left = allowed_disruptions(budgets, reason, total, now).saturating_sub(disrupting);
        (left, total, disrupting)
    }

    /// Orders candidates (`(sort key, node)`, in any order) and keeps those the budgets
    /// let `method` consider, as `spend` says. Blocked candidates are logged once per pool
    /// and pass, not one by one, naming the first in order. Keys are unique with the node
    /// id, so ordering only each pool's first `budget` (a selection, then a sort of those)
    /// gives the same list as sorting them all.
    fn within_budget(
        &mut self,
        now: SimTime,
        method: Method,
        candidates: Vec<(u64, NodeId)>,
        spend: BudgetUse,
    ) -> Vec<NodeId> {
        let pools = self.cfg.nodepools.len();
        let by_pool: Vec<Vec<(u64, NodeId)>> = if pools == 1 {
            vec![candidates]
        } else {
            let mut by_pool = vec![Vec::new(); pools];
            for c in candidates {
                let pool = self.state.node(c.1).nodepool.unwrap_or(0);
                by_pool[pool].push(c);
            }
            by_pool
        };
        let mut kept: Vec<(u64, NodeId)> = Vec::new();
        let mut blocked: Vec<(usize, NodeId, usize, u32, u32)> = Vec::new();
        for (pool, mut list) in by_pool.into_iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let (left, total, in_use) = self.budget_left(now, pool, method.reason());
            let left = match spend {
                BudgetUse::PerCommand if left > 0 => usize::MAX,
                _ => left as usize,
            };
            if list.len() > left {
                list.select_nth_unstable(left);
                blocked.push((pool, list[left].1, list.len() - left, total, in_use));
                list.truncate(left);
            }
            if kept.is_empty() {
                kept = list;
            } else {
                kept.extend(list);
            }
        }
        kept.sort_unstable();
        for (pool, first, waiting, total, in_use) in blocked {
            let budgets = self.budgets_of(pool);
            let shown: Vec<String> = budgets.iter().map(|b| b.nodes.to_string()).collect();
            let reason = format!(
                "budget [{}] of NodePool {} is used up for {} ({in_use} of {total} nodes being disrupted); {waiting} candidates wait",
                shown.join(", "),
                self.cfg.nodepools[pool].name,
                method.reason(),
            );
            self.decide(now, method, first, "blocked", reason);
        }
        kept.into_iter().map(|(_, id)| id).collect()
    }

    fn decide(
        &mut self,
        t: SimTime,
        method: Method,
        node: NodeId,
        outcome: &'static str,
        reason: String,
    ) {
        if self.last_decision.len() <= node.index() {
            self.last_decision.resize(self.state.nodes.len(), None);
        }
        let method = method.name();
        // A node refused pass after pass for the same reason is one record: a 600-node day
        // repeats about half of its million decisions word for word. Every record about a
        // node shares its name; only its first makes it.
        let mut name = None;
        if let Some(d) = self.last_decision[node.index()].and_then(|i| self.decisions.get_mut(i)) {
            if d.method == method && d.outcome == outcome && d.reason == reason {
                d.until = t;
                d.passes += 1;
                return;
            }
            name = Some(d.node.clone());
        }
        let name = name.unwrap_or_else(|| Arc::from(self.state.node(node).name.as_str()));
        let nodepool: Arc<str> = match self.state.node(node).nodepool {
            Some(p) => self.pool_names[p].clone(),
            None => Arc::from(""),
        };
        let mut reason = reason;
        // Formatting leaves slack; a large day keeps millions of these.
        reason.shrink_to_fit();
        self.last_decision[node.index()] = Some(self.decisions.len());
        self.decisions.push(DecisionRecord {
            t,
            until: t,
            passes: 1,
            method,
            node: name,
            nodepool,
            outcome,
            reason,
        });
    }

    /// Multi-node and single-node consolidation's candidates, computed once per pass.
    fn consolidation_candidates(&mut self, now: SimTime) -> Vec<(u64, NodeId)> {
        match &self.snapshot.consolidation_candidates {
            Some(c) => c.clone(),
            None => {
                let c = self.candidates(now, Method::MultiNode);
                self.snapshot.consolidation_candidates = Some(c.clone());
                c
            }
        }
    }

    /// The consolidation candidates in the order the methods consider them.
    fn consolidation_order(&mut self, now: SimTime) -> Vec<NodeId> {
        let mut all = self.consolidation_candidates(now);
        all.sort_unstable();
        all.into_iter().map(|(_, id)| id).collect()
    }

    fn compute(&mut self, now: SimTime, method: Method) -> Option<Command> {
        let all = if matches!(method, Method::MultiNode | Method::SingleNode) {
            self.consolidation_candidates(now)
        } else {
            self.candidates(now, method)
        };
        // v1.0+ consolidation leaves empty nodes to emptiness, even when emptiness's
        // budget held them back, and they take no multi-node budget
        // (`multinodeconsolidation.go`, `singlenodeconsolidation.go`; v0.37 has no
        // per-reason budgets and considers them).
        let mut all = all;
        if self.cfg.karpenter.version == KarpenterVersion::V1
            && matches!(method, Method::MultiNode | Method::SingleNode)
        {
            all.retain(|(_, id)| !self.state.node(*id).pods.is_empty());
        }
        if all.is_empty() {
            return None;
        }
        let spend = match method {
            Method::Emptiness | Method::MultiNode => BudgetUse::PerCandidate,
            Method::SingleNode | Method::Drift | Method::Expiration => BudgetUse::PerCommand,
        };
        let candidates = self.within_budget(now, method, all, spend);
        let command = |candidates: Vec<NodeId>, outcome| Command {
            method,
            candidates,
            outcome,
            replacements: Vec::new(),
        };
        match method {
            Method::Emptiness => {
                let empty: Vec<NodeId> = candidates
                    .into_iter()
                    .filter(|id| self.state.node(*id).pods.is_empty())
                    .collect();
                if empty.is_empty() {
                    return None;
                }
                for id in &empty {
                    self.decide(
                        now,
                        method,
                        *id,
                        "deleted",
                        "empty: no pods besides DaemonSets".into(),
                    );
                }
                Some(command(empty, Outcome::Delete))
            }
            Method::Drift | Method::Expiration => {
                // Empty ones first, all at once, each taking one unit of its pool's
                // budget; else busy ones one at a time (`drift.go`, `expiration.go`).
                let (empty, busy): (Vec<NodeId>, Vec<NodeId>) = candidates
                    .into_iter()
                    .partition(|id| self.state.node(*id).pods.is_empty());
                let mut room: Vec<Option<u32>> = vec![None; self.cfg.nodepools.len()];
                let empty: Vec<NodeId> = empty
                    .into_iter()
                    .filter(|id| {
                        let pool = self.state.node(*id).nodepool.unwrap_or(0);
                        let left = room[pool]
                            .get_or_insert_with(|| self.budget_left(now, pool, method.reason()).0);
                        let fits = *left > 0;
                        *left = left.saturating_sub(1);
                        fits
                    })
                    .collect();
                if !empty.is_empty() {
                    return Some(command(empty, Outcome::Delete));
                }
                for id in busy {
                    match self.simulate(&[id], usize::MAX).outcome {
                        Outcome::Blocked(why) => self.decide(now, method, id, "blocked", why),
                        outcome => {
                            self.decide(
                                now,
                                method,
                                id,
                                "replaced",
                                format!("{}: its pods move elsewhere", method.reason()),
                            );
                            return Some(command(vec![id], outcome));
                        }
                    }
                }
                None
            }
            Method::MultiNode => self.multi_node(now, candidates),
            Method::SingleNode => {
                let free_total = self.free_capacity_total();
                for id in candidates {
                    if let Some(why) = self.cannot_consolidate(&[id], &free_total) {
                        self.decide(now, method, id, "kept", why);
                        continue;
                    }
                    match self.consolidate(&[id]) {
                        Outcome::Blocked(why) => self.decide(now, method, id, "kept", why),
                        outcome => {
                            let text = self.describe(&[id], &outcome);
                            self.decide(now, method, id, outcome_word(&outcome), text);
                            return Some(command(vec![id], outcome));
                        }
                    }
                }
                None
            }
        }
    }

    /// `firstNConsolidationOption`: binary search for the longest workable prefix.
    fn multi_node(&mut self, now: SimTime, candidates: Vec<NodeId>) -> Option<Command> {
        let candidates: Vec<NodeId> = candidates.into_iter().take(MULTI_NODE_MAX + 1).collect();
        if candidates.len() < 2 {
            return None;
        }
        let (mut lo, mut hi) = (1usize, (candidates.len() - 1).min(MULTI_NODE_MAX));
        let mut best: Option<(Vec<NodeId>, Outcome)> = None;
        let free_total = self.free_capacity_total();
        while lo <= hi {
            let mid = (lo + hi) / 2;
            let prefix = &candidates[..=mid];
            let outcome = match self.cannot_consolidate(prefix, &free_total) {
                Some(why) => Outcome::Blocked(why),
                None => self.consolidate(prefix),
            };
            match outcome {
                Outcome::Blocked(_) => hi = mid - 1,
                outcome => {
                    best = Some((prefix.to_vec(), outcome));
                    lo = mid + 1;
                }
            }
        }
        let (nodes, outcome) = best?;
        let text = self.describe(&nodes, &outcome);
        for id in &nodes {
            self.decide(
                now,
                Method::MultiNode,
                *id,
                outcome_word(&outcome),
                format!("consolidated with {} other nodes: {text}", nodes.len() - 1),
            );
        }
        Some(Command {
            method: Method::MultiNode,
            candidates: nodes,
            outcome,
            replacements: Vec::new(),
        })
    }

    /// Free capacity of every initialized, schedulable node, summed once per pass (the
    /// cluster does not change while a pass decides).
    fn free_capacity_total(&mut self) -> model::Resources {
        if let Some(total) = self.snapshot.free_total {
            return total;
        }
        let total = self
            .state
            .live_nodes()
            .filter(|n| n.is_schedulable())
            .fold(model::Resources::ZERO, |acc, n| {
                acc.saturating_add(&n.free())
            });
        self.snapshot.free_total = Some(total);
        total
    }

    /// A cheap necessary condition for consolidating `ids`, so hopeless probes skip the
    /// full simulation with the same answer. Whatever of their pods cannot fit in the
    /// other initialized nodes' free capacity (summed, so fragmentation is ignored) must
    /// go to the one replacement, and that must be a type of some NodePool holding it
    /// (daemonsets ignored) with an offering strictly cheaper than the candidates.
    fn cannot_consolidate(&self, ids: &[NodeId], free_total: &model::Resources) -> Option<String> {
        let mut requests = model::Resources::ZERO;
        let mut free_here = model::Resources::ZERO;
        let mut price = 0u64;
        for id in ids {
            let n = self.state.node(*id);
            n.nodepool?;
            requests = requests.saturating_add(&n.requested.saturating_sub(&n.daemon_overhead));
            if n.is_schedulable() {
                free_here = free_here.saturating_add(&n.free());
            }
            price = price.saturating_add(n.price.0);
        }
        let price = UsdPerHour(price);
        let free_elsewhere = free_total.saturating_sub(&free_here);
        let must_move = requests.saturating_sub(&free_elsewhere);
        if must_move.is_zero() {
            return None;
        }
        if self.cheaper_type_holds(&must_move, price) {
            return None;
        }
        Some(format!(
            "no cheaper replacement: other nodes lack room for {must_move} of its pods, and no type cheaper than {price} holds that"
        ))
    }

    /// Whether some NodePool type could hold `demand` (in its allocatable, before
    /// daemonsets) with an available offering strictly cheaper than `price`: what the one
    /// replacement of nodes costing `price` needs, whatever its requirements.
    pub(crate) fn cheaper_type_holds(&self, demand: &model::Resources, price: UsdPerHour) -> bool {
        self.pool_types.iter().flatten().any(|t| {
            demand.fits_in(&t.allocatable)
                && t.offerings.iter().any(|o| o.available && o.price < price)
        })
    }

    fn describe(&self, nodes: &[NodeId], outcome: &Outcome) -> String {
        let price = self.price_of(nodes);
        match outcome {
            Outcome::Delete if nodes.iter().all(|n| self.state.node(*n).pods.is_empty()) => {
                format!("empty; saves {price}")
            }
            Outcome::Delete => format!("its pods fit on other nodes; saves {price}"),
            Outcome::Replace(claims) => {
                let new = launch_price(claims).0;
                let names: Vec<String> = claims
                    .iter()
                    .filter_map(|c| c.launch.as_ref())
                    .map(|l| l.instance_type_name.clone())
                    .collect();
                format!(
                    "replaced by {} ({}) at {}; saves {}",
                    names.join(", "),
                    if names.len() == 1 { "1 node" } else { "nodes" },
                    UsdPerHour(new),
                    UsdPerHour(price.0.saturating_sub(new))
                )
            }
            Outcome::Blocked(w) => w.clone(),
        }
    }

    pub(crate) fn price_of(&self, nodes: &[NodeId]) -> UsdPerHour {
        UsdPerHour(nodes.iter().map(|n| self.state.node(*n).price.0).sum())
    }

    /// `computeConsolidation`: delete, replace by one strictly cheaper node, or no.
    fn consolidate(&mut self, nodes: &[NodeId]) -> Outcome {
        let outcome = self.consolidate_unscored(nodes);
        let balanced = nodes.iter().any(|n| {
            self.state.node(*n).nodepool.is_some_and(|p| {
                self.cfg.nodepools[p].disruption.consolidation_policy
                    == ConsolidationPolicy::Balanced
            })
        });
        if !balanced {
            return outcome;
        }
        let new: u64 = match &outcome {
            Outcome::Delete => 0,
            Outcome::Replace(claims) => launch_price(claims).0,
            Outcome::Blocked(_) => return outcome,
        };
        let savings = self.price_of(nodes).0.saturating_sub(new);
        match self.balanced_approves(nodes, savings) {
            Ok(()) => outcome,
            Err(why) => Outcome::Blocked(why),
        }
    }

    fn consolidate_unscored(&mut self, nodes: &[NodeId]) -> Outcome {
        // The N → M what-if (off by default, never part of a Karpenter profile).
        let max_claims = if self.cfg.what_if.repack_n_to_m {
            nodes.len().saturating_sub(1).max(1)
        } else {
            1
        };
        let simulated = self.simulate(nodes, max_claims);
        let outcome = match simulated.outcome {
            Outcome::Replace(claims) if claims.len() > 1 => self.repack(nodes, claims),
            Outcome::Replace(mut claims) => {
                let Some(claim) = claims.pop() else {
                    return Outcome::Delete;
                };
                let current = self.price_of(nodes);
                let all_spot = nodes.iter().all(|n| {
                    self.state.node(*n).capacity_type == model::instance::CapacityType::Spot
                });
                match self.cheaper_launch(claim, current, nodes, all_spot) {
                    Ok(c) => Outcome::Replace(vec![c]),
                    Err(why) => Outcome::Blocked(why),
                }
            }
            other => other,
        };
        if simulated.no_cheaper_type && !matches!(outcome, Outcome::Blocked(_)) {
            let what = format!(
                "a multi-node probe found no type cheaper than its candidates for their pods, yet the replacement rule answered {outcome:?}"
            );
            self.state.invariant_marks.note_violation(what);
        }
        if let Some(key) = simulated.verdict_key {
            self.keep_verdict(key, &outcome);
        }
        outcome
    }

    /// The N → M what-if: `nodes` replaced by fewer, cheaper nodes in total, each at its
    /// cheapest launch. Karpenter never does this (`computeConsolidation` allows one
    /// replacement); it quantifies what the N → 0/1 rule leaves on the table.
    fn repack(&self, nodes: &[NodeId], claims: Vec<NewClaim>) -> Outcome {
        let current = self.price_of(nodes);
        let new = launch_price(&claims);
        if claims.iter().any(|c| c.launch.is_none()) {
            return Outcome::Blocked("a repacked node has no launchable offering".into());
        }
        if new < current {
            Outcome::Replace(claims)
        } else {
            Outcome::Blocked(format!(
                "repacking into {} nodes costs {new} ≥ {current}",
                claims.len()
            ))
        }
    }

    /// 15 s after a decision: re-check and start it, or abort.
    pub fn disruption_validate(&mut self, now: SimTime) {
        let Some(cmd) = self.validating.take() else {
            return;
        };
        self.snapshot.release();
        let valid_nodes = self.all_candidates(now, cmd.method, &cmd.candidates);
        // `validation.go: ValidateCandidates` also re-checks budgets: nodes that started
        // disrupting during the wait, or a budget that shrank, fail the command.
        let within_budget = (0..self.cfg.nodepools.len()).all(|pool| {
            let here = cmd
                .candidates
                .iter()
                .filter(|c| self.state.node(**c).nodepool == Some(pool))
                .count() as u32;
            here == 0 || here <= self.budget_left(now, pool, cmd.method.reason()).0
        });
        let same = valid_nodes
            && within_budget
            && match (&cmd.outcome, cmd.method) {
                (Outcome::Delete, Method::Emptiness) => cmd
                    .candidates
                    .iter()
                    .all(|c| self.state.node(*c).pods.is_empty()),
                // Karpenter starts drift at once; karpsim waits like consolidation, so what
                // the drifted node's pods need is asked again when the wait ends (a launch
                // in between may have used the pool's limits). Empty ones need nothing.
                (Outcome::Delete, Method::Drift | Method::Expiration)
                    if cmd
                        .candidates
                        .iter()
                        .all(|c| self.state.node(*c).pods.is_empty()) =>
                {
                    true
                }
                (Outcome::Delete, _) => matches!(self.recheck(&cmd), Outcome::Delete),
                (Outcome::Replace(before), _) => match self.recheck(&cmd) {
                    // The new options must include every option decided on.
                    Outcome::Replace(after) => {
                        after.len() == before.len()
                            && after.iter().zip(before).all(|(a, b)| {
                                b.instance_type_options
                                    .iter()
                                    .all(|t| a.instance_type_options.contains(t))
                            })
                    }
                    _ => false,
                },
                (Outcome::Blocked(_), _) => false,
            };
        if !same {
            self.abort(
                now,
                &cmd,
                "the cluster changed during the 15 s validation; the decision no longer holds",
                "after validation",
            );
            return;
        }
        self.start_command(now, cmd);
    }

    /// A command's decision made again now, as its method makes it.
    fn recheck(&mut self, cmd: &Command) -> Outcome {
        match cmd.method {
            Method::Drift | Method::Expiration => {
                self.simulate(&cmd.candidates, usize::MAX).outcome
            }
            _ => self.consolidate(&cmd.candidates),
        }
    }

    /// Records a command that will not run: a decision per candidate and one event.
    fn abort(&mut self, now: SimTime, cmd: &Command, reason: &str, when: &str) {
        for c in &cmd.candidates {
            self.decide(now, cmd.method, *c, "aborted", reason.into());
        }
        let names: Vec<String> = cmd
            .candidates
            .iter()
            .map(|c| self.state.node(*c).name.clone())
            .collect();
        self.log(
            now,
            EventKind::DisruptionAborted,
            Some(Provisioner::Karpenter),
            None,
            None,
            None,
            format!(
                "{} of {} aborted {when}",
                cmd.method.name(),
                names.join(", ")
            ),
        );
    }

    fn start_command(&mut self, now: SimTime, mut cmd: Command) {
        let names: Vec<String> = cmd
            .candidates
            .iter()
            .map(|c| self.state.node(*c).name.clone())
            .collect();
        let text = self.describe(&cmd.candidates, &cmd.outcome);
        // Replacements need capacity; without it the command fails and nothing is drained.
        let mut launches = Vec::new();
        if let Outcome::Replace(claims) = &cmd.outcome {
            for claim in claims {
                let Some(l) = self.launch_with_capacity(now, claim) else {
                    self.abort(
                        now,
                        &cmd,
                        "no offering of the replacement had capacity (InsufficientInstanceCapacity)",
                        "because its replacement could not launch",
                    );
                    return;
                };
                launches.push((claim.pool_index, l));
            }
        }
        for c in &cmd.candidates {
            // The `karpenter.sh/disrupted:NoSchedule` taint: no new pods land here.
            let n = &mut self.state.nodes[c.index()];
            n.disrupting = true;
            n.cordoned = true;
        }
        // The taint marks the candidates for deletion (`triggerConsolidationOnChange`):
        // they leave the scheduler's view and count against the budgets.
        self.state.version += 1;
        for (pool, launch) in launches {
            if let Some(node) = self.launch_karpenter_node(now, pool, &launch, None) {
                cmd.replacements.push(node);
            }
        }
        self.log(
            now,
            EventKind::DisruptionStarted,
            Some(Provisioner::Karpenter),
            None,
            None,
            None,
            format!("{}: {} ({text})", cmd.method.name(), names.join(", ")),
        );
        self.commands.push(cmd);
        self.advance_commands(now);
    }

    /// Drains the candidates of every command whose replacements are all ready.
    pub fn advance_commands(&mut self, now: SimTime) {
        let mut i = 0;
        while i < self.commands.len() {
            let ready = self.commands[i]
                .replacements
                .iter()
                .all(|r| self.state.node(*r).phase == NodePhase::Ready);
            let failed = self.commands[i]
                .replacements
                .iter()
                .any(|r| self.state.node(*r).phase == NodePhase::Terminated);
            if ready || failed {
                let cmd = self.commands.remove(i);
                let reason = format!("{}: {}", cmd.method.reason(), cmd.method.name());
                for c in cmd.candidates {
                    if failed {
                        let n = &mut self.state.nodes[c.index()];
                        n.disrupting = false;
                        n.cordoned = false;
                        // Unmarked for deletion (`triggerConsolidationOnChange`).
                        self.state.version += 1;
                    } else {
                        self.drain_and_terminate(now, c, &reason);
                    }
                }
            } else {
                i += 1;
            }
        }
    }

    /// v1 expiration: forceful deletion at `launched + expireAfter`, no budgets; the
    /// provisioner handles the evicted pods (`nodeclaim/expiration/controller.go`).
    pub fn expire_node(&mut self, now: SimTime, node: NodeId) {
        let n = self.state.node(node);
        if n.phase != NodePhase::Ready || n.disrupting {
            return;
        }
        self.decide(
            now,
            Method::Expiration,
            node,
            "deleted",
            "reached expireAfter; v1 expiration is forceful".into(),
        );
        self.drain_and_terminate(now, node, "Expired: expireAfter reached");
    }
}

fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Delete => "deleted",
        Outcome::Replace(_) => "replaced",
        Outcome::Blocked(_) => "kept",
    }
}

/// What the claims' chosen launches cost per hour together.
fn launch_price(claims: &[NewClaim]) -> UsdPerHour {
    UsdPerHour(
        claims
            .iter()
            .filter_map(|c| c.launch.as_ref())
            .map(|l| l.price.0)
            .sum(),
    )
}
