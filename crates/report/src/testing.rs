//! A hand-built, realistic day of run output for tests, examples and trying the report
//! without running the engine: a cluster-autoscaler node group handing over to a
//! Karpenter NodePool in the morning, a Kafka group nobody scales, a noon flash sale
//! and an afternoon consolidation. Deterministic; no randomness.

use engine::output::{
    EventKind, EventRecord, LatencyStats, NodeRecord, Provisioner, ProvisioningRecord, RunOutput,
    Sample, Summary,
};
use model::SimTime;
use model::instance::CapacityType;
use model::price::{Usd, UsdPerHour};
use model::time::{MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};

/// 2025-10-16T00:00:00Z.
pub const DAY_START: SimTime = SimTime(1_760_572_800_000);
const GIB: u64 = 1 << 30;

/// (instance type, $/h in nano-dollars, allocatable millicores, allocatable bytes).
const TYPES: [(&str, u64, u64, u64); 5] = [
    ("m5.2xlarge", 384_000_000, 7_910, 29 * GIB),
    ("r5.xlarge", 252_000_000, 3_920, 29 * GIB),
    ("c6i.2xlarge", 340_000_000, 7_910, 14 * GIB),
    ("m6i.2xlarge", 384_000_000, 7_910, 29 * GIB),
    ("c6i.4xlarge", 680_000_000, 15_890, 28 * GIB),
];

/// Owners: the Karpenter NodePool, the cluster-autoscaler group, the Kafka group.
const OWNERS: [(&str, Provisioner); 3] = [
    ("default", Provisioner::Karpenter),
    ("ng-general", Provisioner::ClusterAutoscaler),
    ("ng-kafka", Provisioner::Static),
];

fn at(hour: u64, minute: u64) -> SimTime {
    SimTime(DAY_START.0 + hour * MS_PER_HOUR + minute * MS_PER_MINUTE)
}

