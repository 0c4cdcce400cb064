//! Timeline events: each action takes some fields and forbids the rest, so a typo'd or
//! misplaced field is reported instead of silently ignored.

use model::SimTime;
use model::nodepool::NodePool;

use super::common::{Ctx, resolve};
use super::pools::budget_list;
use crate::diag::{PathLike, Root};
use crate::raw::RawEvent;
use crate::spec::{
    Action, Controller, InventoryNode, KarpenterVersion, NodeGroupSpec, TimelineEvent, WorkloadSpec,
};

pub const ACTIONS: [&str; 10] = [
    "set_nodepool_weight",
    "set_provisioning_share",
    "set_node_group_size",
    "scale_controller",
    "cordon_node",
    "delete_node",
    "drift_nodepool",
    "set_budgets",
    "set_traffic",
    "scale_workload",
];

/// The optional fields each action uses (besides `at`, `action` and `note`).
fn fields_of(action: &str) -> &'static [&'static str] {
    match action {
        "set_nodepool_weight" => &["nodepool", "weight"],
        "set_provisioning_share" => &["share"],
        "set_node_group_size" => &["node_group", "min", "max", "desired"],
        "scale_controller" => &["controller", "replicas"],
        "cordon_node" | "delete_node" => &["node"],
        "drift_nodepool" => &["nodepool"],
        "set_budgets" => &["nodepool", "budgets"],
        "set_traffic" => &["multiplier"],
        "scale_workload" => &["workload", "replicas"],
        _ => &[],
    }
}

pub struct Names<'a> {
    pub pools: &'a [NodePool],
    pub groups: &'a [NodeGroupSpec],
    pub nodes: &'a [InventoryNode],
    pub workloads: &'a [WorkloadSpec],
    pub version: KarpenterVersion,
    pub end: SimTime,
}

pub fn timeline(ctx: &mut Ctx, raw: &[RawEvent], names: &Names) -> Vec<TimelineEvent> {
    let path = Root.key("timeline");
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let p = path.index(i);
        let Some(at_raw) = &e.at else {
            ctx.issues.error(p, "missing field `at`");
            continue;
        };
        let Some(action_raw) = &e.action else {
            ctx.issues.error_hint(
                p,
                "missing field `action`",
                format!("one of {}", ACTIONS.join(", ")),
            );
            continue;
        };
        let Some(at) = ctx.timestamp(p.key("at"), at_raw) else {
            continue;
        };
        if at < ctx.start || at > names.end {
            ctx.issues.error_hint(
                p.key("at"),
                format!("{at} is outside the run ({} to {})", ctx.start, names.end),
                "clock times like 07:15 are on the start date; use RFC 3339 for other days",
            );
            continue;
        }
        let Some(action) = ctx.one_of(p.key("action"), action_raw, &ACTIONS, "action") else {
            continue;
        };
        let present = present_fields(e);
        let allowed = fields_of(action);
        let mut bad = false;
        for f in &present {
            if !allowed.contains(f) {
                let hint = if allowed.is_empty() {
                    "it takes no fields".to_string()
                } else {
                    format!("it takes {}", allowed.join(", "))
                };
                ctx.issues.error_hint(
                    p.key(f),
                    format!("field `{f}` is not used by action `{action}`"),
                    hint,
                );
                bad = true;
            }
        }
        if bad {
            continue;
        }
        if let Some(action) = build(ctx, p, action, e, names) {
            out.push(TimelineEvent {
                at,
                action,
                note: e.note.clone(),
            });
        }
    }
    // Stable: events at the same time keep file order.
    out.sort_by_key(|e| e.at);
    out
}

fn present_fields(e: &RawEvent) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut put = |present: bool, name: &'static str| {
        if present {
            v.push(name);
        }
    };
    put(e.nodepool.is_some(), "nodepool");
    put(e.node_group.is_some(), "node_group");
    put(e.node.is_some(), "node");
    put(e.workload.is_some(), "workload");
    put(e.controller.is_some(), "controller");
    put(e.weight.is_some(), "weight");
    put(e.share.is_some(), "share");
    put(e.min.is_some(), "min");
    put(e.max.is_some(), "max");
    put(e.desired.is_some(), "desired");
    put(e.replicas.is_some(), "replicas");
    put(e.multiplier.is_some(), "multiplier");
    put(e.budgets.is_some(), "budgets");
    v
}

fn required<'a, T>(
    ctx: &mut Ctx,
    p: impl PathLike,
    v: &'a Option<T>,
    field: &str,
    action: &str,
) -> Option<&'a T> {
    if v.is_none() {
        ctx.issues
            .error(p, format!("action `{action}` needs field `{field}`"));
    }
    v.as_ref()
}

