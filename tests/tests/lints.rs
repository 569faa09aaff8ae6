//! The lints that keep the docs honest stay on, in every crate: a public
//! item without `///`, an `unsafe` block without `// SAFETY:`, or an
//! unsafe call inside an `unsafe fn` without a block of its own fails
//! `cargo clippy` (and `cargo build`, for the first and the last).

use std::fs;
use std::path::Path;

use checks::crates_dir;

/// The workspace's root: the folder with the top `Cargo.toml`.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_workspace_denies_missing_docs_and_undocumented_unsafe() {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let table = |name: &str| {
        let start = manifest
            .find(&format!("[{name}]"))
            .unwrap_or_else(|| panic!("no [{name}] in Cargo.toml"));
        let rest = &manifest[start..];
        // The table runs to the next header, or to the end.
        let end = rest[1..].find("\n[").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    };
    let rust = table("workspace.lints.rust");
    assert!(rust.contains("missing_docs = \"deny\""), "{rust}");
    assert!(rust.contains("unsafe_op_in_unsafe_fn = \"deny\""), "{rust}");
    let clippy = table("workspace.lints.clippy");
    assert!(
        clippy.contains("undocumented_unsafe_blocks = \"deny\""),
        "{clippy}"
    );
}

#[test]
fn every_crate_takes_the_workspace_lints() {
    let mut manifests: Vec<_> = fs::read_dir(crates_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path().join("Cargo.toml"))
        .collect();
    manifests.push(root().join("book/Cargo.toml"));
    manifests.push(root().join("tests/Cargo.toml"));
    for manifest in manifests {
        let text = fs::read_to_string(&manifest).unwrap();
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{} does not take the workspace's lints",
            manifest.display()
        );
    }
}
