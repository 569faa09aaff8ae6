//! tiny-asyncio stage 5 on every workload, gather included.
fn main() {
    bench::main(bench::run_with_gather::<bench::Step05>);
}
