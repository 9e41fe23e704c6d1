//! Licensing rules in real repositories: SPDX headers, sidecars, header
//! changes, foreign licence text, licence files and Cargo manifests.
//!
//! Fixtures holding licence headers or restrictive notices are assembled at
//! run time from pieces, so this file itself never carries one and the
//! project's own history passes its own licensing policy.

mod common;

use common::{Repo, Run, Sandbox};
use serde_json::Value;

/// `SPDX-License-Identifier: <expr>`, assembled at run time.
fn spdx(expr: &str) -> String {
    format!("{}-{}: {expr}", "SPDX", "License-Identifier")
}

/// Words joined at run time (notices never stand whole in this source).
fn words(w: &[&str]) -> String {
    w.join(" ")
}

fn gnu_gpl() -> String {
    words(&["GNU", "General", "Public", "License"])
}

fn arr() -> String {
    words(&["All", "rights", "reserved."])
}

const POLICY: &str = r#"
[policy]
name = "lic"

[licensing]
allowed = "MIT OR Apache-2.0"
spdx_header = ["src/**/*.rs", "assets/**"]
exempt = ["third_party/**"]
"#;

fn findings(run: &Run) -> Vec<Value> {
    run.json()["findings"].as_array().expect("findings").clone()
}

/// (rule, path, line) of every finding.
fn located(run: &Run) -> Vec<(String, String, Option<u64>)> {
    findings(run)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

fn check(repo: &Repo<'_>, rev: &str) -> Run {
    repo.pc(&["check", "--format", "json", rev])
}

fn loc(rule: &str, path: &str, line: Option<u64>) -> (String, String, Option<u64>) {
    (rule.to_string(), path.to_string(), line)
}

fn setup<'s>(sb: &'s Sandbox, policy: &str) -> Repo<'s> {
    let repo = sb.repo("r");
    repo.policy(policy);
    repo.commit_file("README.md", "# r\n", "init");
    repo
}

#[test]
fn mit_headed_source_passes() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    repo.commit_file(
        "src/lib.rs",
        format!("// {}\n\npub fn f() {{}}\n", spdx("MIT")),
        "add lib",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.rules().is_empty(), "{}", run.stdout);

    // Dual, WITH an exception on an allowed licence, and `X OR <foreign>`:
    // all can be taken under the allowed set.
    for expr in [
        "MIT OR Apache-2.0",
        "Apache-2.0 WITH LLVM-exception",
        "GPL-3.0-only OR MIT",
    ] {
        repo.commit_file(
            "src/b.rs",
            format!("/*\n * {}\n */\nfn b() {{}}\n", spdx(expr)),
            expr,
        );
        let run = check(&repo, "HEAD");
        assert!(run.rules().is_empty(), "{expr}: {}", run.stdout);
        repo.git(&["rm", "-q", "src/b.rs"]);
        repo.commit("rm b");
    }
}

#[test]
fn gpl_header_fails_on_its_line() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    repo.commit_file(
        "src/gpl.rs",
        format!("//! A module.\n// {}\nfn g() {{}}\n", spdx("GPL-3.0-only")),
        "add gpl",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-denied", "src/gpl.rs", Some(2))]
    );
    let f = &findings(&run)[0];
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`GPL-3.0-only`"),
        "{f}"
    );
    assert_eq!(f["severity"], "error");

    // AND with a foreign licence is not permitted, and names the culprit.
    repo.commit_file(
        "src/and.rs",
        format!("// {}\n", spdx("MIT AND GPL-3.0-only")),
        "and",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-denied", "src/and.rs", Some(1))]
    );
    assert!(
        findings(&run)[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not permitted: GPL-3.0"),
        "{}",
        run.stdout
    );

    // The header is judged in any added file, not only in header globs.
    repo.commit_file(
        "docs/x.py",
        format!("# {}\n", spdx("AGPL-3.0-or-later")),
        "py",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-denied", "docs/x.py", Some(1))]
    );
}

