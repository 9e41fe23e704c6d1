//! Secrets in added lines (the Rust Foundation's AI Usage Policy §7: no secrets, credentials or private
//! keys are shared).
//!
//! The patterns are data: `policies/data/secrets.toml`, embedded, which a
//! policy extends with `[[secrets.patterns]]` and trims with `disable`.
//! Lines go through a keyword pre-filter before any regex (see
//! [`patterns`](super::patterns)), obvious placeholders are dropped, and the
//! reported snippet never shows more than the first characters of a secret.
//!
//! ```toml
//! [secrets]
//! allow_paths = ["tests/fixtures/**"]   # findings here are suppressed (counted)
//! disable = ["jwt"]                     # built-in pattern ids to drop
//! placeholders = ["not-a-real"]         # extra placeholder markers
//! scan_message = true                   # also scan the commit message
//! [[secrets.patterns]]
//! id = "acme-token"
//! keywords = ["acme_"]
//! regex = '\b(?P<secret>acme_[A-Za-z0-9]{32})\b'
//! examples = ["ACME=acme_…"]
//! ```
//!
//! One rule id, `secret-detected`, with the pattern id in the message: rule
//! ids are the registry's static contract (explain, `[severity]`, inline
//! markers), while the table is data that grows and that policies extend, so
//! per-pattern ids would make the rule set depend on the policy. A pattern
//! is tuned by id with `disable` or by redefining it in `[[secrets.patterns]]`.

use crate::rules::family::{CheckContext, CompileContext, Family};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use globset::GlobSet;
use serde::Deserialize;

use super::patterns::{Hit, Pattern, PatternSet, PatternSpec, SetRef, Verdict};
use crate::config::{compile_globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Change;
use crate::model::Needs;
use crate::rules::sink::Sink;

/// The embedded pattern table.
pub(crate) const TABLE: &str = include_str!("../../policies/data/secrets.toml");

/// The family's one rule: `secret-detected`.
pub(crate) const RULES: &[RuleInfo] = &[RuleInfo {
    id: "secret-detected",
    family: "secrets",
    default: Severity::Error,
    summary: "an added line (or the commit message) contains a private key, an access token or a hard-coded credential",
    hint: "remove it and load it from the environment or a secret store (rotate it if it ever left your machine); \
           for a test value use an obvious placeholder, or add `policy-check:allow secret-detected` on the line",
}];

/// `tag` bit of a pattern whose secret must mix letters and digits.
const TAG_MIXED: usize = 1;
/// `tag` bit of an armour header that needs its body on the next line.
const TAG_BODY: usize = 2;
/// `tag` bit of a pattern also looked for in the printable strings of binaries.
const TAG_BINARY: usize = 4;
/// `tag` bit of a pattern whose value is assigned to a name (see
/// [`RawPattern::assigned`]).
const TAG_ASSIGNED: usize = 8;
/// `tag` bit of a pattern whose secret may not be lowercase words alone
/// (see [`RawPattern::words`]).
const TAG_NOT_WORDS: usize = 16;
/// `tag` bit of a JSON Web Token pattern whose claims are read (see
/// [`RawPattern::claims`]).
const TAG_CLAIMS: usize = 32;
/// `tag` bit of a pattern whose value a person chooses (a password, a
/// generic assignment): words in it are expected (see [`RawPattern::chosen`]).
const TAG_CHOSEN: usize = 64;
/// [`RawPattern::generated`].
const TAG_GENERATED: usize = 128;
/// `tag` bits below a gitleaks rule's index + 1.
const TAG_SHIFT: u32 = 8;
/// Bytes before a secret searched for the whole match an allowlist with
/// `regexTarget = "match"` sees.
const MATCH_BEFORE: usize = 256;

/// True when a secret holds both an ASCII letter and an ASCII digit.
fn is_mixed(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// True when a line starts an encoded body: base64 (a PEM or OpenSSH key)
/// or the `Proc-Type:` header of an encrypted PEM key.
fn starts_body(next: &str) -> bool {
    let t = next.trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    t.starts_with("Proc-Type:")
        || t.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count()
            >= 16
}

/// Filler rather than key material, judged on the letters and digits of the
/// secret (separators such as `-`, `_`, `.` skipped, case ignored): a run of
/// six or more repeats of one character (`AIzaaaaaaa…`, `glc_1111…`), of six
/// or more consecutive ascending or descending characters (`abcdefgh`,
/// `123456`, `zyxwvu`, `9876543210`, `1234-5678`), or such sequences
/// interleaved (`a1b2c3d4e5f6`, `1a2b3C4d-5E6f`, `q1w2e3r4t5y6u7i8`), or
/// one group of three or more characters typed three times between
/// separators (`xoxp-1234-1234-1234-…`). Random keys almost never hold any
/// of these (about 1 in 10^5 for a 40-character hex key), while hand-typed
/// fake values nearly always do. A group repeated with no separator is not
/// counted: base64 of structured text repeats so (`MDAwMDAw` is `000000`
/// in a JFrog reference token).
pub(crate) fn is_filler(s: &str) -> bool {
    if repeats_group(s) {
        return true;
    }
    let step = |a: u8, c: u8| {
        (
            c as i16 - a as i16,
            a.is_ascii_digit() == c.is_ascii_digit(),
        )
    };
    let (mut same, mut up, mut down) = (1, 1, 1);
    // Interleaved sequences: every other character ascends (or descends)
    // by one, over six characters of both (`a1b2c3d4e5f6`) or eight of one
    // (`q1w2e3r4t5y6u7i8`).
    let mut inter = [1, 1];
    let (mut last, mut before) = (None::<u8>, None::<u8>);
    let chars = s
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase());
    for (i, c) in chars.enumerate() {
        if let Some(p) = last {
            let (d, kind) = step(p, c);
            same = if d == 0 { same + 1 } else { 1 };
            up = if kind && d == 1 { up + 1 } else { 1 };
            down = if kind && d == -1 { down + 1 } else { 1 };
        }
        if let Some(q) = before {
            let (d, kind) = step(q, c);
            let k = i % 2;
            inter[k] = if kind && (d == 1 || d == -1) {
                inter[k] + 1
            } else {
                1
            };
            if (inter[0] >= 6 && inter[1] >= 6) || inter[k] >= 8 {
                return true;
            }
        }
        if same >= 6 || up >= 6 || down >= 6 {
            return true;
        }
        (before, last) = (last, Some(c));
    }
    false
}

/// Three groups running, split by separators (`-`, `_`, `.`, `:` …), that
/// are the same three or more characters (case ignored): `1234-1234-1234`.
fn repeats_group(s: &str) -> bool {
    let mut groups = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|g| !g.is_empty());
    let (mut last, mut run) = ("", 0);
    groups.any(|g| {
        run = if g.eq_ignore_ascii_case(last) {
            run + 1
        } else {
            1
        };
        last = g;
        run >= 3 && g.len() >= 3
    })
}

/// Identifiers, setting names and feature names rather than secrets:
/// lowercase words alone, joined by `-`, `_`, `.` or `/` (`credential-process`,
/// `registry.token`), or uppercase words joined by one of these
/// (`KEY_SPEC_REQUESTOR_KEYRING`, a constant's name; one uppercase word
/// alone may be a base32 key). Joined words may end in a number, and a
/// part may be a number (`BASE64_URL_SAFE_NO_PAD`,
/// `mistralai/devstral-small-2505`, `gw_valid_api_key_12345`): a part that
/// mixes them otherwise (`k9x2m`, `20260715a`) is not a word. A random
/// 20-character key is all lowercase letters about 3 times in 10^8.
fn is_words(s: &str) -> bool {
    let sep = |b: u8| matches!(b, b'-' | b'_' | b'.' | b'/');
    let lower = s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || sep(b));
    let upper = s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(sep)
        && s.bytes().all(|b| b.is_ascii_uppercase() || sep(b));
    lower
        || upper
        || joined_words(s, u8::is_ascii_lowercase)
        || joined_words(s, u8::is_ascii_uppercase)
}

/// Two or more parts joined by `-`, `_`, `.` or `/`, each letters of one
/// case then digits (`base64`, `v2`) or digits alone, letters in one.
fn joined_words(s: &str, letter: fn(&u8) -> bool) -> bool {
    let mut parts = 0;
    let mut lettered = false;
    let ok = s.split(['-', '_', '.', '/']).all(|part| {
        parts += 1;
        let b = part.as_bytes();
        let n = b.iter().take_while(|c| letter(c)).count();
        lettered |= n > 0;
        !b.is_empty() && b[n..].iter().all(u8::is_ascii_digit)
    });
    ok && parts >= 2 && lettered
}

