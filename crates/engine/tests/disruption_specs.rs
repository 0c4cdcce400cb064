//! Consolidation and disruption expectations ported from Karpenter's own suite
//! (`kubernetes-sigs/karpenter: pkg/controllers/disruption/*_test.go`). Each test names the
//! spec it mirrors. The cluster is built from scenario text: inventory nodes owned by a
//! NodePool, pods pinned to them with `placement`, then an hour of simulated time.

mod common;

use engine::output::RunOutput;

const HEAD: &str = r#"
format = 1
[cluster]
zones = ["us-east-1a"]
start = "2025-10-16T06:00:00Z"
duration = "1h"
[karpenter]
version = "v1"
"#;

fn pool(disruption: &str) -> String {
    format!(
        r#"
[[nodepools]]
name = "default"
requirements = [
  {{ key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] }},
  {{ key = "karpenter.k8s.aws/instance-family", operator = "In", values = ["m5"] }},
]
[nodepools.disruption]
{disruption}
"#
    )
}

fn nodes(owner: &str, ty: &str, names: &[&str]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!(
        "\n[[nodes]]\nowner = \"{owner}\"\ninstance_type = \"{ty}\"\nnames = [{}]\n",
        list.join(", ")
    )
}

fn pinned(name: &str, cpu: &str, on: &[&str], extra: &str) -> String {
    let list: Vec<String> = on.iter().map(|n| format!("\"{n}\"")).collect();
    format!(
        "\n[[workloads]]\nname = \"{name}\"\nreplicas = {}\nrequests = {{ cpu = \"{cpu}\", memory = \"256Mi\" }}\nplacement = [{}]\n{extra}\n",
        on.len(),
        list.join(", ")
    )
}

fn run(text: &str) -> RunOutput {
    common::run_text("spec.toml", text)
}

fn terminated(out: &RunOutput, node: &str) -> bool {
    out.nodes
        .iter()
        .any(|n| n.name == node && n.terminated_at.is_some())
}

const WHEN_UNDERUTILIZED: &str =
    "consolidationPolicy = \"WhenEmptyOrUnderutilized\"\nconsolidateAfter = \"0s\"";

// emptiness_test.go: "should delete empty nodes" — and replaces nothing.
#[test]
fn deletes_empty_nodes() {
    let text = format!(
        "{HEAD}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.large", &["empty-1"])
    );
    let out = run(&text);
    assert!(terminated(&out, "empty-1"));
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "empty-1" && d.method == "Emptiness" && d.outcome == "deleted")
    );
    assert_eq!(
        out.summary.nodes_launched[0], 0,
        "an empty node needs no replacement"
    );
}

// emptiness_test.go: "should wait for the node to be consolidatable" (consolidateAfter).
#[test]
fn waits_for_consolidate_after() {
    let text = format!(
        "{HEAD}{}{}",
        pool("consolidationPolicy = \"WhenEmpty\"\nconsolidateAfter = \"20m\""),
        nodes("default", "m5.large", &["empty-1"])
    );
    let out = run(&text);
    let n = out.nodes.iter().find(|n| n.name == "empty-1").unwrap();
    let t = n
        .terminated_at
        .expect("deleted once consolidateAfter elapsed");
    assert!(
        t.since(out.summary.start).0 >= 20 * 60_000,
        "deleted at {t}, before consolidateAfter"
    );
}

// consolidation_test.go: "should not consolidate if consolidateAfter is Never".
#[test]
fn consolidate_after_never_disables_consolidation() {
    let text = format!(
        "{HEAD}{}{}",
        pool("consolidationPolicy = \"WhenEmptyOrUnderutilized\"\nconsolidateAfter = \"Never\""),
        nodes("default", "m5.large", &["empty-1"])
    );
    let out = run(&text);
    assert!(!terminated(&out, "empty-1"));
}

// consolidation_test.go: "can delete nodes if pods can fit on other nodes".
#[test]
fn deletes_a_node_whose_pods_fit_elsewhere() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.xlarge", &["big-1", "big-2"]),
        pinned("web", "500m", &["big-1", "big-2"], "")
    );
    let out = run(&text);
    // One node is deleted outright (N → 0); the survivor may then be replaced by a cheaper
    // size, which is the next consolidation, not this one.
    assert!(
        out.decisions
            .iter()
            .any(|d| d.outcome == "deleted" && d.reason.contains("fit on other nodes")),
        "no delete decision"
    );
    assert_eq!(out.summary.pods_pending_at_end, 0);
    assert_eq!(
        out.nodes
            .iter()
            .filter(|n| n.terminated_at.is_none())
            .count(),
        1
    );
}

