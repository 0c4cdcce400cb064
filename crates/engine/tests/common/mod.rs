//! Helpers shared by the engine's scenario tests (each test binary uses a subset).
#![allow(dead_code)]

use engine::output::RunOutput;

/// Loads scenario text and runs it with invariants checked after every event.
pub fn run_text(name: &str, text: &str) -> RunOutput {
    let loaded = scenario::parse_str(name, text).unwrap_or_else(|d| {
        let lines: Vec<String> = d.iter().map(ToString::to_string).collect();
        panic!("{}", lines.join("\n"))
    });
    engine::run(
        &loaded.scenario,
        engine::RunOptions {
            check_invariants: true,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Runs `tests/scenarios/<name>` (a case a generator found, kept) with invariants
/// checked after every event.
pub fn run_kept_case(name: &str) -> RunOutput {
    let path = format!("{}/tests/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    run_text(name, &std::fs::read_to_string(path).unwrap())
}

/// The text of the repository's `scenarios/<name>`.
pub fn repo_scenario(name: &str) -> String {
    let path = format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// `scenarios/synthetic-10k.toml` cut to 16:00–19:00, the falling side of its curves:
/// three hours with plenty of consolidation.
pub fn synthetic_afternoon() -> String {
    repo_scenario("synthetic-10k.toml")
        .replace(
            "start = \"2025-10-16T00:00:00Z\"",
            "start = \"2025-10-16T16:00:00Z\"",
        )
        .replace("duration = \"24h\"", "duration = \"3h\"")
}

/// Where a run that skips idle disruption passes differs from one that polls every 10 s:
/// the first differing event (with the three before and after it in each run), or the
/// samples or node records. Decision records are not compared: a pass that would repeat
/// the last one's records only adds to their pass counts.
pub fn skip_poll_difference(skipping: &RunOutput, polling: &RunOutput) -> Option<String> {
    if let Some(i) = (0..skipping.events.len().max(polling.events.len()))
        .find(|i| skipping.events.get(*i) != polling.events.get(*i))
    {
        let show = |o: &RunOutput| {
            o.events
                .iter()
                .skip(i.saturating_sub(3))
                .take(6)
                .map(|e| {
                    format!(
                        "{} {:?} {:?} {:?} {}",
                        e.t, e.kind, e.node, e.pod, e.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n  ")
        };
        return Some(format!(
            "first difference at event {i}:\n skipping:\n  {}\n polling:\n  {}",
            show(skipping),
            show(polling)
        ));
    }
    if skipping.samples != polling.samples {
        return Some("samples differ".into());
    }
    if skipping.nodes != polling.nodes {
        return Some("node records differ".into());
    }
    None
}
