//! What the compiler makes of an `async fn`: the same future written by
//! hand, as an enum of the places it can be suspended. The book's
//! introduction shows both; this test holds that they behave alike.

use std::cell::RefCell;
use std::mem;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use step03_select::{JoinHandle, Runtime, run, spawn, yield_now};

// ANCHOR: sum_of
/// Awaits two tasks, one after the other, and adds their outputs.
async fn sum_of(a: JoinHandle<u32>, b: JoinHandle<u32>) -> u32 {
    let x = a.await;
    let y = b.await;
    x + y
}
// ANCHOR_END: sum_of

// ANCHOR: SumOf
/// `sum_of` by hand: one variant for each place it can be suspended,
/// holding what must live across that `await`.
enum SumOf {
    /// Suspended at `a.await`; `b` waits its turn.
    AwaitingA {
        a: JoinHandle<u32>,
        b: JoinHandle<u32>,
    },
    /// Suspended at `b.await`; `x` is kept, as a local would be.
    AwaitingB {
        x: u32,
        b: JoinHandle<u32>,
    },
    Done,
}

impl Future for SumOf {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<u32> {
        // Each poll goes on from where the last one stopped, to the next
        // `await` whose future is not ready, or to the end. (The state can
        // be moved out and back because `SumOf` is `Unpin`; the compiler's
        // own futures are not, and change their state in place.)
        loop {
            match mem::replace(&mut *self, SumOf::Done) {
                SumOf::AwaitingA { mut a, b } => {
                    match Pin::new(&mut a).poll(cx) {
                        Poll::Ready(x) => *self = SumOf::AwaitingB { x, b },
                        Poll::Pending => {
                            // Back to the loop. The waker that `a` keeps is
                            // how this task gets polled again.
                            *self = SumOf::AwaitingA { a, b };
                            return Poll::Pending;
                        }
                    }
                }
                SumOf::AwaitingB { x, mut b } => {
                    match Pin::new(&mut b).poll(cx) {
                        Poll::Ready(y) => return Poll::Ready(x + y),
                        Poll::Pending => {
                            *self = SumOf::AwaitingB { x, b };
                            return Poll::Pending;
                        }
                    }
                }
                SumOf::Done => panic!("SumOf polled after it finished"),
            }
        }
    }
}
// ANCHOR_END: SumOf

/// Runs `main` on a traced loop and returns its output and trace.
fn traced(main: impl Future<Output = u32> + 'static) -> (u32, String) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
        *sink.borrow_mut() += &format!("{line}\n");
    });
    let output = runtime.run(main);
    (output, trace.take())
}

/// Two tasks, the second slower, for `sum_of` to await.
fn children() -> (JoinHandle<u32>, JoinHandle<u32>) {
    let slow = async {
        step03_select::yield_now().await;
        step03_select::yield_now().await;
        2
    };
    (spawn(async { 40 }), spawn(slow))
}

// ANCHOR: the_hand_written_future_behaves_as_the_async_fn
#[test]
fn the_hand_written_future_behaves_as_the_async_fn() {
    let by_compiler = traced(async {
        let (a, b) = children();
        sum_of(a, b).await
    });
    let by_hand = traced(async {
        let (a, b) = children();
        SumOf::AwaitingA { a, b }.await
    });
    assert_eq!(by_compiler.0, 42);
    // The same output, and the loop saw the very same events.
    assert_eq!(by_compiler, by_hand);
}
// ANCHOR_END: the_hand_written_future_behaves_as_the_async_fn

// ANCHOR: borrows_its_own_local
/// Keeps a reference to one of its own locals across an `await`. The
/// array is stored in the future's own state, so `first` points into the
/// future itself: moved between two polls, it would point at the place
/// the future had left.
async fn borrows_its_own_local() -> usize {
    let words = ["pinned", "futures"];
    let first = &words[0];
    yield_now().await;
    first.len()
}
// ANCHOR_END: borrows_its_own_local

// ANCHOR: a_future_that_borrows_itself_runs_pinned
#[test]
fn a_future_that_borrows_itself_runs_pinned() {
    // `spawn` moves the future into its task's block once, before its
    // first poll; from then on the block never moves, and `first` stays
    // good across the `await`.
    assert_eq!(run(async { spawn(borrows_its_own_local()).await }), 6);
}
// ANCHOR_END: a_future_that_borrows_itself_runs_pinned
