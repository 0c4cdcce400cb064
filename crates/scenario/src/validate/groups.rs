//! cluster-autoscaler settings, node groups (autoscaled or static) and the node inventory.

use model::SimDuration;
use model::catalog::Catalog;
use model::instance::CapacityType;
use model::kubelet::KubeletConfig;
use model::nodepool::NodePool;

use super::common::{Ctx, check_unique, resolve};
use crate::diag::{PathLike, Root, did_you_mean};
use crate::raw::{RawClusterAutoscaler, RawNodeGroup, RawNodes};
use crate::spec::{
    ClusterAutoscalerSettings, Expander, GroupAutoscaler, InventoryNode, InventoryOwner,
    NodeGroupSpec,
};

pub fn cluster_autoscaler(
    ctx: &mut Ctx,
    raw: Option<&RawClusterAutoscaler>,
) -> ClusterAutoscalerSettings {
    let path = Root.key("cluster_autoscaler");
    // cluster-autoscaler v1.28 defaults (FAQ "What are the parameters to CA?").
    let mut s = ClusterAutoscalerSettings {
        enabled: true,
        expander: Expander::LeastWaste,
        scan_interval: SimDuration::from_secs(10),
        scale_down_enabled: true,
        scale_down_utilization_threshold_bp: 5_000,
        scale_down_unneeded_time: SimDuration::from_mins(10),
        scale_down_delay_after_add: SimDuration::from_mins(10),
        max_nodes_per_scale_up: 1_000,
        max_node_provision_time: SimDuration::from_mins(15),
    };
    let Some(raw) = raw else { return s };
    if let Some(v) = &raw.version
        && !v.trim_start_matches('v').starts_with("1.")
    {
        ctx.issues.warning(
            path.key("version"),
            format!("karpsim models cluster-autoscaler 1.28 behaviour; `{v}` may differ"),
        );
    }
    s.enabled = raw.enabled.unwrap_or(true);
    if let Some(e) = &raw.expander {
        s.expander = match ctx.one_of(
            path.key("expander"),
            e,
            &["least-waste", "price", "priority", "random"],
            "expander",
        ) {
            Some("price") => Expander::Price,
            Some("priority") => Expander::Priority,
            Some("random") => Expander::Random,
            _ => Expander::LeastWaste,
        };
    }
    let dur = |ctx: &mut Ctx, key: &'static str, v: &Option<String>, target: &mut SimDuration| {
        if let Some(v) = v
            && let Some(d) = ctx.duration(path.key(key), v)
        {
            *target = d;
        }
    };
    dur(
        ctx,
        "scan_interval",
        &raw.scan_interval,
        &mut s.scan_interval,
    );
    dur(
        ctx,
        "scale_down_unneeded_time",
        &raw.scale_down_unneeded_time,
        &mut s.scale_down_unneeded_time,
    );
    dur(
        ctx,
        "scale_down_delay_after_add",
        &raw.scale_down_delay_after_add,
        &mut s.scale_down_delay_after_add,
    );
    dur(
        ctx,
        "max_node_provision_time",
        &raw.max_node_provision_time,
        &mut s.max_node_provision_time,
    );
    if s.scan_interval.0 == 0 {
        ctx.issues
            .error(path.key("scan_interval"), "scan_interval must be positive");
    }
    s.scale_down_enabled = raw.scale_down_enabled.unwrap_or(true);
    if let Some(t) = raw.scale_down_utilization_threshold {
        if (0.0..=1.0).contains(&t) {
            s.scale_down_utilization_threshold_bp = (t * 10_000.0).round() as u32;
        } else {
            ctx.issues.error_hint(
                path.key("scale_down_utilization_threshold"),
                format!("{t} is outside 0..=1"),
                "it is a fraction: 0.5 means 50%",
            );
        }
    }
    if let Some(m) = raw.max_nodes_per_scale_up {
        s.max_nodes_per_scale_up = ctx
            .int_in(
                path.key("max_nodes_per_scale_up"),
                m,
                1,
                100_000,
                "max_nodes_per_scale_up",
            )
            .unwrap_or(s.max_nodes_per_scale_up);
    }
    s
}

