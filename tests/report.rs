//! `policy-check report`: numbers against real repositories built here and
//! the corpora, the merge of several reports, and the HTML page rendered by
//! a real headless Chromium.

mod common;

use std::process::Command;

use common::{Repo, Sandbox};

/// Commits `msg` touching `path`, dated `date` (ISO, UTC) for author and committer.
fn commit_on(repo: &Repo, date: &str, path: &str, msg: &str) {
    repo.write(path, format!("{date} {msg}"));
    repo.git(&["add", "-A"]);
    let mut cmd = Command::new("git");
    cmd.args(["commit", "-q", "--cleanup=verbatim", "-F", "-"])
        .current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    cmd.env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("git");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(msg.as_bytes())
            .expect("write");
    }
    let o = child.wait_with_output().expect("git");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

const POLICY: &str = "[disclosure]\nrequired = \"when-ai-detected\"\n";

/// Three months: human work, a disclosed and reviewed Claude commit, an
/// undisclosed Claude Code footer, an undisclosed Copilot co-author.
fn history<'s>(sb: &'s Sandbox, name: &str) -> Repo<'s> {
    let repo = sb.repo(name);
    repo.policy(POLICY);
    commit_on(&repo, "2026-01-05T10:00:00Z", "README", "Start\n");
    commit_on(&repo, "2026-01-10T10:00:00Z", "src/a.rs", "Add a\n\nCo-authored-by: Claude <noreply@anthropic.com>\nAssisted-by: Claude:opus-4.5\nReviewed-by: Rev Iewer <rev@example.com>\n");
    commit_on(&repo, "2026-01-20T10:00:00Z", "src/b.rs", "Add b\n");
    commit_on(
        &repo,
        "2026-02-03T10:00:00Z",
        "docs/x.md",
        "Document x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
    );
    commit_on(&repo, "2026-03-15T10:00:00Z", "src/c.rs", "Add c <script>alert(1)</script> \u{1b}[2J\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n");
    commit_on(&repo, "2026-03-20T10:00:00Z", "src/d.rs", "Add d\n");
    repo
}

