//! The house's walls, as ARCHITECTURE.md draws them: every source file is
//! on a floor, imports only go down the floors, no two files import each
//! other round a circle, and every rule family is wired the whole way
//! (schema, dispatch, registry, explanations).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use policy_check::policy::families::FAMILIES;
use policy_check::policy::Policy;

/// Every `.rs` file under `src/`, by path relative to `src/` with `/`.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p
                    .strip_prefix(root)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).expect("read file"));
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The module path of a file: `rules/licensing/mod.rs` is `rules::licensing`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments, test modules and `#[cfg(test)]`
/// items: what the program itself imports.
fn program_text(src: &str) -> String {
    let no_comments = regex::Regex::new(r"(?m)//.*$")
        .unwrap()
        .replace_all(src, "");
    let mut text = no_comments.into_owned();
    if let Some(m) = regex::Regex::new(r"#\[cfg\(test\)\]\s*mod\s")
        .unwrap()
        .find(&text)
    {
        text.truncate(m.start());
    }
    regex::Regex::new(r"#\[cfg\(test\)\]\s*[^\n]*\n")
        .unwrap()
        .replace_all(&text, "")
        .into_owned()
}

/// Expands a `use` tree (`a::{b, c::{d, self}}`) into its paths.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let mut p = prefix.to_vec();
        p.extend(
            tree.split("::")
                .filter(|s| !s.is_empty())
                .map(|s| s.split(" as ").next().unwrap_or(s).trim().to_string()),
        );
        out.push(p);
        return;
    };
    let close = tree.rfind('}').unwrap_or(tree.len());
    let mut head = prefix.to_vec();
    head.extend(
        tree[..open]
            .split("::")
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_string()),
    );
    let inner = &tree[open + 1..close.max(open + 1)];
    let (mut depth, mut start) = (0i32, 0);
    let mut items = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        if item == "self" {
            out.push(head.clone());
        } else {
            expand(&head, item, out);
        }
    }
}

