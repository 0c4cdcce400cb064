//! Turning a solved claim into what would be launched: order options by price and
//! truncate (`nodeclaimtemplate.go: ToNodeClaim`, `cloudprovider/types.go: OrderByPrice`),
//! then the AWS provider's choice (`pkg/providers/instance/instance.go`): drop exotic
//! types if others remain, truncate to 60, capacity type reserved > spot > on-demand,
//! and the cheapest offering of that capacity type over the allowed zones.

use model::instance::{CapacityType, InstanceType, Offering, OfferingFilter};
use model::labels;
use model::requirements::Requirements;
use model::resources::{ResourceKind, Resources};

use crate::bitset::Bitset;
use crate::input::VersionProfile;
use crate::output::LaunchChoice;
use crate::pool_index::PoolIndex;

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
    let options: Vec<usize> = pool
        .price_order(reqs)
        .iter()
        .filter(|(_, t)| options.contains(*t))
        .take(profile.max_instance_types())
        .map(|&(_, t)| t)
        .collect();
    let pool = &*pool;
    let types = &pool.input.instance_types;

    // FinalizeScheduling adds the smallest daemonset overhead over the options.
    let mut overhead: Option<Resources> = None;
    for &t in &options {
        overhead = Some(match overhead {
            None => pool.overhead[t],
            Some(o) => o.min(&pool.overhead[t]),
        });
    }
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
    let filter = OfferingFilter::new(reqs);
    let allowed = |o: &Offering| o.available && filter.allows(o);
    let capacity_type = [
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
    });
    let launch = capacity_type.and_then(|ct| {
        let mut best: Option<(u64, usize, &Offering)> = None;
        for (rank, &t) in launchable.iter().enumerate() {
            for o in &types[t].offerings {
                if o.capacity_type != ct || !allowed(o) {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((p, r, b)) => (o.price.0, rank, &o.zone) < (p, r, &b.zone),
                };
                if better {
                    best = Some((o.price.0, rank, o));
                }
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
