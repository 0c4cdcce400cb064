//! `simctl bench-pack`: the public-benchmark scoreboard (owned by the packer work; see issue 3).

use std::process::ExitCode;

/// Arguments of `simctl bench-pack`.
#[derive(Debug, clap::Args)]
pub struct BenchPackArgs {
    /// Folder of Vectorpack `.vbp` instances (searched recursively).
    #[arg(long)]
    pub suite: std::path::PathBuf,
}

pub fn run(_args: &BenchPackArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("bench-pack is not built yet")
}
