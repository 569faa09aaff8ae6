//! Each runtime, behind the same two traits.

use std::cell::RefCell;
use std::time::Duration;

use std::io;
use std::net::SocketAddr;

use crate::{Gathers, Net, Runtime, Ticks, Timers};

/// Each stage of tiny-asyncio behind `Runtime`: the same calls, from the
/// stage's own crate.
macro_rules! tiny_runtime {
    ($(#[$doc:meta])* $name:ident, $stage:ident) => {
        $(#[$doc])*
        pub struct $name;

        impl Runtime for $name {
            fn block_on<F: Future + 'static>(main: F) -> F::Output {
                $stage::run(main)
            }
            fn spawn<F: Future + 'static>(task: F) -> impl Future<Output = F::Output> + 'static {
                $stage::spawn(task)
            }
            fn spawn_detached<F: Future<Output = ()> + 'static>(task: F) {
                drop($stage::spawn(task));
            }
            fn yield_now() -> impl Future<Output = ()> {
                $stage::yield_now()
            }
        }
    };
}

tiny_runtime!(
    /// tiny-asyncio, stage 1: tasks only.
    Step01, step01_tasks
);
tiny_runtime!(
    /// tiny-asyncio, stage 2: tasks and timers.
    Step02, step02_sleep
);
tiny_runtime!(
    /// tiny-asyncio, stage 3: tasks, timers and sockets.
    Step03, step03_select
);

tiny_runtime!(
    /// tiny-asyncio, stage 4: and periodic timers and cancellation.
    Step04, step04_periodic
);

tiny_runtime!(
    /// tiny-asyncio, stage 5: and gather.
    Step05, step05_gather
);

/// `sleep` for each stage that has timers.
macro_rules! tiny_timers {
    ($($name:ident, $stage:ident);*) => {$(
        impl Timers for $name {
            fn sleep(delay: Duration) -> impl Future<Output = ()> + 'static {
                $stage::sleep(delay)
            }
        }
    )*};
}

tiny_timers!(
    Step02, step02_sleep; Step03, step03_select; Step04, step04_periodic;
    Step05, step05_gather
);

/// Sockets for each stage that has them.
macro_rules! tiny_net {
    ($($name:ident, $stage:ident);*) => {$(
        impl Net for $name {
            type Listener = $stage::TcpListener;
            type Stream = $stage::TcpStream;
            fn bind() -> (Self::Listener, SocketAddr) {
                let listener =
                    $stage::TcpListener::bind("127.0.0.1:0").expect("bind");
                let addr = listener.local_addr().expect("an address");
                (listener, addr)
            }
            async fn accept(listener: &Self::Listener) -> Self::Stream {
                let (stream, _) = listener.accept().await.expect("accept");
                stream.set_nodelay(true).expect("nodelay");
                stream
            }
            async fn connect(addr: SocketAddr) -> Self::Stream {
                let stream =
                    $stage::TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                stream
            }
            fn read_exact<'a>(
                stream: &'a mut Self::Stream,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<()>> + 'a {
                stream.read_exact(buf)
            }
            fn write_all<'a>(
                stream: &'a mut Self::Stream,
                buf: &'a [u8],
            ) -> impl Future<Output = io::Result<()>> + 'a {
                stream.write_all(buf)
            }
        }
    )*};
}

tiny_net!(
    Step03, step03_select; Step04, step04_periodic; Step05, step05_gather
);

/// Periodic timers for each stage that has them.
macro_rules! tiny_ticks {
    ($($name:ident, $stage:ident);*) => {$(
        impl Ticks for $name {
            type Interval = $stage::Interval;
            async fn interval(period: Duration) -> Self::Interval {
                let mut interval = $stage::interval(period);
                interval.tick().await;
                interval
            }
            async fn tick(interval: &mut Self::Interval) {
                interval.tick().await;
            }
        }
    )*};
}

tiny_ticks!(Step04, step04_periodic; Step05, step05_gather);

impl Gathers for Step05 {
    /// The tasks' handles, gathered.
    async fn gather<T: 'static>(
        tasks: Vec<impl Future<Output = T> + 'static>,
    ) -> Vec<T> {
        let handles = tasks.into_iter().map(step05_gather::spawn).collect();
        step05_gather::gather(handles).await
    }
}