/// The files each file imports: `use` trees and paths through `crate::`,
/// `super::` and `self::`, and paths into its own child modules.
fn imports(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeMap<Vec<String>, String> =
        files.keys().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |segs: &[String]| -> Option<String> {
        (0..=segs.len())
            .rev()
            .find_map(|i| modules.get(&segs[..i]).cloned())
    };
    let use_re = regex::Regex::new(r"\buse\s+([^;]+);").unwrap();
    let path_re = regex::Regex::new(r"(?:^|[^\w:])((?:crate|super|self)(?:::\w+)+)").unwrap();
    let mod_re = regex::Regex::new(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;").unwrap();
    let mut graph = BTreeMap::new();
    for (file, src) in files {
        let me = module_of(file);
        let text = program_text(src);
        let mut paths: Vec<Vec<String>> = Vec::new();
        for c in use_re.captures_iter(&text) {
            let tree: String = c[1].split_whitespace().collect::<Vec<_>>().join(" ");
            expand(
                &[],
                &tree.replace(":: ", "::").replace(" ::", "::"),
                &mut paths,
            );
        }
        for c in path_re.captures_iter(&text) {
            paths.push(c[1].split("::").map(str::to_string).collect());
        }
        let kids: Vec<String> = mod_re
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .collect();
        for kid in &kids {
            let re = regex::Regex::new(&format!(r"(?:^|[^\w:]){kid}((?:::\w+)+)")).unwrap();
            for c in re.captures_iter(&text) {
                let mut p = vec!["self".to_string(), kid.clone()];
                p.extend(
                    c[1].split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
                paths.push(p);
            }
        }
        let mut to = BTreeSet::new();
        for p in paths {
            let segs: Vec<String> = match p.first().map(String::as_str) {
                Some("crate") => p[1..].to_vec(),
                Some("super" | "self") => {
                    let mut base = me.clone();
                    let mut k = 0;
                    while k < p.len() && (p[k] == "super" || p[k] == "self") {
                        if p[k] == "super" {
                            base.pop();
                        }
                        k += 1;
                    }
                    base.extend(p[k..].iter().cloned());
                    base
                }
                Some(first) if kids.iter().any(|k| k == first) => {
                    let mut base = me.clone();
                    base.extend(p.iter().cloned());
                    base
                }
                _ => continue,
            };
            if let Some(t) = resolve(&segs) {
                if &t != file {
                    to.insert(t);
                }
            }
        }
        graph.insert(file.clone(), to);
    }
    graph
}

/// The floors of ARCHITECTURE.md's table: (floor, rooms), a room being a
/// file (`engine.rs`) or a folder (`rules/`).
fn floors() -> Vec<(u32, Vec<String>)> {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let row = regex::Regex::new(r"(?m)^\| (\d+) \| [^|]+ \| (.+) \|$").unwrap();
    let room = regex::Regex::new(r"`([^`]+)`").unwrap();
    let out: Vec<(u32, Vec<String>)> = row
        .captures_iter(&doc)
        .map(|c| {
            (
                c[1].parse().expect("floor number"),
                room.captures_iter(&c[2])
                    .map(|r| r[1].to_string())
                    .collect(),
            )
        })
        .collect();
    assert!(
        out.len() >= 5,
        "ARCHITECTURE.md's floor table was not found"
    );
    out
}

/// The floor of a file: the longest room that holds it.
fn floor_of(file: &str, floors: &[(u32, Vec<String>)]) -> Option<u32> {
    floors
        .iter()
        .flat_map(|(n, rooms)| rooms.iter().map(move |r| (*n, r)))
        .filter(|(_, r)| file == r.as_str() || (r.ends_with('/') && file.starts_with(r.as_str())))
        .max_by_key(|(_, r)| r.len())
        .map(|(n, _)| n)
}

#[test]
fn every_file_is_on_a_floor_and_imports_only_go_down() {
    let files = sources();
    let floors = floors();
    let graph = imports(&files);
    let lost: Vec<&String> = files
        .keys()
        .filter(|f| floor_of(f, &floors).is_none())
        .collect();
    assert!(
        lost.is_empty(),
        "files on no floor (add them to ARCHITECTURE.md's table): {lost:?}"
    );
    let mut up = Vec::new();
    for (from, tos) in &graph {
        let f = floor_of(from, &floors).unwrap_or(0);
        for to in tos {
            let t = floor_of(to, &floors).unwrap_or(0);
            if t > f {
                up.push(format!("{from} (floor {f}) imports {to} (floor {t})"));
            }
        }
    }
    // The issue allows at most three; there are none, and none may come back.
    assert!(
        up.is_empty(),
        "imports running up the floors:\n{}",
        up.join("\n")
    );
}

#[test]
fn no_two_files_import_each_other_round_a_circle() {
    let graph = imports(&sources());
    // Tarjan's strongly connected components, iteratively.
    let names: Vec<&String> = graph.keys().collect();
    let index_of: BTreeMap<&String, usize> =
        names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            graph[*n]
                .iter()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let n = names.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut circles) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on[v] = true;
            }
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on[w] = false;
                    comp.push(names[w].clone());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    circles.push(comp);
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "files that import each other: {circles:#?}"
    );
}

#[test]
fn rules_and_git_never_import_each_other() {
    let graph = imports(&sources());
    for (from, tos) in &graph {
        for to in tos {
            let crossing = (from.starts_with("rules/") && to.starts_with("git/"))
                || (from.starts_with("git/") && (to.starts_with("rules/") || to == "ai.rs"));
            assert!(
                !crossing,
                "{from} imports {to}: rules stay pure of git, and git knows no rule"
            );
        }
    }
}

/// The parser above finds what it should: a known import of each kind.
#[test]
fn the_import_reader_sees_each_kind_of_import() {
    let graph = imports(&sources());
    // `use crate::…` into a file
    assert!(graph["engine.rs"].contains("policy/families.rs"));
    // a child module called by its bare name
    assert!(graph["report/mod.rs"].contains("report/text.rs"));
    // `use super::…`
    assert!(graph["rules/workflows/structure.rs"].contains("rules/workflows/locate.rs"));
    // and nothing from a test module
    assert!(!graph["rules/payloads.rs"].contains("explain.rs"));
}

