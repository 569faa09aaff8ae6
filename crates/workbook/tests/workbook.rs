//! The workbook's parts, each on its own: the markers in every stage,
//! the holes and their filling, the merge that carries a learner's code
//! forward, the words for a trace that goes wrong, and cargo's output
//! read. None of these builds a stage: `cargo run -p workbook -- verify`
//! does, in CI.

use std::fs;
use std::path::PathBuf;

use workbook::exercise::{self, cut, fill, is_hole, parse, strip_markers};
use workbook::explain::{events, first_difference, side_by_side};
use workbook::learner::{Workbook, slug};
use workbook::merge::merge;
use workbook::stage::{stage, stages};
use workbook::tests_run::{first_error, outcomes};
use workbook::verify;

const MARKED: &str = "\
impl Thing {
    // Exercise 1.2 `poke`: Poke the thing, and say
    // how hard.
    // Hint: asyncio's `poke` does it.
    // Tests: trace::single_task
    // Read: 01-tasks.md#the-loop
    /// Pokes.
    fn poke(&self) -> u32 {
        let hard = 3;
        hard
    }

    fn later(&self) -> impl Future<Output = ()> {
        async {}
    }
}
";

#[test]
fn a_marker_gives_its_fields_and_the_body_it_marks() {
    let found = parse("thing.rs", MARKED).unwrap();
    assert_eq!(found.len(), 1);
    let e = &found[0];
    assert_eq!((e.stage, e.number, e.name.as_str()), (1, 2, "poke"));
    assert_eq!(e.task, "Poke the thing, and say how hard.");
    assert_eq!(e.hint, "asyncio's `poke` does it.");
    assert_eq!(e.tests, ["trace::single_task"]);
    assert_eq!(e.read, "01-tasks.md#the-loop");
    // The body: between `fn poke ... {` (line 7) and its `}` (line 10).
    assert_eq!(e.body, (7, 10));
}

#[test]
fn a_hole_is_a_todo_that_says_what_to_write_and_filling_it_gives_back_the_source()
 {
    let (holed, taken) = cut("thing.rs", MARKED, |_| true).unwrap();
    assert!(holed.contains("todo!(\"exercise 1.2 `poke`: Poke the thing"));
    assert!(!holed.contains("let hard"), "{holed}");
    assert!(!holed.contains("Hint:"), "the hint is for --hint: {holed}");
    let e = &parse("thing.rs", &holed).unwrap()[0];
    assert!(is_hole(e, &holed));
    assert!(!is_hole(&parse("thing.rs", MARKED).unwrap()[0], MARKED));
    assert_eq!(fill("thing.rs", &holed, &taken).unwrap(), MARKED);
}

#[test]
fn a_hole_in_a_function_that_returns_a_future_is_a_future() {
    let text = MARKED.replace(
        "    fn later",
        "    // Exercise 1.3 `later`: Later.\n    // Hint: asyncio.\n    \
         // Tests: trace::a\n    // Read: x.md#y\n    fn later",
    );
    let (holed, _) = cut("thing.rs", &text, |e| e.name == "later").unwrap();
    assert!(holed.contains("std::future::poll_fn(|_| todo!(\"exercise 1.3"));
}

#[test]
fn a_marker_away_from_its_item_is_refused() {
    let text = MARKED.replace("    /// Pokes.\n", "    let x = 1;\n");
    let error = parse("thing.rs", &text).unwrap_err();
    assert!(error.contains("thing.rs:2:"), "{error}");
}

#[test]
fn the_book_leaves_markers_out_of_its_code() {
    let stripped = strip_markers(MARKED);
    assert!(!stripped.contains("Exercise"));
    assert!(stripped.contains("    /// Pokes.\n    fn poke"));
}

