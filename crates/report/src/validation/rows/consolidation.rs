//! The 10:30-11:00 consolidation: what the log says Karpenter did, what the model does
//! with the same cluster, and what it would do had Karpenter owned the general nodes.

use engine::output::{NodeRecord, Provisioner, RunOutput};
use model::SimTime;
use model::instance::CapacityType;
use model::price::UsdPerHour;

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log;
use crate::validation::numbers::{and_list, clock, hourly, month, per_month};
use crate::validation::probes::{Command, GENERAL_GROUP, GENERAL_POOL, Probes, commands};

use super::row;

const ACTION1_NODES: [&str; 3] = ["ip-10-42-19-87", "ip-10-42-19-88", "ip-10-42-19-91"];
const ACTION2_NODE: &str = "ip-10-42-19-60";

fn karpenter_at(f: &Facts, t: SimTime) -> u32 {
    f.sample_at(t).map_or(0, |s| s.nodes_by_provisioner[0])
}

fn total_at(f: &Facts, t: SimTime) -> u32 {
    f.sample_at(t).map_or(0, |s| s.nodes_total)
}

/// Nodes of `run` alive at `t`.
fn alive(run: &RunOutput, t: SimTime) -> usize {
    run.nodes
        .iter()
        .filter(|n| n.launched_at <= t && n.terminated_at.is_none_or(|x| x > t))
        .count()
}

fn fate(n: Option<&NodeRecord>) -> String {
    match n.and_then(|n| n.terminated_at.map(|t| (t, n))) {
        Some((t, n)) => format!(
            "terminated {} ({})",
            clock(t),
            n.termination_reason.clone().unwrap_or_default()
        ),
        None => "running all day".into(),
    }
}

/// A command in words: `MultiNodeConsolidation at 07:00:00 deleted a, b and c`.
fn describe(c: &Command) -> String {
    format!(
        "{} at {} {} {}",
        c.method,
        clock(c.t),
        c.outcome,
        and_list(&c.nodes)
    )
}

/// What deleting `c`'s nodes saves: their prices, less any replacement's (from the
/// decision's reason, which names it).
fn saving(run: &RunOutput, c: &Command) -> String {
    let removed = c
        .nodes
        .iter()
        .filter_map(|name| run.nodes.iter().find(|n| &n.name == name))
        .fold(UsdPerHour(0), |acc, n| acc.saturating_add(n.price));
    if c.outcome == "deleted" {
        format!(
            "saves {} = {}/month",
            hourly(removed),
            month(per_month(removed))
        )
    } else {
        c.reason.clone()
    }
}

