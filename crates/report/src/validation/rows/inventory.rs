//! Section 4's node list at 06:50 against the nodes the model starts with.

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log::{self, INVENTORY, ListedNode};
use crate::validation::numbers::{and_list, count, gib, vcpu};

use super::row;

/// (instance type, nodes, vCPU each, GiB each) in order of first appearance.
pub fn listed_by_type() -> Vec<(&'static str, u32, u32, u32)> {
    let mut out: Vec<(&'static str, u32, u32, u32)> = Vec::new();
    for n in &INVENTORY {
        match out.iter_mut().find(|(t, ..)| *t == n.instance_type) {
            Some(entry) => entry.1 += 1,
            None => out.push((n.instance_type, 1, n.vcpu, n.memory_gib)),
        }
    }
    out
}

/// `30 × 16 + 3 × 16 + 3 × 8 = 552` over the listed nodes, for one column.
fn listed_sum(column: impl Fn(&(&str, u32, u32, u32)) -> u32) -> (u32, String) {
    let groups = listed_by_type();
    let total: u32 = groups.iter().map(|g| g.1 * column(g)).sum();
    let terms: Vec<String> = groups
        .iter()
        .map(|g| format!("{} × {}", g.1, column(g)))
        .collect();
    (
        total,
        format!("{} = {}", terms.join(" + "), count(total.into())),
    )
}

pub fn listed_pods() -> u32 {
    INVENTORY.iter().map(|n| n.pods).sum()
}

pub fn rows(f: &Facts) -> Vec<ValidationRow> {
    let start = f.scenario.start;
    let at_start = f.nodes_at(start);
    let first = f.sample_at(start);
    let all = log::inventory_refs(&[]);
    let mut rows = Vec::new();

    let listed = INVENTORY.len() as u32;
    rows.push(
        row("Nodes at 06:50", [log::LISTED_NODES.at])
            .log(format!(
                "{} (header); {listed} rows listed",
                log::LISTED_NODES.value
            ))
            .model(format!("{} nodes", f.run.summary.nodes_start))
            .reproduced_or_differs(
                listed == log::LISTED_NODES.value && f.run.summary.nodes_start == listed,
                "the header, the rows and the model agree",
                "the scenario's inventory no longer matches the list",
            ),
    );

    let log_types: Vec<String> = listed_by_type()
        .iter()
        .map(|(t, n, ..)| format!("{n} × {t}"))
        .collect();
    let mut model_types: Vec<(String, u32)> = Vec::new();
    for n in &at_start {
        match model_types.iter_mut().find(|(t, _)| *t == n.instance_type) {
            Some(e) => e.1 += 1,
            None => model_types.push((n.instance_type.clone(), 1)),
        }
    }
    let model_types: Vec<String> = model_types
        .iter()
        .map(|(t, n)| format!("{n} × {t}"))
        .collect();
    rows.push(
        row("Instance types at 06:50", all.clone())
            .log(and_list(&log_types))
            .model(and_list(&model_types))
            .reproduced_or_differs(
                log_types == model_types,
                "",
                "the scenario's inventory no longer matches the list",
            ),
    );

    let by_provisioner = first.map_or([0; 3], |s| s.nodes_by_provisioner);
    let listed_ca = INVENTORY
        .iter()
        .filter(|n| n.managed_by == "cluster-autoscaler")
        .count();
    let listed_asg = INVENTORY.len() - listed_ca;
    rows.push(
        row("Who manages the listed nodes", all.clone())
            .log(format!(
                "{listed_ca} cluster-autoscaler, {listed_asg} ASG (dedicated), 0 Karpenter"
            ))
            .model(format!(
                "{} cluster-autoscaler, {} static (Kafka ASG), {} Karpenter",
                by_provisioner[1], by_provisioner[2], by_provisioner[0]
            ))
            .reproduced_or_differs(
                by_provisioner == [0, listed_ca as u32, listed_asg as u32],
                "no listed node is Karpenter's, which matters for every consolidation claim below",
                "the scenario's owners differ from the list",
            ),
    );

    let (vcpu_sum, vcpu_arith) = listed_sum(|g| g.2);
    let model_vcpu: u32 = f.start_nodes.iter().map(|n| n.vcpu).sum();
    rows.push(total_row(
        row("Total vCPU of the 36 nodes", [log::TOTAL_VCPU.at])
            .log(format!("{} vCPU", count(log::TOTAL_VCPU.value.into())))
            .model(format!(
                "{} vCPU (allocatable {})",
                count(model_vcpu.into()),
                vcpu(first.map_or(0, |s| s.cpu_allocatable_millis))
            )),
        vcpu_sum == log::TOTAL_VCPU.value && model_vcpu == vcpu_sum,
        format!(
            "the listed nodes sum to {vcpu_arith} vCPU, not {}; the model's {} is the list's",
            count(log::TOTAL_VCPU.value.into()),
            count(model_vcpu.into())
        ),
    ));

    let (mem_sum, mem_arith) = listed_sum(|g| g.3);
    let model_gib: u64 = f.start_nodes.iter().map(|n| n.memory_gib).sum();
    rows.push(total_row(
        row("Total memory of the 36 nodes", [log::TOTAL_MEMORY_GIB.at])
            .log(format!("{} GiB", count(log::TOTAL_MEMORY_GIB.value.into())))
            .model(format!(
                "{} GiB (allocatable {})",
                count(model_gib),
                gib(first.map_or(0, |s| s.memory_allocatable_bytes))
            )),
        mem_sum == log::TOTAL_MEMORY_GIB.value && model_gib == u64::from(mem_sum),
        format!(
            "the listed nodes sum to {mem_arith} GiB, not {}; the model's {} is the list's",
            count(log::TOTAL_MEMORY_GIB.value.into()),
            count(model_gib)
        ),
    ));

    let listed_pods = listed_pods();
    rows.push(total_row(
        row("Total pods at 06:50 (stated)", [log::TOTAL_PODS.at])
            .log(count(log::TOTAL_PODS.value.into()))
            .model(format!("{} listed", count(listed_pods.into()))),
        listed_pods == log::TOTAL_PODS.value,
        format!(
            "the 36 rows' pod counts sum to {}, {} fewer than the {} stated",
            count(listed_pods.into()),
            log::TOTAL_PODS.value.abs_diff(listed_pods),
            count(log::TOTAL_PODS.value.into())
        ),
    ));

    let ds_pods: u32 = f.start_nodes.iter().map(|n| n.daemonsets).sum();
    let running = first.map_or(0, |s| s.pods_running);
    let model_pods = running + ds_pods;
    let pinned: u32 = f.start_nodes.iter().map(|n| n.pinned_pods).sum();
    rows.push(
        row("Pods at 06:50 (the rows' sum)", all.clone())
            .log(count(listed_pods.into()))
            .model(format!(
                "{} ({} application pods, all pinned with `placement`, and {} DaemonSet pods)",
                count(model_pods.into()),
                count(running.into()),
                count(ds_pods.into())
            ))
            .reproduced_or_differs(
                model_pods == listed_pods,
                "",
                &format!(
                    "the model runs a Kafka broker on each of the 3 Kafka nodes, whose 5 listed \
                     pods are their 5 DaemonSet pods alone ({} = {} + 3){}",
                    count(model_pods.into()),
                    count(listed_pods.into()),
                    if pinned == running {
                        String::new()
                    } else {
                        format!("; {pinned} pods are pinned but {running} run: check placement")
                    }
                ),
            ),
    );

    rows.push(per_node_counts(f));
    rows.push(daemonsets(f));
    rows.push(kafka(f));
    rows
}

/// A stated total against the list's own sum: reproduced if they agree.
fn total_row(r: super::Row, agrees: bool, arithmetic: String) -> ValidationRow {
    if agrees {
        r.reproduced("")
    } else {
        r.inconsistent(&arithmetic)
    }
}

fn per_node_counts(f: &Facts) -> ValidationRow {
    let mut same = 0;
    let mut different: Vec<String> = Vec::new();
    for listed in &INVENTORY {
        let model = f
            .start_node(listed.name)
            .map_or(0, |n| n.pinned_pods + n.daemonsets);
        if model == listed.pods {
            same += 1;
        } else {
            different.push(format!("{} {model} (listed {})", listed.name, listed.pods));
        }
    }
    let r = row("Pods on each node at 06:50", log::inventory_refs(&[]))
        .log("36 counts, 5 to 45 pods per node")
        .model(format!(
            "{same} of 36 equal{}",
            if different.is_empty() {
                String::new()
            } else {
                format!("; {}", and_list(&different))
            }
        ));
    let kafka_only = different.iter().all(|d| d.starts_with("worker-kafka"));
    let misfits: Vec<String> = f
        .start_nodes
        .iter()
        .filter(|n| !n.fits())
        .map(|n| n.name.clone())
        .collect();
    if !misfits.is_empty() {
        return r.differs(&format!(
            "the pods pinned to {} do not fit there, so the engine places them elsewhere",
            and_list(&misfits)
        ));
    }
    if different.is_empty() {
        r.input("cutover.toml pins every application pod to its node")
    } else if kafka_only {
        r.differs(
            "each Kafka node runs a broker besides its 5 DaemonSet pods; elsewhere cutover.toml \
             pins every application pod to its listed node (listed pods − 5 DaemonSet pods). \
             The model's counts are the scenario's pins, each of which fits its node (so the \
             engine honours it), and the run's 06:50 totals above count every pinned pod",
        )
    } else {
        r.differs("the scenario's placement no longer reproduces the list")
    }
}

fn daemonsets(f: &Facts) -> ValidationRow {
    let morning = log::DAEMONSETS_MORNING;
    let evening = log::DAEMONSETS_EVENING;
    let model: Vec<String> = f
        .scenario
        .daemonsets
        .iter()
        .map(|d| d.name.clone())
        .collect();
    row("DaemonSets on every node", [morning.at, evening.at])
        .log(format!(
            "{} in the morning ({}), {} in the evening",
            morning.value.len(),
            morning.value.join(", "),
            evening.value.len()
        ))
        .model(format!("{} ({})", model.len(), model.join(", ")))
        .inconsistent(&format!(
            "the evening check lists {} DaemonSets, without {}; the model runs the morning's {}",
            evening.value.len(),
            morning
                .value
                .iter()
                .filter(|d| !evening.value.contains(d))
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            morning.value.len()
        ))
}

fn kafka(f: &Facts) -> ValidationRow {
    let listed: Vec<&ListedNode> = INVENTORY
        .iter()
        .filter(|n| n.name.starts_with("worker-kafka"))
        .collect();
    let owner = "worker-kafka-v2";
    let column = f.run.owners.iter().position(|o| o == owner);
    let at = |t| {
        column
            .and_then(|c| f.sample_at(t).map(|s| s.nodes_by_owner[c]))
            .unwrap_or(0)
    };
    let (start, end) = (at(f.scenario.start), at(f.run.summary.end));
    let mut refs: Vec<_> = listed.iter().map(|n| log::at(n.line, n.name)).collect();
    refs.extend([
        log::KAFKA_NODES_1100.at,
        log::KAFKA_NODES_METRICS.at,
        log::KAFKA_BROKERS.at,
    ]);
    row("Kafka nodes", refs)
        .log(format!(
            "{} listed; {} ASG nodes at 11:00 and in the metrics; {} brokers",
            listed.len(),
            log::KAFKA_NODES_1100.value,
            log::KAFKA_BROKERS.value
        ))
        .model(format!(
            "{start} at 06:50, {end} at the end (nobody scales the ASG)"
        ))
        .inconsistent(&format!(
            "the list has {} worker-kafka-v2 nodes and says nothing changed them, yet counts {} \
             later and {} brokers; the model keeps the {} listed",
            listed.len(),
            log::KAFKA_NODES_1100.value,
            log::KAFKA_BROKERS.value,
            listed.len()
        ))
}