#[test]
fn every_stage_marks_three_to_six_honest_exercises() {
    // The checks that need no build: numbers in order, tests and chapter
    // sections that exist, hints that name asyncio, and every file
    // filled back to the stage's own.
    assert_eq!(stages().len(), 5);
    for stage in stages() {
        let problems = verify::markers(&stage);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[test]
fn a_stage_that_does_not_exist_says_which_do() {
    for bad in ["9", "tasks", "0"] {
        let error = stage(bad).unwrap_err();
        assert!(error.contains("1 (step01_tasks)"), "{error}");
        assert!(error.contains("5 (step05_gather)"), "{error}");
    }
    assert_eq!(stage("2").unwrap().name, "step02_sleep");
}

#[test]
fn headings_become_mdbook_ids() {
    assert_eq!(slug("The waker"), "the-waker");
    assert_eq!(
        slug("spawn, JoinHandle and panics"),
        "spawn-joinhandle-and-panics"
    );
    assert_eq!(
        slug("timeout: asyncio's wait_for"),
        "timeout-asyncios-wait_for"
    );
}

#[test]
fn a_merge_keeps_both_sides_changes_and_the_stages_where_they_clash() {
    let base = "a\nb\nc\nd\ne\n";
    let ours = "a\nB\nc\nd\ne\n"; // the learner filled b
    let theirs = "a\nb\nc\nd\nE\nf\n"; // the stage changed e, added f
    let (merged, conflicts) = merge(base, ours, theirs);
    assert_eq!(merged, "a\nB\nc\nd\nE\nf\n");
    assert!(conflicts.is_empty());
    // Both change c: the stage's wins, and the learner is told.
    let (merged, conflicts) =
        merge(base, "a\nb\nmine\nd\ne\n", "a\nb\nnew\nd\ne\n");
    assert_eq!(merged, "a\nb\nnew\nd\ne\n");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].ours, ["mine"]);
    // The same change on both sides is no clash.
    let (_, conflicts) = merge(base, "a\nx\nc\nd\ne\n", "a\nx\nc\nd\ne\n");
    assert!(conflicts.is_empty());
}

const EXPECTED: &str = "\
---
source: x
---
tick  who   event    detail
   0  loop  spawn    t1 main

   1  loop  tick     1 ready
   1  t1    poll
   1  t1    spawn    t2
   1  t1    spawn    t3
   1  t1    pending

   2  loop  tick     2 ready
   2  t2    poll
   2  t2    done
   2  t3    poll
   2  t3    done
";

#[test]
fn a_trace_that_polls_in_another_order_is_said_so() {
    let expected = events(EXPECTED);
    let swapped = EXPECTED
        .replace("   2  t2    poll\n   2  t2    done\n", "X")
        .replace(
            "   2  t3    done\n",
            "   2  t3    done\n   2  t2    poll\n   2  t2    done\n",
        )
        .replace('X', "");
    let actual = events(&swapped);
    let (at, words) = first_difference(&expected, &actual).unwrap();
    assert_eq!(at, 7);
    assert_eq!(words, "pass 2 polled t3 before t2");
    let shown = side_by_side(&expected, &actual, at, (2, 2), 30);
    assert!(shown.contains(">    2  t2    poll"), "{shown}");
    assert!(shown.contains("|    2  t3    poll"), "{shown}");
}

#[test]
fn a_trace_that_ends_early_or_goes_on_is_said_so() {
    let expected = events(EXPECTED);
    let short = events(&EXPECTED.replace("   2  t3    done\n", ""));
    let (_, words) = first_difference(&expected, &short).unwrap();
    assert!(words.starts_with("your trace ends here, in pass 2"), "{words}");
    assert!(words.contains("t3 finished"), "{words}");
    let (_, words) = first_difference(&short, &expected).unwrap();
    assert!(words.starts_with("your trace goes on"), "{words}");
    assert!(first_difference(&expected, &expected).is_none());
}

#[test]
fn a_trace_a_pass_early_is_said_so() {
    let expected = events(EXPECTED);
    let early = events(&EXPECTED.replace("   1  t1    pending\n", ""));
    let (_, words) = first_difference(&expected, &early).unwrap();
    assert!(words.contains("began pass 2"), "{words}");
    assert!(words.contains("still in pass 1"), "{words}");
    assert!(words.contains("t1 returned Pending"), "{words}");
}

const TEST_RUN: &str = "\
   Compiling step01_tasks v0.1.0
     Running unittests src/lib.rs (target/debug/deps/step01_tasks-1)

running 0 tests

     Running tests/trace.rs (target/debug/deps/trace-2)

running 2 tests
test single_task ... ok
test three_tasks_interleave ... FAILED

failures:

---- three_tasks_interleave stdout ----
thread 'three_tasks_interleave' panicked at src/task.rs:9:5:
not yet implemented: exercise 1.3 `wake`: Schedule...

failures:
    three_tasks_interleave

test result: FAILED. 1 passed; 1 failed
";

#[test]
fn a_test_run_is_read_test_by_test() {
    let found = outcomes(TEST_RUN);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].name, "trace::single_task");
    assert!(found[0].passed);
    assert_eq!(found[1].name, "trace::three_tasks_interleave");
    assert!(!found[1].passed);
    assert!(found[1].output.contains("not yet implemented: exercise 1.3"));
}

