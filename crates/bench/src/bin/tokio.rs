//! tokio's current_thread runtime on every workload.
fn main() {
    bench::main(bench::run_with_ticks::<bench::Tokio>);
}
