//! `scenario::import` on real manifests (samples in `tests/manifests/`, each with its
//! source): Karpenter's own examples, Google's microservices demo and kube-prometheus
//! become a scenario that validates, with the objects' figures.

use scenario::import::{Manifest, import};

fn manifest(name: &str) -> (String, String) {
    let path = format!("{}/tests/manifests/{name}", env!("CARGO_MANIFEST_DIR"));
    (name.to_string(), std::fs::read_to_string(path).unwrap())
}

fn imported(names: &[&str]) -> (scenario::import::Imported, toml::Table) {
    let files: Vec<(String, String)> = names.iter().map(|n| manifest(n)).collect();
    let manifests: Vec<Manifest<'_>> = files
        .iter()
        .map(|(name, text)| Manifest { name, text })
        .collect();
    let imported = import(&manifests).unwrap();
    if let Err(d) = scenario::parse_str("imported.toml", &imported.toml) {
        panic!("{d:?}\n{}", imported.toml);
    }
    let table = imported.toml.parse().unwrap();
    (imported, table)
}

#[test]
fn karpenter_v1_example_with_apps_becomes_a_valid_scenario() {
    let (imported, t) = imported(&[
        "karpenter-v1-general-purpose.yaml",
        "microservices-demo-frontend.yaml",
        "kube-prometheus-adapter-and-node-exporter.yaml",
    ]);
    assert_eq!(t["karpenter"]["version"].as_str(), Some("v1"));
    let pool = &t["nodepools"][0];
    assert_eq!(pool["name"].as_str(), Some("general-purpose"));
    assert_eq!(pool["requirements"].as_array().unwrap().len(), 5);
    assert_eq!(pool["nodeClassRef"]["name"].as_str(), Some("default"));
    // v1's EC2NodeClass names its AMI by alias.
    assert_eq!(t["nodeclasses"][0]["amiFamily"].as_str(), Some("AL2023"));
    let workload = |name: &str| {
        t["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"].as_str() == Some(name))
            .unwrap()
            .clone()
    };
    let frontend = workload("frontend");
    assert_eq!(frontend["requests"]["cpu"].as_str(), Some("100m"));
    assert_eq!(frontend["requests"]["memory"].as_str(), Some("64Mi"));
    let adapter = workload("prometheus-adapter");
    assert_eq!(adapter["replicas"].as_integer(), Some(2));
    assert_eq!(adapter["namespace"].as_str(), Some("monitoring"));
    // The PodDisruptionBudget found its Deployment by matchLabels.
    assert_eq!(adapter["pdb"]["minAvailable"].as_integer(), Some(1));
    // node-exporter's two containers: 102m + 10m, 180Mi + 20Mi.
    let exporter = &t["daemonsets"][0];
    assert_eq!(exporter["requests"]["cpu"].as_str(), Some("112m"));
    assert_eq!(exporter["requests"]["memory"].as_str(), Some("200Mi"));
    let skipped = imported
        .notes
        .iter()
        .find(|n| n.starts_with("skipped, not modelled:"))
        .unwrap();
    assert!(
        skipped.contains("1 Service (first: microservices-demo-frontend.yaml:"),
        "{skipped}"
    );
    assert!(
        imported.toml.contains("#   skipped, not modelled:"),
        "notes go in the file too"
    );
}

#[test]
fn a_v1beta1_example_selects_the_v0_37_profile() {
    let (_, t) = imported(&["karpenter-v1beta1-spot.yaml"]);
    assert_eq!(t["karpenter"]["version"].as_str(), Some("v0.37"));
    assert_eq!(t["nodeclasses"][0]["amiFamily"].as_str(), Some("AL2"));
    let pool = &t["nodepools"][0];
    assert_eq!(pool["requirements"][0]["values"][0].as_str(), Some("spot"));
}
