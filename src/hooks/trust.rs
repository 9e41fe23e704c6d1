//! What counts as a review on the server: evidence the commit's author
//! cannot forge, never a trailer the author wrote.
//!
//! A review (for `[review] when_ai`, `[[review.require]]`, `[protected]`,
//! `[workflows]` and a change of the branch policy) and a `Policy-Exception`
//! count on the server when one of these holds, for a reviewer the rule
//! allows (the maintainers, unless the rule names its own reviewers):
//!
//! * the push is made by that reviewer, authenticated by the server, and
//!   the reviewer is not the commit's author. The login comes from an
//!   environment variable the forge or web server sets; *which* variables
//!   are trusted is the server's git config `policy-check.pusherVar`
//!   (never the pushed policy, and none by default);
//! * the commit is contained in a merge commit or an annotated tag the push
//!   brings, signed by that reviewer with a key of the allowed-signers file
//!   the server names (`policy-check.allowedSigners`), verified by git
//!   itself (`git verify-commit` / `git verify-tag`, SSH signatures as
//!   `gpg.ssh.allowedSignersFile` reads them);
//! * the server's config says trailers are trusted
//!   (`policy-check.trustTrailers = true`, for forges that write review
//!   trailers themselves): then the rules count trailers as they do locally,
//!   except that an empty reviewer list still allows nobody.
//!
//! Everything here reads only the server's configuration and objects git has
//! already received; nothing from the push can change what it trusts.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Result};

use super::common::PUSHER_VARS;
use crate::diag::Finding;
use crate::git::objects::author_and_message;
use crate::git::{self, Oid, Repository};
use crate::identity::{Counting, Person, Reviewers};
use crate::model::Identity;
use crate::policy::Run;

/// Git config key (multi-valued) naming the environment variables that
/// carry the authenticated pusher: one of [`PUSHER_VARS`].
const PUSHER_VAR_KEY: &str = "policy-check.pusherVar";
/// Git config key: the allowed-signers file signed merges and tags are verified against.
const SIGNERS_KEY: &str = "policy-check.allowedSigners";
/// Git config key: review trailers count as written (a forge writes them).
const TRUST_TRAILERS_KEY: &str = "policy-check.trustTrailers";

/// The server's trust configuration, from its own git config.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerTrust {
    /// Environment variables trusted to name the pusher, in order.
    pusher_vars: Vec<String>,
    /// The allowed-signers file, if any.
    allowed_signers: Option<PathBuf>,
    /// Review trailers count (the forge writes them).
    trust_trailers: bool,
}

impl ServerTrust {
    /// Reads `policy-check.pusherVar`, `policy-check.allowedSigners` and
    /// `policy-check.trustTrailers` from the server repository's config.
    /// A variable outside the known list, or an unreadable signers file, is
    /// an error (the push is rejected: a typo must not silently drop trust).
    pub(crate) fn from_config(repo: &Repository) -> Result<Self> {
        let cfg = git::repo::config(repo)
            .map_err(|e| anyhow!("cannot read the server's git config: {e}"))?;
        let mut pusher_vars = Vec::new();
        for value in cfg.strings(PUSHER_VAR_KEY) {
            for v in value.split([',', ' ']).filter(|v| !v.is_empty()) {
                if !PUSHER_VARS.contains(&v) {
                    bail!(
                        "git config {PUSHER_VAR_KEY} = {v}: not a variable a forge sets for the pusher (expected one of {})",
                        PUSHER_VARS.join(", ")
                    );
                }
                if !pusher_vars.iter().any(|p| p == v) {
                    pusher_vars.push(v.to_string());
                }
            }
        }
        let allowed_signers = cfg.path(SIGNERS_KEY);
        if let Some(p) = &allowed_signers {
            if !p.is_file() {
                bail!(
                    "git config {SIGNERS_KEY} = {}: no such file (an allowed-signers file, as ssh-keygen -Y verify reads)",
                    p.display()
                );
            }
        }
        let trust_trailers = cfg.bool(TRUST_TRAILERS_KEY).unwrap_or(false);
        Ok(ServerTrust {
            pusher_vars,
            allowed_signers,
            trust_trailers,
        })
    }

    /// What a review trailer is worth on this server.
    pub(crate) fn counting(&self) -> Counting {
        if self.trust_trailers {
            Counting::TrustedTrailers
        } else {
            Counting::Evidence
        }
    }

