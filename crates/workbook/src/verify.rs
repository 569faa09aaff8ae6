//! The proofs that a stage's exercises are honest, which CI runs for
//! every stage: the workbook compiles; each hole alone makes one of its
//! named tests fail; and every hole filled with the stage's own body
//! gives back the stage's source exactly (so its tests, which `cargo
//! test` runs, pass on it).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::exercise::{self, Exercise};
use crate::learner::{Workbook, build_dir, slug, target_dir};
use crate::stage::{Stage, root, source_files};
use crate::tests_run;

/// The checks that need no build: the exercises are three to six,
/// numbered in order, their tests and chapter sections exist, and
/// cutting the holes and filling them with what was cut gives back every
/// file. Returns each problem found.
pub fn markers(stage: &Stage) -> Vec<String> {
    let mut problems = Vec::new();
    let exercises = match stage.exercises() {
        Ok(exercises) => exercises,
        Err(why) => return vec![why],
    };
    let count = exercises.len();
    if !(3..=6).contains(&count) {
        problems.push(format!("{}: {count} exercises, not 3 to 6", stage.name));
    }
    for (i, e) in exercises.iter().enumerate() {
        if e.number as usize != i + 1 {
            problems.push(format!(
                "{}: {e} is not number {}",
                stage.name,
                i + 1
            ));
        }
        for test in &e.tests {
            if !test_exists(&stage.dir(), test) {
                problems.push(format!(
                    "{}: {e} names a test that is not there: {test}",
                    stage.name
                ));
            }
        }
        if let Err(why) = section_exists(&e.read) {
            problems.push(format!("{}: {e}: Read: {why}", stage.name));
        }
        if e.hint.is_empty()
            || !e.hint.contains("asyncio") && !e.hint.contains("tokio")
        {
            problems.push(format!(
                "{}: {e}: the hint names no asyncio (or tokio) function",
                stage.name
            ));
        }
    }
    for file in source_files(&stage.dir().join("src")) {
        let text =
            fs::read_to_string(stage.dir().join("src").join(&file)).unwrap();
        let mine = |e: &Exercise| e.stage == stage.number;
        let back = exercise::cut(&file, &text, mine)
            .and_then(|(cut, taken)| exercise::fill(&file, &cut, &taken));
        match back {
            Ok(back) if back == text => {}
            Ok(_) => problems.push(format!(
                "{}: src/{file}: filled, it is not the stage's",
                stage.name
            )),
            Err(why) => problems.push(why),
        }
    }
    problems
}

/// Whether `test` (`trace::single_task`) is a test function in the
/// stage's `tests/trace.rs`.
fn test_exists(dir: &Path, test: &str) -> bool {
    let Some((file, name)) = test.split_once("::") else { return false };
    let text = fs::read_to_string(dir.join("tests").join(format!("{file}.rs")))
        .unwrap_or_default();
    text.contains(&format!("#[test]\nfn {name}()"))
        || text.contains(&format!("fn {name}() {{"))
}

/// Whether `read` (`01-tasks.md#the-waker`) is a chapter and one of its
/// headings.
fn section_exists(read: &str) -> Result<(), String> {
    let (file, id) = read.split_once('#').ok_or("no #section")?;
    let text = fs::read_to_string(root().join("chapters").join(file))
        .map_err(|_| format!("no chapter {file}"))?;
    let found = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .any(|l| slug(l.trim_start_matches('#')) == id);
    if found { Ok(()) } else { Err(format!("{file} has no heading #{id}")) }
}

/// The checks that build: the stage's workbook, every hole cut,
/// compiles; and each hole alone, the rest of the stage as it is, makes
/// at least one of its named tests fail. Returns a report, and whether
/// every check held.
pub fn builds(stage: &Stage) -> (String, bool) {
    let mut report = String::new();
    let mut ok = true;
    let scratch = target_dir().join("verify");
    let _ = fs::remove_dir_all(&scratch);
    // The whole workbook, every hole cut: it builds, tests and all.
    let workbook = Workbook::new(scratch.join("all"));
    let started = workbook.start(stage, true, true);
    let dir = workbook.crate_dir(stage);
    let build = build_dir(&dir);
    let args = ["build", "--tests", "--examples"];
    let built =
        started.is_ok() && tests_run::cargo(&dir, &build, &args, &[], None).1;
    writeln!(report, "{}: the workbook compiles: {}", stage.name, yes(built))
        .unwrap();
    ok &= built;
    // Each hole alone, in the same copy, so that each build is the last
    // one's, and a file's change is a change.
    let exercises = stage.exercises().unwrap_or_default();
    for exercise in &exercises {
        let (fails, line) = one_hole(stage, exercise, &dir);
        writeln!(report, "{}: {exercise} alone: {line}", stage.name).unwrap();
        ok &= fails;
    }
    let _ = fs::remove_dir_all(&scratch);
    (report, ok)
}

