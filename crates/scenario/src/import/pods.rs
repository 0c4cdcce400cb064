//! Deployments, StatefulSets, Jobs and DaemonSets: their pod template's requests and
//! scheduling constraints; PodDisruptionBudgets join the workloads they select.

use std::collections::BTreeMap;

use model::ResourceKind;
use model::quantity::{parse_bytes, parse_count, parse_cpu_millis};
use serde_json::Value as Json;
use toml_edit::{ArrayOfTables, InlineTable, Table, Value};

use super::{Object, copy, to_toml};

/// A `[[workloads]]` entry.
pub(super) fn workload(o: &Object, notes: &mut Vec<String>) -> Table {
    let mut t = Table::new();
    t.insert("name", toml_edit::value(o.name.as_str()));
    if o.kind != "Deployment" {
        t.insert("kind", toml_edit::value(o.kind.as_str()));
    }
    copy(&mut t, "namespace", o.at("metadata/namespace"));
    let replicas = if o.kind == "Job" {
        o.at("spec/parallelism")
    } else {
        o.at("spec/replicas")
    };
    copy(&mut t, "replicas", replicas);
    template(o, &mut t, notes);
    if o.kind == "Job" {
        let mut d = toml_edit::value("30m");
        if let Some(v) = d.as_value_mut() {
            v.decor_mut().set_suffix(
                " # ASSUMPTION: a Job's run time is not in its manifest; each pod runs this long",
            );
        }
        t.insert("duration", d);
    }
    t
}

/// A `[[daemonsets]]` entry.
pub(super) fn daemonset(o: &Object, notes: &mut Vec<String>) -> Table {
    let mut t = Table::new();
    t.insert("name", toml_edit::value(o.name.as_str()));
    template(o, &mut t, notes);
    t
}

/// The pod template's fields a scenario knows, from `spec.template`.
fn template(o: &Object, t: &mut Table, notes: &mut Vec<String>) {
    let Some(pod) = o.at("spec/template") else {
        notes.push(format!(
            "{}: no spec.template; a pod with no requests",
            o.label()
        ));
        return;
    };
    let spec = pod.get("spec").unwrap_or(&Json::Null);
    let requests = requests(o, spec, notes);
    if !requests.is_empty() {
        t.insert("requests", toml_edit::value(requests));
    }
    copy(t, "labels", pod.pointer("/metadata/labels"));
    copy(t, "nodeSelector", spec.get("nodeSelector"));
    if let Some(tolerations) = spec.get("tolerations").and_then(Json::as_array) {
        let mut kept = keep_keys(tolerations, &["key", "operator", "value", "effect"]);
        super::one_per_line(&mut kept);
        t.insert("tolerations", toml_edit::value(kept));
    }
    if let Some(spread) = spec
        .get("topologySpreadConstraints")
        .and_then(Json::as_array)
    {
        let keys = [
            "topologyKey",
            "maxSkew",
            "whenUnsatisfiable",
            "labelSelector",
            "minDomains",
        ];
        t.insert(
            "topologySpreadConstraints",
            toml_edit::value(keep_keys(spread, &keys)),
        );
    }
    if let Some(affinity) = spec.get("affinity") {
        node_affinity(affinity, t);
        for (kind, key) in [
            ("podAffinity", "podAffinity"),
            ("podAntiAffinity", "podAntiAffinity"),
        ] {
            if let Some(terms) = affinity.get(kind).map(pod_affinity_terms)
                && !terms.is_empty()
            {
                t.insert(key, toml_edit::value(terms));
            }
        }
    }
    copy(t, "priority", spec.get("priority"));
    copy(
        t,
        "terminationGracePeriodSeconds",
        spec.get("terminationGracePeriodSeconds"),
    );
    let annotation = |key: &str| {
        pod.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Json::as_str)
    };
    if annotation("karpenter.sh/do-not-disrupt") == Some("true") {
        t.insert("doNotDisrupt", toml_edit::value(true));
    }
    if let Some(cost) =
        annotation("controller.kubernetes.io/pod-deletion-cost").and_then(|c| c.parse::<i64>().ok())
    {
        t.insert("deletionCost", toml_edit::value(cost));
    }
}

/// The pod's effective requests, as Kubernetes computes them: per resource, the larger of
/// the containers' sum and the largest init container; a container's request defaults
/// to its limit.
fn requests(o: &Object, spec: &Json, notes: &mut Vec<String>) -> InlineTable {
    let mut sum: BTreeMap<&'static str, (ResourceKind, u64)> = BTreeMap::new();
    let mut init_max: BTreeMap<&'static str, (ResourceKind, u64)> = BTreeMap::new();
    for (list, into_sum) in [("containers", true), ("initContainers", false)] {
        for c in spec
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let resources = c.get("resources");
            let requested = resources.and_then(|r| r.get("requests"));
            let limits = resources.and_then(|r| r.get("limits"));
            let mut names: Vec<&String> = Vec::new();
            for m in [requested, limits]
                .into_iter()
                .flatten()
                .filter_map(Json::as_object)
            {
                names.extend(m.keys().filter(|k| !names.contains(k)).collect::<Vec<_>>());
            }
            for name in names {
                let q = requested
                    .and_then(|r| r.get(name))
                    .or_else(|| limits.and_then(|l| l.get(name)));
                let Some((kind, amount)) = q.and_then(|q| quantity(name, q)) else {
                    notes.push(format!(
                        "{}: resource {name} of container {} left out (not modelled, or not a quantity)",
                        o.label(),
                        c.get("name").and_then(Json::as_str).unwrap_or("?")
                    ));
                    continue;
                };
                let key = kind.kubernetes_name();
                let target = if into_sum { &mut sum } else { &mut init_max };
                let slot = target.entry(key).or_insert((kind, 0));
                slot.1 = if into_sum {
                    slot.1.saturating_add(amount)
                } else {
                    slot.1.max(amount)
                };
            }
        }
    }
    for (key, (kind, amount)) in init_max {
        let slot = sum.entry(key).or_insert((kind, 0));
        slot.1 = slot.1.max(amount);
    }
    let mut t = InlineTable::new();
    for (key, (kind, amount)) in sum {
        if amount > 0 {
            t.insert(key, Value::from(kind.format(amount)));
        }
    }
    t
}