#[test]
fn missing_header_and_header_depth() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    repo.commit_file("src/none.rs", "fn n() {}\n", "no header");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-missing", "src/none.rs", Some(1))]
    );
    let hint = findings(&run)[0]["hint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        hint.contains(&format!("// {}", spdx("MIT OR Apache-2.0"))),
        "{hint}"
    );

    // Line 10 is within the default 10 lines; line 11 is not.
    let pad = "//\n".repeat(9);
    repo.commit_file("src/ten.rs", format!("{pad}// {}\n", spdx("MIT")), "ten");
    assert!(check(&repo, "HEAD").rules().is_empty());
    let pad = "//\n".repeat(10);
    repo.commit_file(
        "src/eleven.rs",
        format!("{pad}// {}\n", spdx("MIT")),
        "eleven",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-missing", "src/eleven.rs", Some(11))]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("below the first 10 lines"));

    // Outside the globs, no header is needed; nor for exempt paths.
    repo.commit_file("tools/t.rs", "fn t() {}\n", "tools");
    assert!(check(&repo, "HEAD").rules().is_empty());
    repo.commit_file("third_party/src/v.rs", "fn v() {}\n", "vendored");
    assert!(check(&repo, "HEAD").rules().is_empty());

    // A modified file is not new: no header is demanded of it.
    repo.commit_file("src/none.rs", "fn n() { 1; }\n", "edit");
    assert!(check(&repo, "HEAD").rules().is_empty());

    // header_lines widens the window.
    repo.policy(&POLICY.replace("exempt", "header_lines = 12\nexempt"));
    assert!(
        check(&repo, "HEAD~2").rules().is_empty(),
        "eleven.rs passes with 12 lines"
    );
}

#[test]
fn sidecar_covers_a_binary_asset() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    repo.write("assets/logo.png", png);
    repo.write(
        "assets/logo.png.license",
        format!("{}\nSPDX-FileCopyrightText: 2024 Jane Doe\n", spdx("MIT")),
    );
    repo.commit("logo with sidecar");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);

    // Without the sidecar the asset fails, and the hint says what to add.
    repo.commit_file("assets/icon.png", png, "icon, no sidecar");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-missing", "assets/icon.png", None)]
    );
    assert!(findings(&run)[0]["hint"]
        .as_str()
        .unwrap_or_default()
        .contains("assets/icon.png.license"));

    // A text format without comments takes a sidecar too; the hint says so.
    repo.commit_file("assets/data.json", "{}\n", "json");
    let run = check(&repo, "HEAD");
    assert_eq!(run.rules(), vec!["licensing-header-missing"]);
    assert!(findings(&run)[0]["hint"]
        .as_str()
        .unwrap_or_default()
        .contains("assets/data.json.license"));

    repo.commit_file(
        "assets/data.json.license",
        format!("{}\n", spdx("MIT")),
        "sidecar later",
    );
    assert!(
        check(&repo, "HEAD").rules().is_empty(),
        "a sidecar alone is fine"
    );
    repo.write("assets/more.json", "[]\n");
    repo.write(
        "assets/more.json.license",
        format!("{}\n", spdx("Apache-2.0")),
    );
    repo.commit("json with sidecar");
    assert!(check(&repo, "HEAD").rules().is_empty());

    // A sidecar naming a foreign licence is denied on its own line.
    repo.write("assets/font.woff", b"wOFF\0\0\x01");
    repo.write(
        "assets/font.woff.license",
        format!("{}\n", spdx("GPL-2.0-only")),
    );
    repo.commit("font");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc(
            "licensing-header-denied",
            "assets/font.woff.license",
            Some(1)
        )]
    );
}

#[test]
fn header_changes_are_reported() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    repo.commit_file(
        "src/a.rs",
        format!("/* {} */\nfn a() {{}}\n", spdx("MIT")),
        "a",
    );
    // Same licence, other comment syntax; and a body edit: no finding.
    repo.commit_file(
        "src/a.rs",
        format!("// {}\nfn a() {{}}\n", spdx("MIT")),
        "restyle",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
    repo.commit_file(
        "src/a.rs",
        format!("// {}\nfn a() {{ 2; }}\n", spdx("MIT")),
        "body",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());

    // Changed to another (allowed) licence.
    repo.commit_file(
        "src/a.rs",
        format!("// {}\nfn a() {{ 2; }}\n", spdx("Apache-2.0")),
        "relicense",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-changed", "src/a.rs", Some(1))]
    );
    let msg = findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("from `MIT` to `Apache-2.0`"), "{msg}");

    // Changed to a foreign licence: changed, and denied, on the same line.
    repo.commit_file(
        "src/b.rs",
        format!("// {}\nfn b() {{}}\n", spdx("MIT")),
        "b",
    );
    repo.commit_file(
        "src/b.rs",
        format!("// {}\nfn b() {{}}\n", spdx("GPL-3.0-or-later")),
        "b gpl",
    );
    assert_eq!(
        located(&check(&repo, "HEAD")),
        vec![
            loc("licensing-header-denied", "src/b.rs", Some(1)),
            loc("licensing-header-changed", "src/b.rs", Some(1)),
        ]
    );

    // Removed.
    repo.commit_file("src/a.rs", "fn a() { 2; }\n", "strip header");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-header-changed", "src/a.rs", None)]
    );
    let f = &findings(&run)[0];
    assert!(f["message"]
        .as_str()
        .unwrap_or_default()
        .contains("removes the SPDX header `Apache-2.0`"));
    assert!(f["snippet"]
        .as_str()
        .unwrap_or_default()
        .contains("(removed line 1)"));
}

