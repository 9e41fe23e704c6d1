//! Adopting a policy on a repository with history: baselines (a round trip
//! on a real history), policy exceptions with expiry, and staged rollouts,
//! with the clock pinned by `POLICY_CHECK_TODAY`.

mod common;

use common::{Repo, Sandbox};

const POLICY: &str = r#"
[policy]
name = "adopt"

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"

[[rules]]
id = "no-wip"
scope = "subject"
pattern = '^WIP'
message = "work in progress"
"#;

/// A history with old violations: a pool address in two files (one of
/// them twice), and a WIP subject.
fn old_repo(sb: &Sandbox) -> Repo<'_> {
    let r = sb.repo("r");
    r.policy(POLICY);
    r.git(&["config", "core.excludesFile", "/dev/null"]);
    r.write(
        ".gitignore",
        ".policy-check.toml\n.policy-check-baseline.json\n",
    );
    r.commit_file("README", "hello\n", "Initial");
    r.commit_file("notes.txt", "stratum+tcp://notes\n", "WIP notes");
    r.commit_file("README", "hello again\n", "Docs");
    r.commit_file(
        "src/pool.rs",
        "// a\nX = \"stratum+tcp://old:1\"\nX = \"stratum+tcp://old:1\"\n",
        "Add pool",
    );
    r
}

