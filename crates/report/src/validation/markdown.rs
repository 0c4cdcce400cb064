//! The generated part of `docs/validation.md`: a tally, then one table per section.

use std::fmt::Write as _;

use super::SeedDayValidation;

/// Table cells cannot hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(v: &SeedDayValidation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Generated from a run of `{}` (seed {}) by `simctl run scenarios/cutover.toml \
         --validate`; do not edit by hand.\n",
        v.scenario, v.seed
    );
    let total: usize = v.sections.iter().map(|s| s.rows.len()).sum();
    let tally: Vec<String> = v
        .tally()
        .iter()
        .map(|(k, n)| format!("{n} {}", k.label()))
        .collect();
    let _ = writeln!(out, "{total} claims: {}.\n", tally.join(", "));
    for section in &v.sections {
        let _ = writeln!(out, "### {}\n", section.title);
        out.push_str("| claim | log | model | verdict | lines |\n|---|---|---|---|---|\n");
        for r in &section.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&r.claim),
                cell(&r.log_value),
                cell(&r.model_value),
                cell(&r.verdict),
                r.source_label()
            );
        }
        out.push('\n');
    }
    out
}
