//! tiny-asyncio stage 3 on every workload, echo included.
fn main() {
    bench::main(bench::run_with_net::<bench::Step03>);
}
