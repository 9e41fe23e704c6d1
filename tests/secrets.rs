//! `[secrets]` in real repositories: commits that must fail, near misses
//! that must pass, suppressions, and bad input (CRLF, non-UTF-8, binary,
//! deletions, renames, megabyte lines).
//!
//! No secret-shaped literal appears in this file: fake secrets are generated
//! at run time, so this project's own history passes its own policy.

mod common;

use common::{noise, Repo, Sandbox};
use serde_json::Value;

const POLICY: &str = "[secrets]\n";

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn aws_key() -> String {
    ["AK", "IA", &noise(1, 16, UPPER_DIGITS)].concat()
}

fn github_token() -> String {
    ["gh", "p_", &noise(2, 36, BASE62)].concat()
}

fn pem_header() -> String {
    ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat()
}

fn findings(run: &common::Run) -> Vec<Value> {
    run.json()["findings"].as_array().expect("findings").clone()
}

fn check_head(repo: &Repo) -> common::Run {
    repo.pc(&["check", "--format", "json", "HEAD"])
}

/// Commits `lines` as the file `path` and checks HEAD: the run, and the
/// lines of that file reported, in order.
fn commit_lines(repo: &Repo, path: &str, lines: &[String]) -> (common::Run, Vec<u64>) {
    repo.commit_file(path, lines.join("\n") + "\n", "Add file\n");
    let run = check_head(repo);
    let got = findings(&run)
        .iter()
        .map(|f| f["line"].as_u64().expect("line"))
        .collect();
    (run, got)
}

#[test]
fn an_access_key_fails_with_location_pattern_and_redacted_snippet() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let key = aws_key();
    repo.commit_file(
        "config/app.env",
        format!("REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key}\n"),
        "Add config\n",
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = findings(&run);
    assert_eq!(run.rules(), ["secret-detected"]);
    assert_eq!(f[0]["path"], "config/app.env");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("aws-access-key-id"));
    let snippet = f[0]["snippet"].as_str().unwrap();
    assert_eq!(snippet, "AWS_ACCESS_KEY_ID=AKIA[REDACTED]");
    assert!(
        !run.stdout.contains(&key[4..]),
        "the secret leaked: {}",
        run.stdout
    );
    // the text report redacts too
    let text = repo.pc(&["check", "HEAD"]);
    assert_eq!(text.code, 1);
    assert!(!text.stdout.contains(&key[4..]) && !text.stderr.contains(&key[4..]));
}

#[test]
fn a_private_key_block_and_a_token_in_code_fail() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let body = noise(3, 64, BASE62);
    repo.commit_file(
        "deploy/id_rsa",
        format!("{}\n{body}\n-----END RSA PRIVATE KEY-----\n", pem_header()),
        "Add key\n",
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let f = findings(&run);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("deploy/id_rsa"), Some(1))
    );
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("private-key-pem"));

    let tok = github_token();
    repo.commit_file(
        "src/client.rs",
        format!("fn client() {{\n    let t = \"{tok}\";\n}}\n"),
        "Add client\n",
    );
    let run = check_head(&repo);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("src/client.rs"), Some(2))
    );
    assert!(f[0]["message"].as_str().unwrap().contains("github-token"));
}

