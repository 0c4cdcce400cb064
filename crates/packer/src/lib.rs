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
//!     .map(|i| Pod { id: PodId(i), name: format!("web-{i}"), workload: WorkloadId(0), spec: spec.clone(), created_at: SimTime::default() })
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
pub use input::{ExistingNode, NodeRef, PoolInput, PoolUsage, ScheduleInput, VersionProfile};
pub use output::{Binding, LaunchChoice, NewClaim, ScheduleOutput, Unschedulable};
pub use scheduler::Scheduler;
