//! The pack reader against git itself: every object of a repository, read
//! through `ObjectStore`, must be exactly what `git cat-file --batch` prints,
//! whatever the pack looks like (deep offset-delta chains, ref-deltas,
//! 64-bit offsets, several packs, loose objects beside them), and a scan must
//! report the same findings whether its objects are loose or packed.

mod common;

use std::collections::HashMap;

use policy_check::git::odb::{Kind, Limited, ObjectStore};

/// Every object in the repository as git prints it: id → (kind, content).
fn git_objects(repo: &common::Repo) -> HashMap<policy_check::git::Oid, (Kind, Vec<u8>)> {
    let ids = repo.git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname)",
    ]);
    let out = repo.git_raw(
        &["cat-file", "--batch"],
        Some(format!("{ids}\n").as_bytes()),
    );
    assert!(out.status.success());
    let mut objects = HashMap::new();
    let mut rest = &out.stdout[..];
    while !rest.is_empty() {
        let nl = rest.iter().position(|&c| c == b'\n').expect("header line");
        let header = String::from_utf8_lossy(&rest[..nl]).to_string();
        let mut parts = header.split(' ');
        let (id, kind, size) = (
            parts.next().expect("id"),
            parts.next().expect("type"),
            parts.next().expect("size").parse::<usize>().expect("size"),
        );
        let content = rest[nl + 1..nl + 1 + size].to_vec();
        rest = &rest[nl + 1 + size + 1..];
        let kind = match kind {
            "commit" => Kind::Commit,
            "tree" => Kind::Tree,
            "blob" => Kind::Blob,
            "tag" => Kind::Tag,
            other => panic!("unexpected type {other}"),
        };
        objects.insert(
            policy_check::git::Oid::from_hex(id).expect("oid"),
            (kind, content),
        );
    }
    objects
}