// consolidation_test.go: "can replace node" — a larger node with little on it is replaced
// by a cheaper one.
#[test]
fn replaces_an_oversized_node_with_a_cheaper_one() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.4xlarge", &["huge-1"]),
        pinned("web", "500m", &["huge-1"], "")
    );
    let out = run(&text);
    assert!(terminated(&out, "huge-1"));
    let replacement = out
        .nodes
        .iter()
        .find(|n| n.launched_at > out.summary.start)
        .expect("a replacement was launched");
    let huge = out.nodes.iter().find(|n| n.name == "huge-1").unwrap();
    assert!(
        replacement.price < huge.price,
        "{} is not cheaper than {}",
        replacement.price,
        huge.price
    );
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "huge-1" && d.outcome == "replaced")
    );
}

/// One m5.large (the pool's cheapest type) with a pod that fills most of it: nothing
/// cheaper can replace it and its pod fits nowhere else.
fn cheapest_node_nearly_full() -> String {
    format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.large", &["small-1"]),
        pinned("web", "1200m", &["small-1"], "")
    )
}

// consolidation_test.go: "should not replace node if a cheaper node is not available"
// (the cheapest type already; same price does not consolidate).
#[test]
fn keeps_a_node_when_no_replacement_is_cheaper() {
    let out = run(&cheapest_node_nearly_full());
    assert!(!terminated(&out, "small-1"));
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "small-1" && d.reason.contains("no cheaper replacement"))
    );
}

// consolidation_test.go: "should not consolidate if the node has a do-not-disrupt pod".
#[test]
fn do_not_disrupt_pods_protect_their_node() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.4xlarge", &["huge-1"]),
        pinned("web", "500m", &["huge-1"], "doNotDisrupt = true")
    );
    let out = run(&text);
    assert!(!terminated(&out, "huge-1"));
}

// consolidation_test.go: "should not consolidate if it would violate a PDB".
#[test]
fn a_blocking_pdb_protects_the_node() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.4xlarge", &["huge-1"]),
        pinned("web", "500m", &["huge-1"], "pdb = { maxUnavailable = 0 }")
    );
    let out = run(&text);
    assert!(!terminated(&out, "huge-1"));
}

// budgets: "should round up percentages" — 10% of 3 nodes allows 1 at a time, so three
// idle nodes are consolidated one by one, never together.
#[test]
fn a_ten_percent_budget_of_three_nodes_allows_one() {
    let names = ["a-1", "a-2", "a-3"];
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.xlarge", &names),
        pinned("web", "1", &names, "")
    );
    let out = run(&text);
    assert!(
        out.decisions
            .iter()
            .any(|d| d.outcome == "blocked" && d.reason.contains("budget [10%]"))
    );
    assert!(
        !out.decisions
            .iter()
            .any(|d| d.method == "MultiNodeConsolidation" && d.outcome != "blocked")
    );
}

// budgets: "should not allow any disruption with a budget of 0 nodes".
#[test]
fn a_zero_budget_blocks_disruption() {
    let text = format!(
        "{HEAD}{}{}",
        pool(&format!(
            "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"0\" }}]"
        )),
        nodes("default", "m5.large", &["empty-1", "empty-2"])
    );
    let out = run(&text);
    assert!(!terminated(&out, "empty-1") && !terminated(&out, "empty-2"));
    assert!(
        out.decisions
            .iter()
            .any(|d| d.outcome == "blocked" && d.reason.contains("budget"))
    );
}

// budgets: "should only allow the budgeted number of empty nodes to be disrupted at once".
#[test]
fn a_count_budget_caps_concurrent_disruption() {
    let names = ["e-1", "e-2", "e-3", "e-4"];
    let text = format!(
        "{HEAD}{}{}",
        pool(&format!(
            "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"1\" }}]"
        )),
        nodes("default", "m5.large", &names)
    );
    let out = run(&text);
    let mut times: Vec<_> = out.nodes.iter().filter_map(|n| n.terminated_at).collect();
    times.sort();
    assert_eq!(times.len(), 4, "all empty nodes go eventually");
    assert!(
        times.windows(2).all(|w| w[0] != w[1]),
        "one at a time under a budget of 1: {times:?}"
    );
}

