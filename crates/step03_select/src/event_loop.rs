//! The event loop: a ready queue of handles, a timer map and a selector,
//! run one pass at a time, the event trace it writes, and `run`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, atomic::Ordering};
use std::task::{Context, Poll, Waker};
use std::{fmt::Display, iter, panic::resume_unwind, rc::Rc};
use std::{time::Duration, time::Instant};

use crate::selector::{Registration, Selector, Wait, Watched};
use crate::task::{Runnable, Task, TaskWaker, spawn_named};
use crate::timer::{Clock, Millis};

thread_local! {
    /// The loop `run` is driving on this thread, for `spawn` and wakers.
    static CURRENT: RefCell<Option<Rc<EventLoop>>> = const { RefCell::new(None) };
}

/// How many I/O operations a task may make in one poll: tokio allows 128.
const BUDGET: u32 = 32;

/// Where the trace goes: a function given each line as it happens.
type Sink = Box<dyn FnMut(&str)>;

// ANCHOR: Handle
/// One piece of work on the ready queue: asyncio's `Handle`.
pub(crate) enum Handle {
    /// Poll the task in this slot once, if it still has this id:
    /// asyncio's `Task.__step`.
    Step(usize, u64),
    /// Fire the timer with this number, which is due: asyncio's
    /// `TimerHandle`.
    Timer(u64, Timer),
}

/// What a timer does when it fires.
pub(crate) enum Timer {
    /// Wakes a task: what `sleep` sets, so it needs no callback.
    Wake(Waker),
    /// Runs a callback: what `call_at` and `call_later` set.
    Call(Box<dyn FnOnce()>),
}
// ANCHOR_END: Handle

// ANCHOR: EventLoop
/// The event loop: asyncio's `BaseEventLoop`, cut down to a ready queue.
#[derive(Default)]
pub(crate) struct EventLoop {
    /// Handles to run, oldest first: asyncio's `_ready`.
    ready: RefCell<VecDeque<Handle>>,
    /// Tasks between steps, in a slab: a task keeps its slot for life, and
    /// `free` lists the empty ones. Ids count spawns: `t1` is main.
    tasks: RefCell<Vec<Option<Task>>>,
    free: RefCell<Vec<usize>>,
    spawned: Cell<u64>,
    /// Timers by deadline, then by number, so that timers due at the same
    /// time fire in the order they were set: asyncio's `_scheduled` heap.
    pub timers: RefCell<BTreeMap<(Duration, u64), Timer>>,
    timers_set: Cell<u64>,
    /// Every timer due by this time has left the map: the time at which
    /// the last pass took the due ones.
    pub fired_until: Cell<Duration>,
    pub clock: Clock,
    /// The sockets tasks wait on, and the wake pipe: asyncio's selector.
    pub selector: Selector,
    /// I/O operations the task being polled may still make before it must
    /// yield: tokio's coop budget.
    budget: Cell<u32>,
    /// The pass the loop is in, and the task it is polling, for the trace.
    tick: Cell<u64>,
    pub running: Cell<Option<u64>>,
    sink: Option<RefCell<Sink>>,
    /// The pass of the last line traced, to set the passes apart.
    traced_tick: Cell<u64>,
}
// ANCHOR_END: EventLoop

impl EventLoop {
    /// Calls `f` with the loop running on this thread, if there is one.
    pub fn with<R>(f: impl FnOnce(&EventLoop) -> R) -> Option<R> {
        // `try_with`: a waker may fire while thread-locals are torn down.
        CURRENT.try_with(|current| current.borrow().as_deref().map(f)).ok()?
    }

    // ANCHOR: trace
    /// Writes a line of the trace: the pass, who acted (the running task,
    /// or the loop itself), what happened, and the details.
    pub fn trace(&self, what: &str, detail: impl Display) {
        // Untraced, the loop pays one branch: nothing is borrowed or built.
        if let Some(sink) = &self.sink {
            let who =
                self.running.get().map_or("loop".into(), |t| format!("t{t}"));
            let (tick, now) = (self.tick.get(), Millis(self.clock.now()));
            let line =
                format!("{tick:>4} {now:>9}  {who:<5} {what:<8} {detail}");
            let mut sink = sink.borrow_mut();
            if self.traced_tick.replace(tick) != tick {
                sink("");
            }
            sink(line.trim_end());
        }
    }
    // ANCHOR_END: trace

