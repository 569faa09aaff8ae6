//! Broken on purpose: a loop that polls every task on every pass, as if
//! wakers did not exist. Every task still ends, but the loop's work grows
//! with tasks times passes, where tiny-asyncio's loop polls a task only
//! when something has woken it. Chapter 1, "The loop", explains.
//!
//! Run it with `cargo run -p step01_tasks --example poll_everything`.

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use step01_tasks::{run, spawn, yield_now};

/// How many tasks wait, and how many yields the task that lets them go
/// makes first.
const WAITERS: usize = 100;
const YIELDS: usize = 100;

// ANCHOR: poll_everything
/// The broken loop: no ready queue and no wakers. Each pass polls every
/// task that has not finished, with a waker that does nothing, until all
/// have finished.
fn poll_everything(mut tasks: Vec<Pin<Box<dyn Future<Output = ()>>>>) {
    let mut cx = Context::from_waker(Waker::noop());
    while !tasks.is_empty() {
        tasks.retain_mut(|task| task.as_mut().poll(&mut cx).is_pending());
    }
}
// ANCHOR_END: poll_everything

/// A gate that opens once, written right: it keeps the waker of every
/// poll that found it shut, and opening it wakes them all.
#[derive(Clone, Default)]
struct Gate(Rc<RefCell<(bool, Vec<Waker>)>>);

impl Gate {
    fn open(&self) {
        let mut gate = self.0.borrow_mut();
        gate.0 = true;
        gate.1.drain(..).for_each(Waker::wake);
    }
}

impl Future for Gate {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        let mut gate = self.0.borrow_mut();
        if gate.0 {
            return Poll::Ready(());
        }
        gate.1.push(cx.waker().clone());
        Poll::Pending
    }
}

/// Counts the polls of the future it wraps.
struct Counted<F>(Pin<Box<F>>, Rc<Cell<u64>>);

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<F::Output> {
        self.1.set(self.1.get() + 1);
        self.0.as_mut().poll(cx)
    }
}

/// The workload, each future counting its polls into `polls`: one task
/// yields `YIELDS` times and then opens the gate, for which `WAITERS`
/// tasks wait.
fn tasks(polls: &Rc<Cell<u64>>) -> Vec<Pin<Box<dyn Future<Output = ()>>>> {
    let gate = Gate::default();
    let opener = gate.clone();
    let mut tasks: Vec<Pin<Box<dyn Future<Output = ()>>>> = Vec::new();
    tasks.push(Box::pin(Counted(
        Box::pin(async move {
            for _ in 0..YIELDS {
                yield_now().await;
            }
            opener.open();
        }),
        Rc::clone(polls),
    )));
    for _ in 0..WAITERS {
        tasks.push(Box::pin(Counted(Box::pin(gate.clone()), Rc::clone(polls))));
    }
    tasks
}

/// Runs the program, and gives what it prints.
pub fn output() -> String {
    let broken = Rc::new(Cell::new(0));
    poll_everything(tasks(&broken));
    let woken = Rc::new(Cell::new(0));
    let work = tasks(&woken);
    run(async move {
        let handles: Vec<_> = work.into_iter().map(spawn).collect();
        for handle in handles {
            handle.await;
        }
    });
    format!(
        "{WAITERS} tasks wait for a gate that a task opens after {YIELDS} \
         yields.\n\
         polling every task on every pass: {} polls\n\
         polling only the tasks that were woken: {} polls\n",
        broken.get(),
        woken.get()
    )
}

fn main() {
    print!("{}", output());
}
