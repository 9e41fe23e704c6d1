//! Unjustified `unsafe` end to end: real repositories, the real binary, the
//! `supply-chain` preset. Every commit that must fail has a near miss that
//! must pass.

mod common;

use common::{Repo, Sandbox};

const POLICY: &str = "[policy]\nname = \"t\"\nextends = [\"supply-chain\"]\n";

fn repo(sb: &Sandbox) -> Repo<'_> {
    let r = sb.repo("r");
    r.policy(POLICY);
    r.commit_file("src/lib.rs", "pub fn ok() {}\n", "init");
    r
}

fn f(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

#[test]
fn unsafe_block_without_safety_comment_fails() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}\n\npub fn read(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n",
        "add read",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("unsafe-undocumented", "src/lib.rs", 4)]);
}

#[test]
fn safety_comment_above_on_the_line_or_inside_passes() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

pub fn read(p: *const u8) -> u8 {
    // SAFETY: the caller hands us a pointer from `Box::into_raw`,
    // valid for reads.
    unsafe { *p }
}

pub fn two(p: *const u8) -> u8 {
    let a = unsafe { *p }; // SAFETY: as above
    unsafe {
        // SAFETY: as above
        a + *p
    }
}

// SAFETY: `Handle` is only a plain integer.
unsafe impl Send for Handle {}
pub struct Handle(u32);
",
        "add documented unsafe",
    );
    let (code, got) = r.findings();
    assert_eq!((code, got), (0, vec![]));
}

#[test]
fn unsafe_in_strings_comments_and_identifiers_passes() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
// unsafe { this is a comment }
/* a block comment
   unsafe { spanning lines }
*/
pub const A: &str = \"unsafe { in a string }\";
pub const B: &str = r#\"
unsafe { in a raw string } \"with quotes\"
\"#;
pub const C: char = 'u';
pub fn is_unsafe(unsafe_code: bool) -> bool { unsafe_code }
pub fn r#unsafe_fn() {}
",
        "mention unsafe",
    );
    let (code, got) = r.findings();
    assert_eq!((code, got), (0, vec![]));
}

#[test]
fn unsafe_fn_needs_a_safety_doc_section() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// Reads a byte.
///
/// # Safety
///
/// `p` must be valid for reads.
pub unsafe fn documented(p: *const u8) -> u8 {
    // SAFETY: the caller upholds the contract above.
    unsafe { *p }
}

/// Reads a byte.
pub unsafe fn undocumented(p: *const u8) -> u8 {
    // SAFETY: none given, but the block itself is commented.
    unsafe { *p }
}

pub type Callback = unsafe extern \"C\" fn(i32);
",
        "add unsafe fns",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("unsafe-fn-undocumented", "src/lib.rs", 14)]);
}

#[test]
fn a_safety_comment_already_in_the_file_counts_and_old_unsafe_is_not_reported() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}\n\npub fn g(p: *const u8) -> u8 {\n    // SAFETY: p is valid\n    0\n}\n\npub fn old(p: *const u8) -> u8 { unsafe { *p } }\n",
        "comment first",
    );
    // Only line 5 changes: the comment above it is context, not added.
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}\n\npub fn g(p: *const u8) -> u8 {\n    // SAFETY: p is valid\n    unsafe { *p }\n}\n\npub fn old(p: *const u8) -> u8 { unsafe { *p } }\n",
        "use the comment",
    );
    let (code, got) = r.findings();
    assert_eq!((code, got), (0, vec![]));
}

#[test]
fn removing_forbid_unsafe_code_fails_and_moving_it_passes() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "//! Crate.\n#![forbid(unsafe_code)]\n\npub fn ok() {}\n",
        "forbid",
    );
    // Near miss: reformatted with another lint; still forbidden.
    r.commit_file(
        "src/lib.rs",
        "//! Crate.\n#![forbid(\n    missing_docs,\n    unsafe_code,\n)]\n\npub fn ok() {}\n",
        "reformat",
    );
    assert_eq!(r.findings(), (0, vec![]));
    // Removed.
    r.commit_file(
        "src/lib.rs",
        "//! Crate.\n\npub fn ok() {}\n",
        "drop the lint",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("unsafe-lint-removed", "src/lib.rs", 0)]);
}

