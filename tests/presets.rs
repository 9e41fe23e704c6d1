//! The presets in `policies/`: each loads, cites its source, and on a
//! fixture repository passes and fails the commits it should, each for a
//! stated reason. Also `policy list` and `policy init`.

mod common;

use common::Sandbox;

const SOB: &str = "Signed-off-by: Test User <test@example.com>";
const CLAUDE: &str = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>";
const FOOTER: &str = "🤖 Generated with [Claude Code](https://claude.com/claude-code)";

/// One fixture commit: why, the message, an author (`None`: the sandbox
/// user), files to write, and the error-or-warning rule ids expected.
struct Case {
    why: &'static str,
    msg: String,
    author: Option<&'static str>,
    files: Vec<(&'static str, String)>,
    expect: Vec<&'static str>,
}

fn case(why: &'static str, msg: &str, expect: &[&'static str]) -> Case {
    Case {
        why,
        msg: msg.to_string(),
        author: None,
        files: Vec::new(),
        expect: expect.to_vec(),
    }
}

fn run_preset(preset: &str, cases: Vec<Case>) {
    let sb = Sandbox::new();
    let repo = sb.repo(preset);
    repo.policy(&format!("[policy]\nextends = [\"{preset}\"]\n"));
    repo.commit("Add the policy\n\nSigned-off-by: Test User <test@example.com>\n");
    for (i, c) in cases.iter().enumerate() {
        repo.write("counter.txt", format!("{i}\n"));
        for (path, content) in &c.files {
            repo.write(path, content);
        }
        match c.author {
            Some(a) => repo.commit_as(a, &c.msg),
            None => repo.commit(&c.msg),
        };
        let run = repo.pc(&["check", "--format", "json", "HEAD"]);
        assert!(
            run.code == 0 || run.code == 1,
            "{preset}: {}: {}",
            c.why,
            run.stderr
        );
        let mut got = run.rules();
        got.sort();
        got.dedup();
        let mut want: Vec<String> = c.expect.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{preset}: {}\n{}", c.why, run.stdout);
    }
}

#[test]
fn default_preset() {
    run_preset(
        "default",
        vec![
            case(
                "a plain human commit passes (no DCO in the default)",
                "Fix typo\n",
                &[],
            ),
            case(
                "Claude Code's own co-author trailer discloses it",
                &format!("Add x\n\n{FOOTER}\n\n{CLAUDE}\n"),
                &[],
            ),
            case(
                "a Claude Code footer with the trailer removed is undisclosed",
                &format!("Add x\n\n{FOOTER}\n"),
                &["disclosure-missing"],
            ),
            case(
                "an Assisted-by trailer discloses the footer",
                &format!("Add x\n\n{FOOTER}\n\nAssisted-by: Claude\n"),
                &[],
            ),
            case(
                "an AI may never sign off",
                "Add x\n\nAssisted-by: Claude\nSigned-off-by: Claude <noreply@anthropic.com>\n",
                &["review-ai-signoff"],
            ),
            Case {
                author: Some("renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>"),
                ..case(
                    "a dependency bot is not AI",
                    "chore(deps): update regex to 1.10\n",
                    &[],
                )
            },
        ],
    );
}

#[test]
fn rust_foundation_preset() {
    let rev = "Reviewed-by: Rita Reviewer <rita@example.com>";
    run_preset(
        "rust-foundation",
        vec![
            case("a human commit needs nothing", "Fix typo\n", &[]),
            case(
                "§4: AI-assisted work needs a human review",
                &format!("Add x\n\n{CLAUDE}\n"),
                &["review-ai-unreviewed"],
            ),
            case(
                "disclosed and reviewed AI work passes",
                &format!("Add x\n\n{CLAUDE}\n{rev}\n"),
                &[],
            ),
            case(
                "§8: an undisclosed aider commit (subject prefix only) fails",
                &format!("aider: add x\n\n{rev}\n"),
                &["disclosure-missing"],
            ),
            Case {
                author: Some("Claude <noreply@anthropic.com>"),
                ..case(
                    "§3.3: an AI may not be the author",
                    &format!("Add x\n\nAssisted-by: Claude\n{rev}\n"),
                    &["review-ai-author"],
                )
            },
            Case {
                files: vec![(".github/workflows/ci.yml", "on: push\n".into())],
                ..case(
                    "§9: an agentic tool editing CI needs approval (from anyone but the author while no maintainers are set)",
                    &format!("CI\n\n{CLAUDE}\n"),
                    // supply-chain (which rust-foundation extends) asks a
                    // review of every CI change, AI or not
                    &[
                        "agentic-critical-infrastructure",
                        "review-ai-unreviewed",
                        "workflow-review-missing",
                    ],
                )
            },
            Case {
                files: vec![(".github/workflows/ci.yml", "on: [push]\n".into())],
                ..case(
                    "§9: with a review, the CI change passes",
                    &format!("CI\n\n{CLAUDE}\n{rev}\n"),
                    &[],
                )
            },
            Case {
                files: vec![(
                    "src/lib.rs",
                    "pub fn f() {\n    // SAFETY: g has no preconditions\n    unsafe { g() }\n}\n".into(),
                )],
                ..case(
                    "§7: AI-written unsafe needs a security review, even when justified",
                    "Add f\n\nAssisted-by: Claude\n",
                    &["ai-unsafe-review", "review-ai-unreviewed"],
                )
            },
            Case {
                files: vec![(
                    "Cargo.toml",
                    "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n".into(),
                )],
                ..case(
                    "§7: a dependency added with AI needs a review",
                    "Add serde\n\nAssisted-by: Claude\n",
                    &["ai-new-dependency", "dependency-added", "review-ai-unreviewed"],
                )
            },
            Case {
                files: vec![(
                    "Cargo.toml",
                    "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\nregex = { version = \"1\" }\n".into(),
                )],
                ..case(
                    "a human adding a dependency gets supply-chain's review note, a warning only",
                    "Add regex\n",
                    &["dependency-added"],
                )
            },
        ],
    );
}

