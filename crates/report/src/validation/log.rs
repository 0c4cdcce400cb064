//! The seed log's own figures, as data: `shared/seed/000_a09b6c35f1cf401b.txt`, the
//! operations log of prod-us-east-1 on 2025-10-16. Each figure carries the line it comes
//! from and a quote of that line, so a test can check both against the file. Nothing here
//! is computed: sums and products of these figures are made where they are used.

use serde::Serialize;

use model::price::{NANOS_PER_USD, Usd, UsdPerHour};

/// Where a claim is in the log: a 1-based line number and a verbatim piece of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LogRef {
    pub line: u32,
    pub quote: &'static str,
}

/// Shorthand for the tables below.
pub const fn at(line: u32, quote: &'static str) -> LogRef {
    LogRef { line, quote }
}

/// `L163-L165, L189`: lines in order, each once, runs of three or more as ranges.
pub fn label(refs: &[LogRef]) -> String {
    let mut lines: Vec<u32> = refs.iter().map(|r| r.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("L{}-L{}", lines[i], lines[j]));
        } else {
            parts.extend(lines[i..=j].iter().map(|l| format!("L{l}")));
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// A figure as the log states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<T> {
    pub value: T,
    pub at: LogRef,
}

const fn stated<T>(value: T, line: u32, quote: &'static str) -> Stated<T> {
    Stated {
        value,
        at: at(line, quote),
    }
}

/// Whole dollars (a monthly figure).
const fn usd(dollars: u64) -> Usd {
    Usd(dollars as u128 * NANOS_PER_USD as u128)
}

/// Dollars per hour in nano-dollars (`0.768` = 768,000,000).
const fn per_hour(nanos: u64) -> UsdPerHour {
    UsdPerHour(nanos)
}

/// One row of section 4's "PRE-MIGRATION NODE LIST (36 nodes, 06:50 UTC)".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedNode {
    pub line: u32,
    pub name: &'static str,
    pub instance_type: &'static str,
    pub zone: &'static str,
    pub vcpu: u32,
    pub memory_gib: u32,
    pub pods: u32,
    pub managed_by: &'static str,
}

const fn node(
    line: u32,
    name: &'static str,
    instance_type: &'static str,
    zone: &'static str,
    (vcpu, memory_gib): (u32, u32),
    pods: u32,
    managed_by: &'static str,
) -> ListedNode {
    ListedNode {
        line,
        name,
        instance_type,
        zone,
        vcpu,
        memory_gib,
        pods,
        managed_by,
    }
}

const CA: &str = "cluster-autoscaler";
const ASG: &str = "ASG (dedicated)";
const M6I: &str = "m6i.4xlarge";
const A: &str = "us-east-1a";
const B: &str = "us-east-1b";
const C: &str = "us-east-1c";