    /// The authenticated pusher: (variable, login) from the first trusted
    /// variable that is set, or why there is none.
    fn pusher(&self) -> Result<(String, String), String> {
        if self.pusher_vars.is_empty() {
            return Err(format!(
                "this server trusts no variable to name the pusher (its administrators set git config {PUSHER_VAR_KEY} to the one the forge or web server sets: {})",
                PUSHER_VARS.join(", ")
            ));
        }
        for var in &self.pusher_vars {
            if let Ok(v) = std::env::var(var) {
                let v = v.trim();
                if !v.is_empty() {
                    return Ok((var.clone(), v.to_string()));
                }
            }
        }
        Err(format!(
            "the server did not name the pusher ({} unset: an unauthenticated push)",
            self.pusher_vars.join(", ")
        ))
    }
}

/// A reviewer whose evidence covers a commit.
#[derive(Debug, Clone)]
pub(crate) struct Voucher {
    /// A login or a signer's principal (an email).
    pub(crate) who: String,
    /// How: `pushed it (REMOTE_USER)`, `signed merge 1a2b3c4d5e6f`…
    pub(crate) how: String,
}

/// The evidence a push carries.
pub(crate) struct Evidence {
    /// What the server's config trusts: the pusher variables, the allowed
    /// signers, forge-written review trailers.
    trust: ServerTrust,
    /// The authenticated pusher, or why none.
    pub(crate) pusher: Result<(String, String), String>,
    /// Signers of merges and tags, by the commits they contain (filled by [`Evidence::load_signers`]).
    signed: HashMap<Oid, Vec<Voucher>>,
    /// Signed objects that did not verify: (object, why), for notes.
    pub(crate) unverified: Vec<String>,
}

impl Evidence {
    /// Evidence with the pusher read from the environment as `trust` allows;
    /// signers are read later, for the commits a push brings
    /// ([`Evidence::load_signers`]).
    pub(crate) fn new(trust: ServerTrust) -> Self {
        let pusher = trust.pusher();
        Evidence {
            trust,
            pusher,
            signed: HashMap::new(),
            unverified: Vec::new(),
        }
    }

    /// Verifies the signed merge commits among `new` and the signed `tags`
    /// of the push, and records which new commits each one contains.
    pub(crate) fn load_signers(
        &mut self,
        repo: &Repository,
        git_dir: &Path,
        new: &[Oid],
        tags: &[Oid],
    ) -> Result<()> {
        let Some(signers) = self.trust.allowed_signers.clone() else {
            return Ok(());
        };
        let new_set: HashSet<Oid> = new.iter().copied().collect();
        for &oid in new {
            let c = git::objects::commit_facts(repo, oid)
                .map_err(|e| anyhow!("cannot read commit {oid}: {e}"))?;
            if c.parents.len() < 2 || !c.signed {
                continue;
            }
            let short = &oid.to_string()[..12];
            match verify(git_dir, &signers, "verify-commit", oid) {
                Ok(principals) => {
                    let side: Vec<Oid> = c.parents.iter().skip(1).copied().collect();
                    let first: Vec<Oid> = c.parents.iter().take(1).copied().collect();
                    let before = reach(repo, &first, &new_set)?;
                    let mut covered: Vec<Oid> = reach(repo, &side, &new_set)?
                        .into_iter()
                        .filter(|x| !before.contains(x))
                        .collect();
                    covered.push(oid);
                    self.add(&principals, &format!("signed merge {short}"), &covered);
                }
                Err(why) => self.unverified.push(format!("merge {short}: {why}")),
            }
        }
        for &t in tags {
            let tag = git::objects::tag_facts(repo, t)
                .map_err(|e| anyhow!("cannot read tag {t}: {e}"))?;
            let name = tag.name.unwrap_or_else(|| "?".to_string());
            let msg = &tag.message[..];
            if !contains(msg, b"-----BEGIN SSH SIGNATURE-----")
                && !contains(msg, b"-----BEGIN PGP SIGNATURE-----")
            {
                continue;
            }
            match verify(git_dir, &signers, "verify-tag", t) {
                Ok(principals) => {
                    let Some(target) = tag.target_commit else {
                        continue;
                    };
                    let covered: Vec<Oid> = reach(repo, &[target], &new_set)?.into_iter().collect();
                    self.add(&principals, &format!("signed tag {name}"), &covered);
                }
                Err(why) => self.unverified.push(format!("tag {name}: {why}")),
            }
        }
        Ok(())
    }

    fn add(&mut self, principals: &[String], how: &str, covered: &[Oid]) {
        for &c in covered {
            let e = self.signed.entry(c).or_default();
            for p in principals {
                e.push(Voucher {
                    who: p.clone(),
                    how: how.to_string(),
                });
            }
        }
    }

    /// Every voucher of `commit`: the pusher, and the signers containing it.
    fn vouchers(&self, commit: Oid) -> Vec<Voucher> {
        let mut out = Vec::new();
        if let Ok((var, login)) = &self.pusher {
            out.push(Voucher {
                who: login.clone(),
                how: format!("pushed it, authenticated as {login} ({var})"),
            });
        }
        out.extend(self.signed.get(&commit).into_iter().flatten().cloned());
        out
    }

