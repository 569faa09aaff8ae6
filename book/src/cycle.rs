//! The whole cycle in one picture, for the book's `{{#cycle path task}}`:
//! a task's way round the loop, drawn from a real trace. It waits in the
//! ready queue, is polled, returns Pending with its waker kept somewhere,
//! is woken by whoever kept it, and is back in the queue, to be polled
//! again.
//!
//! Who keeps the waker is what each stage adds: in stage 1 another task
//! (a `JoinHandle` wakes its awaiter when the task ends), in stage 2 a
//! timer, which the loop waits for, in stage 3 `select`, which waits for a
//! socket. The picture grows with them: the loop's wait and what ends it
//! are drawn as the stage's new boxes.

use std::fmt::Write;

use crate::timeline::{Event, clip, escape};

/// One box of the cycle: what it is, why, and the trace lines that show it.
struct Node {
    title: String,
    caption: String,
    lines: Vec<String>,
    /// Drawn as what this stage adds to the cycle.
    new: bool,
}

/// The trace line of event `i`, as a short line for a box: its pass, who,
/// what, and the detail.
fn short(events: &[Event], i: usize) -> String {
    let e = &events[i];
    format!("{} {} {} {}", e.tick, e.who, e.what, e.detail)
        .trim_end()
        .to_string()
}

/// The cycle of `task` in `events`: from its first Pending that something
/// else wakes, to the poll that follows the wake. An error says why there
/// is none.
fn nodes(events: &[Event], task: &str) -> Result<(Vec<Node>, String), String> {
    let is = |i: usize, what: &str| events[i].what == what;
    let woke_task = |e: &Event| {
        e.what == "wake"
            && !e.detail.contains("already")
            && e.detail.split_whitespace().next() == Some(task)
    };
    // The first Pending after which someone else wakes the task.
    let (pending, wake) = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.who == task && e.what == "pending")
        .find_map(|(i, _)| {
            let j = events[i + 1..].iter().position(woke_task)? + i + 1;
            (events[j].who != task).then_some((i, j))
        })
        .ok_or_else(|| format!("{task} never waits for another to wake it"))?;
    let poll = (0..pending)
        .rev()
        .find(|&i| events[i].who == task && is(i, "poll"))
        .ok_or("no poll before the Pending")?;
    // What put that poll's step in the queue: its spawn, or a wake.
    let queued = (0..poll)
        .rev()
        .find(|&i| {
            woke_task(&events[i])
                || (is(i, "spawn")
                    && events[i].detail.split_whitespace().next() == Some(task))
        })
        .ok_or("nothing queued the poll")?;
    let again = (wake..events.len())
        .find(|&i| events[i].who == task && is(i, "poll"))
        .ok_or("the task is not polled again")?;
    let end = (again..events.len())
        .find(|&i| {
            events[i].who == task
                && matches!(
                    events[i].what,
                    "pending" | "done" | "panic" | "dropped"
                )
        })
        .ok_or("the poll again does not end")?;

    // What the poll left the waker with: a timer, a watched fd, or
    // (nothing of its own) the task it awaits.
    let did: Vec<usize> = (poll + 1..pending)
        .filter(|&i| {
            events[i].who == task
                && matches!(events[i].what, "timer" | "watch" | "spawn")
        })
        .collect();
    let timer = did.iter().find(|&&i| is(i, "timer"));
    let watch = did.iter().find(|&&i| is(i, "watch"));
    let waker = &events[wake].who;
    let mut nodes = vec![
        Node {
            title: "in the ready queue".into(),
            caption: format!("a step of {task} waits its turn"),
            lines: vec![short(events, queued)],
            new: false,
        },
        Node {
            title: "polled".into(),
            caption: "the loop runs the step: poll".into(),
            lines: std::iter::once(poll)
                .chain(did.iter().copied())
                .map(|i| short(events, i))
                .collect(),
            new: false,
        },
    ];
    let waits: Vec<usize> = (pending..wake)
        .filter(|&i| matches!(events[i].what, "select" | "wait"))
        .collect();
    let (holder, stage) = match (timer, watch) {
        (_, Some(&w)) if events[wake].who == "loop" => {
            (format!("select, for {task} {}", events[w].detail), 3)
        }
        (Some(&t), _) if events[wake].who == "loop" => {
            let number =
                events[t].detail.split_whitespace().next().unwrap_or("");
            (format!("timer {number}"), 2)
        }
        _ => (format!("{waker}'s JoinHandle"), 1),
    };
    nodes.push(Node {
        title: "Pending".into(),
        caption: format!("its waker is kept by {holder}"),
        lines: vec![short(events, pending)],
        new: false,
    });
    match stage {
        1 => {
            // Another task runs, and wakes it as it ends.
            let runs: Vec<usize> = (pending + 1..=wake)
                .filter(|&i| events[i].who == *waker && is(i, "poll"))
                .collect();
            let mut lines: Vec<String> =
                runs.iter().rev().take(1).map(|&i| short(events, i)).collect();
            lines.push(short(events, wake));
            nodes.push(Node {
                title: format!("{waker} ends"),
                caption: format!("and wakes {task}: a step joins the queue"),
                lines,
                new: false,
            });
        }
        _ => {
            nodes.push(Node {
                title: match stage {
                    2 => "the loop waits".into(),
                    _ => "select waits".into(),
                },
                caption: match stage {
                    2 => "nothing is ready: until the timer".into(),
                    _ => "for a socket, or the next timer".into(),
                },
                lines: waits.iter().map(|&i| short(events, i)).collect(),
                new: true,
            });
            let cause: Vec<usize> = (pending..wake)
                .filter(|&i| {
                    events[i].who == "loop"
                        && matches!(events[i].what, "fire" | "ready")
                })
                .collect();
            nodes.push(Node {
                title: match stage {
                    2 => "the timer fires".into(),
                    _ => "the socket is ready".into(),
                },
                caption: "what kept the waker wakes it".into(),
                lines: cause.iter().map(|&i| short(events, i)).collect(),
                new: true,
            });
            nodes.push(Node {
                title: "woken".into(),
                caption: format!("a step of {task} joins the queue"),
                lines: vec![short(events, wake)],
                new: false,
            });
        }
    }
    let ended = match events[end].what {
        "pending" => "Pending again: round it goes once more",
        "done" => "done: this time the future returned Ready",
        "panic" => "it panicked",
        _ => "dropped",
    };
    let tail = format!(
        "Then pass {}: {task} is polled again, and {} ({}).",
        events[again].tick,
        ended,
        short(events, end).trim()
    );
    Ok((nodes, tail))
}

