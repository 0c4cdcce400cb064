//! Metrics samples during the run, and the records and summary at its end.

use model::SimTime;
use model::price::{HOURS_PER_MONTH, Usd, UsdPerHour};

use crate::output::{
    LatencyStats, NodeRecord, Provisioner, ProvisioningRecord, RunOutput, Sample, Summary,
};
use crate::sim::Simulation;
use crate::state::{NodePhase, PodPhase};

fn provisioner_index(p: Provisioner) -> usize {
    match p {
        Provisioner::Karpenter => 0,
        Provisioner::ClusterAutoscaler => 1,
        Provisioner::Static => 2,
    }
}

pub fn sample(sim: &mut Simulation, now: SimTime) {
    let owners = sim.cfg.nodepools.len() + sim.cfg.node_groups.len();
    let mut s = Sample {
        t: now,
        nodes_by_owner: vec![0; owners],
        nodes_by_provisioner: [0; 3],
        nodes_total: 0,
        nodes_ready: 0,
        pods_pending: sim.state.pending.len() as u32,
        pods_running: 0,
        cpu_requested_millis: 0,
        cpu_allocatable_millis: 0,
        memory_requested_bytes: 0,
        memory_allocatable_bytes: 0,
        cost_per_hour: UsdPerHour(0),
        karpenter_share_bp: sim.share_bp,
    };
    for n in sim.state.live_nodes() {
        s.nodes_total += 1;
        s.nodes_by_owner[n.owner] += 1;
        s.nodes_by_provisioner[provisioner_index(n.provisioner)] += 1;
        s.cost_per_hour = s.cost_per_hour.saturating_add(n.price);
        if n.phase == NodePhase::Ready {
            s.nodes_ready += 1;
            s.pods_running += n.pods.len() as u32;
            s.cpu_requested_millis += n.requested.cpu_millis();
            s.cpu_allocatable_millis += n.allocatable.cpu_millis();
            s.memory_requested_bytes += n.requested.memory_bytes();
            s.memory_allocatable_bytes += n.allocatable.memory_bytes();
        }
    }
    sim.samples.push(s);
}

/// Billed cost of a node: per second, with a 60-second minimum.
pub fn billed(price: UsdPerHour, from: SimTime, to: SimTime) -> Usd {
    let seconds = to.since(from).0.div_ceil(1000).max(60);
    price.cost_for_millis(seconds * 1000)
}

fn stats(mut v: Vec<u64>) -> LatencyStats {
    if v.is_empty() {
        return LatencyStats::default();
    }
    v.sort_unstable();
    // Nearest-rank percentiles.
    let rank = |p: u64| v[((p * v.len() as u64).div_ceil(100) as usize).clamp(1, v.len()) - 1];
    LatencyStats {
        count: v.len() as u32,
        p50_ms: rank(50),
        p95_ms: rank(95),
        p99_ms: rank(99),
        max_ms: *v.last().unwrap_or(&0),
    }
}

pub fn finish(mut sim: Simulation, end: SimTime) -> RunOutput {
    // Pods still pending at the end count until the end.
    let still_pending: u64 = sim
        .state
        .pending
        .iter()
        .filter_map(|p| sim.state.pod(*p).pending_since)
        .map(|s| end.since(s).0)
        .sum();
    let pending_pod_ms = sim.pending_pod_ms + still_pending;
    if sim.samples.last().is_none_or(|s| s.t < end) {
        sample(&mut sim, end);
    }
    let owners: Vec<String> = sim
        .cfg
        .nodepools
        .iter()
        .map(|p| p.name.clone())
        .chain(sim.cfg.node_groups.iter().map(|g| g.name.clone()))
        .collect();
    let mut nodes = Vec::new();
    let mut provisioning = Vec::new();
    let mut total = 0u128;
    let mut launched = [0u32; 3];
    let mut terminated = 0u32;
    let mut reasons: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for n in &sim.state.nodes {
        let until = n.terminated_at.unwrap_or(end).min(end);
        // Nodes older than the run are billed from its start.
        let cost = billed(n.price, n.launched_at.max(sim.cfg.start), until);
        total += cost.0;
        if !n.initial {
            launched[provisioner_index(n.provisioner)] += 1;
        }
        if n.terminated_at.is_some() {
            terminated += 1;
            let reason = n.termination_reason.clone().unwrap_or_default();
            let key = reason.split(':').next().unwrap_or("").trim().to_string();
            *reasons.entry(key).or_insert(0) += 1;
        }
        if let (Some(ready), Some(since)) = (n.ready_at, n.launched_for_pending_since) {
            provisioning.push(ProvisioningRecord {
                node: n.name.clone(),
                provisioner: n.provisioner,
                pending_since: since,
                decided_at: n.decided_at,
                ready_at: ready,
                latency: ready.since(since),
            });
        }
        nodes.push(NodeRecord {
            name: n.name.clone(),
            instance_type: n.instance_type.clone(),
            zone: n.zone.clone(),
            capacity_type: n.capacity_type,
            owner: owners[n.owner].clone(),
            provisioner: n.provisioner,
            price: n.price,
            launched_at: n.launched_at,
            ready_at: n.ready_at,
            terminated_at: n.terminated_at,
            termination_reason: n.termination_reason.clone(),
            cost,
        });
    }
    let latency = Provisioner::ALL.map(|p| {
        stats(
            provisioning
                .iter()
                .filter(|r| r.provisioner == p)
                .map(|r| r.latency.0)
                .collect(),
        )
    });
    let first = sim.samples.first().cloned();
    let last = sim.samples.last().cloned();
    let counts: Vec<u32> = sim.samples.iter().map(|s| s.nodes_total).collect();
    let summary = Summary {
        scenario: sim.cfg.name.clone(),
        seed: sim.seed,
        start: sim.cfg.start,
        end,
        nodes_start: first.as_ref().map_or(0, |s| s.nodes_total),
        nodes_end: last.as_ref().map_or(0, |s| s.nodes_total),
        nodes_min: counts.iter().copied().min().unwrap_or(0),
        nodes_max: counts.iter().copied().max().unwrap_or(0),
        cost_per_hour_start: first.as_ref().map_or(UsdPerHour(0), |s| s.cost_per_hour),
        cost_per_hour_end: last.as_ref().map_or(UsdPerHour(0), |s| s.cost_per_hour),
        total_cost: Usd(total),
        monthly_cost_at_end: Usd(u128::from(last.as_ref().map_or(0, |s| s.cost_per_hour.0))
            * u128::from(HOURS_PER_MONTH)),
        pending_pod_seconds: pending_pod_ms / 1000,
        pods_pending_at_end: sim
            .state
            .pods
            .iter()
            .filter(|p| p.phase == PodPhase::Pending)
            .count() as u32,
        provisioning_latency: latency,
        nodes_launched: launched,
        nodes_terminated: terminated,
        disruptions_by_reason: reasons.into_iter().collect(),
        events: sim.event_count,
        incomplete: sim.incomplete.clone(),
    };
    RunOutput {
        owners,
        decisions: sim.decisions,
        samples: sim.samples,
        events: sim.events,
        nodes,
        provisioning,
        summary,
    }
}
