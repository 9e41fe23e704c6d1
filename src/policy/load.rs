//! Reading policy files: presets, `extends` chains, strict parsing, merging
//! with a record of where each setting came from, and locating a setting in
//! its file for error messages.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml_edit::{ImDocument, Item, Table as EditTable, Value as EditValue};

use super::presets;
use super::raw::RawPolicy;
use crate::config::error::{line_col, nearest, KeyPath, Location, PolicyError, PolicyErrors, Seg};

/// The most bytes any policy input (a policy file, a file it extends, a
/// maintainers file) may have: a hostile `extends = ["/dev/zero"]` or a
/// huge blob on a branch is an error, not an exhausted memory.
pub(crate) const MAX_POLICY_BYTES: u64 = 1 << 20;

/// One policy document in the chain.
#[derive(Debug, Clone)]
pub struct Source {
    /// A path, or `preset:NAME`.
    pub(crate) name: String,
    /// The document's TOML text.
    pub text: String,
    /// Directory that relative `extends` paths resolve against.
    pub(crate) dir: Option<PathBuf>,
    /// For a policy read from a git tree (a branch's policy on the server,
    /// `--policy-ref`): the only files it may name. `extends` and
    /// `maintainers_file` resolve inside that tree, never on the disk.
    pub(crate) tree: Option<TreeFiles>,
}

/// Reads a normalized path of a tree: its bytes, or why it cannot be read.
pub(crate) type ReadTree = std::rc::Rc<dyn Fn(&str) -> Result<Vec<u8>, String>>;

/// Files of one git tree at one commit, as a branch policy may read them.
#[derive(Clone)]
pub(crate) struct TreeFiles {
    /// Where the tree comes from, for messages (`refs/heads/main at 1a2b3c4d5e6f`).
    pub(crate) label: String,
    /// The directory, inside the tree, of the document being read (`` for the root).
    pub(crate) dir: String,
    /// The path, inside the tree, of the document being read.
    pub(crate) file: String,
    /// Reads a normalized path of the tree: its bytes (at most
    /// [`MAX_POLICY_BYTES`]), or why it cannot be read.
    pub(crate) read: ReadTree,
}

impl std::fmt::Debug for TreeFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TreeFiles({} {})", self.label, self.dir)
    }
}

impl TreeFiles {
    /// `rel` resolved against this tree's `dir`: a normalized path inside
    /// the tree, or why it leaves it (an absolute path, `..` above the root).
    pub(crate) fn resolve(&self, rel: &str) -> Result<String, String> {
        if rel.starts_with('/') || rel.starts_with('\\') || rel.contains('\0') {
            return Err(format!(
                "`{rel}` is an absolute path: a policy read from {} may only name files of that tree, relative to the policy, or presets",
                self.label
            ));
        }
        let mut parts: Vec<&str> = self.dir.split('/').filter(|p| !p.is_empty()).collect();
        for comp in rel.split('/') {
            match comp {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(format!(
                            "`{rel}` leaves the tree of {}: a branch policy may only name files of its own tree, or presets",
                            self.label
                        ));
                    }
                }
                c => parts.push(c),
            }
        }
        if parts.is_empty() {
            return Err(format!("`{rel}` names no file of {}", self.label));
        }
        Ok(parts.join("/"))
    }

    /// Reads `rel` (relative to `dir`) from the tree.
    pub(crate) fn read_rel(&self, rel: &str) -> Result<(String, Vec<u8>), String> {
        let path = self.resolve(rel)?;
        let bytes = (self.read)(&path)?;
        Ok((path, bytes))
    }
}

/// Reads a file from disk for the policy: it must be a regular file (not a
/// symbolic link, a device, a FIFO or a directory) of at most
/// [`MAX_POLICY_BYTES`]. `what` names it in messages ("policy file").
pub(crate) fn read_bounded(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "cannot read {what} {}: it is a symbolic link, and policy-check reads policy inputs only from regular files (name the target itself)",
            path.display()
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "cannot read {what} {}: it is not a regular file (a directory, device, FIFO or socket)",
            path.display()
        ));
    }
    if meta.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "cannot read {what} {}: it is {} bytes, above the {MAX_POLICY_BYTES}-byte limit for policy inputs",
            path.display(),
            meta.len()
        ));
    }
    // Opened without blocking and checked again on the open file: a path
    // swapped for a FIFO after the check above must not hang a server hook.
    let f =
        open_regular(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_POLICY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_POLICY_BYTES {
        return Err(format!(
            "cannot read {what} {}: it is above the {MAX_POLICY_BYTES}-byte limit for policy inputs",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Opens `path` without blocking and refuses anything but a regular file.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc_nonblock());
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {kind}"),
        ));
    }
    Ok(file)
}