    /// The voucher that gives the review `reviewers` asks for on `commit`:
    /// allowed, and not the commit's author.
    pub(crate) fn review(
        &self,
        commit: Oid,
        author: Option<&Identity>,
        reviewers: &Reviewers,
        maintainers: &[String],
    ) -> Option<Voucher> {
        self.vouchers(commit).into_iter().find(|v| {
            reviewers.allows_login(&v.who)
                && !author.is_some_and(|a| same_person(&v.who, a, maintainers))
        })
    }

    /// What would count, for a message to the pusher.
    fn what_counts(&self, reviewers: &Reviewers) -> String {
        if reviewers.nobody() {
            return "set `[policy] maintainers` (or `maintainers_file`) in the policy this server reads; until then no review can be given".to_string();
        }
        let who = reviewers.allowed.join(", ");
        let mut ways = Vec::new();
        if self.trust.pusher_vars.is_empty() {
            ways.push(format!(
                "a push by one of them (this server names no trusted pusher variable: git config {PUSHER_VAR_KEY})"
            ));
        } else {
            ways.push("one of them pushes the commit themselves, authenticated".to_string());
        }
        if self.trust.allowed_signers.is_some() {
            ways.push(
                "one of them merges it with a signed merge commit (`git merge -S --no-ff`) or signs a tag containing it (`git tag -s`), and that is pushed"
                    .to_string(),
            );
        } else {
            ways.push(format!(
                "signed merges and tags do not count here: the server names no allowed-signers file (git config {SIGNERS_KEY})"
            ));
        }
        let this = match &self.pusher {
            Ok((var, login)) => format!(
                "this push was made by {login} ({var}), who is not one of them or is the commit's author"
            ),
            Err(why) => format!("this push: {why}"),
        };
        format!(
            "reviewers: {who}; what counts: {} ({this})",
            ways.join("; or ")
        )
    }
}

