//! Dependency changes end to end: real repositories, the real binary, the
//! `supply-chain` preset. Every commit that must fail has a near miss that
//! must pass. Typosquat names are built at run time, so this file itself
//! holds none.

mod common;

use common::{Repo, Sandbox};

const POLICY: &str = "[policy]\nname = \"t\"\nextends = [\"supply-chain\"]\n";

fn rules(repo: &Repo) -> Vec<String> {
    repo.findings().1.into_iter().map(|(r, _, _)| r).collect()
}

fn f(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

fn manifest(deps: &str) -> String {
    format!("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}")
}

/// A repository whose first commit has `serde = "1"` as its only dependency.
fn repo_with<'s>(sb: &'s Sandbox, policy: &str) -> Repo<'s> {
    let r = sb.repo("r");
    r.policy(policy);
    r.commit_file("Cargo.toml", manifest("serde = \"1\"\n"), "init");
    r
}

/// `tokio` with two letters swapped, built at run time.
fn squat() -> String {
    ["to", "ko", "i"].concat()
}

#[test]
fn a_new_dependency_is_reported_for_review_and_a_version_bump_is_not() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        "Cargo.toml",
        manifest("serde = \"1.0.200\"\nanyhow = \"1\"\n"),
        "add anyhow, bump serde",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 0, "dependency-added is a warning");
    assert_eq!(got, vec![f("dependency-added", "Cargo.toml", 8)]);
    // Moving a crate between tables, or reformatting, adds nothing.
    r.commit_file(
        "Cargo.toml",
        manifest("anyhow = \"1\"\n\n[dev-dependencies.serde]\nversion = \"1.0.200\"\n"),
        "move serde",
    );
    assert_eq!(r.findings(), (0, vec![]));
}

#[test]
fn a_typosquat_fails_and_an_allow_listed_lookalike_passes() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        "Cargo.toml",
        manifest(&format!("serde = \"1\"\n{} = \"1\"\n", squat())),
        "add a lookalike",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            f("dependency-added", "Cargo.toml", 8),
            f("dependency-typosquat", "Cargo.toml", 8)
        ]
    );
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    let msg = run.json()["findings"][1]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("`tokio`"), "{msg}");

    // The same crate, allow-listed by the policy: counted as suppressed.
    let sb2 = Sandbox::new();
    let r2 = repo_with(
        &sb2,
        &format!(
            "{POLICY}\n[dependencies]\ntyposquat_allow = [\"{}\"]\n",
            squat()
        ),
    );
    r2.commit_file(
        "Cargo.toml",
        manifest(&format!("serde = \"1\"\n{} = \"1\"\n", squat())),
        "add a genuine lookalike",
    );
    let run = r2.pc(&["check", "--format", "json", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rules(), vec!["dependency-added"]);
    assert_eq!(run.json()["summary"]["suppressed"], 1);
}

#[test]
fn hyphen_underscore_swaps_and_affixes_are_typosquats_but_distinct_names_are_not() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let swapped = ["serde", "-", "json"].concat();
    let affixed = ["regex", "-rs"].concat();
    r.commit_file(
        "Cargo.toml",
        manifest(&format!(
            "serde = \"1\"\n{swapped} = \"1\"\n{affixed} = \"1\"\nserde_yaml = \"0.9\"\nmemmap = \"0.7\"\n"
        )),
        "add names",
    );
    let squats: Vec<(String, String, u64)> = r
        .findings()
        .1
        .into_iter()
        .filter(|(r, _, _)| r == "dependency-typosquat")
        .collect();
    assert_eq!(
        squats,
        vec![
            f("dependency-typosquat", "Cargo.toml", 8),
            f("dependency-typosquat", "Cargo.toml", 9)
        ]
    );
}

#[test]
fn the_policy_extends_the_popular_list() {
    let sb = Sandbox::new();
    let r = repo_with(
        &sb,
        &format!("{POLICY}\n[dependencies]\npopular = [\"acme-core\"]\n"),
    );
    r.commit_file(
        "Cargo.toml",
        manifest(&format!(
            "serde = \"1\"\n{} = \"1\"\n",
            ["acme", "-cor"].concat()
        )),
        "lookalike of an internal crate",
    );
    assert!(rules(&r).contains(&"dependency-typosquat".to_string()));
}

