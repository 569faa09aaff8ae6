//! The programs in `examples/` that are broken on purpose do what their
//! chapter says they do. Each is compiled in here as a module, and what it
//! prints is held by a snapshot, which the chapter shows.

use insta::assert_snapshot;

#[allow(dead_code)]
#[path = "../examples/no_drop.rs"]
mod no_drop;

// ANCHOR: a_leaf_future_with_no_drop_leaves_its_timer_when_cancelled
#[test]
fn a_leaf_future_with_no_drop_leaves_its_timer_when_cancelled() {
    let out = no_drop::output();
    assert_snapshot!("no_drop", out);
    let (leaky, right) = out.split_once("The stage's own sleep").unwrap();
    // The leaky sleep's timer outlives its task, and fires for nobody.
    assert!(leaky.contains("Live { tasks: 1, timers: 1, fds: 0 }"), "{leaky}");
    assert!(leaky.contains("fire     #2"), "{leaky}");
    assert!(leaky.contains("skip     t2 (finished)"), "{leaky}");
    // The stage's own sleep cancels its timer as it is dropped.
    assert!(right.contains("t2    cancel   #2"), "{right}");
    assert!(right.contains("Live { tasks: 1, timers: 0, fds: 0 }"), "{right}");
}
// ANCHOR_END: a_leaf_future_with_no_drop_leaves_its_timer_when_cancelled
