//! Micro-benchmarks of the per-commit hot paths (issue 6):
//!
//! - `parse/*`: `Message::parse` (decoding, git-exact trailer parsing);
//! - `check/*`: one realistic commit through every rule of the
//!   `rust-foundation` preset (`engine::check`);
//! - `secrets/*`: the secrets family alone over a large added file;
//! - `line_diff/*`: git's xdiff on two versions of a 2,000-line file.
//!
//! Run with `cargo bench --bench hot_paths` (add `-- parse` to filter).
//! Nothing here is asserted on: `scripts/bench` measures whole runs.
//!
//! No secret-shaped literal appears in this file: the fake secrets are
//! joined from pieces at run time, so this project's own history passes its
//! own policy.

use std::hint::black_box;

use criterion::{criterion_main, Criterion, Throughput};
use policy_check::engine::{self, Sink};
use policy_check::message::Message;
use policy_check::model::{Change, FileChange, Identity, Status};
use policy_check::policy::{Policy, Run};
use policy_check::rules::secrets;

// ---------------------------------------------------------------- inputs

const SHORT: &str = "Fix typo in README\n";

const LONG: &str = "\
parser: accept continuation lines in trailers

Git folds a trailer value over several lines when the following lines
start with whitespace. We used to stop at the first such line, which made
the trailer block look like prose and dropped every trailer after it.

Read the block the way git's trailer.c does: a line starting with
whitespace continues the previous trailer, a comment line is skipped, and
the block counts as trailers when at least 25% of its lines are, or when
it holds a git-generated line such as Signed-off-by.

This also fixes the line numbers reported for trailers that follow a
continuation line, which were off by one per folded line.

Fixes: #1234
Reviewed-by: Alice Maintainer <alice@example.org>
Signed-off-by: Bob Developer <bob@example.org>
";

const AI: &str = "\
Add a retry loop to the HTTP client

Retries idempotent requests up to three times with exponential backoff
and jitter, and surfaces the last error when every attempt fails.

Assisted-by: Claude:claude-sonnet-4
Co-authored-by: Claude <noreply@anthropic.com>
Signed-off-by: Bob Developer <bob@example.org>
";

/// A message ending in a long trailer block with folded values (32
/// trailers, as `git interpret-trailers --parse` counts them).
fn many_trailers() -> String {
    let mut m = String::from(
        "net: fix a race between close and poll\n\n\
         The poller could observe a half-closed socket and spin.\n\n",
    );
    for i in 0..10 {
        m.push_str(&format!("Reported-by: Reporter {i} <r{i}@example.org>\n"));
        m.push_str(&format!(
            "Link: https://lore.example.org/netdev/2026{i:02}.thread@example.org/\n  \
             (the original report, with a reproducer\n   and a bisection)\n"
        ));
        m.push_str(&format!("Tested-by: Tester {i} <t{i}@example.org>\n"));
    }
    m.push_str("Cc: stable@vger.kernel.org # 6.1+\n");
    m.push_str("(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n");
    m.push_str("Signed-off-by: Bob Developer <bob@example.org>\n");
    m
}

/// Ordinary Rust source with no secret in it: `lines` lines, deterministic.
fn ordinary_code(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 48);
    let mut n = 0;
    while n < lines {
        let i = n / 12;
        for l in [
            format!("/// Returns the {i}th value of the table, or its default."),
            format!("pub fn value_{i}(table: &Table, key: &str) -> Option<u64> {{"),
            format!("    let entry = table.get(key).unwrap_or(&DEFAULT_{i});"),
            "    if entry.len() > MAX_LEN {".to_string(),
            "        tracing::warn!(\"entry {key} too long: {}\", entry.len());".to_string(),
            "        return None;".to_string(),
            "    }".to_string(),
            format!(
                "    let hash = entry.iter().fold({i}u64, |h, b| h.rotate_left(5) ^ *b as u64);"
            ),
            "    // The hash is stable across runs: it feeds the on-disk cache.".to_string(),
            "    Some(hash.wrapping_mul(0x9e37_79b9_7f4a_7c15))".to_string(),
            "}".to_string(),
            String::new(),
        ] {
            s.push_str(&l);
            s.push('\n');
            n += 1;
        }
    }
    s
}

