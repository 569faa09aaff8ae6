//! The event loop: what it holds, one pass of it (`run_once`), and `run`,
//! which drives it to the end.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use std::{fmt::Display, iter, panic::resume_unwind, rc::Rc, thread};

use crate::task::{Task, TaskCell, TaskKey, spawn_named};
use crate::timer::{Clock, Timer, TimerKey, Timers};
use crate::trace::{HEADINGS, Millis, Sink, Trace};

thread_local! {
    /// The loop `run` is driving on this thread, for `spawn` and wakers:
    /// a `Future`'s `poll` is given a waker, not a loop, so this is how
    /// they find it.
    static CURRENT: RefCell<Option<Rc<EventLoop>>> = const { RefCell::new(None) };
}

// ANCHOR: Handle
/// One piece of work on the ready queue: asyncio's `Handle`.
pub(crate) enum Handle {
    /// Poll this task once, if it is still there: asyncio's `Task.__step`.
    Step(TaskKey),
    /// Fire this timer, which is due, unless it was cancelled since:
    /// asyncio's `TimerHandle`.
    Timer(TimerKey),
}
// ANCHOR_END: Handle

// ANCHOR: EventLoop
/// The event loop: asyncio's `BaseEventLoop`. Every field is a `Cell` or
/// a `RefCell`, as the loop is shared with every task it polls.
#[derive(Default)]
pub(crate) struct EventLoop {
    /// Handles to run, oldest first: asyncio's `_ready`.
    ready: RefCell<VecDeque<Handle>>,
    /// Tasks between steps, in a slab: a task keeps its slot for life, and
    /// `free` lists the empty ones, so that spawning reuses them.
    tasks: RefCell<Vec<Option<Task>>>,
    free: RefCell<Vec<u32>>,
    /// How many tasks have been spawned: the last task's id.
    spawned: Cell<u32>,
    timers: RefCell<Timers>,
    clock: Clock,
    trace: Trace,
}
// ANCHOR_END: EventLoop

impl EventLoop {
    /// Calls `f` with the loop running on this thread, if there is one.
    pub fn with<R>(f: impl FnOnce(&EventLoop) -> R) -> Option<R> {
        // `try_with`: a waker may fire while thread-locals are torn down.
        CURRENT.try_with(|current| current.borrow().as_deref().map(f)).ok()?
    }

    /// Writes a line of the trace, if the loop is traced.
    pub fn trace(&self, what: &str, detail: impl Display) {
        // The clock is read only for a line that is written.
        self.trace.write(&self.clock, what, detail);
    }

    /// The time on the loop's clock: asyncio's `loop.time()`.
    pub fn time(&self) -> Duration {
        self.clock.now()
    }

    // ANCHOR: call_soon
    /// Schedules `handle` to run on the next pass: asyncio's `call_soon`.
    pub fn call_soon(&self, handle: Handle) {
        self.ready.borrow_mut().push_back(handle);
    }
    // ANCHOR_END: call_soon

