//! Disclosure and review rules end to end: real repositories, the real
//! binary, commit messages in the shapes AI tools write today, bad input,
//! `inspect`, and AI detection measured on the real corpora.

mod common;

use common::{Repo, Sandbox};
use policy_check::ai::{Detector, RawAi};
use policy_check::policy::{KeyPath, Problems};

/// Checks HEAD with the policy written to the repo; returns (exit code, rule ids).
fn check(repo: &Repo) -> (i32, Vec<String>) {
    let run = repo.pc(&["check", "--format", "json", "HEAD"]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    (run.code, run.rules())
}

fn findings(repo: &Repo) -> Vec<serde_json::Value> {
    let run = repo.pc(&["check", "--format", "json", "HEAD"]);
    run.json()["findings"].as_array().expect("findings").clone()
}

const KERNEL: &str = r#"
[policy]
extends = ["linux-kernel"]
"#;

/// Real-world message shapes, one per tool, and the tool each must be seen as.
const SHAPES: &[(&str, &str, &str)] = &[
    (
        "Claude Code",
        "Claude",
        "Add retry with backoff\n\nRetries transient errors.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
    ),
    (
        "Copilot agent",
        "Copilot",
        "Fix null check in parser\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
    ),
    (
        "Cursor",
        "Cursor",
        "Refactor config loading\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
    ),
    (
        "Cursor trailer",
        "Cursor",
        "Refactor config loading\n\nMade-with: Cursor\n",
    ),
    (
        "aider",
        "aider",
        "aider: Add --json flag to the CLI\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n",
    ),
    (
        "Codex",
        "Codex",
        "Handle empty input\n\nCo-authored-by: Codex <noreply@openai.com>\n",
    ),
];

#[test]
fn real_world_shapes_need_a_kernel_style_disclosure() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(KERNEL);
    for (name, tool, msg) in SHAPES {
        let body = format!("{msg}Signed-off-by: Test User <test@example.com>\n");
        // Keep the trailer block intact: append the sign-off to it.
        let body = body.replace("\n\nSigned-off-by", "\nSigned-off-by");
        repo.commit_file("a.txt", name.as_bytes(), &body);
        let f = findings(&repo);
        let missing = f
            .iter()
            .find(|x| x["rule"] == "disclosure-missing")
            .unwrap_or_else(|| panic!("{name}: no disclosure-missing in {f:?}"));
        let hint = missing["hint"].as_str().expect("hint");
        assert!(
            hint.contains(&format!("`Assisted-by: {tool}:")),
            "{name}: hint {hint}"
        );
        // Adding the suggested trailer (with a model) satisfies the rule.
        let model = if hint.contains(":MODEL") {
            "some-model"
        } else {
            ""
        };
        let suggested = hint
            .split('`')
            .nth(1)
            .expect("quoted trailer")
            .replace("MODEL", model);
        let fixed = body.replace("Signed-off-by:", &format!("{suggested}\nSigned-off-by:"));
        repo.commit_file("a.txt", format!("{name} fixed"), &fixed);
        let rules: Vec<String> = findings(&repo)
            .iter()
            .map(|x| x["rule"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            !rules.contains(&"disclosure-missing".to_string())
                && !rules.contains(&"disclosure-format".to_string()),
            "{name}: still {rules:?} with {suggested}"
        );
    }
}

#[test]
fn when_ai_detected_is_quiet_without_ai() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(KERNEL);
    repo.commit_file(
        "a.txt",
        "x",
        "Plain change\n\nCo-authored-by: Claude Dupont <claude@example.fr>\nSigned-off-by: Test User <test@example.com>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn kernel_format_and_signoff_rules() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(KERNEL);
    // Must fail: the value lacks `:MODEL`.
    repo.commit_file(
        "a.txt",
        "1",
        "Fix\n\nAssisted-by: Claude\nSigned-off-by: Test User <test@example.com>\n",
    );
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "disclosure-format");
    assert_eq!(f[0]["line"], 3);
    assert!(f[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("AGENT_NAME:MODEL_VERSION"));
    // Must pass: the kernel's own example.
    repo.commit_file(
        "a.txt",
        "2",
        "Fix\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Test User <test@example.com>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
    // Must fail: the AI signs off (and no human does).
    repo.commit_file(
        "a.txt",
        "3",
        "Fix\n\nAssisted-by: Claude:claude-3-opus\nSigned-off-by: Claude <noreply@anthropic.com>\n",
    );
    let (code, rules) = check(&repo);
    assert_eq!(code, 1);
    assert!(
        rules.contains(&"review-ai-signoff".to_string()),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"review-signoff-missing".to_string()),
        "{rules:?}"
    );
    // Must fail: the sign-off is someone else's; near miss: odd case passes.
    repo.commit_file(
        "a.txt",
        "4",
        "Fix\n\nSigned-off-by: Other Person <other@example.com>\n",
    );
    assert_eq!(
        check(&repo),
        (1, vec!["review-signoff-mismatch".to_string()])
    );
    repo.commit_file(
        "a.txt",
        "5",
        "Fix\n\nsigned-off-by: TEST USER <Test@Example.COM>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn dco_exempts_merges_and_listed_bots() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[review]
signoff = "author"
exempt_authors = ["*[bot]"]
"#,
    );
    repo.commit_file(
        "a.txt",
        "1",
        "Base\n\nSigned-off-by: Test User <test@example.com>\n",
    );
    repo.commit_as(
        "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
        "chore(deps): update rust crate regex to 1.10\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
    // Near miss: a human author without a sign-off fails.
    repo.commit_as("Jane Doe <jane@example.com>", "Change\n");
    assert_eq!(
        check(&repo),
        (1, vec!["review-signoff-missing".to_string()])
    );
    // A merge without a sign-off passes.
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    repo.commit_file(
        "b.txt",
        "b",
        "Side\n\nSigned-off-by: Test User <test@example.com>\n",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn ai_review_must_come_from_someone_else() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[disclosure]
trailers = ["Assisted-by"]
[review]
when_ai = ["Reviewed-by"]
"#,
    );
    let msg = |review: &str| format!("Change\n\nAssisted-by: Claude:claude-opus-4-5\n{review}");
    repo.commit_file("a.txt", "1", &msg(""));
    assert_eq!(check(&repo), (1, vec!["review-ai-unreviewed".to_string()]));
    // The author reviewing their own change does not count.
    repo.commit_file(
        "a.txt",
        "2",
        &msg("Reviewed-by: Test User <test@example.com>\n"),
    );
    assert_eq!(check(&repo), (1, vec!["review-ai-unreviewed".to_string()]));
    // Nor does an AI reviewer.
    repo.commit_file(
        "a.txt",
        "3",
        &msg("Reviewed-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>\n"),
    );
    assert_eq!(check(&repo), (1, vec!["review-ai-unreviewed".to_string()]));
    repo.commit_file(
        "a.txt",
        "4",
        &msg("Reviewed-by: Rita Reviewer <rita@example.com>\n"),
    );
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn maintainer_reviews_from_a_maintainers_file() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        "MAINTAINERS",
        "CORE\nM:\tMara Maintainer <mara@example.com>\nL:\tlist@example.com\n",
    );
    repo.policy(
        r#"
[policy]
maintainers_file = "MAINTAINERS"
[disclosure]
trailers = ["Assisted-by"]
[review]
when_ai = ["Reviewed-by"]
ai_reviewers = ["@maintainers"]
"#,
    );
    let base = "Change\n\nAssisted-by: Claude:claude-opus-4-5\n";
    repo.commit_file(
        "a.txt",
        "1",
        &format!("{base}Reviewed-by: Rita Reviewer <rita@example.com>\n"),
    );
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("mara@example.com"));
    repo.commit_file(
        "a.txt",
        "2",
        &format!("{base}Reviewed-by: Mara Maintainer <MARA@example.com>\n"),
    );
    assert_eq!(check(&repo), (0, vec![]));
    // A missing file is a policy error that names the setting.
    repo.policy("[policy]\nmaintainers_file = \"NOPE\"\n[review]\n");
    let run = repo.pc(&["check", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("maintainers_file") && run.stderr.contains("NOPE"),
        "{}",
        run.stderr
    );
}

#[test]
fn require_entries_join_message_and_diff() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[disclosure]
trailers = ["Assisted-by"]
[[review.require]]
id = "ai-unsafe-review"
when = "ai"
paths = ["*.rs"]
added = '\bunsafe\b'
reviewers = ["rita@example.com"]
[[review.require]]
id = "ai-ci-review"
when = "agentic"
paths = [".github/**"]
"#,
    );
    let ai = "Change\n\nAssisted-by: Claude:claude-opus-4-5\n";
    // Must pass: unsafe without AI.
    repo.commit_file("src/a.rs", "fn f() { unsafe { g() } }\n", "Human change\n");
    assert_eq!(check(&repo), (0, vec![]));
    // Must pass: AI without unsafe.
    repo.commit_file("src/b.rs", "fn f() {}\n", ai);
    assert_eq!(check(&repo), (0, vec![]));
    // Must fail: AI adds unsafe; the finding points at the line.
    repo.commit_file("src/c.rs", "fn f() {}\nfn g() { unsafe { h() } }\n", ai);
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "ai-unsafe-review");
    assert_eq!(f[0]["path"], "src/c.rs");
    assert_eq!(f[0]["line"], 2);
    // Must pass: the listed reviewer reviewed it.
    repo.commit_file(
        "src/d.rs",
        "fn g() { unsafe { h() } }\n",
        &format!("{ai}Reviewed-by: Rita <rita@example.com>\n"),
    );
    assert_eq!(check(&repo), (0, vec![]));
    // An inline allow marker on the line silences it.
    repo.commit_file(
        "src/e.rs",
        "fn g() { unsafe { h() } } // policy-check:allow ai-unsafe-review\n",
        ai,
    );
    assert_eq!(check(&repo), (0, vec![]));
    // `agentic`: a disclosure trailer alone is not agentic; a Claude Code co-author is.
    repo.commit_file(".github/workflows/ci.yml", "on: push\n", ai);
    assert_eq!(check(&repo), (0, vec![]));
    repo.commit_file(
        ".github/workflows/ci.yml",
        "on: [push]\n",
        "CI\n\nAssisted-by: Claude:claude-opus-4-5\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    );
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "ai-ci-review");
    assert_eq!(f[0]["path"], ".github/workflows/ci.yml");
    // Severities of require entries can be overridden like any rule.
    repo.policy(&format!(
        "{}\n[severity]\nai-ci-review = \"warn\"\n",
        std::fs::read_to_string(repo.path.join(".policy-check.toml")).expect("read")
    ));
    assert_eq!(check(&repo), (0, vec!["ai-ci-review".to_string()]));
}