/// L440-L475, in the log's order.
pub const INVENTORY: [ListedNode; 36] = [
    node(440, "ip-10-42-19-05", M6I, A, (16, 64), 42, CA),
    node(441, "ip-10-42-19-06", M6I, A, (16, 64), 38, CA),
    node(442, "ip-10-42-19-07", M6I, A, (16, 64), 45, CA),
    node(443, "ip-10-42-19-08", M6I, B, (16, 64), 41, CA),
    node(444, "ip-10-42-19-09", M6I, B, (16, 64), 36, CA),
    node(445, "ip-10-42-19-10", M6I, B, (16, 64), 44, CA),
    node(446, "ip-10-42-19-11", M6I, C, (16, 64), 40, CA),
    node(447, "ip-10-42-19-12", M6I, C, (16, 64), 39, CA),
    node(448, "ip-10-42-19-13", M6I, C, (16, 64), 43, CA),
    node(449, "ip-10-42-19-14", M6I, A, (16, 64), 37, CA),
    node(450, "ip-10-42-19-15", M6I, B, (16, 64), 35, CA),
    node(451, "ip-10-42-19-16", M6I, C, (16, 64), 41, CA),
    node(452, "ip-10-42-19-17", M6I, A, (16, 64), 38, CA),
    node(453, "ip-10-42-19-18", M6I, B, (16, 64), 42, CA),
    node(454, "ip-10-42-19-19", M6I, C, (16, 64), 40, CA),
    node(455, "ip-10-42-19-20", M6I, A, (16, 64), 36, CA),
    node(456, "ip-10-42-19-21", M6I, B, (16, 64), 39, CA),
    node(457, "ip-10-42-19-22", M6I, C, (16, 64), 44, CA),
    node(458, "ip-10-42-19-23", M6I, A, (16, 64), 41, CA),
    node(459, "ip-10-42-19-24", M6I, B, (16, 64), 37, CA),
    node(460, "ip-10-42-19-25", M6I, C, (16, 64), 40, CA),
    node(461, "ip-10-42-19-26", "r6i.4xlarge", A, (16, 128), 18, CA),
    node(462, "ip-10-42-19-27", "r6i.4xlarge", B, (16, 128), 16, CA),
    node(463, "ip-10-42-19-28", "r6i.4xlarge", C, (16, 128), 17, CA),
    node(464, "ip-10-42-19-29", "r6i.2xlarge", A, (8, 64), 12, CA),
    node(465, "ip-10-42-19-30", "r6i.2xlarge", B, (8, 64), 14, CA),
    node(466, "ip-10-42-19-31", "r6i.2xlarge", C, (8, 64), 11, CA),
    node(467, "ip-10-42-19-60", M6I, A, (16, 64), 29, CA),
    node(468, "ip-10-42-19-61", M6I, B, (16, 64), 33, CA),
    node(469, "ip-10-42-19-62", M6I, C, (16, 64), 31, CA),
    node(470, "ip-10-42-19-87", M6I, A, (16, 64), 8, CA),
    node(471, "ip-10-42-19-88", M6I, B, (16, 64), 6, CA),
    node(472, "ip-10-42-19-91", M6I, C, (16, 64), 9, CA),
    node(473, "worker-kafka-v2-1", M6I, A, (16, 64), 5, ASG),
    node(474, "worker-kafka-v2-2", M6I, B, (16, 64), 5, ASG),
    node(475, "worker-kafka-v2-3", M6I, C, (16, 64), 5, ASG),
];

/// The inventory rows as references (for rows that cite the whole list).
pub fn inventory_refs(names: &[&str]) -> Vec<LogRef> {
    INVENTORY
        .iter()
        .filter(|n| names.is_empty() || names.contains(&n.name))
        .map(|n| at(n.line, n.name))
        .collect()
}

// ---- Section 4: inventory totals and the 11:00 list -------------------------------
pub const LISTED_NODES: Stated<u32> = stated(36, 437, "PRE-MIGRATION NODE LIST (36 nodes");
pub const TOTAL_VCPU: Stated<u32> = stated(564, 477, "Total CPU: 564 vCPUs");
pub const TOTAL_MEMORY_GIB: Stated<u32> = stated(2_432, 478, "Total Memory: 2,432 GiB");
pub const TOTAL_PODS: Stated<u32> = stated(1_137, 479, "Total Pods: 1,137 running");
pub const KARPENTER_NODES_1100: Stated<u32> = stated(23, 492, "Managed By Karpenter: 23 nodes");
pub const KAFKA_NODES_1100: Stated<u32> = stated(5, 493, "Managed By ASG (Kafka): 5 nodes");
pub const LEGACY_NODES_1100: Stated<u32> = stated(6, 494, "Legacy Node Groups: 6 nodes");
pub const REMOVED: [LogRef; 4] = [
    at(484, "REMOVED: ip-10-42-19-87"),
    at(485, "REMOVED: ip-10-42-19-88"),
    at(486, "REMOVED: ip-10-42-19-91"),
    at(487, "REMOVED: ip-10-42-19-60"),
];
pub const ADDED: [LogRef; 2] = [
    at(488, "ADDED:   ip-10-42-19-201"),
    at(489, "ADDED:   ip-10-42-19-202"),
];

// ---- DaemonSets (section 11) --------------------------------------------------------
pub const DAEMONSETS_MORNING: Stated<&[&str]> = stated(
    &[
        "kube-proxy",
        "calico-node",
        "datadog-agent",
        "fluent-bit",
        "node-exporter",
    ],
    986,
    "(kube-proxy, calico-node, datadog-agent, fluent-bit, node-exporter)",
);
pub const DAEMONSETS_EVENING: Stated<&[&str]> = stated(
    &["kube-proxy", "calico-node", "datadog-agent", "fluent-bit"],
    1000,
    "all DaemonSets running (kube-proxy, calico-node, datadog-agent, fluent-bit)",
);
pub const KAFKA_BROKERS: Stated<u32> = stated(5, 1003, "Kafka — 5 brokers healthy");
pub const KAFKA_NODES_METRICS: Stated<u32> = stated(5, 916, "ASG-Managed Nodes: 5");

