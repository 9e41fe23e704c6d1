//! `policy-check check` end to end: real repositories, real git, the real
//! binary. Policy loading, ranges, the change model, output and exit codes,
//! and every kind of bad input.

mod common;

use common::{Repo, Sandbox};

const MINER_RULE: &str = r#"
[policy]
name = "test"

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"
hint = "remove it"

[[rules]]
id = "no-wip"
scope = "subject"
pattern = '^WIP'
severity = "warn"
"#;

fn repo_with_policy(sb: &Sandbox) -> Repo<'_> {
    let r = sb.repo("r");
    r.policy(MINER_RULE);
    r
}

#[test]
fn finding_carries_rule_commit_path_line_and_hint() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("README", "hello\n", "Initial");
    let id = r.commit_file(
        "src/pool.rs",
        "fn main() {}\nconst P: &str = \"stratum+tcp://pool:3333\";\n",
        "Add pool",
    );
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["schema_version"], 1);
    let f = &j["findings"][0];
    assert_eq!(f["rule"], "no-miner");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["commit"], id.as_str());
    assert_eq!(f["path"], "src/pool.rs");
    assert_eq!(f["line"], 2);
    assert_eq!(f["hint"], "remove it");
    assert_eq!(j["summary"]["commits"], 1);
    assert_eq!(j["summary"]["errors"], 1);

    let text = r.pc(&["check"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout
            .contains("error[no-miner]: mining pool address added"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!("{}:src/pool.rs:2", &id[..12])),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("= hint: remove it"));
    assert!(
        !text.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );
}

#[test]
fn warnings_pass_and_color_only_when_asked() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("a", "1\n", "WIP: something");
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.rules(), ["no-wip"]);
    assert_eq!(run.json()["findings"][0]["line"], 1);
    let colored = r.pc(&["check", "--color", "always"]);
    assert!(colored.stdout.contains("\x1b["), "{}", colored.stdout);
}

#[test]
fn ranges_select_the_commits_git_would() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    let base = r.commit_file("a", "0\n", "base");
    for i in 1..=4 {
        r.commit_file("a", format!("{i}\n"), &format!("WIP {i}"));
    }
    let count = |args: &[&str]| {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        let run = r.pc(&a);
        assert!(run.code == 0, "{args:?}: {}", run.stderr);
        run.json()["summary"]["commits"].as_u64().expect("count")
    };
    assert_eq!(count(&[]), 1, "default is HEAD only");
    assert_eq!(count(&["HEAD~2..HEAD"]), 2);
    assert_eq!(count(&["HEAD~3.."]), 3);
    assert_eq!(count(&[&format!("{base}..HEAD")]), 4);
    assert_eq!(count(&[&base]), 1, "a lone revision is one commit");
    assert_eq!(count(&["--all"]), 5);
    assert_eq!(count(&["HEAD^!"]), 1);
    assert_eq!(count(&["^HEAD~1", "HEAD"]), 1);
    r.git(&["checkout", "-q", "-b", "side", "HEAD~2"]);
    r.commit_file("b", "x\n", "side commit");
    assert_eq!(count(&["main...side"]), 3, "symmetric difference");
}

#[test]
fn merges_are_checked_for_message_not_diff_unless_asked() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("a", "a\n", "base");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.commit_file("b", "stratum+tcp://x\n", "topic adds pool");
    r.git(&["checkout", "-q", "main"]);
    r.commit_file("c", "c\n", "main moves");
    r.git(&["merge", "-q", "--no-ff", "-m", "WIP merge topic", "topic"]);
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    assert_eq!(
        run.rules(),
        ["no-wip"],
        "merge message checked, diff skipped"
    );
    r.policy(&format!("{MINER_RULE}\n[scan]\nmerge_diffs = true\n"));
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    assert_eq!(run.rules(), ["no-miner", "no-wip"]);
}

#[test]
fn root_commit_diffs_against_the_empty_tree() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("x/y/z.txt", "line\nstratum+tcp://a\n", "root");
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["findings"][0]["path"], "x/y/z.txt");
    assert_eq!(run.json()["findings"][0]["line"], 2);
}

#[test]
fn only_added_lines_of_modified_files_are_reported() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("f", "stratum+tcp://old\nkeep\n", "first");
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    r.commit_file("f", "stratum+tcp://old\nkeep\nnew line\n", "second");
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(
        run.code, 0,
        "the old line was not added by HEAD: {}",
        run.stdout
    );
    // an exact rename adds nothing
    r.git(&["mv", "f", "g"]);
    r.commit("rename");
    assert_eq!(r.pc(&["check"]).code, 0);
    // with renames off it is delete + add, as `git log --no-renames` shows
    r.policy(&format!("{MINER_RULE}\n[scan]\nrenames = \"off\"\n"));
    assert_eq!(r.pc(&["check"]).code, 1);
}

