//! The terminal summary of a report: a few lines per repository, with a
//! sparkline of AI-involved commits per period.

use std::io::Write;

use super::model::{combined, RepoReport, Report};
use crate::diag::escape_cow;

/// Eight levels of a sparkline.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// How many periods the sparkline shows (the most recent ones).
const SPARK: usize = 36;

/// Renders every repository, then their total when there are several.
pub(crate) fn render(r: &Report, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    for repo in &r.repositories {
        block(repo, &r.period, out, color)?;
    }
    if r.repositories.len() > 1 {
        let all = combined(r);
        block(&all, &r.period, out, color)?;
    }
    Ok(())
}

fn block(repo: &RepoReport, period: &str, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let t = &repo.totals;
    let bold = |s: &str| {
        if color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let first = repo.periods.keys().next().cloned().unwrap_or_default();
    let last = repo.periods.keys().last().cloned().unwrap_or_default();
    writeln!(
        out,
        "{} (policy `{}`): {}, {first} .. {last}, by {period}",
        bold(&escape_cow(&repo.name)),
        escape_cow(&repo.policy),
        crate::report::shared::count(t.commits, "commit"),
    )?;
    let spark = sparkline(repo.periods.values().map(|c| c.ai).collect());
    writeln!(
        out,
        "  AI-involved: {} ({})  {spark}",
        crate::report::shared::count(t.ai, "commit"),
        percent(t.ai, t.commits)
    )?;
    if t.ai == 0 {
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "    by tool:  {}", list(&t.by_tool))?;
    if !t.by_model.is_empty() {
        writeln!(out, "    by model: {}", list(&t.by_model))?;
    }
    writeln!(out, "    by trace: {}", list(&t.by_kind))?;
    writeln!(
        out,
        "  disclosure: {} disclosed, {} undisclosed, {} malformed ({} disclosed)",
        t.disclosed,
        t.undisclosed,
        t.malformed,
        percent(t.disclosed, t.ai)
    )?;
    writeln!(
        out,
        "  review: {} of {} AI-involved reviewed ({})",
        t.reviewed,
        t.ai,
        percent(t.reviewed, t.ai)
    )?;
    if !t.findings.is_empty() {
        writeln!(out, "  findings by family: {}", list(&t.findings))?;
    }
    if !repo.top_paths.is_empty() {
        let top: Vec<String> = repo
            .top_paths
            .iter()
            .take(6)
            .map(|(p, n)| format!("{} {n}", escape_cow(p)))
            .collect();
        writeln!(out, "  where AI changes land: {}", top.join(", "))?;
    }
    if !repo.undisclosed.is_empty() {
        writeln!(out, "  not disclosed (newest first):")?;
        for l in repo.undisclosed.iter().take(5) {
            writeln!(
                out,
                "    {} {} {} ({}, {})",
                l.date,
                &l.id[..l.id.len().min(12)],
                escape_cow(&l.subject),
                escape_cow(&l.tools.join(", ")),
                l.state
            )?;
        }
        if repo.undisclosed.len() > 5 {
            writeln!(
                out,
                "    … and {} more (--format html or json lists them)",
                repo.undisclosed.len() - 5
            )?;
        }
    }
    writeln!(out)
}

/// `Claude 8, Copilot 4`, most first.
fn list(m: &std::collections::BTreeMap<String, usize>) -> String {
    let mut v: Vec<(&String, &usize)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{} {n}", escape_cow(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        return "-".to_string();
    }
    let p = 100.0 * n as f64 / of as f64;
    if n > 0 && p < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// The last [`SPARK`] values as bars, scaled to the largest.
fn sparkline(values: Vec<usize>) -> String {
    let v = &values[values.len().saturating_sub(SPARK)..];
    let max = v.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return String::new();
    }
    v.iter()
        .map(|&x| {
            if x == 0 {
                ' '
            } else {
                BARS[(x * 7).div_ceil(max).min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_largest() {
        assert_eq!(sparkline(vec![0, 1, 2, 4]), " ▃▅█");
        assert_eq!(sparkline(vec![0, 0]), "");
        // Repository text is escaped as in every report (issue 14's rule).
        assert_eq!(escape_cow("a\x1b[2Jb\u{202e}"), "a\\x1b[2Jb\\u{202e}");
    }
}
