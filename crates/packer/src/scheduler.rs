//! Karpenter's provisioning solve (`pkg/controllers/provisioning/scheduling/scheduler.go`),
//! with the same decisions and faster data structures:
//!
//! * pods sorted by CPU then memory descending, then creation time, then id
//!   (`queue.go: byCPUAndMemoryDescending`); a failed pod goes to the back of the queue and
//!   the solve stops when a whole cycle makes no progress;
//! * for each pod: the first existing node that fits (initialized first, then by name),
//!   else the in-flight claim with the fewest pods that can take it, else a new claim from
//!   the first NodePool in weight order that can (`scheduler.go: add`);
//! * claims keep a *set* of instance types that narrows as pods join (elastic bins);
//! * NodePool limits subtract the largest capacity among a new claim's options
//!   (`subtractMax`), and `limits.nodes` counts claims;
//! * preferences are relaxed one rung at a time when a pod fails (`preferences.go`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use model::ids::PodId;
use model::labels;
use model::pod::{Pod, PodSpec};
use model::requirements::{Operator, Requirement, Requirements};
use model::resources::{RESOURCE_KINDS, ResourceKind, Resources};
use model::taints::Taint;
use model::workload::DaemonSet;

use crate::bitset::Bitset;
use crate::demand::pod_demand;
use crate::existing::MaxTree;
use crate::input::{ExistingNode, PoolInput, ScheduleInput, VersionProfile};
use crate::launch::finalize;
use crate::output::{Binding, NewClaim, ScheduleOutput, Unschedulable};
use crate::pool_index::PoolIndex;
use crate::reason::{PoolRejection, summarize};
use crate::topology::{GroupKind, Topology};
use crate::variant::{Variant, ladder};

/// Taints a node carries only while it starts; Karpenter assumes pods will tolerate them
/// on uninitialized nodes ("should assume pod will schedule to a node with ephemeral taint").
const EPHEMERAL_TAINT_KEYS: [&str; 4] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.cloudprovider.kubernetes.io/uninitialized",
    "karpenter.sh/unregistered",
];

/// Below this many pods per spec, runs scan the live claims directly (copying the set
/// would cost more than it saves).
const RUN_MODE_MIN_PODS: usize = 16;

/// A reusable scheduler: pools and their instance-type indexes are built once; each
/// [`Scheduler::schedule`] call is one provisioning (or consolidation-simulation) solve.
#[derive(Debug, Clone)]
pub struct Scheduler {
    pools: Vec<PoolIndex>,
    daemonsets: Vec<DaemonSet>,
    /// Pool indices in `OrderByWeight` order.
    order: Vec<usize>,
    profile: VersionProfile,
    warnings: Vec<String>,
    any_prefer_no_schedule: bool,
}

impl Scheduler {
    /// Indexes the pools. A pool that allows no instance type is kept (its pods get a
    /// reason) and named in [`Scheduler::warnings`].
    pub fn new(
        pools: Vec<PoolInput>,
        daemonsets: &[DaemonSet],
        profile: VersionProfile,
    ) -> Scheduler {
        let pools: Vec<PoolIndex> = pools
            .into_iter()
            .map(|p| PoolIndex::new(p, daemonsets))
            .collect();
        let mut warnings = Vec::new();
        if pools.is_empty() {
            warnings.push(
                "no NodePool is defined: pending pods can only use existing nodes".to_string(),
            );
        }
        for p in &pools {
            if p.input.instance_types.is_empty() {
                warnings.push(format!(
                    "NodePool {} has an empty instance-type catalogue",
                    p.name()
                ));
            } else if p.base.is_empty() {
                warnings.push(format!(
                    "NodePool {} allows no instance type: none of its {} types satisfies its requirements with an available offering and room for daemonsets",
                    p.name(),
                    p.input.instance_types.len()
                ));
            }
        }
        let nodepools: Vec<model::nodepool::NodePool> =
            pools.iter().map(|p| p.input.nodepool.clone()).collect();
        let order = model::nodepool::order_by_weight(&nodepools);
        let any_prefer_no_schedule = pools.iter().any(|p| p.has_prefer_no_schedule);
        Scheduler {
            pools,
            daemonsets: daemonsets.to_vec(),
            order,
            profile,
            warnings,
            any_prefer_no_schedule,
        }
    }

    /// Marks every offering of `instance_type` in `zone` with `capacity_type` available or
    /// not (an insufficient-capacity error and its recovery) in every pool, re-indexing
    /// the pools that changed. Returns how many offerings changed.
    pub fn set_offering_available(
        &mut self,
        instance_type: model::ids::InstanceTypeId,
        zone: &str,
        capacity_type: model::instance::CapacityType,
        available: bool,
    ) -> usize {
        let mut changed = 0;
        for i in 0..self.pools.len() {
            let mut input = self.pools[i].input.clone();
            let mut here = 0;
            for t in input
                .instance_types
                .iter_mut()
                .filter(|t| t.id == instance_type)
            {
                for o in t.offerings.iter_mut() {
                    if o.zone == zone
                        && o.capacity_type == capacity_type
                        && o.available != available
                    {
                        o.available = available;
                        here += 1;
                    }
                }
            }
            if here > 0 {
                self.pools[i] = PoolIndex::new(input, &self.daemonsets);
                changed += here;
            }
        }
        changed
    }

