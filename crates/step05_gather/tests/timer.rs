//! Timers, `sleep` and the clock, beyond what a trace shows; and the
//! busy-loop question, measured on the real clock.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use step05_gather::{
    Runtime, call_at, call_later, now, run, sleep, spawn, yield_now,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `main` with a trace; returns its output and the trace's lines.
fn traced<T: 'static>(
    runtime: Runtime,
    main: impl Future<Output = T> + 'static,
) -> (T, Vec<String>) {
    let lines = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&lines);
    let output = runtime
        .trace(move |line| sink.borrow_mut().push(line.to_string()))
        .run(main);
    (output, lines.take())
}

/// How many passes the loop made: its `tick` lines.
fn passes(trace: &[String]) -> usize {
    trace.iter().filter(|line| line.contains("  tick  ")).count()
}

/// CPU time this thread has used: user plus system.
fn thread_cpu_time() -> Duration {
    // SAFETY: getrusage writes a `rusage` into the struct we pass and reads
    // nothing else; RUSAGE_THREAD asks for this thread's use alone, so
    // tests running on other threads do not count.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

// ANCHOR: a_sleeping_loop_uses_no_cpu
#[test]
fn a_sleeping_loop_uses_no_cpu() {
    let cpu = thread_cpu_time();
    let wall = Instant::now();
    let ((), trace) = traced(Runtime::default(), sleep(ms(200)));
    let (cpu, wall) = (thread_cpu_time() - cpu, wall.elapsed());
    assert!(wall >= ms(200), "the sleep took the real time: {wall:?}");
    // A loop that polled with a zero timeout would burn ~200ms of CPU.
    assert!(cpu < ms(20), "200ms of sleep used {cpu:?} of CPU");
    // One pass to set the timer, one to wait for it, one to finish. Four
    // are allowed, to keep the test from hanging on a detail; a loop
    // that spun would make thousands.
    println!("200ms of sleep: {cpu:?} of CPU, {} passes", passes(&trace));
    assert!(
        passes(&trace) <= 4,
        "{} passes:\n{}",
        passes(&trace),
        trace.join("\n")
    );
}
// ANCHOR_END: a_sleeping_loop_uses_no_cpu

// ANCHOR: a_deadline_under_a_microsecond_does_not_spin
#[test]
fn a_deadline_under_a_microsecond_does_not_spin() {
    // 0.4µs away, under select's unit: a wait rounded down to 0µs would
    // return at once, find nothing due, and go again until the deadline
    // passed. Rounded up to 1µs, one wait reaches it.
    let ((), trace) =
        traced(Runtime::default(), sleep(Duration::from_nanos(400)));
    assert!(passes(&trace) <= 4, "{}", trace.join("\n"));
    // One wait at most. (None, if the thread was held up past the
    // deadline before the loop could wait: then there is nothing to wait
    // for, and still no spin.)
    let waits: Vec<_> =
        trace.iter().filter(|line| line.contains("  select  ")).collect();
    assert!(waits.len() <= 1, "{}", trace.join("\n"));
}
// ANCHOR_END: a_deadline_under_a_microsecond_does_not_spin

// ANCHOR: a_virtual_clock_does_not_sleep
#[test]
fn a_virtual_clock_does_not_sleep() {
    let wall = Instant::now();
    let elapsed = Runtime::virtual_time().run(async {
        sleep(Duration::from_secs(3600)).await;
        now()
    });
    assert_eq!(elapsed, Duration::from_secs(3600));
    // Generous: the point is that the hour was never slept.
    assert!(wall.elapsed() < Duration::from_secs(60));
}
// ANCHOR_END: a_virtual_clock_does_not_sleep

// ANCHOR: busy_tasks_and_a_real_sleep_do_not_starve_each_other
#[test]
fn busy_tasks_and_a_real_sleep_do_not_starve_each_other() {
    let woke = Rc::new(Cell::new(false));
    let turns = Rc::new(Cell::new(0u64));
    let (sleeper_woke, busy_turns) = (Rc::clone(&woke), Rc::clone(&turns));
    run(async move {
        let sleeper = spawn(async move {
            sleep(ms(20)).await;
            sleeper_woke.set(true);
        });
        // Always ready, until the sleeper wakes: the loop must still fire
        // its timer, although it never has a pass with nothing to do.
        let busy = spawn(async move {
            while !woke.get() {
                busy_turns.set(busy_turns.get() + 1);
                assert!(
                    busy_turns.get() < 100_000_000,
                    "the timer never fired"
                );
                yield_now().await;
            }
        });
        sleeper.await;
        busy.await;
    });
    assert!(turns.get() > 1, "the busy task ran while the sleeper slept");
}
// ANCHOR_END: busy_tasks_and_a_real_sleep_do_not_starve_each_other

// ANCHOR: a_sleep_polled_again_wakes_its_new_task
#[test]
fn a_sleep_polled_again_wakes_its_new_task() {
    let (woken_by, trace) = traced(Runtime::virtual_time(), async {
        let nap = Rc::new(RefCell::new(Box::pin(sleep(ms(5)))));
        let first = Rc::clone(&nap);
        // t2 polls the sleep once, so its timer holds t2's waker, and ends.
        let _pending = spawn(poll_fn(move |cx| {
            Poll::Ready(first.borrow_mut().as_mut().poll(cx))
        }))
        .await;
        // t3 polls it next: the timer must wake t3, not t2.
        spawn(poll_fn(move |cx| {
            nap.borrow_mut().as_mut().poll(cx).map(|()| "t3")
        }))
        .await
    });
    assert_eq!(woken_by, "t3");
    assert!(
        trace.iter().any(|line| line.ends_with("loop  wake     t3")),
        "{}",
        trace.join("\n")
    );
    assert!(!trace.iter().any(|line| line.ends_with("loop  wake     t2")));
}
// ANCHOR_END: a_sleep_polled_again_wakes_its_new_task

// ANCHOR: cancel_after_firing_or_twice_does_nothing
#[test]
fn cancel_after_firing_or_twice_does_nothing() {
    let fired = Rc::new(Cell::new(0));
    let counter = Rc::clone(&fired);
    let ((), trace) = traced(Runtime::virtual_time(), async move {
        let timer = call_later(ms(1), move || counter.set(counter.get() + 1));
        assert_eq!(timer.when(), ms(1));
        sleep(ms(2)).await;
        timer.cancel();
        timer.cancel();
    });
    assert_eq!(fired.get(), 1);
    assert!(!trace.iter().any(|line| line.contains("cancel")));
}
// ANCHOR_END: cancel_after_firing_or_twice_does_nothing

// ANCHOR: a_cancelled_timer_leaves_no_wait_behind
#[test]
fn a_cancelled_timer_leaves_no_wait_behind() {
    // Left in the timer map, a cancelled timer would still set the next
    // wait: the loop would wake at 1ms for nothing, then wait again.
    let ((), trace) = traced(Runtime::virtual_time(), async {
        for _ in 0..1000 {
            call_later(ms(1), || unreachable!("cancelled")).cancel();
        }
        sleep(ms(5)).await;
    });
    let waits: Vec<_> =
        trace.iter().filter(|line| line.contains("  select  ")).collect();
    assert_eq!(waits.len(), 1);
    assert!(waits[0].ends_with("wait 5.0ms"), "{}", waits[0]);
}
// ANCHOR_END: a_cancelled_timer_leaves_no_wait_behind

/// The message of a panic, whether it was raised with a `&str` or a
/// `String`.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
    text.or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default()
}

