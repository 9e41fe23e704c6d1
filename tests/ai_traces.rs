//! AI traces in the shapes real histories hold them (issue 18): session
//! trailers in their own last paragraph, tools' own trailers, bot and agent
//! identities, co-author lines outside git's trailer block, footers and
//! links, model-only disclosures, opt-in prose mentions, and the false flags
//! a person's `Name <email>` in a disclosure trailer used to raise. Real
//! repositories, real `git commit` (with the commit-msg hook where it
//! matters) and the real binary.

mod common;

use common::{Repo, Sandbox};

const NO_AI: &str = "[policy]\nextends = [\"no-ai\"]\n";

/// (rule, line, message) of each finding on HEAD.
fn findings(repo: &Repo) -> Vec<(String, u64, String)> {
    let run = repo.pc(&["check", "--format", "json", "HEAD"]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.stderr,
        run.code
    );
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Commits a new file `file` as `author` with `msg` and asserts that the
/// commit is reported as AI help by `tool` (`disclosure-forbidden`).
fn assert_flagged(repo: &Repo, file: &str, author: &str, msg: &str, tool: &str) {
    repo.write(file, "x\n");
    repo.commit_as(author, msg);
    let f = findings(repo);
    assert!(
        f.iter()
            .any(|x| x.0 == "disclosure-forbidden" && x.2.contains(tool)),
        "{author}: {msg:?}: {f:?}"
    );
}

/// Commits a new file `file` as `author` with `msg` and asserts that
/// nothing is reported.
fn assert_quiet(repo: &Repo, file: &str, author: &str, msg: &str) {
    repo.write(file, "x\n");
    repo.commit_as(author, msg);
    assert_eq!(findings(repo), vec![], "{author}: {msg:?}");
}

/// Commits each of `flagged` (author, message, tool) and asserts the tool is
/// reported, then each of `quiet` (author, message) and asserts nothing is.
fn assert_cases(repo: &Repo, flagged: &[(&str, &str, &str)], quiet: &[(&str, &str)]) {
    for (i, (author, msg, tool)) in flagged.iter().enumerate() {
        assert_flagged(repo, &format!("f{i}.txt"), author, msg, tool);
    }
    for (i, (author, msg)) in quiet.iter().enumerate() {
        assert_quiet(repo, &format!("q{i}.txt"), author, msg);
    }
}

/// Lines of HEAD's message that the no-ai preset flags.
fn flagged_lines(repo: &Repo) -> Vec<u64> {
    findings(repo)
        .into_iter()
        .filter(|(r, _, _)| r == "disclosure-forbidden")
        .map(|(_, l, _)| l)
        .collect()
}

fn no_ai_repo(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    repo.policy(NO_AI);
    repo
}

/// What `git interpret-trailers --parse` sees as trailers, as `Key: value` lines.
fn git_trailers(repo: &Repo, msg: &str) -> Vec<String> {
    let o = repo.git_raw(&["interpret-trailers", "--parse"], Some(msg.as_bytes()));
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// github/copilot-sdk's shape: `Copilot-Session:` alone in the last
/// paragraph, the co-author in the one above. git reads only the session
/// line as a trailer; both are found, the co-author outside the block.
#[test]
fn session_trailer_in_its_own_last_paragraph() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let msg = "Fix C# plugin E2E tests\n\nDetect copied versus live marketplaces.\n\nCo-authored-by: Copilot App <223556219+Copilot@users.noreply.github.com>\n\nCopilot-Session: 9369c7a5-b2f7-4459-8070-bd5a6b94d88d\n";
    assert_eq!(
        git_trailers(&repo, msg),
        vec!["Copilot-Session: 9369c7a5-b2f7-4459-8070-bd5a6b94d88d"]
    );
    repo.commit_file("a.txt", "a\n", msg);
    assert_eq!(flagged_lines(&repo), vec![5, 7]);
    let f = findings(&repo);
    assert!(f[0].2.contains("outside the trailer block"), "{f:?}");
    assert!(f.iter().all(|x| x.2.contains("Copilot")), "{f:?}");
}

/// Tools' own trailers with model shares and agent metadata.
#[test]
fn tool_specific_trailers() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (trailers, tool) in [
        (
            "Claude-Generated-By: Claude Code (cli/claude-opus-4-5=100%)\nClaude-Steers: 2\nClaude-Permission-Prompts: 5\n",
            "Claude",
        ),
        ("Copilot-Session: 127c5458-0152-411a-84f9-8f747e96ee55\n", "Copilot"),
        (
            "Agent-Logs-Url: https://github.com/o/r/sessions/405da6c3-54b8-42e2-9577-e4959467224f\n",
            "Copilot",
        ),
        (
            "Agent-Id: a3edb0d\nAgent-Task: T-42 parser\nAgent-Confidence: 0.9\n",
            "an AI tool",
        ),
    ] {
        repo.commit_file("a.txt", trailers, &format!("Change\n\nBody.\n\n{trailers}"));
        let f = findings(&repo);
        let n = trailers.lines().count();
        assert_eq!(f.len(), n, "{trailers}: {f:?}");
        assert!(f.iter().all(|x| x.2.contains(tool)), "{f:?}");
    }
}

/// Bot and agent identities, as co-authors, authors and committers.
#[test]
fn bot_and_agent_identities() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (co, tool) in [
        (
            "Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>",
            "Copilot",
        ),
        ("Claude <claude@users.noreply.github.com>", "Claude"),
        ("Codex <codex@build.example.net>", "Codex"),
        ("Phenotype Agent <agent@phenotype.example>", "an AI tool"),
    ] {
        repo.commit_file(
            "a.txt",
            co,
            &format!("Fix\n\nBody.\n\nCo-authored-by: {co}\n"),
        );
        let f = findings(&repo);
        assert_eq!(f.len(), 1, "{co}: {f:?}");
        assert!(f[0].2.contains(tool), "{co}: {f:?}");
    }
    // Authors on any domain, and a bot committer.
    repo.write("b.txt", "b\n");
    repo.commit_as("Codex <codex@corp.example.org>", "Add b\n");
    let f = findings(&repo);
    assert!(f.len() == 1 && f[0].2.contains("author `Codex"), "{f:?}");
    repo.write("c.txt", "c\n");
    repo.git(&["add", "-A"]);
    repo.git(&[
        "-c",
        "user.name=Claude Code",
        "-c",
        "user.email=claude-code[bot]@users.noreply.github.com",
        "commit",
        "-q",
        "-m",
        "Add c",
    ]);
    let f = findings(&repo);
    assert!(
        f.iter().any(|x| x.2.contains("committer `Claude Code")),
        "{f:?}"
    );
    // A person who happens to work at a vendor, or to be called Claude.
    repo.write("d.txt", "d\n");
    repo.commit_as(
        "Taylor Blau <ttaylorr@openai.com>",
        "Fix\n\nCo-authored-by: Claude Dupont <claude@example.fr>\nSigned-off-by: Taylor Blau <ttaylorr@openai.com>\n",
    );
    assert_eq!(findings(&repo), vec![]);
}

/// Co-author lines outside the final trailer block: a squash merge's
/// middle paragraphs, and a block with prose right above it. git sees no
/// trailer there; detection does.
#[test]
fn co_authors_outside_the_trailer_block() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let squash = "Enhance session tracking (#3690)\n\n* Enhance session tracking\n\n* Apply suggestion from @Copilot\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\n* Fix tests\n\n---------\n\nCo-authored-by: Jane Doe <jane@example.com>\n";
    assert_eq!(
        git_trailers(&repo, squash),
        vec!["Co-authored-by: Jane Doe <jane@example.com>"]
    );
    repo.commit_file("a.txt", "1", squash);
    // Line 5 is Copilot's review suggestion applied; line 7 the co-author.
    assert_eq!(flagged_lines(&repo), vec![5, 7]);

    let glued = "Fix retries\n\nRetry transient errors with backoff.\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n";
    assert_eq!(git_trailers(&repo, glued), Vec::<String>::new());
    repo.commit_file("a.txt", "2", glued);
    assert_eq!(flagged_lines(&repo), vec![4]);
}

/// Detection reads every paragraph, but a disclosure is valid only where
/// git reads trailers: an `Assisted-by:` above the last paragraph is found
/// as AI involvement, does not count as the disclosure, and the hint says why.
#[test]
fn a_disclosure_outside_the_block_is_seen_but_not_valid() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[policy]\nname = \"t\"\n[disclosure]\ntrailers = [\"Assisted-by\"]\n");
    let msg = "Fix\n\nAssisted-by: Claude:claude-opus-4-5\n\nMore text after it.\n";
    assert_eq!(git_trailers(&repo, msg), Vec::<String>::new());
    repo.commit_file("a.txt", "1", msg);
    let run = repo.pc(&["check", "--format", "json", "HEAD"]);
    let f = run.json()["findings"].as_array().expect("findings").clone();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "disclosure-missing");
    let hint = f[0]["hint"].as_str().unwrap_or("");
    assert!(
        hint.contains("on line 3 is not in the trailer block"),
        "{hint}"
    );
    // In the last paragraph it is a valid disclosure.
    repo.commit_file(
        "a.txt",
        "2",
        "Fix\n\nMore text.\n\nAssisted-by: Claude:claude-opus-4-5\n",
    );
    assert_eq!(findings(&repo), vec![]);
}

