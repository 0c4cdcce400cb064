//! `simctl compare A B`: two scenarios (or two run directories, which hold a copy of
//! their scenario and their seed) side by side.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::Failure;
use crate::run_cmd::{load_with_sets, simulate_with_bar};

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario file or run directory (made by `simctl run --out`) for A.
    pub a: PathBuf,
    /// Scenario file or run directory for B.
    pub b: PathBuf,
    /// Change A before running it: `PATH=VALUE`, as `simctl run --set` (repeatable).
    /// With the same file for A and B, this compares one change on one day.
    #[arg(long = "set-a", value_name = "PATH=VALUE")]
    pub set_a: Vec<String>,
    /// Change B before running it, as `--set-a`.
    #[arg(long = "set-b", value_name = "PATH=VALUE")]
    pub set_b: Vec<String>,
    /// Write comparison.txt, comparison.json and the overlay chart here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the comparison as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A scenario file, or a run directory's copy of one with the seed it ran with.
fn resolve(path: &Path) -> Result<(PathBuf, Option<u64>), Failure> {
    if !path.is_dir() {
        return Ok((path.to_path_buf(), None));
    }
    let scenario = path.join("scenario.toml");
    let summary = path.join("summary.json");
    let text = std::fs::read_to_string(&summary).map_err(|e| {
        Failure::Input(Some(format!(
            "{}: not a run directory ({e}); give a scenario file or a `simctl run --out` directory",
            summary.display()
        )))
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Input(Some(format!("{}: {e}", summary.display()))))?;
    let seed = v.get("seed").and_then(serde_json::Value::as_u64);
    Ok((scenario, seed))
}

/// One side read: the scenario with its `--set` edits, and the label suffix naming them.
fn load_side(file: &Path, sets: &[String]) -> Result<(scenario::Loaded, String), Failure> {
    let side = load_with_sets(file, sets)?;
    let (loaded, edits) = (side.loaded, side.edits);
    let shown: Vec<String> = edits.iter().map(|(p, v)| format!("{p}={v}")).collect();
    let suffix = if shown.is_empty() {
        String::new()
    } else {
        format!(" [{}]", shown.join(", "))
    };
    Ok((loaded, suffix))
}

pub fn run(args: &CompareArgs) -> Result<ExitCode, Failure> {
    let (a_file, a_seed) = resolve(&args.a)?;
    let (b_file, b_seed) = resolve(&args.b)?;
    let (a_loaded, a_edits) = load_side(&a_file, &args.set_a)?;
    let (b_loaded, b_edits) = load_side(&b_file, &args.set_b)?;
    // The two runs share nothing, so they run at once; each is the run it would be alone.
    let bars = indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
    let (a, b) = std::thread::scope(|scope| {
        let b = scope.spawn(|| simulate_with_bar(&b_loaded, b_seed, None, false, &bars, "B: "));
        let a = simulate_with_bar(&a_loaded, a_seed, None, false, &bars, "A: ");
        let b = b
            .join()
            .unwrap_or_else(|_| Err(Failure::Internal(anyhow::anyhow!("run B panicked"))));
        (a, b)
    });
    let (a, b) = (a?, b?);
    let mut comparison = report::compare(&a, &b);
    comparison.a.label.push_str(&a_edits);
    comparison.b.label.push_str(&b_edits);
    if let Some(dir) = &args.out {
        report::write_comparison(dir, &comparison)
            .map_err(|e| Failure::Internal(anyhow::anyhow!(e)))?;
    }
    if args.json {
        let v =
            serde_json::to_string_pretty(&comparison).map_err(|e| Failure::Internal(e.into()))?;
        crate::emit(&format!("{v}\n"))?;
    } else {
        crate::emit(&comparison.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}
