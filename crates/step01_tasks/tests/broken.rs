//! The programs in `examples/` that are broken on purpose do what their
//! chapter says they do. Each is compiled in here as a module, and what it
//! prints is held by a snapshot, which the chapter shows.

use insta::assert_snapshot;

#[allow(dead_code)]
#[path = "../examples/lost_wakeup.rs"]
mod lost_wakeup;

#[allow(dead_code)]
#[path = "../examples/poll_everything.rs"]
mod poll_everything;

// ANCHOR: a_lost_waker_leaves_a_task_nothing_can_wake
#[test]
fn a_lost_waker_leaves_a_task_nothing_can_wake() {
    let out = lost_wakeup::output();
    assert_snapshot!("lost_wakeup", out);
    // The raiser ran and finished; the waiter was polled once, never again.
    assert!(out.contains("t3    done"), "{out}");
    assert_eq!(out.matches("t2    poll").count(), 1, "{out}");
    assert!(out.ends_with("nothing holds the waker of: t2\n"), "{out}");
}
// ANCHOR_END: a_lost_waker_leaves_a_task_nothing_can_wake

// ANCHOR: polling_every_task_every_pass_costs_tasks_times_passes
#[test]
fn polling_every_task_every_pass_costs_tasks_times_passes() {
    let out = poll_everything::output();
    assert_snapshot!("poll_everything", out);
    // 101 passes of 101 tasks, against 2 polls for each waiter and 101 for
    // the task that yields.
    assert!(out.contains("every pass: 10201 polls"), "{out}");
    assert!(out.contains("were woken: 301 polls"), "{out}");
}
// ANCHOR_END: polling_every_task_every_pass_costs_tasks_times_passes
