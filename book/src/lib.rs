//! Builds the book and checks its includes.
//!
//! mdBook only logs a warning when an `{{#include}}` cannot be resolved
//! and leaves the directive in the page, so a chapter could quietly show
//! stale or missing code. [`check_chapters`] makes that an error instead:
//! every include must name a file that exists, an anchor that it holds
//! once, and, for a trace snapshot, start on the line after its header.

use std::fs;
use std::path::{Path, PathBuf};

use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use workbook::exercise::strip_markers;

pub mod cycle;
pub mod stepper;
pub mod timeline;

/// The book's root: the folder with `book.toml`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder the chapters live in, as `book.toml`'s `src` says.
pub fn chapters_dir() -> PathBuf {
    root().join("../chapters")
}

/// Builds the book into `out`, with search, and returns the pages' folder.
pub fn build(out: &Path) -> Result<PathBuf, String> {
    let mut book =
        mdbook_driver::MDBook::load(root()).map_err(|e| e.to_string())?;
    book.config.build.build_dir = out.to_path_buf();
    book.with_preprocessor(Preprocess { dir: chapters_dir() });
    book.build().map_err(|e| format!("{e:#}"))?;
    Ok(out.to_path_buf())
}

/// Checks every `{{#...}}` directive in every chapter; returns one message
/// per problem, each naming the chapter and the directive.
pub fn check_chapters(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut chapters: Vec<_> = fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).collect()
        })
        .unwrap_or_default();
    chapters.sort();
    for chapter in
        chapters.iter().filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = fs::read_to_string(chapter).unwrap_or_default();
        let name = chapter.file_name().unwrap().to_string_lossy();
        for directive in directives(&text) {
            if let Err(why) = check_directive(dir, directive) {
                problems.push(format!("{name}: {{{{#{directive}}}}}: {why}"));
            }
        }
        for command in commands(&text) {
            if let Err(why) = check_command(dir, command) {
                problems.push(format!("{name}: `{command}`: {why}"));
            }
        }
    }
    problems
}

/// Each `cargo test -p ...` and `cargo run -p ...` in backticks in `text`:
/// the commands a chapter tells its reader to run.
fn commands(text: &str) -> Vec<&str> {
    let spans = text.split('`').skip(1).step_by(2);
    spans
        .filter(|span| {
            span.starts_with("cargo test -p ")
                || span.starts_with("cargo run -p ")
        })
        .collect()
}

/// Checks that a command a chapter names would find what it names: the
/// package, the `--test` file or `--example`, and a test function whose
/// name holds the filter, as `cargo test`'s filter matches.
pub fn check_command(dir: &Path, command: &str) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let package = words.get(3).ok_or("no package after -p")?;
    let root = dir.join("..");
    let crate_dir = match *package {
        "book" => root.join("book"),
        "checks" => root.join("tests"),
        name => root.join("crates").join(name),
    };
    if !crate_dir.join("Cargo.toml").exists() {
        return Err(format!("no package {package}"));
    }
    let (mut test_file, mut example, mut filter) = (None, None, None);
    let mut rest = words[4..].iter();
    while let Some(&word) = rest.next() {
        match word {
            "--test" => test_file = rest.next().copied(),
            "--example" => example = rest.next().copied(),
            "--release" | "--" | "--quiet" => {}
            word if word.starts_with('-') => {}
            word if filter.is_none() && words[1] == "test" => {
                filter = Some(word)
            }
            _ => {}
        }
    }
    if let Some(example) = example {
        let path = crate_dir.join("examples").join(format!("{example}.rs"));
        if !path.exists() {
            return Err(format!("no example {example} in {package}"));
        }
    }
    let files = match test_file {
        Some(file) => {
            let path = crate_dir.join("tests").join(format!("{file}.rs"));
            if !path.exists() {
                return Err(format!(
                    "no test file tests/{file}.rs in {package}"
                ));
            }
            vec![path]
        }
        None => files(&crate_dir.join("tests"), "rs")
            .into_iter()
            .chain(files(&crate_dir.join("src"), "rs"))
            .collect(),
    };
    let Some(filter) = filter else { return Ok(()) };
    let found = files.iter().any(|file| {
        let text = fs::read_to_string(file).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.trim_start().strip_prefix("fn "))
            .any(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                name.contains(filter)
            })
    });
    match found {
        true => Ok(()),
        false => Err(format!("no test in {package} matches {filter}")),
    }
}

