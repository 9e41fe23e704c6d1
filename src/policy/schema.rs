//! The JSON Schema of the policy file, derived from the raw serde types
//! (`schemars`), and a checker that uses it to report every unknown key and
//! wrongly typed value of a document at once, each located in its file.
//!
//! Editors read the schema through a directive on the policy's first line
//! (Taplo / Even Better TOML):
//!
//! ```toml
//! #:schema ./policy-check.schema.json
//! ```

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::raw::RawPolicy;
use crate::config::error::{nearest, KeyPath, Seg};

/// The schema (JSON Schema draft-07, which Taplo and most editors support).
pub fn schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let root = generator.into_root_schema_for::<RawPolicy>();
    let mut v = serde_json::to_value(root).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "description".into(),
            Value::String(
                "An AI-usage policy checked by policy-check. Generated from the policy's \
                 types by `policy-check policy schema`; do not edit."
                    .into(),
            ),
        );
    }
    v
}

/// The schema as shipped: pretty JSON with a final newline.
pub(crate) fn text() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// Checks a parsed document against the schema; returns every problem as
/// (setting, message).
///
/// With `required = false`, missing required keys are not problems: one
/// document of an `extends` chain may set only part of an entry (a child
/// changing the severity of a preset's `[[rules]]` entry by its `id`); the
/// merged document is then checked with `required = true`.
pub(crate) fn check(doc: &toml::Table, required: bool) -> Vec<(KeyPath, String)> {
    static ROOT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let root = ROOT.get_or_init(schema);
    let mut out = Vec::new();
    let mut path = KeyPath::root();
    let value = toml::Value::Table(doc.clone());
    Checker { root, required }.value(root, &value, &mut path, &mut out);
    out
}

struct Checker<'a> {
    root: &'a Value,
    required: bool,
}

impl Checker<'_> {
    /// Follows `$ref`s into `definitions`.
    fn resolve<'s>(&'s self, mut s: &'s Value) -> &'s Value {
        for _ in 0..16 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let ptr = r.trim_start_matches('#');
                    match self.root.pointer(ptr) {
                        Some(t) => s = t,
                        None => return s,
                    }
                }
                None => return s,
            }
        }
        s
    }

    fn value(
        &self,
        schema: &Value,
        v: &toml::Value,
        path: &mut KeyPath,
        out: &mut Vec<(KeyPath, String)>,
    ) {
        let schema = self.resolve(schema);
        if let Some(b) = schema.as_bool() {
            if !b {
                out.push((path.clone(), "no value is allowed here".into()));
            }
            return;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                let alts: Vec<&Value> = alts
                    .iter()
                    .map(|a| self.resolve(a))
                    .filter(|a| !is_null_only(a))
                    .collect();
                // An enum whose variants are documented is a `oneOf` of
                // constants: name every accepted value, not the first.
                let literals: Option<Vec<&Value>> = alts.iter().try_fold(Vec::new(), |mut l, a| {
                    match (a.get("const"), a.get("enum").and_then(Value::as_array)) {
                        (Some(c), _) => l.push(c),
                        (None, Some(e)) => l.extend(e),
                        (None, None) => return None,
                    }
                    Some(l)
                });
                if let Some(literals) = literals.filter(|_| alts.iter().any(|a| type_matches(a, v)))
                {
                    let s = json_of(v);
                    if !literals.contains(&&s) {
                        let names: Vec<String> = literals.iter().map(|l| l.to_string()).collect();
                        out.push((
                            path.clone(),
                            format!("unknown value {}: expected one of {}", s, names.join(", ")),
                        ));
                    }
                    return;
                }
                let mut best: Option<Vec<(KeyPath, String)>> = None;
                for a in &alts {
                    let mut errs = Vec::new();
                    self.value(a, v, path, &mut errs);
                    if errs.is_empty() {
                        return;
                    }
                    // Prefer the alternative whose type matched (its errors are deeper).
                    if type_matches(a, v) && best.as_ref().is_none_or(|b| errs.len() < b.len()) {
                        best = Some(errs);
                    }
                }
                match best {
                    Some(errs) => out.extend(errs),
                    None => out.push((
                        path.clone(),
                        format!(
                            "invalid type: expected {}, found {}",
                            describe_alts(&alts),
                            kind(v)
                        ),
                    )),
                }
                return;
            }
        }
        if !type_matches(schema, v) {
            out.push((
                path.clone(),
                format!(
                    "invalid type: expected {}, found {}",
                    describe(schema),
                    kind(v)
                ),
            ));
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            let s = json_of(v);
            if !allowed.contains(&s) {
                let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
                out.push((
                    path.clone(),
                    format!("unknown value {}: expected one of {}", s, names.join(", ")),
                ));
            }
            return;
        }
        if let Some(c) = schema.get("const") {
            if *c != json_of(v) {
                out.push((path.clone(), format!("expected {c}")));
            }
            return;
        }
        match v {
            toml::Value::Integer(i) => {
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    if (*i as f64) < min {
                        out.push((path.clone(), format!("must be at least {min}")));
                    }
                }
            }
            toml::Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, it) in items.iter().enumerate() {
                        let seg = match it.get("id").and_then(toml::Value::as_str) {
                            Some(id) => Seg::Id(id.to_string()),
                            None => Seg::Index(i),
                        };
                        path.0.push(seg);
                        self.value(item, it, path, out);
                        path.0.pop();
                    }
                }
            }
            toml::Value::Table(t) => self.table(schema, t, path, out),
            _ => {}
        }
    }

    fn table(
        &self,
        schema: &Value,
        t: &toml::Table,
        path: &mut KeyPath,
        out: &mut Vec<(KeyPath, String)>,
    ) {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let additional = schema.get("additionalProperties");
        for (k, v) in t {
            path.0.push(Seg::Key(k.clone()));
            match (props.get(k), additional) {
                (Some(s), _) => self.value(s, v, path, out),
                (None, Some(Value::Bool(false))) => {
                    let mut msg = format!("unknown key `{k}` in {}", table_name(path));
                    let known: Vec<&str> = props.keys().map(String::as_str).collect();
                    if let Some(near) = nearest(k, known.iter().copied()) {
                        msg.push_str(&format!("; did you mean `{near}`?"));
                    }
                    if !known.is_empty() {
                        msg.push_str(&format!(" (expected one of: {})", known.join(", ")));
                    }
                    out.push((path.clone(), msg));
                }
                (None, Some(s)) => self.value(s, v, path, out),
                (None, None) => {}
            }
            path.0.pop();
        }
        if let Some(req) = schema
            .get("required")
            .and_then(Value::as_array)
            .filter(|_| self.required)
        {
            for r in req.iter().filter_map(Value::as_str) {
                if !t.contains_key(r) {
                    out.push((
                        path.clone(),
                        format!("missing key `{r}` in {}", table_name(&path.key(r))),
                    ));
                }
            }
        }
    }
}

