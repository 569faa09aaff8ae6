//! gather beyond what a trace shows: what a wake costs when there are many
//! children, and the wakes that do not come from the loop's own thread.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use step05_gather::{Runtime, gather, sleep};

/// Counts the polls of the future it wraps.
struct Counted<F> {
    future: Pin<Box<F>>,
    polls: Rc<Cell<u64>>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

// ANCHOR: ten_thousand_children_each_woken_once_cost_two_polls_each
#[test]
fn ten_thousand_children_each_woken_once_cost_two_polls_each() {
    // Fewer under miri, which runs this a thousand times slower.
    const CHILDREN: u64 = if cfg!(miri) { 200 } else { 10_000 };
    let polls = Rc::new(Cell::new(0));
    let counted = Rc::clone(&polls);
    let sum = Runtime::virtual_time().run(async move {
        // Each child wakes once, at a time of its own, so each wake is a
        // pass, and a gather that polled every child on every wake would
        // poll about 50 million times.
        let children = (0..CHILDREN).map(|i| Counted {
            future: Box::pin(async move {
                sleep(Duration::from_micros(i + 1)).await;
                i
            }),
            polls: Rc::clone(&counted),
        });
        gather(children.collect()).await.into_iter().sum::<u64>()
    });
    assert_eq!(sum, CHILDREN * (CHILDREN - 1) / 2);
    // The first poll of each, which sets its timer, and the one its wake
    // asks for: no other.
    assert_eq!(polls.get(), 2 * CHILDREN);
}
// ANCHOR_END: ten_thousand_children_each_woken_once_cost_two_polls_each

/// Pending until `woken` is set; counts its polls.
fn until(
    woken: Rc<Cell<bool>>,
    polls: Rc<Cell<u64>>,
) -> impl Future<Output = ()> {
    std::future::poll_fn(move |_| {
        polls.set(polls.get() + 1);
        if woken.get() { Poll::Ready(()) } else { Poll::Pending }
    })
}

// ANCHOR: a_child_woken_twice_before_its_poll_is_polled_once
#[test]
fn a_child_woken_twice_before_its_poll_is_polled_once() {
    let (woken, polls) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(0)));
    let (child_woken, child_polls) = (Rc::clone(&woken), Rc::clone(&polls));
    Runtime::virtual_time().run(async move {
        let waker = Rc::new(Cell::new(None));
        let lent = Rc::clone(&waker);
        let lend = std::future::poll_fn(move |cx| {
            lent.set(Some(cx.waker().clone()));
            Poll::Ready(())
        });
        let waiter = async move {
            lend.await;
            until(child_woken, child_polls).await
        };
        let waker_user = async move {
            sleep(Duration::from_millis(1)).await;
            let waker = waker.take().expect("the first child lent it");
            woken.set(true);
            waker.wake_by_ref();
            waker.wake();
        };
        step05_gather::gather!(waiter, waker_user).await;
    });
    assert_eq!(polls.get(), 2, "its first poll, and one for both wakes");
}
// ANCHOR_END: a_child_woken_twice_before_its_poll_is_polled_once

// ANCHOR: a_child_woken_from_another_thread
#[test]
#[cfg_attr(miri, ignore)] // select(2), which miri cannot run
fn a_child_woken_from_another_thread() {
    let done = Runtime::default().run(async {
        let child = std::future::poll_fn({
            let mut sent = false;
            move |cx| {
                if std::mem::replace(&mut sent, true) {
                    return Poll::Ready("woken");
                }
                let waker = cx.waker().clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(10));
                    waker.wake();
                });
                Poll::Pending
            }
        });
        gather(vec![child]).await
    });
    assert_eq!(done, ["woken"]);
}
// ANCHOR_END: a_child_woken_from_another_thread
