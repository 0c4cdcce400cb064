//! Karpenter v1.14's `Balanced` consolidation policy in whole runs: it refuses moves that
//! save too little for the disruption they cause, and lets the others through.

mod common;

fn run(version: &str, policy: &str) -> engine::output::RunOutput {
    let text = common::synthetic_afternoon()
        .replace("version = \"v1\"", &format!("version = \"{version}\""))
        .replace(
            "consolidationPolicy = \"WhenEmptyOrUnderutilized\"",
            &format!("consolidationPolicy = \"{policy}\""),
        );
    common::run_text("balanced.toml", &text)
}

#[test]
fn balanced_refuses_some_moves_and_allows_others() {
    let out = run("v1.14", "Balanced");
    let refused = out
        .decisions
        .iter()
        .filter(|d| d.reason.starts_with("Balanced: NodePool default scores"))
        .count();
    let done = out
        .decisions
        .iter()
        .filter(|d| d.outcome == "replaced" || d.outcome == "deleted")
        .count();
    assert!(refused > 0, "no move was refused");
    assert!(done > 0, "no move was allowed");
}

#[test]
fn when_empty_or_underutilized_never_scores() {
    let out = run("v1.14", "WhenEmptyOrUnderutilized");
    assert!(
        !out.decisions
            .iter()
            .any(|d| d.reason.starts_with("Balanced:"))
    );
}
