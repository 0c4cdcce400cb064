//! Raw scenario → validated [`Scenario`], reporting every problem found.

mod common;
mod groups;
pub mod latency;
mod pools;
mod shortages;
mod timeline;
#[macro_use]
mod workloads;
pub mod traces;

use model::catalog::{Catalog, CatalogOptions, REGIONS, SpotPricing};
use model::kubelet::KubeletConfig;
use model::time::{MS_PER_DAY, parse_rfc3339};
use model::{SimDuration, SimTime};

use crate::diag::{Issues, PathLike, Root, did_you_mean};
use crate::raw::{RawCatalog, RawKarpenter, RawScenario};
use crate::spec::{
    CutoverSemantics, KarpenterSettings, KarpenterVersion, OutputSpec, RunLimits, Scenario,
    SpotInterruptions,
};
use common::Ctx;

/// Validates a parsed scenario. Returns the scenario (if no errors) and all issues.
pub fn validate(raw: &RawScenario, traces: &[traces::TraceInput]) -> (Option<Scenario>, Issues) {
    let root = Root;
    let mut ctx = Ctx {
        issues: Issues::default(),
        start: SimTime(0),
        karpenter_v1_14: false,
    };
    match raw.format {
        Some(1) => {}
        Some(f) => ctx.issues.error_hint(
            root.key("format"),
            format!("unsupported scenario format {f}"),
            "this karpsim reads format = 1",
        ),
        None => ctx.issues.error_hint(
            root,
            "missing field `format`",
            "start the file with `format = 1`",
        ),
    }
    let Some(cluster) = &raw.cluster else {
        ctx.issues.error_hint(
            root,
            "missing table [cluster]",
            "see docs/scenario-format.md",
        );
        return (None, ctx.issues);
    };
    let cp = root.key("cluster");
    let region = cluster.region.clone().unwrap_or_else(|| "us-east-1".into());
    if !REGIONS.contains(&region.as_str()) {
        let hint = did_you_mean(&region, REGIONS)
            .unwrap_or_else(|| format!("karpsim has prices for {}", REGIONS.join(", ")));
        ctx.issues.error_hint(
            cp.key("region"),
            format!("no price data for region `{region}`"),
            hint,
        );
    }
    let zones = cluster.zones.clone().unwrap_or_else(|| {
        ["a", "b", "c"]
            .iter()
            .map(|s| format!("{region}{s}"))
            .collect()
    });
    if zones.is_empty() {
        ctx.issues.error(cp.key("zones"), "zones is empty");
    }
    for (i, z) in zones.iter().enumerate() {
        if zones[..i].contains(z) {
            ctx.issues
                .error(cp.key("zones").index(i), format!("duplicate zone `{z}`"));
        } else if !z.starts_with(&region) {
            ctx.issues.warning(
                cp.key("zones").index(i),
                format!("zone `{z}` is not in region {region}"),
            );
        }
    }
    let start = match &cluster.start {
        Some(s) => parse_rfc3339(s).unwrap_or_else(|| {
            ctx.issues.error_hint(
                cp.key("start"),
                format!("`{s}` is not an RFC 3339 time"),
                "e.g. \"2025-10-16T06:50:00Z\"",
            );
            SimTime(0)
        }),
        None => {
            ctx.issues.error_hint(
                cp,
                "missing field `start`",
                "e.g. start = \"2025-10-16T06:50:00Z\"",
            );
            SimTime(0)
        }
    };
    ctx.start = start;
    let end = match (&cluster.duration, &cluster.end) {
        (Some(d), None) => ctx
            .duration(cp.key("duration"), d)
            .map(|d| start.saturating_add(d)),
        (None, Some(e)) => ctx.timestamp(cp.key("end"), e),
        (None, None) => Some(start.saturating_add(SimDuration(MS_PER_DAY))),
        (Some(_), Some(_)) => {
            ctx.issues
                .error(cp, "give either duration or end, not both");
            None
        }
    }
    .unwrap_or(start);
    if end <= start {
        ctx.issues
            .error(cp.key("duration"), "the run must end after it starts");
    } else if end.since(start).0 > 366 * MS_PER_DAY {
        ctx.issues.error(
            cp.key("duration"),
            "runs longer than 366 days are not supported",
        );
    }
    let seed = match cluster.seed {
        None => 0,
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            ctx.issues
                .error(cp.key("seed"), format!("seed {s} is negative"));
            0
        }
    };

    let initial_traffic_bp = match cluster.traffic {
        None => 10_000,
        Some(t) if t.is_finite() && (0.0..=1000.0).contains(&t) => (t * 10_000.0).round() as u32,
        Some(t) => {
            ctx.issues.error(
                cp.key("traffic"),
                format!("traffic {t} is outside 0..=1000"),
            );
            10_000
        }
    };

    let (karpenter, base_kubelet) = karpenter_settings(&mut ctx, raw.karpenter.as_ref());
    ctx.karpenter_v1_14 = karpenter.v1_14;
    let catalog = catalog(&mut ctx, raw.catalog.as_ref(), &region, &zones);
    let classes = pools::node_classes(&mut ctx, &raw.nodeclasses, &base_kubelet);
    let (nodepools, nodepool_kubelet) = pools::node_pools(
        &mut ctx,
        &raw.nodepools,
        &classes,
        karpenter.version,
        &catalog,
        &zones,
    );
    let cluster_autoscaler = groups::cluster_autoscaler(&mut ctx, raw.cluster_autoscaler.as_ref());
    let node_groups =
        groups::node_groups(&mut ctx, &raw.node_groups, &catalog, &zones, &base_kubelet);
    for (i, g) in node_groups.iter().enumerate() {
        if nodepools.iter().any(|p| p.name == g.name) {
            ctx.issues.error(
                root.key("node_groups").index(i).key("name"),
                format!(
                    "`{}` is already a NodePool name; owners must be unique",
                    g.name
                ),
            );
        }
    }
    let inventory = groups::inventory(
        &mut ctx,
        &raw.nodes,
        &nodepools,
        &node_groups,
        &catalog,
        &zones,
    );
    let daemonsets = workloads::daemonsets(&mut ctx, &raw.daemonsets);
    let mut workloads = workloads::workloads(&mut ctx, &raw.workloads, end, &inventory);
    workloads.extend(traces::traces(&mut ctx, &raw.traces, traces, start, end));
    let cutover = cutover(&mut ctx, raw, &nodepools);
    let spot_interruptions = spot(&mut ctx, raw);
    let capacity_shortages = shortages::shortages(&mut ctx, raw, &catalog, &zones, start, end);
    let names = timeline::Names {
        pools: &nodepools,
        groups: &node_groups,
        nodes: &inventory,
        workloads: &workloads,
        version: karpenter.version,
        end,
    };
    let timeline = timeline::timeline(&mut ctx, &raw.timeline, &names);
    let latency = latency::latency(&mut ctx, raw.latency.as_ref());
    let output = output(&mut ctx, raw);
    let limits = run_limits(&mut ctx, raw);

    if ctx.issues.has_errors() {
        return (None, ctx.issues);
    }
    let scenario = Scenario {
        name: raw
            .name
            .clone()
            .or_else(|| cluster.name.clone())
            .unwrap_or_else(|| "scenario".into()),
        description: raw.description.clone().unwrap_or_default(),
        region,
        zones,
        start,
        end,
        seed,
        initial_traffic_bp,
        catalog,
        karpenter,
        cutover,
        spot_interruptions,
        capacity_shortages,
        what_if: crate::spec::WhatIf {
            repack_n_to_m: raw
                .what_if
                .as_ref()
                .and_then(|w| w.repack_n_to_m)
                .unwrap_or(false),
        },
        nodepools,
        nodepool_kubelet,
        cluster_autoscaler,
        node_groups,
        inventory,
        workloads,
        daemonsets,
        timeline,
        latency,
        output,
        limits,
    };
    crate::lint::lint(&scenario, &mut ctx.issues);
    (Some(scenario), ctx.issues)
}

