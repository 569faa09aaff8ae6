//! `cargo run -p workbook -- COMMAND`: build tiny-asyncio yourself, one
//! stage at a time, checked by the stage's own tests.

use std::path::PathBuf;
use std::process::ExitCode;

use workbook::learner::Workbook;
use workbook::stage::{self, root, stages};
use workbook::verify;

const USAGE: &str = "\
Build tiny-asyncio yourself, one stage at a time.

  cargo run -p workbook -- start N     your copy of stage N, in workbook/,
                                       with its exercises as holes; from
                                       stage 2 on, built on your own stage
                                       N-1 (--from-reference: on the
                                       stage's own code instead)
  cargo run -p workbook -- check       run its tests: what is done, what
                                       is next, and why a test fails
  cargo run -p workbook -- check --hint   the same, and a hint
  cargo run -p workbook -- reset EXERCISE  put one hole back (1.3, or its
                                       name); your version is kept
  cargo run -p workbook -- list        every stage's exercises

Options: --dir PATH (another folder than workbook/), --force (start a
stage again over your copy of it, which is kept in .backup/ first).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("workbook: {why}");
            ExitCode::from(2)
        }
    }
}

/// Carries out the command in `args`, and returns what to print.
fn run(args: &[String]) -> Result<String, String> {
    let mut words = Vec::new();
    let mut dir = root().join("workbook");
    let (mut hint, mut force, mut from_reference) = (false, false, false);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--hint" => hint = true,
            "--force" => force = true,
            "--from-reference" => from_reference = true,
            "--dir" => {
                i += 1;
                let path = args.get(i).ok_or("--dir needs a folder")?;
                dir = PathBuf::from(path);
            }
            "-h" | "--help" | "help" => return Ok(format!("{USAGE}\n")),
            flag if flag.starts_with("--") => {
                return Err(format!("no option {flag}\n\n{USAGE}"));
            }
            word => words.push(word),
        }
        i += 1;
    }
    let workbook = Workbook::new(dir);
    match words.as_slice() {
        ["start", n] => {
            workbook.start(&stage::stage(n)?, from_reference, force)
        }
        ["start"] => Err("start which stage? `start 1` for the first".into()),
        ["check"] => workbook.check(hint),
        ["reset", which] => workbook.reset(which),
        ["list"] => list(),
        ["verify"] => verify_all(None),
        ["verify", n] => verify_all(Some(stage::stage(n)?.number)),
        [] => Ok(format!("{USAGE}\n")),
        other => Err(format!("no command {:?}\n\n{USAGE}", other.join(" "))),
    }
}

/// Every stage's exercises, in order.
fn list() -> Result<String, String> {
    let mut out = String::new();
    for stage in stages() {
        out += &format!("Stage {} ({}):\n", stage.number, stage.name);
        for e in stage.exercises()? {
            out += &format!(
                "  {}.{} {:<12} src/{}: {}\n",
                e.stage, e.number, e.name, e.file, e.task
            );
        }
    }
    Ok(out)
}

/// The proofs that the exercises are honest, for one stage or all, as
/// CI runs them; an error if one fails.
fn verify_all(only: Option<u32>) -> Result<String, String> {
    let mut out = String::new();
    let mut ok = true;
    for stage in
        stages().into_iter().filter(|s| only.is_none_or(|n| n == s.number))
    {
        let problems = verify::markers(&stage);
        for problem in &problems {
            out += &format!("{problem}\n");
        }
        ok &= problems.is_empty();
        let (report, held) = verify::builds(&stage);
        out += &report;
        ok &= held;
    }
    if only.is_none() {
        let (report, held) = verify::learner_flow();
        out += &report;
        ok &= held;
    }
    if ok { Ok(out) } else { Err(format!("an exercise is not honest:\n{out}")) }
}
