//! Converts the TOML documents embedded in the binary (presets and data
//! tables) to JSON at build time: `toml`'s parser keeps every span and
//! comment and cost a third of a commit-msg hook, while JSON reads in a
//! fraction of that. `src/config/embedded.rs` includes the result; a test
//! checks that both give the same table for every document.

use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    for dir in ["policies", "policies/data"] {
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
            let table: toml::Table = toml::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()));
            let json = serde_json::to_string(&table).expect("TOML as JSON");
            let name = path.file_name().expect("file name");
            let dest = Path::new(&out).join(dir).join(name).with_extension("json");
            std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            std::fs::write(dest, json).expect("write JSON");
        }
    }
}