/// Cuts only `exercise` from the copy of `stage` in `dir`, runs its
/// named tests, and says whether one failed, and which.
fn one_hole(stage: &Stage, exercise: &Exercise, dir: &Path) -> (bool, String) {
    // Every other exercise of the stage back, as the stage has it.
    for file in source_files(&stage.dir().join("src")) {
        let text =
            fs::read_to_string(stage.dir().join("src").join(&file)).unwrap();
        let id = (exercise.stage, exercise.number);
        let (cut, _) =
            exercise::cut(&file, &text, |e| (e.stage, e.number) == id).unwrap();
        fs::write(dir.join("src").join(&file), cut).unwrap();
    }
    let mut args = vec!["test".to_string(), "--no-fail-fast".to_string()];
    let mut files: Vec<&str> =
        exercise.tests.iter().filter_map(|t| t.split("::").next()).collect();
    files.dedup();
    for file in files {
        args.push("--test".into());
        args.push(file.into());
    }
    args.push("--".into());
    args.push("--exact".into());
    args.extend(
        exercise
            .tests
            .iter()
            .filter_map(|t| t.split("::").nth(1))
            .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (output, _) = tests_run::cargo(
        dir,
        &build_dir(dir),
        &args,
        &[("INSTA_UPDATE", "no")],
        Some(LIMIT),
    );
    let outcomes = tests_run::outcomes(&output);
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.name.as_str())
        .collect();
    if failed.is_empty() {
        let ran = outcomes.len();
        return (false, format!("NO named test fails ({ran} ran)"));
    }
    (true, format!("fails {}", failed.join(", ")))
}

/// How long a hole's tests may run: a hole panics, it does not hang.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}

/// A learner's way through the workbook, as CI walks it: stage 1
/// started; a hole filled with code that does not compile, which `check`
/// shows in that exercise; every hole filled with the stage's own body,
/// which turns every exercise done; and stage 2 started on that stage 1,
/// the learner's code carried over. Returns a report, and whether each
/// step did what it should.
pub fn learner_flow() -> (String, bool) {
    let mut report = String::new();
    let mut ok = true;
    let mut expect = |what: &str, held: bool, out: &str| {
        writeln!(report, "learner's way: {what}: {}", yes(held)).unwrap();
        if !held {
            writeln!(report, "{out}").unwrap();
        }
        ok &= held;
    };
    let workbook = Workbook::new(target_dir().join("verify-flow"));
    let _ = fs::remove_dir_all(&workbook.dir);
    let [one, two] =
        [1, 2].map(|n| crate::stage::stage(&n.to_string()).unwrap());
    let started = workbook.start(&one, false, false);
    expect("start 1", started.is_ok(), &started.unwrap_or_else(|why| why));
    let check =
        |workbook: &Workbook| workbook.check(false).unwrap_or_else(|why| why);
    let src = workbook.crate_dir(&one).join("src");
    // A hole filled with code that does not compile.
    let task = fs::read_to_string(src.join("task.rs")).unwrap();
    let broken =
        task.replacen("todo!(\"exercise 1.5", "let x: u32 = (); todo!(\"", 1);
    fs::write(src.join("task.rs"), broken).unwrap();
    let out = check(&workbook);
    expect(
        "a fill that does not compile is shown in its exercise",
        out.contains("does not compile in exercise 1.5 `yield_now`")
            && out.contains("error[E0308]"),
        &out,
    );
    // One exercise filled as the stage has it, the others still holes:
    // it is done already. Then every hole.
    let fill_in = |pick: &dyn Fn(&Exercise) -> bool| {
        for file in source_files(&one.dir().join("src")) {
            let path = one.dir().join("src").join(&file);
            let reference = fs::read_to_string(path).unwrap();
            let mine = |e: &Exercise| e.stage == 1 && pick(e);
            let (_, taken) = exercise::cut(&file, &reference, mine).unwrap();
            let text = fs::read_to_string(src.join(&file)).unwrap();
            let filled = exercise::fill(&file, &text, &taken).unwrap();
            fs::write(src.join(&file), filled).unwrap();
        }
    };
    fill_in(&|e| e.name == "run_once" || e.name == "yield_now");
    let out = check(&workbook);
    expect(
        "an exercise filled is done before the others are written",
        out.contains("2 of 5 exercises done")
            && out.contains("done     1.1 run_once"),
        &out,
    );
    fill_in(&|_| true);
    let out = check(&workbook);
    expect(
        "every hole filled: every exercise done",
        out.contains("5 of 5 exercises done"),
        &out,
    );
    // Stage 2, on the learner's own stage 1.
    let started = workbook.start(&two, false, false).unwrap_or_else(|why| why);
    let again =
        "`run_once` in src/event_loop.rs: it is this stage's exercise 2.4";
    expect(
        "start 2 builds on the learner's stage 1, and says what is a hole again",
        started.contains("on your own stage 1") && started.contains(again),
        &started,
    );
    let out = check(&workbook);
    expect(
        "stage 2 compiles, its exercises to do",
        out.contains("0 of 4 exercises done")
            && out.contains("Next: exercise 2.1"),
        &out,
    );
    let _ = fs::remove_dir_all(&workbook.dir);
    (report, ok)
}