fn karpenter_settings(
    ctx: &mut Ctx,
    raw: Option<&RawKarpenter>,
) -> (KarpenterSettings, KubeletConfig) {
    let p = Root.key("karpenter");
    let mut s = KarpenterSettings {
        version: KarpenterVersion::V1,
        batch_idle: SimDuration::from_secs(1),
        batch_max: SimDuration::from_secs(10),
        enabled: true,
        spot_to_spot_consolidation: false,
        interruption_handling: true,
        v1_14: false,
    };
    let mut kubelet = KubeletConfig::default();
    let Some(raw) = raw else { return (s, kubelet) };
    if let Some(v) = &raw.version {
        let norm = v.trim_start_matches('v');
        s.version = if norm == "0.37" || norm.starts_with("0.37.") || norm.starts_with("0.3") {
            KarpenterVersion::V0_37
        } else if norm == "1" || norm.starts_with("1.") {
            let minor = norm
                .strip_prefix("1.")
                .and_then(|m| m.split('.').next())
                .and_then(|m| m.parse::<u32>().ok());
            s.v1_14 = minor.is_some_and(|m| m >= 14);
            KarpenterVersion::V1
        } else {
            ctx.issues.error_hint(
                p.key("version"),
                format!("unknown Karpenter version `{v}`"),
                "karpsim has behaviour profiles \"v0.37\" (v1beta1 API, v0.32-v0.37), \"v1\" (v1.0-v1.13) and \"v1.14\"",
            );
            KarpenterVersion::V1
        };
    }
    s.enabled = raw.enabled.unwrap_or(true);
    if let Some(d) = &raw.batch_idle_duration {
        s.batch_idle = ctx
            .duration(p.key("batch_idle_duration"), d)
            .unwrap_or(s.batch_idle);
    }
    if let Some(d) = &raw.batch_max_duration {
        s.batch_max = ctx
            .duration(p.key("batch_max_duration"), d)
            .unwrap_or(s.batch_max);
    }
    if s.batch_idle > s.batch_max {
        ctx.issues.error(
            p.key("batch_idle_duration"),
            "batch_idle_duration is longer than batch_max_duration",
        );
    }
    if let Some(v) = raw.vm_memory_overhead_percent {
        if (0.0..1.0).contains(&v) {
            kubelet.vm_memory_overhead_ppm = (v * 1_000_000.0).round() as u32;
        } else {
            ctx.issues.error_hint(
                p.key("vm_memory_overhead_percent"),
                format!("{v} is outside [0, 1)"),
                "it is a fraction, as Karpenter's setting: 0.075 means 7.5%",
            );
        }
    }
    s.spot_to_spot_consolidation = raw.spot_to_spot_consolidation.unwrap_or(false);
    s.interruption_handling = raw.interruption_handling.unwrap_or(true);
    (s, kubelet)
}

