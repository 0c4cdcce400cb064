//! The N → M repacking what-if (`[what_if] repack_n_to_m`): off, consolidation replaces
//! N nodes by at most one, as Karpenter does; on, by any M < N cheaper nodes in total.

mod common;

use engine::output::{DecisionRecord, RunOutput};

fn run(repack: bool) -> RunOutput {
    let mut text = common::synthetic_afternoon();
    if repack {
        text.push_str("\n[what_if]\nrepack_n_to_m = true\n");
    }
    common::run_text("repack.toml", &text)
}

/// Multi-node decisions that replaced their candidates by more than one node.
fn many_to_many(out: &RunOutput) -> Vec<&DecisionRecord> {
    out.decisions
        .iter()
        .filter(|d| d.outcome == "replaced" && d.reason.contains("(nodes)"))
        .collect()
}

#[test]
fn karpenter_never_replaces_by_more_than_one_node() {
    let out = run(false);
    assert!(out.decisions.iter().any(|d| d.outcome == "replaced"));
    assert_eq!(many_to_many(&out), Vec::<&DecisionRecord>::new());
}

#[test]
fn the_what_if_repacks_into_fewer_cheaper_nodes() {
    let out = run(true);
    let repacked = many_to_many(&out);
    assert!(!repacked.is_empty());
    for d in repacked {
        // "consolidated with K other nodes: replaced by a, b (nodes) at $X/h; saves $Y/h"
        let others: usize = d.reason["consolidated with ".len()..]
            .split(' ')
            .next()
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("{}", d.reason));
        let names = d.reason.split("replaced by ").nth(1).unwrap();
        let replacements = names.split(" (").next().unwrap().split(", ").count();
        assert!(
            replacements >= 2 && replacements < others + 1,
            "{}",
            d.reason
        );
        assert!(!d.reason.contains("saves $0.00/h"), "{}", d.reason);
    }
}
