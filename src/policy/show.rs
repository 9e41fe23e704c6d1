//! `policy-check policy show`: the effective policy after `extends`, as
//! TOML, each setting annotated with the document (and line) it came from.

use toml_edit::{DocumentMut, Item, Value};

use super::load::Merged;
use crate::config::error::Seg;

/// The merged document, every leaf setting followed by `# from FILE:LINE`;
/// `name` shortens file names (e.g. relative to the repository).
pub(crate) fn render(merged: &Merged, name: &dyn Fn(&str) -> String) -> String {
    let text = toml::to_string(&merged.table).unwrap_or_default();
    let mut doc: DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(_) => return text,
    };
    for (path, &src) in &merged.origins {
        let note = match merged.locate(path) {
            Some(loc) => format!("  # from {}:{}", name(&loc.file), loc.line),
            None => format!("  # from {}", name(&merged.sources[src].name)),
        };
        annotate(doc.as_item_mut(), &path.0, &note);
    }
    order(&mut doc);
    let mut head = String::from("# The effective policy. Documents read, parents first:\n");
    for s in &merged.sources {
        head.push_str(&format!("#   {}\n", name(&s.name)));
    }
    head.push('\n');
    head + doc.to_string().trim_start_matches('\n')
}

/// Attaches `note` after the setting at `path` (a value, or each table of an
/// array of tables).
fn annotate(item: &mut Item, path: &[Seg], note: &str) {
    let Some((first, rest)) = path.split_first() else {
        match item {
            Item::Value(v) => set_suffix(v, note),
            Item::Table(t) => {
                t.decor_mut().set_suffix(note.to_string());
            }
            Item::ArrayOfTables(a) => {
                for t in a.iter_mut() {
                    t.decor_mut().set_suffix(note.to_string());
                }
            }
            Item::None => {}
        }
        return;
    };
    match (item, first) {
        (Item::Table(t), Seg::Key(k)) => {
            if let Some(child) = t.get_mut(k) {
                annotate(child, rest, note);
            }
        }
        (Item::Value(Value::InlineTable(t)), Seg::Key(k)) => {
            if let Some(v) = t.get_mut(k) {
                let mut it = Item::Value(v.clone());
                annotate(&mut it, rest, note);
                if let Item::Value(nv) = it {
                    *v = nv;
                }
            }
        }
        (Item::ArrayOfTables(a), seg) => {
            let found = a.iter_mut().enumerate().find(|(i, t)| match seg {
                Seg::Id(id) => t.get("id").and_then(Item::as_str) == Some(id.as_str()),
                Seg::Index(n) => i == n,
                Seg::Key(_) => false,
            });
            if let Some((_, t)) = found {
                if rest.is_empty() {
                    t.decor_mut().set_suffix(note.to_string());
                } else {
                    let mut it = Item::Table(t.clone());
                    annotate(&mut it, rest, note);
                    if let Item::Table(nt) = it {
                        *t = nt;
                    }
                }
            }
        }
        _ => {}
    }
}

fn set_suffix(v: &mut Value, note: &str) {
    v.decor_mut().set_suffix(note.to_string());
}

/// Puts the top-level tables in the order a policy is usually written.
fn order(doc: &mut DocumentMut) {
    const ORDER: &[&str] = &["policy", "scan", "severity", "rules", "exceptions"];
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    let mut pos = 0usize;
    let mut keys: Vec<String> = doc.as_table().iter().map(|(k, _)| k.to_string()).collect();
    keys.sort_by_key(|k| rank(k));
    for k in keys {
        match doc.as_table_mut().get_mut(&k) {
            Some(Item::Table(t)) => {
                pos = set_positions(t, pos);
            }
            Some(Item::ArrayOfTables(a)) => {
                for t in a.iter_mut() {
                    t.decor_mut().set_prefix("\n");
                    t.set_position(pos);
                    pos += 1;
                }
            }
            _ => {}
        }
    }
}

/// Numbers a table and its sub-tables in document order; returns the next position.
fn set_positions(t: &mut toml_edit::Table, mut pos: usize) -> usize {
    t.set_position(pos);
    if !t.is_implicit() {
        t.decor_mut().set_prefix("\n");
    }
    pos += 1;
    for (_, item) in t.iter_mut() {
        if let Item::Table(sub) = item {
            pos = set_positions(sub, pos);
        }
    }
    pos
}