    /// Replaces pool `index` (new instance types, prices, limits or requirements) and
    /// re-indexes it. Returns false if there is no such pool.
    pub fn replace_pool(&mut self, index: usize, pool: PoolInput) -> bool {
        if index >= self.pools.len() {
            return false;
        }
        self.pools[index] = PoolIndex::new(pool, &self.daemonsets);
        let nodepools: Vec<model::nodepool::NodePool> = self
            .pools
            .iter()
            .map(|p| p.input.nodepool.clone())
            .collect();
        self.order = model::nodepool::order_by_weight(&nodepools);
        self.any_prefer_no_schedule = self.pools.iter().any(|p| p.has_prefer_no_schedule);
        true
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn profile(&self) -> VersionProfile {
        self.profile
    }

    pub fn pools(&self) -> impl Iterator<Item = &PoolInput> {
        self.pools.iter().map(|p| &p.input)
    }

    /// The fluid lower bound on the hourly cost (nano-dollars) of new capacity for the
    /// pods `out` put on new claims: any mix of the pools' types (cheapest allowed offering
    /// each) covering their total cpu, memory and pod count. `cost / bound` is then
    /// `out.new_cost() / bound`. `None` if no pool type has those resources.
    pub fn new_claims_bound(&self, pods: &[Pod], out: &ScheduleOutput) -> Option<f64> {
        let on_claims: std::collections::BTreeSet<PodId> = out
            .new_claims
            .iter()
            .flat_map(|c| c.pods.iter().copied())
            .collect();
        let mut demand = [0u64; 3];
        for p in pods.iter().filter(|p| on_claims.contains(&p.id)) {
            let d = pod_demand(p.requests());
            demand[0] = demand[0].saturating_add(d.cpu_millis());
            demand[1] = demand[1].saturating_add(d.memory_bytes());
            demand[2] = demand[2].saturating_add(d.pods());
        }
        let mut types = Vec::new();
        for pool in &self.pools {
            for t in pool.base.iter() {
                let it = &pool.input.instance_types[t];
                let (Some(eff), Some(o)) =
                    (pool.effective[t], it.cheapest_offering(&pool.template_reqs))
                else {
                    continue;
                };
                types.push(crate::bounds::PricedCapacity {
                    capacity: vec![eff.cpu_millis(), eff.memory_bytes(), eff.pods()],
                    price: o.price.0 as f64,
                });
            }
        }
        crate::bounds::fluid_bound(&demand, &types)
    }

    /// One solve. Never panics on input; every pod ends up bound, on a new claim, or
    /// unschedulable with a reason.
    pub fn schedule(&mut self, input: &ScheduleInput<'_>) -> ScheduleOutput {
        let mut solve = Solve::new(self, input);
        solve.run();
        solve.finish()
    }
}

struct SpecState {
    demand: Resources,
    /// Pending pods with this spec.
    count: usize,
    /// Inverse groups this pod owns (its required anti-affinity terms): once placed it
    /// repels the pods they select, in either order (`topology.go: Update`).
    owns_inverse: Vec<usize>,
    variants: Vec<Variant>,
    /// Non-inverse groups whose selector matches the pod (it counts towards them).
    selected_by: Vec<usize>,
    /// Inverse anti-affinity groups that repel the pod.
    repelled_by: Vec<usize>,
}

struct ExistingState {
    input: usize,
    reqs: Option<Requirements>,
    host_domain: Option<u32>,
}

struct Claim {
    pool: usize,
    pods: Vec<PodId>,
    /// Sum of pod demands (daemonset overhead is in the pool's effective capacities).
    requests: Resources,
    options: Bitset,
    /// An upper bound on the effective capacity of any option (exact when refreshed).
    cap_max: Resources,
    reqs: Requirements,
    host_domain: Option<u32>,
}

enum Reject {
    Pool(PoolRejection),
}

struct Solve<'s, 'i> {
    sched: &'s mut Scheduler,
    input: &'i ScheduleInput<'i>,
    topology: Topology,
    specs: Vec<SpecState>,
    pod_spec: Vec<usize>,
    existing: Vec<ExistingState>,
    tree: MaxTree,
    claims: Vec<Claim>,
    live: BTreeSet<(usize, usize)>,
    /// The live claims not yet rejected by the current run of identical plain pods.
    run_live: BTreeSet<(usize, usize)>,
    run_spec: Option<(usize, usize)>,
    remaining: Vec<Resources>,
    remaining_nodes: Vec<Option<u64>>,
    over_limit: Vec<Option<String>>,
    limit_ok: Vec<Option<Bitset>>,
    host_table: Option<usize>,
    out: ScheduleOutput,
    // Scratch buffers, reused so the per-pod path does not allocate.
    stack: Vec<usize>,
    scratch: Bitset,
    scratch_compat: Bitset,
    retire: Vec<(usize, usize)>,
}

fn spec_key(spec: &Arc<PodSpec>) -> usize {
    Arc::as_ptr(spec) as usize
}

impl<'s, 'i> Solve<'s, 'i> {
    fn new(sched: &'s mut Scheduler, input: &'i ScheduleInput<'i>) -> Solve<'s, 'i> {
        let mut topology = Topology::default();
        let npools = sched.pools.len();
        // Specs: one state per distinct `Arc<PodSpec>` (pointer identity is only a lookup
        // key here; nothing iterates this map to make decisions).
        let mut spec_index: BTreeMap<usize, usize> = BTreeMap::new();
        let mut specs: Vec<SpecState> = Vec::new();
        let mut spec_arcs: Vec<&Arc<PodSpec>> = Vec::new();
        let mut pod_spec = Vec::with_capacity(input.pods.len());
        for pod in input.pods {
            let k = spec_key(&pod.spec);
            let idx = *spec_index.entry(k).or_insert_with(|| {
                let owns_inverse = pod
                    .spec
                    .pod_anti_affinity
                    .iter()
                    .filter(|t| t.is_required())
                    .map(|t| {
                        topology.group_for(
                            labels::normalize_key(&t.topology_key),
                            GroupKind::AntiAffinity,
                            &t.label_selector,
                            true,
                        )
                    })
                    .collect();
                specs.push(SpecState {
                    demand: pod_demand(&pod.spec.requests),
                    count: 0,
                    owns_inverse,
                    variants: ladder(
                        &pod.spec,
                        sched.any_prefer_no_schedule,
                        npools,
                        &mut topology,
                    ),
                    selected_by: Vec::new(),
                    repelled_by: Vec::new(),
                });
                spec_arcs.push(&pod.spec);
                specs.len() - 1
            });
            specs[idx].count += 1;
            pod_spec.push(idx);
        }
        // Inverse anti-affinity from bound pods.
        let mut inverse_records: Vec<(usize, usize)> = Vec::new();
        for (ni, node) in input.existing.iter().enumerate() {
            for bound in &node.pods {
                for term in bound.pod_anti_affinity.iter().filter(|t| t.is_required()) {
                    let g = topology.group_for(
                        labels::normalize_key(&term.topology_key),
                        GroupKind::AntiAffinity,
                        &term.label_selector,
                        true,
                    );
                    inverse_records.push((g, ni));
                }
            }
        }
        // Domains: existing nodes' labels, and every value the pools' instance types and
        // templates can produce.
        for ti in 0..topology.tables.len() {
            let key = topology.tables[ti].key.clone();
            for node in input.existing {
                if let Some(v) = node_label(node, &key) {
                    topology.register(ti, v);
                }
            }
            if key == labels::HOSTNAME {
                continue;
            }
            for pool in &sched.pools {
                let template = pool.template_reqs.get(&key);
                let mut values: BTreeSet<&str> = BTreeSet::new();
                for t in pool.base.iter() {
                    if let Some(r) = pool.type_reqs[t].get(&key)
                        && !r.is_complement()
                    {
                        values.extend(r.values());
                    }
                }
                if let Some(r) = template
                    && !r.is_complement()
                {
                    values.extend(r.values());
                }
                for v in values {
                    if template.is_none_or(|r| r.has(v)) {
                        topology.register(ti, v);
                    }
                }
            }
        }
        // Count bound pods.
        for (g, ni) in inverse_records {
            let table = topology.groups[g].table;
            let key = topology.tables[table].key.clone();
            if let Some(v) = node_label(&input.existing[ni], &key) {
                let d = topology.register(table, v);
                topology.record(g, d);
            }
        }
        for gi in 0..topology.groups.len() {
            if topology.groups[gi].inverse {
                continue;
            }
            let table = topology.groups[gi].table;
            let key = topology.tables[table].key.clone();
            for node in input.existing {
                let Some(v) = node_label(node, &key) else {
                    continue;
                };
                let n = node
                    .pods
                    .iter()
                    .filter(|p| topology.groups[gi].selector.matches(&p.labels))
                    .count();
                if n > 0 {
                    let d = topology.register(table, v);
                    for _ in 0..n {
                        topology.record(gi, d);
                    }
                }
            }
        }
        for (si, spec) in specs.iter_mut().enumerate() {
            let labels = &spec_arcs[si].labels;
            for (gi, g) in topology.groups.iter().enumerate() {
                if g.selector.matches(labels) {
                    if g.inverse {
                        spec.repelled_by.push(gi);
                    } else {
                        spec.selected_by.push(gi);
                    }
                }
            }
        }
        let host_table = topology.table_of(labels::HOSTNAME);

        // Existing nodes in Karpenter's order.
        let mut order: Vec<usize> = (0..input.existing.len()).collect();
        order.sort_by(|&a, &b| {
            let (na, nb) = (&input.existing[a], &input.existing[b]);
            nb.initialized
                .cmp(&na.initialized)
                .then_with(|| na.name.cmp(&nb.name))
                .then(a.cmp(&b))
        });
        let free: Vec<Resources> = order
            .iter()
            .map(|&i| {
                input.existing[i]
                    .allocatable
                    .saturating_sub(&input.existing[i].requested)
            })
            .collect();
        let existing = order
            .iter()
            .map(|&i| ExistingState {
                input: i,
                reqs: None,
                host_domain: host_table.and_then(|t| {
                    node_label(&input.existing[i], labels::HOSTNAME)
                        .and_then(|h| topology.tables[t].index.get(h).copied())
                }),
            })
            .collect();

        // Limits.
        let mut remaining = Vec::with_capacity(npools);
        let mut remaining_nodes = Vec::with_capacity(npools);
        let mut over_limit = Vec::with_capacity(npools);
        let mut limit_ok = Vec::with_capacity(npools);
        for (pi, pool) in sched.pools.iter().enumerate() {
            let limits = pool.input.nodepool.limits;
            let usage = input.pool_usage.get(pi).copied().unwrap_or_default();
            // `provisioner.go: Create` refuses a pool whose usage already exceeds a limit.
            let exceeded = ResourceKind::ALL
                .iter()
                .find(|k| usage.capacity.get(**k) > limits.resources.get(**k));
            over_limit.push(exceeded.map(|k| {
                format!(
                    "NodePool {} has exceeded its {} limit {}",
                    pool.name(),
                    k.kubernetes_name(),
                    k.format(limits.resources.get(*k))
                )
            }));
            let rem = limits.resources.saturating_sub(&usage.capacity);
            let limited = limits.resources != Resources::UNLIMITED;
            limit_ok.push(limited.then(|| pool.within_limits(&rem)));
            remaining.push(rem);
            remaining_nodes.push(limits.nodes.map(|n| n.saturating_sub(usage.nodes)));
        }
        let nodes_for_tree = free;
        Solve {
            input,
            topology,
            specs,
            pod_spec,
            tree: MaxTree::new(&nodes_for_tree),
            existing,
            claims: Vec::new(),
            live: BTreeSet::new(),
            run_live: BTreeSet::new(),
            run_spec: None,
            remaining,
            remaining_nodes,
            over_limit,
            limit_ok,
            host_table,
            out: ScheduleOutput::default(),
            stack: Vec::new(),
            scratch: Bitset::default(),
            scratch_compat: Bitset::default(),
            retire: Vec::new(),
            sched,
        }
    }

