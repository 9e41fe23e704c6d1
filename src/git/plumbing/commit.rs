//! Commit objects read from their raw bytes, as git's `parse_commit_buffer`
//! and libgit2's commit parser read them, so a scan reads each commit once
//! through [`super::odb::ObjectStore`] instead of once more through libgit2.

use crate::oid::Oid;

use crate::model::Identity;

/// The parts of a commit a check reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit<'a> {
    /// The root tree, from the `tree` header.
    pub tree: Oid,
    /// The `parent` headers, in order (none for a root commit).
    pub parents: Vec<Oid>,
    /// The `author` header: who wrote the change, and when.
    pub(crate) author: Identity,
    /// The `committer` header: who made the commit, and when.
    pub(crate) committer: Identity,
    /// The `encoding` header, when there is one.
    pub(crate) encoding: Option<&'a str>,
    /// Everything after the blank line that ends the headers.
    pub message: &'a [u8],
}

/// Why a commit could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// The first header is not a `tree` line with a valid id.
    #[error("it has no `tree` line")]
    NoTree,
    /// The `parent` header at this (1-based) position has no valid id.
    #[error("its `parent` line {0} is not a commit id")]
    BadParent(usize),
    /// The named header (`author` or `committer`) is missing.
    #[error("it has no `{0}` line")]
    NoIdentity(&'static str),
    /// The named identity header does not parse; the second field says why.
    #[error("its `{0}` line is malformed: {1}")]
    BadIdentity(&'static str, &'static str),
}

/// The id after `prefix` on the line at the start of `data`, and the rest.
fn id_line<'a>(data: &'a [u8], prefix: &[u8]) -> Option<(Oid, &'a [u8])> {
    let rest = data.strip_prefix(prefix)?;
    let hex = rest.get(..40)?;
    if rest.get(40) != Some(&b'\n') {
        return None;
    }
    Some((from_hex(hex)?, &rest[41..]))
}

/// A full hexadecimal object id (either case, as git reads it).
fn from_hex(hex: &[u8]) -> Option<Oid> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut raw = [0u8; 20];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        *raw.get_mut(i)? = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Oid::from_bytes(&raw)
}

/// The tree and parents at the head of a commit, and the bytes after them.
fn tree_and_parents(data: &[u8]) -> Result<(Oid, Vec<Oid>, &[u8]), Malformed> {
    let (tree, mut rest) = id_line(data, b"tree ").ok_or(Malformed::NoTree)?;
    let mut parents = Vec::new();
    while rest.starts_with(b"parent ") {
        let (p, r) = id_line(rest, b"parent ").ok_or(Malformed::BadParent(parents.len() + 1))?;
        parents.push(p);
        rest = r;
    }
    Ok((tree, parents, rest))
}

/// The tree of a commit, reading only its first line.
pub fn tree(data: &[u8]) -> Result<Oid, Malformed> {
    id_line(data, b"tree ")
        .map(|(t, _)| t)
        .ok_or(Malformed::NoTree)
}

/// A commit's parents and its committer date, as git's revision walk reads
/// them (`parse_commit_date`): the date is 0 when the `committer` line does
/// not follow `author` or carries no number.
pub fn walk_header(data: &[u8]) -> Result<(Vec<Oid>, u64), Malformed> {
    let (_, parents, rest) = tree_and_parents(data)?;
    Ok((parents, commit_date(rest)))
}

fn commit_date(rest: &[u8]) -> u64 {
    if !rest.starts_with(b"author") {
        return 0;
    }
    let Some(nl) = memchr::memchr(b'\n', rest) else {
        return 0;
    };
    let line = &rest[nl + 1..];
    if !line.starts_with(b"committer") {
        return 0;
    }
    let Some(eol) = memchr::memchr(b'\n', line) else {
        return 0;
    };
    let Some(gt) = memchr::memrchr(b'>', &line[..eol]) else {
        return 0;
    };
    let digits = line[gt + 1..eol].trim_ascii_start();
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// An identity line's value (`Name <email> 1700000000 +0000`), read as
/// libgit2 reads it: the last `<` and `>` delimit the address. A line
/// without them still gives its text as the name rather than failing.
pub fn identity(value: &[u8]) -> Identity {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b.trim_ascii()).into_owned();
    let delimited = memchr::memrchr(b'<', value)
        .zip(memchr::memrchr(b'>', value))
        .filter(|(open, close)| open < close);
    let Some((open, close)) = delimited else {
        return Identity {
            name: lossy(value),
            email: String::new(),
            time: 0,
        };
    };
    let after = value[close + 1..].trim_ascii_start();
    let (neg, digits) = match after.strip_prefix(b"-") {
        Some(d) => (true, d),
        None => (false, after),
    };
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let time = std::str::from_utf8(&digits[..end])
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map_or(0, |t| if neg { -t } else { t });
    Identity {
        name: lossy(&value[..open]),
        email: lossy(&value[open + 1..close]),
        time,
    }
}