pub fn rows(f: &Facts, p: &Probes) -> Vec<ValidationRow> {
    let mut rows = Vec::new();
    let (t1030, t1100) = (f.clock(10, 30, 0), f.clock(11, 0, 0));
    let adopted = &p.adopted;
    let cmds = commands(adopted);
    let first_cmd = cmds.first();
    let with = |name: &str| cmds.iter().find(|c| c.nodes.iter().any(|n| n == name));

    rows.push(
        row(
            "Nodes evaluated at 10:30",
            [log::EVALUATED_1030.at, log::CONTROLLER_1030],
        )
        .log(format!("{}", log::EVALUATED_1030.value))
        .model(format!("{} nodes at 10:30", total_at(f, t1030)))
        .inconsistent(
            "36 is the 06:50 list; by the log's own account Karpenter had added \
                 ip-10-42-19-195 and -197 by then (38). The model has 36 because it launched \
                 nothing",
        ),
    );

    rows.push(
        row(
            "Karpenter-managed nodes at 10:30 and 11:00",
            [
                log::CONTROLLER_1030,
                log::KARPENTER_NODES_1100.at,
                log::at(915, "Karpenter-Managed Nodes: 23"),
            ],
        )
        .log(format!(
            "{} at 10:30; {} at 11:00 (\"21 general, 2 replacement\")",
            log::KARPENTER_NODES_1100.value,
            log::KARPENTER_NODES_1100.value
        ))
        .model(format!(
            "{} at 10:30, {} at 11:00",
            karpenter_at(f, t1030),
            karpenter_at(f, t1100)
        ))
        .inconsistent(
            "every listed node is cluster-autoscaler's or the Kafka ASG's (L440-L475), and \
             Karpenter manages only NodeClaims it launched: two by 10:30 in the log's account. \
             \"21 general\" counts cluster-autoscaler nodes as Karpenter's, and the two \
             replacements did not exist at 10:30",
        ),
    );

    let mut refs = vec![log::ACTION1, log::ACTION1_CONTROLLER, log::ACTION1_SLACK];
    refs.extend(log::UNDERUTILIZED.iter().take(3).map(|u| u.at));
    let fates: Vec<String> = ACTION1_NODES
        .iter()
        .map(|n| format!("{n}: {}", fate(f.node(n))))
        .collect();
    rows.push(
        row("Action 1: replace -87, -88, -91 by 2 × m7i.4xlarge", refs)
            .log("3 × m6i.4xlarge → 2 × m7i.4xlarge at 10:32")
            .model(and_list(&fates))
            .differs(&format!(
                "the three nodes belong to the cluster-autoscaler node group {}; Karpenter \
                 disrupts only nodes of its NodePools, so it never considers them, and \
                 cluster-autoscaler, which could have removed them, ran with scale-down \
                 disabled (L152) and was stopped at 10:15",
                f.start_node(ACTION1_NODES[0])
                    .map_or(GENERAL_GROUP.to_string(), |n| n.owner.clone())
            )),
    );

    let instead = with(ACTION1_NODES[0]);
    rows.push(
        row(
            "Action 1 had Karpenter owned the nodes (3 → 2)",
            [log::ACTION1, log::ACTION1_CONTROLLER],
        )
        .log("replace 3 by 2, saving \"$0.768/hr\"")
        .model(match instead {
            Some(c) => format!("{}; {}", describe(c), saving(adopted, c)),
            None => "not consolidated".into(),
        })
        .differs(&format!(
            "Karpenter replaces N nodes by 0 or 1, and by 1 only if it is cheaper; 2 × \
                 m7i.4xlarge for 3 × m6i.4xlarge is neither. This row runs the day with the {} \
                 nodes owned by {} and Karpenter started at 07:00 (L110), as the log believes: \
                 the pods of the three nodes fit on the others, so they are deleted as soon as \
                 Karpenter runs, not at 10:30",
            GENERAL_GROUP, GENERAL_POOL
        )),
    );

    let drains: Vec<String> = log::DRAINS
        .iter()
        .map(|(n, from, to, ..)| {
            let d = f.clock_str(to).since(f.clock_str(from)).0 / 1_000;
            format!("{n} {from}-{to} ({}m{:02}s)", d / 60, d % 60)
        })
        .collect();
    let adopted_fates: Vec<String> = ACTION1_NODES
        .iter()
        .map(|n| {
            adopted
                .nodes
                .iter()
                .find(|r| r.name == *n)
                .and_then(|r| r.terminated_at)
                .map_or(format!("{n} kept"), |t| format!("{n} {}", clock(t)))
        })
        .collect();
    let mut refs: Vec<_> = log::DRAINS.iter().flat_map(|d| [d.3, d.4]).collect();
    refs.push(log::DRAIN_DURATION_87);
    rows.push(
        row("Action 1 drains one node after another", refs)
            .log(and_list(&drains))
            .model(format!(
                "counterfactual terminations: {}",
                and_list(&adopted_fates)
            ))
            .differs(
                "Karpenter drains every node of a command at once, after any replacement is \
                 ready; the log's durations agree with its own timestamps",
            ),
    );

    let evictions: Vec<String> = log::PODS_TO_EVICT
        .iter()
        .map(|(n, _, _)| format!("{n} {}", f.start_node(n).map_or(0, |s| s.pinned_pods)))
        .collect();
    let listed_60 = log::INVENTORY
        .iter()
        .find(|n| n.name == ACTION2_NODE)
        .map_or(0, |n| n.pods);
    let mut refs: Vec<_> = log::PODS_TO_EVICT.iter().map(|e| e.2).collect();
    refs.push(log::at(176, "Pods Rescheduled: 8"));
    rows.push(
        row("Pods evicted from the consolidated nodes", refs)
            .log("8, 6, 9 and 4")
            .model(format!(
                "application pods at 06:50: {}",
                and_list(&evictions)
            ))
            .inconsistent(&format!(
                "8, 6 and 9 are the nodes' listed pod counts, 5 DaemonSet pods each included, \
                 and a drain does not evict DaemonSet pods (3, 1 and 4 remain); ip-10-42-19-60 \
                 lists {listed_60} pods, {} of them application pods, not 4",
                listed_60 - 5
            )),
    );

    let second = with(ACTION2_NODE);
    rows.push(
        row(
            "Action 2: delete ip-10-42-19-60 at 10:50",
            [log::ACTION2, log::REMOVED[3], log::UNDERUTILIZED[3].at],
        )
        .log("1 → 0, pods to existing nodes")
        .model(format!(
            "{}; had Karpenter owned it: {}",
            fate(f.node(ACTION2_NODE)),
            second.map_or("kept".to_string(), |c| format!(
                "{}; {}",
                describe(c),
                saving(adopted, c)
            ))
        ))
        .differs(
            "it is a cluster-autoscaler node too; owned by Karpenter, it goes early in the \
                 day with the other nodes whose pods fit elsewhere",
        ),
    );

    let (t1045, end) = (f.clock(10, 45, 0), f.run.summary.end);
    let cost_at = |run: &RunOutput, t: SimTime| {
        run.samples
            .iter()
            .take_while(|s| s.t <= t)
            .last()
            .map_or(UsdPerHour(0), |s| s.cost_per_hour)
    };
    let (day_1100, adopted_1100) = (cost_at(f.run, t1100), cost_at(adopted, t1100));
    let launched_by_karpenter: Vec<&NodeRecord> = adopted
        .nodes
        .iter()
        .filter(|n| n.provisioner == Provisioner::Karpenter && n.launched_at > f.scenario.start)
        .collect();
    rows.push(
        row(
            "Node count after consolidation",
            [
                log::NET_RESULT,
                log::NODES_SLACK_1042.at,
                log::NODES_AFTER.at,
                log::NODES_METRICS,
            ],
        )
        .log("36 → 35 (10:42) → 34 (10:52)")
        .model(format!(
            "{} at 10:45, {} at 11:00, {} at the end; had Karpenter owned the general nodes: \
             {} at 11:00, {} at the end, {} at 11:00 against the day's {} ({}/month less; \
             {} of its {} replacement and new nodes are spot, which default-nodepool allows)",
            total_at(f, t1045),
            total_at(f, t1100),
            f.run.summary.nodes_end,
            alive(adopted, t1100),
            alive(adopted, end),
            hourly(adopted_1100),
            hourly(day_1100),
            month(per_month(UsdPerHour(
                day_1100.0.saturating_sub(adopted_1100.0)
            ))),
            launched_by_karpenter
                .iter()
                .filter(|n| n.capacity_type == CapacityType::Spot)
                .count(),
            launched_by_karpenter.len()
        ))
        .differs(
            "the model consolidates none of the listed nodes (cluster-autoscaler's, see above); \
             the log's arithmetic (36 − 3 + 2 = 35, − 1 = 34) holds but leaves out the two \
             nodes it launched at 07:16 and 08:05",
        ),
    );

    let at_1100 = f
        .sample_at(t1100)
        .map_or([0; 3], |s| s.nodes_by_provisioner);
    rows.push(
        row(
            "Nodes at 11:00 by manager",
            [
                log::KARPENTER_NODES_1100.at,
                log::KAFKA_NODES_1100.at,
                log::LEGACY_NODES_1100.at,
            ],
        )
        .log(format!(
            "{} Karpenter + {} Kafka ASG + {} legacy = {}",
            log::KARPENTER_NODES_1100.value,
            log::KAFKA_NODES_1100.value,
            log::LEGACY_NODES_1100.value,
            log::KARPENTER_NODES_1100.value
                + log::KAFKA_NODES_1100.value
                + log::LEGACY_NODES_1100.value
        ))
        .model(format!(
            "{} Karpenter + {} Kafka ASG + {} cluster-autoscaler",
            at_1100[0], at_1100[2], at_1100[1]
        ))
        .inconsistent(
            "after the log's own changes its list holds 23 cluster-autoscaler general nodes, \
             2 m7i.4xlarge, 6 memory and 3 Kafka nodes (34): the split counts 21 \
             cluster-autoscaler nodes as Karpenter's and 5 Kafka nodes where 3 are listed",
        ),
    );

    rows.push(
        row(
            "\"Consolidation already saved us a node\" at 10:00",
            [log::SAVED_A_NODE_1000, log::ACTIVATED_1030],
        )
        .log("1 node saved by 10:00:15")
        .model(format!("{} nodes at 10:00", total_at(f, f.clock(10, 0, 0))))
        .inconsistent("the log starts consolidation at 10:30"),
    );

    let by_1100 = cmds.iter().filter(|c| c.t <= t1100).count();
    rows.push(
        row(
            "Consolidation events and when they start",
            [
                log::CONSOLIDATION_EVENTS.at,
                log::CONSOLIDATION_EVENTS_CHECKLIST,
                log::ACTIVATED_1030,
            ],
        )
        .log(format!(
            "{} (10:32 and 10:50), from 10:30",
            log::CONSOLIDATION_EVENTS.value
        ))
        .model(format!(
            "{} in the day; had Karpenter owned the general nodes: {by_1100} by 11:00, {} in \
             all, the first at {}",
            commands(f.run).len(),
            cmds.len(),
            first_cmd.map_or("—".to_string(), |c| clock(c.t))
        ))
        .differs(
            "Karpenter's disruption loop runs all the time (every 10 s), not from an \
             activation; with nodes of its own it consolidates as soon as their pods fit \
             elsewhere, budget permitting (10 % of the NodePool's nodes at once)",
        ),
    );
    rows
}