/// Every file under `dir` whose name ends in `.{extension}`, in
/// subfolders too.
pub fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(self::files(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            files.push(path);
        }
    }
    files
}

/// The inside of each `{{#...}}` in `text`.
fn directives(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            found.push(after.lines().next().unwrap_or(""));
            break;
        };
        found.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    found
}

/// The book's own preprocessor, run after mdBook's includes: it draws
/// each `{{#timeline path}}` as an SVG picture of the trace in that
/// snapshot (see [`timeline`]), and takes from each code block the indent
/// its lines share, so that a method shown alone starts at the margin.
pub struct Preprocess {
    /// The chapters' folder, which the paths are relative to.
    pub dir: PathBuf,
}

impl Preprocessor for Preprocess {
    fn name(&self) -> &str {
        "tiny-asyncio"
    }

    fn run(
        &self,
        _: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let mut failed = None;
        // Each timeline's id, once in the whole book: print.html holds
        // every chapter.
        let mut ids = std::collections::BTreeSet::new();
        book.for_each_mut(|item| {
            let BookItem::Chapter(chapter) = item else { return };
            // The workbook's markers are left out of the included code:
            // each chapter lists its stage's exercises apart.
            let content = strip_markers(&chapter.content);
            for path in timeline_paths(&content) {
                if !ids.insert(timeline_id(path)) {
                    failed = Some(format!(
                        "{}: the timeline {} is drawn twice in the book",
                        chapter.name,
                        timeline_id(path)
                    ));
                }
            }
            let done = timelines(&self.dir, &content)
                .and_then(|c| cycles(&self.dir, &c))
                .and_then(|c| exercises(&c));
            match done {
                Ok(content) => chapter.content = dedent(&content),
                Err(why) => failed = Some(format!("{}: {why}", chapter.name)),
            }
        });
        match failed {
            Some(why) => Err(mdbook_preprocessor::errors::Error::msg(why)),
            None => Ok(book),
        }
    }
}

/// `text` with the indent that each code block's lines share taken off
/// them.
pub fn dedent(text: &str) -> String {
    let mut out = String::new();
    let mut block: Option<Vec<&str>> = None;
    for line in text.lines() {
        match &mut block {
            None if line.starts_with("```") => block = Some(Vec::new()),
            None => {}
            Some(body) if line.starts_with("```") => {
                let indent = body
                    .iter()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| line.len() - line.trim_start().len())
                    .min()
                    .unwrap_or(0);
                for kept in body.drain(..) {
                    out += kept.get(indent..).unwrap_or("").trim_end();
                    out.push('\n');
                }
                block = None;
            }
            Some(body) => {
                body.push(line);
                continue;
            }
        }
        out += line;
        out.push('\n');
    }
    out
}

/// `text` with each `{{#exercises stepNN_topic}}` replaced by the list of
/// that stage's exercises, read from the markers in its source.
pub fn exercises(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#exercises ") {
        let end = rest[start..].find("}}").ok_or("an unclosed {{#exercises")?;
        out += &rest[..start];
        out += &exercises_html(rest[start + 13..start + end].trim())?;
        rest = &rest[start + end + 2..];
    }
    Ok(out + rest)
}

/// The exercises of the stage crate named `stage`, as the chapter lists
/// them: each with what to write, where, and its hint folded away.
fn exercises_html(stage: &str) -> Result<String, String> {
    let found = workbook::stage::stages().into_iter().find(|s| s.name == stage);
    let stage = found.ok_or_else(|| format!("no stage crate {stage}"))?;
    let exercises = stage.exercises()?;
    if exercises.is_empty() {
        return Err(format!("{} marks no exercise", stage.name));
    }
    let mut out = String::new();
    for e in exercises {
        out += &format!(
            "{}. **`{}`**, in `src/{}`: {}\n   <details><summary>Hint\
             </summary>\n\n   {}\n\n   </details>\n",
            e.number, e.name, e.file, e.task, e.hint
        );
    }
    Ok(out)
}