fn catalog(ctx: &mut Ctx, raw: Option<&RawCatalog>, region: &str, zones: &[String]) -> Catalog {
    let p = Root.key("catalog");
    let zone_refs: Vec<&str> = zones.iter().map(String::as_str).collect();
    let mut options = CatalogOptions::new(region, &zone_refs);
    let Some(raw) = raw else {
        return Catalog::new(options);
    };
    if let Some(d) = raw.on_demand_discount_percent {
        if (0.0..100.0).contains(&d) {
            options.on_demand_discount_bp = (d * 100.0).round() as u32;
        } else {
            ctx.issues.error(
                p.key("on_demand_discount_percent"),
                format!("{d} is outside [0, 100)"),
            );
        }
    }
    if let Some(s) = &raw.spot_pricing {
        options.spot_pricing = match ctx.one_of(
            p.key("spot_pricing"),
            s,
            &["snapshot_then_advisor", "advisor", "off"],
            "spot_pricing",
        ) {
            Some("advisor") => SpotPricing::Advisor,
            Some("off") => SpotPricing::Off,
            _ => SpotPricing::SnapshotThenAdvisor,
        };
    }
    let mut catalog = Catalog::new(options);
    let all = Catalog::new(catalog.options.clone());
    let mut families: Vec<&str> = all.specs().map(|s| s.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    let check_families = |ctx: &mut Ctx, key: &'static str, list: &Option<Vec<String>>| {
        for (i, f) in list.iter().flatten().enumerate() {
            if families.binary_search(&f.as_str()).is_err() {
                let hint = did_you_mean(f, families.iter().copied())
                    .unwrap_or_else(|| "see `simctl catalog`".into());
                ctx.issues.error_hint(
                    p.key(key).index(i),
                    format!("unknown instance family `{f}`"),
                    hint,
                );
            }
        }
    };
    check_families(ctx, "families", &raw.families);
    check_families(ctx, "exclude_families", &raw.exclude_families);
    for (key, list) in [
        ("instance_types", &raw.instance_types),
        ("exclude_instance_types", &raw.exclude_instance_types),
    ] {
        for (i, t) in list.iter().flatten().enumerate() {
            if all.spec(t).is_none() {
                let hint = did_you_mean(t, all.specs().map(|s| s.name.as_str()))
                    .unwrap_or_else(|| "see `simctl catalog`".into());
                ctx.issues.error_hint(
                    p.key(key).index(i),
                    format!("unknown instance type `{t}`"),
                    hint,
                );
            }
        }
    }
    catalog.retain(|s| {
        raw.families.as_ref().is_none_or(|f| f.contains(&s.family))
            && !raw
                .exclude_families
                .as_ref()
                .is_some_and(|f| f.contains(&s.family))
            && raw
                .instance_types
                .as_ref()
                .is_none_or(|t| t.contains(&s.name))
            && !raw
                .exclude_instance_types
                .as_ref()
                .is_some_and(|t| t.contains(&s.name))
    });
    if catalog.is_empty() {
        ctx.issues
            .error(p, "the catalogue filters leave no instance type");
    }
    catalog
}

