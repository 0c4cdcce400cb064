//! Invariants checked after every event in debug builds and tests, and in release with
//! `--check-invariants`:
//!
//! * structure: no pod lost or duplicated in the bookkeeping, no node over-committed, the
//!   pending set exact, NodePool limits held (in pools Karpenter built);
//! * the clock never runs backwards;
//! * every workload's live pods change only as its controller changes them (a reconcile
//!   to the desired count, a Job pod completing; an eviction is replaced at once), so no
//!   pod is ever lost;
//! * the cost integral (the cluster's $/h integrated over time, as observed after each
//!   event) equals Σ node lifetime × price;
//! * every voluntary disruption command is decided within its NodePools' budgets for its
//!   reason, counting the nodes already disrupting. Budgets cap nodes disrupting at once,
//!   not a rate, and may shrink later (a schedule, fewer nodes), so the check is at the
//!   decision, never "at all times";
//! * a consolidation that replaces nodes makes the cluster strictly cheaper;
//! * no voluntary eviction (one through the Eviction API) leaves a PDB violated;
//! * kube-scheduler's topology views, kept current as a pass binds pods, equal a new
//!   sweep of the cluster (noted by the pass, reported after the event).
//!
//! The last four compare the state after an event with what the checker saw after the
//! previous one ([`Marks`]).

use model::nodepool::{DisruptionReason, allowed_disruptions};
use model::workload::PodDisruptionBudget;
use model::{NodeId, PodId, Resources, SimTime};

use crate::config::WorkloadKind;
use crate::error::EngineError;
use crate::output::EventKind;
use crate::sim::Simulation;
use crate::state::{ClusterState, NodePhase, PodPhase};
use packer::pod_demand;

