//! `simctl import`: Kubernetes and Karpenter manifests in, a scenario out.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// YAML manifests: NodePools, EC2NodeClasses, Deployments, StatefulSets, Jobs,
    /// DaemonSets, PodDisruptionBudgets (other kinds are listed as skipped).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the scenario here instead of printing it.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Edit the written scenario, as `simctl run --set`: `cluster.region=eu-west-1`,
    /// `cluster.start=2025-11-28T00:00:00Z`, `name=prod`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

pub fn run(args: &ImportArgs) -> Result<ExitCode, Failure> {
    let mut texts = Vec::new();
    for f in &args.files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| Failure::Input(Some(format!("{}: cannot read: {e}", f.display()))))?;
        texts.push((f.display().to_string(), text));
    }
    let manifests: Vec<scenario::import::Manifest<'_>> = texts
        .iter()
        .map(|(name, text)| scenario::import::Manifest { name, text })
        .collect();
    let imported = match scenario::import::import(&manifests) {
        Ok(i) => i,
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            return Err(Failure::Input(None));
        }
    };
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    let edits = crate::run_cmd::single_values(&args.set)?;
    let pairs: Vec<(&str, &str)> = edits
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    let toml = scenario::overrides::apply(&imported.toml, &pairs)
        .map_err(|why| Failure::Input(Some(why)))?;
    // Check what was written the way `simctl validate` would, naming the output.
    let shown = args
        .out
        .as_ref()
        .map_or("<imported scenario>".to_string(), |p| {
            p.display().to_string()
        });
    let problems = match scenario::parse_str(&shown, &toml) {
        Ok(loaded) => loaded.warnings,
        Err(diags) => diags,
    };
    match &args.out {
        Some(path) => std::fs::write(path, &toml)
            .map_err(|e| Failure::Internal(anyhow::anyhow!("writing {}: {e}", path.display())))?,
        None => crate::emit(&toml)?,
    }
    for d in &problems {
        eprintln!("{d}");
    }
    if problems
        .iter()
        .any(|d| d.severity == scenario::diag::Severity::Error)
    {
        eprintln!(
            "the imported scenario does not validate yet: fix the lines above, then `simctl validate` it"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
