//! One disruption pass (issue 5): every method in the v1 order over 1,000 Karpenter nodes
//! running 30,000 pods. Target: ≤ 50 ms on one core. (Karpenter users report about
//! 900 ms per SimulateScheduling probe and about 18 minutes per 1,000 nodes.)
//!
//! The cluster: one NodePool (m5, on-demand, WhenEmptyOrUnderutilized, consolidateAfter
//! 0s, the default 10% budget) owning 1,000 inventory m5.2xlarge nodes; ten Deployments of
//! 3,000 replicas with different requests, pinned round-robin so every node runs 30 pods
//! using about two thirds of its CPU. No node is empty, every node is a consolidation
//! candidate, and the others' free room can absorb some of them: the pass ends in a
//! multi-node delete after a binary search of full scheduling simulations.

use criterion::{Criterion, criterion_group, criterion_main};

/// The same allocator as `simctl`, so benches measure what the binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NODES: usize = 1_000;
const DEPLOYMENTS: usize = 10;
const PODS_PER_NODE_PER_DEPLOYMENT: usize = 3;

/// CPU (millicores) and memory (MiB) requests of each Deployment's pods.
const SHAPES: [(u32, u32); DEPLOYMENTS] = [
    (100, 256),
    (150, 384),
    (200, 512),
    (250, 512),
    (120, 256),
    (180, 640),
    (90, 128),
    (210, 768),
    (160, 300),
    (240, 600),
];

fn scenario_text() -> String {
    let mut s = String::from(
        r#"format = 1
[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
start = "2025-10-16T06:00:00Z"
duration = "1h"
[karpenter]
version = "v1"
[catalog]
families = ["m5"]

[[nodepools]]
name = "general"
requirements = [
  { key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["m5"] },
  { key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] },
]
[nodepools.disruption]
consolidationPolicy = "WhenEmptyOrUnderutilized"
consolidateAfter = "0s"

[[nodes]]
owner = "general"
instance_type = "m5.2xlarge"
"#,
    );
    s.push_str(&format!("count = {NODES}\nage = \"2h\"\n"));
    for (d, (cpu, mem)) in SHAPES.iter().enumerate() {
        let replicas = NODES * PODS_PER_NODE_PER_DEPLOYMENT;
        // Node names default to `<owner>-<i>`; pod j of Deployment d goes to node
        // (j + d) mod 1,000, so every node gets three pods of each Deployment.
        let placement: Vec<String> = (0..replicas)
            .map(|j| format!("\"general-{}\"", (j + d) % NODES))
            .collect();
        s.push_str(&format!(
            "\n[[workloads]]\nname = \"svc-{d}\"\nreplicas = {replicas}\nrequests = {{ cpu = \"{cpu}m\", memory = \"{mem}Mi\" }}\nplacement = [{}]\n",
            placement.join(", ")
        ));
    }
    s
}

fn bench_disruption(c: &mut Criterion) {
    let text = scenario_text();
    let loaded =
        scenario::parse_str("disruption-bench.toml", &text).unwrap_or_else(|d| panic!("{}", d[0]));
    let mut probe = engine::probe::DisruptionProbe::new(&loaded.scenario).unwrap();
    assert_eq!(
        probe.size(),
        (NODES, NODES * DEPLOYMENTS * PODS_PER_NODE_PER_DEPLOYMENT),
        "every inventory node exists and every pod is bound"
    );
    let command = probe.pass();
    eprintln!(
        "disruption pass: {:?}, {} decisions",
        command
            .as_ref()
            .map(|c| (c.method, c.candidates.len(), c.replacements.clone())),
        probe.decisions().len()
    );
    assert!(command.is_some(), "some consolidation is possible");
    let mut group = c.benchmark_group("disruption");
    group.sample_size(20);
    group.bench_function("pass_1000_nodes_30000_pods", |b| b.iter(|| probe.pass()));
    group.finish();
}

criterion_group!(benches, bench_disruption);
criterion_main!(benches);
