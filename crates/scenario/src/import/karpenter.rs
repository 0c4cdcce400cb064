//! NodePools and EC2NodeClasses: the scenario's tables mirror the objects' specs, flattened
//! (a NodePool's `spec.template.spec` and `spec` fields sit side by side).

use serde_json::Value as Json;
use toml_edit::Table;

use super::{Object, copy};

/// A `[[nodepools]]` entry from a `karpenter.sh/v1` or `v1beta1` NodePool.
pub(super) fn node_pool(o: &Object, notes: &mut Vec<String>) -> Table {
    let mut t = Table::new();
    t.insert("name", toml_edit::value(o.name.as_str()));
    copy(&mut t, "weight", o.at("spec/weight"));
    copy(
        &mut t,
        "nodeClassRef",
        o.at("spec/template/spec/nodeClassRef"),
    );
    copy(&mut t, "labels", o.at("spec/template/metadata/labels"));
    for key in ["taints", "startupTaints", "requirements"] {
        copy(&mut t, key, o.at(&format!("spec/template/spec/{key}")));
    }
    copy(&mut t, "limits", o.at("spec/limits"));
    // v1 moved these to the template; v1beta1 had expireAfter under disruption (copied
    // with it) and kubelet on the template.
    for key in ["expireAfter", "terminationGracePeriod", "kubelet"] {
        copy(&mut t, key, o.at(&format!("spec/template/spec/{key}")));
    }
    copy(&mut t, "disruption", o.at("spec/disruption"));
    if o.at("spec/replicas").is_some_and(|r| !r.is_null()) {
        notes.push(format!(
            "{}: spec.replicas left out: static NodePools are not modelled; it provisions for pending pods instead",
            o.label()
        ));
    }
    t
}

/// A `[[nodeclasses]]` entry from an EC2NodeClass: its AMI family (v1beta1's
/// `amiFamily`, or v1's `amiSelectorTerms` alias), root volume size and kubelet.
pub(super) fn node_class(o: &Object, notes: &mut Vec<String>) -> Table {
    let mut t = Table::new();
    t.insert("name", toml_edit::value(o.name.as_str()));
    let family = o
        .at("spec/amiFamily")
        .and_then(Json::as_str)
        .map(str::to_string)
        .or_else(|| alias_family(o));
    match family {
        Some(f) => {
            t.insert("amiFamily", toml_edit::value(f));
        }
        None => notes.push(format!(
            "{}: no AMI family found (amiFamily or an amiSelectorTerms alias); AL2023 assumed",
            o.label()
        )),
    }
    let mappings = o.at("spec/blockDeviceMappings").and_then(Json::as_array);
    // The root volume is the one marked so, else the first device (/dev/xvda on AL2023).
    let root = mappings.and_then(|m| {
        m.iter()
            .find(|d| d.get("rootVolume").and_then(Json::as_bool) == Some(true))
            .or_else(|| m.first())
    });
    copy(
        &mut t,
        "rootVolumeSize",
        root.and_then(|d| d.pointer("/ebs/volumeSize")),
    );
    copy(&mut t, "kubelet", o.at("spec/kubelet"));
    t
}

/// `al2023@latest` → `AL2023`, and so on for the aliases Karpenter v1 accepts.
fn alias_family(o: &Object) -> Option<String> {
    let terms = o.at("spec/amiSelectorTerms")?.as_array()?;
    let alias = terms
        .iter()
        .find_map(|t| t.get("alias").and_then(Json::as_str))?;
    let family = alias.split('@').next()?;
    let known = [
        ("al2023", "AL2023"),
        ("al2", "AL2"),
        ("bottlerocket", "Bottlerocket"),
        ("windows2019", "Windows2019"),
        ("windows2022", "Windows2022"),
    ];
    known
        .iter()
        .find(|(a, _)| *a == family)
        .map(|(_, f)| f.to_string())
}