/// Checks a commit as `git fsck` (and `receive.fsckObjects`) checks it
/// (`fsck_commit`, `fsck_ident`): `tree`, `parent`s, then `author` and
/// `committer` lines each of the form `Name <email> 1700000000 +0000`. The
/// scan reads identities leniently, as libgit2 does, so old histories
/// stay readable; the server hook holds what a push adds to this instead,
/// so that a malformed commit fails closed wherever it is in the push.
pub fn fsck(data: &[u8]) -> Result<(), Malformed> {
    let (_, _, rest) = tree_and_parents(data)?;
    let mut rest = rest;
    for who in ["author", "committer"] {
        let eol = memchr::memchr(b'\n', rest).ok_or(Malformed::NoIdentity(who))?;
        let line = &rest[..eol];
        let value = line
            .strip_prefix(who.as_bytes())
            .and_then(|v| v.strip_prefix(b" "))
            .ok_or(Malformed::NoIdentity(who))?;
        fsck_ident(value).map_err(|why| Malformed::BadIdentity(who, why))?;
        rest = &rest[eol + 1..];
    }
    Ok(())
}

/// git's `fsck_ident` on `Name <email> 1700000000 +0000` (without the newline).
fn fsck_ident(v: &[u8]) -> Result<(), &'static str> {
    if v.first() == Some(&b'<') {
        return Err("no name before the email");
    }
    let open = v
        .iter()
        .position(|&b| b == b'<' || b == b'>')
        .ok_or("no email in <…>")?;
    if v[open] == b'>' {
        return Err("a `>` in the name");
    }
    if open == 0 || v[open - 1] != b' ' {
        return Err("no space before the email");
    }
    let rest = &v[open + 1..];
    let close = rest
        .iter()
        .position(|&b| b == b'<' || b == b'>')
        .ok_or("the email is not closed by `>`")?;
    if rest[close] != b'>' {
        return Err("the email is not closed by `>`");
    }
    let rest = rest[close + 1..]
        .strip_prefix(b" ")
        .ok_or("no space before the date")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b' ') {
        return Err("the date is not a number of seconds");
    }
    if rest[0] == b'0' && digits > 1 {
        return Err("the date is zero-padded");
    }
    if std::str::from_utf8(&rest[..digits])
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .is_none()
    {
        return Err("the date overflows");
    }
    let tz = &rest[digits + 1..];
    let ok_tz =
        tz.len() == 5 && matches!(tz[0], b'+' | b'-') && tz[1..].iter().all(u8::is_ascii_digit);
    if !ok_tz {
        return Err("the time zone is not `+hhmm` or `-hhmm`");
    }
    Ok(())
}

