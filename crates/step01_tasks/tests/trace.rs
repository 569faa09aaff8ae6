//! The event trace of each scenario, held by a snapshot.
//!
//! Each test also asserts what the scenario is about, so a snapshot that
//! was accepted by mistake cannot hide a broken behaviour.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::thread;

use insta::assert_snapshot;
use step01_tasks::{Runtime, spawn, yield_now};

// ANCHOR: traced
/// Runs `main` on a traced loop; returns its output, or the panic that
/// ended `run`, and the trace.
fn traced<T: 'static>(
    main: impl Future<Output = T> + 'static,
) -> (thread::Result<T>, String) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::default().trace(move |line| {
        let mut sink = sink.borrow_mut();
        sink.push_str(line);
        sink.push('\n');
    });
    let output = panic::catch_unwind(AssertUnwindSafe(|| runtime.run(main)));
    (output, trace.take())
}
// ANCHOR_END: traced

/// A log that tasks write to, to check the order they ran in.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn push(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }
    fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

// ANCHOR: steps
/// A task that logs `name` and yields, `steps` times.
async fn steps(log: Log, name: &'static str, steps: u32) -> u32 {
    for step in 1..=steps {
        log.push(format!("{name}{step}"));
        yield_now().await;
    }
    steps
}
// ANCHOR_END: steps

// ANCHOR: single_task
#[test]
fn single_task() {
    let (output, trace) = traced(async { 6 * 7 });
    assert_snapshot!("single_task", trace);
    assert_eq!(output.unwrap(), 42);
}
// ANCHOR_END: single_task

// ANCHOR: three_tasks_interleave
#[test]
fn three_tasks_interleave() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let a = spawn(steps(main_log.clone(), "a", 3));
        let b = spawn(steps(main_log.clone(), "b", 3));
        let c = spawn(steps(main_log, "c", 3));
        a.await + b.await + c.await
    });
    assert_snapshot!("three_tasks_interleave", trace);
    // Fair and FIFO: each pass runs every task once, in spawn order.
    let expected = ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"];
    assert_eq!(log.entries(), expected);
}
// ANCHOR_END: three_tasks_interleave

// ANCHOR: await_join_handle
#[test]
fn await_join_handle() {
    let (output, trace) = traced(async {
        let child = spawn(async {
            yield_now().await;
            "from the child"
        });
        child.await
    });
    assert_snapshot!("await_join_handle", trace);
    assert_eq!(output.unwrap(), "from the child");
    // The child's end wakes main, which then finishes on the next pass.
    assert!(trace.contains("   3  t2    wake     t1\n   3  t2    done\n"));
}
// ANCHOR_END: await_join_handle

// ANCHOR: spawn_inside_task
#[test]
fn spawn_inside_task() {
    let (output, trace) = traced(async {
        let outer = spawn(async {
            let inner = spawn(async { 1 });
            inner.await + 1
        });
        outer.await + 1
    });
    assert_snapshot!("spawn_inside_task", trace);
    assert_eq!(output.unwrap(), 3);
    assert!(trace.contains("t2    spawn    t3"));
}
// ANCHOR_END: spawn_inside_task

// ANCHOR: panicking_task
#[test]
fn panicking_task() {
    let log = Log::default();
    let main_log = log.clone();
    let (output, trace) = traced(async move {
        let bad = spawn(async {
            yield_now().await;
            panic!("boom");
        });
        let good = spawn(steps(main_log.clone(), "good", 3));
        main_log.push(format!("good returned {}", good.await));
        // The panic was kept for the handle: awaiting it resumes it here.
        bad.await
    });
    assert_snapshot!("panicking_task", trace);
    // The panic stopped t2 only: the others ran to the end.
    assert_eq!(log.entries(), ["good1", "good2", "good3", "good returned 3"]);
    let panic = output.expect_err("main awaited a task that panicked");
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"boom"));
    assert!(trace.contains("t2    panic"));
}
// ANCHOR_END: panicking_task