fn build(ctx: &mut Ctx, p: impl PathLike, action: &str, e: &RawEvent, n: &Names) -> Option<Action> {
    let pool = |ctx: &mut Ctx| -> Option<usize> {
        let name = required(ctx, p, &e.nodepool, "nodepool", action)?;
        resolve(
            ctx,
            p.key("nodepool"),
            name,
            n.pools.iter().map(|x| x.name.as_str()),
            "NodePool",
        )
    };
    let node = |ctx: &mut Ctx| -> Option<String> {
        let name = required(ctx, p, &e.node, "node", action)?;
        resolve(
            ctx,
            p.key("node"),
            name,
            n.nodes.iter().map(|x| x.name.as_str()),
            "node",
        )
        .map(|_| name.clone())
    };
    Some(match action {
        "set_nodepool_weight" => {
            let nodepool = pool(ctx)?;
            let w = *required(ctx, p, &e.weight, "weight", action)?;
            Action::SetNodePoolWeight {
                nodepool,
                weight: ctx.int_in(p.key("weight"), w, 0, 100, "weight")?,
            }
        }
        "set_provisioning_share" => {
            let s = *required(ctx, p, &e.share, "share", action)?;
            if !(0.0..=1.0).contains(&s) {
                ctx.issues.error_hint(
                    p.key("share"),
                    format!("share {s} is outside 0..=1"),
                    "0.25 means a quarter of new pending pods",
                );
                return None;
            }
            Action::SetProvisioningShare {
                share_bp: (s * 10_000.0).round() as u32,
            }
        }
        "set_node_group_size" => {
            let name = required(ctx, p, &e.node_group, "node_group", action)?;
            let node_group = resolve(
                ctx,
                p.key("node_group"),
                name,
                n.groups.iter().map(|g| g.name.as_str()),
                "node group",
            )?;
            if e.min.is_none() && e.max.is_none() && e.desired.is_none() {
                ctx.issues.error(
                    p,
                    "set_node_group_size needs at least one of min, max, desired",
                );
                return None;
            }
            let mut get = |v: Option<i64>, key: &'static str| {
                v.and_then(|v| ctx.int_in(p.key(key), v, 0, 100_000, key))
            };
            Action::SetNodeGroupSize {
                node_group,
                min: get(e.min, "min"),
                max: get(e.max, "max"),
                desired: get(e.desired, "desired"),
            }
        }
        "scale_controller" => {
            let c = required(ctx, p, &e.controller, "controller", action)?;
            let controller = match ctx.one_of(
                p.key("controller"),
                c,
                &["cluster-autoscaler", "karpenter"],
                "controller",
            )? {
                "karpenter" => Controller::Karpenter,
                _ => Controller::ClusterAutoscaler,
            };
            let r = *required(ctx, p, &e.replicas, "replicas", action)?;
            Action::ScaleController {
                controller,
                replicas: ctx.int_in(p.key("replicas"), r, 0, 100, "replicas")?,
            }
        }
        "cordon_node" => Action::CordonNode { node: node(ctx)? },
        "delete_node" => Action::DeleteNode { node: node(ctx)? },
        "drift_nodepool" => Action::DriftNodePool {
            nodepool: pool(ctx)?,
        },
        "set_budgets" => {
            let nodepool = pool(ctx)?;
            let raw = required(ctx, p, &e.budgets, "budgets", action)?;
            Action::SetBudgets {
                nodepool,
                budgets: budget_list(ctx, p.key("budgets"), raw, n.version),
            }
        }
        "set_traffic" => {
            let m = *required(ctx, p, &e.multiplier, "multiplier", action)?;
            if !(m.is_finite() && (0.0..=1000.0).contains(&m)) {
                ctx.issues.error(
                    p.key("multiplier"),
                    format!("multiplier {m} is outside 0..=1000"),
                );
                return None;
            }
            Action::SetTraffic {
                multiplier_bp: (m * 10_000.0).round() as u32,
            }
        }
        "scale_workload" => {
            let name = required(ctx, p, &e.workload, "workload", action)?;
            let workload = resolve(
                ctx,
                p.key("workload"),
                name,
                n.workloads.iter().map(|w| w.name.as_str()),
                "workload",
            )?;
            let r = *required(ctx, p, &e.replicas, "replicas", action)?;
            Action::ScaleWorkload {
                workload,
                replicas: ctx.int_in(p.key("replicas"), r, 0, 10_000_000, "replicas")?,
            }
        }
        _ => return None,
    })
}
