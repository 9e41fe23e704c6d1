//! Object ids, as the program holds them. Only `git/` turns them into the
//! git library's own ids and back; everything else sees this type.

use std::fmt;

/// A git object id (SHA-1): 20 bytes, shown as 40 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Oid([u8; 20]);

impl Oid {
    /// The all-zero id git uses for "no object" (a created or deleted ref).
    pub const ZERO: Oid = Oid([0; 20]);

    /// The id of these 20 bytes; `None` for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Oid> {
        bytes.try_into().ok().map(Oid)
    }

    /// The id 40 hex digits (either case) spell; `None` for anything else,
    /// abbreviations included.
    pub fn from_hex(hex: &str) -> Option<Oid> {
        let hex = hex.as_bytes();
        if hex.len() != 40 {
            return None;
        }
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 20];
        for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            *o = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Oid(out))
    }

    /// Its 20 bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// True for the all-zero id.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 20]
    }
}

impl Oid {
    /// Its 40 lower-case hex digits, without allocating.
    fn hex(&self) -> [u8; 40] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 40];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 15)];
        }
        out
    }
}

/// 40 hex digits (a history scan shows every commit's id several times, so
/// this writes them at once; width and precision apply, `{:.12}` abbreviates).
impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        // The digits are ASCII.
        f.pad(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Oid {
    type Err = String;

    fn from_str(s: &str) -> Result<Oid, String> {
        Oid::from_hex(s).ok_or_else(|| format!("`{s}` is not a 40-digit hex object id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_anything_else() {
        let hex = "0123456789abcdefABCDEF0123456789abcdef01";
        let oid = Oid::from_hex(hex).expect("40 hex digits");
        assert_eq!(oid.to_string(), hex.to_ascii_lowercase());
        assert_eq!(Oid::from_bytes(oid.as_bytes()), Some(oid));
        for bad in [
            "",
            "0123",
            &hex[..39],
            &format!("{hex}0"),
            &hex.replace('a', "g"),
        ] {
            assert_eq!(Oid::from_hex(bad), None, "{bad}");
        }
        assert!(Oid::ZERO.is_zero() && !oid.is_zero());
        assert_eq!(Oid::from_bytes(&[1; 19]), None);
        assert_eq!(format!("{oid:.12}"), "0123456789ab");
        // Hook input and ids read back from findings: full ids only.
        let full = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            Oid::from_hex(full).map(|o| o.to_string()).as_deref(),
            Some(full)
        );
        assert!(Oid::from_hex("not hex").is_none());
        // A prefix is not an id (the git library would pad it with zeros).
        assert_eq!(Oid::from_hex("abc"), None);
        assert!(Oid::from_hex(&"a".repeat(40)).is_some());
        assert!(Oid::from_hex(&"g".repeat(40)).is_none());
        assert!(Oid::from_hex(&format!("{} ", "a".repeat(40))).is_none());
        assert!(Oid::from_hex(&"a".repeat(64)).is_none());
    }
}
