//! `simctl run`: simulate a scenario, print a summary, write the run's files.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use engine::RunOptions;
use engine::output::{Provisioner, RunOutput, Summary};
use model::time::parse_timestamp;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML, format 1).
    pub file: PathBuf,
    /// Seed for every random stream (default: the scenario's `cluster.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop early: `14:00`, `+6h` or an RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
    /// Write timeseries.csv, events.jsonl, nodes.csv, summary.json, SVG charts and
    /// report.html here (default: the scenario's `output.dir`, if set).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Change the scenario before running: `nodepools.default.weight=50`,
    /// `cluster.seed=7`, `workloads.web.requests.cpu=500m`. Repeatable. Lists are named by an
    /// entry's `name` or its index; values are TOML, or strings without quotes.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Print the summary as JSON instead of a table (the document summary.json holds).
    #[arg(long)]
    pub json: bool,
    /// Check invariants after every event (always on in debug builds).
    #[arg(long)]
    pub check_invariants: bool,
    /// Write only the data files, no charts or HTML.
    #[arg(long)]
    pub no_charts: bool,
    /// Compare the run with the seed-day log (scenarios/cutover.toml only): print the
    /// table of the log's claims against the model, write it to DIR/validation.md and put
    /// it in report.html.
    #[arg(long)]
    pub validate: bool,
}

/// Loads a scenario with `--set` edits made first, returning the edited text too;
/// warnings are the caller's to print. Errors are printed here; bad input is exit code 2.
pub fn load_edited(
    file: &Path,
    edits: &[(&str, &str)],
) -> Result<(scenario::Loaded, String), Failure> {
    match scenario::load_edited(file, edits) {
        Ok(loaded) => Ok(loaded),
        Err(scenario::LoadError::Io { path, source }) => Err(Failure::Input(Some(format!(
            "{path}: cannot read: {source}"
        )))),
        Err(scenario::LoadError::Edit(why)) => Err(Failure::Input(Some(why))),
        Err(scenario::LoadError::Invalid(diags)) => {
            // Which edits made the file wrong, on the diagnostic's own line.
            let with: String = edits
                .iter()
                .map(|(p, v)| format!(" --set {p}={v}"))
                .collect();
            for d in &diags {
                if with.is_empty() {
                    eprintln!("{d}");
                } else {
                    eprintln!("{d} [with{with}]");
                }
            }
            Err(Failure::Input(None))
        }
    }
}

/// `--set PATH=VALUE` arguments of a single run: one value each.
pub fn single_values(sets: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let mut edits = Vec::new();
    for arg in sets {
        let setting =
            scenario::overrides::Setting::parse(arg).map_err(|e| Failure::Input(Some(e)))?;
        let [value] = setting.values.as_slice() else {
            return Err(Failure::Input(Some(format!(
                "--set {arg}: one value per path here; `simctl sweep` runs several"
            ))));
        };
        edits.extend(
            setting
                .edits(value)
                .map(|(p, v)| (p.to_string(), v.to_string())),
        );
    }
    Ok(edits)
}

/// A scenario read with `--set` edits: what `run` and `compare` start from.
pub struct Edited {
    pub loaded: scenario::Loaded,
    /// The scenario's text after the edits.
    pub text: String,
    /// (path, value) of every edit made, in order.
    pub edits: Vec<(String, String)>,
}

/// Loads `file` with `--set` arguments of one value each applied, printing its warnings.
pub fn load_with_sets(file: &Path, sets: &[String]) -> Result<Edited, Failure> {
    let edits = single_values(sets)?;
    let pairs: Vec<(&str, &str)> = edits
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    let (loaded, text) = load_edited(file, &pairs)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(Edited {
        loaded,
        text,
        edits,
    })
}

/// Runs a loaded scenario with a progress bar on a terminal for runs over ~2 s.
pub fn simulate(
    loaded: &scenario::Loaded,
    seed: Option<u64>,
    until: Option<model::SimTime>,
    check_invariants: bool,
) -> Result<RunOutput, Failure> {
    let bars = indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
    simulate_with_bar(loaded, seed, until, check_invariants, &bars, "")
}

/// [`simulate`] drawing its bar, labelled `label`, among `bars` (several runs at once).
pub fn simulate_with_bar(
    loaded: &scenario::Loaded,
    seed: Option<u64>,
    until: Option<model::SimTime>,
    check_invariants: bool,
    bars: &indicatif::MultiProgress,
    label: &str,
) -> Result<RunOutput, Failure> {
    let s = &loaded.scenario;
    let started = Instant::now();
    let total_ms = s.end.since(s.start).0.max(1);
    let tty = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut progress = |t: model::SimTime| {
        if !tty || started.elapsed() < Duration::from_secs(2) {
            return;
        }
        let b = bar.get_or_insert_with(|| {
            let b = bars.add(indicatif::ProgressBar::new(total_ms));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {prefix}simulated {msg} [{bar:40}] {percent}% ({elapsed} elapsed)",
            ) {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_prefix(label.to_string());
            b
        });
        b.set_position(t.since(s.start).0);
        b.set_message(t.to_string());
    };
    let options = RunOptions {
        until,
        seed,
        check_invariants: check_invariants || cfg!(debug_assertions),
        progress: Some(&mut progress),
        ..Default::default()
    };
    let out = engine::run(s, options).map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(out)
}

pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let Edited { loaded, text, .. } = load_with_sets(&args.file, &args.set)?;
    let until = match &args.until {
        Some(u) => Some(
            parse_timestamp(u, loaded.scenario.start)
                .map_err(|e| Failure::Input(Some(format!("--until: {e}"))))?,
        ),
        None => None,
    };
    if args.validate && until.is_some() {
        return Err(Failure::Input(Some(
            "--validate compares the whole day with the log; leave out --until".into(),
        )));
    }
    let started = Instant::now();
    let out = simulate(&loaded, args.seed, until, args.check_invariants)?;
    let wall = started.elapsed();
    let validation = if args.validate {
        Some(validate(&args.file, &loaded, &out)?)
    } else {
        None
    };
    let dir = args
        .out
        .clone()
        .or_else(|| loaded.scenario.output.dir.as_ref().map(PathBuf::from));
    let mut written = Vec::new();
    if let Some(dir) = &dir {
        let options = report::ReportOptions {
            charts: !args.no_charts,
            validation: validation.as_ref().map(|v| v.rows()).unwrap_or_default(),
            ..Default::default()
        };
        let mut files = report::write_run(dir, &out, &options)
            .map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?
            .files;
        if let Some(v) = &validation {
            let path = dir.join(VALIDATION_FILE);
            std::fs::write(&path, v.to_markdown()).map_err(|e| {
                Failure::Internal(anyhow::anyhow!("writing {}: {e}", path.display()))
            })?;
            files.push(path);
        }
        // Keep the scenario (as edited by --set) beside its outputs: `simctl compare`
        // can re-run it exactly.
        let copy = scenario::relocated(&text, &args.file);
        std::fs::write(dir.join("scenario.toml"), copy).map_err(|e| {
            Failure::Internal(anyhow::anyhow!(
                "copying the scenario into {}: {e}",
                dir.display()
            ))
        })?;
        written = files;
    }
    if args.json {
        // With --validate, one JSON document holds both.
        let v = match &validation {
            Some(v) => serde_json::to_string_pretty(&serde_json::json!({
                "summary": report::summary_value(&out.summary),
                "validation": v,
            })),
            None => serde_json::to_string_pretty(&report::summary_value(&out.summary)),
        }
        .map_err(|e| Failure::Internal(e.into()))?;
        crate::emit(&format!("{v}\n"))?;
    } else {
        crate::emit(&summary_table(&out.summary))?;
        if let Some(v) = &validation {
            crate::emit(&format!("\n{}", v.to_markdown()))?;
        }
        if let Some(dir) = &dir {
            eprintln!(
                "wrote {} files to {} (open {})",
                written.len(),
                dir.display(),
                dir.join("report.html").display()
            );
        }
        eprintln!(
            "simulated {} in {:.2?} of wall time ({} events)",
            out.summary.end.since(out.summary.start),
            wall,
            out.summary.events
        );
    }
    if let Some(why) = &out.summary.incomplete {
        eprintln!("warning: the run stopped early: {why}; outputs cover only what ran");
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// The file `--validate` writes into the output directory.
pub const VALIDATION_FILE: &str = "validation.md";

/// The seed-day comparison; a scenario that is not the seed day is bad input.
fn validate(
    file: &Path,
    loaded: &scenario::Loaded,
    out: &RunOutput,
) -> Result<report::SeedDayValidation, Failure> {
    match report::seed_day(&loaded.scenario, out) {
        Ok(v) => Ok(v),
        Err(e @ report::ReportError::NotSeedDay(_)) => {
            Err(Failure::Input(Some(format!("{}: {e}", file.display()))))
        }
        Err(e) => Err(Failure::Internal(anyhow::anyhow!(e))),
    }
}

fn latency_cell(s: &engine::output::LatencyStats) -> String {
    if s.count == 0 {
        "-".into()
    } else {
        format!(
            "{:.0}s / {:.0}s / {:.0}s (n={})",
            s.p50_ms as f64 / 1000.0,
            s.p95_ms as f64 / 1000.0,
            s.p99_ms as f64 / 1000.0,
            s.count
        )
    }
}

pub fn summary_table(s: &Summary) -> String {
    let mut t = String::new();
    let mut row = |k: &str, v: String| {
        let _ = writeln!(t, "  {k:<34} {v}");
    };
    row("scenario", format!("{} (seed {})", s.scenario, s.seed));
    row("simulated", format!("{} to {}", s.start, s.end));
    row(
        "nodes at start / end",
        format!("{} / {}", s.nodes_start, s.nodes_end),
    );
    row(
        "nodes min / max",
        format!("{} / {}", s.nodes_min, s.nodes_max),
    );
    row(
        "cost at start / end",
        format!("{} / {}", s.cost_per_hour_start, s.cost_per_hour_end),
    );
    row(
        "cost per month at the end rate",
        format!("{} (x 730 h)", s.monthly_cost_at_end),
    );
    row("total cost of the run", s.total_cost.to_string());
    row("pending pod-seconds", s.pending_pod_seconds.to_string());
    row("pods pending at the end", s.pods_pending_at_end.to_string());
    for (i, p) in Provisioner::ALL.iter().enumerate() {
        if *p == Provisioner::Static {
            continue;
        }
        row(
            &format!("{} nodes launched", p.label()),
            s.nodes_launched[i].to_string(),
        );
        row(
            &format!("{} latency p50/p95/p99", p.label()),
            latency_cell(&s.provisioning_latency[i]),
        );
    }
    row("nodes terminated", s.nodes_terminated.to_string());
    let reasons: Vec<String> = s
        .disruptions_by_reason
        .iter()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect();
    row(
        "terminations by reason",
        if reasons.is_empty() {
            "none".into()
        } else {
            reasons.join(", ")
        },
    );
    if let Some(i) = &s.incomplete {
        row("INCOMPLETE", i.clone());
    }
    t
}