// ANCHOR: yielding_loop_cannot_starve
#[test]
fn yielding_loop_cannot_starve() {
    let log = Log::default();
    let main_log = log.clone();
    let (output, trace) = traced(async move {
        let stop = Rc::new(Cell::new(false));
        let spinner_stop = Rc::clone(&stop);
        let spinner_log = main_log.clone();
        // Yields forever until told to stop: in a loop that polled it
        // again at once, nothing else would ever run.
        let spinner = spawn(async move {
            let mut turns = 0;
            while !spinner_stop.get() {
                turns += 1;
                spinner_log.push(format!("spin{turns}"));
                yield_now().await;
            }
            turns
        });
        let worker = spawn(steps(main_log.clone(), "work", 2));
        worker.await;
        stop.set(true);
        spinner.await
    });
    assert_snapshot!("yielding_loop_cannot_starve", trace);
    // On pass 5 the spinner runs before main, which only then stops it.
    assert_eq!(output.unwrap(), 4);
    let expected = ["spin1", "work1", "spin2", "work2", "spin3", "spin4"];
    assert_eq!(log.entries(), expected);
}
// ANCHOR_END: yielding_loop_cannot_starve

// ANCHOR: lend_waker
/// Gives `slot` the waker of the task that awaits it, then waits for a
/// wake: pending once, ready the next time it is polled.
async fn lend_waker(slot: Rc<RefCell<Option<Waker>>>) {
    let mut lent = false;
    poll_fn(|cx| {
        if lent {
            return Poll::Ready(());
        }
        lent = true;
        *slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}
// ANCHOR_END: lend_waker

// ANCHOR: duplicate_and_spurious_wakes
#[test]
fn duplicate_and_spurious_wakes() {
    let polls = Rc::new(Cell::new(0));
    let task_polls = Rc::clone(&polls);
    let (output, trace) = traced(async move {
        let slot = Rc::new(RefCell::new(None));
        let sleeper_slot = Rc::clone(&slot);
        let sleeper = spawn(async move {
            lend_waker(sleeper_slot).await;
            // Then wait on a future that counts its polls and is ready
            // only on the third: every poll before is a spurious wake's.
            poll_fn(|_| {
                task_polls.set(task_polls.get() + 1);
                if task_polls.get() == 3 {
                    Poll::Ready("woken")
                } else {
                    Poll::Pending
                }
            })
            .await
        });
        yield_now().await;
        let waker = slot.borrow_mut().take().expect("t2 lent its waker");
        // Three wakes before t2 runs again: it is scheduled once.
        waker.wake_by_ref();
        waker.wake_by_ref();
        waker.wake_by_ref();
        yield_now().await;
        // Spurious wakes: t2's future is not ready, so it stays pending.
        waker.wake_by_ref();
        yield_now().await;
        waker.wake_by_ref();
        let woken = sleeper.await;
        // A wake of a finished task schedules a step that finds no task.
        waker.wake();
        yield_now().await;
        woken
    });
    assert_snapshot!("duplicate_and_spurious_wakes", trace);
    assert_eq!(output.unwrap(), "woken");
    assert_eq!(polls.get(), 3, "one poll per pass that had a wake");
    assert_eq!(trace.matches("wake     t2 (already scheduled)").count(), 2);
    assert!(trace.contains("loop  skip     t2 (finished)"));
}
// ANCHOR_END: duplicate_and_spurious_wakes

// ANCHOR: demo
#[test]
// The demo runs as a process of its own, which miri cannot start.
#[cfg_attr(miri, ignore)]
fn demo() {
    // The demo binary itself, so the book shows exactly what a reader
    // sees from `cargo run -p step01_tasks`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_step01_tasks"))
        .output()
        .expect("the demo runs");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_snapshot!("demo", stdout);
    let last = "count(2) gave 2, count(3) 3, spawner 1 + 10 = 11\n";
    assert!(stdout.ends_with(last), "{stdout}");
}
// ANCHOR_END: demo
