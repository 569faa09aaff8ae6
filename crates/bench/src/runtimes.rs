//! Each runtime, behind the same two traits.

use std::cell::RefCell;
use std::time::Duration;

use crate::{Runtime, Timers};

/// tiny-asyncio, stage 1: tasks only.
pub struct Step01;

impl Runtime for Step01 {
    fn block_on<F: Future + 'static>(main: F) -> F::Output {
        step01_tasks::run(main)
    }
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static {
        step01_tasks::spawn(task)
    }
    fn yield_now() -> impl Future<Output = ()> {
        step01_tasks::yield_now()
    }
}

/// tiny-asyncio, stage 2: tasks and timers.
pub struct Step02;

impl Runtime for Step02 {
    fn block_on<F: Future + 'static>(main: F) -> F::Output {
        step02_sleep::run(main)
    }
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static {
        step02_sleep::spawn(task)
    }
    fn yield_now() -> impl Future<Output = ()> {
        step02_sleep::yield_now()
    }
}

impl Timers for Step02 {
    fn sleep(delay: Duration) -> impl Future<Output = ()> + 'static {
        step02_sleep::sleep(delay)
    }
}

/// tokio's single-threaded runtime, with its timer driver. Tasks that need
/// not be `Send` run in a `LocalSet`, tokio's way to spawn them.
pub struct Tokio;

impl Runtime for Tokio {
    fn block_on<F: Future + 'static>(main: F) -> F::Output {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_time().build();
        tokio::task::LocalSet::new()
            .block_on(&runtime.expect("a tokio runtime"), main)
    }
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static {
        let handle = tokio::task::spawn_local(task);
        async move { handle.await.expect("the task did not panic") }
    }
    fn yield_now() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
}

impl Timers for Tokio {
    fn sleep(delay: Duration) -> impl Future<Output = ()> + 'static {
        tokio::time::sleep(delay)
    }
}

thread_local! {
    /// smol's single-threaded executor, for `spawn` to find.
    static EXECUTOR: RefCell<Option<std::rc::Rc<smol::LocalExecutor<'static>>>> =
        const { RefCell::new(None) };
}

/// smol: async-executor's `LocalExecutor`, driven by async-io's `block_on`.
pub struct Smol;

impl Runtime for Smol {
    fn block_on<F: Future + 'static>(main: F) -> F::Output {
        let executor = std::rc::Rc::new(smol::LocalExecutor::new());
        EXECUTOR.set(Some(std::rc::Rc::clone(&executor)));
        let output = smol::block_on(executor.run(main));
        EXECUTOR.set(None);
        output
    }
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static {
        EXECUTOR.with_borrow(|executor| {
            executor.as_ref().expect("inside block_on").spawn(task)
        })
    }
    fn yield_now() -> impl Future<Output = ()> {
        smol::future::yield_now()
    }
}

impl Timers for Smol {
    async fn sleep(delay: Duration) {
        smol::Timer::after(delay).await;
    }
}
