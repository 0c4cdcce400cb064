//! `simctl import` through the binary: manifests in, a scenario that runs out; YAML that
//! does not parse is one located line and exit code 2.

use std::process::Command;

fn manifest(name: &str) -> String {
    format!(
        "{}/../scenario/tests/manifests/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn imported_manifests_run() {
    let dir = std::env::temp_dir().join(format!("karpsim-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("imported.toml");
    let import = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["import", &manifest("karpenter-v1-general-purpose.yaml")])
        .arg(manifest("microservices-demo-frontend.yaml"))
        .args(["--out", out.to_str().unwrap()])
        .args(["--set", "name=shop", "--set", "cluster.region=eu-west-1"])
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let run = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["run", out.to_str().unwrap(), "--json", "--until", "+1h"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    // The frontend's one pod needs a node from the imported NodePool.
    assert_eq!(summary["nodes_launched"]["karpenter"], 1, "{summary}");
    assert_eq!(summary["pods_pending_at_end"], 0);
    assert_eq!(summary["scenario"], "shop");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("region = \"eu-west-1\""), "{written}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn yaml_that_does_not_parse_is_one_located_line() {
    let dir = std::env::temp_dir().join(format!("karpsim-import-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "kind: Deployment\nmetadata:\n  name: [unclosed\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(["import", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("{}:", bad.display())),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
