//! What one pod takes from a node.

use model::resources::{ResourceKind, Resources};

/// A pod's requests as a node sees them: the spec's requests with `pods` = 1, as
/// Karpenter's `resources.RequestsForPods` counts every pod once against allocatable pods.
#[inline]
pub fn pod_demand(requests: &Resources) -> Resources {
    requests.with(ResourceKind::Pods, 1)
}
