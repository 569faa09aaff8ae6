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
use std::time::Duration;

use insta::assert_snapshot;
use step02_sleep::{Runtime, call_later, now, sleep, spawn, yield_now};

// ANCHOR: traced
/// Runs `main` on a traced loop with a virtual clock; returns its output,
/// or the panic that ended `run`, and the trace.
fn traced<T: 'static>(
    main: impl Future<Output = T> + 'static,
) -> (thread::Result<T>, String) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
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
    assert!(trace.contains(
        "   3     0.0ms  t2    wake     t1\n   3     0.0ms  t2    done\n"
    ));
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
    // sees from `cargo run -p step02_sleep`.
    // On the virtual clock, so that the times in the trace are exact.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_step02_sleep"))
        .arg("--virtual-time")
        .output()
        .expect("the demo runs");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_snapshot!("demo", stdout);
    let last = "nap(100) slept 100ms, twice 50 + 100 = 150ms\n";
    assert!(stdout.ends_with(last), "{stdout}");
}
// ANCHOR_END: demo

// ANCHOR: ms
/// `n` milliseconds.
fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
// ANCHOR_END: ms

// ANCHOR: us
/// `n` microseconds.
fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}
// ANCHOR_END: us

// ANCHOR: sleeps_finish_in_deadline_order
#[test]
fn sleeps_finish_in_deadline_order() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let tasks: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|n| {
                let log = main_log.clone();
                spawn(async move {
                    sleep(ms(n)).await;
                    log.push(format!("{n}ms at {:?}", now()));
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    assert_snapshot!("sleeps_finish_in_deadline_order", trace);
    assert_eq!(log.entries(), ["10ms at 10ms", "20ms at 20ms", "30ms at 30ms"]);
}
// ANCHOR_END: sleeps_finish_in_deadline_order

// ANCHOR: equal_deadlines_fire_in_schedule_order
#[test]
fn equal_deadlines_fire_in_schedule_order() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        for name in ["a", "b", "c"] {
            let log = main_log.clone();
            call_later(ms(5), move || log.push(name));
        }
        sleep(ms(5)).await;
    });
    assert_snapshot!("equal_deadlines_fire_in_schedule_order", trace);
    // Four timers due at 5ms: a, b and c fire in the order they were
    // set, and main's sleep, set last, fires last.
    assert_eq!(log.entries(), ["a", "b", "c"]);
    let fired: Vec<_> =
        trace.lines().filter_map(|l| l.split("fire     ").nth(1)).collect();
    assert_eq!(fired, ["#1", "#2", "#3", "#4"]);
}
// ANCHOR_END: equal_deadlines_fire_in_schedule_order

// ANCHOR: timer_cancelled
#[test]
fn timer_cancelled() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let log = main_log.clone();
        let never = call_later(ms(5), move || log.push("cancelled timer"));
        let log = main_log.clone();
        call_later(ms(10), move || log.push("kept timer"));
        never.cancel();
        // A sleep polled once, so that its timer is set, then dropped.
        let mut nap = Box::pin(sleep(ms(1)));
        let _pending = poll_fn(|cx| Poll::Ready(nap.as_mut().poll(cx))).await;
        drop(nap);
        sleep(ms(20)).await;
    });
    assert_snapshot!("timer_cancelled", trace);
    assert_eq!(log.entries(), ["kept timer"]);
    assert!(trace.contains("cancel   #1") && trace.contains("cancel   #3"));
    assert!(!trace.contains("fire     #1") && !trace.contains("fire     #3"));
    // With both cancelled, the first wait is for the 10ms timer.
    assert!(trace.contains("loop  wait     10.0ms"));
}
// ANCHOR_END: timer_cancelled

// A cancelled timer whose entry sits under a due one in the heap: each
// `pop_due` drops such entries first, so it never joins the ready queue
// and the pass counts only the timers that will run.
#[test]
fn a_cancelled_timer_among_due_ones_never_joins_the_queue() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let mut handles = Vec::new();
        for name in ["a", "b", "c"] {
            let log = main_log.clone();
            handles.push(call_later(ms(10), move || log.push(name)));
        }
        handles[1].cancel();
        sleep(ms(20)).await;
    });
    assert_snapshot!(
        "a_cancelled_timer_among_due_ones_never_joins_the_queue",
        trace
    );
    assert_eq!(log.entries(), ["a", "c"]);
    assert!(trace.contains("10.0ms  loop  tick     2 ready"), "{trace}");
}