    // ANCHOR: spawn
    /// Makes `future` a task and schedules its first step: asyncio's
    /// `create_task`. `name` is for the trace.
    pub fn spawn<F: Future + 'static>(
        &self,
        name: &str,
        future: F,
    ) -> Rc<TaskCell<F>> {
        // Ids wrap after 2³² spawns, harmlessly: see `TaskKey`.
        let id = self.spawned.get().wrapping_add(1);
        self.spawned.set(id);
        let mut tasks = self.tasks.borrow_mut();
        // The slot of a finished task if there is one, else a new one.
        let slot = self.free.borrow_mut().pop().unwrap_or(tasks.len() as u32);
        // No free slot: the slab grows by one.
        if slot as usize == tasks.len() {
            tasks.push(None);
        }
        let key = TaskKey { slot, id };
        let task = Rc::new(TaskCell::new(key, future));
        // The loop's `Rc` of the block; the caller's becomes the `JoinHandle`.
        tasks[slot as usize] = Some(task.clone());
        drop(tasks);
        self.trace("spawn", format_args!("t{id} {name}"));
        self.call_soon(Handle::Step(key));
        task
    }
    // ANCHOR_END: spawn

    // ANCHOR: call_at
    /// Sets `timer` to fire at `deadline` on the loop's clock: asyncio's
    /// `call_at`. Returns the timer's key, to cancel it by.
    pub fn call_at(&self, deadline: Duration, timer: Timer) -> TimerKey {
        let key = self.timers.borrow_mut().call_at(deadline, timer);
        let due = Millis(deadline);
        self.trace("timer", format_args!("#{} due {due}", key.number));
        key
    }

    /// Cancels timer `key` if it has not fired: asyncio's
    /// `TimerHandle.cancel`.
    pub fn cancel(&self, key: TimerKey) {
        let timer = self.timers.borrow_mut().take(key);
        if timer.is_some() {
            self.trace("cancel", format_args!("#{}", key.number));
        }
    }

    /// Ready once timer `key` has fired; else it will wake `waker`.
    pub fn poll_timer(&self, key: TimerKey, waker: &Waker) -> Poll<()> {
        self.timers.borrow_mut().poll(key, waker)
    }
    // ANCHOR_END: call_at

    // ANCHOR: run_once
    // Exercise 2.4 `run_once`: Stage 1's pass, with time first: the timeout
    // (zero if anything is ready; else until the next timer, by `Clock::until`
    // in nanoseconds; else none), the wait (trace `wait` with the timeout, as
    // `Millis`; a virtual clock jumps, a real one sleeps), every timer due by
    // now onto the ready queue as a `Handle::Timer`, then the `ntodo` handles,
    // each a `step` or a `fire`. Return `ntodo`.
    // Hint: asyncio's `_run_once`: the timeout,
    // `self._selector.select(timeout)`, the loop that moves due `_scheduled`
    // handles to `_ready`, then the `ntodo` loop. `thread::sleep` is this
    // stage's select.
    // Tests: trace::idle_wait_equals_time_to_next_deadline,
    // trace::long_sleep_beside_busy_tasks,
    // trace::a_timer_due_first_fires_alone, timer::a_sleeping_loop_uses_no_cpu
    // Read: 02-sleep.md#the-pass-and-the-busy-loop-answer
    /// One pass of the loop, asyncio's `_run_once`: runs the handles that
    /// were ready when it began, and returns how many there were.
    fn run_once(&self) -> usize {
        // A new pass: the trace numbers them, its `tick` column.
        self.trace.tick.set(self.trace.tick.get() + 1);
        // How long to wait: not at all if anything is ready; else until the
        // next timer is due; else for ever, which in this stage means never:
        // nothing could wake us, and `run` reports a deadlock.
        // As in asyncio, timers cancelled at the top of the heap are dropped
        // first, so that the loop never waits for one of them.
        let next = self.timers.borrow_mut().next_deadline();
        let timeout = match self.ready.borrow().is_empty() {
            // `thread::sleep` counts in nanoseconds: nothing to round.
            true => {
                next.map(|at| self.clock.until(at, Duration::from_nanos(1)))
            }
            false => Some(Duration::ZERO),
        };
        if let Some(timeout) = timeout.filter(|timeout| !timeout.is_zero()) {
            self.trace("wait", Millis(timeout));
            // A virtual clock jumps to the deadline; on a real one, the
            // thread sleeps, and the deadline has come when it wakes.
            // Simplification: nothing can cut this sleep short. Stage 3
            // waits in `select` instead, which I/O can end early.
            match self.clock.is_virtual() {
                true => self.clock.jump(timeout),
                false => thread::sleep(timeout),
            }
        }
        // Timers that are due join the ready queue, in deadline order.
        // Read once: every timer due by now fires in this pass; one due a
        // moment later waits for the next.
        let now = self.clock.now();
        while let Some(key) = self.timers.borrow_mut().pop_due(now) {
            self.call_soon(Handle::Timer(key));
        }
        // Run what is ready now, and only that: what it schedules waits for
        // the next pass, so a task that keeps waking itself cannot starve
        // the others. The queue, and its buffer, stay.
        let ntodo = self.ready.borrow().len();
        self.trace("tick", format_args!("{ntodo} ready"));
        // Popped one at a time, as each handle may push more.
        let ready = iter::from_fn(|| self.ready.borrow_mut().pop_front());
        // A step polls a task; a timer runs its callback or wakes its task,
        // whose step then comes on the next pass, as in asyncio.
        for handle in ready.take(ntodo) {
            match handle {
                Handle::Step(key) => self.step(key),
                Handle::Timer(key) => self.fire(key),
            }
        }
        ntodo
    }
    // ANCHOR_END: run_once

    // ANCHOR: step
    // Exercise 1.2 `step`: Poll the task `key` names, once. Take it out of its
    // slot if it is still there (else trace `skip` with `t{id} (finished)`, and
    // return), set `self.trace.running` while it runs, trace `poll`, poll it,
    // trace how it ended (`pending`, or the word its poll returns), and put it
    // back in its slot if it is pending, or free the slot if it is done.
    // Hint: asyncio's `Task.__step` runs the coroutine to its next `await`. The
    // task is out of the slab while it runs, so that it may spawn;
    // `Option::take_if` takes it only if its key is `key`.
    // Tests: trace::single_task, trace::spawn_inside_task,
    // trace::duplicate_and_spurious_wakes
    // Read: 01-tasks.md#a-task-and-its-step
    /// Polls a task once: asyncio's `Task.__step`.
    fn step(&self, key: TaskKey) {
        // Taken out of the slab while it runs, so that it may spawn. Gone,
        // or a newer task in its slot, if it finished after this step was
        // scheduled: then there is nothing to do.
        let slot = key.slot as usize;
        let task =
            self.tasks.borrow_mut()[slot].take_if(|t| t.header().key == key);
        let Some(task) = task else {
            return self.trace("skip", format_args!("t{} (finished)", key.id));
        };
        // While it runs, the trace's lines are the task's, and `live()` counts
        // it.
        self.trace.running.set(Some(key.id));
        self.trace("poll", "");
        let poll = task.poll();
        // The poll's result ends its step in the trace.
        let what =
            if let Poll::Ready(ended) = poll { ended } else { "pending" };
        self.trace(what, "");
        match poll {
            // Back in its slot, to wait for its next wake.
            Poll::Pending => self.tasks.borrow_mut()[slot] = Some(task),
            // Done: its block lives on while the handle holds it.
            Poll::Ready(_) => self.free.borrow_mut().push(key.slot),
        }
        self.trace.running.set(None);
    }
    // ANCHOR_END: step

    // ANCHOR: fire
    /// Fires a timer that is due: asyncio's `TimerHandle._run`. One
    /// cancelled since it came due is gone, and does nothing.
    fn fire(&self, key: TimerKey) {
        // Taken before it runs: a callback may set or cancel timers.
        let Some(timer) = self.timers.borrow_mut().take(key) else { return };
        self.trace("fire", format_args!("#{}", key.number));
        match timer {
            Timer::Wake(waker) => waker.wake(),
            // asyncio's `call_later` callback: it runs in the loop, between two
            // tasks' steps.
            Timer::Call(callback) => callback(),
        }
    }
    // ANCHOR_END: fire

    /// The pending tasks whose waker nothing holds but the task itself,
    /// which no wake can ever reach, as the trace names them.
    fn unwakeable(&self) -> String {
        let tasks = self.tasks.borrow();
        // The task's own block holds two: its header, and its waker.
        let lost = tasks.iter().flatten().map(|task| task.header());
        let lost = lost.filter(|header| Arc::strong_count(header) == 2);
        let lost = lost.map(|header| format!("t{}", header.key.id));
        lost.collect::<Vec<_>>().join(", ")
    }
}

