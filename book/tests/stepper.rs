//! The stepper's model of the loop, replayed on every trace the stages'
//! tests hold: it must agree with each trace's own counts, and show, at
//! given events, exactly the state the loop was in.

use std::fs;
use std::path::Path;

use book::stepper::{State, choices, states};
use book::timeline::parse;

/// Every trace snapshot of every stage, by path.
fn snapshots() -> Vec<(String, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut found = Vec::new();
    for stage in fs::read_dir(&crates).unwrap().filter_map(Result::ok) {
        let dir = stage.path().join("tests/snapshots");
        for snap in
            fs::read_dir(&dir).into_iter().flatten().filter_map(Result::ok)
        {
            let text = fs::read_to_string(snap.path()).unwrap();
            if parse(&text).is_ok() {
                found.push((snap.path().display().to_string(), text));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_model_agrees_with_every_trace() {
    let all = snapshots();
    assert!(all.len() > 100, "{} traces", all.len());
    for (path, text) in all {
        let events = parse(&text).unwrap();
        if let Err(why) = states(&events) {
            panic!("{path}: {why}");
        }
    }
}

/// The state after the event whose line (pass, who, what) is `at`.
fn state_at(snapshot: &str, at: &str) -> State {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates").join(snapshot);
    let text = fs::read_to_string(path).unwrap();
    let events = parse(&text).unwrap();
    let all = states(&events).unwrap();
    let index = events
        .iter()
        .position(|e| {
            format!("{} {} {} {}", e.tick, e.who, e.what, e.detail).trim_end()
                == at
        })
        .unwrap_or_else(|| panic!("no event {at:?}"));
    all[index].clone()
}

#[test]
fn three_tasks_interleave_queue_in_spawn_order() {
    let snap =
        "step01_tasks/tests/snapshots/trace__three_tasks_interleave.snap";
    // After main spawned all three and returned Pending: the three steps,
    // in spawn order; main waits on a's handle.
    let state = state_at(snap, "1 t1 pending");
    assert_eq!(state.ready, ["step t2", "step t3", "step t4"]);
    let main = &state.tasks[0];
    assert_eq!(
        (main.state.as_str(), main.waker.as_str()),
        ("pending", "t2's JoinHandle, to wake it when t2 ends")
    );
    // t2 yields: it wakes itself, behind t3 and t4.
    let state = state_at(snap, "2 t2 wake t2");
    assert_eq!(state.ready, ["step t3", "step t4", "step t2"]);
    assert_eq!(state.tasks[1].state, "running");
    assert_eq!(state.part, "handles", "in the pass's run of its handles");
    // It returns Pending, but its next step is queued: it is ready, and
    // nothing holds its waker.
    let state = state_at(snap, "2 t2 pending");
    assert_eq!(
        (state.tasks[1].state.as_str(), state.tasks[1].waker.as_str()),
        ("ready", "")
    );
    // Pass 3 counts the three steps the yields queued: its `ntodo`.
    let state = state_at(snap, "3 loop tick 3 ready");
    assert_eq!(state.part, "count");
    assert_eq!(state.ready, ["step t2", "step t3", "step t4"]);
    assert_eq!(state_at(snap, "0 loop spawn t1 main").part, "start");
}

#[test]
fn a_sleeping_task_waits_on_its_timer() {
    let snap = "step02_sleep/tests/snapshots/trace__demo.snap";
    let state = state_at(snap, "2 t3 pending");
    assert_eq!(
        state.timers,
        ["#2 due 50.0ms: wakes t3", "#1 due 100.0ms: wakes t2"],
        "the next due first"
    );
    assert_eq!(state.tasks[2].waker, "timer #2");
    // The loop waits 50ms, to #2: the earliest deadline.
    let state = state_at(snap, "3 loop wait 50.0ms");
    assert_eq!(state.timeout, "50.0ms");
    assert!(state.ready.is_empty(), "nothing is ready while it waits");
    // #2 is due: it joins the queue as the pass begins, and fires.
    let state = state_at(snap, "3 loop tick 1 ready");
    assert_eq!(state.ready, ["timer #2"]);
    assert_eq!(
        state.part, "timers count",
        "the due timers joined, then the count"
    );
    assert_eq!(
        state.timers,
        ["#1 due 100.0ms: wakes t2", "#3 due 1000.0ms: wakes t4"]
    );
}

#[test]
fn select_watches_the_fds_tasks_wait_on() {
    let snap = "step03_select/tests/snapshots/trace__demo.snap";
    let state = state_at(
        snap,
        "3 loop select wait 1.0ms on t2 accept, t4 read, t5 read",
    );
    assert_eq!(state.watched, ["t2 accept", "t4 read", "t5 read"]);
    assert_eq!(state.timeout, "1.0ms");
    assert_eq!(state.part, "select");
    let server = |state: &State| {
        let task = state.tasks.iter().find(|t| t.id == "t2").unwrap();
        task.waker.clone()
    };
    assert_eq!(server(&state), "the selector (t2 accept)");
    // Found ready: out of the selector, its waker in the loop's hand.
    let state = state_at(snap, "3 loop ready t2 accept");
    assert_eq!(state.watched, ["t4 read", "t5 read"]);
    assert_eq!(server(&state), "the loop: select found it ready");
    // Pass 4 opens with work ready: select only looked, with no wait.
    let state = state_at(snap, "4 loop tick 2 ready");
    assert_eq!(state.timeout, "0: work was ready, select only looked");
    assert_eq!(
        state.phase,
        "ntodo = 2: this pass runs these 2 handles, and only these"
    );
    // At the end the loop drops the server, and takes back its accept.
    let state = state_at(snap, "11 loop unwatch accept");
    assert_eq!(state.part, "shutdown");
    assert!(state.watched.is_empty(), "{:?}", state.watched);
    assert_eq!(
        state.phase,
        "dropping t2, the loop takes back its registration (accept)"
    );
}

#[test]
fn shutdown_stays_shutdown_as_the_loop_cancels_timers() {
    let snap = "step02_sleep/tests/snapshots/trace__demo.snap";
    let state = state_at(snap, "11 loop drop t4");
    assert_eq!(state.part, "shutdown");
    let state = state_at(snap, "11 loop cancel #3");
    assert_eq!(state.part, "shutdown");
    assert!(state.timers.is_empty(), "{:?}", state.timers);
    // A pass that a timer opened says so.
    let state = state_at(snap, "3 loop tick 1 ready");
    assert_eq!(
        state.phase,
        "the timer due joined the queue; ntodo = 1: this pass runs this one handle, and only it"
    );
    let state = state_at(snap, "3 loop fire #2");
    let t3 = state.tasks.iter().find(|t| t.id == "t3").unwrap();
    assert_eq!(t3.waker, "the loop: timer #2 fired");
}

#[test]
fn a_guess_is_among_the_tasks_that_could_run() {
    let snap =
        "step01_tasks/tests/snapshots/trace__three_tasks_interleave.snap";
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates").join(snap);
    let text = fs::read_to_string(path).unwrap();
    let events = parse(&text).unwrap();
    let all = states(&events).unwrap();
    // After `tick 3 ready` in pass 2: which task is polled first?
    let at =
        events.iter().position(|e| e.tick == 2 && e.what == "tick").unwrap();
    let options = choices(&events, &all, at);
    assert_eq!(options[0], "t2 poll", "the right one first");
    assert!(options.contains(&"t3 poll".to_string()), "{options:?}");
    assert!(options.contains(&"t4 poll".to_string()), "{options:?}");
}
