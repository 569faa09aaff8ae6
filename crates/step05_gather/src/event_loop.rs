//! The event loop: what it holds, one pass of it (`run_once`), and `run`,
//! which drives it to the end.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use std::{fmt::Display, io, iter, panic::resume_unwind, rc::Rc};

use crate::selector::{Interest, Registration, Remote, Selector};
use crate::task::{Cancel, Task, TaskCell, TaskKey, spawn_named};
use crate::timer::{Clock, Timer, TimerKey, Timers};
use crate::trace::{HEADINGS, Millis, Select, Sink, Trace};

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
    /// The sockets tasks wait on: asyncio's selector.
    selector: Selector,
    /// Where other threads queue their wakes: shared with every waker.
    remote: Arc<Remote<TaskKey>>,
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

    /// Whether `remote` is this loop's door, and not another loop's.
    pub fn owns(&self, remote: &Arc<Remote<TaskKey>>) -> bool {
        Arc::ptr_eq(&self.remote, remote)
    }

    // ANCHOR: call_soon
    /// Schedules `handle` to run on the next pass: asyncio's `call_soon`.
    pub fn call_soon(&self, handle: Handle) {
        self.ready.borrow_mut().push_back(handle);
    }
    // ANCHOR_END: call_soon

    /// Takes one I/O call from the polled task's budget: `false` if spent.
    pub fn spend_budget(&self) -> bool {
        self.selector.spend_budget()
    }

    /// Numbers a gather of `futures` futures that begins, for the trace to
    /// tell nested ones apart; returns its number.
    pub fn gather(&self, futures: usize) -> u32 {
        let number = self.trace.gathers.get() + 1;
        self.trace.gathers.set(number);
        self.trace("gather", format_args!("g{number}: {futures} futures"));
        number
    }

    // ANCHOR: watch
    /// Wakes `waker` once `fd` is ready for `interest`: asyncio's
    /// `add_reader` and `add_writer`. `what` names the call the task waits
    /// to make, for the trace. Returns the registration's number.
    pub fn watch(
        &self,
        fd: RawFd,
        interest: Interest,
        what: &'static str,
        waker: Waker,
    ) -> io::Result<u64> {
        // Only a task's step polls a future that waits for I/O.
        let task = self.trace.running.get().unwrap_or_default();
        self.selector.register(fd, interest, (task, what), waker)
    }

    /// Stops watching registration `number`: asyncio's `remove_reader`
    /// and `remove_writer`. Returns what it waited for, if it still did.
    pub fn unwatch(&self, number: u64) -> Option<&'static str> {
        self.selector.deregister(number).map(|gone| gone.what)
    }
    // ANCHOR_END: watch

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
        let remote = Arc::clone(&self.remote);
        let task = Rc::new(TaskCell::new(key, remote, future));
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
    /// One pass of the loop, asyncio's `_run_once`: runs the handles that
    /// were ready when it began, after waiting for I/O.
    fn run_once(&self) {
        // A new pass: the trace numbers them, its `tick` column.
        self.trace.tick.set(self.trace.tick.get() + 1);
        // How long to wait: not at all if anything is ready; else until the
        // next timer is due; else for ever, until a socket or another thread
        // wakes us.
        // As in asyncio, timers cancelled at the top of the heap are dropped
        // first, so that the loop never waits for one of them.
        let next = self.timers.borrow_mut().next_deadline();
        let timeout = match self.ready.borrow().is_empty() {
            // select(2) counts in microseconds: rounded up.
            true => {
                next.map(|at| self.clock.until(at, Duration::from_micros(1)))
            }
            false => Some(Duration::ZERO),
        };
        // About to wait for ever: tasks that nothing can wake are named.
        let lost = timeout.is_none().then(|| self.unwakeable());
        if let Some(lost) = lost.filter(|lost| !lost.is_empty()) {
            self.trace("stuck", format_args!("{lost}: no waker held"));
        }
        if timeout != Some(Duration::ZERO) {
            let watched = self.selector.registrations();
            self.trace("select", Select(timeout, &watched));
        }
        // The one place the loop blocks. A virtual clock never waits for a
        // timer: `select` only looks, and if nothing is ready the clock
        // jumps by the timeout, the wait it skipped. (A real clock moved by
        // itself while `select` waited.)
        let wait = timeout
            .map(|t| if self.clock.is_virtual() { Duration::ZERO } else { t });
        let ready = self.selector.select(wait, self.remote.fd());
        if ready.registrations.is_empty() && !ready.pipe {
            timeout.inspect(|&timeout| self.clock.jump(timeout));
        }
        // I/O that is ready wakes its tasks, in the order they registered.
        for Registration { task, what, waker, .. } in ready.registrations {
            self.trace("ready", format_args!("t{task} {what}"));
            waker.wake();
        }
        // Wakes from other threads: each task was marked scheduled there.
        if ready.pipe {
            self.trace("ready", "wake pipe");
        }
        for key in self.remote.take(ready.pipe) {
            self.trace("wake", format_args!("t{} (from a thread)", key.id));
            self.call_soon(Handle::Step(key));
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
    }
    // ANCHOR_END: run_once

    // ANCHOR: cancel_all
    // Exercise 4.4 `cancel_all`: Cancel every task still in the slab, in spawn
    // order, tracing `cancel` and `drop` for each and dropping its future; then
    // those their destructors spawned, until the slab stays empty.
    // Hint: asyncio's `runners._cancel_all_tasks` cancels every task left when
    // `run`'s main is done. Slots are reused, so sort by id; empty the slab and
    // its free list first, as a destructor may spawn.
    // Tests: trace::shutdown_cancels_background_tasks_in_spawn_order,
    // trace::a_periodic_task_cancelled_mid_sleep
    // Read: 04-periodic.md#shutdown-cancel-in-spawn-order-on-the-loop
    /// Cancels every task still pending, in spawn order (slots are reused,
    /// so the slab's order is not), and then those that their destructors
    /// spawn into the emptied slab, until none is left. Each drops its
    /// future as its cancelled step would: asyncio's `CancelledError`,
    /// thrown in at the `await` where the task waits, becomes the drop of
    /// its future there.
    fn cancel_all(&self) {
        loop {
            // Emptied first: a destructor that spawns gets a fresh slot, and
            // its task is cancelled on the next round.
            self.free.take();
            let mut pending: Vec<Task> =
                self.tasks.take().into_iter().flatten().collect();
            if pending.is_empty() {
                return;
            }
            // Slots are reused, so the slab is not in spawn order: ids are.
            pending.sort_by_key(|task| task.header().key.id);
            for task in pending {
                let id = task.header().key.id;
                self.trace("cancel", format_args!("t{id}"));
                self.trace("drop", format_args!("t{id}"));
                // Its destructors run now, with the loop still current: they
                // may cancel timers, deregister fds, wake or spawn.
                task.drop_future();
            }
        }
    }
    // ANCHOR_END: cancel_all

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
        // Each poll starts with a full budget of I/O calls.
        self.selector.renew_budget();
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
    /// panic.
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
        // Pass after pass, until main is done. An idle loop with no timer
        // waits in `select` for a socket or another thread: it cannot
        // always tell that from a deadlock, so it waits, as asyncio does,
        // and traces the tasks that no wake can reach.
        let output = loop {
            event_loop.run_once();
            let joined = main.0.join(Waker::noop());
            if let Poll::Ready(Cancel::Finished(output)) = joined {
                break output;
            }
        };
        // Cancel what is still pending while the loop is current, so that
        // destructors may still spawn, wake, cancel timers and deregister
        // fds. asyncio's `run` cancels too, but then runs the loop until
        // the tasks have handled their `CancelledError`; a Rust future has
        // no `await` left to run once it is dropped.
        event_loop.cancel_all();
        // Timers still set hold wakers and callbacks, which may hold tasks'
        // handles: dropped while the loop is current, as their destructors may
        // use it.
        drop(event_loop.timers.take());
        // The loop itself goes with the last `Rc` of it: here, or in a waker
        // that outlives `run`.
        CURRENT.set(None);
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
    /// Registrations with the selector: tasks waiting on an fd.
    pub fds: usize,
}

/// Counts what the running loop holds. Panics outside [`run`].
pub fn live() -> Live {
    EventLoop::with(|event_loop| Live {
        tasks: event_loop.tasks.borrow().iter().flatten().count()
            + event_loop.trace.running.get().map_or(0, |_| 1),
        timers: event_loop.timers.borrow().len(),
        fds: event_loop.selector.registrations().len(),
    })
    .expect("live() called outside run()")
}

/// Runs `future` to completion on a new event loop: `asyncio.run`.
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Runtime::default().run(future)
}