/// What the checker remembers from one event to the next.
#[derive(Debug, Default)]
pub struct Marks {
    started: bool,
    last_now: SimTime,
    /// Events and nodes already seen (the run only appends to both).
    events_seen: usize,
    nodes_seen: usize,
    /// The command in validation at the last check (method, candidates).
    deciding: Option<(&'static str, Vec<NodeId>)>,
    /// Per node: part of a disruption command at the last check.
    disrupting: Vec<bool>,
    /// Per workload: live pods at the last check.
    live: Vec<usize>,
    /// Sum of the prices of the nodes that existed at the last check (nano-dollars/h).
    rate: u128,
    /// ∫ cluster price dt since the start, in nano-dollars × ms / h.
    cost_integral: u128,
    /// A violation a controller found while handling the event (reported by the check
    /// after it).
    noted: Option<String>,
}

impl Marks {
    /// Records what a controller found wrong in its own incremental state.
    pub fn note_violation(&mut self, what: String) {
        self.noted.get_or_insert(what);
    }
}

type Check = Result<(), EngineError>;

fn fail(now: SimTime, what: String) -> Check {
    Err(EngineError::Invariant { at: now, what })
}

pub fn check(sim: &mut Simulation, now: SimTime) -> Check {
    let mut marks = std::mem::take(&mut sim.state.invariant_marks);
    let result = check_all(sim, &mut marks, now);
    sim.state.invariant_marks = marks;
    result
}

fn check_all(sim: &Simulation, marks: &mut Marks, now: SimTime) -> Check {
    if let Some(what) = marks.noted.take() {
        return fail(now, what);
    }
    structure(&sim.state, sim.cfg, now)?;
    decided_within_budget(sim, marks, now)?;
    if !marks.started {
        // The first check sees the cluster as the run built it: take it as given.
        marks.started = true;
        marks.last_now = now;
        marks.cost_integral = lifetime_cost(sim, now);
    } else {
        if now < marks.last_now {
            return fail(
                now,
                format!("the clock ran backwards from {}", marks.last_now),
            );
        }
        let new_events = &sim.events[marks.events_seen.min(sim.events.len())..];
        marks.cost_integral += marks.rate * u128::from(now.since(marks.last_now).0);
        cost_integral(sim, marks, now)?;
        pods_kept(sim, marks, new_events, now)?;
        started_cheaper(sim, marks, new_events, now)?;
        voluntary_evictions(sim, new_events, now)?;
    }
    marks.last_now = now;
    marks.events_seen = sim.events.len();
    marks.nodes_seen = sim.state.nodes.len();
    marks.disrupting = sim.state.nodes.iter().map(|n| n.disrupting).collect();
    marks.live = sim
        .state
        .workload_pods
        .iter()
        .map(std::collections::BTreeSet::len)
        .collect();
    marks.rate = sim
        .state
        .nodes
        .iter()
        .filter(|n| n.exists())
        .map(|n| u128::from(n.price.0))
        .sum();
    Ok(())
}

/// Σ over nodes of price × time existed so far (billing starts with the run for nodes
/// older than it), in nano-dollars × ms / h.
fn lifetime_cost(sim: &Simulation, now: SimTime) -> u128 {
    sim.state
        .nodes
        .iter()
        .map(|n| {
            let from = n.launched_at.max(sim.cfg.start);
            let to = n.terminated_at.unwrap_or(now).min(now);
            u128::from(n.price.0) * u128::from(to.since(from).0)
        })
        .sum()
}

/// The integral of the observed cluster price equals Σ node lifetime × price: a node
/// exists exactly between its launch and termination times, at one price. (Billing then
/// rounds each lifetime up to whole seconds, at least 60: `metrics::billed`.)
fn cost_integral(sim: &Simulation, marks: &Marks, now: SimTime) -> Check {
    let direct = lifetime_cost(sim, now);
    if direct != marks.cost_integral {
        return fail(
            now,
            format!(
                "cost integral {} nano$·ms/h differs from Σ node lifetime × price {direct}",
                marks.cost_integral
            ),
        );
    }
    for n in &sim.state.nodes {
        if n.exists() == n.terminated_at.is_some() {
            return fail(
                now,
                format!(
                    "node {} is {:?} but its termination time is {:?}",
                    n.name, n.phase, n.terminated_at
                ),
            );
        }
    }
    Ok(())
}

/// The pod an event names (pods are named `<workload>-<id>`).
fn pod_of(state: &ClusterState, name: &str) -> Option<PodId> {
    let by_suffix = name
        .rsplit_once('-')
        .and_then(|(_, id)| id.parse::<u32>().ok())
        .map(PodId)
        .filter(|id| {
            state
                .pods
                .get(id.index())
                .is_some_and(|p| &*p.pod.name == name)
        });
    by_suffix.or_else(|| {
        state
            .pods
            .iter()
            .find(|p| &*p.pod.name == name)
            .map(|p| p.pod.id)
    })
}

/// Every live pod is listed once under its workload, and a workload's live count moves
/// only as its controller moves it.
fn pods_kept(
    sim: &Simulation,
    marks: &Marks,
    new_events: &[crate::output::EventRecord],
    now: SimTime,
) -> Check {
    let state = &sim.state;
    let mut listed = vec![false; state.pods.len()];
    for (w, pods) in state.workload_pods.iter().enumerate() {
        for p in pods {
            let ps = state.pod(*p);
            if ps.phase == PodPhase::Gone || ps.pod.workload.index() != w || listed[p.index()] {
                return fail(
                    now,
                    format!(
                        "pod {} is listed wrongly under workload {}",
                        ps.pod.name, sim.cfg.workloads[w].name
                    ),
                );
            }
            listed[p.index()] = true;
        }
        let bound = pods
            .iter()
            .filter(|p| matches!(state.pod(**p).phase, PodPhase::Bound(_)))
            .count() as u32;
        if bound != state.workload_bound[w] {
            return fail(
                now,
                format!(
                    "workload {} has {bound} bound pods but counts {}",
                    sim.cfg.workloads[w].name, state.workload_bound[w]
                ),
            );
        }
    }
    if let Some(ps) = state
        .pods
        .iter()
        .find(|p| p.phase != PodPhase::Gone && !listed[p.pod.id.index()])
    {
        return fail(
            now,
            format!("pod {} is live but not under its workload", ps.pod.name),
        );
    }
    let mut completed = vec![0usize; state.workload_pods.len()];
    for e in new_events
        .iter()
        .filter(|e| e.kind == EventKind::PodCompleted)
    {
        if let Some(p) = e.pod.as_deref().and_then(|n| pod_of(state, n)) {
            completed[state.pod(p).pod.workload.index()] += 1;
        }
    }
    for (w, spec) in sim.cfg.workloads.iter().enumerate() {
        let before = marks.live.get(w).copied().unwrap_or(0);
        let live = state.workload_pods[w].len();
        if live == before {
            continue;
        }
        let desired = sim.desired_replicas(w, now) as usize;
        let capped = sim.pods_capped && live < desired;
        let ok = match spec.kind {
            // A Job starts its pods once; after that only completions remove them.
            WorkloadKind::Job => {
                live + completed[w] == before || (before == 0 && (live == desired || capped))
            }
            _ => live == desired || capped,
        };
        if !ok {
            return fail(
                now,
                format!(
                    "workload {} went from {before} to {live} live pods outside its controller (desired {desired}, {} completed)",
                    spec.name, completed[w]
                ),
            );
        }
    }
    Ok(())
}

/// The budget reason of a disruption method (by its name, as `disruption.rs` maps them)
/// and whether it is a consolidation (whose replacements must be cheaper).
fn method_reason(method: &str) -> Option<(DisruptionReason, bool)> {
    match method {
        "Emptiness" => Some((DisruptionReason::Empty, true)),
        "Drift" | "Expiration" => Some((DisruptionReason::Drifted, false)),
        "MultiNodeConsolidation" | "SingleNodeConsolidation" => {
            Some((DisruptionReason::Underutilized, true))
        }
        _ => None,
    }
}

/// A command decided since the last check (the pass that chose it changes nothing else):
/// for each NodePool it touches, the nodes already disrupting plus its candidates there
/// stay within the pool's budget for its reason (`helpers.go:
/// BuildDisruptionBudgetMapping`: the budget over the pool's initialized nodes, minus
/// those being deleted or disrupted).
fn decided_within_budget(sim: &Simulation, marks: &mut Marks, now: SimTime) -> Check {
    let Some(cmd) = &sim.validating else {
        marks.deciding = None;
        return Ok(());
    };
    let method = cmd.method.name();
    if marks
        .deciding
        .as_ref()
        .is_some_and(|(m, c)| *m == method && *c == cmd.candidates)
    {
        return Ok(());
    }
    marks.deciding = Some((method, cmd.candidates.clone()));
    let state = &sim.state;
    let Some((reason, _)) = method_reason(method) else {
        return fail(now, format!("unknown disruption method {method}"));
    };
    let mut pools: Vec<usize> = cmd
        .candidates
        .iter()
        .filter_map(|n| state.node(*n).nodepool)
        .collect();
    pools.sort_unstable();
    pools.dedup();
    for pool in pools {
        let in_pool = || state.nodes.iter().filter(move |n| n.nodepool == Some(pool));
        let chosen = in_pool().filter(|n| cmd.candidates.contains(&n.id)).count() as u32;
        let total = in_pool().filter(|n| n.phase == NodePhase::Ready).count() as u32;
        let busy = in_pool()
            .filter(|n| n.exists() && (n.disrupting || n.phase == NodePhase::Deleting))
            .count() as u32;
        let budgets = sim.budget_override[pool]
            .as_deref()
            .unwrap_or(&sim.cfg.nodepools[pool].disruption.budgets);
        let allowed = allowed_disruptions(budgets, reason, total, now);
        if busy + chosen > allowed {
            let names: Vec<&str> = cmd
                .candidates
                .iter()
                .map(|n| state.node(*n).name.as_str())
                .collect();
            let shown: Vec<String> = budgets.iter().map(|b| b.nodes.to_string()).collect();
            return fail(
                now,
                format!(
                    "{method} chose {chosen} nodes of NodePool {} ({}) while {busy} of its {total} nodes were disrupting; its budgets [{}] allow {allowed} for {reason} now",
                    sim.cfg.nodepools[pool].name,
                    names.join(", "),
                    shown.join(", ")
                ),
            );
        }
    }
    Ok(())
}

/// A command that started since the last check: a consolidation's replacements (the
/// nodes its start launched) cost strictly less than the nodes they replace.
fn started_cheaper(
    sim: &Simulation,
    marks: &Marks,
    new_events: &[crate::output::EventRecord],
    now: SimTime,
) -> Check {
    let state = &sim.state;
    let started: Vec<NodeId> = state
        .nodes
        .iter()
        .filter(|n| n.disrupting && !marks.disrupting.get(n.id.index()).copied().unwrap_or(false))
        .map(|n| n.id)
        .collect();
    if started.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = started
        .iter()
        .map(|n| state.node(*n).name.as_str())
        .collect();
    let Some((_, consolidation)) = new_events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::DisruptionStarted)
        .and_then(|e| method_reason(e.message.split(':').next().unwrap_or("")))
    else {
        return fail(
            now,
            format!(
                "nodes {} became disrupting without a recognised DisruptionStarted event",
                names.join(", ")
            ),
        );
    };
    if !consolidation {
        return Ok(());
    }
    let before: u128 = started
        .iter()
        .map(|n| u128::from(state.node(*n).price.0))
        .sum();
    let after: u128 = state.nodes[marks.nodes_seen.min(state.nodes.len())..]
        .iter()
        .map(|n| u128::from(n.price.0))
        .sum();
    if after >= before {
        return fail(
            now,
            format!(
                "consolidating {} replaces {before} nano$/h with {after} nano$/h: not cheaper",
                names.join(", ")
            ),
        );
    }
    Ok(())
}

