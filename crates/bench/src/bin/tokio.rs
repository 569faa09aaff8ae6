//! tokio's current_thread runtime on every workload.
fn main() {
    bench::main(bench::run_with_gather::<bench::Tokio>);
}
