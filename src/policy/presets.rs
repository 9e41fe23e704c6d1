//! Presets embedded from `policies/`, so the binary works with no file at all.
//! Each turns a real, published AI-usage policy into checks and cites it at
//! the top of its file.

/// (name, TOML text) of every embedded preset.
const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../policies/default.toml")),
    (
        "rust-foundation",
        include_str!("../../policies/rust-foundation.toml"),
    ),
    (
        "human-in-the-loop",
        include_str!("../../policies/human-in-the-loop.toml"),
    ),
    (
        "linux-kernel",
        include_str!("../../policies/linux-kernel.toml"),
    ),
    (
        "generated-by",
        include_str!("../../policies/generated-by.toml"),
    ),
    ("no-ai", include_str!("../../policies/no-ai.toml")),
    (
        "no-ai-trailers",
        include_str!("../../policies/no-ai-trailers.toml"),
    ),
    (
        "supply-chain",
        include_str!("../../policies/supply-chain.toml"),
    ),
];

/// The preset used when no policy is configured.
pub(crate) const DEFAULT: &str = "default";

/// The TOML text of a preset.
pub(crate) fn get(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Names of all presets, in a stable order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _)| *n)
}

/// The starter `.policy-check.toml` that `policy init` writes: it extends
/// `preset`, names the maintainers (`maintainers`: the TOML lines that do,
/// with their comment), and shows, commented out, the settings projects
/// change first.
pub(crate) fn starter(project: &str, preset: &str, description: &str, maintainers: &str) -> String {
    format!(
        r#"# policy-check policy for {project}.
# Built on the `{preset}` preset: {description}.
# `policy-check policy list` shows the presets; `policy-check inspect HEAD`
# shows what the checks see in a commit; `policy-check explain --list` lists
# every rule id.

[policy]
name = "{project}"
extends = ["{preset}"]
{maintainers}

# [disclosure]
# trailers = ["Assisted-by"]          # the trailer that declares AI help
# required = "when-ai-detected"       # always | when-ai-detected | optional | forbidden
# denied_tools = []                   # AI tools this project does not accept

# [review]
# signoff = "author"                  # require a DCO Signed-off-by matching the author
# when_ai = ["Reviewed-by"]           # AI-assisted commits need a review trailer

# [severity]                          # any rule id: "error" | "warn" | "off"
# disclosure-missing = "warn"
"#
    )
}
