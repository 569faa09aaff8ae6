//! Checks across the stages: how big each one is, and (from stage 2) what
//! each adds to the one before.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The workspace's `crates/` folder.
pub fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates")
}

/// Every stage crate (`stepNN_*`), in stage order.
pub fn stages() -> Vec<PathBuf> {
    let mut stages: Vec<PathBuf> = fs::read_dir(crates_dir())
        .expect("crates/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().unwrap().to_string_lossy().starts_with("step")
        })
        .collect();
    stages.sort();
    stages
}

/// Code lines of a stage's runtime: lines in `src/` that are not blank and
/// not comments only, leaving out the demo binary `src/main.rs`.
pub fn code_lines(stage: &Path) -> usize {
    io_lines(stage) + core_lines(stage)
}

/// The files of a stage that do what Python's `selectors` and `socket`
/// modules do for asyncio: the selector and the sockets.
const IO_FILES: [&str; 2] = ["selector.rs", "net.rs"];

/// Code lines of the selector and the sockets.
pub fn io_lines(stage: &Path) -> usize {
    lines_where(stage, |name| IO_FILES.contains(&name))
}

/// Code lines of the asyncio core: the loop, tasks, timers, interval and
/// gather, everything but the selector, the sockets and the demo.
pub fn core_lines(stage: &Path) -> usize {
    lines_where(stage, |name| name != "main.rs" && !IO_FILES.contains(&name))
}

/// Code lines of the files in a stage's `src/` whose names `pick` takes.
fn lines_where(stage: &Path, pick: impl Fn(&str) -> bool) -> usize {
    rust_files(&stage.join("src"))
        .iter()
        .filter(|file| pick(&file.file_name().unwrap().to_string_lossy()))
        .map(|file| count_code_lines(&fs::read_to_string(file).unwrap()))
        .sum()
}

/// Lines that are neither blank nor start with `//` (so `///` and `//!`
/// docs are not code).
pub fn count_code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A table of each stage's size, for `cargo run -p checks`: in all, and
/// split into the asyncio core and the selector and sockets.
pub fn size_report() -> String {
    let mut report = String::from(
        "stage              code lines   core   selector+sockets\n",
    );
    for stage in stages() {
        let name = stage.file_name().unwrap().to_string_lossy().into_owned();
        let (core, io) = (core_lines(&stage), io_lines(&stage));
        report += &format!("{name:<18} {:>10} {core:>6} {io:>18}\n", core + io);
    }
    report
}

/// What stage `to` adds to stage `from`, as the book shows it: a unified
/// diff of their `src/` and `Cargo.toml`, with one line of context, each
/// hunk numbered (`[3]`) for the chapter's notes to name. What would only
/// repeat the chapter is left out: the `ANCHOR` lines, the workbook's
/// exercise markers, the crate's `//!`
/// header in `src/lib.rs` (what the stage adds, which the chapter opens
/// with), the demo (`src/main.rs`), and the body of a new file, which is
/// named instead.
/// Lines that differ only by the crate's name are not shown either:
/// `from`'s name is read as `to`'s before comparing.
pub fn stage_diff(from: &str, to: &str) -> String {
    // A folder of its own for each call, as tests run in parallel.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let name = format!("stage-diff-{}-{call}", std::process::id());
    let work = std::env::temp_dir().join(name);
    let _ = fs::remove_dir_all(&work);
    for (stage, side) in [(from, "a"), (to, "b")] {
        let source = crates_dir().join(stage);
        let mut files = rust_files(&source.join("src"));
        files.retain(|file| !file.ends_with("src/main.rs"));
        files.push(source.join("Cargo.toml"));
        for file in files {
            let relative = file.strip_prefix(&source).unwrap();
            let copy = work.join(side).join(relative);
            fs::create_dir_all(copy.parent().unwrap()).unwrap();
            let text = fs::read_to_string(&file).unwrap().replace(from, to);
            // The workbook's markers are not what the chapter teaches.
            let text = workbook::exercise::strip_markers(&text);
            let lib = relative == Path::new("src/lib.rs");
            let kept = text.lines().filter(|line| {
                let line = line.trim_start();
                let anchor = line.starts_with("// ANCHOR: ")
                    || line.starts_with("// ANCHOR_END: ");
                let header = lib && line.starts_with("//!");
                !anchor && !header
            });
            fs::write(
                copy,
                kept.map(|line| line.to_string() + "\n").collect::<String>(),
            )
            .unwrap();
        }
    }
    let output = std::process::Command::new("diff")
        .args(["-r", "-U1", "a", "b"])
        .current_dir(&work)
        .output()
        .expect("diff(1) runs");
    // Exit status 1 means "the files differ", which is the point.
    assert!(output.status.code() == Some(1), "diff failed: {output:?}");
    let diff = String::from_utf8(output.stdout).unwrap();
    let mut shown = Vec::new();
    let mut hunks = 0;
    for line in diff.lines() {
        if let Some(only) = line.strip_prefix("Only in b/") {
            // "Only in b/src: timer.rs": a new file, named.
            let path = only.replace(": ", "/");
            let lines = fs::read_to_string(work.join("b").join(&path))
                .unwrap()
                .lines()
                .count();
            shown.push(format!(
                "new file crates/{to}/{path}: {lines} lines, explained in the chapter"
            ));
        } else if line.starts_with("diff ") {
            continue;
        } else if line.starts_with("@@") {
            hunks += 1;
            shown.push(format!("{line} [{hunks}]"));
        } else {
            // File headers: real paths, and no timestamps.
            let line = line.split('\t').next().unwrap();
            let line = line.replace(" a/", &format!(" crates/{from}/"));
            shown.push(line.replace(" b/", &format!(" crates/{to}/")));
        }
    }
    fs::remove_dir_all(&work).unwrap();
    shown.join("\n") + "\n"
}
