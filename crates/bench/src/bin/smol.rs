//! smol's LocalExecutor on every workload.
fn main() {
    bench::main(bench::run_with_gather::<bench::Smol>);
}