/// `O_NONBLOCK`: 0o4000 on Linux (every architecture but alpha, sparc and
/// parisc, where git servers are rare) and 4 on the BSDs and macOS.
#[cfg(unix)]
fn libc_nonblock() -> i32 {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        0o4000
    } else {
        4
    }
}

impl Source {
    /// A policy document given as text (no file to resolve paths against).
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
            dir: None,
            tree: None,
        }
    }

    /// Reads a policy file from disk (a regular file, size-bounded).
    pub(crate) fn file(path: &Path) -> Result<Self, PolicyErrors> {
        let text = read_bounded(path, "policy file").map_err(|m| PolicyErrors::one(None, m))?;
        let text = String::from_utf8(text).map_err(|e| {
            PolicyErrors::one(
                None,
                format!(
                    "policy file {} is not valid UTF-8 (byte {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Source {
            name: path.display().to_string(),
            text,
            dir: path.parent().map(Path::to_path_buf),
            tree: None,
        })
    }

    /// An embedded preset by name.
    pub(crate) fn preset(name: &str) -> Result<Self, PolicyErrors> {
        match presets::get(name) {
            Some(text) => Ok(Source {
                name: format!("preset:{name}"),
                text: text.to_string(),
                dir: None,
                tree: None,
            }),
            None => {
                let mut msg = format!("unknown preset `{name}`");
                if let Some(near) = nearest(name, presets::names()) {
                    msg.push_str(&format!("; did you mean `{near}`?"));
                }
                msg.push_str(&format!(
                    " (presets: {})",
                    presets::names().collect::<Vec<_>>().join(", ")
                ));
                Err(PolicyErrors::one(None, msg))
            }
        }
    }

    /// The location of a byte offset in this source.
    pub(crate) fn location(&self, offset: usize) -> Location {
        let (line, column) = line_col(&self.text, offset);
        Location {
            file: self.name.clone(),
            line,
            column,
        }
    }
}

/// Refuses a path that could leave the policy's directory or tree: a file a
/// policy names beside itself (`[secrets] gitleaks_config`) is relative and
/// never goes up.
fn confined(rel: &str) -> Result<&Path, String> {
    let p = Path::new(rel);
    let escapes = p.components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if rel.is_empty() || escapes {
        return Err(format!(
            "`{rel}` must be a relative path inside the policy's own directory (no `..`, no absolute path)"
        ));
    }
    Ok(p)
}

/// A fully merged policy document with the provenance of every setting.
#[derive(Debug)]
pub(crate) struct Merged {
    pub(crate) table: toml::Table,
    /// Every document read, parents before children.
    pub(crate) sources: Vec<Source>,
    /// For each leaf setting, the index in `sources` of the document that set it.
    pub(crate) origins: BTreeMap<KeyPath, usize>,
    /// `table` deserialized, when it could be (taken by `Policy::load`).
    pub(crate) typed: Option<RawPolicy>,
}

impl Merged {
    /// Locates a setting in the document that set it (or the nearest parent key).
    pub(crate) fn locate(&self, path: &KeyPath) -> Option<Location> {
        let mut p = path.clone();
        loop {
            let origin = self
                .origins
                .range(p.clone()..)
                .next()
                .filter(|(k, _)| k.0.starts_with(&p.0))
                .map(|(_, &i)| i);
            if let Some(i) = origin {
                let src = &self.sources[i];
                let span = locate_in(&src.text, path).unwrap_or(0..0);
                return Some(src.location(span.start));
            }
            p.0.pop()?;
        }
    }

    /// Reads `rel`, a path relative to the document that set `key`: from
    /// the commit tree that document came from, else from its directory.
    /// Absolute paths and `..` are refused, so a policy reads only files of
    /// its own tree or directory; a preset reads nothing. Returns the
    /// file's display name and text.
    pub(crate) fn read_beside(&self, key: &KeyPath, rel: &str) -> Result<(String, String), String> {
        let src = self
            .origins
            .get(key)
            .and_then(|&i| self.sources.get(i))
            .ok_or_else(|| format!("cannot read `{rel}`: no policy document sets `{key}`"))?;
        let path = confined(rel)?;
        let (name, bytes) = if let Some(t) = &src.tree {
            let (path, bytes) = t.read_rel(rel)?;
            (format!("{}:{path}", t.label), bytes)
        } else if let Some(dir) = &src.dir {
            let full = dir.join(path);
            let bytes = read_bounded(&full, "file")?;
            (full.display().to_string(), bytes)
        } else {
            return Err(format!(
                "cannot read `{rel}`: `{}` has no directory or tree to read it from",
                src.name
            ));
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "{name} is not valid UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            )
        })?;
        Ok((name, text))
    }

    /// Turns a problem at a setting into a located error.
    pub(crate) fn error(&self, path: &KeyPath, message: impl Into<String>) -> PolicyError {
        PolicyError {
            location: self.locate(path),
            key: (!path.0.is_empty()).then(|| path.to_string()),
            message: message.into(),
        }
    }
}

