//! `policy-check policy show`: the effective policy after `extends`, as
//! TOML, each setting annotated with the document (and line) it came from.

use toml_edit::{DocumentMut, Item, Value};

use super::error::{KeyPath, Seg};
use super::load::Merged;

/// The merged document, every leaf setting followed by `# from FILE:LINE`.
pub fn render(merged: &Merged) -> String {
    let text = toml::to_string(&merged.table).unwrap_or_default();
    let mut doc: DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(_) => return text,
    };
    for (path, &src) in &merged.origins {
        let note = match merged.locate(path) {
            Some(loc) => format!("  # from {}:{}", loc.file, loc.line),
            None => format!("  # from {}", merged.sources[src].name),
        };
        annotate(doc.as_item_mut(), &path.0, &note);
    }
    let mut head =
        String::from("# The effective policy, after `extends`. Documents, parents first:\n");
    for s in &merged.sources {
        head.push_str(&format!("#   {}\n", s.name));
    }
    head.push('\n');
    head + &doc.to_string()
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

/// The path of a setting, for callers that annotate one setting.
pub fn key(path: &KeyPath) -> String {
    path.to_string()
}