/// A lowercase text with the usual leetspeak substitutions undone: `4`,
/// `@` → a; `3` → e; `1`, `!` → i; `0` → o; `5`, `$` → s; `7` → t.
fn unleet(lower: &str) -> String {
    lower
        .chars()
        .map(|c| match c {
            '4' | '@' => 'a',
            '3' => 'e',
            '1' | '!' => 'i',
            '0' => 'o',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect()
}

/// The word list (`policies/data/words.txt`): English words of 5 to 14
/// letters, lowercase, one per line, sorted (checked by a test), after a
/// header of `#` comment lines.
const WORDS: &str = include_str!("../../policies/data/words.txt");

/// The sorted lines of [`WORDS`] after its header.
fn word_lines() -> &'static [u8] {
    static BODY: OnceLock<usize> = OnceLock::new();
    let start = *BODY.get_or_init(|| {
        let mut at = 0;
        for line in WORDS.split_inclusive('\n') {
            if !line.starts_with('#') && !line.trim().is_empty() {
                break;
            }
            at += line.len();
        }
        at
    });
    &WORDS.as_bytes()[start..]
}

/// True when `w` is a line of the word list: a binary search over the
/// sorted text itself (no set is built, so a commit-msg hook that meets one
/// token pays nothing to load 37,000 words).
fn is_word(w: &[u8]) -> bool {
    let text = word_lines();
    let (mut lo, mut hi) = (0, text.len());
    // `lo` and `hi` stay at line starts (or the end): the lines between
    // them are the ones left to search.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = text[lo..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let end = text[start..hi]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(hi, |i| start + i);
        match text[start..end].cmp(w) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = (end + 1).min(hi),
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

/// True when a value of a vendor-generated format spells English: two
/// words of the word list (5 letters or more, case-insensitive, leftmost
/// longest, not overlapping) or one of 8 letters or more, once `own` (the
/// pattern's own text, [`Pattern::own_text`]: `glpat-`, `secret_`,
/// `/services/`) is blanked out. A person
/// typed it (`glptt-hellOworld380_testin`, `sk_live_notarealkeyforthetests`).
/// Random values of 20 to 64 characters do this about once in 20,000
/// (all-lowercase ones of 64: once in 5,000).
fn is_spelled(s: &str, own: &[String]) -> bool {
    const SHORTEST: usize = 5;
    const LONGEST: usize = 14;
    // A hand-typed sample is short; a long value is read up to here (a
    // hostile megabyte-long match costs no more than this).
    const MOST: usize = 1024;
    if s.len() < 2 * SHORTEST {
        return false;
    }
    let mut lower = s.as_bytes()[..s.len().min(MOST)].to_ascii_lowercase();
    for k in own {
        let k = k.as_bytes();
        if k.is_empty() || k.len() > lower.len() {
            continue;
        }
        let mut i = 0;
        while i + k.len() <= lower.len() {
            if lower[i..i + k.len()].eq_ignore_ascii_case(k) {
                lower[i..i + k.len()].fill(b'_');
                i += k.len();
            } else {
                i += 1;
            }
        }
    }
    let (mut found, mut i) = (0, 0);
    while i + SHORTEST <= lower.len() {
        let most = LONGEST.min(lower.len() - i);
        let hit = (SHORTEST..=most).rev().find(|&n| {
            let w = &lower[i..i + n];
            w.iter().all(u8::is_ascii_lowercase) && is_word(w)
        });
        match hit {
            Some(n) if n >= 8 => return true,
            Some(n) => {
                found += 1;
                if found == 2 {
                    return true;
                }
                i += n;
            }
            None => i += 1,
        }
    }
    false
}

/// True when a value assigned to a credential name spells that kind of
/// credential: one of the pattern's keywords of five letters or more
/// (`token`, `secret`, `api_key`) inside the value with fewer than 16
/// letters and digits after it, as in `GITHUB_TOKEN = "ghp_token123"` or
/// `client_secret = "my-secret-42"`. A vendor prefix that names its kind is
/// followed by the generated part (`bedrock-api-key-` and 40 more,
/// `AGE-SECRET-KEY-1` and 58 more), which is not judged so. A generated
/// value holds a given five-letter word about once in 10^6.
fn names_its_kind(s: &str, keywords: &[String]) -> bool {
    const GENERATED_TAIL: usize = 16;
    let b = s.as_bytes();
    // Only the last occurrence can have the shortest tail: read the value
    // backwards until 16 letters and digits have passed.
    let mut tail = 0;
    for end in (0..=b.len()).rev() {
        if tail >= GENERATED_TAIL {
            return false;
        }
        let ends_here = keywords.iter().any(|k| {
            k.len() >= 5
                && end >= k.len()
                && b[end - k.len()..end].eq_ignore_ascii_case(k.as_bytes())
        });
        if ends_here {
            return true;
        }
        if end > 0 && b[end - 1].is_ascii_alphanumeric() {
            tail += 1;
        }
    }
    false
}

/// An SSH public key in its wire format, base64 (`AAAAB3NzaC1yc2E…`,
/// `AAAAC3NzaC1lZDI1NTE5…`, as in `known_hosts` or a `HOSTKEY` constant):
/// a length-prefixed key type (`ssh-rsa`, `ssh-ed25519`,
/// `ecdsa-sha2-nistp256`, `sk-ssh-ed25519@openssh.com`, …) first. Public by
/// design, never a secret; a private key's base64 starts otherwise
/// (`openssh-key-v1`, a PEM body's ASN.1).
fn is_ssh_public_key(s: &str) -> bool {
    let Some(head) = s.get(..32) else {
        return false;
    };
    let Ok(raw) = data_encoding::BASE64.decode(head.as_bytes()) else {
        return false;
    };
    let len = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    let name = &raw[4..];
    (7..=64).contains(&len)
        && ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
            .iter()
            .any(|t| name.starts_with(t.as_bytes()))
}

/// A JSON Web Token whose claims say it is a sample: its decoded header or
/// payload holds filler (`"sub": "1234567890"`) or a documentation domain
/// (`example.com`, RFC 2606). Only values are judged, never claim names, and
/// no placeholder word other than `example` (real claims hold
/// `preferred_username`).
fn is_sample_jwt(s: &str) -> bool {
    static B64: OnceLock<data_encoding::Encoding> = OnceLock::new();
    let b64 = B64.get_or_init(|| {
        let mut spec = data_encoding::BASE64URL_NOPAD.specification();
        spec.check_trailing_bits = false;
        spec.encoding()
            .unwrap_or_else(|_| data_encoding::BASE64URL_NOPAD.clone())
    });
    fn sample(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(t) => {
                is_filler(t) || t.to_ascii_lowercase().contains("example")
            }
            serde_json::Value::Number(n) => is_filler(&n.to_string()),
            serde_json::Value::Array(a) => a.iter().any(sample),
            serde_json::Value::Object(o) => o.values().any(sample),
            _ => false,
        }
    }
    s.split('.').take(2).any(|part| {
        b64.decode(part.as_bytes())
            .ok()
            .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok())
            .is_some_and(|v| sample(&v))
    })
}

/// Most bytes of a value read from the line after its name.
const CONTINUED_MAX: usize = 4096;

/// A value written on the line after its name, joined to its name so the
/// patterns see one assignment. One line of look-ahead (two for XML), one
/// token: the value line must hold no white space and at most 4 KiB. The
/// shapes: a line continuation (`TOKEN = \`), a YAML block scalar
/// (`api_token: |`, `>-`, `|2`), a name with nothing after its operator
/// (`api_token:`, `TOKEN =`, `"key" =>`), and an XML element whose value
/// and closing tag are on the next two lines (`<apiToken>`).
pub(crate) fn continued(line: &str, next: Option<&str>, after: Option<&str>) -> Option<String> {
    let value = next?.trim();
    if value.is_empty() || value.len() > CONTINUED_MAX || value.contains(char::is_whitespace) {
        return None;
    }
    // The next name with its own empty value (`GITHUB_API_KEY=` then
    // `DYNATRACE_API_KEY=`, `snowflake.password=`, `token:`), not a value
    // (base64 padding `…Zg=` stays one).
    if value.ends_with(':') || value.strip_suffix('=').is_some_and(is_words) {
        return None;
    }
    let mut head = line.trim_end();
    if let Some(h) = head.strip_suffix('\\') {
        head = h.trim_end();
    }
    if !head.ends_with("=>") {
        let t = head.trim_end_matches(|c: char| matches!(c, '-' | '+') || c.is_ascii_digit());
        if let Some(h) = t.strip_suffix(['|', '>']) {
            if h.trim_end().ends_with(':') {
                head = h.trim_end();
            }
        }
    }
    if head.ends_with(['=', ':']) || head.ends_with("=>") {
        return Some(format!("{head} {value}"));
    }
    let tag = head.strip_suffix('>')?;
    let name = &tag[tag.rfind('<')? + 1..];
    let close = after?.trim();
    let is_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    (is_name && close.starts_with("</")).then(|| format!("{head}{value}{close}"))
}

