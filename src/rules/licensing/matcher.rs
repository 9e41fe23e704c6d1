//! Licence texts named by their whole text: askalono (the matcher
//! cargo-deny and cargo-about use) scores a file against every licence text
//! of the SPDX list, which the `spdx` crate ships (`text` feature). No cache
//! file and no network: the store is built from those texts on first use,
//! in parallel, once per process (a run that meets no licence file never
//! builds it).
//!
//! askalono compares word bigrams (Sørensen–Dice), so texts that differ in
//! a clause score close together; what tells such relatives apart (Pixar's
//! trademark clause against plain Apache-2.0, say) is data in
//! `policies/data/licenses.toml`, applied to the few candidates within a
//! small margin of the best score.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use askalono::{Store, TextData};
use rayon::prelude::*;

/// The SPDX texts, prepared.
pub(crate) struct Matcher {
    store: Store,
    /// Ids in the store, in the SPDX list's order.
    ids: Vec<&'static str>,
    /// Each text, words lower-cased and joined by one space, to its id:
    /// a text that is exactly a listed one (askalono gives some one-line
    /// texts no bigrams to compare).
    exact: std::collections::HashMap<String, &'static str>,
    /// Each id's length in words.
    lengths: std::collections::HashMap<&'static str, usize>,
    /// Each id's text, as the first id listed with the same words: ids
    /// that share one are twins (`GPL-2.0-only`, `GPL-2.0-or-later`).
    text_of: std::collections::HashMap<&'static str, &'static str>,
    /// Each text's word bigrams (askalono's normalised words, hashed), in
    /// the order of `ids`: what finds texts held one after another.
    grams: Vec<HashSet<u64>>,
    /// How long preparing the texts took (for `-v`).
    pub(crate) built_in: Duration,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("licences", &self.ids.len())
            .field("built_in", &self.built_in)
            .finish()
    }
}

/// One licence's score against a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Score {
    pub(crate) id: &'static str,
    pub(crate) score: f32,
}

/// Texts shorter than this many words say too little to be told apart
/// (`NOASSERTION`, one-line notices); they are left out of the store.
const MIN_WORDS: usize = 12;

static MATCHER: OnceLock<Matcher> = OnceLock::new();

/// The process-wide matcher, built on first call.
pub(crate) fn get() -> &'static Matcher {
    MATCHER.get_or_init(|| {
        let m = Matcher::build();
        tracing::info!(
            "licence matcher: {} SPDX licence texts (spdx crate {}) prepared in {} ms",
            m.ids.len(),
            spdx::identifiers::VERSION,
            m.built_in.as_millis()
        );
        m
    })
}