/// A node to be: owner index, type index, launch, termination and its reason.
struct Plan {
    owner: usize,
    kind: usize,
    launched: SimTime,
    terminated: Option<(SimTime, &'static str)>,
}

fn plans() -> Vec<Plan> {
    let mut plans = Vec::new();
    let mut add = |owner, kind, launched, terminated| {
        plans.push(Plan {
            owner,
            kind,
            launched,
            terminated,
        })
    };
    for _ in 0..3 {
        add(2, 1, DAY_START, None);
    }
    // cluster-autoscaler's group, scaled to zero after the cutover at 10:15.
    for i in 0..10 {
        add(
            1,
            0,
            DAY_START,
            Some((at(10, 20 + 3 * i), "scale-down: node group scaled to 0")),
        );
    }
    for i in 0..4 {
        add(
            1,
            0,
            at(6, 10 + 9 * i),
            Some((at(10, 50 + i), "scale-down: node group scaled to 0")),
        );
    }
    // Karpenter takes over in steps as its weight rises.
    for (h, m, n, kind) in [
        (7, 18, 2, 2),
        (8, 4, 3, 3),
        (9, 3, 4, 2),
        (10, 4, 4, 3),
        (10, 22, 6, 2),
    ] {
        for i in 0..n {
            let retired = (kind == 2 && h == 10 && i < 3)
                .then(|| (at(14, 30 + 2 * i), "consolidation: underutilized"));
            add(0, kind, at(h, m + i), retired);
        }
    }
    // The noon flash sale and its consolidation afterwards.
    for i in 0..5 {
        add(
            0,
            4,
            at(11, 56 + i),
            Some((at(13, 40 + 5 * i), "consolidation: empty")),
        );
    }
    plans.sort_by_key(|p| p.launched);
    plans
}

/// Seconds from the first pending pod to ready: slow for cluster-autoscaler (ASG),
/// quick for Karpenter (fleet), with a deterministic wobble.
fn latency_s(p: Provisioner, i: usize) -> u64 {
    let wobble = (i as u64 * 37) % 29;
    match p {
        Provisioner::ClusterAutoscaler => 190 + 3 * wobble,
        _ => 42 + wobble,
    }
}

/// Pod CPU demand over the day in millicores: night floor, morning ramp, noon sale.
fn cpu_demand_millis(t: SimTime) -> u64 {
    let minute = (t.0 - DAY_START.0) / MS_PER_MINUTE;
    let ramp = match minute {
        0..360 => 0,
        360..600 => (minute - 360) * 130,
        _ => 240 * 130,
    };
    let sale = if (715..800).contains(&minute) {
        30_000
    } else {
        0
    };
    let evening = if minute > 1_080 {
        (minute - 1_080) * 40
    } else {
        0
    };
    (40_000 + ramp + sale).saturating_sub(evening)
}

/// A whole day: samples every minute, the nodes above, their events and records.
pub fn sample_day() -> RunOutput {
    let end = at(24, 0);
    let plans = plans();
    let mut nodes = Vec::new();
    let mut provisioning = Vec::new();
    let mut events = vec![EventRecord {
        t: DAY_START,
        kind: EventKind::PodPending,
        provisioner: None,
        node: None,
        pod: Some("checkout-5c9d<7>".to_string()),
        owner: None,
        message: "0/13 nodes are available: insufficient cpu & memory <2 cores>".to_string(),
    }];
    for (h, m, msg) in [
        (7, 15, "set NodePool default weight to 10"),
        (8, 0, "set NodePool default weight to 50"),
        (9, 0, "set NodePool default weight to 100"),
        (10, 0, "cordon cluster-autoscaler nodes"),
        (10, 15, "scale node group ng-general to 0"),
        (12, 0, "flash sale: traffic x2.5"),
    ] {
        events.push(timeline(at(h, m), msg));
    }
    for (i, plan) in plans.iter().enumerate() {
        let (owner, provisioner) = OWNERS[plan.owner];
        let (itype, price, _, _) = TYPES[plan.kind];
        let name = format!("ip-10-42-{}-{}.ec2.internal", 10 + plan.owner * 7, 20 + i);
        let at_start = plan.launched == DAY_START;
        let ready = if at_start {
            plan.launched
        } else {
            SimTime(plan.launched.0 + latency_s(provisioner, i) * MS_PER_SECOND - 20_000)
        };
        let gone = plan.terminated.map_or(end, |t| t.0);
        let billed_ms = gone.since(plan.launched).0.max(60_000);
        nodes.push(NodeRecord {
            name: name.clone(),
            instance_type: itype.to_string(),
            zone: ["eu-west-1a", "eu-west-1b", "eu-west-1c"][i % 3].to_string(),
            capacity_type: CapacityType::OnDemand,
            owner: owner.to_string(),
            provisioner,
            price: UsdPerHour(price),
            launched_at: plan.launched,
            ready_at: Some(ready),
            terminated_at: plan.terminated.map(|t| t.0),
            termination_reason: plan.terminated.map(|t| t.1.to_string()),
            cost: UsdPerHour(price).cost_for_millis(billed_ms),
        });
        if !at_start {
            let pending_since = SimTime(plan.launched.0 - 20_000);
            provisioning.push(ProvisioningRecord {
                node: name.clone(),
                provisioner,
                pending_since,
                decided_at: SimTime(plan.launched.0 - 1_000),
                ready_at: ready,
                latency: ready.since(pending_since),
            });
            events.push(node_event(
                plan.launched,
                EventKind::NodeLaunched,
                &name,
                owner,
                provisioner,
                format!("launched {itype} for pending pods"),
            ));
        }
        if !at_start {
            events.push(node_event(
                ready,
                EventKind::NodeReady,
                &name,
                owner,
                provisioner,
                "kubelet reports Ready".to_string(),
            ));
        }
        if let Some((t, reason)) = plan.terminated {
            events.push(node_event(
                t,
                EventKind::NodeTerminated,
                &name,
                owner,
                provisioner,
                reason.to_string(),
            ));
        }
    }
    events.sort_by_key(|e| e.t);
    let samples = samples(&nodes, &provisioning, end);
    let summary = summary(&samples, &nodes, &provisioning, events.len() as u64, end);
    RunOutput {
        decisions: Vec::new(),
        owners: OWNERS.iter().map(|o| o.0.to_string()).collect(),
        samples,
        events,
        nodes,
        provisioning,
        summary,
    }
}

fn timeline(t: SimTime, message: &str) -> EventRecord {
    EventRecord {
        t,
        kind: EventKind::Timeline,
        provisioner: None,
        node: None,
        pod: None,
        owner: None,
        message: message.to_string(),
    }
}

fn node_event(
    t: SimTime,
    kind: EventKind,
    node: &str,
    owner: &str,
    p: Provisioner,
    message: String,
) -> EventRecord {
    EventRecord {
        t,
        kind,
        provisioner: Some(p),
        node: Some(node.to_string()),
        pod: None,
        owner: Some(owner.to_string()),
        message,
    }
}

fn samples(nodes: &[NodeRecord], provisioning: &[ProvisioningRecord], end: SimTime) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut t = DAY_START;
    while t <= end {
        let alive: Vec<&NodeRecord> = nodes
            .iter()
            .filter(|n| n.launched_at <= t && n.terminated_at.is_none_or(|g| g > t))
            .collect();
        let ready: Vec<&&NodeRecord> = alive
            .iter()
            .filter(|n| n.ready_at.is_some_and(|r| r <= t))
            .collect();
        let spec = |n: &NodeRecord| {
            TYPES
                .iter()
                .find(|k| k.0 == n.instance_type)
                .copied()
                .unwrap_or(TYPES[0])
        };
        let cpu_alloc: u64 = ready.iter().map(|n| spec(n).2).sum();
        let mem_alloc: u64 = ready.iter().map(|n| spec(n).3).sum();
        let demand = cpu_demand_millis(t);
        let placed = demand.min(cpu_alloc * 9 / 10);
        // Six pods wait for each node being provisioned, plus whatever does not fit.
        let waiting = provisioning
            .iter()
            .filter(|r| r.pending_since <= t && t < r.ready_at)
            .count() as u64;
        let pending = (waiting * 6 + (demand - placed).div_ceil(500)) as u32;
        let mut by_owner = vec![0u32; OWNERS.len()];
        let mut by_provisioner = [0u32; 3];
        for n in &alive {
            if let Some(i) = OWNERS.iter().position(|o| o.0 == n.owner) {
                by_owner[i] += 1;
            }
            by_provisioner[Provisioner::ALL
                .iter()
                .position(|p| *p == n.provisioner)
                .unwrap_or(2)] += 1;
        }
        out.push(Sample {
            t,
            nodes_by_owner: by_owner,
            nodes_by_provisioner: by_provisioner,
            nodes_total: alive.len() as u32,
            nodes_ready: ready.len() as u32,
            pods_pending: pending,
            pods_running: (placed / 250) as u32,
            cpu_requested_millis: placed,
            cpu_allocatable_millis: cpu_alloc,
            memory_requested_bytes: placed * 3 * GIB / 1_000,
            memory_allocatable_bytes: mem_alloc,
            cost_per_hour: UsdPerHour(alive.iter().map(|n| n.price.0).sum()),
            karpenter_share_bp: if t < at(7, 15) { 0 } else { 10_000 },
        });
        t = SimTime(t.0 + MS_PER_MINUTE);
    }
    out
}

