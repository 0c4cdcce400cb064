//! Reading a run directory back to answer "why was (or wasn't) this node consolidated?":
//! one node's history in plain sentences, and a summary of why nodes stayed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::ReportError;

/// One line of `events.jsonl` or `decisions.jsonl`, as much as explaining needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    pub t: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub nodepool: Option<String>,
    /// Decisions: how many passes concluded this, and the last of them.
    #[serde(default)]
    pub passes: Option<u32>,
    #[serde(default)]
    pub until: Option<String>,
}

fn read_lines(dir: &Path, file: &'static str) -> Result<Vec<Line>, ReportError> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| ReportError::Parse {
                path: path.clone(),
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// Every event and decision about `node`, in time order, as sentences. Repeated identical
/// decisions are folded into one line with a count and the time span.
pub fn node_history(dir: &Path, node: &str) -> Result<Vec<String>, ReportError> {
    let events = read_lines(dir, "events.jsonl")?;
    let decisions = read_lines(dir, "decisions.jsonl")?;
    // (time, events before decisions, text, passes, last time)
    let mut rows: Vec<(String, u8, String, u32, String)> = Vec::new();
    for e in events.iter().filter(|e| e.node.as_deref() == Some(node)) {
        let kind = e.kind.clone().unwrap_or_default().replace('_', " ");
        let text = format!("{kind}: {}", e.message.clone().unwrap_or_default());
        rows.push((e.t.clone(), 0, text, 1, e.t.clone()));
    }
    for d in decisions.iter().filter(|d| d.node.as_deref() == Some(node)) {
        let text = format!(
            "{} considered it: {} ({})",
            d.method.clone().unwrap_or_default(),
            d.outcome.clone().unwrap_or_default(),
            d.reason.clone().unwrap_or_default()
        );
        let until = d.until.clone().unwrap_or_else(|| d.t.clone());
        rows.push((d.t.clone(), 1, text, d.passes.unwrap_or(1), until));
    }
    // RFC 3339 times of one run sort as strings; events before decisions at one instant.
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j].2 == rows[i].2 {
            j += 1;
        }
        let count: u32 = rows[i..j].iter().map(|r| r.3).sum();
        if count > 1 {
            out.push(format!(
                "{} to {}: {} (x{count})",
                rows[i].0,
                rows[j - 1].4,
                rows[i].2,
            ));
        } else {
            out.push(format!("{}: {}", rows[i].0, rows[i].2));
        }
        i = j;
    }
    Ok(out)
}

/// For every node Karpenter considered but never disrupted, the reason it gave last, then
/// those reasons counted: "why did these nodes stay?".
pub fn why_not(dir: &Path) -> Result<Vec<String>, ReportError> {
    let decisions = read_lines(dir, "decisions.jsonl")?;
    let events = read_lines(dir, "events.jsonl")?;
    let terminated: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|e| e.kind.as_deref() == Some("node_terminated"))
        .filter_map(|e| e.node.as_deref())
        .collect();
    let mut last: BTreeMap<&str, &Line> = BTreeMap::new();
    for d in &decisions {
        if let Some(n) = d.node.as_deref() {
            last.insert(n, d);
        }
    }
    let mut out = Vec::new();
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for (node, d) in &last {
        if terminated.contains(node) {
            continue;
        }
        let reason = d.reason.clone().unwrap_or_default();
        out.push(format!(
            "{node} ({}): last considered {} by {}: {} ({reason})",
            d.nodepool.clone().unwrap_or_default(),
            d.until.as_deref().unwrap_or(&d.t),
            d.method.clone().unwrap_or_default(),
            d.outcome.clone().unwrap_or_default()
        ));
        // Group by the reason's first clause so per-node numbers do not split the counts.
        let key = reason
            .split([':', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        *counts.entry(key).or_insert(0) += 1;
    }
    if out.is_empty() {
        out.push("no node that the disruption controller considered is still running".into());
    } else {
        let mut by_count: Vec<(String, u32)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.push(String::new());
        out.push("why they stayed:".into());
        for (reason, n) in by_count {
            out.push(format!("{n:6}  {reason}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_dir(decisions: &[&str]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "karpsim-explain-{}-{}",
            std::process::id(),
            decisions.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let event =
            r#"{"t":"2025-10-16T06:00:00Z","kind":"node_ready","node":"n-1","message":"ready"}"#;
        std::fs::write(dir.join("events.jsonl"), format!("{event}\n")).unwrap();
        std::fs::write(dir.join("decisions.jsonl"), decisions.join("\n")).unwrap();
        dir
    }

    const KEPT: &str = r#""method":"SingleNodeConsolidation","node":"n-1","nodepool":"default","outcome":"kept","reason":"no cheaper replacement""#;

    /// A line folding repeated passes counts them all, spans to its last pass, and joins
    /// a neighbouring identical line; "last considered" is the last pass.
    #[test]
    fn folded_decisions_count_every_pass_and_end_at_the_last() {
        let dir = run_dir(&[
            &format!(
                r#"{{"t":"2025-10-16T06:00:10Z",{KEPT},"passes":3,"until":"2025-10-16T06:00:30Z"}}"#
            ),
            &format!(
                r#"{{"t":"2025-10-16T06:00:40Z",{KEPT},"passes":2,"until":"2025-10-16T06:00:50Z"}}"#
            ),
        ]);
        let history = node_history(&dir, "n-1").unwrap();
        assert_eq!(
            history,
            [
                "2025-10-16T06:00:00Z: node ready: ready",
                "2025-10-16T06:00:10Z to 2025-10-16T06:00:50Z: SingleNodeConsolidation considered it: kept (no cheaper replacement) (x5)",
            ]
        );
        let why = why_not(&dir).unwrap();
        assert!(
            why[0].contains("last considered 2025-10-16T06:00:50Z"),
            "{why:?}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Lines written before decisions were folded have no count: each is one pass.
    #[test]
    fn unfolded_decisions_count_one_pass_each() {
        let dir = run_dir(&[&format!(r#"{{"t":"2025-10-16T06:00:10Z",{KEPT}}}"#)]);
        let history = node_history(&dir, "n-1").unwrap();
        assert_eq!(
            history[1],
            "2025-10-16T06:00:10Z: SingleNodeConsolidation considered it: kept (no cheaper replacement)"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
