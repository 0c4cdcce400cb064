//! karpsim's input formats. This is the only crate that knows file formats: TOML
//! scenarios (format 1, see `docs/scenario-format.md`) and Vectorpack `.vbp` instances
//! become validated model types here.
//!
//! Loading is two-phase, like ripgrep's low-level → high-level arguments: serde reads
//! the file into permissive raw structs (`raw`, `raw_k8s`), then `validate` checks
//! every field and resolves names, collecting all problems as [`Diagnostic`]s that name
//! file, line, column and field path.
//!
//! ```
//! let text = r#"
//! format = 1
//! [cluster]
//! start = "2025-10-16T06:50:00Z"
//! [[nodepools]]
//! name = "default"
//! weight = 120
//! "#;
//! let err = scenario::parse_str("x.toml", text).unwrap_err();
//! assert_eq!(err[0].to_string(), "x.toml:7:10: weight 120 is outside 0..=100 in nodepools[0].weight");
//! ```

#![warn(clippy::disallowed_types)]

pub mod diag;
pub mod import;
mod lint;
pub mod overrides;
pub mod raw;
pub mod raw_k8s;
pub mod trace;
/// The validated scenario is the engine's run configuration.
pub use engine::config as spec;
mod validate;
pub mod vbp;

use std::path::Path;

use diag::{Diagnostic, FieldPath, Issue, Segment, Severity, did_you_mean, line_column};
use spec::Scenario;

pub use validate::latency::default_latency;

/// A validated scenario and its warnings.
#[derive(Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Diagnostic>,
}

/// Errors reading a scenario file: I/O (exit code 2 too: the input is missing) or diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// A `--set` edit that cannot be made: `{file}: --set {path}: {why}`.
    #[error("{0}")]
    Edit(String),
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_edited(path, &[]).map(|(loaded, _)| loaded)
}

/// Reads a scenario file with `--set` edits (`(path, value)`, see [`overrides`]) made
/// before it is validated; also returns the edited text, which reproduces the run.
pub fn load_edited(path: &Path, edits: &[(&str, &str)]) -> Result<(Loaded, String), LoadError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: name.clone(),
        source,
    })?;
    let edited = if edits.is_empty() {
        text
    } else {
        overrides::apply(&text, edits).map_err(|why| LoadError::Edit(format!("{name}: {why}")))?
    };
    let loaded = parse_str(&name, &edited).map_err(LoadError::Invalid)?;
    Ok((loaded, edited))
}

/// Scenario text that reads the same from another directory: every relative `[[traces]]`
/// `file` becomes absolute. A run directory keeps a copy of its scenario for `simctl
/// compare` to re-run, and its traces stay where they were.
pub fn relocated(text: &str, scenario_path: &Path) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let base = scenario_path.parent().unwrap_or(Path::new(""));
    let Some(traces) = doc
        .get_mut("traces")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
    else {
        return text.to_string();
    };
    for t in traces.iter_mut() {
        let Some(value) = t.get_mut("file").and_then(toml_edit::Item::as_value_mut) else {
            continue;
        };
        let Some(file) = value.as_str().filter(|f| Path::new(f).is_relative()) else {
            continue;
        };
        let joined = base.join(file);
        let absolute = std::fs::canonicalize(&joined)
            .or_else(|_| std::env::current_dir().map(|d| d.join(&joined)))
            .unwrap_or(joined);
        let decor = value.decor().clone();
        *value = toml_edit::Value::from(absolute.display().to_string());
        *value.decor_mut() = decor;
    }
    doc.to_string()
}

