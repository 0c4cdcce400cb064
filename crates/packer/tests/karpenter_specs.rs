//! Provisioning expectations ported from Karpenter's own suites
//! (kubernetes-sigs/karpenter `pkg/controllers/provisioning/suite_test.go` and
//! `pkg/controllers/provisioning/scheduling/{suite_test,topology_test}.go`). Each test
//! names the Ginkgo spec it follows; the catalogue imitates the fake cloud provider.

mod common;

use std::sync::Arc;

use common::*;
use model::labels;
use model::nodepool::NodePool;
use model::pod::PreferredNodeTerm;
use model::requirements::{Operator, Requirement};
use model::resources::{ResourceKind, Resources};
use model::taints::{Taint, TaintEffect, Toleration, TolerationOperator};
use model::workload::DaemonSet;
use packer::testing::{fake_catalogue, nodepool};
use packer::{ExistingNode, NodeRef, ScheduleInput, Scheduler, VersionProfile};

fn kafka_taint() -> Taint {
    Taint {
        key: "dedicated".into(),
        value: "kafka".into(),
        effect: TaintEffect::NoSchedule,
    }
}

// provisioning/suite_test.go, "Weighted NodePools": "should schedule to the nodepool with
// the highest priority always"
#[test]
fn should_schedule_to_the_nodepool_with_the_highest_priority_always() {
    let mut low = nodepool("low");
    low.weight = 10;
    let mut high = nodepool("high");
    high.weight = 100;
    let mut mid = nodepool("mid");
    mid.weight = 50;
    let pools = vec![
        pool_with(low, karpenter_fake_types()),
        pool_with(high, karpenter_fake_types()),
        pool_with(mid, karpenter_fake_types()),
    ];
    let s = Arc::new(spec(100, 0));
    let pods = pods_of(&[(&s, 3)]);
    let out = solve(pools, &pods);
    assert!(out.new_claims.iter().all(|c| c.pool_index == 1));
}

