//! The report's files from hand-built runs: headers and rows, determinism, the HTML
//! page's contents and escaping, and comparison deltas.

use engine::output::RunOutput;
use report::testing::{sample_day, sample_day_variant};
use report::{ReportError, ReportOptions, ValidationRow, compare, render_run, write_run};

fn file(files: &[report::RenderedFile], name: &str) -> String {
    files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} not rendered"))
        .contents
        .clone()
}

const CHARTS: [&str; 7] = [
    "nodes_by_provisioner",
    "nodes_by_owner",
    "cost",
    "utilisation",
    "pending_pods",
    "provisioning_latency",
    "node_timeline",
];

#[test]
fn timeseries_has_one_column_per_owner_and_exact_values() {
    let run = sample_day();
    let files = render_run(
        &run,
        &ReportOptions {
            charts: false,
            ..ReportOptions::default()
        },
    )
    .unwrap();
    let csv = file(&files, "timeseries.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,time_ms,nodes_total,nodes_ready,nodes_karpenter,nodes_cluster_autoscaler,\
         nodes_static,nodes_owner_default,nodes_owner_ng-general,nodes_owner_ng-kafka,\
         pods_pending,pods_running,cpu_requested_millicores,cpu_allocatable_millicores,\
         cpu_requested_pct,memory_requested_bytes,memory_allocatable_bytes,\
         memory_requested_pct,cost_usd_per_hour,karpenter_share_pct"
    );
    assert_eq!(lines.len(), run.samples.len() + 1);
    // 10 m5.2xlarge ($0.384) and 3 r5.xlarge ($0.252): $4.596/h exactly; 40 of 90.86 cores.
    assert_eq!(
        lines[1],
        "2025-10-16T00:00:00Z,1760572800000,13,13,0,10,3,0,10,3,0,160,40000,90860,44.02,\
         128849018880,404800667648,31.83,4.596,0.00"
    );
    // Charts off: data files only.
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "timeseries.csv",
            "events.jsonl",
            "decisions.jsonl",
            "nodes.csv",
            "summary.json"
        ]
    );
}