#[test]
fn tools_can_be_denied_or_approved() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[disclosure]
trailers = ["Assisted-by"]
value = '^(?P<tool>[^:\s]+)(?::(?P<model>\S+))?'
accept_tool_trailers = true
denied_tools = ["ExampleTool"]
approved_tools = ["Claude", "Copilot"]
"#,
    );
    repo.commit_file("a.txt", "1", "Fix\n\nAssisted-by: ExampleTool:v1\n");
    assert_eq!(
        check(&repo),
        (1, vec!["disclosure-denied-tool".to_string()])
    );
    repo.commit_file(
        "a.txt",
        "2",
        "Fix\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
    );
    assert_eq!(
        check(&repo),
        (1, vec!["disclosure-unapproved-tool".to_string()])
    );
    repo.commit_file(
        "a.txt",
        "3",
        "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn large_ai_changes_are_flagged_outside_tests() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[disclosure]
trailers = ["Assisted-by"]
max_lines = 10
large_trailers = ["Reviewed-by"]
"#,
    );
    let lines = |n: usize| (0..n).map(|i| format!("line {i}\n")).collect::<String>();
    let ai = "Change\n\nAssisted-by: Claude:claude-opus-4-5\n";
    repo.commit_file("tests/big.rs", lines(50), ai);
    assert_eq!(check(&repo), (0, vec![]), "test lines do not count");
    repo.commit_file("src/big.rs", lines(11), "Human change\n");
    assert_eq!(check(&repo), (0, vec![]), "no AI, no limit");
    repo.commit_file("src/big2.rs", lines(10), ai);
    assert_eq!(check(&repo), (0, vec![]), "at the limit");
    repo.commit_file("src/big3.rs", lines(11), ai);
    assert_eq!(
        check(&repo),
        (0, vec!["disclosure-large-change".to_string()])
    );
    repo.commit_file(
        "src/big4.rs",
        lines(11),
        &format!("{ai}Reviewed-by: Rita <rita@example.com>\n"),
    );
    assert_eq!(check(&repo), (0, vec![]));
}