/// `[table]`, or "the top level", for the table holding the last key of `path`.
fn table_name(path: &KeyPath) -> String {
    let mut p = path.clone();
    p.0.pop();
    if p.0.is_empty() {
        "the top level".into()
    } else {
        format!("[{p}]")
    }
}

fn is_null_only(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null")
}

/// The JSON types a schema accepts (empty: any).
fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn type_matches(s: &Value, v: &toml::Value) -> bool {
    let ts = types(s);
    if ts.is_empty() {
        return true;
    }
    ts.iter().any(|t| {
        matches!(
            (*t, v),
            ("string", toml::Value::String(_) | toml::Value::Datetime(_))
                | ("integer", toml::Value::Integer(_))
                | ("number", toml::Value::Integer(_) | toml::Value::Float(_))
                | ("boolean", toml::Value::Boolean(_))
                | ("array", toml::Value::Array(_))
                | ("object", toml::Value::Table(_))
        )
    })
}

fn describe(s: &Value) -> String {
    let ts: Vec<&str> = types(s).into_iter().filter(|t| *t != "null").collect();
    let word = |t: &str| match t {
        "object" => "a table",
        "array" => "an array",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        _ => "a value",
    };
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = e.iter().map(Value::to_string).collect();
        return format!("one of {}", names.join(", "));
    }
    match ts.as_slice() {
        [] => "a value".into(),
        _ => ts.iter().map(|t| word(t)).collect::<Vec<_>>().join(" or "),
    }
}

fn describe_alts(alts: &[&Value]) -> String {
    let mut parts: Vec<String> = alts.iter().map(|a| describe(a)).collect();
    parts.dedup();
    parts.join(", or ")
}

fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

fn json_of(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        other => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let t: toml::Table = toml::from_str(text).unwrap();
        check(&t, true)
            .into_iter()
            .map(|(p, m)| format!("{p}: {m}"))
            .collect()
    }

    #[test]
    fn a_valid_policy_has_no_problem() {
        let p = problems(
            r#"
[policy]
name = "x"
extends = ["default"]
maintainers = ["Ada <ada@example.org>"]
[scan]
max_file_size = 10
renames = "off"
[severity]
file-too-large = "off"
other = { level = "warn", until = 2027-03-01, then = "error" }
[[rules]]
id = "r"
scope = "subject"
pattern = "x"
mode = "require"
[[exceptions]]
rule = "r"
reason = "because"
expires = "2027-01-01"
"#,
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn documented_enums_name_every_value() {
        let p = problems("[disclosure]\nrequired = \"sometimes\"\n[review]\nsignoff = \"yes\"\n");
        assert_eq!(
            p,
            [
                "disclosure.required: unknown value \"sometimes\": expected one of \"always\", \"when-ai-detected\", \"optional\", \"forbidden\"",
                "review.signoff: unknown value \"yes\": expected one of \"off\", \"present\", \"author\"",
            ]
        );
        assert!(
            problems("[disclosure]\nrequired = \"optional\"\n[review]\nsignoff = \"off\"\n")
                .is_empty()
        );
        let p = problems("[disclosure]\nrequired = 3\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("invalid type"), "{p:?}");
    }

    #[test]
    fn every_problem_at_once() {
        let p = problems(
            r#"
[policy]
nme = "x"
[scan]
max_file_size = "big"
renames = "fuzzy"
colour = true
[severity]
a = "loud"
[[rules]]
id = "r"
scope = "subject"
[[exceptions]]
rule = "r"
"#,
        );
        let want = [
            "policy.nme: unknown key `nme` in [policy]; did you mean `name`?",
            "scan.colour: unknown key `colour` in [scan]",
            "scan.max_file_size: invalid type: expected an integer, found a string",
            "scan.renames: unknown value \"fuzzy\"",
            "severity.a: unknown value \"loud\"",
            "rules[r]: missing key `pattern` in [rules[r]]",
            "exceptions[0]: missing key `reason`",
        ];
        for w in want {
            assert!(p.iter().any(|m| m.starts_with(w)), "no `{w}` in {p:#?}");
        }
        assert_eq!(p.len(), want.len(), "{p:#?}");
    }
}