// ---- The underutilized nodes (percent of CPU, percent of memory, pods) --------------
pub struct NodeUtilisation {
    pub name: &'static str,
    pub cpu_pct: u32,
    pub memory_pct: u32,
    pub at: LogRef,
}

pub const UNDERUTILIZED: [NodeUtilisation; 4] = [
    NodeUtilisation {
        name: "ip-10-42-19-87",
        cpu_pct: 22,
        memory_pct: 28,
        at: at(163, "ip-10-42-19-87: CPU 22%, Memory 28% — 8 pods"),
    },
    NodeUtilisation {
        name: "ip-10-42-19-88",
        cpu_pct: 18,
        memory_pct: 24,
        at: at(164, "ip-10-42-19-88: CPU 18%, Memory 24% — 6 pods"),
    },
    NodeUtilisation {
        name: "ip-10-42-19-91",
        cpu_pct: 25,
        memory_pct: 31,
        at: at(165, "ip-10-42-19-91: CPU 25%, Memory 31% — 9 pods"),
    },
    NodeUtilisation {
        name: "ip-10-42-19-60",
        cpu_pct: 20,
        memory_pct: 22,
        at: at(189, "with low utilization (CPU 20%, Memory 22%)"),
    },
];

// ---- Section 10: cluster utilisation ------------------------------------------------
pub const CPU_AVG_PCT: Stated<u32> = stated(66, 919, "CPU: avg 66%");
pub const CPU_PEAK_PCT: Stated<u32> = stated(78, 919, "peak 78% (flash sale)");
pub const MEMORY_AVG_PCT: Stated<u32> = stated(58, 920, "Memory: avg 58%");
pub const MEMORY_PEAK_PCT: Stated<u32> = stated(72, 920, "peak 72% (flash sale)");

// ---- Cost ---------------------------------------------------------------------------
pub const MONTHLY_BEFORE: Stated<Usd> = stated(usd(12_800), 215, "(was $12,800/month)");
pub const MONTHLY_AFTER: Stated<Usd> = stated(usd(12_400), 215, "$12,400/month EC2");
pub const SAVINGS_400: Stated<Usd> = stated(usd(400), 216, "Monthly Savings: $400/month");
pub const SAVINGS_400_SLACK: LogRef = at(241, "That's about $400/month savings");
pub const SAVINGS_1065: Stated<Usd> =
    stated(usd(1_065), 531, "\"monthly_savings_estimate\": \"$1,065\"");
pub const SAVINGS_1065_CHECKLIST: LogRef = at(984, "$1,065/month after second consolidation");
pub const M6I_4XL_PRICE: Stated<UsdPerHour> = stated(per_hour(768_000_000), 497, "$0.768/hr each");
pub const M7I_4XL_PRICE: Stated<UsdPerHour> = stated(per_hour(806_400_000), 498, "$0.8064/hr each");
pub const REMOVED_PER_HOUR: Stated<UsdPerHour> =
    stated(per_hour(3_072_000_000), 497, "= $3.072/hr");
pub const ADDED_PER_HOUR: Stated<UsdPerHour> = stated(per_hour(1_612_800_000), 498, "= $1.6128/hr");
pub const NET_PER_HOUR: Stated<UsdPerHour> =
    stated(per_hour(1_459_200_000), 499, "Net Savings: $1.4592/hr");
/// `$1,065.22/month`, in cents.
pub const NET_PER_MONTH_CENTS: Stated<u64> = stated(106_522, 499, "= $1,065.22/month");
pub const CONSERVATIVE_NOTE: LogRef = at(500, "(counted only 1 instance savings)");
pub const ACTION1_SAVINGS_PER_HOUR: Stated<UsdPerHour> =
    stated(per_hour(768_000_000), 167, "Savings: 1 instance ($0.768/hr");
pub const ACTION1_SAVINGS_PER_MONTH: Stated<Usd> = stated(usd(562), 167, "= ~$562/month");
pub const ACTION1_SAVINGS_CONTROLLER: LogRef = at(519, "\"savings\": \"$0.768/hr\"");
pub const ACTION1_SAVINGS_RESULTS: LogRef =
    at(205, "Cost Savings: $0.768/hr (1 fewer m6i.4xlarge)");