/// A Kubernetes quantity of resource `name`, if karpsim models it.
fn quantity(name: &str, q: &Json) -> Option<(ResourceKind, u64)> {
    let kind = ResourceKind::from_kubernetes_name(name)?;
    let text = match q {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => return None,
    };
    let amount = match kind {
        ResourceKind::CpuMillis => parse_cpu_millis(&text),
        ResourceKind::MemoryBytes | ResourceKind::EphemeralStorageBytes => parse_bytes(&text),
        _ => parse_count(&text),
    };
    amount.ok().map(|a| (kind, a))
}

/// Each object of `items` with only `keys`, as TOML inline tables.
fn keep_keys(items: &[Json], keys: &[&str]) -> toml_edit::Array {
    items
        .iter()
        .filter_map(|item| {
            let mut t = InlineTable::new();
            for k in keys {
                if let Some(v) = item.get(*k).and_then(to_toml) {
                    t.insert(*k, v);
                }
            }
            (!t.is_empty()).then_some(Value::InlineTable(t))
        })
        .collect()
}

/// `nodeAffinity = { required = [[…]], preferred = [{ weight, matchExpressions }] }`.
fn node_affinity(affinity: &Json, t: &mut Table) {
    let Some(na) = affinity.get("nodeAffinity") else {
        return;
    };
    let mut out = InlineTable::new();
    let required: toml_edit::Array = na
        .pointer("/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|term| term.get("matchExpressions").and_then(to_toml))
        .collect();
    if !required.is_empty() {
        out.insert("required", Value::Array(required));
    }
    let preferred: toml_edit::Array = na
        .get("preferredDuringSchedulingIgnoredDuringExecution")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let mut e = InlineTable::new();
            e.insert("weight", to_toml(p.get("weight")?)?);
            e.insert(
                "matchExpressions",
                to_toml(p.pointer("/preference/matchExpressions")?)?,
            );
            Some(Value::InlineTable(e))
        })
        .collect();
    if !preferred.is_empty() {
        out.insert("preferred", Value::Array(preferred));
    }
    if !out.is_empty() {
        t.insert("nodeAffinity", toml_edit::value(out));
    }
}

/// Required terms as `{ topologyKey, labelSelector }`, preferred ones with their weight.
fn pod_affinity_terms(a: &Json) -> toml_edit::Array {
    let term = |t: &Json, weight: Option<&Json>| {
        let mut e = InlineTable::new();
        e.insert("topologyKey", to_toml(t.get("topologyKey")?)?);
        if let Some(s) = t.get("labelSelector").and_then(to_toml) {
            e.insert("labelSelector", s);
        }
        if let Some(w) = weight.and_then(to_toml) {
            e.insert("weight", w);
        }
        Some(Value::InlineTable(e))
    };
    let list = |key: &str| a.get(key).and_then(Json::as_array).into_iter().flatten();
    list("requiredDuringSchedulingIgnoredDuringExecution")
        .filter_map(|t| term(t, None))
        .chain(
            list("preferredDuringSchedulingIgnoredDuringExecution")
                .filter_map(|p| term(p.get("podAffinityTerm")?, p.get("weight"))),
        )
        .collect()
}

/// Sets `pdb` on every workload whose pod labels the budget's `matchLabels` select.
pub(super) fn attach_pdb(pdb: &Object, workloads: &mut ArrayOfTables, notes: &mut Vec<String>) {
    let Some(selector) = pdb
        .at("spec/selector/matchLabels")
        .and_then(Json::as_object)
    else {
        notes.push(format!(
            "{}: left out: only matchLabels selectors are read",
            pdb.label()
        ));
        return;
    };
    let limit = ["minAvailable", "maxUnavailable"]
        .iter()
        .find_map(|k| Some((*k, to_toml(pdb.at(&format!("spec/{k}"))?)?)));
    let Some((key, amount)) = limit else {
        notes.push(format!(
            "{}: left out: neither minAvailable nor maxUnavailable",
            pdb.label()
        ));
        return;
    };
    let mut matched = 0;
    for w in workloads.iter_mut() {
        let labels = w.get("labels").and_then(|l| l.as_inline_table());
        let selects = selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(|x| x.as_str()) == v.as_str());
        if selects {
            let mut t = InlineTable::new();
            t.insert(key, amount.clone());
            w.insert("pdb", toml_edit::value(t));
            matched += 1;
        }
    }
    if matched == 0 {
        notes.push(format!("{}: selects no imported workload", pdb.label()));
    }
}