#[test]
fn all_rights_reserved_vendored_file_fails() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let vendored = format!(
        "// Copyright (c) 2019 Example Corp. {}\n// Do not redistribute.\n\nint helper(void) {{ return 1; }}\n",
        arr()
    );
    repo.commit_file("vendor/helper.c", &vendored, "vendor a helper");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        located(&run),
        vec![loc("licensing-foreign-text", "vendor/helper.c", Some(1))]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("LicenseRef-All-rights-reserved"));

    // Near misses: the same notice above a permitted SPDX header is the
    // copyright boilerplate of permissive terms; an exempt path is skipped.
    repo.commit_file(
        "vendor/ok.c",
        format!("// {}\n{vendored}", spdx("MIT")),
        "licensed helper",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
    repo.commit_file("third_party/helper.c", &vendored, "exempt");
    assert!(check(&repo, "HEAD").rules().is_empty());
    // Inline allow on the line silences it (and is counted).
    repo.commit_file(
        "vendor/allowed.c",
        format!("// {} policy-check:allow licensing-foreign-text\n", arr()),
        "allowed",
    );
    let run = check(&repo, "HEAD");
    assert!(run.rules().is_empty());
    assert_eq!(run.json()["summary"]["suppressed"], 1);
}

#[test]
fn gpl_notice_in_added_lines_of_an_existing_file() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let base = "line one\nline two\nline three\n";
    repo.commit_file("docs/notes.txt", base, "notes");
    let pasted = format!(
        "line one\n * This program is free software: you can redistribute it under\n * the terms of the {} as published by\nline two\nline three\n",
        gnu_gpl()
    );
    repo.commit_file("docs/notes.txt", pasted, "paste");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-foreign-text", "docs/notes.txt", Some(3))]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("GPL-2.0-or-later"));

    // Mentions that are not notices pass.
    repo.commit_file(
        "docs/faq.md",
        "We reject dependencies under a copyleft license such as the GPL, LGPL or MPL.\nThe general public may use it, commercial or non-commercial.\n",
        "faq",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());

    // A project that accepts the GPL is not bothered by its notices.
    repo.policy(&POLICY.replace(
        "allowed = \"MIT OR Apache-2.0\"",
        "allowed = [\"MIT\", \"GPL-3.0-or-later\"]",
    ));
    assert!(check(&repo, "HEAD~1").rules().is_empty());

    // Restrictive notices the policy lists, and non-commercial licences.
    repo.policy(&format!("{POLICY}phrases = [\"Internal use only\"]\n"));
    repo.commit_file(
        "docs/more.md",
        format!(
            "Images are {} 4.0.\nFor internal  use only.\n",
            words(&["CC", "BY-NC-SA"])
        ),
        "more",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![
            loc("licensing-foreign-text", "docs/more.md", Some(1)),
            loc("licensing-foreign-text", "docs/more.md", Some(2)),
        ]
    );
    // Severity off turns the rule off.
    repo.policy(&format!(
        "{POLICY}phrases = [\"Internal use only\"]\n[severity]\nlicensing-foreign-text = \"off\"\n"
    ));
    assert!(check(&repo, "HEAD").rules().is_empty());
}

