//! The programs in `examples/` that are broken on purpose do what their
//! chapter says they do. Each is compiled in here as a module, and what it
//! prints is held by a snapshot, which the chapter shows.

use std::time::Duration;

use insta::assert_snapshot;

#[allow(dead_code)]
#[path = "../examples/blocking_sleep.rs"]
mod blocking_sleep;

// ANCHOR: a_blocking_call_in_a_task_stalls_every_other_task
#[test]
#[cfg_attr(miri, ignore)] // select(2), which miri cannot run
fn a_blocking_call_in_a_task_stalls_every_other_task() {
    // The blocker blocks in its first poll, so the ticker's timer fires
    // only after it; waiting in `sleep` instead, it lets the timer fire.
    let (trace, slept) = blocking_sleep::side_by_side(true);
    assert!(slept >= Duration::from_millis(50), "{slept:?}");
    assert!(!trace.contains("select"), "no wait: the time had passed");
    let (_, slept) = blocking_sleep::side_by_side(false);
    assert!(slept < Duration::from_millis(50), "{slept:?}");
    assert_snapshot!("blocking_sleep", blocking_sleep::output());
}
// ANCHOR_END: a_blocking_call_in_a_task_stalls_every_other_task
