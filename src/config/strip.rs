//! What the binary leaves out of its embedded data tables.
//!
//! Each entry of a data table (`policies/data/*.toml`) carries
//! `examples` and `counter_examples`: the table's own tests, which the
//! test-suite reads from the TOML. The binary never reads them for a
//! built-in entry (a policy's own entries are tried on theirs at load), yet
//! reading them was a third of the secrets and signatures tables, parsed on
//! every run, a commit-msg hook's included. `build.rs` drops them from the
//! JSON it embeds; this file is shared with it.

/// The directory of the data tables.
pub const DATA_DIR: &str = "policies/data";

/// The keys of an entry that only the tests read.
pub const TEST_ONLY_KEYS: [&str; 2] = ["examples", "counter_examples"];

/// Removes [`TEST_ONLY_KEYS`] from every entry of every array of tables
/// at the top of `table` (`[[pattern]]`, `[[signature]]`, …).
pub fn strip_examples(table: &mut toml::Table) {
    for (_, value) in table.iter_mut() {
        if let toml::Value::Array(entries) = value {
            for entry in entries {
                if let toml::Value::Table(t) = entry {
                    for key in TEST_ONLY_KEYS {
                        t.remove(key);
                    }
                }
            }
        }
    }
}
