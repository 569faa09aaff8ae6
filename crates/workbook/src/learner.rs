//! The learner's workbook on disk: a folder with one crate per stage
//! started (`workbook/step01_tasks`, ...), each the stage's own code with
//! its exercises cut out, and a note of which stage is current.
//!
//! Nothing of the learner's is deleted without a copy: a stage started
//! again over their work, or a hole put back, first goes to
//! `workbook/.backup/`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::exercise::{self, Exercise};
use crate::explain;
use crate::merge::{self, Conflict};
use crate::stage::{self, Stage, all_files, root, shown, source_files, stages};
use crate::tests_run::{self, Outcome, Run};

/// A learner's workbook folder.
pub struct Workbook {
    /// The folder: `workbook/` at the repository's root, by default.
    pub dir: PathBuf,
}

/// How long a stage's tests may run, once built: they take seconds.
const TEST_TIME: std::time::Duration = std::time::Duration::from_secs(120);

/// The workbook's folder in the repository's `target/`, apart from the
/// project's own build.
pub fn target_dir() -> PathBuf {
    root().join("target/workbook")
}

/// Where the crate in `dir` builds: a folder of its own for each place a
/// crate is in. Every copy of a stage has the same name, and cargo, which
/// names a crate's build by its name, would take one copy's build for
/// another's.
pub fn build_dir(dir: &Path) -> PathBuf {
    let place = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&place, &mut hasher);
    let hash = std::hash::Hasher::finish(&hasher);
    target_dir().join(format!("build-{hash:016x}"))
}