/// Parses and validates scenario text; `file` names it in diagnostics. On failure returns
/// every error (and warning) found, located.
pub fn parse_str(file: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let raw = match parse_raw(text) {
        Ok(raw) => raw,
        Err(issue) => return Err(vec![locate(file, text, &issue)]),
    };
    let (traces, trace_diags) = read_traces(file, &raw);
    let (scenario, issues) = validate::validate(&raw, &traces);
    let mut diags: Vec<Diagnostic> = issues.0.iter().map(|i| locate(file, text, i)).collect();
    diags.sort_by_key(|d| (d.severity, d.line, d.column));
    // A trace's own errors name its file; they follow the scenario's.
    let trace_failed = !trace_diags.is_empty();
    diags.extend(trace_diags);
    match scenario {
        Some(scenario) if !trace_failed => Ok(Loaded {
            scenario,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

/// Reads every `[[traces]]` file, relative to the scenario file `file`. Unreadable files
/// are reported at their `file` key by validation; a file's own errors come back located
/// in it.
fn read_traces(
    file: &str,
    raw: &raw::RawScenario,
) -> (Vec<validate::traces::TraceInput>, Vec<Diagnostic>) {
    use validate::traces::TraceInput;
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut diags = Vec::new();
    let inputs = raw
        .traces
        .iter()
        .map(|t| {
            let path = base.join(t.file.as_str());
            let shown = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Err(e) => TraceInput::Unreadable(format!("cannot read {shown}: {e}")),
                Ok(text) => match trace::read(&shown, &text) {
                    Ok(rows) => TraceInput::Rows(rows),
                    Err(d) => {
                        diags.extend(d);
                        TraceInput::Invalid
                    }
                },
            }
        })
        .collect();
    (inputs, diags)
}

fn parse_raw(text: &str) -> Result<raw::RawScenario<'_>, Issue> {
    let de = toml::Deserializer::parse(text).map_err(|e| syntax_issue(text, &e))?;
    // The fast path deserializes directly; only a failure pays for re-reading the
    // document with serde_path_to_error to learn the field path.
    use serde::Deserialize as _;
    if let Ok(raw) = raw::RawScenario::deserialize(de) {
        return Ok(raw);
    }
    let de = toml::Deserializer::parse(text).map_err(|e| syntax_issue(text, &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = FieldPath::parse(&e.path().to_string());
        let (message, hint, path) = explain_serde_error(e.inner().message(), path);
        Issue {
            severity: Severity::Error,
            path,
            message,
            hint,
            span: e.inner().span(),
        }
    })
}

fn syntax_issue(text: &str, e: &toml::de::Error) -> Issue {
    Issue {
        severity: Severity::Error,
        path: FieldPath::root(),
        message: tidy_toml_message(text, e.message(), e.span()),
        hint: None,
        span: e.span(),
    }
}

/// toml's first line, naming the key for duplicates (toml says only "duplicate key").
fn tidy_toml_message(text: &str, m: &str, span: Option<std::ops::Range<usize>>) -> String {
    let first = m.trim().lines().next().unwrap_or("invalid TOML");
    match span.and_then(|s| text.get(s)) {
        Some(key) if first == "duplicate key" => format!("duplicate key `{}`", key.trim()),
        _ => first.to_string(),
    }
}

/// serde's "invalid type: string \"3\", expected i64" in words a TOML author uses.
fn plain_type_names(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_string();
    };
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let expected = match expected {
        "i64" | "u64" | "u32" | "i32" => "an integer",
        "f64" => "a number",
        "a boolean" | "bool" => "true or false",
        "a string" => "a string",
        "a sequence" => "an array",
        "struct RawNodePool" | "struct RawWorkload" | "struct RawNodeGroup" | "struct RawNodes" => {
            "a table"
        }
        other if other.starts_with("struct ") => "a table",
        other => other,
    };
    format!("expected {expected}, found {found}")
}

/// Turns serde's messages into karpsim's: unknown fields get a did-you-mean and are
/// reported in their parent table; known non-fields get a specific hint.
fn explain_serde_error(message: &str, path: FieldPath) -> (String, Option<String>, FieldPath) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let parent = path.parent();
        let in_disruption = matches!(parent.0.last(), Some(Segment::Key(k)) if k == "disruption");
        let hint = match field {
            "minAvailable" if in_disruption => Some("minAvailable is a PodDisruptionBudget field, not a Karpenter NodePool field; the NodePool equivalent is budgets = [{ nodes = \"20%\" }]".to_string()),
            "weight" | "share" if parent.0.is_empty() => Some("weights belong to a NodePool; change them over time with [[timeline]] action = \"set_nodepool_weight\"".to_string()),
            _ => did_you_mean(field, candidates.iter().copied()).or_else(|| (!candidates.is_empty()).then(|| format!("expected one of {}", candidates.join(", ")))),
        };
        return (format!("unknown field `{field}`"), hint, parent);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (format!("missing field `{field}`"), None, path);
    }
    if message.contains("untagged enum RawDistribution") {
        return ("expected a duration like \"12s\" or a table like { dist = \"lognormal\", median = \"12s\", sigma = 0.3 }".into(), None, path);
    }
    if message.contains("untagged enum RawNodeClassRef") {
        return (
            "expected a node class name or a table like { name = \"default\" }".into(),
            None,
            path,
        );
    }
    (plain_type_names(message.trim()), None, path)
}

/// Finds the line and column of an issue: its own span if serde gave one, else the
/// position of its field path in the document (or the nearest ancestor that exists).
fn locate(file: &str, text: &str, issue: &Issue) -> Diagnostic {
    let span = issue
        .span
        .clone()
        .or_else(|| span_of_path(text, &issue.path));
    let (line, column) = span.map(|s| line_column(text, s.start)).unwrap_or((0, 0));
    Diagnostic {
        severity: issue.severity,
        file: file.to_string(),
        line,
        column,
        path: issue.path.clone(),
        message: issue.message.clone(),
        hint: issue.hint.clone(),
    }
}

fn span_of_path(text: &str, path: &FieldPath) -> Option<std::ops::Range<usize>> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    // The key for tables and arrays (`[[nodepools]]` is best shown at its header), the
    // value for a leaf (`weight = 120` is best shown at `120`).
    let mut best = None;
    let mut current: Option<&DeValue> = None;
    let mut table: Option<&DeTable> = Some(doc.get_ref());
    for seg in &path.0 {
        let next = match (seg, table, current) {
            (Segment::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == k.as_ref())
                .map(|(key, v)| {
                    best = Some(match v.get_ref() {
                        DeValue::Table(_) | DeValue::Array(_) => key.span(),
                        _ => v.span(),
                    });
                    v
                }),
            (Segment::Index(i), _, Some(DeValue::Array(a))) => {
                a.get(*i).inspect(|v| best = Some(v.span()))
            }
            _ => None,
        };
        let Some(next) = next else { break };
        current = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    best
}