#[test]
fn license_files_are_classified() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let mit = format!(
        "MIT License\n\nCopyright (c) 2024 Jane\n\n{}, free of charge, to any person obtaining a copy\nof this software...\n\nThe above copyright notice and this permission notice shall be included in\nall copies or substantial portions of the Software.\n",
        words(&["Permission", "is", "hereby", "granted"])
    );
    repo.commit_file("LICENSE-MIT", &mit, "mit");
    let run = check(&repo, "HEAD");
    assert!(run.rules().is_empty(), "{}", run.stdout);

    let gpl = format!(
        "                    {}\n                       Version 3, 29 June 2007\n\n Everyone is permitted to copy and distribute verbatim copies\n",
        words(&["GNU", "GENERAL", "PUBLIC", "LICENSE"])
    );
    repo.commit_file("sub/COPYING", &gpl, "gpl text");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        vec![loc("licensing-license-file-denied", "sub/COPYING", None)]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("GPL-3.0-only"));

    repo.commit_file("LICENSE.txt", "You may do as you please, mostly.\n", "odd");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "unknown licence is a warning");
    assert_eq!(
        located(&run),
        vec![loc("licensing-license-file-unknown", "LICENSE.txt", None)]
    );
    // A source file called license.rs is not a licence file.
    repo.commit_file("tools/license.rs", "fn l() {}\n", "code");
    assert!(check(&repo, "HEAD").rules().is_empty());
}

#[test]
fn cargo_manifest_license_changes() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let manifest = |license: &str, version: &str| {
        format!("[package]\nname = \"x\"\nversion = \"{version}\"\n{license}\n\n[dependencies]\n")
    };
    repo.commit_file(
        "Cargo.toml",
        manifest("license = \"MIT OR Apache-2.0\"", "0.1.0"),
        "crate",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
    // A version bump does not touch the licence.
    repo.commit_file(
        "Cargo.toml",
        manifest("license = \"MIT OR Apache-2.0\"", "0.2.0"),
        "bump",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());

    repo.commit_file(
        "Cargo.toml",
        manifest("license = \"GPL-3.0-only\"", "0.2.0"),
        "relicense",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        vec![loc("licensing-manifest-denied", "Cargo.toml", Some(4))]
    );
    let msg = findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.contains("from `MIT OR Apache-2.0` to `GPL-3.0-only`"),
        "{msg}"
    );

    // crates.io's old slash syntax is judged, with a note.
    repo.commit_file(
        "crates/y/Cargo.toml",
        manifest("license = \"MIT/Apache-2.0\"", "0.1.0"),
        "slash",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0);
    assert_eq!(
        located(&run),
        vec![loc(
            "licensing-expression-nonstandard",
            "crates/y/Cargo.toml",
            Some(4)
        )]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("`MIT OR Apache-2.0`"));

    // license-file: recognised and allowed passes; unrecognised is for review.
    repo.write("crates/z/LICENSE", "Custom terms: ask us.\n");
    repo.write(
        "crates/z/Cargo.toml",
        manifest("license-file = \"LICENSE\"", "0.1.0"),
    );
    repo.commit("z");
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![
            loc(
                "licensing-manifest-license-file",
                "crates/z/Cargo.toml",
                Some(4)
            ),
            loc("licensing-license-file-unknown", "crates/z/LICENSE", None),
        ]
    );
    // Workspace inheritance is left to the workspace's manifest.
    repo.commit_file(
        "crates/w/Cargo.toml",
        "[package]\nname = \"w\"\nlicense.workspace = true\n",
        "w",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
}

