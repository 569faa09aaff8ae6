//! `cargo run -p book`: checks the chapters' includes, then builds the book
//! into `book/html`.
//!
//! `cargo run -p book -- stepper-states` prints, for every timeline, what
//! its stepper shows after each event, for the browser check; `-- words`
//! counts each chapter's main path, outside code and "Deeper" asides.

fn main() {
    if std::env::args().nth(1).as_deref() == Some("words") {
        for chapter in book::files(&book::chapters_dir(), "md") {
            let text = std::fs::read_to_string(&chapter).unwrap_or_default();
            let name = chapter.file_name().unwrap_or_default();
            let words = book::main_path_words(&text);
            println!("{words:>6}  {}", name.to_string_lossy());
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("stepper-states") {
        match book::stepper_expectations(&book::chapters_dir()) {
            Ok(lines) => lines.iter().for_each(|line| println!("{line}")),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let problems = book::check_chapters(&book::chapters_dir());
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        std::process::exit(1);
    }
    match book::build(&book::root().join("html")) {
        Ok(out) => {
            println!("the book is in {}", out.join("index.html").display())
        }
        Err(e) => {
            eprintln!("error: the book did not build: {e}");
            std::process::exit(1);
        }
    }
}
