//! The merge reader (issue 14): the dense combined diff over arbitrary
//! parents and result, the per-blob text decoding (UTF-16 with a mark,
//! binary), the printable runs of binaries, and the chunker that streams
//! files over the size limit (and its UTF-16 decoder, fed piece by piece),
//! and the resolution of paths through symbolic links.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::git::combined::combined_added;
use policy_check::git::diff::{decode, line_diff, printable_runs, Decoded, MIN_RUN};
use policy_check::git::diff::decode_utf16;
use policy_check::git::links::resolve_path;
use policy_check::source::large::{decode_piece, utf16_decoder, Liner};
use policy_check::model::{FileChange, Status};

fn text(b: &[u8]) -> Option<String> {
    match decode(b) {
        Decoded::Text(t) => Some(t.into_owned()),
        Decoded::Binary => None,
    }
}

fuzz_target!(|data: &[u8]| {
    // parents and result, separated by 0xFF 0x00 0xFF
    let parts: Vec<&[u8]> = data
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == [0xFF, 0x00, 0xFF])
        .map(|(i, _)| i)
        .fold((Vec::new(), 0usize), |(mut v, start), i| {
            if i >= start {
                v.push(&data[start..i]);
                (v, i + 3)
            } else {
                (v, start)
            }
        })
        .0;
    let Some((new, parents)) = parts.split_last() else {
        return;
    };
    let parents: Vec<Option<String>> = parents.iter().take(4).map(|p| text(p)).collect();
    let refs: Vec<Option<&str>> = parents.iter().map(Option::as_deref).collect();
    let new_text = text(new).unwrap_or_default();
    let Ok(added) = combined_added(&refs, &new_text) else {
        return;
    };
    let mut f = FileChange::new("f".into(), Status::Modified, 0o100644, 0o100644);
    f.set_text(new_text.clone());
    assert!(added.windows(2).all(|w| w[0] < w[1]), "ascending");
    for n in &added {
        assert!(f.line(*n).is_some(), "line {n} exists");
    }
    // a line new against all parents is new against each
    for p in refs.iter().flatten() {
        if let Ok((a, _)) = line_diff(p.as_bytes(), new_text.as_bytes()) {
            assert!(added.iter().all(|n| a.contains(n)), "subset of each parent's");
        }
        if *p == new_text {
            assert!(added.is_empty(), "equal to a parent: nothing new");
        }
    }
    // printable runs lie in the data, are long enough and printable
    for (at, run) in printable_runs(new) {
        assert!(run.len() >= MIN_RUN);
        assert_eq!(&new[at..at + run.len()], run);
    }
    // the chunker gives back every byte, in order, with line numbers
    let mut liner = Liner::default();
    let mut back = Vec::new();
    let mut emit = |_: u32, t: &[u8]| back.extend_from_slice(t);
    for piece in new.chunks(7) {
        liner.push(piece, &mut emit);
    }
    liner.finish(&mut emit);
    assert_eq!(back, *new, "short lines come back unchanged");
    // UTF-16 decoded piece by piece reads as the whole blob decoded
    if let Some(mut d) = utf16_decoder(new) {
        let mut out = String::new();
        for piece in new.chunks(7) {
            decode_piece(&mut d, piece, false, &mut out);
        }
        decode_piece(&mut d, &[], true, &mut out);
        assert_eq!(Some(out), decode_utf16(new), "streamed UTF-16 = whole");
    }
    // links: `path -> target` lines; every path resolves inside the tree,
    // to a normal path, or not at all (no panic, no endless loop)
    let links: std::collections::BTreeMap<String, String> = String::from_utf8_lossy(new)
        .lines()
        .filter_map(|l| l.split_once(" -> "))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for l in links.keys() {
        if let Some(r) = resolve_path(&links, l) {
            assert!(
                r.is_empty() || r.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
                "{l} -> {r}"
            );
        }
    }
});
