//! Exercises, as the stages' own source marks them, and the holes cut
//! from that source for a learner to fill.
//!
//! A marker is a block of `//` comments right before an item (before its
//! `///` docs, if it has any), whose body becomes the hole:
//!
//! ```text
//! // Exercise 1.3 `wake`: what to write, in a sentence or two.
//! // Hint: how, and the asyncio function that does the same job.
//! // Tests: trace::duplicate_and_spurious_wakes, qa::some_test
//! // Read: 01-tasks.md#the-waker
//! fn wake_by_ref(self: &Arc<Self>) {
//! ```
//!
//! Exercise `1.3` is stage 1's third. A later stage keeps the marker, as
//! it keeps the code, but only its own exercises become holes there.

use std::fmt;

/// One exercise: where it is, what to write, and how it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    /// The stage that brings it, and its place in that stage's chapter.
    pub stage: u32,
    /// Its number within its stage, from 1, in the chapter's order.
    pub number: u32,
    /// A short name, as a learner types it: `cargo run -p workbook --
    /// reset wake`.
    pub name: String,
    /// What to write: the body's job, in a sentence or two.
    pub task: String,
    /// How, naming the asyncio function that does the same job.
    pub hint: String,
    /// The tests that check it, as `file::test` (`trace::single_task`).
    pub tests: Vec<String>,
    /// The chapter section to read first, as `01-tasks.md#the-waker`.
    pub read: String,
    /// Where it is: the file, relative to `src/`.
    pub file: String,
    /// The marker's first line and the body's lines, 0-based, in that
    /// file: the body is `body.0 + 1 .. body.1`, between the line that
    /// opens it and the one that closes it.
    pub marker: usize,
    /// See `marker`.
    pub body: (usize, usize),
}

impl Exercise {
    /// Its label: `1.3 wake`.
    pub fn label(&self) -> String {
        format!("{}.{} {}", self.stage, self.number, self.name)
    }

    /// The message of its hole's `todo!`, which a test that reaches the
    /// hole prints when it panics.
    pub fn todo_message(&self) -> String {
        let id =
            format!("exercise {}.{} `{}`", self.stage, self.number, self.name);
        // Written inside `todo!`'s format string: quotes, backslashes and
        // braces escaped.
        let task = self.task.replace('\\', "\\\\").replace('"', "\\\"");
        let task = task.replace('{', "{{").replace('}', "}}");
        format!("{id}: {task}")
    }

    /// The text a test's panic shows when it reached this hole.
    pub fn todo_panic(&self) -> String {
        format!(
            "not yet implemented: exercise {}.{} `{}`",
            self.stage, self.number, self.name
        )
    }
}

impl fmt::Display for Exercise {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "exercise {}.{} `{}`", self.stage, self.number, self.name)
    }
}

/// The markers in one file's text (`file` names it, relative to `src/`),
/// in the order they appear. An error names the line of a marker it
/// cannot read.
pub fn parse(file: &str, text: &str) -> Result<Vec<Exercise>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((stage, number, name, first)) = marker_line(lines[i]) else {
            i += 1;
            continue;
        };
        let marker = i;
        let at = |why: &str| format!("{file}:{}: {why}", marker + 1);
        // The marker's fields: a key starts a field, and the lines after
        // it that start with none go on with it.
        let mut fields = vec![("Exercise", first.to_string())];
        i += 1;
        while let Some(text) = lines.get(i).and_then(|l| comment(l)) {
            match ["Hint", "Tests", "Read"].iter().find_map(|key| {
                Some((*key, text.strip_prefix(key)?.strip_prefix(": ")?))
            }) {
                Some((key, rest)) => fields.push((key, rest.to_string())),
                None => {
                    let last = &mut fields.last_mut().unwrap().1;
                    last.push(' ');
                    last.push_str(text);
                }
            }
            i += 1;
        }
        let field = |key: &str| {
            fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
        };
        // A learner's copy has no hint: `--hint` gives it.
        let hint = field("Hint").unwrap_or_default();
        let (Some(tests), Some(read)) = (field("Tests"), field("Read")) else {
            return Err(at("a marker needs Tests: and Read: lines"));
        };
        // Right before the item: its docs, its attributes or itself.
        let next = lines.get(i).map_or("", |l| l.trim_start());
        if !(next.starts_with("///") || next.starts_with("#[") || is_fn(next)) {
            return Err(at(
                "a marker goes right before an item's docs or its fn",
            ));
        }
        let body = body_of(&lines, i)
            .ok_or_else(|| at("no fn body after the marker"))?;
        found.push(Exercise {
            stage,
            number,
            name,
            task: field("Exercise").unwrap(),
            hint,
            tests: tests.split(',').map(|t| t.trim().to_string()).collect(),
            read,
            file: file.to_string(),
            marker,
            body,
        });
    }
    Ok(found)
}

/// If `line` opens a marker: its stage, number, name and the rest of
/// the line, the start of its task.
fn marker_line(line: &str) -> Option<(u32, u32, String, &str)> {
    let rest = comment(line)?.strip_prefix("Exercise ")?;
    let (id, rest) = rest.split_once(' ')?;
    let (stage, number) = id.split_once('.')?;
    let rest = rest.strip_prefix('`')?;
    let (name, rest) = rest.split_once('`')?;
    let task = rest.strip_prefix(": ")?;
    Some((stage.parse().ok()?, number.parse().ok()?, name.to_string(), task))
}

/// The text of a plain `//` comment line, without its slashes; `None`
/// for code, for `///` and `//!` docs, and for a blank line.
fn comment(line: &str) -> Option<&str> {
    let text = line.trim_start().strip_prefix("//")?;
    if text.starts_with('/') || text.starts_with('!') {
        return None;
    }
    Some(text.strip_prefix(' ').unwrap_or(text))
}