    fn run(&mut self) {
        let pods = self.input.pods;
        let mut sorted: Vec<usize> = (0..pods.len()).collect();
        sorted.sort_by(|&a, &b| {
            let (pa, pb) = (&pods[a], &pods[b]);
            let (ra, rb) = (pa.requests(), pb.requests());
            rb.cpu_millis()
                .cmp(&ra.cpu_millis())
                .then_with(|| rb.memory_bytes().cmp(&ra.memory_bytes()))
                .then_with(|| pa.created_at.cmp(&pb.created_at))
                .then_with(|| pa.id.cmp(&pb.id))
        });
        // suffix_min[i] = component-wise minimum demand of sorted[i..]: a claim that cannot
        // take that much more can never take another pod of this solve and is retired.
        let mut suffix_min = vec![Resources::UNLIMITED; sorted.len() + 1];
        for i in (0..sorted.len()).rev() {
            let d = &self.specs[self.pod_spec[sorted[i]]].demand;
            suffix_min[i] = suffix_min[i + 1].min(d);
        }
        let mut failed_min = Resources::UNLIMITED;
        let mut queue: VecDeque<usize> = sorted.iter().copied().collect();
        let mut first_pass_pos = 0usize;
        let mut last_len: Vec<Option<usize>> = vec![None; pods.len()];
        let mut last_error: Vec<Option<String>> = vec![None; pods.len()];
        while let Some(&p) = queue.front() {
            if last_len[p] == Some(queue.len()) {
                break;
            }
            queue.pop_front();
            if first_pass_pos < sorted.len() {
                first_pass_pos += 1;
            }
            let min_remaining = suffix_min[first_pass_pos.min(sorted.len())].min(&failed_min);
            match self.try_schedule(p, &min_remaining) {
                Ok(()) => {}
                Err(e) => {
                    last_error[p] = Some(e);
                    let d = self.specs[self.pod_spec[p]].demand;
                    failed_min = failed_min.min(&d);
                    queue.push_back(p);
                    last_len[p] = Some(queue.len());
                }
            }
        }
        for p in queue {
            self.out.unschedulable.push(Unschedulable {
                pod: pods[p].id,
                reason: last_error[p]
                    .take()
                    .unwrap_or_else(|| "not attempted".to_string()),
            });
        }
    }

