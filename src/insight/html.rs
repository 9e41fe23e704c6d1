//! The report as one self-contained HTML page: inline SVG charts and CSS
//! (light and dark), no script, no font, nothing fetched (a Content
//! Security Policy of `default-src 'none'` says so to the browser). Every
//! piece of text from a repository is escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{combined, Counts, RepoReport, Report};

/// Colours of the tools in the stacked bars (the rest are "other").
const PALETTE: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2",
];
const OTHER: &str = "#9c9c9c";

/// Renders the whole page.
pub(crate) fn render(r: &Report) -> String {
    let mut h = String::new();
    let title = match r.repositories.as_slice() {
        [one] => format!("AI use and policy health: {}", esc(&one.name)),
        many => format!("AI use and policy health: {} repositories", many.len()),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{title}</title><style>{CSS}</style></head><body>\n<h1>{title}</h1>\n"
    );
    if r.repositories.len() > 1 {
        overview(&mut h, r);
        section(&mut h, &combined(r), &r.period, false);
    }
    for repo in &r.repositories {
        section(&mut h, repo, &r.period, true);
    }
    h.push_str("<footer>Made by policy-check report. Counts are commits; a commit with several tools counts once for each.</footer>\n</body></html>\n");
    h
}

/// One row per repository.
fn overview(h: &mut String, r: &Report) {
    h.push_str("<section><h2>Repositories</h2><table><thead><tr><th>repository</th><th>policy</th><th>commits</th><th>AI-involved</th><th>disclosed</th><th>reviewed</th></tr></thead><tbody>\n");
    for repo in &r.repositories {
        let t = &repo.totals;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            anchor(&repo.name),
            esc(&repo.name),
            esc(&repo.policy),
            t.commits,
            t.ai,
            pct(t.disclosed, t.ai),
            pct(t.reviewed, t.ai)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn section(h: &mut String, repo: &RepoReport, period: &str, list: bool) {
    let t = &repo.totals;
    let _ = write!(
        h,
        "<section id=\"{}\"><h2>{}</h2><p class=\"sub\">policy <code>{}</code> · {} commits · by {period}</p>",
        anchor(&repo.name),
        esc(&repo.name),
        esc(&repo.policy),
        t.commits
    );
    let _ = write!(
        h,
        "<div class=\"cards\">{}{}{}{}</div>",
        card(
            "AI-involved commits",
            &t.ai.to_string(),
            &pct(t.ai, t.commits)
        ),
        card(
            "disclosed",
            &pct(t.disclosed, t.ai),
            &format!("{} undisclosed, {} malformed", t.undisclosed, t.malformed)
        ),
        card(
            "reviewed",
            &pct(t.reviewed, t.ai),
            &format!("{} of {}", t.reviewed, t.ai)
        ),
        card(
            "findings",
            &t.findings.values().sum::<usize>().to_string(),
            "of the message rules"
        ),
    );
    h.push_str("<div class=\"grid\">");
    h.push_str("<figure><figcaption>AI-involved commits per ");
    h.push_str(period);
    h.push_str(", by tool</figcaption>");
    h.push_str(&stacked(&repo.periods, &t.by_tool));
    h.push_str("</figure>");
    h.push_str("<figure><figcaption>Disclosed share of AI-involved commits</figcaption>");
    h.push_str(&compliance(&repo.periods));
    h.push_str("</figure>");
    h.push_str("<figure><figcaption>Findings by rule family</figcaption>");
    h.push_str(&bars(&t.findings));
    h.push_str("</figure>");
    h.push_str("<figure><figcaption>AI-involved commits by trace and model</figcaption>");
    let mut both = t.by_kind.clone();
    for (m, n) in &t.by_model {
        both.insert(format!("model: {m}"), *n);
    }
    h.push_str(&bars(&both));
    h.push_str("</figure></div>\n");
    if !repo.top_paths.is_empty() {
        h.push_str("<h3>Where AI-involved changes land</h3><table><thead><tr><th>directory</th><th>commits</th></tr></thead><tbody>");
        for (p, n) in &repo.top_paths {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td class=\"n\">{n}</td></tr>",
                esc(p)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if list {
        if repo.undisclosed.is_empty() {
            h.push_str("<h3>AI-involved commits without a valid disclosure</h3><p>None.</p>\n");
        } else {
            let _ = write!(
                h,
                "<h3>AI-involved commits without a valid disclosure ({}{})</h3><table><thead><tr><th>date</th><th>commit</th><th>subject</th><th>tools</th><th>state</th></tr></thead><tbody>",
                repo.undisclosed.len(),
                if repo.undisclosed.len() < t.undisclosed + t.malformed { ", newest" } else { "" }
            );
            for l in &repo.undisclosed {
                let short = esc(&l.id[..l.id.len().min(12)]);
                let id = match &repo.commit_url {
                    Some(u) if l.id.bytes().all(|b| b.is_ascii_hexdigit()) => format!(
                        "<a href=\"{}\"><code>{short}</code></a>",
                        esc(&u.replace("{id}", &l.id))
                    ),
                    _ => format!("<code title=\"{}\">{short}</code>", esc(&l.id)),
                };
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{id}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&l.date),
                    esc(&l.subject),
                    esc(&l.tools.join(", ")),
                    esc(&l.state)
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
    h.push_str("</section>\n");
}

fn card(label: &str, value: &str, note: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"l\">{}</div><div class=\"s\">{}</div></div>",
        esc(value),
        esc(label),
        esc(note)
    )
}

/// The tools to colour (most used first), the rest grouped as "other".
fn top_tools(by_tool: &BTreeMap<String, usize>) -> Vec<String> {
    let mut v: Vec<(&String, &usize)> = by_tool.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter()
        .take(PALETTE.len())
        .map(|(k, _)| k.clone())
        .collect()
}

const W: f64 = 560.0;
const H: f64 = 200.0;
const PAD: f64 = 28.0;

/// Stacked bars of AI-involved commits per period, by tool.
fn stacked(periods: &BTreeMap<String, Counts>, by_tool: &BTreeMap<String, usize>) -> String {
    let tools = top_tools(by_tool);
    let n = periods.len().max(1) as f64;
    let max = periods.values().map(|c| c.ai).max().unwrap_or(0).max(1) as f64;
    let bw = (W - PAD) / n;
    let mut s = svg_open("AI-involved commits per period, stacked by tool");
    axis(&mut s, max);
    for (i, (key, c)) in periods.iter().enumerate() {
        let x = PAD + i as f64 * bw;
        let mut y = H - PAD;
        // A commit with two tools counts for both: scale the stack to the
        // period's AI-involved commits so the bar's height is that number.
        let total: usize = c.by_tool.values().sum();
        let scale = if total == 0 {
            0.0
        } else {
            c.ai as f64 / total as f64
        };
        let mut parts: Vec<(String, f64, &str)> = Vec::new();
        let mut other = 0.0;
        for (tool, &k) in &c.by_tool {
            match tools.iter().position(|t| t == tool) {
                Some(p) => parts.push((tool.clone(), k as f64 * scale, PALETTE[p])),
                None => other += k as f64 * scale,
            }
        }
        if other > 0.0 {
            parts.push(("other".to_string(), other, OTHER));
        }
        for (tool, k, colour) in parts {
            let hgt = k / max * (H - 2.0 * PAD);
            y -= hgt;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{hgt:.1}\" fill=\"{colour}\"><title>{}: {} {k:.0}</title></rect>",
                (bw - 1.0).max(0.5),
                esc(key),
                esc(&tool)
            );
        }
    }
    labels(&mut s, periods.keys().collect());
    s.push_str("</svg>");
    let mut legend = String::from("<p class=\"legend\">");
    for (i, t) in tools.iter().enumerate() {
        let _ = write!(
            legend,
            "<span><i style=\"background:{}\"></i>{}</span>",
            PALETTE[i],
            esc(t)
        );
    }
    if by_tool.len() > tools.len() {
        let _ = write!(
            legend,
            "<span><i style=\"background:{OTHER}\"></i>other</span>"
        );
    }
    legend.push_str("</p>");
    s + &legend
}

/// The disclosed share per period, as a line (periods without AI are gaps).
fn compliance(periods: &BTreeMap<String, Counts>) -> String {
    let n = periods.len().max(1) as f64;
    let bw = (W - PAD) / n;
    let mut s = svg_open("Disclosed share of AI-involved commits per period");
    axis_percent(&mut s);
    let mut points = Vec::new();
    for (i, c) in periods.values().enumerate() {
        if let Some(p) = c.compliance() {
            let x = PAD + i as f64 * bw + bw / 2.0;
            let y = H - PAD - p / 100.0 * (H - 2.0 * PAD);
            points.push((x, y, p));
        }
    }
    if points.len() > 1 {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" class=\"line\" stroke-width=\"2\"/>",
            path.join(" ")
        );
    }
    for (x, y, p) in &points {
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" class=\"dot\"><title>{p:.0}%</title></circle>"
        );
    }
    labels(&mut s, periods.keys().collect());
    s.push_str("</svg>");
    s
}

/// Horizontal bars of a count map, most first.
fn bars(m: &BTreeMap<String, usize>) -> String {
    if m.is_empty() {
        return "<p class=\"sub\">None.</p>".to_string();
    }
    let mut v: Vec<(&String, &usize)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.truncate(10);
    let max = *v[0].1 as f64;
    let row = 20.0;
    let height = row * v.len() as f64 + 8.0;
    let mut s = format!(
        "<svg viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"counts\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, (k, &n)) in v.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let w = n as f64 / max.max(1.0) * (W - 220.0);
        let _ = write!(
            s,
            "<text x=\"150\" y=\"{:.1}\" text-anchor=\"end\" class=\"t\">{}</text><rect x=\"158\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"t\">{n}</text>",
            y + 13.0,
            esc(&short(k, 24)),
            row - 6.0,
            PALETTE[0],
            164.0 + w,
            y + 13.0
        );
    }
    s.push_str("</svg>");
    s
}

fn svg_open(label: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(label)
    )
}

