//! Licence texts: foreign notices in added lines, and the classification of
//! licence files, both from `policies/data/licenses.toml` (extended by the
//! policy). Added lines first go through one Aho-Corasick pass over the
//! notices' keywords; only a line holding a keyword meets a regex, so a
//! history scan pays a single automaton pass per added line.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;

use super::expr::{self, Found};
use crate::policy::{compile_regex, KeyPath, Problems};
use crate::rules::patterns::KeywordIndex;

/// The embedded licence knowledge.
pub const DATA: &str = include_str!("../../../policies/data/licenses.toml");

/// The data file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    notice: Vec<RawNotice>,
    license_file: Vec<RawFingerprint>,
    pointer: Vec<RawPointer>,
    comment: Vec<RawComment>,
}

/// A foreign-notice pattern, in the data file or a policy's
/// `[[licensing.notices]]`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotice {
    /// The notice's id (replaces the built-in notice with the same id).
    pub id: String,
    /// What the notice is, for messages (`a GNU GPL notice`).
    pub description: Option<String>,
    /// The SPDX expression the notice indicates; absent: never permitted.
    pub license: Option<String>,
    /// Literals every match contains (the cheap pre-filter).
    pub keywords: Vec<String>,
    /// Case-insensitive regex.
    pub pattern: String,
    /// Only report when the file has no permitted SPDX header.
    #[serde(default)]
    pub only_unlicensed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFingerprint {
    license: String,
    #[serde(rename = "match")]
    all: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPointer {
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComment {
    template: String,
    #[serde(default)]
    extensions: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
}

/// A compiled foreign notice.
#[derive(Debug)]
pub struct Notice {
    pub id: String,
    pub description: String,
    /// What it indicates, as written and parsed; `None`: never permitted.
    pub license: Option<(String, spdx::Expression)>,
    pub regex: Regex,
    pub only_unlicensed: bool,
}

/// All notices behind one keyword automaton.
#[derive(Debug)]
pub struct Notices {
    pub list: Vec<Notice>,
    index: KeywordIndex,
}

/// One hit: a line and the notice it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub line: u32,
    pub notice: usize,
}

impl Notices {
    fn build(list: Vec<Notice>, keywords: Vec<Vec<String>>) -> Result<Notices, String> {
        let index = KeywordIndex::build(&keywords)?;
        Ok(Notices { list, index })
    }

    /// The first notice (in priority order) one line holds.
    pub fn first_in_line(&self, line: &str) -> Option<usize> {
        let cands: Vec<usize> = self
            .index
            .hits(line)
            .flat_map(|(_, owners)| owners.iter().copied())
            .collect();
        self.confirm(line, cands)
    }

    fn confirm(&self, line: &str, mut cands: Vec<usize>) -> Option<usize> {
        if cands.is_empty() {
            return None;
        }
        cands.sort_unstable();
        cands.dedup();
        cands
            .into_iter()
            .find(|&i| self.list[i].regex.is_match(line))
    }

    /// Hits in a whole text whose lines start at `starts` (as in
    /// `FileChange::line_starts`): one automaton pass over the text, then
    /// the regexes on the few lines that hold a keyword.
    pub fn scan_text(&self, text: &str, starts: &[usize]) -> Vec<Hit> {
        let mut per_line: Vec<(u32, usize)> = Vec::new();
        for (range, owners) in self.index.hits(text) {
            let line = starts.partition_point(|&s| s <= range.start) as u32;
            for &n in owners {
                per_line.push((line, n));
            }
        }
        per_line.sort_unstable();
        per_line.dedup();
        let mut hits = Vec::new();
        let mut i = 0;
        while i < per_line.len() {
            let line = per_line[i].0;
            let mut cands = Vec::new();
            while i < per_line.len() && per_line[i].0 == line {
                cands.push(per_line[i].1);
                i += 1;
            }
            let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
                continue;
            };
            let end = starts.get(line as usize).copied().unwrap_or(text.len());
            let l = &text[start..end];
            if let Some(notice) = self.confirm(l, cands) {
                hits.push(Hit { line, notice });
            }
        }
        hits
    }
}

/// A licence-file fingerprint.
#[derive(Debug)]
struct Fingerprint {
    license: String,
    all: Vec<Regex>,
}

/// Everything the licensing rules know about licence texts.
#[derive(Debug)]
pub struct Knowledge {
    pub notices: Notices,
    fingerprints: Vec<Fingerprint>,
    pointers: Vec<Regex>,
    comments_by_ext: HashMap<String, String>,
    comments_by_name: HashMap<String, String>,
}

/// Builds a case-insensitive regex (size-limited like every policy regex).
fn ci(pattern: &str, path: &KeyPath, problems: &mut Problems) -> Option<Regex> {
    compile_regex(&format!("(?i){pattern}"), path, problems)
}