/// The path of each `{{#timeline path}}` in `text`.
pub fn timeline_paths(text: &str) -> Vec<&str> {
    let paths = text.split("{{#timeline ").skip(1);
    paths.filter_map(|rest| Some(rest.split_once("}}")?.0.trim())).collect()
}

/// `text` with each `{{#timeline path}}` replaced by its picture.
pub fn timelines(dir: &Path, text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#timeline ") {
        let end = rest[start..].find("}}").ok_or("an unclosed {{#timeline")?;
        let path = rest[start + 12..start + end].trim();
        out += &rest[..start];
        out += &timeline_html(dir, path)?;
        // The legend, under a page's first picture only.
        if !out.contains("timeline-legend") {
            out += LEGEND;
            out.push('\n');
        }
        rest = &rest[start + end + 2..];
    }
    Ok(out + rest)
}

/// What the colours and shapes of a timeline mean, under a page's first.
const LEGEND: &str = "<p class=\"timeline-legend\"><small>\
    Lanes: the loop, then each task. A box is a poll: \
    <span style=\"background:#9ecae1\">&nbsp;pending&nbsp;</span> \
    <span style=\"background:#74c476\">&nbsp;done&nbsp;</span> \
    <span style=\"background:#fb6a4a\">&nbsp;panic&nbsp;</span> \
    <span style=\"background:#bdbdbd\">&nbsp;dropped&nbsp;</span> \
    (a cancelled task's last step, from chapter 4). \
    Grey columns: the loop waiting (<code>wait</code>, or <code>select</code> \
    from chapter 3), a pixel per millisecond the clock moved, labelled with \
    that time; hover for how long it could have waited. \
    <span style=\"color:#d95f0e\">Arrows</span>: wakes. \
    Dots: the loop's own events. Hover for details. Under each picture, \
    its stepper: click it, then ← and → step through the trace, and \
    the panels show the loop's state after each event.</small></p>";

/// The id of the timeline of the snapshot at `path`, for links to it:
/// its stage and its name, `s2-demo` for step02's `trace__demo.snap`.
pub fn timeline_id(path: &str) -> String {
    let stage = path
        .split('/')
        .find_map(|part| part.strip_prefix("step"))
        .and_then(|rest| rest.get(..2))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let stem =
        Path::new(path).file_stem().unwrap_or_default().to_string_lossy();
    let name = stem.trim_start_matches("trace__").replace('_', "-");
    format!("s{stage}-{name}")
}

/// The picture of the trace in the snapshot at `path`, in a box that
/// scrolls sideways when the trace is long, and under it the stepper that
/// replays it (see [`stepper`]), in one figure. A link to
/// `#{id}-step-N` opens it at event N.
fn timeline_html(dir: &Path, path: &str) -> Result<String, String> {
    let text = fs::read_to_string(dir.join(path))
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let events = timeline::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let states =
        stepper::states(&events).map_err(|e| format!("{path}: {e}"))?;
    let id = timeline_id(path);
    let name = id.split_once('-').map_or("", |(_, name)| name);
    let svg = timeline::render(
        &events,
        &format!("Timeline of {}", name.replace('-', " ")),
    );
    let xs = timeline::places(&events);
    let stepper = stepper::html(&id, &events, &states, &xs);
    // One line: an HTML block in Markdown ends at a blank line.
    Ok(format!(
        "<figure class=\"stepper-figure\" id=\"{id}\" tabindex=\"-1\">\
         <div class=\"timeline\">{svg}</div>{stepper}</figure>\n"
    ))
}

/// For every timeline in the chapters in `dir`, what its stepper shows
/// after each event, one line each: `01-tasks.html#s1-demo@12 line=...`
/// (see [`stepper::shown`]). The browser check compares the page with
/// these.
pub fn stepper_expectations(dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for chapter in files(dir, "md") {
        let text = fs::read_to_string(&chapter).map_err(|e| e.to_string())?;
        let page = chapter.file_stem().unwrap_or_default().to_string_lossy();
        for path in timeline_paths(&text) {
            let snapshot = fs::read_to_string(dir.join(path))
                .map_err(|e| format!("cannot read {path}: {e}"))?;
            let events = timeline::parse(&snapshot)?;
            let states = stepper::states(&events)?;
            let id = timeline_id(path);
            for at in 0..events.len() {
                let shown = stepper::shown(&events, &states, at);
                out.push(format!("{page}.html#{id}@{} {shown}", at + 1));
            }
        }
    }
    Ok(out)
}