fn report(repo: &Repo, args: &[&str]) -> common::Run {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let run = repo.pc(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn numbers_per_month_by_tool_disclosure_and_review() {
    let sb = Sandbox::new();
    let repo = history(&sb, "r");
    // Without --paths no tree is read and no path is listed.
    let plain = report(&repo, &["--format", "json", "--period", "month"]).json();
    assert_eq!(
        plain["repositories"][0]["top_paths"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let j = report(&repo, &["--format", "json", "--period", "month", "--paths"]).json();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["period"], "month");
    let r = &j["repositories"][0];
    assert_eq!(r["name"], "r");
    let t = &r["totals"];
    assert_eq!(t["commits"], 6);
    assert_eq!(t["ai"], 3, "{t}");
    assert_eq!(t["by_tool"]["Claude"], 2, "{t}");
    assert_eq!(t["by_tool"]["Copilot"], 1, "{t}");
    assert_eq!(t["disclosed"], 1, "{t}");
    assert_eq!(t["undisclosed"], 2, "{t}");
    assert_eq!(t["reviewed"], 1, "{t}");
    assert_eq!(t["by_kind"]["disclosure"], 1, "{t}");
    assert_eq!(t["by_kind"]["footer"], 1, "{t}");
    let p = &r["periods"];
    assert_eq!(p["2026-01"]["commits"], 3);
    assert_eq!(p["2026-01"]["ai"], 1);
    assert_eq!(p["2026-01"]["disclosed"], 1);
    assert_eq!(p["2026-02"]["ai"], 1);
    assert_eq!(p["2026-02"]["undisclosed"], 1);
    assert_eq!(p["2026-03"]["commits"], 2);
    assert_eq!(p["2026-03"]["by_tool"]["Copilot"], 1);
    // Disclosure findings of the policy's message rules, by family.
    assert_eq!(t["findings"]["disclosure"], 2, "{t}");
    // Where AI-involved changes land.
    let top: Vec<String> = r["top_paths"]
        .as_array()
        .expect("top")
        .iter()
        .map(|e| format!("{}={}", e[0].as_str().unwrap_or_default(), e[1]))
        .collect();
    assert_eq!(top, ["src/=2", "docs/=1"]);
    // The undisclosed ones, newest first, with their ids.
    let listed = r["undisclosed"].as_array().expect("listed");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["date"], "2026-03-15");
    assert_eq!(listed[1]["date"], "2026-02-03");
    let ids = repo.git(&["log", "--format=%H", "--grep=Document x"]);
    assert_eq!(listed[1]["id"], ids.as_str());

    // A short range is summed by week.
    let weekly = report(&repo, &["--format", "json", "HEAD~2..HEAD"]).json();
    assert_eq!(weekly["period"], "week");
    assert_eq!(weekly["repositories"][0]["totals"]["commits"], 2);
}

#[test]
fn text_summary_has_a_sparkline_and_escapes_what_the_repository_wrote() {
    let sb = Sandbox::new();
    let repo = history(&sb, "r");
    let out = report(&repo, &["--period", "month"]).stdout;
    assert!(out.contains("r (policy `"), "{out}");
    assert!(out.contains("AI-involved: 3 commits (50%)"), "{out}");
    assert!(out.contains('█'), "a sparkline: {out}");
    assert!(out.contains("2 undisclosed"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no raw ESC reaches the terminal: {out:?}"
    );
    assert!(out.contains("\\x1b[2J"), "{out}");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let sb = Sandbox::new();
    let repo = history(&sb, "r");
    let html = report(
        &repo,
        &[
            "--format",
            "html",
            "--commit-url",
            "https://example.org/r/commit/{id}",
        ],
    )
    .stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(
        html.contains("default-src 'none'"),
        "a CSP that forbids fetching"
    );
    for bad in ["<script", "src=", "url(", "@import", "<link"] {
        assert!(!html.contains(bad), "{bad} in the page");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "subjects escaped"
    );
    assert!(!html.contains('\u{1b}'));
    let id = repo.git(&["log", "--format=%H", "--grep=Document x"]);
    assert!(
        html.contains(&format!("href=\"https://example.org/r/commit/{id}\"")),
        "undisclosed commits link to their ids"
    );
    assert!(html.contains("prefers-color-scheme:dark"), "a dark scheme");
}

#[test]
fn reports_of_several_repositories_merge_into_one() {
    let sb = Sandbox::new();
    let a = history(&sb, "alpha");
    let b = sb.repo("beta");
    b.policy(POLICY);
    commit_on(&b, "2026-02-10T10:00:00Z", "x", "Human work\n");
    commit_on(
        &b,
        "2026-02-11T10:00:00Z",
        "y",
        "Agent work\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    );
    let ja = report(&a, &["--format", "json", "--period", "month"]).stdout;
    let jb = report(&b, &["--format", "json", "--period", "month"]).stdout;
    std::fs::write(sb.path().join("a.json"), ja).expect("write");
    std::fs::write(sb.path().join("b.json"), jb).expect("write");
    let merged = sb.pc_in(
        sb.path(),
        &["report", "--merge", "a.json", "b.json", "--format", "json"],
        None,
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let j = merged.json();
    let names: Vec<&str> = j["repositories"]
        .as_array()
        .expect("repos")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
    let text = sb.pc_in(sb.path(), &["report", "--merge", "a.json", "b.json"], None);
    assert!(
        text.stdout.contains("All repositories (policy `"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("AI-involved: 4 commits"),
        "{}",
        text.stdout
    );
    let html = sb.pc_in(
        sb.path(),
        &["report", "--merge", "a.json", "b.json", "--format", "html"],
        None,
    );
    assert!(html.stdout.contains("2 repositories") && html.stdout.contains("beta"));
    // A file that is not a report is an error that says so.
    std::fs::write(sb.path().join("bad.json"), "{}").expect("write");
    let bad = sb.pc_in(sb.path(), &["report", "--merge", "bad.json"], None);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not a policy-check report"),
        "{}",
        bad.stderr
    );
}

/// On a real history: every commit counted once, and the AI-involved ones
/// agree with an independent search of the messages with `git log --grep`.
#[test]
fn committed_corpus_numbers_agree_with_git() {
    let sb = Sandbox::new();
    let Some(repo) = common::clone_corpus(&sb, "committed") else {
        return;
    };
    let j = report(&repo, &["--all", "--format", "json"]).json();
    let t = &j["repositories"][0]["totals"];
    let count = repo.git(&["rev-list", "--all", "--count"]);
    assert_eq!(t["commits"].to_string(), count);
    let grep = repo.git(&[
        "log",
        "--all",
        "--format=%H",
        "-i",
        "-E",
        "--grep=^co-authored-by:.*(claude|copilot|cursor|codex|gemini|devin|aider)",
        "--grep=generated (with|by) .*(claude|copilot|cursor|codex|aider)",
    ]);
    let independent = grep.lines().filter(|l| !l.is_empty()).count();
    assert!(
        independent > 0,
        "the committed corpus has AI-assisted commits"
    );
    assert_eq!(t["ai"].as_u64(), Some(independent as u64), "{t}");
}

/// The page opened by a real headless Chromium: it renders with no console
/// error (a blocked fetch would be one, under the page's CSP) and gives a
/// screenshot.
#[test]
fn chromium_renders_the_page_without_console_errors() {
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run)"
        );
        eprintln!("skipped: no chromium");
        return;
    };
    let sb = Sandbox::new();
    let repo = history(&sb, "r");
    let html = report(&repo, &["--format", "html"]).stdout;
    let page = sb.path().join("report.html");
    std::fs::write(&page, html).expect("write");
    let shot = sb.path().join("report.png");
    let profile = sb.path().join("chromium-profile");
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .env("HOME", sb.path())
        .output()
        .expect("chromium");
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains("Content Security Policy")
                || l.contains("Refused to")
        })
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