// The picture's measures, in pixels.
const BOX_W: u32 = 220;
const BOX_H: u32 = 104;
const COL: u32 = 252;
const ROW: u32 = 146;
const LEFT: u32 = 14;
const TOP: u32 = 14;

/// The cycle of `task` in `events` as an SVG picture, with a caption under
/// it for the poll that follows; `title` names it for screen readers.
pub fn render(
    events: &[Event],
    task: &str,
    title: &str,
) -> Result<String, String> {
    let (nodes, tail) = nodes(events, task)?;
    // The ring: the first three along the top, left to right; the rest
    // along the bottom, right to left, the last under the first.
    let place = |n: usize| -> (u32, u32) {
        match n {
            0..=2 => (LEFT + COL * n as u32, TOP),
            _ => {
                let from_right = n - 3;
                let count = nodes.len() - 3;
                // One along the bottom goes in the middle; three fill it,
                // right to left.
                let col = if count == 1 { 1 } else { 2 - from_right as u32 };
                (LEFT + COL * col, TOP + ROW)
            }
        }
    };
    let width = LEFT * 2 + COL * 2 + BOX_W;
    let height = TOP + ROW + BOX_H + 40;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="cycle" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}" font-family="sans-serif" font-size="12">"#,
        escape(title)
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    svg.push_str(
        r##"<defs><marker id="cycle-arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#555"/></marker></defs>"##,
    );
    // Arrows first, under the boxes: each box to the next, the last back
    // to the first.
    for n in 0..nodes.len() {
        let next = (n + 1) % nodes.len();
        let ((x1, y1), (x2, y2)) = (place(n), place(next));
        let (mid1, mid2) = (
            (x1 + BOX_W / 2, y1 + BOX_H / 2),
            (x2 + BOX_W / 2, y2 + BOX_H / 2),
        );
        let (a, b) = if y1 == y2 {
            // Along a row: from one side to the other.
            let (from, to) =
                if x1 < x2 { (x1 + BOX_W, x2) } else { (x1, x2 + BOX_W) };
            ((from, mid1.1), (to, mid2.1))
        } else if y1 < y2 {
            ((mid1.0, y1 + BOX_H), (mid2.0, y2))
        } else {
            ((mid1.0, y1), (mid2.0, y2 + BOX_H))
        };
        let colour = if next == 0 { "#d95f0e" } else { "#555" };
        let _ = write!(
            svg,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="1.6" marker-end="url(#cycle-arrow)"/>"##,
            a.0, a.1, b.0, b.1
        );
    }
    for (n, node) in nodes.iter().enumerate() {
        let (x, y) = place(n);
        let (fill, stroke, dash) = match (node.new, n) {
            (true, _) => ("#fff7e6", "#d95f0e", r#" stroke-dasharray="5,3""#),
            (_, 2) => ("#deebf7", "#3182bd", ""),
            _ => ("#f7f7f7", "#888", ""),
        };
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.4"{dash}/>"#
        );
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-weight="bold" fill="#222">{}. {}</text>"##,
            x + 8,
            y + 17,
            n + 1,
            escape(&node.title)
        );
        if node.new {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" text-anchor="end" font-size="10" fill="#d95f0e">new</text>"##,
                x + BOX_W - 8,
                y + 17
            );
        }
        // The caption, on two lines if it needs them.
        for (k, words) in wrap(&node.caption, 36).iter().take(2).enumerate() {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" fill="#444" font-size="11">{}</text>"##,
                x + 8,
                y + 32 + 13 * k as u32,
                escape(words)
            );
        }
        // The trace lines, a long one wrapped onto a second row.
        let rows: Vec<(String, &String)> = node
            .lines
            .iter()
            .flat_map(|line| {
                let mut rows = wrap(line, 32);
                for row in rows.iter_mut().skip(1) {
                    row.insert_str(0, "   ");
                }
                rows.into_iter().map(move |row| (row, line))
            })
            .collect();
        for (k, (row, line)) in rows.iter().take(3).enumerate() {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" font-family="monospace" font-size="10.5" fill="#333">{}<title>{}</title></text>"##,
                x + 8,
                y + 64 + 14 * k as u32,
                escape(&clip(row, 34)),
                escape(line)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="{}" fill="#333" font-size="12">{}</text>"##,
        TOP + ROW + BOX_H + 28,
        escape(&tail)
    );
    svg.push_str("</svg>");
    Ok(svg)
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}
