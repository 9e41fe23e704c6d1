//! Single commits and tags read outside a scan, as the server's trust
//! checks need them: a commit's parents and whether it is signed, a tag's
//! name, message, target and tagger, an object's raw bytes, the author and
//! message of a commit or tag, and which paths a commit changed.

use std::path::Path;

use super::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, Result};

use crate::message::Message;
use crate::model::Identity;

/// What the trust checks need of one commit.
#[derive(Debug, Clone)]
pub(crate) struct CommitFacts {
    /// Parent ids, first parent first.
    pub(crate) parents: Vec<Oid>,
    /// The commit carries a `gpgsig` header (SSH or PGP signature).
    pub(crate) signed: bool,
}

/// The parents and signature header of the commit `oid`, or why it cannot
/// be read (the git library's message).
pub(crate) fn commit_facts(
    repo: &Repository,
    oid: Oid,
) -> std::result::Result<CommitFacts, String> {
    let c = repo
        .raw()
        .find_commit(oid.raw())
        .map_err(|e| e.message().to_string())?;
    Ok(CommitFacts {
        parents: c.parent_ids().map(Oid::from).collect(),
        signed: c.header_field_bytes("gpgsig").is_ok(),
    })
}

/// What the trust checks need of one annotated tag.
#[derive(Debug, Clone)]
pub(crate) struct TagFacts {
    /// The tag's name (`None` when it is not UTF-8).
    pub(crate) name: Option<String>,
    /// The message with its signature block, as the git library parses it
    /// (it stops at a NUL; for the message as git shows it, read the raw
    /// object and use [`super::push::tag_message`]).
    pub(crate) message: Vec<u8>,
    /// The commit the tag peels to, if it points (through other tags) at one.
    pub(crate) target_commit: Option<Oid>,
    /// Who made the tag.
    pub(crate) tagger: Option<Identity>,
}

/// The annotated tag `oid`, or why it cannot be read (the git library's message).
pub(crate) fn tag_facts(repo: &Repository, oid: Oid) -> std::result::Result<TagFacts, String> {
    let tag = repo
        .raw()
        .find_tag(oid.raw())
        .map_err(|e| e.message().to_string())?;
    Ok(TagFacts {
        name: tag.name().map(str::to_string),
        message: tag.message_bytes().unwrap_or_default().to_vec(),
        target_commit: tag
            .target()
            .and_then(|o| o.peel_to_commit())
            .ok()
            .map(|c| c.id().into()),
        tagger: tag.tagger().map(|s| super::identity(&s)),
    })
}

/// The raw bytes of an object (no header), or why it cannot be read.
pub(crate) fn raw_object(repo: &Repository, oid: Oid) -> std::result::Result<Vec<u8>, String> {
    repo.raw()
        .odb()
        .and_then(|odb| odb.read(oid.raw()).map(|o| o.data().to_vec()))
        .map_err(|e| e.message().to_string())
}

/// Holds every commit of `order` to what `git fsck` accepts
/// ([`super::plumbing::commit::fsck`]): a malformed commit fails closed, named,
/// wherever it is in the push (a scan reads identities leniently, as the
/// git library does).
pub(crate) fn fsck_commits(repo: &Repository, order: &[Oid]) -> Result<()> {
    let odb = repo
        .raw()
        .odb()
        .map_err(|e| anyhow!("cannot open the object database: {}", e.message()))?;
    for &oid in order {
        let obj = odb
            .read(oid.raw())
            .map_err(|e| anyhow!("cannot read the pushed commit {oid}: {}", e.message()))?;
        super::plumbing::commit::fsck(obj.data()).map_err(|e| {
            anyhow!("the pushed commit {oid} is malformed: {e} (git fsck refuses it too)")
        })?;
    }
    Ok(())
}

/// The author and message of a commit, or the tagger and message of a tag.
pub(crate) fn author_and_message(
    repo: &Repository,
    oid: Oid,
) -> Result<(Option<Identity>, Option<Message>)> {
    if let Ok(c) = repo.raw().find_commit(oid.raw()) {
        let m = Message::parse(
            c.message_raw_bytes(),
            c.message_encoding(),
            &super::comment_for_log(repo),
        );
        return Ok((Some(super::identity(&c.author())), Some(m)));
    }
    if let Ok(t) = repo.raw().find_tag(oid.raw()) {
        let odb = repo
            .raw()
            .odb()
            .map_err(|e| anyhow!("cannot read tag {oid}: {}", e.message()))?;
        let raw = odb
            .read(oid.raw())
            .map_err(|e| anyhow!("cannot read tag {oid}: {}", e.message()))?;
        let m = Message::parse(&super::push::tag_message(raw.data()), None, "#");
        return Ok((t.tagger().map(|s| super::identity(&s)), Some(m)));
    }
    Err(anyhow!("cannot read {oid} to judge its review"))
}

/// The paths of `paths` whose entry (object id and mode) in the commit
/// `oid`'s tree differs from its first parent's (every path present, for a
/// root commit).
pub(crate) fn changed_paths<'p>(
    repo: &Repository,
    oid: Oid,
    paths: &'p [String],
) -> Result<Vec<&'p String>> {
    let entry = |tree: &git2::Tree, path: &str| {
        tree.get_path(Path::new(path))
            .ok()
            .map(|e| (e.id(), e.filemode()))
    };
    let c = repo
        .raw()
        .find_commit(oid.raw())
        .map_err(|e| anyhow!("cannot read commit {oid}: {}", e.message()))?;
    let tree = c.tree()?;
    let parent = match c.parent(0) {
        Ok(p) => Some(p.tree()?),
        Err(_) => None,
    };
    Ok(paths
        .iter()
        .filter(|p| entry(&tree, p) != parent.as_ref().and_then(|t| entry(t, p)))
        .collect())
}
