//! The replacement a consolidation may launch: its options cut to those strictly cheaper
//! at their worst-case launch price (`RemoveInstanceTypeOptionsByPriceAndMinValues`),
//! same-type options dropped (`filterOutSameInstanceType`), and the spot-to-spot rules.
//!
//! A pass tries many candidate sets, and their replacements draw on the same NodePool
//! types under the same zone and capacity-type requirements; each type's cheapest
//! allowed offering and dearest price are those the scheduler keeps for its own launch
//! choices (`packer::Scheduler::offering_prices`), until an offering's availability
//! changes.

use model::NodeId;
use model::instance::{CapacityType, InstanceType};
use model::price::UsdPerHour;
use packer::NewClaim;

use crate::sim::Simulation;

/// `MinInstanceTypesForSpotToSpotConsolidation`.
const SPOT_TO_SPOT_MIN_TYPES: usize = 15;

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
        let Some(prices) = self.scheduler.offering_prices(pool, &claim.requirements) else {
            return Err("no replacement option fits".into());
        };
        // Per option: its cheapest allowed offering (the launch) and its worst-case price.
        let mut kept: Vec<(UsdPerHour, UsdPerHour, &InstanceType, usize)> = Vec::new();
        let mut cheapest_rejected: Option<UsdPerHour> = None;
        for id in &claim.instance_type_options {
            let Some((t, best, worst)) = prices.get(*id, capacity) else {
                continue;
            };
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
