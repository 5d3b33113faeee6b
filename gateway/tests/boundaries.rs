//! The workspace's one structural rule a compiler cannot see: a crate uses another crate through
//! its services and plain types, never its `entity` module (its tables). Breaking it couples a
//! context to another's storage, and row-level security and migrations would then have to know
//! every reader of every table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// The internal crates whose tables are their own.
const CRATES: [&str; 8] = ["kernel", "jobs", "tenancy", "notifications", "identity", "billing", "orders", "writers"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `source` reaches into `krate`'s entities: `krate::entity` directly, or inside a
/// `use krate::{...}` group.
fn names_entities_of(source: &str, krate: &str) -> bool {
    let direct = format!("{krate}::entity");
    if source.contains(&direct) {
        return true;
    }
    let group = format!("{krate}::{{");
    source.match_indices(&group).any(|(at, _)| {
        let rest = &source[at + group.len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map_or(rest.len(), |(i, _)| i);
        rest[..end].split(|c: char| !c.is_alphanumeric() && c != '_').any(|word| word == "entity")
    })
}

#[test]
fn no_crate_reads_another_crates_tables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut owners: Vec<(String, PathBuf)> =
        CRATES.iter().map(|c| (c.to_string(), root.join("crates").join(c).join("src"))).collect();
    owners.push(("gateway".into(), root.join("gateway/src")));
    owners.push(("tests".into(), root.join("tests/src")));
    let mut offences = Vec::new();
    for (owner, dir) in &owners {
        let mut files = Vec::new();
        rust_files(dir, &mut files);
        assert!(!files.is_empty(), "no sources under {}", dir.display());
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for krate in CRATES.iter().filter(|k| *k != owner) {
                if names_entities_of(&source, krate) {
                    offences.push(format!("{} uses {krate}'s entities", file.strip_prefix(root).unwrap().display()));
                }
            }
        }
    }
    assert!(offences.is_empty(), "call the owning crate's services instead:\n{}", offences.join("\n"));
}

#[test]
fn the_check_sees_both_spellings() {
    assert!(names_entities_of("use billing::entity::account;", "billing"));
    assert!(names_entities_of("use billing::{service::ledger, entity::{account, posting}};", "billing"));
    assert!(!names_entities_of("use billing::{service::ledger, loaders};", "billing"));
    assert!(!names_entities_of("use orders::entity::order;", "billing"));
}