#[path = "../tests/common/noise.rs"]
mod noise;
use noise::noise;

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `ordinary_code(lines)` with a few secret-looking lines spread through it.
fn code_with_secrets(lines: usize) -> String {
    let mut out: Vec<String> = ordinary_code(lines).lines().map(str::to_string).collect();
    let secrets = [
        format!(
            "const AWS_KEY: &str = \"{}\";",
            ["AK", "IA", &noise(1, 16, UPPER_DIGITS)].concat()
        ),
        format!(
            "let token = \"{}\";",
            ["gh", "p_", &noise(2, 36, BASE62)].concat()
        ),
        format!(
            "    \"{}\",",
            ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat()
        ),
        format!(
            "google_key = \"{}\"",
            ["AI", "za", &noise(3, 35, BASE62)].concat()
        ),
    ];
    let step = out.len() / (secrets.len() + 1);
    for (k, s) in secrets.into_iter().enumerate() {
        out[(k + 1) * step] = s;
    }
    out.join("\n") + "\n"
}

/// A file whose every line is added (a new file).
fn added_file(path: &str, text: String) -> FileChange {
    let mut f = FileChange::new(path.to_string(), Status::Added, 0, 0o100644);
    f.set_text(text);
    f.size = f.text.len() as u64;
    f.added = (1..=f.line_count()).collect();
    f
}

/// A modified file whose lines `added` were added.
fn modified_file(path: &str, text: String, added: Vec<u32>) -> FileChange {
    let mut f = FileChange::new(path.to_string(), Status::Modified, 0o100644, 0o100644);
    f.set_text(text);
    f.size = f.text.len() as u64;
    f.added = added;
    f
}

fn identity(name: &str, email: &str) -> Identity {
    Identity {
        name: name.to_string(),
        email: email.to_string(),
        time: 1_780_000_000,
    }
}

fn change(message: &str, files: Vec<FileChange>) -> Change {
    Change {
        id: "0123456789abcdef0123456789abcdef01234567".to_string(),
        parents: vec!["89abcdef0123456789abcdef0123456789abcdef".to_string()],
        author: Some(identity("Bob Developer", "bob@example.org")),
        committer: Some(identity("Bob Developer", "bob@example.org")),
        message: Some(Message::parse(message.as_bytes(), None, "#")),
        files: Some(files),
        is_merge: false,
    }
}

/// A realistic AI-assisted commit touching a Rust file (with `unsafe`), a
/// Cargo.toml (a new dependency), a workflow and a plain text file.
fn realistic_commit() -> Change {
    let mut rs = ordinary_code(300);
    let unsafe_at = rs.lines().count() as u32 + 1;
    rs.push_str(
        "\n/// Reads the header without copying.\n\
         pub fn header(buf: &[u8]) -> &Header {\n    \
             assert!(buf.len() >= std::mem::size_of::<Header>());\n    \
             // SAFETY: the length is checked above and Header is repr(C, packed).\n    \
             unsafe { &*(buf.as_ptr() as *const Header) }\n\
         }\n",
    );
    let rs_added = (unsafe_at..unsafe_at + 7).collect();
    let cargo = "[package]\nname = \"client\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\
                 license = \"MIT OR Apache-2.0\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n\
                 tokio = { version = \"1\", features = [\"rt\", \"net\"] }\nbackoff = \"0.4\"\n"
        .to_string();
    let workflow = "name: CI\non:\n  push:\n    branches: [main]\n  pull_request:\n\
                    permissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n\
                    \x20     - uses: actions/checkout@v4\n\
                    \x20     - uses: dtolnay/rust-toolchain@stable\n\
                    \x20     - run: cargo test --locked\n"
        .to_string();
    let notes = (0..80)
        .map(|i| format!("Release note {i}: the client retries idempotent requests.\n"))
        .collect::<String>();
    change(
        AI,
        vec![
            modified_file("src/client.rs", rs, rs_added),
            modified_file("Cargo.toml", cargo, vec![10]),
            modified_file(".github/workflows/ci.yml", workflow, vec![13, 14]),
            added_file("docs/NOTES.txt", notes),
        ],
    )
}

