//! Shared builders for the packer's integration tests: a catalogue shaped like
//! Karpenter's fake cloud provider (`pkg/cloudprovider/fake/cloudprovider.go`).

#![allow(dead_code)]

use std::sync::Arc;

use model::ids::{NodePoolId, PodId, WorkloadId};
use model::instance::InstanceType;
use model::labels::{self, LabelSelector, Labels};
use model::nodepool::NodePool;
use model::pod::{
    NodeSelectorRequirement, Pod, PodAffinityTerm, PodSpec, TopologySpreadConstraint,
    WhenUnsatisfiable,
};
use model::price::UsdPerHour;
use model::requirements::Operator;
use model::resources::Resources;
use model::time::SimTime;
use packer::testing::{fake_type, nodepool};
use packer::{PoolInput, ScheduleInput, ScheduleOutput, Scheduler, VersionProfile};

pub const ZONES: [&str; 3] = ["test-zone-1", "test-zone-2", "test-zone-3"];
pub const GI: u64 = 1 << 30;

/// default-instance-type (4 cpu, 4Gi, 5 pods), small-instance-type (2 cpu, 2Gi) and
/// arm-instance-type (16 cpu, 128Gi, arm64), priced by size like `PriceFromResources`.
pub fn karpenter_fake_types() -> Vec<InstanceType> {
    let price = |cpu: u64, gib: u64| UsdPerHour(cpu * 25_000_000 + gib * 1_000_000);
    let mut arm = fake_type(
        2,
        "arm-instance-type",
        16_000,
        128 * GI,
        5,
        price(16, 128),
        &ZONES,
    );
    arm.labels.insert(labels::ARCH.into(), "arm64".into());
    vec![
        fake_type(
            0,
            "default-instance-type",
            4_000,
            4 * GI,
            5,
            price(4, 4),
            &ZONES,
        ),
        fake_type(
            1,
            "small-instance-type",
            2_000,
            2 * GI,
            5,
            price(2, 2),
            &ZONES,
        ),
        arm,
    ]
}

pub fn pool(name: &str, types: Vec<InstanceType>) -> PoolInput {
    pool_with(nodepool(name), types)
}

pub fn pool_with(np: NodePool, types: Vec<InstanceType>) -> PoolInput {
    PoolInput {
        id: NodePoolId(0),
        nodepool: np,
        instance_types: types,
    }
}

pub fn spec(cpu_millis: u64, memory_bytes: u64) -> PodSpec {
    PodSpec::with_requests(Resources::new(cpu_millis, memory_bytes))
}

pub fn labels_of(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn expr(key: &str, op: Operator, values: &[&str]) -> NodeSelectorRequirement {
    NodeSelectorRequirement {
        key: key.into(),
        operator: op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

pub fn spread(key: &str, max_skew: u32, sel: &[(&str, &str)]) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        topology_key: key.into(),
        max_skew,
        when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
        label_selector: LabelSelector::from_labels(labels_of(sel)),
        min_domains: None,
    }
}

pub fn anti(key: &str, sel: &[(&str, &str)]) -> PodAffinityTerm {
    PodAffinityTerm {
        topology_key: key.into(),
        label_selector: LabelSelector::from_labels(labels_of(sel)),
        weight: None,
    }
}

/// Pods from (spec, count) pairs with consecutive ids in order.
pub fn pods_of(groups: &[(&Arc<PodSpec>, usize)]) -> Vec<Pod> {
    let mut out = Vec::new();
    for (spec, n) in groups {
        for _ in 0..*n {
            let id = out.len() as u32;
            out.push(Pod {
                id: PodId(id),
                name: format!("pod-{id}").into(),
                workload: WorkloadId(0),
                spec: Arc::clone(spec),
                created_at: SimTime(u64::from(id)),
            });
        }
    }
    out
}

pub fn solve(pools: Vec<PoolInput>, pods: &[Pod]) -> ScheduleOutput {
    let mut s = Scheduler::new(pools, &[], VersionProfile::V1);
    s.schedule(&ScheduleInput {
        pods,
        existing: &[],
        pool_usage: &[],
    })
}

/// The claim index each pod ended on, `None` if not on a new claim.
pub fn claim_of(out: &ScheduleOutput, pod: PodId) -> Option<usize> {
    out.new_claims.iter().position(|c| c.pods.contains(&pod))
}

pub fn launched_type(out: &ScheduleOutput, claim: usize) -> String {
    out.new_claims[claim]
        .launch
        .as_ref()
        .map(|l| l.instance_type_name.clone())
        .unwrap_or_default()
}

pub fn launched_zone(out: &ScheduleOutput, claim: usize) -> String {
    out.new_claims[claim]
        .launch
        .as_ref()
        .map(|l| l.zone.clone())
        .unwrap_or_default()
}

pub fn assert_conserved(out: &ScheduleOutput, pods: &[Pod]) {
    let mut seen: Vec<PodId> = out.bindings.iter().map(|b| b.pod).collect();
    for c in &out.new_claims {
        seen.extend(&c.pods);
    }
    seen.extend(out.unschedulable.iter().map(|u| u.pod));
    seen.sort();
    let mut want: Vec<PodId> = pods.iter().map(|p| p.id).collect();
    want.sort();
    assert_eq!(seen, want, "every pod exactly once");
}