fn rules_of(run: &common::Run) -> Vec<(String, Option<String>)> {
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn baseline_round_trip_on_a_real_history() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);

    // Without a baseline the history fails.
    let before = r.pc(&["check", "--all", "--format", "json"]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    assert_eq!(before.rules().len(), 4, "{}", before.stdout);

    // Write it: every commit reachable from HEAD by default.
    let w = r.pc(&["baseline", "write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    assert!(
        w.stdout
            .contains("wrote 3 entries (4 findings in 4 commits)"),
        "{}",
        w.stdout
    );
    let text = std::fs::read_to_string(r.path.join(".policy-check-baseline.json")).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("\"rule\"")).count(),
        3,
        "one entry per line:\n{text}"
    );
    assert!(text.contains("\"count\":2"), "{text}");

    // The whole history passes with it, and says so.
    let ok = r.pc(&[
        "check",
        "--all",
        "--baseline",
        ".policy-check-baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(ok.rules().is_empty(), "{}", ok.stdout);
    assert_eq!(ok.json()["summary"]["baselined"], 4);
    let text_run = r.pc(&[
        "check",
        "--all",
        "--baseline",
        ".policy-check-baseline.json",
    ]);
    assert!(
        text_run.stdout.contains("4 baselined"),
        "{}",
        text_run.stdout
    );

    // A new violation: only it is reported; moving old lines changes nothing.
    r.commit_file(
        "src/pool.rs",
        "// a\n// moved down\nX = \"stratum+tcp://old:1\"\nX = \"stratum+tcp://old:1\"\n",
        "Move lines",
    );
    r.commit_file("src/new.rs", "\"stratum+tcp://new:2\"\n", "Add new pool");
    let new = r.pc(&[
        "check",
        "--all",
        "--baseline",
        ".policy-check-baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(new.code, 1, "{}", new.stderr);
    assert_eq!(
        rules_of(&new),
        [("no-miner".to_string(), Some("src/new.rs".to_string()))],
        "{}",
        new.stdout
    );
    // The line "moved" is not new content in its commit: no finding at all there.

    // Rewrite the offending lines (amend the commit that added them): its
    // entry is stale, the others still match.
    r.git(&["reset", "-q", "--hard", "HEAD~2"]);
    let pool = r.head();
    r.write("src/pool.rs", "// a\nX = \"pool:1\"\nX = \"pool:1\"\n");
    r.git(&["commit", "-q", "-a", "--amend", "--no-edit"]);
    assert_ne!(r.head(), pool);
    let stale = r.pc(&[
        "check",
        "--all",
        "--baseline",
        ".policy-check-baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(
        stale.code, 0,
        "a stale entry is a warning: {}",
        stale.stdout
    );
    let j = stale.json();
    let findings = j["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", stale.stdout);
    let f = &findings[0];
    assert_eq!(f["rule"], "baseline-stale");
    assert_eq!(f["severity"], "warn");
    assert_eq!(f["path"], ".policy-check-baseline.json");
    let line = f["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines().nth(line - 1).unwrap().contains(&pool),
        "line {line} of\n{text}"
    );
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("`no-miner` at src/pool.rs matched nothing (0 of 2 matched)"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "commit {} is not in the checked history",
            &pool[..12]
        )),
        "{msg}"
    );
    assert_eq!(j["summary"]["baselined"], 2);
    let stale_text = r.pc(&[
        "check",
        "--all",
        "--baseline",
        ".policy-check-baseline.json",
    ]);
    assert!(
        stale_text.stdout.contains("warning[baseline-stale]"),
        "{}",
        stale_text.stdout
    );

    // A partial range does not judge entries of commits it did not check.
    let partial = r.pc(&[
        "check",
        "--baseline",
        ".policy-check-baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(partial.code, 0);
    assert!(partial.rules().is_empty(), "{}", partial.stdout);
}

#[test]
fn baseline_is_keyed_by_content_not_line_numbers() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    r.pc(&["baseline", "write", "--output", "b.json"]);
    let text = std::fs::read_to_string(r.path.join("b.json")).unwrap();
    // Hand-edit every recorded line number: matching ignores them.
    let edited = text.replace("\"line\":2", "\"line\":99");
    assert_ne!(edited, text);
    std::fs::write(r.path.join("b.json"), edited).unwrap();
    let run = r.pc(&["check", "--all", "--baseline", "b.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Changing a hash makes the finding new and the entry stale.
    let single = text
        .lines()
        .find(|l| l.contains("\"count\":1"))
        .expect("an entry recording one finding");
    let broken = text.replace(single, &single.replacen("\"hash\":\"", "\"hash\":\"0", 1));
    std::fs::write(r.path.join("b.json"), broken).unwrap();
    let run = r.pc(&["check", "--all", "--baseline", "b.json", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rules = run.rules();
    assert!(rules.contains(&"baseline-stale".to_string()), "{rules:?}");
    assert_eq!(
        rules.iter().filter(|r| *r != "baseline-stale").count(),
        1,
        "{rules:?}"
    );
}

#[test]
fn bad_baselines_are_usage_errors() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    let missing = r.pc(&["check", "--baseline", "nope.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot read the baseline nope.json"),
        "{}",
        missing.stderr
    );
    r.write("bad.json", "{\"schema_version\": 1}");
    let bad = r.pc(&["check", "--baseline", "bad.json"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not a policy-check baseline"),
        "{}",
        bad.stderr
    );
}

const EXCEPTIONS: &str = r#"
[[exceptions]]
rule = "no-miner"
path = "notes.txt"
reason = "notes are not code"
owner = "Ada <ada@example.org>"
expires = 2026-06-30

[[exceptions]]
rule = "no-miner"
path = "vendr/**"
reason = "typo: never matches"
"#;

#[test]
fn exceptions_apply_until_they_expire() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    r.policy(&format!("{POLICY}{EXCEPTIONS}"));
    let today = |d: &str| {
        r.pc_env(
            &["check", "--all", "--format", "json"],
            &[("POLICY_CHECK_TODAY", d)],
        )
    };

    // In force (its last day included): notes.txt is excused.
    let run = today("2026-06-30");
    let j = run.json();
    let found = rules_of(&run);
    assert!(
        !found.contains(&("no-miner".to_string(), Some("notes.txt".to_string()))),
        "{found:?}"
    );
    assert_eq!(j["summary"]["suppressed"], 1);
    // The typo'd one is unused: reported with its place in the policy.
    let unused: Vec<&serde_json::Value> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "exception-unused")
        .collect();
    assert_eq!(unused.len(), 1, "{}", run.stdout);
    assert_eq!(unused[0]["path"], ".policy-check.toml");
    assert_eq!(unused[0]["line"], 24);
    assert!(unused[0]["message"]
        .as_str()
        .unwrap()
        .contains("path `vendr/**`"));
    assert!(!found.iter().any(|(r, _)| r == "exception-expired"));

    // The day after: it no longer applies, and says so.
    let run = today("2026-07-01");
    let found = rules_of(&run);
    assert!(
        found.contains(&("no-miner".to_string(), Some("notes.txt".to_string()))),
        "{found:?}"
    );
    let j = run.json();
    let expired = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "exception-expired")
        .expect("expired reported");
    assert_eq!(expired["line"], 17);
    let msg = expired["message"].as_str().unwrap();
    assert!(msg.contains("expired on 2026-06-30"), "{msg}");
    assert!(msg.contains("owner Ada <ada@example.org>"), "{msg}");
    assert_eq!(j["summary"]["suppressed"], 0);
}

#[test]
fn unused_exceptions_are_judged_only_on_what_was_checked() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    r.policy(&format!("{POLICY}{EXCEPTIONS}"));
    // HEAD alone is not the whole history: a path exception is not judged.
    let run = r.pc_env(
        &["check", "--format", "json"],
        &[("POLICY_CHECK_TODAY", "2026-01-01")],
    );
    assert_eq!(run.rules(), ["no-miner", "no-miner"], "{}", run.stdout);
    // An exception for a commit is judged when that commit is checked.
    let head = r.head();
    r.policy(&format!(
        "{POLICY}\n[[exceptions]]\nrule = \"no-wip\"\ncommit = \"{}\"\nreason = \"r\"\n",
        &head[..10]
    ));
    let run = r.pc(&["check", "--format", "json"]);
    assert_eq!(
        run.rules(),
        ["no-miner", "no-miner", "exception-unused"],
        "{}",
        run.stdout
    );
    let run = r.pc(&["check", "--format", "json", "HEAD~2"]);
    assert_eq!(run.rules(), ["no-miner", "no-wip"], "{}", run.stdout);
}

#[test]
fn exception_problems_are_located() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    r.policy(&format!(
        "{POLICY}\n[[exceptions]]\nrule = \"no-minr\"\nreason = \"x\"\nexpires = \"2026-02-30\"\n\n[[exceptions]]\nrule = \"no-wip\"\n"
    ));
    let run = r.pc(&["policy", "validate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("missing key `reason` in [exceptions[1]]"),
        "{}",
        run.stderr
    );
    r.policy(&format!(
        "{POLICY}\n[[exceptions]]\nrule = \"no-minr\"\nreason = \"x\"\nexpires = \"2026-02-30\"\n"
    ));
    let run = r.pc(&["policy", "validate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".policy-check.toml:18:8: `exceptions[0].rule`: unknown rule id `no-minr`; did you mean `no-miner`?"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            ".policy-check.toml:20:11: `exceptions[0].expires`: `2026-02-30` is not a date"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn explain_rollout_lists_what_will_fail_and_when() {
    let sb = Sandbox::new();
    let r = old_repo(&sb);
    r.policy(&format!(
        "{POLICY}\n[severity]\nno-miner = {{ level = \"warn\", until = 2027-03-01, then = \"error\" }}\nno-wip = {{ level = \"off\", until = \"2026-12-01\", then = \"warn\" }}\n"
    ));
    let env = [("POLICY_CHECK_TODAY", "2026-11-01")];
    // Today the staged rules do not fail the history.
    let now = r.pc_env(&["check", "--all", "--format", "json"], &env);
    assert_eq!(now.code, 0, "{}", now.stdout);
    assert_eq!(now.rules(), ["no-miner", "no-miner", "no-miner"]);

    let run = r.pc_env(&["check", "--all", "--explain-rollout"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "policy-check: staged rollout as of 2026-11-01 (4 commits checked)"
    );
    assert_eq!(
        lines[1],
        "  no-wip    off -> warning on 2026-12-01 (in 30 days): 1 finding in these commits will be reported as warning"
    );
    assert_eq!(
        lines[2],
        "  no-miner  warning -> error on 2027-03-01 (in 120 days): 3 findings in these commits will start failing"
    );

    let json = r.pc_env(
        &["check", "--all", "--explain-rollout", "--format", "json"],
        &env,
    );
    let j = json.json();
    assert_eq!(j["today"], "2026-11-01");
    assert_eq!(j["rollouts"][1]["rule"], "no-miner");
    assert_eq!(j["rollouts"][1]["findings"], 3);
    assert_eq!(j["rollouts"][1]["starts_failing"], true);
    assert_eq!(j["rollouts"][1]["days"], 120);

    // On the day, the rule fails the history and the plan says it is in force.
    let env = [("POLICY_CHECK_TODAY", "2027-03-01")];
    let then = r.pc_env(&["check", "--all", "--format", "json"], &env);
    assert_eq!(then.code, 1);
    let run = r.pc_env(&["check", "--all", "--explain-rollout"], &env);
    assert!(
        run.stdout.contains("no-miner  warning -> error since 2027-03-01 (0 days ago): in force: 3 findings in these commits fail"),
        "{}",
        run.stdout
    );
}
