//! AI-trace detection over an arbitrary commit message, author and
//! committer, through the public engine with a `no-ai` policy that also
//! reads prose: no panic, and every finding on a line the message has.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::message::Message;
use policy_check::model::{Change, Identity};
use policy_check::policy::{Policy, Run, Source};

fuzz_target!(|data: &[u8]| {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        let text = "[disclosure]\nrequired = \"forbidden\"\n[ai]\nprose = true\n";
        Policy::load(Source::text("fuzz.toml", text)).expect("the policy loads")
    });
    // The first two lines of the input name the author and the committer
    // (`Name <email>` split at the last `<`), the rest is the message.
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let who = |line: Option<&[u8]>| {
        let line = String::from_utf8_lossy(line.unwrap_or_default()).into_owned();
        let (name, email) = line.rsplit_once('<').unwrap_or((line.as_str(), ""));
        Some(Identity {
            name: name.trim().to_string(),
            email: email.trim_end_matches('>').to_string(),
            time: 0,
        })
    };
    let author = who(parts.next());
    let committer = who(parts.next());
    let msg = parts.next().unwrap_or_default();
    let message = Message::parse(msg, None, "#");
    let lines = message.text.split('\n').count() as u32;
    let change = Change {
        id: "0".repeat(40),
        author,
        committer,
        message: Some(message),
        ..Change::default()
    };
    let run = Run::new(policy);
    for f in &policy_check::engine::check(&run, &change).findings {
        if let Some(line) = f.line {
            assert!(line >= 1 && line <= lines.max(1) + 1, "line {line} of {lines}");
        }
    }
});
