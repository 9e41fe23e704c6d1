//! The one test helper: real repositories in temporary directories, driven
//! by the real `git` binary and the real `policy-check` binary, with a
//! hermetic git configuration (no user or system config leaks in).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

mod noise;
#[allow(unused_imports, reason = "only some test crates make noise")]
pub use noise::noise;

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_policy-check");

/// A temporary home with a git config of its own, shared by the repositories of one test.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n\
             [init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n\
             [advice]\n\tdetachedHead = false\n[protocol \"file\"]\n\tallow = always\n",
        )
        .expect("write gitconfig");
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Applies the hermetic environment to a command.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("GIT_CONFIG_GLOBAL", self.path().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("POLICY_CHECK_POLICY")
            .env_remove("POLICY_CHECK_TODAY")
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL");
    }

    /// A new non-bare repository at `name` inside the sandbox.
    pub fn repo(&self, name: &str) -> Repo<'_> {
        let path = self.path().join(name);
        std::fs::create_dir_all(&path).expect("mkdir");
        let r = Repo { sb: self, path };
        r.git(&["init", "-q"]);
        r
    }

    /// A new bare repository at `name` inside the sandbox.
    pub fn bare(&self, name: &str) -> Repo<'_> {
        let path = self.path().join(name);
        std::fs::create_dir_all(&path).expect("mkdir");
        let r = Repo { sb: self, path };
        r.git(&["init", "-q", "--bare"]);
        r
    }

    /// Runs `git` in `dir`; returns the raw output.
    pub fn git_in(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        run(cmd, stdin)
    }

    /// Runs policy-check in `dir`.
    pub fn pc_in(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        Run::from(run(cmd, stdin))
    }
}

fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(input) = stdin {
        let mut w = child.stdin.take().expect("stdin");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&input);
        });
    }
    child.wait_with_output().expect("wait")
}

/// The result of running policy-check.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Parses `--format json` output.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Rule ids of the findings in `--format json` output, in order.
    pub fn rules(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule"].as_str().expect("rule").to_string())
            .collect()
    }
}

/// A repository in a sandbox.
pub struct Repo<'s> {
    pub sb: &'s Sandbox,
    pub path: PathBuf,
}

impl Repo<'_> {
    /// Runs git and asserts it succeeded; returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let o = self.sb.git_in(&self.path, args, None);
        assert!(
            o.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim_end().to_string()
    }

    /// The file of a loose object (a blob just committed is one).
    pub fn loose_object(&self, oid: &str) -> PathBuf {
        self.path
            .join(".git/objects")
            .join(&oid[..2])
            .join(&oid[2..])
    }

    /// Runs git with stdin; returns the raw output, whatever the status.
    pub fn git_raw(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        self.sb.git_in(&self.path, args, stdin)
    }

    /// Writes a file (creating directories).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    /// Stages everything and commits with `message` verbatim; returns the new HEAD id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        let o = self.sb.git_in(
            &self.path,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--cleanup=verbatim",
                "-F",
                "-",
            ],
            Some(message.as_bytes()),
        );
        assert!(
            o.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        self.head()
    }

    /// Commits as another author (`Name <email>`).
    pub fn commit_as(&self, author: &str, message: &str) -> String {
        self.git(&["add", "-A"]);
        let o = self.sb.git_in(
            &self.path,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--cleanup=verbatim",
                "--author",
                author,
                "-F",
                "-",
            ],
            Some(message.as_bytes()),
        );
        assert!(
            o.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        self.head()
    }

    /// Writes one file and commits it.
    pub fn commit_file(&self, rel: &str, content: impl AsRef<[u8]>, message: &str) -> String {
        self.write(rel, content);
        self.commit(message)
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs policy-check in this repository.
    pub fn pc(&self, args: &[&str]) -> Run {
        self.sb.pc_in(&self.path, args, None)
    }

    /// Runs policy-check with extra environment variables (e.g. the
    /// injectable clock `POLICY_CHECK_TODAY`).
    pub fn pc_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(&self.path);
        self.sb.env(&mut cmd);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(run(cmd, None))
    }

    /// (rule, path, line) of each finding of HEAD, and the exit code
    /// (asserted to be 0 or 1: a finding, not an error).
    pub fn findings(&self) -> (i32, Vec<(String, String, u64)>) {
        let run = self.pc(&["check", "--format", "json", "HEAD"]);
        assert!(
            run.code == 0 || run.code == 1,
            "exit {}: {}",
            run.code,
            run.stderr
        );
        let list = run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["path"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        (run.code, list)
    }

    /// Runs policy-check with stdin.
    pub fn pc_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.sb.pc_in(&self.path, args, Some(stdin))
    }

    /// Writes `.policy-check.toml` (not committed).
    pub fn policy(&self, toml: &str) {
        self.write(".policy-check.toml", toml);
    }
}

/// A path under the shared data beside the checkout (`../shared`, or
/// `$POLICY_CHECK_SHARED` when set), or `None` with a note when absent.
/// Under CI (`CI=true`) it must be there.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("POLICY_CHECK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let p = base.join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is absent under CI",
        p.display()
    );
    eprintln!(
        "skipping: {} is absent (../shared is not here)",
        p.display()
    );
    None
}

/// A git bundle from `../shared/corpora`, or `None` (with a note) when absent.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora")
        .join(format!("{name}.bundle"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} is absent (../shared is not here)",
            p.display()
        );
        None
    }
}

/// Clones a corpus bundle into the sandbox; `None` when the corpus is absent.
pub fn clone_corpus<'s>(sb: &'s Sandbox, name: &str) -> Option<Repo<'s>> {
    let bundle = corpus(name)?;
    let dest = sb.path().join(name);
    let o = sb.git_in(
        sb.path(),
        &[
            "clone",
            "-q",
            bundle.to_str().expect("utf-8 path"),
            dest.to_str().expect("utf-8"),
        ],
        None,
    );
    assert!(
        o.status.success(),
        "clone {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(Repo { sb, path: dest })
}

/// A bare server repository at `name` whose hooks were installed by
/// `policy-check install --server --policy FILE`, FILE holding `policy`.
/// `extra` goes to `install` (e.g. `--update`).
pub fn install_server<'s>(sb: &'s Sandbox, name: &str, policy: &str, extra: &[&str]) -> Repo<'s> {
    let bare = sb.bare(name);
    let file = sb
        .path()
        .join(format!("{}.policy.toml", name.replace(['/', ':'], "_")));
    std::fs::write(&file, policy).expect("policy");
    let mut args = vec![
        "install",
        "--server",
        "--policy",
        file.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let run = bare.pc(&args);
    assert_eq!(run.code, 0, "install --server: {}", run.stderr);
    bare
}

/// `git push ARGS` from `repo`: whether it succeeded, and its stderr (where
/// the server hook's output arrives as `remote:` lines), bytes as they are.
pub fn push_raw(repo: &Repo, args: &[&str]) -> (bool, Vec<u8>) {
    let o = repo.git_raw(&[&["push"], args].concat(), None);
    (o.status.success(), o.stderr)
}
