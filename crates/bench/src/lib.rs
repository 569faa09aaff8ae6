//! The workloads, written once over [`Runtime`], and what each run
//! reports. Each runtime has a binary of its own (`src/bin/`) that runs one
//! workload and prints its figures; the runner (`src/main.rs`) runs them
//! in turn and prints the medians.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

mod runtimes;

pub use runtimes::{Smol, Step01, Step02, Step03, Step04, Step05, Tokio};

/// What a workload needs from a runtime: a way to run a main future, to
/// spawn a task and await its result, and to yield.
pub trait Runtime {
    /// Runs `main` to completion on a fresh runtime.
    fn block_on<F: Future + 'static>(main: F) -> F::Output;
    /// Spawns a task on this thread; the future it returns is the task's
    /// output. Tasks need not be `Send`: every runtime here runs them on
    /// one thread, as asyncio does.
    fn spawn<F: Future + 'static>(
        task: F,
    ) -> impl Future<Output = F::Output> + 'static;
    /// Spawns a task that nobody will await, and lets it run to its end.
    fn spawn_detached<F: Future<Output = ()> + 'static>(task: F);
    /// Lets the other ready tasks run.
    fn yield_now() -> impl Future<Output = ()>;
}

/// A runtime that can also sleep.
pub trait Timers: Runtime {
    /// Waits until `delay` has passed.
    fn sleep(delay: Duration) -> impl Future<Output = ()> + 'static;
}

/// A runtime with TCP sockets.
pub trait Net: Timers {
    /// A socket that accepts TCP connections.
    type Listener: 'static;
    /// A TCP connection.
    type Stream: 'static;
    /// Listens on a free loopback port.
    fn bind() -> (Self::Listener, SocketAddr);
    /// Waits for the next connection on `listener`.
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream>;
    /// Connects to `addr`.
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream>;
    /// Fills `buf` from `stream`, however many reads it takes.
    fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a;
    /// Writes all of `buf` to `stream`, however many writes it takes.
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a;
}

/// A runtime with periodic timers.
pub trait Ticks: Net {
    /// A periodic timer.
    type Interval: 'static;
    /// An interval of `period` whose next tick is due one period from now.
    fn interval(period: Duration) -> impl Future<Output = Self::Interval>;
    /// Waits for the interval's next tick.
    fn tick(interval: &mut Self::Interval) -> impl Future<Output = ()>;
}

/// A runtime that can run many tasks and collect all their outputs.
pub trait Gathers: Ticks {
    /// Spawns each of `tasks` and gives all their outputs, in the order of
    /// `tasks`, the way this runtime would have it done.
    fn gather<T: 'static>(
        tasks: Vec<impl Future<Output = T> + 'static>,
    ) -> impl Future<Output = Vec<T>>;
}

/// One figure a run reports: a name, a value, and its unit.
pub type Figure = (&'static str, f64, &'static str);

/// The workloads every runtime can run, by name.
pub const TASK_WORKLOADS: [&str; 2] = ["spawn", "yield"];
/// The workloads that need timers.
pub const TIMER_WORKLOADS: [&str; 3] = ["timers", "light", "idle"];
/// The echo workloads, by number of clients.
pub const ECHO_WORKLOADS: [&str; 4] = ["echo1", "echo10", "echo100", "echo500"];

/// Spawns a million trivial tasks, then awaits them all.
pub fn spawn<R: Runtime>() -> Vec<Figure> {
    const TASKS: u64 = 1_000_000;
    let start = Instant::now();
    let sum = R::block_on(async {
        let handles: Vec<_> =
            (0..TASKS).map(|i| R::spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        sum
    });
    let elapsed = start.elapsed();
    assert_eq!(sum, TASKS * (TASKS - 1) / 2, "every task ran once");
    vec![
        ("time", per(elapsed, TASKS), "ns/task"),
        ("memory", peak_memory_mib(), "MiB"),
    ]
}

/// A thousand tasks, each yielding a thousand times.
pub fn yields<R: Runtime>() -> Vec<Figure> {
    const TASKS: u64 = 1_000;
    const YIELDS: u64 = 1_000;
    let start = Instant::now();
    let polls = R::block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|_| {
                R::spawn(async {
                    for _ in 0..YIELDS {
                        R::yield_now().await;
                    }
                    YIELDS
                })
            })
            .collect();
        let mut polls = 0;
        for handle in handles {
            polls += handle.await;
        }
        polls
    });
    let elapsed = start.elapsed();
    assert_eq!(polls, TASKS * YIELDS);
    vec![("time", per(elapsed, polls), "ns/poll")]
}

