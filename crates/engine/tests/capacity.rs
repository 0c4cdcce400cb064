//! Insufficient capacity: a launch falls through to the claim's next cheapest offering,
//! failed offerings stay unavailable for three minutes, and nothing is lost when no
//! offering has capacity.

mod common;

use engine::output::{EventKind, RunOutput};

const BASE: &str = r#"
format = 1
name = "ice"

[cluster]
region = "us-east-1"
zones = ["us-east-1a", "us-east-1b"]
start = "2025-10-16T06:00:00Z"
duration = "2h"

[karpenter]
version = "v1"

[[nodepools]]
name = "default"
requirements = [
  { key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] },
  { key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["m5"] },
  { key = "karpenter.k8s.aws/instance-size", operator = "In", values = ["large", "xlarge"] },
]

[[workloads]]
name = "web"
requests = { cpu = "1", memory = "2Gi" }
schedule = { points = [{ at = "06:00", replicas = 0 }, { at = "06:10", replicas = 1 }] }
"#;

fn run(shortages: &str) -> RunOutput {
    common::run_text("ice.toml", &format!("{BASE}\n{shortages}"))
}

fn launched(out: &RunOutput) -> Vec<(String, String)> {
    out.nodes
        .iter()
        .map(|n| (n.instance_type.clone(), n.zone.clone()))
        .collect()
}

#[test]
fn without_shortages_the_cheapest_offering_launches() {
    let out = run("");
    assert_eq!(launched(&out).len(), 1);
    assert_eq!(out.nodes[0].instance_type, "m5.large");
    assert!(
        !out.events
            .iter()
            .any(|e| e.kind == EventKind::InsufficientCapacity)
    );
}

#[test]
fn a_short_offering_falls_through_to_the_next_cheapest() {
    let out = run(r#"
[[capacity_shortages]]
instance_type = "m5.large"
zone = "us-east-1a"
"#);
    // Same price in both zones: the other zone's m5.large is next.
    assert_eq!(
        launched(&out),
        vec![("m5.large".into(), "us-east-1b".into())]
    );
    let ice: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == EventKind::InsufficientCapacity)
        .collect();
    assert_eq!(ice.len(), 1, "{ice:?}");
    assert!(ice[0].message.contains("m5.large on-demand in us-east-1a"));
}

#[test]
fn a_type_short_everywhere_gives_way_to_a_larger_one() {
    let out = run(r#"
[[capacity_shortages]]
instance_type = "m5.large"
"#);
    assert_eq!(launched(&out).len(), 1);
    assert_eq!(out.nodes[0].instance_type, "m5.xlarge");
    assert_eq!(out.summary.pods_pending_at_end, 0);
}

#[test]
fn with_no_capacity_pods_wait_and_launch_once_it_returns() {
    let out = run(r#"
[[capacity_shortages]]
instance_type = "m5.large"
until = "06:30"

[[capacity_shortages]]
instance_type = "m5.xlarge"
until = "06:30"
"#);
    // Nothing launches before 06:30; the pod is pending, not lost, and then runs.
    assert_eq!(launched(&out).len(), 1);
    let at = out.nodes[0].launched_at;
    assert!(
        at >= model::time::parse_rfc3339("2025-10-16T06:30:00Z").unwrap(),
        "{at}"
    );
    assert!(
        at <= model::time::parse_rfc3339("2025-10-16T06:35:00Z").unwrap(),
        "{at}"
    );
    assert_eq!(out.summary.pods_pending_at_end, 0);
    assert!(
        out.events
            .iter()
            .any(|e| e.kind == EventKind::PodUnschedulable
                && e.message.contains("InsufficientInstanceCapacity"))
    );
}