// scheduling/suite_test.go: "should pack small and large pods together"
#[test]
fn should_pack_small_and_large_pods_together() {
    let mut large = spec(0, 1_800_000_000);
    large.node_selector = labels_of(&[(labels::ARCH, "amd64")]);
    let mut small = spec(0, 400_000_000);
    small.node_selector = labels_of(&[(labels::ARCH, "amd64")]);
    let (large, small) = (Arc::new(large), Arc::new(small));
    let pods = pods_of(&[(&large, 40), (&small, 20)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_conserved(&out, &pods);
    assert_eq!(out.new_claims.len(), 20);
    for c in 0..20 {
        assert_eq!(launched_type(&out, c), "default-instance-type");
    }
}

// scheduling/suite_test.go: "should pack nodes tightly"
#[test]
fn should_pack_nodes_tightly() {
    let big = Arc::new(spec(4_500, 0));
    let little = Arc::new(spec(1_000, 0));
    let pods = pods_of(&[(&big, 1), (&little, 1)]);
    let out = solve(vec![pool("default", fake_catalogue(5, &ZONES))], &pods);
    assert_eq!(out.new_claims.len(), 2);
    assert_ne!(launched_type(&out, 0), launched_type(&out, 1));
}

// scheduling/suite_test.go: "should handle zero-quantity resource requests"
#[test]
fn should_handle_zero_quantity_resource_requests() {
    let zero = Arc::new(spec(0, 0));
    let pods = pods_of(&[(&zero, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
    assert!(out.unschedulable.is_empty());
}

// scheduling/suite_test.go: "should not schedule pods that exceed every instance type's capacity"
#[test]
fn should_not_schedule_pods_that_exceed_every_instance_types_capacity() {
    let huge = Arc::new(spec(0, 2 << 40));
    let pods = pods_of(&[(&huge, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.unschedulable.len(), 1);
    let reason = &out.unschedulable[0].reason;
    assert!(
        reason.contains("no allowed instance type has 2Ti allocatable memory"),
        "{reason}"
    );
}

// scheduling/suite_test.go: "should create new nodes when a node is at capacity due to pod
// limits per node"
#[test]
fn should_create_new_nodes_when_a_node_is_at_capacity_due_to_pod_limits_per_node() {
    let mut tiny = spec(0, 1);
    tiny.node_selector = labels_of(&[(labels::ARCH, "amd64")]);
    let tiny = Arc::new(tiny);
    let pods = pods_of(&[(&tiny, 25)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 5);
    assert!(out.new_claims.iter().all(|c| c.pods.len() == 5));
}

// scheduling/suite_test.go, "Required" node affinity: "should not relax the final term"
#[test]
fn should_not_relax_the_final_term() {
    let mut np = nodepool("default");
    np.requirements.add(Requirement::new(
        labels::ZONE,
        Operator::In,
        ["test-zone-1"],
    ));
    let mut s = spec(100, 0);
    s.required_node_affinity = vec![vec![expr(labels::ZONE, Operator::In, &["invalid"])]];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool_with(np, karpenter_fake_types())], &pods);
    assert_eq!(out.unschedulable.len(), 1);
}

// scheduling/suite_test.go, "Required" node affinity: "should relax multiple terms"
#[test]
fn should_relax_multiple_terms() {
    let mut s = spec(100, 0);
    s.required_node_affinity = vec![
        vec![expr(labels::ZONE, Operator::In, &["invalid"])],
        vec![expr(labels::ZONE, Operator::In, &["invalid"])],
        vec![expr(labels::ZONE, Operator::In, &["test-zone-1"])],
        vec![expr(labels::ZONE, Operator::In, &["test-zone-2"])],
    ];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
    assert_eq!(launched_zone(&out, 0), "test-zone-1");
}

// scheduling/suite_test.go, "Preferred" node affinity: "should relax all terms"
#[test]
fn should_relax_all_terms() {
    let mut s = spec(100, 0);
    s.preferred_node_affinity = vec![
        PreferredNodeTerm {
            weight: 1,
            term: vec![expr(labels::ZONE, Operator::In, &["invalid"])],
        },
        PreferredNodeTerm {
            weight: 1,
            term: vec![expr(labels::INSTANCE_TYPE, Operator::In, &["invalid"])],
        },
    ];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
}

// scheduling/suite_test.go: "should not schedule pods that have node selectors with
// undefined key"
#[test]
fn should_not_schedule_pods_that_have_node_selectors_with_undefined_key() {
    let mut s = spec(100, 0);
    s.node_selector = labels_of(&[("foo", "bar")]);
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.unschedulable.len(), 1);
    assert!(
        out.unschedulable[0].reason.contains("foo"),
        "{}",
        out.unschedulable[0].reason
    );
}

// scheduling/suite_test.go: "should schedule pods that have node selectors with NotIn
// operator and undefined key"
#[test]
fn should_schedule_pods_that_have_node_selectors_with_notin_operator_and_undefined_key() {
    let mut s = spec(100, 0);
    s.required_node_affinity = vec![vec![expr("foo", Operator::NotIn, &["bar"])]];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
}

// scheduling/suite_test.go: "should launch pods with different archs on different instances"
#[test]
fn should_launch_pods_with_different_archs_on_different_instances() {
    let mut amd = spec(100, 0);
    amd.node_selector = labels_of(&[(labels::ARCH, "amd64")]);
    let mut arm = spec(100, 0);
    arm.node_selector = labels_of(&[(labels::ARCH, "arm64")]);
    let (amd, arm) = (Arc::new(amd), Arc::new(arm));
    let pods = pods_of(&[(&amd, 1), (&arm, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 2);
    assert_eq!(
        launched_type(&out, claim_of(&out, pods[1].id).unwrap()),
        "arm-instance-type"
    );
}

// provisioning/suite_test.go: "should partially schedule if limits would be exceeded"
#[test]
fn should_partially_schedule_if_limits_would_be_exceeded() {
    let mut np = nodepool("default");
    np.limits.resources = Resources::UNLIMITED.with(ResourceKind::CpuMillis, 3_000);
    let mut s = spec(1_500, 0);
    s.labels = labels_of(&[("app", "foo")]);
    s.pod_anti_affinity = vec![anti(labels::HOSTNAME, &[("app", "foo")])];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 2)]);
    // Only small (2 cpu) and default (4 cpu) amd64 types fit under a 3-cpu limit: small.
    let out = solve(vec![pool_with(np, karpenter_fake_types())], &pods);
    assert_conserved(&out, &pods);
    assert_eq!(out.new_claims.len(), 1);
    assert_eq!(out.unschedulable.len(), 1);
    let reason = &out.unschedulable[0].reason;
    assert!(reason.contains("would exceed its cpu limit 3"), "{reason}");
}

// provisioning/suite_test.go: "should account for daemonsets"
#[test]
fn should_account_for_daemonsets() {
    let ds = DaemonSet {
        name: "ds".into(),
        spec: Arc::new(spec(2_000, 2 * GI)),
    };
    let mut sched = Scheduler::new(
        vec![pool("default", karpenter_fake_types())],
        &[ds],
        VersionProfile::V1,
    );
    let p = Arc::new(spec(1_000, GI));
    let pods = pods_of(&[(&p, 1)]);
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    assert_eq!(launched_type(&out, 0), "default-instance-type");
    // FinalizeScheduling adds the daemonset overhead to the claim's requests.
    assert_eq!(out.new_claims[0].requests.cpu_millis(), 3_000);
}

// provisioning/suite_test.go: "should schedule pods that tolerate taints"
#[test]
fn should_schedule_pods_that_tolerate_taints() {
    let mut np = nodepool("kafka");
    np.taints = vec![kafka_taint()];
    let plain = Arc::new(spec(100, 0));
    let mut tolerant = spec(100, 0);
    tolerant.tolerations = vec![Toleration {
        key: "dedicated".into(),
        operator: TolerationOperator::Equal,
        value: "kafka".into(),
        effect: Some(TaintEffect::NoSchedule),
    }];
    let tolerant = Arc::new(tolerant);
    let pods = pods_of(&[(&plain, 1), (&tolerant, 1)]);
    let out = solve(vec![pool_with(np, karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
    assert_eq!(out.new_claims[0].pods, vec![pods[1].id]);
    let reason = &out.unschedulable[0].reason;
    assert!(
        reason.contains("no NodePool tolerates taint dedicated=kafka:NoSchedule"),
        "{reason}"
    );
}

// provisioning/suite_test.go: "should tolerate PreferNoSchedule taint only after trying to
// relax Affinity terms" (reduced: a PreferNoSchedule-tainted pool is used once nothing
// else is left to relax)
#[test]
fn should_tolerate_prefer_no_schedule_taint_only_after_relaxing() {
    let mut np = nodepool("soft");
    np.taints = vec![Taint {
        key: "dedicated".into(),
        value: "memory".into(),
        effect: TaintEffect::PreferNoSchedule,
    }];
    let s = Arc::new(spec(100, 0));
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(vec![pool_with(np, karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 1);
}

// provisioning/suite_test.go: "should not match NodePool with PreferNoSchedule taint when
// other NodePool match"
#[test]
fn should_not_match_nodepool_with_prefer_no_schedule_taint_when_other_nodepool_match() {
    let mut soft = nodepool("soft");
    soft.weight = 100;
    soft.taints = vec![Taint {
        key: "dedicated".into(),
        value: "memory".into(),
        effect: TaintEffect::PreferNoSchedule,
    }];
    let plain: NodePool = nodepool("plain");
    let s = Arc::new(spec(100, 0));
    let pods = pods_of(&[(&s, 1)]);
    let out = solve(
        vec![
            pool_with(soft, karpenter_fake_types()),
            pool_with(plain, karpenter_fake_types()),
        ],
        &pods,
    );
    assert_eq!(out.new_claims[0].pool_index, 1);
}

// topology_test.go: "should balance pods across zones (match labels)"
#[test]
fn should_balance_pods_across_zones_match_labels() {
    let mut s = spec(100, 0);
    s.labels = labels_of(&[("test", "test")]);
    s.topology_spread = vec![spread(labels::ZONE, 1, &[("test", "test")])];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 4)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    let mut per_zone = [0usize; 3];
    for (c, claim) in out.new_claims.iter().enumerate() {
        let z = launched_zone(&out, c);
        let zi = ZONES.iter().position(|x| *x == z).unwrap();
        per_zone[zi] += claim.pods.len();
    }
    let mut skew = per_zone.to_vec();
    skew.sort();
    assert_eq!(skew, vec![1, 1, 2]);
}

// topology_test.go: "should not violate max-skew when unsat = do not schedule" (second
// batch: the pool only allows zones 2 and 3, zone 1 already has one pod)
#[test]
fn should_not_violate_max_skew_when_unsat_do_not_schedule() {
    let mut s = spec(1_100, 0);
    s.labels = labels_of(&[("test", "test")]);
    s.topology_spread = vec![spread(labels::ZONE, 1, &[("test", "test")])];
    let s = Arc::new(s);
    let existing = ExistingNode {
        id: NodeRef::Node(model::NodeId(0)),
        name: "zone1-node".into(),
        labels: labels_of(&[
            (labels::ZONE, "test-zone-1"),
            (labels::HOSTNAME, "zone1-node"),
        ]),
        taints: vec![],
        allocatable: Resources::new(4_000, 4 * GI).with(ResourceKind::Pods, 5),
        requested: Resources::new(4_000, 0).with(ResourceKind::Pods, 1),
        initialized: true,
        nodepool: None,
        pods: packer::BoundPods::group([s.clone()]),
    };
    let mut np = nodepool("default");
    np.requirements.add(Requirement::new(
        labels::ZONE,
        Operator::In,
        ["test-zone-2", "test-zone-3"],
    ));
    let mut sched = Scheduler::new(
        vec![pool_with(np, karpenter_fake_types())],
        &[],
        VersionProfile::V1,
    );
    let pods = pods_of(&[(&s, 10)]);
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[existing],
        pool_usage: &[],
    });
    assert_conserved(&out, &pods);
    let placed: usize = out.new_claims.iter().map(|c| c.pods.len()).sum();
    assert_eq!(placed, 4, "zones 2 and 3 take two each: skew (1, 2, 2)");
    assert_eq!(out.unschedulable.len(), 6);
}

// topology_test.go: "should balance pods across nodes" (hostname spread, maxSkew 1)
#[test]
fn should_balance_pods_across_nodes() {
    let mut s = spec(100, 0);
    s.labels = labels_of(&[("test", "test")]);
    s.topology_spread = vec![spread(labels::HOSTNAME, 1, &[("test", "test")])];
    let s = Arc::new(s);
    let pods = pods_of(&[(&s, 4)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 4);
    assert!(out.new_claims.iter().all(|c| c.pods.len() == 1));
}

// topology_test.go: "should separate nodes using simple pod anti-affinity on hostname"
#[test]
fn should_separate_nodes_using_simple_pod_anti_affinity_on_hostname() {
    let mut target = spec(100, 0);
    target.labels = labels_of(&[("security", "s2")]);
    let mut avoider = spec(100, 0);
    avoider.pod_anti_affinity = vec![anti(labels::HOSTNAME, &[("security", "s2")])];
    let (target, avoider) = (Arc::new(target), Arc::new(avoider));
    let pods = pods_of(&[(&avoider, 1), (&target, 1)]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_ne!(claim_of(&out, pods[0].id), claim_of(&out, pods[1].id));
}

// topology_test.go: "should not violate pod anti-affinity on zone"
#[test]
fn should_not_violate_pod_anti_affinity_on_zone() {
    let mut zonal = Vec::new();
    for z in ZONES {
        let mut s = spec(2_000, 0);
        s.labels = labels_of(&[("security", "s2")]);
        s.node_selector = labels_of(&[(labels::ZONE, z)]);
        zonal.push(Arc::new(s));
    }
    let mut avoider = spec(0, 0);
    avoider.pod_anti_affinity = vec![anti(labels::ZONE, &[("security", "s2")])];
    let avoider = Arc::new(avoider);
    let pods = pods_of(&[
        (&zonal[0], 1),
        (&zonal[1], 1),
        (&zonal[2], 1),
        (&avoider, 1),
    ]);
    let out = solve(vec![pool("default", karpenter_fake_types())], &pods);
    assert_eq!(out.new_claims.len(), 3);
    assert_eq!(out.unschedulable.len(), 1);
    assert_eq!(out.unschedulable[0].pod, pods[3].id);
    let reason = &out.unschedulable[0].reason;
    assert!(
        reason.contains("anti-affinity with security=s2"),
        "{reason}"
    );
}

// scheduling/suite_test.go: "should schedule a pod to an existing node unowned by Karpenter"
// and "should launch a second node if a pod won't fit on the existingNodes node"
#[test]
fn should_schedule_to_existing_node_then_launch_when_full() {
    let node = ExistingNode {
        id: NodeRef::Node(model::NodeId(7)),
        name: "static".into(),
        labels: labels_of(&[(labels::ZONE, "test-zone-1")]),
        taints: vec![],
        allocatable: Resources::new(2_000, 4 * GI).with(ResourceKind::Pods, 10),
        requested: Resources::ZERO,
        initialized: true,
        nodepool: None,
        pods: vec![],
    };
    let s = Arc::new(spec(1_500, 0));
    let pods = pods_of(&[(&s, 2)]);
    let mut sched = Scheduler::new(
        vec![pool("default", karpenter_fake_types())],
        &[],
        VersionProfile::V1,
    );
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[node],
        pool_usage: &[],
    });
    assert_eq!(out.bindings.len(), 1);
    assert_eq!(out.bindings[0].node, NodeRef::Node(model::NodeId(7)));
    assert_eq!(out.new_claims.len(), 1);
}

// scheduling/suite_test.go: "should assume pod will schedule to a node with ephemeral taint
// node.kubernetes.io/not-ready:NoExecute when the node is uninitialized"
#[test]
fn should_assume_pod_will_schedule_to_a_node_with_ephemeral_taint_when_uninitialized() {
    let node = ExistingNode {
        id: NodeRef::Claim(model::NodeClaimId(3)),
        name: "inflight".into(),
        labels: labels_of(&[(labels::ZONE, "test-zone-1")]),
        taints: vec![Taint {
            key: "node.kubernetes.io/not-ready".into(),
            value: String::new(),
            effect: TaintEffect::NoExecute,
        }],
        allocatable: Resources::new(4_000, 4 * GI).with(ResourceKind::Pods, 10),
        requested: Resources::ZERO,
        initialized: false,
        nodepool: None,
        pods: vec![],
    };
    let s = Arc::new(spec(1_000, 0));
    let pods = pods_of(&[(&s, 1)]);
    let mut sched = Scheduler::new(
        vec![pool("default", karpenter_fake_types())],
        &[],
        VersionProfile::V1,
    );
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[node],
        pool_usage: &[],
    });
    assert_eq!(out.bindings.len(), 1);
    assert!(out.new_claims.is_empty());
}

// nodeclaimtemplate.go truncation: options are price ordered and truncated to
// MaxInstanceTypes (60 in v0.37, 600 in v1); on-demand launch picks the cheapest.
#[test]
fn options_are_price_ordered_and_truncated_per_profile() {
    let types = fake_catalogue(100, &ZONES);
    let s = Arc::new(spec(100, 0));
    let pods = pods_of(&[(&s, 1)]);
    for (profile, n) in [(VersionProfile::V0_37, 60), (VersionProfile::V1, 100)] {
        let mut sched = Scheduler::new(vec![pool("default", types.clone())], &[], profile);
        let out = sched.schedule(&ScheduleInput {
            pods: &pods,
            existing: &[],
            pool_usage: &[],
        });
        assert_eq!(out.new_claims[0].instance_type_options.len(), n);
        assert_eq!(out.new_claims[0].instance_type_options[0].0, 0);
        let launch = out.new_claims[0].launch.as_ref().unwrap();
        assert_eq!(launch.instance_type_name, "fake-1x");
        assert_eq!(launch.capacity_type, model::instance::CapacityType::Spot);
    }
}

// Bad input: an empty catalogue and a pool that allows no type are named in warnings, and
// their pods get a reason instead of a panic.
#[test]
fn empty_catalogue_and_impossible_pool_are_named() {
    let mut impossible = nodepool("impossible");
    impossible.requirements.add(Requirement::new(
        labels::INSTANCE_TYPE,
        Operator::In,
        ["no-such-type"],
    ));
    let sched = Scheduler::new(
        vec![
            pool("empty", vec![]),
            pool_with(impossible, karpenter_fake_types()),
        ],
        &[],
        VersionProfile::V1,
    );
    let w = sched.warnings().join("\n");
    assert!(
        w.contains("NodePool empty has an empty instance-type catalogue"),
        "{w}"
    );
    assert!(
        w.contains("NodePool impossible allows no instance type"),
        "{w}"
    );
    let mut sched = sched;
    let s = Arc::new(spec(100, 0));
    let pods = pods_of(&[(&s, 2)]);
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    assert_eq!(out.unschedulable.len(), 2);
    assert!(
        out.unschedulable[0]
            .reason
            .contains("allows no instance type")
    );
}

// The fluid bound reported next to a solve never exceeds its cost.
#[test]
fn new_claims_cost_is_above_the_fluid_bound() {
    let s1 = Arc::new(spec(1_500, 3 * GI));
    let s2 = Arc::new(spec(500, GI / 2));
    let pods = pods_of(&[(&s1, 7), (&s2, 9)]);
    let mut sched = Scheduler::new(
        vec![pool("default", fake_catalogue(16, &ZONES))],
        &[],
        VersionProfile::V1,
    );
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    let bound = sched.new_claims_bound(&pods, &out).unwrap();
    assert!(bound > 0.0);
    assert!(out.new_cost().0 as f64 >= bound);
}

// instance_selection_test.go: "should schedule respecting the minValues from
// instance-type requirements" and "schedule should fail if minimum number of InstanceTypes
// is not met as per the minValues in the requirement" (reduced to the fake catalogue: a
// pod only one type can hold fails when the pool requires two types to remain).
#[test]
fn min_values_keeps_instance_type_flexibility() {
    let mut np = nodepool("flexible");
    np.requirements.add(
        Requirement::new(labels::INSTANCE_TYPE, Operator::Exists, []).with_min_values(Some(2)),
    );
    let small = Arc::new(spec(1_000, GI));
    let big = Arc::new(spec(3_500, 3 * GI));
    let pods = pods_of(&[(&big, 1), (&small, 1)]);
    let mut sched = Scheduler::new(
        vec![pool_with(np, karpenter_fake_types())],
        &[],
        VersionProfile::V1,
    );
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    // 3.5 cpu fits default (4) and arm (16): two types remain, so it schedules; the small
    // pod then joins that claim.
    assert!(out.unschedulable.is_empty(), "{:?}", out.unschedulable);
    let huge = Arc::new(spec(15_000, 3 * GI));
    let pods = pods_of(&[(&huge, 1)]);
    let out = sched.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    assert_eq!(out.unschedulable.len(), 1);
    assert!(
        out.unschedulable[0].reason.contains("minValues 2"),
        "{}",
        out.unschedulable[0].reason
    );
}

// An insufficient-capacity error marks an offering unavailable: the next solve launches
// elsewhere (Karpenter's unavailable-offerings cache), and recovery restores it.
#[test]
fn unavailable_offerings_are_skipped_until_they_recover() {
    let mut np = nodepool("default");
    np.requirements.add(Requirement::new(
        labels::ZONE,
        Operator::In,
        ["test-zone-1"],
    ));
    np.requirements.add(Requirement::new(
        labels::CAPACITY_TYPE,
        Operator::In,
        ["on-demand"],
    ));
    let types = fake_catalogue(4, &ZONES);
    let mut sched = Scheduler::new(vec![pool_with(np, types)], &[], VersionProfile::V1);
    let s = Arc::new(spec(500, 0));
    let pods = pods_of(&[(&s, 1)]);
    let run = |sched: &mut Scheduler| {
        sched
            .schedule(&ScheduleInput {
                pods: &pods,
                existing: &[],
                pool_usage: &[],
            })
            .new_claims[0]
            .launch
            .clone()
            .unwrap()
            .instance_type_name
    };
    assert_eq!(run(&mut sched), "fake-1x");
    let ct = model::instance::CapacityType::OnDemand;
    assert_eq!(
        sched.set_offering_available(model::InstanceTypeId(0), "test-zone-1", ct, false),
        1
    );
    assert_eq!(run(&mut sched), "fake-2x");
    sched.set_offering_available(model::InstanceTypeId(0), "test-zone-1", ct, true);
    assert_eq!(run(&mut sched), "fake-1x");
}
