//! Structural checks: a GitHub workflow (or a composite action) read into
//! zizmor's typed models (`github-actions-models`), so that triggers, jobs,
//! permissions, `uses:` and `run:` are known as such, not guessed from lines.
//!
//! What the checks know (privileged triggers, which actions check out or
//! cache, which contexts an outsider writes) is data: the `[structure]`
//! table of `policies/data/workflow-patterns.toml`. Findings are placed on
//! lines through [`locate::Index`], and only lines the change added are
//! reported (or a trigger the change added, for the checks that pair a
//! trigger with a step).

use github_actions_models::action::{self, Action};
use github_actions_models::common::expr::LoE;
use github_actions_models::common::{BasePermission, Env, EnvValue, Permission, Permissions, Uses};
use github_actions_models::workflow::event::{BranchFilters, OptionalBody, TagFilters};
use github_actions_models::workflow::job::{
    NormalJob, ParallelStep, RunStep, RunsOn, Step, UsesStep,
};
use github_actions_models::workflow::{Job, Workflow};
use serde::Deserialize;

use super::locate::{clip, strip_comment, uses_value, Index, Seg};
use crate::diag::RuleInfo;
use crate::model::FileChange;
use crate::rules::sink::Sink;

/// `[structure]` of the data file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Data {
    privileged_triggers: Vec<String>,
    fork_triggers: Vec<String>,
    cache_triggers: Vec<String>,
    checkout_actions: Vec<String>,
    cache_actions: Vec<String>,
    cache_inputs: Vec<ActionInput>,
    cache_off_inputs: Vec<ActionInput>,
    publish_actions: Vec<String>,
    publish_commands: Vec<String>,
    upload_actions: Vec<String>,
    script_inputs: Vec<ActionInput>,
    pub(super) head_refs: Vec<String>,
    checkout_commands: Vec<String>,
    untrusted_contexts: Vec<String>,
}

/// An input of an action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionInput {
    action: String,
    input: String,
    /// The action does it when the input is absent.
    #[serde(default)]
    default: bool,
}

impl Data {
    fn is(list: &[String], uses: &Uses) -> bool {
        let Uses::Repository(r) = uses else {
            return false;
        };
        let name = r.raw().rsplit_once('@').map_or(r.raw(), |(n, _)| n);
        list.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    fn input<'d>(list: &'d [ActionInput], uses: &Uses) -> impl Iterator<Item = &'d ActionInput> {
        let name = match uses {
            Uses::Repository(r) => r.raw().rsplit_once('@').map_or(r.raw(), |(n, _)| n),
            _ => "",
        }
        .to_string();
        list.iter()
            .filter(move |a| !name.is_empty() && a.action.eq_ignore_ascii_case(&name))
    }
}

/// The rules these checks report as (set by the family).
pub(crate) struct Rules {
    pub(crate) pr_target: &'static RuleInfo,
    pub(crate) injection: &'static RuleInfo,
    pub(crate) credentials: &'static RuleInfo,
    pub(crate) cache: &'static RuleInfo,
    pub(crate) self_hosted: &'static RuleInfo,
    pub(crate) permissions: &'static RuleInfo,
    pub(crate) broad: &'static RuleInfo,
}

/// A parsed CI file.
pub(crate) enum Doc {
    Workflow(Box<Workflow>),
    Action(Box<Action>),
}

/// What reading a CI file gave.
pub(crate) enum Parsed {
    /// A workflow or action, checked structurally.
    Doc(Doc),
    /// Not YAML at all: where and why.
    NotYaml { line: u32, message: String },
    /// YAML, but not a workflow (or action) the models know: why.
    NotModel(String),
}

/// Files larger than this are read line by line only (the models hold the
/// whole document; the line rules stream).
const MAX_PARSE: usize = 1 << 20;

