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
    // Sized once from the first lines' mean, since growing a buffer of tens of megabytes
    // by doubling copied it each time into freshly zeroed pages.
    const SAMPLE_LINES: usize = 64;
    let lines_total = lines.size_hint().0;
    let mut out: Vec<u8> = Vec::new();
    for (i, l) in lines.enumerate() {
        serde_json::to_writer(&mut out, &l).map_err(|source| ReportError::Json { file, source })?;
        out.push(b'\n');
        if i + 1 == SAMPLE_LINES.min(lines_total) {
            let mean_line_bytes = out.len().div_ceil(i + 1);
            // A quarter more than the mean predicts, for longer lines later.
            let rest_lines = (lines_total - (i + 1)).saturating_mul(5) / 4;
            out.reserve(rest_lines.saturating_mul(mean_line_bytes));
        }
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

#[cfg(test)]
mod tests {
    /// The buffer is sized from the first lines; the text must not depend on it: around
    /// the sample size, with lines much longer after the sample, and with an iterator
    /// whose size hint is only a lower bound.
    #[test]
    fn jsonl_is_every_line_in_order_whatever_the_count() {
        let text = |n: usize| {
            if n < 64 {
                "a".to_string()
            } else {
                "b".repeat(n * 7)
            }
        };
        let expected =
            |count: usize| -> String { (0..count).map(|n| format!("\"{}\"\n", text(n))).collect() };
        for count in [0, 1, 63, 64, 65, 300] {
            let exact = super::jsonl("t", (0..count).map(text)).unwrap();
            assert_eq!(exact, expected(count), "{count} lines");
            let hinted_low = super::jsonl("t", (0..count).map(text).filter(|_| true)).unwrap();
            assert_eq!(hinted_low, expected(count), "{count} lines, no size hint");
        }
    }
}
