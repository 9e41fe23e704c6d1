//! The commits `check` reads, and the order it reports them in, agree with
//! `git rev-list --date-order` over the same arguments; the identities it
//! reads from raw commits agree with `git log`.

mod common;

use common::{clone_corpus, Repo, Sandbox};

/// One finding per commit, whose snippet is the committer's e-mail.
const EVERY_COMMIT: &str = "[policy]\nname = \"walk\"\n\
    [[rules]]\nid = \"every\"\nscope = \"committer-email\"\npattern = \"^\"\n";

/// The commits `check ARGS` reports, in order.
fn checked(repo: &Repo, args: &[&str]) -> Vec<String> {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let run = repo.pc(&full);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["commit"].as_str().expect("commit").to_string())
        .collect()
}

/// What `git rev-list --date-order ARGS` lists (without a commit-graph, so
/// git takes its limited walk whatever the repository has).
fn rev_list(repo: &Repo, args: &[&str]) -> Vec<String> {
    let mut full = vec!["-c", "core.commitGraph=false", "rev-list", "--date-order"];
    full.extend_from_slice(args);
    repo.git(&full).lines().map(str::to_string).collect()
}

/// A small deterministic generator (no dependency for a test's shuffling).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A history of `n` commits with random merges and roots, and committer
/// dates a few seconds apart, so that equal dates are common; with `skew`,
/// dates are drawn from a narrow span whatever the parents' dates, so
/// clock skew (a commit older than its parent) is common too. `refs`
/// branches point into it.
fn random_history<'s>(
    sb: &'s Sandbox,
    name: &str,
    seed: u64,
    n: u64,
    refs: u64,
    skew: bool,
    body_lines: usize,
) -> Repo<'s> {
    let repo = sb.repo(name);
    let mut rng = Lcg(seed);
    let mut stream = String::new();
    let mut dates = vec![0u64; n as usize + 1];
    for i in 1..=n {
        let mut chosen = Vec::new();
        // a root now and then, otherwise one to three parents
        if i > 1 && rng.below(15) != 0 {
            let parents = 1 + rng.below(if i > 3 { 3 } else { 1 });
            for k in 0..parents {
                // mostly recent commits, sometimes far back
                let back = if k == 0 {
                    1 + rng.below(3)
                } else {
                    1 + rng.below(i - 1)
                };
                let p = i.saturating_sub(back).max(1);
                if p < i && !chosen.contains(&p) {
                    chosen.push(p);
                }
            }
        }
        let date = if skew {
            1_700_000_000 + rng.below(12)
        } else {
            let newest = chosen.iter().map(|&p| dates[p as usize]).max();
            newest.unwrap_or(1_700_000_000) + rng.below(3)
        };
        dates[i as usize] = date;
        stream += "reset refs/heads/tmp\ncommit refs/heads/tmp\n";
        stream += &format!("mark :{i}\n");
        stream += &format!("author A{i} <a{i}@example.com> {date} +0000\n");
        stream += &format!("committer C{i} <c{i}@example.com> {date} +0000\n");
        let body: String = (0..body_lines).map(|l| format!("line {l}\n")).collect();
        stream += &format!("data <<END\ncommit {i}\n\n{body}END\n");
        for (k, p) in chosen.iter().enumerate() {
            stream += &format!("{} :{p}\n", if k == 0 { "from" } else { "merge" });
        }
        stream += "\n";
    }
    for r in 0..refs {
        let at = 1 + rng.below(n);
        stream += &format!("reset refs/heads/b{r}\nfrom :{at}\n\n");
    }
    stream += &format!("reset refs/heads/main\nfrom :{n}\n\n");
    let o = repo.git_raw(&["fast-import", "--quiet"], Some(stream.as_bytes()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    repo.git(&["update-ref", "-d", "refs/heads/tmp"]);
    repo.policy(EVERY_COMMIT);
    repo
}

#[test]
fn ranges_list_the_commits_git_rev_list_lists_in_its_order() {
    let sb = Sandbox::new();
    let mut compared = 0;
    for seed in 1..=8u64 {
        // Half the histories have clock skew. There git's symmetric range
        // differs by design: its merge-base search reads commits whose
        // hidden mark then spreads further, so `A...B` is left to the
        // skew-free ones.
        let skew = seed % 2 == 0;
        let repo = random_history(&sb, &format!("r{seed}"), seed, 160, 5, skew, 0);
        let mut specs: Vec<Vec<&str>> = vec![
            vec!["--all"],
            vec!["--all", "^b0"],
            vec!["b0..b1"],
            vec!["b1..main"],
            vec!["^b0", "b1", "b4"],
            vec!["b3..b4", "^b2"],
            vec!["main^!"],
            vec!["b2..", "b3"],
        ];
        if !skew {
            specs.push(vec!["b2...b3"]);
            specs.push(vec!["b4...main"]);
        }
        for args in specs {
            let want = rev_list(&repo, &args);
            assert_eq!(
                checked(&repo, &args),
                want,
                "seed {seed}, `{}`",
                args.join(" ")
            );
            compared += want.len();
        }
    }
    // the histories are not trivially small or empty
    assert!(compared > 2_000, "{compared}");
}

#[test]
fn identities_and_order_agree_with_git_on_real_histories() {
    let sb = Sandbox::new();
    for name in ["ripgrep", "committed"] {
        let Some(repo) = clone_corpus(&sb, name) else {
            return;
        };
        repo.policy(
            "[policy]\nname = \"walk\"\n\
             [[rules]]\nid = \"an\"\nscope = \"author-name\"\npattern = \"^\"\n\
             [[rules]]\nid = \"ae\"\nscope = \"author-email\"\npattern = \"^\"\n\
             [[rules]]\nid = \"cn\"\nscope = \"committer-name\"\npattern = \"^\"\n\
             [[rules]]\nid = \"ce\"\nscope = \"committer-email\"\npattern = \"^\"\n",
        );
        let run = repo.pc(&["check", "--all", "--format", "json"]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        let mut ours: Vec<(String, Vec<String>)> = Vec::new();
        for f in run.json()["findings"].as_array().expect("findings") {
            let commit = f["commit"].as_str().expect("commit").to_string();
            if ours.last().map(|(c, _)| c) != Some(&commit) {
                ours.push((commit.clone(), Vec::new()));
            }
            let snippet = f["snippet"].as_str().unwrap_or_default().to_string();
            ours.last_mut().expect("pushed").1.push(snippet);
        }
        let theirs = repo.git(&[
            "-c",
            "core.commitGraph=false",
            "log",
            "--date-order",
            "--all",
            "--format=%H%x00%an%x00%ae%x00%cn%x00%ce",
        ]);
        let theirs: Vec<(String, Vec<String>)> = theirs
            .lines()
            .map(|l| {
                let mut parts = l.split('\0').map(str::to_string);
                let id = parts.next().expect("id");
                // an empty name or address gives no finding
                (id, parts.filter(|p| !p.is_empty()).collect())
            })
            .collect();
        assert!(theirs.len() > 100, "{name}: {}", theirs.len());
        assert_eq!(ours.len(), theirs.len(), "{name}");
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o, t, "{name}");
        }
        // a bundle's clone may have no HEAD: take its newest branch
        let tip = repo.git(&[
            "for-each-ref",
            "--sort=-committerdate",
            "--count=1",
            "--format=%(refname)",
        ]);
        repo.policy(EVERY_COMMIT);
        for range in [
            format!("{tip}~300..{tip}"),
            format!("{tip}~40...{tip}~5"),
            format!("{tip}~7^!"),
        ] {
            assert_eq!(
                checked(&repo, &[&range]),
                rev_list(&repo, &[&range]),
                "{name} {range}"
            );
        }
    }
}