#[test]
fn a_compile_error_is_read_with_its_place() {
    let output = "\
   Compiling step01_tasks v0.1.0
error[E0308]: mismatched types
   --> src/task.rs:140:9
    |
140 |         5
    |         ^ expected `()`, found integer

error: could not compile `step01_tasks` (lib) due to 1 previous error
";
    let (message, at) = first_error(output).unwrap();
    assert!(message.starts_with("error[E0308]: mismatched types"));
    assert!(message.contains("expected `()`"));
    assert!(!message.contains("could not compile"));
    assert_eq!(at, Some(("src/task.rs".to_string(), 140)));
}

/// A fresh folder under the build directory, for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = workbook::learner::target_dir().join("test").join(name);
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn start_makes_the_stage_with_its_holes_and_refuses_to_overwrite() {
    let workbook = Workbook::new(scratch("start"));
    let one = stage("1").unwrap();
    let report = workbook.start(&one, false, false).unwrap();
    assert!(report.contains("1.3 wake"), "{report}");
    let dir = workbook.crate_dir(&one);
    let task = fs::read_to_string(dir.join("src/task.rs")).unwrap();
    assert!(task.contains("todo!(\"exercise 1.3 `wake`"));
    assert!(!task.contains("// Hint:"), "hints are for --hint");
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("workspace = true"), "{manifest}");
    assert!(manifest.contains("insta = \"=1.49.0\""), "{manifest}");
    assert!(dir.join("tests/snapshots/trace__demo.snap").exists());
    assert_eq!(workbook.current().unwrap(), one);
    // Again: refused, and the learner's work is untouched.
    fs::write(dir.join("src/mine.rs"), "// mine").unwrap();
    let error = workbook.start(&one, false, false).unwrap_err();
    assert!(error.contains("--force"), "{error}");
    assert!(dir.join("src/mine.rs").exists());
    // With --force, a copy is kept first.
    let report = workbook.start(&one, false, true).unwrap();
    assert!(report.contains("kept in"), "{report}");
    let backups = fs::read_dir(workbook.dir.join(".backup")).unwrap();
    let kept = backups.filter_map(Result::ok).next().unwrap().path();
    assert!(kept.join("src/mine.rs").exists());
}

#[test]
fn the_next_stage_builds_on_the_learners_own_or_says_how_to_begin() {
    let workbook = Workbook::new(scratch("next"));
    let (one, two) = (stage("1").unwrap(), stage("2").unwrap());
    let error = workbook.start(&two, false, false).unwrap_err();
    assert!(error.contains("--from-reference"), "{error}");
    workbook.start(&one, false, false).unwrap();
    let error = workbook.start(&two, false, false).unwrap_err();
    assert!(error.contains("still has holes"), "{error}");
    // Fill stage 1's holes, with a comment of the learner's in one.
    let dir = workbook.crate_dir(&one);
    for file in ["event_loop.rs", "task.rs"] {
        let reference =
            fs::read_to_string(one.dir().join("src").join(file)).unwrap();
        let (_, taken) = cut(file, &reference, |e| e.stage == 1).unwrap();
        let path = dir.join("src").join(file);
        let mine = fs::read_to_string(&path).unwrap();
        let mut filled = fill(file, &mine, &taken).unwrap();
        filled = filled.replace(
            "pub async fn yield_now() {",
            "pub async fn yield_now() {\n    // mine",
        );
        fs::write(&path, filled).unwrap();
    }
    let report = workbook.start(&two, false, false).unwrap();
    assert!(report.contains("on your own stage 1"), "{report}");
    let task = fs::read_to_string(workbook.crate_dir(&two).join("src/task.rs"))
        .unwrap();
    assert!(task.contains("    // mine"), "the learner's code goes on");
    let event_loop =
        fs::read_to_string(workbook.crate_dir(&two).join("src/event_loop.rs"))
            .unwrap();
    assert!(event_loop.contains("todo!(\"exercise 2.4 `run_once`"));
    assert!(
        !event_loop.contains("todo!(\"exercise 1."),
        "stage 1's are filled"
    );
    // A hole put back, and the learner's version kept.
    let report = workbook.reset("yield_now").unwrap();
    assert!(report.contains("is a hole again"), "{report}");
    let task = fs::read_to_string(workbook.crate_dir(&two).join("src/task.rs"))
        .unwrap();
    let e = exercise::parse("task.rs", &task).unwrap();
    let e = e.iter().find(|e| e.name == "yield_now").unwrap();
    assert!(is_hole(e, &task));
    let error = workbook.reset("nothing").unwrap_err();
    assert!(error.contains("1.5 yield_now"), "{error}");
}

#[test]
fn check_with_no_workbook_says_how_to_start() {
    let workbook = Workbook::new(scratch("none"));
    let error = workbook.check(false).unwrap_err();
    assert!(error.contains("start 1"), "{error}");
}
