//! `simctl sweep`: one scenario over every combination of `--set` values and several
//! seeds, runs in parallel on rayon's pool.
//!
//! The run list is expanded before anything runs, each run's seed comes from its place
//! in that list (never from a thread), runs share nothing, and results are collected
//! in list order; so the table and files are the same bytes for any `--threads`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use model::time::parse_timestamp;
use rayon::prelude::*;
use scenario::overrides::Setting;

use crate::Failure;
use crate::run_cmd::load_edited;

/// More runs than this is almost certainly a typo in `--seeds` or a value list.
const RUNS_MAX: usize = 10_000;
/// Each worker holds a whole run in memory; this many is already more than memory allows
/// for a large day.
const THREADS_MAX: usize = 256;

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML, format 1).
    pub file: PathBuf,
    /// A path and the values to try, e.g. `nodepools.default.weight=0,50,100` or
    /// `nodepools.default.disruption.consolidateAfter=30s,5m`. Repeat for more paths;
    /// every combination runs (the last path varies fastest); `A+B=V1,V2` moves two
    /// paths together. Lists are named by an entry's `name` or its index; values are
    /// TOML, or strings without quotes.
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub set: Vec<String>,
    /// Runs per combination: seeds S, S+1, … from the scenario's `cluster.seed` S. Every
    /// combination uses the same seeds, so differences between rows are not luck of
    /// the draw.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seeds: u64,
    /// Stop every run early: `14:00`, `+6h` or an RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
    /// Worker threads (default: one per core). The results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Write sweep.txt (the table), sweep.csv (a row per run), sweep.json, sweep.svg
    /// (cost and pending pod-seconds per combination) and sweep.html (both) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write each run's own report (data files, charts, report.html and its edited
    /// scenario) to OUT/runs/N, N being the run column of sweep.csv: for `simctl explain`,
    /// or `simctl compare OUT/runs/0 OUT/runs/3`, which re-runs them exactly.
    #[arg(long, requires = "out")]
    pub keep_runs: bool,
    /// Print sweep.json instead of the table: every run's values, seed and summary (as
    /// summary.json has it).
    #[arg(long)]
    pub json: bool,
    /// Check invariants after every event of every run (always on in debug builds).
    #[arg(long)]
    pub check_invariants: bool,
}

/// One combination, read and checked: its scenario, where its runs stop, and its edited
/// text (trace paths made absolute) for `--keep-runs`.
struct Prepared {
    scenario: engine::config::Scenario,
    until: Option<model::SimTime>,
    text: String,
}

/// One run of the expanded list.
struct Planned {
    combination: usize,
    seed: u64,
}

