//! The replacement a consolidation may launch: its options cut to those strictly cheaper
//! at their worst-case launch price (`RemoveInstanceTypeOptionsByPriceAndMinValues`),
//! same-type options dropped (`filterOutSameInstanceType`), and the spot-to-spot rules.
//!
//! A pass tries many candidate sets, and their replacements draw on the same NodePool
//! types under the same zone and capacity-type requirements; each type's cheapest
//! allowed offering and dearest price are read once ([`LaunchPrices`]), until an
//! offering's availability changes.

use model::NodeId;
use model::instance::{CapacityType, InstanceType, OfferingFilter};
use model::labels;
use model::price::UsdPerHour;
use model::requirements::Requirement;
use packer::NewClaim;

use crate::sim::Simulation;

/// `MinInstanceTypesForSpotToSpotConsolidation`.
const SPOT_TO_SPOT_MIN_TYPES: usize = 15;

/// Per NodePool type, under one capacity type and one pair of zone and capacity-type
/// requirements: its position in the pool, the index of its cheapest allowed offering
/// (ties: lower zone) and its dearest allowed price, or `None` without any. Valid while
/// no offering changes availability (`capacity.rs` clears it then).
#[derive(Debug, Default)]
pub struct LaunchPrices {
    tables: Vec<PriceTable>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    position: usize,
    cheapest: usize,
    dearest: UsdPerHour,
}

#[derive(Debug)]
struct PriceTable {
    pool: usize,
    capacity: CapacityType,
    zone: Option<Requirement>,
    capacity_type: Option<Requirement>,
    /// By instance-type id; the outer `None` is "not read yet".
    by_id: Vec<Option<Option<Entry>>>,
}

impl LaunchPrices {
    /// Forgets every price read (after an offering changed availability).
    pub fn clear(&mut self) {
        self.tables.clear();
    }
}

/// Type `t`'s cheapest offering allowed by `filter` for `capacity` (ties: lower zone) and
/// its dearest allowed price.
fn cheapest_and_dearest(
    t: &InstanceType,
    capacity: CapacityType,
    filter: &OfferingFilter,
) -> Option<(usize, UsdPerHour)> {
    let mut best: Option<usize> = None;
    let mut worst = UsdPerHour(0);
    for (i, o) in t.offerings.iter().enumerate() {
        if !(o.available && o.capacity_type == capacity && filter.allows(o)) {
            continue;
        }
        if best.is_none_or(|b| (o.price, &o.zone) < (t.offerings[b].price, &t.offerings[b].zone)) {
            best = Some(i);
        }
        worst = worst.max(o.price);
    }
    best.map(|b| (b, worst))
}

impl Simulation<'_> {
    /// Cuts a replacement's options to those whose worst-case launch price is strictly
    /// below `current`, drops same-type options no cheaper than a candidate of that type,
    /// applies the spot-to-spot rules, and launches the cheapest that remains.
    pub(crate) fn cheaper_launch(
        &mut self,
        mut claim: NewClaim,
        current: UsdPerHour,
        nodes: &[NodeId],
        all_spot: bool,
    ) -> Result<NewClaim, String> {
        let pool = claim.pool_index;
        let Some(capacity) = claim.launch.as_ref().map(|l| l.capacity_type) else {
            return Err("the replacement has no launchable offering".into());
        };
        if all_spot
            && capacity == CapacityType::Spot
            && !self.cfg.karpenter.spot_to_spot_consolidation
        {
            return Err(
                "spot-to-spot replacement needs the SpotToSpotConsolidation feature gate".into(),
            );
        }
        let zone = claim.requirements.get(labels::ZONE);
        let capacity_type = claim.requirements.get(labels::CAPACITY_TYPE);
        let Some(types) = self.pool_types.get(pool) else {
            return Err("no replacement option fits".into());
        };
        let prices = &mut self.launch_prices.tables;
        let table = match prices.iter().position(|t| {
            t.pool == pool
                && t.capacity == capacity
                && t.zone.as_ref() == zone
                && t.capacity_type.as_ref() == capacity_type
        }) {
            Some(i) => &mut prices[i],
            None => {
                prices.push(PriceTable {
                    pool,
                    capacity,
                    zone: zone.cloned(),
                    capacity_type: capacity_type.cloned(),
                    by_id: Vec::new(),
                });
                let last = prices.len() - 1;
                &mut prices[last]
            }
        };
        let filter = OfferingFilter::new(&claim.requirements);
        // Per option: its cheapest allowed offering (the launch) and its worst-case price.
        let mut kept: Vec<(UsdPerHour, UsdPerHour, &InstanceType, usize)> = Vec::new();
        let mut cheapest_rejected: Option<UsdPerHour> = None;
        for id in &claim.instance_type_options {
            if table.by_id.len() <= id.index() {
                table.by_id.resize(id.index() + 1, None);
            }
            let entry = *table.by_id[id.index()].get_or_insert_with(|| {
                let position = types.binary_search_by_key(id, |t| t.id).ok()?;
                let (cheapest, dearest) =
                    cheapest_and_dearest(&types[position], capacity, &filter)?;
                Some(Entry {
                    position,
                    cheapest,
                    dearest,
                })
            });
            let Some(Entry {
                position,
                cheapest: best,
                dearest: worst,
            }) = entry
            else {
                continue;
            };
            let t = &types[position];
            let same_type_no_cheaper = || {
                nodes.iter().any(|n| {
                    let node = self.state.node(*n);
                    node.instance_type == t.name && node.price <= worst
                })
            };
            if worst < current && !(nodes.len() > 1 && same_type_no_cheaper()) {
                kept.push((t.offerings[best].price, worst, t, best));
            } else {
                cheapest_rejected = Some(cheapest_rejected.map_or(worst, |c| c.min(worst)));
            }
        }
        if kept.is_empty() {
            return Err(match cheapest_rejected {
                Some(p) => {
                    format!("no cheaper replacement: the cheapest option costs {p} ≥ {current}")
                }
                None => "no replacement option fits".into(),
            });
        }
        if all_spot && nodes.len() == 1 && kept.len() < SPOT_TO_SPOT_MIN_TYPES {
            return Err(format!(
                "spot-to-spot replacement needs {SPOT_TO_SPOT_MIN_TYPES} cheaper spot types, only {} are",
                kept.len()
            ));
        }
        kept.sort_by_key(|k| (k.0, k.1, k.2.id));
        let (best_price, _, t, offer) = kept[0];
        let launch = packer::LaunchChoice {
            instance_type: t.id,
            instance_type_name: t.name.clone(),
            zone: t.offerings[offer].zone.clone(),
            capacity_type: capacity,
            price: best_price,
        };
        claim.instance_type_options = kept.iter().map(|k| k.2.id).collect();
        claim.launch = Some(launch);
        Ok(claim)
    }
}