#[test]
fn message_file_and_stdin_are_cleaned_like_git_commit() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    let msg = "# WIP is only in a comment\nAdd feature\n\n# Please enter the commit message\n";
    r.write("msg.txt", msg);
    let run = r.pc(&["check", "--message-file", "msg.txt", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty());
    let run = r.pc_stdin(
        &["check", "--message-file", "-", "--format", "json"],
        b"WIP: x\n",
    );
    assert_eq!(run.rules(), ["no-wip"]);
    // no repository needed
    let outside = sb.path().join("plain");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let policy = sb.path().join("p.toml");
    std::fs::write(&policy, MINER_RULE).expect("write");
    let run = sb.pc_in(
        &outside,
        &[
            "--policy",
            policy.to_str().expect("utf-8"),
            "check",
            "--message-file",
            "-",
            "--format",
            "json",
        ],
        Some(b"WIP\n"),
    );
    assert_eq!(run.rules(), ["no-wip"], "{}", run.stderr);
}

#[test]
fn policy_discovery_order() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "WIP one");
    // no policy at all: the embedded default
    let run = r.pc(&["-v", "check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("embedded `default` preset"),
        "{}",
        run.stderr
    );
    // git config
    r.write("conf/p.toml", MINER_RULE);
    r.git(&["config", "policy-check.policy", "conf/p.toml"]);
    let run = r.pc(&["-v", "check", "--format", "json"]);
    assert!(
        run.stderr.contains("git config policy-check.policy"),
        "{}",
        run.stderr
    );
    assert_eq!(run.rules(), ["no-wip"]);
    // the repository file wins over git config
    r.policy("[policy]\nname = \"repo-file\"\n");
    let run = r.pc(&["-v", "check", "--format", "json"]);
    assert!(run.stderr.contains(".policy-check.toml"), "{}", run.stderr);
    assert!(run.rules().is_empty());
    // --policy wins over everything
    let run = r.pc(&["--policy", "conf/p.toml", "check", "--format", "json"]);
    assert_eq!(run.rules(), ["no-wip"]);
}

#[test]
fn extends_merges_rules_by_id_and_detects_cycles() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.write("base.toml", MINER_RULE);
    r.policy(
        "[policy]\nname = \"child\"\nextends = [\"base.toml\"]\n\n[[rules]]\nid = \"no-wip\"\nseverity = \"error\"\nscope = \"subject\"\npattern = '^WIP'\n",
    );
    r.commit_file("a", "1\n", "WIP");
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "child raised no-wip to error: {}", run.stdout);
    assert_eq!(run.json()["findings"][0]["severity"], "error");

    r.write("a.toml", "[policy]\nextends = \"b.toml\"\n");
    r.write("b.toml", "[policy]\nextends = [\"a.toml\"]\n");
    let run = r.pc(&["--policy", "a.toml", "check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cycle"), "{}", run.stderr);
}

#[test]
fn severity_overrides_and_staged_rollout() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file("a", "1\n", "WIP");
    r.policy(&format!(
        "{MINER_RULE}\n[severity]\nno-wip = {{ level = \"warn\", until = \"2027-03-01\", then = \"error\" }}\n"
    ));
    let before = sb.pc_in(&r.path, &["check"], None);
    assert_eq!(before.code, 0);
    let mut cmd = std::process::Command::new(common::BIN);
    cmd.args(["check"]).current_dir(&r.path);
    sb.env(&mut cmd);
    cmd.env("POLICY_CHECK_TODAY", "2027-03-01");
    assert_eq!(
        cmd.output().expect("run").status.code(),
        Some(1),
        "error from the rollout date on"
    );
}

#[test]
fn inline_allow_marker_suppresses_and_is_counted() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.commit_file(
        "a.sh",
        "x=stratum+tcp://y # policy-check:allow no-miner\n",
        "add",
    );
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["summary"]["suppressed"], 1);
    r.commit_file(
        "b.sh",
        "x=stratum+tcp://y # policy-check:allow other-rule\n",
        "add",
    );
    assert_eq!(
        r.pc(&["check"]).code,
        1,
        "a marker for another rule does not apply"
    );
}