#[test]
fn human_in_the_loop_preset() {
    let big: String = (0..401).map(|i| format!("fn f{i}() {{}}\n")).collect();
    run_preset(
        "human-in-the-loop",
        vec![
            case("a human commit passes", "Fix typo\n", &[]),
            case(
                "undisclosed AI help is a warning only (transparency is encouraged)",
                &format!("Add x\n\n{FOOTER}\n"),
                &["disclosure-missing"],
            ),
            case(
                "Assisted-by discloses it",
                &format!("Add x\n\n{FOOTER}\n\nAssisted-by: Claude\n"),
                &[],
            ),
            Case {
                author: Some("copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
                ..case(
                    "the contributor is always the author: an agent may not author (and undisclosed: a warning)",
                    "Fix parser\n\nCo-authored-by: Jane Doe <jane@example.com>\n",
                    &["review-ai-author", "disclosure-missing"],
                )
            },
            Case {
                files: vec![("src/big.rs", big.clone())],
                ..case(
                    "an extractive contribution: 401 AI-assisted lines without a review are flagged",
                    "Add many functions\n\nAssisted-by: Claude\n",
                    &["disclosure-large-change"],
                )
            },
            Case {
                files: vec![("tests/big.rs", big)],
                ..case(
                    "the same size in tests is not flagged",
                    "Add many tests\n\nAssisted-by: Claude\n",
                    &[],
                )
            },
        ],
    );
}

#[test]
fn linux_kernel_preset() {
    run_preset(
        "linux-kernel",
        vec![
            case("a signed-off human commit passes", &format!("Fix\n\n{SOB}\n"), &[]),
            case("the DCO sign-off is required", "Fix\n", &["review-signoff-missing"]),
            case(
                "Assisted-by in the documented format passes",
                &format!("Fix\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\n{SOB}\n"),
                &[],
            ),
            case(
                "Assisted-by without a model is malformed",
                &format!("Fix\n\nAssisted-by: Claude\n{SOB}\n"),
                &["disclosure-format"],
            ),
            case(
                "AI as a co-author is not the kernel's attribution",
                &format!("Fix\n\nAssisted-by: Claude:claude-opus-4-5\n{CLAUDE}\n{SOB}\n"),
                &["disclosure-forbidden-trailer"],
            ),
            case(
                "AI agents MUST NOT add Signed-off-by",
                &format!("Fix\n\nAssisted-by: Claude:claude-opus-4-5\n{SOB}\nSigned-off-by: Claude <noreply@anthropic.com>\n"),
                &["review-ai-signoff"],
            ),
        ],
    );
}

#[test]
fn no_ai_preset() {
    run_preset(
        "no-ai",
        vec![
            case("a human commit passes", "Fix typo\n", &[]),
            case(
                "declaring no AI use passes",
                "Fix typo\n\nAI-assisted: no\n",
                &[],
            ),
            case(
                "a Claude Code commit is refused (footer and trailer)",
                &format!("Add x\n\n{FOOTER}\n\n{CLAUDE}\n"),
                &["disclosure-forbidden"],
            ),
            case(
                "a disclosure is an admission: refused",
                "Add x\n\nAssisted-by: Copilot\n",
                &["disclosure-forbidden"],
            ),
            Case {
                author: Some("Jane Doe (aider) <jane@example.com>"),
                ..case(
                    "an aider-attributed author is refused",
                    "Add x\n",
                    &["disclosure-forbidden"],
                )
            },
        ],
    );
}

#[test]
fn no_ai_trailers_preset() {
    run_preset(
        "no-ai-trailers",
        vec![
            case("a human commit passes", "Fix typo\n", &[]),
            case(
                "a human co-author passes",
                "Fix\n\nCo-authored-by: Jane Doe <jane@example.com>\n",
                &[],
            ),
            case(
                "an AI co-author trailer is rejected",
                &format!("Add x\n\n{CLAUDE}\n"),
                &["disclosure-forbidden-trailer"],
            ),
            case(
                "an AI footer is rejected",
                &format!("Add x\n\n{FOOTER}\n"),
                &["disclosure-forbidden-footer"],
            ),
            case(
                "even a disclosure trailer: disclosure belongs in the PR",
                "Add x\n\nAssisted-by: Claude\n",
                &["disclosure-forbidden-trailer"],
            ),
        ],
    );
}

#[test]
fn generated_by_preset() {
    run_preset(
        "generated-by",
        vec![
            case("a human commit passes", "Fix typo\n", &[]),
            case(
                "Generated-by names the tool",
                &format!("Add x\n\n{CLAUDE}\nGenerated-by: Claude Code claude-opus-4-5\n"),
                &[],
            ),
            case(
                "Assisted-by for assistive use",
                "Add x\n\nAssisted-by: GitHub Copilot\n",
                &[],
            ),
            case(
                "an agent's co-author alone is not the disclosure this policy asks for",
                &format!("Add x\n\n{CLAUDE}\n"),
                &["disclosure-missing"],
            ),
            case(
                "an empty disclosure is malformed",
                "Add x\n\nGenerated-by:\n",
                &["disclosure-format"],
            ),
        ],
    );
}

#[test]
fn generated_by_suggests_generated_by_for_agents() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[policy]\nextends = [\"generated-by\"]\n");
    repo.commit(&format!("Add x\n\n{CLAUDE}\n"));
    let run = repo.pc(&["check", "--format", "json"]);
    let hint = run.json()["findings"][0]["hint"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(hint, "add `Generated-by: Claude opus-4.5`");
    repo.commit("Add y\n\nCo-authored-by: Copilot <copilot@github.com>\n");
    let run = repo.pc(&["check", "--format", "json"]);
    let hint = run.json()["findings"][0]["hint"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        hint, "add `Assisted-by: Copilot`",
        "completions are assistive"
    );
}

#[test]
fn every_preset_loads_and_cites_its_source() {
    let sb = Sandbox::new();
    let list = sb.pc_in(sb.path(), &["policy", "list"], None);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let names: Vec<&str> = list
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for want in [
        "default",
        "rust-foundation",
        "human-in-the-loop",
        "linux-kernel",
        "no-ai",
        "no-ai-trailers",
        "generated-by",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    for name in names {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies")
            .join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).expect("preset file");
        let head: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        if name != "default" {
            assert!(
                head.to_ascii_lowercase().contains("source"),
                "{name}.toml does not cite its source at the top"
            );
        }
        let v = sb.pc_in(
            sb.path(),
            &["policy", "validate", path.to_str().expect("utf-8")],
            None,
        );
        assert_eq!(v.code, 0, "{name}: {}", v.stderr);
    }
}

#[test]
fn policy_init_writes_a_starter_that_extends_the_preset() {
    let sb = Sandbox::new();
    let repo = sb.repo("proj");
    repo.commit("Fix\n\nAssisted-by: Claude\n");
    let sub = repo.path.join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let run = sb.pc_in(&sub, &["policy", "init", "--preset", "linux-kernel"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written =
        std::fs::read_to_string(repo.path.join(".policy-check.toml")).expect("written at the root");
    assert!(
        written.contains("extends = [\"linux-kernel\"]"),
        "{written}"
    );
    assert!(written.contains("name = \"proj\""), "{written}");
    // The starter is in force: the kernel's rules apply.
    let check = repo.pc(&["check", "--format", "json"]);
    assert!(check
        .rules()
        .contains(&"review-signoff-missing".to_string()));
    // It refuses to overwrite…
    let again = repo.pc(&["policy", "init", "--preset", "no-ai"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert!(
        std::fs::read_to_string(repo.path.join(".policy-check.toml"))
            .expect("read")
            .contains("linux-kernel")
    );
    // …unless told to.
    let forced = repo.pc(&["policy", "init", "--preset", "no-ai", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        repo.pc(&["check", "--format", "json"]).rules(),
        vec!["disclosure-forbidden"]
    );
    // An unknown preset names the close one.
    let bad = repo.pc(&["policy", "init", "--preset", "no-aii", "--force"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean `no-ai`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn ai_committer_is_refused_by_human_in_the_loop() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[policy]\nextends = [\"human-in-the-loop\"]\n");
    repo.git(&["add", "-A"]);
    let o = repo.git_raw(
        &[
            "-c",
            "user.name=Claude",
            "-c",
            "user.email=noreply@anthropic.com",
            "commit",
            "-q",
            "--author",
            "Test User <test@example.com>",
            "-m",
            "Fix\n\nAssisted-by: Claude",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        repo.pc(&["check", "--format", "json"]).rules(),
        vec!["review-ai-committer"]
    );
}