/// Reads `text` as the kind of file `path` names: `None` for files that are
/// neither GitHub workflows nor actions nor YAML (a CI file of another
/// format), or too large to parse.
pub(crate) fn parse(path: &str, text: &str) -> Option<Parsed> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if !yaml {
        return None;
    }
    if text.len() > MAX_PARSE {
        tracing::info!(
            "{path}: {} bytes, larger than {MAX_PARSE}: checked line by line only",
            text.len()
        );
        return None;
    }
    let is_workflow =
        path.starts_with(".github/workflows/") && !path[".github/workflows/".len()..].contains('/');
    let is_action = name == "action.yml" || name == "action.yaml";
    // First: is it YAML at all?
    if let Err(e) = yaml_serde::from_str::<yaml_serde::Value>(text) {
        let line = e.location().map_or(0, |l| l.line() as u32);
        return Some(Parsed::NotYaml {
            line,
            message: e.to_string(),
        });
    }
    if is_workflow {
        Some(match yaml_serde::from_str::<Workflow>(text) {
            Ok(w) => Parsed::Doc(Doc::Workflow(Box::new(w))),
            Err(e) => Parsed::NotModel(e.to_string()),
        })
    } else if is_action {
        Some(match yaml_serde::from_str::<Action>(text) {
            Ok(a) => Parsed::Doc(Doc::Action(Box::new(a))),
            Err(e) => Parsed::NotModel(e.to_string()),
        })
    } else {
        None
    }
}

/// A step, whichever document it is in.
struct StepView<'a> {
    /// Route to the step.
    route: Vec<Seg<'a>>,
    uses: Option<&'a Uses>,
    with: Option<&'a Env>,
    run: Option<&'a str>,
}

/// A job (a composite action is one job without a name).
struct JobView<'a> {
    id: &'a str,
    route: Vec<Seg<'a>>,
    steps: Vec<StepView<'a>>,
    runs_on: Option<&'a LoE<RunsOn>>,
    /// False for a job that sets no `permissions:` (true for an action).
    permissions_set: bool,
    /// A job that calls a reusable workflow (`uses:` at the job level).
    calls_workflow: bool,
    /// `runs-on: ${{ matrix.KEY }}` where the matrix lists `self-hosted`.
    matrix_self_hosted: bool,
}

fn with_env(with: &LoE<Env>) -> Option<&Env> {
    match with {
        LoE::Literal(e) => Some(e),
        LoE::Expr(_) => None,
    }
}

fn uses_step<'a>(route: Vec<Seg<'a>>, u: &'a UsesStep) -> StepView<'a> {
    StepView {
        route,
        uses: Some(&u.uses),
        with: with_env(&u.with),
        run: None,
    }
}

fn run_step<'a>(route: Vec<Seg<'a>>, x: &'a RunStep) -> StepView<'a> {
    StepView {
        route,
        uses: None,
        with: None,
        run: Some(x.run.as_str()),
    }
}

/// True for `runs-on: ${{ matrix.KEY }}` when the matrix's `KEY` values
/// (or an `include:` entry's) name the `self-hosted` label.
fn matrix_self_hosted(j: &NormalJob) -> bool {
    let LoE::Expr(e) = &j.runs_on else {
        return false;
    };
    let Some(LoE::Literal(m)) = j.strategy.as_ref().and_then(|s| s.matrix.as_ref()) else {
        return false;
    };
    let is_sh = |v: &yaml_serde::Value| match v {
        yaml_serde::Value::String(s) => s.eq_ignore_ascii_case("self-hosted"),
        yaml_serde::Value::Sequence(items) => items.iter().any(|i| {
            i.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("self-hosted"))
        }),
        _ => false,
    };
    contexts(e.as_bare()).iter().any(|c| {
        let Some(key) = c.strip_prefix("matrix.") else {
            return false;
        };
        // `exclude: [{KEY: self-hosted}]` takes the value out of every row.
        let excluded = match &m.exclude {
            LoE::Literal(rows) => rows
                .iter()
                .any(|row| row.len() == 1 && row.get(key).is_some_and(is_sh)),
            LoE::Expr(_) => false,
        };
        let in_dims = !excluded
            && match &m.dimensions {
                LoE::Literal(d) => d
                    .get(key)
                    .is_some_and(|v| matches!(v, LoE::Literal(vals) if vals.iter().any(is_sh))),
                LoE::Expr(_) => false,
            };
        let in_include = match &m.include {
            LoE::Literal(inc) => inc.iter().any(|row| row.get(key).is_some_and(is_sh)),
            LoE::Expr(_) => false,
        };
        in_dims || in_include
    })
}

