//! The handles code outside `git/` holds, and the git library's values
//! behind them: object ids (the program's [`Oid`]) and an open repository.

use crate::oid::Oid;

impl From<git2::Oid> for Oid {
    fn from(o: git2::Oid) -> Oid {
        // A git2 id is 20 bytes (SHA-1); `from_bytes` only refuses other lengths.
        Oid::from_bytes(o.as_bytes()).unwrap_or(Oid::ZERO)
    }
}

impl From<Oid> for git2::Oid {
    fn from(o: Oid) -> git2::Oid {
        // 20 bytes are always a valid git2 id.
        git2::Oid::from_bytes(o.as_bytes()).unwrap_or_else(|_| git2::Oid::zero())
    }
}

impl Oid {
    /// The git library's id for it, to hand to a libgit2 call.
    pub(super) fn raw(self) -> git2::Oid {
        self.into()
    }
}

/// An open repository, as code outside `git/` holds it: a handle to pass
/// back to this module's functions, with nothing of the git library's
/// interface (only `git/` reaches the library's repository inside).
pub struct Repository(git2::Repository);

impl Repository {
    /// Wraps a repository the git library opened.
    pub(super) fn from_raw(repo: git2::Repository) -> Repository {
        Repository(repo)
    }

    /// The git library's repository, for `git/`'s own calls.
    pub(super) fn raw(&self) -> &git2::Repository {
        &self.0
    }
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Repository").field(&self.0.path()).finish()
    }
}
