//! `--set PATH=VALUE`: a scenario's TOML edited before it is read, for what-if runs and
//! sweeps without copies of the file.
//!
//! The edit is made in place on the document (`toml_edit`), so every line the user did
//! not touch keeps its number and diagnostics still point into the file as written.
//!
//! A path is dotted keys; an array of tables (`[[nodepools]]`, `[[workloads]]`, …) takes
//! an entry's `name` or its index (`nodepools.default-nodepool.weight`,
//! `timeline.0.at`). A key with a dot in it is quoted (`labels."karpenter.sh/x"`).
//! Tables on the way that do not exist yet are created (`what_if.repack_n_to_m`). A value
//! is TOML (`50`, `true`, `["spot"]`, `{ nodes = "20%" }`); anything that does not read as
//! TOML, or reads as a date, is taken as a string, so `30s` and `WhenEmpty` need no
//! quotes.
//!
//! ```
//! let text = "[cluster]\nseed = 1\n\n[[nodepools]]\nname = \"a\"\nweight = 10 # why\n";
//! let set = scenario::overrides::Setting::parse("nodepools.a.weight=50").unwrap();
//! let edits: Vec<(&str, &str)> = set.edits(&set.values[0]).collect();
//! let edited = scenario::overrides::apply(text, &edits).unwrap();
//! assert_eq!(edited, "[cluster]\nseed = 1\n\n[[nodepools]]\nname = \"a\"\nweight = 50 # why\n");
//! ```

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// One `--set PATH=V1,V2,…` as typed: a path and the values to try, in order. Commas
/// inside brackets, braces or quotes belong to the value. `A+B=V1,V2` sets both paths
/// to each value in turn (three workloads' spike factors moving together, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// As typed, `+` and all: how tables name the setting.
    pub path: String,
    pub paths: Vec<String>,
    pub values: Vec<String>,
}

impl Setting {
    /// Reads `PATH=V1,V2,…`.
    pub fn parse(arg: &str) -> Result<Setting, String> {
        let Some((path, values)) = arg.split_once('=') else {
            return Err(format!(
                "--set {arg}: expected PATH=VALUE, e.g. nodepools.default.weight=50"
            ));
        };
        let path = path.trim();
        let paths: Vec<String> = path.split('+').map(|p| p.trim().to_string()).collect();
        for p in &paths {
            segments(p).map_err(|why| format!("--set {arg}: {why}"))?;
        }
        let values = split_top_level(values);
        if values.iter().any(|v| v.is_empty()) {
            return Err(format!(
                "--set {arg}: an empty value; separate values with commas, e.g. {path}=10,50"
            ));
        }
        if let Some((_, twice)) = values
            .iter()
            .enumerate()
            .find(|(i, v)| values[..*i].contains(v))
        {
            return Err(format!("--set {arg}: {twice} is listed twice"));
        }
        Ok(Setting {
            path: path.to_string(),
            paths,
            values,
        })
    }

    /// The edits that give this setting its `value`: every path set to it.
    pub fn edits<'s>(&'s self, value: &'s str) -> impl Iterator<Item = (&'s str, &'s str)> {
        self.paths.iter().map(move |p| (p.as_str(), value))
    }
}

/// Applies `(path, value)` edits in order to scenario text; the error names the path.
/// Text that is not TOML comes back unchanged, for the reader to locate its error.
pub fn apply(text: &str, edits: &[(&str, &str)]) -> Result<String, String> {
    // A document that does not parse is returned as it is: the scenario reader's
    // message then names the line.
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Ok(text.to_string());
    };
    for (path, value) in edits {
        set(doc.as_table_mut(), path, value).map_err(|why| format!("--set {path}: {why}"))?;
    }
    Ok(doc.to_string())
}

/// A path's keys; quoted keys may hold dots.
fn segments(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    loop {
        let (segment, tail) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| "a quoted key is not closed".to_string())?;
            let tail = &quoted[end + 1..];
            if !(tail.is_empty() || tail.starts_with('.')) {
                return Err("a quoted key must be followed by `.` or `=`".into());
            }
            (quoted[..end].to_string(), tail)
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            (rest[..end].trim().to_string(), &rest[end..])
        };
        if segment.is_empty() {
            return Err("an empty key in the path".into());
        }
        out.push(segment);
        match tail.strip_prefix('.') {
            Some(t) => rest = t,
            None => return Ok(out),
        }
    }
}

