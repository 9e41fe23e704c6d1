//! Presets embedded from `policies/`, so the binary works with no file at all.

/// (name, TOML text) of every embedded preset.
const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../policies/default.toml")),
    (
        "supply-chain",
        include_str!("../../policies/supply-chain.toml"),
    ),
];

/// The preset used when no policy is configured.
pub const DEFAULT: &str = "default";

/// The TOML text of a preset.
pub fn get(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Names of all presets, in a stable order.
pub fn names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _)| *n)
}
