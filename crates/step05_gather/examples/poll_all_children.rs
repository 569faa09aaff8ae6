//! Broken on purpose: a gather that polls every child on every wake, all
//! of them with the task's own waker. It gives the right results, and
//! for a few children it is what `futures::join_all` does on purpose; but
//! a wake cannot say which child it was for, so each one costs a poll of
//! every child still running. Chapter 5, "A waker for each child",
//! explains; `gather` gives each child a waker of its own.
//!
//! Run it with `cargo run -p step05_gather --example poll_all_children`.

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use step05_gather::{Runtime, gather, sleep};

/// How many children; each sleeps a different time, so that each wake is
/// a pass of its own.
const CHILDREN: u64 = 1_000;

// ANCHOR: gather_polling_all
/// The broken gather: every poll polls every child that has not finished,
/// with the waker it was itself polled with.
async fn gather_polling_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut children: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<_> = children.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (child, output) in children.iter_mut().zip(&mut outputs) {
            if output.is_none()
                && let Poll::Ready(out) = child.as_mut().poll(cx)
            {
                *output = Some(out);
            }
        }
        match outputs.iter().all(Option::is_some) {
            true => Poll::Ready(outputs.drain(..).flatten().collect()),
            false => Poll::Pending,
        }
    })
    .await
}
// ANCHOR_END: gather_polling_all

/// Counts the polls of the future it wraps.
struct Counted<F>(Pin<Box<F>>, Rc<Cell<u64>>);

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<F::Output> {
        self.1.set(self.1.get() + 1);
        self.0.as_mut().poll(cx)
    }
}

/// The children, counting their polls into `polls`: child `i` sleeps
/// `i + 1` ms and gives `i`.
fn children(polls: &Rc<Cell<u64>>) -> Vec<impl Future<Output = u64> + use<>> {
    let child = |i: u64| async move {
        sleep(Duration::from_millis(i + 1)).await;
        i
    };
    (0..CHILDREN)
        .map(|i| Counted(Box::pin(child(i)), Rc::clone(polls)))
        .collect()
}

/// Runs the program, and gives what it prints.
pub fn output() -> String {
    let (broken, right) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let all = children(&broken);
    let sum = Runtime::virtual_time()
        .run(async { gather_polling_all(all).await.into_iter().sum::<u64>() });
    let each = children(&right);
    let same = Runtime::virtual_time()
        .run(async { gather(each).await.into_iter().sum::<u64>() });
    assert_eq!(sum, same, "both gathers give the same outputs");
    format!(
        "{CHILDREN} children, each woken once, at a time of its own:\n\
         polling every child on every wake: {} polls\n\
         polling the child each wake is for: {} polls\n",
        broken.get(),
        right.get()
    )
}

fn main() {
    print!("{}", output());
}