/// The body of the first `fn` at or after line `from`: the line that
/// opens it (its signature's last, which ends in `{`) and the line that
/// closes it (a `}` at the `fn`'s indent). The code is rustfmt's, so
/// that is where they are.
fn body_of(lines: &[&str], from: usize) -> Option<(usize, usize)> {
    let start = (from..lines.len()).find(|&i| is_fn(lines[i]))?;
    let indent = indent(lines[start]);
    let open =
        (start..lines.len()).find(|&i| lines[i].trim_end().ends_with('{'))?;
    let close_line = format!("{indent}}}");
    let close =
        (open + 1..lines.len()).find(|&i| lines[i].trim_end() == close_line)?;
    Some((open, close))
}

fn is_fn(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let skip = ["pub", "pub(crate)", "async", "unsafe", "const"];
    let first = words.iter().find(|w| !skip.contains(w));
    first == Some(&"fn")
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// What a hole took out of the source, to put back: the marker's hint
/// lines and the body's lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// Which exercise's, as `1.3`.
    pub id: (u32, u32),
    /// The marker's `Hint:` lines.
    pub hint: Vec<String>,
    /// The body, between its braces.
    pub body: Vec<String>,
}

/// `text` (the file `file`), with the body of each exercise that `pick`
/// takes replaced by a `todo!` that says what to write, and its marker's
/// hint left out (`--hint` gives it). Also returns what was taken out,
/// which [`fill`] puts back.
pub fn cut(
    file: &str,
    text: &str,
    pick: impl Fn(&Exercise) -> bool,
) -> Result<(String, Vec<Taken>), String> {
    let exercises = parse(file, text)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut taken = Vec::new();
    // From the last, so that the line numbers of the others still hold.
    for exercise in exercises.iter().rev().filter(|e| pick(e)) {
        let (open, close) = exercise.body;
        let body =
            lines.splice(open + 1..close, hole(exercise, &lines[open..=open]));
        let body: Vec<String> = body.collect();
        let hint = hint_lines(&lines, exercise.marker);
        let hint: Vec<String> = lines.drain(hint).collect();
        taken.push(Taken { id: (exercise.stage, exercise.number), hint, body });
    }
    taken.reverse();
    Ok((join(&lines, text), taken))
}

/// The hole for `exercise`, whose body opens with `open`: a `todo!`
/// that says what to write. A function that returns a future gets it
/// inside one, as `todo!` itself is no future.
fn hole(exercise: &Exercise, open: &[String]) -> Vec<String> {
    let indent = format!("{}    ", indent(&open[0]));
    let todo = format!("todo!(\"{}\")", exercise.todo_message());
    let line = if open[0].contains("-> impl Future") {
        format!("{indent}std::future::poll_fn(|_| {todo})")
    } else {
        format!("{indent}{todo}")
    };
    vec![line]
}

/// The range of lines of the `Hint:` field of the marker at `marker`.
fn hint_lines(lines: &[String], marker: usize) -> std::ops::Range<usize> {
    let start = (marker..lines.len())
        .find(|&i| comment(&lines[i]).is_some_and(|t| t.starts_with("Hint: ")))
        .expect("a parsed marker has a hint");
    let end = (start + 1..lines.len())
        .find(|&i| {
            comment(&lines[i]).is_none_or(|t| {
                t.starts_with("Tests: ") || t.starts_with("Read: ")
            })
        })
        .unwrap_or(lines.len());
    start..end
}

/// `text` with what [`cut`] took out put back: each exercise's hint into
/// its marker, and its body in place of its hole. What is not found
/// (a learner may have filled a hole, or even reset one) is an error.
pub fn fill(file: &str, text: &str, taken: &[Taken]) -> Result<String, String> {
    let exercises = parse(file, text)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for exercise in exercises.iter().rev() {
        let id = (exercise.stage, exercise.number);
        let Some(taken) = taken.iter().find(|t| t.id == id) else { continue };
        let (open, close) = exercise.body;
        lines.splice(open + 1..close, taken.body.iter().cloned());
        // The hint goes back after the task: before `Tests:`.
        let tests = (exercise.marker..open)
            .find(|&i| {
                comment(&lines[i]).is_some_and(|t| t.starts_with("Tests: "))
            })
            .ok_or_else(|| format!("{file}: {exercise} has no Tests: line"))?;
        lines.splice(tests..tests, taken.hint.iter().cloned());
    }
    Ok(join(&lines, text))
}

/// The body of `exercise` in `text`, between its braces.
pub fn body<'a>(exercise: &Exercise, text: &'a str) -> Vec<&'a str> {
    let (open, close) = exercise.body;
    text.lines().skip(open + 1).take(close - open - 1).collect()
}

/// Whether `exercise`'s body in `text` is still its hole.
pub fn is_hole(exercise: &Exercise, text: &str) -> bool {
    let body = body(exercise, text);
    body.len() == 1
        && body[0].contains(&format!("todo!(\"{}", exercise.todo_message()))
}

/// Lines joined back into a file, ending as `like` ends.
fn join(lines: &[String], like: &str) -> String {
    let mut text = lines.join("\n");
    if like.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// `text` without exercise markers: how the book shows code, whose
/// chapters list the exercises apart.
pub fn strip_markers(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_marker = false;
    for line in text.lines() {
        if marker_line(line).is_some() {
            in_marker = true;
            continue;
        }
        if in_marker && comment(line).is_some() {
            continue;
        }
        in_marker = false;
        out.push(line);
    }
    join(&out.iter().map(|l| l.to_string()).collect::<Vec<_>>(), text)
}
