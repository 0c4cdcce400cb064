//! Per-NodePool precomputation, built once and reused by every solve: the template
//! requirements, each instance type's requirements and effective capacity (allocatable
//! minus that type's daemonset overhead), price-independent "fits" bitsets per resource,
//! and a cache of requirement-compatibility bitsets.
//!
//! This replaces Karpenter's per-pod O(types) `filterInstanceTypesByRequirements` scan
//! (`pkg/controllers/provisioning/scheduling/nodeclaim.go`) with a handful of bitset ANDs.

use std::collections::BTreeMap;
use std::sync::Arc;

use model::instance::{CapacityType, InstanceType, OfferingFilter, offering_allowed};
use model::labels;
use model::price::UsdPerHour;
use model::requirements::{Operator, Requirement, Requirements};
use model::resources::{RESOURCE_KINDS, ResourceKind, Resources};
use model::taints::{TaintEffect, first_untolerated};
use model::workload::DaemonSet;

use crate::bitset::Bitset;
use crate::input::PoolInput;

/// Up to this many options, [`PoolIndex::max_effective`] visits them; beyond, it scans
/// each kind's types from the largest.
const VISIT_MAX: usize = 32;
/// [`PoolIndex::within_limits_cached`] keeps this many answers.
const LIMIT_CACHE_MAX: usize = 16;

/// Requirement sets [`PoolIndex::compatible_with`] remembers before starting over.
const COMPAT_CACHE_MAX: usize = 256;

/// For one resource: the distinct effective capacities in ascending order and, for each,
/// the set of types that have at least that much.
#[derive(Debug, Clone, Default)]
struct Thresholds {
    values: Vec<u64>,
    sets: Vec<Bitset>,
}

impl Thresholds {
    fn build(caps: &[Option<Resources>], kind: ResourceKind) -> Thresholds {
        let n = caps.len();
        let mut values: Vec<u64> = caps.iter().flatten().map(|c| c.get(kind)).collect();
        values.sort_unstable();
        values.dedup();
        // Types sorted by capacity descending, so each suffix set extends the next one.
        let mut order: Vec<usize> = (0..n).filter(|&t| caps[t].is_some()).collect();
        order.sort_unstable_by_key(|&t| std::cmp::Reverse(caps[t].map_or(0, |c| c.get(kind))));
        let mut sets = vec![Bitset::empty(n); values.len()];
        let mut acc = Bitset::empty(n);
        let mut oi = 0;
        for (k, &v) in values.iter().enumerate().rev() {
            while oi < order.len() && caps[order[oi]].map_or(0, |c| c.get(kind)) >= v {
                acc.insert(order[oi]);
                oi += 1;
            }
            sets[k] = acc.clone();
        }
        Thresholds { values, sets }
    }

    /// Types with at least `amount`, `None` if there are none.
    #[inline]
    fn at_least(&self, amount: u64) -> Option<&Bitset> {
        let k = self.values.partition_point(|v| *v < amount);
        self.sets.get(k)
    }

    /// The largest amount any member of `set` has (0 for an empty set): a binary search
    /// for the highest threshold `set` meets. A scan of the types from the largest passes
    /// every larger type `set` lacks, which for a claim kept under a limit, or one of
    /// general-purpose types asked about GPUs, is most of them.
    #[inline]
    fn max_in(&self, set: &Bitset) -> u64 {
        let Some(top) = self.sets.last() else {
            return 0;
        };
        if set.intersects(top) {
            return self.values[self.values.len() - 1];
        }
        // Thresholds below `met` are met, from `unmet` on they are not.
        let (mut met, mut unmet) = (0, self.sets.len() - 1);
        while met < unmet {
            let mid = (met + unmet) / 2;
            if set.intersects(&self.sets[mid]) {
                met = mid + 1;
            } else {
                unmet = mid;
            }
        }
        if met == 0 { 0 } else { self.values[met - 1] }
    }
}

/// What launching reads of the offerings under one zone and capacity-type requirement.
#[derive(Debug, Clone)]
pub(crate) struct Prices {
    /// Base types with an allowed offering as (cheapest allowed price, type), sorted —
    /// `OrderByPrice` without a per-claim sort.
    pub order: Vec<(u64, usize)>,
    /// Per type and capacity type (by [`capacity_slot`]): what its allowed offerings
    /// cost, `None` without one. A launch compares these instead of matching every
    /// offering's zone and capacity type against the requirements.
    pub offers: Vec<[Option<Offer>; 3]>,
}