/// Reads `start` and everything it extends, merged parents-first.
pub(crate) fn load(start: Source) -> Result<Merged, PolicyErrors> {
    match load_all(start)? {
        (merged, problems) if problems.is_empty() => Ok(merged),
        (_, problems) => Err(PolicyErrors(problems)),
    }
}

/// Like [`load`], but a document that only breaks the schema is still
/// merged (without the refused keys) and returned beside its problems, so
/// that the caller can compile the rest and report everything at once.
/// Syntax errors, `extends` cycles and unknown presets stay fatal.
pub(crate) fn load_all(start: Source) -> Result<(Merged, Vec<PolicyError>), PolicyErrors> {
    let mut merged = Merged {
        table: toml::Table::new(),
        sources: Vec::new(),
        origins: BTreeMap::new(),
        typed: None,
    };
    let mut stack = Vec::new();
    let mut problems = Vec::new();
    load_into(start, &mut merged, &mut stack, &mut problems)?;
    // Required keys are judged on the merged document (see `schema::check`);
    // a merged document that deserializes has none missing.
    match RawPolicy::deserialize(merged.table.clone()) {
        Ok(raw) => merged.typed = Some(raw),
        Err(_) => problems.extend(
            super::schema::check(&merged.table, true)
                .into_iter()
                .filter(|(_, m)| m.starts_with("missing key"))
                .map(|(path, m)| PolicyError {
                    key: None,
                    ..merged.error(&path, m)
                }),
        ),
    }
    Ok((merged, problems))
}

/// Reads one document and its parents. A document that parses but does not
/// fit the schema adds its problems to `problems` and loading goes on, so
/// that every document's problems are reported at once.
fn load_into(
    src: Source,
    merged: &mut Merged,
    stack: &mut Vec<String>,
    problems: &mut Vec<PolicyError>,
) -> Result<(), PolicyErrors> {
    let id = canonical_id(&src);
    if let Some(pos) = stack.iter().position(|s| *s == id) {
        let mut cycle: Vec<&str> = stack[pos..].iter().map(String::as_str).collect();
        cycle.push(&id);
        return Err(PolicyErrors::one(
            None,
            format!("`extends` forms a cycle: {}", cycle.join(" -> ")),
        ));
    }
    let table = parse_strict(&src, problems)?;
    let extends = extends_of(&src, &table)?;
    stack.push(id);
    for name in extends {
        let parent = resolve_extends(&src, &name).map_err(|mut e| {
            let offset = extends_offset(&src);
            for err in &mut e.0 {
                if err.location.is_none() {
                    err.location = Some(src.location(offset));
                }
            }
            e
        })?;
        load_into(parent, merged, stack, problems)?;
    }
    stack.pop();
    let idx = merged.sources.len();
    merged.sources.push(src);
    let mut path = KeyPath::root();
    merge_table(
        &mut merged.table,
        table,
        idx,
        &mut path,
        &mut merged.origins,
    );
    Ok(())
}

