//! The report's one error type. The library never prints; simctl turns these into
//! messages and exit codes.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create the output directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serialise {file}: {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
    /// Reading a run directory back (`simctl explain`).
    #[error("{}: cannot read: {source} (is this a `simctl run --out` directory?)", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not a karpsim JSON line: {source}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error("cannot draw the chart {chart}: {message}")]
    Chart { chart: String, message: String },
    /// `--validate` compares a run with the seed-day log; this scenario is not that day.
    #[error(
        "the validation compares a run with the seed-day log, but this scenario is not the seed day: {0}"
    )]
    NotSeedDay(String),
    /// A probe run of the validation failed (a bug: the seed scenario is valid).
    #[error("the validation's {what} failed: {source}")]
    Probe {
        what: String,
        source: engine::EngineError,
    },
    /// The run output contradicts itself; a bug in whatever produced it.
    #[error("sample {sample} has {found} per-owner node counts but the run has {expected} owners")]
    OwnerColumns {
        sample: usize,
        expected: usize,
        found: usize,
    },
}