// consolidation_test.go: "should ignore nodes without a nodepool" — Karpenter only
// disrupts nodes it launched (the seed log's consolidated nodes were cluster-autoscaler's).
#[test]
fn nodes_of_other_autoscalers_are_never_candidates() {
    let text = format!(
        "{HEAD}{}\n[[node_groups]]\nname = \"legacy\"\ninstance_type = \"m5.4xlarge\"\nautoscaler = \"none\"\n{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("legacy", "m5.4xlarge", &["asg-1"]),
        pinned("web", "500m", &["asg-1"], "")
    );
    let out = run(&text);
    assert!(!terminated(&out, "asg-1"));
    assert!(out.decisions.iter().all(|d| &*d.node != "asg-1"));
}

// consolidation_test.go: "WhenEmpty: should not consolidate underutilized nodes".
#[test]
fn when_empty_ignores_underutilized_nodes() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool("consolidationPolicy = \"WhenEmpty\"\nconsolidateAfter = \"0s\""),
        nodes("default", "m5.4xlarge", &["huge-1"]),
        pinned("web", "500m", &["huge-1"], "")
    );
    let out = run(&text);
    assert!(!terminated(&out, "huge-1"));
}

// multinodeconsolidation: "can merge 3 nodes into 1".
#[test]
fn merges_several_nodes_into_one() {
    let names = ["a-1", "a-2", "a-3"];
    // A 100% budget, so all three may go at once (10% of 3 rounds up to 1).
    let text = format!(
        "{HEAD}{}{}{}",
        pool(&format!(
            "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"100%\" }}]"
        )),
        nodes("default", "m5.xlarge", &names),
        pinned("web", "1", &names, "pdb = { maxUnavailable = 3 }")
    );
    let out = run(&text);
    assert!(
        names.iter().all(|n| terminated(&out, n)),
        "{:?}",
        out.decisions
            .iter()
            .map(|d| (&d.node, &d.outcome, &d.reason))
            .collect::<Vec<_>>()
    );
    let alive: Vec<_> = out
        .nodes
        .iter()
        .filter(|n| n.terminated_at.is_none())
        .collect();
    assert_eq!(alive.len(), 1, "three 1-CPU pods end up on one node");
    assert!(
        out.decisions
            .iter()
            .any(|d| d.method == "MultiNodeConsolidation")
    );
}

// consolidation_test.go: "spot to spot consolidation is disabled without the feature gate".
#[test]
fn spot_nodes_are_not_replaced_without_the_gate() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED).replace("values = [\"on-demand\"]", "values = [\"spot\"]"),
        nodes("default", "m5.4xlarge", &["spot-1"])
            .replace("names =", "capacity_type = \"spot\"\nnames ="),
        pinned("web", "500m", &["spot-1"], "")
    );
    let out = run(&text);
    assert!(!terminated(&out, "spot-1"));
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "spot-1" && d.reason.contains("SpotToSpotConsolidation"))
    );
}

// interruption/suite_test.go: "should delete the NodeClaim when a spot interruption warning
// is received" — and the pods are rescheduled before the instance goes.
#[test]
fn spot_interruption_notices_drain_karpenter_nodes() {
    let text = format!(
        "{HEAD}\n[spot]\ninterruptions = true\nrate_multiplier = 20000\n{}{}{}",
        pool(WHEN_UNDERUTILIZED).replace("values = [\"on-demand\"]", "values = [\"spot\"]"),
        nodes("default", "m5.xlarge", &["spot-1", "spot-2"])
            .replace("names =", "capacity_type = \"spot\"\nnames ="),
        pinned("web", "1", &["spot-1", "spot-2"], "")
    );
    let out = run(&text);
    let notices: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == engine::output::EventKind::SpotInterruption)
        .collect();
    assert!(
        !notices.is_empty(),
        "at 20,000x the published rate some spot node is interrupted within the hour"
    );
    for n in &notices {
        let node = out
            .nodes
            .iter()
            .find(|r| Some(&r.name) == n.node.as_ref())
            .unwrap();
        let gone = node
            .terminated_at
            .expect("an interrupted node is terminated");
        assert!(
            gone.since(n.t).0 <= 120_000,
            "terminated within the two-minute notice"
        );
    }
    assert_eq!(
        out.summary.pods_pending_at_end, 0,
        "the evicted pods found new nodes"
    );
}

// ---------------------------------------------------------------------------------------
// Drain: Karpenter's terminator (`pkg/controllers/node/termination/suite_test.go`, v1.0.0).
// `kubectl delete node` on a Karpenter node is the timeline's `delete_node`.

fn delete_at(node: &str, at: &str) -> String {
    format!("\n[[timeline]]\nat = \"{at}\"\naction = \"delete_node\"\nnode = \"{node}\"\n")
}

/// How the engine marks a pod removed without the Eviction API (`lifecycle.rs: FORCED`).
const FORCED: &str = "forced: ";

