//! `policy-check completions SHELL` and `policy-check man`: shell
//! completions and manual pages, from the command line's own definition.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;
use crate::cmd::common::Exit;

/// `policy-check completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "policy-check", &mut std::io::stdout());
    Ok(Exit::Passed)
}

/// `policy-check man [--dir DIR]`: the manual page (roff) on stdout, or,
/// with a directory, `policy-check.1` and one page per subcommand
/// (`policy-check-check.1`, …) written there.
pub(crate) fn man(dir: Option<&Path>) -> Result<Exit> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?;
        return Ok(Exit::Passed);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("policy-check".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("policy-check-{}", sub.get_name());
        // clap takes `&'static str` names (without its `string` feature);
        // a handful of short strings in a one-shot command.
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        let page = sub.clone().name(leaked);
        pages.push((name, page));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(Exit::Passed)
}