/// The commits of `new` reachable from `starts`, walking only through new
/// commits (the server had every ancestor of a commit it had).
fn reach(repo: &Repository, starts: &[Oid], new: &HashSet<Oid>) -> Result<HashSet<Oid>> {
    let mut seen = HashSet::new();
    let mut stack: Vec<Oid> = starts.iter().copied().filter(|o| new.contains(o)).collect();
    while let Some(o) = stack.pop() {
        if !seen.insert(o) {
            continue;
        }
        let c = git::objects::commit_facts(repo, o)
            .map_err(|e| anyhow!("cannot read commit {o}: {e}"))?;
        stack.extend(
            c.parents
                .into_iter()
                .filter(|p| new.contains(p) && !seen.contains(p)),
        );
    }
    Ok(seen)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Runs `git verify-commit|verify-tag` with the server's allowed-signers
/// file; the principals of a good, trusted signature, or why not.
fn verify(git_dir: &Path, signers: &Path, cmd: &str, oid: Oid) -> Result<Vec<String>, String> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .arg("-c")
        .arg(format!("gpg.ssh.allowedSignersFile={}", signers.display()))
        .args([cmd, &oid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git {cmd}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let why = text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("bad signature");
        return Err(format!(
            "the signature does not verify against the allowed signers ({})",
            crate::report::text::truncate(why, 120)
        ));
    }
    let principals: Vec<String> = text
        .lines()
        .filter_map(|l| {
            l.split_once("signature for ")?
                .1
                .split_once(" with ")
                .map(|p| p.0)
        })
        .flat_map(|p| p.split(','))
        .map(|p| p.trim().trim_matches('"').to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if principals.is_empty() {
        return Err("git verified the signature but named no principal".to_string());
    }
    Ok(principals)
}

/// True when `who` (a login or an email) is the author: the same email, or
/// a maintainer entry `who` matches carries the author's email, or, for a
/// bare login, it equals the author's name or the local part of their email
/// (a login cannot be told apart from its owner's commits otherwise, so it
/// is taken as the author when it might be).
fn same_person(who: &str, author: &Identity, maintainers: &[String]) -> bool {
    let who = who.trim();
    if who.eq_ignore_ascii_case(&author.email) {
        return true;
    }
    let local = author.email.split('@').next().unwrap_or("");
    if !who.contains('@')
        && (who.eq_ignore_ascii_case(&author.name) || who.eq_ignore_ascii_case(local))
    {
        return true;
    }
    maintainers.iter().any(|m| {
        let m = m.trim();
        match Person::parse(m) {
            Some(p) => {
                (p.same_email(who) || p.name.eq_ignore_ascii_case(who))
                    && p.same_email(&author.email)
            }
            None => false,
        }
    })
}

/// The server's post-pass over the rules' findings: a finding of a rule
/// that asks for a review is dropped when evidence gives that review (with
/// a note saying whose), and otherwise says what would count.
pub(crate) fn apply_reviews(
    repo: &Repository,
    policy: &Run<'_>,
    evidence: &Evidence,
    by_commit: &mut HashMap<String, Vec<Finding>>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let mut ids: Vec<String> = by_commit.keys().cloned().collect();
    ids.sort();
    for id in ids {
        let Some(oid) = git::Oid::from_hex(&id) else {
            continue;
        };
        let Some(findings) = by_commit.get_mut(&id) else {
            continue;
        };
        if !findings
            .iter()
            .any(|f| policy.reviewers_for(&f.rule).is_some())
        {
            continue;
        }
        let (author, message) = author_and_message(repo, oid)?;
        let short = &id[..id.len().min(12)];
        let mut kept = Vec::new();
        for mut f in std::mem::take(findings) {
            let Some(reviewers) = policy.reviewers_for(&f.rule) else {
                kept.push(f);
                continue;
            };
            if let Some(v) = evidence.review(oid, author.as_ref(), &reviewers, &policy.maintainers)
            {
                notes.push(format!(
                    "review: {} in {short} reviewed by {}, who {}",
                    f.rule, v.who, v.how
                ));
                continue;
            }
            if reviewers.counting == Counting::Evidence {
                let claims: Vec<String> = message
                    .as_ref()
                    .map(|m| {
                        m.trailers
                            .iter()
                            .filter(|t| reviewers.trailers.iter().any(|k| t.is(k)))
                            .map(|t| format!("`{}: {}`", t.key, t.value))
                            .collect()
                    })
                    .unwrap_or_default();
                if !claims.is_empty() {
                    f.message.push_str(&format!(
                        "; {} is a claim the author could write, not evidence of a review",
                        claims.join(", ")
                    ));
                }
            }
            f.hint = evidence.what_counts(&reviewers);
            kept.push(f);
        }
        *findings = kept;
    }
    Ok(())
}

/// The author of a commit (or the tagger of a tag).
pub(crate) fn author_of(repo: &Repository, oid: Oid) -> Result<Option<Identity>> {
    Ok(author_and_message(repo, oid)?.0)
}

/// The rule for a change of the branch policy itself.
pub(crate) const POLICY_CHANGE: &crate::diag::RuleInfo =
    crate::diag::rule(crate::rules::server::RULES, "policy-change-unreviewed");

/// Reports each new commit that changes a file the branch policy was read
/// from (`.policy-check.toml`, a file it extends, its maintainers file),
/// against its first parent: such a change needs a maintainer's review like
/// any other, judged by [`apply_reviews`].
pub(crate) fn policy_changes(
    repo: &Repository,
    policy: &Run<'_>,
    new: &[Oid],
    by_commit: &mut HashMap<String, Vec<Finding>>,
) -> Result<()> {
    let severity = policy.severity(POLICY_CHANGE);
    if policy.tree_inputs.is_empty() || severity == crate::diag::Severity::Off {
        return Ok(());
    }
    let reviewers = policy.maintainer_reviewers(Reviewers::default().trailers);
    for &oid in new {
        let changed = git::objects::changed_paths(repo, oid, &policy.tree_inputs)?;
        if changed.is_empty() {
            continue;
        }
        // Trusted trailers (a forge that writes them) count here as in the rules.
        let (author, message) = author_and_message(repo, oid)?;
        let change = crate::model::Change {
            id: oid.to_string(),
            author,
            message,
            ..crate::model::Change::default()
        };
        if reviewers.review(&change).is_some() {
            continue;
        }
        for path in changed {
            by_commit.entry(oid.to_string()).or_default().push(Finding {
                rule: POLICY_CHANGE.id.to_string(),
                severity,
                commit: Some(oid.to_string()),
                path: Some(path.clone()),
                line: None,
                message: format!(
                    "{path} is read by the server as the policy (or part of it): changing it needs {}",
                    reviewers.describe()
                ),
                hint: POLICY_CHANGE.hint.to_string(),
                snippet: None,
                fix: None,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str, email: &str) -> Identity {
        Identity {
            name: name.into(),
            email: email.into(),
            ..Identity::default()
        }
    }

    #[test]
    fn the_author_is_never_their_own_reviewer() {
        let m = vec!["Mara <mara@example.com>".to_string(), "bob".to_string()];
        let mara = id("Mara", "mara@example.com");
        assert!(same_person("mara@example.com", &mara, &m));
        assert!(same_person("MARA", &mara, &m), "a login like the name");
        assert!(!same_person("bob", &mara, &m));
        let bob = id("Bob B", "bob@example.org");
        assert!(same_person("bob", &bob, &m), "a login like the local part");
        assert!(!same_person("mara@example.com", &bob, &m));
    }
}