#[test]
fn git_registry_and_outside_path_sources_are_reported() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        "Cargo.toml",
        manifest(
            "serde = \"1\"\n\
             g = { git = \"https://example.com/g.git\", rev = \"0123456\" }\n\
             o = { path = \"../outside\" }\n\
             i = { path = \"crates/inside\" }\n\
             m = { version = \"1\", registry = \"mirror\" }\n",
        ),
        "sources",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    let interesting: Vec<_> = got
        .into_iter()
        .filter(|(r, _, _)| r != "dependency-added")
        .collect();
    assert_eq!(
        interesting,
        vec![
            f("dependency-git", "Cargo.toml", 8),
            f("dependency-path-outside", "Cargo.toml", 9),
            f("dependency-registry", "Cargo.toml", 11)
        ]
    );
}

#[test]
fn allowed_git_and_registries_pass() {
    let sb = Sandbox::new();
    let r = repo_with(
        &sb,
        &format!(
            "{POLICY}\n[dependencies]\nallowed_git = [\"https://example.com/\"]\nallowed_registries = [\"mirror\"]\n\n[severity]\ndependency-added = \"off\"\n"
        ),
    );
    r.commit_file(
        "Cargo.toml",
        manifest(
            "serde = \"1\"\ng = { git = \"https://example.com/g.git\" }\nm = { version = \"1\", registry = \"mirror\" }\n",
        ),
        "allowed sources",
    );
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    assert_eq!((run.code, run.rules()), (0, vec![]));
    assert_eq!(run.json()["summary"]["suppressed"], 2);
}

#[test]
fn patch_sections_rename_hiding_and_build_time_code_are_reported() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let text = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nbuild = \"build.rs\"\n\n\
         [lib]\nproc-macro = true\n\n\
         [dependencies]\nserde = { package = \"serde-shim\", version = \"1\" }\n\n\
         [patch.crates-io]\nserde = { git = \"https://example.com/serde\" }\n";
    r.write("Cargo.toml", text);
    r.write("build.rs", "fn main() {}\n");
    r.commit("build-time code");
    let (code, got) = r.findings();
    assert_eq!(code, 0, "all of these ask for review (warnings)");
    assert_eq!(
        got,
        vec![
            f("dependency-added", "Cargo.toml", 10),
            f("dependency-renamed", "Cargo.toml", 10),
            f("dependency-patch", "Cargo.toml", 13),
            f("dependency-git", "Cargo.toml", 13),
            f("dependency-proc-macro", "Cargo.toml", 7),
            f("dependency-build-script", "build.rs", 0),
        ]
    );
}

#[test]
fn cargo_config_source_replacement_fails() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        ".cargo/config.toml",
        "[build]\njobs = 2\n",
        "harmless config",
    );
    assert_eq!(r.findings(), (0, vec![]));
    r.commit_file(
        ".cargo/config.toml",
        "[build]\njobs = 2\n\n[source.crates-io]\nreplace-with = \"mirror\"\n\n[source.mirror]\nregistry = \"https://mirror.example.com/index\"\n",
        "mirror",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            f("dependency-source-replacement", ".cargo/config.toml", 4),
            f("dependency-source-replacement", ".cargo/config.toml", 7)
        ]
    );
    // Reformatting the same replacement is not a new one.
    r.commit_file(
        ".cargo/config.toml",
        "[build]\njobs = 2\n[source.crates-io]\nreplace-with = 'mirror'   # why\n[source.mirror]\nregistry = \"https://mirror.example.com/index\"\n",
        "reformat",
    );
    assert_eq!(r.findings(), (0, vec![]));
}

#[test]
fn an_invalid_manifest_is_a_finding_not_a_crash() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        "Cargo.toml",
        "[package]\nname = \"app\"\n\n[dependencies]\nserde = \n",
        "broken",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("dependency-manifest-invalid", "Cargo.toml", 5)]);
}

#[test]
fn crlf_moves_deletions_and_non_utf8_are_handled() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    // CRLF manifest with one new crate.
    r.commit_file(
        "Cargo.toml",
        manifest("serde = \"1\"\r\nanyhow = \"1\"\r\n")
            .replace('\n', "\r\n")
            .replace("\r\r", "\r"),
        "crlf",
    );
    assert_eq!(r.findings().1, vec![f("dependency-added", "Cargo.toml", 8)]);
    // A crate moved to a subdirectory with edits (delete + add): nothing new.
    let moved = manifest("serde = \"1.0.1\"\nanyhow = \"1\"\n");
    r.git(&["rm", "-q", "Cargo.toml"]);
    r.commit_file("crates/app/Cargo.toml", moved, "move the crate");
    assert_eq!(r.findings(), (0, vec![]));
    // A deleted manifest reports nothing.
    r.git(&["rm", "-q", "crates/app/Cargo.toml"]);
    r.commit("delete");
    assert_eq!(r.findings(), (0, vec![]));
    // Non-UTF-8 bytes in a comment do not stop the parse of the rest.
    let mut bytes = manifest("serde = \"1\"\n").into_bytes();
    bytes.extend_from_slice(b"# caf\xe9\n");
    r.write("Cargo.toml", bytes);
    r.commit("latin-1 comment");
    assert_eq!(r.findings().1, vec![f("dependency-added", "Cargo.toml", 7)]);
}

