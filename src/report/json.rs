//! `--format json`: one document, streamed finding by finding.
//!
//! Shape (schema_version 1):
//! `{"schema_version":1,"findings":[Finding…],"summary":{"commits":N,"errors":N,"warnings":N,"suppressed":N}}`;
//! a run that stops on an error (exit status 2) still ends the document,
//! with `"error":"…"` before the summary of what was checked.

use std::io::Write;

use super::shared::Reporter;
use crate::diag::{Finding, Summary};

/// The version of the JSON shape; bumped on any incompatible change.
const SCHEMA_VERSION: u32 = 1;

/// Streams the findings as one JSON document; the summary closes it.
pub(crate) struct JsonReporter<'w> {
    out: Box<dyn Write + 'w>,
    started: bool,
    count: usize,
}

impl<'w> JsonReporter<'w> {
    /// A reporter writing to `out`.
    pub(crate) fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonReporter {
            out,
            started: false,
            count: 0,
        }
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                self.out,
                "{{\"schema_version\":{SCHEMA_VERSION},\"findings\":["
            )?;
        }
        Ok(())
    }
}

impl Reporter for JsonReporter<'_> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.start()?;
        if self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.count += 1;
        serde_json::to_writer(&mut self.out, f)?;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.start()?;
        write!(self.out, "],\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()
    }

    /// Ends the document with an `error` member before the summary of what
    /// was checked.
    fn fail(&mut self, summary: &Summary, error: &str) -> std::io::Result<()> {
        self.start()?;
        write!(self.out, "],\"error\":")?;
        serde_json::to_writer(&mut self.out, error)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()
    }
}
