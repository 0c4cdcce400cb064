//! `simctl explain RUN_DIR NODE` / `--why-not`: why was (or wasn't) a node disrupted?

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A directory written by `simctl run --out`.
    pub run_dir: PathBuf,
    /// The node to explain (as named in nodes.csv).
    #[arg(required_unless_present = "why_not")]
    pub node: Option<String>,
    /// Summarise why the nodes the disruption controller considered were kept.
    #[arg(long)]
    pub why_not: bool,
}

pub fn run(args: &ExplainArgs) -> Result<ExitCode, Failure> {
    let lines = match (&args.node, args.why_not) {
        (_, true) => report::explain::why_not(&args.run_dir),
        (Some(node), false) => report::explain::node_history(&args.run_dir, node),
        (None, false) => return Err(Failure::Input(Some("give a NODE or --why-not".into()))),
    };
    let lines = lines.map_err(|e| match e {
        report::ReportError::Read { .. } | report::ReportError::Parse { .. } => {
            Failure::Input(Some(e.to_string()))
        }
        other => Failure::Internal(anyhow::anyhow!(other)),
    })?;
    if lines.is_empty() {
        let node = args.node.clone().unwrap_or_default();
        return Err(Failure::Input(Some(format!(
            "{}: nothing recorded about node `{node}` (see nodes.csv for names)",
            args.run_dir.display()
        ))));
    }
    crate::emit(&(lines.join("\n") + "\n"))?;
    Ok(ExitCode::SUCCESS)
}
