//! Workloads (Deployments, StatefulSets, Jobs), their replica schedules and PDBs, and DaemonSets.

use std::sync::Arc;

use model::labels::Labels;
use model::pod::{
    OwnerKind, PodAffinityTerm, PodSpec, PreferredNodeTerm, TopologySpreadConstraint,
    WhenUnsatisfiable,
};
use model::workload::{DaemonSet, PdbLimit};
use model::{SimDuration, SimTime};

use super::common::{Ctx, check_unique};
use crate::diag::{PathLike, Root};
use crate::raw_k8s::{
    RawDaemonSet, RawNodeAffinity, RawPdb, RawPodAffinityTerm, RawResources, RawSchedule,
    RawSpread, RawToleration, RawWorkload, Str, StrMap, owned_map,
};
use crate::spec::{DailyCurve, InventoryNode, ReplicaSchedule, Spike, WorkloadKind, WorkloadSpec};

/// The pod-template fields, borrowed from a workload, a DaemonSet or a trace.
pub(super) struct PodFields<'a> {
    pub(super) requests: &'a Option<RawResources<'a>>,
    pub(super) labels: &'a Option<StrMap<'a>>,
    pub(super) node_selector: &'a StrMap<'a>,
    pub(super) node_affinity: &'a Option<RawNodeAffinity<'a>>,
    pub(super) tolerations: &'a [RawToleration<'a>],
    pub(super) spread: &'a [RawSpread<'a>],
    pub(super) affinity: &'a [RawPodAffinityTerm<'a>],
    pub(super) anti_affinity: &'a [RawPodAffinityTerm<'a>],
    pub(super) priority: Option<i64>,
    pub(super) do_not_disrupt: Option<bool>,
    pub(super) deletion_cost: Option<i64>,
    pub(super) grace_seconds: Option<i64>,
}

macro_rules! pod_fields {
    ($w:expr) => {
        PodFields {
            requests: &$w.requests,
            labels: &$w.labels,
            node_selector: &$w.node_selector,
            node_affinity: &$w.node_affinity,
            tolerations: &$w.tolerations,
            spread: &$w.topology_spread_constraints,
            affinity: &$w.pod_affinity,
            anti_affinity: &$w.pod_anti_affinity,
            priority: $w.priority,
            do_not_disrupt: $w.do_not_disrupt,
            deletion_cost: $w.deletion_cost,
            grace_seconds: $w.termination_grace_period_seconds,
        }
    };
}

pub(super) fn pod_spec(
    ctx: &mut Ctx,
    p: impl PathLike,
    name: &str,
    f: PodFields,
    owner_kind: OwnerKind,
) -> PodSpec {
    let requests = match f.requests {
        Some(r) => ctx.resources(p.key("requests"), r, false).0,
        None => model::Resources::ZERO,
    };
    let labels: Labels = f
        .labels
        .as_ref()
        .map_or_else(|| [("app".to_string(), name.to_string())].into(), owned_map);
    let mut spec = PodSpec::with_requests(requests);
    spec.owner_kind = owner_kind;
    spec.node_selector = owned_map(f.node_selector);
    if let Some(na) = f.node_affinity {
        let ap = p.key("nodeAffinity");
        for (i, term) in na.required.iter().enumerate() {
            let exprs = term
                .iter()
                .enumerate()
                .filter_map(|(j, r)| {
                    ctx.node_selector_requirement(ap.key("required").index(i).index(j), r)
                })
                .collect();
            spec.required_node_affinity.push(exprs);
        }
        for (i, pref) in na.preferred.iter().enumerate() {
            let pp = ap.key("preferred").index(i);
            let weight = ctx
                .int_in(pp.key("weight"), pref.weight, 1, 100, "weight")
                .unwrap_or(1) as i32;
            let term = pref
                .match_expressions
                .iter()
                .enumerate()
                .filter_map(|(j, r)| {
                    ctx.node_selector_requirement(pp.key("matchExpressions").index(j), r)
                })
                .collect();
            spec.preferred_node_affinity
                .push(PreferredNodeTerm { weight, term });
        }
    }
    if !f.tolerations.is_empty() {
        spec.tolerations = ctx.tolerations(p.key("tolerations"), f.tolerations);
    }
    for (i, s) in f.spread.iter().enumerate() {
        let sp = p.key("topologySpreadConstraints").index(i);
        let max_skew = s
            .max_skew
            .map_or(Some(1), |v| {
                ctx.int_in(sp.key("maxSkew"), v, 1, 1_000_000, "maxSkew")
            })
            .unwrap_or(1);
        let when_unsatisfiable = match s.when_unsatisfiable.as_deref() {
            None => WhenUnsatisfiable::DoNotSchedule,
            Some(w) => match ctx.one_of(
                sp.key("whenUnsatisfiable"),
                w,
                &["DoNotSchedule", "ScheduleAnyway"],
                "whenUnsatisfiable",
            ) {
                Some("ScheduleAnyway") => WhenUnsatisfiable::ScheduleAnyway,
                _ => WhenUnsatisfiable::DoNotSchedule,
            },
        };
        let min_domains = s
            .min_domains
            .and_then(|v| ctx.int_in(sp.key("minDomains"), v, 1, 1_000_000, "minDomains"));
        let label_selector =
            ctx.label_selector(sp.key("labelSelector"), s.label_selector.as_ref(), &labels);
        spec.topology_spread.push(TopologySpreadConstraint {
            topology_key: s.topology_key.to_owned_string(),
            max_skew,
            when_unsatisfiable,
            label_selector,
            min_domains,
        });
    }
    if !f.affinity.is_empty() {
        spec.pod_affinity = affinity_terms(ctx, p.key("podAffinity"), f.affinity, &labels);
    }
    if !f.anti_affinity.is_empty() {
        spec.pod_anti_affinity =
            affinity_terms(ctx, p.key("podAntiAffinity"), f.anti_affinity, &labels);
    }
    spec.labels = labels;
    if let Some(pr) = f.priority {
        // Kubernetes reserves priorities above one billion for system-critical pods.
        match i32::try_from(pr) {
            Ok(v) if pr <= 1_000_000_000 => spec.priority = v,
            _ => ctx.issues.error(
                p.key("priority"),
                format!("priority {pr} is outside -2147483648..=1000000000"),
            ),
        }
    }
    spec.do_not_disrupt = f.do_not_disrupt.unwrap_or(false);
    spec.deletion_cost = f.deletion_cost.map_or(0, |c| {
        c.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    });
    if let Some(g) = f.grace_seconds
        && let Some(g) = ctx.int_in(
            p.key("terminationGracePeriodSeconds"),
            g,
            0,
            31_536_000,
            "terminationGracePeriodSeconds",
        )
    {
        spec.termination_grace_period = SimDuration::from_secs(u64::from(g));
    }
    spec
}

