//! The picture of the whole cycle, drawn from real traces: what each box
//! says comes from the trace's own lines.

use std::fs;
use std::path::Path;

use book::cycle::render;
use book::timeline::parse;

/// The cycle of `task` in the snapshot at `path`, under crates/.
fn cycle(path: &str, task: &str) -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates").join(path);
    let text = fs::read_to_string(path).unwrap();
    render(&parse(&text).unwrap(), task, "a cycle").unwrap()
}

/// The texts of an SVG's `<text>` elements, without their tooltips.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').unwrap() + 1..];
            let end = body.find('<').unwrap();
            body[..end].replace("&#x27;", "'").replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn in_stage_1_a_join_handle_keeps_the_waker() {
    let svg = cycle(
        "step01_tasks/tests/snapshots/trace__await_join_handle.snap",
        "t1",
    );
    let texts = texts(&svg);
    let want = [
        "1. in the ready queue",
        "0 loop spawn t1 main",
        "2. polled",
        "1 t1 poll",
        "1 t1 spawn t2",
        "3. Pending",
        "its waker is kept by t2's JoinHandle",
        "1 t1 pending",
        "4. t2 ends",
        "3 t2 poll",
        "3 t2 wake t1",
    ];
    for want in want {
        assert!(texts.iter().any(|t| t == want), "{want:?} in {texts:#?}");
    }
    assert!(!svg.contains(">new<"), "nothing new in stage 1");
    assert!(
        texts.iter().any(|t| t.starts_with("Then pass 4: t1 is polled again, and done")),
        "{texts:#?}"
    );
}

#[test]
fn in_stage_2_a_timer_keeps_it_and_the_loop_waits() {
    let svg = cycle("step02_sleep/tests/snapshots/trace__demo.snap", "t3");
    let texts = texts(&svg);
    for want in [
        "its waker is kept by timer #2",
        "4. the loop waits",
        "3 loop wait 50.0ms",
        "5. the timer fires",
        "3 loop fire #2",
        "6. woken",
        "3 loop wake t3",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want:?} in {texts:#?}");
    }
    assert_eq!(svg.matches(">new<").count(), 2, "the wait and the timer");
}

#[test]
fn in_stage_3_select_keeps_it_for_a_socket() {
    let svg = cycle(
        "step03_select/tests/snapshots/trace__read_would_block_then_wakes.snap",
        "t1",
    );
    let texts = texts(&svg);
    // The caption, on two lines.
    assert!(
        texts.join(" ").contains("its waker is kept by select, for t1 accept"),
        "{texts:#?}"
    );
    for want in [
        "4. select waits",
        "5. the socket is ready",
        "3 loop ready t1 accept",
        "3 loop wake t1",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want:?} in {texts:#?}");
    }
    assert!(
        texts.iter().any(|t| t
            .starts_with("Then pass 3: t1 is polled again, and Pending again")),
        "{texts:#?}"
    );
}

#[test]
fn a_task_nothing_else_wakes_has_no_cycle() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/step01_tasks/tests/snapshots/trace__three_tasks_interleave.snap");
    let text = fs::read_to_string(path).unwrap();
    let events = parse(&text).unwrap();
    // t2 only ever wakes itself.
    let why = render(&events, "t2", "x").unwrap_err();
    assert!(why.contains("never waits for another"), "{why}");
}
