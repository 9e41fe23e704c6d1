//! Symbolic links judged by what they lead to. A link's own blob is only
//! its target's name, but running or including the link runs the target:
//! `run.sh -> notes.md` makes a file the payload rules skip (`*.md`)
//! executable as a script. So the content of a link the change adds or
//! changes is its target's content (when the target is a file of the same
//! tree), read under the link's path: rules that skip or allow the target's
//! path still judge it under the link's, the stricter of the two.

use git2::Oid;

use super::diff::{decode, printable_runs, Decoded, DiffOptions};
use super::odb::{next_entry, Kind, Limited, ObjectStore};
use crate::model::{Content, FileChange};

const MODE_LINK: u32 = 0o120000;
const MODE_TREE: u32 = 0o040000;
const MODE_GITLINK: u32 = 0o160000;

/// Links followed in a row before giving up (as the kernel's limit, lower).
const MAX_HOPS: usize = 8;

/// `dir/target` with `.` and `..` resolved; `None` when it is absolute or
/// climbs above the root.
pub fn resolve(link_path: &str, target: &str) -> Option<Vec<String>> {
    if target.starts_with('/') || target.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = link_path.split('/').map(str::to_string).collect();
    parts.pop(); // the link's own name
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c.to_string()),
        }
    }
    (!parts.is_empty()).then_some(parts)
}

/// The entry at `path` in the tree `root`, if any.
fn lookup(
    store: &ObjectStore,
    root: &[u8],
    path: &[String],
) -> Result<Option<(Oid, u32)>, git2::Error> {
    let mut tree = std::borrow::Cow::Borrowed(root);
    for (i, name) in path.iter().enumerate() {
        let mut at = 0;
        let mut found = None;
        while let Some(e) = next_entry(&tree, &mut at)? {
            if e.name == name.as_bytes() {
                found = Some((e.oid(), e.mode));
                break;
            }
        }
        let Some((id, mode)) = found else {
            return Ok(None);
        };
        if i + 1 == path.len() {
            return Ok(Some((id, mode)));
        }
        if mode & 0o170000 != MODE_TREE {
            return Ok(None);
        }
        let t = store.read_kind(id, Kind::Tree)?;
        tree = std::borrow::Cow::Owned(t.data.to_vec());
    }
    Ok(None)
}

/// Gives each link of `files` that the change adds or changes its target's
/// content (see the module doc); links leading out of the tree, to a
/// directory or nowhere keep their target name as their one line.
pub fn follow(
    store: &ObjectStore,
    root: &[u8],
    files: &mut [FileChange],
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    if !opts.needs.lines {
        return Ok(());
    }
    for f in files.iter_mut() {
        if f.content != Content::Symlink || f.added.is_empty() {
            continue;
        }
        let mut link_path = f.path.clone();
        let mut target = f.text.clone();
        for _ in 0..MAX_HOPS {
            let Some(parts) = resolve(&link_path, &target) else {
                break;
            };
            let Some((id, mode)) = lookup(store, root, &parts)? else {
                break;
            };
            if mode == MODE_LINK {
                match store.read_limited(id, Kind::Blob, 4096)? {
                    Limited::Object(b) => {
                        link_path = parts.join("/");
                        target = String::from_utf8_lossy(&b.data).into_owned();
                        continue;
                    }
                    Limited::TooLarge(_) => break,
                }
            }
            if mode & 0o170000 == MODE_TREE || mode == MODE_GITLINK {
                break;
            }
            take_content(store, f, id, opts)?;
            break;
        }
    }
    Ok(())
}

/// Reads blob `id` as the content of link `f`, every line added.
fn take_content(
    store: &ObjectStore,
    f: &mut FileChange,
    id: Oid,
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    match store.read_limited(id, Kind::Blob, opts.max_file_size)? {
        Limited::TooLarge(size) => {
            f.set_text(String::new());
            f.added.clear();
            f.size = size;
            f.content = Content::TooLarge;
            f.blob = Some(id.to_string());
        }
        Limited::Object(b) => match decode(&b.data) {
            Decoded::Text(t) => {
                f.set_text(t.into_owned());
                f.added = (1..=f.line_count()).collect();
            }
            Decoded::Binary => {
                f.set_text(String::new());
                f.added.clear();
                f.content = Content::Binary;
                f.binary_strings = printable_runs(&b.data)
                    .map(|(at, r)| (at as u64, String::from_utf8_lossy(r).into_owned()))
                    .collect();
            }
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_inside_the_tree_only() {
        let r = |l: &str, t: &str| resolve(l, t).map(|p| p.join("/"));
        assert_eq!(r("run.sh", "notes.md").as_deref(), Some("notes.md"));
        assert_eq!(r("bin/run", "../docs/./x.md").as_deref(), Some("docs/x.md"));
        assert_eq!(r("a/b/c", "../../d").as_deref(), Some("d"));
        assert_eq!(r("run.sh", "../outside"), None);
        assert_eq!(r("run.sh", "/etc/passwd"), None);
        assert_eq!(r("a/run", ".."), None);
    }
}
