use super::*;

fn import_text(name: &str, text: &str) -> Imported {
    import(&[Manifest { name, text }]).unwrap()
}

fn table(imported: &Imported) -> toml::Table {
    imported.toml.parse().unwrap()
}

#[test]
fn pod_requests_follow_kubernetes_rules() {
    let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 3
  template:
    metadata:
      labels: { app: web }
      annotations: { karpenter.sh/do-not-disrupt: "true" }
    spec:
      initContainers:
        - name: migrate
          resources: { requests: { cpu: "2", memory: 100Mi } }
      containers:
        - name: app
          resources: { requests: { cpu: 250m, memory: 1Gi } }
        - name: sidecar
          resources: { limits: { cpu: 50m, memory: 64Mi, nvidia.com/gpu: 1 } }
        - name: scratch
          resources: { requests: { hugepages-2Mi: 1Gi } }
"#;
    let imported = import_text("web.yaml", yaml);
    let t = table(&imported);
    let w = &t["workloads"][0];
    assert_eq!(w["name"].as_str(), Some("web"));
    assert_eq!(w["namespace"].as_str(), Some("shop"));
    assert_eq!(w["replicas"].as_integer(), Some(3));
    assert_eq!(w["doNotDisrupt"].as_bool(), Some(true));
    // CPU: the init container's 2 beats the containers' 300m; memory: 1Gi + 64Mi (the
    // sidecar's limit, as its request) beats 100Mi; the GPU comes from a limit.
    let r = &w["requests"];
    assert_eq!(r["cpu"].as_str(), Some("2"));
    assert_eq!(r["memory"].as_str(), Some("1088Mi"));
    assert_eq!(r["nvidia.com/gpu"].as_str(), Some("1"));
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("hugepages-2Mi of container scratch left out")),
        "{:?}",
        imported.notes
    );
}

#[test]
fn affinity_spread_tolerations_and_a_job_become_scenario_keys() {
    let yaml = r#"
apiVersion: batch/v1
kind: Job
metadata: { name: batch }
spec:
  parallelism: 4
  template:
    metadata: { labels: { app: batch } }
    spec:
      tolerations: [{ key: dedicated, operator: Equal, value: batch, effect: NoSchedule, tolerationSeconds: 30 }]
      topologySpreadConstraints:
        - { topologyKey: topology.kubernetes.io/zone, maxSkew: 1, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: batch } }, matchLabelKeys: [pod-template-hash] }
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{ matchExpressions: [{ key: karpenter.sh/capacity-type, operator: In, values: [spot] }] }]
          preferredDuringSchedulingIgnoredDuringExecution:
            - { weight: 10, preference: { matchExpressions: [{ key: kubernetes.io/arch, operator: In, values: [arm64] }] } }
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - { weight: 50, podAffinityTerm: { topologyKey: kubernetes.io/hostname, labelSelector: { matchLabels: { app: batch } } } }
      containers: [{ name: c, resources: { requests: { cpu: 1 } } }]
"#;
    let imported = import_text("job.yaml", yaml);
    assert!(imported.toml.contains("ASSUMPTION: a Job's run time"));
    let t = table(&imported);
    let w = &t["workloads"][0];
    assert_eq!(w["kind"].as_str(), Some("Job"));
    assert_eq!(w["replicas"].as_integer(), Some(4));
    assert_eq!(w["duration"].as_str(), Some("30m"));
    let toleration = w["tolerations"][0].as_table().unwrap();
    assert!(!toleration.contains_key("tolerationSeconds"));
    assert!(
        !w["topologySpreadConstraints"][0]
            .as_table()
            .unwrap()
            .contains_key("matchLabelKeys")
    );
    assert_eq!(
        w["nodeAffinity"]["required"][0][0]["values"][0].as_str(),
        Some("spot")
    );
    assert_eq!(
        w["nodeAffinity"]["preferred"][0]["weight"].as_integer(),
        Some(10)
    );
    assert_eq!(w["podAntiAffinity"][0]["weight"].as_integer(), Some(50));
    // The file validates once a NodePool is added, as the note says.
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("no Karpenter NodePool"))
    );
    let pool = "\n[[nodepools]]\nname = \"default\"\n";
    if let Err(d) = crate::parse_str("job.toml", &format!("{}{pool}", imported.toml)) {
        panic!("{d:?}\n{}", imported.toml);
    }
}

#[test]
fn yaml_that_does_not_parse_is_located() {
    let err = import(&[Manifest {
        name: "bad.yaml",
        text: "kind: Deployment\nmetadata:\n  name: [unclosed\n",
    }])
    .unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(err[0].to_string().starts_with("bad.yaml:"), "{}", err[0]);
    assert!(err[0].line > 0, "{}", err[0]);
}

#[test]
fn documents_are_numbered_by_their_first_line_with_content() {
    let text = "# a comment\n---\n# only a comment\n---\nkind: A\n---\n\nkind: B\n";
    assert_eq!(document_lines(text), vec![5, 8]);
}

#[test]
fn a_list_holds_objects_and_a_budget_without_a_match_is_noted() {
    let yaml = r#"
apiVersion: v1
kind: List
items:
  - { apiVersion: apps/v1, kind: Deployment, metadata: { name: a }, spec: { template: { metadata: { labels: { app: a } } } } }
  - { apiVersion: apps/v1, kind: Deployment, metadata: { name: b }, spec: { template: { metadata: { labels: { app: b } } } } }
  - { apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: { name: c }, spec: { maxUnavailable: "50%", selector: { matchLabels: { app: c } } } }
  - { apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: { name: b }, spec: { maxUnavailable: "50%", selector: { matchLabels: { app: b } } } }
"#;
    let imported = import_text("list.yaml", yaml);
    let t = table(&imported);
    let workloads = t["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 2);
    assert!(workloads[0].get("pdb").is_none());
    assert_eq!(workloads[1]["pdb"]["maxUnavailable"].as_str(), Some("50%"));
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("PodDisruptionBudget c: selects no imported workload")),
        "{:?}",
        imported.notes
    );
}