/// tokio's single-threaded runtime, with its timer driver. Tasks that need
/// not be `Send` run in a `LocalSet`, tokio's way to spawn them.
pub struct Tokio;

impl Runtime for Tokio {
    fn block_on<F: Future + 'static>(main: F) -> F::Output {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build();
        tokio::task::LocalSet::new()
            .block_on(&runtime.expect("a tokio runtime"), main)
    }
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static {
        let handle = tokio::task::spawn_local(task);
        async move { handle.await.expect("the task did not panic") }
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(task: F) {
        // A dropped JoinHandle leaves its task running.
        drop(tokio::task::spawn_local(task));
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

impl Ticks for Tokio {
    type Interval = tokio::time::Interval;
    async fn interval(period: Duration) -> Self::Interval {
        let mut interval = tokio::time::interval(period);
        interval.tick().await;
        interval
    }
    async fn tick(interval: &mut Self::Interval) {
        interval.tick().await;
    }
}

impl Gathers for Tokio {
    /// A `JoinSet`, tokio's way to collect many tasks; each output comes
    /// with its index, as a `JoinSet` gives them in the order they finish.
    async fn gather<T: 'static>(
        tasks: Vec<impl Future<Output = T> + 'static>,
    ) -> Vec<T> {
        let mut set = tokio::task::JoinSet::new();
        let count = tasks.len();
        for (index, task) in tasks.into_iter().enumerate() {
            set.spawn_local(async move { (index, task.await) });
        }
        let mut outputs: Vec<Option<T>> = (0..count).map(|_| None).collect();
        while let Some(done) = set.join_next().await {
            let (index, output) = done.expect("the task did not panic");
            outputs[index] = Some(output);
        }
        outputs.into_iter().map(|output| output.expect("every one")).collect()
    }
}

impl Net for Tokio {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    fn bind() -> (Self::Listener, SocketAddr) {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("an address");
        (
            tokio::net::TcpListener::from_std(listener)
                .expect("a tokio listener"),
            addr,
        )
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        let (stream, _) = listener.accept().await.expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let stream =
            tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }
    async fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> io::Result<()> {
        tokio::io::AsyncReadExt::read_exact(stream, buf).await.map(drop)
    }
    async fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> io::Result<()> {
        tokio::io::AsyncWriteExt::write_all(stream, buf).await
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
    fn spawn_detached<F: Future<Output = ()> + 'static>(task: F) {
        // A dropped smol Task is cancelled; detach lets it run.
        EXECUTOR.with_borrow(|executor| {
            executor.as_ref().expect("inside block_on").spawn(task).detach()
        });
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

impl Ticks for Smol {
    type Interval = smol::Timer;
    async fn interval(period: Duration) -> Self::Interval {
        // smol's first tick comes a period after the start, not at once.
        smol::Timer::interval(period)
    }
    async fn tick(interval: &mut Self::Interval) {
        smol::stream::StreamExt::next(interval).await;
    }
}

impl Gathers for Smol {
    /// Each task's handle awaited in turn, as smol's own examples do: the
    /// tasks all run meanwhile, and a finished one's handle is ready at
    /// once.
    async fn gather<T: 'static>(
        tasks: Vec<impl Future<Output = T> + 'static>,
    ) -> Vec<T> {
        let handles: Vec<_> = tasks.into_iter().map(Self::spawn).collect();
        let mut outputs = Vec::with_capacity(handles.len());
        for handle in handles {
            outputs.push(handle.await);
        }
        outputs
    }
}

impl Net for Smol {
    type Listener = smol::net::TcpListener;
    type Stream = smol::net::TcpStream;
    fn bind() -> (Self::Listener, SocketAddr) {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("an address");
        let listener = smol::Async::new(listener).expect("an async listener");
        (smol::net::TcpListener::from(listener), addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        let (stream, _) = listener.accept().await.expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let stream =
            smol::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }
    async fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> io::Result<()> {
        smol::io::AsyncReadExt::read_exact(stream, buf).await
    }
    async fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> io::Result<()> {
        smol::io::AsyncWriteExt::write_all(stream, buf).await
    }
}