pub fn run(args: &SweepArgs) -> Result<ExitCode, Failure> {
    let settings: Vec<Setting> = args
        .set
        .iter()
        .map(|a| Setting::parse(a).map_err(|e| Failure::Input(Some(e))))
        .collect::<Result<_, _>>()?;
    match args.threads {
        Some(0) => return Err(Failure::Input(Some("--threads 0: give at least 1".into()))),
        Some(n) if n > THREADS_MAX => {
            return Err(Failure::Input(Some(format!(
                "--threads {n}: at most {THREADS_MAX}"
            ))));
        }
        _ => {}
    }
    if args.seeds == 0 {
        return Err(Failure::Input(Some(
            "--seeds 0: a sweep needs at least one seed per combination".into(),
        )));
    }
    // Counted before the list is built: ten paths of a hundred values must not exhaust
    // memory on the way to this message.
    let combination_count = settings
        .iter()
        .fold(1u128, |n, s| n.saturating_mul(s.values.len() as u128));
    let runs_total = combination_count.saturating_mul(u128::from(args.seeds));
    if runs_total > RUNS_MAX as u128 {
        return Err(Failure::Input(Some(format!(
            "{combination_count} combination(s) x {} seed(s) = {runs_total} runs; a sweep runs at most {RUNS_MAX}",
            args.seeds
        ))));
    }
    let combinations = expand(&settings);
    // Every combination is read and checked before anything runs: a bad value stops
    // the sweep at once, not after hours.
    let mut scenarios = Vec::with_capacity(combinations.len());
    let mut warned: Vec<String> = Vec::new();
    for values in &combinations {
        let edits: Vec<(&str, &str)> = settings
            .iter()
            .zip(values)
            .flat_map(|(s, v)| s.edits(v))
            .collect();
        let (loaded, text) = load_edited(&args.file, &edits)?;
        for w in loaded.warnings.iter().map(ToString::to_string) {
            if !warned.contains(&w) {
                eprintln!("{w}");
                warned.push(w);
            }
        }
        let until = match &args.until {
            Some(u) => Some(
                parse_timestamp(u, loaded.scenario.start)
                    .map_err(|e| Failure::Input(Some(format!("--until: {e}"))))?,
            ),
            None => None,
        };
        scenarios.push(Prepared {
            scenario: loaded.scenario,
            until,
            text: scenario::relocated(&text, &args.file),
        });
    }
    let planned: Vec<Planned> = (0..combinations.len())
        .flat_map(|combination| {
            let base = scenarios[combination].scenario.seed;
            (0..args.seeds).map(move |r| Planned {
                combination,
                seed: base.wrapping_add(r),
            })
        })
        .collect();
    let summaries = run_all(&scenarios, &planned, args)?;
    let sweep = report::Sweep {
        scenario: scenarios
            .first()
            .map(|p| p.scenario.name.clone())
            .unwrap_or_default(),
        paths: settings.iter().map(|s| s.path.clone()).collect(),
        runs: planned
            .iter()
            .zip(summaries)
            .map(|(p, summary)| report::SweepRun {
                values: combinations[p.combination].clone(),
                seed: p.seed,
                summary,
            })
            .collect(),
    };
    if let Some(dir) = &args.out {
        report::write_sweep(dir, &sweep).map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
    }
    if args.json {
        let text = sweep
            .to_json()
            .map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
        crate::emit(&text)?;
    } else {
        crate::emit(&sweep.to_string())?;
        if let Some(dir) = &args.out {
            eprintln!(
                "wrote sweep.txt, sweep.csv, sweep.json, sweep.svg and sweep.html to {} (open {})",
                dir.display(),
                dir.join("sweep.html").display()
            );
        }
    }
    if sweep.incomplete_runs() > 0 {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// Every combination of the settings' values, the last setting varying fastest; one
/// empty combination when nothing is swept.
fn expand(settings: &[Setting]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for s in settings {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                s.values.iter().map(move |v| {
                    let mut c = prefix.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    out
}

/// Runs the list on a pool of `--threads` workers; summaries come back in list order.
fn run_all(
    scenarios: &[Prepared],
    planned: &[Planned],
    args: &SweepArgs,
) -> Result<Vec<engine::output::Summary>, Failure> {
    // More workers than runs would only sit idle.
    let threads = args
        .threads
        .unwrap_or_else(rayon::current_num_threads)
        .min(planned.len())
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads);
    let pool = pool
        .build()
        .map_err(|e| Failure::Internal(anyhow::anyhow!("starting the worker threads: {e}")))?;
    let bar = (std::io::stderr().is_terminal() && planned.len() > 1).then(|| {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(planned.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} sweep: run {pos}/{len} [{bar:40}] {percent}% ({elapsed} elapsed, about {eta} left)",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let check_invariants = args.check_invariants || cfg!(debug_assertions);
    let keep_in = args
        .out
        .as_ref()
        .filter(|_| args.keep_runs)
        .map(|dir| dir.join("runs"));
    let results: Vec<Result<engine::output::Summary, Failure>> = pool.install(|| {
        planned
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let Prepared {
                    scenario,
                    until,
                    text,
                } = &scenarios[p.combination];
                let options = engine::RunOptions {
                    until: *until,
                    seed: Some(p.seed),
                    check_invariants,
                    ..Default::default()
                };
                let out = engine::run(scenario, options)
                    .map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
                if let Some(runs) = &keep_in {
                    keep_run(&runs.join(i.to_string()), &out, text)?;
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
                Ok(out.summary)
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    results.into_iter().collect()
}

/// A run's report and its scenario, as `simctl run --out` would write them.
fn keep_run(dir: &Path, out: &engine::output::RunOutput, scenario: &str) -> Result<(), Failure> {
    report::write_run(dir, out, &report::ReportOptions::default())
        .map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario)
        .map_err(|e| Failure::Internal(anyhow::anyhow!("writing {}: {e}", path.display())))
}