pub fn node_groups(
    ctx: &mut Ctx,
    raw: &[RawNodeGroup],
    catalog: &Catalog,
    zones: &[String],
    base_kubelet: &KubeletConfig,
) -> Vec<NodeGroupSpec> {
    let path = Root.key("node_groups");
    check_unique(ctx, path, raw.iter().map(|g| g.name.as_str()), "node group");
    let mut out = Vec::new();
    for (i, g) in raw.iter().enumerate() {
        let p = path.index(i);
        instance_type_with_price(ctx, p.key("instance_type"), &g.instance_type, catalog);
        let group_zones = match &g.zones {
            None => zones.to_vec(),
            Some(z) => {
                for (j, zone) in z.iter().enumerate() {
                    check_zone(ctx, p.key("zones").index(j), zone, zones);
                }
                z.clone()
            }
        };
        let capacity_type = capacity_type(ctx, p.key("capacity_type"), g.capacity_type.as_deref());
        let min = g
            .min
            .map_or(Some(0), |v| ctx.int_in(p.key("min"), v, 0, 100_000, "min"))
            .unwrap_or(0);
        let max = g
            .max
            .map_or(Some(min.max(1000)), |v| {
                ctx.int_in(p.key("max"), v, 0, 100_000, "max")
            })
            .unwrap_or(min);
        let desired = g
            .desired
            .and_then(|v| ctx.int_in(p.key("desired"), v, 0, 100_000, "desired"));
        if min > max {
            ctx.issues
                .error(p.key("min"), format!("min {min} is greater than max {max}"));
        }
        if let Some(d) = desired
            && (d < min || d > max)
        {
            ctx.issues.error(
                p.key("desired"),
                format!("desired {d} is outside min..=max ({min}..={max})"),
            );
        }
        let autoscaler = match g.autoscaler.as_deref() {
            None => GroupAutoscaler::ClusterAutoscaler,
            Some(a) => match ctx.one_of(
                p.key("autoscaler"),
                a,
                &["cluster-autoscaler", "none"],
                "autoscaler",
            ) {
                Some("none") => GroupAutoscaler::None,
                _ => GroupAutoscaler::ClusterAutoscaler,
            },
        };
        let kubelet = match &g.kubelet {
            Some(k) => ctx.kubelet(p.key("kubelet"), k, base_kubelet),
            None => base_kubelet.clone(),
        };
        let taints = ctx.taints(p.key("taints"), &g.taints);
        let priority = g.priority.and_then(|v| i32::try_from(v).ok()).unwrap_or(0);
        out.push(NodeGroupSpec {
            name: g.name.clone(),
            instance_type: g.instance_type.clone(),
            zones: group_zones,
            capacity_type,
            min,
            max,
            desired,
            autoscaler,
            labels: g.labels.clone(),
            taints,
            priority,
            kubelet,
        });
    }
    out
}