#[test]
fn copyright_lines_when_required() {
    let sb = Sandbox::new();
    let repo = setup(&sb, &format!("{POLICY}copyright = [\"src/**/*.rs\"]\n"));
    repo.commit_file(
        "src/a.rs",
        format!("// {}\nfn a() {{}}\n", spdx("MIT")),
        "no copyright",
    );
    assert_eq!(
        located(&check(&repo, "HEAD")),
        vec![loc("licensing-copyright-missing", "src/a.rs", Some(1))]
    );
    repo.commit_file(
        "src/b.rs",
        format!(
            "// SPDX-FileCopyrightText: 2024 Jane Doe\n// {}\nfn b() {{}}\n",
            spdx("MIT")
        ),
        "with copyright",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
    repo.commit_file(
        "src/c.rs",
        format!("// Copyright 2024 Acme\n// {}\n", spdx("MIT")),
        "copyright word",
    );
    assert!(check(&repo, "HEAD").rules().is_empty());
}

#[test]
fn bad_input_is_handled() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    // CRLF, BOM, no final newline: the header is still found.
    repo.write(
        "src/crlf.rs",
        format!("// {}\r\nfn c() {{}}\r\n", spdx("MIT")),
    );
    repo.write(
        "src/bom.rs",
        format!("\u{feff}// {}\nfn b() {{}}\n", spdx("MIT")),
    );
    repo.write("src/eof.rs", format!("// {}", spdx("Apache-2.0")));
    // Not UTF-8 (Latin-1): read lossily, the ASCII header still counts.
    let mut latin = format!("// {}\n// caf", spdx("MIT")).into_bytes();
    latin.extend_from_slice(b"\xe9\n");
    repo.write("src/latin.rs", latin);
    // A header split across a block comment.
    repo.write(
        "src/split.rs",
        format!(
            "/*\n * {} OR\n *   Apache-2.0\n */\nfn s() {{}}\n",
            spdx("MIT")
        ),
    );
    // A binary file outside the header globs is skipped (said with -v).
    repo.write("data/blob.bin", b"\0\x01\x02GPL\0");
    repo.commit("odd files");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let verbose = repo.pc(&["-v", "check", "--format", "json", "HEAD"]);
    assert!(
        verbose.stderr.contains("data/blob.bin is binary"),
        "{}",
        verbose.stderr
    );
    assert!(
        verbose.stderr.contains("src/latin.rs is not valid UTF-8"),
        "{}",
        verbose.stderr
    );

    // CRLF with a foreign header: the line is right.
    repo.commit_file(
        "src/crlf2.rs",
        format!("// x\r\n// {}\r\n", spdx("GPL-2.0-or-later")),
        "crlf gpl",
    );
    assert_eq!(
        located(&check(&repo, "HEAD")),
        vec![loc("licensing-header-denied", "src/crlf2.rs", Some(2))]
    );

    // Malformed expressions are findings that name them.
    repo.commit_file(
        "src/paren.rs",
        format!("// {}\n", spdx("MIT OR (Apache-2.0")),
        "paren",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(
        located(&run),
        vec![loc("licensing-expression-invalid", "src/paren.rs", Some(1))]
    );
    let msg = findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.contains("`MIT OR (Apache-2.0`") && msg.contains("never closed"),
        "{msg}"
    );

    repo.commit_file("src/typo.rs", format!("// {}\n", spdx("Apache-2")), "typo");
    let run = check(&repo, "HEAD");
    assert_eq!(run.rules(), vec!["licensing-expression-nonstandard"]);
    repo.commit_file(
        "src/typo2.rs",
        format!("// {}\n", spdx("Apahce-2.0")),
        "typo",
    );
    let run = check(&repo, "HEAD");
    assert_eq!(run.rules(), vec!["licensing-expression-invalid"]);
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("did you mean `Apache-2.0`"));

    // Deprecated ids are judged, with the replacement named.
    repo.commit_file("src/dep.rs", format!("// {}\n", spdx("GPL-2.0+")), "dep");
    let run = check(&repo, "HEAD");
    assert_eq!(
        run.rules(),
        vec![
            "licensing-expression-nonstandard",
            "licensing-header-denied"
        ]
    );
    assert!(findings(&run)[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("GPL-2.0-or-later"));

    // An empty header.
    repo.commit_file(
        "src/empty.rs",
        format!("// {}\nfn e() {{}}\n", spdx("")),
        "empty",
    );
    assert_eq!(
        check(&repo, "HEAD").rules(),
        vec!["licensing-expression-invalid"]
    );
}

