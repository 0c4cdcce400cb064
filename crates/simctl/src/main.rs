//! simctl: karpsim's command line. The only crate that talks to a terminal.
//!
//! Exit codes: 0 success, 1 internal error, 2 bad input (unreadable or invalid files,
//! bad arguments), 3 a run stopped early at one of the scenario's caps.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: the engine's probes and the TOML parser allocate
/// many small blocks, and allocation was a fifth of a simulated day. Outputs do not
/// depend on the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod allocator;
mod bench_pack;
mod catalog_cmd;
mod compare_cmd;
mod explain_cmd;
mod import_cmd;
mod run_cmd;
mod sweep_cmd;
mod validate_cmd;

const EXAMPLES: &str = "\
Examples:
  simctl run scenarios/cutover.toml --out out/cutover
  simctl run scenarios/synthetic-10k.toml --until 14:00 --json
  simctl run scenarios/alibaba-gpu-day.toml --out out/alibaba
  simctl run scenarios/cutover.toml --set nodepools.default-nodepool.weight=100
  simctl compare scenarios/cutover.toml scenarios/black-friday.toml
  simctl compare scenarios/mixed-10k.toml scenarios/mixed-10k.toml --set-b nodepools.burst.weight=90
  simctl sweep scenarios/synthetic-10k.toml --set nodepools.default.disruption.consolidateAfter=1m,10m,1h
  simctl explain out/synthetic karpenter-default-0042
  simctl explain out/synthetic --why-not
  simctl validate scenarios/cutover.toml
  simctl import nodepool.yaml deployments.yaml --out my-cluster.toml
  simctl catalog --family m7i --family m6i --max-price 1.0
  simctl catalog --region eu-west-1 --min-cpu 16 --json
  simctl bench-pack --suite /tmp/vbp/New_instances_multidim

Exit codes: 0 success, 1 internal error, 2 bad input, 3 a run stopped early at a cap.";

#[derive(Debug, Parser)]
#[command(name = "simctl", version, about = "Simulate Karpenter-style node provisioning and consolidation on AWS EC2", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario: print a summary, write CSV, JSON lines, SVG charts and HTML.
    Run(run_cmd::RunArgs),
    /// Run two scenarios (or re-run two run directories) and compare them.
    Compare(compare_cmd::CompareArgs),
    /// Run a scenario for every combination of `--set` values and seeds, in parallel;
    /// tabulate and chart cost, nodes, pending pods and latency.
    Sweep(sweep_cmd::SweepArgs),
    /// Explain a run: one node's history, or why nodes were not consolidated.
    Explain(explain_cmd::ExplainArgs),
    /// Write a scenario from Kubernetes and Karpenter YAML manifests.
    Import(import_cmd::ImportArgs),
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
    allocator::keep_freed_memory();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run_cmd::run(args),
        Command::Compare(args) => compare_cmd::run(args),
        Command::Sweep(args) => sweep_cmd::run(args),
        Command::Explain(args) => explain_cmd::run(args),
        Command::Validate(args) => validate_cmd::run(args),
        Command::Import(args) => import_cmd::run(args),
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