fn rust_foundation() -> Policy {
    match Policy::preset("rust-foundation") {
        Ok(p) => p,
        Err(e) => panic!("the rust-foundation preset does not compile: {e:?}"),
    }
}

// ------------------------------------------------------------ benchmarks

fn parse(c: &mut Criterion) {
    let many = many_trailers();
    let mut g = c.benchmark_group("parse");
    for (name, msg, trailers) in [
        ("short", SHORT, 0),
        ("long_body_trailers", LONG, 3),
        ("many_trailers_folded", many.as_str(), 32),
        ("co_authored_by_ai", AI, 3),
    ] {
        let parsed = Message::parse(msg.as_bytes(), None, "#");
        assert_eq!(parsed.trailers.len(), trailers, "{name}: trailers");
        g.throughput(Throughput::Bytes(msg.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| Message::parse(black_box(msg.as_bytes()), None, "#"))
        });
    }
    g.finish();
}

fn check(c: &mut Criterion) {
    let policy = rust_foundation();
    let policy = Run::new(&policy);
    let commit = realistic_commit();
    // Warm the lazily built tables so the loop measures the steady state.
    let warm = engine::check(&policy, &commit);
    assert!(
        !warm.findings.is_empty(),
        "the realistic commit should trip some rule"
    );
    let message_only = Change {
        files: None,
        ..commit.clone()
    };
    engine::check(&policy, &message_only);
    let mut g = c.benchmark_group("check");
    g.bench_function("rust_foundation_commit", |b| {
        b.iter(|| engine::check(&policy, black_box(&commit)))
    });
    g.bench_function("rust_foundation_message_only", |b| {
        b.iter(|| engine::check(&policy, black_box(&message_only)))
    });
    g.finish();
}

fn secrets_matcher(c: &mut Criterion) {
    let policy = rust_foundation();
    let Some(cfg) = policy.secrets() else {
        panic!("the rust-foundation preset has no [secrets]");
    };
    let policy = Run::new(&policy);
    const LINES: usize = 5000;
    let clean = change(SHORT, vec![added_file("src/big.rs", ordinary_code(LINES))]);
    let dirty = change(
        SHORT,
        vec![added_file("src/big.rs", code_with_secrets(LINES))],
    );
    let mut g = c.benchmark_group("secrets");
    for (name, commit, expect) in [
        ("clean_5k_lines", &clean, 0),
        ("4_secrets_5k_lines", &dirty, 4),
    ] {
        // Warm-up, and a check that the input is what its name says.
        let mut sink = Sink::new(&policy, commit);
        secrets::check(cfg, commit, &mut sink);
        let found = engine::check(&policy, commit)
            .findings
            .iter()
            .filter(|f| f.rule == "secret-detected")
            .count();
        assert_eq!(found, expect, "{name}: secret findings");
        g.throughput(Throughput::Bytes(commit.files()[0].text.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = Sink::new(&policy, commit);
                secrets::check(cfg, black_box(commit), &mut sink);
                sink
            })
        });
    }
    g.finish();
}

fn line_diff(c: &mut Criterion) {
    let old = ordinary_code(2000);
    let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
    // A few edits: changed lines, an inserted block, a deleted block.
    for n in [100, 700, 1300, 1900] {
        lines[n] = format!("{} // edited", lines[n]);
    }
    lines.splice(
        500..500,
        (0..10).map(|i| format!("    let extra_{i} = {i};")),
    );
    lines.drain(1500..1512);
    let new = lines.join("\n") + "\n";
    let mut g = c.benchmark_group("line_diff");
    g.throughput(Throughput::Bytes((old.len() + new.len()) as u64));
    g.bench_function("2k_lines_few_edits", |b| {
        b.iter(|| {
            policy_check::git::diff::line_diff(black_box(old.as_bytes()), black_box(new.as_bytes()))
        })
    });
    g.finish();
}

/// The benchmark groups, in a module of their own: `criterion_group!`
/// defines a `pub fn` that has no doc comment.
mod groups {
    use super::{check, line_diff, parse, secrets_matcher};
    criterion::criterion_group!(benches, parse, check, secrets_matcher, line_diff);
}
criterion_main!(groups::benches);
