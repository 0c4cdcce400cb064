//! The seed day through the engine: it runs, keeps its invariants, and is deterministic.

use std::path::Path;

fn seed() -> scenario::Loaded {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/cutover.toml");
    scenario::load(&path).unwrap()
}

#[test]
fn seed_day_runs_with_invariants_checked() {
    let loaded = seed();
    let out = engine::run(
        &loaded.scenario,
        engine::RunOptions {
            check_invariants: true,
            ..Default::default()
        },
    )
    .unwrap();
    let s = &out.summary;
    for e in out
        .events
        .iter()
        .filter(|e| {
            !matches!(
                e.kind,
                engine::output::EventKind::PodEvicted | engine::output::EventKind::PodCompleted
            )
        })
        .take(60)
    {
        println!(
            "{} {:?} {:?} {:?} {}",
            e.t, e.kind, e.node, e.owner, e.message
        );
    }
    assert_eq!(s.nodes_start, 36);
    assert!(s.incomplete.is_none());
}

#[test]
fn synthetic_day_provisions_and_is_deterministic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/synthetic-10k.toml");
    let loaded = scenario::load(&path).unwrap();
    let t = std::time::Instant::now();
    let a = engine::run(
        &loaded.scenario,
        engine::RunOptions {
            check_invariants: false,
            ..Default::default()
        },
    )
    .unwrap();
    println!("took {:?}: {:#?}", t.elapsed(), a.summary);
    for s in a.samples.iter().step_by(30) {
        println!(
            "{} nodes {} ready {} pending {} running {}",
            s.t, s.nodes_total, s.nodes_ready, s.pods_pending, s.pods_running
        );
    }
    assert!(a.summary.nodes_launched[0] > 10);
}
