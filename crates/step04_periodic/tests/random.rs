//! Thousands of random programs of tasks, each run on the virtual clock:
//! spawns, yields, sleeps of random length, awaits of other tasks'
//! handles, sleeps dropped early, and panics. Every program must finish,
//! every task must end or be dropped at shutdown, nothing may be left
//! behind, and the same seed must give the same trace.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use step04_periodic::{
    JoinHandle, Live, Runtime, live, sleep, spawn, yield_now,
};

/// xorshift64: the same programs on every machine, for a given seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One step of a task's program.
enum Op {
    Yield,
    /// Sleep this many microseconds.
    Sleep(u64),
    /// Poll a sleep of this many microseconds once, then drop it.
    DropSleep(u64),
    /// Spawn a task that runs this program.
    Spawn(Vec<Op>),
    /// Await the handle of the task spawned last, if any is left.
    AwaitLast,
    Panic,
}

/// A random program of one to six steps; tasks nest at most three deep.
fn program(rng: &mut Rng, depth: u32) -> Vec<Op> {
    (0..1 + rng.below(6))
        .map(|_| match rng.below(20) {
            0..=3 => Op::Yield,
            4..=8 => Op::Sleep(rng.below(3000)),
            9..=10 => Op::DropSleep(1 + rng.below(3000)),
            11..=14 if depth < 3 => Op::Spawn(program(rng, depth + 1)),
            15..=17 => Op::AwaitLast,
            18 if rng.below(4) == 0 => Op::Panic,
            _ => Op::Yield,
        })
        .collect()
}

/// How each task ended, by task number; panics its awaiter caught; and a
/// token every task holds, to tell that nothing outlives the run.
#[derive(Default)]
struct Ledger {
    ends: RefCell<Vec<&'static str>>,
    caught: Cell<usize>,
    token: Rc<()>,
}

/// Records how its task ended, when the task's future is dropped.
struct Ending {
    ledger: Rc<Ledger>,
    number: usize,
    /// "dropped" unless the task says otherwise before its end.
    end: &'static str,
    _token: Rc<()>,
}

impl Drop for Ending {
    fn drop(&mut self) {
        self.ledger.ends.borrow_mut()[self.number] = self.end;
    }
}

/// Awaits `child`; a panic in it is caught and counted, not resumed.
async fn await_child(mut child: JoinHandle<()>, ledger: &Ledger) {
    let caught = poll_fn(|cx| {
        let child = Pin::new(&mut child);
        match panic::catch_unwind(AssertUnwindSafe(|| child.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    });
    if caught.await.is_err() {
        ledger.caught.set(ledger.caught.get() + 1);
    }
}

/// Runs `ops` as one task's program.
fn task(ops: Vec<Op>, ledger: Rc<Ledger>) -> Pin<Box<dyn Future<Output = ()>>> {
    let number = ledger.ends.borrow().len();
    ledger.ends.borrow_mut().push("running");
    // Made now, not at the first poll: a task may be dropped unpolled.
    let _token = Rc::clone(&ledger.token);
    let ending =
        Ending { ledger: Rc::clone(&ledger), number, end: "dropped", _token };
    Box::pin(async move {
        // The whole guard moves in, not just the field that is assigned.
        let mut ending = ending;
        let mut children: Vec<JoinHandle<()>> = Vec::new();
        for op in ops {
            match op {
                Op::Yield => yield_now().await,
                Op::Sleep(us) => sleep(Duration::from_micros(us)).await,
                Op::DropSleep(us) => {
                    let mut nap = Box::pin(sleep(Duration::from_micros(us)));
                    let _ =
                        poll_fn(|cx| Poll::Ready(nap.as_mut().poll(cx))).await;
                }
                Op::Spawn(ops) => {
                    children.push(spawn(task(ops, ledger.clone())))
                }
                Op::AwaitLast => {
                    if let Some(child) = children.pop() {
                        await_child(child, &ledger).await;
                    }
                }
                Op::Panic => {
                    ending.end = "panicked";
                    panic!("a planned panic");
                }
            }
        }
        ending.end = "finished";
    })
}

/// Runs program `seed`; returns its trace and how each task ended.
fn run_program(seed: u64) -> (String, Vec<&'static str>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let ops = program(&mut rng, 0);
    // Half the programs wait for every task before main returns; the
    // others return at once, and shutdown drops what is still pending.
    let wait_for_all = rng.below(2) == 0;
    let ledger = Rc::new(Ledger::default());
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
        sink.borrow_mut().push_str(line);
        sink.borrow_mut().push('\n');
    });
    let main_ledger = Rc::clone(&ledger);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.run(async move {
            drop(spawn(task(ops, main_ledger)));
            if wait_for_all {
                while live().tasks > 1 {
                    sleep(Duration::from_millis(1)).await;
                }
                // Every task has ended: no timer, no task is left.
                assert_eq!(live(), Live { tasks: 1, timers: 0, fds: 0 });
            }
        })
    }));
    assert!(outcome.is_ok(), "program {seed}: main never awaits a panic");
    let ends = ledger.ends.take();
    CAUGHT.set(CAUGHT.get() + ledger.caught.get());
    assert_eq!(Rc::strong_count(&ledger.token), 1, "program {seed} leaked");
    if wait_for_all {
        assert!(!ends.contains(&"dropped"), "program {seed}: {ends:?}");
    }
    (trace.take(), ends)
}

thread_local! {
    /// Panics that awaiting tasks caught, over all programs.
    static CAUGHT: Cell<usize> = const { Cell::new(0) };
}

// ANCHOR: random_programs_finish_and_leave_nothing_behind
#[test]
fn random_programs_finish_and_leave_nothing_behind() {
    let programs = if cfg!(miri) { 10 } else { 3000 };
    // Planned panics would each print a message: keep the output short.
    let report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref() != Some(&"a planned panic") {
            report(info);
        }
    }));
    let mut seen = [0; 3];
    for seed in 0..programs {
        let (trace, ends) = run_program(seed);
        for end in &ends {
            let kind = ["finished", "panicked", "dropped"]
                .iter()
                .position(|known| known == end);
            let kind = kind.unwrap_or_else(|| panic!("{seed}: {ends:?}"));
            seen[kind] += 1;
        }
        // The same seed, the same program, the same trace.
        if seed % 10 == 0 {
            assert_eq!(run_program(seed).0, trace, "program {seed}");
        }
    }
    let _ = panic::take_hook();
    // The programs did reach every ending, and awaited some panics (the
    // few that miri has time for need not).
    if !cfg!(miri) {
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
        assert!(CAUGHT.get() > 0, "no task awaited a task that panicked");
    }
}
// ANCHOR_END: random_programs_finish_and_leave_nothing_behind