#[test]
fn weakening_the_manifest_lint_fails() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[lints.rust]\nunsafe_code = \"forbid\"\n",
        "manifest",
    );
    r.commit_file(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.1\"\n\n[lints.rust]\nunsafe_code = { level = \"forbid\", priority = 1 }\n",
        "same level, other form",
    );
    assert_eq!(r.findings(), (0, vec![]));
    r.commit_file(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.1\"\n\n[lints.rust]\nunsafe_code = \"allow\"\n",
        "allow",
    );
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("unsafe-lint-removed", "Cargo.toml", 6)]);
}

#[test]
fn crlf_non_utf8_renames_and_deletions_do_not_confuse_it() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    // CRLF with a SAFETY comment, and non-UTF-8 bytes in a comment.
    let mut bytes =
        b"pub fn ok() {}\r\n// caf\xe9\r\npub fn g(p: *const u8) -> u8 {\r\n    // SAFETY: valid\r\n    unsafe { *p }\r\n}\r\n".to_vec();
    r.write("src/lib.rs", &bytes);
    r.commit("crlf");
    assert_eq!(r.findings(), (0, vec![]));
    // CRLF without a comment is still found, on the right line.
    bytes.extend_from_slice(b"pub fn h(p: *const u8) -> u8 { unsafe { *p } }\r\n");
    r.write("src/lib.rs", &bytes);
    r.commit("crlf unsafe");
    assert_eq!(
        r.findings().1,
        vec![f("unsafe-undocumented", "src/lib.rs", 7)]
    );
    // A pure rename adds nothing; a deletion adds nothing.
    r.git(&["mv", "src/lib.rs", "src/moved.rs"]);
    r.commit("rename");
    assert_eq!(r.findings(), (0, vec![]));
    r.git(&["rm", "-q", "src/moved.rs"]);
    r.commit("delete");
    assert_eq!(r.findings(), (0, vec![]));
}

#[test]
fn a_ten_megabyte_line_is_checked_in_bounded_time() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(&format!("{POLICY}\n[scan]\nmax_file_size = 20000000\n"));
    r.commit_file("src/lib.rs", "pub fn ok() {}\n", "init");
    let mut line = String::from("pub static S: &[u8] = &[");
    while line.len() < 10_000_000 {
        line.push_str("1,(2),\"}\",");
    }
    line.push_str("]; pub fn g(p: *const u8) -> u8 { unsafe { *p } }\n");
    r.commit_file("src/min.rs", &line, "minified");
    let start = std::time::Instant::now();
    let (code, got) = r.findings();
    assert_eq!(code, 1);
    assert_eq!(got, vec![f("unsafe-undocumented", "src/min.rs", 1)]);
    assert!(
        start.elapsed().as_secs() < 120,
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn ignored_paths_and_severity_overrides_apply() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(&format!(
        "{POLICY}\n[unsafe_code]\nignore = [\"vendor/**\"]\n\n[severity]\nunsafe-fn-undocumented = \"warn\"\n"
    ));
    r.commit_file("src/lib.rs", "pub fn ok() {}\n", "init");
    r.write(
        "vendor/x/lib.rs",
        "pub fn g(p: *const u8) -> u8 { unsafe { *p } }\n",
    );
    r.write("src/lib.rs", "pub fn ok() {}\npub unsafe fn h() {}\n");
    r.commit("vendored");
    let (code, got) = r.findings();
    assert_eq!(code, 0, "a warning does not fail");
    assert_eq!(got, vec![f("unsafe-fn-undocumented", "src/lib.rs", 2)]);
}

/// Rust 2024 requires `unsafe extern`: adding the keyword to an existing
/// `extern` block adds no unsafe code, so nothing is reported; a new
/// `unsafe extern` block in the same commit still is.
#[test]
fn an_extern_block_gaining_the_unsafe_keyword_is_not_new_unsafe() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    let before = "pub fn ok() {}

