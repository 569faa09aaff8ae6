//! The workbook: each stage of tiny-asyncio as exercises, holes in the
//! stage's own code that a learner fills, checked by the stage's own
//! tests.
//!
//! `cargo run -p workbook -- start 1` makes the learner's copy of stage 1,
//! and `cargo run -p workbook -- check` runs its tests and says what is
//! done, what is next, and where a trace goes wrong. The exercises are
//! marked in the stages' source ([`exercise`] says how), so the workbook
//! is made from the code, and cannot drift from it.

pub mod exercise;
pub mod explain;
pub mod learner;
pub mod merge;
pub mod stage;
pub mod tests_run;
pub mod verify;
