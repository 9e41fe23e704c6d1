//! `policy-check baseline write`: the findings of existing history, recorded
//! so that `check --baseline` reports only new ones.

use anyhow::{bail, Context, Result};

use crate::adoption::baseline;
use crate::cli::{BaselineCommand, Global};
use crate::cmd::common as app;
use crate::cmd::common::resolve_in;
use crate::cmd::common::Exit;
use crate::diag::{Finding, Summary};
use crate::git::{self, Oid, Repository};
use crate::policy::Run;
use crate::report::shared::Reporter;

/// Every commit reachable from HEAD, newest first.
fn history(repo: &Repository) -> Result<Vec<Oid>> {
    if git::is_empty(repo) {
        bail!("the repository has no commits yet");
    }
    let mut walk = git::walk::Walk::new(repo)?;
    walk.push(git::peel_commit(repo, "HEAD")?)?;
    Ok(walk.run()?.order)
}

/// Collects findings (the reporter of `baseline write`).
#[derive(Default)]
struct Collect(Vec<Finding>);

impl Reporter for Collect {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.0.push(f.clone());
        Ok(())
    }

    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// `policy-check baseline …`.
pub(crate) fn baseline(cmd: BaselineCommand, global: &Global) -> Result<Exit> {
    match cmd {
        BaselineCommand::Write {
            revisions,
            all,
            output,
        } => {
            let repo = git::open(&app::workdir(global))?;
            let (policy, _) = app::select_policy(global, Some(&repo))?;
            let oids = if revisions.is_empty() && !all {
                history(&repo)?
            } else {
                git::resolve(&repo, &revisions, all)?
            };
            let mut collect = Collect::default();
            let mut summary = Summary::default();
            crate::source::range::scan(
                git::opener(&repo),
                &oids,
                &Run::new(&policy),
                &mut collect,
                &mut summary,
            )?;
            let entries = baseline::entries(&collect.0);
            let path = match output {
                Some(o) => resolve_in(global, &o),
                None => git::root(&repo).join(baseline::DEFAULT_FILE),
            };
            std::fs::write(&path, baseline::render(&entries))
                .with_context(|| format!("cannot write the baseline {}", path.display()))?;
            println!(
                "policy-check: wrote {} ({} in {}) to {}",
                crate::report::shared::count(entries.len(), "entry"),
                crate::report::shared::count(collect.0.len(), "finding"),
                crate::report::shared::count(oids.len(), "commit"),
                path.display()
            );
            Ok(Exit::Passed)
        }
    }
}
