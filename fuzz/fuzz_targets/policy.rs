//! The policy loader on arbitrary TOML: an error or a policy, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::policy::{Policy, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source::text("fuzz.toml", text);
    if let Err(errors) = Policy::load(source) {
        assert!(!errors.0.is_empty());
        let _ = errors.to_string();
    }
});
