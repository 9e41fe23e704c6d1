//! Differential tests: our trailer parser against git itself.
//!
//! * every message of a generated corpus of tricky shapes against
//!   `git interpret-trailers --parse --no-divider`;
//! * every commit of real repositories (one built here, and the shared
//!   corpora when present) against `git log --format=%(trailers:only,unfold)`.

mod common;

use policy_check::message::{cleanup, parse_trailers, CleanupMode, Message};

/// (key, value) pairs as git prints them with `--parse` / `trailers:only,unfold`.
fn parse_git_output(out: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            (k.to_string(), v.trim().to_string())
        })
        .collect()
}

fn ours(msg: &[u8]) -> Vec<(String, String)> {
    parse_trailers(msg, "#")
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
}

/// A tiny deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const LINES: &[&str] = &[
    "Signed-off-by: Jane Doe <jane@example.com>",
    "Assisted-by: Claude:claude-opus-4",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Reviewed-by: Rev Iewer <rev@example.com>",
    "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
    "Fixes: #123",
    "Key : spaced separator",
    "Key\t: tab before separator",
    "Key:no space",
    "Key:",
    "Key: ",
    "key-with-dashes-123: v",
    "Ключ: non-ascii key",
    "Key_underscore: v",
    "Key.dot: v",
    "Two Words: not a trailer",
    "http://example.com/a:b",
    ":leading colon",
    "-: dash key",
    "  continuation with spaces",
    "\tcontinuation with a tab",
    " ",
    "# a comment line",
    "#Key: commented trailer",
    "---",
    "--- a/file",
    "plain prose line",
    "another prose line, longer than the others in this paragraph",
    "Change-Id: I0123456789abcdef",
    "BREAKING CHANGE: spaces in key",
    "Signed-off-by: Bot <bot@example.com>\r",
    "Closes: #1\r",
    "Value-with-colons: a:b:c",
    "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
];

fn generate(rng: &mut Rng) -> String {
    let mut msg = String::from(rng.pick(&[
        "Subject line",
        "Subject: with colon",
        "fix: thing",
        "# comment subject",
        "",
    ]));
    msg.push('\n');
    let paragraphs = rng.next() % 4;
    for _ in 0..paragraphs {
        msg.push('\n');
        let lines = 1 + rng.next() % 5;
        for _ in 0..lines {
            msg.push_str(rng.pick(LINES));
            msg.push('\n');
        }
    }
    match rng.next() % 6 {
        0 => msg.push('\n'),
        1 => msg.push_str("\n\n\n"),
        2 => msg.push_str("# trailing comment\n"),
        3 => msg.push_str("# ------------------------ >8 ------------------------\ndiff --git a/x b/x\nKey: after scissors\n"),
        4 => {
            msg.pop();
        }
        _ => {}
    }
    msg
}

const HANDCRAFTED: &[&str] = &[
    "subject\n\nSigned-off-by: A <a@x>\n",
    "subject\n\nbody\n\nKey: v\n  cont\n",
    "subject only\n",
    "Key: in title\n",
    "subject\n\nKey: v\n\n\n",
    "subject\n\nprose\nprose\nprose\nSigned-off-by: A <a@x>\n",
    "subject\n\nprose\nprose\nprose\nprose\nSigned-off-by: A <a@x>\n",
    "subject\n\n---\nupdated-dependencies:\n- dependency-name: serde\n...\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
    "subject\n\nKey: v\n# comment\nOther: w\n",
    "subject\n\n  Key: leading space\n",
    "subject\n\nKey: v\r\nOther: w\r\n",
    "subject\n\n(cherry picked from commit abc)\nnot a trailer\nnot a trailer\nnot a trailer\n",
    "",
    "\n\n\n",
    "subject\n\n\tKey: tab first\nKey2: v\n",
    "subject\n\nKey: v\n cont1\n\tcont2\nNext: w\n",
    "subject\n\nnot trailer\n cont after non trailer\nKey: v\n",
];

