//! Where changes come from: the sources that turn git state into
//! [`Change`]s for the engine. This one is the commit `git commit` is
//! about to make.

use anyhow::Result;

use crate::git::{head, staged, Repository};
use crate::model::Change;
use crate::source::range::diff_options;

/// The commit `git commit` is about to make, but for its message: the
/// staged files (when the policy reads files), parents, author and
/// committer; and git's `commit.cleanup` setting.
pub(crate) struct Pending {
    /// The change as the commit would make it, without a message yet.
    pub(crate) change: Change,
    /// git's `commit.cleanup` setting, when set: how the message will be
    /// cleaned before it is recorded.
    pub(crate) cleanup: Option<String>,
}

/// Reads the [`Pending`] commit of the repository's index.
pub(crate) fn pending_commit(repo: &Repository, policy: &crate::policy::Policy) -> Result<Pending> {
    let cleanup = head::config_string(repo, "commit.cleanup");
    let (files, is_merge, parents) = if policy.needs().files {
        let (parent, is_merge) = head::commit_parent(repo)?;
        let files = if is_merge && !policy.scan.merge_diffs {
            // what the merge itself introduces (its combined diff)
            Some(staged::staged_merge_files(
                repo,
                &head::merge_parents(repo)?,
                &diff_options(policy),
            )?)
        } else {
            Some(staged::staged_files(repo, parent, &diff_options(policy))?)
        };
        (
            files,
            is_merge,
            parent.into_iter().map(|p| p.to_string()).collect(),
        )
    } else {
        (None, false, Vec::new())
    };
    Ok(Pending {
        change: Change {
            files,
            is_merge,
            parents,
            author: Some(head::identity(repo, "AUTHOR")),
            committer: Some(head::identity(repo, "COMMITTER")),
            ..Change::default()
        },
        cleanup,
    })
}