/// One type's allowed offerings of one capacity type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offer {
    /// The index of the cheapest, by price then zone name.
    pub cheapest: u16,
    /// The dearest price: the worst case a consolidation's replacement rule compares.
    pub dearest: UsdPerHour,
}

/// A capacity type's place in [`Prices::offers`]: the AWS provider's preference order.
pub(crate) fn capacity_slot(ct: CapacityType) -> usize {
    match ct {
        CapacityType::Reserved => 0,
        CapacityType::Spot => 1,
        CapacityType::OnDemand => 2,
    }
}

/// The hostname a solve's claim `c` carries until it is launched.
pub(crate) fn placeholder_hostname(c: usize) -> String {
    format!("hostname-placeholder-{c:04}")
}

/// A claim's zone and capacity-type requirements: all that its price order depends on.
type PriceKey = (Option<Requirement>, Option<Requirement>);

#[derive(Debug, Clone)]
pub(crate) struct PoolIndex {
    pub input: PoolInput,
    /// Pool requirements plus template labels and `karpenter.sh/nodepool In [name]`.
    pub template_reqs: Requirements,
    pub type_reqs: Vec<Requirements>,
    /// Allocatable minus the daemonset overhead for this pool and type; `None` if the
    /// daemonsets alone do not fit.
    pub effective: Vec<Option<Resources>>,
    pub overhead: Vec<Resources>,
    /// The one daemonset overhead of every type, when no daemonset picks types (the
    /// common case): a launch need not take the least over its options.
    pub uniform_overhead: Option<Resources>,
    /// GPU, accelerator and metal types, which launches avoid when others remain.
    pub exotic: Vec<bool>,
    /// Types compatible with the template, with an offering and room for daemonsets.
    pub base: Bitset,
    /// [`PoolIndex::max_effective`] of `base`: every new claim starts from it.
    pub base_max_effective: Resources,
    thresholds: Vec<Thresholds>,
    /// Per resource kind: base types by capacity, largest first (limits subtract
    /// capacity, not allocatable).
    capacity_order: Vec<Vec<usize>>,
    /// [`Thresholds`] of the base types' capacities.
    capacity_thresholds: Vec<Thresholds>,
    /// Per requirement set (without the hostname, which no type constrains): the base
    /// types compatible with it. Compared by equality, like `price_cache`; bounded, as
    /// claims of a long day can meet many sets.
    compat_cache: Vec<(Vec<Requirement>, Bitset)>,
    /// Per (zone, capacity-type) requirement: what launches read of the offerings.
    /// Keyed by the zone and capacity-type requirements themselves (few distinct ones,
    /// compared by equality: formatting a key per claim cost more than the lookup).
    price_cache: Vec<(PriceKey, Prices)>,
    /// Recent [`PoolIndex::within_limits`] answers by remaining room: a pass's probes
    /// start from the same usage, and their first claims leave the same room.
    limit_cache: Vec<(Resources, Bitset)>,
    /// Per label key: the values this pool's types and template can give a new node
    /// (topology domains), sorted.
    domain_cache: BTreeMap<String, Vec<String>>,
    /// Per instance-type id (`InstanceTypeId::index`): its index in `input.instance_types`.
    pub type_of_id: Vec<Option<u32>>,
    /// Per claim index of a solve: the template requirements plus that claim's
    /// placeholder hostname, built once and shared by every solve's claim at that index
    /// until one of its pods changes them (most never do).
    claim_templates: Vec<Arc<Requirements>>,
    pub has_prefer_no_schedule: bool,
    /// True if some template requirement carries `minValues`.
    pub has_min_values: bool,
}

