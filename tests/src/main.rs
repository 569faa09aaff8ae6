//! `cargo run -p checks`: prints each stage's size in code lines.

fn main() {
    print!("{}", checks::size_report());
}
