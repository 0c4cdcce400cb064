//! Karpenter's requirements algebra (`kubernetes-sigs/karpenter: pkg/scheduling/requirement.go`
//! and `requirements.go`): per label key either a set of allowed values or the complement
//! of a set, with optional integer bounds from `Gt`/`Lt`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::labels::{self, Labels};

/// A node-selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
    Gte,
    Lte,
}

impl Operator {
    pub const NAMES: [&'static str; 8] = [
        "In",
        "NotIn",
        "Exists",
        "DoesNotExist",
        "Gt",
        "Lt",
        "Gte",
        "Lte",
    ];

    pub fn parse(s: &str) -> Option<Operator> {
        Some(match s {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            "Gt" => Operator::Gt,
            "Lt" => Operator::Lt,
            "Gte" => Operator::Gte,
            "Lte" => Operator::Lte,
            _ => return None,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Operator::NAMES[*self as usize])
    }
}

/// The constraint on one label key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub key: String,
    /// If true, `values` are the *excluded* values and any other value is allowed.
    complement: bool,
    values: BTreeSet<String>,
    greater_than: Option<i64>,
    less_than: Option<i64>,
    /// Karpenter's `minValues`: at least this many distinct values must stay possible.
    pub min_values: Option<u32>,
}

impl Requirement {
    /// Builds a requirement the way `NewRequirement` does. Values of `Gt`/`Lt`/`Gte`/`Lte`
    /// must be integers; callers validate that first, a non-integer here means "no bound".
    pub fn new<'a>(
        key: &str,
        op: Operator,
        values: impl IntoIterator<Item = &'a str>,
    ) -> Requirement {
        let key = labels::normalize_key(key).to_string();
        let values: Vec<&str> = values.into_iter().collect();
        let bound = || values.first().and_then(|v| v.parse::<i64>().ok());
        let mut r = Requirement {
            key,
            complement: true,
            values: BTreeSet::new(),
            greater_than: None,
            less_than: None,
            min_values: None,
        };
        match op {
            Operator::In => {
                r.complement = false;
                r.values = values.iter().map(|v| v.to_string()).collect();
            }
            Operator::DoesNotExist => r.complement = false,
            Operator::NotIn => r.values = values.iter().map(|v| v.to_string()).collect(),
            Operator::Exists => {}
            Operator::Gt => r.greater_than = bound(),
            Operator::Lt => r.less_than = bound(),
            Operator::Gte => r.greater_than = bound().map(|v| v.saturating_sub(1)),
            Operator::Lte => r.less_than = bound().map(|v| v.saturating_add(1)),
        }
        r
    }

    pub fn exists(key: &str) -> Requirement {
        Requirement::new(key, Operator::Exists, [])
    }

    pub fn with_min_values(mut self, min_values: Option<u32>) -> Requirement {
        self.min_values = min_values;
        self
    }

    /// The operator this requirement reads as (Karpenter's `Operator()`): bounds read as `Exists`.
    pub fn operator(&self) -> Operator {
        match (self.complement, self.values.is_empty()) {
            (true, true) => Operator::Exists,
            (true, false) => Operator::NotIn,
            (false, false) => Operator::In,
            (false, true) => Operator::DoesNotExist,
        }
    }

    pub fn is_complement(&self) -> bool {
        self.complement
    }

    /// The listed values (allowed if `In`, excluded if `NotIn`), sorted.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// Number of allowed values; `usize::MAX` minus exclusions for a complement.
    pub fn len(&self) -> usize {
        if self.complement {
            usize::MAX - self.values.len()
        } else {
            self.values.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the requirement allows `value` (Karpenter's `Has`).
    pub fn has(&self, value: &str) -> bool {
        let listed = self.values.contains(value);
        (listed != self.complement) && within_bounds(value, self.greater_than, self.less_than)
    }

    /// The constraint both requirements impose (Karpenter's `Intersection`).
    pub fn intersection(&self, other: &Requirement) -> Requirement {
        let complement = self.complement && other.complement;
        let greater_than = max_opt(self.greater_than, other.greater_than);
        let less_than = min_opt(self.less_than, other.less_than);
        let min_values = max_opt(self.min_values, other.min_values);
        if let (Some(gt), Some(lt)) = (greater_than, less_than)
            && gt >= lt
        {
            return Requirement::new(&self.key, Operator::DoesNotExist, [])
                .with_min_values(min_values);
        }
        let mut values: BTreeSet<String> = match (self.complement, other.complement) {
            (true, true) => self.values.union(&other.values).cloned().collect(),
            (true, false) => other.values.difference(&self.values).cloned().collect(),
            (false, true) => self.values.difference(&other.values).cloned().collect(),
            (false, false) => self.values.intersection(&other.values).cloned().collect(),
        };
        values.retain(|v| within_bounds(v, greater_than, less_than));
        let (greater_than, less_than) = if complement {
            (greater_than, less_than)
        } else {
            (None, None)
        };
        Requirement {
            key: self.key.clone(),
            complement,
            values,
            greater_than,
            less_than,
            min_values,
        }
    }
}

fn within_bounds(value: &str, greater_than: Option<i64>, less_than: Option<i64>) -> bool {
    if greater_than.is_none() && less_than.is_none() {
        return true;
    }
    let Ok(v) = value.parse::<i64>() else {
        return false;
    };
    greater_than.is_none_or(|gt| v > gt) && less_than.is_none_or(|lt| v < lt)
}

fn max_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operator();
        write!(f, "{} {}", self.key, op)?;
        if matches!(op, Operator::In | Operator::NotIn) {
            let shown: Vec<&str> = self.values().take(5).collect();
            write!(f, " [{}", shown.join(" "))?;
            if self.values.len() > 5 {
                write!(f, " and {} others", self.values.len() - 5)?;
            }
            f.write_str("]")?;
        }
        if let Some(gt) = self.greater_than {
            write!(f, " >{gt}")?;
        }
        if let Some(lt) = self.less_than {
            write!(f, " <{lt}")?;
        }
        Ok(())
    }
}

