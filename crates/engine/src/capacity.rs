//! Insufficient capacity. When EC2 has no capacity for the offering a NodeClaim would
//! launch (`InsufficientInstanceCapacity`), CreateFleet falls through to the claim's
//! other offerings of the same capacity type, cheapest first; Karpenter marks every
//! offering that failed unavailable for three minutes
//! (`pkg/cache/unavailableofferings.go` in karpenter-provider-aws, `UnavailableOfferingsTTL`),
//! so its next solves avoid them. If none has capacity the launch fails and the pods are
//! provisioned again.

use model::SimDuration;
use model::SimTime;
use model::ids::InstanceTypeId;
use model::instance::{CapacityType, OfferingFilter};
use packer::{LaunchChoice, NewClaim};

use crate::output::{EventKind, Provisioner};
use crate::sim::{Event, Simulation};

/// `UnavailableOfferingsTTL`.
pub const UNAVAILABLE_OFFERING_TTL: SimDuration = SimDuration(3 * 60_000);

/// An offering marked unavailable after an insufficient-capacity error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnavailableOffering {
    pub instance_type: InstanceTypeId,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub until: SimTime,
}

impl Simulation<'_> {
    /// The launch EC2 grants for `claim`: its chosen offering, or the cheapest other
    /// offering of its options with the same capacity type that has capacity. Every
    /// offering found short is marked unavailable. `None` if none has capacity.
    pub fn launch_with_capacity(&mut self, now: SimTime, claim: &NewClaim) -> Option<LaunchChoice> {
        let launch = claim.launch.as_ref()?;
        if self.cfg.capacity_shortages.is_empty() {
            return Some(launch.clone());
        }
        let pool = claim.pool_index;
        // Offerings the fleet request would try, cheapest first.
        let mut tries: Vec<LaunchChoice> = vec![launch.clone()];
        let mut rest: Vec<LaunchChoice> = Vec::new();
        let filter = OfferingFilter::new(&claim.requirements);
        for id in &claim.instance_type_options {
            let Some(t) = self.pool_type(pool, *id) else {
                continue;
            };
            for o in t.offerings.iter().filter(|o| {
                o.available && o.capacity_type == launch.capacity_type && filter.allows(o)
            }) {
                if t.id == launch.instance_type && o.zone == launch.zone {
                    continue;
                }
                rest.push(LaunchChoice {
                    instance_type: t.id,
                    instance_type_name: t.name.clone(),
                    zone: o.zone.clone(),
                    capacity_type: o.capacity_type,
                    price: o.price,
                });
            }
        }
        rest.sort_by(|a, b| {
            (a.price, &a.zone, a.instance_type).cmp(&(b.price, &b.zone, b.instance_type))
        });
        tries.extend(rest);
        for choice in tries {
            let short = self.cfg.capacity_shortages.iter().any(|s| {
                s.covers(
                    &choice.instance_type_name,
                    &choice.zone,
                    choice.capacity_type,
                    now,
                )
            });
            if !short {
                return Some(choice);
            }
            self.mark_unavailable(now, pool, &choice);
        }
        None
    }

    fn mark_unavailable(&mut self, now: SimTime, pool: usize, choice: &LaunchChoice) {
        let until = now.saturating_add(UNAVAILABLE_OFFERING_TTL);
        self.set_offering(
            choice.instance_type,
            &choice.zone,
            choice.capacity_type,
            false,
        );
        self.unavailable.push(UnavailableOffering {
            instance_type: choice.instance_type,
            zone: choice.zone.clone(),
            capacity_type: choice.capacity_type,
            until,
        });
        self.queue.schedule(until, Event::OfferingsRecheck);
        let owner = self.cfg.nodepools[pool].name.clone();
        self.log(
            now,
            EventKind::InsufficientCapacity,
            Some(Provisioner::Karpenter),
            None,
            None,
            Some(owner),
            format!(
                "InsufficientInstanceCapacity for {} {} in {}; offering unavailable until {}",
                choice.instance_type_name, choice.capacity_type, choice.zone, until
            ),
        );
    }

    /// Offerings whose unavailability expired become available again, and pods still
    /// pending get another provisioning attempt.
    pub fn offerings_recheck(&mut self, now: SimTime) {
        let (expired, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unavailable)
            .into_iter()
            .partition(|u| u.until <= now);
        self.unavailable = kept;
        for u in expired {
            let still = self.unavailable.iter().any(|k| {
                k.instance_type == u.instance_type
                    && k.zone == u.zone
                    && k.capacity_type == u.capacity_type
            });
            if !still {
                self.set_offering(u.instance_type, &u.zone, u.capacity_type, true);
            }
        }
        if !self.state.pending.is_empty() {
            self.trigger_batch(now);
        }
    }

    /// Sets an offering's availability in the scheduler and in the priced catalogue the
    /// disruption controller reads, so both see the same market.
    fn set_offering(&mut self, id: InstanceTypeId, zone: &str, ct: CapacityType, available: bool) {
        let changed = self
            .scheduler
            .set_offering_available(id, zone, ct, available);
        if changed > 0 {
            // A prepared snapshot caches the topology domains the pools can produce.
            self.snapshot.prepared = None;
        }
        self.pools_changed();
        let mut flipped = changed > 0;
        for t in self.pool_types.iter_mut().flatten().filter(|t| t.id == id) {
            for o in t
                .offerings
                .iter_mut()
                .filter(|o| o.zone == zone && o.capacity_type == ct)
            {
                flipped |= o.available != available;
                o.available = available;
            }
        }
        if flipped {
            // Karpenter cannot see this (`ConsolidationState`'s five-minute reset exists
            // for it), but a pass here reads the offerings: replacements and the
            // cheaper-type precheck depend on them.
            self.state.version += 1;
        }
    }
}
