//! Moved, renamed and reformatted code is not new (issue 17): real
//! repositories, real commits, the real binary. Each reshuffle of code that
//! was already committed reports nothing; each one with something really
//! new in it still reports exactly that.

mod common;

use common::{Repo, Sandbox};

const SUPPLY_CHAIN: &str = "[policy]\nname = \"t\"\nextends = [\"supply-chain\"]\n";

/// An old codebase whose `unsafe` was never justified: the history before
/// the policy. Only the commits after it are judged.
const LIB: &str = "\
pub fn read(p: *const u8) -> u8 {
    unsafe { *p }
}

pub fn write(p: *mut u8, v: u8) {
    let old = unsafe { p.read() };
    unsafe { p.write(v.wrapping_add(old)) }
}

pub unsafe fn raw_copy(src: *const u8, dst: *mut u8, n: usize) {
    std::ptr::copy_nonoverlapping(src, dst, n)
}

pub struct Handle(u32);
unsafe impl Send for Handle {}
";

fn repo<'s>(sb: &'s Sandbox, policy: &str) -> Repo<'s> {
    let r = sb.repo("r");
    r.policy(policy);
    r.commit_file("src/lib.rs", LIB, "old code");
    r
}

fn f(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

/// The findings of HEAD, asserting the unsafe family is really on: the
/// first commit (all of LIB new) reports all of its sites.
fn head_findings(r: &Repo) -> (i32, Vec<(String, String, u64)>) {
    let first = r.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let run = r.pc(&["check", "--format", "json", &first]);
    assert_eq!(
        run.code, 1,
        "the old code itself is reported: {}",
        run.stdout
    );
    r.findings()
}

#[test]
fn rename_with_an_edit_reports_nothing() {
    for renames in ["exact", "similar", "off"] {
        let sb = Sandbox::new();
        let r = repo(
            &sb,
            &format!("{SUPPLY_CHAIN}[scan]\nrenames = \"{renames}\"\n"),
        );
        r.git(&["mv", "src/lib.rs", "src/core.rs"]);
        r.write(
            "src/core.rs",
            format!("{LIB}\npub fn extra() -> u32 {{\n    7\n}}\n"),
        );
        r.write("src/lib.rs", "mod core;\npub use core::*;\n");
        r.commit("rename lib.rs to core.rs, add extra()");
        assert_eq!(head_findings(&r), (0, vec![]), "renames = {renames}");
    }
}

#[test]
fn similar_rename_is_a_rename_with_only_the_edit_added() {
    let sb = Sandbox::new();
    let r = repo(
        &sb,
        &format!("{SUPPLY_CHAIN}[scan]\nrenames = \"similar\"\n"),
    );
    r.git(&["mv", "src/lib.rs", "src/core.rs"]);
    r.write(
        "src/core.rs",
        format!("{LIB}\npub fn extra() -> u32 {{\n    7\n}}\n"),
    );
    r.commit("rename with an edit");
    let run = r.pc(&["inspect", "--format", "json", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = run.json()["files"].clone();
    let files = files.as_array().expect("files");
    assert_eq!(
        files.len(),
        1,
        "one renamed file, not a delete and an add: {files:?}"
    );
    assert_eq!(files[0]["status"], "renamed");
    assert_eq!(files[0]["old_path"], "src/lib.rs");
    assert_eq!(files[0]["added"], 4, "{files:?}");
}

#[test]
fn moving_a_function_to_another_file_reports_nothing() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    let (head, rest) = LIB.split_at(LIB.find("pub fn write").expect("write"));
    let (write, tail) = rest.split_at(rest.find("pub unsafe fn").expect("raw_copy"));
    r.write(
        "src/lib.rs",
        format!("mod io;\npub use io::write;\n{head}{tail}"),
    );
    r.write("src/io.rs", write);
    r.commit("move write() to io.rs");
    assert_eq!(head_findings(&r), (0, vec![]));
}

#[test]
fn splitting_a_file_into_reindented_modules_reports_nothing() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    let indent = |s: &str| {
        s.lines()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("    {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (funcs, types) = LIB.split_at(LIB.find("pub struct").expect("types"));
    r.git(&["rm", "-q", "src/lib.rs"]);
    r.write(
        "src/funcs.rs",
        format!("pub mod raw {{\n{}\n}}\n", indent(funcs)),
    );
    r.write("src/types.rs", types);
    r.write("src/main.rs", "mod funcs;\nmod types;\nfn main() {}\n");
    r.commit("split lib.rs into funcs.rs and types.rs");
    assert_eq!(head_findings(&r), (0, vec![]));
}

#[test]
fn a_rustfmt_reflow_reports_nothing() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    let reflowed = LIB
        .replace(
            "    let old = unsafe { p.read() };\n",
            "    let old = unsafe {\n        p.read()\n    };\n",
        )
        .replace(
            "    unsafe { p.write(v.wrapping_add(old)) }\n",
            "    unsafe {\n        p.write(\n            v.wrapping_add(old),\n        )\n    }\n",
        )
        .replace(
            "pub unsafe fn raw_copy(src: *const u8, dst: *mut u8, n: usize) {",
            "pub unsafe fn raw_copy(\n    src: *const u8,\n    dst: *mut u8,\n    n: usize,\n) {",
        );
    assert_ne!(reflowed, LIB);
    r.commit_file("src/lib.rs", &reflowed, "cargo fmt");
    assert_eq!(head_findings(&r), (0, vec![]));
    // and back, with tabs
    r.commit_file("src/lib.rs", LIB.replace("    ", "\t"), "tabs");
    assert_eq!(r.findings(), (0, vec![]));
}

const TRAIT: &str = "
pub trait Raw {
    /// Reads one byte.
    ///
    /// # Safety
    ///
    /// `p` must be valid for reads.
    unsafe fn get(p: *const u8) -> u8;
}

impl Raw for Handle {
    unsafe fn get(p: *const u8) -> u8 {
        *p
    }
}
";

#[test]
fn an_unsafe_fn_in_a_trait_impl_is_the_traits_to_document() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    r.commit_file("src/lib.rs", format!("{LIB}{TRAIT}"), "impl Raw");
    assert_eq!(r.findings(), (0, vec![]));
    // a policy may ask for it
    r.policy(&format!(
        "{SUPPLY_CHAIN}[unsafe_code]\ntrait_impls = true\n"
    ));
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-fn-undocumented", "src/lib.rs", 27)])
    );
    // an inherent impl is not a trait impl
    r.policy(SUPPLY_CHAIN);
    r.commit_file(
        "src/lib.rs",
        format!("{LIB}{TRAIT}\nimpl Handle {{\n    pub unsafe fn peek(p: *const u8) -> u8 {{\n        *p\n    }}\n}}\n"),
        "inherent unsafe fn",
    );
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-fn-undocumented", "src/lib.rs", 33)])
    );
}