const NO_CONSOLIDATION: &str =
    "consolidationPolicy = \"WhenEmptyOrUnderutilized\"\nconsolidateAfter = \"Never\"";

fn at_offset(out: &RunOutput, secs: u64) -> model::SimTime {
    out.summary
        .start
        .saturating_add(model::SimDuration::from_secs(secs))
}

fn evictions<'a>(out: &'a RunOutput, prefix: &str) -> Vec<&'a engine::output::EventRecord> {
    out.events
        .iter()
        .filter(|e| {
            e.kind == engine::output::EventKind::PodEvicted
                && e.pod.as_deref().is_some_and(|p| p.starts_with(prefix))
        })
        .collect()
}

// termination suite_test.go: "should fail to evict pods that violate a PDB" — the node
// stays draining while the eviction is refused and retried.
#[test]
fn a_pdb_that_allows_nothing_keeps_the_node_draining() {
    let text = format!(
        "{HEAD}{}{}{}{}",
        pool(NO_CONSOLIDATION),
        nodes("default", "m5.large", &["n-1"]),
        pinned("web", "500m", &["n-1"], "pdb = { minAvailable = 1 }"),
        delete_at("n-1", "+5m")
    );
    let out = run(&text);
    assert!(
        !terminated(&out, "n-1"),
        "a refused eviction blocks the drain"
    );
    assert!(evictions(&out, "web").is_empty());
    assert!(
        out.events
            .iter()
            .any(|e| e.kind == engine::output::EventKind::NodeDraining
                && e.message.contains("eviction refused (429)"))
    );
}

// termination suite_test.go: "should fail to evict pods that violate a PDB" (retried) and
// eviction.go's back-off: once the first pod's replacement runs elsewhere, the refused
// eviction succeeds on its first retry, 100 ms later.
#[test]
fn a_refused_eviction_is_retried_after_the_queue_back_off() {
    let text = format!(
        "{HEAD}{}{}{}{}",
        pool(NO_CONSOLIDATION),
        nodes("default", "m5.xlarge", &["n-1", "n-2"]),
        pinned(
            "web",
            "500m",
            &["n-1", "n-1"],
            "pdb = { maxUnavailable = 1 }"
        ),
        delete_at("n-1", "+5m")
    );
    let out = run(&text);
    let evicted = evictions(&out, "web");
    assert_eq!(evicted.len(), 2, "{evicted:?}");
    assert_eq!(evicted[0].t, at_offset(&out, 300));
    assert_eq!(
        evicted[1].t.since(evicted[0].t).0,
        100,
        "first retry after 100 ms"
    );
    assert!(evicted[1].message.contains("after 1 refused attempts"));
    let n1 = out.nodes.iter().find(|n| n.name == "n-1").unwrap();
    assert_eq!(
        n1.terminated_at,
        Some(
            evicted[1]
                .t
                .saturating_add(model::SimDuration::from_secs(30))
        ),
        "terminated once the last evicted pod's 30 s grace period ends"
    );
    assert_eq!(out.summary.pods_pending_at_end, 0);
}

// termination suite_test.go: "should preemptively delete pods to satisfy their
// terminationGracePeriodSeconds" — a do-not-disrupt pod whose grace period is the whole
// terminationGracePeriod is deleted at once, and the node goes at the deadline.
#[test]
fn termination_grace_period_deletes_do_not_disrupt_pods_preemptively() {
    let text = format!(
        "{HEAD}{}{}{}{}",
        pool(NO_CONSOLIDATION).replace(
            "[nodepools.disruption]",
            "terminationGracePeriod = \"5m\"\n[nodepools.disruption]"
        ),
        nodes("default", "m5.large", &["n-1"]),
        pinned(
            "web",
            "500m",
            &["n-1"],
            "doNotDisrupt = true\nterminationGracePeriodSeconds = 300"
        ),
        delete_at("n-1", "+5m")
    );
    let out = run(&text);
    let evicted = evictions(&out, "web");
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].t, at_offset(&out, 300));
    assert!(
        evicted[0].message.starts_with(FORCED),
        "{}",
        evicted[0].message
    );
    let n1 = out.nodes.iter().find(|n| n.name == "n-1").unwrap();
    assert_eq!(n1.terminated_at, Some(at_offset(&out, 600)));
}

