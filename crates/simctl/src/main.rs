//! simctl: karpsim's command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench_pack;

#[derive(Debug, Parser)]
#[command(
    name = "simctl",
    version,
    about = "Simulate Karpenter provisioning and consolidation on AWS EC2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score bin-packing heuristics on Vectorpack benchmark instances.
    BenchPack(bench_pack::BenchPackArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::BenchPack(args) => bench_pack::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