/// The new-family checklist of ARCHITECTURE.md, for every family in the
/// one list: in the JSON schema, registered with its own name, explained,
/// and run by a policy that has only its table.
#[test]
fn every_family_is_wired_the_whole_way() {
    let schema = policy_check::policy::schema::schema();
    let properties = schema["properties"]
        .as_object()
        .expect("the schema lists the policy's tables");
    let registry: BTreeSet<&str> = policy_check::rules::registry().map(|r| r.id).collect();
    let mut from_families: BTreeSet<&str> = BTreeSet::new();
    for family in FAMILIES {
        assert!(
            properties.contains_key(family.name),
            "`[{}]` is not in the JSON schema (add it to RawPolicy)",
            family.name
        );
        for rule in family.rules {
            assert_eq!(
                rule.family, family.name,
                "{} is listed under {} but says it is of {}",
                rule.id, family.name, rule.family
            );
            assert!(
                registry.contains(rule.id),
                "{} is not in rules::registry()",
                rule.id
            );
            assert!(
                policy_check::explain::get(rule.id).is_some(),
                "{} has no explanation",
                rule.id
            );
            from_families.insert(rule.id);
        }
        let table = if family.name == "rules" {
            "[[rules]]\nid = \"no-todo\"\nscope = \"subject\"\npattern = \"TODO\"\n".to_string()
        } else {
            // A family's table with only the keys it cannot do without.
            let required = match family.name {
                "licensing" => "allowed = \"MIT\"\n",
                _ => "",
            };
            format!("[{}]\n{required}", family.name)
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.toml");
        std::fs::write(&path, &table).expect("write policy");
        let policy = Policy::file(&path)
            .unwrap_or_else(|e| panic!("a policy with only `{table}` does not load: {e}"));
        assert!(
            (family.needs)(&policy).is_some(),
            "a policy with only `{}` does not run the family",
            table.trim()
        );
        if family.name != "rules" {
            assert!(policy.families().contains(&family.name));
        }
    }
    // Everything else in the registry is a run-level table, not a family.
    let run_level: BTreeSet<&str> = [
        policy_check::rules::scan::RULES,
        policy_check::rules::adoption::RULES,
        policy_check::rules::server::RULES,
    ]
    .into_iter()
    .flatten()
    .map(|r| r.id)
    .collect();
    let expected: BTreeSet<&str> = from_families.union(&run_level).copied().collect();
    assert_eq!(
        registry, expected,
        "rules::registry() and FAMILIES disagree"
    );
}

/// Every file of the package is held to `missing_docs`: the lint is set
/// once for the whole package in Cargo.toml's `[lints.rust]` (so a new file
/// is covered without doing anything), at `warn` or stricter (CI's
/// `clippy -- -D warnings` makes a warning fail), and no file opts out with
/// an `allow` or `expect` of it, or of all warnings, anywhere in its code.
#[test]
fn every_file_is_held_to_missing_docs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("Cargo.toml parses");
    let level = manifest
        .get("lints")
        .and_then(|l| l.get("rust"))
        .and_then(|r| r.get("missing_docs"))
        .map(|v| match v {
            toml::Value::Table(t) => t.get("level").cloned().unwrap_or(toml::Value::from("")),
            other => other.clone(),
        });
    assert!(
        matches!(
            level.as_ref().and_then(toml::Value::as_str),
            Some("warn" | "deny" | "forbid")
        ),
        "Cargo.toml's [lints.rust] must set missing_docs to warn (or deny/forbid); it is {level:?}"
    );
    assert!(
        manifest
            .get("lints")
            .and_then(|l| l.get("workspace"))
            .is_none(),
        "[lints] must not defer to a workspace that does not set missing_docs"
    );
    // The library's files, the build script and the benches (the test
    // crates are checked by the same lint through the manifest).
    let mut files: Vec<(String, String)> = sources()
        .into_iter()
        .map(|(f, text)| (format!("src/{f}"), text))
        .collect();
    for extra in ["build.rs", "benches/hot_paths.rs"] {
        if let Ok(text) = std::fs::read_to_string(root.join(extra)) {
            files.push((extra.to_string(), text));
        }
    }
    let opt_out =
        regex::Regex::new(r"(?s)#!?\[\s*(?:cfg_attr\s*\(.*?,\s*)?(?:allow|expect)\s*\(([^\]]*)\)")
            .unwrap();
    let silenced = regex::Regex::new(r"\b(?:missing_docs|warnings)\b").unwrap();
    let comment = regex::Regex::new(r"(?m)//.*$").unwrap();
    let mut out = Vec::new();
    for (file, src) in &files {
        let code = comment.replace_all(src, "");
        for m in opt_out.captures_iter(&code) {
            let lints = m[1].split("reason").next().unwrap_or_default();
            if silenced.is_match(lints) {
                out.push(format!("{file}: {}", &m[0]));
            }
        }
    }
    assert!(
        out.is_empty(),
        "files that opt out of missing_docs (document the items instead):\n{}",
        out.join("\n")
    );
}