/// Footers and links a tool writes into the body.
#[test]
fn footers_and_links() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (line, tool) in [
        (
            "For more details, open the [Copilot Workspace session](https://copilot-workspace.githubnext.com/o/r?shareId=XXXX-XXXX).",
            "Copilot",
        ),
        ("https://claude.ai/code/session_01Vu1EKWdpNoMpEwFQ2pVyNU", "Claude"),
        ("Made with [Cursor](https://cursor.com)", "Cursor"),
    ] {
        repo.commit_file("a.txt", line, &format!("Change\n\nWhat it does.\n\n{line}\n\nMore.\n"));
        let f = findings(&repo);
        assert_eq!(f.len(), 1, "{line}: {f:?}");
        assert_eq!(f[0].1, 5);
        assert!(f[0].2.contains(tool), "{f:?}");
    }
}

/// A disclosure naming only a model names its vendor's tool, so tool
/// policies apply to it.
#[test]
fn model_only_disclosures_name_the_vendors_tool() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[policy]\nname = \"t\"\n[disclosure]\ntrailers = [\"Assisted-by\"]\napproved_tools = [\"Claude\"]\n",
    );
    repo.commit_file("a.txt", "1", "Fix\n\nBody.\n\nAssisted-by: Opus 4.7\n");
    assert_eq!(findings(&repo), vec![]);
    repo.commit_file("a.txt", "2", "Fix\n\nBody.\n\nAssisted-by: GPT-5.6 Sol\n");
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "disclosure-unapproved-tool");
    assert!(f[0].2.contains("`Codex`"), "{f:?}");
    // `inspect` shows the model as written and the tool it stands for.
    let run = repo.pc(&["inspect", "HEAD"]);
    assert!(
        run.stdout.contains("Codex [model GPT-5.6 Sol"),
        "{}",
        run.stdout
    );
}

/// git/git's history: a person's `Name <email>` in `Assisted-by:` is not AI
/// help; a tool's name or address there is.
#[test]
fn a_person_in_a_disclosure_trailer_is_not_ai() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for value in [
        "Junio C Hamano <gitster@pobox.com>",
        "Claude Dupont <claude@example.fr>",
    ] {
        repo.commit_file(
            "a.txt",
            value,
            &format!(
                "Fix\n\nBody.\n\nAssisted-by: {value}\nSigned-off-by: A U Thor <a@example.com>\n"
            ),
        );
        assert_eq!(findings(&repo), vec![], "{value}");
    }
    for (value, tool) in [
        ("Claude Opus 4.6 <noreply@anthropic.com>", "Claude"),
        ("GitHub Copilot <me@example.com>", "Copilot"),
        ("Opus 4.7", "Claude"),
    ] {
        repo.commit_file(
            "a.txt",
            value,
            &format!(
                "Fix\n\nBody.\n\nAssisted-by: {value}\nSigned-off-by: A U Thor <a@example.com>\n"
            ),
        );
        let f = findings(&repo);
        assert_eq!(f.len(), 1, "{value}: {f:?}");
        assert!(f[0].2.contains(tool), "{value}: {f:?}");
    }
}

/// Prose mentions are a separate, lower-confidence signal: off by default,
/// reported as mentions when the policy opts in.
#[test]
fn prose_mentions_are_opt_in() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let msg = "Add parser\n\nThis parser was developed with Claude Code and reviewed by hand.\n";
    repo.commit_file("a.txt", "1", msg);
    assert_eq!(findings(&repo), vec![]);
    repo.policy(&format!("{NO_AI}[ai]\nprose = true\n"));
    let f = findings(&repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].1, 3);
    assert!(f[0].2.contains("a mention of Claude"), "{f:?}");
    // A cursor is not Cursor.
    repo.commit_file(
        "a.txt",
        "2",
        "Fix scrolling\n\nThe view was created with cursor at the end.\n",
    );
    assert_eq!(findings(&repo), vec![]);
}

