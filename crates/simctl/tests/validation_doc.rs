//! `docs/validation.md` must say what a fresh run of the seed day says. Its generated
//! part (between the markers) is regenerated here and compared; after a deliberate change
//! to the model or to `scenarios/cutover.toml`, run the tests with `KARPSIM_BLESS=1` and
//! read the diff before committing it.
//!
//! The other tests keep the rest of the document honest: every log line a row cites
//! holds the text it quotes (when the seed log is present next to the repository), the
//! loader rejects the log's invalid NodePool fields as the table says, and
//! `simctl run --validate` prints and writes the same table.

use std::path::{Path, PathBuf};
use std::process::Command;

const BEGIN: &str = "<!-- generated:begin -->";
const END: &str = "<!-- generated:end -->";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seed_text() -> String {
    std::fs::read_to_string(repo().join("scenarios/cutover.toml")).unwrap()
}

fn generate() -> report::SeedDayValidation {
    let loaded = scenario::load(&repo().join("scenarios/cutover.toml")).unwrap();
    let out = engine::run(&loaded.scenario, engine::RunOptions::default()).unwrap();
    report::seed_day(&loaded.scenario, &out).unwrap()
}

/// The text between the markers, and the document around it.
fn split(doc: &str) -> Option<(&str, &str, &str)> {
    let b = doc.find(BEGIN)? + BEGIN.len();
    let e = doc.find(END)?;
    (b <= e).then(|| (&doc[..b], &doc[b..e], &doc[e..]))
}

#[test]
fn validation_doc_matches_a_fresh_run() {
    let path = repo().join("docs/validation.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, generated, tail) = split(&doc).expect("docs/validation.md has the markers");
    let fresh = format!("\n{}", generate().to_markdown());
    if std::env::var_os("KARPSIM_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{fresh}{tail}")).unwrap();
        return;
    }
    if generated != fresh {
        let first = generated
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(generated.lines().count().min(fresh.lines().count()));
        panic!(
            "docs/validation.md no longer matches a run of scenarios/cutover.toml (first \
             difference on generated line {}):\n  doc:   {}\n  fresh: {}\nregenerate with \
             KARPSIM_BLESS=1 cargo test -p simctl --test validation_doc, then read the diff",
            first + 1,
            generated.lines().nth(first).unwrap_or("<end>"),
            fresh.lines().nth(first).unwrap_or("<end>")
        );
    }
}

/// Where the seed log lives: `KARPSIM_SEED_LOG`, or `../shared/seed/` beside the repo.
fn seed_log() -> Option<String> {
    let path = std::env::var_os("KARPSIM_SEED_LOG")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/seed/000_a09b6c35f1cf401b.txt"));
    std::fs::read_to_string(path).ok()
}

#[test]
fn every_cited_line_holds_its_quote() {
    let Some(text) = seed_log() else {
        eprintln!("seed log not found; set KARPSIM_SEED_LOG to check the citations");
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let line = |n: u32| lines.get(n as usize - 1).copied().unwrap_or("");
    let mut wrong = Vec::new();
    for row in generate().rows() {
        for r in &row.sources {
            if !line(r.line).contains(r.quote) {
                wrong.push(format!(
                    "{}: L{} does not contain {:?}\n    L{}: {}",
                    row.claim,
                    r.line,
                    r.quote,
                    r.line,
                    line(r.line)
                ));
            }
        }
    }
    // The inventory table, field by field.
    for n in &report::validation::log::INVENTORY {
        let fields: Vec<&str> = line(n.line).split_whitespace().collect();
        let expected = [
            n.name.to_string(),
            n.instance_type.to_string(),
            n.zone.to_string(),
            n.vcpu.to_string(),
            n.memory_gib.to_string(),
            "GiB".to_string(),
            n.pods.to_string(),
        ];
        if fields.len() < expected.len() || fields[..expected.len()] != expected {
            wrong.push(format!(
                "inventory L{}: {:?} vs {fields:?}",
                n.line, expected
            ));
        }
        if !line(n.line).contains(n.managed_by) {
            wrong.push(format!(
                "inventory L{}: not managed by {}",
                n.line, n.managed_by
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_logs_invalid_nodepool_fields_are_rejected_as_the_table_says() {
    let text = seed_text();
    let disruption = "[nodepools.disruption]\nconsolidationPolicy = \"WhenUnderutilized\"\n";
    assert!(text.contains(disruption));
    let with = |field: &str| {
        let changed = text.replacen(disruption, &format!("{disruption}{field}\n"), 1);
        match scenario::parse_str("cutover.toml", &changed) {
            Ok(_) => panic!("{field} was accepted"),
            Err(diags) => diags
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    };
    let after = with("consolidateAfter = \"30s\"");
    assert!(
        after.contains(
            "consolidateAfter cannot be combined with consolidationPolicy WhenUnderutilized"
        ),
        "{after}"
    );
    let min = with("minAvailable = \"80%\"");
    assert!(
        min.contains("minAvailable") && min.contains("nodes = \"20%\""),
        "{min}"
    );
}

#[test]
fn simctl_run_validate_prints_and_writes_the_table() {
    let dir = std::env::temp_dir().join(format!("karpsim-validate-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .current_dir(repo())
        .args(["run", "scenarios/cutover.toml", "--validate", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = generate().to_markdown();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.ends_with(&table), "stdout ends with the table");
    assert_eq!(
        std::fs::read_to_string(dir.join("validation.md")).unwrap(),
        table
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"validation\"") && html.contains("ip-10-42-19-87"));
    std::fs::remove_dir_all(&dir).ok();

    // Not the seed day: bad input, exit code 2, and why.
    let other = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .current_dir(repo())
        .args([
            "run",
            "crates/engine/tests/scenarios/small-day.toml",
            "--validate",
        ])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(stderr.contains("not the seed day"), "{stderr}");
}