/// Template and interpolation syntax: `<token>`, `${VAR}`, `{{ var }}`, `$(cmd)`, `%(name)s`.
fn is_template(s: &str) -> bool {
    (s.contains('<') && s.contains('>'))
        || s.contains("${")
        || s.contains("{{")
        || s.contains("$(")
        || s.contains("%(")
}

/// One `[[pattern]]` of the table, or `[[secrets.patterns]]` of a policy.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    /// Stable id, shown in the finding; a built-in id replaces that pattern.
    pub(crate) id: String,
    pub(crate) description: Option<String>,
    /// Literals (case-insensitive), one of which every match contains: the pre-filter.
    #[serde(default)]
    pub(crate) keywords: Vec<String>,
    /// The regex; a `secret` named group marks the secret itself.
    pub(crate) regex: String,
    /// Minimum Shannon entropy (bits per character) of the secret.
    pub(crate) min_entropy: Option<f64>,
    /// The secret must mix ASCII letters and digits (for generic patterns
    /// whose values could otherwise be identifiers or words).
    #[serde(default)]
    pub(crate) mixed: bool,
    /// The secret is an armour header: when it ends its line, the next line
    /// must start the encoded body (so a header around junk is no key).
    #[serde(default)]
    pub(crate) body: bool,
    /// The secret is a value assigned to a name (`publicToken = "…"`):
    /// when that name also says the value is not secret (the table's
    /// `not_secret_names`: a public key, a CSRF token), it is not reported.
    #[serde(default)]
    pub(crate) assigned: bool,
    /// With `assigned`: more words that, in the name, say the value is not
    /// secret, for this pattern alone (`primary` and `sort` for a name
    /// ending in `key`; they would excuse nothing of a `token`).
    #[serde(default)]
    pub(crate) not_secret_names: Vec<String>,
    /// `false`: a secret made of lowercase words alone (`credential-process`,
    /// `registry.token`), or of uppercase words joined by `-`, `_`, `.`, `/`
    /// (`KEY_SPEC_KEYRING`), is an identifier, not a secret (for the generic
    /// shapes, whose values may be any setting).
    pub(crate) words: Option<bool>,
    /// The secret is a JSON Web Token: one whose decoded claims are filler
    /// or name a documentation domain is a sample.
    #[serde(default)]
    pub(crate) claims: bool,
    /// The value is chosen by a person (a password, a passphrase, any value
    /// of a generic assignment) rather than generated by the vendor: English
    /// words in it are expected. Without it (and for an armour header or an
    /// `assigned` pattern), a value that spells two words of the word list
    /// or one long one is a hand-typed sample (`glpat-helloworld-testing`).
    #[serde(default)]
    pub(crate) chosen: bool,
    /// The value is generated by a machine though the pattern reads an
    /// assignment (a name ending in `key`): it is judged spelled as a
    /// vendor format is, so `workspace-cache-2026a` is a setting, not a key.
    #[serde(default)]
    pub(crate) generated: bool,
    /// Also look for it in the printable strings of binary files (default
    /// true: for distinctive shapes such as key headers and prefixed
    /// tokens; false for generic, context-bound patterns, which would
    /// match random strings of a binary).
    pub(crate) binary: Option<bool>,
    /// Lines the pattern must match (checked when the policy loads).
    #[serde(default)]
    pub(crate) examples: Vec<String>,
    /// Lines the pattern must not match (checked when the policy loads).
    #[serde(default)]
    pub(crate) counter_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    /// Markers of a value that is not a real secret, matched
    /// case-insensitively inside the secret itself (never elsewhere on the
    /// line, so a comment cannot excuse a real key).
    placeholder_words: Vec<String>,
    /// Words that, inside the name a value is assigned to, say the value is
    /// meant to be seen (`public`, `csrf`): see [`RawPattern::assigned`].
    #[serde(default)]
    not_secret_names: Vec<String>,
    /// Values their vendors publish (see [`RawPublished`]).
    #[serde(default)]
    published: Vec<RawPublished>,
    /// gitleaks' default rule ids and the built-in patterns that play
    /// their part here (an id that is also a pattern's id needs no entry).
    #[serde(default)]
    gitleaks_defaults: HashMap<String, Vec<String>>,
    pattern: Vec<RawPattern>,
}

/// Key values a vendor publishes itself (an SDK's test fixtures, sample
/// configurations, API documentation): public, so not reported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublished {
    /// Who publishes them.
    vendor: String,
    /// Where they were read (repository and revision, or page).
    source: String,
    values: Vec<String>,
}

/// The built-in table, compiled.
#[derive(Debug)]
struct Builtin {
    /// Built once: a policy that neither adds, redefines nor disables a
    /// pattern shares it (the keyword index cost as much as a commit-msg
    /// hook's whole secrets check).
    set: PatternSet,
    placeholder_words: Vec<String>,
    not_secret_names: Vec<String>,
    /// The published values, sorted (binary-searched).
    published: Vec<String>,
    /// Each pattern's own `not_secret_names`, by pattern id, lowercase.
    own_not_secret: HashMap<String, Vec<String>>,
    /// The table's `gitleaks_defaults`.
    gitleaks_defaults: HashMap<String, Vec<String>>,
}

/// `[secrets]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSecrets {
    /// `false` turns the family off (in a policy that extends one enabling it).
    pub(crate) enabled: Option<bool>,
    /// Globs of files whose findings are suppressed (and counted).
    pub(crate) allow_paths: Option<Vec<String>>,
    /// Ids of built-in patterns to drop.
    pub(crate) disable: Option<Vec<String>>,
    /// Extra placeholder markers (case-insensitive substrings of the
    /// secret), for the table's patterns and the policy's; a gitleaks
    /// configuration's rules are judged by its own allowlists instead.
    pub(crate) placeholders: Option<Vec<String>>,
    /// Scan the commit message too (default true).
    pub(crate) scan_message: Option<bool>,
    /// Extra patterns; one with a built-in id replaces it.
    pub(crate) patterns: Option<Vec<RawPattern>>,
    /// A gitleaks configuration (`.gitleaks.toml`) whose rules and
    /// allowlists apply too; a path relative to the policy file, read from
    /// the same place as the policy (its directory, or its revision's tree).
    pub(crate) gitleaks_config: Option<String>,
}

/// Where a line was read: the commit and the file (`None`: its message).
pub(crate) struct At<'a> {
    pub(crate) commit: &'a str,
    pub(crate) path: Option<&'a str>,
}

/// What a gitleaks configuration makes of one match.
enum GitleaksVerdict {
    Kept,
    /// Its rule's `path` does not match the file: not reported, not counted.
    OutOfPath,
    /// An allowlist allows it: not reported, counted as suppressed.
    Allowed,
}

/// Compiled `[secrets]`.
#[derive(Debug)]
pub struct Secrets {
    pub(crate) set: SetRef,
    pub(crate) allow_paths: Option<GlobSet>,
    /// The table's `placeholder_words` and the policy's `placeholders`, lowercase.
    placeholders: Vec<String>,
    /// The table's `not_secret_names`, lowercase.
    not_secret_names: Vec<String>,
    /// A pattern's own `not_secret_names`, by pattern id, lowercase.
    own_not_secret: HashMap<String, Vec<String>>,
    /// The table's published values, sorted.
    published: &'static [String],
    pub(crate) scan_message: bool,
    /// The gitleaks configuration read, if any (its rules are in `set`,
    /// tagged with their index + 1 above the flag bits).
    pub(crate) gitleaks: Option<super::gitleaks::Config>,
}

impl Secrets {
    /// True when the matched text is a placeholder, not a secret: a
    /// placeholder word inside it, also spelled in leetspeak when the word
    /// has six letters or more (`P@ssw0rd`, `topS3cr3tP4$$w0rd`,
    /// `ch4ng3m3`; shorter words would turn up in random values), a
    /// template, or filler.
    pub(crate) fn is_placeholder(&self, secret: &str) -> bool {
        let lower = secret.to_lowercase();
        if is_template(secret)
            || self.placeholders.iter().any(|w| lower.contains(w.as_str()))
            || is_filler(secret)
        {
            return true;
        }
        // Most values hold none of the substituted characters: no copy then.
        lower.contains(['4', '@', '3', '1', '!', '0', '5', '$', '7']) && {
            let plain = unleet(&lower);
            self.placeholders
                .iter()
                .any(|w| w.len() >= 6 && plain.contains(w.as_str()))
        }
    }

    /// True when a pattern's match is reported (see [`Self::judge`]).
    fn is_secret(&self, p: &Pattern, s: &str) -> bool {
        self.judge(p, s) == Verdict::Report
    }