#[test]
fn a_shallow_clone_walks_to_its_boundary_as_git_does() {
    let sb = Sandbox::new();
    let origin = random_history(&sb, "origin", 42, 80, 2, true, 0);
    let url = format!("file://{}", origin.path.display());
    let o = sb.git_in(
        sb.path(),
        &["clone", "-q", "--depth", "9", &url, "shallow"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let repo = Repo {
        sb: &sb,
        path: sb.path().join("shallow"),
    };
    repo.policy(EVERY_COMMIT);
    let want = rev_list(&repo, &["--all"]);
    assert!(!want.is_empty() && want.len() < 80, "{}", want.len());
    assert_eq!(checked(&repo, &["--all"]), want);
}

/// Writes a raw commit object, and a well-formed child of it (libgit2
/// refuses to resolve a malformed commit by name, so ranges reach it
/// through the child); returns (malformed, child).
fn raw_commit_with_child(repo: &Repo, raw: &str) -> (String, String) {
    let o = repo.git_raw(
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ],
        Some(raw.as_bytes()),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bad = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let child = repo.git(&["commit-tree", "-p", &bad, "-m", "child", "HEAD^{tree}"]);
    (bad, child)
}

#[test]
fn malformed_commits_are_named_and_never_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("bad");
    repo.commit("first\n");
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    let parent = repo.head();
    // no author line: git never writes one like it, but a push can carry it
    let (bad, child) = raw_commit_with_child(
        &repo,
        &format!(
            "tree {tree}\nparent {parent}\ncommitter C <c@example.com> 1 +0000\n\nno author\n"
        ),
    );
    repo.policy(EVERY_COMMIT);
    let run = repo.pc(&["check", &format!("main..{child}")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&bad) && run.stderr.contains("no `author` line"),
        "{}",
        run.stderr
    );

    // an author without an address is read, not rejected: its name is kept
    let (odd, child) = raw_commit_with_child(
        &repo,
        &format!(
            "tree {tree}\nparent {parent}\nauthor Claude 1 +0000\n\
             committer C <c@example.com> 1 +0000\n\nodd author\n"
        ),
    );
    repo.policy(
        "[policy]\nname = \"n\"\n[[rules]]\nid = \"name\"\nscope = \"author-name\"\npattern = \"Claude\"\n",
    );
    let run = repo.pc(&["check", "--format", "json", &format!("main..{child}")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), ["name"]);
    assert_eq!(run.json()["findings"][0]["commit"], odd.as_str());
}

#[test]
fn findings_checked_while_the_walk_runs_are_those_checked_in_order() {
    // Workers check the commits a walk finds before the order is known,
    // up to a bound on the findings held (20,000); 200 findings in each of
    // the commits reachable of 300 go past it, so some are checked early
    // and the rest in order. Listing the same commits one by one checks all in order.
    let sb = Sandbox::new();
    let repo = random_history(&sb, "many", 7, 300, 2, true, 199);
    repo.policy(
        "[policy]\nname = \"lines\"\n[[rules]]\nid = \"line\"\nscope = \"message\"\npattern = \"^\"\n",
    );
    let findings = |args: &[&str]| -> Vec<(String, u64)> {
        let mut full = vec!["check", "--format", "json"];
        full.extend_from_slice(args);
        let run = repo.pc(&full);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["commit"].as_str().expect("commit").to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    let walked = findings(&["--all"]);
    let order = rev_list(&repo, &["--all"]);
    let listed = findings(&order.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(walked.len() > 25_000, "{}", walked.len());
    assert_eq!(walked, listed);
}

/// `n` empty commits on the branch checked out (the untracked policy file
/// stays out of them).
fn empty_commits(repo: &Repo, subject: &str, n: usize) {
    for k in 0..n {
        repo.git(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &format!("{subject} {k}"),
        ]);
    }
}

#[test]
fn a_commit_graph_gives_the_walk_git_gives_without_one() {
    // Parents and dates come from the graph where it has the commit: a
    // single file, a split chain, one gone stale (commits made since), and
    // octopus merges (the graph's extra-edge list) must all walk as git
    // walks without a graph.
    let sb = Sandbox::new();
    for seed in 1..=4u64 {
        let repo = random_history(
            &sb,
            &format!("g{seed}"),
            seed + 100,
            200,
            4,
            seed % 2 == 0,
            0,
        );
        let split = seed > 2;
        let mut write = vec!["commit-graph", "write", "--reachable"];
        if split {
            write.push("--split");
        }
        repo.git(&write);
        if split {
            // a second layer on top of the first
            repo.git(&["checkout", "-q", "-b", "more", "b1"]);
            empty_commits(&repo, "layer two", 5);
            repo.git(&["commit-graph", "write", "--reachable", "--split=no-merge"]);
            let chain = repo
                .path
                .join(".git/objects/info/commit-graphs/commit-graph-chain");
            let layers = std::fs::read_to_string(chain).expect("a chain");
            assert_eq!(layers.lines().count(), 2, "{layers}");
        } else {
            assert!(repo.path.join(".git/objects/info/commit-graph").exists());
        }
        // commits the graph does not have yet
        repo.git(&["checkout", "-q", "-B", "stale", "b2"]);
        empty_commits(&repo, "after the graph", 5);
        for args in [
            vec!["--all"],
            vec!["b0..b1"],
            vec!["^b2", "b3", "stale"],
            vec!["main^!"],
        ] {
            assert_eq!(
                checked(&repo, &args),
                rev_list(&repo, &args),
                "seed {seed}, `{}`",
                args.join(" ")
            );
        }
    }
}

/// Writes the repository's commit-graph (one file, made writable so a test
/// can damage it); returns its path and bytes.
fn written_graph(repo: &Repo) -> (std::path::PathBuf, Vec<u8>) {
    repo.git(&["commit-graph", "write", "--reachable"]);
    let path = repo.path.join(".git/objects/info/commit-graph");
    let mut perms = std::fs::metadata(&path).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).expect("chmod");
    let bytes = std::fs::read(&path).expect("graph");
    (path, bytes)
}

/// Where each commit's first-parent word sits in a graph file: the commit
/// data chunk is found through the chunk table (an id, then an 8-byte
/// offset, 12 bytes an entry); an entry is a tree id and then the parents.
fn first_parent_words(graph: &[u8], commits: usize) -> Vec<usize> {
    let chunks = usize::from(graph[6]);
    let cdat = (0..chunks)
        .map(|c| 8 + c * 12)
        .find(|&at| &graph[at..at + 4] == b"CDAT")
        .map(|at| u64::from_be_bytes(graph[at + 4..at + 12].try_into().expect("8 bytes")) as usize)
        .expect("a CDAT chunk");
    (0..commits).map(|entry| cdat + entry * 36 + 20).collect()
}

#[test]
fn a_damaged_commit_graph_is_not_believed() {
    let sb = Sandbox::new();
    let repo = random_history(&sb, "damaged", 5, 120, 3, false, 0);
    let (path, good) = written_graph(&repo);
    let want = rev_list(&repo, &["--all"]);

    // Parent positions past the end of the graph: those entries are read
    // from their commits.
    let mut bad = good.clone();
    for at in first_parent_words(&good, 120) {
        if at + 4 <= bad.len() {
            bad[at..at + 4].copy_from_slice(&0x0fff_ffffu32.to_be_bytes());
        }
    }
    for damaged in [
        bad,
        good[..good.len() / 2].to_vec(),
        good[..5].to_vec(),
        b"CGPH garbage".to_vec(),
    ] {
        std::fs::write(&path, &damaged).expect("write");
        assert_eq!(checked(&repo, &["--all"]), want);
    }
}

#[test]
fn all_includes_a_detached_head_as_git_does() {
    let sb = Sandbox::new();
    let repo = random_history(&sb, "detached", 9, 40, 1, false, 0);
    repo.git(&["checkout", "-q", "--detach", "main"]);
    empty_commits(&repo, "on no branch", 3);
    let head = repo.head();
    let want = rev_list(&repo, &["--all"]);
    assert_eq!(want.first(), Some(&head));
    assert_eq!(checked(&repo, &["--all"]), want);
}

#[test]
fn a_long_walk_shows_progress_on_a_terminal() {
    // `script` gives the command a terminal (util-linux; skipped without it)
    let sb = Sandbox::new();
    let repo = random_history(&sb, "progress", 11, 200, 1, false, 0);
    let mut cmd = std::process::Command::new("script");
    let line = format!("{} check --all --format json > /dev/null", common::BIN);
    cmd.args(["-qec", &line, "/dev/null"])
        .current_dir(&repo.path)
        .env("POLICY_CHECK_PROGRESS_DELAY_MS", "0");
    sb.env(&mut cmd);
    let Ok(out) = cmd.output() else {
        eprintln!("skipping: no `script` to give the check a terminal");
        return;
    };
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("policy-check: walking the range, 1 commit so far"),
        "{shown}"
    );
    assert!(shown.contains("policy-check: checked"), "{shown}");
}