fn jobs_of(doc: &Doc) -> Vec<JobView<'_>> {
    match doc {
        Doc::Workflow(w) => w
            .jobs
            .iter()
            .map(|(id, job)| {
                let route = vec![Seg::Key("jobs"), Seg::Key(id.as_str())];
                match job {
                    Job::NormalJob(j) => {
                        let mut steps = Vec::new();
                        for (i, s) in j.steps.iter().enumerate() {
                            let mut r = route.clone();
                            r.extend([Seg::Key("steps"), Seg::Index(i)]);
                            match s {
                                Step::Uses(u) => steps.push(uses_step(r, u)),
                                Step::Run(x) => steps.push(run_step(r, x)),
                                // Steps run side by side: each one as a step.
                                Step::Parallel { parallel } => {
                                    for (k, p) in parallel.iter().enumerate() {
                                        let mut r = r.clone();
                                        r.extend([Seg::Key("parallel"), Seg::Index(k)]);
                                        steps.push(match p {
                                            ParallelStep::Uses(u) => uses_step(r, u),
                                            ParallelStep::Run(x) => run_step(r, x),
                                        });
                                    }
                                }
                                _ => {}
                            }
                        }
                        JobView {
                            id,
                            route,
                            steps,
                            runs_on: Some(&j.runs_on),
                            permissions_set: j.permissions != Permissions::default(),
                            calls_workflow: false,
                            matrix_self_hosted: matrix_self_hosted(j),
                        }
                    }
                    Job::ReusableWorkflowCallJob(j) => JobView {
                        id,
                        route,
                        steps: Vec::new(),
                        runs_on: None,
                        permissions_set: j.permissions != Permissions::default(),
                        calls_workflow: true,
                        matrix_self_hosted: false,
                    },
                }
            })
            .collect(),
        Doc::Action(a) => {
            let action::Runs::Composite(c) = &a.runs else {
                return Vec::new();
            };
            let route = vec![Seg::Key("runs")];
            let steps = c
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let r = vec![Seg::Key("runs"), Seg::Key("steps"), Seg::Index(i)];
                    match &s.body {
                        action::StepBody::Uses { uses, with } => StepView {
                            route: r,
                            uses: Some(uses),
                            with: with_env(with),
                            run: None,
                        },
                        action::StepBody::Run { run, .. } => StepView {
                            route: r,
                            uses: None,
                            with: None,
                            run: Some(run.as_str()),
                        },
                    }
                })
                .collect();
            vec![JobView {
                id: "(composite action)",
                route,
                steps,
                runs_on: None,
                permissions_set: true,
                calls_workflow: false,
                matrix_self_hosted: false,
            }]
        }
    }
}

/// The workflow's triggers by name (`push:tags` for a push filtered on
/// tags); none for an action.
fn triggers(doc: &Doc) -> Vec<String> {
    let Doc::Workflow(w) = doc else {
        return Vec::new();
    };
    let mut names: Vec<String> = match serde_json::to_value(&*w.on.events) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .filter(|(_, v)| v.as_str() != Some("Missing"))
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    };
    if let OptionalBody::Body(p) = &w.on.events.push {
        if matches!(p.tag_filters, Some(TagFilters::Tags(_))) {
            names.push("push:tags".into());
        }
        if let Some(BranchFilters::Branches(b)) = &p.branch_filters {
            // Release branches only: a CI run on `main` too is no release.
            if !b.is_empty() && b.iter().all(|b| b.to_ascii_lowercase().contains("release")) {
                names.push("push:release".into());
            }
        }
    }
    names
}

/// Everything a check needs about one file.
struct Ctx<'a> {
    f: &'a FileChange,
    index: Index,
    data: &'a Data,
    rules: &'a Rules,
    triggers: Vec<String>,
}