fn git_parse(sb: &common::Sandbox, msg: &[u8]) -> Vec<(String, String)> {
    let o = sb.git_in(
        sb.path(),
        &["interpret-trailers", "--parse", "--no-divider"],
        Some(msg),
    );
    assert!(
        o.status.success(),
        "git interpret-trailers failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    parse_git_output(&o.stdout)
}

#[test]
fn parser_agrees_with_git_interpret_trailers_on_tricky_messages() {
    let sb = common::Sandbox::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases: Vec<String> = HANDCRAFTED.iter().map(|s| s.to_string()).collect();
    cases.extend((0..600).map(|_| generate(&mut rng)));
    let mut with_trailers = 0;
    for msg in &cases {
        let expected = git_parse(&sb, msg.as_bytes());
        with_trailers += usize::from(!expected.is_empty());
        assert_eq!(ours(msg.as_bytes()), expected, "message:\n{msg:?}");
    }
    // The corpus must exercise both outcomes to mean anything.
    assert!(
        with_trailers > 100 && with_trailers < cases.len() - 100,
        "{with_trailers}"
    );
}

/// Every commit of `repo`: git's view of its trailers against ours.
fn compare_history(repo: &common::Repo) -> usize {
    let log = repo.git_raw(
        &["log", "--all", "--format=%H%x01%(trailers:only,unfold)%x02"],
        None,
    );
    assert!(log.status.success());
    let git_repo = git2::Repository::open(&repo.path).expect("open");
    let mut checked = 0;
    for record in log.stdout.split(|&b| b == 2) {
        let record = record.strip_prefix(b"\n").unwrap_or(record);
        let Some(pos) = record.iter().position(|&b| b == 1) else {
            continue;
        };
        let id = String::from_utf8_lossy(&record[..pos]).to_string();
        let expected = parse_git_output(&record[pos + 1..]);
        let commit = git_repo
            .find_commit(git2::Oid::from_str(&id).expect("oid"))
            .expect("commit");
        let msg = Message::parse(commit.message_raw_bytes(), commit.message_encoding(), "#");
        let got: Vec<(String, String)> =
            msg.trailers.into_iter().map(|t| (t.key, t.value)).collect();
        assert_eq!(
            got,
            expected,
            "commit {id}, message {:?}",
            String::from_utf8_lossy(commit.message_raw_bytes())
        );
        checked += 1;
    }
    checked
}

#[test]
fn parser_agrees_with_git_log_on_a_history_built_here() {
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    let mut rng = Rng(42);
    for i in 0..80 {
        let mut msg = generate(&mut rng);
        if msg.trim().is_empty() || msg.starts_with('#') {
            msg = format!("commit {i}\n{msg}");
        }
        repo.commit_file("f.txt", format!("{i}\n"), &msg);
    }
    // dependabot-style YAML after `---`, signed off below it
    repo.commit("Bump serde\n\n---\nupdated-dependencies:\n- dependency-name: serde\n...\n\nSigned-off-by: dependabot[bot] <support@github.com>\n");
    assert_eq!(compare_history(&repo), 81);
}

#[test]
fn parser_agrees_with_git_log_on_real_histories() {
    let sb = common::Sandbox::new();
    for name in ["ripgrep", "committed"] {
        let Some(repo) = common::clone_corpus(&sb, name) else {
            return;
        };
        let n = compare_history(&repo);
        assert!(n > 1000, "{name}: only {n} commits compared");
    }
}

#[test]
fn cleanup_agrees_with_git_stripspace() {
    let sb = common::Sandbox::new();
    let mut rng = Rng(7);
    for _ in 0..200 {
        let mut msg = generate(&mut rng);
        msg.push_str("  \n\n# comment\n\t\n");
        for (mode, flag) in [
            (CleanupMode::Strip, "--strip-comments"),
            (CleanupMode::Whitespace, ""),
        ] {
            let args: Vec<&str> = ["stripspace", flag]
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect();
            let o = sb.git_in(sb.path(), &args, Some(msg.as_bytes()));
            assert!(o.status.success());
            assert_eq!(
                String::from_utf8_lossy(&cleanup(msg.as_bytes(), mode, "#", false)),
                String::from_utf8_lossy(&o.stdout),
                "message: {msg:?} mode {mode:?}"
            );
        }
    }
}