#[test]
fn nodes_events_and_summary_files() {
    let run = sample_day();
    let files = render_run(
        &run,
        &ReportOptions {
            charts: false,
            ..ReportOptions::default()
        },
    )
    .unwrap();

    let nodes = file(&files, "nodes.csv");
    let mut lines = nodes.lines();
    assert_eq!(
        lines.next(),
        Some(
            "name,instance_type,zone,capacity_type,owner,provisioner,price_usd_per_hour,\
             launched_at,ready_at,terminated_at,launch_to_ready_seconds,lifetime_seconds,\
             termination_reason,cost_usd"
        )
    );
    assert_eq!(lines.count(), run.nodes.len());
    let retired = nodes
        .lines()
        .find(|l| l.contains("consolidation: empty"))
        .unwrap();
    assert!(
        retired.contains(",c6i.4xlarge,") && retired.contains(",0.68,"),
        "{retired}"
    );

    let events = file(&files, "events.jsonl");
    assert_eq!(events.lines().count(), run.events.len());
    for line in events.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "t",
            "t_ms",
            "kind",
            "provisioner",
            "node",
            "pod",
            "owner",
            "message",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
    }
    assert!(events.contains(r#""kind":"timeline""#));

    let summary: serde_json::Value = serde_json::from_str(&file(&files, "summary.json")).unwrap();
    assert_eq!(summary["nodes_start"], 13);
    assert_eq!(summary["cost_usd_per_hour_start"], 4.596);
    assert_eq!(summary["start"], "2025-10-16T00:00:00Z");
    assert_eq!(summary["nodes_launched"]["karpenter"], 24);
    assert_eq!(summary["disruptions_by_reason"]["consolidation: empty"], 5);
}

/// A data file that cannot be written is named in the error (here a directory stands
/// where the decision log would go).
#[test]
fn a_data_file_that_cannot_be_written_is_named() {
    let dir = std::env::temp_dir().join(format!("karpsim-report-blocked-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("decisions.jsonl")).unwrap();
    let err = write_run(&dir, &sample_day(), &ReportOptions::default()).unwrap_err();
    match &err {
        ReportError::Write { path, .. } => assert!(path.ends_with("decisions.jsonl"), "{err}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn writing_twice_gives_identical_bytes() {
    let run = sample_day();
    let options = ReportOptions::default();
    let dir = std::env::temp_dir().join(format!("karpsim-report-test-{}", std::process::id()));
    let first = write_run(&dir.join("a"), &run, &options).unwrap();
    let second = write_run(&dir.join("b"), &run.clone(), &options).unwrap();
    assert_eq!(first.files.len(), 5 + CHARTS.len() + 1);
    for (a, b) in first.files.iter().zip(&second.files) {
        assert_eq!(a.file_name(), b.file_name());
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{a:?} differs"
        );
    }
    // Written one at a time, the files are those rendered in memory, in the same order.
    let rendered = render_run(&run, &options).unwrap();
    assert_eq!(rendered.len(), first.files.len());
    for (path, file) in first.files.iter().zip(&rendered) {
        assert_eq!(path.file_name().unwrap().to_str(), Some(file.name.as_str()));
        assert!(
            std::fs::read(path).unwrap() == file.contents.as_bytes(),
            "{path:?} differs from render_run"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn html_has_every_chart_and_escapes_messages() {
    let run = sample_day();
    let files = render_run(&run, &ReportOptions::default()).unwrap();
    let html = file(&files, "report.html");
    for chart in CHARTS {
        assert!(
            html.contains(&format!("<figure id=\"{chart}\">\n<svg ")),
            "{chart} missing"
        );
        let svg = file(&files, &format!("{chart}.svg"));
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    }
    assert!(html.contains("insufficient cpu &amp; memory &lt;2 cores&gt;"));
    assert!(html.contains("checkout-5c9d&lt;7&gt;"));
    assert!(!html.contains("cpu & memory <2"));
    // Self-contained: no scripts, nothing fetched.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"));
    // Every timeline step is in the excerpt even with a tiny excerpt.
    let tiny = render_run(
        &run,
        &ReportOptions {
            excerpt_events: 1,
            ..ReportOptions::default()
        },
    )
    .unwrap();
    let tiny = file(&tiny, "report.html");
    assert!(tiny.contains("scale node group ng-general to 0"));
    assert!(tiny.contains("not shown …"));
    // No validation rows, no validation section.
    assert!(!html.contains("id=\"validation\""));
}

#[test]
fn html_renders_validation_rows() {
    let options = ReportOptions {
        validation: vec![ValidationRow {
            claim: "monthly cost < stated & listed".to_string(),
            log_value: "$1,065".to_string(),
            model_value: "$400".to_string(),
            verdict: "log inconsistent".to_string(),
            kind: report::VerdictKind::LogInconsistent,
            sources: Vec::new(),
        }],
        ..ReportOptions::default()
    };
    let html = file(&render_run(&sample_day(), &options).unwrap(), "report.html");
    assert!(html.contains("id=\"validation\""));
    assert!(html.contains("<td>monthly cost &lt; stated &amp; listed</td>"));
}

#[test]
fn compare_computes_deltas() {
    let (a, b) = (sample_day(), sample_day_variant());
    let c = compare(&a, &b);
    let total = c.metric("total cost of the run").unwrap();
    assert_eq!(total.a, a.summary.total_cost.dollars());
    assert_eq!(
        total.delta,
        b.summary.total_cost.dollars() - a.summary.total_cost.dollars()
    );
    assert!((total.change_pct.unwrap() + 10.0).abs() < 0.01);
    let end = c.metric("end").unwrap();
    assert_eq!((end.a, end.b, end.delta), (19.0, 17.0, -2.0));
    let pending = c.metric("pending pod-seconds").unwrap();
    assert_eq!(pending.change_pct, Some(-50.0));
    // Nothing pending at the end in A: no percentage of zero.
    assert_eq!(
        c.metric("pods pending at the end").unwrap().change_pct,
        None
    );
    assert!(c.metric("karpenter p95").is_some());
    assert!(c.metric("static p50").is_none());

    let table = c.to_string();
    assert!(table.contains("total cost of the run") && table.contains("-10.0%"));
    assert!(!table.contains('\u{1b}'), "no terminal escapes");
    let json: serde_json::Value = serde_json::from_str(&c.to_json().unwrap()).unwrap();
    assert_eq!(json["a"]["label"], "sample-day");
    assert!(json["metrics"].as_array().unwrap().len() >= 20);
    let svg = c.overlay_svg().unwrap();
    assert!(svg.contains("sample-day-variant"));

    // The same run twice: labels told apart, every delta zero.
    let same = compare(&a, &a);
    assert_eq!(same.a.label, "sample-day (A)");
    assert!(same.metrics.iter().all(|m| m.delta == 0.0));
}

#[test]
fn inconsistent_owner_columns_are_an_error() {
    let mut run = sample_day();
    run.samples[5].nodes_by_owner.pop();
    let err = render_run(&run, &ReportOptions::default()).unwrap_err();
    assert!(matches!(
        err,
        ReportError::OwnerColumns {
            sample: 5,
            expected: 3,
            found: 2
        }
    ));
}

#[test]
fn an_empty_run_still_renders() {
    let mut run: RunOutput = sample_day();
    run.samples.clear();
    run.events.clear();
    run.nodes.clear();
    run.provisioning.clear();
    let files = render_run(&run, &ReportOptions::default()).unwrap();
    assert!(file(&files, "provisioning_latency.svg").contains("no node was provisioned"));
    assert_eq!(file(&files, "events.jsonl"), "");
    let c = compare(&run, &run);
    c.overlay_svg().unwrap();
}