extern \"C\" {
    pub fn abs(x: i32) -> i32;
    pub fn labs(x: i64) -> i64;
}
";
    r.commit_file("src/lib.rs", before, "ffi");
    r.commit_file(
        "src/lib.rs",
        before.replace("extern \"C\" {", "unsafe extern \"C\" {"),
        "edition 2024: unsafe extern",
    );
    assert_eq!(r.findings(), (0, vec![]));
    // near miss: a block that did not exist before
    r.commit_file(
        "src/lib.rs",
        format!(
            "{}\nunsafe extern \"C\" {{\n    pub fn system(cmd: *const u8) -> i32;\n}}\n",
            before.replace("extern \"C\" {", "unsafe extern \"C\" {")
        ),
        "new block",
    );
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 8)])
    );
}

/// Rust 2024's `unsafe_op_in_unsafe_fn`: wrapping the existing body of an
/// `unsafe fn` in an `unsafe {}` block narrows the unsafe scope and adds no
/// unsafe operation. A block with a new line inside, or the same wrapping
/// in a safe function, is still reported.
#[test]
fn wrapping_an_unsafe_fn_body_in_a_block_is_not_new_unsafe() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    let before = "pub fn ok() {}

/// Reads a byte.
///
/// # Safety
/// `p` must be valid for reads.
pub unsafe fn get(p: *const u8) -> u8 {
    let v = *p;
    v
}

pub fn safe(p: &u8) -> u8 {
    let w = *p;
    w
}
";
    r.commit_file("src/lib.rs", before, "base");
    let wrapped = before.replace(
        "    let v = *p;\n    v\n",
        "    unsafe {\n        let v = *p;\n        v\n    }\n",
    );
    r.commit_file("src/lib.rs", &wrapped, "unsafe_op_in_unsafe_fn");
    assert_eq!(r.findings(), (0, vec![]));
    // the one-line form: `let v = unsafe { *p };` for `let v = *p;`
    r.commit_file("src/lib.rs", before, "back to the start");
    let one_line = before.replace("    let v = *p;\n", "    let v = unsafe { *p };\n");
    r.commit_file("src/lib.rs", &one_line, "one-line unsafe_op_in_unsafe_fn");
    assert_eq!(r.findings(), (0, vec![]));
    // near miss: a one-line block around an operation that is new
    r.commit_file("src/lib.rs", before, "and back");
    let new_op = before.replace("    let v = *p;\n", "    let v = unsafe { *p.add(1) };\n");
    r.commit_file("src/lib.rs", &new_op, "one-line, new operation");
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 8)])
    );
    // near miss 1: a new operation inside the new block
    r.commit_file("src/lib.rs", before, "back");
    let grown = before.replace(
        "    let v = *p;\n    v\n",
        "    unsafe {\n        let v = *p;\n        let u = *p.add(1);\n        v + u\n    }\n",
    );
    r.commit_file("src/lib.rs", &grown, "wrap and add");
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 8)])
    );
    // near miss 2: the same wrapping in a safe function is new unsafe
    r.commit_file("src/lib.rs", before, "back again");
    let safe_wrapped = before.replace(
        "    let w = *p;\n    w\n",
        "    unsafe {\n        let w = *p;\n        w\n    }\n",
    );
    r.commit_file("src/lib.rs", &safe_wrapped, "wrap safe code");
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 13)])
    );
}

/// A justified block that moves into an `unsafe fn` without its
/// `// SAFETY:` comment lost its justification: reported, even though its
/// lines all existed before.
#[test]
fn a_moved_block_that_lost_its_justification_is_still_reported_in_an_unsafe_fn() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

pub fn read(p: *const u8) -> u8 {
    if p.is_null() {
        0
    } else {
        // SAFETY: callers pass a valid pointer.
        unsafe {
            let value = core::ptr::read_volatile(p);
            value
        }
    }
}

/// # Safety
/// `p` must be valid.
pub unsafe fn other(p: *const u8) -> u8 {
    0
}
",
        "base",
    );
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// # Safety
/// `p` must be valid.
pub unsafe fn other(p: *const u8) -> u8 {
    unsafe {
        let value = core::ptr::read_volatile(p);
        value
    }
}
",
        "move the block",
    );
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 6)])
    );
}