/// The commit-msg hook, fired by a real `git commit`, refuses a session
/// trailer in its own paragraph under the no-ai preset.
#[test]
fn commit_msg_hook_sees_the_whole_message() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    assert_eq!(repo.pc(&["install"]).code, 0);
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let msg = "Fix\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n\nCopilot-Session: 9369c7a5-b2f7-4459-8070-bd5a6b94d88d\n";
    let o = repo.git_raw(&["commit", "-q", "-F", "-"], Some(msg.as_bytes()));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("disclosure-forbidden") && err.contains("outside the trailer block"),
        "{err}"
    );
    let o = repo.git_raw(
        &["commit", "-q", "-F", "-"],
        Some(b"Fix\n\nPlain human change.\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Classes found on held-out histories (a2-traces): tools' own co-author
/// addresses and footers (Crush, Mistral Vibe, Sisyphus), AI review bots as
/// co-authors or in GitHub's "Apply suggestion" subject, a model named with a
/// tool (`GLM 4.7 via Crush`), Copilot's commit-message marker, and robot
/// footers in markup. Each commit carries one trace; the finding names it.
#[test]
fn traces_from_held_out_histories() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (i, (msg, tool)) in [
        ("Fix\n\nBody.\n\n💘 Generated with Crush\n", "Crush"),
        ("Fix\n\nBody.\n\nCo-Authored-By: Charm Crush <crush@charm.land>\n", "Crush"),
        ("Fix\n\nBody.\n\nAssisted-by: GLM 4.7 via Crush <crush@charm.land>\n", "Crush"),
        ("Fix\n\nBody.\n\nCo-Authored-By: Mistral Vibe <vibe@mistral.ai>\n", "Mistral"),
        (
            "Fix\n\nBody.\n\nUltraworked with [Sisyphus](https://example.com/x)\n\nCo-authored-by: Sisyphus <clio-agent@sisyphuslabs.ai>\n",
            "Sisyphus",
        ),
        (
            "Fix\n\nCo-authored-by: ellipsis-dev[bot] <65095814+ellipsis-dev[bot]@users.noreply.github.com>\n",
            "Ellipsis",
        ),
        (
            "Fix\n\nCo-authored-by: gemini-code-assist[bot] <gemini-code-assist[bot]@users.noreply.github.com>\n",
            "Gemini",
        ),
        ("Apply suggestion from @greptile-apps[bot]\n", "Greptile"),
        (
            "Apply suggestion from @graphite-app[bot]\n\nCo-authored-by: graphite-app[bot] <96075541+graphite-app[bot]@users.noreply.github.com>\n",
            "Graphite",
        ),
        ("Fix\n\nBody.\n\n(Commit message generated by Copilot)\n", "Copilot"),
        ("Fix\n\nBody.\n\n<em>🤖 Created with Claude Code via Airchat</em>\n", "Claude"),
        ("Fix\n\nBody.\n\nSigned-off-by: Your Witty AI Assistant\n", "an AI tool"),
        ("Fix\n\nBody.\n\nSigned-off-by: Gemini, your friendly neighborhood code agent.\n", "Gemini"),
        (
            "Fix\n\nBody.\n\n------\nhttps://chatgpt.com/codex/tasks/task_i_68b80232666c83209c185fb761150b60\n",
            "Codex",
        ),
        ("Fix\n\nBody.\n\n🤖 Vibe-coded in Visual Studio Code!\n", "an AI tool"),
    ]
    .into_iter()
    .enumerate()
    {
        repo.commit_file(&format!("f{i}.txt"), msg, msg);
        let f: Vec<_> = findings(&repo)
            .into_iter()
            .filter(|(r, _, _)| r == "disclosure-forbidden")
            .collect();
        assert!(!f.is_empty(), "{msg:?}: not flagged");
        assert!(f.iter().any(|x| x.2.contains(tool)), "{msg:?}: {f:?}");
    }
}

/// Identities found on held-out histories: tools' agent identities as
/// author (Augment Agent, a bot app, a person's name marked `(Agent)`), and
/// the people, CI footers and bots that share their words and stay quiet.
#[test]
fn held_out_identities_and_their_false_friends() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (i, (author, tool)) in [
        ("Augment Agent <augment-agent@example.com>", "Augment"),
        (
            "roomote[bot] <219738659+roomote[bot]@users.noreply.github.com>",
            "Roo-Code",
        ),
        ("Joe (Agent) Stump <joe@example.com>", "an AI tool"),
        ("OpenClaw AI <ai@example.com>", "OpenClaw"),
        (
            "Kevin (Autonomous Agent) <kevin@users.noreply.github.com>",
            "an AI tool",
        ),
        ("EasyJarvisAgent <agent@example.ai>", "an AI tool"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("a{i}.txt"), author, "Change things\n", tool);
    }
    // Quiet: a CI footer in the robot shape, a bot that is not AI, people at
    // AI vendors, a person's name with a parenthesised team, prose mentions.
    for (i, (author, msg)) in [
        (
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            "Update changelog\n\n🤖 Generated by GitHub Actions\n",
        ),
        (
            "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            "Bump serde\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
        ),
        (
            "Jane Doe <jane@mistral.ai>",
            "Fix\n\nAddresses the gemini-code-assist[bot] review.\n\nCo-authored-by: Kai Ng <kai@charm.land>\n",
        ),
        ("Jane Doe (ACME) <jane@example.com>", "Apply suggestions from code review\n"),
        (
            "Claude Dupont <claude@example.fr>",
            "Add openai-codex provider\n\nSupports grok-4 and Crush users.\n",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_quiet(&repo, &format!("q{i}.txt"), author, msg);
    }
}

/// The third held-out set (continuedev/continue, vercel/ai,
/// anthropics/claude-code-action): the Continue CLI's footer and co-author,
/// AI reviewers' committed suggestions, agent authors, a co-author written
/// straight under the subject with no blank line, and a message flattened to
/// one line. And what stays quiet beside them.
#[test]
fn traces_from_the_third_held_out_set() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (i, (author, msg, tool)) in [
        (
            "Jane Doe <jane@example.com>",
            "docs: link plan mode guide\n\nGenerated with [Continue](https://continue.dev)\n\nCo-Authored-By: Continue <noreply@continue.dev>\n",
            "Continue",
        ),
        ("Jane Doe <jane@example.com>", "Fix\n\nBody.\n\nGenerated with Continue (cn)\n", "Continue"),
        ("Continue Agent <agent@continue.dev>", "docs: fix links\n", "Continue"),
        (
            "Jane Doe <jane@example.com>",
            "Apply suggestion from @cubic-dev-ai[bot]\n\nCo-authored-by: cubic-dev-ai[bot] <191113872+cubic-dev-ai[bot]@users.noreply.github.com>\n",
            "cubic",
        ),
        ("Jane Doe <jane@example.com>", "Apply suggestion from @vercel[bot]\n", "an AI tool"),
        (
            "vercel[bot] <35613825+vercel[bot]@users.noreply.github.com>",
            "Fix: a test calls a removed method\n\nThis commit fixes the issue reported at packages/a/src/b.test.ts:162\n",
            "Vercel-Agent",
        ),
        (
            "Jane Doe <jane@example.com>",
            "docs: simplify\n\nCo-Authored-By: open-agents-bot[bot] <260704009+open-agents-bot[bot]@users.noreply.github.com>\n",
            "Open-Agents",
        ),
        ("BLACKBOX Agent <code@blackbox.ai>", "fix: handle errors\n", "Blackbox"),
        // The fourth set (RooCodeInc/Roo-Code, All-Hands-AI/OpenHands).
        (
            "roomote-v0[bot] <219738659+roomote-v0[bot]@users.noreply.github.com>",
            "Fix the settings view\n",
            "Roo-Code",
        ),
        ("OpenHands <opendevin@all-hands.dev>", "Fix issue #8145: Add docs\n", "OpenHands"),
        ("OpenDevin <opendevin@opendevin.ai>", "Refactor the agent class\n", "OpenHands"),
        (
            "Jane Doe <jane@example.com>",
            "Chore: move the plan\n\nCo-authored-by: OpenHands-GPT-5 openhands@all-hands.dev\n",
            "OpenHands",
        ),
        (
            "codeflash-ai[bot] <148906541+codeflash-ai[bot]@users.noreply.github.com>",
            "⚡️ Speed up function `parse` by 9%\n",
            "Codeflash",
        ),
        // No blank line after the subject: git folds the co-author into the title.
        (
            "Jane Doe <jane@example.com>",
            "debug: log the value\nAdds a temporary log.\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n",
            "Claude",
        ),
        // Line breaks flattened to two blanks.
        (
            "Jane Doe <jane@example.com>",
            "feat: add a display  🤖 Generated with [Claude Code](https://claude.ai/code)  Co-Authored-By: Claude <noreply@anthropic.com>\n",
            "Claude",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("h{i}.txt"), author, msg, tool);
    }
    // Quiet: the project's people at continue.dev, vercel[bot]'s own
    // deployment commits, a subject paragraph of prose with a colon, a
    // person's co-author under the subject, "continue" as a word.
    for (i, (author, msg)) in [
        (
            "Nate Sesti <nate@continue.dev>",
            "Fix\n\nThe report is generated with continue statements removed.\n\nCo-authored-by: Dallin Romney <dallin@continue.dev>\n",
        ),
        (
            "vercel[bot] <35613825+vercel[bot]@users.noreply.github.com>",
            "Fix React Server Components CVE vulnerabilities\n\nUpdated dependencies to fix the advisory.\n",
        ),
        (
            "Jane Doe <jane@example.com>",
            "fix: parse trailers\nNote: Co-authored-by lines are kept.\nCo-authored-by: Kai Ng <kai@example.com>\n",
        ),
        ("Jane Doe <jane@example.com>", "docs:  explain  why we continue on error\n"),
        (
            "Jane Doe <jane@all-hands.dev>",
            "Fix\n\nCo-authored-by: Kai Ng <kai@all-hands.dev>\n",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_quiet(&repo, &format!("p{i}.txt"), author, msg);
    }
}

/// The fifth held-out set (pydantic/pydantic-ai, browser-use/browser-use,
/// dotnet/aspire, oxc-project/oxc, biomejs/biome, astral-sh/ruff): a
/// project's own agent, agents under plain or new logins, AI reviewers,
/// AI-written pull-request summaries copied by squash merges (one wrapped
/// over lines), labelled disclosures in the body; and the honest shapes
/// next to them stay quiet.
#[test]
fn traces_from_the_fifth_held_out_set() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    for (i, (author, msg, tool)) in [
        (
            "pydanty[bot] <251103656+pydanty[bot]@users.noreply.github.com>",
            "Fix `TestModel` generation for equal inclusive bounds (#7642)\n\nCo-authored-by: pydanty <pydanty@pydantic.dev>\n",
            "pydanty",
        ),
        ("root <pydanty@pydantic.dev>", "Propagate attribution to test docstrings\n", "pydanty"),
        (
            "copilot-swe-agent <198982749+copilot-swe-agent@users.noreply.github.com>",
            "chore(ai): Add performance lint rule skill (#22277)\n",
            "Copilot",
        ),
        (
            "openai-code-agent[bot] <242516109+Codex@users.noreply.github.com>",
            "Allow type options in nested configs\n",
            "Codex",
        ),
        (
            "Jane Doe <jane@example.com>",
            "Update docs/graph.md\n\nCo-authored-by: hyperlint-ai[bot] <154288675+hyperlint-ai[bot]@users.noreply.github.com>\n",
            "an AI tool",
        ),
        (
            "codebeaver-ai[bot] <192081515+codebeaver-ai[bot]@users.noreply.github.com>",
            "test: Add coverage improvement test for views.py\n",
            "an AI tool",
        ),
        (
            "Jane Doe <jane@example.com>",
            "feat: add a provider\n\nBody.\n\nCo-authored-by: TRAE CLI <noreply@bytedance.com>\n",
            "Trae",
        ),
        (
            "Jane Doe <jane@example.com>",
            "perf: fix O(n²) in DOM capture (#4587)\n\nFour small fixes.\n\n<!-- This is an auto-generated description by cubic. -->\n## Summary by cubic\nFaster capture.\n<!-- End of auto-generated description by cubic. -->\n\nCo-authored-by: Kai Ng <kai@example.com>\n",
            "cubic",
        ),
        // Bugbot's line, wrapped: only its link is on one line.
        (
            "Jane Doe <jane@example.com>",
            "fix: guard the handler (#4601)\n\n> <sup>Written by [Cursor\nBugbot](https://cursor.com/dashboard?tab=bugbot) for commit\n3aa68384ad42. This will update automatically on new commits.</sup>\n",
            "Cursor",
        ),
        (
            "Jane Doe <jane@example.com>",
            "Improve console output (#3529)\n\nThis pull request contains changes generated by a Cursor Cloud Agent\n",
            "Cursor",
        ),
        (
            "Jane Doe <jane@example.com>",
            "fix: V-001 security vulnerability\n\nAutomated security fix generated by Orbis Security AI\n",
            "Orbis",
        ),
        ("Hermes Agent <hermes@nousresearch.com>", "fix(filesystem): report missing text\n", "Hermes-Agent"),
        (
            "Jane Doe <jane@example.com>",
            "fix: check process liveness\n\nCo-Authored-By: claude-flow <ruv@ruv.net>\n",
            "Claude",
        ),
        ("Autonomous AI Dev Agent <ai-dev-agent@example.com>", "feat: add save_page_as_pdf action\n", "an AI tool"),
        (
            "Jane Doe <jane@example.com>",
            "fix(linter): handle getters\n\n🤖 Implemented with [Claude Code](https://claude.com/claude-code).\n",
            "Claude",
        ),
        (
            "Jane Doe <jane@example.com>",
            "fix(parser): a crash on specifiers (#123)\n\nAI Disclosure: Generated with Claude Code, Opus 4. Tested and reviewed by me.\n",
            "Claude",
        ),
        (
            "Jane Doe <jane@example.com>",
            "perf(semantic): fewer allocations (#456)\n\nAI disclosure: implemented with Claude Code, reviewed manually.\n",
            "Claude",
        ),
        (
            "Jane Doe <jane@example.com>",
            "fix(minifier): keep names (#789)\n\nDetails.\n\nAI-assisted.\n",
            "an AI tool",
        ),        // h6 (astral-sh/uv, langchain-ai/langgraph, withastro/astro).
        ("open-swe[bot] <open-swe@users.noreply.github.com>", "Add HITL safety tests\n", "Open-SWE"),
        (
            "Jane Doe <jane@example.com>",
            "docs: fix a link\n\nMade by [Open SWE](https://openswe.vercel.app)\n",
            "Open-SWE",
        ),
        (
            "Jane Doe <jane@example.com>",
            "docs: make guidance conditional\n\nCreated with [Deep Agents\nCLI](https://docs.langchain.com/oss/python/deepagents/cli/overview)\nusing gpt-5.4 (provider: openai).\n",
            "Deep-Agents",
        ),
        ("factory[bot] <factory[bot]@users.noreply.github.com>", "Use a fixed compatibility date\n", "an AI tool"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("q{i}.txt"), author, msg, tool);
    }
    // Quiet: a person at pydantic.dev; a negative labelled disclosure; the
    // biome template's request to disclose; an unlabelled prose disclosure
    // (prose is opt-in); a release bot at bytedance.com; a person named like
    // a reviewer app; a person whose address is claude-flow's author's.
    for (i, (author, msg)) in [
        ("Samuel Colvin <samuel@pydantic.dev>", "Fix the docs\n\nCo-authored-by: Jane Doe <jane@pydantic.dev>\n"),
        ("Jane Doe <jane@example.com>", "fix: a crash\n\nAI disclosure: none\n"),
        ("Jane Doe <jane@example.com>", "fix: a crash\n\nAI assistance: not used.\n"),
        (
            "Jane Doe <jane@example.com>",
            "fix: a crash\n\n<!--\n  IMPORTANT!!\n  If you generated this PR with the help of any AI assistance, please disclose it in the PR.\n  https://github.com/biomejs/biome/blob/main/CONTRIBUTING.md#ai-assistance-notice\n-->\n",
        ),
        ("Jane Doe <jane@example.com>", "fix: a crash\n\nPrepared with AI assistance.\n"),
        ("Release Bot <noreply@bytedance.com>", "release: v1.2.3\n"),
        ("rUv <ruv@ruv.net>", "Fix the flow\n"),
        ("Jane Doe <jane@example.com>", "feat: AI-assisted features are out of scope here\n\nAI usage in the docs is explained.\n"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_quiet(&repo, &format!("s{i}.txt"), author, msg);
    }
    // Prose disclosures without a label are found when the policy opts in.
    repo.policy(&format!("{NO_AI}[ai]\nprose = true\n"));
    for (i, msg) in [
        "fix: a crash\n\nPrepared with AI assistance.\n",
        "fix: a crash\n\nAI assistance was used to implement this change.\n",
        "fix: a crash\n\nI used Claude Code to help find and fix this.\n",
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(
            &repo,
            &format!("t{i}.txt"),
            "Jane Doe <jane@example.com>",
            msg,
            "mention",
        );
    }
    assert_quiet(
        &repo,
        "t9.txt",
        "Jane Doe <jane@example.com>",
        "fix: a crash\n\nNo AI assistance was used.\n",
    );
}

/// Shapes AI tools share, recognised for a tool no table names (every name
/// here is invented): an AI GitHub App's login, a summary a reviewer wrote,
/// an agent's footer or session link, an `AI-…:` key. Release and
/// dependency bots, CI runners and a person's own words stay quiet. Each
/// held-out history so far brought such new tools.
#[test]
fn generic_agent_shapes_find_tools_no_table_names() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    for (i, (author, msg)) in [
        ("quillwright-swe[bot] <1234+quillwright-swe[bot]@users.noreply.github.com>", "Add tests for the parser\n"),
        (jane, "Fix a leak\n\nCo-authored-by: mendel-swe[bot] <99+mendel-swe[bot]@users.noreply.github.com>\n"),
        ("helix-coding-agent <77+helix-coding-agent@users.noreply.github.com>", "Refactor the loader\n"),
        (jane, "Fix a leak (#12)\n\n<!-- This is an auto-generated summary by Quill. -->\nFrees the buffer.\n"),
        (jane, "Fix a leak (#13)\n\n## Summary by Quill\nFrees the buffer.\n"),
        (jane, "Fix a leak\n\nMade by [Quill Agent](https://quill.example/agent)\n"),
        (jane, "Fix a leak\n\nGenerated by an AI coding agent.\n"),
        (jane, "Fix a leak\n\nGenerated with AI.\n"),
        (jane, "Fix a leak\n\nSession: https://app.quill.ai/sessions/9f8e7d6c5b4a\n"),
        (jane, "Fix a leak\n\nGenerated with an AI agent.\n"),
        (jane, "Fix a leak 🤖 Generated with Quill 2 (#14)\n"),
        ("Quill <ops+codex@example.com>", "Fix a leak\n"),
        ("Quill Agent <quill-agent@noreply>", "Fix a leak\n"),
        (jane, "Fix a leak (#15)\n\nGenerated by Quill Agent\n"),
        (jane, "Fix a leak\n\n🐙 Generated with [Quill Code](https://quill.example)\n"),
        (jane, "Fix a leak\n\n👾 Generated with Quill Code (https://quill.example)\n"),
        (jane, "Fix a leak\n\nCo-authored-by: Quill Code <noreply@quill.example>\n"),
        (jane, "Fix a leak\n\nThis commit was written by an autonomous AI agent.\n"),
        ("agent-think[bot] <agent-think[bot]@users.noreply.github.com>", "Fix a leak\n"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("g{i}.txt"), author, msg, "an AI tool");
    }
    // Named tools, in shapes met on held-out histories.
    for (i, (msg, tool)) in [
        ("Fix a leak\n\nGenerated with Codex.\n", "Codex"),
        (
            "Fix a leak\n\nWritten by Codex from the GH issue.\n",
            "Codex",
        ),
        (
            "Fix a leak\n\nCo-Authored-By: Copilot <noreply@github.com>\n",
            "Copilot",
        ),
        (
            "Fix a leak\n\nSession: https://opncd.ai/share/fDj8QAsz\n",
            "opencode",
        ),
        ("Fix a leak\n\nCo-Authored-By: Beta-Devin AI <248786709+beta-devin-ai-integration[bot]@users.noreply.github.com>\n", "Devin"),
        ("Fix a leak\n\nAutomated security fix generated by OrbisAI Security\n", "Orbis"),
        ("Fix a leak\n\nCo-Authored-By: Oz <oz-agent@warp.dev>\n", "Warp"),
        ("Fix a leak\n\n🤖 Assisted by Amazon Q Developer\n", "an AI tool"),
        ("Fix a leak\n\nCo-authored-by: linear-code[bot] <1+linear-code[bot]@users.noreply.github.com>\n", "Linear"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("n{i}.txt"), jane, msg, tool);
    }
    assert_flagged(
        &repo,
        "n9.txt",
        "Hermes Agent <someone@example.com>",
        "Fix a leak\n",
        "Hermes",
    );
    assert_flagged(
        &repo,
        "n10.txt",
        "Amp <amp@ampcode.com>",
        "Fix a leak\n",
        "Amp",
    );
    // The fifth set of this round (trycua/cua, ComposioHQ/composio).
    for (i, (author, msg, tool)) in [
        (jane, "Fix a leak\n\nCo-authored-by: Cursor <199161495+cursoragent@users.noreply.github.com>\n", "Cursor"),
        (
            jane,
            "Fix a leak (#7)\n\n> <sup>This description was created by </sup>[<img alt=\"Ellipsis\" src=\"https://img.shields.io/badge/Ellipsis-blue\">](https://www.ellipsis.dev) for 1a2b3c4.\n",
            "Ellipsis",
        ),
        ("OpenClaw <openclaw@example.com>", "Fix a leak\n", "OpenClaw"),
        (jane, "Fix a leak\n\nCo-authored-by: Capy <capy@capy.ai>\n", "Capy"),
        (jane, "use docker hub only  (vibe-kanban 18d84f30)\n", "Vibe-Kanban"),
        ("sweagent <sweagent@pnlp.org>", "Fix a leak\n", "SWE-agent"),
        (jane, "Fix a leak\n\nCo-Authored-By: AdaL <adal@sylph.ai>\n", "AdaL"),
        (jane, "Fix a leak\n\nCo-Authored-By: Memex <noreply@memex.tech>\n", "Memex"),
        (jane, "Done! I've added the missing `logger.error` calls in oauth2/state.ts:\n", "an AI tool"),
        (
            jane,
            "Fix a leak\n\nCo-authored-by: entelligence-ai-pr-reviews[bot] <1+entelligence-ai-pr-reviews[bot]@users.noreply.github.com>\n",
            "an AI tool",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_flagged(&repo, &format!("m{i}.txt"), author, msg, tool);
    }
    for (i, (author, msg)) in [
        (
            "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            "Bump serde from 1.0.1 to 1.0.2\n",
        ),
        (
            "autofix-ci[bot] <114827586+autofix-ci[bot]@users.noreply.github.com>",
            "[autofix.ci] apply automated fixes\n",
        ),
        (
            "buildkite-agent <5+buildkite-agent@users.noreply.github.com>",
            "Release 1.2.3\n",
        ),
        (
            "Buildkite Agent <buildkite-agent@example.com>",
            "Release 1.2.4\n",
        ),
        (
            "Kai Ng <12345+kai-ai@users.noreply.github.com>",
            "Fix a typo\n",
        ),
        // A company named …-ai whose app writes configuration files.
        (
            "acme-ai[bot] <5+acme-ai[bot]@users.noreply.github.com>",
            "Add configuration\n",
        ),
        ("Jane <jane+lists@example.com>", "Fix a typo\n"),
        ("Jane Doe <jane@openclaw.ai>", "Fix a typo\n"),
        (jane, "Done: add the logger calls\n"),
        (
            jane,
            "Release 1.2.3\n\nSummary generated by release-drafter\n",
        ),
        (
            jane,
            "Update deps\n\nGenerated by [Mend Renovate](https://mend.io/renovate)\n",
        ),
        (
            jane,
            "Fix the summary generated by the test harness\n\nIt dropped a line.\n",
        ),
        (
            jane,
            "Document sessions\n\nSee https://docs.quill.ai/api/sessions/create-session\n",
        ),
        (jane, "Fix a leak\n\nAI-Usage: none\n"),
        // A module prefix in an AI product (pipecat), the product's features.
        (jane, "Merge pull request #1358\n\nai_services: fix abstractmethod issues\n"),
        (jane, "Add a picker\n\nBuilt with LLM support for streaming\n"),
        (jane, "Add a picker\n\nBuilt with the AI model picker\n"),
        (jane, "Docs\n\nWritten by Devin, reviewed by Sam\n"),
        (
            jane,
            "Fix a crash in the AI agent panel\n\nAI provider: retries are bounded.\n",
        ),
        (
            jane,
            "Docs\n\nWritten by Claude Shannon in 1948, the paper\n",
        ),
        (jane, "Editor\n\nGenerated by cursor movement.\n"),
        (jane, "Docs\n\nGenerated without AI tools.\n"),
        (jane, "Release 1.2.5\n\nGenerated by Build Agent 7\n"),
        (jane, "Release 1.2.6\n\n📦 Generated by [Release Please](https://github.com/googleapis/release-please)\n"),
        (jane, "Fix a typo\n\nCo-authored-by: GitHub <noreply@github.com>\n"),
        // A display name about a topic, its AI words not ending it.
        ("AI Agent Economy <220628848+someone@users.noreply.github.com>", "docs: add a tool to the list\n"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_quiet(&repo, &format!("h{i}.txt"), author, msg);
    }
}

/// Shapes from the a12–a15 held-out sets, each with the honest line beside
/// it that must stay quiet: a tool that names itself twice, `<model> via
/// <tool>`, subject tags and checkpoints, OpenAI's own automation, and a
/// message that documents the disclosure format rather than disclosing.
#[test]
fn cross_line_shapes_and_documented_formats() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
        (jane, "Fix a leak\n\nᕕ( ᐛ )ᕗ  Generated with Cliffy\n\nCo-Authored-By: Cliffy <cliffy@ettio.com>\n", "Cliffy"),
        (jane, "perf: etag\n\nGenerated with Karigor\n\nAssisted-by: Karigor Chintok via Karigor <karigor@faisal.click>\n", "Karigor"),
        (jane, "[codex] Fix event store replay isolation (#4402)\n", "Codex"),
        (jane, "conductor-checkpoint-msg_01CXVkHJC8gp5i395MQMhp6D\n", "Conductor"),
        (jane, "Advance a fix\n\nNightly Codex produced a focused contribution for https://example.org/issues/3129.\n", "Codex"),
        (jane, "Ignore a warning\n\n# Context:\nUSER: ignore W605\nASSISTANT: To fix the warning, add a comment\n", "aider"),
        ("Claude AGI <claude-agi@example.com>", "Fix a leak\n", "Claude"),
        ("Codex <noreply@openai.com>", "Fix a leak\n", "Codex"),
        (jane, "Fix a leak\n\nCo-authored-by: AI <ai@example.com>\n", "an AI tool"),
        (jane, "Fix a leak\n\nAlmost fully written by AI:\nhttps://ampcode.com/threads/T-86df68a3-578c-4a1c-91f3-788f8b8f0aae\n", "Amp"),
        ],
        &[
        // The format quoted as a template and an example: documentation.
        (jane, "fix: follow the Assisted-by spec (#2871)\n\nThe spec says it should be:\n\n    Assisted-by: AGENT_NAME:MODEL_VERSION\n\nSo now it reads:\n\n    Assisted-by: Crush:kimi-k2.6\n\nSee the kernel's coding-assistants page.\n"),
        (jane, "docs: the disclosure\n\nAssisted-by: <tool>:<model>\n"),
        // OpenAI's SDK generator at the address Codex co-authors with.
        ("Castiron <noreply@openai.com>", "Castiron generated snapshot\n"),
        // A footer and a co-author that are not the same name; a person.
        (jane, "Docs\n\nGenerated with Sphinx\n\nCo-authored-by: Bob Stone <bob@example.com>\n"),
        (jane, "Fix a leak\n\nCo-authored-by: Claude Dupont <claude@example.fr>\n"),
        (jane, "Remove AI-generated comments\n"),
        (jane, "Docs\n\nClaude drafted the initial PR description text from our notes.\n"),
        ],
    );
}