impl Ctx<'_> {
    fn added(&self, n: u32) -> bool {
        self.f.added.binary_search(&n).is_ok()
    }

    /// True when the change added the step at line `n`: an added line,
    /// and not a `uses:` line whose action the change only moved to another
    /// version (a Dependabot bump changes no risk these checks judge).
    fn step_added(&self, n: u32) -> bool {
        if !self.added(n) {
            return false;
        }
        let slug = |l: &str| {
            uses_value(strip_comment(l)).map(|u| {
                u.rsplit_once('@')
                    .map_or(u, |(s, _)| s)
                    .to_ascii_lowercase()
            })
        };
        let Some(now) = self.f.line(n).and_then(slug) else {
            return true;
        };
        !self
            .f
            .removed
            .iter()
            .any(|(_, old)| slug(old).is_some_and(|o| o == now))
    }

    fn line(&self, route: &[Seg]) -> u32 {
        self.index.line(route).unwrap_or(0)
    }

    /// The first trigger of `list` the workflow has, and its line.
    fn trigger_in(&self, list: &[String]) -> Option<(String, u32)> {
        let t = self.triggers.iter().find(|t| list.contains(t))?;
        let key = t.split(':').next().unwrap_or(t);
        let line = self
            .index
            .line(&[Seg::Key("on"), Seg::Key(key)])
            .or_else(|| self.index.line(&[Seg::Key("on")]))
            .or_else(|| self.index.line(&[Seg::Key("true")]))
            .unwrap_or(0);
        Some((t.clone(), line))
    }

    /// The first line in the node at `route` that contains `needle`, or the
    /// node's line.
    fn line_with(&self, route: &[Seg], needle: &str) -> u32 {
        let Some((start, end)) = self.index.span(route, self.f.line_count()) else {
            return 0;
        };
        (start..=end)
            .find(|&n| self.f.line(n).is_some_and(|l| l.contains(needle)))
            .unwrap_or(start)
    }

    fn snippet(&self, n: u32) -> String {
        clip(self.f.line(n).unwrap_or_default())
    }

    fn report(&self, sink: &mut Sink, rule: &'static RuleInfo, n: u32, message: String) {
        let r = sink.report(rule, message).path(&self.f.path);
        if n > 0 {
            r.line(n).snippet(self.snippet(n));
        }
    }

    /// Reports a step that is dangerous with a trigger: at the step when the
    /// change added it, else at the trigger when the change added that.
    fn report_pair(
        &self,
        sink: &mut Sink,
        rule: &'static RuleInfo,
        step_line: u32,
        trigger: &(String, u32),
        at_step: String,
        at_trigger: String,
    ) {
        if self.step_added(step_line) {
            self.report(sink, rule, step_line, at_step);
        } else if self.added(trigger.1) {
            self.report(sink, rule, trigger.1, at_trigger);
        }
    }
}

/// Runs the structural checks over a parsed document.
pub(crate) fn check(doc: &Doc, f: &FileChange, data: &Data, rules: &Rules, sink: &mut Sink) {
    let cx = Ctx {
        f,
        index: Index::new(&f.text),
        data,
        rules,
        triggers: triggers(doc),
    };
    let jobs = jobs_of(doc);
    if sink.enabled(rules.pr_target) {
        pr_target(&cx, &jobs, sink);
    }
    if sink.enabled(rules.injection) {
        injection(&cx, &jobs, sink);
    }
    if sink.enabled(rules.credentials) {
        credentials(&cx, &jobs, sink);
    }
    if sink.enabled(rules.cache) {
        cache(&cx, &jobs, sink);
    }
    if sink.enabled(rules.self_hosted) {
        self_hosted(&cx, &jobs, sink);
    }
    if let Doc::Workflow(w) = doc {
        if sink.enabled(rules.permissions) {
            permissions(&cx, w, &jobs, sink);
        }
        if sink.enabled(rules.broad) {
            broad_permissions(&cx, w, &jobs, sink);
        }
    }
}

fn env_str(v: &EnvValue) -> String {
    v.to_string()
}

