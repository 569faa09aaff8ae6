//! tiny-asyncio stage 1 on the task workloads (it has no timers).
fn main() {
    bench::main(bench::run::<bench::Step01>);
}