// termination suite_test.go: "should only delete pods when their
// terminationGracePeriodSeconds is less than the node's remaining terminationGracePeriod"
// — a 60 s pod under a 300 s terminationGracePeriod is deleted 240 s into the drain.
#[test]
fn termination_grace_period_deletes_pods_at_deadline_minus_their_grace() {
    let text = format!(
        "{HEAD}{}{}{}{}",
        pool(NO_CONSOLIDATION).replace(
            "[nodepools.disruption]",
            "terminationGracePeriod = \"5m\"\n[nodepools.disruption]"
        ),
        nodes("default", "m5.large", &["n-1"]),
        pinned(
            "web",
            "500m",
            &["n-1"],
            "doNotDisrupt = true\nterminationGracePeriodSeconds = 60"
        ),
        delete_at("n-1", "+5m")
    );
    let out = run(&text);
    let evicted = evictions(&out, "web");
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].t, at_offset(&out, 300 + 240));
    let n1 = out.nodes.iter().find(|n| n.name == "n-1").unwrap();
    assert_eq!(n1.terminated_at, Some(at_offset(&out, 600)));
}

// v1 (`IsEvictable` skips do-not-disrupt pods): without a terminationGracePeriod the
// drain waits for the pod for ever; v0.37 evicted it like any other pod.
#[test]
fn do_not_disrupt_pods_block_a_v1_drain_but_not_a_v0_37_one() {
    let body = format!(
        "{}{}{}{}",
        pool(NO_CONSOLIDATION),
        nodes("default", "m5.large", &["n-1"]),
        pinned("web", "500m", &["n-1"], "doNotDisrupt = true"),
        delete_at("n-1", "+5m")
    );
    let v1 = run(&format!("{HEAD}{body}"));
    assert!(!terminated(&v1, "n-1"));
    assert!(evictions(&v1, "web").is_empty());
    let old = run(&format!(
        "{}{}",
        HEAD.replace("version = \"v1\"", "version = \"v0.37\""),
        body.replace(
            "consolidationPolicy = \"WhenEmptyOrUnderutilized\"",
            "consolidationPolicy = \"WhenUnderutilized\""
        )
    ));
    assert!(terminated(&old, "n-1"));
    assert_eq!(evictions(&old, "web").len(), 1);
}

// ---------------------------------------------------------------------------------------
// More of `pkg/controllers/disruption/*_test.go` (v1.0.0).

/// The `DisruptionStarted` events, in order: (time, method, candidate names).
fn started(out: &RunOutput) -> Vec<(model::SimTime, String, Vec<String>)> {
    out.events
        .iter()
        .filter(|e| e.kind == engine::output::EventKind::DisruptionStarted)
        .map(|e| {
            let (method, rest) = e.message.split_once(": ").unwrap();
            let names = rest.split(" (").next().unwrap();
            (
                e.t,
                method.to_string(),
                names.split(", ").map(str::to_string).collect(),
            )
        })
        .collect()
}

fn named(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

// consolidation_test.go, Budgets: "should allow 2 nodes from each nodePool to be deleted"
// — 50% of 3 empty nodes rounds up to 2 per NodePool, and one emptiness command takes 2
// from every pool at once (Karpenter's spec has 10 pools; 3 keep the test small).
#[test]
fn emptiness_takes_the_budget_of_every_nodepool_at_once() {
    let mut text = HEAD.to_string();
    for p in 0..3 {
        text.push_str(
            &pool(&format!(
                "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"50%\" }}]"
            ))
            .replace("name = \"default\"", &format!("name = \"np{p}\"")),
        );
    }
    for p in 0..3 {
        text.push_str(&nodes(
            &format!("np{p}"),
            "m5.large",
            &strs(&named(&format!("np{p}-e"), 3)),
        ));
    }
    let out = run(&text);
    let first = &started(&out)[0];
    assert_eq!(first.1, "Emptiness");
    assert_eq!(first.2.len(), 6, "{first:?}");
    for p in 0..3 {
        let prefix = format!("np{p}-");
        assert_eq!(
            first.2.iter().filter(|n| n.starts_with(&prefix)).count(),
            2,
            "{first:?}"
        );
    }
}

// drift_test.go, Budgets: "should only allow 3 empty nodes to be disrupted" — 30% of 10
// drifted empty nodes. (consolidateAfter Never keeps emptiness out of the way; drift does
// not read it.)
#[test]
fn drift_deletes_empty_drifted_nodes_within_the_budget() {
    let text = format!(
        "{HEAD}{}{}\n[[timeline]]\nat = \"+5m\"\naction = \"drift_nodepool\"\nnodepool = \"default\"\n",
        pool(&format!(
            "{NO_CONSOLIDATION}\nbudgets = [{{ nodes = \"30%\" }}]"
        )),
        nodes("default", "m5.large", &strs(&named("d", 10)))
    );
    let out = run(&text);
    let commands = started(&out);
    assert_eq!(commands[0].1, "Drift");
    assert_eq!(commands[0].2.len(), 3, "{:?}", commands[0]);
    assert!(
        commands.iter().all(|c| c.2.len() <= 3),
        "never more than 3 at once"
    );
    assert!(
        named("d", 10).iter().all(|n| terminated(&out, n)),
        "all drifted nodes go in the end"
    );
    assert_eq!(
        out.summary.nodes_launched[0], 0,
        "empty nodes need no replacement"
    );
}

// consolidation_test.go, Delete: "does not consolidate nodes with karpenter.sh/do-not-disrupt
// on pods when the NodePool's TerminationGracePeriod is not nil" — a terminationGracePeriod
// lets drift pick such nodes, never consolidation.
#[test]
fn termination_grace_period_does_not_open_consolidation_to_do_not_disrupt_pods() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED).replace(
            "[nodepools.disruption]",
            "terminationGracePeriod = \"300s\"\n[nodepools.disruption]"
        ),
        nodes("default", "m5.xlarge", &["n-0", "n-1"]),
        pinned("web", "250m", &["n-0", "n-0", "n-1"], "doNotDisrupt = true")
    );
    let out = run(&text);
    assert!(!terminated(&out, "n-0") && !terminated(&out, "n-1"));
    assert!(started(&out).is_empty());
}

