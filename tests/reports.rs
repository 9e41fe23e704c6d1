//! Report formats for CI: SARIF (validated against the official SARIF 2.1.0
//! schema with a real JSON-schema validator), GitHub workflow commands,
//! GitLab Code Quality, and the JSON document.

mod common;

use common::{Repo, Sandbox};
use serde_json::Value;

/// Rules that produce the three kinds of findings: on a file line, on a
/// whole file (no line), and on a commit (no path, no line).
const POLICY: &str = r#"
[policy]
name = "reports"

[scan]
max_file_size = 1000

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"
hint = "remove it"

[[rules]]
id = "no-wip"
scope = "subject"
pattern = '^WIP'
severity = "warn"
message = "work in progress: \"50%\" done"

[[rules]]
id = "needs-ticket"
scope = "message"
mode = "require"
pattern = 'Ticket: \d+'
message = "no ticket reference"
"#;

/// A repository whose HEAD has one finding of each kind.
fn repo(sb: &Sandbox) -> (Repo<'_>, String) {
    let r = sb.repo("r");
    r.policy(POLICY);
    r.commit_file("README", "hello\n", "Initial\n\nTicket: 1\n");
    r.write("big.bin", "x".repeat(2000));
    r.write(
        "src/a, b.rs",
        "fn main() {}\nconst P: &str = \"stratum+tcp://pool:3333\";\n",
    );
    let id = r.commit("WIP add pool\n");
    (r, id)
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .expect("vendored schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{doc:#}");
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    // The test would prove nothing if the validator accepted anything.
    let v = sarif_validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(!v.is_valid(&bad), "a run without a tool must be invalid");
    let bad_level = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!v.is_valid(&bad_level));
}