pub const OCTOBER_TOTAL: Stated<Usd> = stated(usd(124_200), 1006, "October estimate $124,200");
pub const SEPTEMBER_TOTAL: Stated<Usd> = stated(usd(127_400), 1006, "vs September ($127,400)");
/// `2.5%`, in tenths of a percent.
pub const OCTOBER_REDUCTION_PERMILLE: Stated<u64> = stated(25, 1006, "on track for 2.5% reduction");

// ---- Latency (seconds) --------------------------------------------------------------
pub const CA_AVG_S: Stated<u64> = stated(118, 208, "cluster-autoscaler: 118 seconds average");
pub const CA_PHASES_S: Stated<[u64; 4]> = stated(
    [8, 45, 30, 35],
    209,
    "ASG API call 8s + instance launch 45s + AMI boot 30s + kubelet registration 35s",
);
pub const KARPENTER_AVG_S: Stated<u64> = stated(43, 210, "Karpenter: 43 seconds average");
pub const KARPENTER_PHASES_S: Stated<[u64; 4]> = stated(
    [4, 12, 12, 15],
    211,
    "EC2 Fleet API call 4s + instance launch 12s + AMI boot 12s + kubelet registration 15s",
);
/// `2.7x`, in tenths.
pub const SPEEDUP_TENTHS: Stated<u64> = stated(27, 212, "Speedup: 2.7x faster");
pub const FIRST_LAUNCH_S: Stated<u64> = stated(44, 130, "Provisioning Time: 44 seconds");
pub const FIRST_FOUND: Stated<&str> = stated(
    "07:15:31",
    510,
    "[07:15:31Z] controller/provisioner INFO  \"found pending pod\"",
);
pub const FIRST_READY: Stated<&str> = stated(
    "07:16:16",
    513,
    "[07:16:16Z] controller/provisioner INFO  \"node registered\"",
);
pub const SECOND_LAUNCH_S: Stated<u64> = stated(
    42,
    136,
    "Total Time: 42 seconds from pending pod to Running",
);
pub const SECOND_FOUND: Stated<&str> = stated(
    "08:05:01",
    514,
    "[08:05:01Z] controller/provisioner INFO  \"found pending pods\"",
);
pub const SECOND_PACKED: Stated<&str> = stated(
    "08:05:45",
    517,
    "[08:05:45Z] controller/provisioner INFO  \"bin-packed 3 pods onto 1 node\"",
);
pub const TEST_LAUNCH_SLACK_S: Stated<u64> = stated(44, 244, "44 seconds for a new m7i.2xlarge");
pub const TEST_LAUNCH_CHECKLIST_S: Stated<u64> =
    stated(43, 988, "43 second node provision for new m7i.2xlarge");

// ---- Launches -----------------------------------------------------------------------
pub const FIRST_PENDING: LogRef = at(
    129,
    "Karpenter picked up pending pod request for analytics-batch-processor",
);
pub const FIRST_TYPE: LogRef = at(
    131,
    "Instance Selected: m7i.2xlarge (Karpenter chose newer generation for better price-performance)",
);
pub const FIRST_CAPACITY: LogRef = at(
    511,
    "\"instance_type\": \"m7i.2xlarge\", \"zone\": \"us-east-1b\", \"capacity_type\": \"on-demand\"",
);
pub const FIRST_SLACK: LogRef = at(
    229,
    "it chose m7i instead of m6i — better price-performance ratio",
);
pub const FIRST_NODE: LogRef = at(512, "\"node\": \"ip-10-42-19-195\"");
pub const SECOND_PENDING: LogRef = at(
    514,
    "\"count\": 3, \"total_cpu_request\": \"12000m\", \"total_memory_request\": \"48Gi\"",
);
pub const SECOND_TYPE: LogRef = at(
    135,
    "Instance: m7i.4xlarge (consolidating what cluster-autoscaler would have done as 2 smaller nodes)",
);
pub const SECOND_CAPACITY: LogRef = at(
    515,
    "\"instance_type\": \"m7i.4xlarge\", \"zone\": \"us-east-1a\", \"capacity_type\": \"on-demand\"",
);
pub const SECOND_SLACK: LogRef = at(
    231,
    "It's consolidating what cluster-autoscaler would have split across 2 smaller nodes",
);
pub const SECOND_NODE: LogRef = at(516, "\"node\": \"ip-10-42-19-197\"");
pub const SECOND_UTILISATION: LogRef = at(
    517,
    "\"cpu_utilization\": \"75%\", \"memory_utilization\": \"75%\"",
);
pub const CA_FIXED_TYPE: LogRef = at(
    198,
    "Instance Selection: Fixed per node group (m6i.4xlarge only for general)",
);
pub const CA_SPOT_EVENT: LogRef = at(
    139,
    "[09:15:00Z] Cluster-autoscaler handled 1 scale event (spot pool)",
);
pub const KARPENTER_0916: LogRef = at(
    140,
    "[09:16:00Z] Karpenter handled 2 scale events (general pool)",
);
pub const PROVISIONED_24H: Stated<u32> = stated(3, 923, "Nodes Provisioned (24h): 3");
pub const TERMINATED_24H: Stated<u32> = stated(
    5,
    924,
    "Nodes Terminated (24h): 5 (3 consolidation + 2 replaced with better-fit instances)",
);
pub const TEST_LAUNCH: LogRef = at(244, "Node provisioning tested with a manual scale event");

