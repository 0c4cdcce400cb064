//! `simctl validate`: parse and check scenario files, print every problem on one line each.

use std::path::PathBuf;
use std::process::ExitCode;

use scenario::LoadError;
use scenario::diag::Severity;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML, format 1).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print diagnostics as JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

pub fn run(args: &ValidateArgs) -> Result<ExitCode, Failure> {
    let mut failed = false;
    for file in &args.files {
        match scenario::load(file) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    print(args.json, w);
                }
                failed |= args.deny_warnings && !loaded.warnings.is_empty();
                if !args.json {
                    let s = &loaded.scenario;
                    println!(
                        "{}: ok: {} NodePools, {} node groups, {} nodes, {} workloads, {} DaemonSets, {} timeline events, {} instance types ({}, Karpenter {})",
                        file.display(),
                        s.nodepools.len(),
                        s.node_groups.len(),
                        s.inventory.len(),
                        s.workloads.len(),
                        s.daemonsets.len(),
                        s.timeline.len(),
                        s.catalog.len(),
                        s.region,
                        s.karpenter.version.label()
                    );
                }
            }
            Err(LoadError::Io { path, source }) => {
                eprintln!("{path}: cannot read: {source}");
                failed = true;
            }
            // Only `--set` edits fail this way, and validate takes none.
            Err(LoadError::Edit(why)) => {
                eprintln!("{why}");
                failed = true;
            }
            Err(LoadError::Invalid(diags)) => {
                for d in &diags {
                    print(args.json, d);
                }
                failed |= diags.iter().any(|d| d.severity == Severity::Error) || args.deny_warnings;
            }
        }
    }
    if failed {
        Err(Failure::Input(None))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

fn print(json: bool, d: &scenario::diag::Diagnostic) {
    if json {
        let v = serde_json::json!({
            "severity": if d.severity == Severity::Error { "error" } else { "warning" },
            "file": d.file,
            "line": d.line,
            "column": d.column,
            "path": d.path.to_string(),
            "message": d.message,
            "hint": d.hint,
        });
        println!("{v}");
    } else {
        eprintln!("{d}");
    }
}