fn step_name(job: &JobView, i: usize) -> String {
    if job.id.starts_with('(') {
        format!("step {}", i + 1)
    } else {
        format!("step {} of job `{}`", i + 1, job.id)
    }
}

/// `pull_request_target`/`workflow_run` with a checkout of the PR head.
fn pr_target(cx: &Ctx, jobs: &[JobView], sink: &mut Sink) {
    let Some(trigger) = cx.trigger_in(&cx.data.privileged_triggers) else {
        return;
    };
    let names_head = |s: &str| cx.data.head_refs.iter().any(|r| s.contains(r.as_str()));
    for job in jobs {
        for (i, step) in job.steps.iter().enumerate() {
            let mut hit: Option<u32> = None;
            if let (Some(uses), Some(with)) = (step.uses, step.with) {
                if Data::is(&cx.data.checkout_actions, uses) {
                    for key in ["ref", "repository"] {
                        if with.get(key).is_some_and(|v| names_head(&env_str(v))) {
                            let mut r = step.route.clone();
                            r.extend([Seg::Key("with"), Seg::Key(key)]);
                            hit = Some(cx.line(&r));
                            break;
                        }
                    }
                }
            }
            if let Some(run) = step.run {
                for line in run.lines() {
                    let cmd = cx
                        .data
                        .checkout_commands
                        .iter()
                        .find(|c| line.contains(c.as_str()));
                    let Some(cmd) = cmd else { continue };
                    if names_head(line) || cmd.as_str() == "gh pr checkout" {
                        let mut r = step.route.clone();
                        r.push(Seg::Key("run"));
                        hit = Some(cx.line_with(&r, line.trim()));
                        break;
                    }
                }
            }
            let Some(n) = hit else { continue };
            let (t, tl) = &trigger;
            cx.report_pair(
                sink,
                cx.rules.pr_target,
                n,
                &trigger,
                format!(
                    "the workflow runs on `{t}` (line {tl}) and {} checks out the pull request's head here",
                    step_name(job, i)
                ),
                format!(
                    "the workflow now runs on `{t}` while {} checks out the pull request's head (line {n})",
                    step_name(job, i)
                ),
            );
        }
    }
}