// ---- Consolidation ------------------------------------------------------------------
pub const EVALUATED_1030: Stated<u32> = stated(36, 159, "Analysis: 36 nodes evaluated");
pub const CONTROLLER_1030: LogRef = at(518, "{\"total_nodes\": 36, \"karpenter_managed\": 23}");
pub const ACTIVATED_1030: LogRef = at(158, "[10:30:00Z] Karpenter consolidation engine activated");
pub const ACTION1: LogRef = at(166, "Action: Replace 3x m6i.4xlarge with 2x m7i.4xlarge");
pub const ACTION1_CONTROLLER: LogRef = at(
    519,
    "\"action\": \"replace\", \"removing\": [\"ip-10-42-19-87\", \"ip-10-42-19-88\", \"ip-10-42-19-91\"], \"adding\": 2",
);
pub const ACTION1_SLACK: LogRef = at(238, "is replacing them with 2 m7i.4xlarge");
/// Drain start and termination of each node of action 1, `HH:MM:SS`.
pub const DRAINS: [(&str, &str, &str, LogRef, LogRef); 3] = [
    (
        "ip-10-42-19-87",
        "10:32:58",
        "10:35:40",
        at(173, "[10:32:58Z] Drain started on first underutilized node"),
        at(179, "[10:35:40Z] First node terminated"),
    ),
    (
        "ip-10-42-19-88",
        "10:36:00",
        "10:38:30",
        at(
            180,
            "[10:36:00Z] Second node drain started (ip-10-42-19-88)",
        ),
        at(181, "[10:38:30Z] Second node terminated"),
    ),
    (
        "ip-10-42-19-91",
        "10:39:00",
        "10:41:45",
        at(182, "[10:39:00Z] Third node drain started (ip-10-42-19-91)"),
        at(183, "[10:41:45Z] Third node terminated"),
    ),
];
pub const DRAIN_DURATION_87: LogRef = at(177, "Drain Duration: 2 minutes 42 seconds");
/// `pods_to_evict` per drained node.
pub const PODS_TO_EVICT: [(&str, u32, LogRef); 4] = [
    (
        "ip-10-42-19-87",
        8,
        at(522, "{\"node\": \"ip-10-42-19-87\", \"pods_to_evict\": 8}"),
    ),
    (
        "ip-10-42-19-88",
        6,
        at(524, "{\"node\": \"ip-10-42-19-88\", \"pods_to_evict\": 6}"),
    ),
    (
        "ip-10-42-19-91",
        9,
        at(526, "{\"node\": \"ip-10-42-19-91\", \"pods_to_evict\": 9}"),
    ),
    (
        "ip-10-42-19-60",
        4,
        at(529, "{\"node\": \"ip-10-42-19-60\", \"pods_to_evict\": 4}"),
    ),
];
pub const ACTION2: LogRef = at(
    528,
    "\"action\": \"delete\", \"removing\": [\"ip-10-42-19-60\"], \"adding\": 0",
);
pub const NET_RESULT: LogRef = at(186, "Net Result: 36 nodes reduced to 35, then to 34");
pub const NODES_AFTER: Stated<u32> = stated(
    34,
    214,
    "Current Node Count Post-Consolidation: 34 nodes (was 36)",
);
pub const NODES_METRICS: LogRef = at(
    913,
    "Nodes: 34 (reduced from 36 via Karpenter consolidation)",
);
pub const NODES_SLACK_1042: Stated<u32> = stated(35, 239, "Cluster at 35 nodes");
pub const SAVED_A_NODE_1000: LogRef = at(233, "Consolidation already saved us a node.");
pub const CONSOLIDATION_EVENTS: Stated<u32> = stated(2, 926, "Consolidation Events: 2");
pub const CONSOLIDATION_EVENTS_CHECKLIST: LogRef =
    at(1001, "(2 consolidation events total for the day)");

