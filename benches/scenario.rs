//! Parsing and validating scenarios. Target (issue 2): a scenario with 10,000 workloads
//! parses and validates in under 200 ms in release.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The same allocator as `simctl`, so benches measure what the binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A scenario like the seed's, with `n` workloads of varied shapes and constraints.
fn scenario_with_workloads(n: usize) -> String {
    let mut s = String::from(
        r#"format = 1
[cluster]
region = "us-east-1"
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
start = "2025-10-16T06:50:00Z"
duration = "24h"
[karpenter]
version = "v1"

[[nodepools]]
name = "general"
weight = 50
requirements = [
  { key = "karpenter.k8s.aws/instance-category", operator = "In", values = ["c", "m", "r"] },
  { key = "karpenter.k8s.aws/instance-generation", operator = "Gt", values = ["5"] },
  { key = "kubernetes.io/arch", operator = "In", values = ["amd64"] },
]
limits = { cpu = 5000, memory = "20000Gi" }
[nodepools.disruption]
consolidationPolicy = "WhenEmptyOrUnderutilized"
consolidateAfter = "1m"
budgets = [{ nodes = "10%" }, { nodes = "0", schedule = "0 9 * * mon-fri", duration = "8h", reasons = ["Drifted"] }]

[[nodepools]]
name = "memory"
weight = 10
labels = { workload-type = "memory" }
taints = [{ key = "dedicated", value = "memory", effect = "NoSchedule" }]
requirements = [{ key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["r6i", "r7i"] }]

[[daemonsets]]
name = "node-exporter"
requests = { cpu = "112m", memory = "200Mi" }
tolerations = [{ operator = "Exists" }]
"#,
    );
    for i in 0..n {
        let cpu = 50 + (i * 37) % 4000;
        let mem = 64 + (i * 53) % 16_000;
        s.push_str(&format!("\n[[workloads]]\nname = \"w{i}\"\nreplicas = {}\nrequests = {{ cpu = \"{cpu}m\", memory = \"{mem}Mi\" }}\n", 1 + i % 20));
        match i % 4 {
            0 => s.push_str("pdb = { maxUnavailable = \"10%\" }\nschedule = { daily = { min = 2, max = 20, peak = \"14:00\" }, spikes = [{ at = \"12:00\", duration = \"1h\", factor = 1.5, ramp = \"5m\" }] }\n"),
            1 => s.push_str("nodeSelector = { workload-type = \"memory\" }\ntolerations = [{ key = \"dedicated\", operator = \"Equal\", value = \"memory\", effect = \"NoSchedule\" }]\n"),
            2 => s.push_str("topologySpreadConstraints = [{ topologyKey = \"topology.kubernetes.io/zone\", maxSkew = 1 }]\npodAntiAffinity = [{ topologyKey = \"kubernetes.io/hostname\", weight = 50 }]\n"),
            _ => s.push_str("nodeAffinity = { required = [[{ key = \"karpenter.sh/capacity-type\", operator = \"In\", values = [\"on-demand\"] }]] }\n"),
        }
    }
    s
}

fn bench_scenario(c: &mut Criterion) {
    let text = scenario_with_workloads(10_000);
    // The bench measures a valid scenario: fail loudly if it is not.
    let loaded = scenario::parse_str("bench.toml", &text)
        .unwrap_or_else(|d| panic!("bench scenario invalid: {}", d[0]));
    assert_eq!(loaded.scenario.workloads.len(), 10_000);
    let mut group = c.benchmark_group("scenario");
    group.throughput(Throughput::Elements(10_000));
    group.sample_size(10);
    group.bench_function("parse_and_validate_10k_workloads", |b| {
        b.iter(|| {
            scenario::parse_str("bench.toml", std::hint::black_box(&text))
                .map(|l| l.scenario.workloads.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_scenario);
criterion_main!(benches);
