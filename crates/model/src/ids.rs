//! Dense integer ids. Simulation state lives in `Vec`s indexed by these, never in hash
//! maps, so iteration order is the id order and runs are reproducible.

use serde::Serialize;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(/// A pod, unique for the whole run (replacements get new ids).
    PodId);
id_type!(/// A node, unique for the whole run.
    NodeId);
id_type!(/// A NodeClaim created by the provisioner.
    NodeClaimId);
id_type!(/// A NodePool, by position in the scenario.
    NodePoolId);
id_type!(/// A workload (Deployment, DaemonSet, Job), by position in the scenario.
    WorkloadId);
id_type!(/// An instance type, by position in the catalogue.
    InstanceTypeId);