/// The contexts an expression reads (`github.event.issue.title`), lowercased,
/// with indexes as `*`; function names and string literals left out.
pub(crate) fn contexts(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            // A string literal ('' escapes a quote).
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let mut segs: Vec<String> = Vec::new();
            let mut cur = String::new();
            while i < b.len() {
                let c = b[i];
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
                    cur.push(c.to_ascii_lowercase() as char);
                    i += 1;
                } else if c == b'.' {
                    segs.push(std::mem::take(&mut cur));
                    i += 1;
                    if b.get(i) == Some(&b'*') {
                        cur.push('*');
                        i += 1;
                    }
                } else if c == b'[' {
                    segs.push(std::mem::take(&mut cur));
                    let end = expr[i..].find(']').map_or(b.len(), |e| i + e);
                    let inner = expr[i + 1..end.min(b.len())].trim();
                    let key = inner.trim_matches(|c| c == '\'' || c == '"');
                    cur = if inner.starts_with('\'') || inner.starts_with('"') {
                        key.to_ascii_lowercase()
                    } else {
                        "*".into()
                    };
                    i = end + 1;
                } else {
                    break;
                }
            }
            segs.push(cur);
            segs.retain(|s| !s.is_empty());
            // A function call is not a context.
            let next = expr[i.min(b.len())..].trim_start();
            if !next.starts_with('(') && !segs.is_empty() {
                out.push(segs.join("."));
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The pattern `context` is or reads inside, or (when `serialised`, as in
/// `toJSON(github.event.issue)`) contains; `None` when it is none.
fn untrusted(context: &str, patterns: &[String], serialised: bool) -> Option<String> {
    let c: Vec<&str> = context.split('.').collect();
    if c.len() < 2 {
        return None;
    }
    patterns.iter().find_map(|p| {
        let p_len = p.split('.').count();
        if c.len() < p_len && !serialised {
            // `(github.event.pull_request || github.event.issue).number`
            // reads a field of the object, not all of it.
            return None;
        }
        let same = c
            .iter()
            .zip(p.split('.'))
            .all(|(a, b)| b == "*" || *a == "*" || a.eq_ignore_ascii_case(b));
        same.then(|| p.clone())
    })
}

/// The `${{ … }}` expressions of a script, with their text.
fn expressions(script: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(s) = rest.find("${{") {
        let after = &rest[s + 3..];
        let Some(e) = after.find("}}") else { break };
        out.push(&rest[s..s + 3 + e + 2]);
        rest = &after[e + 2..];
    }
    out
}

/// Attacker-controlled expressions in `run:` and script inputs.
fn injection(cx: &Ctx, jobs: &[JobView], sink: &mut Sink) {
    for job in jobs {
        for (i, step) in job.steps.iter().enumerate() {
            let mut scripts: Vec<(Vec<Seg>, &str)> = Vec::new();
            if let Some(run) = step.run {
                let mut r = step.route.clone();
                r.push(Seg::Key("run"));
                scripts.push((r, run));
            }
            if let (Some(uses), Some(with)) = (step.uses, step.with) {
                for si in Data::input(&cx.data.script_inputs, uses) {
                    if let Some((k, EnvValue::String(s))) = with.get_key_value(&si.input) {
                        let mut r = step.route.clone();
                        r.extend([Seg::Key("with"), Seg::Key(k.as_str())]);
                        scripts.push((r, s.as_str()));
                    }
                }
            }
            for (route, script) in scripts {
                let mut seen = std::collections::HashSet::new();
                for e in expressions(script) {
                    let inner = &e[3..e.len() - 2];
                    let serialised = inner.to_ascii_lowercase().contains("tojson(");
                    let Some(ctx) = contexts(inner)
                        .into_iter()
                        .find(|c| untrusted(c, &cx.data.untrusted_contexts, serialised).is_some())
                    else {
                        continue;
                    };
                    let n = cx.line_with(&route, e);
                    if !cx.added(n) || !seen.insert((n, ctx.clone())) {
                        continue;
                    }
                    cx.report(
                        sink,
                        cx.rules.injection,
                        n,
                        format!(
                            "`{}` is text an outsider writes (`{ctx}`), pasted into the script of {} before the shell reads it",
                            e.trim(),
                            step_name(job, i)
                        ),
                    );
                }
            }
        }
    }
}

fn is_false(v: &EnvValue) -> bool {
    match v {
        EnvValue::Boolean(b) => !b,
        EnvValue::String(s) => s.trim().eq_ignore_ascii_case("false"),
        EnvValue::Number(_) => false,
    }
}

/// `actions/checkout` that leaves its token in `.git/config`.
fn credentials(cx: &Ctx, jobs: &[JobView], sink: &mut Sink) {
    for job in jobs {
        let upload = job
            .steps
            .iter()
            .find(|s| s.uses.is_some_and(|u| Data::is(&cx.data.upload_actions, u)));
        for (i, step) in job.steps.iter().enumerate() {
            let Some(uses) = step.uses else { continue };
            if !Data::is(&cx.data.checkout_actions, uses) {
                continue;
            }
            // `with:` as one expression: cannot tell, stay quiet.
            if step.with.is_none() && step_has_with_expr(cx, step) {
                continue;
            }
            // `false` is the fix; `true` or an expression is a deliberate
            // choice (a job that pushes), as zizmor reads it too.
            if step
                .with
                .is_some_and(|w| w.contains_key("persist-credentials"))
            {
                continue;
            }
            let mut r = step.route.clone();
            r.push(Seg::Key("uses"));
            let n = cx.line(&r);
            if !cx.step_added(n) {
                continue;
            }
            let also = match upload {
                Some(u) => {
                    let mut r = u.route.clone();
                    r.push(Seg::Key("uses"));
                    format!(
                        "; the job uploads an artifact (line {}), which can carry it",
                        cx.line(&r)
                    )
                }
                None => String::new(),
            };
            cx.report(
                sink,
                cx.rules.credentials,
                n,
                format!(
                    "{} checks out without `persist-credentials: false`: the token stays in .git/config for every later step{also}",
                    step_name(job, i)
                ),
            );
        }
    }
}

fn step_has_with_expr(cx: &Ctx, step: &StepView) -> bool {
    let mut r = step.route.clone();
    r.push(Seg::Key("with"));
    cx.index.find(&r).is_some_and(|(_, whole)| whole)
}

/// The line of the first step of `job` that publishes (a publisher action
/// or a publishing command).
fn publish_step(cx: &Ctx, job: &JobView) -> Option<u32> {
    job.steps.iter().find_map(|s| {
        if s.uses
            .is_some_and(|u| Data::is(&cx.data.publish_actions, u))
        {
            let mut r = s.route.clone();
            r.push(Seg::Key("uses"));
            return Some(cx.line(&r));
        }
        let run = s.run?;
        let cmd = cx.data.publish_commands.iter().find(|c| {
            run.lines()
                .any(|l| l.contains(c.as_str()) && !l.contains("--dry-run"))
        })?;
        let mut r = s.route.clone();
        r.push(Seg::Key("run"));
        Some(cx.line_with(&r, cmd))
    })
}

/// True when a step restores or saves a cache.
fn caches(cx: &Ctx, step: &StepView) -> bool {
    let Some(uses) = step.uses else {
        return false;
    };
    let set = |ci: &ActionInput| step.with.and_then(|w| w.get(&ci.input));
    if Data::input(&cx.data.cache_off_inputs, uses)
        .any(|ci| set(ci).is_some_and(|v| !is_false(v) && !v.is_empty()))
    {
        return false;
    }
    Data::is(&cx.data.cache_actions, uses)
        || Data::input(&cx.data.cache_inputs, uses).any(|ci| match set(ci) {
            Some(v) => !is_false(v) && !v.is_empty(),
            None => ci.default,
        })
}

/// Caches restored or saved by a workflow on a privileged or publishing
/// trigger, or by a job that publishes.
fn cache(cx: &Ctx, jobs: &[JobView], sink: &mut Sink) {
    let trigger = cx.trigger_in(&cx.data.cache_triggers);
    for job in jobs {
        let why = match (&trigger, publish_step(cx, job)) {
            (Some(t), _) => (format!("a workflow run on `{}`", t.0), t.clone()),
            (None, Some(n)) => (
                format!("job `{}`, which publishes", job.id),
                ("a publishing job".to_string(), n),
            ),
            (None, None) => continue,
        };
        for (i, step) in job.steps.iter().enumerate() {
            if !caches(cx, step) {
                continue;
            }
            let Some(uses) = step.uses else { continue };
            let mut r = step.route.clone();
            r.push(Seg::Key("uses"));
            let n = cx.line(&r);
            let (t, tl) = &why.1;
            cx.report_pair(
                sink,
                cx.rules.cache,
                n,
                &why.1,
                format!(
                    "{} uses a cache (`{}`) in {} (line {tl}): a cache written by untrusted code can be restored here",
                    step_name(job, i),
                    uses.raw(),
                    why.0
                ),
                format!(
                    "this is now {t} while {} uses a cache (`{}`, line {n})",
                    step_name(job, i),
                    uses.raw()
                ),
            );
        }
    }
}

/// Self-hosted runners in a workflow outsiders can trigger.
fn self_hosted(cx: &Ctx, jobs: &[JobView], sink: &mut Sink) {
    let Some(trigger) = cx.trigger_in(&cx.data.fork_triggers) else {
        return;
    };
    for job in jobs {
        let labels: &[String] = match job.runs_on {
            Some(LoE::Literal(RunsOn::Target(l))) => l,
            Some(LoE::Literal(RunsOn::Group { labels, .. })) => labels,
            _ => &[],
        };
        if !labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) && !job.matrix_self_hosted
        {
            continue;
        }
        let mut r = job.route.clone();
        r.push(Seg::Key("runs-on"));
        let n = cx.line(&r);
        let (t, tl) = &trigger;
        cx.report_pair(
            sink,
            cx.rules.self_hosted,
            n,
            &trigger,
            format!(
                "job `{}` runs on a self-hosted runner in a workflow an outsider can start (`{t}`, line {tl})",
                job.id
            ),
            format!(
                "the workflow now runs on `{t}`, which an outsider can start, while job `{}` uses a self-hosted runner (line {n})",
                job.id
            ),
        );
    }
}

/// Jobs that run with the repository's default token permissions.
fn permissions(cx: &Ctx, w: &Workflow, jobs: &[JobView], sink: &mut Sink) {
    if w.permissions != Permissions::Base(BasePermission::Default) {
        return;
    }
    // A reusable workflow gets its token from the caller; but a job of it
    // that calls another still passes a token on.
    let reusable = cx.triggers.iter().all(|t| t == "workflow_call");
    let bare: Vec<(&JobView, u32)> = jobs
        .iter()
        .filter(|j| !j.permissions_set && (!reusable || j.calls_workflow))
        .map(|j| (j, cx.line(&j.route)))
        .collect();
    let Some(&(_, n)) = bare.iter().find(|(_, n)| cx.added(*n)) else {
        return;
    };
    let names: Vec<String> = bare.iter().map(|(j, _)| format!("`{}`", j.id)).collect();
    cx.report(
        sink,
        cx.rules.permissions,
        n,
        format!(
            "no `permissions:` at the top of the workflow or in job{} {}: {} the repository's default GITHUB_TOKEN permissions (read and write to everything on many repositories)",
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            if names.len() == 1 { "it runs with" } else { "they run with" }
        ),
    );
}

/// Write scopes granted at the top of a workflow whose jobs do not all need
/// them: every job that sets no `permissions:` of its own gets them.
fn broad_permissions(cx: &Ctx, w: &Workflow, jobs: &[JobView], sink: &mut Sink) {
    let Permissions::Explicit(scopes) = &w.permissions else {
        return;
    };
    let inheriting: Vec<&JobView> = jobs.iter().filter(|j| !j.permissions_set).collect();
    // One job: the top is that job's own grant.
    if jobs.len() < 2 || inheriting.is_empty() {
        return;
    }
    let names: Vec<String> = inheriting.iter().map(|j| format!("`{}`", j.id)).collect();
    for (scope, p) in scopes {
        if *p != Permission::Write {
            continue;
        }
        let n = cx.line(&[Seg::Key("permissions"), Seg::Key(scope.as_str())]);
        if !cx.added(n) {
            continue;
        }
        cx.report(
            sink,
            cx.rules.broad,
            n,
            format!(
                "`{scope}: write` at the top of the workflow is granted to every job without its own `permissions:` ({})",
                names.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_of_expressions() {
        assert_eq!(
            contexts("github.event.issue.title"),
            vec!["github.event.issue.title"]
        );
        assert_eq!(
            contexts("toJSON(github.event.commits[0].message) && 'github.x'"),
            vec!["github.event.commits.*.message"]
        );
        assert_eq!(
            contexts("github.event['pull_request'].title || inputs.x"),
            vec!["github.event.pull_request.title", "inputs.x"]
        );
        assert_eq!(
            contexts("github.event.commits.*.message"),
            vec!["github.event.commits.*.message"]
        );
    }

    #[test]
    fn untrusted_contexts() {
        let p: Vec<String> = [
            "github.event.issue.title",
            "github.event.commits.*.message",
            "github.head_ref",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(untrusted("github.event.issue.title", &p, false).is_some());
        assert!(untrusted("github.event.issue", &p, true).is_some());
        assert!(untrusted("github.event", &p, true).is_some());
        assert!(untrusted("github.event.issue", &p, false).is_none());
        assert!(untrusted("github.event.commits.*.message", &p, false).is_some());
        assert!(untrusted("github.event.issue.number", &p, true).is_none());
        assert!(untrusted("github.sha", &p, true).is_none());
        assert!(untrusted("github", &p, true).is_none());
        assert!(untrusted("inputs.title", &p, false).is_none());
    }
}
