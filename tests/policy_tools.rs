//! Understanding a policy: `policy validate` (every problem at once),
//! `policy show` (provenance of each setting), `policy schema` (shipped and
//! current), `explain` (every rule explained), completions and man page.

mod common;

use common::Sandbox;

#[test]
fn validate_reports_every_problem_at_once() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.write(
        "base.toml",
        "[policy]\nname = \"base\"\ndescripton = \"typo in a parent\"\n",
    );
    r.write(
        "p.toml",
        r#"[policy]
name = "child"
extends = "base.toml"
nme = "typo"

[scan]
max_file_size = "big"
renames = "fuzzy"

[severity]
file-too-large = "loud"

[[rules]]
id = "r1"
scope = "subject"
patern = "x"
"#,
    );
    let run = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let err = &run.stderr;
    assert!(err.contains("the policy has 7 problems"), "{err}");
    for needle in [
        "p.toml:4:7: unknown key `nme` in [policy]; did you mean `name`?",
        "p.toml:7:17: `scan.max_file_size`: invalid type: expected an integer, found a string",
        "p.toml:8:11: `scan.renames`: unknown value \"fuzzy\": expected one of \"exact\", \"similar\", \"off\"",
        "p.toml:11:18: `severity.file-too-large`: unknown value \"loud\"",
        "unknown key `patern` in [rules[r1]]; did you mean `pattern`?",
        "missing key `pattern` in [rules[r1]]",
        "base.toml:3:14: unknown key `descripton` in [policy]; did you mean `description`?",
    ] {
        assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    }

    // Compile-level problems (after the structure is right) are all reported too.
    r.write(
        "p.toml",
        "[severity]\nno-such = \"warn\"\n\n[[rules]]\nid = \"r1\"\nscope = \"subject\"\npattern = \"(\"\n\n[[exceptions]]\nrule = \"nope\"\nreason = \"r\"\n",
    );
    let run = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the policy has 3 problems"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("p.toml:7:11: `rules[r1].pattern`: invalid regex"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unknown rule id `no-such`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("p.toml:10:8: `exceptions[0].rule`: unknown rule id `nope`"),
        "{}",
        run.stderr
    );

    r.write("p.toml", "[policy]\nname = \"fine\"\n");
    let ok = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("policy `fine` from p.toml is valid"));
}

