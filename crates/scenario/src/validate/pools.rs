//! EC2NodeClasses and NodePools, with the API rules of the chosen Karpenter version.

use model::catalog::Catalog;
use model::kubelet::KubeletConfig;
use model::labels;
use model::nodepool::{
    Budget, ConsolidationPolicy, Disruption, DisruptionReason, Limits, NodePool,
};
use model::requirements::Requirements;
use model::resources::ResourceKind;
use model::time::SimDuration;

use super::common::{Ctx, check_unique, resolve};
use crate::diag::{PathLike, Root, did_you_mean};
use crate::raw_k8s::{
    RawBudget, RawDisruption, RawNodeClass, RawNodeClassRef, RawNodePool, owned_map,
};
use crate::spec::KarpenterVersion;

/// Kubelet settings per EC2NodeClass name. Without any node class, one named `default`
/// with Karpenter's defaults exists.
pub fn node_classes(
    ctx: &mut Ctx,
    raw: &[RawNodeClass],
    base: &KubeletConfig,
) -> Vec<(String, KubeletConfig)> {
    let path = Root.key("nodeclasses");
    check_unique(ctx, path, raw.iter().map(|n| n.name.as_str()), "node class");
    if raw.is_empty() {
        return vec![("default".to_string(), base.clone())];
    }
    let mut out = Vec::new();
    for (i, nc) in raw.iter().enumerate() {
        let p = path.index(i);
        let mut k = base.clone();
        if let Some(family) = &nc.ami_family {
            let families = [
                "AL2023",
                "AL2",
                "Bottlerocket",
                "Windows2019",
                "Windows2022",
                "Custom",
            ];
            if let Some(f) = ctx.one_of(p.key("amiFamily"), family, &families, "amiFamily")
                && f != "AL2023"
                && f != "AL2"
                && f != "Custom"
            {
                ctx.issues.warning(p.key("amiFamily"), format!("karpsim computes allocatable with the AL2/AL2023 formula; {f} reserves memory differently"));
            }
        }
        if let Some(size) = &nc.root_volume_size
            && let Some(bytes) = ctx.quantity(
                p.key("rootVolumeSize"),
                ResourceKind::EphemeralStorageBytes,
                size,
            )
        {
            k.root_volume_bytes = bytes;
        }
        if let Some(kubelet) = &nc.kubelet {
            k = ctx.kubelet(p.key("kubelet"), kubelet, &k);
        }
        out.push((nc.name.to_owned_string(), k));
    }
    out
}

/// NodePools in model shape plus each pool's kubelet settings.
pub fn node_pools(
    ctx: &mut Ctx,
    raw: &[RawNodePool],
    classes: &[(String, KubeletConfig)],
    version: KarpenterVersion,
    catalog: &Catalog,
    zones: &[String],
) -> (Vec<NodePool>, Vec<KubeletConfig>) {
    let path = Root.key("nodepools");
    check_unique(ctx, path, raw.iter().map(|n| n.name.as_str()), "NodePool");
    let mut pools = Vec::new();
    let mut kubelets = Vec::new();
    for (i, np) in raw.iter().enumerate() {
        let p = path.index(i);
        let weight = match np.weight {
            None => 0,
            Some(w) => ctx
                .int_in(p.key("weight"), w, 0, 100, "weight")
                .unwrap_or(0),
        };
        let class_name = match &np.node_class_ref {
            None => "default".to_string(),
            Some(RawNodeClassRef::Name(n)) => n.to_owned_string(),
            Some(RawNodeClassRef::Ref(r)) => r.name.to_owned_string(),
        };
        let class = resolve(
            ctx,
            p.key("nodeClassRef"),
            &class_name,
            classes.iter().map(|(n, _)| n.as_str()),
            "node class",
        );
        let mut kubelet = class.map(|c| classes[c].1.clone()).unwrap_or_default();
        let mut pool_kubelet = None;
        if let Some(k) = &np.kubelet {
            if version == KarpenterVersion::V1 {
                ctx.issues.error_hint(p.key("kubelet"), "NodePool kubelet settings are a v1beta1 field", "in Karpenter v1 they live on the EC2NodeClass: move them to nodeclasses[].kubelet");
            } else {
                kubelet = ctx.kubelet(p.key("kubelet"), k, &kubelet);
                pool_kubelet = Some(kubelet.clone());
            }
        }
        let mut requirements = Requirements::default();
        for (j, r) in np.requirements.iter().enumerate() {
            let rp = p.key("requirements").index(j);
            if let Some(req) = ctx.requirement(rp, r) {
                check_requirement_values(ctx, rp, &req, catalog, zones);
                requirements.add(req);
            }
        }
        let (limit_resources, limit_nodes) = match &np.limits {
            Some(l) => {
                let (r, nodes) = ctx.resources(p.key("limits"), l, true);
                let mut limited = model::Resources::UNLIMITED;
                for name in l.keys() {
                    if let Some(kind) = ResourceKind::from_kubernetes_name(name) {
                        limited.set(kind, r.get(kind));
                    }
                }
                (limited, nodes)
            }
            None => (model::Resources::UNLIMITED, None),
        };
        let (disruption, v1beta1_expire) =
            disruption(ctx, p.key("disruption"), np.disruption.as_ref(), version);
        let expire_after = match (&np.expire_after, v1beta1_expire) {
            (Some(_), Some(_)) => {
                ctx.issues.error(
                    p.key("expireAfter"),
                    "expireAfter is set twice (here and in disruption)",
                );
                None
            }
            (Some(e), None) => ctx.duration_or_never(p.key("expireAfter"), e).flatten(),
            (None, Some(e)) => e,
            (None, None) => Some(SimDuration(720 * model::time::MS_PER_HOUR)),
        };
        let termination_grace_period = np.termination_grace_period.as_ref().and_then(|t| {
            if version == KarpenterVersion::V0_37 {
                ctx.issues.error_hint(
                    p.key("terminationGracePeriod"),
                    "terminationGracePeriod is a v1 field",
                    "set [karpenter] version = \"v1\" or remove it",
                );
            }
            ctx.duration(p.key("terminationGracePeriod"), t)
        });
        let taints = ctx.taints(p.key("taints"), &np.taints);
        let startup_taints = ctx.taints(p.key("startupTaints"), &np.startup_taints);
        for k in np.labels.keys() {
            if k.starts_with("karpenter.sh/") && k != "karpenter.sh/managed-by"
                || k == labels::INSTANCE_TYPE
                || k == labels::ZONE
            {
                ctx.issues.error_hint(
                    p.key("labels").key_owned(k),
                    format!("label `{k}` is restricted by Karpenter"),
                    "use a requirement instead",
                );
            }
        }
        pools.push(NodePool {
            name: np.name.to_owned_string(),
            node_class: class_name,
            weight,
            labels: owned_map(&np.labels),
            taints,
            startup_taints,
            requirements,
            limits: Limits {
                resources: limit_resources,
                nodes: limit_nodes,
            },
            disruption,
            expire_after,
            termination_grace_period,
            kubelet: pool_kubelet,
        });
        kubelets.push(kubelet);
    }
    (pools, kubelets)
}