#[test]
fn placeholders_examples_and_comparisons_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let text = [
        "AWS_ACCESS_KEY_ID=AKIAEXAMPLE7Q2RZ3M2X".to_string(),
        "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX".to_string(),
        "password = \"${DB_PASSWORD}\"".to_string(),
        "api_key: \"<your-api-key>\"".to_string(),
        "token = \"changeme\"".to_string(),
        "secret: '{{ vault_secret }}'".to_string(),
        "if password == \"hunter2hunter2\" {".to_string(),
        "postgres://user:password@localhost:5432/app".to_string(),
        "author = \"Jane Doe\"".to_string(),
        format!("const HEADER: &str = \"{}\";", pem_header()),
        "-----BEGIN PUBLIC KEY-----".to_string(),
    ]
    .join("\n");
    repo.commit_file("README.md", text + "\n", "Docs\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn allow_paths_and_inline_markers_suppress_and_are_counted() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\nallow_paths = [\"tests/fixtures/**\"]\n");
    let key = aws_key();
    repo.write("tests/fixtures/creds.env", format!("KEY={key}\n"));
    repo.write(
        "src/a.py",
        format!("KEY = \"{key}\"  # policy-check:allow secret-detected\n"),
    );
    repo.commit("Fixtures\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty());
    assert_eq!(run.json()["summary"]["suppressed"], 2);

    // near misses: a marker for another rule, and a path outside the allow-list
    repo.write(
        "src/b.py",
        format!("KEY = \"{key}\"  # policy-check:allow payload-miner\n"),
    );
    repo.write("tests/creds.env", format!("KEY={key}\n"));
    repo.commit("More\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let mut paths: Vec<String> = findings(&run)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, ["src/b.py", "tests/creds.env"]);
}

#[test]
fn a_secret_in_the_commit_message_fails() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    repo.commit_file(
        "a.txt",
        "a\n",
        &format!("Fix login\n\nUsed {tok} to test.\n"),
    );
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let f = findings(&run);
    assert_eq!(f.len(), 1);
    assert!(f[0].get("path").is_none());
    assert_eq!(f[0]["line"], 3);
    assert!(!run.stdout.contains(&tok[4..]));

    // and through the commit-msg route, with no repository commit at all
    let msg = format!("Subject\n\ntoken {tok}\n");
    let run = repo.pc_stdin(
        &["check", "--format", "json", "--message-file", "-"],
        msg.as_bytes(),
    );
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.rules(), ["secret-detected"]);

    let repo2 = sb.repo("r2");
    repo2.policy("[secrets]\nscan_message = false\n");
    repo2.commit_file(
        "a.txt",
        "a\n",
        &format!("Fix login\n\nUsed {tok} to test.\n"),
    );
    assert_eq!(check_head(&repo2).code, 0);
}

#[test]
fn deletions_removed_lines_and_exact_renames_are_not_reported() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let key = aws_key();
    repo.commit_file("a.env", format!("A=1\nKEY={key}\n"), "Leak\n");
    assert_eq!(check_head(&repo).code, 1);

    repo.git(&["mv", "a.env", "b.env"]);
    repo.commit("Rename\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "exact rename re-reported: {}", run.stdout);

    repo.commit_file("b.env", "A=1\n", "Remove the key\n");
    assert_eq!(check_head(&repo).code, 0);

    repo.write("c.env", format!("KEY={key}\n"));
    repo.commit("Leak again\n");
    repo.git(&["rm", "-q", "c.env"]);
    repo.commit("Delete\n");
    assert_eq!(check_head(&repo).code, 0);

    // editing near an old secret reports only what the change added
    repo.commit_file("d.env", format!("KEY={key}\nB=1\n"), "Leak\n");
    repo.commit_file("d.env", format!("KEY={key}\nB=2\n"), "Edit\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn crlf_non_utf8_and_binary_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    repo.write("win.ini", format!("[a]\r\nx=1\r\nt={tok}\r\n"));
    let mut latin1 = b"caf\xe9 = 1\nna\xefve\n".to_vec();
    latin1.extend_from_slice(format!("t={tok}\n").as_bytes());
    repo.write("latin1.cfg", latin1);
    let mut bin = vec![0u8, 1, 2, 0];
    bin.extend_from_slice(format!("t={tok}\n").as_bytes());
    repo.write("blob.dat", bin);
    repo.commit("Files\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    let mut got: Vec<(String, u64, String)> = findings(&run)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["snippet"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            // a distinctive token in a binary's printable strings (issue 14)
            ("blob.dat".to_string(), 0, "t=ghp_[REDACTED]".to_string()),
            ("latin1.cfg".to_string(), 3, "t=ghp_[REDACTED]".to_string()),
            ("win.ini".to_string(), 3, "t=ghp_[REDACTED]".to_string()),
        ],
        "CRLF leaves no \\r in the snippet"
    );
}