// consolidation_test.go, Delete: "does not consolidate nodes with pods with blocking PDBs
// when the NodePool's TerminationGracePeriod is not nil".
#[test]
fn termination_grace_period_does_not_open_consolidation_to_blocking_pdbs() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED).replace(
            "[nodepools.disruption]",
            "terminationGracePeriod = \"300s\"\n[nodepools.disruption]"
        ),
        nodes("default", "m5.xlarge", &["n-0", "n-1"]),
        pinned(
            "web",
            "250m",
            &["n-0", "n-0", "n-1"],
            "pdb = { maxUnavailable = 0 }"
        )
    );
    let out = run(&text);
    assert!(!terminated(&out, "n-0") && !terminated(&out, "n-1"));
    assert!(started(&out).is_empty());
}

// consolidation_test.go, Delete: "can delete nodes with a permanently pending pod" — a
// pod no node can ever take does not stop the node with one pod from being deleted, and
// stays pending.
#[test]
fn a_permanently_pending_pod_does_not_block_deletion() {
    let text = format!(
        "{HEAD}{}{}{}\n[[workloads]]\nname = \"stuck\"\nrequests = {{ cpu = \"100m\" }}\nnodeSelector = {{ non-existent = \"node-label\" }}\n",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.large", &["n-0", "n-1"]),
        pinned("web", "250m", &["n-0", "n-0", "n-1"], "")
    );
    let out = run(&text);
    let first = &started(&out)[0];
    assert_eq!(first.2, vec!["n-1".to_string()], "{first:?}");
    assert!(first.1.ends_with("Consolidation"));
    assert!(terminated(&out, "n-1") && !terminated(&out, "n-0"));
    assert_eq!(out.summary.nodes_launched[0], 0, "no replacement");
    assert_eq!(
        out.summary.pods_pending_at_end, 1,
        "the stuck pod is still pending"
    );
}

// consolidation_test.go, TTL: "should wait for the node TTL for non-empty nodes before
// consolidating" — decided at the first pass, started 15 s later (validation.go).
#[test]
fn consolidation_waits_out_the_validation_delay() {
    let text = format!(
        "{HEAD}{}{}{}",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.large", &["n-0", "n-1"]),
        pinned("web", "250m", &["n-0", "n-0", "n-1"], "")
    );
    let out = run(&text);
    let decided = out
        .decisions
        .iter()
        .find(|d| &*d.node == "n-1" && d.outcome == "deleted")
        .expect("n-1 is chosen");
    assert_eq!(decided.t, out.summary.start);
    let first = &started(&out)[0];
    assert_eq!(first.2, vec!["n-1".to_string()]);
    assert_eq!(first.0.since(decided.t).0, 15_000);
    let drained = out
        .events
        .iter()
        .find(|e| {
            e.kind == engine::output::EventKind::NodeDraining && e.node.as_deref() == Some("n-1")
        })
        .unwrap();
    assert_eq!(drained.t, first.0, "nothing is evicted before validation");
}

