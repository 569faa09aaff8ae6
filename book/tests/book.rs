//! The book cannot drift: every include resolves, and the built pages hold
//! no directive that mdBook failed to expand.

use std::fs;
use std::path::Path;

use book::{
    build, chapters_dir, check_chapters, check_command, check_directive,
    dedent, files,
};

#[test]
fn every_include_in_the_chapters_resolves() {
    let problems = check_chapters(&chapters_dir());
    assert!(problems.is_empty(), "broken includes:\n{}", problems.join("\n"));
}

/// Checks `directive` as if a chapter held it.
fn check(directive: &str) -> Result<(), String> {
    check_directive(&chapters_dir(), directive)
}

const LIB: &str = "../crates/step01_tasks/src/event_loop.rs";
const SNAP: &str =
    "../crates/step01_tasks/tests/snapshots/trace__single_task.snap";

#[test]
fn the_checker_accepts_good_includes() {
    assert_eq!(check(&format!("include {LIB}:run_once")), Ok(()));
    assert_eq!(check(&format!("include {SNAP}:5:")), Ok(()));
    assert_eq!(check(&format!("include {LIB}")), Ok(()));
}

#[test]
fn the_checker_rejects_a_missing_file() {
    let error = check("include ../crates/nowhere.rs:run_once").unwrap_err();
    assert!(error.contains("cannot read"), "{error}");
}

#[test]
fn the_checker_rejects_a_missing_anchor() {
    let error = check(&format!("include {LIB}:no_such_anchor")).unwrap_err();
    assert!(error.contains("no anchor `no_such_anchor`"), "{error}");
}

#[test]
fn the_checker_rejects_a_snapshot_include_that_shows_its_header() {
    for directive in [format!("include {SNAP}:4:"), format!("include {SNAP}")] {
        let error = check(&directive).unwrap_err();
        assert!(error.contains("header"), "{directive}: {error}");
    }
}

#[test]
fn the_checker_accepts_a_timeline_of_a_trace_and_nothing_else() {
    assert_eq!(check(&format!("timeline {SNAP}")), Ok(()));
    let error = check("timeline ../crates/nowhere.snap").unwrap_err();
    assert!(error.contains("cannot read"), "{error}");
    let error = check(&format!("timeline {LIB}")).unwrap_err();
    assert!(error.contains("not a trace"), "{error}");
}

#[test]
fn the_checker_rejects_lines_past_the_end_and_other_directives() {
    assert!(check(&format!("include {SNAP}:900:")).is_err());
    assert!(check(&format!("include {SNAP}:5:900")).is_err());
    assert!(check(&format!("rustdoc_include {LIB}:run_once")).is_err());
}

#[test]
fn the_checker_finds_the_tests_and_examples_a_chapter_names() {
    let check = |command| check_command(&chapters_dir(), command);
    assert_eq!(check("cargo test -p step01_tasks single_task"), Ok(()));
    assert_eq!(
        check("cargo test -p step02_sleep --test timer a_sleeping"),
        Ok(())
    );
    assert_eq!(
        check("cargo run -p step01_tasks --example lost_wakeup"),
        Ok(())
    );
    assert_eq!(check("cargo test -p book"), Ok(()));
    let no_test = check("cargo test -p step01_tasks no_such_test").unwrap_err();
    assert!(no_test.contains("no test in step01_tasks"), "{no_test}");
    assert!(check("cargo test -p step09_none x").is_err());
    assert!(check("cargo test -p step01_tasks --test nowhere x").is_err());
    assert!(check("cargo run -p step01_tasks --example nowhere").is_err());
}

#[test]
fn a_method_shown_alone_starts_at_the_margin() {
    let text = "Some text\n```rust\n    fn f() {\n        g();\n\n    }\n```\n  kept\n";
    let want = "Some text\n```rust\nfn f() {\n    g();\n\n}\n```\n  kept\n";
    assert_eq!(dedent(text), want);
}

