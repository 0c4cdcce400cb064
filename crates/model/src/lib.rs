//! karpsim's domain model.
//!
//! Plain data and pure functions: quantities, simulated time, pods, nodes, NodePools,
//! Karpenter's requirements algebra, taints, budgets, PDBs and the embedded EC2
//! catalogue with Karpenter's allocatable formula. This crate does no I/O and never
//! reads a clock; the scenario crate turns files into these types and the packer and
//! engine compute with them.
//!
//! ```
//! use model::catalog::{Catalog, CatalogOptions};
//! use model::kubelet::KubeletConfig;
//!
//! let catalog = Catalog::new(CatalogOptions::new("us-east-1", &["us-east-1a", "us-east-1b"]));
//! let types = catalog.instance_types(&KubeletConfig::default());
//! let m6i = types.iter().find(|t| t.name == "m6i.4xlarge").unwrap();
//! assert_eq!(m6i.allocatable.cpu_millis(), 15_890);
//! assert_eq!(m6i.offerings.iter().find(|o| o.capacity_type.label_value() == "on-demand").unwrap().price.to_string(), "$0.768/h");
//! ```

#![warn(clippy::disallowed_types)]

pub mod catalog;
pub mod cron;
pub mod ids;
pub mod instance;
pub mod kubelet;
pub mod labels;
pub mod node;
pub mod nodepool;
pub mod pod;
pub mod price;
pub mod quantity;
pub mod requirements;
pub mod resources;
pub mod taints;
pub mod time;
pub mod workload;

pub use ids::{InstanceTypeId, NodeClaimId, NodeId, NodePoolId, PodId, WorkloadId};
pub use resources::{ResourceKind, Resources};
pub use time::{SimDuration, SimTime};