/// Shapes from the a18–a20 held-out sets, each beside the honest line that
/// must stay quiet: a project's `[AI]` commit mark (also under git's
/// autosquash prefix and in a squash body), an autofix app's sentence, a
/// review bot's summary footer, a model after the tool's name, an agent
/// named with what it is, and agents' own accounts.
#[test]
fn project_marks_statements_and_agent_accounts() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
        (jane, "[AI] AdaptiveSearchHandle\n", "an AI tool"),
        (jane, "fixup! [ai] Implement `get_shard_wal` debug API\n", "an AI tool"),
        (jane, "[UIO] 2-stage reopen (#10031)\n\n* [AI + manual] generalize BitmaskGaps storage\n\n* [manual] fix mutex handling\n", "an AI tool"),
        (jane, "ci: mitigate template injection (#3195)\n\nAikido used AI to generate this PR.\n", "an AI tool"),
        (jane, "fix: rename (#7001)\n\n> <sup>Reviewed by [Cursor Bugbot](https://cursor.com/bugbot) for commit 0e5fc81435d1. Bugbot is set up for automated code reviews on this repo.</sup>\n", "Cursor"),
        (jane, "chore: bump python\n\n*This code is generated by codex-gpt5.2*\n", "Codex"),
        (jane, "feat(1603): nested partial select\n\nAuthored by ultra-pod (AI agent).\n", "an AI tool"),
        (jane, "IdTracker's visitor methods\n\nCoauthored with Claude Code.\n", "Claude"),
        ("Hermes Bounty Bot <hermes-bot@nousresearch.com>", "fix: clarify disk full errors\n", "Hermes"),
        ("Claude <242468646+Claude@users.noreply.github.com>", "Fix the watcher\n", "Claude"),
        ],
        &[
        (jane, "[no-AI] manual fix\n"),
        (jane, "fixup! Add the AI settings panel\n"),
        (
            jane,
            "chore(deps): bump ai\n\n| [ai](https://github.com/vercel/ai) | `4.3.5` | `4.3.19` |\n",
        ),
        (jane, "docs: demo\n\nThe demo used AI to generate images.\n"),
        (jane, "docs: credits\n\nAuthored by Jane Doe (AI team).\n"),
        (
            jane,
            "fix: rename\n\nReviewed by [Jane](https://github.com/jane) for commit 0e5fc81.\n",
        ),
        (jane, "build: protos\n\nThis code is generated by protoc.\n"),
        (
            "Claude <41422239+claudesortwell@users.noreply.github.com>",
            "fix lint\n",
        ),
        ("Jane Doe <jane@nousresearch.com>", "Fix the docs\n"),
        ],
    );
}

