//! The `license` and `license-file` fields of a crate manifest
//! (`Cargo.toml`), read from `[package]` or `[workspace.package]` with the
//! line each stands on, and the old value from the commit's removed lines.

/// A licence field of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// `license` or `license-file`.
    pub(crate) key: &'static str,
    pub(crate) value: String,
    /// The line of `key = …` (1-based), when it could be found.
    pub(crate) line: Option<u32>,
}

/// Cheap test before parsing: could this text change a licence field at all?
pub(crate) fn mentions_license(line: &str) -> bool {
    line.trim_start().starts_with("license")
}

/// The licence fields of a manifest, or nothing when it does not parse
/// (another rule reports broken manifests) or inherits them from a workspace.
pub(crate) fn read(text: &str) -> Vec<Field> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let tables = [
        ("package", doc.get("package")),
        (
            "workspace.package",
            doc.get("workspace").and_then(|w| w.get("package")),
        ),
    ];
    for (name, table) in tables {
        let Some(t) = table.and_then(toml::Value::as_table) else {
            continue;
        };
        for key in ["license", "license-file"] {
            if let Some(v) = t.get(key).and_then(toml::Value::as_str) {
                out.push(Field {
                    key,
                    value: v.to_string(),
                    line: line_of(text, name, key),
                });
            }
        }
    }
    out
}

/// The line of `key = …` inside `[table]` (or as `table.key = …` before
/// any table header).
fn line_of(text: &str, table: &str, key: &str) -> Option<u32> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('[') {
            current = l
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .split('.')
                .map(|s| s.trim().trim_matches('"'))
                .collect::<Vec<_>>()
                .join(".");
            continue;
        }
        let Some((k, _)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_matches('"');
        let full = if current.is_empty() {
            k.to_string()
        } else {
            format!("{current}.{k}")
        };
        if full == format!("{table}.{key}") {
            return Some(i as u32 + 1);
        }
    }
    None
}

/// The value of `key = "…"` on a (removed) line, if the line sets it.
pub(crate) fn value_on_line(line: &str, key: &str) -> Option<String> {
    let (k, v) = line.split_once('=')?;
    if k.trim().trim_matches('"') != key {
        return None;
    }
    let v = v.trim();
    let v = v.split_once(" #").map_or(v, |(a, _)| a).trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))?;
    Some(v.to_string())
}

/// `dir/rel` with `.` and `..` resolved, for a `license-file` path.
pub(crate) fn join(manifest: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = match manifest.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => Vec::new(),
    };
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_with_lines() {
        let text = "[package]\nname = \"x\"\nlicense = \"MIT OR Apache-2.0\"\n\n[dependencies]\nlicense = \"1\"\n";
        assert_eq!(
            read(text),
            vec![Field {
                key: "license",
                value: "MIT OR Apache-2.0".into(),
                line: Some(3)
            }]
        );
        let ws = "[workspace]\nmembers = []\n\n[workspace.package]\nlicense-file = \"LICENSE\"\n";
        assert_eq!(
            read(ws),
            vec![Field {
                key: "license-file",
                value: "LICENSE".into(),
                line: Some(5)
            }]
        );
        assert!(read("[package]\nlicense.workspace = true\n").is_empty());
        assert!(read("[package\nlicense = ").is_empty());
    }

    #[test]
    fn old_values_and_paths() {
        assert_eq!(
            value_on_line("license = \"MIT\"  # x", "license"),
            Some("MIT".into())
        );
        assert_eq!(value_on_line("license-file = 'L'", "license"), None);
        assert_eq!(join("crates/a/Cargo.toml", "../../LICENSE"), "LICENSE");
        assert_eq!(join("Cargo.toml", "./COPYING"), "COPYING");
    }
}
