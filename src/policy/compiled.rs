//! The compiled policy: what `compile` (in `mod.rs`) makes of the TOML,
//! and what the rules read. Its methods live with `compile`.

use std::collections::HashMap;

use crate::config::{Globs, KeyPath, Problems};
use crate::diag::Severity;
use crate::model::{Needs, Renames};
use crate::rules::family::{CompileContext, Family};

use super::raw::RawPolicy;
use super::server;

/// Compiled `[scan]` settings.
#[derive(Debug, Clone)]
pub struct Scan {
    pub(crate) max_file_size: u64,
    pub(crate) merge_diffs: bool,
    pub(crate) renames: Renames,
    pub(crate) moves: bool,
}

/// A severity override, possibly staged.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    pub(crate) level: Severity,
    /// From this day (days since the epoch) on, `then` applies.
    pub(crate) until: Option<(i64, Severity)>,
}

/// A loaded, validated and compiled policy.
#[derive(Debug)]
pub struct Policy {
    pub(crate) name: String,
    pub(crate) description: String,
    /// The documents it was built from, parents first.
    pub sources: Vec<String>,
    pub(crate) scan: Scan,
    /// `[policy] maintainers`, as written (names, emails, logins).
    pub(crate) maintainers: Vec<String>,
    /// For a policy read from a git tree: the paths of that tree it was
    /// read from (the policy file, files it extends, its maintainers file).
    /// On the server, changing one needs a maintainer's review.
    pub(crate) tree_inputs: Vec<String>,
    /// `[server]`: refs governed, tags, notes, fail-open.
    pub(crate) server: server::Server,
    /// The AI signatures, compiled only when a rule uses them.
    pub(crate) ai: Option<crate::ai::Detector>,
    /// Every family's table, compiled.
    pub(crate) tables: Tables,
    /// Paths whose old text the diff keeps (see `FileChange::old_text`):
    /// built-in lists of the families, compiled on first use.
    pub(super) old_text: Option<Globs>,
    /// `[[exceptions]]`, compiled (how many findings each excused is the
    /// run's: see [`Run`](super::Run)).
    pub(crate) exceptions: Vec<crate::adoption::exceptions::Exception>,
    pub(super) severities: HashMap<String, Level>,
    /// `[suppress] inline`, as written (validated), when set.
    pub(super) inline: Option<Vec<String>>,
    /// The day severities and expiry dates are judged against.
    pub(crate) today: i64,
    pub(super) needs: Needs,
}

/// [`Tables`] from the list of families.
macro_rules! tables {
    ($($(#[$doc:meta])* $table:ident: $family:ty,)*) => {
        /// Every family's table, compiled; `None` for a family the policy
        /// does not run.
        #[derive(Debug, Default)]
        pub(crate) struct Tables {
            $($(#[$doc])* pub(crate) $table: Option<$family>,)*
        }

        impl Tables {
            /// Compiles each family table `raw` holds (taking it), at its key.
            pub(super) fn compile(
                raw: &mut RawPolicy,
                cx: &CompileContext<'_>,
                problems: &mut Problems,
            ) -> Tables {
                Tables {
                    $($table: raw.$table.take().and_then(|r| {
                        <$family as Family>::compile(
                            r,
                            &KeyPath::of(&[stringify!($table)]),
                            cx,
                            problems,
                        )
                    }),)*
                }
            }
        }
    };
}
crate::rules::with_families!(tables);