    fn try_schedule(&mut self, p: usize, min_remaining: &Resources) -> Result<(), String> {
        let si = self.pod_spec[p];
        let mut last = String::new();
        for v in 0..self.specs[si].variants.len() {
            match self.add(p, si, v, min_remaining) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn add(
        &mut self,
        p: usize,
        si: usize,
        v: usize,
        min_remaining: &Resources,
    ) -> Result<(), String> {
        let pod = &self.input.pods[p];
        // 1. Existing nodes, first fit in Karpenter's order.
        if let Some(slot) = self.find_existing(pod, si, v) {
            let ni = self.existing[slot].input;
            let free = self.tree.get(slot).saturating_sub(&self.specs[si].demand);
            self.tree.set(slot, free);
            self.record_on_existing(si, slot);
            self.out.bindings.push(Binding {
                pod: pod.id,
                node: self.input.existing[ni].id,
            });
            return Ok(());
        }
        // 2. In-flight claims, fewest pods first (ties: older claim first).
        if self.add_to_claims(pod, si, v, min_remaining) {
            return Ok(());
        }
        // 3. A new claim from the first pool (by weight) that can take the pod.
        self.add_to_new_claim(pod, si, v)
    }

    fn find_existing(&mut self, pod: &Pod, si: usize, v: usize) -> Option<usize> {
        if self.existing.is_empty() {
            return None;
        }
        let demand = self.specs[si].demand;
        let mut stack = std::mem::take(&mut self.stack);
        let tree = std::mem::replace(&mut self.tree, MaxTree::new(&[]));
        let found = tree.find_first(&demand, &mut stack, |slot| {
            self.existing_accepts(pod, si, v, slot)
        });
        self.tree = tree;
        self.stack = stack;
        found
    }

    /// Karpenter's `ExistingNode.CanAdd` minus resources (the tree checked those).
    fn existing_accepts(&mut self, pod: &Pod, si: usize, v: usize, slot: usize) -> bool {
        let node = &self.input.existing[self.existing[slot].input];
        let spec = &pod.spec;
        let variant = &self.specs[si].variants[v];
        if !node.taints.is_empty() {
            let taints: Vec<Taint>;
            let relevant: &[Taint] = if node.initialized {
                &node.taints
            } else {
                taints = node
                    .taints
                    .iter()
                    .filter(|t| !EPHEMERAL_TAINT_KEYS.contains(&t.key.as_str()))
                    .cloned()
                    .collect();
                &taints
            };
            if variant.tolerates(spec, relevant).is_some() {
                return false;
            }
        }
        let state = &self.specs[si];
        if !variant.constrained && state.repelled_by.is_empty() {
            return true;
        }
        // Cheap topology rejections on the node's hostname first.
        if let Some(h) = self.existing[slot].host_domain
            && !variant.strict_reqs.has(labels::HOSTNAME)
        {
            let selfsel = |g: usize| self.topology.groups[g].selector.matches(&spec.labels);
            for &g in variant.owned.iter().chain(&state.repelled_by) {
                if Some(self.topology.groups[g].table) == self.host_table {
                    let self_selecting =
                        self.topology.groups[g].kind != GroupKind::AntiAffinity && selfsel(g);
                    if !self.topology.quick_allows(g, h, self_selecting) {
                        return false;
                    }
                }
            }
        }
        let reqs = self.existing[slot]
            .reqs
            .get_or_insert_with(|| node_requirements(node))
            .clone();
        if !strictly_compatible(&reqs, &variant.reqs) {
            return false;
        }
        for &g in variant.owned.iter().chain(&self.specs[si].repelled_by) {
            let key = &self.topology.tables[self.topology.groups[g].table].key;
            let Some(node_dom) = reqs.get(key) else {
                return false;
            };
            let allowed = self.topology.next_domains(
                g,
                &spec.labels,
                variant.strict_reqs.get(key),
                Some(node_dom),
            );
            if node_dom.intersection(&allowed).is_empty() {
                return false;
            }
        }
        true
    }

    fn record_on_existing(&mut self, si: usize, slot: usize) {
        let node = &self.input.existing[self.existing[slot].input];
        for &g in self.specs[si]
            .selected_by
            .iter()
            .chain(&self.specs[si].owns_inverse)
        {
            let table = self.topology.groups[g].table;
            let key = &self.topology.tables[table].key;
            if let Some(v) = node_label(node, key)
                && let Some(&d) = self.topology.tables[table].index.get(v)
            {
                self.topology.record(g, d);
            }
        }
    }

    fn add_to_claims(&mut self, pod: &Pod, si: usize, v: usize, min_remaining: &Resources) -> bool {
        let demand = self.specs[si].demand;
        // A run of identical plain pods: a claim that rejects one of them rejects the rest
        // (its requests only grow and its options only shrink), so the run works on its
        // own copy of the live set and drops each rejecting claim once. This keeps large
        // Deployments linear in pods instead of pods × claims.
        let plain =
            !self.specs[si].variants[v].constrained && self.specs[si].repelled_by.is_empty();
        let run_mode = plain && self.specs[si].count >= RUN_MODE_MIN_PODS;
        if run_mode && self.run_spec != Some((si, v)) {
            self.run_spec = Some((si, v));
            self.run_live = self.live.clone();
        }
        let mut chosen = None;
        let mut rejected: Vec<(usize, usize)> = Vec::new();
        let set = std::mem::take(if run_mode {
            &mut self.run_live
        } else {
            &mut self.live
        });
        for &(n, c) in &set {
            let claim = &self.claims[c];
            let total = claim.requests.saturating_add(&demand);
            if !total.fits_in(&claim.cap_max) {
                if !claim
                    .requests
                    .saturating_add(min_remaining)
                    .fits_in(&claim.cap_max)
                {
                    self.retire.push((n, c));
                }
                if run_mode {
                    rejected.push((n, c));
                }
                continue;
            }
            match self.claim_try(pod, si, v, c, &total) {
                Ok(new_reqs) => {
                    chosen = Some((n, c, total, new_reqs));
                    break;
                }
                Err(_) => {
                    if run_mode {
                        rejected.push((n, c));
                    }
                }
            }
        }
        if run_mode {
            self.run_live = set;
            for key in &rejected {
                self.run_live.remove(key);
            }
        } else {
            self.live = set;
        }
        for key in self.retire.drain(..) {
            self.live.remove(&key);
            self.run_live.remove(&key);
        }
        let Some((n, c, total, new_reqs)) = chosen else {
            return false;
        };
        self.commit_claim(pod, si, c, total, new_reqs);
        self.live.remove(&(n, c));
        self.live.insert((n + 1, c));
        if self.run_live.remove(&(n, c)) {
            self.run_live.insert((n + 1, c));
        }
        true
    }

    /// Checks whether claim `c` can take the pod; on success `scratch` holds the narrowed
    /// options and the result carries the new requirements if they changed
    /// (`NodeClaim.Add` in `nodeclaim.go`).
    fn claim_try(
        &mut self,
        pod: &Pod,
        si: usize,
        v: usize,
        c: usize,
        total: &Resources,
    ) -> Result<Option<Requirements>, Reject> {
        let pool_i = self.claims[c].pool;
        self.pool_ok(pod, si, v, pool_i)?;
        let spec = &pod.spec;
        let variant = &self.specs[si].variants[v];
        let plain = !variant.constrained && self.specs[si].repelled_by.is_empty();
        if plain {
            let pool = &self.sched.pools[pool_i];
            let mut sets: Vec<&Bitset> = Vec::with_capacity(RESOURCE_KINDS);
            let claim = &self.claims[c];
            let fits = pool.fits_sets(total, &mut sets).is_ok()
                && claim.options.and_many_into(&sets, &mut self.scratch);
            if !fits {
                let exact = pool.max_effective(&claim.options);
                self.claims[c].cap_max = exact;
                return Err(Reject::Pool(PoolRejection::Resources {
                    total: *total,
                    largest: exact,
                }));
            }
            if pool.has_min_values
                && let Some(m) = pool.min_values_unmet(&claim.reqs, &self.scratch)
            {
                return Err(Reject::Pool(PoolRejection::MinValues(m)));
            }
            return Ok(None);
        }
        // Cheap hostname checks before any requirement work.
        if let Some(h) = self.claims[c].host_domain
            && !variant.strict_reqs.has(labels::HOSTNAME)
        {
            for &g in variant.owned.iter().chain(&self.specs[si].repelled_by) {
                if Some(self.topology.groups[g].table) == self.host_table {
                    let gk = self.topology.groups[g].kind;
                    let self_selecting = gk != GroupKind::AntiAffinity
                        && self.topology.groups[g].selector.matches(&spec.labels);
                    if !self.topology.quick_allows(g, h, self_selecting) {
                        return Err(Reject::Pool(PoolRejection::Topology(
                            self.describe_group(g),
                        )));
                    }
                }
            }
        }
        let mut reqs = self.claims[c].reqs.clone();
        if let Err(e) = reqs.compatible(&variant.reqs) {
            return Err(Reject::Pool(PoolRejection::Requirements(e.to_string())));
        }
        reqs.add_all(&variant.reqs);
        let groups: Vec<usize> = variant
            .owned
            .iter()
            .chain(&self.specs[si].repelled_by)
            .copied()
            .collect();
        for g in groups {
            let key = self.topology.tables[self.topology.groups[g].table]
                .key
                .clone();
            let variant = &self.specs[si].variants[v];
            let allowed = self.topology.next_domains(
                g,
                &spec.labels,
                variant.strict_reqs.get(&key),
                reqs.get(&key),
            );
            if allowed.operator() == Operator::DoesNotExist {
                return Err(Reject::Pool(PoolRejection::Topology(
                    self.describe_group(g),
                )));
            }
            let mut single = Requirements::default();
            single.add(allowed);
            if reqs.compatible(&single).is_err() {
                return Err(Reject::Pool(PoolRejection::Topology(
                    self.describe_group(g),
                )));
            }
            reqs.add_all(&single);
        }
        let pool = &mut self.sched.pools[pool_i];
        self.scratch_compat.clone_from(pool.compatible_with(&reqs));
        let pool = &self.sched.pools[pool_i];
        let claim = &self.claims[c];
        let mut compat_options = claim.options.clone();
        compat_options.and_assign(&self.scratch_compat);
        if compat_options.is_empty() {
            return Err(Reject::Pool(PoolRejection::NoCompatibleType(format!(
                "{}",
                RequirementsText(&reqs)
            ))));
        }
        let mut sets: Vec<&Bitset> = Vec::with_capacity(RESOURCE_KINDS);
        let fits = pool.fits_sets(total, &mut sets).is_ok()
            && compat_options.and_many_into(&sets, &mut self.scratch);
        if !fits {
            return Err(Reject::Pool(PoolRejection::Resources {
                total: *total,
                largest: pool.max_effective(&compat_options),
            }));
        }
        if pool.has_min_values
            && let Some(m) = pool.min_values_unmet(&reqs, &self.scratch)
        {
            return Err(Reject::Pool(PoolRejection::MinValues(m)));
        }
        Ok(Some(reqs))
    }

    fn commit_claim(
        &mut self,
        pod: &Pod,
        si: usize,
        c: usize,
        total: Resources,
        new_reqs: Option<Requirements>,
    ) {
        let claim = &mut self.claims[c];
        std::mem::swap(&mut claim.options, &mut self.scratch);
        claim.requests = total;
        claim.pods.push(pod.id);
        if let Some(r) = new_reqs {
            claim.reqs = r;
        }
        let n_sel = self.specs[si].selected_by.len();
        for gi in 0..n_sel + self.specs[si].owns_inverse.len() {
            let g = if gi < n_sel {
                self.specs[si].selected_by[gi]
            } else {
                self.specs[si].owns_inverse[gi - n_sel]
            };
            let key = &self.topology.tables[self.topology.groups[g].table].key;
            let dom = self.claims[c].reqs.get(key).cloned();
            self.topology.record_placement(g, dom.as_ref());
        }
    }

    /// Taints and template requirements for pool `pool_i`, cached per variant.
    fn pool_ok(&mut self, pod: &Pod, si: usize, v: usize, pool_i: usize) -> Result<(), Reject> {
        let cached = self.specs[si].variants[v].pool_ok[pool_i].clone();
        let result = match cached {
            Some(r) => r,
            None => {
                let pool = &self.sched.pools[pool_i];
                let variant = &self.specs[si].variants[v];
                let r = if let Some(t) = variant.tolerates(&pod.spec, &pool.input.nodepool.taints) {
                    Err(format!("taint:{t}"))
                } else {
                    pool.template_reqs
                        .compatible(&variant.reqs)
                        .map_err(|e| format!("reqs:{e}"))
                };
                self.specs[si].variants[v].pool_ok[pool_i] = Some(r.clone());
                r
            }
        };
        result.map_err(|e| {
            Reject::Pool(match e.split_once(':') {
                Some(("taint", t)) => PoolRejection::Taint(t.to_string()),
                Some((_, r)) => PoolRejection::Requirements(r.to_string()),
                None => PoolRejection::Requirements(e),
            })
        })
    }

    fn add_to_new_claim(&mut self, pod: &Pod, si: usize, v: usize) -> Result<(), String> {
        let mut rejections: Vec<(String, PoolRejection)> = Vec::new();
        let order = self.sched.order.clone();
        for pool_i in order {
            let name = self.sched.pools[pool_i].name().to_string();
            if let Some(msg) = &self.over_limit[pool_i] {
                rejections.push((name, PoolRejection::Limit(msg.clone())));
                continue;
            }
            if self.remaining_nodes[pool_i] == Some(0) {
                let limit = self.sched.pools[pool_i]
                    .input
                    .nodepool
                    .limits
                    .nodes
                    .unwrap_or(0);
                rejections.push((
                    name.clone(),
                    PoolRejection::Limit(format!(
                        "NodePool {name} has reached its node limit {limit}"
                    )),
                ));
                continue;
            }
            if let Err(Reject::Pool(r)) = self.pool_ok(pod, si, v, pool_i) {
                rejections.push((name, r));
                continue;
            }
            let pool = &self.sched.pools[pool_i];
            if pool.base.is_empty() {
                rejections.push((
                    name.clone(),
                    PoolRejection::NoTypes(format!("NodePool {name} allows no instance type")),
                ));
                continue;
            }
            let mut options = pool.base.clone();
            if let Some(ok) = &self.limit_ok[pool_i] {
                options.and_assign(ok);
                if options.is_empty() {
                    rejections.push((
                        name.clone(),
                        PoolRejection::Limit(self.limit_message(pool_i)),
                    ));
                    continue;
                }
            }
            // Tentative claim with a placeholder hostname (`NewNodeClaim`).
            let c = self.claims.len();
            let hostname = format!("hostname-placeholder-{c:04}");
            let host_domain = self
                .host_table
                .map(|t| self.topology.register(t, &hostname));
            let mut reqs = pool.template_reqs.clone();
            reqs.add(Requirement::new(
                labels::HOSTNAME,
                Operator::In,
                [hostname.as_str()],
            ));
            let cap_max = pool.max_effective(&options);
            self.claims.push(Claim {
                pool: pool_i,
                pods: Vec::new(),
                requests: Resources::ZERO,
                options,
                cap_max,
                reqs,
                host_domain,
            });
            let total = self.specs[si].demand;
            match self.claim_try(pod, si, v, c, &total) {
                Ok(new_reqs) => {
                    self.commit_claim(pod, si, c, total, new_reqs);
                    let cap = {
                        let pool = &self.sched.pools[pool_i];
                        self.claims[c].cap_max = pool.max_effective(&self.claims[c].options);
                        pool.max_capacity(&self.claims[c].options)
                    };
                    if self.limit_ok[pool_i].is_some() {
                        self.remaining[pool_i] = self.remaining[pool_i].saturating_sub(&cap);
                        let ok = self.sched.pools[pool_i].within_limits(&self.remaining[pool_i]);
                        self.limit_ok[pool_i] = Some(ok);
                    }
                    if let Some(n) = &mut self.remaining_nodes[pool_i] {
                        *n = n.saturating_sub(1);
                    }
                    self.live.insert((1, c));
                    // The current run's working set must see the new claim too.
                    if self.run_spec.is_some() {
                        self.run_live.insert((1, c));
                    }
                    return Ok(());
                }
                Err(Reject::Pool(r)) => {
                    self.claims.pop();
                    if let Some(t) = self.host_table {
                        self.topology.unregister_last(t, &hostname);
                    }
                    rejections.push((name, r));
                }
            }
        }
        Err(summarize(&rejections, &pod.spec))
    }

    fn limit_message(&self, pool_i: usize) -> String {
        let pool = &self.sched.pools[pool_i];
        let limits = pool.input.nodepool.limits.resources;
        let rem = self.remaining[pool_i];
        // Name the limited resource that rules out the smallest type.
        for k in ResourceKind::ALL {
            if limits.get(k) == u64::MAX {
                continue;
            }
            let smallest = pool
                .base
                .iter()
                .map(|t| pool.input.instance_types[t].capacity.get(k))
                .min()
                .unwrap_or(0);
            if smallest > rem.get(k) {
                return format!(
                    "NodePool {} would exceed its {} limit {}",
                    pool.name(),
                    k.kubernetes_name(),
                    k.format(limits.get(k))
                );
            }
        }
        format!(
            "NodePool {} would exceed its limits {}",
            pool.name(),
            limits
        )
    }

    fn describe_group(&self, g: usize) -> String {
        let group = &self.topology.groups[g];
        let key = &self.topology.tables[group.table].key;
        let sel = crate::reason::selector_text(&group.selector);
        match group.kind {
            GroupKind::AntiAffinity if group.inverse => {
                format!("anti-affinity of pods matching this one ({sel} on {key}) repels it")
            }
            GroupKind::AntiAffinity => format!("anti-affinity with {sel} on {key}"),
            GroupKind::Affinity => format!("affinity to {sel} on {key}"),
            GroupKind::Spread { max_skew, .. } => {
                format!("topology spread of {sel} on {key} (maxSkew {max_skew})")
            }
        }
    }

    fn finish(mut self) -> ScheduleOutput {
        let claims = std::mem::take(&mut self.claims);
        let profile = self.sched.profile;
        for claim in claims {
            let f = finalize(
                &mut self.sched.pools[claim.pool],
                &claim.options,
                &claim.reqs,
                &claim.requests,
                profile,
            );
            let pool = &self.sched.pools[claim.pool];
            self.out.new_claims.push(NewClaim {
                nodepool: pool.input.id,
                pool_index: claim.pool,
                pods: claim.pods,
                requests: f.requests,
                requirements: f.requirements,
                instance_type_options: f
                    .options
                    .iter()
                    .map(|&t| pool.input.instance_types[t].id)
                    .collect(),
                launch: f.launch,
            });
        }
        self.out
    }
}

/// A node's label, with the hostname defaulting to the node's name.
fn node_label<'a>(node: &'a ExistingNode, key: &str) -> Option<&'a str> {
    node.labels
        .get(key)
        .map(String::as_str)
        .or_else(|| (key == labels::HOSTNAME).then_some(node.name.as_str()))
}

/// `Requirements.Compatible` without `AllowUndefinedWellKnownLabels`, as
/// `existingnode.go` checks real nodes: any key the pod requires must be on the node
/// unless the pod only excludes it.
fn strictly_compatible(node: &Requirements, pod: &Requirements) -> bool {
    pod.iter().all(|r| {
        node.has(&r.key) || matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist)
    }) && node.intersects(pod).is_ok()
}

fn node_requirements(node: &ExistingNode) -> Requirements {
    let mut r = Requirements::from_labels(&node.labels);
    if !node.labels.contains_key(labels::HOSTNAME) {
        r.add(Requirement::new(
            labels::HOSTNAME,
            Operator::In,
            [node.name.as_str()],
        ));
    }
    r
}

struct RequirementsText<'a>(&'a Requirements);

impl std::fmt::Display for RequirementsText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for r in self.0.iter() {
            if r.key == labels::HOSTNAME || r.key == labels::NODEPOOL {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}