/// A hundred thousand tasks, each sleeping 1 to 100 ms: a loop that
/// must keep up with a timer due every microsecond.
pub fn timers<R: Timers>() -> Vec<Figure> {
    sleepers::<R>(100_000)
}

/// A thousand tasks, each sleeping 1 to 100 ms: lateness at low load is
/// the timers' own precision.
pub fn light_timers<R: Timers>() -> Vec<Figure> {
    sleepers::<R>(1_000)
}

/// `tasks` tasks, each sleeping a pseudo-random 1 to 100 ms, and how late
/// each woke.
fn sleepers<R: Timers>(tasks: usize) -> Vec<Figure> {
    // The same pseudo-random sleeps for every runtime: xorshift64.
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let delays: Vec<u64> = (0..tasks)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            1 + seed % 100
        })
        .collect();
    let (cpu, start) = (cpu_time(), Instant::now());
    let mut late = R::block_on(async move {
        let handles: Vec<_> = delays
            .into_iter()
            .map(|ms| {
                R::spawn(async move {
                    let delay = Duration::from_millis(ms);
                    let deadline = Instant::now() + delay;
                    R::sleep(delay).await;
                    Instant::now().saturating_duration_since(deadline)
                })
            })
            .collect();
        let mut late = Vec::with_capacity(tasks);
        for handle in handles {
            late.push(handle.await);
        }
        late
    });
    let (wall, cpu) = (start.elapsed(), cpu_time() - cpu);
    late.sort();
    let mean = late.iter().sum::<Duration>() / tasks as u32;
    vec![
        ("wall", ms(wall), "ms"),
        ("cpu", ms(cpu), "ms"),
        ("late", ms(mean), "ms mean"),
        ("late", ms(late[tasks * 99 / 100]), "ms p99"),
        ("late", ms(late[tasks - 1]), "ms max"),
    ]
}

/// One task sleeping for a second: what does waiting cost?
pub fn idle<R: Timers>() -> Vec<Figure> {
    let (cpu, start) = (cpu_time(), Instant::now());
    R::block_on(async { R::sleep(Duration::from_secs(1)).await });
    let (wall, cpu) = (start.elapsed(), cpu_time() - cpu);
    assert!(wall >= Duration::from_secs(1));
    vec![("cpu", ms(cpu), "ms"), ("wall", ms(wall), "ms")]
}

/// `clients` clients, each making 64-byte round trips to an echo server
/// in the same loop, 50,000 round trips in all.
pub fn echo<R: Net>(clients: usize) -> Vec<Figure> {
    const ROUND_TRIPS: usize = 50_000;
    let each = ROUND_TRIPS / clients;
    let start = Instant::now();
    let done = R::block_on(async move {
        let (listener, addr) = R::bind();
        R::spawn_detached(async move {
            for _ in 0..clients {
                let mut stream = R::accept(&listener).await;
                R::spawn_detached(async move {
                    let mut buf = [0; 64];
                    // Until the client hangs up and read_exact fails.
                    while R::read_exact(&mut stream, &mut buf).await.is_ok() {
                        R::write_all(&mut stream, &buf).await.expect("echo");
                    }
                });
            }
        });
        let clients: Vec<_> = (0..clients)
            .map(|client| {
                R::spawn(async move {
                    let mut stream = R::connect(addr).await;
                    let (message, mut reply) = ([client as u8; 64], [0; 64]);
                    for _ in 0..each {
                        R::write_all(&mut stream, &message)
                            .await
                            .expect("write");
                        R::read_exact(&mut stream, &mut reply)
                            .await
                            .expect("read");
                        assert_eq!(reply, message);
                    }
                    each
                })
            })
            .collect();
        let mut done = 0;
        for client in clients {
            done += client.await;
        }
        done
    });
    let elapsed = start.elapsed();
    vec![("trip", elapsed.as_secs_f64() * 1e6 / done as f64, "us")]
}