/// Reads every object through a fresh store and compares it with git's copy;
/// returns how many packs the store read directly.
fn assert_store_matches_git(repo: &common::Repo) -> usize {
    let expected = git_objects(repo);
    assert!(
        expected.len() > 100,
        "the history is too small to prove anything"
    );
    let git = policy_check::git::repo::reopen(&repo.path).expect("open");
    let store = ObjectStore::new(&git).expect("store");
    for (id, (kind, content)) in &expected {
        let obj = store.read(*id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(obj.kind, *kind, "{id}");
        assert!(
            obj.data[..] == content[..],
            "{id}: content differs from git's"
        );
        assert_eq!(store.size(*id).expect("size"), content.len() as u64, "{id}");
    }
    // twice, now that the cache holds them, in another order
    let mut ids: Vec<_> = expected.keys().collect();
    ids.sort();
    for id in ids {
        assert!(store.read(*id).expect("cached read").data[..] == expected[id].1[..]);
    }
    store.pack_count()
}

/// A history whose files change a little in every commit, so a repack
/// stores most versions as deltas of others.
fn build_history(repo: &common::Repo, commits: usize) {
    let mut lines: Vec<String> = (0..300)
        .map(|i| format!("fn item_{i}() -> u32 {{ {i} }}"))
        .collect();
    for c in 0..commits {
        let k = (c * 37) % lines.len();
        lines[k] = format!("fn item_{k}() -> u32 {{ {c} + {k} }}");
        if c % 3 == 0 {
            lines.insert((c * 11) % lines.len(), format!("// note {c}"));
        }
        repo.write("src/lib.rs", lines.join("\n") + "\n");
        repo.write(
            &format!("data/d{}/file{}.txt", c % 4, c % 9),
            format!("{c}\n").repeat(c % 50 + 1),
        );
        if c % 10 == 0 {
            let bin: Vec<u8> = (0..4096u32).map(|i| (i * 31 + c as u32) as u8).collect();
            repo.write("assets/blob.bin", bin);
        }
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", &format!("change {c}")]);
    }
}

fn pack_paths(repo: &common::Repo) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(repo.path.join(".git/objects/pack"))
        .expect("pack dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    v.sort();
    v
}

#[test]
fn reads_every_object_exactly_as_git_does_whatever_the_pack() {
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    build_history(&repo, 120);

    // all loose: nothing for the pack reader, everything through libgit2
    assert_eq!(assert_store_matches_git(&repo), 0);

    // deep offset-delta chains
    repo.git(&["repack", "-adfq", "--depth=250", "--window=50"]);
    assert!(repo
        .git(&["verify-pack", "-v", pack_paths(&repo)[0].to_str().unwrap()])
        .contains("chain length = 2"));
    assert_eq!(assert_store_matches_git(&repo), 1);

    // ref-deltas (base named by id)
    repo.git(&[
        "-c",
        "repack.useDeltaBaseOffset=false",
        "repack",
        "-adfq",
        "--depth=50",
    ]);
    assert_eq!(assert_store_matches_git(&repo), 1);

    // 64-bit offsets in the index for everything past the first 64 bytes
    let pack = pack_paths(&repo).remove(0);
    std::fs::remove_file(pack.with_extension("idx")).expect("remove idx");
    repo.git(&["index-pack", "--index-version=2,64", pack.to_str().unwrap()]);
    assert_eq!(assert_store_matches_git(&repo), 1);

    // a second pack and loose objects beside the packs
    build_history(&repo, 30);
    repo.git(&["repack", "-dq"]);
    repo.write("late.txt", "written after the last repack\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "late"]);
    assert_eq!(assert_store_matches_git(&repo), 2);
}

#[test]
fn findings_are_the_same_from_loose_and_packed_objects() {
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    build_history(&repo, 60);
    let secret = format!("let key = \"{}{}\";\n", "AKIA", "QWERTYUIOPASDFGH");
    repo.commit_file("src/keys.rs", secret, "add keys");
    build_history(&repo, 20);
    repo.policy("[policy]\nextends = [\"rust-foundation\"]\n");
    let args = ["check", "--all", "--format", "json"];
    let loose = repo.pc(&args);
    assert_eq!(loose.code, 1, "{}", loose.stderr);
    assert!(loose.rules().contains(&"secret-detected".to_string()));
    repo.git(&["repack", "-adfq", "--depth=250", "--window=50"]);
    let packed = repo.pc(&args);
    assert_eq!(packed.code, loose.code);
    assert_eq!(packed.stdout, loose.stdout);
}

#[test]
fn a_corrupt_pack_fails_closed_with_an_error_not_a_panic() {
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    build_history(&repo, 40);
    repo.git(&["repack", "-adfq"]);
    let pack = pack_paths(&repo).remove(0);
    let mut bytes = std::fs::read(&pack).expect("read pack");
    // flip bytes in the middle of the pack, inside some object's data
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let mut perms = std::fs::metadata(&pack).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).expect("chmod");
    std::fs::write(&pack, &bytes).expect("write pack");
    repo.policy("[policy]\nextends = [\"rust-foundation\"]\n");
    let run = repo.pc(&["check", "--all", "--format", "json"]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

#[test]
fn reads_a_real_history_exactly_as_git_does() {
    let sb = common::Sandbox::new();
    let Some(repo) = common::clone_corpus(&sb, "ripgrep") else {
        return;
    };
    assert_eq!(assert_store_matches_git(&repo), 1);
}

#[test]
fn a_blob_over_the_limit_is_sized_not_read_loose_or_packed() {
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    let big = "0123456789abcdef\n".repeat(200_000); // 3.4 MB
    repo.commit_file("big.txt", &big, "big");
    repo.commit_file("small.txt", "small\n", "small");
    let id = |p: &str| {
        policy_check::git::Oid::from_hex(&repo.git(&["rev-parse", &format!("HEAD:{p}")]))
            .expect("oid")
    };
    for layout in ["loose", "packed"] {
        if layout == "packed" {
            repo.git(&["repack", "-adq"]);
        }
        let git = policy_check::git::repo::reopen(&repo.path).expect("open");
        let store = ObjectStore::new(&git).expect("store");
        match store
            .read_limited(id("big.txt"), Kind::Blob, 1 << 20)
            .expect(layout)
        {
            Limited::TooLarge(n) => assert_eq!(n, big.len() as u64, "{layout}"),
            Limited::Object(_) => panic!("{layout}: read a blob over the limit"),
        }
        match store
            .read_limited(id("small.txt"), Kind::Blob, 1 << 20)
            .expect(layout)
        {
            Limited::Object(o) => assert_eq!(&o.data[..], b"small\n", "{layout}"),
            Limited::TooLarge(_) => panic!("{layout}: a small blob was refused"),
        }
        // asking for the wrong kind is an error, not a misread
        let err = store
            .read_limited(id("small.txt"), Kind::Tree, 1 << 20)
            .expect_err("a blob is not a tree");
        assert!(
            err.message().contains("is a blob, not a tree"),
            "{layout}: {err}"
        );
    }
}

/// What `cached_root_tree` reads from an index, checked against git: when
/// it names a tree, that is the tree git commits; when the cache tree is
/// stale it names none.
#[test]
fn the_index_cache_tree_names_the_tree_being_committed() {
    use policy_check::git::staged::cached_root_tree;
    let sb = common::Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_file("a/one.txt", "1\n", "one");
    let hook = repo.path.join(".git/hooks/commit-msg");
    std::fs::write(
        &hook,
        "#!/bin/sh\ncp \"${GIT_INDEX_FILE:-.git/index}\" \"$(git rev-parse --git-dir)/seen-index\"\n",
    )
    .expect("hook");
    let mut perms = std::fs::metadata(&hook).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).expect("chmod");
    let seen = || std::fs::read(repo.path.join(".git/seen-index")).expect("seen index");
    let tree =
        || policy_check::git::Oid::from_hex(&repo.git(&["rev-parse", "HEAD^{tree}"])).expect("oid");

    // plain commit, v2 index: the fast path must be taken
    repo.write("a/two.txt", "2\n");
    repo.write("b/three.txt", "3\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "two"]);
    assert_eq!(cached_root_tree(&seen()), Some(tree()), "plain commit");

    // commit -a and a partial commit use other index files: whatever they
    // hold, a tree named is the tree committed
    repo.write("a/one.txt", "1 changed\n");
    repo.git(&["commit", "-q", "-a", "-m", "all"]);
    if let Some(id) = cached_root_tree(&seen()) {
        assert_eq!(id, tree(), "commit -a");
    }
    repo.write("a/two.txt", "2 changed\n");
    repo.write("b/three.txt", "3 changed\n");
    repo.git(&["add", "b/three.txt"]);
    repo.git(&["commit", "-q", "-m", "partial", "--", "a/two.txt"]);
    if let Some(id) = cached_root_tree(&seen()) {
        assert_eq!(id, tree(), "partial commit");
    }

    // v4 (prefix-compressed paths)
    repo.git(&["update-index", "--index-version", "4"]);
    repo.write("c/four.txt", "4\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "v4"]);
    assert_eq!(cached_root_tree(&seen()), Some(tree()), "index v4");

    // staged but not committed: the cache tree is stale, so no tree is named
    repo.write("d/five.txt", "5\n");
    repo.git(&["add", "-A"]);
    let index = std::fs::read(repo.path.join(".git/index")).expect("index");
    assert_eq!(cached_root_tree(&index), None, "stale cache tree");
    // and garbage is never a tree
    for bad in [
        &b""[..],
        b"DIRC",
        &index[..index.len() / 2],
        b"not an index at all",
    ] {
        assert_eq!(cached_root_tree(bad), None);
    }
}
