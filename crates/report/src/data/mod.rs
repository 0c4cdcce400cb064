//! The machine-readable files of a run. Each writer turns a [`RunOutput`] into the full
//! text of one file; [`DATA_FILES`] lists them in the order they are written.

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

/// One JSON object per line, in order.
pub fn jsonl<T: serde::Serialize>(
    file: &'static str,
    lines: impl Iterator<Item = T>,
) -> Result<String, ReportError> {
    // Serialized straight into one buffer: a day's decision log is about 100,000 lines.
    let mut out: Vec<u8> = Vec::new();
    for l in lines {
        serde_json::to_writer(&mut out, &l).map_err(|source| ReportError::Json { file, source })?;
        out.push(b'\n');
    }
    // serde_json writes UTF-8 only.
    String::from_utf8(out).map_err(|e| ReportError::Json {
        file,
        source: serde::ser::Error::custom(e),
    })
}

/// Renders one file's contents from a run.
pub type DataWriter = fn(&RunOutput) -> Result<String, ReportError>;

/// Every data file, by name, with its writer.
pub const DATA_FILES: &[(&str, DataWriter)] = &[
    (timeseries::FILE_NAME, timeseries::render),
    (events::FILE_NAME, events::render),
    (decisions::FILE_NAME, decisions::render),
    (nodes::FILE_NAME, nodes::render),
    (summary::FILE_NAME, summary::render),
];
