//! tiny-asyncio stage 2 on every workload.
fn main() {
    bench::main(bench::run_with_timers::<bench::Step02>);
}