fn axis(s: &mut String, max: f64) {
    let _ = write!(
        s,
        "<line x1=\"{PAD}\" y1=\"{y}\" x2=\"{W}\" y2=\"{y}\" class=\"ax\"/><text x=\"2\" y=\"{top}\" class=\"t\">{max:.0}</text><text x=\"2\" y=\"{y}\" class=\"t\">0</text>",
        y = H - PAD,
        top = PAD + 4.0
    );
}

fn axis_percent(s: &mut String) {
    let _ = write!(
        s,
        "<line x1=\"{PAD}\" y1=\"{y}\" x2=\"{W}\" y2=\"{y}\" class=\"ax\"/><line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{W}\" y2=\"{PAD}\" class=\"ax dim\"/><text x=\"0\" y=\"{top}\" class=\"t\">100%</text><text x=\"2\" y=\"{y}\" class=\"t\">0</text>",
        y = H - PAD,
        top = PAD + 4.0
    );
}

/// The first and last period under the axis (and the middle one).
fn labels(s: &mut String, keys: Vec<&String>) {
    let n = keys.len();
    if n == 0 {
        return;
    }
    let bw = (W - PAD) / n as f64;
    let mut picks = vec![0, n - 1];
    if n > 4 {
        picks.push(n / 2);
    }
    picks.sort_unstable();
    picks.dedup();
    for i in picks {
        let x = PAD + i as f64 * bw + bw / 2.0;
        let anchor = if i == 0 {
            "start"
        } else if i == n - 1 {
            "end"
        } else {
            "middle"
        };
        let x = if i == 0 {
            PAD
        } else if i == n - 1 {
            W
        } else {
            x
        };
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" class=\"t\">{}</text>",
            H - 8.0,
            esc(keys[i])
        );
    }
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        return "–".to_string();
    }
    let p = 100.0 * n as f64 / of as f64;
    if n > 0 && p < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// An element id from a name (letters, digits and dashes).
