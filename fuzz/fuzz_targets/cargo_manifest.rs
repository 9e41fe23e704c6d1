//! The Cargo.toml / cargo config / Cargo.lock readers on arbitrary text: a
//! parsed manifest or a parse error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::rules::dependencies::manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = manifest::manifest(text);
    let _ = manifest::config(text);
    let _ = manifest::lock(text);
});
