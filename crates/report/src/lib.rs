//! karpsim's run reports: the files a run leaves behind, and run-against-run comparison.
//!
//! [`write_run`] writes, into one directory:
//!
//! | file | contents |
//! |---|---|
//! | `timeseries.csv` | one row per sample: nodes (total, ready, per provisioner, per owner), pods, CPU and memory requested / allocatable and %, $/h (exact decimals) |
//! | `events.jsonl` | one JSON object per event, in log order |
//! | `decisions.jsonl` | the disruption controller's reasoning: per candidate, the outcome and why; a conclusion repeated pass after pass is one line with its `passes` and `until` |
//! | `nodes.csv` | one row per node: type, zone, owner, price, launch / ready / termination, cost |
//! | `summary.json` | the run's summary, times in RFC 3339, money in dollars |
//! | `<chart>.svg` | `nodes_by_provisioner`, `nodes_by_owner`, `cost`, `utilisation`, `pending_pods`, `provisioning_latency`, `node_timeline` |
//! | `report.html` | one self-contained page: summary, validation table (if given), every chart inline, event-log excerpt |
//!
//! The same [`RunOutput`] always gives byte-identical files. [`render_run`] produces the
//! same files in memory. [`compare`] sets two runs side by side; a [`Comparison`] prints
//! as a plain-text table (`Display`), serialises to JSON, draws an overlay chart
//! ([`Comparison::overlay_svg`]), and [`write_comparison`] writes all three.
//!
//! The library never prints; errors are [`ReportError`].
//!
//! ```
//! use report::{ReportOptions, compare, write_run, write_comparison};
//!
//! # fn main() -> Result<(), report::ReportError> {
//! let run = report::testing::sample_day(); // simctl passes the engine's RunOutput
//! let dir = std::env::temp_dir().join(format!("karpsim-report-doc-{}", std::process::id()));
//! let written = write_run(&dir, &run, &ReportOptions::default())?;
//! assert!(written.files.iter().any(|f| f.ends_with("report.html")));
//!
//! let other = report::testing::sample_day_variant();
//! let comparison = compare(&run, &other);
//! let table = comparison.to_string(); // what `simctl compare` prints
//! assert!(table.contains("total cost of the run"));
//! write_comparison(&dir, &comparison)?;
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```
#![warn(clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use engine::output::RunOutput;

mod charts;
mod compare;
mod csv;
mod data;
mod error;
pub mod explain;
mod format;
mod html;
mod stats;
mod sweep;
pub mod testing;
pub mod validation;

pub use charts::{Chart, render_charts};
pub use compare::{
    COMPARISON_JSON, COMPARISON_SVG, COMPARISON_TXT, Comparison, Metric, RunLabel, Unit, compare,
};
pub use data::summary::summary_value;
pub use error::ReportError;
pub use html::{escape as escape_html, summary_rows};
pub use sweep::{SWEEP_CSV, SWEEP_HTML, SWEEP_JSON, SWEEP_SVG, SWEEP_TXT, Sweep, SweepRun};
pub use validation::{SeedDayValidation, ValidationRow, VerdictKind, seed_day};

/// What goes into a report besides the run itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The event-log excerpt in `report.html` shows the first and the last this many
    /// events (plus every timeline step, node launch and node termination).
    pub excerpt_events: usize,
    /// Rows of the log-versus-model table; the section is left out when empty.
    pub validation: Vec<ValidationRow>,
    /// Draw the SVG charts and `report.html` (the data files are always written).
    pub charts: bool,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            excerpt_events: 25,
            validation: Vec::new(),
            charts: true,
        }
    }
}

/// One file of a report, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// The file name within the output directory.
    pub name: String,
    pub contents: String,
}

/// What [`write_run`] or [`write_comparison`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFiles {
    pub dir: PathBuf,
    /// Full paths, in the order written.
    pub files: Vec<PathBuf>,
}

/// Every file of a run's report, in memory, in a fixed order: the data files, the
/// charts, then `report.html`.
pub fn render_run(
    output: &RunOutput,
    options: &ReportOptions,
) -> Result<Vec<RenderedFile>, ReportError> {
    let mut files = Vec::new();
    for (name, write) in data::DATA_FILES {
        let mut bytes = Vec::new();
        write(output, &mut bytes)?;
        // The writers write UTF-8 only (serde_json and formatted text).
        let contents = String::from_utf8(bytes).map_err(|e| ReportError::Json {
            file: name,
            source: serde::ser::Error::custom(e),
        })?;
        files.push(RenderedFile {
            name: name.to_string(),
            contents,
        });
    }
    each_chart_file(output, options, |file| {
        files.push(file);
        Ok(())
    })?;
    Ok(files)
}

/// Writes a run's report into `dir` (created if missing; existing files of the same
/// names are replaced): the files of [`render_run`], in its order.
pub fn write_run(
    dir: &Path,
    output: &RunOutput,
    options: &ReportOptions,
) -> Result<WrittenFiles, ReportError> {
    create_dir(dir)?;
    let mut written = Vec::new();
    // The data files stream to disk, and the charts are written as each is rendered: a
    // day's decision log is up to a gigabyte, and holding it (or every file at once) in
    // memory set the run's peak.
    for (name, write) in data::DATA_FILES {
        let path = dir.join(name);
        let failed = |source| ReportError::Write {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&path).map_err(failed)?;
        let mut out = std::io::BufWriter::new(file);
        write(output, &mut out).map_err(|e| match e {
            ReportError::Json { source, .. } if source.is_io() => failed(source.into()),
            other => other,
        })?;
        std::io::Write::flush(&mut out).map_err(failed)?;
        written.push(path);
    }
    each_chart_file(output, options, |file| {
        written.push(write_file(dir, file)?);
        Ok(())
    })?;
    Ok(WrittenFiles {
        dir: dir.to_path_buf(),
        files: written,
    })
}

/// Renders the charts and `report.html` of [`render_run`] one at a time, in its order,
/// handing each to `sink`.
fn each_chart_file(
    output: &RunOutput,
    options: &ReportOptions,
    mut sink: impl FnMut(RenderedFile) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    if !options.charts {
        return Ok(());
    }
    let charts = render_charts(output)?;
    let page = html::render(output, &charts, &options.validation, options.excerpt_events);
    for chart in charts {
        sink(RenderedFile {
            name: format!("{}.svg", chart.name),
            contents: chart.svg,
        })?;
    }
    sink(RenderedFile {
        name: html::FILE_NAME.to_string(),
        contents: page,
    })
}

/// Writes `comparison.txt` (the table), `comparison.json` and `comparison.svg` into `dir`.
pub fn write_comparison(dir: &Path, comparison: &Comparison) -> Result<WrittenFiles, ReportError> {
    let files = vec![
        RenderedFile {
            name: COMPARISON_TXT.to_string(),
            contents: comparison.to_string(),
        },
        RenderedFile {
            name: COMPARISON_JSON.to_string(),
            contents: comparison.to_json()?,
        },
        RenderedFile {
            name: COMPARISON_SVG.to_string(),
            contents: comparison.overlay_svg()?,
        },
    ];
    write_files(dir, files)
}

/// Writes `sweep.txt` (the table), `sweep.csv` (a row per run), `sweep.json`, `sweep.svg`
/// (cost and pending pod-seconds per combination) and `sweep.html` (table and chart)
/// into `dir`.
pub fn write_sweep(dir: &Path, sweep: &Sweep) -> Result<WrittenFiles, ReportError> {
    let files = vec![
        RenderedFile {
            name: SWEEP_TXT.to_string(),
            contents: sweep.to_string(),
        },
        RenderedFile {
            name: SWEEP_CSV.to_string(),
            contents: sweep.to_csv(),
        },
        RenderedFile {
            name: SWEEP_JSON.to_string(),
            contents: sweep.to_json()?,
        },
        RenderedFile {
            name: SWEEP_SVG.to_string(),
            contents: sweep.chart_svg()?,
        },
        RenderedFile {
            name: SWEEP_HTML.to_string(),
            contents: sweep.to_html()?,
        },
    ];
    write_files(dir, files)
}

fn write_files(dir: &Path, files: Vec<RenderedFile>) -> Result<WrittenFiles, ReportError> {
    create_dir(dir)?;
    let written = files
        .into_iter()
        .map(|file| write_file(dir, file))
        .collect::<Result<_, _>>()?;
    Ok(WrittenFiles {
        dir: dir.to_path_buf(),
        files: written,
    })
}

fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes one file into `dir`, returning its path.
fn write_file(dir: &Path, file: RenderedFile) -> Result<PathBuf, ReportError> {
    let path = dir.join(&file.name);
    std::fs::write(&path, file.contents).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
