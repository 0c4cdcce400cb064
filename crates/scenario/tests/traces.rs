//! `[[traces]]`: the sample of the Alibaba GPU trace becomes one-pod Jobs with the row's
//! requests and times, and a bad trace is reported where it is wrong.

use std::path::Path;
use std::sync::Arc;

use model::{ResourceKind, SimDuration};

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn job<'s>(s: &'s scenario::spec::Scenario, pod: &str) -> &'s scenario::spec::WorkloadSpec {
    let name = format!("alibaba/{pod}");
    s.workloads.iter().find(|w| w.name == name).unwrap()
}

#[test]
fn the_sample_day_becomes_a_job_per_row_with_the_rows_requests_and_times() {
    let loaded = scenario::load(&repo("scenarios/alibaba-gpu-day.toml")).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let s = &loaded.scenario;
    // Every row of the sample is alive at some time in the day.
    assert_eq!(s.workloads.len(), 720);
    let secs = SimDuration::from_secs;
    // Running since long before the day: starts at once, runs until its deletion.
    let old = job(s, "openb-pod-0001");
    assert_eq!(old.created_at, Some(s.start));
    assert_eq!(old.run_duration, Some(secs(12_902_960 - 12_787_200)));
    assert_eq!(old.pod.requests.get(ResourceKind::CpuMillis), 6_000);
    assert_eq!(
        old.pod.requests.get(ResourceKind::MemoryBytes),
        12_288 << 20
    );
    assert_eq!(old.pod.requests.get(ResourceKind::NvidiaGpu), 1);
    assert!(
        old.pod.do_not_disrupt,
        "the template's doNotDisrupt applies"
    );
    // Created in the day and scheduled 37 s later: it runs from scheduling to deletion.
    let new = job(s, "openb-pod-7388");
    assert_eq!(
        new.created_at,
        Some(s.start.saturating_add(secs(12_787_507 - 12_787_200)))
    );
    assert_eq!(new.run_duration, Some(secs(12_788_103 - 12_787_544)));
    // Never scheduled by the traced cluster, alive at the start: from the start on.
    let pending = job(s, "openb-pod-7385");
    assert_eq!(pending.created_at, Some(s.start));
    assert_eq!(pending.run_duration, Some(secs(12_787_335 - 12_787_200)));
    // Rows of one shape share a spec, as pods of one Deployment do.
    let twin = job(s, "openb-pod-7389");
    assert!(Arc::ptr_eq(&new.pod, &twin.pod));
    assert!(!Arc::ptr_eq(&new.pod, &old.pod));
}

fn with_trace(trace: &str) -> Result<scenario::Loaded, Vec<scenario::diag::Diagnostic>> {
    let text = format!(
        "format = 1\n[cluster]\nstart = \"2023-06-01T00:00:00Z\"\n[[traces]]\nname = \"t\"\n{trace}"
    );
    // Relative paths resolve against the scenario file's directory.
    let file = repo("scenarios/inline.toml");
    scenario::parse_str(file.to_str().unwrap(), &text)
}

fn first_error(trace: &str) -> String {
    let diags = with_trace(trace).unwrap_err();
    let d = &diags[0];
    format!("{}:{}: {}", d.line, d.column, d.message)
        + &d.hint
            .clone()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default()
}

#[test]
fn a_bad_trace_entry_is_reported_at_its_key() {
    assert_eq!(
        first_error("file = \"traces/none.csv\"\n"),
        "6:8: cannot read scenarios/traces/none.csv: No such file or directory (os error 2) (a trace's file is relative to the scenario file)"
            .replace("scenarios/traces", &repo("scenarios/traces").display().to_string()),
    );
    let requests = "file = \"traces/alibaba-gpu-2023-day148.csv\"\nrequests = { cpu = 1 }\n";
    assert!(first_error(requests).contains("a trace's requests come from its rows"));
    let format = "file = \"traces/alibaba-gpu-2023-day148.csv\"\nformat = \"google\"\n";
    assert!(
        first_error(format).contains("google"),
        "{}",
        first_error(format)
    );
    let from = "file = \"traces/alibaba-gpu-2023-day148.csv\"\nfrom = -1\n";
    assert!(first_error(from).contains("from -1 is negative"));
}

#[test]
fn a_window_with_no_pod_warns_and_a_bad_row_is_located_in_the_trace() {
    let late =
        with_trace("file = \"traces/alibaba-gpu-2023-day148.csv\"\nfrom = 99000000\n").unwrap();
    assert!(late.scenario.workloads.is_empty());
    assert!(
        late.warnings[0]
            .message
            .contains("no pod of trace t is alive"),
        "{:?}",
        late.warnings
    );

    let dir = std::env::temp_dir().join(format!("karpsim-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Times near u64::MAX seconds are read, not overflowed.
    std::fs::write(
        dir.join("long.csv"),
        "name,cpu_milli,memory_mib,num_gpu,creation_time,deletion_time\np,1,1,0,5,18446744073709551615\n",
    )
    .unwrap();
    let text = "format = 1\n[cluster]\nstart = \"2023-06-01T00:00:00Z\"\n[[traces]]\nname = \"t\"\nfile = \"long.csv\"\n";
    let loaded = scenario::parse_str(dir.join("s.toml").to_str().unwrap(), text).unwrap();
    let job = &loaded.scenario.workloads[0];
    assert_eq!(job.run_duration, Some(SimDuration(u64::MAX)));
    std::fs::write(
        dir.join("bad.csv"),
        "name,cpu_milli,memory_mib,num_gpu,creation_time,deletion_time\np,1,1,-1,0,5\n",
    )
    .unwrap();
    let text = "format = 1\n[cluster]\nstart = \"2023-06-01T00:00:00Z\"\n[[traces]]\nname = \"t\"\nfile = \"bad.csv\"\n";
    let scenario_file = dir.join("s.toml");
    let diags = scenario::parse_str(scenario_file.to_str().unwrap(), text).unwrap_err();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        diags[0].to_string(),
        format!(
            "{}:2:7: num_gpu `-1` is not a whole number ≥ 0",
            dir.join("bad.csv").display()
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}
