//! tiny-asyncio stage 4 on every workload, interval included.
fn main() {
    bench::main(bench::run_with_ticks::<bench::Step04>);
}