impl Knowledge {
    /// Compiles the embedded data with the policy's extra `notices` (which
    /// replace built-ins of the same id and come first), minus `skip`.
    pub fn compile(
        extra: &[RawNotice],
        phrases: &[String],
        skip: &[String],
        key: &KeyPath,
        problems: &mut Problems,
    ) -> Option<Knowledge> {
        let data: RawData = match crate::policy::embedded::from_str(DATA) {
            Ok(d) => d,
            Err(e) => {
                problems.error(
                    key.clone(),
                    format!("the built-in policies/data/licenses.toml is invalid: {e}"),
                );
                return None;
            }
        };
        let before = problems.0.len();
        let data_key = key.key("(built-in licenses.toml)");

        // Notices: the policy's first, then built-ins not replaced or skipped.
        let mut raw: Vec<(KeyPath, RawNotice)> = Vec::new();
        for n in extra {
            raw.push((key.key("notices").id(&n.id), n.clone()));
        }
        for (i, p) in phrases.iter().enumerate() {
            let words: Vec<String> = p.split_whitespace().map(regex::escape).collect();
            if words.is_empty() {
                problems.error(
                    key.key("phrases").index(i),
                    "an empty phrase matches nothing",
                );
                continue;
            }
            let longest = p
                .split_whitespace()
                .max_by_key(|w| w.len())
                .unwrap_or_default()
                .to_string();
            raw.push((
                key.key("phrases").index(i),
                RawNotice {
                    id: format!("phrase-{}", i + 1),
                    description: Some(format!("the phrase \"{}\" the policy lists", p.trim())),
                    license: None,
                    keywords: vec![longest],
                    pattern: format!(r"\b{}\b", words.join(r"\s+")),
                    only_unlicensed: false,
                },
            ));
        }
        let builtin_ids: Vec<String> = data.notice.iter().map(|n| n.id.clone()).collect();
        for (i, s) in skip.iter().enumerate() {
            if !builtin_ids.contains(s) && !extra.iter().any(|n| &n.id == s) {
                let mut msg = format!("`{s}` is not a notice id");
                if let Some(near) =
                    crate::policy::error::nearest(s, builtin_ids.iter().map(String::as_str))
                {
                    msg.push_str(&format!("; did you mean `{near}`?"));
                }
                msg.push_str(&format!(" (built-in notices: {})", builtin_ids.join(", ")));
                problems.error(key.key("skip_notices").index(i), msg);
            }
        }
        for n in data.notice {
            if extra.iter().any(|e| e.id == n.id) {
                continue;
            }
            raw.push((data_key.id(&n.id), n));
        }
        raw.retain(|(_, n)| !skip.contains(&n.id));

        let mut list = Vec::new();
        let mut keywords = Vec::new();
        for (path, n) in raw {
            if n.keywords.iter().all(|k| k.trim().is_empty()) {
                problems.error(
                    path.key("keywords"),
                    "list at least one literal that every match contains (the cheap pre-filter)",
                );
                continue;
            }
            let Some(regex) = ci(&n.pattern, &path.key("pattern"), problems) else {
                continue;
            };
            let license = match &n.license {
                None => None,
                Some(l) => match expr::parse_found(l) {
                    Found::Valid { expr, .. } => Some((l.trim().to_string(), *expr)),
                    Found::Invalid { reason } => {
                        problems.error(
                            path.key("license"),
                            format!("`{l}` is not a valid SPDX expression: {reason}"),
                        );
                        continue;
                    }
                },
            };
            keywords.push(
                n.keywords
                    .iter()
                    .filter(|k| !k.trim().is_empty())
                    .cloned()
                    .collect(),
            );
            list.push(Notice {
                description: n.description.unwrap_or_else(|| format!("`{}` text", n.id)),
                id: n.id,
                license,
                regex,
                only_unlicensed: n.only_unlicensed,
            });
        }

        let mut fingerprints = Vec::new();
        for (i, f) in data.license_file.iter().enumerate() {
            let path = data_key.key("license_file").index(i);
            let all: Vec<Regex> = f
                .all
                .iter()
                .filter_map(|p| ci(p, &path, problems))
                .collect();
            fingerprints.push(Fingerprint {
                license: f.license.clone(),
                all,
            });
        }
        let pointers = data
            .pointer
            .iter()
            .enumerate()
            .filter_map(|(i, p)| ci(&p.pattern, &data_key.key("pointer").index(i), problems))
            .collect();
        let mut comments_by_ext = HashMap::new();
        let mut comments_by_name = HashMap::new();
        for c in data.comment {
            for e in c.extensions {
                comments_by_ext.insert(e.to_ascii_lowercase(), c.template.clone());
            }
            for n in c.names {
                comments_by_name.insert(n, c.template.clone());
            }
        }
        let notices = match Notices::build(list, keywords) {
            Ok(n) => n,
            Err(e) => {
                problems.error(key.clone(), e);
                return None;
            }
        };
        (problems.0.len() == before).then_some(Knowledge {
            notices,
            fingerprints,
            pointers,
            comments_by_ext,
            comments_by_name,
        })
    }

