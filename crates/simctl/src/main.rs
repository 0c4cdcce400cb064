//! simctl: karpsim's command line. The only crate that talks to a terminal.
//!
//! Exit codes: 0 success, 1 internal error, 2 bad input (unreadable or invalid files,
//! bad arguments).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench_pack;
mod catalog_cmd;
mod validate_cmd;

const EXAMPLES: &str = "\
Examples:
  simctl validate scenarios/cutover.toml
  simctl catalog --family m7i --family m6i --max-price 1.0
  simctl catalog --region eu-west-1 --min-cpu 16 --json
  simctl bench-pack --suite /tmp/vbp/New_instances_multidim

Planned (see docs/architecture.md): run, explain, compare, sweep.";

#[derive(Debug, Parser)]
#[command(name = "simctl", version, about = "Simulate Karpenter-style node provisioning and consolidation on AWS EC2", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check scenario files: syntax, every field, names, and whether workloads fit anywhere.
    Validate(validate_cmd::ValidateArgs),
    /// List EC2 instance types with Karpenter's allocatable and prices.
    Catalog(catalog_cmd::CatalogArgs),
    /// Score bin-packing heuristics on Vectorpack benchmark instances.
    BenchPack(bench_pack::BenchPackArgs),
}

/// A failure, split by whose fault it is: bad input exits 2, anything else 1.
#[derive(Debug)]
pub enum Failure {
    /// Already printed (diagnostics) or a one-line message to print.
    Input(Option<String>),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

/// Writes to stdout; a closed pipe (`simctl catalog | head`) is not an error.
pub fn emit(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Internal(e.into())),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Validate(args) => validate_cmd::run(args),
        Command::Catalog(args) => catalog_cmd::run(args),
        Command::BenchPack(args) => bench_pack::run(args).map_err(Failure::Internal),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Input(message)) => {
            if let Some(m) = message {
                eprintln!("{m}");
            }
            ExitCode::from(2)
        }
        Err(Failure::Internal(e)) => {
            eprintln!("internal error: {e:#}");
            ExitCode::from(1)
        }
    }
}
