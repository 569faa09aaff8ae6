//! Many futures at once inside one task: `gather`, which gives every
//! output in argument order; `try_gather`, which stops at the first
//! error; the `gather!` macro, for futures of different types; and
//! `timeout`, asyncio's `wait_for`.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use std::{convert::Infallible, fmt, future::poll_fn, mem, pin::pin};

use crate::event_loop::EventLoop;
use crate::sleep::sleep;

// ANCHOR: ChildWaker
/// Which children of a gather were woken, shared by their wakers. Behind
/// a lock, as a `Waker` may be woken from any thread.
struct Woken {
    /// The children woken and not yet polled, each once, in wake order.
    queue: Vec<usize>,
    /// Whether each child is in `queue`.
    queued: Vec<bool>,
    /// The waker of the task the gather runs in.
    task: Option<Waker>,
}

/// The waker of one child of a gather: it notes the child's index, then
/// wakes the task.
struct ChildWaker {
    index: usize,
    woken: Arc<Mutex<Woken>>,
}

impl Wake for ChildWaker {
    // Exercise 5.1 `child_wake`: Note that this child was woken, once: unless
    // it is queued already, mark it `queued`, push its index onto `queue`, and
    // wake the task the gather runs in, with the lock let go.
    // Hint: asyncio's `gather` adds a done callback to each child
    // (`_done_callback`); here each child has a waker of its own, so that a
    // wake polls only that child.
    // Tests: gather::ten_thousand_children_each_woken_once_cost_two_polls_each,
    // gather::a_child_woken_twice_before_its_poll_is_polled_once
    // Read: 05-gather.md#a-waker-for-each-child
    fn wake(self: Arc<Self>) {
        let mut woken = self.woken.lock().unwrap();
        // A child already in the queue has woken the task already.
        if !mem::replace(&mut woken.queued[self.index], true) {
            woken.queue.push(self.index);
            // Woken with the lock let go, as a waker may run any code.
            let task = woken.task.clone();
            drop(woken);
            task.into_iter().for_each(Waker::wake);
        }
    }
}
// ANCHOR_END: ChildWaker

// ANCHOR: join
// Exercise 5.2 `children`: Run the children inside this task until all are
// done, or `done` makes an error of an output: number the gather in the trace,
// give each child a `ChildWaker`, and at each poll of the task poll only the
// children woken since (all of them the first time), tracing `child`; keep each
// output at its child's index.
// Hint: asyncio's `gather` and its `_GatheringFuture`; `futures::join_all`,
// given 30 futures or fewer, polls every child at every wake instead.
// Tests: trace::results_come_in_argument_order_when_children_finish_in_reverse,
// trace::an_empty_gather_completes_at_once,
// trace::try_gather_returns_the_first_error_and_drops_the_rest
// Read: 05-gather.md#one-poll-of-a-gather
/// Runs `futures` inside this task until all have finished, or until
/// `done` makes an error of an output; returns what `done` made of each
/// output, in argument order. Each child has a waker of its own, so that
/// a wake polls only the child it is for.
async fn join<F: Future, T, E>(
    futures: Vec<F>,
    done: impl Fn(F::Output) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    // How many children have not finished.
    let mut left = futures.len();
    let number = EventLoop::with(|l| l.gather(left)).unwrap_or_default();
    // Each child pinned in a box of its own, and dropped once it is done.
    let mut futures: Vec<_> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<_> = (0..left).map(|_| None).collect();
    // Every child is woken to begin with: each is polled once.
    let woken = Arc::new(Mutex::new(Woken {
        queue: (0..left).collect(),
        queued: vec![true; left],
        task: None,
    }));
    // A waker for each child, made once: `Wake` and `Arc` again, as for tasks.
    let wakers: Vec<_> = (0..left)
        .map(|index| ChildWaker { index, woken: Arc::clone(&woken) })
        .map(|waker| Waker::from(Arc::new(waker)))
        .collect();
    poll_fn(|cx| {
        // Taken out of the lock, as a child may wake itself as it is polled.
        let batch = {
            let mut woken = woken.lock().unwrap();
            // The task this gather runs in may move: the last one is woken.
            woken.task = Some(cx.waker().clone());
            let batch = mem::take(&mut woken.queue);
            batch.iter().for_each(|&index| woken.queued[index] = false);
            batch
        };
        // Only the children that were woken: a gather of 10,000 with one child
        // woken polls one.
        for index in batch {
            // Done already: a late or spurious wake.
            let Some(future) = &mut futures[index] else { continue };
            let poll =
                future.as_mut().poll(&mut Context::from_waker(&wakers[index]));
            let what = if poll.is_ready() { "done" } else { "pending" };
            EventLoop::with(|l| {
                l.trace("child", format_args!("g{number}[{index}] {what}"))
            });
            if let Poll::Ready(output) = poll {
                futures[index] = None;
                left -= 1;
                // An error ends the gather: `?` drops the other children.
                outputs[index] = Some(done(output)?);
            }
        }
        // Pending until every child is done; the children's wakers will wake
        // the task.
        if left == 0 { Poll::Ready(Ok(())) } else { Poll::Pending }
    })
    .await?;
    Ok(outputs.into_iter().flatten().collect())
}
// ANCHOR_END: join