/// Requirement values that can never match: unknown instance types, capacity types or zones.
fn check_requirement_values(
    ctx: &mut Ctx,
    path: impl PathLike,
    req: &model::requirements::Requirement,
    catalog: &Catalog,
    zones: &[String],
) {
    if req.is_complement() {
        return;
    }
    let vpath = path.key("values");
    for v in req.values() {
        match req.key.as_str() {
            labels::INSTANCE_TYPE if catalog.spec(v).is_none() => {
                let hint = did_you_mean(v, catalog.specs().map(|s| s.name.as_str()))
                    .unwrap_or_else(|| "see `simctl catalog`".into());
                ctx.issues
                    .error_hint(vpath, format!("unknown instance type `{v}`"), hint);
            }
            labels::INSTANCE_FAMILY if !catalog.specs().any(|s| s.family == v) => {
                let mut families: Vec<&str> = catalog.specs().map(|s| s.family.as_str()).collect();
                families.dedup();
                let hint =
                    did_you_mean(v, families).unwrap_or_else(|| "see `simctl catalog`".into());
                ctx.issues
                    .error_hint(vpath, format!("unknown instance family `{v}`"), hint);
            }
            labels::CAPACITY_TYPE if model::instance::CapacityType::parse(v).is_none() => {
                ctx.issues.error_hint(
                    vpath,
                    format!("unknown capacity type `{v}`"),
                    "expected on-demand, spot or reserved",
                );
            }
            labels::ZONE if !zones.iter().any(|z| z == v) => {
                ctx.issues.error_hint(
                    vpath,
                    format!("zone `{v}` is not one of the cluster's zones"),
                    format!("cluster.zones = [{}]", zones.join(", ")),
                );
            }
            _ => {}
        }
    }
}