/// `a,[b,c],"d,e"` → `a`, `[b,c]`, `"d,e"`.
fn split_top_level(values: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (i, c) in values.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(values[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(values[start..].trim().to_string());
    out
}

/// A value as TOML, else as a string.
fn value_of(text: &str) -> Value {
    match text.parse::<Value>() {
        Ok(Value::Datetime(_)) | Err(_) => Value::from(text),
        Ok(v) => v,
    }
}

fn set(root: &mut Table, path: &str, value: &str) -> Result<(), String> {
    let keys = segments(path)?;
    let mut table: &mut dyn TableLike = root;
    let mut inline = false;
    let mut at = 0;
    loop {
        let walked = keys[..=at].join(".");
        let item = table.entry(&keys[at]).or_insert(Item::None);
        at += 1;
        let Some(next) = keys.get(at) else {
            return put(item, value, &walked);
        };
        if item.is_none() {
            // A table that is not there yet: the scenario's defaults apply to the rest.
            *item = if inline {
                Item::Value(Value::InlineTable(Default::default()))
            } else {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            };
        }
        (table, inline) = match item {
            Item::Table(t) => (t as &mut dyn TableLike, false),
            Item::Value(Value::InlineTable(t)) => (t as &mut dyn TableLike, true),
            Item::ArrayOfTables(array) => {
                let names: Vec<String> = array.iter().map(|t| name_of(t.get("name"))).collect();
                let i = find_entry(&names, next, &walked)?;
                at += 1;
                match array.get_mut(i) {
                    Some(t) => (t as &mut dyn TableLike, false),
                    None => return Err(format!("{walked} has no entry {i}")),
                }
            }
            Item::Value(Value::Array(array)) => {
                let names: Vec<String> = array
                    .iter()
                    .map(|v| name_of_value(v.as_inline_table().and_then(|t| t.get("name"))))
                    .collect();
                let i = find_entry(&names, next, &walked)?;
                at += 1;
                match array.get_mut(i).and_then(Value::as_inline_table_mut) {
                    Some(t) => (t as &mut dyn TableLike, true),
                    None => return Err(format!("{walked}.{next} is not a table")),
                }
            }
            Item::Value(_) | Item::None => {
                return Err(format!(
                    "{walked} is a value, not a table; it has no key `{next}`"
                ));
            }
        };
        if at == keys.len() {
            return Err(format!(
                "{} is an entry of a list; set one of its keys (e.g. {}.KEY=VALUE)",
                keys.join("."),
                keys.join(".")
            ));
        }
    }
}

/// Puts `value` in the slot `here`, reached by `path`.
fn put(here: &mut Item, value: &str, path: &str) -> Result<(), String> {
    let mut new = value_of(value);
    match here {
        Item::Value(old) => {
            // Keep the comment after the value and the spacing around it.
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        Item::None => *here = Item::Value(new),
        Item::Table(_) | Item::ArrayOfTables(_) => {
            return Err(format!(
                "{path} is a table; set one of its keys (e.g. {path}.KEY=VALUE)"
            ));
        }
    }
    Ok(())
}

/// Which entry of a list `key` names: its `name`, else its index.
fn find_entry(names: &[String], key: &str, list: &str) -> Result<usize, String> {
    if let Some(at) = names.iter().position(|n| n == key) {
        return Ok(at);
    }
    if let Ok(at) = key.parse::<usize>() {
        return if at < names.len() {
            Ok(at)
        } else {
            Err(format!(
                "{list} has {} entries; index {at} is past the end",
                names.len()
            ))
        };
    }
    let known: Vec<&str> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(String::as_str)
        .collect();
    Err(if known.is_empty() {
        format!("{list} has no entry named `{key}`; its entries have no names, use an index")
    } else {
        format!(
            "{list} has no entry named `{key}` (entries: {})",
            known.join(", ")
        )
    })
}

fn name_of(item: Option<&Item>) -> String {
    item.and_then(Item::as_str).unwrap_or_default().to_string()
}

fn name_of_value(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"[cluster]
seed = 1 # the seed

[[nodepools]]
name = "general"
weight = 10
requirements = [
  { key = "karpenter.sh/capacity-type", operator = "In", values = ["on-demand"] },
]
labels = { "karpenter.sh/managed-by" = "karpenter" }

[nodepools.disruption]
consolidateAfter = "1m"

[[nodepools]]
name = "memory"
weight = 20

[[timeline]]
at = "08:00"
"#;

    fn edit(path: &str, value: &str) -> Result<String, String> {
        apply(DOC, &[(path, value)])
    }

    #[test]
    fn a_value_is_replaced_in_place_keeping_its_comment_and_every_other_line() {
        let out = edit("cluster.seed", "7").unwrap();
        assert_eq!(
            out,
            DOC.replace("seed = 1 # the seed", "seed = 7 # the seed")
        );
    }

    #[test]
    fn list_entries_are_named_by_name_or_index() {
        let by_name = edit("nodepools.memory.weight", "50").unwrap();
        assert_eq!(by_name, DOC.replace("weight = 20", "weight = 50"));
        let by_index = edit("nodepools.1.weight", "50").unwrap();
        assert_eq!(by_index, by_name);
        let timeline = edit("timeline.0.at", "09:30").unwrap();
        assert_eq!(timeline, DOC.replace("at = \"08:00\"", "at = \"09:30\""));
    }

    #[test]
    fn sub_tables_inline_tables_and_quoted_keys_are_reached() {
        let out = edit("nodepools.general.disruption.consolidateAfter", "5m").unwrap();
        assert_eq!(out, DOC.replace("\"1m\"", "\"5m\""));
        let out = edit("nodepools.general.requirements.0.values", r#"["spot"]"#).unwrap();
        assert_eq!(out, DOC.replace(r#"["on-demand"]"#, r#"["spot"]"#));
        let out = edit(
            r#"nodepools.general.labels."karpenter.sh/managed-by""#,
            "me",
        )
        .unwrap();
        assert_eq!(out, DOC.replace(r#"= "karpenter" }"#, r#"= "me" }"#));
    }

    #[test]
    fn missing_keys_and_tables_are_added() {
        let out = edit("what_if.repack_n_to_m", "true").unwrap();
        let table: toml::Table = out.parse().unwrap();
        assert_eq!(table["what_if"]["repack_n_to_m"].as_bool(), Some(true));
        let out = edit("nodepools.memory.limits", "{ cpu = 100 }").unwrap();
        let table: toml::Table = out.parse().unwrap();
        assert_eq!(
            table["nodepools"][1]["limits"]["cpu"].as_integer(),
            Some(100)
        );
        // A sub-table of a list entry that has none lands under that entry.
        let out = edit("nodepools.memory.disruption.consolidateAfter", "5m").unwrap();
        let table: toml::Table = out.parse().unwrap();
        let pools = table["nodepools"].as_array().unwrap();
        assert_eq!(
            pools[1]["disruption"]["consolidateAfter"].as_str(),
            Some("5m")
        );
        assert_eq!(
            pools[0]["disruption"]["consolidateAfter"].as_str(),
            Some("1m")
        );
        // Inside an inline table, a missing table is an inline one.
        let out = edit("nodepools.general.labels.extra.x", "1").unwrap();
        let table: toml::Table = out.parse().unwrap();
        let labels = &table["nodepools"][0]["labels"];
        assert_eq!(labels["extra"]["x"].as_integer(), Some(1));
    }

    #[test]
    fn values_that_are_not_toml_or_are_dates_become_strings() {
        assert_eq!(value_of("30s").as_str(), Some("30s"));
        assert_eq!(value_of("WhenEmpty").as_str(), Some("WhenEmpty"));
        assert_eq!(
            value_of("2025-10-16T06:50:00Z").as_str(),
            Some("2025-10-16T06:50:00Z")
        );
        assert_eq!(value_of("\"50\"").as_str(), Some("50"));
        assert_eq!(value_of("50").as_integer(), Some(50));
        assert_eq!(value_of("0.5").as_float(), Some(0.5));
    }

    #[test]
    fn wrong_paths_say_what_is_there() {
        let err = edit("nodepools.gpu.weight", "1").unwrap_err();
        assert_eq!(
            err,
            "--set nodepools.gpu.weight: nodepools has no entry named `gpu` (entries: general, memory)"
        );
        let err = edit("nodepools.5.weight", "1").unwrap_err();
        assert_eq!(
            err,
            "--set nodepools.5.weight: nodepools has 2 entries; index 5 is past the end"
        );
        let err = edit("timeline.first.at", "1").unwrap_err();
        assert!(
            err.contains("its entries have no names, use an index"),
            "{err}"
        );
        let err = edit("cluster.seed.x", "1").unwrap_err();
        assert_eq!(
            err,
            "--set cluster.seed.x: cluster.seed is a value, not a table; it has no key `x`"
        );
        let err = edit("cluster", "1").unwrap_err();
        assert!(
            err.contains("cluster is a table; set one of its keys"),
            "{err}"
        );
        let err = edit("nodepools.memory", "1").unwrap_err();
        assert!(err.contains("is an entry of a list"), "{err}");
    }

    #[test]
    fn settings_split_values_at_top_level_commas_only() {
        let s = Setting::parse(r#"nodepools.a.requirements.0.values=["a","b"],["c"]"#).unwrap();
        assert_eq!(s.path, "nodepools.a.requirements.0.values");
        assert_eq!(s.values, vec![r#"["a","b"]"#, r#"["c"]"#]);
        let s = Setting::parse(r#"x.y="a,b", c ,{ n = 1, m = 2 }"#).unwrap();
        assert_eq!(s.values, vec![r#""a,b""#, "c", "{ n = 1, m = 2 }"]);
        assert!(
            Setting::parse("x.y")
                .unwrap_err()
                .contains("expected PATH=VALUE")
        );
        assert!(
            Setting::parse("x.y=1,,2")
                .unwrap_err()
                .contains("an empty value")
        );
        assert!(
            Setting::parse("x.y=1,2,1")
                .unwrap_err()
                .contains("1 is listed twice")
        );
        assert!(
            Setting::parse("x..y=1")
                .unwrap_err()
                .contains("an empty key")
        );
        assert!(
            Setting::parse(r#""x.y=1"#)
                .unwrap_err()
                .contains("not closed")
        );
        let s = Setting::parse("a.x + b.y=1,2").unwrap();
        assert_eq!(s.path, "a.x + b.y");
        assert_eq!(
            s.edits("2").collect::<Vec<_>>(),
            vec![("a.x", "2"), ("b.y", "2")]
        );
        assert!(
            Setting::parse("a.x+=1")
                .unwrap_err()
                .contains("an empty key")
        );
    }

    #[test]
    fn text_that_is_not_toml_comes_back_for_the_reader_to_locate() {
        assert_eq!(apply("a = [", &[("a", "1")]).unwrap(), "a = [");
    }
}