    /// Takes one I/O operation from the polled task's budget: `false` if
    /// it is spent, and the task must yield first. Each poll renews it.
    pub fn spend_budget(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        if left == 0 {
            self.trace("budget", format_args!("{BUDGET} I/O calls: yield"));
        }
        left > 0
    }

    // ANCHOR: call_soon
    /// Schedules `handle` to run on the next pass: asyncio's `call_soon`.
    pub fn call_soon(&self, handle: Handle) {
        self.ready.borrow_mut().push_back(handle);
    }
    // ANCHOR_END: call_soon

    // ANCHOR: spawn
    /// Adds a task and schedules its first step; `name` is for the trace.
    pub fn spawn(&self, cell: Rc<dyn Runnable>, name: &str) {
        let id = self.spawned.get() + 1;
        self.spawned.set(id);
        let mut tasks = self.tasks.borrow_mut();
        let slot = self.free.borrow_mut().pop().unwrap_or(tasks.len());
        let remote = Arc::clone(&self.selector.remote);
        let scheduled = true.into();
        let header = Arc::new(TaskWaker { id, slot, remote, scheduled });
        let waker = Waker::from(Arc::clone(&header));
        if slot == tasks.len() {
            tasks.push(None);
        }
        tasks[slot] = Some(Task { header, waker, cell });
        drop(tasks);
        self.trace("spawn", format_args!("t{id} {name}"));
        self.call_soon(Handle::Step(slot, id));
    }
    // ANCHOR_END: spawn

    // ANCHOR: call_at
    /// Schedules `callback` to run at `deadline` on the loop's clock:
    /// asyncio's `call_at`. Returns the timer's key, to cancel it by.
    pub fn call_at(&self, deadline: Duration, timer: Timer) -> (Duration, u64) {
        let number = self.timers_set.get() + 1;
        self.timers_set.set(number);
        self.timers.borrow_mut().insert((deadline, number), timer);
        self.trace("timer", format_args!("#{number} due {}", Millis(deadline)));
        (deadline, number)
    }

    /// Removes the timer `key` if it has not fired: asyncio's
    /// `TimerHandle.cancel`.
    pub fn cancel(&self, key: (Duration, u64)) {
        let timer = self.timers.borrow_mut().remove(&key);
        if timer.is_some() {
            self.trace("cancel", format_args!("#{}", key.1));
        }
    }
    // ANCHOR_END: call_at

