//! Turning a solved claim into what would be launched: order options by price and
//! truncate (`nodeclaimtemplate.go: ToNodeClaim`, `cloudprovider/types.go: OrderByPrice`),
//! then the AWS provider's choice (`pkg/providers/instance/instance.go`): drop exotic
//! types if others remain, truncate to 60, capacity type reserved > spot > on-demand,
//! and the cheapest offering of that capacity type over the allowed zones.

use model::instance::{CapacityType, InstanceType, Offering};
use model::labels;
use model::requirements::Requirements;
use model::resources::{ResourceKind, Resources};

use crate::bitset::Bitset;
use crate::input::VersionProfile;
use crate::output::LaunchChoice;
use crate::pool_index::{PoolIndex, capacity_slot};

pub(crate) struct Finalized {
    pub options: Vec<usize>,
    pub launch: Option<LaunchChoice>,
    pub requests: Resources,
    pub requirements: Requirements,
}

/// GPU, accelerator and metal types (`ExoticInstanceTypeFilter`).
pub(crate) fn is_exotic(t: &InstanceType) -> bool {
    t.allocatable.get(ResourceKind::NvidiaGpu) > 0
        || t.allocatable.get(ResourceKind::AmdGpu) > 0
        || t.allocatable.get(ResourceKind::AwsNeuron) > 0
        || t.label(labels::INSTANCE_SIZE)
            .is_some_and(|s| s.contains("metal"))
        || t.label(labels::INSTANCE_GPU_COUNT).is_some()
}

pub(crate) fn finalize(
    pool: &mut PoolIndex,
    options: &Bitset,
    reqs: &Requirements,
    pod_requests: &Resources,
    profile: VersionProfile,
) -> Finalized {
    let slot = pool.price_slot(reqs);
    let pool = &*pool;
    let prices = pool.prices(slot);
    let options: Vec<usize> = prices
        .order
        .iter()
        .filter(|(_, t)| options.contains(*t))
        .take(profile.max_instance_types())
        .map(|&(_, t)| t)
        .collect();
    let offers = &prices.offers;
    let types = &pool.input.instance_types;

    // FinalizeScheduling adds the smallest daemonset overhead over the options.
    let overhead = match pool.uniform_overhead {
        Some(o) if !options.is_empty() => Some(o),
        _ => (options.iter())
            .map(|&t| pool.overhead[t])
            .reduce(|a, b| a.min(&b)),
    };
    let requests = pod_requests.saturating_add(&overhead.unwrap_or_default());

    let mut requirements = Requirements::default();
    for r in reqs.iter() {
        if r.key != labels::HOSTNAME {
            requirements.add(r.clone());
        }
    }

    let mut launchable: Vec<usize> = options.clone();
    if launchable.iter().any(|&t| !pool.exotic[t]) {
        launchable.retain(|&t| !pool.exotic[t]);
    }
    launchable.truncate(profile.provider_max_instance_types());
    let capacity_type = [
        CapacityType::Reserved,
        CapacityType::Spot,
        CapacityType::OnDemand,
    ]
    .into_iter()
    .find(|ct| {
        launchable
            .iter()
            .any(|&t| offers[t][capacity_slot(*ct)].is_some())
    });
    // The cheapest offering of that capacity type over the launchable types, ties to the
    // type ranked first (each type's own cheapest is by price, then zone name).
    let launch = capacity_type.and_then(|ct| {
        let mut best: Option<(u64, usize, &Offering)> = None;
        for (rank, &t) in launchable.iter().enumerate() {
            let Some(offer) = offers[t][capacity_slot(ct)] else {
                continue;
            };
            let o = &types[t].offerings[usize::from(offer.cheapest)];
            if best.is_none_or(|(p, _, _)| o.price.0 < p) {
                best = Some((o.price.0, rank, o));
            }
        }
        best.map(|(_, rank, o)| {
            let t = &types[launchable[rank]];
            LaunchChoice {
                instance_type: t.id,
                instance_type_name: t.name.clone(),
                zone: o.zone.clone(),
                capacity_type: ct,
                price: o.price,
            }
        })
    });
    Finalized {
        options,
        launch,
        requests,
        requirements,
    }
}

#[cfg(test)]
mod tests {
    use model::ids::NodePoolId;
    use model::price::UsdPerHour;
    use model::requirements::{Operator, Requirement};
    use proptest::prelude::*;

    use super::*;
    use crate::input::PoolInput;

    const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

    /// The AWS provider's rule read literally: every allowed offering of every
    /// launchable type, the capacity type by preference, then the least (price, rank,
    /// zone).
    fn offering_by_offering(
        types: &[InstanceType],
        launchable: &[usize],
        reqs: &Requirements,
    ) -> Option<(usize, String, CapacityType)> {
        let filter = model::instance::OfferingFilter::new(reqs);
        let allowed = |o: &Offering| o.available && filter.allows(o);
        let ct = [
            CapacityType::Reserved,
            CapacityType::Spot,
            CapacityType::OnDemand,
        ]
        .into_iter()
        .find(|ct| {
            launchable.iter().any(|&t| {
                types[t]
                    .offerings
                    .iter()
                    .any(|o| o.capacity_type == *ct && allowed(o))
            })
        })?;
        let mut best: Option<(u64, usize, &Offering)> = None;
        for (rank, &t) in launchable.iter().enumerate() {
            for o in types[t]
                .offerings
                .iter()
                .filter(|o| o.capacity_type == ct && allowed(o))
            {
                if best.is_none_or(|(p, r, b)| (o.price.0, rank, &o.zone) < (p, r, &b.zone)) {
                    best = Some((o.price.0, rank, o));
                }
            }
        }
        best.map(|(_, rank, o)| (launchable[rank], o.zone.clone(), ct))
    }