// ANCHOR: Runtime
/// Builds an event loop and runs a future on it to completion.
#[derive(Default)]
pub struct Runtime {
    sink: Option<Sink>,
    virtual_time: bool,
}

impl Runtime {
    /// A runtime whose loop runs on a virtual clock: when nothing is ready,
    /// the clock jumps ahead by the wait instead of sleeping, so programs
    /// that sleep run instantly and give the same trace every time.
    pub fn virtual_time() -> Self {
        Runtime { sink: None, virtual_time: true }
    }

    /// Sends the loop's event trace to `sink`, a line at a time, starting
    /// with a line of column headings.
    pub fn trace(mut self, mut sink: impl FnMut(&str) + 'static) -> Self {
        sink(HEADINGS);
        self.sink = Some(Box::new(sink));
        self
    }

    /// Runs `future` as the main task until it finishes, as `asyncio.run`
    /// does, then drops every task still pending. Resumes the main task's
    /// panic; panics if it waits for something nothing can wake.
    pub fn run<F: Future + 'static>(self, future: F) -> F::Output {
        let trace = Trace::new(self.sink);
        // The loop's time starts at zero now, on either clock.
        let clock = match self.virtual_time {
            true => Clock::Virtual(Cell::default()),
            false => Clock::Real(Instant::now()),
        };
        let event_loop =
            Rc::new(EventLoop { trace, clock, ..Default::default() });
        // One loop a thread: a second one inside the first would take the wakes
        // of the first one's tasks.
        let nested = CURRENT.with_borrow(Option::is_some);
        assert!(!nested, "run() called inside run()");
        CURRENT.set(Some(Rc::clone(&event_loop)));
        // Main is a task like any other: `t1`.
        let main = spawn_named("main", future);
        // Pass after pass, until main is done, or until nothing at all is
        // ready: then nothing ever will be, and the tasks that no wake can
        // reach say why.
        let output = loop {
            if event_loop.run_once() == 0 {
                break Err(event_loop.unwakeable());
            }
            if let Some(output) = main.0.join(Waker::noop()) {
                break Ok(output);
            }
        };
        // Drop what is still pending while the loop is current, so that
        // those drops may spawn, wake and cancel timers; the loop drops the
        // rest.
        event_loop.free.take();
        for task in event_loop.tasks.take().into_iter().flatten() {
            event_loop.trace("drop", format_args!("t{}", task.header().key.id));
            // Its destructors run now, with the loop still current: they may
            // cancel timers, deregister fds, wake or spawn.
            task.drop_future();
        }
        // Timers still set hold wakers and callbacks, which may hold tasks'
        // handles: dropped while the loop is current, as their destructors may
        // use it.
        drop(event_loop.timers.take());
        // The loop itself goes with the last `Rc` of it: here, or in a waker
        // that outlives `run`.
        CURRENT.set(None);
        let output = output.unwrap_or_else(|unwakeable| {
            let why = "deadlock: main waits, no task is ready, no timer set";
            panic!("{why}; nothing holds the waker of: {unwakeable}")
        });
        output.unwrap_or_else(|panic| resume_unwind(panic))
    }
}
// ANCHOR_END: Runtime

/// What the running loop holds: asyncio's `all_tasks()`, counted.
#[derive(Debug, PartialEq)]
pub struct Live {
    /// Tasks not yet finished, the one running included.
    pub tasks: usize,
    /// Timers set and not yet fired or cancelled.
    pub timers: usize,
}

/// Counts what the running loop holds. Panics outside [`run`].
pub fn live() -> Live {
    EventLoop::with(|event_loop| Live {
        tasks: event_loop.tasks.borrow().iter().flatten().count()
            + event_loop.trace.running.get().map_or(0, |_| 1),
        timers: event_loop.timers.borrow().len(),
    })
    .expect("live() called outside run()")
}

/// Runs `future` to completion on a new event loop: `asyncio.run`.
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Runtime::default().run(future)
}