#[test]
fn a_megabyte_minified_line_is_scanned_in_bounded_time() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let tok = github_token();
    // ~2 MB on one line, dense with pre-filter keywords and non-ASCII text
    let chunk = "var a=\"é\",token=x.auth||y,u=\"https://cdn.invalid/\"+secret;";
    let mut line = chunk.repeat(2_000_000 / chunk.len());
    line.push_str(&format!("var k=\"{tok}\";"));
    line.push_str(&chunk.repeat(1000));
    repo.commit_file("dist/app.min.js", format!("{line}\n"), "Build\n");
    let start = std::time::Instant::now();
    let run = check_head(&repo);
    let took = start.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["line"], 1);
    let snippet = f[0]["snippet"].as_str().unwrap();
    assert!(
        snippet.chars().count() < 100,
        "snippet is bounded: {snippet}"
    );
    assert!(snippet.ends_with("ghp_[REDACTED]"));
    // generous: a debug build on a loaded machine; linear work takes well under a second
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn policy_patterns_extend_and_disable_the_table() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let secret = ["acme", "_", &noise(4, 24, BASE62)].concat();
    repo.policy(
        r#"
[secrets]
disable = ["aws-access-key-id"]

[[secrets.patterns]]
id = "acme-token"
description = "ACME internal token"
keywords = ["acme_"]
regex = '\b(?P<secret>acme_[A-Za-z0-9]{24})\b'
"#,
    );
    repo.commit_file(
        "a.env",
        format!("ACME={secret}\nKEY={}\n", aws_key()),
        "Config\n",
    );
    let run = check_head(&repo);
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{}", run.stdout);
    assert_eq!(f[0]["line"], 1);
    assert!(f[0]["message"].as_str().unwrap().contains("acme-token"));
}

