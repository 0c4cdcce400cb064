//! Whole runs: the seed day and a small busy day keep their invariants, are
//! deterministic, and give the same results whether idle polls are skipped or not.

mod common;

use std::path::Path;

fn load(rel: &str) -> scenario::Loaded {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    scenario::load(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn run(loaded: &scenario::Loaded, poll_every_tick: bool) -> engine::output::RunOutput {
    engine::run(
        &loaded.scenario,
        engine::RunOptions {
            check_invariants: true,
            poll_every_tick,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn seed_day_runs_with_invariants_checked() {
    let out = run(&load("../../scenarios/cutover.toml"), false);
    let s = &out.summary;
    // Section 4 of the log: 36 nodes at 06:50.
    assert_eq!(s.nodes_start, 36);
    assert!(s.incomplete.is_none());
    // Every timeline step of the log is in the event log.
    assert_eq!(
        out.events
            .iter()
            .filter(|e| e.kind == engine::output::EventKind::Timeline)
            .count(),
        6
    );
}

#[test]
fn small_day_exercises_every_controller() {
    let out = run(&load("tests/scenarios/small-day.toml"), false);
    let s = &out.summary;
    assert!(s.nodes_launched[0] > 0, "Karpenter launched nothing: {s:?}");
    assert!(
        s.nodes_launched[1] > 0,
        "cluster-autoscaler launched nothing: {s:?}"
    );
    assert!(
        out.decisions
            .iter()
            .any(|d| d.outcome == "deleted" || d.outcome == "replaced"),
        "no consolidation happened"
    );
    assert!(s.nodes_terminated > 0);
    assert_eq!(s.pods_pending_at_end, 0);
    // Billing: every node costs at least its 60-second minimum.
    for n in &out.nodes {
        assert!(
            n.cost.0 >= n.price.cost_for_millis(60_000).0,
            "{} billed below the minimum",
            n.name
        );
    }
}

#[test]
fn same_scenario_and_seed_give_identical_output() {
    let loaded = load("tests/scenarios/small-day.toml");
    let a = run(&loaded, false);
    let b = run(&loaded, false);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

/// Everything but the count of processed events (polling processes more) is identical.
fn assert_skipping_matches_polling(
    skipping: &engine::output::RunOutput,
    polling: &engine::output::RunOutput,
) {
    if let Some(what) = common::skip_poll_difference(skipping, polling) {
        panic!("{what}");
    }
    assert!(polling.summary.events > skipping.summary.events);
}

#[test]
fn skipping_idle_polls_changes_nothing() {
    let loaded = load("tests/scenarios/small-day.toml");
    assert_skipping_matches_polling(&run(&loaded, false), &run(&loaded, true));
}

/// A whole day of `synthetic-10k`: 24 hours of launches, nominations, pods created while
/// nodes boot, and consolidation, each of which a skipped pass must notice (while
/// nominations did not mark the cluster unconsolidated, the two runs parted at 13:11).
/// Invariants are off: smaller days check them, and with them the two runs take a minute
/// in release instead of five seconds (a debug build checks them anyway).
#[test]
fn skipping_idle_polls_changes_nothing_over_a_whole_synthetic_day() {
    let loaded = load("../../scenarios/synthetic-10k.toml");
    let run = |poll_every_tick| {
        engine::run(
            &loaded.scenario,
            engine::RunOptions {
                poll_every_tick,
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert_skipping_matches_polling(&run(false), &run(true));
}

#[test]
fn a_run_over_its_pod_cap_stops_with_a_clear_message() {
    let mut loaded = load("tests/scenarios/small-day.toml");
    loaded.scenario.limits.max_pods = 20;
    let out = run(&loaded, false);
    let why = out
        .summary
        .incomplete
        .as_deref()
        .expect("the run is marked incomplete");
    assert!(why.contains("max_pods = 20"), "{why}");
    assert!(
        out.events
            .iter()
            .any(|e| e.kind == engine::output::EventKind::RunStopped)
    );
}

/// The log's reading of weight as a share: with the share at 0 only cluster-autoscaler
/// provisions; at 50 % both do; with Karpenter's real semantics Karpenter wins the race.
#[test]
fn provisioning_share_routes_new_pods_between_the_autoscalers() {
    let base = r#"
format = 1
[cluster]
zones = ["us-east-1a", "us-east-1b"]
start = "2025-10-16T06:00:00Z"
duration = "2h"
seed = 11
[karpenter]
version = "v1"
[cutover]
semantics = "provisioning_share"
share_follows = "general"
[[nodepools]]
name = "general"
weight = WEIGHT
requirements = [{ key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["m6i"] }, { key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] }]
[nodepools.disruption]
consolidationPolicy = "WhenEmpty"
consolidateAfter = "Never"
[[node_groups]]
name = "legacy"
instance_type = "m6i.xlarge"
min = 0
max = 50
[[workloads]]
name = "web"
replicas = 0
requests = { cpu = "500m", memory = "1Gi" }
schedule = { points = [{ at = "06:10", replicas = 120 }] }
"#;
    let launched = |weight: &str, semantics: &str| {
        let text = base
            .replace("WEIGHT", weight)
            .replace("\"provisioning_share\"", semantics)
            .replace(
                "share_follows = \"general\"\n",
                if semantics.contains("karpenter") {
                    ""
                } else {
                    "share_follows = \"general\"\n"
                },
            );
        let loaded =
            scenario::parse_str("share.toml", &text).unwrap_or_else(|d| panic!("{}", d[0]));
        let out = engine::run(
            &loaded.scenario,
            engine::RunOptions {
                check_invariants: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.summary.pods_pending_at_end, 0);
        (out.summary.nodes_launched[0], out.summary.nodes_launched[1])
    };
    let (k0, ca0) = launched("0", "\"provisioning_share\"");
    assert_eq!(k0, 0, "share 0: Karpenter provisions nothing");
    assert!(ca0 > 0);
    let (k50, ca50) = launched("50", "\"provisioning_share\"");
    assert!(
        k50 > 0 && ca50 > 0,
        "share 50%: both provision ({k50} Karpenter, {ca50} CA nodes)"
    );
    let (kk, _) = launched("50", "\"karpenter\"");
    assert!(
        kk > 0,
        "real semantics: Karpenter's 1 s batch beats the 10 s scan"
    );
}

#[test]
fn the_alibaba_trace_day_runs_every_trace_pod_once() {
    let out = run(&load("../../scenarios/alibaba-gpu-day.toml"), false);
    let s = &out.summary;
    assert_eq!(s.pods_pending_at_end, 0);
    let finished = out
        .events
        .iter()
        .filter(|e| e.kind == engine::output::EventKind::PodCompleted)
        .count();
    let running_at_end = out.samples.last().unwrap().pods_running as usize;
    // 720 rows, each one pod, none evicted (doNotDisrupt): every pod either finished or
    // is still running when the day ends.
    assert_eq!(
        finished + running_at_end,
        720,
        "{finished} finished, {running_at_end} running"
    );
    assert!(
        finished > 600,
        "most trace pods end within the day: {finished}"
    );
    // GPU pods only fit the GPU pool's types.
    assert!(out.nodes.iter().any(|n| n.owner == "gpu"));
}

#[test]
fn cluster_traffic_multiplies_the_workloads_that_follow_it() {
    let text = |traffic: &str| {
        format!(
            "format = 1\n[cluster]\nstart = \"2025-10-16T00:00:00Z\"\nduration = \"1h\"\n{traffic}\n\
             [[nodepools]]\nname = \"default\"\n\
             [[workloads]]\nname = \"web\"\nreplicas = 10\nrequests = {{ cpu = \"100m\" }}\n\
             [[workloads]]\nname = \"fixed\"\nreplicas = 4\nrequests = {{ cpu = \"100m\" }}\n\
             schedule = {{ follows_traffic = false }}\n"
        )
    };
    let pods_at_end = |traffic: &str| {
        let loaded = scenario::parse_str("traffic.toml", &text(traffic)).unwrap();
        let out = run(&loaded, false);
        let last = out.samples.last().unwrap();
        last.pods_running + last.pods_pending
    };
    assert_eq!(pods_at_end(""), 14);
    // web: 10 × 1.5; fixed does not follow traffic.
    assert_eq!(pods_at_end("traffic = 1.5"), 19);
    let bad = scenario::parse_str("traffic.toml", &text("traffic = -1")).unwrap_err();
    assert!(
        bad[0]
            .to_string()
            .contains("traffic -1 is outside 0..=1000"),
        "{}",
        bad[0]
    );
}