    /// The licence a licence file holds, as an SPDX expression, when its
    /// text is recognised: its own SPDX tag, a fingerprint, or a pointer
    /// naming two licences.
    pub fn classify(&self, text: &str) -> Option<String> {
        let mut lines = text.lines();
        for _ in 0..10 {
            let Some(l) = lines.next() else { break };
            if let Some(v) = super::header::tag_value(l) {
                if !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
        // Fingerprints are phrases: compare with whitespace collapsed.
        let head = &text[..floor_boundary(text, 256 * 1024)];
        let norm = head.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(f) = self
            .fingerprints
            .iter()
            .find(|f| !f.all.is_empty() && f.all.iter().all(|r| r.is_match(&norm)))
        {
            return Some(f.license.clone());
        }
        for p in &self.pointers {
            if let Some(c) = p.captures(&norm) {
                let a = c.name("a").and_then(|m| expr::id_for_name(m.as_str()));
                let b = c.name("b").and_then(|m| expr::id_for_name(m.as_str()));
                if let (Some(a), Some(b)) = (a, b) {
                    return Some(format!("{a} OR {b}"));
                }
            }
        }
        None
    }

    /// The licence whose terms a comment block spells out (the lines around
    /// an all-rights-reserved notice, say), by fingerprint only.
    pub fn classify_block<'a>(&self, lines: impl Iterator<Item = &'a str>) -> Option<&str> {
        let norm = lines
            .map(super::header::strip_leader)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        self.fingerprints
            .iter()
            .find(|f| !f.all.is_empty() && f.all.iter().all(|r| r.is_match(&norm)))
            .map(|f| f.license.as_str())
    }

    /// How a header is written in this file, `{}` standing for the tag and
    /// expression; `Some("")` for formats without comments (they take a
    /// `.license` sidecar); `None` when the file type is not known.
    pub fn comment_template(&self, path: &str) -> Option<&str> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some(t) = self.comments_by_name.get(name) {
            return Some(t);
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        self.comments_by_ext.get(&ext).map(String::as_str)
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge() -> Knowledge {
        let mut p = Problems::default();
        let k = Knowledge::compile(&[], &[], &[], &KeyPath::of(&["licensing"]), &mut p);
        assert!(p.is_empty(), "{:?}", p.0);
        k.expect("data compiles")
    }

    fn line_notice(k: &Knowledge, line: &str) -> Option<String> {
        k.notices
            .first_in_line(line)
            .map(|i| k.notices.list[i].id.clone())
    }

    /// Joins words at runtime so this source never holds the phrases.
    fn w(words: &[&str]) -> String {
        words.join(" ")
    }

    #[test]
    fn the_data_file_does_not_match_itself() {
        let k = knowledge();
        for (n, line) in DATA.lines().enumerate() {
            assert_eq!(
                line_notice(&k, line),
                None,
                "licenses.toml:{}: {line}",
                n + 1
            );
        }
        assert!(k.classify(DATA).is_none());
    }

    #[test]
    fn notices_are_found_and_ranked() {
        let k = knowledge();
        let gnu = w(&["GNU", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &format!(" * under the {gnu} as")),
            Some("gpl".into())
        );
        let lesser = w(&["GNU", "Lesser", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &format!("// {lesser}")),
            Some("lgpl".into())
        );
        let arr = w(&["All", "Rights", "Reserved."]);
        assert_eq!(
            line_notice(&k, &format!("// Copyright 2020 Acme. {arr}")),
            Some("all-rights-reserved".into())
        );
        let nc = w(&["CC", "BY-NC-SA", "4.0"]);
        assert_eq!(
            line_notice(&k, &format!("Licensed {nc}")),
            Some("cc-noncommercial".into())
        );
        let short = w(&["licensed", "under", "the", "GPLv3"]);
        assert_eq!(
            line_notice(&k, &format!("This is {short}.")),
            Some("gpl-short".into())
        );
        // near misses
        for ok in [
            "commercial or non-commercial, and by any",
            "a copyleft license such as the GPL, LGPL, MPL",
            "the general public were present",
            "x86_64-unknown-linux-gnu",
            "rights are reserved for later",
        ] {
            assert_eq!(line_notice(&k, ok), None, "{ok}");
        }
    }

    #[test]
    fn whole_text_scan_matches_line_scan() {
        let k = knowledge();
        let gnu = w(&["GNU", "General", "Public", "License"]);
        let text = format!("a\r\nb gnu\r\nunder the {gnu}\r\nlast {gnu}");
        let mut f =
            crate::model::FileChange::new("x".into(), crate::model::Status::Added, 0, 0o100644);
        f.set_text(text);
        let hits = k.notices.scan_text(&f.text, &f.line_starts);
        assert_eq!(hits.iter().map(|h| h.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn licence_files_are_classified() {
        let k = knowledge();
        let mit = format!(
            "MIT License\n\nCopyright (c) 2024 Jane\n\n{} {} {} {},\nto any person obtaining a copy\nof this software.\n\nThe {} {} {} and this permission notice shall be included in all\ncopies.",
            "Permission", "is", "hereby", "granted, free of charge", "above", "copyright", "notice"
        );
        assert_eq!(k.classify(&mit).as_deref(), Some("MIT"));
        let gpl3 = format!(
            "                    {}\n                       Version 3, 29 June 2007\n",
            w(&["GNU", "GENERAL", "PUBLIC", "LICENSE"])
        );
        assert_eq!(k.classify(&gpl3).as_deref(), Some("GPL-3.0-only"));
        let lgpl = format!(
            "{}\nVersion 2.1, February 1999",
            w(&["GNU", "LESSER", "GENERAL", "PUBLIC", "LICENSE"])
        );
        assert_eq!(k.classify(&lgpl).as_deref(), Some("LGPL-2.1-only"));
        let apache = "                                 Apache License\n                           Version 2.0, January 2004\n";
        assert_eq!(k.classify(apache).as_deref(), Some("Apache-2.0"));
        let pointer = "This project is dual-licensed under the Unlicense and MIT licenses.\n\nYou may use this code under the terms of either license.\n";
        assert_eq!(k.classify(pointer).as_deref(), Some("Unlicense OR MIT"));
        let unl = "This is free and unencumbered software released into the public domain.\n";
        assert_eq!(k.classify(unl).as_deref(), Some("Unlicense"));
        assert_eq!(k.classify("Do what you like, mostly.\n"), None);
        assert_eq!(
            k.classify("SPDX-License-Identifier: BSD-3-Clause\n")
                .as_deref(),
            Some("BSD-3-Clause")
        );
        let block = [
            "# Copyright (c) 2011 Someone",
            "# Redistribution and use in source and binary forms, with or without",
            "# modification, are permitted provided that the following conditions are met:",
            "#     * Neither the name of the project nor the",
            "#       names of its contributors may be used",
        ];
        assert_eq!(k.classify_block(block.into_iter()), Some("BSD-3-Clause"));
        assert_eq!(k.classify_block(block[..1].iter().copied()), None);
    }

    #[test]
    fn policy_notices_and_phrases() {
        let mut p = Problems::default();
        let extra = vec![RawNotice {
            id: "gpl".into(),
            description: None,
            license: Some("GPL-3.0-only".into()),
            keywords: vec!["frob".into()],
            pattern: r"frobnicate\s+licen[cs]e".into(),
            only_unlicensed: false,
        }];
        let k = Knowledge::compile(
            &extra,
            &["Internal use only".to_string()],
            &["all-rights-reserved".to_string()],
            &KeyPath::of(&["licensing"]),
            &mut p,
        )
        .expect("compiles");
        assert!(p.is_empty(), "{:?}", p.0);
        assert_eq!(
            line_notice(&k, "the Frobnicate  License"),
            Some("gpl".into())
        );
        let gnu = w(&["GNU", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &gnu),
            None,
            "replaced by the policy's entry"
        );
        assert_eq!(
            line_notice(&k, "for INTERNAL use\tonly!"),
            Some("phrase-1".into())
        );
        assert_eq!(line_notice(&k, &w(&["All", "rights", "reserved"])), None);

        let mut p = Problems::default();
        let bad = vec![RawNotice {
            id: "x".into(),
            description: None,
            license: Some("GPL-3.O".into()),
            keywords: vec![],
            pattern: "(".into(),
            only_unlicensed: false,
        }];
        assert!(Knowledge::compile(
            &bad,
            &[],
            &["all-rights-reservd".to_string()],
            &KeyPath::of(&["licensing"]),
            &mut p
        )
        .is_none());
        let msgs: Vec<String> =
            p.0.iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("did you mean `all-rights-reserved`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("licensing.notices[x].keywords")),
            "{msgs:?}"
        );
    }

    #[test]
    fn comment_templates() {
        let k = knowledge();
        assert_eq!(k.comment_template("src/a.rs"), Some("// {}"));
        assert_eq!(k.comment_template("x/Makefile"), Some("# {}"));
        assert_eq!(k.comment_template("logo.PNG"), Some(""));
        assert_eq!(k.comment_template("README"), None);
    }
}