#[test]
fn cargo_lock_packages_from_other_sources_are_reported() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let lock = |extra: &str| {
        format!(
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n\
             [[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n{extra}"
        )
    };
    r.commit_file("Cargo.lock", lock(""), "lock");
    assert_eq!(r.findings(), (0, vec![]));
    r.commit_file(
        "Cargo.lock",
        lock("\n[[package]]\nname = \"g\"\nversion = \"0.1.0\"\nsource = \"git+https://example.com/g.git#0123456789abcdef\"\n"),
        "lock a git crate",
    );
    assert_eq!(
        r.findings(),
        (0, vec![f("dependency-lock-source", "Cargo.lock", 13)])
    );
}

#[test]
fn a_new_crate_copying_an_outside_path_is_reported_but_a_moved_one_is_not() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(
        "Cargo.toml",
        manifest("serde = \"1\"\no = { path = \"../outside\" }\n"),
        "outside",
    );
    // A new member crate with the same escape is a new escape. (The crate
    // counts as added too: only the manifests a change touches are read.)
    r.commit_file(
        "crates/b/Cargo.toml",
        manifest("o = { path = \"../../../outside\" }\n"),
        "member",
    );
    assert_eq!(
        r.findings(),
        (
            1,
            vec![
                f("dependency-added", "crates/b/Cargo.toml", 7),
                f("dependency-path-outside", "crates/b/Cargo.toml", 7)
            ]
        )
    );
    // The member moved elsewhere (deleted + added, edited): nothing new.
    r.git(&["rm", "-q", "crates/b/Cargo.toml"]);
    r.commit_file(
        "crates/c/Cargo.toml",
        manifest("o = { path = \"../../../outside\" }\n\n[features]\nx = []\n"),
        "move member",
    );
    assert_eq!(r.findings(), (0, vec![]));
}

/// The policy with the advisory database at `db` (a path), or none (`""`).
fn policy_with_db(db: &str) -> String {
    format!(
        "{POLICY}\n[dependencies]\nadvisory_db = \"{}\"\n",
        db.replace('\\', "/")
    )
}

/// Names joined at run time, so this file holds none whole.
fn j(parts: &[&str]) -> String {
    parts.concat()
}

#[test]
fn a_crate_the_advisory_database_lists_as_malicious_is_an_error() {
    let Some(db) = common::shared("advisory-db") else {
        return;
    };
    let sb = Sandbox::new();
    let r = repo_with(&sb, &policy_with_db(db.to_str().expect("utf-8")));
    let bad = j(&["rust", "decimal"]);
    r.commit_file(
        "Cargo.toml",
        manifest(&format!(
            "serde = \"1\"\n{bad} = \"1\"\nrust_decimal = \"1\"\n"
        )),
        "add a removed crate",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            f("dependency-added", "Cargo.toml", 8),
            f("dependency-malicious", "Cargo.toml", 8),
            f("dependency-added", "Cargo.toml", 9),
        ],
        "malicious, not also a typosquat; the real crate passes"
    );
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    let msg = run.json()["findings"][1]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("RUSTSEC-2022-0042"), "{msg}");
    // -v says which database was read and how old it is.
    let v = r.pc(&["-v", "check", "HEAD"]);
    assert!(v.stderr.contains("advisory database: "), "{}", v.stderr);
    assert!(v.stderr.contains("days old"), "{}", v.stderr);
    assert!(
        v.stderr.contains(db.to_str().unwrap_or_default()),
        "{}",
        v.stderr
    );
}