#[test]
fn forbidden_trailers_and_footers() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[policy]\nextends = [\"no-ai-trailers\"]\n");
    repo.commit_file("a.txt", "1", SHAPES[0].2);
    let f = findings(&repo);
    let got: Vec<(&str, i64)> = f
        .iter()
        .map(|x| {
            (
                x["rule"].as_str().unwrap_or(""),
                x["line"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("disclosure-forbidden-footer", 5),
            ("disclosure-forbidden-trailer", 7)
        ]
    );
    repo.commit_file("a.txt", "2", "Fix\n\nAssisted-by: Claude\n");
    assert_eq!(
        check(&repo),
        (1, vec!["disclosure-forbidden-trailer".to_string()])
    );
    // Near miss: a human co-author passes.
    repo.commit_file(
        "a.txt",
        "3",
        "Fix\n\nCo-authored-by: Claude Dupont <claude@example.fr>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
}

/// Bad input gets a finding or passes, never a crash.
#[test]
fn bad_input_never_crashes() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        r#"
[policy]
extends = ["linux-kernel"]
[review]
when_ai = ["Reviewed-by"]
"#,
    );
    // An empty disclosure value: a format finding on its line.
    repo.commit_file(
        "a.txt",
        "1",
        "Fix\n\nAssisted-by:\nSigned-off-by: Test User <test@example.com>\n",
    );
    let f = findings(&repo);
    let fmt = f
        .iter()
        .find(|x| x["rule"] == "disclosure-format")
        .expect("format finding");
    assert!(fmt["message"].as_str().unwrap_or("").contains("empty"));
    assert_eq!(fmt["line"], 3);
    // Odd key case is the same trailer.
    repo.commit_file(
        "a.txt",
        "2",
        "Fix\n\nASSISTED-BY: Claude:claude-opus-4-5\nsIgNeD-oFf-By: Test User <test@example.com>\nReViEwEd-By: Rita <rita@example.com>\n",
    );
    assert_eq!(check(&repo), (0, vec![]));
    // A malformed identity trailer is a finding (and no sign-off matches).
    repo.commit_file("a.txt", "3", "Fix\n\nSigned-off-by: Test User\n");
    let (code, rules) = check(&repo);
    assert_eq!(code, 1);
    assert!(
        rules.contains(&"review-malformed-trailer".to_string()),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"review-signoff-missing".to_string()),
        "{rules:?}"
    );
    // An author without an email: the sign-off cannot match; no crash.
    let o = repo.git_raw(
        &[
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            "Nameless <>",
            "-m",
            "Fix\n\nSigned-off-by: Nameless <n@example.com>",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        check(&repo),
        (1, vec!["review-signoff-mismatch".to_string()])
    );
    // A 1 MB message with AI footers deep inside.
    let mut big = String::from("Huge\n\n");
    while big.len() < 1 << 20 {
        big.push_str("filler line of a very long commit message body\n");
    }
    big.push_str("\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nSigned-off-by: Test User <test@example.com>\n");
    repo.commit_file("a.txt", "4", &big);
    let start = std::time::Instant::now();
    let (code, rules) = check(&repo);
    assert_eq!(code, 1);
    assert!(
        rules.contains(&"disclosure-missing".to_string()),
        "{rules:?}"
    );
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    // A bare message with odd bytes through --message-file.
    let run = repo.pc_stdin(
        &["check", "--format", "json", "--message-file", "-"],
        b"Fix\n\nAssisted-by: \xff\xfe:model\nSigned-off-by: <>\n",
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn policy_errors_are_located() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_file("a.txt", "1", "Fix\n");
    for (policy, needle) in [
        ("[disclosure]\nrequired = \"sometimes\"\n", "unknown value"),
        ("[disclosure]\nvalue = '(unclosed'\n", "disclosure.value"),
        ("[disclosure]\nrequird = \"always\"\n", "did you mean `required`"),
        ("[review]\nsignoff = \"yes\"\n", "unknown value"),
        (
            "[ai]\ndisable = [\"Clade\"]\n[disclosure]\n",
            "did you mean `Claude`",
        ),
        (
            "[[ai.signatures]]\ntool = \"X\"\nkind = \"body\"\npattern = '(x'\nexamples = []\n[disclosure]\n",
            "invalid `pattern`",
        ),
    ] {
        repo.policy(policy);
        let run = repo.pc(&["check", "HEAD"]);
        assert_eq!(run.code, 2, "{policy}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{policy}: {}", run.stderr);
        assert!(run.stderr.contains(".policy-check.toml:"), "{policy}: {}", run.stderr);
    }
}

#[test]
fn inspect_shows_what_the_checks_see() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(KERNEL);
    repo.commit_file("src/lib.rs", "pub fn f() {}\n", SHAPES[0].2);
    let run = repo.pc(&["inspect", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    assert_eq!(j["subject"], "Add retry with backoff");
    assert_eq!(j["trailers"][0]["key"], "Co-Authored-By");
    let signals = j["signals"].as_array().expect("signals");
    assert_eq!(signals.len(), 2, "{signals:?}");
    assert_eq!(signals[0]["seen"]["where"], "body");
    assert_eq!(signals[0]["seen"]["line"], 5);
    assert_eq!(signals[1]["tool"], "Claude");
    assert_eq!(signals[1]["model"], "Opus 4.5");
    assert_eq!(signals[1]["seen"]["where"], "trailer");
    assert_eq!(j["disclosure"]["accepted"][0], "Assisted-by");
    assert_eq!(j["disclosure"]["found"].as_array().map(Vec::len), Some(0));
    let files = j["files"].as_array().expect("files");
    let lib = files
        .iter()
        .find(|f| f["path"] == "src/lib.rs")
        .expect("src/lib.rs listed");
    assert_eq!(lib["status"], "added");
    assert_eq!(lib["added"], 1);
    let rules = j["rules"].as_array().expect("rules");
    let result = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["result"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(result("disclosure-missing").as_deref(), Some("finding"));
    assert_eq!(result("review-signoff-missing").as_deref(), Some("finding"));
    assert_eq!(result("review-ai-signoff").as_deref(), Some("passed"));
    // A rule the policy does not configure is not listed.
    assert_eq!(result("disclosure-forbidden"), None);
    let ids: Vec<&str> = j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(ids.contains(&"disclosure-forbidden-trailer"), "{ids:?}");

    let text = repo.pc(&["inspect"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for needle in [
        "Claude [model Opus 4.5, agentic]",
        "`Co-Authored-By:` trailer on line 7",
        "message line 5",
        "A src/lib.rs  +1 -0",
        "disclosure-missing",
        "hint: add `Assisted-by: Claude:opus-4.5`",
    ] {
        assert!(
            text.stdout.contains(needle),
            "{needle} not in:\n{}",
            text.stdout
        );
    }
    // A policy without AI rules still shows signals, from the built-in table.
    repo.policy("[policy]\nname = \"bare\"\n");
    let bare = repo.pc(&["inspect", "--format", "json"]);
    assert_eq!(bare.json()["signals"].as_array().map(Vec::len), Some(2));
    assert!(bare.json()["detection"]
        .as_str()
        .unwrap_or("")
        .contains("built-in"));
}

/// AI detection on the real corpora: ripgrep's history has no AI traces,
/// committed's has Claude co-authored commits (and bots that are not AI).
#[test]
fn corpus_detection() {
    let sb = Sandbox::new();
    let mut p = Problems::default();
    let detector = Detector::compile(&RawAi::default(), &[], &KeyPath::of(&["ai"]), &mut p);
    assert!(p.is_empty());
    for (name, want_claude) in [("ripgrep", false), ("committed", true)] {
        let Some(repo) = common::clone_corpus(&sb, name) else {
            return;
        };
        let git = policy_check::git::open(&repo.path).expect("open");
        let oids = policy_check::git::resolve(&git, &[], true).expect("walk");
        let opts = policy_check::git::DiffOptions {
            needs: policy_check::policy::Needs::default(),
            max_file_size: 1 << 20,
            renames: policy_check::policy::Renames::Exact,
            old_text: None,
            old_text_when: None,
            moves: false,
        };
        let reader = policy_check::git::Reader::new(&git, opts, false);
        let mut commits_with = std::collections::BTreeMap::<String, usize>::new();
        let mut flagged = Vec::new();
        for oid in &oids {
            let change = reader.read(*oid).expect("read");
            let signals = detector.detect(&change);
            let mut tools: Vec<String> = signals
                .iter()
                .map(|s| s.tool.clone().unwrap_or_else(|| "(disclosure)".into()))
                .collect();
            tools.dedup();
            for t in tools {
                *commits_with.entry(t).or_default() += 1;
            }
            if !signals.is_empty() {
                flagged.push(format!("{} {:?}", change.short_id(), signals));
            }
        }
        eprintln!(
            "{name}: {} commits, commits with AI signals per tool: {commits_with:?}",
            oids.len()
        );
        if want_claude {
            assert!(
                commits_with.get("Claude").copied().unwrap_or(0) > 0,
                "{flagged:?}"
            );
            assert_eq!(commits_with.len(), 1, "only Claude expected: {flagged:#?}");
        } else {
            assert!(
                flagged.is_empty(),
                "false positives on {name}: {flagged:#?}"
            );
        }
    }
}