/// Shapes from the a21–a22 held-out sets: agents' Apps and mailboxes,
/// an agent named in its own metadata trailer, a tool posting the pull
/// request, and the honest neighbours (a trailer that says no agent was
/// used, a person at the `claude` account's address, a person who opened
/// a pull request for a team).
#[test]
fn agent_apps_mailboxes_and_metadata() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
        ("dosubot[bot] <131922026+dosubot[bot]@users.noreply.github.com>", "docs: update the CLI usage\n", "Dosu"),
        ("promptless[bot] <179508745+promptless[bot]@users.noreply.github.com>", "Documentation updates from Promptless (#2340)\n", "Promptless"),
        ("Twill <agent@twill.ai>", "fix: retry the upload\n", "Twill"),
        ("rupic-app[bot] <275051718+rupic-app[bot]@users.noreply.github.com>", "feat: expose custom events as data parts (#5840)\n", "rupic"),
        ("claudebot <claude@users.noreply.github.com>", "Apply PR #3755\n", "Claude"),
        (jane, "fix: retry\n\nCo-authored-by: OmX <omx@oh-my-codex.dev>\n", "oh-my-codex"),
        (jane, "fix: retry\n\nCo-Authored-By: OpenClaude (mimo-v2.5-pro) <openclaude@gitlawb.com>\n", "OpenClaude"),
        (jane, "fix: retry\n\nAssisted-by: Grok <noreply@xai.com>\n", "Grok"),
        (jane, "fix: retry\n\nAI-Agent: Opencode\n", "opencode"),
        (jane, "fix: retry\n\nThis pull request was posted by Claude Code using claude-opus-5 on behalf of David.\n", "Claude"),
        ],
        &[
        (jane, "fix: retry\n\nAI-Agent: none\n"),
        (jane, "fix: retry\n\nAgent-Id: n/a\n"),
        (
            jane,
            "fix: retry\n\nCo-authored-by: Claude Dupont <claude@users.noreply.github.com>\n",
        ),
        (
            jane,
            "fix: retry\n\nOpened by Jane on behalf of the team.\n",
        ),
        (
            jane,
            "fix: bump\n\nAutomated dependency upgrade by Renovate\n",
        ),
        ("Jane Doe <jane@xai.com>", "fix: retry\n"),
        ],
    );
}

