//! Section 10's CPU and memory figures and the four nodes the log calls underutilized.
//! Utilisation here is requests over allocatable, the only kind the model has.

use engine::output::Sample;

use crate::stats::time_weighted_mean;
use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log;
use crate::validation::numbers::{clock, pct, whole_pct};
use crate::validation::probes::GENERAL_GROUP;

use super::row;

/// Requests and allocatable of the general group's nodes over the day. Only its requests
/// change after the start (every pod the day adds is a general pod, and no node comes or
/// goes), so the cluster's change since the first sample is the group's change.
struct General {
    cpu_start: u64,
    cpu_alloc: u64,
    mem_start: u64,
    mem_alloc: u64,
    first: Sample,
}

impl General {
    fn new(f: &Facts) -> Option<General> {
        let nodes = f.owned_by(GENERAL_GROUP);
        Some(General {
            cpu_start: nodes.iter().map(|n| n.requested.cpu_millis()).sum(),
            cpu_alloc: nodes.iter().map(|n| n.allocatable.cpu_millis()).sum(),
            mem_start: nodes.iter().map(|n| n.requested.memory_bytes()).sum(),
            mem_alloc: nodes.iter().map(|n| n.allocatable.memory_bytes()).sum(),
            first: f.run.samples.first()?.clone(),
        })
    }

    fn cpu(&self, s: &Sample) -> u64 {
        (self.cpu_start + s.cpu_requested_millis).saturating_sub(self.first.cpu_requested_millis)
    }

    fn mem(&self, s: &Sample) -> u64 {
        (self.mem_start + s.memory_requested_bytes)
            .saturating_sub(self.first.memory_requested_bytes)
    }
}

pub fn rows(f: &Facts) -> Vec<ValidationRow> {
    let mut rows = Vec::new();
    for n in &log::UNDERUTILIZED {
        let Some(node) = f.start_node(n.name) else {
            continue;
        };
        let (cpu, alloc_cpu) = (node.requested.cpu_millis(), node.allocatable.cpu_millis());
        let (mem, alloc_mem) = (
            node.requested.memory_bytes(),
            node.allocatable.memory_bytes(),
        );
        let same = whole_pct(cpu, alloc_cpu) == u64::from(n.cpu_pct)
            && whole_pct(mem, alloc_mem) == u64::from(n.memory_pct);
        rows.push(
            row(format!("{}: CPU and memory", n.name), [n.at])
                .log(format!("CPU {} %, memory {} %", n.cpu_pct, n.memory_pct))
                .model(format!(
                    "CPU {}, memory {} at 06:50 ({} pods)",
                    pct(cpu, alloc_cpu),
                    pct(mem, alloc_mem),
                    node.pinned_pods + node.daemonsets
                ))
                .input_or_differs(
                    same,
                    "cutover.toml sizes this node's pods to these percentages of allocatable",
                ),
        );
    }
    let Some(g) = General::new(f) else {
        return rows;
    };
    let end = f.run.summary.end;
    let samples = &f.run.samples;
    let cpu_mean = time_weighted_mean(samples, end, |s| {
        Some(g.cpu(s) as f64 * 100.0 / g.cpu_alloc.max(1) as f64)
    })
    .unwrap_or(0.0);
    let mem_mean = time_weighted_mean(samples, end, |s| {
        Some(g.mem(s) as f64 * 100.0 / g.mem_alloc.max(1) as f64)
    })
    .unwrap_or(0.0);
    let cluster_cpu_mean = time_weighted_mean(samples, end, |s| {
        (s.cpu_allocatable_millis > 0)
            .then(|| s.cpu_requested_millis as f64 * 100.0 / s.cpu_allocatable_millis as f64)
    })
    .unwrap_or(0.0);
    let cluster_mem_mean = time_weighted_mean(samples, end, |s| {
        (s.memory_allocatable_bytes > 0)
            .then(|| s.memory_requested_bytes as f64 * 100.0 / s.memory_allocatable_bytes as f64)
    })
    .unwrap_or(0.0);
    let first = &g.first;
    let why_avg = "cutover.toml sizes the 787 general pods so that the 27 general nodes \
                   request this at 06:50; over the day the 08:05 pods and the flash sale \
                   raise the average, and cluster-wide the model is lower because the log \
                   gives no figure for the memory and Kafka nodes and the four named nodes \
                   run at 18-25 % (the log does not say whether it means requests or usage)";
    rows.push(
        row("CPU, 24-hour average", [log::CPU_AVG_PCT.at])
            .log(format!("{} %", log::CPU_AVG_PCT.value))
            .model(format!(
                "general nodes {} at 06:50, {:.1} % over 24 h; cluster {}, {:.1} % over 24 h",
                pct(g.cpu(first), g.cpu_alloc),
                cpu_mean,
                pct(first.cpu_requested_millis, first.cpu_allocatable_millis),
                cluster_cpu_mean
            ))
            .input_or_differs(
                whole_pct(g.cpu(first), g.cpu_alloc) == u64::from(log::CPU_AVG_PCT.value),
                why_avg,
            ),
    );
    rows.push(
        row("Memory, 24-hour average", [log::MEMORY_AVG_PCT.at])
            .log(format!("{} %", log::MEMORY_AVG_PCT.value))
            .model(format!(
                "general nodes {} at 06:50, {:.1} % over 24 h; cluster {}, {:.1} % over 24 h",
                pct(g.mem(first), g.mem_alloc),
                mem_mean,
                pct(first.memory_requested_bytes, first.memory_allocatable_bytes),
                cluster_mem_mean
            ))
            .input_or_differs(
                whole_pct(g.mem(first), g.mem_alloc) == u64::from(log::MEMORY_AVG_PCT.value),
                why_avg,
            ),
    );
    let Some(peak) = samples
        .iter()
        .max_by_key(|s| (s.cpu_requested_millis, u64::MAX - s.t.0))
    else {
        return rows;
    };
    let cpu_peak = whole_pct(g.cpu(peak), g.cpu_alloc);
    rows.push(
        row("CPU peak (flash sale)", [log::CPU_PEAK_PCT.at])
            .log(format!("{} %", log::CPU_PEAK_PCT.value))
            .model(format!(
                "general nodes {} at {} (cluster {})",
                pct(g.cpu(peak), g.cpu_alloc),
                clock(peak.t),
                pct(peak.cpu_requested_millis, peak.cpu_allocatable_millis)
            ))
            .input_or_differs(
                cpu_peak == u64::from(log::CPU_PEAK_PCT.value),
                "cutover.toml sets the number of pods that follow the flash sale from this peak",
            ),
    );
    let mem_peak = whole_pct(g.mem(peak), g.mem_alloc);
    let r = row("Memory peak (flash sale)", [log::MEMORY_PEAK_PCT.at])
        .log(format!("{} %", log::MEMORY_PEAK_PCT.value))
        .model(format!(
            "general nodes {} at {} (cluster {})",
            pct(g.mem(peak), g.mem_alloc),
            clock(peak.t),
            pct(peak.memory_requested_bytes, peak.memory_allocatable_bytes)
        ));
    rows.push(if mem_peak == u64::from(log::MEMORY_PEAK_PCT.value) {
        r.reproduced("")
    } else {
        r.differs(
            "the general pods share one size, set by the CPU figures; the log's CPU and memory \
             peaks would need the flash-sale pods to be larger in memory than the average pod",
        )
    });
    rows
}
