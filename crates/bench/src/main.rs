//! `cargo run -p bench --release -- [workload ...] [--rounds N]`: runs each
//! workload on every runtime that can express it, in turn, several rounds,
//! and prints the median of each figure and its ratio to the better peer.
//!
//! Each run is a fresh process of that runtime's own binary, so one
//! runtime's memory or allocator state never colours another's figures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// The runtimes, by binary name; the last two are the peers.
const RUNTIMES: [&str; 7] =
    ["step01", "step02", "step03", "step04", "step05", "tokio", "smol"];
const PEERS: [&str; 2] = ["tokio", "smol"];

/// Every workload, in the order the table shows them.
const WORKLOADS: [&str; 11] = [
    "spawn", "yield", "timers", "light", "idle", "interval", "echo1", "echo10",
    "echo100", "echo500", "gather",
];

fn main() {
    let (workloads, rounds) = parse_args();
    let bins = build_binaries();
    // figures[(workload, figure)][runtime] = one value per round.
    let mut figures: BTreeMap<
        (usize, usize, String),
        BTreeMap<&str, Vec<f64>>,
    > = BTreeMap::new();
    let mut units = BTreeMap::new();
    let total = workloads.len() * rounds * RUNTIMES.len();
    let mut done = 0;
    for (w, workload) in workloads.iter().enumerate() {
        for round in 0..rounds {
            // Alternate which runtime goes first, so none always runs on
            // a machine the others have just warmed or loaded.
            for i in 0..RUNTIMES.len() {
                let runtime = RUNTIMES[(i + round) % RUNTIMES.len()];
                done += 1;
                eprint!(
                    "\r[{done}/{total}] {workload}: {runtime}, round {}   ",
                    round + 1
                );
                let Some(output) = run(&bins, runtime, workload) else {
                    continue;
                };
                for (f, line) in output.lines().enumerate() {
                    let mut parts = line.split('\t');
                    let (name, value, unit) = (
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                    );
                    let key = (w, f, name.to_string());
                    units.insert(key.clone(), unit.to_string());
                    let values = figures
                        .entry(key)
                        .or_default()
                        .entry(runtime)
                        .or_default();
                    values.push(value.parse().expect("a number"));
                }
            }
        }
    }
    eprintln!();
    print_table(&workloads, &figures, &units, rounds);
}

/// The workloads named on the command line (all by default), and rounds.
fn parse_args() -> (Vec<String>, usize) {
    let mut workloads = Vec::new();
    let mut rounds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--rounds N")
            }
            name if WORKLOADS.contains(&name) => workloads.push(arg),
            other => {
                eprintln!(
                    "unknown workload {other}; the workloads are {}",
                    WORKLOADS.join(", ")
                );
                std::process::exit(2);
            }
        }
    }
    if workloads.is_empty() {
        workloads = WORKLOADS.iter().map(|w| w.to_string()).collect();
    }
    (workloads, rounds)
}

/// Builds each runtime's binary, in the runner's own profile, and returns
/// the folder they are in.
fn build_binaries() -> PathBuf {
    let dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let release = dir.ends_with("release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "bench", "--bins"]);
    if release {
        build.arg("--release");
    } else {
        eprintln!(
            "warning: a debug build measures nothing useful; pass --release"
        );
    }
    assert!(
        build.status().expect("cargo runs").success(),
        "the runtimes' binaries build"
    );
    dir
}

/// Runs one workload on one runtime; `None` if it cannot express it.
fn run(
    bins: &std::path::Path,
    runtime: &str,
    workload: &str,
) -> Option<String> {
    let output = Command::new(bins.join(runtime))
        .arg(workload)
        .output()
        .expect("the binary runs");
    match output.status.code() {
        Some(0) => Some(String::from_utf8(output.stdout).unwrap()),
        Some(2) => None,
        _ => panic!(
            "{runtime} failed on {workload}: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

type Figures =
    BTreeMap<(usize, usize, String), BTreeMap<&'static str, Vec<f64>>>;

/// Two rows a figure: each runtime's median, and under it its ratio to
/// the better of the peers (lower is better for every figure here). The
/// table fits in 80 columns, so that the book can show it whole.
fn print_table(
    workloads: &[String],
    figures: &Figures,
    units: &BTreeMap<(usize, usize, String), String>,
    rounds: usize,
) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        let line = info.lines().find(|line| line.starts_with("model name"))?;
        Some(line.split(':').nth(1)?.trim().to_string())
    });
    println!("machine: {cores} cores, {}", cpu.unwrap_or("unknown CPU".into()));
    println!(
        "medians of {rounds} runs; under each, its ratio to the better peer"
    );
    println!("(lower is better everywhere)\n");
    print!("{:<20}", "");
    for runtime in RUNTIMES {
        print!("{runtime:>9}");
    }
    println!();
    for (key, by_runtime) in figures {
        let (w, _, name) = key;
        print!("{:<20}", format!("{} {name} {}", workloads[*w], units[key]));
        let median =
            |runtime| by_runtime.get(runtime).map(|v: &Vec<f64>| median(v));
        for runtime in RUNTIMES {
            print!("{:>9}", median(runtime).map_or("-".into(), fmt));
        }
        let best_peer = PEERS
            .iter()
            .filter_map(|peer| median(peer))
            .fold(f64::INFINITY, f64::min);
        print!("\n{:<20}", "");
        for runtime in RUNTIMES {
            let ratio = median(runtime)
                .map(|value| format!("{:.2}x", value / best_peer));
            print!("{:>9}", ratio.unwrap_or_default());
        }
        println!();
    }
}

/// A value with three significant figures or so.
fn fmt(value: f64) -> String {
    match value.abs() {
        v if v >= 100.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        v if v >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    }
}