#[test]
fn sarif_is_valid_and_every_result_has_a_physical_location() {
    let sb = Sandbox::new();
    let (r, id) = repo(&sb);
    let run = r.pc(&["check", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_valid_sarif(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let results = run0["results"].as_array().expect("results");
    let by_rule = |rule: &str| -> &Value {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {results:#?}"))
    };
    assert_eq!(results.len(), 4, "{results:#?}");
    for res in results {
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string(), "{res:#}");
        assert!(
            loc["region"]["startLine"].as_u64().unwrap_or(0) >= 1,
            "{res:#}"
        );
        assert!(res["partialFingerprints"]["policyCheck/v1"].is_string());
        assert_eq!(res["properties"]["commit"], id.as_str());
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(run0["tool"]["driver"]["rules"][idx]["id"], res["ruleId"]);
    }
    // A file line: percent-encoded path, the line, the snippet.
    let miner = by_rule("no-miner");
    let pl = &miner["locations"][0]["physicalLocation"];
    assert_eq!(pl["artifactLocation"]["uri"], "src/a%2C%20b.rs");
    assert_eq!(pl["region"]["startLine"], 2);
    assert!(pl["region"]["snippet"]["text"]
        .as_str()
        .is_some_and(|s| s.contains("stratum+tcp://")));
    assert_eq!(miner["level"], "error");
    // A whole file: line 1.
    let big = by_rule("file-too-large");
    assert_eq!(
        big["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "big.bin"
    );
    assert_eq!(big["level"], "warning");
    // The message: the commit message file, the message line, the commit.
    for (rule, line) in [("no-wip", 1), ("needs-ticket", 1)] {
        let res = by_rule(rule);
        let loc = &res["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            ".git/COMMIT_EDITMSG"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], line);
        assert_eq!(
            loc["logicalLocations"][0]["fullyQualifiedName"],
            id.as_str()
        );
        assert_eq!(loc["logicalLocations"][0]["kind"], "commit");
    }
    // Rule metadata: short description, help, default level.
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 4);
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string(), "{rule:#}");
        assert!(rule["help"]["text"]
            .as_str()
            .is_some_and(|h| h.contains("How to suppress")));
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    let ftl = rules
        .iter()
        .find(|r| r["id"] == "file-too-large")
        .expect("ftl");
    assert_eq!(ftl["defaultConfiguration"]["level"], "warning");
    assert!(ftl["help"]["text"]
        .as_str()
        .unwrap()
        .contains("max_file_size"));
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let sb = Sandbox::new();
    let (r, _) = repo(&sb);
    let fps = |run: &common::Run| -> Vec<String> {
        run.json()["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["policyCheck/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let a = fps(&r.pc(&["check", "--format", "sarif"]));
    let b = fps(&r.pc(&["check", "--format", "sarif"]));
    assert_eq!(a, b, "same findings, same fingerprints");
    let mut uniq = a.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(
        uniq.len(),
        a.len(),
        "distinct findings, distinct fingerprints"
    );

    // The same line twice in one file: two results, two fingerprints.
    r.write("twice.txt", "stratum+tcp://x\nstratum+tcp://x\n");
    r.commit("Twice\n\nTicket: 2\n");
    let run = r.pc(&["check", "--format", "sarif"]);
    assert_valid_sarif(&run.json());
    let f = fps(&run);
    assert_eq!(f.len(), 2);
    assert_ne!(f[0], f[1]);
}

#[test]
fn sarif_with_no_finding_is_valid() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(POLICY);
    r.commit_file("README", "hello\n", "Initial\n\nTicket: 1\n");
    let run = r.pc(&["check", "--format", "sarif"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn github_workflow_commands_are_escaped() {
    let sb = Sandbox::new();
    let (r, id) = repo(&sb);
    let short = &id[..12];
    let run = r.pc(&["check", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert!(lines.contains(&format!(
        "::error file=src/a%2C b.rs,line=2,title=no-miner::mining pool address added (commit {short})%0Ahint: remove it"
    ).as_str()), "{}", run.stdout);
    assert!(lines.contains(&format!(
        "::warning title=no-wip (commit {short} message)::work in progress: \"50%25\" done (commit {short}, message line 1)%0Ahint: see the policy's rule `no-wip`"
    ).as_str()), "{}", run.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("::warning file=big.bin,title=file-too-large::big.bin is 2000 bytes")),
        "{}",
        run.stdout
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::error title=needs-ticket")));
    assert!(lines[4].starts_with("policy-check: 1 commit checked: 2 errors, 2 warnings"));
}

#[test]
fn gitlab_code_quality_report() {
    let sb = Sandbox::new();
    let (r, _) = repo(&sb);
    let run = r.pc(&["check", "--format", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let issues = doc.as_array().expect("an array");
    assert_eq!(issues.len(), 4);
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} in {i:#}");
        }
        assert!(i["location"]["path"].is_string());
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    let miner = issues
        .iter()
        .find(|i| i["check_name"] == "no-miner")
        .unwrap();
    assert_eq!(miner["severity"], "major");
    assert_eq!(miner["location"]["path"], "src/a, b.rs");
    assert_eq!(miner["location"]["lines"]["begin"], 2);
    let wip = issues.iter().find(|i| i["check_name"] == "no-wip").unwrap();
    assert_eq!(wip["severity"], "minor");
    assert_eq!(wip["location"]["path"], ".git/COMMIT_EDITMSG");
    let mut fps: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 4);

    // No finding: an empty array, still JSON.
    let clean = r.pc(&["check", "--format", "gitlab", "HEAD~1"]);
    assert_eq!(clean.code, 0);
    assert_eq!(clean.json(), serde_json::json!([]));
}

#[test]
fn json_is_complete_and_versioned() {
    let sb = Sandbox::new();
    let (r, id) = repo(&sb);
    let run = r.pc(&["check", "--format", "json"]);
    let j = run.json();
    assert_eq!(j["schema_version"], 1);
    let keys: Vec<&str> = j["summary"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["baselined", "commits", "errors", "suppressed", "warnings"]
    );
    let miner = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "no-miner")
        .unwrap();
    assert_eq!(miner["commit"], id.as_str());
    assert_eq!(miner["path"], "src/a, b.rs");
    assert_eq!(miner["line"], 2);
    assert_eq!(miner["severity"], "error");
    assert_eq!(miner["hint"], "remove it");
}

/// A run that stops on an error (a missing object: exit status 2, the error
/// on stderr) still ends each document format, so that what a machine
/// reads parses and says the run failed, with the findings shown so far.
#[test]
fn a_run_that_fails_still_ends_its_document() {
    let sb = Sandbox::new();
    let (r, _) = repo(&sb);
    r.commit_file(
        "c.txt",
        "content whose blob goes missing\n",
        "Third\n\nTicket: 3\n",
    );
    let blob = r.git(&["rev-parse", "HEAD:c.txt"]);
    let path = r.loose_object(&blob);
    std::fs::remove_file(&path).expect("rm the blob");
    let range = ["check", "--all", "--format"];

    let run = r.pc(&[&range[..], &["json"]].concat());
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
    let doc = run.json();
    let error = doc["error"].as_str().expect("an error member");
    assert!(
        error.contains(&blob[..7]) || error.contains("object"),
        "{error}"
    );
    assert!(
        doc["findings"].is_array() && doc["summary"].is_object(),
        "{doc:#}"
    );

    let run = r.pc(&[&range[..], &["sarif"]].concat());
    assert_eq!(run.code, 2, "{}", run.stdout);
    let doc = run.json();
    assert_valid_sarif(&doc);
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv:#}");
    assert_eq!(inv["toolExecutionNotifications"][0]["level"], "error");

    let run = r.pc(&[&range[..], &["gitlab"]].concat());
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.json().is_array(), "{}", run.stdout);

    // With the blob written back (`git add`), the same run has no error.
    r.write("c.txt", "content whose blob goes missing\n");
    r.git(&["add", "c.txt"]);
    let run = r.pc(&["check", "--all", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.json().get("error").is_none(), "{}", run.stdout);
}