/// The words of a text, lower-cased, joined by one space.
fn words(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when an SPDX id is a licence the store holds texts for: listed,
/// not deprecated (deprecated ids repeat a current text).
fn wanted(id: &str) -> bool {
    spdx::license_id(id).is_some_and(|l| !l.is_deprecated())
}

impl Matcher {
    fn build() -> Matcher {
        let start = Instant::now();
        let prepared: Vec<(&'static str, TextData, String, HashSet<u64>)> =
            spdx::text::LICENSE_TEXTS
                .par_iter()
                .filter(|(id, text)| wanted(id) && text.split_whitespace().count() >= MIN_WORDS)
                .map(|(id, text)| {
                    let data = TextData::new(text);
                    let g = bigrams(&data);
                    (*id, data, words(text), g)
                })
                .collect();
        let mut store = Store::new();
        let mut ids = Vec::with_capacity(prepared.len());
        let mut exact = std::collections::HashMap::new();
        let mut lengths = std::collections::HashMap::new();
        let mut text_of = std::collections::HashMap::new();
        let mut grams = Vec::with_capacity(prepared.len());
        for (id, data, w, g) in prepared {
            ids.push(id);
            grams.push(g);
            lengths.insert(id, w.split(' ').count());
            text_of.insert(id, *exact.entry(w).or_insert(id));
            store.add_license(id.to_string(), data);
        }
        Matcher {
            store,
            ids,
            exact,
            lengths,
            text_of,
            grams,
            built_in: start.elapsed(),
        }
    }

    /// How many licence texts the store holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id of the listed text `text` is word for word, if any.
    pub(crate) fn exactly(&self, text: &str) -> Option<&'static str> {
        self.exact.get(&words(text)).copied()
    }

    /// True when the SPDX list gives `a` and `b` the same text, word for
    /// word (an id is its own twin); false when either is not held.
    pub(crate) fn twins(&self, a: &str, b: &str) -> bool {
        match (self.text_of.get(a), self.text_of.get(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }

    /// How many words the listed text of `id` has.
    pub(crate) fn length(&self, id: &str) -> usize {
        self.lengths.get(id).copied().unwrap_or(0)
    }

    /// Every licence's score against `text`, best first.
    pub(crate) fn rank(&self, text: &TextData) -> Vec<Score> {
        let mut all: Vec<Score> = self
            .ids
            .iter()
            .filter_map(|&id| {
                self.store.get_original(id).map(|orig| Score {
                    id,
                    score: orig.match_score(text),
                })
            })
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(b.id)));
        all
    }

    /// The licences a text holds one after another (a file that carries
    /// MIT and Apache-2.0 in full, a COPYING that bundles the licences of
    /// vendored code): each listed text whose word bigrams the text holds
    /// (at least `threshold` of them), taken greedily, a text only counting
    /// when a tenth of its bigrams are its own, not among those already
    /// taken (so MIT-0, all of whose bigrams MIT has, is not named beside
    /// MIT). `keep`
    /// filters relatives by their phrases.
    pub(crate) fn contained(
        &self,
        text: &TextData,
        threshold: f32,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<Score> {
        let order = bigram_seq(text);
        let have: HashSet<u64> = order.iter().copied().collect();
        if have.is_empty() {
            return Vec::new();
        }
        let recall = |g: &HashSet<u64>| {
            g.iter().filter(|b| have.contains(b)).count() as f32 / g.len().max(1) as f32
        };
        let mut cands: Vec<(usize, f32)> = self
            .grams
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() >= MIN_GRAMS)
            .map(|(i, g)| (i, recall(g)))
            .filter(|&(i, r)| r >= threshold && keep(self.ids[i]))
            .collect();
        // The texts that explain most of the file first (bigrams found,
        // weighed by how fully): a text's subset (MIT-0 in MIT, BSD-1-Clause
        // in BSD-3-Clause) then finds its bigrams taken, and a longer
        // relative that only mostly matches (Solderpad over Apache-2.0)
        // comes after the text itself.
        let weight = |&(i, r): &(usize, f32)| self.grams[i].len() as f32 * r * r;
        cands.sort_by(|a, b| {
            weight(b)
                .total_cmp(&weight(a))
                .then(self.ids[a.0].cmp(self.ids[b.0]))
        });
        let mut taken: HashSet<u64> = HashSet::new();
        let mut found = Vec::new();
        for (i, r) in cands {
            let own: Vec<&u64> = self.grams[i]
                .iter()
                .filter(|b| !taken.contains(b))
                .collect();
            if own.len() < MIN_GRAMS || own.len() * 10 < self.grams[i].len() {
                continue;
            }
            let own_recall =
                own.iter().filter(|b| have.contains(b)).count() as f32 / own.len() as f32;
            if own_recall < threshold {
                continue;
            }
            // Where it starts: the first of its own bigrams in the text.
            let own: HashSet<u64> = own.into_iter().copied().collect();
            let at = order
                .iter()
                .position(|b| own.contains(b))
                .unwrap_or(usize::MAX);
            taken.extend(self.grams[i].iter().copied());
            found.push((
                at,
                Score {
                    id: self.ids[i],
                    score: r,
                },
            ));
        }
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().map(|(_, s)| s).collect()
    }
}

/// A text of fewer word bigrams than this is too short to be found inside
/// another.
const MIN_GRAMS: usize = 24;

/// The word bigrams of askalono's normalised text, hashed.
fn bigrams(data: &TextData) -> HashSet<u64> {
    bigram_seq(data).into_iter().collect()
}

/// The same, in text order.
fn bigram_seq(data: &TextData) -> Vec<u64> {
    let Some(text) = data.text_processed() else {
        return Vec::new();
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .map(|w| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}