/// A thousand ticks of a 1 ms interval: how late each tick comes, against
/// a schedule of `start + n * period`, and the CPU it all costs.
pub fn interval<R: Ticks>() -> Vec<Figure> {
    const TICKS: u32 = 1_000;
    let period = Duration::from_millis(1);
    let (cpu, start) = (cpu_time(), Instant::now());
    let mut late = R::block_on(async move {
        let mut interval = R::interval(period).await;
        let mut late = Vec::new();
        for n in 1..=TICKS {
            R::tick(&mut interval).await;
            let due = start + period * n;
            late.push(Instant::now().saturating_duration_since(due));
        }
        late
    });
    let cpu = cpu_time() - cpu;
    late.sort();
    let mean = late.iter().sum::<Duration>() / TICKS;
    vec![
        ("ticks", late.len() as f64, "ticks"),
        ("late", ms(mean), "ms mean"),
        ("late", ms(late[late.len() - 1]), "ms max"),
        ("cpu", ms(cpu), "ms"),
    ]
}

/// A hundred thousand tasks, each sleeping 10 ms, gathered: the cost of
/// spawning, timing and collecting them, since the waiting is 10 ms.
pub fn gather<R: Gathers>() -> Vec<Figure> {
    const TASKS: usize = 100_000;
    let (cpu, start) = (cpu_time(), Instant::now());
    let outputs = R::block_on(async {
        let tasks = (0..TASKS).map(|i| async move {
            R::sleep(Duration::from_millis(10)).await;
            i
        });
        R::gather(tasks.collect()).await
    });
    let (wall, cpu) = (start.elapsed(), cpu_time() - cpu);
    assert!(outputs.into_iter().eq(0..TASKS), "every output, in order");
    vec![
        ("wall", ms(wall), "ms"),
        ("cpu", ms(cpu), "ms"),
        ("memory", peak_memory_mib(), "MiB"),
    ]
}

/// Runs the workload named `name`, for a runtime that gathers.
pub fn run_with_gather<R: Gathers>(name: &str) -> Option<Vec<Figure>> {
    match name {
        "gather" => Some(gather::<R>()),
        _ => run_with_ticks::<R>(name),
    }
}

/// Runs the workload named `name`, for a runtime with periodic timers.
pub fn run_with_ticks<R: Ticks>(name: &str) -> Option<Vec<Figure>> {
    match name {
        "interval" => Some(interval::<R>()),
        _ => run_with_net::<R>(name),
    }
}

/// Runs the workload named `name`, for a runtime with sockets.
pub fn run_with_net<R: Net>(name: &str) -> Option<Vec<Figure>> {
    match name.strip_prefix("echo").and_then(|n| n.parse().ok()) {
        Some(clients) => Some(echo::<R>(clients)),
        None => run_with_timers::<R>(name),
    }
}

/// Runs the workload named `name`, for a runtime with timers.
pub fn run_with_timers<R: Timers>(name: &str) -> Option<Vec<Figure>> {
    match name {
        "timers" => Some(timers::<R>()),
        "light" => Some(light_timers::<R>()),
        "idle" => Some(idle::<R>()),
        _ => run::<R>(name),
    }
}

/// Runs the workload named `name`, if this runtime can express it.
pub fn run<R: Runtime>(name: &str) -> Option<Vec<Figure>> {
    match name {
        "spawn" => Some(spawn::<R>()),
        "yield" => Some(yields::<R>()),
        _ => None,
    }
}

/// The `main` of each runtime's binary: runs the workload named by the
/// first argument and prints one `name<TAB>value<TAB>unit` line a figure.
/// Exits with 2 if this runtime cannot run that workload.
pub fn main(run: impl FnOnce(&str) -> Option<Vec<Figure>>) {
    let name = std::env::args().nth(1).expect("usage: <workload>");
    let Some(figures) = run(&name) else {
        eprintln!("this runtime cannot run the {name} workload");
        std::process::exit(2);
    };
    for (figure, value, unit) in figures {
        println!("{figure}\t{value}\t{unit}");
    }
}

fn per(elapsed: Duration, count: u64) -> f64 {
    elapsed.as_nanos() as f64 / count as f64
}

fn ms(time: Duration) -> f64 {
    time.as_secs_f64() * 1e3
}

/// The process's resource use so far.
fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes the `rusage` we hand it.
    unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    }
}

/// CPU time used by the whole process, every thread: user plus system.
fn cpu_time() -> Duration {
    let usage = rusage();
    let time = |t: libc::timeval| {
        Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The most memory the process has held at once, in MiB.
fn peak_memory_mib() -> f64 {
    // On Linux, ru_maxrss is in KiB.
    rusage().ru_maxrss as f64 / 1024.0
}
