//! Where a learner's trace leaves the expected one: the first event that
//! differs, said in words ("pass 3 polled t2 before t1"), and the two
//! traces side by side around it.

/// One event of a trace: a line after the heading, blank lines left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The line as the trace wrote it.
    pub line: String,
    /// The loop's pass.
    pub tick: u64,
    /// `loop`, or the task that acted: `t2`.
    pub who: String,
    /// The event: `poll`, `wake`, `timer`...
    pub what: String,
    /// The rest of the line.
    pub detail: String,
}

/// The events of a trace, as a snapshot file or a test's output holds
/// it: the lines from the heading (`tick ...`) on, blank ones left out,
/// and nothing before it (insta's header, a demo's other output).
pub fn events(trace: &str) -> Vec<Event> {
    let mut lines = trace.lines().skip_while(|l| !l.starts_with("tick "));
    let Some(heading) = lines.next() else { return Vec::new() };
    let timed = heading.contains(" time ");
    lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let tick = words.next()?.parse().ok()?;
            if timed {
                words.next()?;
            }
            let who = words.next()?.to_string();
            let what = words.next()?.to_string();
            let detail = words.collect::<Vec<_>>().join(" ");
            Some(Event { line: line.to_string(), tick, who, what, detail })
        })
        .collect()
}

/// What an event says, in words: "t2 was polled", "t1 woke t2".
pub fn say(event: &Event) -> String {
    let who = &event.who;
    let detail = &event.detail;
    match event.what.as_str() {
        "poll" => format!("{who} was polled"),
        "pending" => format!("{who} returned Pending"),
        "done" => format!("{who} finished"),
        "panic" => format!("{who} panicked"),
        "dropped" => format!("{who}'s future was dropped"),
        "wake" if who == "loop" => format!("the loop woke {detail}"),
        "wake" => format!("{who} woke {detail}"),
        "spawn" => format!("{who} spawned {detail}"),
        "tick" => format!("the loop counted {detail}"),
        "timer" => format!("{who} set timer {detail}"),
        "fire" => format!("timer {detail} fired"),
        "cancel" => format!("{who} cancelled {detail}"),
        "skip" => format!("the loop skipped a step of {detail}"),
        "select" => format!("the loop waited in select ({detail})"),
        "wait" => format!("the loop waited {detail}"),
        "drop" => format!("the loop dropped {detail}"),
        what => format!("{who} {what} {detail}").trim_end().to_string(),
    }
}

/// The first event where `actual` leaves `expected`, said in words, and
/// where: its index in both. `None` if they are the same.
pub fn first_difference(
    expected: &[Event],
    actual: &[Event],
) -> Option<(usize, String)> {
    let i = (0..expected.len().max(actual.len())).find(|&i| {
        expected.get(i).map(|e| &e.line) != actual.get(i).map(|a| &a.line)
    })?;
    let words = match (expected.get(i), actual.get(i)) {
        (Some(e), None) => format!(
            "your trace ends here, in pass {}; the expected one goes on: {}",
            e.tick,
            say(e)
        ),
        (None, Some(a)) => format!(
            "your trace goes on where the expected one ends: in pass {}, {}",
            a.tick,
            say(a)
        ),
        (Some(e), Some(a)) => differ(expected, actual, i, e, a),
        (None, None) => unreachable!(),
    };
    Some((i, words))
}

/// Says how `a`, the learner's event `i`, differs from `e`, the expected.
fn differ(
    expected: &[Event],
    actual: &[Event],
    i: usize,
    e: &Event,
    a: &Event,
) -> String {
    // Whether `what` comes later in the same pass of `events`.
    let later = |events: &[Event], what: &Event| {
        events[i + 1..]
            .iter()
            .take_while(|x| x.tick == what.tick)
            .any(|x| x.line == what.line)
    };
    let pass = a.tick;
    if e.tick == pass && e.what == "poll" && a.what == "poll" {
        return match later(actual, e) {
            true => format!("pass {pass} polled {} before {}", a.who, e.who),
            false => format!(
                "pass {pass} polled {} where the expected trace polls {}",
                a.who, e.who
            ),
        };
    }
    if e.tick == pass && later(expected, a) {
        return format!(
            "in pass {pass}, {} too soon: the expected trace has first that {}",
            say(a),
            say(e)
        );
    }
    if pass > e.tick {
        return format!(
            "your loop began pass {pass} where the expected trace has, still in \
             pass {}: {}",
            e.tick,
            say(e)
        );
    }
    if pass < e.tick {
        return format!(
            "in pass {pass}, {}, where the expected trace has already begun pass {}",
            say(a),
            e.tick
        );
    }
    // The same event with other details: the two lines say it best.
    if a.who == e.who && a.what == e.what {
        let line = |x: &Event| {
            format!("{} {} {}", x.who, x.what, x.detail).trim_end().to_string()
        };
        return format!(
            "in pass {pass}, yours has `{}` where the expected trace has `{}`",
            line(a),
            line(e)
        );
    }
    format!(
        "in pass {pass}, {}, where the expected trace has: {}",
        say(a),
        say(e)
    )
}

/// The two traces side by side around event `at`: `before` events before
/// it and `after` from it, each column `width` wide, the differing row
/// marked `>`.
pub fn side_by_side(
    expected: &[Event],
    actual: &[Event],
    at: usize,
    (before, after): (usize, usize),
    width: usize,
) -> String {
    let from = at.saturating_sub(before);
    let to = (at + after).min(expected.len().max(actual.len()));
    let longest =
        (from..to).filter_map(|i| expected.get(i)).map(|e| e.line.len()).max();
    let width = longest.unwrap_or(0).clamp(8, width);
    let cell = |event: Option<&Event>| {
        let line = event.map_or(String::new(), |e| e.line.clone());
        let line: String = line.chars().take(width).collect();
        format!("{line:<width$}")
    };
    let mut out = format!("  {:<width$} | {}\n", "expected", "yours");
    for i in from..to {
        let mark = if i == at { '>' } else { ' ' };
        let left = cell(expected.get(i));
        let right = cell(actual.get(i));
        out += &format!("{mark} {left} | {}\n", right.trim_end());
    }
    out
}
