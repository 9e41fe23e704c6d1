//! `[protected]` in real repositories: the files that govern the project
//! change only with a maintainer's review trailer.

mod common;

use common::{Repo, Sandbox};

const POLICY: &str = "[policy]\nmaintainers = [\"Mai Ntainer <mai@example.com>\"]\n\n[protected]\n";

fn check_head(repo: &Repo) -> common::Run {
    repo.pc(&["check", "--format", "json", "HEAD"])
}

fn paths(run: &common::Run) -> Vec<String> {
    let mut v: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "protected-path-changed");
            f["path"].as_str().unwrap().to_string()
        })
        .collect();
    v.sort();
    v
}

fn setup(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    repo.policy(POLICY);
    repo.write(".github/CODEOWNERS", "* @mai\n");
    repo.write(
        "hooks/pre-commit",
        "#!/bin/sh\nexec policy-check hook pre-commit\n",
    );
    repo.write("src/lib.rs", "\n");
    repo.commit("Initial\n\nReviewed-by: Mai Ntainer <mai@example.com>\n");
    repo
}

#[test]
fn changing_codeowners_or_hooks_needs_a_maintainer_review() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    assert_eq!(
        check_head(&repo).code,
        0,
        "the initial commit carries a review"
    );

    repo.write(".github/CODEOWNERS", "* @someone-else\n");
    repo.write("hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    repo.write("src/lib.rs", "// x\n");
    repo.commit("Tweak\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(paths(&run), [".github/CODEOWNERS", "hooks/pre-commit"]);
    let msg = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("mai ntainer <mai@example.com>"), "{msg}");
}

#[test]
fn a_maintainer_review_passes_and_other_reviews_do_not() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.write(".github/CODEOWNERS", "* @mai @bob\n");
    repo.commit("Add bob\n\nReviewed-by: Mai Ntainer <mai@example.com>\n");
    assert_eq!(check_head(&repo).code, 0);

    repo.write(".github/CODEOWNERS", "* @mai @bob @eve\n");
    repo.commit("Add eve\n\nReviewed-by: Eve <eve@example.com>\n");
    assert_eq!(paths(&check_head(&repo)), [".github/CODEOWNERS"]);

    // the maintainer cannot review their own change
    repo.write(".github/CODEOWNERS", "* @mai\n");
    repo.commit_as(
        "Mai Ntainer <mai@example.com>",
        "Drop eve\n\nReviewed-by: Mai Ntainer <mai@example.com>\n",
    );
    assert_eq!(paths(&check_head(&repo)), [".github/CODEOWNERS"]);

    // a review in the body, not in the trailers, does not count
    repo.write(".github/CODEOWNERS", "* @mai @bob\n");
    repo.commit("Re-add bob\n\nReviewed-by: Mai Ntainer <mai@example.com>\n\nThanks!\n");
    assert_eq!(paths(&check_head(&repo)), [".github/CODEOWNERS"]);
}

#[test]
fn unprotected_changes_pass_and_deletes_and_renames_are_changes() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.commit_file("src/lib.rs", "// y\n", "Code\n");
    assert_eq!(check_head(&repo).code, 0);

    repo.git(&["mv", "hooks/pre-commit", "scripts-pre-commit"]);
    repo.commit("Move the hook away\n");
    assert_eq!(paths(&check_head(&repo)), ["hooks/pre-commit"]);

    repo.git(&["rm", "-q", ".github/CODEOWNERS"]);
    repo.commit("Drop owners\n");
    assert_eq!(paths(&check_head(&repo)), [".github/CODEOWNERS"]);

    // the policy file itself (committed with the first commit, by `git add -A`)
    repo.commit_file(
        ".policy-check.toml",
        format!("# edited\n{POLICY}"),
        "Edit the policy\n",
    );
    assert_eq!(paths(&check_head(&repo)), [".policy-check.toml"]);
}

#[test]
fn paths_and_trailers_come_from_the_policy() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[protected]\npaths = [\"deploy/**\"]\ntrailers = [\"Approved-by\"]\n");
    repo.write("hooks/pre-commit", "x\n");
    repo.commit("Hooks are not protected here\n");
    assert_eq!(check_head(&repo).code, 0);
    repo.write("deploy/prod.yml", "x\n");
    repo.commit("Deploy\n\nReviewed-by: Someone <s@example.com>\n");
    assert_eq!(paths(&check_head(&repo)), ["deploy/prod.yml"]);
    repo.write("deploy/prod.yml", "y\n");
    repo.commit("Deploy\n\nApproved-by: Someone <s@example.com>\n");
    assert_eq!(
        check_head(&repo).code,
        0,
        "no maintainers listed: anyone but the author"
    );

    repo.policy("[protected]\ntrailers = [\"Approved-by:\"]\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("protected.trailers"), "{}", run.stderr);
}

#[test]
fn the_supply_chain_preset_protects_release_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[policy]\nextends = [\"supply-chain\"]\n");
    repo.commit_file("release.toml", "sign-commit = true\n", "Release config\n");
    let run = check_head(&repo);
    assert!(
        run.rules().iter().any(|r| r == "protected-path-changed"),
        "{}",
        run.stdout
    );
}
