//! Whole-run benches (issue 4): the seed day, the diurnal synthetic 10k-pod day, and the
//! mixed 10k-pod day, each simulated end to end with consolidation on. Figures and targets
//! are in docs/performance.md. Long cases use few samples: each iteration is a full day.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

/// The same allocator as `simctl`, tuned the same way, so benches measure what the
/// binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../crates/simctl/src/allocator.rs"]
mod allocator;

fn load(name: &str) -> scenario::Loaded {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    scenario::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bench_engine(c: &mut Criterion) {
    allocator::keep_freed_memory();
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    let seed = load("cutover.toml");
    group.bench_function("seed_day", |b| {
        b.iter(|| {
            engine::run(
                &seed.scenario,
                engine::RunOptions {
                    check_invariants: false,
                    ..Default::default()
                },
            )
            .map(|o| o.summary.nodes_end)
        })
    });
    if std::env::var_os("KARPSIM_BENCH_QUICK").is_none() {
        for name in ["synthetic-10k.toml", "mixed-10k.toml"] {
            let loaded = load(name);
            group.bench_function(name.trim_end_matches(".toml"), |b| {
                b.iter(|| {
                    engine::run(
                        &loaded.scenario,
                        engine::RunOptions {
                            check_invariants: false,
                            ..Default::default()
                        },
                    )
                    .map(|o| o.summary.nodes_end)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
