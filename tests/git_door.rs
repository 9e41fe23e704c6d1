//! Git behind one door: only `src/git/` names the git library or calls it.
//! Everything else talks to git through the functions of `crate::git` and
//! the `Repository` and `Oid` handles it exports (the program's own types,
//! wrapping the library's inside `src/git/` only); and `src/git/` stays on
//! its floor, importing nothing above it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `(file relative to src/, line number, line)` for every line of the Rust
/// files under `src/` (but `src/git/` when `outside_git`) that `hit` flags.
fn lines_where(outside_git: bool, hit: impl Fn(&str) -> bool) -> Vec<String> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).expect("under src/");
        let in_git = rel.starts_with("git");
        if in_git == outside_git {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for (n, line) in text.lines().enumerate() {
            if hit(line) {
                out.push(format!("src/{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    out
}

#[test]
fn only_src_git_names_the_git_library() {
    // The crate's name in any form (`git2::`, `libgit2`, `use git2`), code or
    // comment: outside src/git/ the library is "the git library".
    let found = lines_where(true, names_git2);
    assert!(
        found.is_empty(),
        "git2 named outside src/git/ (add a function to crate::git instead):\n{}",
        found.join("\n")
    );
}

/// Calls of the git library's API on the handles crate::git exports. An
/// object id's `is_zero()`, `to_string()` and comparisons may stay.
const CALLS: &[&str] = &[
    "Repository::open",
    "Repository::discover",
    "Repository::init",
    "Oid::from_str",
    "Oid::hash_object",
    "Reference::",
    "RepositoryOpenFlags",
    ".find_commit(",
    ".find_tag(",
    ".find_tree(",
    ".find_blob(",
    ".find_object(",
    ".find_reference(",
    ".find_remote(",
    ".revparse_single(",
    ".revparse(",
    ".revwalk(",
    ".odb()",
    ".config()",
    ".peel_to_",
    ".head()",
    ".index()",
    ".references(",
    ".parent_ids()",
    ".header_field_bytes(",
    ".is_bare()",
    ".workdir()",
    "repo.path()",
];

/// Whether the code of a line (before any `//` comment) calls the git library.
fn calls_git(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    CALLS.iter().any(|c| code.contains(c))
}

/// Whether a line names the git library's crate, in code or comment.
fn names_git2(line: &str) -> bool {
    line.contains("git2")
}

#[test]
fn only_src_git_calls_the_git_library() {
    let found = lines_where(true, calls_git);
    assert!(
        found.is_empty(),
        "the git library called outside src/git/ (move the call into crate::git):\n{}",
        found.join("\n")
    );
}

#[test]
fn src_git_imports_nothing_above_it() {
    const ABOVE: &[&str] = &[
        "policy", "rules", "engine", "hooks", "cmd", "app", "cli", "report", "scan", "adoption",
        "insight", "source", "precheck", "explain", "inspect",
    ];
    let found = lines_where(false, |l| {
        ABOVE.iter().any(|m| {
            l.contains(&format!("crate::{m}::"))
                || l.contains(&format!("crate::{m};"))
                || l.contains(&format!("crate::{m}}}"))
                || l.contains(&format!("crate::{{{m}"))
        })
    });
    assert!(
        found.is_empty(),
        "src/git/ imports a floor above it (pass plain data in instead):\n{}",
        found.join("\n")
    );
}

/// The checks above can fail: a line that names or calls the library is
/// caught, a line that only uses the handles crate::git exports is not.
#[test]
fn the_door_checks_see_what_they_look_for() {
    assert!(names_git2("use git2::{Oid, Repository};"));
    assert!(names_git2("/// libgit2 reads most indexes"));
    assert!(calls_git("let c = repo.find_commit(oid)?;"));
    assert!(calls_git("let odb = repo.odb()?;"));
    assert!(calls_git(
        "Repository::open(&path).map_err(anyhow::Error::from)"
    ));
    assert!(!names_git2("use crate::git::{self, Oid, Repository};"));
    assert!(!calls_git("let repo = git::repo::reopen(&path)?;"));
    assert!(!calls_git(
        "let x = 1; // repo.find_commit(oid) moved into git"
    ));
    // And the files are really read: src/git/ itself names the library.
    assert!(!lines_where(false, names_git2).is_empty());
}

/// The handles `crate::git` hands out are the program's own types, not the
/// git library's re-exported: nothing re-exports the library, and the way
/// from a handle to the library's value (`raw`) is visible inside `src/git/`
/// only, so code outside cannot reach the library through a handle.
#[test]
fn the_handles_are_the_programs_own_types() {
    let reexports = lines_where(false, |l| {
        let l = l.trim_start();
        l.starts_with("pub use git2") || l.starts_with("pub(crate) use git2")
    });
    assert!(
        reexports.is_empty(),
        "src/git/ re-exports the git library:\n{}",
        reexports.join("\n")
    );
    let handles = std::fs::read_to_string(src().join("git/id.rs")).expect("src/git/id.rs");
    let raw: Vec<&str> = handles.lines().filter(|l| l.contains("fn raw(")).collect();
    assert_eq!(raw.len(), 2, "one `raw` per handle (Oid, Repository)");
    // `pub(super)` in src/git/id.rs: visible in `crate::git` and below only.
    for l in raw {
        assert!(l.trim_start().starts_with("pub(super) fn raw("), "{l}");
    }
    let git_mod = std::fs::read_to_string(src().join("git/mod.rs")).expect("src/git/mod.rs");
    assert!(git_mod.contains("pub use crate::oid::Oid;"));
    assert!(git_mod.contains("pub use id::Repository;"));
}