#[test]
fn show_annotates_each_setting_with_its_origin() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a", "1\n", "x");
    r.write(
        "base.toml",
        "[policy]\nname = \"base\"\ndescription = \"from base\"\n\n[scan]\nmax_file_size = 100\nmerge_diffs = true\n\n[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\n",
    );
    r.policy(
        "[policy]\nname = \"child\"\nextends = \"base.toml\"\n\n[scan]\nmax_file_size = 200\n\n[[rules]]\nid = \"no-wip\"\nseverity = \"warn\"\n",
    );
    let run = r.pc(&["policy", "show"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    let line = |key: &str| -> &str {
        out.lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{out}"))
    };
    assert!(
        line("name = \"child\"").contains(".policy-check.toml:2"),
        "{out}"
    );
    assert!(
        line("description = \"from base\"").contains("base.toml:3"),
        "{out}"
    );
    assert!(
        line("max_file_size = 200").contains(".policy-check.toml:6"),
        "{out}"
    );
    assert!(line("merge_diffs = true").contains("base.toml:7"), "{out}");
    assert!(
        line("severity = \"warn\"").contains(".policy-check.toml:10"),
        "{out}"
    );
    assert!(line("pattern = \"^WIP\"").contains("base.toml:12"), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("extends")),
        "extends is applied, not shown:\n{out}"
    );
    assert!(
        out.contains("#   base.toml\n#   .policy-check.toml\n"),
        "{out}"
    );
    // The output is TOML again (comments aside).
    let parsed: toml::Table = toml::from_str(out).expect("show prints TOML");
    assert_eq!(parsed["scan"]["max_file_size"].as_integer(), Some(200));

    // An invalid policy is not shown: the problems are.
    r.policy("[policy]\nnme = \"x\"\n");
    let bad = r.pc(&["policy", "show"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown key `nme`"), "{}", bad.stderr);
}

#[test]
fn the_shipped_schema_is_current_and_describes_the_policy() {
    let sb = Sandbox::new();
    let run = sb.pc_in(sb.path(), &["policy", "schema"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policy-check.schema.json"),
    )
    .expect("policy-check.schema.json is shipped");
    assert!(
        run.stdout == shipped,
        "policy-check.schema.json is out of date: run `cargo run -- policy schema > policy-check.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&shipped).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    for table in [
        "policy",
        "scan",
        "severity",
        "rules",
        "exceptions",
        "server",
        "ai",
        "disclosure",
        "review",
        "licensing",
        "secrets",
        "payloads",
        "protected",
        "unsafe_code",
        "dependencies",
        "workflows",
    ] {
        assert!(
            schema["properties"][table].is_object(),
            "no `{table}` in the schema"
        );
    }
    assert_eq!(schema["additionalProperties"], false);

    // It accepts a real policy and rejects a typo (a real validator).
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let policy = serde_json::json!({
        "policy": {"name": "x", "extends": ["default"]},
        "severity": {"file-too-large": {"level": "warn", "until": "2027-03-01", "then": "error"}},
        "rules": [{"id": "r", "scope": "subject", "pattern": "x"}],
        "exceptions": [{"rule": "r", "reason": "why", "expires": "2027-01-01"}]
    });
    assert!(
        validator.is_valid(&policy),
        "{:?}",
        validator
            .iter_errors(&policy)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let typo = serde_json::json!({"scan": {"max_file_sise": 1}});
    assert!(!validator.is_valid(&typo));
    let no_reason = serde_json::json!({"exceptions": [{"rule": "r"}]});
    assert!(!validator.is_valid(&no_reason));
    let family_typo = serde_json::json!({"disclosure": {"requried": "always"}});
    assert!(!validator.is_valid(&family_typo));

    // Every shipped preset is valid against the shipped schema.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut presets = 0;
    for entry in std::fs::read_dir(&dir).expect("policies/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("preset");
        let doc: toml::Value = toml::from_str(&text).expect("preset parses");
        let json = toml_to_json(&doc);
        assert!(
            validator.is_valid(&json),
            "{}: {:?}",
            path.display(),
            validator
                .iter_errors(&json)
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
        );
        presets += 1;
    }
    assert!(presets >= 7, "only {presets} presets in policies/");
}

/// A TOML document as the JSON a schema validator reads (dates as strings).
fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => a.iter().map(toml_to_json).collect(),
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

#[test]
fn validate_locates_unknown_keys_in_the_rule_family_tables() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.write(
        "p.toml",
        r#"[policy]
name = "families"

[disclosure]
required = "always"
trailer = ["Assisted-by"]

[review]
signoff = "author"

[[review.require]]
id = "ci"
paths = [".github/**"]
reviewer = ["@maintainers"]

[licensing]
allowed = "MIT OR Apache-2.0"
spdx_headers = ["*.rs"]

[server]
fail_opn = true
"#,
    );
    let run = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let err = &run.stderr;
    assert!(err.contains("the policy has 4 problems"), "{err}");
    for needle in [
        "p.toml:6:11: unknown key `trailer` in [disclosure]; did you mean `trailers`?",
        "p.toml:14:12: unknown key `reviewer` in [review.require[ci]]; did you mean `reviewers`?",
        "p.toml:18:16: unknown key `spdx_headers` in [licensing]; did you mean `spdx_header`?",
        "p.toml:21:12: unknown key `fail_opn` in [server]; did you mean `fail_open`?",
    ] {
        assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    }

    // The near misses load.
    r.write(
        "p.toml",
        "[disclosure]\nrequired = \"always\"\ntrailers = [\"Assisted-by\"]\n\n[licensing]\nallowed = \"MIT\"\nspdx_header = [\"*.rs\"]\n",
    );
    let ok = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[test]
fn explain_covers_every_rule_the_binary_knows() {
    let sb = Sandbox::new();
    let list = sb.pc_in(sb.path(), &["explain", "--list"], None);
    assert_eq!(list.code, 0);
    let ids: Vec<&str> = list
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        ids.contains(&"file-too-large") && ids.contains(&"baseline-stale"),
        "{ids:?}"
    );
    for id in ids {
        let run = sb.pc_in(sb.path(), &["explain", id], None);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        for section in [
            "What it checks:",
            "Why:",
            "Fails:",
            "Passes:",
            "How to fix:",
            "How to suppress:",
        ] {
            assert!(
                run.stdout.contains(section),
                "`explain {id}` has no `{section}`:\n{}",
                run.stdout
            );
        }
    }
    let typo = sb.pc_in(sb.path(), &["explain", "file-too-larg"], None);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `file-too-large`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn explain_describes_custom_rules_of_the_policy() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nhint = \"finish it\"\n",
    );
    let run = r.pc(&["explain", "no-wip"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("custom rule"), "{}", run.stdout);
    assert!(run.stdout.contains("^WIP"));
    assert!(run.stdout.contains("finish it"));
}

#[test]
fn explain_describes_review_requirements_of_the_policy() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.policy(
        "[policy]\nmaintainers = [\"Grace <grace@example.org>\"]\n\n[severity]\nci-review = \"warn\"\n\n[[review.require]]\nid = \"ci-review\"\nwhen = \"agentic\"\npaths = [\".github/**\"]\nreviewers = [\"@maintainers\"]\nmessage = \"agents stay off CI\"\n",
    );
    let run = r.pc(&["explain", "ci-review"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for needle in [
        "ci-review (`[[review.require]]` entry of policy `unnamed`, severity: warning)",
        "an agentic AI tool acted and it changes a file matching .github/**",
        "grace <grace@example.org>",
        "agents stay off CI",
        "How to suppress:",
    ] {
        assert!(
            run.stdout.contains(needle),
            "no `{needle}` in:\n{}",
            run.stdout
        );
    }
    let typo = r.pc(&["explain", "ci-reviw"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `ci-review`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let sb = Sandbox::new();
    for (shell, needle) in [
        ("bash", "COMPREPLY"),
        ("zsh", "#compdef policy-check"),
        ("fish", "complete -c policy-check"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "policy-check"),
    ] {
        let run = sb.pc_in(sb.path(), &["completions", shell], None);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(needle), "{shell}:\n{}", run.stdout);
        if shell != "elvish" {
            assert!(
                run.stdout.contains("explain-rollout"),
                "{shell} completes check's options"
            );
        }
    }
    let bad = sb.pc_in(sb.path(), &["completions", "tcsh"], None);
    assert_eq!(bad.code, 2);

    let man = sb.pc_in(sb.path(), &["man"], None);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie"),
        "{}",
        &man.stdout[..100.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".TH policy-check 1"), "{}", man.stdout);
    assert!(man.stdout.contains("baseline"));

    let dir = sb.path().join("man1");
    let run = sb.pc_in(sb.path(), &["man", "--dir", dir.to_str().unwrap()], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in [
        "policy-check.1",
        "policy-check-check.1",
        "policy-check-baseline.1",
        "policy-check-policy.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_else(|_| panic!("no {page}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(dir.join("policy-check-check.1")).unwrap();
    assert!(
        check.contains("baseline") && check.contains("explain\\-rollout"),
        "{check}"
    );
}

/// Built-in tables (workflow patterns, secrets and payloads, AI signatures)
/// are compiled on first use, but what a policy adds to them is still
/// checked at load: `policy validate` reports a bad regex in each, and a
/// duplicate of a built-in pattern id, located in the file, even though
/// validating never matches anything.
#[test]
fn validate_checks_table_overrides_at_load() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.write(
        "p.toml",
        r#"[policy]
name = "overrides"

[[workflows.patterns]]
id = "mine"
rule = "workflow-remote-script"
regex = 'runs-on:(unclosed'

[[workflows.patterns]]
id = "pipe-to-shell"
rule = "workflow-remote-script"
regex = 'x'

[[secrets.patterns]]
id = "acme-token"
keywords = ["acme_"]
regex = 'acme_[a-z{'

[[payloads.patterns]]
id = "mine"
rule = "payload-download-exec"
keywords = ["x"]
regex = '(?P<x'

[[ai.signatures]]
tool = "Acme"
kind = "identity"
pattern = 'acme\[bot('
examples = ["acme[bot]"]

[disclosure]
"#,
    );
    let run = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let err = &run.stderr;
    assert!(err.contains("the policy has 5 problems"), "{err}");
    for needle in [
        "p.toml:7:9: `workflows.patterns[mine].regex`: invalid regex `runs-on:(unclosed`",
        "p.toml:9:1: `workflows.patterns[pipe-to-shell]`: duplicate pattern id `pipe-to-shell`",
        "p.toml:17:9: `secrets.patterns[acme-token].regex`: invalid regex",
        "p.toml:23:9: `payloads.patterns[mine].regex`: invalid regex",
        "p.toml:28:11: `ai.signatures[0].pattern`: signature #",
    ] {
        assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    }

    // The same entries, fixed, load; and the built-in tables still match.
    r.write(
        "p.toml",
        "[[workflows.patterns]]\nid = \"mine\"\nrule = \"workflow-remote-script\"\nregex = 'runs-on:.*self-hosted'\n",
    );
    let ok = r.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}
