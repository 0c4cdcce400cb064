//! The launches the log reports (07:15, 08:05, 09:15, 09:16), the nodes it launches and
//! then loses, and its 24-hour counts.

use engine::output::Provisioner;
use model::SimTime;
use model::time::MS_PER_MINUTE;

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log::{self, LogRef};
use crate::validation::numbers::{gib, hourly, pct, vcpu};
use crate::validation::probes::{Launch, Probes};

use super::cost::list_price;
use super::row;

const GIB: u64 = 1 << 30;

fn describe(l: &Launch) -> String {
    format!(
        "{} × {} {} at {}",
        l.nodes,
        l.node.instance_type,
        l.node.capacity_type,
        hourly(l.node.price)
    )
}

/// What the day did when pods arrived at `hh:mm`: pending a minute later, and nodes
/// launched within ten minutes.
fn day_outcome(f: &Facts, h: u64, m: u64) -> (u32, usize) {
    let t = f.clock(h, m, 0);
    let later = SimTime(t.0 + MS_PER_MINUTE + 59_999);
    let pending = f.sample_at(later).map_or(0, |s| s.pods_pending);
    let until = SimTime(t.0 + 10 * MS_PER_MINUTE);
    let launched = f.launched(Provisioner::Karpenter, t, until).len()
        + f.launched(Provisioner::ClusterAutoscaler, t, until).len();
    (pending, launched)
}

/// Free room on a listed m6i.4xlarge at the log's own utilisation figures.
fn room_by_the_log(f: &Facts, name: &str) -> Option<(u64, u64, String)> {
    let u = log::UNDERUTILIZED.iter().find(|u| u.name == name)?;
    let node = f.start_node(name)?;
    let cpu = node.allocatable.cpu_millis() * u64::from(100 - u.cpu_pct) / 100;
    let mem = node.allocatable.memory_bytes() * u64::from(100 - u.memory_pct) / 100;
    let text = format!(
        "by the log's own figures {name} ({} % CPU, {} % memory of {} / {} allocatable) had \
         {} and {} free",
        u.cpu_pct,
        u.memory_pct,
        vcpu(node.allocatable.cpu_millis()),
        gib(node.allocatable.memory_bytes()),
        vcpu(cpu),
        gib(mem)
    );
    Some((cpu, mem, text))
}

fn pending_row(
    f: &Facts,
    claim: &str,
    refs: Vec<LogRef>,
    log_text: &str,
    (h, m): (u64, u64),
    (pod_cpu, pod_mem_gib): (u64, u64),
    roomy: &str,
) -> ValidationRow {
    let (pending, launched) = day_outcome(f, h, m);
    let r = row(claim, refs).log(log_text).model(format!(
        "{pending} pods pending a minute later; {launched} nodes launched"
    ));
    if pending > 0 || launched > 0 {
        return r.reproduced("the model finds no room either");
    }
    let room = room_by_the_log(f, roomy)
        .map(|(c, mm, text)| {
            let fits = c >= pod_cpu && mm >= pod_mem_gib * GIB;
            format!(
                "{text}, {} a {} CPU / {pod_mem_gib} GiB pod; ",
                if fits { "room for" } else { "not enough for" },
                pod_cpu / 1000
            )
        })
        .unwrap_or_default();
    r.differs(&format!(
        "{room}kube-scheduler binds a pod that fits an existing node, and Karpenter (or \
         cluster-autoscaler) provisions only for pods it cannot place. The launch probes below \
         show what would have been launched had there been no room"
    ))
}