/// The wrap test costs the same for each site however many a push brings:
/// 20,000 one-line wraps in one `unsafe fn` are judged in bounded time
/// (the innermost function, matching braces and removed lines are read
/// once per file, not once per site).
#[test]
fn twenty_thousand_wraps_are_judged_in_bounded_time() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    let body = |line: &str| line.repeat(20_000);
    let file = |b: String| {
        format!("pub fn ok() {{}}\n\n/// # Safety\n/// `p` is valid.\npub unsafe fn sum(p: *const u8) -> u8 {{\n    let mut s = 0u8;\n{b}    s\n}}\n")
    };
    r.commit_file("src/lib.rs", file(body("    s ^= *p;\n")), "base");
    r.commit_file(
        "src/lib.rs",
        file(body("    s ^= unsafe { *p };\n")),
        "unsafe_op_in_unsafe_fn",
    );
    let t = std::time::Instant::now();
    assert_eq!(r.findings(), (0, vec![]));
    assert!(t.elapsed().as_secs() < 30, "took {:?}", t.elapsed());
}

/// An `unsafe fn` whose signature is edited (a parameter renamed, a type
/// parameter added) is the same declaration: its missing `# Safety` section
/// is not new, nor is one renamed with its signature otherwise unchanged.
/// A new name with a new signature, or a documented fn that lost its docs,
/// is.
#[test]
fn an_unsafe_fn_with_an_edited_signature_is_not_new() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// Frees the block.
pub unsafe fn destroy(this: *mut u8, start: usize) {
    drop(Box::from_raw(this.add(start)));
}

/// Reads a byte.
///
/// # Safety
/// `p` is valid for reads.
pub unsafe fn read(p: *const u8) -> u8 {
    *p
}
",
        "old fns",
    );
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// Frees the block.
pub unsafe fn destroy<A: Copy>(this: *mut u8, count: usize, _a: A) {
    drop(Box::from_raw(this.add(count)));
}

/// Reads a byte.
///
/// # Safety
/// `p` is valid for reads.
pub unsafe fn read(p: *const u8) -> u8 {
    *p
}
",
        "signature edited",
    );
    assert_eq!(r.findings(), (0, vec![]));
    // near misses: a renamed fn is a new declaration; a documented fn that
    // lost its `# Safety` section in a signature edit is reported
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// Frees the block.
pub unsafe fn release(this: *mut u8, count: u32) {
    drop(Box::from_raw(this.add(count as usize)));
}

/// Reads a byte.
pub unsafe fn read(p: *const u8, _n: usize) -> u8 {
    *p
}
",
        "renamed and undocumented",
    );
    assert_eq!(
        r.findings(),
        (
            1,
            vec![
                f("unsafe-fn-undocumented", "src/lib.rs", 4),
                f("unsafe-fn-undocumented", "src/lib.rs", 9),
            ]
        )
    );
    // a rename with the signature otherwise unchanged is the same fn
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

/// Frees the block.
pub unsafe fn free(this: *mut u8, count: u32) {
    drop(Box::from_raw(this.add(count as usize)));
}

/// Reads a byte.
pub unsafe fn read(p: *const u8, _n: usize) -> u8 {
    *p
}
",
        "rename release to free",
    );
    assert_eq!(r.findings(), (0, vec![]));
}

/// An `unsafe impl` of the same trait for the same type is the same claim
/// when its head gains a type parameter or renames another bound; dropping
/// the `T: Send` bound of an `unsafe impl Send` changes the claim and is
/// reported, and so is an impl for another type.
#[test]
fn an_unsafe_impl_with_edited_generics_is_not_new_unless_a_bound_goes() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub struct Table<T, A>(*mut T, A);
pub struct Drain<T>(*mut T);
pub trait AllocRef {}
pub trait Allocator {}
unsafe impl<T, A: AllocRef + Clone> Send for Table<T, A> where T: Send {}
unsafe impl<T: Send> Send for Drain<T> {}
",
        "impls",
    );
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub struct Table<T, A>(*mut T, A);
pub struct Drain<'a, T, A>(*mut T, &'a A);
pub trait AllocRef {}
pub trait Allocator {}
unsafe impl<T, A: Allocator> Send for Table<T, A>
where
    T: Send,
{
}
unsafe impl<T: Send, A: Allocator> Send for Drain<'_, T, A> {}
",
        "parametrize over the allocator",
    );
    assert_eq!(r.findings(), (0, vec![]));
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub struct Table<T, A>(*mut T, A);
pub struct Drain<'a, T, A>(*mut T, &'a A);
pub struct Iter<T>(*mut T);
pub trait AllocRef {}
pub trait Allocator {}
unsafe impl<T, A: Allocator> Send for Table<T, A> {}
unsafe impl<T: Send, A: Allocator> Send for Drain<'_, T, A> {}
unsafe impl<T: Send> Send for Iter<T> {}
",
        "drop a bound, add an impl",
    );
    assert_eq!(
        r.findings(),
        (
            1,
            vec![
                f("unsafe-undocumented", "src/lib.rs", 7),
                f("unsafe-undocumented", "src/lib.rs", 9),
            ]
        )
    );
}