// consolidation_test.go, TTL: "should not consolidate if the action becomes invalid during
// the node TTL wait" — a do-not-disrupt pod binds to the empty node while the deletion
// waits out its 15 s, so validation aborts it.
#[test]
fn a_decision_invalidated_during_validation_is_aborted() {
    let text = format!(
        "{HEAD}{}{}\n[[workloads]]\nname = \"late\"\nstart = \"+5s\"\nrequests = {{ cpu = \"100m\" }}\ndoNotDisrupt = true\n",
        pool(WHEN_UNDERUTILIZED),
        nodes("default", "m5.large", &["n-0"])
    );
    let out = run(&text);
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "n-0" && d.method == "Emptiness" && d.outcome == "deleted"),
        "chosen while empty"
    );
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "n-0" && d.outcome == "aborted")
    );
    assert!(!terminated(&out, "n-0"));
    assert!(started(&out).is_empty());
}

// consolidation_test.go, Topology Consideration: "won't delete node if it would violate pod
// anti-affinity" — three cheapest nodes, one pod each that repels the others by hostname:
// nothing can be deleted or replaced.
#[test]
fn required_anti_affinity_keeps_cheapest_nodes() {
    let cluster = |extra: &str| {
        format!(
            "{HEAD}{}{}{}",
            pool(WHEN_UNDERUTILIZED),
            nodes("default", "m5.large", &["n-0", "n-1", "n-2"]),
            pinned("web", "250m", &["n-0", "n-1", "n-2"], extra)
        )
    };
    let out = run(&cluster(
        "podAntiAffinity = [{ topologyKey = \"kubernetes.io/hostname\" }]",
    ));
    assert!(["n-0", "n-1", "n-2"].iter().all(|n| !terminated(&out, n)));
    assert!(started(&out).is_empty());
    // Without the anti-affinity the three small pods share one node.
    let free = run(&cluster(""));
    assert!(!started(&free).is_empty());
}

// consolidation_test.go, Topology Consideration: "can replace node maintaining zonal
// topology spread" — the expensive node of the middle zone is replaced by a cheaper one in
// the same zone, so the skew stays 1/1/1.
#[test]
fn replacement_keeps_zonal_topology_spread() {
    let cluster = |extra: &str| {
        format!(
            "{}{}{}{}{}{}",
            HEAD.replace(
                "zones = [\"us-east-1a\"]",
                "zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]"
            ),
            pool(&format!(
                "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"100%\" }}]"
            )),
            nodes("default", "m5.large", &["z-a"])
                .replace("names =", "zone = \"us-east-1a\"\nnames ="),
            nodes("default", "m5.2xlarge", &["z-b"])
                .replace("names =", "zone = \"us-east-1b\"\nnames ="),
            nodes("default", "m5.large", &["z-c"])
                .replace("names =", "zone = \"us-east-1c\"\nnames ="),
            pinned("web", "1", &["z-a", "z-b", "z-c"], extra)
        )
    };
    let out = run(&cluster(
        "topologySpreadConstraints = [{ topologyKey = \"topology.kubernetes.io/zone\", maxSkew = 1 }]",
    ));
    let commands = started(&out);
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(commands[0].2, vec!["z-b".to_string()]);
    assert!(terminated(&out, "z-b") && !terminated(&out, "z-a") && !terminated(&out, "z-c"));
    let old = out.nodes.iter().find(|n| n.name == "z-b").unwrap();
    let new: Vec<_> = out
        .nodes
        .iter()
        .filter(|n| n.launched_at > out.summary.start)
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].zone, "us-east-1b", "the replacement keeps the zone");
    assert!(new[0].price < old.price);
    assert_eq!(out.summary.pods_pending_at_end, 0);
    // Without the constraint the replacement may land in any zone.
    let free = run(&cluster(""));
    let moved = free
        .nodes
        .iter()
        .find(|n| n.launched_at > free.summary.start)
        .unwrap();
    assert_ne!(
        moved.zone, "us-east-1b",
        "the spread is what keeps the zone"
    );
}

// validation.go: `ValidateCandidates` rebuilds the budget mapping when the 15 s wait ends and
// fails the command ("budget") if a candidate's NodePool has no disruption left. Here the
// budget is 1 node; n-0 is chosen for deletion at the first pass, and 5 s later n-2 of the
// same pool is deleted by hand, which uses the budget up. Karpenter aborts the command.
#[test]
fn validation_rechecks_budgets() {
    let text = format!(
        "{HEAD}{}{}{}{}{}{}",
        pool(&format!(
            "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"1\" }}]"
        )),
        nodes("default", "m5.4xlarge", &["n-0"]),
        nodes("default", "m5.large", &["n-1", "n-2"]),
        pinned("web", "500m", &["n-0", "n-1"], ""),
        pinned("other", "500m", &["n-2"], ""),
        delete_at("n-2", "+5s")
    );
    let out = run(&text);
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "n-0" && d.t == out.summary.start && d.outcome == "deleted"),
        "n-0 is chosen at the first pass"
    );
    let at_validation = at_offset(&out, 15);
    assert!(
        !started(&out).iter().any(|c| c.0 == at_validation),
        "the command must not start while n-2's deletion uses the budget of 1: {:?}",
        started(&out)
    );
}