#[test]
fn policy_errors_name_the_key() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    for (policy, want) in [
        (
            "[licensing]\nallowed = \"MIT OR Apache2\"\n",
            "`licensing.allowed`",
        ),
        (
            "[licensing]\nallowed = \"MIT OR Apache2\"\n",
            "did you mean `Apache-2.0`",
        ),
        (
            "[licensing]\nallowed = \"MIT OR (Apache-2.0\"\n",
            "never closed",
        ),
        (
            "[licensing]\nallowed = [\"MIT\", \"GPL-2.0\"]\n",
            "`licensing.allowed[1]`",
        ),
        ("[licensing]\nspdx_header = [\"*.rs\"]\n", "needs `allowed`"),
        (
            "[licensing]\nallowed = \"MIT\"\nexceptions = [\"LLVM-exceptoin\"]\n",
            "did you mean `LLVM-exception`",
        ),
        (
            "[licensing]\nallowed = \"MIT\"\nskip_notices = [\"gpll\"]\n",
            "did you mean `gpl`",
        ),
        (
            "[licensing]\nallowed = \"MIT\"\nheader_lines = 0\n",
            "out of range",
        ),
        (
            "[licensing]\nallowed = \"MIT\"\nalowed = 1\n",
            "did you mean `allowed`",
        ),
    ] {
        repo.policy(policy);
        let run = repo.pc(&["check", "HEAD"]);
        assert_eq!(run.code, 2, "{policy}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(want), "{policy}: {}", run.stderr);
        assert!(
            run.stderr.contains(".policy-check.toml:"),
            "located: {}",
            run.stderr
        );
    }
    // The error points at the line of the setting.
    repo.policy("[policy]\nname = \"x\"\n\n[licensing]\nallowed = \"MIT OR Apache2\"\n");
    let run = repo.pc(&["check", "HEAD"]);
    assert!(
        run.stderr.contains(".policy-check.toml:5:"),
        "{}",
        run.stderr
    );
    // A list of expressions is fine, and `explain` knows the rules.
    repo.policy("[licensing]\nallowed = [\"MIT\", \"Apache-2.0 WITH LLVM-exception\"]\n");
    assert_eq!(repo.pc(&["check", "HEAD"]).code, 0);
    let run = repo.pc(&["explain", "licensing-foreign-text"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("licensing family"));
}

/// This project's own files pass a `MIT OR Apache-2.0` licensing policy:
/// the data file, the sources and these tests hold no notice themselves.
#[test]
fn own_sources_pass_their_own_policy() {
    let sb = Sandbox::new();
    let repo = sb.repo("self");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        if from.is_dir() {
            for e in std::fs::read_dir(from).expect("read dir").flatten() {
                copy(&e.path(), &to.join(e.file_name()));
            }
        } else {
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(from, to).expect("copy");
        }
    }
    for item in [
        "src",
        "tests",
        "policies",
        "README.md",
        "Cargo.toml",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        let p = root.join(item);
        if p.exists() {
            copy(&p, &repo.path.join(item));
        }
    }
    repo.commit("the project");
    std::fs::write(
        sb.path().join("own.toml"),
        "[licensing]\nallowed = \"MIT OR Apache-2.0\"\n",
    )
    .expect("write policy");
    let policy = sb.path().join("own.toml");
    let run = repo.pc(&[
        "--policy",
        policy.to_str().expect("utf-8"),
        "check",
        "--format",
        "json",
        "HEAD",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

/// False positives on a real MIT/Unlicense history (ripgrep): every finding
/// is printed with its rule so the numbers can be reported.
#[test]
fn ripgrep_history_false_positives() {
    let sb = Sandbox::new();
    let Some(repo) = common::clone_corpus(&sb, "ripgrep") else {
        return;
    };
    repo.policy("[licensing]\nallowed = \"MIT OR Unlicense\"\n");
    let run = repo.pc(&["check", "--format", "json", "--all"]);
    let all = findings(&run);
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &all {
        *by_rule
            .entry(f["rule"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
        eprintln!(
            "{} {} {}:{} {}",
            f["severity"].as_str().unwrap_or_default(),
            f["rule"].as_str().unwrap_or_default(),
            f["path"].as_str().unwrap_or_default(),
            f["line"].as_u64().unwrap_or(0),
            f["message"].as_str().unwrap_or_default()
        );
    }
    eprintln!(
        "ripgrep: {} commits, {} findings {by_rule:?}",
        run.json()["summary"]["commits"],
        all.len()
    );
    // The only error: ripgrep's zsh completion, a third-party file under
    // BSD-3-Clause terms (outside "MIT OR Unlicense": a true finding the
    // project would settle with `exempt` or by allowing BSD-3-Clause). The
    // warnings are `Unlicense/MIT` manifests (deprecated slash syntax).
    let errors: Vec<(String, String, Option<u64>)> = all
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect();
    // Where commit 082245d moved the file to crates/core/flags/complete/rg.zsh
    // (with edits), the notice is a moved line, not a new one (docs/moves.md):
    // it is reported once, where it was first added.
    assert_eq!(
        errors,
        vec![loc("licensing-foreign-text", "complete/_rg", Some(4))],
        "{by_rule:?}"
    );
    assert!(all
        .iter()
        .filter(|f| f["severity"] == "error")
        .all(|f| f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("BSD-3-Clause")));
    assert!(all
        .iter()
        .filter(|f| f["severity"] == "warn")
        .all(|f| f["rule"] == "licensing-expression-nonstandard"));
}

/// The SPDX list's text of `id` (the `spdx` crate ships them).
fn spdx_text(id: &str) -> &'static str {
    spdx::text::LICENSE_TEXTS
        .iter()
        .chain(spdx::text::EXCEPTION_TEXTS)
        .find(|(i, _)| *i == id)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("the spdx crate has no text for {id}"))
}

/// A file of a crate in the local cargo registry (`$CARGO_HOME/registry/src`),
/// where this project's own dependencies are unpacked. `None` with a note
/// when absent; under CI it must be there (cargo has just built the project).
fn registry_file(crate_prefix: &str, rel: &str) -> Option<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))?;
    let found = std::fs::read_dir(home.join("registry/src"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|c| c.file_name().to_string_lossy().starts_with(crate_prefix))
        .map(|c| c.path().join(rel))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{crate_prefix}*/{rel} is not in the cargo registry"
        );
        eprintln!("skipping: {crate_prefix}*/{rel} is not in the cargo registry");
    }
    found
}