    /// A pattern's match is dropped when it is a placeholder or fails the
    /// pattern's own flags (`mixed`, `words`, `claims`); a vendor-generated
    /// format whose value spells English (not `chosen`, `assigned` or an
    /// armour header) is a hand-typed sample, which also claims its text
    /// from the generic patterns; otherwise it is reported. A gitleaks
    /// rule's match is always reported here (its allowlists decide).
    fn judge(&self, p: &Pattern, s: &str) -> Verdict {
        if p.tag >> TAG_SHIFT != 0 {
            // A gitleaks rule is judged as gitleaks judges it: its regex,
            // entropy and allowlists (applied by the caller), none of this
            // table's sample rules (a Twitter bearer token's leading `AAAA…`
            // is part of what such a rule reports).
            return Verdict::Report;
        }
        if self
            .published
            .binary_search_by(|v| v.as_str().cmp(s))
            .is_ok()
        {
            // Public, and claimed: no generic shape reports it either.
            return Verdict::Claim;
        }
        let plausible = !self.is_placeholder(s)
            && !is_ssh_public_key(s)
            && (p.tag & TAG_ASSIGNED == 0 || !names_its_kind(s, &p.keywords))
            && (p.tag & TAG_MIXED == 0 || is_mixed(s))
            && (p.tag & TAG_NOT_WORDS == 0 || !is_words(s))
            && (p.tag & TAG_CLAIMS == 0 || !is_sample_jwt(s));
        let generated =
            p.tag & TAG_GENERATED != 0 || p.tag & (TAG_CHOSEN | TAG_ASSIGNED | TAG_BODY) == 0;
        if !plausible {
            Verdict::Drop
        } else if generated && is_spelled(s, p.own_text()) {
            Verdict::Claim
        } else {
            Verdict::Report
        }
    }

    /// What the gitleaks configuration makes of a reported match at
    /// `start..end` of `line`: a rule's `path` (a match of a rule whose path
    /// does not match is dropped), then its allowlists and the global ones.
    /// Judged before overlapping matches are resolved, as gitleaks judges
    /// each rule on its own: a generic rule's match that an allowlist drops
    /// does not hide a provider rule's match of the same text.
    fn gitleaks_verdict(
        &self,
        p: &Pattern,
        line: &str,
        (start, end): (usize, usize),
        at: &At<'_>,
    ) -> GitleaksVerdict {
        let Some(g) = &self.gitleaks else {
            return GitleaksVerdict::Kept;
        };
        let rule = (p.tag >> TAG_SHIFT)
            .checked_sub(1)
            .and_then(|i| g.rules.get(i));
        if let Some(re) = rule.and_then(|r| r.path.as_ref()) {
            if !at.path.is_some_and(|f| re.is_match(f)) {
                return GitleaksVerdict::OutOfPath;
            }
        }
        let secret = &line[start..end];
        let matched = p
            .compiled()
            .and_then(|(re, _)| {
                let from = start.saturating_sub(MATCH_BEFORE);
                re.find_iter(&line.as_bytes()[from..])
                    .map(|m| (from + m.start(), from + m.end()))
                    .find(|&(a, b)| a <= start && end <= b)
            })
            .and_then(|(a, b)| line.get(a..b))
            .unwrap_or(secret);
        let c = super::gitleaks::Candidate {
            commit: at.commit,
            path: at.path,
            secret,
            matched,
            line,
        };
        let id = rule.map_or(p.id.as_str(), |r| r.id.as_str());
        let own = match rule {
            Some(r) => r.allowlists.iter().any(|a| a.allows(&c)),
            None => g
                .builtin_allowlists
                .get(&p.id)
                .is_some_and(|v| v.iter().any(|a| a.allows(&c))),
        };
        let global = g.allowlists.iter().any(|a| a.targets(id) && a.allows(&c));
        if own || global {
            GitleaksVerdict::Allowed
        } else {
            GitleaksVerdict::Kept
        }
    }

    /// Secrets on one line, placeholders dropped. An armour header that ends
    /// the line is reported (the next line is unknown: see [`Self::find_before`]).
    pub(crate) fn find(&self, line: &str) -> Vec<Hit> {
        self.find_before(line, None)
    }

    /// Secrets on one line whose next line is `next` (`None`: unknown), so
    /// that an armour header (`body` pattern) counts only when an encoded
    /// body follows it.
    pub(crate) fn find_before(&self, line: &str, next: Option<&str>) -> Vec<Hit> {
        self.find_at(line, next, None, &Cell::new(0))
    }

    /// [`Self::find_before`] for a line read at `at` (a commit's file or
    /// message), where a gitleaks configuration's paths and allowlists
    /// apply; the matches they allow are counted in `allowed`.
    pub(crate) fn find_at(
        &self,
        line: &str,
        next: Option<&str>,
        at: Option<&At<'_>>,
        allowed: &Cell<usize>,
    ) -> Vec<Hit> {
        let mut hits = self.set.find_judged(line, |p, a, b| {
            let verdict = self.judge(p, &line[a..b]);
            let Some(at) = at.filter(|_| verdict == Verdict::Report) else {
                return verdict;
            };
            match self.gitleaks_verdict(p, line, (a, b), at) {
                GitleaksVerdict::Kept => verdict,
                GitleaksVerdict::OutOfPath => Verdict::Drop,
                GitleaksVerdict::Allowed => {
                    allowed.set(allowed.get() + 1);
                    Verdict::Drop
                }
            }
        });
        hits.retain(|h| {
            let p = &self.set.patterns()[h.pattern];
            p.tag & TAG_ASSIGNED == 0 || !self.named_not_secret(p, &line[..h.start])
        });
        hits.retain(|h| {
            let p = &self.set.patterns()[h.pattern];
            if p.tag & TAG_BODY == 0 {
                return true;
            }
            let rest = line[h.end..].trim_matches(|c: char| " \t\"',".contains(c));
            match next {
                Some(next) if rest.is_empty() => starts_body(next),
                _ => true,
            }
        });
        hits
    }

    /// True when the name a value is assigned to (the last word before it
    /// that holds one of the pattern's keywords: `publicToken` in
    /// `publicToken = "…"`, not `public` in `public String apiKey = "…"`)
    /// says the value is not secret.
    fn named_not_secret(&self, p: &Pattern, before: &str) -> bool {
        let own = self
            .own_not_secret
            .get(&p.id)
            .map_or(&[][..], Vec::as_slice);
        if self.not_secret_names.is_empty() && own.is_empty() {
            return false;
        }
        let mut from = before.len().saturating_sub(MATCH_BEFORE);
        while !before.is_char_boundary(from) {
            from += 1;
        }
        let tail = &before[from..];
        let name = tail
            .rsplit(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map(str::to_ascii_lowercase)
            .find(|w| p.keywords.iter().any(|k| w.contains(k.as_str())));
        name.is_some_and(|n| {
            self.not_secret_names
                .iter()
                .chain(own)
                .any(|q| n.contains(q.as_str()))
        })
    }

    /// Distinctive secrets (patterns not marked `binary = false`) in one
    /// printable string of a binary file.
    pub(crate) fn find_in_binary(&self, run: &str) -> Vec<Hit> {
        self.set
            .find(run, |p, s| p.tag & TAG_BINARY != 0 && self.is_secret(p, s))
    }
}

/// The built-in table, parsed and compiled once per process.
fn builtin() -> &'static Result<Builtin, String> {
    static BUILTIN: OnceLock<Result<Builtin, String>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let table: RawTable = crate::config::embedded::from_str(TABLE)
            .map_err(|e| format!("the built-in secrets table is invalid: {}", e.message()))?;
        let mut problems = Problems::default();
        for (i, p) in table.published.iter().enumerate() {
            if p.vendor.trim().is_empty() || p.source.trim().is_empty() || p.values.is_empty() {
                problems.error(
                    KeyPath::of(&["published"]).index(i),
                    "a published group names its vendor, its source and at least one value",
                );
            }
        }
        let mut out = Vec::new();
        let mut seen: HashSet<&str> = HashSet::with_capacity(table.pattern.len());
        for r in &table.pattern {
            let path = KeyPath::of(&["pattern"]).id(&r.id);
            if !seen.insert(&r.id) {
                problems.error(path.clone(), format!("duplicate pattern id `{}`", r.id));
            }
            if let Some(p) = Pattern::compile(spec(r, false), &path, &mut problems) {
                out.push(p);
            }
        }
        for (gl, ids) in &table.gitleaks_defaults {
            for id in ids {
                if !seen.contains(id.as_str()) {
                    problems.error(
                        KeyPath::of(&["gitleaks_defaults"]).key(gl),
                        format!("`{id}` is not a pattern of the table"),
                    );
                }
            }
        }
        match problems.0.first() {
            None => Ok(Builtin {
                set: PatternSet::new(out)?,
                placeholder_words: table
                    .placeholder_words
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect(),
                not_secret_names: table
                    .not_secret_names
                    .iter()
                    .map(|w| w.to_ascii_lowercase())
                    .collect(),
                own_not_secret: own_not_secret(&table.pattern),
                gitleaks_defaults: table.gitleaks_defaults.clone(),
                published: {
                    let mut v: Vec<String> = table
                        .published
                        .iter()
                        .flat_map(|p| p.values.iter().cloned())
                        .collect();
                    v.sort_unstable();
                    v
                },
            }),
            Some(p) => Err(format!(
                "the built-in secrets table is invalid at `{}`: {}",
                p.path, p.message
            )),
        }
    })
}