// ANCHOR: gather
/// Runs `futures` concurrently in this task, and gives their outputs in
/// the order of `futures`, whatever order they finish in: asyncio's
/// `gather`. A child's `Result` is its output like any other, as with
/// asyncio's `return_exceptions=True`.
pub async fn gather<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let Ok(outputs) = join(futures, Ok::<_, Infallible>).await;
    outputs
}

/// Like [`gather`], over futures that may fail: the first error is
/// returned at once, and the children still running are dropped, so
/// cancelled, as asyncio's `TaskGroup` does.
pub async fn try_gather<T, E, F>(futures: Vec<F>) -> Result<Vec<T>, E>
where
    F: Future<Output = Result<T, E>>,
{
    join(futures, |output| output).await
}
// ANCHOR_END: gather

// ANCHOR: gather_macro
/// [`gather`] over futures of different types: `gather!(a, b, c).await`
/// gives the tuple of their outputs, in argument order.
#[macro_export]
macro_rules! gather {
    () => { async {} };
    ($($future:expr),+ $(,)?) => { $crate::gather!(@ [] [] $($future,)*) };
    // Each future is paired with a `_` for each one before it, to find its
    // slot in the tuple by: `let (_, _, slot, ..) = &slots;`.
    (@ [$($done:tt)*] [$($skip:tt)*] $future:expr, $($rest:tt)*) => {
        $crate::gather!(
            @ [$($done)* ([$($skip)*] $future)] [$($skip)* _] $($rest)*
        )
    };
    (@ [$(([$($skip:tt)*] $future:expr))*] $all:tt) => {
        // Full paths, not `use`: an import here would be seen by the
        // caller's expressions too.
        async {
            // Each future's slot: the future, and then its output.
            let slots = ($((
                ::std::cell::Cell::new(::std::option::Option::Some($future)),
                ::std::cell::Cell::new(::std::option::Option::None),
            ),)*);
            let children: ::std::vec::Vec<::std::pin::Pin<::std::boxed::Box<
                dyn ::std::future::Future<Output = ()> + '_,
            >>> = ::std::vec![$({
                let ($($skip,)* (future, output), ..) = &slots;
                ::std::boxed::Box::pin(async {
                    output.set(::std::option::Option::Some(
                        future.take().unwrap().await,
                    ))
                })
            }),*];
            $crate::gather(children).await;
            ($({
                let ($($skip,)* (_, output), ..) = &slots;
                output.take().unwrap()
            },)*)
        }
    };
}
// ANCHOR_END: gather_macro

// ANCHOR: timeout
// Exercise 5.3 `timeout`: Poll `future`, and while it is not done, a
// `sleep(delay)` beside it: the first to finish ends the wait. If time is up,
// return `Err(Elapsed)`, and `future` is dropped as this returns.
// Hint: asyncio's `wait_for` (and `asyncio.timeout`): the future is cancelled
// when time runs out. `std::pin::pin!` both, and `poll_fn`.
// Tests: trace::a_timeout_fires, trace::a_timeout_that_does_not_fire
// Read: 05-gather.md#timeout-asyncios-wait_for
/// Awaits `future` for at most `delay`: asyncio's `wait_for`. If time is
/// up first, `future` is dropped, so cancelled, before this returns.
pub async fn timeout<F: Future>(
    delay: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut timer = pin!(sleep(delay));
    poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Ok(output)),
        // Not done: the timer has the last word. Returned, the whole future is
        // dropped, `future` with it.
        Poll::Pending => timer.as_mut().poll(cx).map(|()| Err(Elapsed)),
    })
    .await
}

/// The error of a [`timeout`] whose time ran out.
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the timeout elapsed before the future finished")
    }
}

impl std::error::Error for Elapsed {}
// ANCHOR_END: timeout