#[test]
fn binary_huge_and_non_utf8_content_is_handled() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.policy(&format!("{MINER_RULE}\n[scan]\nmax_file_size = 1000\n"));
    r.write("bin.dat", b"\x00\x01stratum+tcp://hidden\x00");
    r.write("big.txt", "stratum+tcp://x\n".repeat(200));
    r.write("latin1.txt", b"caf\xe9 stratum+tcp://p\n");
    r.write("caf\u{e9}/n\u{f6}n.txt", "ok\n");
    r.commit("mixed content");
    let run = r.pc(&["check", "--format", "json"]);
    let j = run.json();
    let findings = j["findings"].as_array().expect("findings");
    let by_rule = |id: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_rule("file-too-large").len(), 1);
    assert_eq!(by_rule("file-too-large")[0]["path"], "big.txt");
    let mut paths: Vec<&str> = by_rule("no-miner")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default())
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(
        paths,
        ["big.txt", "latin1.txt"],
        "binary not read by line rules, latin-1 read lossily, a file over the limit \
         streamed (issue 14): {findings:?}"
    );
}

#[test]
fn non_utf8_and_encoded_messages_never_crash() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    r.write("a", "1\n");
    r.git(&["add", "-A"]);
    let o = r.git_raw(
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "-F",
            "-",
        ],
        Some(b"WIP caf\xe9\n\nAssisted-by: caf\xe9\n"),
    );
    assert!(o.status.success());
    r.write("a", "2\n");
    r.git(&["add", "-A"]);
    let o = r.git_raw(&["commit", "-q", "-F", "-"], Some(b"raw \xff\xfe bytes\n"));
    assert!(o.status.success());
    let run = r.pc(&["check", "--format", "json", "--all"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["commits"], 2);
    assert_eq!(run.rules(), ["no-wip"]);
}

#[test]
fn many_commits_are_checked_in_order() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    // fast-import builds a long history quickly
    let mut stream = String::new();
    for i in 1..=60 {
        let msg = if i % 10 == 0 {
            format!("WIP {i}")
        } else {
            format!("c {i}")
        };
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter T <t@example.com> {} +0000\ndata {}\n{}\nM 644 inline f{}.txt\ndata 2\n{}\n\n",
            1_700_000_000 + i, msg.len(), msg, i % 7, i % 10
        ));
    }
    let o = r.git_raw(&["fast-import", "--quiet"], Some(stream.as_bytes()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    r.git(&["reset", "-q", "--hard", "main"]);
    let run = r.pc(&["check", "--all", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["summary"]["commits"], 60);
    let subjects: Vec<String> = j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["snippet"].as_str().expect("snippet").to_string())
        .collect();
    assert_eq!(
        subjects,
        ["WIP 60", "WIP 50", "WIP 40", "WIP 30", "WIP 20", "WIP 10"],
        "newest first, like git log"
    );
}

// ---- bad input: a one-line error, exit code 2, no panic -----------------

fn assert_error(run: &common::Run, needles: &[&str]) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for n in needles {
        assert!(run.stderr.contains(n), "expected `{n}` in: {}", run.stderr);
    }
}

#[test]
fn missing_and_unreadable_policy_files() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    assert_error(
        &r.pc(&["--policy", "nope.toml", "check"]),
        &["cannot read policy file nope.toml"],
    );
    r.write("latin.toml", b"[policy]\nname = \"caf\xe9\"\n");
    assert_error(
        &r.pc(&["--policy", "latin.toml", "check"]),
        &["latin.toml", "not valid UTF-8"],
    );
}

#[test]
fn malformed_policy_points_at_file_line_and_column() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    r.policy("[policy]\nname = \"x\"\n\n[scan\nmax_file_size = 3\n");
    assert_error(
        &r.pc(&["check"]),
        &[".policy-check.toml:4:", "invalid table header"],
    );
    r.policy("[policy]\nname = 3\n");
    assert_error(
        &r.pc(&["check"]),
        &[".policy-check.toml:2:8", "invalid type"],
    );
}

#[test]
fn unknown_keys_are_named_with_the_nearest_known_key() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    r.policy("[policy]\nname = \"x\"\n\n[scan]\nmax_file_sise = 3\n");
    assert_error(
        &r.pc(&["check"]),
        &[
            ".policy-check.toml:5:1",
            "unknown key `max_file_sise` in [scan]",
            "did you mean `max_file_size`?",
        ],
    );
    r.policy("[polcy]\nname = \"x\"\n");
    assert_error(
        &r.pc(&["check"]),
        &["unknown key `polcy`", "did you mean `policy`?"],
    );
    r.policy("[severity]\nno-such-rule = \"warn\"\n");
    assert_error(&r.pc(&["check"]), &["unknown rule id `no-such-rule`"]);
}

