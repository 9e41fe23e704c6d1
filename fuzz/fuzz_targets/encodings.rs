//! The message reader on arbitrary bytes under arbitrary `encoding`
//! headers: what git shows (cut at the first NUL, then decoded), the UTF-7
//! decoder, and the escaping every report applies. No panic, and:
//! nothing after a NUL survives; a decoded message is valid UTF-8 with no
//! NUL; escaped text holds no control or bidi character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::message::{self, utf7, Defect, Message};
use policy_check::report::{escape, is_unsafe_char};

const LABELS: &[&str] = &[
    "UTF-7", "utf7", "ISO-8859-1", "latin1", "US-ASCII", "Shift_JIS", "EUC-JP", "ISO-2022-JP",
    "GBK", "gb18030", "Big5", "EUC-KR", "KOI8-R", "windows-1252", "UTF-16LE", "UTF-16BE",
    "iso-2022-kr", "x-user-defined", "UTF-8", "utf8", "EBCDIC-US", "", " UTF-7",
];

fuzz_target!(|data: &[u8]| {
    let (first, rest) = match data.split_first() {
        Some((f, r)) => (*f, r),
        None => return,
    };
    let label = LABELS[usize::from(first) % LABELS.len()];
    let (shown, defects) = message::shown(rest, Some(label));
    assert!(!shown.contains(&0), "git shows nothing after a NUL");
    // A NUL in the bytes, or one the decoding produced, is a defect.
    if rest.contains(&0) {
        assert!(defects.iter().any(|d| matches!(d, Defect::Nul { .. })));
    }
    if let Ok(Some(text)) = message::decode_as(&rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())], label) {
        let cut = text.split('\0').next().unwrap_or_default();
        assert_eq!(shown.as_ref(), cut.as_bytes());
    }
    if let Ok(text) = utf7::decode(rest) {
        assert!(text.len() <= rest.len() * 3, "UTF-7 never grows past 3 bytes a byte");
    }
    let m = Message::parse(rest, Some(label), "#");
    assert!(!m.text.contains('\0'));
    for t in &m.trailers {
        assert!(!escape(&t.value).chars().any(is_unsafe_char));
    }
    assert!(!escape(&m.text).chars().any(is_unsafe_char));
    assert!(!escape(&m.subject).contains('\n'));
});