fn cutover(
    ctx: &mut Ctx,
    raw: &RawScenario,
    pools: &[model::nodepool::NodePool],
) -> CutoverSemantics {
    let p = Root.key("cutover");
    let Some(c) = &raw.cutover else {
        return CutoverSemantics::Karpenter;
    };
    match c.semantics.as_deref().map(|s| {
        ctx.one_of(
            p.key("semantics"),
            s,
            &["karpenter", "provisioning_share"],
            "cutover semantics",
        )
    }) {
        Some(Some("provisioning_share")) => {
            let Some(name) = &c.share_follows else {
                ctx.issues.error_hint(
                    p,
                    "provisioning_share needs `share_follows`",
                    "name the NodePool whose weight / 100 is Karpenter's share",
                );
                return CutoverSemantics::Karpenter;
            };
            match common::resolve(
                ctx,
                p.key("share_follows"),
                name,
                pools.iter().map(|x| x.name.as_str()),
                "NodePool",
            ) {
                Some(nodepool) => CutoverSemantics::ProvisioningShare { nodepool },
                None => CutoverSemantics::Karpenter,
            }
        }
        _ => {
            // A warning, not an error: `--set cutover.semantics=karpenter` on a file written
            // for the share is the comparison the share exists for.
            if c.share_follows.is_some() {
                ctx.issues.warning(
                    p.key("share_follows"),
                    "share_follows is ignored: it only applies with semantics = \"provisioning_share\"",
                );
            }
            CutoverSemantics::Karpenter
        }
    }
}

fn spot(ctx: &mut Ctx, raw: &RawScenario) -> SpotInterruptions {
    let mut s = SpotInterruptions {
        enabled: false,
        notice: SimDuration::from_mins(2),
        rate_multiplier_bp: 10_000,
    };
    if let Some(r) = &raw.spot {
        s.enabled = r.interruptions.unwrap_or(false);
        if let Some(m) = r.rate_multiplier {
            if m.is_finite() && (0.0..=100_000.0).contains(&m) {
                s.rate_multiplier_bp = (m * 10_000.0).round() as u32;
            } else {
                ctx.issues.error(
                    Root.key("spot").key("rate_multiplier"),
                    format!("rate_multiplier {m} is outside 0..=100000"),
                );
            }
        }
        if let Some(n) = &r.notice {
            s.notice = ctx
                .duration(Root.key("spot").key("notice"), n)
                .unwrap_or(s.notice);
        }
    }
    s
}

fn output(ctx: &mut Ctx, raw: &RawScenario) -> OutputSpec {
    let mut o = OutputSpec {
        metrics_interval: SimDuration::from_mins(1),
        dir: None,
    };
    if let Some(r) = &raw.output {
        if let Some(i) = &r.metrics_interval {
            let p = Root.key("output").key("metrics_interval");
            match ctx.duration(p, i) {
                Some(d) if d.0 >= 1_000 => o.metrics_interval = d,
                Some(_) => ctx.issues.error(p, "metrics_interval must be at least 1s"),
                None => {}
            }
        }
        o.dir = r.dir.clone();
    }
    o
}

fn run_limits(ctx: &mut Ctx, raw: &RawScenario) -> RunLimits {
    let mut l = RunLimits {
        max_events: 200_000_000,
        max_nodes: 100_000,
        max_pods: 2_000_000,
    };
    if let Some(r) = &raw.limits {
        let p = Root.key("limits");
        for (key, v, slot) in [
            ("max_events", r.max_events, &mut l.max_events),
            ("max_nodes", r.max_nodes, &mut l.max_nodes),
            ("max_pods", r.max_pods, &mut l.max_pods),
        ] {
            match v {
                Some(v) if v >= 1 => *slot = v as u64,
                Some(v) => ctx
                    .issues
                    .error(p.key(key), format!("{key} {v} must be at least 1")),
                None => {}
            }
        }
    }
    l
}
