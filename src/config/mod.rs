//! The config kit, beneath the rules: how a policy's settings are located
//! (`KeyPath`), how their problems are collected (`Problems`), and the
//! compilers every family uses for its globs and regexes, plus the data
//! tables embedded in the binary. It knows no rule and no policy.

pub(crate) mod embedded;
pub(crate) mod error;
// Shared with build.rs; the binary only needs it to test what it embeds.
#[cfg(test)]
pub(crate) mod strip;

pub use error::{KeyPath, PolicyErrors, Problems};

/// Compiles a regex from the policy, naming the setting on failure. A size
/// limit keeps a hostile policy from exhausting memory.
pub(crate) fn compile_regex(
    pattern: &str,
    path: &KeyPath,
    problems: &mut Problems,
) -> Option<regex::Regex> {
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(4 << 20)
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            problems.error(
                path.clone(),
                format!("invalid regex `{pattern}`: {}", regex_reason(&e)),
            );
            None
        }
    }
}

/// The one-line reason of a regex error (the crate's message spans lines).
pub(crate) fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s
            .lines()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or(s.as_str())
            .to_string(),
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled pattern is larger than the {limit}-byte limit")
        }
        other => other.to_string(),
    }
}

/// A glob set that is either the policy's own (compiled at load, so that
/// its errors are load errors) or built-in defaults, compiled on first use:
/// a commit-msg hook never matches a path.
#[derive(Debug)]
pub(crate) struct Globs {
    set: std::sync::OnceLock<Option<globset::GlobSet>>,
    defaults: &'static [&'static str],
}

impl Globs {
    /// `list` when the policy sets it (an empty list matches nothing),
    /// else `defaults`.
    pub(crate) fn compile(
        list: Option<Vec<String>>,
        defaults: &'static [&'static str],
        path: &KeyPath,
        problems: &mut Problems,
    ) -> Globs {
        let set = std::sync::OnceLock::new();
        if let Some(list) = list {
            let _ = set.set(if list.is_empty() {
                None
            } else {
                compile_globs(&list, path, problems)
            });
        }
        Globs { set, defaults }
    }

    /// The set; `None` matches nothing.
    pub(crate) fn get(&self) -> Option<&globset::GlobSet> {
        self.set
            .get_or_init(|| {
                if self.defaults.is_empty() {
                    return None;
                }
                let list: Vec<String> = self.defaults.iter().map(|s| s.to_string()).collect();
                let mut problems = Problems::default();
                let set = compile_globs(&list, &KeyPath::root(), &mut problems);
                // Built-in globs are constants the tests exercise.
                for p in &problems.0 {
                    tracing::error!("built-in globs: {}", p.message);
                }
                set
            })
            .as_ref()
    }

    /// True when `path` matches.
    pub(crate) fn is_match(&self, path: &str) -> bool {
        self.get().is_some_and(|g| g.is_match(path))
    }
}

/// Compiles a list of globs into one set, naming the setting on failure.
///
/// As in `.gitignore`, `*` stops at `/`, `**` crosses directories, and a
/// glob without a `/` matches a file name at any depth (`*.rs`).
pub(crate) fn compile_globs(
    globs: &[String],
    path: &KeyPath,
    problems: &mut Problems,
) -> Option<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        let pattern = if g.contains('/') {
            g.trim_start_matches('/').to_string()
        } else {
            format!("**/{g}")
        };
        match globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
        {
            Ok(glob) => {
                b.add(glob);
            }
            Err(e) => {
                problems.error(path.index(i), format!("invalid glob `{g}`: {e}"));
                return None;
            }
        }
    }
    match b.build() {
        Ok(set) => Some(set),
        Err(e) => {
            problems.error(path.clone(), format!("invalid globs: {e}"));
            None
        }
    }
}