    // ANCHOR: run_once
    /// One pass of the loop, asyncio's `_run_once`: waits for I/O, then
    /// runs the handles that are ready.
    fn run_once(&self) {
        self.tick.set(self.tick.get() + 1);
        // How long to wait: not at all if anything is ready; else until the
        // next timer is due; else for as long as it takes a socket or a
        // thread to wake us.
        let next = self.timers.borrow().keys().next().map(|&(at, _)| at);
        let timeout = match self.ready.borrow().is_empty() {
            true => next.map(|at| at.saturating_sub(self.clock.now())),
            false => Some(Duration::ZERO),
        };
        // About to wait for ever: a task whose waker nothing holds will
        // never wake, whatever comes, and the trace says so.
        let lost = timeout.is_none().then(|| self.unwakeable());
        if let Some(lost) = lost.filter(|lost| !lost.is_empty()) {
            self.trace("stuck", format_args!("{lost}: no waker held"));
        }
        if timeout != Some(Duration::ZERO) {
            let (wait, watched) = (Wait(timeout), Watched(&self.selector));
            self.trace("select", format_args!("wait {wait}{watched}"));
        }
        let ready = self.clock.wait(timeout, &self.selector);
        for Registration { task, what, waker, .. } in ready.registrations {
            self.trace("ready", format_args!("t{task} {what}"));
            waker.wake();
        }
        if ready.pipe {
            self.trace("ready", "wake pipe");
        }
        for (slot, id) in self.selector.remote.take() {
            self.trace("wake", format_args!("t{id} (from a thread)"));
            self.call_soon(Handle::Step(slot, id));
        }
        // Timers that are due join the ready queue, in deadline order.
        let now = self.clock.now();
        self.fired_until.set(now);
        while let Some(entry) = self.timers.borrow_mut().first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, number), timer) = entry.remove_entry();
            self.call_soon(Handle::Timer(number, timer));
        }
        // Run what is ready now, and only that: what it schedules waits for
        // the next pass, so a task that keeps waking itself cannot starve
        // the others. The queue, and its buffer, stay.
        let ntodo = self.ready.borrow().len();
        self.trace("tick", format_args!("{ntodo} ready"));
        let ready = iter::from_fn(|| self.ready.borrow_mut().pop_front());
        for handle in ready.take(ntodo) {
            match handle {
                Handle::Step(slot, id) => self.step(slot, id),
                Handle::Timer(number, timer) => {
                    self.trace("fire", format_args!("#{number}"));
                    match timer {
                        Timer::Wake(waker) => waker.wake(),
                        Timer::Call(callback) => callback(),
                    }
                }
            }
        }
    }
    // ANCHOR_END: run_once

    // ANCHOR: step
    /// Polls a task once: asyncio's `Task.__step`.
    fn step(&self, slot: usize, id: u64) {
        // Taken out of the slab while it runs, so that it may spawn. Gone,
        // or a newer task in its slot, if it finished after this step was
        // scheduled: then there is nothing to do.
        let task = self.tasks.borrow_mut()[slot].take_if(|t| t.header.id == id);
        let Some(task) = task else {
            return self.trace("skip", format_args!("t{id} (finished)"));
        };
        // From here on a wake schedules another step, even during the poll.
        task.header.scheduled.store(false, Ordering::Release);
        self.budget.set(BUDGET);
        self.running.set(Some(id));
        self.trace("poll", "");
        let poll = task.cell.poll(&mut Context::from_waker(&task.waker));
        let what =
            if let Poll::Ready(ended) = poll { ended } else { "pending" };
        self.trace(what, "");
        match poll {
            Poll::Pending => self.tasks.borrow_mut()[slot] = Some(task),
            Poll::Ready(_) => self.free.borrow_mut().push(slot),
        }
        self.running.set(None);
    }
    // ANCHOR_END: step

    /// The pending tasks whose waker nothing holds but the loop, which no
    /// wake can ever reach, as the trace names them.
    fn unwakeable(&self) -> String {
        let tasks = self.tasks.borrow();
        // The loop holds each waker twice: as `header`, and as `waker`.
        let lost = tasks.iter().flatten();
        let lost = lost.filter(|t| Arc::strong_count(&t.header) == 2);
        let lost: Vec<_> = lost.map(|t| format!("t{}", t.header.id)).collect();
        lost.join(", ")
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
        sink("tick      time  who   event    detail");
        self.sink = Some(Box::new(sink));
        self
    }

    /// Runs `future` as the main task until it finishes, as `asyncio.run`
    /// does, then drops every task still pending. Resumes the main task's
    /// panic.
    pub fn run<F: Future + 'static>(self, future: F) -> F::Output {
        let sink = self.sink.map(RefCell::new);
        let clock = match self.virtual_time {
            true => Clock::Virtual(Cell::default()),
            false => Clock::Real(Instant::now()),
        };
        let event_loop =
            Rc::new(EventLoop { sink, clock, ..Default::default() });
        let nested = CURRENT.with_borrow(Option::is_some);
        assert!(!nested, "run() called inside run()");
        CURRENT.set(Some(Rc::clone(&event_loop)));
        let main = spawn_named("main", future);
        // Pass after pass, until main is done. An idle loop with no timer
        // waits in `select` for a socket or another thread: it cannot
        // always tell that from a deadlock, so it waits, as asyncio does,
        // and traces the tasks that no wake can reach.
        let output = loop {
            event_loop.run_once();
            if let Some(output) = main.0.join(Waker::noop()) {
                break output;
            }
        };
        // Drop what is still pending while the loop is current, so that
        // those drops may spawn, wake and cancel timers; the loop drops the
        // rest.
        event_loop.free.take();
        for task in event_loop.tasks.take().into_iter().flatten() {
            event_loop.trace("drop", format_args!("t{}", task.header.id));
            task.cell.drop_future();
        }
        drop(event_loop.timers.take());
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
            + event_loop.running.get().map_or(0, |_| 1),
        timers: event_loop.timers.borrow().len(),
        fds: event_loop.selector.watching() - 1,
    })
    .expect("live() called outside run()")
}

/// Runs `future` to completion on a new event loop: `asyncio.run`.
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Runtime::default().run(future)
}