#[test]
fn an_added_version_with_an_advisory_is_a_warning() {
    let Some(db) = common::shared("advisory-db") else {
        return;
    };
    let sb = Sandbox::new();
    let r = repo_with(&sb, &policy_with_db(db.to_str().expect("utf-8")));
    r.commit_file(
        "Cargo.toml",
        manifest("serde = \"1\"\nsmallvec = \"1.6.0\"\n"),
        "an affected version",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 0, "a warning");
    assert_eq!(
        got,
        vec![
            f("dependency-added", "Cargo.toml", 8),
            f("dependency-advisory", "Cargo.toml", 8)
        ]
    );
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    let msg = run.json()["findings"][1]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("RUSTSEC-2021-0003"), "{msg}");
    // The patched version passes.
    let sb = Sandbox::new();
    let r = repo_with(&sb, &policy_with_db(db.to_str().expect("utf-8")));
    r.commit_file(
        "Cargo.toml",
        manifest("serde = \"1\"\nsmallvec = \"1.6.1\"\n"),
        "a patched version",
    );
    assert_eq!(
        r.findings(),
        (0, vec![f("dependency-added", "Cargo.toml", 8)])
    );
}

#[test]
fn a_corrupt_advisory_file_is_a_note_not_a_crash() {
    let sb = Sandbox::new();
    let db = sb.path().join("db");
    let bad = db.join("crates/some-crate");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(
        bad.join("RUSTSEC-2099-0001.md"),
        "```toml\n[advisory\n\u{0}garbage",
    )
    .expect("w");
    let evil = j(&["evil", "-crate"]);
    let good = db.join(format!("crates/{evil}"));
    std::fs::create_dir_all(&good).expect("mkdir");
    std::fs::write(
        good.join("RUSTSEC-2099-0002.md"),
        format!("```toml\n[advisory]\nid = \"RUSTSEC-2099-0002\"\npackage = \"{evil}\"\ndate = \"2099-01-02\"\ncategories = [\"malicious\"]\n\n[versions]\npatched = []\n```\n\n# {evil} is malware\n\nIt steals keys.\n"),
    )
    .expect("w");
    let r = repo_with(&sb, &policy_with_db(db.to_str().expect("utf-8")));
    r.commit_file(
        "Cargo.toml",
        manifest(&format!(
            "serde = \"1\"\n{evil} = \"1\"\nsome-crate = \"1\"\n"
        )),
        "add",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert!(
        got.contains(&f("dependency-malicious", "Cargo.toml", 8)),
        "{got:?}"
    );
    let v = r.pc(&["-v", "check", "HEAD"]);
    assert!(
        v.stderr.contains("RUSTSEC-2099-0001.md skipped"),
        "{}",
        v.stderr
    );
    assert!(
        v.stderr.contains("1 unreadable file(s) skipped"),
        "{}",
        v.stderr
    );
}

#[test]
fn a_missing_database_is_a_note_and_the_other_rules_still_run() {
    let sb = Sandbox::new();
    let nowhere = sb.path().join("nowhere");
    let r = repo_with(&sb, &policy_with_db(nowhere.to_str().expect("utf-8")));
    r.commit_file(
        "Cargo.toml",
        manifest(&format!("serde = \"1\"\n{} = \"1\"\n", squat())),
        "add",
    );
    let v = r.pc(&["-v", "check", "HEAD"]);
    assert_eq!(v.code, 1, "{}", v.stderr);
    assert!(
        v.stderr.contains("advisory database not read"),
        "{}",
        v.stderr
    );
    assert!(rules(&r).contains(&"dependency-typosquat".to_string()));
}

#[test]
fn removed_imitations_are_flagged_without_the_database() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, &policy_with_db(""));
    let names = [
        j(&["faster", "_log"]),
        j(&["finch", "-rst"]),
        j(&["lfest", "-main"]),
        j(&["if", "-cfg"]),
        j(&["rand", "s"]),
        j(&["tracing", "-check"]),
        j(&["proc-macro", "-en"]),
        j(&["win-", "base64", "-rs"]),
    ];
    let deps: String = names.iter().map(|n| format!("{n} = \"1\"\n")).collect();
    r.commit_file(
        "Cargo.toml",
        manifest(&format!(
            "serde = \"1\"\n{deps}serde_core = \"1\"\nbit-vec = \"0.8\"\nopenssl-src = \"300\"\n"
        )),
        "lookalikes and real crates",
    );
    let squats: Vec<u64> = r
        .findings()
        .1
        .into_iter()
        .filter(|(r, _, _)| r == "dependency-typosquat")
        .map(|(_, _, l)| l)
        .collect();
    assert_eq!(squats, (8..8 + names.len() as u64).collect::<Vec<_>>());
}
