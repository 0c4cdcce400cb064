//! The examples in docs/scenario-format.md must be valid TOML whose keys the loader
//! knows: each block is placed in a minimal scenario and validated, so the document
//! cannot drift from the code.

const DOC: &str = include_str!("../../../docs/scenario-format.md");

const BASE: &str = "format = 1\n[cluster]\nstart = \"2025-10-16T06:50:00Z\"\n";

/// Context some examples need (names they refer to).
const CONTEXT: &str = r#"
[[node_groups]]
name = "general-m6i-4xlarge"
instance_type = "m6i.4xlarge"
"#;

const POOL: &str = r#"
[[nodepools]]
name = "default-nodepool"
"#;

#[test]
fn every_example_block_validates() {
    let blocks: Vec<&str> = DOC
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(
        blocks.len() >= 12,
        "expected an example per section, found {}",
        blocks.len()
    );
    for block in blocks {
        // An example that redefines [cluster] replaces the base's.
        let base = if block.contains("[cluster]") {
            "format = 1\n"
        } else {
            BASE
        };
        let context = if block.contains("[[nodes]]") {
            CONTEXT
        } else {
            ""
        };
        let pool = if block.contains("[[nodepools]]") {
            ""
        } else {
            POOL
        };
        let text = format!("{base}{context}{pool}{block}");
        // As if the example were a file in scenarios/, where its trace files are.
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/example.toml");
        if let Err(diags) = scenario::parse_str(file, &text) {
            panic!(
                "example does not validate:\n{block}\n{}",
                diags
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
