//! kube-scheduler's topology views, kept current as a pass binds pods: with invariants
//! checked, every kept view is compared with a new sweep of the cluster.

mod common;

// Six replicas that repel each other by hostname get six new nodes, one nomination each.
// The nodes become ready at different times, and kube-scheduler binds the oldest pending
// pod to the first ready node, whichever node it was nominated to: its nomination
// elsewhere no longer blocks that domain, which a kept view must not miss.
#[test]
fn views_follow_pods_bound_away_from_their_nomination() {
    let text = r#"
format = 1
[cluster]
zones = ["us-east-1a"]
start = "2025-10-16T06:00:00Z"
duration = "30m"
[karpenter]
version = "v1"

[[nodepools]]
name = "default"
requirements = [
  { key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] },
  { key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["m5"] },
]

[[workloads]]
name = "solo"
replicas = 6
requests = { cpu = "500m", memory = "512Mi" }
podAntiAffinity = [{ topologyKey = "kubernetes.io/hostname" }]

[[workloads]]
name = "spread"
replicas = 12
requests = { cpu = "250m", memory = "256Mi" }
topologySpreadConstraints = [{ topologyKey = "kubernetes.io/hostname", maxSkew = 1 }]
"#;
    let out = common::run_text("views.toml", text);
    let launched = out.nodes.iter().filter(|n| n.owner == "default").count();
    assert!(launched >= 6, "one node per solo pod, got {launched}");
    assert_eq!(out.summary.pods_pending_at_end, 0);
}

// The first minutes of `scenarios/mixed-10k.toml`: a zone-spread Deployment scales up
// onto new nodes, so kube-scheduler finds zones with no room left under the skew. With
// invariants checked, the numbered plan it asks is compared with its view at every node.
#[test]
fn numbered_plans_answer_as_views_do() {
    let text = common::repo_scenario("mixed-10k.toml");
    assert!(text.contains("duration = \"24h\""));
    let text = text.replace("duration = \"24h\"", "duration = \"10m\"");
    let out = common::run_text("mixed-10k.toml", &text);
    assert!(out.summary.nodes_max > 0);
}