/// The patterns' own `not_secret_names`, by id, lowercase.
fn own_not_secret(patterns: &[RawPattern]) -> HashMap<String, Vec<String>> {
    patterns
        .iter()
        .filter(|r| !r.not_secret_names.is_empty())
        .map(|r| {
            let words = r.not_secret_names.iter().map(|w| w.to_ascii_lowercase());
            (r.id.clone(), words.collect())
        })
        .collect()
}

/// The built-in table's published values, sorted.
fn published() -> &'static [String] {
    builtin().as_ref().map_or(&[], |b| b.published.as_slice())
}

fn spec(r: &RawPattern, eager: bool) -> PatternSpec<'_> {
    PatternSpec {
        id: &r.id,
        description: r.description.as_deref(),
        keywords: &r.keywords,
        regex: &r.regex,
        min_entropy: r.min_entropy,
        tag: if r.mixed { TAG_MIXED } else { 0 }
            | if r.body { TAG_BODY } else { 0 }
            | if r.assigned { TAG_ASSIGNED } else { 0 }
            | if r.words == Some(false) {
                TAG_NOT_WORDS
            } else {
                0
            }
            | if r.claims { TAG_CLAIMS } else { 0 }
            | if r.chosen { TAG_CHOSEN } else { 0 }
            | if r.generated { TAG_GENERATED } else { 0 }
            | if r.binary.unwrap_or(true) {
                TAG_BINARY
            } else {
                0
            },
        eager,
        first_group: false,
    }
}

/// Validates and compiles `[secrets]`; `None` when it is turned off or
/// invalid. A `gitleaks_config` cannot be read this way (there is no
/// policy file to resolve it against): see [`compile_with`].
#[cfg(test)]
pub(crate) fn compile(raw: RawSecrets, base: &KeyPath, problems: &mut Problems) -> Option<Secrets> {
    compile_with(
        raw,
        base,
        &|p: &str| {
            Err(format!(
                "cannot read `{p}`: this policy has no directory or tree to read it from"
            ))
        },
        problems,
    )
}

/// As [`compile`], reading `gitleaks_config` (and the files it extends)
/// with `read`, which resolves a path against the policy's own directory or
/// tree and refuses one outside it.
pub(crate) fn compile_with(
    raw: RawSecrets,
    base: &KeyPath,
    read: &super::gitleaks::Reader<'_>,
    problems: &mut Problems,
) -> Option<Secrets> {
    if raw.enabled == Some(false) {
        return None;
    }
    let b = match builtin() {
        Ok(b) => b,
        Err(e) => {
            problems.error(base.clone(), e.clone());
            return None;
        }
    };
    // Only a policy that changes the table gets a set of its own.
    let own_set = raw.disable.as_ref().is_some_and(|d| !d.is_empty())
        || raw.patterns.as_ref().is_some_and(|p| !p.is_empty())
        || raw.gitleaks_config.is_some();
    let (mut patterns, not_secret_names, mut own_not_secret) = (
        if own_set {
            b.set.patterns().to_vec()
        } else {
            Vec::new()
        },
        b.not_secret_names.clone(),
        b.own_not_secret.clone(),
    );
    for (i, id) in raw.disable.iter().flatten().enumerate() {
        match patterns.iter().position(|p| &p.id == id) {
            Some(k) => {
                patterns.remove(k);
            }
            None => {
                let known = b.set.patterns();
                let mut msg = format!("`{id}` is not a built-in secrets pattern");
                if let Some(n) =
                    crate::config::error::nearest(id, known.iter().map(|p| p.id.as_str()))
                {
                    msg.push_str(&format!("; did you mean `{n}`?"));
                }
                problems.error(base.key("disable").index(i), msg);
            }
        }
    }
    let mut placeholders: Vec<String> = builtin()
        .as_ref()
        .map(|b| b.placeholder_words.clone())
        .unwrap_or_default();
    placeholders.extend(
        raw.placeholders
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.to_lowercase()),
    );
    let mut seen: Vec<String> = Vec::new();
    for r in raw.patterns.unwrap_or_default() {
        let path = base.key("patterns").id(&r.id);
        if seen.contains(&r.id) {
            problems.error(path.key("id"), format!("duplicate pattern id `{}`", r.id));
            continue;
        }
        seen.push(r.id.clone());
        let Some(p) = Pattern::compile(spec(&r, true), &path, problems) else {
            continue;
        };
        check_examples(&p, &r, &placeholders, &path, problems);
        own_not_secret.remove(&r.id);
        own_not_secret.extend(self::own_not_secret(std::slice::from_ref(&r)));
        match patterns.iter().position(|b| b.id == p.id) {
            Some(k) => patterns[k] = p,
            None => patterns.push(p),
        }
    }
    let mut gitleaks = raw.gitleaks_config.as_deref().and_then(|p| {
        let path = base.key("gitleaks_config");
        let cfg = read(p)
            .map_err(|e| vec![e])
            .and_then(|(name, text)| super::gitleaks::parse(&name, &text, read));
        match cfg {
            Ok(c) => Some(c),
            Err(errors) => {
                for e in errors {
                    problems.error(path.clone(), e);
                }
                None
            }
        }
    });
    if let Some(g) = gitleaks.as_mut() {
        let path = base.key("gitleaks_config");
        join_gitleaks_defaults(g, &mut patterns, &path, problems);
        for (i, r) in g.rules.iter().enumerate() {
            let Some(regex) = &r.regex else {
                continue;
            };
            let description = r
                .description
                .clone()
                .unwrap_or_else(|| format!("secret (gitleaks rule `{}`)", r.id));
            let spec = PatternSpec {
                id: &r.pattern_id,
                description: Some(&description),
                keywords: &r.keywords,
                regex,
                min_entropy: r.entropy,
                tag: (i + 1) << TAG_SHIFT,
                eager: true,
                first_group: r.first_group,
            };
            let mut local = Problems::default();
            let Some(p) = Pattern::compile(spec, &path, &mut local) else {
                for e in local.0 {
                    problems.error(
                        path.clone(),
                        format!("{}: rule `{}`: {}", r.at, r.id, e.message),
                    );
                }
                continue;
            };
            seen.push(p.id.clone());
            match patterns.iter().position(|b| b.id == p.id) {
                Some(k) => patterns[k] = p,
                None => patterns.push(p),
            }
        }
    }
    // A policy's or gitleaks configuration's own patterns are specific to
    // the project: where one overlaps a built-in generic shape (an
    // assignment to a name), it is the one reported, as a provider's
    // format is before the shapes in the table.
    if !seen.is_empty() {
        patterns.sort_by_key(|p| p.tag & TAG_ASSIGNED != 0 && !seen.contains(&p.id));
    }
    let allow_paths = raw
        .allow_paths
        .filter(|g| !g.is_empty())
        .and_then(|g| compile_globs(&g, &base.key("allow_paths"), problems));
    // Built-in keywords are tested; the policy's get their automaton now.
    let set = if !own_set {
        SetRef::Builtin(&b.set)
    } else {
        match PatternSet::new(patterns).and_then(|s| {
            if !seen.is_empty() {
                s.prepare()?;
            }
            Ok(s)
        }) {
            Ok(s) => SetRef::Own(s),
            Err(e) => {
                problems.error(base.clone(), e);
                return None;
            }
        }
    };
    Some(Secrets {
        set,
        allow_paths,
        placeholders,
        not_secret_names,
        own_not_secret,
        published: published(),
        scan_message: raw.scan_message.unwrap_or(true),
        gitleaks,
    })
}

/// Joins a gitleaks configuration to the built-in table, which plays the
/// part of gitleaks' default rules: `disabledRules`, the rules that change
/// a default rule (an allowlist added under `useDefault`) and a global
/// allowlist's `targetRules` reach the built-in patterns that play that
/// rule's part (the table's `gitleaks_defaults`, or the pattern of the same
/// id). A default rule with no such pattern here is left alone: its
/// allowlists suppress nothing, so nothing passes that gitleaks would stop
/// (said in the log). Without `useDefault`, a `targetRules` id that names
/// no rule at all is an error, as in gitleaks.
fn join_gitleaks_defaults(
    g: &mut super::gitleaks::Config,
    patterns: &mut Vec<Pattern>,
    path: &KeyPath,
    problems: &mut Problems,
) {
    let map = builtin().as_ref().ok().map(|b| &b.gitleaks_defaults);
    let resolve = |id: &str, patterns: &[Pattern]| -> Vec<String> {
        let mut ids: Vec<String> = map.and_then(|m| m.get(id)).cloned().unwrap_or_default();
        if patterns.iter().any(|p| p.id == id) && !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
        ids
    };
    let mut off: Vec<String> = Vec::new();
    for d in &g.disabled {
        off.push(d.clone());
        off.extend(resolve(d, patterns));
    }
    patterns.retain(|p| !off.contains(&p.id));
    for patch in &g.default_patches {
        let ids = resolve(&patch.id, patterns);
        if ids.is_empty() {
            tracing::warn!(
                "{}: rule `{}` changes a gitleaks default rule that no built-in pattern plays here; its allowlists suppress nothing",
                patch.at,
                patch.id
            );
        }
        for id in ids {
            g.builtin_allowlists
                .entry(id)
                .or_default()
                .extend(patch.allowlists.iter().cloned());
        }
    }
    let own: std::collections::HashSet<&str> = g.rules.iter().map(|r| r.id.as_str()).collect();
    let use_default = g.use_default;
    for a in &mut g.allowlists {
        let mut more = Vec::new();
        for r in &a.rules {
            let ids = resolve(r, patterns);
            if ids.is_empty() && !own.contains(r.as_str()) && !use_default {
                problems.error(
                    path.clone(),
                    format!(
                        "{}: `targetRules` names `{r}`, which is neither a rule of the gitleaks configuration nor a built-in pattern",
                        a.rules_at
                    ),
                );
            }
            more.extend(ids);
        }
        a.rules.extend(more);
    }
}

