//! `[secrets]` in real repositories: commits that must fail, near misses
//! that must pass, suppressions, and bad input (CRLF, non-UTF-8, binary,
//! deletions, renames, megabyte lines).
//!
//! No secret-shaped literal appears in this file: fake secrets are generated
//! at run time, so this project's own history passes its own policy.

mod common;

use common::{Repo, Sandbox};
use serde_json::Value;

const POLICY: &str = "[secrets]\n";

/// Deterministic pseudo-random characters from `alphabet` (no literal secret in the source).
fn noise(seed: u64, len: usize, alphabet: &str) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chars[(x % chars.len() as u64) as usize]
        })
        .collect()
}

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn aws_key() -> String {
    ["AK", "IA", &noise(1, 16, UPPER_DIGITS)].concat()
}

fn github_token() -> String {
    ["gh", "p_", &noise(2, 36, BASE62)].concat()
}

fn pem_header() -> String {
    ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat()
}

fn findings(run: &common::Run) -> Vec<Value> {
    run.json()["findings"].as_array().expect("findings").clone()
}

fn check_head(repo: &Repo) -> common::Run {
    repo.pc(&["check", "--format", "json", "HEAD"])
}

#[test]
fn an_access_key_fails_with_location_pattern_and_redacted_snippet() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let key = aws_key();
    repo.commit_file(
        "config/app.env",
        format!("REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key}\n"),
        "Add config\n",
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = findings(&run);
    assert_eq!(run.rules(), ["secret-detected"]);
    assert_eq!(f[0]["path"], "config/app.env");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("aws-access-key-id"));
    let snippet = f[0]["snippet"].as_str().unwrap();
    assert_eq!(snippet, "AWS_ACCESS_KEY_ID=AKIA[REDACTED]");
    assert!(
        !run.stdout.contains(&key[4..]),
        "the secret leaked: {}",
        run.stdout
    );
    // the text report redacts too
    let text = repo.pc(&["check", "HEAD"]);
    assert_eq!(text.code, 1);
    assert!(!text.stdout.contains(&key[4..]) && !text.stderr.contains(&key[4..]));
}

#[test]
fn a_private_key_block_and_a_token_in_code_fail() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let body = noise(3, 64, BASE62);
    repo.commit_file(
        "deploy/id_rsa",
        format!("{}\n{body}\n-----END RSA PRIVATE KEY-----\n", pem_header()),
        "Add key\n",
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let f = findings(&run);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("deploy/id_rsa"), Some(1))
    );
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("private-key-pem"));

    let tok = github_token();
    repo.commit_file(
        "src/client.rs",
        format!("fn client() {{\n    let t = \"{tok}\";\n}}\n"),
        "Add client\n",
    );
    let run = check_head(&repo);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("src/client.rs"), Some(2))
    );
    assert!(f[0]["message"].as_str().unwrap().contains("github-token"));
}

#[test]
fn placeholders_examples_and_comparisons_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let text = [
        "AWS_ACCESS_KEY_ID=AKIAEXAMPLE7Q2RZ3M2X".to_string(),
        "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX".to_string(),
        "password = \"${DB_PASSWORD}\"".to_string(),
        "api_key: \"<your-api-key>\"".to_string(),
        "token = \"changeme\"".to_string(),
        "secret: '{{ vault_secret }}'".to_string(),
        "if password == \"hunter2hunter2\" {".to_string(),
        "postgres://user:password@localhost:5432/app".to_string(),
        "author = \"Jane Doe\"".to_string(),
        format!("const HEADER: &str = \"{}\";", pem_header()),
        "-----BEGIN PUBLIC KEY-----".to_string(),
    ]
    .join("\n");
    repo.commit_file("README.md", text + "\n", "Docs\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn allow_paths_and_inline_markers_suppress_and_are_counted() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\nallow_paths = [\"tests/fixtures/**\"]\n");
    let key = aws_key();
    repo.write("tests/fixtures/creds.env", format!("KEY={key}\n"));
    repo.write(
        "src/a.py",
        format!("KEY = \"{key}\"  # policy-check:allow secret-detected\n"),
    );
    repo.commit("Fixtures\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty());
    assert_eq!(run.json()["summary"]["suppressed"], 2);

    // near misses: a marker for another rule, and a path outside the allow-list
    repo.write(
        "src/b.py",
        format!("KEY = \"{key}\"  # policy-check:allow payload-miner\n"),
    );
    repo.write("tests/creds.env", format!("KEY={key}\n"));
    repo.commit("More\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let mut paths: Vec<String> = findings(&run)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, ["src/b.py", "tests/creds.env"]);
}

#[test]
fn a_secret_in_the_commit_message_fails() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    repo.commit_file(
        "a.txt",
        "a\n",
        &format!("Fix login\n\nUsed {tok} to test.\n"),
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let f = findings(&run);
    assert_eq!(f.len(), 1);
    assert!(f[0].get("path").is_none());
    assert_eq!(f[0]["line"], 3);
    assert!(!run.stdout.contains(&tok[4..]));

    // and through the commit-msg route, with no repository commit at all
    let msg = format!("Subject\n\ntoken {tok}\n");
    let run = repo.pc_stdin(
        &["check", "--format", "json", "--message-file", "-"],
        msg.as_bytes(),
    );
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.rules(), ["secret-detected"]);

    let repo2 = sb.repo("r2");
    repo2.policy("[secrets]\nscan_message = false\n");
    repo2.commit_file(
        "a.txt",
        "a\n",
        &format!("Fix login\n\nUsed {tok} to test.\n"),
    );
    assert_eq!(check_head(&repo2).code, 0);
}

