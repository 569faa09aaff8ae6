//! Every workload runs on every runtime that can express it, and reports
//! figures that make sense. (How fast is the runner's business, not a
//! test's: these only check that the benchmark still measures something.)

use bench::{
    Figure, Smol, Step01, Step02, Step03, Step04, Step05, TASK_WORKLOADS,
    TIMER_WORKLOADS, Tokio,
};

fn check(runtime: &str, workload: &str, figures: Option<Vec<Figure>>) {
    let figures =
        figures.unwrap_or_else(|| panic!("{runtime} runs {workload}"));
    assert!(!figures.is_empty());
    for (name, value, unit) in figures {
        assert!(
            value.is_finite() && value >= 0.0,
            "{runtime} {workload} {name}: {value} {unit}"
        );
    }
}

#[test]
fn step01_runs_the_task_workloads_and_no_others() {
    for workload in TASK_WORKLOADS {
        check("step01", workload, bench::run::<Step01>(workload));
    }
    for workload in TIMER_WORKLOADS {
        assert!(
            bench::run::<Step01>(workload).is_none(),
            "step01 has no timers"
        );
    }
}

#[test]
fn step02_runs_every_workload() {
    for workload in TASK_WORKLOADS.iter().chain(&TIMER_WORKLOADS) {
        check("step02", workload, bench::run_with_timers::<Step02>(workload));
    }
}

/// The workloads for a runtime with sockets; of the echo ones, only the
/// 10-client one, as the others differ only in size.
const WITH_NET: [&str; 6] =
    ["spawn", "yield", "timers", "light", "idle", "echo10"];

#[test]
fn step03_runs_every_workload() {
    for workload in WITH_NET {
        check("step03", workload, bench::run_with_net::<Step03>(workload));
    }
}

/// And for a runtime with periodic timers.
const WITH_TICKS: [&str; 7] =
    ["spawn", "yield", "timers", "light", "idle", "interval", "echo10"];

#[test]
fn step04_runs_every_workload() {
    for workload in WITH_TICKS {
        check("step04", workload, bench::run_with_ticks::<Step04>(workload));
    }
}

/// The workloads for a runtime that gathers.
const WITH_GATHER: [&str; 8] = [
    "spawn", "yield", "timers", "light", "idle", "interval", "echo10", "gather",
];

#[test]
fn step05_runs_every_workload() {
    for workload in WITH_GATHER {
        check("step05", workload, bench::run_with_gather::<Step05>(workload));
    }
}

#[test]
fn tokio_runs_every_workload() {
    for workload in WITH_GATHER {
        check("tokio", workload, bench::run_with_gather::<Tokio>(workload));
    }
}

#[test]
fn smol_runs_every_workload() {
    for workload in WITH_GATHER {
        check("smol", workload, bench::run_with_gather::<Smol>(workload));
    }
}

#[test]
fn every_runtime_with_an_interval_gets_all_its_ticks() {
    for figures in [
        bench::interval::<Step04>(),
        bench::interval::<Tokio>(),
        bench::interval::<Smol>(),
    ] {
        assert_eq!(figures[0], ("ticks", 1000.0, "ticks"));
    }
}