fn message_of(run: &Run, path: &str) -> String {
    findings(run)
        .iter()
        .filter(|f| f["path"].as_str() == Some(path))
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn permitted_licence_texts_pass_whole() {
    let sb = Sandbox::new();
    let repo = setup(
        &sb,
        "[policy]\nname = \"lic\"\n\n[licensing]\nallowed = \"MIT OR Apache-2.0 OR Unicode-3.0\"\n",
    );
    let apache = spdx_text("Apache-2.0");
    let llvm = spdx_text("LLVM-exception");
    // As rustix and linux-raw-sys ship it: Apache-2.0, then the exception
    // (which mentions the GPLv2).
    repo.write(
        "LICENSE-Apache-2.0_WITH_LLVM-exception",
        format!("{apache}\n\n---- LLVM Exceptions to the Apache 2.0 License ----\n\n{llvm}"),
    );
    // As serde and most crates ship it: without the appendix.
    let cut = apache.find("APPENDIX").expect("appendix");
    repo.write("LICENSE-APACHE", &apache[..cut]);
    repo.write("LICENSE-UNICODE", spdx_text("Unicode-3.0"));
    repo.write("LICENSE-MIT", spdx_text("MIT").replace("<year>", "2024"));
    if let Some(real) = registry_file("rustix-", "LICENSE-Apache-2.0_WITH_LLVM-exception") {
        repo.write(
            "vendor/rustix/LICENSE-Apache-2.0_WITH_LLVM-exception",
            std::fs::read(real).expect("read"),
        );
    }
    repo.commit("licence files");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(findings(&run).is_empty(), "{}", run.stdout);
    // -v names what each file holds.
    let v = repo.pc(&["-v", "check", "HEAD"]);
    assert!(
        v.stderr
            .contains("holds `Apache-2.0 WITH LLVM-exception` (named by its text"),
        "{}",
        v.stderr
    );
    assert!(v.stderr.contains("SPDX licence texts"), "{}", v.stderr);
}

#[test]
fn licence_texts_are_named_by_their_exact_ids() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let ids = [
        "Unicode-3.0",
        "Unicode-DFS-2016",
        "OFL-1.1",
        "NCSA",
        "Apache-1.1",
        "BSD-1-Clause",
        "BSD-2-Clause-Patent",
        "BSD-3-Clause-Clear",
        "X11",
        "MIT-CMU",
        "MPL-1.1",
        "EPL-1.0",
        "CDDL-1.0",
        "EUPL-1.2",
        "OSL-3.0",
        "AFL-3.0",
        "Artistic-2.0",
        "WTFPL",
        "PostgreSQL",
        "Python-2.0",
        "MulanPSL-2.0",
    ];
    for id in ids {
        repo.write(&format!("third/{id}/LICENSE"), spdx_text(id));
    }
    repo.commit("vendored licence texts");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1, "{}", run.stdout);
    for id in ids {
        let path = format!("third/{id}/LICENSE");
        let msg = message_of(&run, &path);
        assert!(
            msg.contains(&format!("holds the {id} licence (named by its text")),
            "{id}: {msg}"
        );
    }
    assert_eq!(
        run.rules()
            .iter()
            .filter(|r| *r == "licensing-license-file-denied")
            .count(),
        ids.len(),
        "{}",
        run.stdout
    );
}

#[test]
fn libgit2_copying_is_gpl2_with_its_linking_exception() {
    let Some(copying) = registry_file("libgit2-sys-", "libgit2/COPYING") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    repo.write(
        "vendor/libgit2/COPYING",
        std::fs::read(copying).expect("read"),
    );
    repo.commit("libgit2");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 1, "{}", run.stdout);
    let msg = message_of(&run, "vendor/libgit2/COPYING");
    assert!(msg.contains("GPL-2.0-only WITH GCC-exception-2.0"), "{msg}");
    assert!(!msg.contains("LGPL-2.1-only licence ("), "{msg}");
}

