//! The programs in `examples/` that are broken on purpose do what their
//! chapter says they do. Each is compiled in here as a module, and what it
//! prints is held by a snapshot, which the chapter shows.

use insta::assert_snapshot;

#[allow(dead_code)]
#[path = "../examples/poll_all_children.rs"]
mod poll_all_children;

// ANCHOR: a_gather_that_polls_every_child_on_every_wake_costs_n_squared
#[test]
fn a_gather_that_polls_every_child_on_every_wake_costs_n_squared() {
    let out = poll_all_children::output();
    assert_snapshot!("poll_all_children", out);
    // 1000 + 1000 + 999 + ... + 1 polls, against 2 for each child.
    assert!(out.contains("every wake: 501500 polls"), "{out}");
    assert!(out.contains("is for: 2000 polls"), "{out}");
}
// ANCHOR_END: a_gather_that_polls_every_child_on_every_wake_costs_n_squared
