//! Cancellation beyond what a trace shows: many cycles leave nothing
//! behind, and a task can be cancelled while it runs, or while it awaits
//! another task.

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::rc::Rc;
use std::time::Duration;

use step05_gather::{
    Cancel, JoinHandle, Live, Periodic, Runtime, TcpListener, TcpStream,
    call_every, live, sleep, spawn, yield_now,
};

// ANCHOR: ten_thousand_spawn_and_cancel_cycles_leave_nothing_behind
#[test]
#[cfg_attr(miri, ignore)] // select(2), which miri cannot run
fn ten_thousand_spawn_and_cancel_cycles_leave_nothing_behind() {
    let left = Runtime::virtual_time().run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        for cycle in 0..10_000 {
            // Cancelled while it waits on a timer, on a socket (connecting
            // or reading), or after it has finished.
            let task = match cycle % 3 {
                0 => spawn(async { sleep(Duration::from_secs(1)).await }),
                1 => spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let _ = stream.read(&mut [0; 1]).await;
                }),
                _ => spawn(async {}),
            };
            yield_now().await;
            task.cancel().await;
        }
        live()
    });
    assert_eq!(left, Live { tasks: 1, timers: 0, fds: 0 });
}
// ANCHOR_END: ten_thousand_spawn_and_cancel_cycles_leave_nothing_behind

// ANCHOR: a_task_can_cancel_itself_while_it_runs
#[test]
fn a_task_can_cancel_itself_while_it_runs() {
    let slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    let (own, steps) = (Rc::clone(&slot), Rc::new(Cell::new(0)));
    let task_steps = Rc::clone(&steps);
    let left = Runtime::virtual_time().run(async move {
        *slot.borrow_mut() = Some(spawn(async move {
            let me = own.borrow_mut().take().expect("main stored it");
            // Asked while this poll runs: the drop waits for the next pass.
            drop(me.cancel());
            task_steps.set(1);
            yield_now().await;
            task_steps.set(2);
        }));
        for _ in 0..3 {
            yield_now().await;
        }
        live()
    });
    assert_eq!(steps.get(), 1, "dropped at its first await, never resumed");
    assert_eq!(left.tasks, 1);
}
// ANCHOR_END: a_task_can_cancel_itself_while_it_runs

// ANCHOR: a_task_awaiting_another_can_be_cancelled_and_the_other_goes_on
#[test]
fn a_task_awaiting_another_can_be_cancelled_and_the_other_goes_on() {
    let finished = Rc::new(Cell::new(false));
    let child_finished = Rc::clone(&finished);
    Runtime::virtual_time().run(async move {
        let child = spawn(async move {
            sleep(Duration::from_millis(10)).await;
            child_finished.set(true);
        });
        let parent = spawn(async move {
            child.await;
        });
        yield_now().await;
        // The parent is dropped, and with it its handle on the child: the
        // child is detached, not cancelled, and still runs to its end.
        assert_eq!(parent.cancel().await, Cancel::Dropped);
        sleep(Duration::from_millis(20)).await;
    });
    assert!(finished.get());
}
// ANCHOR_END: a_task_awaiting_another_can_be_cancelled_and_the_other_goes_on

// ANCHOR: a_task_cancelled_before_its_first_step_never_runs
#[test]
fn a_task_cancelled_before_its_first_step_never_runs() {
    let polled = Rc::new(Cell::new(false));
    let task_polled = Rc::clone(&polled);
    let output = Runtime::virtual_time().run(async move {
        let task = spawn(async move {
            task_polled.set(true);
            pending::<()>().await
        });
        task.cancel().await
    });
    // As in asyncio: its first step finds it cancelled, and drops it.
    assert!(!polled.get());
    assert_eq!(output, Cancel::Dropped);
}
// ANCHOR_END: a_task_cancelled_before_its_first_step_never_runs

// ANCHOR: a_periodic_callback_can_cancel_its_own_series
#[test]
fn a_periodic_callback_can_cancel_its_own_series() {
    let calls = Rc::new(Cell::new(0));
    let own: Rc<RefCell<Option<Periodic>>> = Rc::default();
    let (callback_calls, callback_own) = (Rc::clone(&calls), Rc::clone(&own));
    let left = Runtime::virtual_time().run(async move {
        let every = call_every(Duration::from_millis(10), move || {
            callback_calls.set(callback_calls.get() + 1);
            if callback_calls.get() == 3 {
                callback_own.borrow().as_ref().unwrap().cancel();
            }
        });
        *own.borrow_mut() = Some(every);
        sleep(Duration::from_millis(100)).await;
        live()
    });
    assert_eq!(calls.get(), 3, "cancelled from inside its third call");
    assert_eq!(left.timers, 0, "no next tick was armed");
}
// ANCHOR_END: a_periodic_callback_can_cancel_its_own_series

// ANCHOR: cancelling_a_task_whose_output_was_taken_says_so
#[test]
fn cancelling_a_task_whose_output_was_taken_says_so() {
    let output = Runtime::virtual_time().run(async {
        let mut task = spawn(async { 7 });
        // Awaited by `&mut`, the handle gives the output and lives on.
        let seven = (&mut task).await;
        (seven, task.cancel().await)
    });
    // The task finished and was never cancelled: it is not `Dropped`, and
    // its output, taken once, is not there to give again.
    assert_eq!(output, (7, Cancel::Taken));
}
// ANCHOR_END: cancelling_a_task_whose_output_was_taken_says_so