#[test]
fn a_bad_pattern_is_a_load_error_naming_the_entry() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[secrets]\n\n[[secrets.patterns]]\nid = \"acme-token\"\nkeywords = [\"acme_\"]\nregex = 'acme_[a-z'\n",
    );
    repo.commit_file("a.txt", "a\n", "A\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(".policy-check.toml:6:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("secrets.patterns[acme-token].regex"),
        "{}",
        run.stderr
    );

    repo.policy("[secrets]\ndisable = [\"github-tokn\"]\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `github-token`"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_default_policy_forbids_secrets_and_a_child_can_turn_them_off() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_file("a.env", format!("KEY={}\n", aws_key()), "Config\n");
    let run = check_head(&repo);
    assert!(
        run.rules().iter().any(|r| r == "secret-detected"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);

    repo.policy("[policy]\nextends = [\"supply-chain\"]\n\n[secrets]\nenabled = false\n");
    let run = check_head(&repo);
    assert!(
        !run.rules().iter().any(|r| r == "secret-detected"),
        "{}",
        run.stdout
    );
}

/// The supply-chain preset over a real project's whole history: no secret
/// and no payload error (the false-positive guard of the tables).
#[test]
fn corpus_history_has_no_false_secrets() {
    let sb = Sandbox::new();
    let Some(repo) = common::clone_corpus(&sb, "committed") else {
        return;
    };
    std::fs::write(
        sb.path().join("sc.toml"),
        "[policy]\nextends = [\"supply-chain\"]\n[protected]\nenabled = false\n",
    )
    .expect("write");
    let policy = sb.path().join("sc.toml");
    let run = repo.pc(&[
        "--policy",
        policy.to_str().unwrap(),
        "check",
        "--all",
        "--format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let bad: Vec<Value> = findings(&run)
        .into_iter()
        .filter(|f| {
            let rule = f["rule"].as_str().unwrap_or("");
            rule == "secret-detected" || (rule.starts_with("payload-") && f["severity"] == "error")
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

const HEX: &str = "0123456789abcdef";
const DIGITS: &str = "0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (standard alphabet, padded) of `bytes`, so that a JWT can be
/// wrapped without a dependency and without a literal.
fn base64(bytes: &[u8]) -> String {
    let a: Vec<char> = B64.chars().collect();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(a[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64url(bytes: &[u8]) -> String {
    base64(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A value that mixes letters and digits (what a generated credential looks like).
fn cred(seed: u64) -> String {
    format!("{}7q", noise(seed, 22, BASE62))
}

/// Every assignment shape and provider the issue lists, one per line: each
/// line is reported, on its own line number.
#[test]
fn assignment_shapes_curl_and_provider_formats_fail() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let jwt_none = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(br#"{"sub":"svc-4821","admin":true}"#)
    );
    let jwt_signed = format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(br#"{"sub":"svc-4821","iat":1790000000}"#),
        noise(
            40,
            43,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
    );
    let lines = [
        ["DB_PASSWORD=", &cred(11)].concat(),
        ["api_token: ", &cred(12)].concat(),
        ["export DEPLOY_TOKEN=", &cred(13)].concat(),
        ["DEPLOY_TOKEN ?= ", &cred(14)].concat(),
        ["var serviceToken string = \"", &cred(15), "\""].concat(),
        ["System.setProperty(\"ACME_TOKEN\", \"", &cred(16), "\")"].concat(),
        ["<apiToken>", &cred(17), "</apiToken>"].concat(),
        ["ENCRYPTION_KEY=", &cred(50)].concat(),
        ["$settings['hash_key'] = '", &cred(51), "';"].concat(),
        // JSON inside a string literal, its quotes escaped
        ["let body = \"{\\\"apiToken\\\":\\\"", &cred(52), "\\\"}\";"].concat(),
        [
            "curl -u deploy:",
            &cred(18),
            " https://ci.example.internal/api",
        ]
        .concat(),
        [
            "curl -H \"Authorization: Bearer ",
            &cred(19),
            "\" https://api.example/v1",
        ]
        .concat(),
        [
            "SLACK=xox",
            "a-2-",
            &noise(20, 10, DIGITS),
            "-",
            &noise(21, 11, DIGITS),
            "-",
            &noise(22, 13, DIGITS),
            "-",
            &noise(23, 18, HEX),
        ]
        .concat(),
        ["SRC=sg", "p_", &noise(24, 40, HEX)].concat(),
        [
            "NOTION=nt",
            "n_",
            &noise(25, 11, DIGITS),
            &noise(26, 35, BASE62),
        ]
        .concat(),
        ["FLY=Fly", "V1 fm2_", &noise(27, 120, B64)].concat(),
        ["oc login --token=sha", "256~", &noise(28, 43, BASE62)].concat(),
        ["FB=EA", "A", &noise(29, 120, BASE62)].concat(),
        [
            "source \"https://deploy:",
            &cred(30),
            "@gems.example.com/\"",
        ]
        .concat(),
        ["UNSIGNED=", &jwt_none].concat(),
        ["WRAPPED=", &base64(jwt_signed.as_bytes())].concat(),
        ["OP=op", "s_eyJ", &noise(31, 300, B64)].concat(),
        [
            "KEY=A3-",
            &noise(32, 6, UPPER_DIGITS),
            "-",
            &noise(33, 11, UPPER_DIGITS),
            "-",
            &noise(34, 5, UPPER_DIGITS),
            "-",
            &noise(35, 5, UPPER_DIGITS),
            "-",
            &noise(36, 5, UPPER_DIGITS),
        ]
        .concat(),
    ];
    repo.commit_file("conf/all.txt", lines.join("\n") + "\n", "Add config\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut reported: Vec<u64> = findings(&run)
        .iter()
        .map(|f| f["line"].as_u64().unwrap_or(0))
        .collect();
    reported.dedup();
    let missed: Vec<&String> = (1..=lines.len() as u64)
        .filter(|n| !reported.contains(n))
        .map(|n| &lines[n as usize - 1])
        .collect();
    assert!(missed.is_empty(), "not reported: {missed:#?}");
    for secret in [cred(11), cred(16), cred(18)] {
        assert!(!run.stdout.contains(&secret[4..]), "leaked {secret}");
    }
}

/// Filler, spelled-out placeholders, a value one character longer than its
/// format and a private-key header around junk are no secrets.
#[test]
fn filler_placeholders_overlong_values_and_headers_around_junk_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let lines = [
        ["apiKey: \"AI", "za", &"a".repeat(35), "\""].concat(),
        ["API_KEY=\"gl", "c_", &"1".repeat(42), "=\""].concat(),
        ["api_key = \"sk_", "abcdefghijklmnopqrstuvwxyz123\""].concat(),
        [
            "access_token = \"xoxe.xo",
            "xp-1-SlackAppConfigurationAccessTokenHere\"",
        ]
        .concat(),
        ["SENTRY=sntr", "yu_", &noise(41, 65, HEX)].concat(),
        ["token = \"", &noise(42, 8, "ab"), "\""].concat(),
        "password = get_password()".to_string(),
        "token: Optional[str] = None".to_string(),
        "DB_PASSWORD=${DB_PASSWORD}".to_string(),
        "curl -u <user:password> https://example.test/endpoint".to_string(),
        "curl -H \"Authorization: Bearer $TOKEN\" https://api.example/v1".to_string(),
        // A name ending in "key" whose value spells words is a setting.
        "prefix-key: v0-uv-windows-workspace-cache-20260715a".to_string(),
        ["publishKey: \"", &noise(44, 32, BASE62), "\""].concat(),
        // A group typed three times is filler.
        [
            "\"token3\": \"xo",
            "xp-1234-1234-1234-",
            &noise(43, 32, HEX),
            "\"",
        ]
        .concat(),
        // A key Firebase publishes in its own SDK's tests (the table's
        // `[[published]]`), in a vendored sample configuration.
        [
            "\"current_key\": \"AI",
            "zaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0\"",
        ]
        .concat(),
        // The Azurite emulator's well-known key, as Microsoft documents it.
        [
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=",
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;",
            "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        ]
        .concat(),
    ];
    let junk_key = format!("{}\nanything\n-----END RSA PRIVATE KEY-----", pem_header());
    repo.write("conf/near.txt", lines.join("\n") + "\n");
    repo.commit_file("conf/junk.pem", junk_key + "\n", "Add near misses\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(findings(&run).is_empty(), "{}", run.stdout);
}

const GITLEAKS: &str = r#"title = "acme"

[extend]
useDefault = true

[[rules]]
id = "acme-internal-token"
description = "ACME internal token"
regex = '''acme_tok_([a-z0-9]{24})'''
secretGroup = 1
keywords = ["acme_tok_"]
entropy = 3.0
  [[rules.allowlists]]
  paths = ['''^fixtures/''']
  [[rules.allowlists]]
  stopwords = ["zz9zz"]

[[rules]]
id = "java-keystore"
description = "Java keystore committed"
path = '''\.jks$'''

[allowlist]
description = "project-wide"
regexTarget = "line"
regexes = ['''#\s*reviewed-not-secret''']
paths = ['''^vendor/''']
"#;

fn acme_token(seed: u64) -> String {
    [
        "acme_",
        "tok_",
        &noise(seed, 24, "abcdefghijklmnopqrstuvwxyz0123456789"),
    ]
    .concat()
}

/// A project's gitleaks rules and allowlists apply unchanged: its rule
/// finds its token (and names it), its path rule flags the file, its
/// per-rule and global allowlists suppress (counted), and the global
/// allowlist covers the built-in patterns too.
#[test]
fn a_gitleaks_configuration_adds_rules_and_allowlists() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\ngitleaks_config = \".gitleaks.toml\"\n");
    repo.write(".gitleaks.toml", GITLEAKS);
    repo.write("src/a.txt", format!("token {}\n", acme_token(51)));
    repo.write("fixtures/b.txt", format!("token {}\n", acme_token(52)));
    let stop = [
        "acme_",
        "tok_",
        "zz9zz",
        &noise(53, 19, "abcdefghij0123456789"),
    ]
    .concat();
    repo.write("src/c.txt", format!("token {stop}\n"));
    repo.write("vendor/d.txt", format!("t = \"{}\"\n", github_token()));
    repo.write(
        "src/e.py",
        format!("t = \"{}\"  # reviewed-not-secret\n", github_token()),
    );
    repo.write("keys/store.jks", [0xfe_u8, 0xed, 0xfe, 0xed, 0, 0, 0, 2]);
    repo.commit("Add files\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let got: Vec<(String, String)> = findings(&run)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got.iter().any(|(p, m)| p == "src/a.txt"
            && m.contains("ACME internal token")
            && m.contains("acme-internal-token")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(p, m)| p == "keys/store.jks" && m.contains("java-keystore")),
        "{got:#?}"
    );
    assert_eq!(run.json()["summary"]["suppressed"], 4, "{}", run.stdout);
    // The snippet shows the secret group redacted, not the token.
    assert!(!run.stdout.contains(&acme_token(51)[12..]));
}

/// gitleaks judges each rule on its own; so does the gate: a generic rule's
/// match that its allowlist drops does not hide a provider rule's match of
/// the same text; a regex with several groups and no `secretGroup` reports
/// (and measures the entropy of) the first group that took part; a `{` that
/// opens no repetition is a literal brace, as in Go's RE2.
#[test]
fn gitleaks_rules_are_judged_as_gitleaks_judges_them() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\ngitleaks_config = \".gitleaks.toml\"\n");
    repo.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "generic-acme"
regex = '''(?i)acme[a-z_]*\s*=\s*"([A-Za-z0-9_]{16,})"'''
entropy = 2.0
keywords = ["acme"]
  [[rules.allowlists]]
  stopwords = ["acmeprov_"]

[[rules]]
id = "acme-provider-key"
regex = '''\b(acmeprov_[A-Za-z0-9]{16})\b'''
keywords = ["acmeprov_"]

[[rules]]
id = "acme-header"
regex = '''acme-(?:basic ([a-z0-9]{8,})|bearer ([A-Za-z0-9]{8,}))'''
entropy = 2.0
keywords = ["acme-"]

[[rules]]
id = "acme-braced"
regex = '''acme{([A-Za-z0-9]{16})}'''
keywords = ["acme{"]
"#,
    );
    let lines = [
        ["ACME_KEY = \"acmeprov_", &noise(91, 16, BASE62), "\""].concat(),
        "acme-bearer XXXXXXXXXXXXXXXX".to_string(),
        ["acme-bearer ", &noise(92, 16, BASE62)].concat(),
        ["acme{", &noise(93, 16, BASE62), "}"].concat(),
    ];
    repo.write("conf.txt", lines.join("\n") + "\n");
    repo.commit("Add config\n");
    let run = check_head(&repo);
    let got: Vec<(u64, String)> = findings(&run)
        .iter()
        .filter(|f| f["path"] == "conf.txt")
        .map(|f| {
            let m = f["message"].as_str().unwrap_or("");
            let id = m.rsplit('`').nth(1).unwrap_or("").to_string();
            (f["line"].as_u64().unwrap_or(0), id)
        })
        .collect();
    let want: Vec<(u64, String)> = [
        (1, "acme-provider-key"),
        (3, "acme-header"),
        (4, "acme-braced"),
    ]
    .iter()
    .map(|(l, id)| (*l, id.to_string()))
    .collect();
    assert_eq!(got, want, "{}", run.stdout);
    assert!(
        run.json()["summary"]["suppressed"].as_u64().unwrap_or(0) >= 1,
        "{}",
        run.stdout
    );
}

/// gitleaks#1844's shape: a configuration that extends gitleaks' default
/// rules and adds an allowlist to `generic-api-key` loads, and the
/// allowlist reaches the built-in shapes that play that rule's part here;
/// `disabledRules` turns them off; `targetRules` may name it.
#[test]
fn a_gitleaks_configuration_changes_default_rules_by_their_ids() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\ngitleaks_config = \".gitleaks.toml\"\n");
    repo.write(
        ".gitleaks.toml",
        "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"generic-api-key\"\n[[rules.allowlists]]\npaths = ['''^fixtures/''']\n",
    );
    let line = |seed| ["api_token = \"", &cred(seed), "\"\n"].concat();
    repo.write("fixtures/a.py", line(60));
    repo.write("src/b.py", line(61));
    repo.write("fixtures/c.txt", format!("t = \"{}\"\n", github_token()));
    repo.commit("Add files\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths: Vec<String> = findings(&run)
        .iter()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    // The generic shape is allowed in fixtures/, the GitHub token is not.
    assert_eq!(paths, ["fixtures/c.txt", "src/b.py"], "{}", run.stdout);
    assert_eq!(run.json()["summary"]["suppressed"], 1, "{}", run.stdout);

    repo.write(
        ".gitleaks.toml",
        "[extend]\nuseDefault = true\ndisabledRules = [\"generic-api-key\"]\n",
    );
    repo.write("src/d.py", line(62));
    repo.commit("More\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // Without `useDefault`, a `targetRules` id that names no rule is an error.
    repo.write(
        ".gitleaks.toml",
        "[[allowlists]]\ntargetRules = [\"github-patt\"]\nregexes = ['''x''']\n",
    );
    repo.commit("Typo\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(".gitleaks.toml:2:15: `targetRules` names `github-patt`"),
        "{}",
        run.stderr
    );
}

/// A gitleaks file with an error is a load error naming its file, line and
/// column; a path outside the policy's directory is refused.
#[test]
fn a_bad_gitleaks_configuration_is_a_located_load_error() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\ngitleaks_config = \".gitleaks.toml\"\n");
    repo.write(
        ".gitleaks.toml",
        "[[rules]]\nid = \"lookbehind\"\nkeywords = [\"x\"]\nregex = '''(?<=k)x'''\n",
    );
    repo.commit_file("a.txt", "a\n", "Add a\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(".gitleaks.toml:4:12: rule `lookbehind`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("gitleaks_config"), "{}", run.stderr);

    repo.policy("[secrets]\ngitleaks_config = \"../outside.toml\"\n");
    let run = check_head(&repo);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no `..`"), "{}", run.stderr);
}

/// A policy read from a revision (`--policy-ref`, as the server reads the
/// protected branch) reads its gitleaks file from that revision's tree:
/// the commits being judged cannot loosen it.
#[test]
fn a_policy_from_a_revision_reads_its_gitleaks_file_from_that_tree() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".policy-check.toml",
        "[secrets]\ngitleaks_config = \".gitleaks.toml\"\n",
    );
    repo.write(".gitleaks.toml", GITLEAKS);
    repo.commit("Policy\n");
    repo.git(&["tag", "base"]);
    // The pushed commit allow-lists everything and adds a token.
    repo.write(
        ".gitleaks.toml",
        "[allowlist]\nregexTarget = \"line\"\nregexes = ['''.''']\n",
    );
    repo.commit_file("src/a.txt", format!("{}\n", acme_token(61)), "Add\n");
    let judged = repo.pc(&["--policy-ref", "base", "check", "--format", "json", "HEAD"]);
    assert_eq!(judged.code, 1, "{}", judged.stderr);
    assert!(
        judged.stdout.contains("acme-internal-token"),
        "{}",
        judged.stdout
    );
    let own = check_head(&repo);
    assert_eq!(own.code, 0, "{}", own.stdout);
}

/// A JSON Web Token with the given claims and a random signature.
fn jwt(claims: &str, seed: u64) -> String {
    let b64 = |s: &str| data_encoding::BASE64URL_NOPAD.encode(s.as_bytes());
    [
        &b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        ".",
        &b64(claims),
        ".",
        &noise(seed, 43, BASE62),
    ]
    .concat()
}

/// Hand-typed fake values are dropped by general rules, whatever the
/// pattern (interleaved or descending sequences, lowercase words such as an
/// option name, `invalid` credentials, a JSON Web Token whose claims are
/// filler or a documentation domain), while random values in the same
/// shapes, on the lines in between, are still reported.
#[test]
fn sample_values_pass_and_random_ones_beside_them_fail() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let lines = [
        ["DEPLOY_TOKEN = \"", "a1b2c3d4e5f6a7b8c9d0e1f2", "\""].concat(),
        ["DEPLOY_TOKEN = \"", &noise(61, 24, BASE62), "\""].concat(),
        ["SIGNING_SECRET=", "zyxwvuts", "rqp98765", "43210abcd"].concat(),
        ["SIGNING_SECRET=", &noise(62, 32, BASE62)].concat(),
        "return conflict(\"registry-token\", \"registry-credential-helper\");".to_string(),
        [
            "return conflict(\"registry-token\", \"",
            &noise(63, 20, BASE62),
            "\");",
        ]
        .concat(),
        "git clone https://ci:invalid-credentials@git.corp.internal/team/repo.git".to_string(),
        [
            "git clone https://ci:",
            &noise(64, 18, BASE62),
            "@git.corp.internal/team/repo.git",
        ]
        .concat(),
        [
            "session = ",
            &jwt(r#"{"sub":"1234567890","role":"reader"}"#, 65),
        ]
        .concat(),
        [
            "session = ",
            &jwt(r#"{"sub":"u-6113","iss":"https://auth.example.com"}"#, 66),
        ]
        .concat(),
        [
            "session = ",
            &jwt(r#"{"sub":"u-6113","preferred_username":"k.osei"}"#, 67),
        ]
        .concat(),
    ];
    let (run, got) = commit_lines(&repo, "conf/app.txt", &lines);
    assert_eq!(got, [2, 4, 6, 8, 11], "{}", run.stdout);
}

/// A vendor-generated format whose value spells English words was typed by
/// a person (a test fixture), while the same format with a random value is
/// reported; credentials given on a command line, to a DSL keyword or in a
/// .netrc entry are reported, variables in their place are not; a value that
/// spells the kind of credential it is assigned to is a placeholder.
#[test]
fn spelled_samples_pass_and_command_line_credentials_fail() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let lines = [
        "RUNNER_TOKEN=glrt-helloworld_testing42".to_string(),
        ["RUNNER_TOKEN=glrt-", &noise(81, 24, BASE62)].concat(),
        "docker login -u ci -p $REGISTRY_PASSWORD registry.corp.internal".to_string(),
        [
            "docker login -u ci -p ",
            &noise(82, 20, BASE62),
            " registry.corp.internal",
        ]
        .concat(),
        "    password System.getenv('REPO_PASSWORD')".to_string(),
        ["    password '", &noise(83, 20, BASE62), "'"].concat(),
        "machine ci.corp.internal login ci password <password>".to_string(),
        [
            "machine ci.corp.internal login ci password ",
            &noise(84, 20, BASE62),
        ]
        .concat(),
        "cmd.env(\"GITHUB_TOKEN\", \"ghp_token123\");".to_string(),
        [
            "cmd.env(\"GITHUB_TOKEN\", \"",
            &noise(85, 20, BASE62),
            "\");",
        ]
        .concat(),
    ];
    let (run, got) = commit_lines(&repo, "scripts/publish.txt", &lines);
    assert_eq!(got, [2, 4, 6, 8, 10], "{}", run.stdout);
}

/// A value on the line after its name is reported on the name's line: a
/// shell continuation, a YAML block scalar and an XML element over three
/// lines; prose or a mapping on the next line is not a value.
#[test]
fn a_value_on_the_next_line_is_joined_to_its_name() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let lines = [
        "DEPLOY_TOKEN = \\".to_string(),
        ["    \"", &noise(71, 24, BASE62), "\""].concat(),
        "api_token: |".to_string(),
        ["  ", &noise(72, 32, BASE62)].concat(),
        "<apiToken>".to_string(),
        ["  ", &noise(73, 28, BASE62)].concat(),
        "</apiToken>".to_string(),
        "password:".to_string(),
        ["  is read from ", &noise(74, 20, BASE62), " at start"].concat(),
        "credentials:".to_string(),
        ["  user: ", &noise(75, 20, BASE62)].concat(),
    ];
    let (run, got) = commit_lines(&repo, "deploy/values.yaml", &lines);
    assert_eq!(got, [1, 3, 5], "{}", run.stdout);
    let f = findings(&run);
    let shown = format!("api_token: {}[REDACTED]", &noise(72, 32, BASE62)[..4]);
    assert_eq!(f[1]["snippet"], shown.as_str(), "{}", run.stdout);
    for seed in [71, 72, 73] {
        assert!(
            !run.stdout.contains(&noise(seed, 24, BASE62)[4..]),
            "leaked"
        );
    }
}