#[test]
fn no_mutation_of_a_commit_graph_makes_the_walk_panic() {
    // Truncations and overwritten bytes anywhere in the file: the walk may
    // list other commits (a graph is trusted as git trusts it) but must end
    // with a verdict or a clear error, never a crash.
    let sb = Sandbox::new();
    let repo = random_history(&sb, "mutated", 13, 60, 2, false, 0);
    let (path, good) = written_graph(&repo);
    let mut rng = Lcg(99);
    for case in 0..120 {
        let mut bytes = good.clone();
        if case % 3 == 0 {
            bytes.truncate(rng.below(good.len() as u64) as usize);
        } else {
            for _ in 0..1 + rng.below(4) {
                // half the hits in the header and chunk table
                let span = if rng.below(2) == 0 {
                    64
                } else {
                    good.len() as u64
                };
                let at = rng.below(span.min(good.len() as u64)) as usize;
                bytes[at] = rng.below(256) as u8;
            }
        }
        std::fs::write(&path, &bytes).expect("write");
        let run = repo.pc(&["check", "--all", "--format", "json"]);
        assert!(
            !run.stderr.contains("panicked") && matches!(run.code, 0..=2),
            "case {case}: exit {}: {}",
            run.code,
            run.stderr
        );
    }
}

#[test]
fn a_commit_graph_that_makes_a_cycle_is_an_error_not_a_skipped_commit() {
    let sb = Sandbox::new();
    let repo = random_history(&sb, "cycle", 17, 30, 1, false, 0);
    let (path, mut bytes) = written_graph(&repo);
    // every commit its own first parent (the graph has the reachable ones)
    let count: usize = repo
        .git(&["rev-list", "--all", "--count"])
        .parse()
        .expect("count");
    for (entry, at) in first_parent_words(&bytes, count).into_iter().enumerate() {
        bytes[at..at + 4].copy_from_slice(&(entry as u32).to_be_bytes());
    }
    std::fs::write(&path, &bytes).expect("write");
    let run = repo.pc(&["check", "--all"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cycle"), "{}", run.stderr);
}