/// Nearest-rank percentiles, as the engine reports them.
pub fn latency_stats(latencies_ms: &[u64]) -> LatencyStats {
    let mut v = latencies_ms.to_vec();
    v.sort_unstable();
    let rank = |q: u64| v[((q * v.len() as u64).div_ceil(100) as usize).clamp(1, v.len()) - 1];
    if v.is_empty() {
        return LatencyStats::default();
    }
    LatencyStats {
        count: v.len() as u32,
        p50_ms: rank(50),
        p95_ms: rank(95),
        p99_ms: rank(99),
        max_ms: v[v.len() - 1],
    }
}

fn summary(
    samples: &[Sample],
    nodes: &[NodeRecord],
    prov: &[ProvisioningRecord],
    events: u64,
    end: SimTime,
) -> Summary {
    let first = &samples[0];
    let last = &samples[samples.len() - 1];
    let mut latency = [LatencyStats::default(); 3];
    let mut launched = [0u32; 3];
    for (i, p) in Provisioner::ALL.iter().enumerate() {
        let ms: Vec<u64> = prov
            .iter()
            .filter(|r| r.provisioner == *p)
            .map(|r| r.latency.0)
            .collect();
        latency[i] = latency_stats(&ms);
        launched[i] = ms.len() as u32;
    }
    let mut reasons: Vec<(String, u32)> = Vec::new();
    for reason in nodes.iter().filter_map(|n| n.termination_reason.as_deref()) {
        match reasons.iter_mut().find(|r| r.0 == reason) {
            Some(r) => r.1 += 1,
            None => reasons.push((reason.to_string(), 1)),
        }
    }
    reasons.sort();
    Summary {
        scenario: "sample-day".to_string(),
        seed: 7,
        start: DAY_START,
        end,
        nodes_start: first.nodes_total,
        nodes_end: last.nodes_total,
        nodes_min: samples.iter().map(|s| s.nodes_total).min().unwrap_or(0),
        nodes_max: samples.iter().map(|s| s.nodes_total).max().unwrap_or(0),
        cost_per_hour_start: first.cost_per_hour,
        cost_per_hour_end: last.cost_per_hour,
        total_cost: Usd(nodes.iter().map(|n| n.cost.0).sum()),
        monthly_cost_at_end: last.cost_per_hour.per_month(),
        pending_pod_seconds: samples.iter().map(|s| u64::from(s.pods_pending) * 60).sum(),
        pods_pending_at_end: last.pods_pending,
        provisioning_latency: latency,
        nodes_launched: launched,
        nodes_terminated: nodes.iter().filter(|n| n.terminated_at.is_some()).count() as u32,
        disruptions_by_reason: reasons,
        events,
        incomplete: None,
    }
}

/// A variant of [`sample_day`] for comparisons: no flash sale nodes and a cheaper type
/// for the Karpenter pool.
pub fn sample_day_variant() -> RunOutput {
    let mut run = sample_day();
    run.summary.scenario = "sample-day-variant".to_string();
    let afternoon = at(15, 0);
    for s in &mut run.samples {
        s.cost_per_hour = UsdPerHour(s.cost_per_hour.0 * 9 / 10);
        s.pods_pending /= 2;
        // Two fewer Karpenter nodes from the afternoon on.
        if s.t >= afternoon {
            s.nodes_total -= 2;
            s.nodes_by_provisioner[0] -= 2;
            s.nodes_by_owner[0] -= 2;
        }
    }
    run.summary.nodes_end -= 2;
    run.summary.total_cost = Usd(run.summary.total_cost.0 * 9 / 10);
    run.summary.cost_per_hour_end = run
        .samples
        .last()
        .map_or(UsdPerHour(0), |s| s.cost_per_hour);
    run.summary.monthly_cost_at_end = run.summary.cost_per_hour_end.per_month();
    run.summary.pending_pod_seconds /= 2;
    run
}