impl Workbook {
    /// The workbook in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Workbook { dir }
    }

    /// Where the learner's copy of `stage` is.
    pub fn crate_dir(&self, stage: &Stage) -> PathBuf {
        self.dir.join(&stage.name)
    }

    /// The stage the learner works on: the one started last.
    pub fn current(&self) -> Result<Stage, String> {
        let none = || {
            format!(
                "no workbook in {}: start one with `cargo run -p workbook -- \
                 start 1`",
                self.dir.display()
            )
        };
        let text = fs::read_to_string(self.dir.join(".current"))
            .map_err(|_| none())?;
        let stage = stage::stage(text.trim()).map_err(|_| none())?;
        if !self.crate_dir(&stage).exists() {
            return Err(none());
        }
        Ok(stage)
    }

    /// Makes the learner's copy of `stage`: on the learner's own copy of
    /// the stage before, unless `from_reference` or it is the first. A
    /// copy already there is kept in `.backup/` if `force`, else left
    /// alone, and the start refused.
    pub fn start(
        &self,
        stage: &Stage,
        from_reference: bool,
        force: bool,
    ) -> Result<String, String> {
        let dest = self.crate_dir(stage);
        let mut report = String::new();
        if dest.exists() {
            if !force {
                return Err(format!(
                    "{} already holds your work on stage {}: `check` it, or \
                     start it again with --force, which keeps a copy of it \
                     in {} first",
                    dest.display(),
                    stage.number,
                    self.dir.join(".backup").display()
                ));
            }
            let kept = self.back_up(&dest)?;
            fs::remove_dir_all(&dest)
                .map_err(|e| format!("{}: {e}", dest.display()))?;
            writeln!(
                report,
                "Your earlier copy of stage {} is kept in {}.",
                stage.number,
                shown(&kept)
            )
            .unwrap();
        }
        let reference = stage.dir();
        let before =
            stages().into_iter().find(|s| s.number + 1 == stage.number);
        let own = match (&before, from_reference) {
            (Some(before), false) => Some(self.own_stage_before(before)?),
            _ => None,
        };
        // The tests, the examples and the demo, as the stage has them.
        for file in all_files(&reference) {
            let name = file.to_string_lossy();
            if name.starts_with("src/") && name.ends_with(".rs")
                || name.ends_with(".snap.new")
            {
                continue;
            }
            copy(&reference.join(&file), &dest.join(&file))?;
        }
        // The source, with this stage's exercises cut out, on the learner's
        // own code if they bring it.
        let mut conflicts = Vec::new();
        for file in source_files(&reference.join("src"))
            .into_iter()
            .chain(["main.rs".into()])
        {
            let text = read(&reference.join("src").join(&file))?;
            let (theirs, _) =
                exercise::cut(&file, &text, |e| e.stage == stage.number)?;
            let merged = match (&own, &before) {
                (Some(own), Some(before))
                    if before.dir().join("src").join(&file).exists() =>
                {
                    let base = read(&before.dir().join("src").join(&file))?;
                    let ours = read(&own.join("src").join(&file))
                        .unwrap_or_else(|_| base.clone());
                    let (merged, found) = merge::merge(&base, &ours, &theirs);
                    // Each clash, by the function it is in, and whether that
                    // function is one of this stage's exercises.
                    for Conflict { base_lines, .. } in found {
                        let at = base_lines.0 - 1;
                        let item = fn_name(&base, at).unwrap_or_default();
                        let own = exercise::parse(&file, &theirs)?;
                        let exercise = own.into_iter().find(|e| {
                            e.stage == stage.number
                                && fn_name(&theirs, e.marker).as_ref()
                                    == Some(&item)
                        });
                        conflicts.push((file.clone(), item, exercise));
                    }
                    merged
                }
                _ => theirs,
            };
            write(&dest.join("src").join(&file), &merged)?;
        }
        write(&dest.join("Cargo.toml"), &manifest(stage)?)?;
        copy(&root().join("Cargo.lock"), &dest.join("Cargo.lock"))?;
        write(&self.dir.join(".current"), &format!("{}\n", stage.number))?;
        write(&self.dir.join("README.md"), README)?;
        let from = match (&own, &before) {
            (Some(own), Some(_)) => format!(
                "on your own stage {}, in {}",
                stage.number - 1,
                shown(own)
            ),
            _ => "from the reference stage".to_string(),
        };
        writeln!(
            report,
            "Started stage {} in {}, {from}.",
            stage.number,
            shown(&dest)
        )
        .unwrap();
        let mine = self.crate_dir(before.as_ref().unwrap_or(stage));
        for (file, item, exercise) in &conflicts {
            let what = match exercise {
                Some(e) => format!("it is this stage's {e}: a hole again"),
                None => "this stage changes it too: its version is used".into(),
            };
            let kept = shown(&mine.join("src").join(file));
            writeln!(
                report,
                "  `{item}` in src/{file}: {what}. Yours is in {kept}."
            )
            .unwrap();
        }
        let exercises = stage.exercises()?;
        writeln!(report, "\nIts {} exercises:", exercises.len()).unwrap();
        for e in &exercises {
            writeln!(
                report,
                "  {}.{} {:<12} src/{}",
                e.stage, e.number, e.name, e.file
            )
            .unwrap();
        }
        writeln!(
            report,
            "\nFill them in, then run `cargo run -p workbook -- check`."
        )
        .unwrap();
        Ok(report)
    }

    /// The learner's own copy of `before`, ready to build on: started,
    /// and no hole left in it.
    fn own_stage_before(&self, before: &Stage) -> Result<PathBuf, String> {
        let dir = self.crate_dir(before);
        if !dir.exists() {
            return Err(format!(
                "stage {} builds on your stage {}, and {} has none: do stage \
                 {} first (`start {}`), or start this one from the reference \
                 with --from-reference",
                before.number + 1,
                before.number,
                self.dir.display(),
                before.number,
                before.number
            ));
        }
        let holes: Vec<String> = stage::exercises_in(&dir)?
            .iter()
            .filter(|e| {
                let text =
                    read(&dir.join("src").join(&e.file)).unwrap_or_default();
                exercise::is_hole(e, &text)
            })
            .map(|e| e.to_string())
            .collect();
        if !holes.is_empty() {
            return Err(format!(
                "your stage {} still has holes ({}): fill them first, or start \
                 stage {} from the reference with --from-reference",
                before.number,
                holes.join(", "),
                before.number + 1
            ));
        }
        Ok(dir)
    }

    /// A copy of the learner's `stage` in `target/`, with each hole still
    /// open filled with the stage's own body; returns where.
    fn shadow(&self, stage: &Stage) -> Result<PathBuf, String> {
        let dir = self.crate_dir(stage);
        let shadow = target_dir().join("shadow").join(&stage.name);
        let _ = fs::remove_dir_all(&shadow);
        for file in all_files(&dir) {
            copy(&dir.join(&file), &shadow.join(&file))?;
        }
        for file in source_files(&stage.dir().join("src")) {
            let reference = read(&stage.dir().join("src").join(&file))?;
            let (_, taken) =
                exercise::cut(&file, &reference, |e| e.stage == stage.number)?;
            let path = shadow.join("src").join(&file);
            let Ok(mine) = read(&path) else { continue };
            let holes = exercise::parse(&file, &mine)?;
            let open: Vec<_> = taken
                .into_iter()
                .filter(|t| {
                    holes.iter().any(|e| {
                        (e.stage, e.number) == t.id
                            && exercise::is_hole(e, &mine)
                    })
                })
                .collect();
            write(&path, &exercise::fill(&file, &mine, &open)?)?;
        }
        Ok(shadow)
    }

    /// Copies `dir` into `.backup/`, under its name and the time; returns
    /// where.
    fn back_up(&self, dir: &Path) -> Result<PathBuf, String> {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let name = dir.file_name().unwrap().to_string_lossy();
        let kept = self.dir.join(".backup").join(format!("{name}-{secs}"));
        for file in all_files(dir) {
            copy(&dir.join(&file), &kept.join(&file))?;
        }
        Ok(kept)
    }

    /// Puts back the hole of exercise `which` (`1.3`, or its name) in the
    /// current stage, keeping a copy of the file first.
    pub fn reset(&self, which: &str) -> Result<String, String> {
        let stage = self.current()?;
        let dir = self.crate_dir(&stage);
        let all = stage::exercises_in(&dir)?;
        let found = all.iter().find(|e| {
            format!("{}.{}", e.stage, e.number) == which || e.name == which
        });
        let Some(exercise) = found else {
            let names: Vec<String> = all.iter().map(|e| e.label()).collect();
            return Err(format!(
                "no exercise {which:?} here: there are {}",
                names.join(", ")
            ));
        };
        let path = dir.join("src").join(&exercise.file);
        let text = read(&path)?;
        if exercise::is_hole(exercise, &text) {
            return Ok(format!("{exercise} is a hole already."));
        }
        let kept = self.back_up(&dir)?;
        // Cut from the reference, then put the learner's other exercises
        // back: only this one's body changes.
        let id = (exercise.stage, exercise.number);
        let (cut, _) = exercise::cut(&exercise.file, &text, |e| {
            (e.stage, e.number) == id
        })?;
        write(&path, &cut)?;
        Ok(format!(
            "{exercise} is a hole again, in src/{}. Your version is kept in {}.",
            exercise.file,
            kept.join("src").join(&exercise.file).display()
        ))
    }

    /// Runs the current stage's tests, and says how far the learner is:
    /// each exercise done or not, the next one, and why its tests fail.
    /// With `hint`, gives the next exercise's hint too.
    pub fn check(&self, hint: bool) -> Result<String, String> {
        let stage = self.current()?;
        let dir = self.crate_dir(&stage);
        // Where the exercises are in the learner's files, which they may
        // have changed around them, in the chapter's order.
        let mut mine: Vec<Exercise> = stage::exercises_in(&dir)?
            .into_iter()
            .filter(|e| e.stage == stage.number)
            .collect();
        mine.sort_by_key(|e| e.number);
        let texts: Vec<String> = mine
            .iter()
            .map(|e| read(&dir.join("src").join(&e.file)))
            .collect::<Result<_, _>>()?;
        let mut out = format!(
            "Stage {}: {}, in {}\n",
            stage.number,
            stage.title(),
            shown(&dir)
        );
        // Snapshots that failed last time are written again below.
        for file in all_files(&dir.join("tests")) {
            if file.to_string_lossy().ends_with(".snap.new") {
                let _ = fs::remove_file(dir.join("tests").join(file));
            }
        }
        // The learner's own crate is built first, with no time limit (the
        // first build takes a while): its errors name their lines.
        let env = [("INSTA_UPDATE", "new"), ("CI", "")];
        let target = build_dir(&dir);
        let (built, ok) =
            tests_run::cargo(&dir, &target, &["test", "--no-run"], &env, None);
        // Then its tests run, with a time limit (a loop that never ends
        // must not hang `check`), on a copy whose holes still open are
        // filled with the stage's own bodies: each exercise is tested on
        // its own, before the others are written.
        let (output, _) = match ok {
            true => {
                let shadow = self.shadow(&stage)?;
                let run = ["test", "--no-fail-fast"];
                let output = tests_run::cargo(
                    &shadow,
                    &build_dir(&shadow),
                    &run,
                    &env,
                    Some(TEST_TIME),
                );
                // The traces that went wrong, where the learner can see them.
                for file in all_files(&shadow.join("tests")) {
                    if file.to_string_lossy().ends_with(".snap.new") {
                        copy(
                            &shadow.join("tests").join(&file),
                            &dir.join("tests").join(&file),
                        )?;
                    }
                }
                output
            }
            false => (built, false),
        };
        let outcomes = match tests_run::read_test_run(&output) {
            Run::Compile { message, at } => {
                let place = at.as_ref().and_then(|(file, line)| {
                    let file = file.strip_prefix("src/")?;
                    mine.iter().find(|e| {
                        e.file == file
                            && (e.marker + 1..=e.body.1 + 1).contains(line)
                    })
                });
                let inside = match place {
                    Some(e) => format!(" in {e}"),
                    None => String::new(),
                };
                writeln!(out, "\nYour code does not compile{inside}. The compiler's first error:\n").unwrap();
                out += &message;
                out.push('\n');
                return Ok(out);
            }
            Run::Tests(outcomes) => outcomes,
        };
        let mut statuses: Vec<Status> = mine
            .iter()
            .zip(&texts)
            .map(|(e, text)| status(e, text, &outcomes, &mine))
            .collect();
        // One mistake fails the tests of every exercise that runs through
        // it: only the first failing one is said to fail.
        let first =
            statuses.iter().position(|s| matches!(s, Status::Failing(_)));
        for s in statuses.iter_mut().skip(first.map_or(usize::MAX, |i| i + 1)) {
            if matches!(s, Status::Failing(_)) {
                *s = Status::Filled;
            }
        }
        let done =
            statuses.iter().filter(|s| matches!(s, Status::Done)).count();
        let width = 20;
        let filled = done * width / mine.len().max(1);
        writeln!(
            out,
            "\n[{}{}] {done} of {} exercises done\n",
            "#".repeat(filled),
            "-".repeat(width - filled),
            mine.len()
        )
        .unwrap();
        for (e, s) in mine.iter().zip(&statuses) {
            writeln!(
                out,
                "  {:<8} {}.{} {}",
                s.word(),
                e.stage,
                e.number,
                e.name
            )
            .unwrap();
        }
        writeln!(
            out,
            "\n(done: its tests pass; failing: its tests fail; filled: \
             written, but its tests fail too, perhaps from the failing one; \
             to do: still a todo!. Each is tested with the stage's own code \
             in the holes you have not filled yet.)"
        )
        .unwrap();
        let passed = outcomes.iter().filter(|o| o.passed).count();
        writeln!(out, "\n{passed} of {} tests pass.", outcomes.len()).unwrap();
        // Every failing test by name, so that none is hidden behind the
        // exercise that is shown next.
        let failing: Vec<&str> = outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.name.as_str())
            .collect();
        if !failing.is_empty() {
            out += &wrap(&format!("Failing: {}.", failing.join(", ")), "");
        }
        let next = mine
            .iter()
            .zip(&statuses)
            .find(|(_, s)| !matches!(s, Status::Done));
        let Some((e, s)) = next else {
            writeln!(
                out,
                "\nEvery exercise of stage {} is done. The stage's own code is \
                 in crates/{}; its chapter ends with what it added to the \
                 stage before.",
                stage.number, stage.name
            )
            .unwrap();
            if let Some(later) =
                stages().into_iter().find(|l| l.number == stage.number + 1)
            {
                writeln!(
                    out,
                    "Next: `cargo run -p workbook -- start {}`.",
                    later.number
                )
                .unwrap();
            }
            return Ok(out);
        };
        let at = format!("{}/src/{}:{}", shown(&dir), e.file, e.body.0 + 2);
        writeln!(out, "\nNext: {e}, at {at}").unwrap();
        out += &wrap(&e.task, "  ");
        out += &wrap(
            &format!(
                "Read: chapter {}, \"{}\" (book/html/{}); the section ends \
                 with this exercise's answer.",
                e.stage,
                section_title(&e.read),
                e.read.replace(".md", ".html")
            ),
            "  ",
        );
        out.push('\n');
        match s {
            Status::Hole => {}
            Status::Waiting(other) => writeln!(
                out,
                "Its tests stop at {other}, which is still a hole."
            )
            .unwrap(),
            Status::Failing(failed) => out += &why(&dir, failed),
            Status::Done | Status::Filled => unreachable!(),
        }
        if hint {
            // The learner's copy has no hints: the stage's own has.
            let reference = stage.exercises()?;
            let found = reference.iter().find(|r| r.number == e.number);
            let hint = found.map_or("", |r| r.hint.as_str());
            out += &wrap(&format!("Hint: {hint}"), "");
        } else {
            writeln!(out, "A hint: `cargo run -p workbook -- check --hint`.")
                .unwrap();
        }
        Ok(out)
    }
}

