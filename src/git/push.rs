//! What a push adds: the commits reachable from the pushed tips and from no
//! ref the other side already has, walked once for all refs of the push and
//! attributed to each ref, and the annotated tags a pushed ref points through.

use std::collections::{HashMap, HashSet};

use crate::git::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, Context, Result};
use git2::ObjectType;

/// The commits a push adds, deduplicated across refs.
#[derive(Debug, Default)]
pub(crate) struct NewCommits {
    /// Every new commit once, newest first (topological).
    pub(crate) order: Vec<Oid>,
    /// Each new commit and the tip it is attributed to: the first tip, in the
    /// order given, that reaches it.
    pub(crate) owner: HashMap<Oid, usize>,
    /// For each tip, how many new commits are attributed to it.
    pub(crate) owned: Vec<usize>,
    /// For each tip, the earlier tips whose commits it also reaches.
    pub(crate) shares: Vec<Vec<usize>>,
}

/// Commits reachable from `tips` but from none of `hidden`.
///
/// One walk serves every ref of the push, and each new commit is attributed
/// to the first tip that reaches it (as if the refs were updated one after
/// the other), so the cost stays linear in the number of new commits even
/// for thousands of refs (a mirror pushing every tag of a long history).
pub(crate) fn new_commits(repo: &Repository, tips: &[Oid], hidden: &[Oid]) -> Result<NewCommits> {
    let mut out = NewCommits {
        owned: vec![0; tips.len()],
        shares: vec![Vec::new(); tips.len()],
        ..NewCommits::default()
    };
    if tips.is_empty() {
        return Ok(out);
    }
    let mut walk = super::plumbing::walk::Walk::new(repo)?;
    for &t in tips {
        walk.push(t)
            .with_context(|| format!("cannot walk from the pushed commit {t}"))?;
    }
    let mut seen_hidden = HashSet::new();
    for &h in hidden {
        if seen_hidden.insert(h) {
            walk.hide(h)
                .with_context(|| format!("cannot read the existing commit {h}"))?;
        }
    }
    let walked = walk.run().context("walking the pushed commits")?;
    let new: HashSet<Oid> = walked.order.iter().copied().collect();
    for (i, &tip) in tips.iter().enumerate() {
        let mut stack = vec![tip];
        while let Some(c) = stack.pop() {
            if !new.contains(&c) {
                continue;
            }
            match out.owner.get(&c) {
                Some(&j) if j == i => {}
                Some(&j) => {
                    if !out.shares[i].contains(&j) {
                        out.shares[i].push(j);
                    }
                }
                None => {
                    out.owner.insert(c, i);
                    out.owned[i] += 1;
                    // parents the push does not add are skipped above
                    stack.extend(walked.parents(&c));
                }
            }
        }
    }
    out.order = walked.order;
    Ok(out)
}

/// What a pushed object is, once annotated tags are peeled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pushed {
    /// The annotated tag objects passed through, outermost first.
    pub(crate) tags: Vec<Oid>,
    /// The commit at the end, if the chain ends in one.
    pub(crate) commit: Option<Oid>,
    /// The kind of object at the end when it is not a commit (`tree`, `blob`).
    pub(crate) other: Option<&'static str>,
    /// The object at the end of the chain.
    pub(crate) end: Oid,
}

/// Peels a pushed object through annotated tags.
pub(crate) fn peel(repo: &Repository, oid: Oid) -> Result<Pushed> {
    let mut tags = Vec::new();
    let mut cur = oid;
    loop {
        let obj = repo
            .raw()
            .find_object(cur.raw(), None)
            .with_context(|| format!("cannot read the pushed object {cur}"))?;
        match obj.kind() {
            Some(ObjectType::Commit) => {
                return Ok(Pushed {
                    tags,
                    commit: Some(cur),
                    other: None,
                    end: cur,
                })
            }
            Some(ObjectType::Tag) => {
                if tags.len() > 64 {
                    return Err(anyhow!("the tag {oid} nests more than 64 tags deep"));
                }
                tags.push(cur);
                let tag = obj
                    .as_tag()
                    .ok_or_else(|| anyhow!("cannot read the tag {cur}"))?;
                cur = tag.target_id().into();
            }
            kind => {
                return Ok(Pushed {
                    tags,
                    commit: None,
                    other: Some(kind.map_or("object", |k| k.str())),
                    end: cur,
                })
            }
        }
    }
}

/// The commits every ref accepted by `keep` points at (peeling tags); refs
/// at trees or blobs are skipped. A ref whose object is missing is an error:
/// the repository is damaged and nothing can be said about what is new.
pub(crate) fn ref_commits(repo: &Repository, keep: impl Fn(&str) -> bool) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    for r in repo.raw().references()? {
        let r = r.map_err(|e| anyhow!("cannot list the repository's refs: {}", e.message()))?;
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        if !keep(&name) {
            continue;
        }
        let Some(target) = r.resolve().ok().and_then(|r| r.target()) else {
            continue; // a dangling symbolic ref points at nothing
        };
        match peel(repo, target.into()) {
            Ok(p) => out.extend(p.commit),
            Err(e) => return Err(e.context(format!("the existing ref {name} is broken"))),
        }
    }
    Ok(out)
}

/// The message of a raw tag object without its signature block. Read from
/// the object's bytes (libgit2 would stop at a NUL, hiding it from the
/// check that reports it). git shows a tag's message undecoded whatever
/// its headers say, so no `encoding` header is read.
pub(crate) fn tag_message(data: &[u8]) -> Vec<u8> {
    let mut rest = data;
    let msg: &[u8] = loop {
        match memchr::memchr(b'\n', rest) {
            None => break &[],
            Some(0) => break &rest[1..],
            Some(eol) => rest = &rest[eol + 1..],
        }
    };
    for marker in [
        &b"-----BEGIN PGP SIGNATURE-----"[..],
        b"-----BEGIN SSH SIGNATURE-----",
        b"-----BEGIN SIGNED MESSAGE-----",
    ] {
        let at_line_start = |i: usize| i == 0 || msg[i - 1] == b'\n';
        if let Some(i) = memchr::memmem::find_iter(msg, marker).find(|&i| at_line_start(i)) {
            return msg[..i].to_vec();
        }
    }
    msg.to_vec()
}

#[cfg(test)]
mod tests {
    use super::tag_message;

    #[test]
    fn tag_messages_keep_their_nul_and_lose_their_signature() {
        let raw = b"object 1\ntype commit\ntag v1\nencoding UTF-7\n\nv1\0hidden\n-----BEGIN PGP SIGNATURE-----\nx\n";
        assert_eq!(tag_message(raw), b"v1\0hidden\n");
        assert_eq!(tag_message(b"object 1\n"), b"");
    }
}
