//! What each stage adds to the one before, held by a snapshot: a change to
//! a stage shows up here for review, and the book includes these diffs.

use checks::{stage_diff, stages};
use insta::assert_snapshot;

#[test]
fn each_stage_against_the_one_before() {
    let names: Vec<String> = stages()
        .iter()
        .map(|stage| stage.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 2, "there is a stage pair to compare");
    for pair in names.windows(2) {
        let diff = stage_diff(&pair[0], &pair[1]);
        assert!(diff.starts_with("--- ") || diff.starts_with("new file"));
        let lines = diff.lines().count();
        assert!(lines <= 300, "{} to {}: {lines} lines", pair[0], pair[1]);
        assert_snapshot!(format!("{}_to_{}", pair[0], pair[1]), diff);
    }
}

#[test]
fn a_stage_diff_leaves_out_what_only_renames() {
    let diff = stage_diff("step01_tasks", "step02_sleep");
    let body = diff.lines().filter(|line| {
        !line.starts_with("diff ")
            && !line.starts_with("--- ")
            && !line.starts_with("+++ ")
    });
    for line in body {
        assert!(
            !line.contains("step01_tasks"),
            "only headers name the old stage: {line}"
        );
    }
    assert!(diff.contains("new file crates/step02_sleep/src/timer.rs: "));
    assert!(!diff.contains("-name = "), "the crate name line is not a change");
    assert!(!diff.contains("ANCHOR"), "anchors are not changes");
    assert!(!diff.contains("//! Stage 2"), "the crate header is the chapter's");
    assert!(!diff.contains("src/main.rs"), "the demo is shown whole");
    assert!(diff.contains("@@ [1]\n"), "hunks are numbered");
}