    /// A daemonset that selects some types makes overheads differ: a launch adds the
    /// least over its options (`FinalizeScheduling`), whatever type comes first.
    #[test]
    fn a_launch_adds_the_least_daemonset_overhead_over_its_options() {
        let types = crate::testing::fake_catalogue(4, &ZONES);
        let everywhere = model::workload::DaemonSet {
            name: "agent".into(),
            spec: std::sync::Arc::new(model::pod::PodSpec::with_requests(Resources::new(
                100,
                1 << 20,
            ))),
        };
        let mut only_smallest = model::pod::PodSpec::with_requests(Resources::new(500, 1 << 20));
        only_smallest
            .node_selector
            .insert(labels::INSTANCE_TYPE.to_string(), types[0].name.clone());
        let picky = model::workload::DaemonSet {
            name: "picky".into(),
            spec: std::sync::Arc::new(only_smallest),
        };
        let mut pool = PoolIndex::new(
            PoolInput {
                id: NodePoolId(0),
                nodepool: crate::testing::nodepool("default"),
                instance_types: types,
            },
            &[everywhere, picky],
        );
        assert_eq!(pool.overhead[0].cpu_millis(), 600);
        let pod = Resources::new(1_000, 1 << 30);
        let every_type = pool.base.clone();
        let mut launch = |options: &Bitset| {
            finalize(
                &mut pool,
                options,
                &Requirements::default(),
                &pod,
                VersionProfile::V1,
            )
        };
        let all = launch(&every_type);
        assert_eq!(
            all.options.first(),
            Some(&0),
            "the cheapest type comes first"
        );
        assert_eq!(all.requests.cpu_millis(), 1_100);
        let mut smallest = Bitset::empty(4);
        smallest.insert(0);
        assert_eq!(launch(&smallest).requests.cpu_millis(), 1_600);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The kept cheapest offering per type and capacity type launches what matching
        /// every offering would, with ties in price across zones and types, offerings
        /// out of capacity, and zone and capacity-type requirements; the kept cheapest
        /// offering and dearest price per type are those of its allowed offerings.
        #[test]
        fn kept_cheapest_offerings_launch_what_every_offering_would(
            prices in proptest::collection::vec(1u64..4, 8 * 6),
            unavailable in proptest::collection::vec(any::<bool>(), 8 * 6),
            zones in proptest::collection::vec(any::<bool>(), 3),
            capacity in 0usize..4,
        ) {
            let mut types = crate::testing::fake_catalogue(8, &ZONES);
            for (t, it) in types.iter_mut().enumerate() {
                // Offerings in no zone order, so the zone tie-break is not their order.
                if t % 2 == 1 {
                    it.offerings.reverse();
                }
                for (oi, o) in it.offerings.iter_mut().enumerate() {
                    o.price = UsdPerHour(prices[t * 6 + oi]);
                    o.available = !unavailable[t * 6 + oi] || oi == 0;
                }
            }
            let mut reqs = Requirements::default();
            let allowed_zones: Vec<&str> =
                ZONES.iter().zip(&zones).filter(|(_, on)| **on).map(|(z, _)| *z).collect();
            if !allowed_zones.is_empty() {
                reqs.add(Requirement::new(labels::ZONE, Operator::In, allowed_zones));
            }
            let cts: &[&str] = match capacity {
                0 => &[],
                1 => &["spot"],
                2 => &["on-demand"],
                _ => &["spot", "on-demand"],
            };
            if !cts.is_empty() {
                reqs.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, cts.iter().copied()));
            }
            let mut pool = PoolIndex::new(
                PoolInput {
                    id: NodePoolId(0),
                    nodepool: crate::testing::nodepool("default"),
                    instance_types: types.clone(),
                },
                &[],
            );
            let base = pool.base.clone();
            let f = finalize(&mut pool, &base, &reqs, &Resources::ZERO, VersionProfile::V1);
            let want = offering_by_offering(&types, &f.options, &reqs);
            let got = f.launch.map(|l| (
                types.iter().position(|t| t.id == l.instance_type).unwrap_or(usize::MAX),
                l.zone,
                l.capacity_type,
            ));
            prop_assert_eq!(got, want);
            // What the replacement rule reads: per type and capacity type, the cheapest
            // allowed offering and the dearest allowed price.
            let slot = pool.price_slot(&reqs);
            let filter = model::instance::OfferingFilter::new(&reqs);
            for t in pool.base.iter() {
                for ct in [CapacityType::Reserved, CapacityType::Spot, CapacityType::OnDemand] {
                    let allowed: Vec<(usize, &Offering)> = (types[t].offerings.iter().enumerate())
                        .filter(|(_, o)| o.available && o.capacity_type == ct && filter.allows(o))
                        .collect();
                    let want = allowed
                        .iter()
                        .min_by(|a, b| (a.1.price, &a.1.zone).cmp(&(b.1.price, &b.1.zone)))
                        .map(|(i, _)| (*i, allowed.iter().map(|(_, o)| o.price).max()));
                    let got = pool.prices(slot).offers[t][capacity_slot(ct)]
                        .map(|f| (usize::from(f.cheapest), Some(f.dearest)));
                    prop_assert_eq!(got, want);
                }
            }
        }
    }
}
