//! Diagnostics: one line each, naming file, line, column and the field path.
//!
//! Validation records a [`FieldPath`]; the line and column are found afterwards by
//! walking toml's spanned document, so validators never handle byte offsets.

use std::fmt;

use model::requirements::edit_distance;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One step of a path into the document. Keys are usually literals, so they are borrowed:
/// validation builds a path for every field it checks and must not allocate for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(std::borrow::Cow<'static, str>),
    Index(usize),
}

/// Where in the document a value lives: `nodepools[0].disruption.budgets[1].nodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    pub fn parent(&self) -> FieldPath {
        let mut p = self.clone();
        p.0.pop();
        p
    }

    /// Parses serde_path_to_error's rendering (`a[0].b`).
    pub fn parse(s: &str) -> FieldPath {
        let mut out = Vec::new();
        if s == "." {
            return FieldPath(out);
        }
        for part in s.split('.') {
            let (key, mut rest) = part
                .split_once('[')
                .map(|(k, r)| (k, Some(r)))
                .unwrap_or((part, None));
            if !key.is_empty() {
                out.push(Segment::Key(std::borrow::Cow::Owned(key.to_string())));
            }
            while let Some(r) = rest {
                let (idx, after) = r.split_once(']').unwrap_or((r, ""));
                if let Ok(i) = idx.parse() {
                    out.push(Segment::Index(i));
                }
                rest = after.strip_prefix('[');
            }
        }
        FieldPath(out)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Segment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    if k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{k}\"")?;
                    }
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A path not built yet. Validation names a path for every field it checks but needs one
/// only for the few that are wrong, so `key` and `index` only record the step (no
/// allocation) and the [`FieldPath`] is built when an issue is recorded.
pub trait PathLike: Copy {
    /// Appends this path's segments, outermost first.
    fn push_segments(self, out: &mut Vec<Segment>);

    fn build(self) -> FieldPath {
        let mut segments = Vec::new();
        self.push_segments(&mut segments);
        FieldPath(segments)
    }

    fn key(self, key: &'static str) -> Child<'static, Self> {
        Child {
            parent: self,
            step: Step::Key(key),
        }
    }

    /// A key that is data (a label or resource name), not a literal.
    fn key_owned(self, key: &str) -> Child<'_, Self> {
        Child {
            parent: self,
            step: Step::DataKey(key),
        }
    }

    fn index(self, i: usize) -> Child<'static, Self> {
        Child {
            parent: self,
            step: Step::Index(i),
        }
    }
}

/// The document root as a [`PathLike`].
#[derive(Debug, Clone, Copy)]
pub struct Root;

impl PathLike for Root {
    fn push_segments(self, _: &mut Vec<Segment>) {}
}

impl PathLike for &FieldPath {
    fn push_segments(self, out: &mut Vec<Segment>) {
        out.extend(self.0.iter().cloned());
    }
}

impl<T: PathLike> PathLike for &T {
    fn push_segments(self, out: &mut Vec<Segment>) {
        (*self).push_segments(out);
    }
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'static str),
    DataKey(&'a str),
    Index(usize),
}

/// One step below `parent`; see [`PathLike`].
#[derive(Debug, Clone, Copy)]
pub struct Child<'a, P> {
    parent: P,
    step: Step<'a>,
}

impl<P: PathLike> PathLike for Child<'_, P> {
    fn push_segments(self, out: &mut Vec<Segment>) {
        self.parent.push_segments(out);
        out.push(match self.step {
            Step::Key(k) => Segment::Key(std::borrow::Cow::Borrowed(k)),
            Step::DataKey(k) => Segment::Key(std::borrow::Cow::Owned(k.to_string())),
            Step::Index(i) => Segment::Index(i),
        });
    }
}

impl<P: PathLike> fmt::Display for Child<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.build().fmt(f)
    }
}

/// A problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub column: usize,
    pub path: FieldPath,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `scenarios/x.toml:12:3: weight 120 is outside 0..=100 in nodepools[0].weight (hint: …)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)?;
        if !self.path.0.is_empty() {
            write!(f, " in {}", self.path)?;
        }
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// A diagnostic before it is located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub path: FieldPath,
    pub message: String,
    pub hint: Option<String>,
    /// A byte span when the parser already knows it (serde errors).
    pub span: Option<std::ops::Range<usize>>,
}

/// Collects issues during validation.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<Issue>);

impl Issues {
    pub fn error(&mut self, path: impl PathLike, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into(), None);
    }

    pub fn error_hint(
        &mut self,
        path: impl PathLike,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Severity::Error, path, message.into(), Some(hint.into()));
    }

    pub fn warning(&mut self, path: impl PathLike, message: impl Into<String>) {
        self.push(Severity::Warning, path, message.into(), None);
    }

    pub fn warning_hint(
        &mut self,
        path: impl PathLike,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Severity::Warning, path, message.into(), Some(hint.into()));
    }

    fn push(
        &mut self,
        severity: Severity,
        path: impl PathLike,
        message: String,
        hint: Option<String>,
    ) {
        self.0.push(Issue {
            severity,
            path: path.build(),
            message,
            hint,
            span: None,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|i| i.severity == Severity::Error)
    }
}

/// "did you mean `x`?" for a misspelt name, if one candidate is close enough.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_round_trip() {
        let p = FieldPath::parse("nodepools[0].disruption.budgets[12].nodes");
        assert_eq!(p.to_string(), "nodepools[0].disruption.budgets[12].nodes");
        assert_eq!(
            FieldPath::parse("workloads[3][1]").to_string(),
            "workloads[3][1]"
        );
        assert_eq!(
            FieldPath::root()
                .key("evictionHard")
                .key("memory.available")
                .to_string(),
            "evictionHard.\"memory.available\""
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean(
                "consolidateAfer",
                ["consolidationPolicy", "consolidateAfter"]
            )
            .as_deref(),
            Some("did you mean `consolidateAfter`?")
        );
        assert_eq!(did_you_mean("zzz", ["consolidateAfter"]), None);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }
}