fn canonical_id(src: &Source) -> String {
    if src.name.starts_with("preset:") || src.tree.is_some() {
        return src.name.clone();
    }
    std::fs::canonicalize(&src.name)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| src.name.clone())
}

/// Parses a document into a plain table for merging (a syntax error is
/// fatal), checks it against the policy's schema (every unknown key and
/// wrongly typed value, added to `problems`, located), and, when the schema
/// finds nothing, into the typed policy, whose error catches the rest.
///
/// A document that deserializes into the typed policy as it is (the common
/// case) has nothing for the schema checker to find, since the schema is
/// derived from the same types: its checks are skipped.
fn parse_strict(
    src: &Source,
    problems: &mut Vec<PolicyError>,
) -> Result<toml::Table, PolicyErrors> {
    // An embedded preset: the quick reader (it falls back to `toml`).
    let embedded = src
        .name
        .strip_prefix("preset:")
        .and_then(presets::get)
        .is_some_and(|t| t == src.text);
    let table = if embedded {
        crate::config::embedded::table(&src.text)
    } else {
        toml::from_str::<toml::Table>(&src.text)
    }
    .map_err(|e| PolicyErrors(vec![toml_error(src, &e)]))?;
    if RawPolicy::deserialize(table.clone()).is_ok() {
        return Ok(table);
    }
    let checked = super::schema::check(&table, false);
    // Without the keys the schema refused, the rest of the document can
    // still be compiled, so that its other problems (a bad regex, a bad
    // glob) are reported in the same run rather than after these are fixed.
    let mut table = table;
    for (path, _) in &checked {
        remove_path(&mut table, path);
    }
    let mut found: Vec<PolicyError> = checked
        .into_iter()
        .map(|(path, message)| {
            let span = locate_in(&src.text, &path).unwrap_or(0..0);
            let plain = message.starts_with("unknown key") || message.starts_with("missing key");
            PolicyError {
                location: Some(src.location(span.start)),
                key: (!plain && !path.0.is_empty()).then(|| path.to_string()),
                message,
            }
        })
        .collect();
    found.sort_by_key(|e| e.location.as_ref().map(|l| (l.line, l.column)));
    if found.is_empty() {
        match toml::from_str::<RawPolicy>(&src.text) {
            // A missing key may come from a parent: judged once merged.
            Err(e) if !e.message().starts_with("missing field") => found.push(toml_error(src, &e)),
            _ => {}
        }
    }
    problems.extend(found);
    Ok(table)
}

/// Removes the value at `path` (a key the schema refused) from `table`.
/// An element named by `id` or position is removed from its array.
fn remove_path(table: &mut toml::Table, path: &KeyPath) {
    let Some((last, parents)) = path.0.split_last() else {
        return;
    };
    let mut here: &mut toml::Value = match parents.first() {
        Some(Seg::Key(k)) => match table.get_mut(k) {
            Some(v) => v,
            None => return,
        },
        Some(_) => return,
        None => {
            if let Seg::Key(k) = last {
                table.remove(k);
            }
            return;
        }
    };
    for seg in &parents[1..] {
        let next = match (seg, here) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k),
            (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i),
            (Seg::Id(id), toml::Value::Array(a)) => a
                .iter_mut()
                .find(|v| element_id(v).as_deref() == Some(id.as_str())),
            _ => None,
        };
        match next {
            Some(v) => here = v,
            None => return,
        }
    }
    match (last, here) {
        (Seg::Key(k), toml::Value::Table(t)) => {
            t.remove(k);
        }
        (Seg::Index(i), toml::Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        (Seg::Id(id), toml::Value::Array(a)) => {
            a.retain(|v| element_id(v).as_deref() != Some(id.as_str()));
        }
        _ => {}
    }
}