fn affinity_terms(
    ctx: &mut Ctx,
    path: impl PathLike,
    raw: &[RawPodAffinityTerm],
    own_labels: &Labels,
) -> Vec<PodAffinityTerm> {
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            let p = path.index(i);
            let weight = t.weight.map(|w| {
                ctx.int_in(p.key("weight"), w, 1, 100, "weight")
                    .unwrap_or(1) as i32
            });
            let label_selector = ctx.label_selector(
                p.key("labelSelector"),
                t.label_selector.as_ref(),
                own_labels,
            );
            PodAffinityTerm {
                topology_key: t.topology_key.to_owned_string(),
                label_selector,
                weight,
            }
        })
        .collect()
}

pub fn daemonsets(ctx: &mut Ctx, raw: &[RawDaemonSet]) -> Vec<DaemonSet> {
    let path = Root.key("daemonsets");
    check_unique(ctx, path, raw.iter().map(|d| d.name.as_str()), "DaemonSet");
    raw.iter()
        .enumerate()
        .map(|(i, d)| {
            let spec = pod_spec(
                ctx,
                path.index(i),
                &d.name,
                pod_fields!(d),
                OwnerKind::DaemonSet,
            );
            DaemonSet {
                name: d.name.to_owned_string(),
                spec: Arc::new(spec),
            }
        })
        .collect()
}

pub fn workloads(
    ctx: &mut Ctx,
    raw: &[RawWorkload],
    end: SimTime,
    inventory: &[InventoryNode],
) -> Vec<WorkloadSpec> {
    let path = Root.key("workloads");
    check_unique(ctx, path, raw.iter().map(|w| w.name.as_str()), "workload");
    let mut out = Vec::with_capacity(raw.len());
    for (i, w) in raw.iter().enumerate() {
        let p = path.index(i);
        let kind = match w.kind.as_deref() {
            None => WorkloadKind::Deployment,
            Some("DaemonSet") => {
                ctx.issues.error_hint(
                    p.key("kind"),
                    "DaemonSets are not workloads here",
                    "declare them under [[daemonsets]]",
                );
                continue;
            }
            Some(k) => match ctx.one_of(
                p.key("kind"),
                k,
                &["Deployment", "StatefulSet", "Job"],
                "workload kind",
            ) {
                Some("StatefulSet") => WorkloadKind::StatefulSet,
                Some("Job") => WorkloadKind::Job,
                _ => WorkloadKind::Deployment,
            },
        };
        let owner_kind = match kind {
            WorkloadKind::Deployment => OwnerKind::Deployment,
            WorkloadKind::StatefulSet => OwnerKind::StatefulSet,
            WorkloadKind::Job => OwnerKind::Job,
        };
        let spec = pod_spec(ctx, p, &w.name, pod_fields!(w), owner_kind);
        let initial = w
            .replicas
            .map_or(Some(1), |r| {
                ctx.int_in(p.key("replicas"), r, 0, 10_000_000, "replicas")
            })
            .unwrap_or(0);
        let replicas = schedule(ctx, p.key("schedule"), w.schedule.as_ref(), initial, end);
        let pdb = w
            .pdb
            .as_ref()
            .and_then(|pdb| pdb_limit(ctx, p.key("pdb"), pdb));
        let created_at = w
            .start
            .as_ref()
            .and_then(|s| ctx.timestamp(p.key("start"), s));
        let run_duration = w
            .duration
            .as_ref()
            .and_then(|d| ctx.duration(p.key("duration"), d));
        if kind == WorkloadKind::Job && run_duration.is_none() && w.duration.is_none() {
            ctx.issues
                .error_hint(p, "a Job needs a duration", "e.g. duration = \"30m\"");
        }
        if kind != WorkloadKind::Job && w.duration.is_some() {
            ctx.issues
                .error(p.key("duration"), "duration applies to Jobs only");
        }
        let mut initial_placement = Vec::new();
        if let Some(names) = &w.placement {
            for (j, n) in names.iter().enumerate() {
                if inventory.iter().any(|x| *n == x.name) {
                    initial_placement.push(n.to_owned_string());
                } else {
                    let hint =
                        crate::diag::did_you_mean(n, inventory.iter().map(|x| x.name.as_str()))
                            .unwrap_or_else(|| "placement names nodes from [[nodes]]".into());
                    ctx.issues.error_hint(
                        p.key("placement").index(j),
                        format!("unknown node `{n}`"),
                        hint,
                    );
                }
            }
        }
        out.push(WorkloadSpec {
            name: w.name.to_owned_string(),
            namespace: w
                .namespace
                .as_ref()
                .map_or_else(|| "default".into(), Str::to_owned_string),
            kind,
            pod: Arc::new(spec),
            replicas,
            pdb,
            created_at,
            run_duration,
            initial_placement,
        });
    }
    out
}