// ANCHOR: sleep_zero_is_a_yield
#[test]
fn sleep_zero_is_a_yield() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let log = main_log.clone();
                spawn(async move {
                    for step in 1..=2 {
                        log.push(format!("{name}{step}"));
                        sleep(Duration::ZERO).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    assert_snapshot!("sleep_zero_is_a_yield", trace);
    assert_eq!(log.entries(), ["a1", "b1", "a2", "b2"]);
    assert!(!trace.contains("timer") && !trace.contains("wait"));
}
// ANCHOR_END: sleep_zero_is_a_yield

// ANCHOR: long_sleep_beside_busy_tasks
#[test]
fn long_sleep_beside_busy_tasks() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let sleeper_log = main_log.clone();
        let sleeper = spawn(async move {
            sleep(ms(1)).await;
            sleeper_log.push("slept");
        });
        let a = spawn(steps(main_log.clone(), "a", 2));
        let b = spawn(steps(main_log.clone(), "b", 2));
        a.await;
        b.await;
        sleeper.await;
    });
    assert_snapshot!("long_sleep_beside_busy_tasks", trace);
    // The sleeper's timer does not hold up the busy tasks: the loop waits
    // for it only when nothing else is ready.
    assert_eq!(log.entries(), ["a1", "b1", "a2", "b2", "slept"]);
    let busy_done = trace.find("t4    done").unwrap();
    assert!(busy_done < trace.find("wait").unwrap(), "{trace}");
}
// ANCHOR_END: long_sleep_beside_busy_tasks

// ANCHOR: idle_wait_equals_time_to_next_deadline
#[test]
fn idle_wait_equals_time_to_next_deadline() {
    let (end, trace) = traced(async {
        sleep(ms(7)).await;
        sleep(ms(3)).await;
        // On the virtual clock, exactly: nothing is rounded.
        sleep(Duration::from_micros(400)).await;
        now()
    });
    assert_snapshot!("idle_wait_equals_time_to_next_deadline", trace);
    assert_eq!(end.unwrap(), us(10_400));
    let waits: Vec<_> = trace.lines().filter(|l| l.contains("wait")).collect();
    assert_eq!(waits.len(), 3, "{trace}");
    for (wait, expected) in waits.iter().zip(["7.0ms", "3.0ms", "0.4ms"]) {
        assert!(wait.ends_with(&format!("wait     {expected}")), "{wait}");
    }
}
// ANCHOR_END: idle_wait_equals_time_to_next_deadline

// ANCHOR: three_short_sleeps_end_exactly
#[test]
fn three_short_sleeps_end_exactly() {
    let (ends, trace) = traced(async {
        let mut ends = Vec::new();
        for _ in 0..3 {
            sleep(us(100)).await;
            ends.push(now());
        }
        ends
    });
    assert_snapshot!("three_short_sleeps_end_exactly", trace);
    // A virtual clock jumps to each deadline itself, never past it.
    assert_eq!(ends.unwrap(), [us(100), us(200), us(300)]);
}
// ANCHOR_END: three_short_sleeps_end_exactly

// ANCHOR: a_timer_due_first_fires_alone
#[test]
fn a_timer_due_first_fires_alone() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let (early_log, late_log) = (main_log.clone(), main_log);
        let early = spawn(async move {
            sleep(us(500)).await;
            early_log.push(format!("early woke at {:?}", now()));
            yield_now().await;
            early_log.push(format!("early again at {:?}", now()));
        });
        let late = spawn(async move {
            sleep(us(900)).await;
            late_log.push(format!("late woke at {:?}", now()));
        });
        early.await;
        late.await;
    });
    assert_snapshot!("a_timer_due_first_fires_alone", trace);
    // The clock stops at 0.5ms, where only the first timer is due: the
    // early task's second step comes before 0.9ms, as in asyncio.
    let expected =
        ["early woke at 500µs", "early again at 500µs", "late woke at 900µs"];
    assert_eq!(log.entries(), expected);
}
// ANCHOR_END: a_timer_due_first_fires_alone

// ANCHOR: main_returns_between_two_timers
#[test]
fn main_returns_between_two_timers() {
    let log = Log::default();
    let main_log = log.clone();
    let (_, trace) = traced(async move {
        let task_log = main_log.clone();
        drop(spawn(async move {
            loop {
                sleep(ms(2)).await;
                task_log.push(format!("tick at {:?}", now()));
            }
        }));
        sleep(us(3_500)).await;
        main_log.push(format!("main returns at {:?}", now()));
    });
    assert_snapshot!("main_returns_between_two_timers", trace);
    // At 3.5ms the clock has not reached the 4ms timer: the task does not
    // step again before shutdown drops it.
    assert_eq!(log.entries(), ["tick at 2ms", "main returns at 3.5ms"]);
    assert!(trace.contains("drop     t2"));
}
// ANCHOR_END: main_returns_between_two_timers
