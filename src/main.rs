//! The thin edge: parse arguments, run, map the outcome to an exit code
//! (0 passed, 1 policy violated, 2 usage, configuration or internal error).

use std::process::ExitCode;

use clap::Parser;
use policy_check::app::{self, Exit};
use policy_check::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let level = match cli.global.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(|| LogWriter)
        .with_target(false)
        .without_time()
        .init();

    match app::run(cli.command, &cli.global) {
        Ok(Exit::Passed) => ExitCode::SUCCESS,
        Ok(Exit::Violated) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(2);
            }
            // An error may quote a path, a ref or a line from the repository.
            eprintln!(
                "policy-check: error: {}",
                policy_check::report::escape(&format_error(&e))
            );
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line each, most general first.
fn format_error(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// stderr for `-v` log lines, escaped as reports escape pushed text: a log
/// line may quote a path, ref or line from the repository (a server hook
/// run with `-v` shows it to the pusher), so its control and bidi
/// characters are written as `\x1b`, `\u{202e}`; line ends are kept.
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&policy_check::report::escape_cow(line));
        }
        std::io::stderr().write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