/// Shapes from the a23–a24 held-out sets: an agent-session checkpoint
/// trailer, statements about the PR that go on after the tool, a robot
/// footer wrapped after the model's name, and Sentry's and exe.dev's agents;
/// beside them a wrapped sentence whose middle opens a line, which must
/// stay quiet.
#[test]
fn checkpoints_statements_and_vendor_agents() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
        (jane, "add tests\n\nEntire-Checkpoint: c8a0f662cd26\n", "Entire"),
        (jane, "fix: retry\n\nCo-authored-by: Shelley <shelley@exe.dev>\n", "Shelley"),
        ("sentry-junior[bot] <264270552+sentry-junior[bot]@users.noreply.github.com>", "fix: handle None spans\n", "Sentry-Junior"),
        (jane, "fix: spans\n\nCo-authored-by: sentry-warden[bot] <258096371+sentry-warden[bot]@users.noreply.github.com>\n", "Sentry-Warden"),
        (jane, "docs: retries\n\nThis PR was written by [Cursor](cursor.com)\n", "Cursor"),
        (jane, "fix: lint\n\nThis PR was generated by an AI system in collaboration with maintainers.\n", "an AI tool"),
        (jane, "feat: tasks\n\n🤖 This PR description was generated with the assistance of Claude Opus\n4.6.\n", "Claude"),
        (jane, "feat: tasks\n\n*This PR body was generated by Codex.*\n", "Codex"),
        (jane, "feat: tasks\n\n*AI-assisted — Tool: Codex; model: gpt-5.5*\n", "Codex"),
        ],
        &[
        (jane, "docs: Note to double-check PRs\n\nPlease say whether your PR was\nopened by an AI agent, since automated submission can occasionally\nmiss the template.\n"),
        (jane, "fix: retry\n\nThe PR was opened by a person.\n"),
        ("Shelley Jones <shelley@example.com>", "fix: retry\n"),
        ],
    );
}

/// Shapes from the a25 held-out set: app builders' and agents' own
/// accounts, and a review suggestion applied in a squash body.
#[test]
fn app_builders_and_applied_suggestions() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                "v0 <v0[bot]@users.noreply.github.com>",
                "fix: resolve client-side build errors\n",
                "v0",
            ),
            (
                jane,
                "feat: tensors\n\nCo-authored-by: Ona <no-reply@ona.com>\n",
                "Ona",
            ),
            (
                "Antigravity <antigravity@google.com>",
                "feat: tensors\n",
                "Antigravity",
            ),
            (
                jane,
                "feat: tensors (#3012)\n\n* initial\n\n* Apply suggestion from Copilot\n",
                "Copilot",
            ),
        ],
        &[
            (
                jane,
                "feat: tensors (#3012)\n\n* initial\n\n* Apply suggestions from code review\n",
            ),
            ("Jane Doe <jane@google.com>", "feat: tensors\n"),
            ("Ona Smith <ona@example.com>", "feat: tensors\n"),
        ],
    );
}

/// Shapes from the a26 held-out set: a vendor's staging agent App, and a
/// pull-request template's AI box ticked (unticked, it says nothing).
#[test]
fn staging_apps_and_ticked_ai_boxes() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_flagged(
        &repo,
        "m0.txt",
        jane,
        "fix: hot reload\n\nCo-Authored-By: Staging-Devin AI <166158716+staging-devin-ai-integration[bot]@users.noreply.github.com>\n",
        "Devin",
    );
    assert_flagged(
        &repo,
        "m1.txt",
        jane,
        "feat: otel receiver (#4120)\n\n#### PR Checklist\n\n- [x] Tests updated\n- [x] This pull request was substantially generated with AI assistance\n",
        "an AI tool",
    );
    assert_quiet(
        &repo,
        "n0.txt",
        jane,
        "feat: otel receiver (#4121)\n\n#### PR Checklist\n\n- [x] Tests updated\n- [ ] This pull request was substantially generated with AI assistance\n",
    );
    assert_quiet(
        &repo,
        "n1.txt",
        jane,
        "feat: otel receiver (#4122)\n\n#### PR Checklist\n\n- [x] This pull request was not generated with AI assistance\n",
    );
}

/// Shapes from the a27–a28 held-out sets: a person acting through an agent,
/// a co-author described as AI software (no address), an agent's mailbox a
/// project's guide suggests, Kiro's own mailbox, a disclosure as the
/// subject's type, a model doing the work; beside them the honest
/// neighbours.
#[test]
fn via_agents_mailboxes_and_subject_disclosures() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                "Daniel Szoke (via Pi Coding Agent) <daniel.szoke+pi_coding_agent@sentry.io>",
                "fix(vcs): upgrade git2\n",
                "an AI tool",
            ),
            (
                jane,
                "feat: shell roles\n\nCo-authored-by: MIST (custom AI software)\n",
                "an AI tool",
            ),
            (
                jane,
                "fix: index\n\nCo-authored-by: Claude <ai-agent@example.invalid>\n",
                "an AI tool",
            ),
            (
                jane,
                "fix: index\n\nCo-authored-by: Kiro <kiro@amazon.com>\n",
                "Kiro",
            ),
            (jane, "ai-generated: examples update\n", "an AI tool"),
            (jane, "fix: index\n\nDone by Sonnet 4.5\n", "Claude"),
        ],
        &[
            ("Jane Doe (via GitHub) <jane@example.com>", "fix: index\n"),
            (
                jane,
                "fix: index\n\nCo-authored-by: Bob Stone (AI team) <bob@example.com>\n",
            ),
            (jane, "AI-generated images: add alt text\n"),
            (jane, "ai-generated: no\n"),
            (jane, "fix: index\n\nDone by Jane in the review.\n"),
            ("Jane Doe <jane@amazon.com>", "fix: index\n"),
        ],
    );
}

/// Round 20 (held-out beads, agent-framework, marimo, spec-kit, lance,
/// kagent, reflex): agents' own mailboxes and former names, a person and an
/// agent as one identity, agent-signature trailers, Cursor's and Copilot's
/// footers, a project's required agent statement; and a person whose handle
/// starts with a model's name is not a model.
#[test]
fn agent_mailboxes_former_names_and_required_statements() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (jane, "fix: index\n\nCo-authored-by: Junie <junie@jetbrains.com>\n", "Junie"),
            (jane, "fix: index\n\nCo-Authored-By: Aime <aime@bytedance.com>\n", "Aime"),
            ("Amp <amp@example.com>", "ignore local state\n", "Amp"),
            ("Clawdbot <clawdbot@localhost>", "fix: molecule type\n", "OpenClaw"),
            ("Copilot <copilot@github.local>", "Fix: null id\n", "Copilot"),
            ("Ryan Newton + Claude <rrnewton@gmail.com>", "Allow numeric ids\n", "an AI tool"),
            (
                jane,
                "fix: races\n\nCo-authored-by: GitHub Copilot (model: mimo-v2.5-free, supervised)\n",
                "Copilot",
            ),
            (
                jane,
                "fix(ci): doc check\n\nAgent-Signature: claude-opus-4-8-high on behalf of maphew\n",
                "Claude",
            ),
            (
                jane,
                "chore: positional args\n\n**This pull request was authored by a coding agent.**\n",
                "an AI tool",
            ),
            (jane, "chat sidebar: beta\n\n> Written by cursor-grok-4.6 on cursor\n", "Cursor"),
            (jane, "feat: merge hook\n\n✨ - Generated by Copilot\n", "Copilot"),
            (
                jane,
                "fix: hooks\n\n🤖 Assisted-By [Claude Code](https://claude.com/claude-code)\n",
                "Claude",
            ),
        ],
        &[
            (
                "claude89757 <138977524+claude89757@users.noreply.github.com>",
                "Python: fix observability\n",
            ),
            ("Junie Moon <junie@example.com>", "fix: index\n"),
            ("Amp Kumar <amp@example.com>", "fix: index\n"),
            ("Tom & Jerry <tj@example.com>", "fix: index\n"),
            (jane, "fix: index\n\nThis PR was reviewed by a coding agent.\n"),
            (jane, "fix: index\n\nWritten by Jane on cursor movement\n"),
            (jane, "fix: index\n\nNot generated by Copilot\n"),
        ],
    );
}

/// Round 21 (held-out gastown, LocalAI, mcp-grafana, llm, inngest,
/// documenso, ratatui, sentry-mcp): vendors' agent apps and signatures, an
/// account named as a coding agent, Claude as a co-author with no address
/// or a service account's, and attributions whose subject is the PR or the
/// code; a person named Claude stays a person, and another PR's body quoted
/// in a changelog is a quotation.
#[test]
fn vendor_agent_apps_bare_co_authors_and_subject_first_attributions() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                "mendral-app[bot] <233154221+mendral-app[bot]@users.noreply.github.com>",
                "fix: flaky test\n",
                "Mendral",
            ),
            (
                jane,
                "fix: retries\n\n> <sup>Written by [Mendral](https://mendral.com) for commit 1a2b3c4.</sup>\n",
                "Mendral",
            ),
            (
                "seer-by-sentry[bot] <157164994+seer-by-sentry[bot]@users.noreply.github.com>",
                "fix(api): keep POST on redirects\n",
                "Seer",
            ),
            ("Junior <junior@sentry.io>", "fix: index\n", "Sentry-Junior"),
            (
                "Team Coding Agent 1 <team-coding-agent-1@localai.ai>",
                "fix: gallery\n",
                "an AI tool",
            ),
            (jane, "fix: index\n\nCo-Authored-By: Claude\n", "Claude"),
            (
                jane,
                "fix: index\n\nCo-Authored-By: Claude <svc-devxp-claude@slack-corp.com>\n",
                "Claude",
            ),
            (
                jane,
                "fix: index\n\nCo-Authored-By: Antigravity (Google DeepMind) <noreply@google.com>\n",
                "Antigravity",
            ),
            (jane, "fix: index\n\nCo-Authored-By: Cursor <noreply@cursor.sh>\n", "Cursor"),
            (jane, "fix: index\n\n_PR created with Claude Code_\n", "Claude"),
            (jane, "fix: index\n\n- Code was written by Cursor\n", "Cursor"),
            (jane, "fix: index\n\n> This PR was generated by Codex.\n", "Codex"),
        ],
        &[
            (jane, "fix: index\n\nCo-authored-by: Claude Dupont <claude@dupont.fr>\n"),
            (jane, "fix: index\n\nCo-authored-by: Claude <jean-claude@example.fr>\n"),
            ("getsentry-bot <bot@sentry.io>", "release: 1.2.3\n"),
            (jane, "fix: index\n\nPatch created with cargo\n"),
            ("Jane Doe <coding-agent@example.com>", "fix: index\n"),
            // another PR's body quoted in a release PR's changelog
            (
                "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
                "chore: release v0.30.0\n\n- feat: scrolling by @jane in #1\n  > This PR was generated by Codex, and validated by me:\n",
            ),
        ],
    );
}