#[test]
fn the_book_builds_with_every_include_expanded_and_search() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-html");
    let _ = fs::remove_dir_all(&out);
    let html = build(&out).expect("the book builds");
    let pages = files(&html, "html");
    assert!(pages.len() >= 3, "chapters were rendered: {pages:?}");
    for page in &pages {
        let text = fs::read_to_string(page).unwrap();
        assert!(!text.contains("{{#"), "{} holds a directive", page.display());
    }
    // The includes were expanded, not just dropped: code from the crate
    // and a trace from a snapshot are on the pages.
    let all: String =
        pages.iter().map(|p| fs::read_to_string(p).unwrap()).collect();
    assert!(all.contains("fn run_once"));
    assert!(all.contains("tick  who   event    detail"));
    // Each timeline became a picture, as many as the chapters ask for.
    let asked: usize = fs::read_dir(chapters_dir())
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .map(|chapter| chapter.matches("{{#timeline ").count())
        .sum();
    assert!(asked > 0);
    let drawn: usize = pages
        .iter()
        .filter(|page| {
            !page.ends_with("print.html") && !page.ends_with("index.html")
        })
        .map(|page| fs::read_to_string(page).unwrap())
        .map(|page| {
            page.matches(
                r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline""#,
            )
            .count()
        })
        .sum();
    // print.html holds every page, and index.html is the first again.
    assert_eq!(drawn, asked);
    assert!(
        fs::read_dir(&html).unwrap().filter_map(Result::ok).any(|e| e
            .file_name()
            .to_string_lossy()
            .starts_with("searchindex")),
        "the search index was written"
    );
}

/// A stage chapter's main path is read in one sitting: at most 2,000
/// words outside code, directives and the "Deeper" asides.
#[test]
fn each_stage_chapter_reads_in_one_sitting() {
    let mut long = Vec::new();
    for chapter in book::files(&book::chapters_dir(), "md") {
        let name = chapter.file_name().unwrap().to_string_lossy().to_string();
        // Stage chapters: 01-tasks.md to 05-gather.md.
        let stage = name.get(..2).and_then(|n| n.parse::<u32>().ok());
        if !matches!(stage, Some(1..=5)) {
            continue;
        }
        let words =
            book::main_path_words(&fs::read_to_string(&chapter).unwrap());
        if words > 2000 {
            long.push(format!("{name}: {words} words"));
        }
    }
    assert!(long.is_empty(), "over 2,000 words on the main path: {long:?}");
}

#[test]
fn the_main_path_leaves_out_code_and_asides() {
    let text = "# Title\n\nOne two three.\n\n```rust\nlet x = 1;\n```\n\n\
        <details class=\"deeper\"><summary>Deeper: more</summary>\n\nFour five six.\n\n\
        </details>\n\n{{#include x.rs:y}}\n\nSeven.\n";
    assert_eq!(book::main_path_words(text), 5);
}

/// Every link to a place in a chapter finds it: a heading, or a timeline
/// and one of its events; and so does every exercise's `Read:` line.
#[test]
fn every_link_into_a_chapter_finds_its_place() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let sources = files(&crates, "rs");
    let problems = book::check_links(&chapters_dir(), &sources);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_link_to_a_missing_place_is_found() {
    let dir =
        std::env::temp_dir().join(format!("links-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("01-a.md"),
        "# A\n\n## The loop\n\n[x](02-b.md#nowhere) [y](#the-loop)\n",
    )
    .unwrap();
    fs::write(
        dir.join("02-b.md"),
        "# B\n\n[z](01-a.md#the-loop) [w](#s1-demo-step-3)\n",
    )
    .unwrap();
    let problems = book::check_links(&dir, &[]);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        problems,
        [
            "01-a.md: no #nowhere in 02-b.md",
            "02-b.md: no #s1-demo-step-3 in 02-b.md"
        ]
    );
}
