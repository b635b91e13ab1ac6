//! The layers' one direction, checked on the source so that it cannot erode quietly: the
//! services and the domain never reach up into the adapters (axum, `crate::http`,
//! `crate::web`), the pages never reach down past the services into sea-orm, and a stored
//! series is expanded in one place only.
use std::path::{Path, PathBuf};

const SERVICES: &[&str] = &[
    "src/domain",
    "src/registry",
    "src/request",
    "src/plan",
    "src/dispatch",
    "src/assignment",
    "src/notice",
    "src/feed",
    "src/report",
    "src/audit",
    "src/audit.rs",
    "src/account",
    "src/auth.rs",
    "src/error.rs",
    "src/storage.rs",
    "src/storage",
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

fn files(roots: &[&str]) -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for root in roots {
        rust_files(&base.join(root), &mut out);
    }
    assert!(!out.is_empty());
    out
}

/// The lines of `files` that contain any of `needles`, outside comments.
fn offenders(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if needles.iter().any(|needle| code.contains(needle)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, code));
            }
        }
    }
    found
}

#[test]
fn services_do_not_know_the_adapters() {
    let found = offenders(
        &files(SERVICES),
        &["axum", "crate::http", "crate::web", "crate::cli"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn pages_reach_the_database_only_through_services() {
    let found = offenders(&files(&["src/web"]), &["sea_orm"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_stored_series_is_expanded_in_one_place() {
    let all = files(&["src"]);
    let found: Vec<String> = offenders(&all, &["recurrence::expand("])
        .into_iter()
        // The rule itself.
        .filter(|line| !line.contains("src/domain/recurrence.rs:"))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}