/// `text` wrapped to 76 columns, each line begun with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > 76 {
            out += &line;
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line += word;
    }
    out + &line + "\n"
}

/// How far an exercise is.
enum Status {
    /// Still its hole.
    Hole,
    /// Filled, and its tests pass.
    Done,
    /// Filled, but its tests stop at another exercise's hole.
    Waiting(String),
    /// Filled, and these of its tests fail.
    Failing(Vec<Outcome>),
    /// Filled, its tests failing after an exercise before it fails.
    Filled,
}

impl Status {
    fn word(&self) -> &'static str {
        match self {
            Status::Hole => "to do",
            Status::Done => "done",
            Status::Waiting(_) => "waiting",
            Status::Failing(_) => "failing",
            Status::Filled => "filled",
        }
    }
}

/// How far `exercise` is, in the learner's `text`, by its tests.
fn status(
    exercise: &Exercise,
    text: &str,
    outcomes: &[Outcome],
    all: &[Exercise],
) -> Status {
    if exercise::is_hole(exercise, text) {
        return Status::Hole;
    }
    let failed: Vec<Outcome> = exercise
        .tests
        .iter()
        .filter_map(|name| outcomes.iter().find(|o| &o.name == name))
        .filter(|o| !o.passed)
        .cloned()
        .collect();
    // A test that never ran (its file did not build) fails too.
    let missing = exercise
        .tests
        .iter()
        .any(|name| !outcomes.iter().any(|o| &o.name == name));
    if failed.is_empty() && !missing {
        return Status::Done;
    }
    let blocker = all.iter().find(|other| {
        *other != exercise
            && failed.iter().any(|o| o.output.contains(&other.todo_panic()))
    });
    match blocker {
        Some(other) => Status::Waiting(other.to_string()),
        None => Status::Failing(failed),
    }
}