fn anchor(name: &str) -> String {
    let a: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("r-{a}")
}

/// HTML-escapes text from a repository; control characters and bidi
/// overrides become visible escapes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in crate::diag::escape_cow(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = "
:root{--bg:#fff;--fg:#1d1f21;--mut:#666;--card:#f4f5f7;--ax:#bbb;--line:#e15759}
@media (prefers-color-scheme:dark){:root{--bg:#16181b;--fg:#e6e6e6;--mut:#9aa0a6;--card:#23262b;--ax:#555;--line:#ff7b7b}}
body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 16px}h2{margin-top:36px;border-bottom:1px solid var(--ax);padding-bottom:4px}
.sub,footer{color:var(--mut)}footer{margin-top:40px;font-size:.85em}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:var(--card);border-radius:8px;padding:10px 16px;min-width:170px}
.card .v{font-size:1.7em;font-weight:600}.card .l{font-weight:600}.card .s{color:var(--mut);font-size:.85em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{margin:0;background:var(--card);border-radius:8px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
svg{width:100%;height:auto;display:block}.t{fill:var(--mut);font-size:11px}.ax{stroke:var(--ax)}.dim{stroke-dasharray:3 3}
.line{stroke:var(--line)}.dot{fill:var(--line)}
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--ax)}
td.n{text-align:right;font-variant-numeric:tabular-nums}a{color:inherit}code{font-size:.92em}
";
