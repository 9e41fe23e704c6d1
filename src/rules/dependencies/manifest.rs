//! What the dependency rules need from a `Cargo.toml`, a `.cargo/config.toml`
//! or a `Cargo.lock`: parsed (never grepped) with `toml_edit`, which keeps
//! byte spans so findings point at the line of the entry.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

/// Where a dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A registry: crates.io (`None`) or the named/indexed one.
    Registry(Option<String>),
    /// A git repository: its URL.
    Git(String),
    /// A local path, as written.
    Path(String),
}

/// One dependency entry (or `[patch]`/`[replace]` entry).
#[derive(Debug, Clone)]
pub(crate) struct Dep {
    /// `dependencies`, `dev-dependencies`, `target.'cfg(unix)'.dependencies`,
    /// `workspace.dependencies`, `patch.crates-io`, `replace`.
    pub(crate) section: String,
    /// The key as written.
    pub(crate) key: String,
    /// The crate really fetched (`package = "…"`, else the key).
    pub(crate) real: String,
    pub(crate) source: Source,
    /// `version` requirement, for comparing patch entries.
    pub(crate) version: Option<String>,
    /// `foo.workspace = true`: inherited from `[workspace.dependencies]`.
    pub(crate) inherited: bool,
    /// Byte offset of the key.
    pub(crate) offset: usize,
}

/// The parts of a manifest the rules look at.
#[derive(Debug, Default)]
pub struct Manifest {
    pub(crate) deps: Vec<Dep>,
    /// `[patch.*]` and `[replace]` entries.
    pub(crate) patches: Vec<Dep>,
    /// `[package] build = "…"` (a path) and its offset.
    pub(crate) build: Option<(String, usize)>,
    /// Offset of `[lib] proc-macro = true`.
    pub(crate) proc_macro: Option<usize>,
}

/// A parse error with its byte span.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub(crate) message: String,
    pub(crate) offset: usize,
}

const DEP_TABLES: &[&str] = &[
    "dependencies",
    "dev-dependencies",
    "dev_dependencies",
    "build-dependencies",
    "build_dependencies",
];

fn parse(text: &str) -> Result<ImDocument<&str>, ParseError> {
    ImDocument::parse(text).map_err(|e| ParseError {
        message: e.message().trim().lines().next().unwrap_or("").to_string(),
        offset: e.span().map_or(0, |s| s.start),
    })
}

fn key_offset(t: &dyn TableLike, key: &str) -> usize {
    t.get_key_value(key)
        .and_then(|(k, _)| k.span())
        .map_or(0, |s: Range<usize>| s.start)
}

fn str_of(t: &dyn TableLike, key: &str) -> Option<String> {
    t.get(key).and_then(Item::as_str).map(str::to_string)
}

/// A dependency entry, or `None` when its value is not a dependency spec.
fn dep(section: &str, key: &str, item: &Item, offset: usize) -> Option<Dep> {
    if let Some(version) = item.as_str() {
        return Some(Dep {
            section: section.to_string(),
            key: key.to_string(),
            real: key.to_string(),
            source: Source::Registry(None),
            version: Some(version.to_string()),
            inherited: false,
            offset,
        });
    }
    let t = item.as_table_like()?;
    let source = if let Some(url) = str_of(t, "git") {
        Source::Git(url)
    } else if let Some(p) = str_of(t, "path") {
        Source::Path(p)
    } else {
        Source::Registry(str_of(t, "registry").or_else(|| str_of(t, "registry-index")))
    };
    Some(Dep {
        section: section.to_string(),
        key: key.to_string(),
        real: str_of(t, "package").unwrap_or_else(|| key.to_string()),
        source,
        version: str_of(t, "version"),
        inherited: t.get("workspace").and_then(Item::as_bool) == Some(true),
        offset,
    })
}

fn deps_of(section: &str, table: &dyn TableLike, out: &mut Vec<Dep>) {
    for (key, item) in table.iter() {
        if let Some(d) = dep(section, key, item, key_offset(table, key)) {
            out.push(d);
        }
    }
}

