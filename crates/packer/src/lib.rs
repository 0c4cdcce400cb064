//! karpsim's packer: Karpenter's provisioning solve and a portfolio of bin-packing
//! heuristics with lower bounds. Pure functions over `model` types; no I/O, no clock.
//!
//! # Karpenter's solve
//!
//! Build a [`Scheduler`] once from the NodePools (each with its priced instance types,
//! allocatable computed under that pool's kubelet settings), the DaemonSets and a
//! [`VersionProfile`]; then call [`Scheduler::schedule`] for every provisioning batch
//! and every consolidation simulation:
//!
//! ```
//! use std::sync::Arc;
//! use model::catalog::{Catalog, CatalogOptions};
//! use model::kubelet::KubeletConfig;
//! use model::pod::{Pod, PodSpec};
//! use model::{PodId, NodePoolId, Resources, SimTime, WorkloadId};
//! use packer::{PoolInput, ScheduleInput, Scheduler, VersionProfile};
//!
//! let types = Catalog::new(CatalogOptions::new("us-east-1", &["us-east-1a", "us-east-1b"]))
//!     .instance_types(&KubeletConfig::default());
//! let pool = PoolInput { id: NodePoolId(0), nodepool: packer::testing::nodepool("default"), instance_types: types };
//! let mut scheduler = Scheduler::new(vec![pool], &[], VersionProfile::V1);
//! let spec = Arc::new(PodSpec::with_requests(Resources::new(1000, 1 << 30)));
//! let pods: Vec<Pod> = (0..10)
//!     .map(|i| Pod { id: PodId(i), name: format!("web-{i}").into(), workload: WorkloadId(0), spec: spec.clone(), created_at: SimTime::default() })
//!     .collect();
//! let out = scheduler.schedule(&ScheduleInput { pods: &pods, existing: &[], pool_usage: &[] });
//! assert_eq!(out.new_claims.len(), 1);
//! assert_eq!(out.new_claims[0].pods.len(), 10);
//! assert!(out.new_claims[0].launch.is_some());
//! ```
//!
//! Every input pod comes back exactly once: in [`ScheduleOutput::bindings`] (existing
//! nodes and in-flight claims, passed as [`ExistingNode`]s), on one of
//! [`ScheduleOutput::new_claims`], or in [`ScheduleOutput::unschedulable`] with a reason.
//!
//! # Heuristics and bounds
//!
//! [`vector`] packs plain vector instances (items and priced bin types) with the
//! heuristic portfolio ([`vector::Heuristic`]); [`bounds`] gives the per-dimension ceiling
//! bound and the fluid LP bound, so every packing can report `cost / bound`.

//! # What the engine calls
//!
//! * [`Scheduler::new`]`(pools, &daemonsets, profile)` once per scenario (or when pools
//!   change); [`Scheduler::warnings`] names pools that allow no type.
//! * [`Scheduler::schedule`]`(&ScheduleInput { pods, existing, pool_usage })` per batch and
//!   per consolidation probe. Existing nodes carry their free capacity implicitly
//!   (`allocatable − requested`, daemonsets included), taints, labels, initialized flag
//!   and bound pods (for topology); in-flight NodeClaims are passed as uninitialized
//!   existing nodes, as Karpenter's cluster state sees them. Strip startup taints from
//!   uninitialized nodes before passing them (Karpenter ignores them there).
//! * [`Scheduler::new_claims_bound`] for the fluid lower bound of the new claims' cost.
//! * [`Scheduler::set_offering_available`] after an insufficient-capacity error (and its
//!   recovery) and [`Scheduler::replace_pool`] when a pool changes; both re-index only
//!   the affected pools.
//! * [`vector::pack`] / [`vector::pack_scored`] with a [`vector::Heuristic`] for what-if
//!   packings of plain vectors; [`vector::Heuristic::parse`] selects by name.
//!
//! # Fidelity to Karpenter
//!
//! Modelled as in `kubernetes-sigs/karpenter` (paths in the module docs): the queue order
//! and no-progress stop, existing nodes then in-flight claims (fewest pods first) then
//! pools by weight, elastic claims narrowing their instance types, daemonset overhead per
//! pool and type, `limits` with `subtractMax` and `limits.nodes`, `minValues`, taints and
//! tolerations (PreferNoSchedule counted until the last relaxation rung), nodeSelector and
//! required/preferred node affinity, the relaxation ladder, topology spread (any key,
//! hostname minimum 0, `minDomains`), pod affinity and anti-affinity including inverse
//! anti-affinity from bound and batch pods, placeholder hostnames, truncation to
//! `MaxInstanceTypes` (60 in v0.37, 600 in v1) and the AWS launch choice.
//!
//! Not modelled or different:
//! * ties Karpenter leaves to Go's unstable sort or map order are broken by stable ids:
//!   equal-pod-count claims by creation order, equal topology domains by name;
//! * spot launches take the cheapest spot offering (AWS uses price-capacity-optimized),
//!   and `SpotOfferingFilter` (drop spot pricier than on-demand) is not applied;
//! * host ports, volumes (PVC zones, attach limits), DRA, reserved capacity and its
//!   no-fallback rule, namespaces in selectors, `matchLabelKeys`, `nodeTaintsPolicy` and
//!   `nodeAffinityPolicy`, init containers and pod overhead (requests are taken as given),
//!   `minValues` re-checked after truncation;
//! * a pod's `pods` request is ignored: every pod counts one against allocatable pods.

#![warn(clippy::disallowed_types)]

mod bitset;
pub mod bounds;
mod demand;
mod error;
mod existing;
mod input;
mod launch;
mod output;
mod pool_index;
mod reason;
mod scheduler;
pub mod testing;
mod topology;
mod variant;
pub mod vector;

pub use demand::pod_demand;
pub use error::PackerError;
pub use input::{
    BoundPods, ExistingNode, NodeRef, PoolInput, PoolUsage, ScheduleInput, VersionProfile,
};
pub use output::{Binding, LaunchChoice, NewClaim, ScheduleOutput, Unschedulable};
pub use scheduler::{
    Draft, DraftClaim, LimitRoom, OfferingPrices, PreparedExisting, ProbeWalk, QueueKey,
    QuickProbe, Scheduler, Stops, TopologySeed, merged_in_queue_order, plain, queue_key,
    queue_order,
};
