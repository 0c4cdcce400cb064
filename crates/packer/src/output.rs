//! What the scheduler decides.

use model::ids::{InstanceTypeId, NodePoolId, PodId};
use model::instance::CapacityType;
use model::price::UsdPerHour;
use model::requirements::Requirements;
use model::resources::Resources;

use crate::input::NodeRef;

/// A pod placed on capacity that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub pod: PodId,
    pub node: NodeRef,
}

/// What launching a claim would pick (`getCapacityType`: reserved > spot > on-demand;
/// the cheapest offering of that capacity type over the allowed zones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchChoice {
    pub instance_type: InstanceTypeId,
    pub instance_type_name: String,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub price: UsdPerHour,
}

/// A NodeClaim the solve wants created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClaim {
    pub nodepool: NodePoolId,
    /// Index of the pool in the scheduler's pool list.
    pub pool_index: usize,
    pub pods: Vec<PodId>,
    /// Sum of the pods' requests plus the smallest daemonset overhead over the options
    /// (`FinalizeScheduling`).
    pub requests: Resources,
    /// The claim's requirements without the placeholder hostname. Karpenter's NodeClaim
    /// also lists its options as an `instance-type In [...]` requirement; here they are
    /// `instance_type_options` only (building that requirement for every consolidation
    /// probe's claim cost a tenth of a mixed-catalogue day, and nothing read it).
    pub requirements: Requirements,
    /// Narrowed options, cheapest first, truncated to the profile's `MaxInstanceTypes`.
    pub instance_type_options: Vec<InstanceTypeId>,
    /// `None` only if no option has an available offering (cannot happen for claims the
    /// solve creates, which require one).
    pub launch: Option<LaunchChoice>,
}

/// A pod the solve could not place, with a reason a person understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unschedulable {
    pub pod: PodId,
    pub reason: String,
}

/// The result of one solve. Every input pod appears exactly once across `bindings`,
/// the `pods` of `new_claims` and `unschedulable`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleOutput {
    pub bindings: Vec<Binding>,
    pub new_claims: Vec<NewClaim>,
    pub unschedulable: Vec<Unschedulable>,
}

impl ScheduleOutput {
    /// Hourly price of the new claims' launch choices.
    pub fn new_cost(&self) -> UsdPerHour {
        self.new_claims
            .iter()
            .filter_map(|c| c.launch.as_ref())
            .fold(UsdPerHour(0), |acc, l| acc.saturating_add(l.price))
    }

    pub fn pod_count(&self) -> usize {
        self.bindings.len()
            + self.new_claims.iter().map(|c| c.pods.len()).sum::<usize>()
            + self.unschedulable.len()
    }
}