/// Round 22 (held-out deepagents, csharp-sdk, huggingface_hub, fantasy,
/// opendal, iggy, adk-go, kotlin-sdk): Hugging Face's Moon Bot, TRAE's
/// GitHub account, Open SWE's App spelled with a space, Deep Agents' footer
/// without its link, CodeRabbit's summary by its heading; a body that is
/// only the CLI's docs link, or CodeRabbit's markers around nothing, is no
/// trace.
#[test]
fn slack_agents_trae_accounts_and_unlinked_footers() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                "moon-bot-app[bot] <1+moon-bot-app[bot]@users.noreply.github.com>",
                "fix: cache\n",
                "Moon-Bot",
            ),
            (
                jane,
                "fix: cache\n\nRequested by @jane (Jane Doe) via Moon Bot.\n",
                "Moon-Bot",
            ),
            (
                jane,
                "fix: index\n\nCo-authored-by: traeagent <traeagent@users.noreply.github.com>\n",
                "Trae",
            ),
            (
                jane,
                "fix: index\n\nCo-authored-by: Open SWE[bot] <Open SWE@users.noreply.github.com>\n",
                "Open-SWE",
            ),
            (jane, "fix: index\n\nCreated with Deep Agents CLI.\n", "Deep-Agents"),
            (
                jane,
                "fix: index\n\n<!-- This is an auto-generated comment: release notes by coderabbit.ai -->\n## Summary by CodeRabbit\n\n* Bug Fixes\n<!-- end of auto-generated comment: release notes by coderabbit.ai -->\n",
                "CodeRabbit",
            ),
        ],
        &[
            (
                jane,
                "docs: providers\n\nhttps://docs.langchain.com/oss/python/deepagents/cli/providers\n",
            ),
            (jane, "fix: index\n\nRequested by @jane via the moon bot channel\n"),
            // a template's CodeRabbit markers with nothing between them
            (
                jane,
                "fix: index\n\n<!-- This is an auto-generated comment: release notes by coderabbit.ai\n-->\n\n<!-- end of auto-generated comment: release notes by coderabbit.ai -->\n",
            ),
        ],
    );
}

/// Round 23 (held-out fiber, ddev, memos, arrow-rs, hyprnote, trl,
/// agentscope, Flowise): an internal assistant named in `Co-developed-by:`,
/// Gemini Code Assist's and ChatGPT's mailboxes, Devin's App address without
/// `[bot]`, a `Co-generated-by:` disclosure, and Orbis's dependency
/// upgrades, which every reviewer since session 11 labelled AI.
#[test]
fn internal_assistants_vendor_mailboxes_and_security_agents() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                jane,
                "fix: hooks\n\nCo-developed-by: Aone Copilot <noreply@alibaba-inc.com>\n",
                "Aone-Copilot",
            ),
            (
                jane,
                "fix: index\n\nCo-authored-by: Gemini Code Assist <code-assist@google.com>\n",
                "Gemini",
            ),
            (jane, "fix: index\n\nCo-authored-by: @gemini-code-assist\n", "Gemini"),
            (jane, "fix: index\n\nCo-authored-by: ChatGPT <chatgpt@openai.com>\n", "Codex"),
            (
                "devin-ai-integration <158243242+devin-ai-integration@users.noreply.github.com>",
                "fix: index\n",
                "Devin",
            ),
            (jane, "perf: kernels\n\nCo-generated-by: Cursor/Opus\n", "Cursor"),
            (
                jane,
                "fix: CVE-2026-67213 security vulnerability\n\nAutomated dependency upgrade by OrbisAI Security\n",
                "Orbis",
            ),
        ],
        &[
            ("Jane Doe <noreply@alibaba-inc.com>", "fix: index\n"),
            (jane, "fix: index\n\nCo-authored-by: Devin Smith <devinsmith@example.com>\n"),
            (jane, "fix: bump\n\nAutomated dependency upgrade by Renovate\n"),
        ],
    );
}

/// Round 24 (held-out napi-rs, RustPython, amazon-q-developer-cli, railway
/// cli, awslabs/mcp, toolhive, a2a-python, agent-starter-pack): a subject
/// naming the tool as its author, Amazon Q's own wordings, an agent in
/// parentheses after a person's name, and CodeRabbit's bare handle.
#[test]
fn author_tags_cli_wordings_and_bare_handles() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (jane, "Gemini authored: refactor clients into BaseClient\n", "Gemini"),
            (jane, "Update docs based on PR #2533\n\nAuto-generated by Q\n", "Amazon-Q"),
            (
                jane,
                "feat: settings\n\n🐳 Assisted by [Amazon Q Developer](https://aws.amazon.com/q/developer)\n",
                "Amazon-Q",
            ),
            ("Kenneth Sanchez (Kiro CLI) <ksanche@amazon.com>", "fix: index\n", "an AI tool"),
            (jane, "fix: index\n\nCo-authored-by: @coderabbitai\n", "CodeRabbit"),
        ],
        &[
            (jane, "gemini: authored-by header parsing\n"),
            (jane, "ui: forms\n\nGenerated by Qt Designer\n"),
            ("Jane Doe (Kiro team) <jane@amazon.com>", "fix: index\n"),
        ],
    );
}

/// Round 25 (held-out azure-dev, azure-mcp, kiota, typespec, mcp-use,
/// microsoft/mcp, crawl4ai, moon, vibe-kanban, pi-mono, superset,
/// azure-sdk-for-rust, serena, claude-task-master, formbricks, wails): an
/// agent's reply kept as the subject, Vibe Kanban's task markers, Multica's
/// co-author, coding agents' GitHub Apps, Claude's made-up Anthropic
/// mailboxes, and an `AI-assistant:` trailer.
#[test]
fn agent_replies_task_markers_and_agent_apps() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (jane, "Fixed! The issue was in the SQL query\n", "an AI tool"),
            (jane, "I've successfully improved the open in IDE button\n", "an AI tool"),
            (jane, "Sort models alphabetically (Vibe Kanban) (#3389)\n", "Vibe-Kanban"),
            (
                jane,
                "Commit changes from coding agent for workspace 5f0e3c1a-7b2d-4e8f-9a6c-1d2e3f4a5b6c\n",
                "Vibe-Kanban",
            ),
            (
                jane,
                "docs: translate\n\nCo-authored-by: multica-agent <github@multica.ai>\n",
                "Multica",
            ),
            (
                "use-tusk[bot] <144006087+use-tusk[bot]@users.noreply.github.com>",
                "test: cover the parser\n",
                "an AI tool",
            ),
            (
                jane,
                "docs: api\n\nCo-authored-by: Claude <claude-assistant@anthropic.com>\n",
                "Claude",
            ),
            (jane, "fix: index\n\nAI-assistant: pi-coding-agent:glm-4.7\n", "GLM"),
            (
                jane,
                "The fix is implemented. Here's a summary of what was done:\n",
                "an AI tool",
            ),
            (
                jane,
                "feat: push after creation (#470)\n\nPR push after creation (vibe-kanban c22efac9)\n",
                "Vibe-Kanban",
            ),
        ],
        &[
            (jane, "Fixed! (#123)\n"),
            (jane, "I have removed the legacy flag\n"),
            (jane, "Compare with Vibe Kanban (#12) and others\n"),
            ("Jane Doe <jane@multica.ai>", "fix: index\n"),
            (jane, "docs: api\n\nCo-authored-by: Claude <claude.martin@anthropic.com>\n"),
            (jane, "Revert \"The fix is implemented. Here's a summary:\"\n"),
            (jane, "docs: here's a summary of the release process\n"),
        ],
    );
}

/// Held-out round 27 (coder/mux, Coder's app for coding agents): its
/// attribution footer and hidden attribution line, its own identities, the
/// agent identity its documentation recommends (`yourname+ai@…`), and
/// Coder's Blink agent. A router called mux, a `+ai-…` mailbox and a robot
/// opening a subject are not AI.
#[test]
fn mux_attribution_and_agent_identities() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                jane,
                "feat: keybinds\n\n---\n\n_Generated with `mux` • Model: `anthropic:claude-opus-4-5` • Thinking:\n`high` • Cost: `$3.64`_\n",
                "mux",
            ),
            (jane, "fix: cache\n\n_Generated with `cmux`_\n", "mux"),
            (
                jane,
                "fix: cache\n\n<!-- mux-attribution: model=openai:gpt-5.3-codex thinking=xhigh -->\n",
                "mux",
            ),
            (jane, "docs: setup\n\nCo-authored-by: Mux <noreply@coder.com>\n", "mux"),
            ("Ammar <ammar+ai@ammar.io>", "refactor: split the store\n", "an AI tool"),
            (
                "blink-so[bot] <211532188+blink-so[bot]@users.noreply.github.com>",
                "fix: lint\n",
                "Blink",
            ),
        ],
        &[
            (jane, "feat: routes\n\nRoutes generated with mux.NewRouter() as before.\n"),
            (jane, "Generated with muxer v2\n"),
            ("Jane Doe <jane+ai-news@example.com>", "docs: newsletter\n"),
            (jane, "🤖 Style bot (#2935)\n"),
            ("Jane Doe <jane@coder.com>", "fix: ssh host\n"),
        ],
    );
}