/// A toml error with file:line:column, the table it occurred in and, for an
/// unknown key, the nearest known one.
fn toml_error(src: &Source, e: &toml::de::Error) -> PolicyError {
    let offset = e.span().map_or(0, |s| s.start);
    let mut message = e
        .message()
        .trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    if let Some((field, expected)) = unknown_field(&message) {
        let table = table_at(&src.text, offset);
        message = format!("unknown key `{field}` in {table}");
        if let Some(near) = nearest(&field, expected.iter().map(String::as_str)) {
            message.push_str(&format!("; did you mean `{near}`?"));
        }
        if !expected.is_empty() {
            message.push_str(&format!(" (expected one of: {})", expected.join(", ")));
        }
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        message = format!("unknown value {rest}");
    }
    PolicyError {
        location: Some(src.location(offset)),
        key: None,
        message,
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((field.to_string(), expected))
}

/// The `[table]` header in force at a byte offset, for messages.
fn table_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
        .unwrap_or_else(|| "the top level".to_string())
}

/// The byte offset of `policy.extends` in a document, for its errors.
fn extends_offset(src: &Source) -> usize {
    locate_in(&src.text, &KeyPath::of(&["policy", "extends"]))
        .unwrap_or(0..0)
        .start
}

/// The `policy.extends` entries.
fn extends_of(src: &Source, table: &toml::Table) -> Result<Vec<String>, PolicyErrors> {
    let Some(ext) = table.get("policy").and_then(|p| p.get("extends")) else {
        return Ok(Vec::new());
    };
    let offset = || extends_offset(src);
    let names: Vec<String> = match ext {
        toml::Value::String(s) => vec![s.clone()],
        toml::Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                PolicyErrors::one(
                    Some(src.location(offset())),
                    "`policy.extends` must be a list of preset names or paths",
                )
            })?,
        _ => {
            return Err(PolicyErrors::one(
                Some(src.location(offset())),
                "`policy.extends` must be a preset name, a path, or a list of them",
            ))
        }
    };
    Ok(names)
}

/// A preset name, or a path (anything with a `/` or ending in `.toml`)
/// relative to the extending file. A policy read from a git tree extends
/// only files of that tree (or presets).
fn resolve_extends(from: &Source, name: &str) -> Result<Source, PolicyErrors> {
    let is_path = name.contains('/') || name.ends_with(".toml");
    if let (true, Some(tree)) = (is_path, &from.tree) {
        let fail = |m: String| PolicyErrors::one(None, format!("policy.extends: {m}"));
        let (path, bytes) = tree.read_rel(name).map_err(fail)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "{path} in {} is not valid UTF-8 (byte {})",
                tree.label,
                e.utf8_error().valid_up_to()
            ))
        })?;
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        return Ok(Source {
            name: format!("{}:{path}", tree.label),
            text,
            dir: None,
            tree: Some(TreeFiles {
                dir,
                file: path,
                ..tree.clone()
            }),
        });
    }
    if is_path {
        let path = Path::new(name);
        let path = match (&from.dir, path.is_absolute()) {
            (Some(dir), false) => dir.join(path),
            _ => path.to_path_buf(),
        };
        Source::file(&path)
    } else {
        Source::preset(name)
    }
}

/// The key that identifies an element of an array of tables, for merging.
fn element_id(v: &toml::Value) -> Option<String> {
    v.as_table()?
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Deep-merges `over` into `base`: tables merge key by key, arrays of tables
/// with an `id` merge element by element, everything else is replaced.
fn merge_table(
    base: &mut toml::Table,
    over: toml::Table,
    src: usize,
    path: &mut KeyPath,
    origins: &mut BTreeMap<KeyPath, usize>,
) {
    for (k, v) in over {
        if path.0.is_empty() && k == "policy" {
            // `extends` has been applied; the rest of [policy] merges normally.
            if let toml::Value::Table(mut t) = v {
                t.remove("extends");
                let base_t = base
                    .entry("policy")
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(b) = base_t {
                    path.0.push(Seg::Key(k));
                    merge_table(b, t, src, path, origins);
                    path.0.pop();
                }
            }
            continue;
        }
        path.0.push(Seg::Key(k.clone()));
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                merge_table(b, o, src, path, origins);
            }
            (Some(toml::Value::Array(b)), toml::Value::Array(o))
                if !o.is_empty() && o.iter().all(|v| element_id(v).is_some()) =>
            {
                for item in o {
                    let id = element_id(&item).unwrap_or_default();
                    path.0.push(Seg::Id(id.clone()));
                    match b
                        .iter_mut()
                        .find(|e| element_id(e).as_deref() == Some(id.as_str()))
                    {
                        Some(toml::Value::Table(existing)) => {
                            if let toml::Value::Table(t) = item {
                                merge_table(existing, t, src, path, origins);
                            }
                        }
                        _ => {
                            record(&item, src, path, origins);
                            b.push(item);
                        }
                    }
                    path.0.pop();
                }
            }
            (_, v) => {
                origins.retain(|p, _| !p.0.starts_with(&path.0));
                record(&v, src, path, origins);
                base.insert(k, v);
            }
        }
        path.0.pop();
    }
}