/// A `/// # Safety` doc section on an `unsafe impl` justifies it, as it
/// does an `unsafe fn`.
#[test]
fn a_safety_doc_section_justifies_an_unsafe_impl() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub struct Handle(*mut u8);

/// # Safety
///
/// The pointer is owned and never shared.
unsafe impl Send for Handle {}

/// Documented, but not a safety section.
unsafe impl Sync for Handle {}
",
        "impls",
    );
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-undocumented", "src/lib.rs", 10)])
    );
}

/// A `// SAFETY:` comment above a statement covers the `unsafe` in the
/// first statement (or the fields) of the braces that statement opens: a
/// struct literal's field, a closure's first line. It does not reach into
/// the body of an item it sits above, nor a later statement. A `# Safety`
/// heading in a plain comment justifies like the doc section.
#[test]
fn a_safety_comment_above_the_enclosing_statement_covers_its_first_unsafe() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub struct Token {
    inner: *mut u8,
}

pub fn token() -> Token {
    let state = Box::new(0u8);
    // SAFETY: we just created the box, the pointer is not null.
    Token {
        inner: unsafe { std::ptr::NonNull::new_unchecked(Box::into_raw(state)).as_ptr() },
    }
}

pub fn with(cell: &std::cell::UnsafeCell<u8>, f: impl Fn(*mut u8)) {
    // SAFETY: the only owner of the cell is this function.
    f(cell.get());
    let run = |p: *mut u8| {
        // # Safety
        // `p` comes from the cell above.
        unsafe { *p = 1 };
    };
    run(cell.get());
}
",
        "comments above",
    );
    assert_eq!(r.findings(), (0, vec![]));
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}

// SAFETY: nothing here is shared.
pub fn item(p: *mut u8) {
    unsafe { *p = 1 };
}

pub fn later(p: *mut u8) {
    // SAFETY: `p` is valid.
    let run = |p: *mut u8| {
        let _first = 1;
        unsafe { *p = 2 };
    };
    run(p);
}
",
        "too far",
    );
    assert_eq!(
        r.findings(),
        (
            1,
            vec![
                f("unsafe-undocumented", "src/lib.rs", 5),
                f("unsafe-undocumented", "src/lib.rs", 12),
            ]
        )
    );
}

/// One removed declaration excuses one added declaration: an `unsafe fn`
/// moved unchanged (matched by its key) does not also excuse a new `unsafe
/// fn` of the same name elsewhere.
#[test]
fn a_moved_unsafe_fn_does_not_also_excuse_a_new_one_of_its_name() {
    let sb = Sandbox::new();
    let r = repo(&sb);
    r.commit_file(
        "src/lib.rs",
        "pub fn ok() {}
pub mod a;
",
        "mods",
    );
    r.commit_file(
        "src/a.rs",
        "pub unsafe fn get(p: *const u8) -> u8 {
    *p
}
",
        "get",
    );
    r.write("src/a.rs", "pub fn none() {}\n");
    r.write(
        "src/b.rs",
        "pub unsafe fn get(p: *const u8) -> u8 {
    *p
}
",
    );
    r.write(
        "src/c.rs",
        "pub unsafe fn get(q: *mut u16, n: usize) -> u16 {
    *q.add(n)
}
",
    );
    r.commit("move get to b, a new get in c");
    assert_eq!(
        r.findings(),
        (1, vec![f("unsafe-fn-undocumented", "src/c.rs", 1)])
    );
}