/// Parses a `Cargo.toml`.
pub fn manifest(text: &str) -> Result<Manifest, ParseError> {
    let doc = parse(text)?;
    let root = doc.as_table();
    let mut m = Manifest::default();
    for name in DEP_TABLES {
        if let Some(t) = root.get(name).and_then(Item::as_table_like) {
            deps_of(name, t, &mut m.deps);
        }
    }
    if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
        for (cfg, t) in targets.iter() {
            let Some(t) = t.as_table_like() else { continue };
            for name in DEP_TABLES {
                if let Some(d) = t.get(name).and_then(Item::as_table_like) {
                    deps_of(&format!("target.'{cfg}'.{name}"), d, &mut m.deps);
                }
            }
        }
    }
    if let Some(t) = root
        .get("workspace")
        .and_then(Item::as_table_like)
        .and_then(|w| w.get("dependencies"))
        .and_then(Item::as_table_like)
    {
        deps_of("workspace.dependencies", t, &mut m.deps);
    }
    patches_of(root, &mut m.patches);
    if let Some(pkg) = root.get("package").and_then(Item::as_table_like) {
        if let Some(b) = str_of(pkg, "build") {
            m.build = Some((b, key_offset(pkg, "build")));
        }
    }
    if let Some(lib) = root.get("lib").and_then(Item::as_table_like) {
        for key in ["proc-macro", "proc_macro"] {
            if lib.get(key).and_then(Item::as_bool) == Some(true) {
                m.proc_macro = Some(key_offset(lib, key));
            }
        }
    }
    Ok(m)
}

/// `[patch.<registry>]` and `[replace]` entries (both in manifests and in cargo config).
fn patches_of(root: &dyn TableLike, out: &mut Vec<Dep>) {
    if let Some(patch) = root.get("patch").and_then(Item::as_table_like) {
        for (reg, t) in patch.iter() {
            if let Some(t) = t.as_table_like() {
                deps_of(&format!("patch.{reg}"), t, out);
            }
        }
    }
    if let Some(t) = root.get("replace").and_then(Item::as_table_like) {
        deps_of("replace", t, out);
        for d in out.iter_mut().filter(|d| d.section == "replace") {
            // `"foo:1.2.3" = { … }` replaces the crate `foo`.
            if d.real == d.key {
                d.real = d.key.split(':').next().unwrap_or(&d.key).to_string();
            }
        }
    }
}

/// An entry of a cargo configuration that changes where crates come from.
#[derive(Debug, Clone)]
pub(crate) struct ConfigEntry {
    /// `source.crates-io`, `registries.mine`, `registry.default`.
    pub(crate) key: String,
    /// The entry's value, canonically rendered (for comparison and display).
    pub(crate) value: String,
    pub(crate) offset: usize,
}

/// What a `.cargo/config.toml` says about sources.
#[derive(Debug, Default)]
pub struct Config {
    /// `[source.*]` (source replacement).
    pub(crate) sources: Vec<ConfigEntry>,
    /// `[registries.*]` and `registry.default`.
    pub(crate) registries: Vec<ConfigEntry>,
    pub(crate) patches: Vec<Dep>,
}

fn entries(root: &dyn TableLike, table: &str, out: &mut Vec<ConfigEntry>) {
    let Some(t) = root.get(table).and_then(Item::as_table_like) else {
        return;
    };
    for (key, item) in t.iter() {
        out.push(ConfigEntry {
            key: format!("{table}.{key}"),
            value: canonical(item),
            offset: key_offset(t, key),
        });
    }
}

/// A rendering of a value that ignores formatting and comments.
fn canonical(item: &Item) -> String {
    if let Some(t) = item.as_table() {
        let mut parts: Vec<String> = t
            .iter()
            .map(|(k, v)| format!("{k} = {}", canonical(v)))
            .collect();
        parts.sort();
        return format!("{{ {} }}", parts.join(", "));
    }
    match item {
        Item::Value(v) => canonical_value(v),
        _ => String::new(),
    }
}