fn record(v: &toml::Value, src: usize, path: &mut KeyPath, origins: &mut BTreeMap<KeyPath, usize>) {
    match v {
        toml::Value::Table(t) if !t.is_empty() => {
            for (k, v) in t {
                path.0.push(Seg::Key(k.clone()));
                record(v, src, path, origins);
                path.0.pop();
            }
        }
        toml::Value::Array(a) if !a.is_empty() && a.iter().all(|v| element_id(v).is_some()) => {
            for item in a {
                path.0.push(Seg::Id(element_id(item).unwrap_or_default()));
                record(item, src, path, origins);
                path.0.pop();
            }
        }
        _ => {
            origins.insert(path.clone(), src);
        }
    }
}

enum Node<'a> {
    Item(&'a Item),
    Table(&'a EditTable),
    Value(&'a EditValue),
}

impl<'a> Node<'a> {
    fn span(&self) -> Option<Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Table(t) => t.span(),
            Node::Value(v) => v.span(),
        }
    }

    fn child(&self, seg: &Seg) -> Option<Node<'a>> {
        let id_matches =
            |t: &dyn toml_edit::TableLike, id: &str| t.get("id").and_then(Item::as_str) == Some(id);
        match (self, seg) {
            (Node::Item(Item::Table(t)), _) => Node::Table(t).child(seg),
            (Node::Item(Item::Value(v)), _) => Node::Value(v).child(seg),
            (Node::Table(t), Seg::Key(k)) => t.get(k).map(Node::Item),
            (Node::Value(EditValue::InlineTable(t)), Seg::Key(k)) => t.get(k).map(Node::Value),
            (Node::Item(Item::ArrayOfTables(a)), Seg::Id(id)) => {
                a.iter().find(|t| id_matches(*t, id)).map(Node::Table)
            }
            (Node::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => a.get(*i).map(Node::Table),
            (Node::Value(EditValue::Array(a)), Seg::Id(id)) => a.iter().find_map(|v| match v {
                EditValue::InlineTable(t) if id_matches(t, id) => Some(Node::Value(v)),
                _ => None,
            }),
            (Node::Value(EditValue::Array(a)), Seg::Index(i)) => a.get(*i).map(Node::Value),
            _ => None,
        }
    }
}

/// Byte span of a setting in a document (of its nearest ancestor present).
pub(crate) fn locate_in(text: &str, path: &KeyPath) -> Option<Range<usize>> {
    let doc = ImDocument::parse(text).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut best = None;
    for seg in &path.0 {
        match node.child(seg) {
            Some(next) => {
                if let Some(s) = next.span() {
                    best = Some(s);
                }
                node = next;
            }
            None => break,
        }
    }
    best
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    #[test]
    fn tree_paths_stay_inside_the_tree() {
        let t = TreeFiles {
            label: "refs/heads/main at 0123456789ab".into(),
            dir: "policies".into(),
            file: "policies/p.toml".into(),
            read: std::rc::Rc::new(|_| Err("unused".into())),
        };
        assert_eq!(t.resolve("base.toml").as_deref(), Ok("policies/base.toml"));
        assert_eq!(t.resolve("../MAINTAINERS").as_deref(), Ok("MAINTAINERS"));
        assert_eq!(t.resolve("./a/../b.toml").as_deref(), Ok("policies/b.toml"));
        for bad in ["/etc/passwd", "/dev/zero", "../../x", "..", "\\srv\\x"] {
            assert!(t.resolve(bad).is_err(), "{bad}");
        }
    }
}