/// The disruption block, checked against the version's API rules. Also returns a
/// v1beta1 `disruption.expireAfter` if present.
fn disruption(
    ctx: &mut Ctx,
    path: impl PathLike,
    raw: Option<&RawDisruption>,
    version: KarpenterVersion,
) -> (Disruption, Option<Option<SimDuration>>) {
    let mut d = Disruption::default();
    let Some(raw) = raw else { return (d, None) };
    let policies: &[&str] = match version {
        KarpenterVersion::V0_37 => &["WhenEmpty", "WhenUnderutilized"],
        KarpenterVersion::V1 if ctx.karpenter_v1_14 => {
            &["WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced"]
        }
        KarpenterVersion::V1 => &["WhenEmpty", "WhenEmptyOrUnderutilized"],
    };
    if let Some(p) = &raw.consolidation_policy {
        let pp = path.key("consolidationPolicy");
        let renamed = match (version, p.as_str()) {
            (KarpenterVersion::V1, "WhenUnderutilized") => {
                Some("v1 renamed it to `WhenEmptyOrUnderutilized`")
            }
            (KarpenterVersion::V0_37, "WhenEmptyOrUnderutilized") => {
                Some("v0.37 (v1beta1) spells it `WhenUnderutilized`")
            }
            (_, "Balanced") if !ctx.karpenter_v1_14 => {
                Some("Balanced arrived in Karpenter v1.14: set [karpenter] version = \"v1.14\"")
            }
            _ => None,
        };
        if let Some(hint) = renamed {
            ctx.issues.error_hint(
                pp,
                format!(
                    "consolidationPolicy `{p}` does not exist in Karpenter {}",
                    version.label()
                ),
                hint,
            );
        } else if let Some(p) = ctx.one_of(pp, p, policies, "consolidationPolicy") {
            d.consolidation_policy = match p {
                "WhenEmpty" => ConsolidationPolicy::WhenEmpty,
                "Balanced" => ConsolidationPolicy::Balanced,
                _ => ConsolidationPolicy::WhenEmptyOrUnderutilized,
            };
        }
    }
    match (&raw.consolidate_after, version, d.consolidation_policy) {
        // v1beta1's CEL rule: "consolidateAfter cannot be combined with consolidationPolicy=WhenUnderutilized".
        (Some(c), KarpenterVersion::V0_37, ConsolidationPolicy::WhenEmptyOrUnderutilized)
            if c != "Never" =>
        {
            ctx.issues.error_hint(path.key("consolidateAfter"), "consolidateAfter cannot be combined with consolidationPolicy WhenUnderutilized in Karpenter v0.37 (v1beta1)", "remove it, or use WhenEmpty, or set [karpenter] version = \"v1\"");
        }
        (Some(c), _, _) => {
            if let Some(v) = ctx.duration_or_never(path.key("consolidateAfter"), c) {
                d.consolidate_after = v;
            }
        }
        // v1beta1: "consolidateAfter must be specified with consolidationPolicy=WhenEmpty".
        (None, KarpenterVersion::V0_37, ConsolidationPolicy::WhenEmpty) => {
            ctx.issues.error(path.key("consolidationPolicy"), "consolidateAfter must be set with consolidationPolicy WhenEmpty in Karpenter v0.37 (v1beta1)");
        }
        (None, KarpenterVersion::V0_37, _) => d.consolidate_after = Some(SimDuration::ZERO),
        (None, KarpenterVersion::V1, _) => d.consolidate_after = Some(SimDuration::ZERO),
    }
    let expire = raw.expire_after.as_ref().and_then(|e| {
        if version == KarpenterVersion::V1 {
            ctx.issues.error_hint(
                path.key("expireAfter"),
                "disruption.expireAfter is a v1beta1 field",
                "in v1 write expireAfter on the NodePool itself",
            );
            None
        } else {
            ctx.duration_or_never(path.key("expireAfter"), e)
        }
    });
    if let Some(budgets) = &raw.budgets {
        d.budgets = budget_list(ctx, path.key("budgets"), budgets, version);
    }
    (d, expire)
}

pub fn budget_list(
    ctx: &mut Ctx,
    path: impl PathLike,
    raw: &[RawBudget],
    version: KarpenterVersion,
) -> Vec<Budget> {
    if raw.len() > 50 {
        ctx.issues.error(path, "at most 50 budgets are allowed");
    }
    let mut out = Vec::new();
    for (i, b) in raw.iter().enumerate() {
        let p = path.index(i);
        let nodes = match &b.nodes {
            None => model::nodepool::IntOrPercent::Percent(10),
            Some(n) => match ctx.int_or_percent(p.key("nodes"), n) {
                Some(v) => v,
                None => continue,
            },
        };
        let schedule = b.schedule.as_ref().and_then(|s| {
            model::cron::CronSchedule::parse(s)
                .map_err(|e| ctx.issues.error(p.key("schedule"), e.to_string()))
                .ok()
        });
        let duration = b
            .duration
            .as_ref()
            .and_then(|s| ctx.duration(p.key("duration"), s));
        if b.schedule.is_some() != b.duration.is_some() {
            ctx.issues
                .error(p, "schedule and duration must be set together");
        }
        let mut reasons = Vec::new();
        if let Some(rs) = &b.reasons {
            if version == KarpenterVersion::V0_37 {
                ctx.issues.error_hint(
                    p.key("reasons"),
                    "budget reasons are a v1 field",
                    "set [karpenter] version = \"v1\" or remove them",
                );
            }
            for (j, r) in rs.iter().enumerate() {
                if let Some(r) = ctx
                    .one_of(
                        p.key("reasons").index(j),
                        r,
                        &DisruptionReason::NAMES,
                        "disruption reason",
                    )
                    .and_then(DisruptionReason::parse)
                {
                    reasons.push(r);
                }
            }
        }
        out.push(Budget {
            nodes,
            schedule,
            duration,
            reasons,
        });
    }
    out
}
