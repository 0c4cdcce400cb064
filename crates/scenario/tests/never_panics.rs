//! No input may panic the loader: mangled versions of the seed scenario must come back
//! as diagnostics (or, rarely, still validate), never as a crash.

use proptest::prelude::*;

const SEED: &str = include_str!("../../../scenarios/cutover.toml");
const TRACE: &str = include_str!("../../../scenarios/traces/alibaba-gpu-2023-day148.csv");
const MANIFESTS: &str = include_str!("manifests/kube-prometheus-adapter-and-node-exporter.yaml");

fn mangle(text: &str, cuts: &[(usize, usize, String)]) -> String {
    let mut s = text.to_string();
    for (at, len, insert) in cuts {
        let at = at % (s.len() + 1);
        let end = (at + len).min(s.len());
        if s.is_char_boundary(at) && s.is_char_boundary(end) {
            s.replace_range(at..end, insert);
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mangled_seed_scenarios_never_panic(cuts in prop::collection::vec((0usize..20_000, 0usize..40, "[a-z0-9=\\[\\]{}\",.\\-% \n]{0,12}"), 1..6)) {
        let text = mangle(SEED, &cuts);
        match scenario::parse_str("mangled.toml", &text) {
            Ok(_) => {}
            Err(diags) => prop_assert!(!diags.is_empty()),
        }
    }

    #[test]
    fn arbitrary_set_edits_never_panic(
        edits in prop::collection::vec((
            prop::sample::select(vec![
                "cluster.seed", "nodepools.default-nodepool.weight", "nodepools.0.limits",
                "nodepools.memory-optimized.disruption.budgets", "workloads.web-frontend.replicas",
                "workloads.0.schedule.spikes.0.factor", "timeline.2.at", "cutover", "what_if.x.y",
                "nodepools.default-nodepool.requirements.1.values", "nodes.0.names",
            ]),
            "[a-z0-9=\\[\\]{}\",.\\-% +]{0,12}",
        ), 1..4),
        garbage_path in "[a-z0-9.\"+]{0,16}",
    ) {
        let mut edits: Vec<(String, String)> =
            edits.into_iter().map(|(p, v)| (p.to_string(), v)).collect();
        edits.push((garbage_path, "1".into()));
        let pairs: Vec<(&str, &str)> = edits.iter().map(|(p, v)| (p.as_str(), v.as_str())).collect();
        for n in 0..=pairs.len() {
            if let Ok(text) = scenario::overrides::apply(SEED, &pairs[..n]) {
                let _ = scenario::parse_str("edited.toml", &text);
            }
        }
    }

    #[test]
    fn mangled_manifests_never_panic_the_import(cuts in prop::collection::vec((0usize..8_000, 0usize..40, "[a-z0-9:\\-\\[\\]{}\",. \n]{0,12}"), 1..6)) {
        let text = mangle(MANIFESTS, &cuts);
        if let Ok(imported) = scenario::import::import(&[scenario::import::Manifest { name: "m.yaml", text: &text }]) {
            let _ = scenario::parse_str("imported.toml", &imported.toml);
        }
    }

    #[test]
    fn mangled_traces_never_panic(cuts in prop::collection::vec((0usize..4_000, 0usize..20, "[a-z0-9,\\-\n]{0,12}"), 1..6)) {
        let sample: String = TRACE.lines().take(40).map(|l| format!("{l}\n")).collect();
        let text = mangle(&sample, &cuts);
        let _ = scenario::trace::read("t.csv", &text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = scenario::parse_str("random.toml", &text);
    }
}

#[test]
fn the_seed_scenario_is_valid_and_keeps_the_log_figures() {
    let loaded = scenario::parse_str("cutover.toml", SEED).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let s = loaded.scenario;
    // Section 4 lists 36 nodes at 06:50.
    assert_eq!(s.inventory.len(), 36);
    assert_eq!(s.nodepools.len(), 2);
    assert_eq!(s.timeline.len(), 6);
    assert_eq!(s.start.to_string(), "2025-10-16T06:50:00Z");
    // The seed's v1beta1 kubelet block shapes the default pool's allocatable.
    assert_eq!(s.nodepool_kubelet[0].max_pods, Some(110));
}