/// After each voluntary eviction (through the Eviction API) of a pod of a workload with a
/// PDB, the PDB still holds. Within one event nothing binds and every removed pod is
/// replaced at once, so the healthy count just after an eviction is today's plus the
/// workload's bound pods removed after it in the same event.
fn voluntary_evictions(
    sim: &Simulation,
    new_events: &[crate::output::EventRecord],
    now: SimTime,
) -> Check {
    let state = &sim.state;
    // (workload, was bound, voluntary, pod name) in order.
    let mut removals: Vec<(usize, bool, bool, &str)> = Vec::new();
    for e in new_events
        .iter()
        .filter(|e| e.kind == EventKind::PodEvicted)
    {
        let Some(name) = e.pod.as_deref() else {
            continue;
        };
        let Some(p) = pod_of(state, name) else {
            return fail(now, format!("evicted pod {name} does not exist"));
        };
        let w = state.pod(p).pod.workload.index();
        if sim.cfg.workloads[w].pdb.is_none() {
            continue;
        }
        let voluntary = !e.message.starts_with(crate::lifecycle::FORCED);
        removals.push((w, e.node.is_some(), voluntary, name));
    }
    let mut later_bound: Vec<(usize, u32)> = Vec::new();
    for &(w, bound, voluntary, name) in removals.iter().rev() {
        let after = later_bound
            .iter()
            .find(|(x, _)| *x == w)
            .map_or(0, |(_, c)| *c);
        let spec = &sim.cfg.workloads[w];
        if voluntary && let Some(limit) = spec.pdb {
            let live = &state.workload_pods[w];
            let healthy_now = live
                .iter()
                .filter(|p| matches!(state.pod(**p).phase, PodPhase::Bound(_)))
                .count() as u32;
            let healthy_after = healthy_now + after;
            let pdb = PodDisruptionBudget {
                name: spec.name.clone(),
                selector: model::labels::LabelSelector::default(),
                limit,
            };
            // It was allowed iff one more healthy pod would have allowed a disruption.
            if pdb.disruptions_allowed(live.len() as u32, healthy_after + 1) == 0 {
                return fail(
                    now,
                    format!(
                        "evicting {name} violated the PDB of {} ({:?}): {healthy_after} of {} pods healthy after it",
                        spec.name,
                        spec.pdb,
                        live.len()
                    ),
                );
            }
        }
        if bound {
            match later_bound.iter_mut().find(|(x, _)| *x == w) {
                Some((_, c)) => *c += 1,
                None => later_bound.push((w, 1)),
            }
        }
    }
    Ok(())
}

/// Bookkeeping and capacity: what must hold after any event on its own.
fn structure(state: &ClusterState, cfg: &crate::config::Scenario, now: SimTime) -> Check {
    let fail = |what: String| Err(EngineError::Invariant { at: now, what });
    if !state
        .live
        .iter()
        .copied()
        .eq(state.nodes.iter().filter(|n| n.exists()).map(|n| n.id))
    {
        return fail("the live-node index differs from the nodes not terminated".into());
    }
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