/// Requirements keyed by label key, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Requirements(BTreeMap<String, Requirement>);

/// Why two sets of requirements cannot both hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Incompatibility {
    #[error("label {key:?} does not have known values{hint}")]
    UndefinedLabel { key: String, hint: String },
    #[error("key {key}, {incoming} not in {existing}")]
    NoOverlap {
        key: String,
        incoming: String,
        existing: String,
    },
}

impl Requirements {
    pub fn from_labels(labels: &Labels) -> Requirements {
        crate::labels::label_requirements(labels)
    }

    /// Adds a requirement, intersecting with any existing one on the same key.
    pub fn add(&mut self, requirement: Requirement) {
        match self.0.get_mut(&requirement.key) {
            Some(existing) => *existing = requirement.intersection(existing),
            None => {
                self.0.insert(requirement.key.clone(), requirement);
            }
        }
    }

    pub fn add_all(&mut self, other: &Requirements) {
        for r in other.0.values() {
            self.add(r.clone());
        }
    }

    pub fn get(&self, key: &str) -> Option<&Requirement> {
        self.0.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.0.values()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Karpenter's `Compatible` with `AllowUndefinedWellKnownLabels`: custom labels the
    /// other side requires must be defined here (unless it only excludes them), and every
    /// shared key must overlap.
    pub fn compatible(&self, incoming: &Requirements) -> Result<(), Incompatibility> {
        for (key, req) in &incoming.0 {
            if labels::is_well_known(key) || self.has(key) {
                continue;
            }
            if matches!(req.operator(), Operator::NotIn | Operator::DoesNotExist) {
                continue;
            }
            return Err(Incompatibility::UndefinedLabel {
                key: key.clone(),
                hint: self.label_hint(key),
            });
        }
        self.intersects(incoming)
    }

    /// [`Requirements::compatible`] without building an error message: for hot loops
    /// that only need the answer.
    pub fn is_compatible(&self, incoming: &Requirements) -> bool {
        let defined = incoming.0.iter().all(|(key, req)| {
            labels::is_well_known(key)
                || self.has(key)
                || matches!(req.operator(), Operator::NotIn | Operator::DoesNotExist)
        });
        defined && self.intersects(incoming).is_ok()
    }

    /// Karpenter's `Intersects`: shared keys must overlap unless both sides only exclude.
    pub fn intersects(&self, incoming: &Requirements) -> Result<(), Incompatibility> {
        for (key, theirs) in &incoming.0 {
            let Some(ours) = self.0.get(key) else {
                continue;
            };
            if !ours.intersection(theirs).is_empty() {
                continue;
            }
            let excludes = |op| matches!(op, Operator::NotIn | Operator::DoesNotExist);
            if excludes(theirs.operator()) && excludes(ours.operator()) {
                continue;
            }
            return Err(Incompatibility::NoOverlap {
                key: key.clone(),
                incoming: theirs.to_string(),
                existing: ours.to_string(),
            });
        }
        Ok(())
    }

    /// True if a node with these labels satisfies every requirement (undefined keys only
    /// satisfy `NotIn`/`DoesNotExist`).
    pub fn matches_labels(&self, node_labels: &Labels) -> bool {
        self.0.values().all(|r| match node_labels.get(&r.key) {
            Some(v) => r.has(v),
            None => matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist),
        })
    }

    /// A "typo of …?" hint for an undefined key, as Karpenter's `labelHint` gives.
    fn label_hint(&self, key: &str) -> String {
        let suffix = key.rsplit('/').next().unwrap_or(key);
        let candidates = labels::WELL_KNOWN
            .iter()
            .copied()
            .chain(self.0.keys().map(String::as_str));
        for known in candidates {
            if known.contains(key)
                || edit_distance(key, known) < known.len() / 5
                || known.ends_with(suffix)
            {
                return format!(" (typo of {known:?}?)");
            }
        }
        String::new()
    }
}