/// Held-out round 27, the other histories: Claude's co-author line with its
/// closing `>` lost (deer-flow), a model's id as Claude's mailbox
/// (Peekaboo), Kiro's footer and a bare `AI:` disclosure (OpenSpec), Letta
/// Code's identities and footer (letta-code), a subject tag naming the model
/// (rivet), a footer after literal `\n` escapes (mux), Graphite's reviewer
/// as co-author. `AI:` opening a line that discloses nothing, Graphite's app
/// authoring a merge, a tag naming a tool alone are not AI.
#[test]
fn cut_co_authors_model_mailboxes_kiro_footers_and_bare_ai_trailers() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (
                jane,
                "fix: lint\n\nCo-Authored-By: Claude <noreply@anthropic.com\n",
                "Claude",
            ),
            (
                jane,
                "fix: state\n\nCo-authored-by: Previous Claude session <claude-3-5-sonnet@anthropic.com>\n",
                "Claude",
            ),
            (
                jane,
                "docs: specs\n\nGenerated with Kiro CLI using Claude Opus 4.6\n",
                "Kiro",
            ),
            (jane, "feat: archive\n\nAI: agentic\n", "an AI tool"),
            (
                jane,
                "perf: batch reads\n\nCo-authored-by: Letta <noreply@letta.com>\n",
                "Letta",
            ),
            (
                "Overlord <agents+overlord@letta.com>",
                "fix: retry the sync\n",
                "Letta",
            ),
            (jane, "fix: slack\n\nWritten by Cameron ◯ Letta Code\n", "Letta"),
            (
                jane,
                "[SLOP(claude-opus-4-8-high)] perf(universaldb): batch reads\n",
                "Claude",
            ),
            (
                jane,
                "docs(blog): add a post (#5350)\n\n* [SLOP(claude-fable-5)] docs(blog): add a post\n",
                "Claude",
            ),
            (
                jane,
                "feat: workflow args\n\nAdds args parsing.\\n\\n---\\n\\n_Generated with `mux` • Model: `openai:gpt-5.5`_\n",
                "mux",
            ),
            (
                jane,
                "fix: typo\n\nCo-authored-by: graphite-app[bot] <96075541+graphite-app[bot]@users.noreply.github.com>\n",
                "Graphite",
            ),
            // held-out round 28 (a49, a50)
            (
                "Vorflux AI <249966464+vorflux[bot]@users.noreply.github.com>",
                "fix: search\n",
                "Vorflux",
            ),
            (
                jane,
                "fix: tests\n\nCo-authored-by: kaizen-bot[bot] <150987473+kaizen-bot[bot]@users.noreply.github.com>\n",
                "Kaizen",
            ),
            ("Open SWE <open-swe@langchain.dev>", "feat: oauth\n", "Open-SWE"),
        ],
        &[
            (jane, "fix: reopen\n\nAI: simplify\n"),
            (jane, "fix: regex\n\nAI: no AI, just a simple replace.\n"),
            (jane, "docs: api\n\nCo-authored-by: Claude <claude-team@anthropic.com>\n"),
            (
                "graphite-app[bot] <96075541+graphite-app[bot]@users.noreply.github.com>",
                "chore: merge stack\n",
            ),
            (jane, "[copilot] restrict search to the specs folder (#7652)\n"),
            (jane, "docs: models\n\n- [gpt-4o-mini] 128k context\n"),
            ("Open Source Team <oss@example.com>", "chore: release\n"),
            ("Jane Doe <jane@letta.com>", "fix: sync\n"),
        ],
    );
}

/// A disclosure key typed with blanks for its hyphens counts when its value
/// names a known tool; a key that names an agent counts when its value does.
#[test]
fn spaced_disclosure_keys_and_agent_keys() {
    let sb = Sandbox::new();
    let repo = no_ai_repo(&sb);
    let jane = "Jane Doe <jane@example.com>";
    assert_cases(
        &repo,
        &[
            (jane, "fix: scroll\n\nAssisted by: Cursor\n", "Cursor"),
            (
                jane,
                "fix: lint\n\nCo-Authored By: Claude <noreply@anthropic.com>\n",
                "Claude",
            ),
            (jane, "feat: retries\n\nAssisted by: Devin\n", "Devin"),
            (jane, "docs: usage\n\nAssisted by Claude Code.\n", "Claude"),
            (
                jane,
                "feat: tabs\n\nSummary.\n\nCoding-Agent: Claude Code\nModel: claude-opus-4-6\n",
                "Claude",
            ),
            (jane, "fix: auth\n\nAI-Agent: codex\n", "Codex"),
            (
                jane,
                "fix: keys\n\nFeature-Key: bd-91\nAgent: codex-desktop\n",
                "Codex",
            ),
            // held-out round 29 (a51)
            (jane, "fix: palette\n\nMade-with: Grok\n", "Grok"),
            (
                jane,
                "fix: inbox\n\nCo-authored-by: OpenHands openhands@openhands.dev\n",
                "OpenHands",
            ),
            (
                jane,
                "[codex-automation-commit] fix reply routing\n",
                "Codex",
            ),
            // held-out rounds 29 and 30 (a52 to a54)
            (
                jane,
                "docs: faq\n\nThis PR was made with the assistance of Opus 4.8.\n",
                "Claude",
            ),
            (
                jane,
                "fix: hooks\n\nCo-Authored-By: Claude MPM <https://github.com/example/claude-mpm>\n",
                "Claude",
            ),
            (
                jane,
                "fix: hooks\n\nX-AI-Model: claude-opus-4-8\nX-AI-Tokens-Out: 42792\n",
                "Claude",
            ),
            (
                jane,
                "feat: lanes\n\n🤖🤖🤖 Generated with trusty-mpm — https://github.com/example/trusty-tools\n",
                "an AI tool",
            ),
            (
                jane,
                "fix: io\n\nCo-Authored-By: QuietKite <quietkite@agents.invalid>\n",
                "an AI tool",
            ),
            ("Sam <sam@example.com>", "chore: save agent work\n\nAuto-committed by SAM on agent completion.\n", "an AI tool"),
            // held-out rounds 30 and 31 (a53 to a56)
            (
                jane,
                "fix: lint\n\nCo-authored-by: copilot-pull-request-reviewer[bot] <175728472+copilot-pull-request-reviewer[bot]@users.noreply.github.com>\n",
                "Copilot",
            ),
            ("Latta <info@latta.ai>", "fix: null check\n", "Latta"),
            ("Builder.io <builder-bot@builder.io>", "AI-generated changes\n", "Builder.io"),
            (jane, "fix: slots\n\nCo-authored-by: Molt Bot <moltbot@moltbot.example.art>\n", "OpenClaw"),
            (
                jane,
                "fix: routing\n\nCo-authored-by: Polymorphic Agent Framework <polly@omninode.example>\n",
                "an AI tool",
            ),
            // held-out round 32 (a57)
            ("AI Developer <238524843+example-bot@users.noreply.github.com>", "feat: queue\n", "an AI tool"),
            ("Crawfish (via Soju06) <crawfish@openclaw.local>", "fix: retry\n", "OpenClaw"),
            ("Codex Package Verifier <codex-package-verifier@localhost>", "test: wheel\n", "Codex"),
        ],
        &[
            (jane, "fix: crash\n\nReported by: Jane Roe\n"),
            (
                jane,
                "fix: crash\n\nAssisted by: Junio C Hamano <gitster@pobox.com>\n",
            ),
            (jane, "build: tarball\n\nGenerated by: make dist\n"),
            (jane, "fix: headers\n\nUser-Agent: Claude-User\n"),
            (jane, "ci: runners\n\nAgent: linux-builder-7\n"),
            (
                jane,
                "feat: models\n\n- cursor-agent: claude-fable-5-thinking-high\n",
            ),
            (
                jane,
                "feat: think (#19)\n\nagent-think: use GPT-5.6 Sol max reasoning (#1952)\n",
            ),
            (jane, "build: docs\n\nBuilt-with: Rust 1.92\n"),
            (jane, "feat: gateway\n\nDocuments the X-AI-Model header.\n"),
            ("Jane Doe, AI Developer <jane@example.com>", "docs: roles\n"),
            ("Jane Doe <codex@localhost>", "chore: local\n"),
            (jane, "docs: credits\n\nCo-authored-by: AgentScope Team <team@agentscope.example>\n"),
            (jane, "ci: agents\n\nCo-authored-by: Build Agent <build@example.com>\n"),
            (jane, "Remove AI-generated changes from the changelog\n"),
            (jane, "ci: agents\n\nCo-authored-by: Build Agent <build@ci-agent.local>\n"),
            (jane, "chore: release\n\n📦 Generated by cargo-dist — https://example.org/cargo-dist\n"),
            (
                jane,
                "docs: thanks\n\nThanks to Jane, assisted by the release team.\n",
            ),
        ],
    );
    // A person's address without its brackets, or a web address for a
    // mailbox, is a malformed co-author, not AI help.
    for (i, co) in [
        "Jane Roe jane@example.org",
        "Jane Roe <https://jane.example.org>",
    ]
    .iter()
    .enumerate()
    {
        repo.write(&format!("p{i}.txt"), "x\n");
        repo.commit_as(jane, &format!("fix: inbox\n\nCo-authored-by: {co}\n"));
        let f = findings(&repo);
        assert!(flagged_lines(&repo).is_empty(), "{f:?}");
        assert!(f.iter().any(|x| x.0 == "review-malformed-trailer"), "{f:?}");
    }
}
