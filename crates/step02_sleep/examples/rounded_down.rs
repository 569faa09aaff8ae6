//! Broken on purpose: a loop that waits for its next deadline rounded
//! *down* to whole milliseconds, as a wait that takes milliseconds would
//! if the time left were cut to fit. A wait that ends just short of the
//! deadline finds nothing due, and the next wait is zero, and the next,
//! until the deadline comes: the loop spins, and burns the CPU that
//! waiting was meant to save. Chapter 2, "The pass, and the busy-loop answer", explains;
//! stage 2 waits exactly, and stage 3 rounds its waits up.
//!
//! Run it with `cargo run -p step02_sleep --example rounded_down`.

use std::thread;
use std::time::{Duration, Instant};

/// How many deadlines, and how far apart: not whole milliseconds.
const DEADLINES: u32 = 20;
const APART: Duration = Duration::from_micros(1_900);

// ANCHOR: wait_until
/// Waits until `deadline` as a loop does: waits for the time left, made
/// whole milliseconds by `round`, then looks again, until the deadline
/// has passed. Gives how many waits that took.
fn wait_until(deadline: Instant, round: fn(Duration) -> u64) -> u32 {
    let mut waits = 0;
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        thread::sleep(Duration::from_millis(round(left)));
        waits += 1;
    }
    waits
}

/// The bug: 1.9 ms left is a 1 ms wait, and then 0.9 ms left is none.
pub fn rounded_down(left: Duration) -> u64 {
    left.as_millis() as u64
}

/// The fix: 1.9 ms left is a 2 ms wait, and the deadline has passed.
pub fn rounded_up(left: Duration) -> u64 {
    left.as_nanos().div_ceil(1_000_000) as u64
}
// ANCHOR_END: wait_until

/// What one way of rounding cost: how many waits, and how much CPU.
pub struct Cost {
    /// How many waits it took to reach every deadline.
    pub waits: u32,
    /// The CPU time those waits took.
    pub cpu: Duration,
}

/// Waits for `DEADLINES` deadlines, `APART` apart, rounding with `round`.
pub fn cost(round: fn(Duration) -> u64) -> Cost {
    let (cpu, start) = (thread_cpu_time(), Instant::now());
    let waits =
        (1..=DEADLINES).map(|n| wait_until(start + APART * n, round)).sum();
    Cost { waits, cpu: thread_cpu_time() - cpu }
}

/// CPU time this thread has used: user plus system.
fn thread_cpu_time() -> Duration {
    // SAFETY: getrusage only writes the `rusage` it is given; all zeros
    // is a valid one to start from.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// What the program prints, for the costs it measured.
pub fn report(up: &Cost, down: &Cost) -> String {
    let line = |name, cost: &Cost| {
        let ms = cost.cpu.as_secs_f64() * 1e3;
        format!("{name} {:>6} waits, {ms:>5.1} ms of CPU\n", cost.waits)
    };
    format!(
        "{DEADLINES} deadlines, {APART:?} apart, on the real clock:\n{}{}",
        line("rounded up:  ", up),
        line("rounded down:", down)
    )
}

fn main() {
    print!("{}", report(&cost(rounded_up), &cost(rounded_down)));
}