/// A policy's own examples are tests run at load: each example must be
/// found, each counter-example must not.
fn check_examples(
    p: &Pattern,
    r: &RawPattern,
    placeholders: &[String],
    path: &KeyPath,
    problems: &mut Problems,
) {
    let Ok(set) = PatternSet::new(vec![p.clone()]) else {
        return;
    };
    let one = Secrets {
        set: SetRef::Own(set),
        allow_paths: None,
        placeholders: placeholders.to_vec(),
        not_secret_names: builtin()
            .as_ref()
            .map(|b| b.not_secret_names.clone())
            .unwrap_or_default(),
        own_not_secret: own_not_secret(std::slice::from_ref(r)),
        published: published(),
        scan_message: false,
        gitleaks: None,
    };
    for (i, ex) in r.examples.iter().enumerate() {
        if one.find(ex).is_empty() {
            problems.error(
                path.key("examples").index(i),
                format!(
                    "pattern `{}` does not find its example {} (check the regex, keywords and min_entropy)",
                    r.id,
                    i + 1
                ),
            );
        }
    }
    for (i, ex) in r.counter_examples.iter().enumerate() {
        if !one.find(ex).is_empty() {
            problems.error(
                path.key("counter_examples").index(i),
                format!("pattern `{}` matches its counter-example {}", r.id, i + 1),
            );
        }
    }
}

/// Checks added lines (and the message) for secrets.
pub fn check(cfg: &Secrets, change: &Change, sink: &mut Sink) {
    let rule = crate::diag::rule(RULES, "secret-detected");
    if !sink.enabled(rule) {
        return;
    }
    for file in change.files() {
        let allowed = file.is_normal_path()
            && cfg
                .allow_paths
                .as_ref()
                .is_some_and(|g| g.is_match(&file.path));
        if let Some(g) = &cfg.gitleaks {
            if file.status != crate::model::Status::Deleted {
                for r in g.path_rules(&change.id, &file.path) {
                    if allowed {
                        sink.suppressed();
                        continue;
                    }
                    let what = r
                        .description
                        .as_deref()
                        .unwrap_or("a file the gitleaks configuration forbids");
                    sink.report(
                        rule,
                        format!("{what} [gitleaks rule `{}`, path only]", r.id),
                    )
                    .path(&file.path);
                }
            }
        }
        for (at, run) in &file.binary_strings {
            let hits = cfg.find_in_binary(run);
            for (h, more) in first_per_pattern(&hits) {
                if allowed {
                    sink.suppressed();
                    continue;
                }
                let p = &cfg.set.patterns()[h.pattern];
                sink.report(
                    rule,
                    format!(
                        "{} in the binary content, at byte {}",
                        message(p, more),
                        at + h.start as u64
                    ),
                )
                .path(&file.path)
                .snippet(redacted_snippet(run, &hits, h));
            }
        }
        for (n, line) in cfg.set.candidate_lines(file) {
            let next = file.line(n + 1);
            let at = At {
                commit: &change.id,
                path: Some(&file.path),
            };
            let allowed_by_gitleaks = Cell::new(0);
            let (text, hits) = with_continuation(
                cfg,
                line,
                next,
                || file.line(n + 2),
                &at,
                &allowed_by_gitleaks,
            );
            let line: &str = &text;
            for _ in 0..allowed_by_gitleaks.get() {
                sink.suppressed();
            }
            for (h, more) in first_per_pattern(&hits) {
                if allowed {
                    sink.suppressed();
                    continue;
                }
                let p = &cfg.set.patterns()[h.pattern];
                sink.report(rule, message(p, more))
                    .path(&file.path)
                    .line(n)
                    .snippet(redacted_snippet(line, &hits, h));
            }
        }
    }
    if !cfg.scan_message {
        return;
    }
    let Some(msg) = &change.message else {
        return;
    };
    let lines: Vec<&str> = msg
        .text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    for (i, &line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied();
        let at = At {
            commit: &change.id,
            path: None,
        };
        let allowed_by_gitleaks = Cell::new(0);
        let (text, hits) = with_continuation(
            cfg,
            line,
            next,
            || lines.get(i + 2).copied(),
            &at,
            &allowed_by_gitleaks,
        );
        let line: &str = &text;
        for _ in 0..allowed_by_gitleaks.get() {
            sink.suppressed();
        }
        for (h, more) in first_per_pattern(&hits) {
            let p = &cfg.set.patterns()[h.pattern];
            sink.report(rule, format!("{} in the commit message", message(p, more)))
                .line(i as u32 + 1)
                .snippet(redacted_snippet(line, &hits, h));
        }
    }
}

/// The hits on a line (its next line known), or, when there are none and the
/// line leaves its value for the next one (see [`continued`]), the hits on
/// the two joined, with the text they index.
fn with_continuation<'a>(
    cfg: &Secrets,
    line: &'a str,
    next: Option<&str>,
    after: impl FnOnce() -> Option<&'a str>,
    at: &At<'_>,
    allowed: &Cell<usize>,
) -> (std::borrow::Cow<'a, str>, Vec<Hit>) {
    let hits = cfg.find_at(line, Some(next.unwrap_or("")), Some(at), allowed);
    if hits.is_empty() {
        if let Some(joined) = continued(line, next, after()) {
            let more = cfg.find_at(&joined, None, Some(at), allowed);
            if !more.is_empty() {
                return (std::borrow::Cow::Owned(joined), more);
            }
        }
    }
    (std::borrow::Cow::Borrowed(line), hits)
}

fn message(p: &Pattern, more: usize) -> String {
    let mut m = format!("possible {} [pattern `{}`]", p.description, p.id);
    if more > 0 {
        m.push_str(&format!(" ({more} more on this line)"));
    }
    m
}

/// The first hit of each pattern on a line, with the number of its other
/// hits there: one finding per pattern and line keeps a minified file full
/// of matches from turning into thousands of findings.
pub(crate) fn first_per_pattern(hits: &[Hit]) -> Vec<(&Hit, usize)> {
    let mut out: Vec<(&Hit, usize)> = Vec::new();
    for h in hits {
        match out.iter_mut().find(|(f, _)| f.pattern == h.pattern) {
            Some((_, more)) => *more += 1,
            None => out.push((h, 0)),
        }
    }
    out
}

/// Characters of context shown before a secret.
const CONTEXT: usize = 60;

/// At most the first 4 characters of a secret (fewer for a short one).
pub(crate) fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep: String = secret.chars().take((n / 4).min(4)).collect();
    format!("{keep}[REDACTED]")
}

/// The line up to and including the reported secret, every secret in it
/// redacted; the text after the secret is dropped (it may be more key
/// material), and long prefixes are cut to their last characters.
pub(crate) fn redacted_snippet(line: &str, hits: &[Hit], shown: &Hit) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for h in hits.iter().filter(|h| h.start <= shown.start) {
        if h.start < pos {
            continue;
        }
        out.push_str(&line[pos..h.start]);
        out.push_str(&redact(&line[h.start..h.end]));
        pos = h.end;
    }
    let out = out.trim_start();
    let n = out.chars().count();
    let redacted_len = redact(&line[shown.start..shown.end]).chars().count();
    if n > CONTEXT + redacted_len {
        let skip = n - CONTEXT - redacted_len;
        format!("…{}", out.chars().skip(skip).collect::<String>())
    } else {
        out.to_string()
    }
}

impl Family for Secrets {
    const NAME: &'static str = "secrets";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawSecrets;

    fn compile(
        raw: RawSecrets,
        key: &KeyPath,
        cx: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        compile_with(
            raw,
            key,
            &|p: &str| (cx.read_beside)(&key.key("gitleaks_config"), p),
            problems,
        )
    }