#[test]
fn bad_regex_and_glob_name_the_rule() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    r.policy("[[rules]]\nid = \"broken\"\nscope = \"subject\"\npattern = 'a(b'\n");
    assert_error(
        &r.pc(&["check"]),
        &[
            ".policy-check.toml:4:11",
            "rules[broken].pattern",
            "invalid regex `a(b`",
            "unclosed group",
        ],
    );
    r.policy("[[rules]]\nid = \"globby\"\nscope = \"added-lines\"\npattern = 'x'\npaths = [\"src/[a\"]\n");
    assert_error(
        &r.pc(&["check"]),
        &["rules[globby].paths", "invalid glob `src/[a`"],
    );
    r.policy("[[rules]]\nid = \"Bad_Id\"\nscope = \"subject\"\npattern = 'x'\n");
    assert_error(&r.pc(&["check"]), &["kebab-case"]);
    r.policy(&format!(
        "[[rules]]\nid = \"huge\"\nscope = \"subject\"\npattern = '{}'\n",
        "(a|b|c|d){1000}".repeat(20)
    ));
    assert_error(&r.pc(&["check"]), &["rules[huge].pattern", "limit"]);
}

#[test]
fn unknown_preset_suggests_the_nearest() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    r.policy("[policy]\nextends = \"defualt\"\n");
    assert_error(
        &r.pc(&["check"]),
        &[
            ".policy-check.toml:2:",
            "unknown preset `defualt`",
            "did you mean `default`?",
        ],
    );
}

#[test]
fn invalid_revisions_and_missing_repositories() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    assert_error(
        &r.pc(&["check", "no-such-branch"]),
        &["unknown revision `no-such-branch`"],
    );
    assert_error(
        &r.pc(&["check", "HEAD~5..HEAD"]),
        &["unknown revision `HEAD~5`"],
    );
    let tree = r.git(&["rev-parse", "HEAD^{tree}"]);
    assert_error(&r.pc(&["check", &tree]), &["is a tree, not a commit"]);
    let plain = sb.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    assert_error(
        &sb.pc_in(&plain, &["check"], None),
        &["is not in a git repository"],
    );
    let empty = sb.repo("empty");
    assert_error(&empty.pc(&["check"]), &["no commits yet"]);
}

#[test]
fn shallow_clone_boundary_is_a_clear_error() {
    let sb = Sandbox::new();
    let r = repo_with_policy(&sb);
    for i in 0..3 {
        r.commit_file("a", format!("{i}\n"), &format!("c{i}"));
    }
    let url = format!("file://{}", r.path.display());
    let o = sb.git_in(
        sb.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shallow = sb.path().join("shallow");
    std::fs::write(shallow.join(".policy-check.toml"), MINER_RULE).expect("write");
    let run = sb.pc_in(&shallow, &["check"], None);
    assert_error(&run, &["shallow", "fetch-depth: 0"]);
    // a message-only policy needs no parent and works in a shallow clone
    std::fs::write(
        shallow.join(".policy-check.toml"),
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\n",
    )
    .expect("write");
    assert_eq!(sb.pc_in(&shallow, &["check"], None).code, 0);
}

#[test]
fn usage_errors_exit_2() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    assert_eq!(r.pc(&["check", "--no-such-flag"]).code, 2);
    assert_eq!(r.pc(&["frobnicate"]).code, 2);
    assert_eq!(r.pc(&["--help"]).code, 0);
}

#[test]
fn policy_ref_judges_commits_by_the_base_policy() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.write(".policy-check.toml", MINER_RULE);
    r.commit("add the policy");
    r.git(&["branch", "base"]);
    // one commit both adds a pool address and deletes the rule that forbids it
    r.write(".policy-check.toml", "[policy]\nname = \"weakened\"\n");
    r.commit_file("pool.txt", "stratum+tcp://x\n", "innocent change");
    assert_eq!(
        r.pc(&["check"]).code,
        0,
        "the working tree's policy was weakened"
    );
    let run = r.pc(&["--policy-ref", "base", "-v", "check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), ["no-miner"]);
    assert!(
        run.stderr.contains("base:.policy-check.toml at"),
        "{}",
        run.stderr
    );
    let missing = r.pc(&["--policy-ref", "HEAD~5", "check"]);
    assert_eq!(missing.code, 2);
    let none = sb.repo("plain");
    none.commit_file("a", "1\n", "x");
    let run = none.pc(&["--policy-ref", "HEAD", "check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("has no .policy-check.toml"),
        "{}",
        run.stderr
    );
}