fn pdb_limit(ctx: &mut Ctx, p: impl PathLike, pdb: &RawPdb) -> Option<PdbLimit> {
    match (&pdb.min_available, &pdb.max_unavailable) {
        (Some(v), None) => ctx
            .int_or_percent(p.key("minAvailable"), v)
            .map(PdbLimit::MinAvailable),
        (None, Some(v)) => ctx
            .int_or_percent(p.key("maxUnavailable"), v)
            .map(PdbLimit::MaxUnavailable),
        _ => {
            ctx.issues.error(
                p,
                "a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable",
            );
            None
        }
    }
}

fn schedule(
    ctx: &mut Ctx,
    p: impl PathLike,
    raw: Option<&RawSchedule>,
    initial: u32,
    end: SimTime,
) -> ReplicaSchedule {
    let mut s = ReplicaSchedule {
        initial,
        points: Vec::new(),
        daily: None,
        spikes: Vec::new(),
        follows_traffic: true,
    };
    let Some(raw) = raw else { return s };
    s.follows_traffic = raw.follows_traffic.unwrap_or(true);
    for (i, pt) in raw.points.iter().enumerate() {
        let pp = p.key("points").index(i);
        let (Some(at), Some(r)) = (
            ctx.timestamp(pp.key("at"), &pt.at),
            ctx.int_in(pp.key("replicas"), pt.replicas, 0, 10_000_000, "replicas"),
        ) else {
            continue;
        };
        if at > end {
            ctx.issues
                .warning(pp.key("at"), format!("{at} is after the run ends"));
        }
        if let Some((prev, _)) = s.points.last()
            && *prev > at
        {
            ctx.issues
                .error(pp.key("at"), "schedule points must be in time order");
        }
        s.points.push((at, r));
    }
    if let Some(d) = &raw.daily {
        let dp = p.key("daily");
        let min = ctx.int_in(dp.key("min"), d.min, 0, 10_000_000, "min");
        let max = ctx.int_in(dp.key("max"), d.max, 0, 10_000_000, "max");
        let peak = ctx
            .timestamp(dp.key("peak"), &d.peak)
            .map(|t| t.0 % model::time::MS_PER_DAY);
        if let (Some(min), Some(max), Some(peak_ms_of_day)) = (min, max, peak) {
            if min > max {
                ctx.issues.error(
                    dp.key("min"),
                    format!("min {min} is greater than max {max}"),
                );
            }
            s.daily = Some(DailyCurve {
                min,
                max,
                peak_ms_of_day,
            });
        }
    }
    for (i, sp) in raw.spikes.iter().enumerate() {
        let pp = p.key("spikes").index(i);
        let at = ctx.timestamp(pp.key("at"), &sp.at);
        let duration = ctx.duration(pp.key("duration"), &sp.duration);
        let ramp = sp
            .ramp
            .as_ref()
            .map_or(Some(SimDuration::ZERO), |r| ctx.duration(pp.key("ramp"), r));
        if !(sp.factor.is_finite() && sp.factor > 0.0 && sp.factor <= 1000.0) {
            ctx.issues.error_hint(
                pp.key("factor"),
                format!("factor {} is not a positive multiplier", sp.factor),
                "e.g. 1.5 for +50%",
            );
            continue;
        }
        if let (Some(at), Some(duration), Some(ramp)) = (at, duration, ramp) {
            if ramp.0.saturating_mul(2) > duration.0 {
                ctx.issues.error(
                    pp.key("ramp"),
                    "ramp up and down must fit in the spike's duration",
                );
                continue;
            }
            s.spikes.push(Spike {
                at,
                duration,
                ramp,
                factor_bp: (sp.factor * 10_000.0).round() as u32,
            });
        }
    }
    s
}
