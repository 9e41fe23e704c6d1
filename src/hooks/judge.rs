//! Judging a push, shared by `pre-push` (client), `pre-receive` and `update`
//! (server): peel each pushed ref, walk the new commits once for all refs,
//! scan them in parallel, check annotated tag messages, apply
//! `Policy-Exception` trailers, and render one block per ref.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{anyhow, Context, Result};

use super::common::{downgrade_claimed, exceptions, is_maintainer, Exception};
use crate::diag::{escape, escape_cow, Finding, Severity, Summary};
use crate::engine;
use crate::git::{self, push, Oid, Repository};
use crate::message::Message;
use crate::model::Change;
use crate::policy::server::Tags;
use crate::policy::{Policy, Run};
use crate::report::shared::{count, Reporter};
use crate::report::text::TextReporter;
use crate::rules::server::RULES;

/// One ref update to judge (deletions are filtered out before).
#[derive(Debug, Clone)]
pub(crate) struct Update {
    /// The ref on the side that enforces the policy (the remote ref for pre-push).
    pub(crate) refname: String,
    /// The commit the ref would point to.
    pub(crate) new: Oid,
}

/// How reviews and `Policy-Exception` trailers are treated.
pub(crate) enum Exceptions {
    /// Server: reviews and exceptions count on evidence (see
    /// [`super::trust`]); an exception is honoured or refused, and either
    /// way said.
    Server {
        evidence: Box<std::cell::RefCell<super::trust::Evidence>>,
        /// The repository's git directory, for `git verify-commit`.
        git_dir: std::path::PathBuf,
    },
    /// Client: claimed findings become warnings; the server decides.
    Client,
}

/// The outcome for one ref.
#[derive(Debug, Default)]
pub(crate) struct RefVerdict {
    /// The ref, as the push names it.
    refname: String,
    /// Findings in the commits (and tag messages) this ref brings in.
    pub(crate) findings: Vec<Finding>,
    /// New commits checked for this ref.
    commits: usize,
    /// Annotated tag messages checked for this ref.
    tags: usize,
    /// Earlier refs of the push, rejected, whose new commits this ref reaches too.
    reaches_rejected: Vec<String>,
}

impl RefVerdict {
    /// Error findings in the commits attributed to this ref.
    fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// True when this ref would bring in a violating commit.
    fn rejected(&self) -> bool {
        self.errors() > 0 || !self.reaches_rejected.is_empty()
    }
}

/// The outcome of a push.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// One verdict per updated ref, in the order of the push.
    pub(crate) refs: Vec<RefVerdict>,
    /// Distinct new commits checked across all refs.
    commits: usize,
    /// Exceptions honoured or refused, one line each.
    notes: Vec<String>,
    /// Findings about the policy itself (expired `[[exceptions]]`), as
    /// warnings: a push is judged by its commits, and on the server the
    /// policy is the one before the push, so rejecting for these would also
    /// reject the push that fixes the policy.
    pub(crate) policy: Vec<Finding>,
}

impl Verdict {
    /// True when any ref is rejected: the push (pre-receive) fails.
    pub(crate) fn rejected(&self) -> bool {
        self.refs.iter().any(RefVerdict::rejected)
    }
}

/// Collects findings by commit id as the scan reports them.
#[derive(Default)]
struct Collect {
    by_commit: HashMap<String, Vec<Finding>>,
}

impl Reporter for Collect {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.by_commit
            .entry(f.commit.clone().unwrap_or_default())
            .or_default()
            .push(f.clone());
        Ok(())
    }
    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// What each pushed ref points at, peeled.
