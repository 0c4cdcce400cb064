//! The machine-readable files of a run. Each writer writes one file of a [`RunOutput`]
//! into any `Write` (a file for `write_run`, memory for `render_run`); [`DATA_FILES`]
//! lists them in the order they are written.

use std::io::Write;

use engine::output::RunOutput;

use crate::ReportError;

pub mod decisions;
pub mod events;
pub mod nodes;
pub mod summary;
pub mod timeseries;

/// RFC 3339 text of times met in order, formatted once per distinct time: a disruption
/// pass writes dozens of lines at one instant, and formatting dates was a third of writing
/// the logs.
#[derive(Default)]
pub(crate) struct TimeText(Option<(model::SimTime, String)>);

impl TimeText {
    pub fn of(&mut self, t: model::SimTime) -> String {
        match &self.0 {
            Some((last, text)) if *last == t => text.clone(),
            _ => {
                let text = t.to_string();
                self.0 = Some((t, text.clone()));
                text
            }
        }
    }
}

/// One JSON object per line, in order, into `out`. A write error comes back as
/// [`ReportError::Json`] with an I/O source; [`crate::write_run`] names the file's path.
pub fn write_jsonl<T: serde::Serialize>(
    file: &'static str,
    lines: impl Iterator<Item = T>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let json = |source| ReportError::Json { file, source };
    for l in lines {
        serde_json::to_writer(&mut *out, &l).map_err(json)?;
        out.write_all(b"\n")
            .map_err(|e| json(serde_json::Error::io(e)))?;
    }
    Ok(())
}

/// Writes a file rendered as text into `out`.
pub(crate) fn write_text(
    file: &'static str,
    text: Result<String, ReportError>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    out.write_all(text?.as_bytes())
        .map_err(|e| ReportError::Json {
            file,
            source: serde_json::Error::io(e),
        })
}

/// Writes one file of a run into `out`. The JSON-lines logs stream (a day's decision log
/// of a 10,000-node cluster is about a gigabyte); the others are rendered as text first.
pub type DataWriter = fn(&RunOutput, &mut dyn Write) -> Result<(), ReportError>;

/// Every data file, by name, with its writer.
pub const DATA_FILES: &[(&str, DataWriter)] = &[
    (timeseries::FILE_NAME, |o, out| {
        write_text(timeseries::FILE_NAME, timeseries::render(o), out)
    }),
    (events::FILE_NAME, events::write),
    (decisions::FILE_NAME, decisions::write),
    (nodes::FILE_NAME, |o, out| {
        write_text(nodes::FILE_NAME, nodes::render(o), out)
    }),
    (summary::FILE_NAME, |o, out| {
        write_text(summary::FILE_NAME, summary::render(o), out)
    }),
];

#[cfg(test)]
mod tests {
    /// Every line, in order, each ending in a newline; nothing for no lines.
    #[test]
    fn jsonl_is_every_line_in_order() {
        let text = |n: usize| "x".repeat(n);
        for count in [0, 1, 3] {
            let mut out = Vec::new();
            super::write_jsonl("t", (0..count).map(text), &mut out).unwrap();
            let expected: String = (0..count).map(|n| format!("\"{}\"\n", text(n))).collect();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{count} lines");
        }
    }
}
