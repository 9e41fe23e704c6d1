//! Reading the TOML embedded in the binary (the data tables and presets)
//! quickly.
//!
//! `toml`'s parser keeps every span and comment for editing and error
//! messages, and cost about a third of a commit-msg hook. `build.rs`
//! converts each embedded document to JSON when the binary is built, and
//! [`table`] reads that instead; text that is not one of those documents
//! is parsed by `toml` as before. A test checks that both give the same
//! table for every embedded document, the data tables' entries less their
//! examples (which only the tests read, from the TOML).

use serde::de::{DeserializeOwned, Error as _};

macro_rules! docs {
    ($($path:literal),* $(,)?) => {
        /// Each embedded document's path, text and JSON form.
        static DOCS: &[(&str, &str, &str)] = &[$((
            $path,
            include_str!(concat!("../../", $path, ".toml")),
            include_str!(concat!(env!("OUT_DIR"), "/", $path, ".json")),
        )),*];
    };
}

docs!(
    "policies/default",
    "policies/rust-foundation",
    "policies/human-in-the-loop",
    "policies/linux-kernel",
    "policies/generated-by",
    "policies/no-ai",
    "policies/no-ai-trailers",
    "policies/supply-chain",
    "policies/data/ai-signatures",
    "policies/data/secrets",
    "policies/data/payloads",
    "policies/data/workflow-patterns",
    "policies/data/popular-crates",
    "policies/data/licenses",
    "policies/data/test-paths",
);

/// The JSON form of an embedded document.
fn json_of(text: &str) -> Option<&'static str> {
    DOCS.iter()
        .find(|(_, t, _)| *t == text)
        .map(|(_, _, json)| *json)
}

/// Parses an embedded document into a table.
pub(crate) fn table(text: &str) -> Result<toml::Table, toml::de::Error> {
    match json_of(text) {
        Some(json) => serde_json::from_str(json).map_err(toml::de::Error::custom),
        None => toml::from_str(text),
    }
}

/// Parses an embedded document into `T`: straight from its JSON, with no
/// table in between (building the table cost as much as reading it).
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, toml::de::Error> {
    match json_of(text) {
        Some(json) => serde_json::from_str(json).map_err(toml::de::Error::custom),
        None => toml::from_str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True for a data table (whose entries' examples build.rs leaves out).
    fn is_data(text: &str) -> bool {
        DOCS.iter().any(|(path, t, _)| {
            *t == text && path.starts_with(&format!("{}/", super::super::strip::DATA_DIR))
        })
    }

    #[test]
    fn embedded_documents_read_as_toml_reads_them() {
        let mut docs: Vec<(&str, &str)> = vec![
            ("ai-signatures", crate::ai::BUILTIN),
            ("secrets", crate::rules::secrets::TABLE),
            ("payloads", crate::rules::payloads::TABLE),
            ("workflow-patterns", crate::rules::workflows::PATTERNS),
            ("popular-crates", crate::rules::dependencies::POPULAR_CRATES),
            ("licenses", crate::rules::licensing::text::DATA),
            ("test-paths", crate::rules::disclosure::TEST_PATHS),
        ];
        let presets = crate::policy::presets::names();
        docs.extend(presets.filter_map(|n| Some((n, crate::policy::presets::get(n)?))));
        for (name, text) in docs {
            assert!(
                json_of(text).is_some(),
                "{name} is not converted at build time"
            );
            let fast = table(text).expect("converted");
            let mut slow: toml::Table = toml::from_str(text).expect("valid TOML");
            if is_data(text) {
                super::super::strip::strip_examples(&mut slow);
            }
            assert_eq!(fast, slow, "{name}");
            // The JSON keeps every key but the examples.
            let stripped = super::super::strip::TEST_ONLY_KEYS
                .iter()
                .any(|k| json_of(text).is_some_and(|j| j.contains(&format!("\"{k}\":"))));
            assert!(!stripped, "{name} still embeds its examples");
        }
    }

    #[test]
    fn other_text_is_read_by_toml() {
        let t = table("a = 2027-01-01\n[b]\nc = 1_000\n").expect("valid");
        assert_eq!(t["b"]["c"].as_integer(), Some(1000));
        assert!(t["a"].as_datetime().is_some());
        assert!(table("a = ").is_err());
    }
}
