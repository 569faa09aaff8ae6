//! The event loop: a ready queue of handles and a timer map, run one pass
//! at a time, the event trace it writes, and `run`, which drives it.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, atomic::Ordering};
use std::task::{Context, Poll, Waker};
use std::{fmt::Display, iter, panic::resume_unwind, rc::Rc};
use std::{time::Duration, time::Instant};

use crate::task::{Runnable, Task, TaskWaker, spawn_named};
use crate::timer::{Clock, Millis};

thread_local! {
    /// The loop `run` is driving on this thread, for `spawn` and wakers.
    static CURRENT: RefCell<Option<Rc<EventLoop>>> = const { RefCell::new(None) };
}

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
    /// The pass the loop is in, and the task it is polling, for the trace.
    tick: Cell<u64>,
    running: Cell<Option<u64>>,
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
        let header = Arc::new(TaskWaker { id, slot, scheduled: true.into() });
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
    /// One pass of the loop, asyncio's `_run_once`: runs the handles that
    /// were ready when it began, and returns how many there were.
    fn run_once(&self) -> usize {
        self.tick.set(self.tick.get() + 1);
        // How long to wait: not at all if anything is ready; else until the
        // next timer is due; else not at all, for `run` to report that
        // nothing can happen.
        let next = self.timers.borrow().keys().next().map(|&(at, _)| at);
        let timeout = match next {
            Some(at) if self.ready.borrow().is_empty() => {
                at.saturating_sub(self.clock.now())
            }
            _ => Duration::ZERO,
        };
        if !timeout.is_zero() {
            self.trace("wait", Millis(timeout));
            self.clock.wait(timeout);
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
        ntodo
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
    /// panic; panics if it waits for something nothing can wake.
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
        // Pass after pass, until main is done or nothing at all is ready.
        let mut output = None;
        while output.is_none() && event_loop.run_once() > 0 {
            output = main.0.join(Waker::noop());
        }
        // If main waits for ever, the tasks that no wake can reach say why.
        let unwakeable = event_loop.unwakeable();
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
        let Some(output) = output else {
            let why = "deadlock: main waits, no task is ready, no timer set";
            panic!("{why}; nothing holds the waker of: {unwakeable}")
        };
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
            + event_loop.running.get().map_or(0, |_| 1),
        timers: event_loop.timers.borrow().len(),
    })
    .expect("live() called outside run()")
}

/// Runs `future` to completion on a new event loop: `asyncio.run`.
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Runtime::default().run(future)
}
