//! Converts the TOML documents embedded in the binary (presets and data
//! tables) to JSON at build time: `toml`'s parser keeps every span and
//! comment and cost a third of a commit-msg hook, while JSON reads in a
//! fraction of that. The data tables' entries lose their `examples` and
//! `counter_examples` on the way (`src/config/strip.rs`): only the tests
//! read them, from the TOML. `src/config/embedded.rs` includes the result;
//! a test checks that both give the same table for every document.

use std::path::Path;

// The literal reader the binary's keyword pre-filters use (regex-syntax only).
#[allow(dead_code)]
#[path = "src/rules/patterns/literals.rs"]
mod literals;

// Drops the entries' examples, which only the tests read.
#[path = "src/config/strip.rs"]
mod strip;

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    println!("cargo:rerun-if-changed=src/rules/patterns/literals.rs");
    println!("cargo:rerun-if-changed=src/config/strip.rs");
    for dir in ["policies", strip::DATA_DIR] {
        println!("cargo:rerun-if-changed={dir}");
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("policies directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        entries.sort();
        for path in entries {
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).expect("read embedded TOML");
            let mut table: toml::Table = toml::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()));
            if dir == strip::DATA_DIR {
                strip::strip_examples(&mut table);
            }
            let json = serde_json::to_string(&table).expect("TOML as JSON");
            let name = path.file_name().expect("file name");
            let dest = Path::new(&out).join(dir).join(name).with_extension("json");
            std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            std::fs::write(dest, json).expect("write JSON");
            if name == "ai-signatures.toml" {
                ai_literals(&table, Path::new(&out));
            }
        }
    }
}

/// `ai-literals.rs`: the required literals of every built-in AI signature
/// and model family pattern, sorted by pattern, so that the detector's
/// pre-filters need not parse the patterns at run time (a third of a
/// commit-msg hook's work did). `src/ai.rs` falls back to reading a
/// pattern that is not listed (a policy's own), and a test checks the list.
fn ai_literals(table: &toml::Table, out: &Path) {
    let mut patterns: Vec<&str> = ["signature", "family"]
        .iter()
        .filter_map(|k| table.get(*k)?.as_array())
        .flatten()
        .filter_map(|e| e.get("pattern")?.as_str())
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut rs = String::from(
        "/// Each built-in AI pattern and its required literals, sorted by pattern.\n\
         pub static AI_LITERALS: &[(&str, Option<&[&str]>)] = &[\n",
    );
    for p in patterns {
        let lits = match literals::required_literals(p) {
            Some(l) => format!("Some(&{l:?})"),
            None => "None".to_string(),
        };
        rs.push_str(&format!("    ({p:?}, {lits}),\n"));
    }
    rs.push_str("];\n");
    std::fs::write(out.join("ai-literals.rs"), rs).expect("write ai-literals.rs");
}
