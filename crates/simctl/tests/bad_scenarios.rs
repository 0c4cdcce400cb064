//! Every file in `tests/bad/` must be rejected by the real binary with exit code 2 and
//! exactly the one-line error stored next to it in `<name>.expected`.
//!
//! To record a new case, add `tests/bad/<name>.toml` and run the tests with
//! `KARPSIM_BLESS=1`, then read the `.expected` file it wrote before committing it.

use std::path::Path;
use std::process::Command;

#[test]
fn bad_scenarios_fail_with_one_located_line_and_exit_code_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 25,
        "the issue asks for at least 25 bad scenarios, found {}",
        files.len()
    );
    let bless = std::env::var_os("KARPSIM_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        // Run from the test directory so paths in messages are short and stable.
        let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
            .current_dir(&dir)
            .args(["validate", &name])
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| format!("<missing {}>", expected_path.display()));
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{name}: exit code {:?}, expected 2",
                out.status.code()
            ));
        }
        if stderr.lines().count() != 1 {
            failures.push(format!("{name}: expected exactly one line, got:\n{stderr}"));
        }
        if !stderr.starts_with(&format!("{name}:")) {
            failures.push(format!(
                "{name}: the error must start with the file name: {stderr}"
            ));
        }
        if stderr != expected {
            failures.push(format!(
                "{name}:\n  got:      {stderr}  expected: {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_seed_scenario_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .current_dir(&root)
        .args(["validate", "--deny-warnings", "scenarios/cutover.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_missing_file_is_bad_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["validate", "no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("no/such/file.toml: cannot read:"));
}

#[test]
fn catalog_lists_seed_prices() {
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["catalog", "--family", "m6i,m7i", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let price_of = |t: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("\"instance_type\":\"{t}\"")))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["on_demand_usd_per_hour"].as_f64().unwrap()
    };
    assert_eq!(price_of("m6i.4xlarge"), 0.768);
    assert_eq!(price_of("m7i.4xlarge"), 0.8064);
    assert!(
        text.lines()
            .all(|l| l.contains("\"family\":\"m6i\"") || l.contains("\"family\":\"m7i\""))
    );
}

#[test]
fn catalog_rejects_unknown_family_with_exit_code_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["catalog", "--family", "m7x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
