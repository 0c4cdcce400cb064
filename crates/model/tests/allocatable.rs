//! Karpenter's allocatable formula against Karpenter's own published table for every
//! instance type in the catalogue (AL2023, default kubelet settings).

use model::catalog::embedded;
use model::kubelet::KubeletConfig;

#[test]
fn formula_matches_published_allocatable_for_all_types() {
    let specs = &embedded().specs;
    assert_eq!(
        specs.len(),
        1363,
        "the catalogue must cover every type Karpenter documents"
    );
    let kubelet = KubeletConfig::default();
    let mut mismatches = Vec::new();
    for spec in specs {
        let computed = kubelet.node_resources(&spec.hardware()).allocatable;
        let published = spec.published_allocatable;
        let same = computed.cpu_millis() == published.cpu_millis()
            && computed.memory_bytes() == published.memory_bytes()
            && computed.pods() == published.pods()
            && computed.get(model::ResourceKind::EphemeralStorageBytes)
                == published.get(model::ResourceKind::EphemeralStorageBytes);
        if !same {
            mismatches.push(format!(
                "{}: computed {computed}, published {published}",
                spec.name
            ));
        }
    }
    let exact = specs.len() - mismatches.len();
    println!(
        "allocatable: {exact} of {} types match exactly",
        specs.len()
    );
    // docs/fidelity.md records this count; update both together.
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