impl PoolIndex {
    pub fn new(input: PoolInput, daemonsets: &[DaemonSet]) -> PoolIndex {
        let np = &input.nodepool;
        let mut template_reqs = np.requirements.clone();
        template_reqs.add_all(&Requirements::from_labels(&np.labels));
        template_reqs.add(Requirement::new(
            labels::NODEPOOL,
            Operator::In,
            [np.name.as_str()],
        ));
        let types = &input.instance_types;
        let n = types.len();
        let type_reqs: Vec<Requirements> = types.iter().map(InstanceType::requirements).collect();
        // A daemonset counts for this pool if it tolerates the template taints and its
        // requirements are compatible with the template (`scheduler.go: getDaemonOverhead`),
        // and for a type if its requirements intersect the type's.
        let daemons: Vec<(&DaemonSet, Requirements)> = daemonsets
            .iter()
            .filter(|ds| first_untolerated(&np.taints, &ds.spec.tolerations).is_none())
            .map(|ds| (ds, ds.spec.strict_requirements()))
            .filter(|(_, r)| template_reqs.compatible(r).is_ok())
            .collect();
        let mut overhead = vec![Resources::ZERO; n];
        let mut effective = vec![None; n];
        let mut base = Bitset::empty(n);
        for t in 0..n {
            let mut o = Resources::ZERO;
            for (ds, r) in &daemons {
                if type_reqs[t].intersects(r).is_ok() {
                    o = o.saturating_add(&crate::demand::pod_demand(&ds.spec.requests));
                }
            }
            overhead[t] = o;
            effective[t] = types[t].allocatable.checked_sub(&o);
            let compatible = type_reqs[t].intersects(&template_reqs).is_ok()
                && types[t]
                    .offerings
                    .iter()
                    .any(|of| of.available && offering_allowed(of, &template_reqs));
            if compatible && effective[t].is_some() {
                base.insert(t);
            }
        }
        let thresholds = ResourceKind::ALL
            .iter()
            .map(|k| Thresholds::build(&effective, *k))
            .collect();
        let capacity_order = ResourceKind::ALL
            .iter()
            .map(|k| {
                let mut order: Vec<usize> = base.iter().collect();
                order.sort_unstable_by_key(|&t| std::cmp::Reverse(types[t].capacity.get(*k)));
                order
            })
            .collect();
        let base_capacities: Vec<Option<Resources>> = (0..n)
            .map(|t| base.contains(t).then_some(types[t].capacity))
            .collect();
        let capacity_thresholds = ResourceKind::ALL
            .iter()
            .map(|k| Thresholds::build(&base_capacities, *k))
            .collect();
        let mut type_of_id: Vec<Option<u32>> = Vec::new();
        for (t, it) in types.iter().enumerate() {
            let i = it.id.index();
            if type_of_id.len() <= i {
                type_of_id.resize(i + 1, None);
            }
            type_of_id[i] = u32::try_from(t).ok();
        }
        let has_prefer_no_schedule = np
            .taints
            .iter()
            .any(|t| t.effect == TaintEffect::PreferNoSchedule);
        let has_min_values = template_reqs.iter().any(|r| r.min_values.is_some());
        let exotic = types.iter().map(crate::launch::is_exotic).collect();
        let mut base_max_effective = Resources::ZERO;
        for t in base.iter() {
            if let Some(e) = &effective[t] {
                base_max_effective = base_max_effective.max(e);
            }
        }
        let uniform_overhead = match overhead.split_first() {
            Some((first, rest)) if rest.iter().all(|o| o == first) => Some(*first),
            _ => None,
        };
        PoolIndex {
            exotic,
            uniform_overhead,
            base_max_effective,
            input,
            template_reqs,
            type_reqs,
            effective,
            overhead,
            base,
            thresholds,
            capacity_order,
            capacity_thresholds,
            compat_cache: Vec::new(),
            price_cache: Vec::new(),
            limit_cache: Vec::new(),
            domain_cache: BTreeMap::new(),
            type_of_id,
            claim_templates: Vec::new(),
            has_prefer_no_schedule,
            has_min_values,
        }
    }

    /// The requirements a new claim at index `c` of a solve starts with (`NewNodeClaim`):
    /// the template's and `hostname In [hostname-placeholder-<c>]`.
    pub fn claim_template(&mut self, c: usize) -> Arc<Requirements> {
        while self.claim_templates.len() <= c {
            let mut reqs = self.template_reqs.clone();
            reqs.add(Requirement::new(
                labels::HOSTNAME,
                Operator::In,
                [placeholder_hostname(self.claim_templates.len()).as_str()],
            ));
            self.claim_templates.push(Arc::new(reqs));
        }
        self.claim_templates[c].clone()
    }

    pub fn name(&self) -> &str {
        &self.input.nodepool.name
    }

    pub fn len(&self) -> usize {
        self.input.instance_types.len()
    }