#[test]
fn a_markdown_table_tag_is_read_without_its_pipes() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let bsd = spdx_text("BSD-3-Clause");
    let tag = ["SPDX", "-License-Identifier:"].concat();
    let text = format!(
        "Example Licence\n===============\n\n| {tag} | BSD-3-Clause WITH PCRE2-exception |\n|---|---|\n\n{bsd}\n"
    );
    repo.commit_file("LICENCE.md", &text, "markdown licence");
    let run = check(&repo, "HEAD");
    assert!(
        !run.rules()
            .contains(&"licensing-expression-invalid".to_string()),
        "{}",
        run.stdout
    );
    let msg = message_of(&run, "LICENCE.md");
    assert!(msg.contains("BSD-3-Clause WITH PCRE2-exception"), "{msg}");

    let sb = Sandbox::new();
    let repo = setup(
        &sb,
        "[policy]\nname = \"lic\"\n\n[licensing]\nallowed = \"MIT OR BSD-3-Clause\"\n",
    );
    repo.commit_file("LICENCE.md", &text, "markdown licence");
    assert!(check(&repo, "HEAD").rules().is_empty());
}

#[test]
fn a_ten_megabyte_licence_file_is_a_finding_not_a_stall() {
    let sb = Sandbox::new();
    let repo = setup(&sb, POLICY);
    let line = "Permission is granted to do as you please, mostly.\n";
    // 10 MB: past `scan.max_file_size`, the engine's own finding.
    repo.commit_file("LICENSE", line.repeat(200_000), "huge licence");
    let start = std::time::Instant::now();
    let run = check(&repo, "HEAD");
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(located(&run), vec![loc("file-too-large", "LICENSE", None)]);
    // 1 MB: read, but larger than any licence text: reported, not classified.
    repo.commit_file("LICENSE", line.repeat(20_000), "large licence");
    let start = std::time::Instant::now();
    let run = check(&repo, "HEAD");
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        located(&run),
        vec![loc("licensing-license-file-unknown", "LICENSE", None)]
    );
    assert!(message_of(&run, "LICENSE").contains("bytes, larger than any licence text"));
}

/// The SPDX list gives `GPL-2.0-only` and `GPL-2.0-or-later` one text (and
/// the GFDL variants another): a REUSE project's `LICENSES/<id>.txt` names
/// which one it is. A project allowing only `GPL-2.0-or-later` passes its
/// own licence file, and a file name does not rename a text it does not
/// hold.
#[test]
fn reuse_file_names_tell_twin_texts_apart() {
    let sb = Sandbox::new();
    let repo = setup(
        &sb,
        "[licensing]\nallowed = \"GPL-2.0-or-later OR GFDL-1.3-no-invariants-or-later\"\n",
    );
    repo.write(
        "LICENSES/GPL-2.0-or-later.txt",
        spdx_text("GPL-2.0-or-later"),
    );
    repo.write(
        "LICENSES/GFDL-1.3-no-invariants-or-later.txt",
        spdx_text("GFDL-1.3-no-invariants-or-later"),
    );
    // An exception's text licenses nothing by itself (its mention of GPLv2
    // is not a foreign notice).
    repo.write("LICENSES/LLVM-exception.txt", spdx_text("LLVM-exception"));
    repo.commit("REUSE licence texts");
    let run = check(&repo, "HEAD");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // The same GPL text as a plain LICENSE is the list's first id for it;
    // the MIT text under a GPL or an exception's name is MIT.
    repo.write("vendor/a/LICENSE", spdx_text("GPL-2.0-or-later"));
    repo.write("LICENSES/GPL-3.0-or-later.txt", spdx_text("MIT"));
    repo.write("LICENSES/Classpath-exception-2.0.txt", spdx_text("MIT"));
    repo.commit("more texts");
    let run = repo.pc(&["-v", "check", "--format", "json", "HEAD~..HEAD"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("vendor/a/LICENSE holds `GPL-2.0-only` (named by its text"),
        "{}",
        run.stderr
    );
    let first = repo.pc(&["-v", "check", "--format", "json", "HEAD~"]);
    assert!(
        first.stderr.contains(
            "LICENSES/GPL-2.0-or-later.txt holds `GPL-2.0-or-later` (named by its text and file name"
        ),
        "{}",
        first.stderr
    );
    for path in [
        "LICENSES/GPL-3.0-or-later.txt",
        "LICENSES/Classpath-exception-2.0.txt",
    ] {
        assert!(
            message_of(&run, path).contains("holds the MIT licence"),
            "{path}: {}",
            run.stdout
        );
    }
}