/// Rita's review satisfies `when_ai`, not `ai-unsafe-review` (maintainers only).
const RUST_FOUNDATION: &str = "[policy]\nname = \"t\"\nextends = [\"rust-foundation\"]\nmaintainers = [\"Mia Maintainer <mia@example.org>\"]\n";

const AI_MESSAGE: &str =
    "Tidy read()\n\nAssisted-by: Claude\nReviewed-by: Rita Reviewer <rita@example.org>\n";

fn rules_of(r: &Repo) -> Vec<String> {
    r.findings()
        .1
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect()
}

#[test]
fn ai_unsafe_review_ignores_the_word_in_comments_and_moved_code() {
    let sb = Sandbox::new();
    let r = repo(&sb, RUST_FOUNDATION);
    // the word, in a comment and in a string
    r.write(
        "src/lib.rs",
        format!("{LIB}\n// Keeps callers away from unsafe pointer reads.\npub const NOTE: &str = \"no unsafe here\";\n"),
    );
    r.commit(AI_MESSAGE);
    assert!(!rules_of(&r).contains(&"ai-unsafe-review".to_string()));
    // unsafe code moved to another file
    let (head, rest) = LIB.split_at(LIB.find("pub fn write").expect("write"));
    let (write, tail) = rest.split_at(rest.find("pub unsafe fn").expect("raw_copy"));
    r.write("src/lib.rs", format!("mod io;\n{head}{tail}"));
    r.write("src/io.rs", write);
    r.commit(AI_MESSAGE);
    assert!(!rules_of(&r).contains(&"ai-unsafe-review".to_string()));
    // near miss: real unsafe code, even justified, needs the review
    r.write(
        "src/io.rs",
        format!("{write}\npub fn zero(p: *mut u8) {{\n    // SAFETY: callers pass a valid pointer.\n    unsafe {{ p.write(0) }}\n}}\n"),
    );
    r.commit(AI_MESSAGE);
    let got = r.findings().1;
    assert!(
        got.contains(&f("ai-unsafe-review", "src/io.rs", 9)),
        "{got:?}"
    );
}

