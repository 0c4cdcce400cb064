//! Pod-list traces: the CSV of the Alibaba GPU cluster trace 2023 (`openb_pod_list_*.csv`,
//! github.com/alibaba/clusterdata, `cluster-trace-gpu-v2023`), one row per pod with its
//! requests and its creation, scheduling and deletion times in seconds. Any cluster's pod
//! history exported to these columns reads the same way.
//!
//! Only reading happens here; which rows fall in a run and what pods they become is
//! `validate::traces`.

use crate::diag::{Diagnostic, FieldPath, Severity};

/// The formats `[[traces]] format` accepts.
pub const FORMATS: [&str; 1] = ["alibaba-openb"];

/// Columns a trace must have, in any order; others (`gpu_spec`, `qos`, `pod_phase`, …)
/// are ignored.
const REQUIRED: [&str; 6] = [
    "name",
    "cpu_milli",
    "memory_mib",
    "num_gpu",
    "creation_time",
    "deletion_time",
];

/// One pod of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRow {
    pub name: String,
    /// The CSV line, for messages.
    pub line: usize,
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub num_gpu: u64,
    pub creation_s: u64,
    pub deletion_s: u64,
    /// Absent for pods the traced cluster never scheduled.
    pub scheduled_s: Option<u64>,
}

/// Reads a trace's text; `file` names it in diagnostics. Lines starting with `#` before
/// the header are comments (attribution). Every bad cell is reported, located.
pub fn read(file: &str, text: &str) -> Result<Vec<TraceRow>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .skip_while(|(_, l)| l.starts_with('#') || l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(vec![error(
            file,
            0,
            0,
            "the trace is empty; expected a CSV header".into(),
        )]);
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut index = [0usize; REQUIRED.len()];
    for (slot, want) in index.iter_mut().zip(REQUIRED) {
        match columns.iter().position(|c| *c == want) {
            Some(i) => *slot = i,
            None => diags.push(error(
                file,
                header_line,
                1,
                format!(
                    "the header has no column `{want}` (a trace needs {})",
                    REQUIRED.join(", ")
                ),
            )),
        }
    }
    let scheduled = columns.iter().position(|c| *c == "scheduled_time");
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut rows: Vec<TraceRow> = Vec::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let cells: Vec<(usize, &str)> = cells(text);
        if cells.len() != columns.len() {
            diags.push(error(
                file,
                line,
                1,
                format!(
                    "{} cells where the header has {} columns",
                    cells.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let mut number = |i: usize| -> Option<u64> {
            let (column, cell) = cells[i];
            match cell.trim().parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    diags.push(error(
                        file,
                        line,
                        column,
                        format!("{} `{cell}` is not a whole number ≥ 0", columns[i]),
                    ));
                    None
                }
            }
        };
        let [name, cpu, memory, gpu, created, deleted] = index;
        let values = (
            number(cpu),
            number(memory),
            number(gpu),
            number(created),
            number(deleted),
        );
        // An empty scheduled_time is a pod the traced cluster never placed.
        let scheduled_s = match scheduled.map(|i| cells[i]) {
            Some((_, cell)) if cell.trim().is_empty() => None,
            Some(_) => scheduled.and_then(&mut number),
            None => None,
        };
        let (Some(cpu_milli), Some(memory_mib), Some(num_gpu), Some(creation_s), Some(deletion_s)) =
            values
        else {
            continue;
        };
        let name = cells[name].1.trim().to_string();
        if name.is_empty() {
            diags.push(error(
                file,
                line,
                cells[index[0]].0,
                "a pod without a name".into(),
            ));
            continue;
        }
        if deletion_s < creation_s {
            diags.push(error(
                file,
                line,
                cells[index[5]].0,
                format!("pod {name} is deleted ({deletion_s}) before it is created ({creation_s})"),
            ));
            continue;
        }
        rows.push(TraceRow {
            name,
            line,
            cpu_milli,
            memory_mib,
            num_gpu,
            creation_s,
            deletion_s,
            scheduled_s,
        });
    }
    // Names become workload names, so they must be unique.
    let mut by_name: Vec<(&str, usize)> = rows.iter().map(|r| (r.name.as_str(), r.line)).collect();
    by_name.sort_unstable();
    for pair in by_name.windows(2) {
        if pair[0].0 == pair[1].0 {
            diags.push(error(
                file,
                pair[1].1,
                1,
                format!(
                    "pod {} is listed twice (also on line {})",
                    pair[0].0, pair[0].1
                ),
            ));
        }
    }
    if diags.is_empty() {
        Ok(rows)
    } else {
        diags.sort_by_key(|d| (d.line, d.column));
        Err(diags)
    }
}

/// A line's cells with the 1-based character column each starts at. The format has no
/// quoting: names and numbers never hold commas.
fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut column = 1;
    for cell in line.split(',') {
        out.push((column, cell));
        column += cell.chars().count() + 1;
    }
    out
}

fn error(file: &str, line: usize, column: usize, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.to_string(),
        line,
        column,
        path: FieldPath::root(),
        message,
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";

    #[test]
    fn rows_are_read_by_header_name_after_comment_lines() {
        let text = format!(
            "# source: the Alibaba GPU trace\n{HEADER}\nopenb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061\nopenb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,\n"
        );
        let rows = read("t.csv", &text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            TraceRow {
                name: "openb-pod-0001".into(),
                line: 3,
                cpu_milli: 6000,
                memory_mib: 12288,
                num_gpu: 1,
                creation_s: 427061,
                deletion_s: 12902960,
                scheduled_s: Some(427061),
            }
        );
        assert_eq!(rows[1].scheduled_s, None);
    }

    #[test]
    fn bad_cells_are_located_by_line_and_column() {
        let text = format!(
            "{HEADER}\np1,6000,12288,x,460,,LS,Running,1,2,1\np2,1,1,1\np3,1,1,0,0,,LS,Running,9,5,9\np1,1,1,0,0,,LS,Running,1,2,1\n"
        );
        let shown: Vec<String> = read("t.csv", &text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "t.csv:2:15: num_gpu `x` is not a whole number ≥ 0",
                "t.csv:3:1: 4 cells where the header has 11 columns",
                "t.csv:4:26: pod p3 is deleted (5) before it is created (9)",
            ]
        );
        let missing = read("t.csv", "name,cpu_milli\n").unwrap_err();
        assert!(missing[0].to_string().contains("no column `memory_mib`"));
        assert!(read("t.csv", "# only a comment\n").is_err());
    }

    #[test]
    fn a_pod_listed_twice_is_an_error() {
        let text =
            format!("{HEADER}\np1,1,1,0,0,,LS,Running,1,2,1\np1,1,1,0,0,,LS,Running,1,2,1\n");
        let err = read("t.csv", &text).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "t.csv:3:1: pod p1 is listed twice (also on line 2)"
        );
    }
}