/// The inventory at the start. Node names must be unique; owners must exist.
pub fn inventory(
    ctx: &mut Ctx,
    raw: &[RawNodes],
    pools: &[NodePool],
    groups: &[NodeGroupSpec],
    catalog: &Catalog,
    zones: &[String],
) -> Vec<InventoryNode> {
    let path = Root.key("nodes");
    let mut out: Vec<InventoryNode> = Vec::new();
    let owners = || {
        pools
            .iter()
            .map(|p| p.name.as_str())
            .chain(groups.iter().map(|g| g.name.as_str()))
    };
    for (i, n) in raw.iter().enumerate() {
        let p = path.index(i);
        let Some(owner_index) = resolve(
            ctx,
            p.key("owner"),
            &n.owner,
            owners(),
            "node group or NodePool",
        ) else {
            continue;
        };
        let owner = if owner_index < pools.len() {
            InventoryOwner::NodePool(owner_index)
        } else {
            InventoryOwner::NodeGroup(owner_index - pools.len())
        };
        let instance_type = match (&n.instance_type, owner) {
            (Some(t), _) => t.clone(),
            (None, InventoryOwner::NodeGroup(g)) => groups[g].instance_type.clone(),
            (None, InventoryOwner::NodePool(_)) => {
                ctx.issues
                    .error(p, "instance_type is required for nodes owned by a NodePool");
                continue;
            }
        };
        if !instance_type_with_price(ctx, p.key("instance_type"), &instance_type, catalog) {
            continue;
        }
        let names: Vec<String> = match (&n.names, n.count) {
            (Some(names), None) => names.clone(),
            (None, Some(c)) => match ctx.int_in(p.key("count"), c, 1, 1_000_000, "count") {
                Some(c) => (0..c)
                    .map(|k| format!("{}-{}", n.owner, out.len() as u32 + k))
                    .collect(),
                None => continue,
            },
            (Some(names), Some(c)) if names.len() as i64 == c => names.clone(),
            (Some(names), Some(c)) => {
                ctx.issues.error(
                    p.key("count"),
                    format!("count {c} does not match the {} names listed", names.len()),
                );
                continue;
            }
            (None, None) => {
                ctx.issues.error(p, "give either names or count");
                continue;
            }
        };
        let node_zones: Vec<String> = match (&n.zone, &n.zones) {
            (Some(z), None) => vec![z.clone()],
            (None, Some(zs)) if !zs.is_empty() => zs.clone(),
            (None, None) => zones.to_vec(),
            _ => {
                ctx.issues
                    .error(p, "give either zone or a non-empty zones list");
                continue;
            }
        };
        if node_zones.is_empty() {
            ctx.issues.error(p, "no zone to place the nodes in");
            continue;
        }
        for z in &node_zones {
            check_zone(ctx, p.key("zone"), z, zones);
        }
        let default_ct = match owner {
            InventoryOwner::NodeGroup(g) => Some(groups[g].capacity_type.label_value()),
            InventoryOwner::NodePool(_) => None,
        };
        let capacity_type = capacity_type(
            ctx,
            p.key("capacity_type"),
            n.capacity_type.as_deref().or(default_ct),
        );
        let age = n
            .age
            .as_ref()
            .and_then(|a| ctx.duration(p.key("age"), a))
            .unwrap_or(SimDuration::ZERO);
        let launched_at = model::SimTime(ctx.start.0.saturating_sub(age.0));
        for (k, name) in names.into_iter().enumerate() {
            if let Some(prev) = out.iter().position(|x| x.name == name) {
                ctx.issues.error(
                    p.key("names"),
                    format!(
                        "duplicate node name `{name}` (also in entry of {})",
                        out[prev].name
                    ),
                );
                continue;
            }
            out.push(InventoryNode {
                name,
                owner,
                instance_type: instance_type.clone(),
                zone: node_zones[k % node_zones.len()].clone(),
                capacity_type,
                launched_at,
            });
        }
    }
    out
}

/// Checks a type exists and has an on-demand price in the region. Never invents a price.
pub(super) fn instance_type_with_price(
    ctx: &mut Ctx,
    path: impl PathLike,
    name: &str,
    catalog: &Catalog,
) -> bool {
    let Some(spec) = catalog.spec(name) else {
        let hint = did_you_mean(name, catalog.specs().map(|s| s.name.as_str()))
            .unwrap_or_else(|| "see `simctl catalog`".into());
        ctx.issues
            .error_hint(path, format!("unknown instance type `{name}`"), hint);
        return false;
    };
    if catalog.on_demand_price(spec).is_none() {
        ctx.issues.error_hint(
            path,
            format!(
                "instance type `{name}` has no on-demand price in {}",
                catalog.options.region
            ),
            "karpsim never invents prices; pick a type `simctl catalog --region` lists",
        );
        return false;
    }
    true
}

pub(super) fn check_zone(ctx: &mut Ctx, path: impl PathLike, zone: &str, zones: &[String]) {
    if !zones.iter().any(|z| z == zone) {
        let hint = did_you_mean(zone, zones.iter().map(String::as_str))
            .unwrap_or_else(|| format!("cluster.zones = [{}]", zones.join(", ")));
        ctx.issues.error_hint(
            path,
            format!("zone `{zone}` is not one of the cluster's zones"),
            hint,
        );
    }
}

fn capacity_type(ctx: &mut Ctx, path: impl PathLike, v: Option<&str>) -> CapacityType {
    match v {
        None => CapacityType::OnDemand,
        Some(v) => ctx
            .one_of(path, v, &["on-demand", "spot", "reserved"], "capacity type")
            .and_then(CapacityType::parse)
            .unwrap_or(CapacityType::OnDemand),
    }
}