#[test]
fn a_new_unsafe_block_among_moved_code_is_still_reported() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    let (head, rest) = LIB.split_at(LIB.find("pub fn write").expect("write"));
    let (write, tail) = rest.split_at(rest.find("pub unsafe fn").expect("raw_copy"));
    // write() moves and gains a second, new unsafe block
    let moved = write.replace(
        "    unsafe { p.write(v.wrapping_add(old)) }\n",
        "    unsafe { p.write(v.wrapping_add(old)) }\n    unsafe { p.add(1).write(0) }\n",
    );
    r.write("src/lib.rs", format!("mod io;\n{head}{tail}"));
    r.write("src/io.rs", &moved);
    r.commit("move write() and clear the next byte");
    assert_eq!(
        head_findings(&r),
        (1, vec![f("unsafe-undocumented", "src/io.rs", 4)])
    );
}

#[test]
fn a_copy_is_new_and_a_dropped_safety_comment_is_reported() {
    let sb = Sandbox::new();
    let r = repo(&sb, SUPPLY_CHAIN);
    // the same block written twice where it was once: one of them is new
    r.commit_file(
        "src/lib.rs",
        LIB.replace(
            "    unsafe { *p }\n",
            "    unsafe { *p };\n    unsafe { *p }\n",
        ),
        "read twice",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got.len(), 1, "{got:?}");
    // a justified block moved without its justification
    let justified = LIB.replace(
        "    unsafe { *p }\n",
        "    // SAFETY: callers pass a valid pointer.\n    unsafe { *p }\n",
    );
    r.commit_file("src/lib.rs", &justified, "justify read");
    assert_eq!(r.findings(), (0, vec![]));
    let (head, rest) = justified.split_at(justified.find("pub fn write").expect("write"));
    let read = head.replace("    // SAFETY: callers pass a valid pointer.\n", "");
    r.write("src/lib.rs", format!("mod read;\n{rest}"));
    r.write("src/read.rs", read);
    r.commit("move read() and lose its comment");
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/read.rs", 2)])
    );
}

#[test]
fn a_moved_secret_is_not_new_but_a_new_one_is() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(SUPPLY_CHAIN);
    // built at run time, so this file holds no token
    let key = format!("ghp_{}", "ubE7R5IiAWNKTJiHXRQIGEo0Fg0WweytpVLq");
    let old = format!("pub fn setup() {{\n    let token = \"{key}\";\n    load(token);\n}}\n");
    r.commit_file("src/a.rs", &old, "old code with a committed key");
    let first = r.git(&["rev-parse", "HEAD"]);
    let run = r.pc(&["check", "--format", "json", &first]);
    assert!(
        run.stdout.contains("secret"),
        "the key is a secret: {}",
        run.stdout
    );
    r.git(&["rm", "-q", "src/a.rs"]);
    r.write(
        "src/b.rs",
        format!(
            "mod inner {{\n{}}}\n",
            old.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        ),
    );
    r.commit("move it");
    assert_eq!(r.findings(), (0, vec![]));
    r.write("src/c.rs", format!("pub const K: &str = \"{key}\";\n"));
    r.commit("a second copy");
    let (code, got) = r.findings();
    assert_eq!(code, 1, "{got:?}");
    assert_eq!(got[0].1, "src/c.rs");
}

#[test]
fn unsafe_moved_out_of_an_ignored_path_is_new() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(&format!(
        "{SUPPLY_CHAIN}[unsafe_code]\nignore = [\"vendor/**\"]\n"
    ));
    r.commit_file("vendor/lib.rs", LIB, "vendored, never judged");
    let first = r.findings().1;
    assert!(
        first.iter().all(|(rule, _, _)| !rule.starts_with("unsafe")),
        "{first:?}"
    );
    r.git(&["rm", "-q", "vendor/lib.rs"]);
    r.write("src/lib.rs", format!("{LIB}\npub fn extra() {{}}\n"));
    r.commit("take the vendored code in");
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got.len(), 5, "{got:?}");
}