/// Why these tests fail: a trace that leaves the expected one, said in
/// words and shown side by side; else what the test printed.
fn why(dir: &Path, failed: &[Outcome]) -> String {
    let mut out = String::new();
    for outcome in failed.iter().take(2) {
        writeln!(out, "{} fails:", outcome.name).unwrap();
        let test = outcome.name.split("::").nth(1).unwrap_or("");
        let file = outcome.name.split("::").next().unwrap_or("");
        let snap =
            dir.join("tests/snapshots").join(format!("{file}__{test}.snap"));
        let new = snap.with_extension("snap.new");
        match (fs::read_to_string(&snap), fs::read_to_string(&new)) {
            (Ok(expected), Ok(actual)) => {
                let expected = explain::events(&expected);
                let actual = explain::events(&actual);
                if let Some((at, words)) =
                    explain::first_difference(&expected, &actual)
                {
                    writeln!(out, "  {words}.\n").unwrap();
                    out += &explain::side_by_side(
                        &expected,
                        &actual,
                        at,
                        (4, 5),
                        56,
                    );
                    writeln!(out, "  (all of yours: {})\n", shown(&new))
                        .unwrap();
                }
            }
            _ => {
                for line in last_panic(&outcome.output) {
                    writeln!(out, "  {line}").unwrap();
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The panic that failed a test: the last in its output (a test may
/// catch others on purpose), without its backtrace.
fn last_panic(output: &str) -> Vec<&str> {
    let lines: Vec<&str> = output.lines().collect();
    let start =
        lines.iter().rposition(|l| l.contains("panicked at")).unwrap_or(0);
    let panic = lines[start..].iter().take_while(|l| {
        !l.starts_with("stack backtrace:") && !l.starts_with("note: ")
    });
    panic.filter(|l| !l.is_empty()).take(12).copied().collect()
}

/// The name of the function at line `at` of `text` (0-based): the first
/// `fn` from there on within a few lines (a marker or docs come first), or
/// else the last one before.
fn fn_name(text: &str, at: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let name = |line: &str| {
        let rest = line.split_once("fn ")?.1;
        let end = rest.find(['(', '<']).unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    };
    let is_fn = |line: &&&str| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let skip = ["pub", "pub(crate)", "async", "unsafe"];
        words.iter().find(|w| !skip.contains(w)) == Some(&"fn")
    };
    let ahead = lines.iter().skip(at).take(40).find(is_fn);
    let behind = || lines[..at.min(lines.len())].iter().rev().find(is_fn);
    ahead.or_else(behind).and_then(|line| name(line))
}

/// The title of the chapter section `read` points at
/// (`01-tasks.md#the-waker`), from the chapter's headings.
fn section_title(read: &str) -> String {
    let (file, id) = read.split_once('#').unwrap_or((read, ""));
    let text = fs::read_to_string(root().join("chapters").join(file))
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            l.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| l.starts_with('#'))
        })
        .find(|title| slug(title) == id)
        .unwrap_or(id)
        .to_string()
}

/// The id mdBook gives a heading: lower case, words joined by `-`, only
/// letters, digits, `-` and `_` kept.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

/// The learner's `Cargo.toml` for `stage`: the stage's own, with what it
/// takes from the workspace written out, as the learner's crate stands
/// alone. Unused code is allowed: a hole leaves some unused until it is
/// filled.
fn manifest(stage: &Stage) -> Result<String, String> {
    let workspace = read(&root().join("Cargo.toml"))?;
    let own = read(&stage.dir().join("Cargo.toml"))?;
    let value = |table: &str, key: &str| -> Option<String> {
        let start = workspace.find(&format!("[{table}]"))?;
        workspace[start..]
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .find_map(|l| {
                let (k, v) = l.split_once(" = ")?;
                (k.trim() == key).then(|| v.trim().to_string())
            })
    };
    let mut out = String::new();
    let mut section = String::new();
    for line in own.lines() {
        if line.starts_with('[') {
            section = line.to_string();
        }
        if section == "[lints]" {
            continue;
        }
        match line.split_once(".workspace = true") {
            Some((key, "")) => {
                let table = if section == "[package]" {
                    "workspace.package"
                } else {
                    "workspace.dependencies"
                };
                let value = value(table, key)
                    .ok_or_else(|| format!("no {key} in the workspace"))?;
                writeln!(out, "{key} = {value}").unwrap();
            }
            _ => writeln!(out, "{line}").unwrap(),
        }
    }
    out += "\n# A crate of its own, outside the project's workspace.\n[workspace]\n";
    out += "\n# A hole leaves code unused until it is filled.\n[lints.rust]\n";
    out += "unused = \"allow\"\nunreachable_code = \"allow\"\n";
    Ok(out)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::copy(from, to).map(drop).map_err(|e| format!("{}: {e}", from.display()))
}

/// The workbook folder's own README, for a learner who opens it.
const README: &str = "\
# Your workbook

Each folder here is your copy of one stage of tiny-asyncio, with its
exercises cut out as `todo!`s. From the repository's root:

    cargo run -p workbook -- check          # how far you are, and what next
    cargo run -p workbook -- check --hint   # the same, with a hint
    cargo run -p workbook -- start 2        # the next stage, on your own code
    cargo run -p workbook -- reset wake     # put one hole back

Inside a stage's folder, `cargo test` and `cargo run` work as in the
project's own crates. Nothing here is deleted without a copy in
`.backup/`.
";