// singlenodeconsolidation.go: "We don't need to decrement any budget counter since single
// node consolidation commands can only have one candidate" — with a budget of one node,
// single-node consolidation still tries every candidate in order, not only the first.
// The two small nodes come first (one pod each, so cheaper to disrupt) and cannot go: their
// pods select their type and nothing in the pool is cheaper. The oversized node after them
// goes (its pods fit in the small nodes' room).
#[test]
fn single_node_consolidation_tries_every_candidate_a_budget_allows() {
    let text = format!(
        "{HEAD}{}{}{}{}{}",
        pool(&format!(
            "{WHEN_UNDERUTILIZED}\nbudgets = [{{ nodes = \"1\" }}]"
        )),
        nodes("default", "m5.large", &["small-1", "small-2"]),
        nodes("default", "m5.4xlarge", &["huge-1"]),
        pinned(
            "pinned",
            "1200m",
            &["small-1", "small-2"],
            "nodeSelector = { \"node.kubernetes.io/instance-type\" = \"m5.large\" }"
        ),
        pinned("web", "500m", &["huge-1", "huge-1"], "")
    );
    let out = run(&text);
    for small in ["small-1", "small-2"] {
        assert!(!terminated(&out, small), "{small} went");
        assert!(
            out.decisions
                .iter()
                .any(|d| &*d.node == small && d.outcome == "kept"),
            "{small} was never considered"
        );
    }
    assert!(terminated(&out, "huge-1"), "huge-1 was never consolidated");
    assert!(out.decisions.iter().any(|d| &*d.node == "huge-1"
        && d.method == "SingleNodeConsolidation"
        && d.outcome == "deleted"));
}

// multinodeconsolidation.go / singlenodeconsolidation.go (v1.0+, kubernetes-sigs/karpenter
// #991): "Filter out empty candidates ... users who set a budget for `empty` can find
// their nodes disrupted here". With emptiness's budget at zero, the empty node stays: no
// consolidation method considers it (single-node would otherwise delete it first, being
// the cheapest to disrupt). The busy node's pod selects its own type, so it stays too.
#[test]
fn v1_consolidation_leaves_empty_nodes_to_emptiness() {
    let budgets = "budgets = [{ nodes = \"0\", reasons = [\"Empty\"] }, { nodes = \"100%\", reasons = [\"Underutilized\"] }]";
    let text = format!(
        "{HEAD}{}{}{}{}",
        pool(&format!("{WHEN_UNDERUTILIZED}\n{budgets}")),
        nodes("default", "m5.large", &["idle-1"]),
        nodes("default", "m5.xlarge", &["busy-1"]),
        pinned(
            "pinned",
            "1200m",
            &["busy-1"],
            "nodeSelector = { \"node.kubernetes.io/instance-type\" = \"m5.xlarge\" }"
        ),
    );
    let out = run(&text);
    assert!(
        !terminated(&out, "idle-1"),
        "v1 consolidation deleted an empty node"
    );
    assert!(
        !out.decisions.iter().any(|d| &*d.node == "idle-1"
            && matches!(
                d.method,
                "MultiNodeConsolidation" | "SingleNodeConsolidation"
            )),
        "v1 consolidation considered an empty node"
    );
    assert!(
        out.decisions
            .iter()
            .any(|d| &*d.node == "idle-1" && d.method == "Emptiness" && d.outcome == "blocked")
    );
}

// Not Karpenter's: the decision log folds a conclusion repeated pass after pass into one
// record. Over the hour the small node is refused for the same reason at every pass that
// runs (at least every 5 minutes, `IsConsolidated`'s forced re-check): one record, its
// passes counted, ending at the last.
#[test]
fn a_refusal_repeated_pass_after_pass_is_one_record() {
    let out = run(&cheapest_node_nearly_full());
    let kept: Vec<_> = out
        .decisions
        .iter()
        .filter(|d| &*d.node == "small-1" && d.outcome == "kept")
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].passes >= 12, "{kept:?}");
    assert!(kept[0].until.since(kept[0].t) >= model::SimDuration::from_mins(55));
}
