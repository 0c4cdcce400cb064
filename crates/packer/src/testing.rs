//! Builders for tests, benches and examples: a plain NodePool, pods from shapes, and
//! small catalogues. Not used by the solve itself.

use std::sync::Arc;

use model::ids::{InstanceTypeId, PodId, WorkloadId};
use model::instance::{CapacityType, InstanceType, Offering};
use model::labels::{self, Labels};
use model::nodepool::{Disruption, Limits, NodePool};
use model::pod::{Pod, PodSpec};
use model::price::UsdPerHour;
use model::requirements::Requirements;
use model::resources::{ResourceKind, Resources};
use model::time::SimTime;

/// A NodePool with no requirements, taints or limits, weight 0.
pub fn nodepool(name: &str) -> NodePool {
    NodePool {
        name: name.to_string(),
        node_class: "default".to_string(),
        weight: 0,
        labels: Labels::new(),
        taints: Vec::new(),
        startup_taints: Vec::new(),
        requirements: Requirements::default(),
        limits: Limits::default(),
        disruption: Disruption::default(),
        expire_after: None,
        termination_grace_period: None,
        kubelet: None,
    }
}

/// `n` pods sharing one spec, ids from `first_id`.
pub fn pods(spec: &Arc<PodSpec>, n: usize, first_id: u32) -> Vec<Pod> {
    (0..n)
        .map(|i| {
            let id = first_id + i as u32;
            Pod {
                id: PodId(id),
                name: format!("pod-{id}"),
                workload: WorkloadId(0),
                spec: spec.clone(),
                created_at: SimTime::default(),
            }
        })
        .collect()
}

/// A synthetic instance type in the style of Karpenter's fake cloud provider
/// (`pkg/cloudprovider/fake/instancetype.go`): allocatable = capacity, offerings in the
/// given zones for spot and on-demand, spot at 70 % of the on-demand price.
pub fn fake_type(
    id: u32,
    name: &str,
    cpu_millis: u64,
    memory_bytes: u64,
    pods: u64,
    on_demand: UsdPerHour,
    zones: &[&str],
) -> InstanceType {
    let capacity = Resources::new(cpu_millis, memory_bytes).with(ResourceKind::Pods, pods);
    let mut l = Labels::new();
    l.insert(labels::INSTANCE_TYPE.to_string(), name.to_string());
    l.insert(labels::ARCH.to_string(), "amd64".to_string());
    l.insert(labels::OS.to_string(), "linux".to_string());
    let mut offerings = Vec::new();
    for z in zones {
        offerings.push(Offering {
            zone: z.to_string(),
            capacity_type: CapacityType::Spot,
            price: UsdPerHour(on_demand.0 / 10 * 7),
            available: true,
            interruption_band: Some(0),
        });
        offerings.push(Offering {
            zone: z.to_string(),
            capacity_type: CapacityType::OnDemand,
            price: on_demand,
            available: true,
            interruption_band: None,
        });
    }
    InstanceType {
        id: InstanceTypeId(id),
        name: name.to_string(),
        labels: l,
        capacity,
        allocatable: capacity,
        offerings,
    }
}

/// `n` fake types: type i has i+1 vCPU, 2(i+1) GiB, 10(i+1) pods (capped at 110) and a
/// linear price, like Karpenter's fake catalogue.
pub fn fake_catalogue(n: usize, zones: &[&str]) -> Vec<InstanceType> {
    (0..n)
        .map(|i| {
            let k = i as u64 + 1;
            fake_type(
                i as u32,
                &format!("fake-{k}x"),
                k * 1000,
                k * 2 * (1 << 30),
                (k * 10).min(110),
                UsdPerHour(k * 100_000_000),
                zones,
            )
        })
        .collect()
}