pub fn rows(f: &Facts, p: &Probes) -> Vec<ValidationRow> {
    let mut rows = vec![
        pending_row(
            f,
            "07:15 analytics-batch-processor pod pending",
            vec![log::FIRST_PENDING, log::FIRST_FOUND.at, log::FIRST_NODE],
            "pending; Karpenter launched ip-10-42-19-195",
            (7, 15),
            (4_000, 16),
            "ip-10-42-19-88",
        ),
        choice_row(
            f,
            "07:15 instance chosen",
            vec![log::FIRST_TYPE, log::FIRST_CAPACITY, log::FIRST_SLACK],
            "m7i.2xlarge on-demand, \"newer generation for better price-performance\"",
            (&p.first, &p.first_on_demand),
            "m7i.2xlarge",
        ),
        pending_row(
            f,
            "08:05 three pods pending (12 CPU, 48 GiB)",
            vec![log::SECOND_PENDING, log::SECOND_NODE],
            "pending; Karpenter launched ip-10-42-19-197",
            (8, 5),
            (4_000, 16),
            "ip-10-42-19-87",
        ),
        choice_row(
            f,
            "08:05 instance chosen",
            vec![log::SECOND_TYPE, log::SECOND_CAPACITY],
            "m7i.4xlarge on-demand",
            (&p.second, &p.second_on_demand),
            "m7i.4xlarge",
        ),
    ];

    let ca = &p.second_by_ca;
    let r = row(
        "08:05: what cluster-autoscaler would have launched",
        [log::SECOND_TYPE, log::SECOND_SLACK, log::CA_FIXED_TYPE],
    )
    .log("\"2 smaller nodes\"; yet the general group is \"m6i.4xlarge only\"")
    .model(format!("cluster-autoscaler probe: {}", describe(ca)));
    rows.push(if ca.nodes == 1 && ca.node.instance_type == "m6i.4xlarge" {
        r.inconsistent(
            "by the log's own account the general node group has one type, m6i.4xlarge, which \
             holds the three pods on one node; the model's cluster-autoscaler launches exactly \
             that",
        )
    } else {
        r.differs("the model's cluster-autoscaler launches another shape")
    });

    rows.push(packed_row(f, p));

    let (from, to) = (f.clock(9, 0, 0), f.clock(9, 30, 0));
    let ca_0915 = f.launched(Provisioner::ClusterAutoscaler, from, to).len();
    let k_0916 = f.launched(Provisioner::Karpenter, from, to).len();
    rows.push(
        row(
            "09:15 cluster-autoscaler scale event (spot pool)",
            [log::CA_SPOT_EVENT],
        )
        .log("1 scale event")
        .model(format!("{ca_0915} cluster-autoscaler launches 09:00-09:30"))
        .inconsistent(
            "no spot node group and no node it could have launched appear anywhere in the \
                 log: not in the node lists, not in the 10:30 or 11:00 counts",
        ),
    );
    rows.push(
        row(
            "09:16 Karpenter scale events (general pool)",
            [log::KARPENTER_0916],
        )
        .log("2 scale events")
        .model(format!("{k_0916} Karpenter launches 09:00-09:30"))
        .inconsistent("whatever they launched appears in no later list or count"),
    );

    let at_1100 = f.nodes_at(f.clock(11, 0, 0));
    let listed_at_1100 = at_1100
        .iter()
        .filter(|n| log::INVENTORY.iter().any(|l| l.name == n.name))
        .count();
    let mut refs = vec![log::FIRST_NODE, log::SECOND_NODE, log::CONTROLLER_1030];
    refs.extend(log::REMOVED);
    rows.push(
        row("Nodes that appear and vanish: ip-10-42-19-195, -197", refs)
            .log("launched 07:16 and 08:05; absent at 10:30 and 11:00; never terminated")
            .model(format!(
                "{} nodes at 11:00, {listed_at_1100} of them listed at 06:50",
                at_1100.len()
            ))
            .inconsistent(
                "the 10:30 evaluation counts 36 nodes, the 36 listed at 06:50 without the two \
                 Karpenter launched; the 11:00 list has neither, and the controller log \
                 terminates only ip-10-42-19-87, -88, -91 and -60. With both, the cluster had \
                 38 nodes at 10:30",
            ),
    );

    let s = &f.run.summary;
    rows.push(
        row(
            "Nodes provisioned by Karpenter in 24 h",
            [
                log::PROVISIONED_24H.at,
                log::FIRST_NODE,
                log::SECOND_NODE,
                log::ADDED[0],
                log::ADDED[1],
                log::KARPENTER_0916,
            ],
        )
        .log(format!("{}", log::PROVISIONED_24H.value))
        .model(format!(
            "{} (cluster-autoscaler: {})",
            s.nodes_launched[0], s.nodes_launched[1]
        ))
        .inconsistent(
            "the log itself names four Karpenter nodes (ip-10-42-19-195, -197, -201, -202), \
                 plus two 09:16 scale events and the 11:00 test node",
        ),
    );
    let mut refs = vec![log::TERMINATED_24H.at];
    refs.extend(log::REMOVED);
    rows.push(
        row("Nodes terminated by Karpenter in 24 h", refs)
            .log(format!(
                "{} (3 consolidation + 2 replaced)",
                log::TERMINATED_24H.value
            ))
            .model(format!("{}", s.nodes_terminated))
            .inconsistent(
                "the log removes four nodes (three in action 1, one in action 2) and terminates \
                 no other",
            ),
    );
    rows
}

fn choice_row(
    f: &Facts,
    claim: &str,
    refs: Vec<LogRef>,
    log_text: &str,
    (spot, on_demand): (&Launch, &Launch),
    logged_type: &str,
) -> ValidationRow {
    let logged_price = list_price(f, logged_type);
    let r = row(claim, refs).log(log_text).model(format!(
        "launch probe: {}; on-demand only: {}",
        describe(spot),
        describe(on_demand)
    ));
    if on_demand.node.instance_type == logged_type
        && spot.node.capacity_type.to_string() == "on-demand"
    {
        return r.reproduced("");
    }
    r.differs(&format!(
        "Karpenter launches the cheapest offering that fits (spot first when the NodePool \
         allows it, as this one does) and knows nothing of price-performance; on-demand, {} \
         ({}) is cheaper than the logged {logged_type} ({})",
        on_demand.node.instance_type,
        hourly(on_demand.node.price),
        hourly(logged_price)
    ))
}

fn packed_row(f: &Facts, p: &Probes) -> ValidationRow {
    let node = &p.second.node;
    let it = f
        .scenario
        .nodepool_kubelet
        .first()
        .and_then(|k| f.scenario.catalog.instance_type(&node.instance_type, k));
    let ds = f
        .scenario
        .daemonsets
        .iter()
        .fold(model::Resources::ZERO, |acc, d| {
            acc.saturating_add(&d.spec.requests)
        });
    let (cpu, mem) = (12_000 + ds.cpu_millis(), 48 * GIB + ds.memory_bytes());
    let model = it.map_or("—".to_string(), |t| {
        format!(
            "on the probe's {}: CPU {}, memory {} of allocatable with DaemonSets",
            node.instance_type,
            pct(cpu, t.allocatable.cpu_millis()),
            pct(mem, t.allocatable.memory_bytes())
        )
    });
    row(
        "08:05: 3 pods on 1 node at 75 % CPU and memory",
        [log::SECOND_UTILISATION],
    )
    .log("75 %, 75 %")
    .model(model)
    .reproduced("as a share of capacity, without DaemonSets: 12 / 16 vCPU and 48 / 64 GiB are 75 %")
}
