//! `simctl import`: Kubernetes and Karpenter manifests (YAML, any number of documents
//! per file) turned into a scenario to edit and run.
//!
//! Karpenter's NodePools (`karpenter.sh/v1`, `v1beta1`) and EC2NodeClasses, and the pods of
//! Deployments, StatefulSets, Jobs and DaemonSets with their PodDisruptionBudgets, become
//! `[[nodepools]]`, `[[nodeclasses]]`, `[[workloads]]` and `[[daemonsets]]`; the scenario's
//! keys keep the manifests' spelling, so most fields are copied as they are. What a
//! scenario cannot say (a static NodePool's `replicas`, a Job's run time, the cluster's
//! start) is written as a marked assumption or left out with a note; other kinds
//! (Services, ConfigMaps, CRDs of other operators) are listed as skipped.

mod karpenter;
mod pods;

use serde_json::Value as Json;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::diag::{Diagnostic, FieldPath, Severity};

/// A manifest file: the name to show and its text.
pub struct Manifest<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// The scenario written from manifests, and what a person should know about it.
#[derive(Debug)]
pub struct Imported {
    pub toml: String,
    /// What was left out or assumed, one line each, naming the object.
    pub notes: Vec<String>,
}

/// One object read from a manifest, and where it came from.
pub(crate) struct Object {
    pub file: String,
    /// The 1-based line of the document the object starts in.
    pub line: usize,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    pub value: Json,
}

impl Object {
    /// `general-purpose.yaml:3 NodePool general-purpose`, for notes.
    pub fn label(&self) -> String {
        format!("{}:{} {} {}", self.file, self.line, self.kind, self.name)
    }

    /// The value at a `/`-separated path of keys.
    pub fn at(&self, path: &str) -> Option<&Json> {
        path.split('/').try_fold(&self.value, |v, key| v.get(key))
    }
}

/// Reads every manifest and writes the scenario. YAML that does not parse is an error
/// naming file, line and column; everything else becomes the scenario or a note.
pub fn import(manifests: &[Manifest<'_>]) -> Result<Imported, Vec<Diagnostic>> {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for m in manifests {
        match read(m) {
            Ok(found) => objects.extend(found),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes = Vec::new();
    let mut doc = DocumentMut::new();
    header(&mut doc, &objects);
    // Kinds karpsim does not model, counted: (kind, count, first seen at).
    let mut skipped: Vec<(&str, usize, String)> = Vec::new();
    let mut pools = ArrayOfTables::new();
    let mut classes = ArrayOfTables::new();
    let mut workloads = ArrayOfTables::new();
    let mut daemonsets = ArrayOfTables::new();
    let mut budgets = Vec::new();
    for o in &objects {
        match o.kind.as_str() {
            "NodePool" if o.api_version.starts_with("karpenter.sh/") => {
                pools.push(karpenter::node_pool(o, &mut notes));
            }
            "EC2NodeClass" => classes.push(karpenter::node_class(o, &mut notes)),
            "Deployment" | "StatefulSet" | "Job" => {
                workloads.push(pods::workload(o, &mut notes));
            }
            "DaemonSet" => daemonsets.push(pods::daemonset(o, &mut notes)),
            "PodDisruptionBudget" => budgets.push(o),
            kind => match skipped.iter_mut().find(|(k, _, _)| *k == kind) {
                Some(entry) => entry.1 += 1,
                None => skipped.push((kind, 1, o.label())),
            },
        }
    }
    if !skipped.is_empty() {
        let counts: Vec<String> = skipped
            .iter()
            .map(|(kind, n, first)| format!("{n} {kind} (first: {first})"))
            .collect();
        notes.push(format!("skipped, not modelled: {}", counts.join(", ")));
    }
    for pdb in budgets {
        pods::attach_pdb(pdb, &mut workloads, &mut notes);
    }
    if pools.is_empty() {
        notes.push(
            "no Karpenter NodePool in the manifests: add a [[nodepools]] before running".into(),
        );
    }
    for (key, tables) in [
        ("nodeclasses", classes),
        ("nodepools", pools),
        ("daemonsets", daemonsets),
        ("workloads", workloads),
    ] {
        if !tables.is_empty() {
            doc.insert(key, Item::ArrayOfTables(tables));
        }
    }
    let sources: Vec<String> = manifests
        .iter()
        .map(|m| format!("#   {}\n", m.name))
        .collect();
    let noted: Vec<String> = notes.iter().map(|n| format!("#   {n}\n")).collect();
    doc.decor_mut().set_prefix(format!(
        "# Written by `simctl import` from\n{}# Notes:\n{}# Review every ASSUMPTION below; `simctl validate` checks the file.\n",
        sources.concat(),
        if noted.is_empty() { "#   none\n".to_string() } else { noted.concat() },
    ));
    Ok(Imported {
        toml: doc.to_string(),
        notes,
    })
}

/// Every object of one file, with the line its document starts on.
fn read(m: &Manifest<'_>) -> Result<Vec<Object>, Diagnostic> {
    let docs: Vec<Json> = serde_saphyr::from_multiple(m.text).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
        Diagnostic {
            severity: Severity::Error,
            file: m.name.to_string(),
            line,
            column,
            path: FieldPath::root(),
            message: tidy_message(&e.to_string()),
            hint: None,
        }
    })?;
    let starts = document_lines(m.text);
    let mut out = Vec::new();
    for (i, value) in docs.into_iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(1);
        // A `List` (kubectl get -o yaml) holds its objects under `items`.
        let items = match value.get("items").and_then(Json::as_array) {
            Some(items) if value.get("kind").and_then(Json::as_str) == Some("List") => {
                items.clone()
            }
            _ => vec![value],
        };
        for value in items {
            let text = |key: &str| {
                value
                    .get(key)
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let name = value
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            out.push(Object {
                file: m.name.to_string(),
                line,
                kind: text("kind"),
                api_version: text("apiVersion"),
                name,
                value,
            });
        }
    }
    Ok(out)
}