/// Levenshtein distance, used for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key, op, values.iter().copied())
    }

    fn reqs(list: &[Requirement]) -> Requirements {
        let mut r = Requirements::default();
        for x in list {
            r.add(x.clone());
        }
        r
    }

    // The table of `requirement_test.go` "Intersection" in kubernetes-sigs/karpenter:
    // operator pairs and what their intersection reads as.
    #[test]
    fn intersection_operator_table() {
        let exists = req("key", Operator::Exists, &[]);
        let dne = req("key", Operator::DoesNotExist, &[]);
        let in_a = req("key", Operator::In, &["A"]);
        let in_b = req("key", Operator::In, &["B"]);
        let in_ab = req("key", Operator::In, &["A", "B"]);
        let notin_a = req("key", Operator::NotIn, &["A"]);
        assert_eq!(exists.intersection(&exists).operator(), Operator::Exists);
        assert_eq!(exists.intersection(&dne).operator(), Operator::DoesNotExist);
        assert_eq!(exists.intersection(&in_a), req("key", Operator::In, &["A"]));
        assert_eq!(in_a.intersection(&in_b).operator(), Operator::DoesNotExist);
        assert_eq!(
            in_ab.intersection(&notin_a),
            req("key", Operator::In, &["B"])
        );
        assert_eq!(
            notin_a.intersection(&req("key", Operator::NotIn, &["B"])),
            req("key", Operator::NotIn, &["A", "B"])
        );
        assert_eq!(
            dne.intersection(&notin_a).operator(),
            Operator::DoesNotExist
        );
    }

    #[test]
    fn bounds_filter_values_and_collapse() {
        let gt1 = req("key", Operator::Gt, &["1"]);
        let lt9 = req("key", Operator::Lt, &["9"]);
        let both = gt1.intersection(&lt9);
        assert!(both.has("5"));
        assert!(!both.has("1"));
        assert!(!both.has("9"));
        assert!(!both.has("five"));
        let in_vals = req("key", Operator::In, &["0", "5", "10"]);
        assert_eq!(
            in_vals.intersection(&both),
            req("key", Operator::In, &["5"])
        );
        let gt9 = req("key", Operator::Gt, &["9"]);
        assert_eq!(gt9.intersection(&lt9).operator(), Operator::DoesNotExist);
        let gte5 = req("key", Operator::Gte, &["5"]);
        assert!(gte5.has("5") && !gte5.has("4"));
        let lte5 = req("key", Operator::Lte, &["5"]);
        assert!(lte5.has("5") && !lte5.has("6"));
    }

    #[test]
    fn compatible_requires_custom_labels_to_be_defined() {
        let pool = reqs(&[req(labels::ZONE, Operator::In, &["us-east-1a"])]);
        // A well-known label the pool leaves undefined is allowed.
        assert!(
            pool.compatible(&reqs(&[req(labels::ARCH, Operator::In, &["amd64"])]))
                .is_ok()
        );
        // A custom label the pool does not define is not.
        let err = pool
            .compatible(&reqs(&[req("team", Operator::In, &["a"])]))
            .unwrap_err();
        assert!(matches!(err, Incompatibility::UndefinedLabel { .. }));
        // Unless the pod only excludes it.
        assert!(
            pool.compatible(&reqs(&[req("team", Operator::NotIn, &["a"])]))
                .is_ok()
        );
        assert!(
            pool.compatible(&reqs(&[req("team", Operator::DoesNotExist, &[])]))
                .is_ok()
        );
        // Shared keys must overlap.
        let err = pool
            .compatible(&reqs(&[req(labels::ZONE, Operator::In, &["us-east-1b"])]))
            .unwrap_err();
        assert!(err.to_string().contains("not in"), "{err}");
    }

    #[test]
    fn compatible_hint_suggests_well_known_label() {
        let pool = Requirements::default();
        let err = pool
            .compatible(&reqs(&[req(
                "topology.kubernetes.io/zones",
                Operator::In,
                &["a"],
            )]))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("typo of \"topology.kubernetes.io/zone\""),
            "{err}"
        );
    }

    #[test]
    fn both_excluding_sides_are_compatible() {
        let a = reqs(&[req("key", Operator::NotIn, &["x"])]);
        let b = reqs(&[req("key", Operator::DoesNotExist, &[])]);
        assert!(a.compatible(&b).is_ok());
    }

    #[test]
    fn deprecated_keys_are_normalized() {
        let r = req(
            "failure-domain.beta.kubernetes.io/zone",
            Operator::In,
            &["a"],
        );
        assert_eq!(r.key, labels::ZONE);
    }

    #[test]
    fn matches_labels() {
        let r = reqs(&[
            req("a", Operator::In, &["1"]),
            req("b", Operator::DoesNotExist, &[]),
        ]);
        let mut l = Labels::new();
        l.insert("a".into(), "1".into());
        assert!(r.matches_labels(&l));
        l.insert("b".into(), "x".into());
        assert!(!r.matches_labels(&l));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("consolidateAfer", "consolidateAfter"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