    /// Pushes onto `out` the per-resource bitsets of types whose effective capacity
    /// covers `total`. Returns the first resource no type has enough of.
    #[inline]
    pub fn fits_sets<'s>(
        &'s self,
        total: &Resources,
        out: &mut Vec<&'s Bitset>,
    ) -> Result<(), ResourceKind> {
        for (i, th) in self.thresholds.iter().enumerate().take(RESOURCE_KINDS) {
            let amount = total.0[i];
            if amount == 0 {
                continue;
            }
            match th.at_least(amount) {
                Some(b) => out.push(b),
                None => return Err(ResourceKind::ALL[i]),
            }
        }
        Ok(())
    }

    /// Types (within `base`) that the requirements allow: labels intersect and an
    /// available offering matches zone and capacity type (`compatible` and `hasOffering`).
    /// Hostname is ignored: no instance type carries one.
    pub fn compatible_with(&mut self, reqs: &Requirements) -> &Bitset {
        let key = || reqs.iter().filter(|r| r.key != labels::HOSTNAME);
        let i = match self
            .compat_cache
            .iter()
            .position(|(k, _)| k.iter().eq(key()))
        {
            Some(i) => i,
            None => {
                let mut b = Bitset::empty(self.len());
                let filter = OfferingFilter::new(reqs);
                for t in self.base.iter() {
                    if self.type_reqs[t].intersects(reqs).is_ok()
                        && self.input.instance_types[t]
                            .offerings
                            .iter()
                            .any(|o| o.available && filter.allows(o))
                    {
                        b.insert(t);
                    }
                }
                if self.compat_cache.len() >= COMPAT_CACHE_MAX {
                    self.compat_cache.clear();
                }
                self.compat_cache.push((key().cloned().collect(), b));
                self.compat_cache.len() - 1
            }
        };
        &self.compat_cache[i].1
    }

    /// The [`Prices`] kept at `slot` (from [`PoolIndex::price_slot`]).
    pub fn prices(&self, slot: usize) -> &Prices {
        &self.price_cache[slot].1
    }

    /// Where the [`Prices`] of base types under `reqs`' zone and capacity-type
    /// requirements are kept, computed on first use.
    pub fn price_slot(&mut self, reqs: &Requirements) -> usize {
        let zone = reqs.get(labels::ZONE);
        let capacity_type = reqs.get(labels::CAPACITY_TYPE);
        match self
            .price_cache
            .iter()
            .position(|(k, _)| k.0.as_ref() == zone && k.1.as_ref() == capacity_type)
        {
            Some(i) => i,
            None => {
                let filter = OfferingFilter::new(reqs);
                let mut offers: Vec<[Option<Offer>; 3]> = vec![[None; 3]; self.len()];
                let mut order: Vec<(u64, usize)> = Vec::new();
                for t in self.base.iter() {
                    let offerings = &self.input.instance_types[t].offerings;
                    // A type has a few offerings, never 65,536.
                    for (oi, o) in (0..=u16::MAX).zip(offerings) {
                        if !o.available || !filter.allows(o) {
                            continue;
                        }
                        match &mut offers[t][capacity_slot(o.capacity_type)] {
                            Some(f) => {
                                // Cheapest, then by zone name; the first of equals stays.
                                let b = &offerings[usize::from(f.cheapest)];
                                if (o.price, &o.zone) < (b.price, &b.zone) {
                                    f.cheapest = oi;
                                }
                                f.dearest = f.dearest.max(o.price);
                            }
                            none => {
                                *none = Some(Offer {
                                    cheapest: oi,
                                    dearest: o.price,
                                })
                            }
                        }
                    }
                    let cheapest = (offers[t].iter().flatten())
                        .map(|f| offerings[usize::from(f.cheapest)].price)
                        .min();
                    if let Some(price) = cheapest {
                        order.push((price.0, t));
                    }
                }
                order.sort_unstable();
                self.price_cache.push((
                    (zone.cloned(), capacity_type.cloned()),
                    Prices { order, offers },
                ));
                self.price_cache.len() - 1
            }
        }
    }

    /// Karpenter's `minValues` (`nodeclaim.go`): for every requirement with `minValues`,
    /// the remaining options must still offer that many distinct values of the key.
    pub fn min_values_unmet(&self, reqs: &Requirements, options: &Bitset) -> Option<String> {
        for r in reqs.iter() {
            let Some(min) = r.min_values else { continue };
            let mut values: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
            for t in options.iter() {
                if let Some(tr) = self.type_reqs[t].get(&r.key)
                    && !tr.is_complement()
                {
                    values.extend(tr.values().filter(|v| r.has(v)));
                }
            }
            if values.len() < min as usize {
                return Some(format!(
                    "minValues {min} for {} not met: only {} value(s) remain",
                    r.key,
                    values.len()
                ));
            }
        }
        None
    }

    /// Component-wise maximum effective capacity over `set`.
    pub fn max_effective(&self, set: &Bitset) -> Resources {
        let mut m = Resources::ZERO;
        if set.count() <= VISIT_MAX {
            for t in set.iter() {
                if let Some(e) = &self.effective[t] {
                    m = m.max(e);
                }
            }
            return m;
        }
        for (k, th) in ResourceKind::ALL.iter().zip(&self.thresholds) {
            m.set(*k, th.max_in(set));
        }
        m
    }

    /// Component-wise maximum capacity over `set`, a subset of the base types (for
    /// `subtractMax`).
    pub fn max_capacity(&self, set: &Bitset) -> Resources {
        let mut m = Resources::ZERO;
        if set.count() <= VISIT_MAX {
            for t in set.iter() {
                m = m.max(&self.input.instance_types[t].capacity);
            }
            return m;
        }
        for (k, th) in ResourceKind::ALL.iter().zip(&self.capacity_thresholds) {
            m.set(*k, th.max_in(set));
        }
        m
    }

    /// [`PoolIndex::within_limits`], remembering the last few answers.
    pub fn within_limits_cached(&mut self, remaining: &Resources) -> Bitset {
        if let Some((_, b)) = self.limit_cache.iter().find(|(r, _)| r == remaining) {
            return b.clone();
        }
        let b = self.within_limits(remaining);
        if self.limit_cache.len() == LIMIT_CACHE_MAX {
            self.limit_cache.remove(0);
        }
        self.limit_cache.push((*remaining, b.clone()));
        b
    }

    /// Types whose capacity fits in `remaining` for every limited resource
    /// (`filterByRemainingResources`).
    pub fn within_limits(&self, remaining: &Resources) -> Bitset {
        // Far from a limit, no type is over it: only each kind's largest are looked at.
        let mut b = self.base.clone();
        for (k, order) in ResourceKind::ALL.iter().zip(&self.capacity_order) {
            let left = remaining.get(*k);
            for &t in order {
                if self.input.instance_types[t].capacity.get(*k) <= left {
                    break;
                }
                b.remove(t);
            }
        }
        b
    }
}