/// The first line with content of each non-empty document of a YAML stream (documents
/// of only comments are empty, as the parser sees them).
fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut in_document = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t == "---" || t.starts_with("--- ") {
            in_document = false;
        } else if !in_document && !t.is_empty() && !t.starts_with('#') {
            starts.push(i + 1);
            in_document = true;
        }
    }
    starts
}

/// The parser's first line without the `error: line 3 column 9: ` the diagnostic
/// already shows as `file:3:9: `.
fn tidy_message(s: &str) -> String {
    let first = s.lines().next().unwrap_or("invalid YAML");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((_, rest)) => rest.to_string(),
        None => first.to_string(),
    }
}

/// `format = 1`, a name, and a `[cluster]` and `[karpenter]` to edit.
fn header(doc: &mut DocumentMut, objects: &[Object]) {
    let v1beta1 = objects
        .iter()
        .any(|o| o.kind == "NodePool" && o.api_version == "karpenter.sh/v1beta1");
    doc.insert("format", toml_edit::value(1));
    doc.insert("name", toml_edit::value("imported"));
    let mut cluster = Table::new();
    cluster.insert("region", toml_edit::value("us-east-1"));
    let mut start = toml_edit::value("2025-01-01T00:00:00Z");
    if let Some(v) = start.as_value_mut() {
        v.decor_mut()
            .set_suffix(" # ASSUMPTION: manifests carry no date; the day to simulate");
    }
    cluster.insert("start", start);
    cluster.insert("duration", toml_edit::value("24h"));
    doc.insert("cluster", Item::Table(cluster));
    let mut karpenter = Table::new();
    // v1beta1 NodePools are Karpenter v0.32–v0.37; karpsim's profile for them is v0.37.
    karpenter.insert(
        "version",
        toml_edit::value(if v1beta1 { "v0.37" } else { "v1" }),
    );
    doc.insert("karpenter", Item::Table(karpenter));
}

/// A JSON value as TOML: objects become inline tables, nulls are left out.
pub(crate) fn to_toml(v: &Json) -> Option<Value> {
    Some(match v {
        Json::Null => return None,
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            _ => Value::from(n.to_string()),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::Array(items.iter().filter_map(to_toml).collect()),
        Json::Object(map) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, v) in map {
                if let Some(v) = to_toml(v) {
                    t.insert(k, v);
                }
            }
            Value::InlineTable(t)
        }
    })
}

/// Copies `from` (a JSON value) into `table` under `key`, if present and not null. A list
/// of several tables (requirements, tolerations) gets a line per entry.
pub(crate) fn copy(table: &mut Table, key: &str, from: Option<&Json>) {
    if let Some(mut v) = from.and_then(to_toml) {
        if let Value::Array(a) = &mut v {
            one_per_line(a);
        }
        table.insert(key, toml_edit::value(v));
    }
}

/// Lays out an array of two or more inline tables one entry per line.
pub(crate) fn one_per_line(a: &mut toml_edit::Array) {
    if a.len() < 2 || !a.iter().all(Value::is_inline_table) {
        return;
    }
    for v in a.iter_mut() {
        v.decor_mut().set_prefix("\n  ");
    }
    a.set_trailing_comma(true);
    a.set_trailing("\n");
}

#[cfg(test)]
mod tests;
