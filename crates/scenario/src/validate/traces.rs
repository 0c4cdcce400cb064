//! `[[traces]]`: the rows of a pod-list trace that fall in the run become one-pod Jobs.
//!
//! Trace second `from` (default: the trace's first creation) falls at the scenario's
//! start. A row's pod is created at its creation time, or at the start if it was created
//! earlier and is still alive then; once it runs, it runs for as long as it ran in the
//! traced cluster (deletion minus scheduling, or minus creation for a pod that cluster
//! never scheduled; from the start for one already running), then completes. Requests
//! are the row's CPU, memory and whole GPUs (`gpu_milli`, GPU sharing, is not modelled:
//! a sharing pod asks for one whole GPU). Rows of one shape share a pod spec.

use std::collections::BTreeMap;
use std::sync::Arc;

use model::pod::{OwnerKind, PodSpec};
use model::resources::ResourceKind;
use model::{SimDuration, SimTime};

use super::common::{Ctx, check_unique};
use super::workloads::{PodFields, pod_spec};
use crate::diag::{PathLike, Root};
use crate::raw_k8s::RawTrace;
use crate::spec::{ReplicaSchedule, WorkloadKind, WorkloadSpec};
use crate::trace::{FORMATS, TraceRow};

/// What reading a trace's file gave.
#[derive(Debug)]
pub enum TraceInput {
    Rows(Vec<TraceRow>),
    /// The file could not be read: why.
    Unreadable(String),
    /// The file was read and had errors, reported in it.
    Invalid,
}

/// Jobs for every trace row that falls in `start..end`.
pub fn traces(
    ctx: &mut Ctx,
    raw: &[RawTrace],
    inputs: &[TraceInput],
    start: SimTime,
    end: SimTime,
) -> Vec<WorkloadSpec> {
    let path = Root.key("traces");
    check_unique(ctx, path, raw.iter().map(|t| t.name.as_str()), "trace");
    let span_s = end.since(start).0 / 1_000;
    let mut out = Vec::new();
    for (i, (t, input)) in raw.iter().zip(inputs).enumerate() {
        let p = path.index(i);
        if let Some(f) = &t.format {
            ctx.one_of(p.key("format"), f, &FORMATS, "trace format");
        }
        if t.requests.is_some() {
            ctx.issues.error_hint(
                p.key("requests"),
                "a trace's requests come from its rows",
                "remove `requests`: each row gives cpu_milli, memory_mib and num_gpu",
            );
        }
        let template = pod_spec(ctx, p, &t.name, pod_fields!(t), OwnerKind::Job);
        let rows = match input {
            TraceInput::Rows(rows) => rows,
            TraceInput::Unreadable(why) => {
                ctx.issues.error_hint(
                    p.key("file"),
                    why.clone(),
                    "a trace's file is relative to the scenario file",
                );
                continue;
            }
            TraceInput::Invalid => continue,
        };
        let from = match t.from {
            Some(f) if f >= 0 => f as u64,
            Some(f) => {
                ctx.issues
                    .error(p.key("from"), format!("from {f} is negative"));
                continue;
            }
            None => rows.iter().map(|r| r.creation_s).min().unwrap_or(0),
        };
        let mut shapes: BTreeMap<(u64, u64, u64), Arc<PodSpec>> = BTreeMap::new();
        let before = out.len();
        for r in rows {
            // Gone before the start, or created after the end.
            if r.deletion_s <= from || r.creation_s.saturating_sub(from) >= span_s {
                continue;
            }
            let Some(memory_bytes) = r.memory_mib.checked_mul(1 << 20) else {
                ctx.issues.error(
                    p.key("file"),
                    format!(
                        "pod {} (line {}) asks for more memory than karpsim counts",
                        r.name, r.line
                    ),
                );
                continue;
            };
            let spec = shapes
                .entry((r.cpu_milli, r.memory_mib, r.num_gpu))
                .or_insert_with(|| {
                    let mut spec = template.clone();
                    spec.requests = model::Resources::ZERO
                        .with(ResourceKind::CpuMillis, r.cpu_milli)
                        .with(ResourceKind::MemoryBytes, memory_bytes)
                        .with(ResourceKind::NvidiaGpu, r.num_gpu);
                    Arc::new(spec)
                })
                .clone();
            let created_s = r.creation_s.saturating_sub(from);
            let began_s = r
                .scheduled_s
                .unwrap_or(r.creation_s)
                .max(r.creation_s)
                .max(from);
            let run_s = r.deletion_s.saturating_sub(began_s).max(1);
            out.push(WorkloadSpec {
                name: format!("{}/{}", t.name.as_str(), r.name),
                namespace: "default".into(),
                kind: WorkloadKind::Job,
                pod: spec,
                replicas: ReplicaSchedule {
                    initial: 1,
                    points: Vec::new(),
                    daily: None,
                    spikes: Vec::new(),
                    // A trace's pods are the ones it lists, whatever the traffic.
                    follows_traffic: false,
                },
                pdb: None,
                created_at: Some(start.saturating_add(SimDuration::from_secs(created_s))),
                run_duration: Some(SimDuration::from_secs(run_s)),
                initial_placement: Vec::new(),
            });
        }
        if out.len() == before {
            ctx.issues.warning(
                p.key("from"),
                format!(
                    "no pod of trace {} is alive between trace seconds {from} and {}",
                    t.name.as_str(),
                    from.saturating_add(span_s)
                ),
            );
        }
    }
    out
}