struct Peeled {
    /// The distinct commits the updates lead to.
    tips: Vec<Oid>,
    /// Per update: its commit's index in `tips`, if it leads to one.
    tip_of: Vec<Option<usize>>,
    /// Per update: the annotated tags on its way, when the policy checks them.
    tags_of: Vec<Vec<Oid>>,
    /// Per update: a tree or blob it points at instead of a commit.
    other: Vec<Option<(&'static str, Oid)>>,
}

fn peel_updates(repo: &Repository, policy: &Policy, updates: &[Update]) -> Result<Peeled> {
    let mut p = Peeled {
        tips: Vec::new(),
        tip_of: Vec::new(),
        tags_of: Vec::new(),
        other: Vec::new(),
    };
    for u in updates {
        let peeled = push::peel(repo, u.new)?;
        p.tip_of.push(peeled.commit.map(|c| {
            p.tips.push(c);
            p.tips.len() - 1
        }));
        p.tags_of.push(if policy.server.tags == Tags::Check {
            peeled.tags
        } else {
            Vec::new()
        });
        p.other.push(peeled.other.map(|k| (k, peeled.end)));
    }
    Ok(p)
}

/// Judges `updates`: the commits reachable from them and from none of
/// `hidden` are checked once each; `open` opens the repository for a scan
/// worker (re-applying the push quarantine).
pub(crate) fn judge<F>(
    repo: &Repository,
    open: F,
    policy: &Run<'_>,
    updates: &[Update],
    hidden: &[Oid],
    mode: &Exceptions,
) -> Result<Verdict>
where
    F: Fn() -> Result<Repository> + Sync,
{
    let peeled = peel_updates(repo, policy, updates)?;
    let new = push::new_commits(repo, &peeled.tips, hidden)?;
    tracing::info!(
        "{} in {}",
        count(new.order.len(), "new commit"),
        count(updates.len(), "ref update")
    );
    if matches!(mode, Exceptions::Server { .. }) {
        git::objects::fsck_commits(repo, &new.order)?;
    }

    let mut collect = Collect::default();
    let mut summary = Summary::default();
    crate::source::range::scan(open, &new.order, policy, &mut collect, &mut summary)?;
    let tags = check_tags(repo, policy, &peeled.tags_of, &mut collect)?;

    let mut verdict = Verdict {
        commits: new.order.len(),
        policy: super::common::policy_findings(policy, repo),
        ..Verdict::default()
    };
    // On the server, reviews count on evidence, not on the author's trailers.
    if let Exceptions::Server { evidence, git_dir } = mode {
        super::trust::policy_changes(repo, policy, &new.order, &mut collect.by_commit)?;
        if needs_evidence(repo, policy, &collect, &tags.messages) {
            let mut ev = evidence.borrow_mut();
            ev.load_signers(repo, git_dir, &new.order, &tags.ids)?;
            super::trust::apply_reviews(
                repo,
                policy,
                &ev,
                &mut collect.by_commit,
                &mut verdict.notes,
            )?;
            for u in std::mem::take(&mut ev.unverified) {
                verdict.notes.push(format!("signature not counted: {u}"));
            }
        }
    }
    for f in &mut verdict.policy {
        f.severity = f.severity.min(Severity::Warn);
    }
    claimed_exceptions(
        repo,
        policy,
        mode,
        &tags.messages,
        &mut collect,
        &mut verdict,
    )?;
    ref_verdicts(repo, policy, updates, &peeled, &new, &collect, &mut verdict)?;
    Ok(verdict)
}

/// The annotated tags of a push, and their messages by tag id.
struct PushedTags {
    ids: Vec<Oid>,
    messages: HashMap<String, Message>,
}

/// Checks the pushed annotated tags' messages like commit messages; their
/// findings go under the tag's id.
fn check_tags(
    repo: &Repository,
    policy: &Run<'_>,
    tags_of: &[Vec<Oid>],
    collect: &mut Collect,
) -> Result<PushedTags> {
    let mut ids: Vec<Oid> = tags_of.iter().flatten().copied().collect();
    ids.sort();
    ids.dedup();
    let mut messages: HashMap<String, Message> = HashMap::new();
    for &t in &ids {
        let tag = git::objects::tag_facts(repo, t)
            .map_err(|e| anyhow!("cannot read the pushed tag {t}: {e}"))?;
        let raw = git::objects::raw_object(repo, t)
            .map_err(|e| anyhow!("cannot read the pushed tag {t}: {e}"))?;
        let message = Message::parse(&push::tag_message(&raw), None, "#");
        let who = tag.tagger;
        let change = Change {
            id: t.to_string(),
            author: who.clone(),
            committer: who,
            message: Some(message.clone()),
            ..Change::default()
        };
        let out = engine::check(policy, &change);
        if !out.findings.is_empty() {
            collect.by_commit.insert(t.to_string(), out.findings);
        }
        messages.insert(t.to_string(), message);
    }
    Ok(PushedTags { ids, messages })
}

/// True when the server must read evidence: a finding a review could
/// answer, a policy change, or a commit or tag that claims an exception.
fn needs_evidence(
    repo: &Repository,
    policy: &Run<'_>,
    collect: &Collect,
    messages: &HashMap<String, Message>,
) -> bool {
    collect.by_commit.values().flatten().any(|f| {
        policy.reviewers_for(&f.rule).is_some() || f.rule == super::trust::POLICY_CHANGE.id
    }) || collect.by_commit.keys().any(|id| {
        messages.get(id).map_or_else(
            || commit_exceptions(repo, id).is_ok_and(|e| !e.is_empty()),
            |m| !exceptions(m).is_empty(),
        )
    })
}

/// `Policy-Exception` trailers, once per commit whatever the number of refs
/// it is pushed to: honoured or refused on the server, warnings on the client.
fn claimed_exceptions(
    repo: &Repository,
    policy: &Run<'_>,
    mode: &Exceptions,
    messages: &HashMap<String, Message>,
    collect: &mut Collect,
    verdict: &mut Verdict,
) -> Result<()> {
    let mut ids: Vec<String> = collect.by_commit.keys().cloned().collect();
    ids.sort();
    for id in ids {
        let claimed = match messages.get(&id) {
            Some(m) => exceptions(m),
            None => commit_exceptions(repo, &id)?,
        };
        if claimed.is_empty() {
            continue;
        }
        let findings = collect.by_commit.get_mut(&id).map(std::mem::take);
        let kept = apply_exceptions(
            repo,
            policy,
            findings.unwrap_or_default(),
            &claimed,
            mode,
            &id,
            &mut verdict.notes,
        )?;
        collect.by_commit.insert(id, kept);
    }
    Ok(())
}

/// One verdict per update: the findings of the commits attributed to it,
/// of its tags, and of a tree or blob it points at; then a ref that reaches
/// commits attributed to an earlier, rejected ref is rejected with it (in
/// push order, so this follows chains of sharing).
fn ref_verdicts(
    repo: &Repository,
    policy: &Run<'_>,
    updates: &[Update],
    peeled: &Peeled,
    new: &push::NewCommits,
    collect: &Collect,
    verdict: &mut Verdict,
) -> Result<()> {
    let of = |id: &str| collect.by_commit.get(id).into_iter().flatten().cloned();
    let mut by_owner: Vec<Vec<Oid>> = vec![Vec::new(); peeled.tips.len()];
    for oid in &new.order {
        if let Some(&t) = new.owner.get(oid) {
            by_owner[t].push(*oid);
        }
    }
    let mut update_of_tip = vec![0; peeled.tips.len()];
    for (i, t) in peeled.tip_of.iter().enumerate() {
        if let Some(t) = t {
            update_of_tip[*t] = i;
        }
    }
    for (i, u) in updates.iter().enumerate() {
        let mut rv = RefVerdict {
            refname: u.refname.clone(),
            ..RefVerdict::default()
        };
        if let Some((kind, end)) = peeled.other[i] {
            rv.findings
                .extend(unchecked_object(repo, policy, &u.refname, kind, end)?);
        }
        for t in &peeled.tags_of[i] {
            rv.tags += 1;
            rv.findings.extend(of(&t.to_string()));
        }
        if let Some(ti) = peeled.tip_of[i] {
            rv.commits = new.owned[ti];
            for oid in &by_owner[ti] {
                rv.findings.extend(of(&oid.to_string()));
            }
        }
        verdict.refs.push(rv);
    }
    for (i, ti) in peeled.tip_of.iter().enumerate() {
        let Some(ti) = *ti else { continue };
        let mut via = Vec::new();
        for &tj in &new.shares[ti] {
            let j = update_of_tip[tj];
            if verdict.refs[j].rejected() {
                via.push(verdict.refs[j].refname.clone());
            }
        }
        verdict.refs[i].reaches_rejected = via;
    }
    Ok(())
}

/// A ref pointing at a tree or blob: content without a commit. Its files
/// are judged by the file rules as a commit's would be, and
/// `push-unchecked-object` says what could not be checked.
fn unchecked_object(
    repo: &Repository,
    policy: &Run<'_>,
    refname: &str,
    kind: &str,
    end: Oid,
) -> Result<Vec<Finding>> {
    let reader = git::Reader::new(repo, crate::source::range::diff_options(policy), false);
    let change = reader
        .read_object(end, refname)
        .with_context(|| format!("cannot check the {kind} {end} that {refname} points at"))?;
    let mut findings = engine::check(policy, &change).findings;
    let rule = crate::diag::rule(RULES, "push-unchecked-object");
    let severity = policy.severity(rule);
    if severity != Severity::Off {
        let mut found = vec![Finding {
            rule: rule.id.to_string(),
            severity,
            commit: None,
            path: None,
            line: None,
            message: format!(
                "{refname} points at a {kind} ({end}), not a commit: its files were checked, but it has no message, author or review to check"
            ),
            hint: rule.hint.to_string(),
            snippet: None,
            fix: None,
        }];
        // `[[exceptions]]` apply here too (the engine applies them to every
        // finding it makes; this one is made here).
        policy.excuse(&mut found);
        findings.extend(found);
    }
    Ok(findings)
}

fn commit_exceptions(repo: &Repository, id: &str) -> Result<Vec<Exception>> {
    let oid = git::Oid::from_hex(id).ok_or_else(|| anyhow!("`{id}` is not an object id"))?;
    let m = git::shown_message(repo, oid, &git::comment_for_log(repo))?;
    Ok(exceptions(&m))
}

fn apply_exceptions(
    repo: &Repository,
    policy: &Run<'_>,
    mut findings: Vec<Finding>,
    claimed: &[Exception],
    mode: &Exceptions,
    id: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Finding>> {
    let short = &id[..id.len().min(12)];
    match mode {
        Exceptions::Client => {
            downgrade_claimed(&mut findings, claimed);
            Ok(findings)
        }
        Exceptions::Server { evidence, .. } => {
            let evidence = evidence.borrow();
            let oid =
                git::Oid::from_hex(id).ok_or_else(|| anyhow!("`{id}` is not an object id"))?;
            let author = super::trust::author_of(repo, oid)?;
            // An exception is the maintainers' to grant, with the same
            // evidence as a review.
            let reviewers = policy.maintainer_reviewers(Vec::new());
            let voucher = evidence.review(oid, author.as_ref(), &reviewers, &policy.maintainers);
            let mut kept = Vec::new();
            for f in findings {
                let Some(e) = claimed.iter().find(|e| e.rule == f.rule) else {
                    kept.push(f);
                    continue;
                };
                match &voucher {
                    Some(v) => notes.push(format!(
                        "exception honoured: {} in {short} waived by {}, a maintainer who {}: {}",
                        f.rule, v.who, v.how, e.reason
                    )),
                    None => {
                        let why = match &evidence.pusher {
                            Ok((var, who)) if is_maintainer(&policy.maintainers, who) => format!(
                                "the pusher {who} ({var}) is a maintainer but the commit's author; no other maintainer signed a merge or tag containing it"
                            ),
                            Ok((var, who)) => format!(
                                "the pusher {who} ({var}) is not in [policy] maintainers, and no maintainer signed a merge or tag containing it"
                            ),
                            Err(why) => format!("{why}; and no maintainer signed a merge or tag containing it"),
                        };
                        notes.push(format!("exception refused: {} in {short}: {why}", f.rule));
                        kept.push(f);
                    }
                }
            }
            Ok(kept)
        }
    }
}

/// Writes one block per ref with findings, the exception notes, and a
/// closing line naming the policy and where it came from.
pub(crate) fn render(
    v: &Verdict,
    policy: &Policy,
    origin: &str,
    out: &mut dyn Write,
    color: bool,
) -> std::io::Result<()> {
    for r in &v.refs {
        if r.findings.is_empty() && r.reaches_rejected.is_empty() {
            continue;
        }
        let errors = r.errors();
        let warnings = r.findings.len() - errors;
        let state = if r.rejected() { "REJECTED" } else { "accepted" };
        let tags = match r.tags {
            0 => String::new(),
            n => format!(" and {}", count(n, "tag message")),
        };
        writeln!(
            out,
            "policy-check: {}: {state}: {}, {} in {}{tags}",
            escape_cow(&r.refname),
            count(errors, "error"),
            count(warnings, "warning"),
            count(r.commits, "new commit")
        )?;
        if !r.reaches_rejected.is_empty() {
            writeln!(
                out,
                "policy-check: {}: also brings in the commits reported for {}",
                escape_cow(&r.refname),
                escape(&r.reaches_rejected.join(", "))
            )?;
        }
        let mut rep = TextReporter::new(Box::new(&mut *out), color);
        for f in &r.findings {
            rep.finding(f)?;
        }
    }
    if !v.policy.is_empty() {
        writeln!(
            out,
            "policy-check: policy `{}`: {} about the policy itself",
            policy.name,
            count(v.policy.len(), "warning")
        )?;
        let mut rep = TextReporter::new(Box::new(&mut *out), color);
        for f in &v.policy {
            rep.finding(f)?;
        }
    }
    for n in &v.notes {
        writeln!(out, "policy-check: {}", escape_cow(n))?;
    }
    let rejected: Vec<&str> = v
        .refs
        .iter()
        .filter(|r| r.rejected())
        .map(|r| r.refname.as_str())
        .collect();
    if rejected.is_empty() {
        writeln!(
            out,
            "policy-check: {} on {} checked against policy `{}` ({origin}): accepted",
            count(v.commits, "new commit"),
            count(v.refs.len(), "ref"),
            policy.name
        )?;
    } else {
        writeln!(
            out,
            "policy-check: {} on {} checked against policy `{}` ({origin}): rejected {}",
            count(v.commits, "new commit"),
            count(v.refs.len(), "ref"),
            policy.name,
            escape(&rejected.join(", "))
        )?;
    }
    out.flush()
}
