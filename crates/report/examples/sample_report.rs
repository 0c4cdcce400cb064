//! Writes the report of the hand-built sample day, and its comparison with a variant,
//! to a directory, to look at the charts and the HTML without running the engine:
//! `cargo run -p karpsim-report --example sample_report -- /tmp/karpsim-report`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "karpsim-report".to_string());
    let dir = std::path::Path::new(&dir);
    let run = report::testing::sample_day();
    let options = report::ReportOptions {
        validation: vec![report::ValidationRow {
            claim: "nodes at 00:00".to_string(),
            log_value: "13".to_string(),
            model_value: run.summary.nodes_start.to_string(),
            verdict: "reproduced".to_string(),
            kind: report::VerdictKind::Reproduced,
            sources: Vec::new(),
        }],
        ..report::ReportOptions::default()
    };
    report::write_run(dir, &run, &options)?;
    let comparison = report::compare(&run, &report::testing::sample_day_variant());
    report::write_comparison(dir, &comparison)?;
    Ok(())
}
