//! NodePool settings the log states or changes: minAvailable, consolidateAfter, weights.

use engine::config::CutoverSemantics;
use model::nodepool::{IntOrPercent, order_by_weight};
use model::time::MS_PER_MINUTE;

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log;
use crate::validation::probes::GENERAL_POOL;

use super::row;

fn budget_label(b: &IntOrPercent) -> String {
    match b {
        IntOrPercent::Int(n) => n.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
    }
}

pub fn rows(f: &Facts) -> Vec<ValidationRow> {
    let mut rows = Vec::new();
    let pools = &f.scenario.nodepools;
    let default = pools.iter().find(|p| p.name == GENERAL_POOL);
    let general_nodes = f.owned_by(crate::validation::probes::GENERAL_GROUP).len() as u32;

    let budgets: Vec<String> = default
        .map(|p| {
            p.disruption
                .budgets
                .iter()
                .map(|b| format!("nodes {}", budget_label(&b.nodes)))
                .collect()
        })
        .unwrap_or_default();
    let tenth = IntOrPercent::Percent(10).resolve_round_up(general_nodes);
    let fifth = IntOrPercent::Percent(20).resolve_round_up(general_nodes);
    rows.push(
        row("minAvailable: 80% on the NodePools", log::MIN_AVAILABLE)
            .log("minAvailable 80 %, \"to be safe\"")
            .model(format!(
                "budgets [{}]: at most {tenth} of {general_nodes} nodes at once; nodes \"20%\" \
                 would allow {fifth}",
                budgets.join(", ")
            ))
            .differs(
                "minAvailable is not a NodePool field in any Karpenter version (karpsim's loader \
                 rejects it and points to budgets); the nearest setting is budgets = [{ nodes = \
                 \"20%\" }], which is looser than v0.37's default of 10 %, not safer. cutover.toml \
                 keeps the default",
            ),
    );

    let after: Vec<String> = pools
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.name,
                p.disruption
                    .consolidate_after
                    .map_or("Never".to_string(), |d| d.to_string())
            )
        })
        .collect();
    let mut refs = log::CONSOLIDATE_AFTER.to_vec();
    refs.extend(log::POLICY_LINES);
    rows.push(
        row("consolidateAfter with WhenUnderutilized (v1beta1)", refs)
            .log("30s (default-nodepool), 60s (memory-optimized)")
            .model(format!("consolidateAfter: {}", after.join(", ")))
            .differs(
                "the v1beta1 API (Karpenter v0.37) rejects consolidateAfter together with \
                 consolidationPolicy WhenUnderutilized, and so does karpsim's loader; \
                 cutover.toml leaves it out, so underutilized nodes are considered at once",
            ),
    );

    let weights: Vec<String> = log::MEMORY_WEIGHTS
        .iter()
        .map(|(w, r)| format!("{w} (L{})", r.line))
        .collect();
    let memory = pools.iter().position(|p| p.name == "memory-optimized");
    let steps: Vec<String> = f
        .scenario
        .timeline
        .iter()
        .filter_map(|e| match e.action {
            engine::config::Action::SetNodePoolWeight { nodepool, weight }
                if Some(nodepool) == memory =>
            {
                Some(format!(
                    "{weight} at {}",
                    crate::validation::numbers::clock(e.at)
                ))
            }
            _ => None,
        })
        .collect();
    let mut at_100 = pools.clone();
    for p in &mut at_100 {
        p.weight = 100;
    }
    let order: Vec<String> = order_by_weight(&at_100)
        .into_iter()
        .map(|i| at_100[i].name.clone())
        .collect();
    rows.push(
        row(
            "memory-optimized weight",
            log::MEMORY_WEIGHTS.iter().map(|(_, r)| *r),
        )
        .log(weights.join(", "))
        .model(format!(
            "{} at 06:50, then {}; with both at 100 Karpenter tries {}",
            memory.map_or(0, |m| pools[m].weight),
            steps.join(", "),
            order.join(" then ")
        ))
        .inconsistent(
            "three values for one field: section 1 says 50, the manifest 100, the 07:02 step \
             0 and the 10:00 step 100; cutover.toml follows the steps. At equal weight \
             Karpenter breaks the tie by name, and general pods, which do not tolerate \
             memory-optimized's PreferNoSchedule taint, still go to default-nodepool",
        ),
    );

    let shares: Vec<String> = log::SHARE_STEPS
        .iter()
        .map(|(w, hhmm, _)| {
            let t = f.clock_str(hhmm);
            let share = f
                .sample_at(model::SimTime(t.0 + MS_PER_MINUTE))
                .map_or(0, |s| s.karpenter_share_bp);
            format!("{w} → {} % at {hhmm}", share / 100)
        })
        .collect();
    let mut refs: Vec<_> = log::SHARE_STEPS.iter().map(|s| s.2).collect();
    refs.extend([
        log::at(
            227,
            "Karpenter is now eligible for 25% of provisioning decisions",
        ),
        log::at(230, "bumping to 50/50"),
        log::at(232, "75% to Karpenter now"),
    ]);
    let semantics = match f.scenario.cutover {
        CutoverSemantics::ProvisioningShare { .. } => "provisioning_share",
        CutoverSemantics::Karpenter => "karpenter",
    };
    rows.push(
        row("NodePool weight as a share of provisioning", refs)
            .log("weight 25/50/75/100 = 25 %/50 %/75 %/100 % of new provisioning")
            .model(format!(
                "cutover.semantics = {semantics}: {}",
                shares.join(", ")
            ))
            .differs(
                "weight is a priority among NodePools (the highest that fits is tried first); \
                 it shares nothing with cluster-autoscaler, which sees every pending pod too. \
                 cutover.toml models the log's reading on purpose (provisioning_share routes \
                 that fraction of newly pending pods to Karpenter); in the day no pod waits for \
                 a node, so neither reading changes anything",
            ),
    );
    rows
}
