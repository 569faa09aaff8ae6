//! The programs in `examples/` that are broken on purpose do what their
//! chapter says they do. Each is compiled in here as a module; what it
//! prints is held by a snapshot where it does not depend on the machine.

use std::time::Duration;

use insta::assert_snapshot;

#[allow(dead_code)]
#[path = "../examples/first_waker.rs"]
mod first_waker;

#[allow(dead_code)]
#[path = "../examples/rounded_down.rs"]
mod rounded_down;

// ANCHOR: a_sleep_that_keeps_its_first_waker_wakes_the_wrong_task
#[test]
fn a_sleep_that_keeps_its_first_waker_wakes_the_wrong_task() {
    let out = first_waker::output();
    assert_snapshot!("first_waker", out);
    let (broken, right) = out.split_once("The stage's own sleep").unwrap();
    // The timer wakes main, which handed the sleep over; the napper, t2,
    // is never woken. The stage's own sleep wakes the napper.
    assert!(broken.contains("loop  wake     t1"), "{broken}");
    assert!(broken.contains("nothing holds the waker of: t2"), "{broken}");
    assert!(right.contains("loop  wake     t2"), "{right}");
    assert!(right.ends_with("run returned: the napper woke\n"), "{right}");
}
// ANCHOR_END: a_sleep_that_keeps_its_first_waker_wakes_the_wrong_task

// ANCHOR: a_wait_rounded_down_spins_and_one_rounded_up_does_not
#[test]
#[cfg_attr(miri, ignore)] // real time, and getrusage
fn a_wait_rounded_down_spins_and_one_rounded_up_does_not() {
    let up =
        rounded_down::cost(|left| left.as_nanos().div_ceil(1_000_000) as u64);
    let down = rounded_down::cost(|left| left.as_millis() as u64);
    // A wait rounded up always ends past its deadline: one a deadline at
    // most (none, when a busy machine woke the loop past the next one).
    assert!(up.waits <= 20, "{} waits", up.waits);
    // Rounded down, each deadline's last 0.9 ms is spent spinning: many
    // waits of zero, and CPU time, however busy the machine is.
    assert!(down.waits > 200, "{} waits", down.waits);
    assert!(down.cpu > Duration::from_millis(2), "{:?} of CPU", down.cpu);
    let report = rounded_down::report(&up, &down);
    assert!(report.starts_with("20 deadlines, 1.9ms apart"), "{report}");
}
// ANCHOR_END: a_wait_rounded_down_spins_and_one_rounded_up_does_not