/// Parses a commit object's content.
pub fn parse(data: &[u8]) -> Result<Commit<'_>, Malformed> {
    let (tree, parents, mut rest) = tree_and_parents(data)?;
    let mut author = None;
    let mut committer = None;
    let mut encoding = None;
    let message;
    loop {
        if rest.is_empty() {
            message = rest;
            break;
        }
        if rest[0] == b'\n' {
            message = &rest[1..];
            break;
        }
        let eol = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..eol];
        rest = rest.get(eol + 1..).unwrap_or(&[]);
        // Some tools write `author` twice: the first one counts, as in libgit2.
        if let Some(v) = line.strip_prefix(b"author ") {
            if author.is_none() && committer.is_none() {
                author = Some(identity(v));
            }
        } else if let Some(v) = line.strip_prefix(b"committer ") {
            if committer.is_none() {
                committer = Some(identity(v));
            }
        } else if let Some(v) = line.strip_prefix(b"encoding ") {
            if encoding.is_none() {
                encoding = std::str::from_utf8(v).ok();
            }
        }
    }
    Ok(Commit {
        tree,
        parents,
        author: author.ok_or(Malformed::NoIdentity("author"))?,
        committer: committer.ok_or(Malformed::NoIdentity("committer"))?,
        encoding,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    const P1: &str = "1111111111111111111111111111111111111111";
    const P2: &str = "2222222222222222222222222222222222222222";

    fn commit(headers: &str, message: &str) -> Vec<u8> {
        format!("tree {TREE}\n{headers}\n{message}").into_bytes()
    }

    #[test]
    fn reads_every_part_of_a_merge() {
        let raw = commit(
            &format!(
                "parent {P1}\nparent {P2}\nauthor A U Thor <a@example.com> 1700000000 +0100\n\
                 committer C O Mitter <c@example.com> 1700000100 -0200\nencoding ISO-8859-1\n\
                 gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n"
            ),
            "Subject\n\nBody\n",
        );
        let c = parse(&raw).unwrap();
        assert_eq!(c.tree.to_string(), TREE);
        assert_eq!(
            c.parents.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            [P1, P2]
        );
        assert_eq!(c.author.name, "A U Thor");
        assert_eq!(c.author.email, "a@example.com");
        assert_eq!(c.author.time, 1_700_000_000);
        assert_eq!(c.committer.name, "C O Mitter");
        assert_eq!(c.committer.time, 1_700_000_100);
        assert_eq!(c.encoding, Some("ISO-8859-1"));
        assert_eq!(c.message, b"Subject\n\nBody\n");
        assert_eq!(walk_header(&raw).unwrap().1, 1_700_000_100);
    }

    #[test]
    fn a_commit_without_a_message_or_final_newline_reads() {
        let raw = format!("tree {TREE}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000");
        let c = parse(raw.as_bytes()).unwrap();
        assert_eq!(c.message, b"");
        assert_eq!(c.committer.time, 2);
    }

    #[test]
    fn malformed_headers_are_named() {
        assert_eq!(parse(b"parent x\n"), Err(Malformed::NoTree));
        let raw = commit(&format!("parent {}\n", &P1[..39]), "m");
        assert_eq!(parse(&raw), Err(Malformed::BadParent(1)));
        let raw = commit("committer C <c@x> 2 +0000\n", "m");
        assert_eq!(parse(&raw), Err(Malformed::NoIdentity("author")));
    }

    #[test]
    fn fsck_holds_identities_to_what_git_fsck_accepts() {
        let ok = commit(
            "author A U Thor <a@example.com> 1700000000 +0100\ncommitter C <c@x> 0 -0000\n",
            "m",
        );
        assert_eq!(fsck(&ok), Ok(()));
        for (line, why) in [
            (
                "author Claude <noreply@anthropic.com 1796593616 +0000",
                "the email is not closed by `>`",
            ),
            ("author <a@x> 1 +0000", "no name before the email"),
            ("author A<a@x> 1 +0000", "no space before the email"),
            ("author A > <a@x> 1 +0000", "a `>` in the name"),
            ("author A <a@x>1 +0000", "no space before the date"),
            (
                "author A <a@x> soon +0000",
                "the date is not a number of seconds",
            ),
            ("author A <a@x> 01 +0000", "the date is zero-padded"),
            (
                "author A <a@x> 1 +00",
                "the time zone is not `+hhmm` or `-hhmm`",
            ),
            ("author no address", "no email in <…>"),
        ] {
            let raw = commit(&format!("{line}\ncommitter C <c@x> 1 +0000\n"), "m");
            assert_eq!(
                fsck(&raw),
                Err(Malformed::BadIdentity("author", why)),
                "{line}"
            );
        }
        let raw = commit("author A <a@x> 1 +0000\n", "m");
        assert_eq!(fsck(&raw), Err(Malformed::NoIdentity("committer")));
    }

    #[test]
    fn identities_read_like_libgit2() {
        let i = identity(b"Name <odd<mail>> 12 +0000");
        assert_eq!(
            (i.name.as_str(), i.email.as_str(), i.time),
            ("Name <odd", "mail>", 12)
        );
        let i = identity(b"  Spaced   <  e@x  >");
        assert_eq!(
            (i.name.as_str(), i.email.as_str(), i.time),
            ("Spaced", "e@x", 0)
        );
        let i = identity(b"no address 5 +0000");
        assert_eq!(
            (i.name.as_str(), i.email.as_str()),
            ("no address 5 +0000", "")
        );
        assert_eq!(identity(b"N <e> -100 +0000").time, -100);
    }

    #[test]
    fn the_walk_date_is_zero_when_git_would_read_zero() {
        let no_committer = commit("author A <a> 5 +0000\nfoo bar\n", "");
        assert_eq!(walk_header(&no_committer).unwrap().1, 0);
        let not_a_number = commit("author A <a> 5 +0000\ncommitter C <c> soon\n", "");
        assert_eq!(walk_header(&not_a_number).unwrap().1, 0);
    }
}