impl PoolIndex {
    /// The values of `key` a new node of this pool can have: any its allowed types'
    /// requirements name, within the template's own requirement on the key. Cached: a
    /// solve with topology asks for every topology key.
    pub fn domain_values(&mut self, key: &str) -> &[String] {
        if !self.domain_cache.contains_key(key) {
            let template = self.template_reqs.get(key);
            let mut values: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
            for t in self.base.iter() {
                if let Some(r) = self.type_reqs[t].get(key)
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
            let kept: Vec<String> = values
                .into_iter()
                .filter(|v| template.is_none_or(|r| r.has(v)))
                .map(str::to_string)
                .collect();
            self.domain_cache.insert(key.to_string(), kept);
        }
        self.domain_cache.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use model::NodePoolId;
    use model::catalog::{Catalog, CatalogOptions};
    use model::kubelet::KubeletConfig;
    use proptest::prelude::*;

    use super::*;

    /// The real us-east-1 catalogue: capacities that no single order sorts.
    fn pool() -> PoolIndex {
        let types = Catalog::new(CatalogOptions::new("us-east-1", &["us-east-1a"]))
            .instance_types(&KubeletConfig::default());
        let input = PoolInput {
            id: NodePoolId(0),
            nodepool: crate::testing::nodepool("default"),
            instance_types: types,
        };
        PoolIndex::new(input, &[])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The threshold searches and ordered scans give what visiting every type gives,
        /// for option sets of every size and limits near and far.
        #[test]
        fn ordered_scans_equal_full_visits(
            keep_one_in in 1usize..200,
            offset in 0usize..200,
            at_type in 0usize..2_000,
            below in 0u64..2,
            memory_gib_left in 0u64..2_000,
        ) {
            let pool = pool();
            // A limit exactly at some type's capacity, or just below it.
            let types = &pool.input.instance_types;
            let cpu_left = types[at_type % types.len()].capacity.cpu_millis() - below;
            let mut set = Bitset::empty(pool.len());
            for t in pool.base.iter().filter(|t| (t + offset) % keep_one_in == 0) {
                set.insert(t);
            }
            let visited = set
                .iter()
                .filter_map(|t| pool.effective[t])
                .fold(Resources::ZERO, |m, e| m.max(&e));
            prop_assert_eq!(pool.max_effective(&set), visited);
            let visited = set
                .iter()
                .map(|t| pool.input.instance_types[t].capacity)
                .fold(Resources::ZERO, |m, c| m.max(&c));
            prop_assert_eq!(pool.max_capacity(&set), visited);
            let remaining = Resources::UNLIMITED
                .with(ResourceKind::CpuMillis, cpu_left)
                .with(ResourceKind::MemoryBytes, memory_gib_left << 30);
            let mut naive = Bitset::empty(pool.len());
            for t in pool.base.iter() {
                if pool.input.instance_types[t].capacity.fits_in(&remaining) {
                    naive.insert(t);
                }
            }
            let within = pool.within_limits(&remaining);
            prop_assert_eq!(within.words(), naive.words());
        }
    }
}