/// `text` with each `{{#cycle path task}}` replaced by the picture of
/// that task's way round the loop in the trace at `path` (see [`cycle`]).
pub fn cycles(dir: &Path, text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#cycle ") {
        let end = rest[start..].find("}}").ok_or("an unclosed {{#cycle")?;
        out += &rest[..start];
        out += &cycle_html(dir, rest[start + 9..start + end].trim())?;
        rest = &rest[start + end + 2..];
    }
    Ok(out + rest)
}

/// The cycle picture for a directive's `path task`.
fn cycle_html(dir: &Path, args: &str) -> Result<String, String> {
    let (path, task) =
        args.rsplit_once(' ').ok_or("{{#cycle}} takes a path and a task")?;
    let text = fs::read_to_string(dir.join(path))
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let events = timeline::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let title = format!("The cycle of {task}: queued, polled, Pending, woken");
    let svg = cycle::render(&events, task.trim(), &title)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(format!("<div class=\"cycle\">{svg}</div>\n"))
}

/// The id mdBook gives a heading: its text without markup, lower case,
/// spaces as `-`, and only letters, digits, `-` and `_` kept.
pub fn heading_id(heading: &str) -> String {
    let text = heading.trim_start_matches('#').trim();
    text.chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                Some(c.to_ascii_lowercase())
            }
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// Checks every link to a place in a chapter, in the chapters in `dir`
/// (`[x](02-sleep.md#timers)`, `[x](#s1-demo-step-7)`) and in the
/// workbook's `Read:` lines in `sources`: the heading, or the timeline and
/// its event, must be there. One message per link that is not.
pub fn check_links(dir: &Path, sources: &[PathBuf]) -> Vec<String> {
    // What each chapter can be linked to: its headings' ids, and its
    // timelines with their counts of events.
    let mut targets = std::collections::BTreeMap::new();
    for chapter in files(dir, "md") {
        let text = fs::read_to_string(&chapter).unwrap_or_default();
        let name = chapter.file_name().unwrap_or_default();
        let mut ids: Vec<(String, usize)> = Vec::new();
        let mut code = false;
        for line in text.lines() {
            code ^= line.trim_start().starts_with("```");
            if !code && line.starts_with('#') {
                ids.push((heading_id(line), usize::MAX));
            }
        }
        for path in timeline_paths(&text) {
            let events = fs::read_to_string(dir.join(path))
                .ok()
                .and_then(|t| timeline::parse(&t).ok().map(|e| e.len()));
            ids.push((timeline_id(path), events.unwrap_or(0)));
        }
        targets.insert(name.to_string_lossy().to_string(), ids);
    }
    let found = |page: &str, anchor: &str| {
        let Some(ids) = targets.get(page) else { return false };
        // `#s1-demo-step-7`: a timeline, and one of its events.
        if let Some((id, step)) = anchor.rsplit_once("-step-")
            && let Ok(step) = step.parse::<usize>()
        {
            return ids.iter().any(|(i, n)| i == id && step <= *n);
        }
        ids.iter().any(|(id, _)| id == anchor)
    };
    let mut problems = Vec::new();
    let mut check = |from: &str, page: &str, anchor: &str| {
        if !found(page, anchor) {
            problems.push(format!("{from}: no #{anchor} in {page}"));
        }
    };
    for (page, _) in targets.clone() {
        let text = fs::read_to_string(dir.join(&page)).unwrap_or_default();
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap_or("");
            let Some((file, anchor)) = target.split_once('#') else {
                continue;
            };
            let file = if file.is_empty() { page.as_str() } else { file };
            if file.ends_with(".md") {
                check(&page, file, anchor);
            }
        }
    }
    for source in sources {
        let text = fs::read_to_string(source).unwrap_or_default();
        for line in text.lines() {
            let Some(read) = line.trim().strip_prefix("// Read: ") else {
                continue;
            };
            if let Some((file, anchor)) = read.trim().split_once('#') {
                check(&source.display().to_string(), file, anchor);
            }
        }
    }
    problems
}