    /// Secrets need added lines.
    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: true,
        }
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value its vendor publishes is not reported, by its own pattern or
    /// by a generic shape around it; the same value with one character
    /// changed is. Each published value is one some pattern finds, so the
    /// list holds no dead entry.
    #[test]
    fn published_values_are_not_reported() {
        let s = compiled("");
        let published = published();
        assert!(published.len() >= 20, "{}", published.len());
        assert!(published.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        for v in published {
            for line in [
                v.clone(),
                format!("api_key = \"{v}\""),
                format!("  apiKey: '{v}',"),
            ] {
                assert!(s.find(&line).is_empty(), "{line}: {:?}", s.find(&line));
            }
            assert!(
                !s.set
                    .find(&format!("api_key = \"{v}\""), |_, _| true)
                    .is_empty(),
                "no pattern finds published value {v}"
            );
            // One character changed (kept in the same class) is a key again.
            let mut changed: Vec<char> = v.chars().collect();
            let k = changed.len() - 3;
            changed[k] = match changed[k] {
                'a'..='y' | 'A'..='Y' | '0'..='8' => (changed[k] as u8 + 1) as char,
                'z' => 'a',
                'Z' => 'A',
                _ => '0',
            };
            let changed: String = changed.into_iter().collect();
            let line = format!("api_key = \"{changed}\"");
            assert!(!s.find(&line).is_empty(), "{line} is not reported");
        }
    }

    fn compiled(extra: &str) -> Secrets {
        let raw: RawSecrets = toml::from_str(extra).expect("toml");
        let mut problems = Problems::default();
        let s = compile(raw, &KeyPath::of(&["secrets"]), &mut problems);
        assert!(problems.is_empty(), "{:?}", problems.0);
        s.expect("enabled")
    }

    /// Every example of the embedded table is found (by its own pattern,
    /// through the pre-filter and placeholder list) and no counter-example
    /// produces any finding at all.
    #[test]
    fn embedded_table_examples_and_counter_examples() {
        let table: RawTable = toml::from_str(TABLE).expect("table parses");
        let s = compiled("");
        assert_eq!(s.set.patterns().len(), table.pattern.len());
        let mut failures = Vec::new();
        for r in &table.pattern {
            assert!(!r.examples.is_empty(), "pattern `{}` has no example", r.id);
            // The literal check that stands before compiling lets every example through.
            let sets = crate::rules::patterns::required_sets(&r.regex);
            for ex in &r.examples {
                let ok = crate::rules::patterns::has_required(ex, &sets);
                assert!(ok, "{}: {ex:?} lacks one of {sets:?}", r.id);
            }
            for ex in &r.examples {
                let hits = s.find(ex);
                if !hits.iter().any(|h| s.set.patterns()[h.pattern].id == r.id) {
                    let got: Vec<&str> = hits
                        .iter()
                        .map(|h| s.set.patterns()[h.pattern].id.as_str())
                        .collect();
                    failures.push(format!("{}: example not found: {ex:?} (got {got:?})", r.id));
                }
            }
            for ex in &r.counter_examples {
                let hits = s.find(ex);
                if !hits.is_empty() {
                    let got: Vec<&str> = hits
                        .iter()
                        .map(|h| s.set.patterns()[h.pattern].id.as_str())
                        .collect();
                    failures.push(format!(
                        "{}: counter-example matched: {ex:?} by {got:?}",
                        r.id
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn placeholders_are_not_secrets() {
        let s = compiled("");
        let key = format!("{}{}", "AKIA", "Q7RZ3M2XKP4LW9TN");
        assert_eq!(s.find(&format!("aws = {key}")).len(), 1);
        for p in ["AKIAEXAMPLEQ7RZ3M2XK", "AKIAXXXXXXXXXXXXXXXX"] {
            assert!(s.find(&format!("aws = {p}")).is_empty(), "{p}");
        }
        for v in [
            "<your-token>",
            "${TOKEN_VALUE}",
            "{{ token_value }}",
            "changeme-please-9x",
            "topS3cr3tP4$$w0rd",
            "Ch4ng3M3-n0w!",
            "Pa55w0rd!2024",
        ] {
            assert!(s.find(&format!("password = \"{v}\"")).is_empty(), "{v}");
        }
        // Leetspeak is undone for words of six letters or more only: a
        // random value holding `h3r3` is not a placeholder for `here`.
        let v = "Zt8rW2qh3r3Lm5Xn7Vb3";
        assert_eq!(s.find(&format!("password = \"{v}\"")).len(), 1, "{v}");
        let s = compiled("placeholders = [\"q7rz3m\"]");
        assert!(s.find(&format!("aws = {key}")).is_empty());
    }

    #[test]
    fn snippet_keeps_at_most_four_characters_of_the_secret() {
        let s = compiled("");
        let key = format!("{}{}", "ghp_", "Zq3Lr8Tn2Vx6Wc9Kd4Mf7Hj1Bs5Np0Gy3Qa8");
        let line = format!("let t = \"{key}\"; // and more {key} after");
        let hits = s.find(&line);
        assert_eq!(hits.len(), 2);
        let snip = redacted_snippet(&line, &hits, &hits[1]);
        assert!(!snip.contains(&key[..5]), "{snip}");
        assert_eq!(
            snip,
            "let t = \"ghp_[REDACTED]\"; // and more ghp_[REDACTED]"
        );
        assert_eq!(redact("abcdefgh"), "ab[REDACTED]");
    }

    #[test]
    fn policy_patterns_are_checked_at_load() {
        let bad = r#"
            [[patterns]]
            id = "acme"
            keywords = ["acme_"]
            regex = '(?P<secret>acme_[a-z'
        "#;
        let raw: RawSecrets = toml::from_str(bad).expect("toml");
        let mut problems = Problems::default();
        compile(raw, &KeyPath::of(&["secrets"]), &mut problems);
        assert_eq!(problems.0.len(), 1);
        assert_eq!(
            problems.0[0].path.to_string(),
            "secrets.patterns[acme].regex"
        );

        let wrong_example = r#"
            disable = ["jwtt"]
            [[patterns]]
            id = "acme"
            keywords = ["acme_"]
            regex = '(?P<secret>acme_[a-z]{8})'
            examples = ["acme_short"]
            counter_examples = ["acme_qwzrtplk"]
        "#;
        let raw: RawSecrets = toml::from_str(wrong_example).expect("toml");
        let mut problems = Problems::default();
        compile(raw, &KeyPath::of(&["secrets"]), &mut problems);
        let msgs: Vec<String> = problems
            .0
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("did you mean `jwt`"), "{msgs:?}");
        assert!(
            msgs[1].starts_with("secrets.patterns[acme].examples[0]"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].starts_with("secrets.patterns[acme].counter_examples[0]"),
            "{msgs:?}"
        );
    }

    /// A pattern's own `not_secret_names` excuse its matches alone: the
    /// built-in `generic-named-key` passes a `primaryKey`, the token shapes
    /// still report a `primary_token`; a policy pattern carries its own,
    /// and where it overlaps a built-in shape it is the one reported.
    #[test]
    fn a_pattern_s_own_not_secret_names() {
        let value = "HWz84h4qQ8QXJpTy0ely3R4LgFYnHW3M";
        let s = compiled("");
        assert!(s.find(&format!("primaryKey={value}")).is_empty());
        assert!(s.find(&format!("primaryKey_token={value}")).len() == 1);
        let ids = |s: &Secrets, line: &str| -> Vec<String> {
            s.find(line)
                .iter()
                .map(|h| s.set.patterns()[h.pattern].id.clone())
                .collect()
        };
        assert_eq!(ids(&s, &format!("vaultKey={value}")), ["generic-named-key"]);
        let s = compiled(
            r#"
            [[patterns]]
            id = "acme-key"
            keywords = ["acme"]
            assigned = true
            not_secret_names = ["demo"]
            regex = '(?i)acme[a-z_]*\s*=\s*(?P<secret>[a-z0-9]{32})'
            "#,
        );
        assert!(s.find(&format!("ACME_DEMO_KEY={value}")).is_empty());
        assert_eq!(ids(&s, &format!("ACME_PROD_KEY={value}")), ["acme-key"]);
    }

    #[test]
    fn disable_and_replace_builtin_patterns() {
        let s = compiled("disable = [\"jwt\"]");
        assert!(s.set.patterns().iter().all(|p| p.id != "jwt"));
        let s = compiled(
            "[[patterns]]\nid = \"aws-access-key-id\"\nkeywords = [\"akia\"]\nregex = 'AKIA[0-9]{4}'\n",
        );
        let n = s
            .set
            .patterns()
            .iter()
            .filter(|p| p.id == "aws-access-key-id")
            .count();
        assert_eq!(n, 1);
        assert_eq!(s.find("x AKIA1234").len(), 1);
    }

    /// Filler: runs of one character, ascending or descending runs (across
    /// separators), interleaved sequences; random values are not filler.
    /// The word list is what the binary search needs: sorted, unique,
    /// lowercase words of 5 to 14 letters after the header; and every word
    /// is found, non-words are not.
    #[test]
    fn the_word_list_is_sorted_and_searchable() {
        let body = std::str::from_utf8(word_lines()).expect("utf-8");
        let words: Vec<&str> = body.lines().collect();
        assert!(words.len() > 30_000, "{}", words.len());
        for pair in words.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        for w in &words {
            assert!((5..=14).contains(&w.len()), "{w}");
            assert!(w.bytes().all(|b| b.is_ascii_lowercase()), "{w}");
            assert!(is_word(w.as_bytes()), "{w}");
        }
        for w in [
            "", "aaaaa", "helloo", "zzzzzzz", "tokenx", "worl", "worlds0",
        ] {
            assert!(!is_word(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn spelled_values_of_generated_formats_are_samples() {
        let kw = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Two words, or one of eight letters or more: typed by a person.
        assert!(is_spelled("glptt-hellOworld380_testin", &kw(&["glptt-"])));
        assert!(is_spelled(
            "sk_live_notarealkeyforthetests",
            &kw(&["sk_live_"])
        ));
        assert!(is_spelled("xoxb-checking-1234", &kw(&["xoxb-"])));
        // The pattern's own keyword is not counted: `github` + one word is
        // not two, `secret_` in a Notion key is the prefix.
        assert!(!is_spelled(
            "github_pat_11ABCDEFG0world7Qz9",
            &kw(&["github_pat_"])
        ));
        assert!(!is_spelled("secret_Zt8rW2qLm5hello7Vb3", &kw(&["secret_"])));
        assert!(is_spelled("secret_Zt8rW2qLm5hello7Vb3", &kw(&[])));
        // Random values of every alphabet pass.
        for v in [
            "ghp_8fQ2mVx7KpL3zR9tWc1YbN6dJ4sH0eUaGq5i",
            "4e8a1c9b7d2f6035ab91ce47d08f3b62a5c7e911",
            "xoxb-2918374650-81726354901-Zt8rW2qLm5Xn7Vb3Kc9P",
            "u4kq9zmt2xrb7lpw3nvcy6hd1jf8gs5a",
        ] {
            assert!(!is_spelled(v, &[]), "{v}");
        }
        // Too short to hold two words.
        assert!(!is_spelled("hello", &[]));
        // A hostile megabyte-long value is judged in linear time (the
        // kind's last occurrence alone counts; spelling reads 1 KiB).
        let started = std::time::Instant::now();
        let long = "tokenx".repeat(200_000);
        assert!(names_its_kind(&long, &kw(&["token"])));
        assert!(!names_its_kind(
            &(long + "Zt8rW2qLm5Xn7Vb3"),
            &kw(&["token"])
        ));
        assert!(!is_spelled(&"Zq8".repeat(400_000), &[]));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn ssh_public_keys_are_not_secrets() {
        let blob = |kind: &str| {
            let mut raw = (kind.len() as u32).to_be_bytes().to_vec();
            raw.extend_from_slice(kind.as_bytes());
            raw.extend_from_slice(&[0, 0, 0, 32]);
            raw.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)));
            data_encoding::BASE64.encode(&raw)
        };
        for kind in [
            "ssh-rsa",
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "sk-ssh-ed25519@openssh.com",
        ] {
            assert!(is_ssh_public_key(&blob(kind)), "{kind}");
        }
        // A private key's base64, a random value, a short one: not public keys.
        let private = data_encoding::BASE64.encode(b"openssh-key-v1\0\0\0\0\x04none\0\0\0\x04none");
        for s in [
            private.as_str(),
            "EIuYIF0XeI64D1cKzBlXbqqpHWz84h4qQ8QXJpTy",
            "AAAAB3Nza",
        ] {
            assert!(!is_ssh_public_key(s), "{s}");
        }
        // Through the table: a host key constant is not reported.
        let line = format!(
            "static const char *EXPECTED_RSA_HOSTKEY = \"{}\";",
            blob("ssh-rsa")
        );
        assert!(compiled("").find(&line).is_empty(), "{line}");
    }

    #[test]
    fn words_joined_are_identifiers() {
        for w in [
            "credential-process",
            "KEY_SPEC_REQUESTOR_KEYRING",
            "BASE64_URL_SAFE_NO_PAD",
            "mistralai/devstral-small-2505",
            "gw_valid_api_key_12345",
            "SHA256_DIGEST_V2",
        ] {
            assert!(is_words(w), "{w}");
        }
        for k in [
            "EIuYIF0XeI64D1cKzBlXbqqp",
            "aistqqnd7yd1r6ls74icrhu93l236jt5",
            "v0-uv-windows-cache-20260715a",
            "sk_live_51Hx9KqL2mZ",
            "K7_9XQ2M_PLZ8",
            "12345_67890",
            "x9k2m",
        ] {
            assert!(!is_words(k), "{k}");
        }
    }

    #[test]
    fn filler_runs_and_interleavings() {
        for f in [
            "aaaaaa",
            "x-123456-y",
            "1234-5678",
            "zyxwvu",
            "k9876543210",
            "a1b2c3d4e5f6",
            "1a2b3C4d-5E6f",
            "q1w2e3r4t5y6u7i8",
            "AbCdEf",
            "xoxp-1234-1234-1234-4ddbc191",
            "k7Qp.K7QP.k7qp",
        ] {
            assert!(is_filler(f), "{f}");
        }
        for r in [
            "aaaaa",
            "12345",
            "a1b2c3d4e5",
            "q1w2e3r4t5y6u7",
            "u4Kq9ZmT2xRb7LpW3nVc",
            "9f3Kq2Lm8Zr4Tx7Vb1Nc6Wd5",
            "4e8a1c9b7d2f6035ab91ce47d08f3b62a5c7e911",
            "z9a0",
            // A group typed twice, a pair three times, or a group repeated
            // with no separator (base64 of structured text) is not filler.
            "x9k-x9k-7Qp",
            "a7-a7-a7",
            "cmVmdGtuOjAxOjAwMDAwMDAwMDA6awJQVlZkdEVyWXJ2cVNSemAABVQ1bwaBSWtE",
        ] {
            assert!(!is_filler(r), "{r}");
        }
    }

    /// A value on the line after its name is joined to it (continuation,
    /// YAML block scalar, empty operator, XML element over three lines);
    /// prose, a mapping or a block on the next line is not.
    #[test]
    fn continued_values_are_joined_to_their_name() {
        let v = "u4Kq9ZmT2xRb7LpW3nVc";
        let cases = [
            (
                "DEPLOY_TOKEN = \\",
                "  \"V\"",
                None,
                Some("DEPLOY_TOKEN = \"V\""),
            ),
            ("api_token: |", "  V", None, Some("api_token: V")),
            ("api_token: >-", "  V", None, Some("api_token: V")),
            ("api_token: |2", "  V", None, Some("api_token: V")),
            (
                "  \"secret\" =>",
                "\"V\",",
                None,
                Some("  \"secret\" => \"V\","),
            ),
            (
                "<apiToken>",
                "  V",
                Some("</apiToken>"),
                Some("<apiToken>V</apiToken>"),
            ),
            ("<apiToken>", "  V", Some("<next>"), None),
            ("password:", "  V is the value", None, None),
            ("credentials:", "  user: V", None, None),
            ("token = compute(", "V)", None, None),
            ("<!-- token -->", "V", Some("</x>"), None),
            ("api_token: |", "", None, None),
            ("GITHUB_API_KEY=", "DYNATRACE_API_KEY=", None, None),
            ("snowflake.password=", "jdbc.snowflake.url=", None, None),
            ("api_token:", "refresh_token:", None, None),
            ("api_token:", "  V=", None, Some("api_token: V=")),
        ];
        for (line, next, after, want) in cases {
            let next = next.replace('V', v);
            let got = continued(line, Some(&next), after);
            assert_eq!(got, want.map(|w| w.replace('V', v)), "{line:?} / {next:?}");
        }
        let s = compiled("");
        for (line, next) in [
            ("api_token: |", v),
            ("DEPLOY_TOKEN = \\", "\"u4Kq9ZmT2xRb7LpW3nVc\""),
        ] {
            let joined = continued(line, Some(next), None).expect("joined");
            assert_eq!(s.find(&joined).len(), 1, "{joined}");
        }
    }

    /// The explanations (`policy-check explain`) are data of this project:
    /// none of their lines may look like a secret.
    #[test]
    fn explanations_contain_no_secret() {
        let s = compiled("");
        let mut found = Vec::new();
        for (file, text) in crate::explain::FILES {
            for (i, line) in text.lines().enumerate() {
                for h in s.find(line) {
                    let id = &s.set.patterns()[h.pattern].id;
                    found.push(format!("explain/{file}.toml:{}: `{id}`", i + 1));
                }
            }
        }
        assert!(found.is_empty(), "describe the value in words: {found:#?}");
    }
}
