//! Running a stage's tests with cargo, and reading what it printed: each
//! test's verdict and output, or the compiler's first error.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// One test's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The test, as `file::name`: `trace::single_task`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What it printed, if it failed: its panic, an insta diff...
    pub output: String,
}

/// What a run of cargo came to.
#[derive(Debug)]
pub enum Run {
    /// The code did not compile: the compiler's first error, and where.
    Compile {
        /// The error, as the compiler printed it.
        message: String,
        /// Its file (relative to the crate) and line, if it gave one.
        at: Option<(String, usize)>,
    },
    /// The tests ran: each one's verdict.
    Tests(Vec<Outcome>),
}

/// What the output of a run stopped for taking too long ends with.
pub const TIMED_OUT: &str = "\n(stopped: it took too long)\n";

/// Runs `cargo` with `args` in the crate at `dir`, building into
/// `target`; `env` is added to its environment. Returns all it printed,
/// stdout and stderr as they came, and whether it succeeded. Past
/// `limit`, if one is given, cargo and whatever it started are stopped,
/// and the output ends with [`TIMED_OUT`].
pub fn cargo(
    dir: &Path,
    target: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Option<Duration>,
) -> (String, bool) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let (mut reader, writer) =
        std::io::pipe().expect("a pipe for cargo's output");
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("a pipe"))
        .stderr(writer)
        // A group of its own, so that a test binary it started can be
        // stopped with it.
        .process_group(0);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("cargo runs");
    // The command holds the pipe's writing ends: dropped, the read below
    // ends when cargo does.
    drop(command);
    let read = thread::spawn(move || {
        let mut output = String::new();
        let _ = reader.read_to_string(&mut output);
        output
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("cargo's status") {
            break Some(status);
        }
        if limit.is_some_and(|limit| start.elapsed() > limit) {
            // The whole group: cargo, and the test binary it runs.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            timed_out = true;
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let mut output = read.join().unwrap_or_default();
    if timed_out {
        output.push_str(TIMED_OUT);
    }
    (output, status.is_some_and(|s| s.success()))
}

/// What `cargo test` printed, read: the tests' verdicts, or, if nothing
/// ran, the compiler's first error.
pub fn read_test_run(output: &str) -> Run {
    let outcomes = outcomes(output);
    match first_error(output) {
        Some((message, at)) if outcomes.is_empty() => {
            Run::Compile { message, at }
        }
        _ => Run::Tests(outcomes),
    }
}

/// Each test's verdict, named by its file: a test binary's tests follow
/// the line `Running tests/trace.rs (...)` that cargo prints before it.
pub fn outcomes(output: &str) -> Vec<Outcome> {
    let mut found: Vec<Outcome> = Vec::new();
    let mut binary = String::new();
    let mut failure: Option<(String, String)> = None;
    let flush = |failure: &mut Option<(String, String)>,
                 found: &mut Vec<Outcome>| {
        // The output under `---- name stdout ----` is that test's.
        let Some((name, text)) = failure.take() else { return };
        if let Some(outcome) = found.iter_mut().rev().find(|o| o.name == name) {
            outcome.output = text;
        }
    };
    for line in output.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            flush(&mut failure, &mut found);
            // `tests/trace.rs (target/...)`, or `unittests src/lib.rs (...)`.
            let path = rest
                .trim_start_matches("unittests ")
                .split(' ')
                .next()
                .unwrap_or("");
            let stem = Path::new(path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            binary = stem.unwrap_or_default();
        } else if let Some(rest) = line.strip_prefix("test ") {
            let Some((name, verdict)) = rest.rsplit_once(" ... ") else {
                continue;
            };
            if verdict == "ignored" || name.contains(' ') {
                continue;
            }
            let name = format!("{binary}::{name}");
            found.push(Outcome {
                name,
                passed: verdict == "ok",
                output: String::new(),
            });
        } else if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            flush(&mut failure, &mut found);
            failure = Some((format!("{binary}::{name}"), String::new()));
        } else if line == "failures:" || line.starts_with("test result:") {
            flush(&mut failure, &mut found);
        } else if let Some((_, text)) = &mut failure {
            text.push_str(line);
            text.push('\n');
        }
    }
    flush(&mut failure, &mut found);
    found
}

/// The compiler's first error in cargo's output, as it printed it, and
/// its file and line if it gave one.
pub fn first_error(output: &str) -> Option<(String, Option<(String, usize)>)> {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines.iter().position(|l| {
        l.starts_with("error") && !l.starts_with("error: could not compile")
    })?;
    // The error runs to the next message at the margin, or a blank line
    // followed by one.
    let end = (start + 1..lines.len())
        .find(|&i| {
            let l = lines[i];
            l.starts_with("error")
                || l.starts_with("warning")
                || l.starts_with("For more")
        })
        .unwrap_or(lines.len());
    let message = lines[start..end].join("\n").trim_end().to_string();
    let at = lines[start..end].iter().find_map(|l| {
        let place = l.trim().strip_prefix("--> ")?;
        let mut parts = place.split(':');
        let file = parts.next()?.to_string();
        let line = parts.next()?.parse().ok()?;
        Some((file, line))
    });
    Some((message, at))
}