/// The words of a chapter's main path: its prose, outside code blocks,
/// outside the "Deeper" asides (`<details>` ... `</details>`), and without
/// directives or HTML. A stage chapter's main path is meant to be read in
/// one sitting.
pub fn main_path_words(text: &str) -> usize {
    let (mut words, mut code, mut aside) = (0, false, 0usize);
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            code = !code;
            continue;
        }
        if code {
            continue;
        }
        aside += trimmed.matches("<details").count();
        let closed = trimmed.matches("</details>").count();
        if aside > 0 || closed > 0 {
            aside = aside.saturating_sub(closed);
            continue;
        }
        if trimmed.starts_with("{{#") || trimmed.starts_with('<') {
            continue;
        }
        words += trimmed
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
    }
    words
}

/// Checks one directive, as found in a chapter in `dir`.
pub fn check_directive(dir: &Path, directive: &str) -> Result<(), String> {
    if let Some(path) = directive.strip_prefix("timeline ") {
        return timeline_html(dir, path.trim()).map(drop);
    }
    if let Some(args) = directive.strip_prefix("cycle ") {
        return cycle_html(dir, args.trim()).map(drop);
    }
    if let Some(stage) = directive.strip_prefix("exercises ") {
        return exercises_html(stage.trim()).map(drop);
    }
    let Some(target) = directive.strip_prefix("include ") else {
        return Err(
            "only {{#include}}, {{#timeline}}, {{#cycle}} and {{#exercises}} \
             are used here"
                .into(),
        );
    };
    // `path`, `path:anchor`, `path:start:end`, `path:start:` or `path::end`.
    let mut parts = target.trim().splitn(2, ':');
    let path = dir.join(parts.next().unwrap_or(""));
    let selector = parts.next();
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let is_snapshot = path.extension().is_some_and(|e| e == "snap");
    let Some(selector) = selector else {
        return if is_snapshot {
            Err("a snapshot must be included from the line after its header"
                .into())
        } else {
            Ok(())
        };
    };
    let first = selector.split(':').next().unwrap_or("");
    if !first.is_empty() && !first.chars().all(|c| c.is_ascii_digit()) {
        return check_anchor(&lines, first);
    }
    let start: usize =
        if first.is_empty() { 1 } else { first.parse().unwrap() };
    if start == 0 || start > lines.len() {
        return Err(format!(
            "line {start} is past the end ({} lines)",
            lines.len()
        ));
    }
    if let Some(end) = selector.split(':').nth(1).filter(|e| !e.is_empty()) {
        let end: usize =
            end.parse().map_err(|_| format!("bad line range {selector}"))?;
        if end < start || end > lines.len() {
            return Err(format!("line range {selector} is outside the file"));
        }
    }
    if is_snapshot {
        let body = snapshot_body_line(&lines)
            .ok_or("not an insta snapshot: no header closed by `---`")?;
        if start != body {
            return Err(format!(
                "starts at line {start}, but the trace starts at line {body}, \
                 right after the snapshot header"
            ));
        }
    }
    Ok(())
}

/// The 1-based line where a snapshot's content starts, after its header.
fn snapshot_body_line(lines: &[&str]) -> Option<usize> {
    if lines.first() != Some(&"---") {
        return None;
    }
    let close = lines.iter().skip(1).position(|line| *line == "---")?;
    Some(close + 3)
}

/// Checks that `name` is anchored exactly once in a file.
fn check_anchor(lines: &[&str], name: &str) -> Result<(), String> {
    let count = |marker: &str| {
        let marker = format!("{marker}: {name}");
        lines.iter().filter(|line| line.trim_end().ends_with(&marker)).count()
    };
    match (count("ANCHOR"), count("ANCHOR_END")) {
        (1, 1) => Ok(()),
        (0, _) | (_, 0) => Err(format!("no anchor `{name}` in the file")),
        _ => Err(format!("anchor `{name}` appears more than once")),
    }
}