// ANCHOR: a_deadline_in_the_past_fires_on_the_next_pass
#[test]
fn a_deadline_in_the_past_fires_on_the_next_pass() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&order);
    Runtime::virtual_time().run(async move {
        sleep(ms(10)).await;
        let late = Rc::clone(&log);
        call_at(ms(3), move || late.borrow_mut().push("timer"));
        yield_now().await;
        log.borrow_mut().push("main");
    });
    // Both in the next pass: due timers join the ready queue behind what
    // is already there, as in asyncio, so main's step comes first.
    assert_eq!(*order.borrow(), ["main", "timer"]);
}
// ANCHOR_END: a_deadline_in_the_past_fires_on_the_next_pass

// ANCHOR: a_timer_callback_may_spawn_and_set_timers
#[test]
fn a_timer_callback_may_spawn_and_set_timers() {
    let done = Rc::new(Cell::new(false));
    let flag = Rc::clone(&done);
    Runtime::virtual_time().run(async move {
        call_later(ms(1), move || {
            drop(spawn(async move {
                sleep(ms(1)).await;
                flag.set(true);
            }))
        });
        sleep(ms(5)).await;
    });
    assert!(done.get());
}
// ANCHOR_END: a_timer_callback_may_spawn_and_set_timers

// ANCHOR: time_functions_outside_run_panic_with_a_reason
#[test]
fn time_functions_outside_run_panic_with_a_reason() {
    for (name, call) in [
        (
            "now()",
            Box::new(|| assert!(now() > Duration::ZERO)) as Box<dyn Fn()>,
        ),
        (
            "call_at()",
            Box::new(|| {
                call_at(ms(1), || ());
            }),
        ),
        (
            "call_later()",
            Box::new(|| {
                call_later(ms(1), || ());
            }),
        ),
    ] {
        let panic =
            panic::catch_unwind(AssertUnwindSafe(call)).expect_err(name);
        let message = message(panic);
        assert!(message.starts_with(name), "{message}");
    }
}
// ANCHOR_END: time_functions_outside_run_panic_with_a_reason

// ANCHOR: a_timed_wait_has_no_timer_slack_and_the_thread_gets_its_own_back
#[test]
fn a_timed_wait_has_no_timer_slack_and_the_thread_gets_its_own_back() {
    // SAFETY: PR_GET_TIMERSLACK only reads this thread's timer slack.
    let slack = || unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) };
    let before = slack();
    let during = run(async move {
        sleep(ms(1)).await;
        slack()
    });
    // 1ns, not Linux's default 50µs: a timeout ends at its deadline.
    assert_eq!(during, 1);
    assert_eq!(slack(), before, "run gave the thread its slack back");
}
// ANCHOR_END: a_timed_wait_has_no_timer_slack_and_the_thread_gets_its_own_back
