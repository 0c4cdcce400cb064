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
use model::labels::{self, LabelSelector};
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
use crate::topology::{DomainTable, GroupKind, Topology};
use crate::variant::{Variant, ladder};
pub(crate) use existing_nodes::node_label;
pub use new_claims::LimitRoom;
pub use prepared::{Draft, DraftClaim, PreparedExisting, Stops};
pub use queue::{QueueKey, queue_key, queue_order};
pub use quick::{ProbeWalk, QuickProbe, merged_in_queue_order, plain};
pub use quick_topology::TopologySeed;

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

    /// What a launch from pool `pool` under `reqs`' zone and capacity-type requirements
    /// would pay per type (`None` without such a pool): the prices every launch choice
    /// of this scheduler reads, kept until an offering changes availability.
    pub fn offering_prices(
        &mut self,
        pool: usize,
        reqs: &Requirements,
    ) -> Option<OfferingPrices<'_>> {
        let index = self.pools.get_mut(pool)?;
        let slot = index.price_slot(reqs);
        let index = &self.pools[pool];
        Some(OfferingPrices {
            types: &index.input.instance_types,
            type_of_id: &index.type_of_id,
            prices: index.prices(slot),
        })
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
        let mut solve = Solve::new(self, input, None);
        solve.run();
        let (draft, _, _) = solve.finish_draft();
        let mut out = draft.output;
        out.new_claims = draft.claims.into_iter().map(|c| self.finalize(c)).collect();
        out
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
    /// Per rung, for plain rungs: where the last pod of this spec fitted first among the
    /// existing nodes (`Some(None)`: nowhere). Rooms only shrink during a solve and a plain
    /// pod's acceptance is its room and taints, so no earlier slot can take the next pod.
    first_fit: Vec<Option<Option<usize>>>,
}

struct Claim {
    pool: usize,
    pods: Vec<PodId>,
    /// Sum of pod demands (daemonset overhead is in the pool's effective capacities).
    requests: Resources,
    options: Bitset,
    /// An upper bound on the effective capacity of any option (exact when refreshed).
    cap_max: Resources,
    /// Shared with the pool's claim template until a pod changes them.
    reqs: Arc<Requirements>,
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
    /// Existing nodes in Karpenter's order: slot → input index.
    order: Vec<usize>,
    /// Each slot's node as requirements, built when first needed (kept across the solves
    /// of a prepared snapshot: nodes' labels do not change).
    node_reqs: Vec<Option<Requirements>>,
    /// Each slot's hostname domain; empty unless the solve has a hostname group.
    host_domain: Vec<Option<u32>>,
    group_counts: prepared::GroupCounts,
    /// Domain tables of a prepared snapshot not used by this solve, and, per table of
    /// this solve, how many domains it had after the existing nodes and pools were
    /// registered (what goes back to the snapshot).
    domain_cache: Vec<DomainTable>,
    table_base_len: Vec<Option<usize>>,
    /// A prepared snapshot's hostname domains, passed through a solve without a
    /// hostname group.
    host_domain_cache: Option<Vec<Option<u32>>>,
    tree: MaxTree,
    /// Tree slots changed by this solve (restored when the tree is a prepared one).
    touched: Vec<usize>,
    /// Input pods below this index are watched: the solve stops once one of them binds
    /// to an uninitialized node ([`Draft::stopped`]).
    stop_watch: usize,
    stopped: bool,
    /// [`Stops::max_claims`], and how many watched pods are placed so far.
    stop_claims: Option<usize>,
    stop_any_failure: bool,
    /// [`Draft::topology_missed`].
    topology_missed: bool,
    watched_placed: usize,
    over_claims: bool,
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

mod claims;
mod existing_nodes;
mod new_claims;
mod prepared;
mod probe_groups;
mod queue;
mod quick;
mod quick_topology;
mod setup;

/// A pool's types' launch prices under one zone and capacity-type requirement
/// ([`Scheduler::offering_prices`]).
pub struct OfferingPrices<'s> {
    types: &'s [model::instance::InstanceType],
    type_of_id: &'s [Option<u32>],
    prices: &'s crate::pool_index::Prices,
}

impl<'s> OfferingPrices<'s> {
    /// Type `id`'s cheapest allowed offering of `capacity` (by price, then zone name) as
    /// (the type, the offering's index), and its dearest allowed price of `capacity`;
    /// `None` if the type is not one the pool can launch or has no such offering.
    pub fn get(
        &self,
        id: model::ids::InstanceTypeId,
        capacity: model::instance::CapacityType,
    ) -> Option<(
        &'s model::instance::InstanceType,
        usize,
        model::price::UsdPerHour,
    )> {
        let t = usize::try_from(self.type_of_id.get(id.index()).copied().flatten()?).ok()?;
        let slot = crate::pool_index::capacity_slot(capacity);
        let offer = self.prices.offers.get(t)?[slot]?;
        Some((&self.types[t], usize::from(offer.cheapest), offer.dearest))
    }
}