fn canonical_value(v: &toml_edit::Value) -> String {
    use toml_edit::Value as V;
    match v {
        V::String(s) => format!("{:?}", s.value()),
        V::Integer(i) => i.value().to_string(),
        V::Float(f) => f.value().to_string(),
        V::Boolean(b) => b.value().to_string(),
        V::Datetime(d) => d.value().to_string(),
        V::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical_value).collect::<Vec<_>>().join(", ")
        ),
        V::InlineTable(t) => {
            let mut parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", canonical_value(v)))
                .collect();
            parts.sort();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// Parses a `.cargo/config.toml` (or `.cargo/config`).
pub fn config(text: &str) -> Result<Config, ParseError> {
    let doc = parse(text)?;
    let root = doc.as_table();
    let mut c = Config::default();
    entries(root, "source", &mut c.sources);
    entries(root, "registries", &mut c.registries);
    if let Some(reg) = root.get("registry").and_then(Item::as_table_like) {
        if let Some(item) = reg.get("default") {
            c.registries.push(ConfigEntry {
                key: "registry.default".into(),
                value: canonical(item),
                offset: key_offset(reg, "default"),
            });
        }
    }
    patches_of(root, &mut c.patches);
    Ok(c)
}

/// A `[[package]]` of a `Cargo.lock` that has a `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) source: String,
    pub(crate) offset: usize,
}

/// Parses a `Cargo.lock` into its packages that have a source.
pub fn lock(text: &str) -> Result<Vec<Locked>, ParseError> {
    let doc = parse(text)?;
    let Some(pkgs) = doc
        .as_table()
        .get("package")
        .and_then(Item::as_array_of_tables)
    else {
        return Ok(Vec::new());
    };
    Ok(pkgs
        .iter()
        .filter_map(|t| {
            Some(Locked {
                name: str_of(t, "name")?,
                version: str_of(t, "version").unwrap_or_default(),
                source: str_of(t, "source")?,
                offset: key_offset(t, "name"),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_dependency_table() {
        let text = r#"
[package]
name = "x"
build = "build.rs"

[lib]
proc-macro = true

[dependencies]
serde = "1"
evil = { package = "serde_json", version = "1" }
local = { path = "../local" }
g = { git = "https://example.com/g.git", rev = "abc" }
inh.workspace = true

[dev-dependencies.tempfile]
version = "3"

[target.'cfg(unix)'.build-dependencies]
cc = { version = "1", registry = "mine" }

[workspace.dependencies]
anyhow = "1"

[patch.crates-io]
serde = { git = "https://example.com/serde" }

[replace]
"foo:0.1.0" = { path = "foo" }
"#;
        let m = manifest(text).expect("parses");
        let got: Vec<(&str, &str, &str)> = m
            .deps
            .iter()
            .map(|d| (d.section.as_str(), d.key.as_str(), d.real.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("dependencies", "serde", "serde"),
                ("dependencies", "evil", "serde_json"),
                ("dependencies", "local", "local"),
                ("dependencies", "g", "g"),
                ("dependencies", "inh", "inh"),
                ("dev-dependencies", "tempfile", "tempfile"),
                ("target.'cfg(unix)'.build-dependencies", "cc", "cc"),
                ("workspace.dependencies", "anyhow", "anyhow"),
            ]
        );
        assert!(m.deps[4].inherited);
        assert_eq!(m.deps[2].source, Source::Path("../local".into()));
        assert_eq!(m.deps[6].source, Source::Registry(Some("mine".into())));
        assert_eq!(&text[m.deps[1].offset..m.deps[1].offset + 4], "evil");
        assert_eq!(m.patches.len(), 2);
        assert_eq!(m.patches[1].real, "foo");
        assert_eq!(m.build.as_ref().map(|b| b.0.as_str()), Some("build.rs"));
        assert!(m.proc_macro.is_some());
    }

    #[test]
    fn invalid_toml_is_an_error_with_a_position() {
        let e = manifest("[dependencies]\nserde = \n").expect_err("invalid");
        assert!(e.offset > 0, "{e:?}");
    }

    #[test]
    fn config_sources_compare_semantically() {
        let a =
            config("[source.crates-io]\nreplace-with = \"m\" # c\n[source.m]\nregistry = \"x\"\n")
                .expect("parses");
        let b = config("[source.crates-io]\nreplace-with=\"m\"\n\n[source.m]\nregistry = 'x'\n")
            .expect("parses");
        assert_eq!(a.sources.len(), 2);
        let va: Vec<&str> = a.sources.iter().map(|e| e.value.as_str()).collect();
        let vb: Vec<&str> = b.sources.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(va[0], vb[0]);
    }
}
