//! `--set` on `simctl sweep`, `run` and `compare` through the real binary: sweep results
//! independent of the thread count, each sweep row and each compared side equal to the
//! run it stands for, and bad arguments rejected on one line with exit code 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A 12-hour day whose new pods go to Karpenter or cluster-autoscaler by a seeded hash,
/// so seeds give different days.
fn small_day() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/scenarios/small-day.toml")
}

fn simctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simctl"))
        .args(args)
        .output()
        .unwrap()
}

fn sweep_into(dir: &Path, threads: &str) -> Output {
    let file = small_day();
    simctl(&[
        "sweep",
        file.to_str().unwrap(),
        "--set",
        "nodepools.general.weight=10,90",
        "--set",
        "nodepools.general.disruption.consolidateAfter=30s,5m",
        "--seeds",
        "2",
        "--until",
        "+6h",
        "--threads",
        threads,
        "--out",
        dir.to_str().unwrap(),
    ])
}

#[test]
fn a_sweep_gives_the_same_bytes_on_one_thread_and_on_three() {
    let tmp = std::env::temp_dir().join(format!("karpsim-sweep-{}", std::process::id()));
    let (one, three) = (tmp.join("one"), tmp.join("three"));
    let a = sweep_into(&one, "1");
    let b = sweep_into(&three, "3");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(a.stdout, b.stdout);
    for file in ["sweep.csv", "sweep.json", "sweep.txt"] {
        let x = std::fs::read(one.join(file)).unwrap();
        let y = std::fs::read(three.join(file)).unwrap();
        assert!(x == y, "{file} differs between 1 and 3 threads");
    }
    // 2 x 2 combinations x 2 seeds, the last setting varying fastest, seeds innermost.
    let csv = std::fs::read_to_string(one.join("sweep.csv")).unwrap();
    let keys: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        keys,
        [
            "10 30s 7", "10 30s 8", "10 5m 7", "10 5m 8", "90 30s 7", "90 30s 8", "90 5m 7",
            "90 5m 8"
        ]
    );
    // The seeds must matter on this day, or the comparison above proves little.
    let costs: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_ne!(costs[0], costs[1], "{csv}");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn each_sweep_run_is_the_run_of_its_values_and_seed() {
    let file = small_day();
    let file = file.to_str().unwrap();
    let sweep = simctl(&[
        "sweep",
        file,
        "--set",
        "nodepools.general.weight=20,80",
        "--seeds",
        "2",
        "--until",
        "+4h",
        "--json",
    ]);
    assert!(
        sweep.status.success(),
        "{}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let sweep: serde_json::Value = serde_json::from_slice(&sweep.stdout).unwrap();
    let runs = sweep["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for run in runs {
        let weight = run["values"][0].as_str().unwrap();
        let seed = run["seed"].as_u64().unwrap().to_string();
        let set = format!("nodepools.general.weight={weight}");
        let alone = simctl(&[
            "run", file, "--set", &set, "--seed", &seed, "--until", "+4h", "--json",
        ]);
        assert!(
            alone.status.success(),
            "{}",
            String::from_utf8_lossy(&alone.stderr)
        );
        let alone: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
        assert_eq!(run["summary"], alone, "weight {weight}, seed {seed}");
    }
    assert_ne!(
        runs[0]["summary"], runs[2]["summary"],
        "the weight must change the day"
    );
}

#[test]
fn kept_runs_are_run_directories_that_compare_re_runs() {
    let file = small_day();
    let dir = std::env::temp_dir().join(format!("karpsim-sweep-keep-{}", std::process::id()));
    let sweep = simctl(&[
        "sweep",
        file.to_str().unwrap(),
        "--set",
        "nodepools.general.weight=20,80",
        "--until",
        "+3h",
        "--keep-runs",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        sweep.status.success(),
        "{}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let swept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap();
    for i in 0..2 {
        let run_dir = dir.join(format!("runs/{i}"));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary, swept["runs"][i]["summary"]);
        assert!(run_dir.join("report.html").exists());
    }
    // The kept directories hold their edited scenarios: compare re-runs both exactly
    // (compare runs whole days, so its costs are checked against the runs' own ends).
    let a = dir.join("runs/0");
    let b = dir.join("runs/1");
    let compared = simctl(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        compared.status.success(),
        "{}",
        String::from_utf8_lossy(&compared.stderr)
    );
    let c: serde_json::Value = serde_json::from_slice(&compared.stdout).unwrap();
    assert_eq!(c["a"]["label"], "small-day (A)");
    let scenario = std::fs::read_to_string(b.join("scenario.toml")).unwrap();
    assert!(scenario.contains("weight = 80"), "{scenario}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compare_set_b_compares_the_edited_day_with_the_day_as_written() {
    let file = small_day();
    let file = file.to_str().unwrap();
    let set = "nodepools.general.weight=90";
    let out = simctl(&["compare", file, file, "--set-b", set, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comparison: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(comparison["b"]["label"], format!("small-day (B) [{set}]"));
    let cost = &comparison["metrics"][0];
    assert_eq!(cost["name"], "total cost of the run");
    let run_cost = |args: &[&str]| -> f64 {
        let out = simctl(&[&["run", file, "--json"], args].concat());
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        summary["total_cost_usd"].as_f64().unwrap()
    };
    assert_eq!(cost["a"].as_f64().unwrap(), run_cost(&[]));
    assert_eq!(cost["b"].as_f64().unwrap(), run_cost(&["--set", set]));
    assert_ne!(cost["a"], cost["b"]);
}

#[test]
fn a_run_directory_of_a_trace_scenario_re_runs_from_anywhere() {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/alibaba-gpu-day.toml");
    let dir = std::env::temp_dir().join(format!("karpsim-trace-run-{}", std::process::id()));
    let run = simctl(&[
        "run",
        scenario.to_str().unwrap(),
        "--until",
        "+2h",
        "--no-charts",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The copy names its trace by an absolute path, so it reads from the run directory.
    let copy = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let file_line = copy.lines().find(|l| l.starts_with("file = ")).unwrap();
    assert!(
        file_line.contains("/scenarios/traces/alibaba-gpu-2023-day148.csv"),
        "{file_line}"
    );
    let again = simctl(&["validate", dir.join("scenario.toml").to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_sweep_and_set_arguments_fail_on_one_line_with_exit_code_2() {
    let file = small_day();
    let file = file.to_str().unwrap();
    let cases: [(&[&str], &str); 11] = [
        (
            &["sweep", file, "--set", "nodepools.gpu.weight=1,2"],
            "--set nodepools.gpu.weight: nodepools has no entry named `gpu` (entries: general)",
        ),
        (
            &["sweep", file, "--set", "nodepools.general.weight=10,120"],
            "weight 120 is outside 0..=100 in nodepools[0].weight [with --set nodepools.general.weight=120]",
        ),
        (
            &["sweep", file, "--seeds", "0"],
            "--seeds 0: a sweep needs at least one seed",
        ),
        (
            &["sweep", file, "--threads", "0"],
            "--threads 0: give at least 1",
        ),
        (
            &["sweep", file, "--threads", "100000"],
            "--threads 100000: at most 256",
        ),
        (
            &["sweep", file, "--seeds", "20000"],
            "= 20000 runs; a sweep runs at most 10000",
        ),
        (
            &[
                "sweep",
                file,
                "--set",
                "a.b=1,2,3,4,5,6,7,8,9,10",
                "--set",
                "c.d=1,2,3,4,5,6,7,8,9,10",
                "--set",
                "e.f=1,2,3,4,5,6,7,8,9,10",
                "--set",
                "g.h=1,2,3,4,5,6,7,8,9,10",
                "--set",
                "i.j=1,2,3,4,5,6,7,8,9,10",
            ],
            "100000 combination(s) x 1 seed(s) = 100000 runs",
        ),
        (
            &["sweep", file, "--set", "cluster.seed"],
            "expected PATH=VALUE",
        ),
        (
            &["run", file, "--set", "cluster.seed=1,2"],
            "one value per path here; `simctl sweep` runs several",
        ),
        (
            &["run", file, "--set", "cluster.seed.x=1"],
            "cluster.seed is a value, not a table",
        ),
        (
            &["compare", file, file, "--set-b", "nodepools.gpu.weight=1"],
            "nodepools has no entry named `gpu`",
        ),
    ];
    for (args, expected) in cases {
        let out = simctl(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