// ---- NodePools ----------------------------------------------------------------------
pub const MIN_AVAILABLE: [LogRef; 3] = [
    at(57, "minAvailable: 80%"),
    at(78, "minAvailable: 80%"),
    at(
        234,
        "I've set minAvailable=80% on the default NodePool disruption policy to be safe.",
    ),
];
pub const CONSOLIDATE_AFTER: [LogRef; 4] = [
    at(56, "consolidateAfter: 30s"),
    at(77, "consolidateAfter: 60s"),
    at(574, "consolidateAfter: 30s"),
    at(610, "consolidateAfter: 60s"),
];
pub const POLICY_LINES: [LogRef; 2] = [
    at(55, "consolidationPolicy: WhenUnderutilized"),
    at(76, "consolidationPolicy: WhenUnderutilized"),
];
pub const MEMORY_WEIGHTS: [(u32, LogRef); 4] = [
    (50, at(79, "Weight: 50")),
    (100, at(612, "weight: 100")),
    (0, at(119, "memory-optimized: Created (weight=0, inactive)")),
    (100, at(143, "[10:00:00Z] Set memory-optimized weight=100")),
];
pub const SHARE_STEPS: [(u32, &str, LogRef); 4] = [
    (
        25,
        "07:15",
        at(128, "weight=25 (Karpenter handles 25% of new provisioning)"),
    ),
    (50, "08:00", at(133, "weight=50 (50/50 split)")),
    (75, "09:00", at(138, "weight=75 (Karpenter primary)")),
    (100, "10:00", at(142, "weight=100 (Karpenter fully active)")),
];

// ---- Outside the node model ---------------------------------------------------------
pub const REDIS_NODES_TYPE: LogRef = at(
    769,
    "Instance: Kubernetes pods on r6i.2xlarge nodes (8 vCPU, 64 GiB)",
);
pub const REDIS_UPSIZE: LogRef = at(795, "Upsize to r6g.4xlarge (128 GiB per node)");
pub const REDIS_UPSIZE_COST: Stated<u64> = stated(
    200,
    796,
    "Cost Increase: ~$200/month per node (6 nodes = $1,200/month)",
);
pub const REDIS_UPSIZE_NODES: u32 = 6;
pub const BF_SESSIONS_THOUSANDS: Stated<u64> = stated(
    4_800,
    788,
    "Expected Memory per Primary: 4.8M * 4.8 KB / 3 primaries = 7.68 GB per primary",
);
/// Measured used memory per primary at 2.4M sessions, in tenths of a GB (L300-L302).
pub const FLASH_USED_DECI_GB: [(u64, LogRef); 3] = [
    (262, at(300, "Primary-0: 26.2 GB / 28 GB")),
    (261, at(301, "Primary-1: 26.1 GB / 28 GB")),
    (258, at(302, "Primary-2: 25.8 GB / 28 GB")),
];
pub const FLASH_SESSIONS: LogRef = at(344, "Peak Active Sessions During Incident: 2.4M");
pub const REVENUE: LogRef = at(
    332,
    "Estimated $4,800 in abandoned carts (based on avg cart value $42, 50% recovery rate, 1,200 affected * 0.5 * $42 * 0.19 margin)",
);
pub const EVICTIONS_BY_MINUTE: [(u64, LogRef); 4] = [
    (120, at(336, "12:05 - 12:06: 120 sessions evicted")),
    (240, at(337, "12:06 - 12:07: 240 sessions evicted")),
    (360, at(338, "12:07 - 12:08: 360 sessions evicted")),
    (480, at(339, "12:08 - 12:09: 480 sessions evicted")),
];
pub const EVICTION_RATE_1208: Stated<u64> = stated(840, 293, "Eviction Rate: 840/sec");
pub const EVICTED_KEYS: [(u64, LogRef); 3] = [
    (412, at(661, "evicted_keys: 412 (cumulative since restart)")),
    (486, at(674, "evicted_keys: 486 (cumulative since restart)")),
    (302, at(687, "evicted_keys: 302 (cumulative since restart)")),
];
