//! `cargo run -p book`: checks the chapters' includes, then builds the book
//! into `book/html`.

fn main() {
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
