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