#[test]
fn deletions_removed_lines_and_exact_renames_are_not_reported() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let key = aws_key();
    repo.commit_file("a.env", format!("A=1\nKEY={key}\n"), "Leak\n");
    assert_eq!(check_head(&repo).code, 1);

    repo.git(&["mv", "a.env", "b.env"]);
    repo.commit("Rename\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "exact rename re-reported: {}", run.stdout);

    repo.commit_file("b.env", "A=1\n", "Remove the key\n");
    assert_eq!(check_head(&repo).code, 0);

    repo.write("c.env", format!("KEY={key}\n"));
    repo.commit("Leak again\n");
    repo.git(&["rm", "-q", "c.env"]);
    repo.commit("Delete\n");
    assert_eq!(check_head(&repo).code, 0);

    // editing near an old secret reports only what the change added
    repo.commit_file("d.env", format!("KEY={key}\nB=1\n"), "Leak\n");
    repo.commit_file("d.env", format!("KEY={key}\nB=2\n"), "Edit\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn crlf_non_utf8_and_binary_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    repo.write("win.ini", format!("[a]\r\nx=1\r\nt={tok}\r\n"));
    let mut latin1 = b"caf\xe9 = 1\nna\xefve\n".to_vec();
    latin1.extend_from_slice(format!("t={tok}\n").as_bytes());
    repo.write("latin1.cfg", latin1);
    let mut bin = vec![0u8, 1, 2, 0];
    bin.extend_from_slice(format!("t={tok}\n").as_bytes());
    repo.write("blob.dat", bin);
    repo.commit("Files\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let mut got: Vec<(String, u64, String)> = findings(&run)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["snippet"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            // a distinctive token in a binary's printable strings (issue 14)
            ("blob.dat".to_string(), 0, "t=ghp_[REDACTED]".to_string()),
            ("latin1.cfg".to_string(), 3, "t=ghp_[REDACTED]".to_string()),
            ("win.ini".to_string(), 3, "t=ghp_[REDACTED]".to_string()),
        ],
        "CRLF leaves no \\r in the snippet"
    );
}

#[test]
fn a_megabyte_minified_line_is_scanned_in_bounded_time() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    // ~2 MB on one line, dense with pre-filter keywords and non-ASCII text
    let chunk = "var a=\"é\",token=x.auth||y,u=\"https://cdn.invalid/\"+secret;";
    let mut line = chunk.repeat(2_000_000 / chunk.len());
    line.push_str(&format!("var k=\"{tok}\";"));
    line.push_str(&chunk.repeat(1000));
    repo.commit_file("dist/app.min.js", format!("{line}\n"), "Build\n");
    let start = std::time::Instant::now();
    let run = check_head(&repo);
    let took = start.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["line"], 1);
    let snippet = f[0]["snippet"].as_str().unwrap();
    assert!(
        snippet.chars().count() < 100,
        "snippet is bounded: {snippet}"
    );
    assert!(snippet.ends_with("ghp_[REDACTED]"));
    // generous: a debug build on a loaded machine; linear work takes well under a second
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn policy_patterns_extend_and_disable_the_table() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let secret = ["acme", "_", &noise(4, 24, BASE62)].concat();
    repo.policy(
        r#"
[secrets]
disable = ["aws-access-key-id"]

[[secrets.patterns]]
id = "acme-token"
description = "ACME internal token"
keywords = ["acme_"]
regex = '\b(?P<secret>acme_[A-Za-z0-9]{24})\b'
"#,
    );
    repo.commit_file(
        "a.env",
        format!("ACME={secret}\nKEY={}\n", aws_key()),
        "Config\n",
    );
    let run = check_head(&repo);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["line"], 1);
    assert!(f[0]["message"].as_str().unwrap().contains("acme-token"));
}

#[test]
fn a_bad_pattern_is_a_load_error_naming_the_entry() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[secrets]\n\n[[secrets.patterns]]\nid = \"acme-token\"\nkeywords = [\"acme_\"]\nregex = 'acme_[a-z'\n",
    );
    repo.commit_file("a.txt", "a\n", "A\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(".policy-check.toml:6:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("secrets.patterns[acme-token].regex"),
        "{}",
        run.stderr
    );

    repo.policy("[secrets]\ndisable = [\"github-tokn\"]\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `github-token`"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_default_policy_forbids_secrets_and_a_child_can_turn_them_off() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_file("a.env", format!("KEY={}\n", aws_key()), "Config\n");
    let run = check_head(&repo);
    assert!(
        run.rules().iter().any(|r| r == "secret-detected"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);

    repo.policy("[policy]\nextends = [\"supply-chain\"]\n\n[secrets]\nenabled = false\n");
    let run = check_head(&repo);
    assert!(
        !run.rules().iter().any(|r| r == "secret-detected"),
        "{}",
        run.stdout
    );
}

/// The supply-chain preset over a real project's whole history: no secret
/// and no payload error (the false-positive guard of the tables).
#[test]
fn corpus_history_has_no_false_secrets() {
    let sb = Sandbox::new();
    let Some(repo) = common::clone_corpus(&sb, "committed") else {
        return;
    };
    std::fs::write(
        sb.path().join("sc.toml"),
        "[policy]\nextends = [\"supply-chain\"]\n[protected]\nenabled = false\n",
    )
    .expect("write");
    let policy = sb.path().join("sc.toml");
    let run = repo.pc(&[
        "--policy",
        policy.to_str().unwrap(),
        "check",
        "--all",
        "--format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let bad: Vec<Value> = findings(&run)
        .into_iter()
        .filter(|f| {
            let rule = f["rule"].as_str().unwrap_or("");
            rule == "secret-detected" || (rule.starts_with("payload-") && f["severity"] == "error")
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}
