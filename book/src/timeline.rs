//! Timelines: a trace drawn as a picture, for the book's
//! `{{#timeline path-to-snapshot}}` directive.
//!
//! One lane per task, and one for the loop; passes from left to right,
//! each headed by its number and its time on the loop's clock. A poll is
//! a box in its task's lane, coloured by what it returned; a wait in
//! `select` is a grey gap across every lane; a wake is an arrow from
//! whoever woke the task (the loop, or a task in the middle of its poll)
//! to the task's next poll. The picture is drawn from the snapshot at
//! build time, so it cannot drift from the trace the tests hold.

use std::collections::BTreeMap;
use std::fmt::Write;

/// One line of a trace: its pass, its time if the stage has a clock, who
/// acted, what happened, and the rest of the line.
#[derive(Debug, PartialEq)]
pub struct Event<'a> {
    /// The loop's pass, from 1 (0 before the first).
    pub tick: u64,
    /// The time on the loop's clock, as the trace prints it ("12.0ms").
    pub time: Option<&'a str>,
    /// `loop`, or the task that acted (`t2`).
    pub who: &'a str,
    /// The event's name: `poll`, `wake`, `select`...
    pub what: &'a str,
    /// The rest of the line.
    pub detail: &'a str,
}

/// The events of a trace snapshot: the lines after insta's header and
/// the trace's own heading, skipping blank lines and whatever else the
/// demo printed. An error if there are none.
pub fn parse(snapshot: &str) -> Result<Vec<Event<'_>>, String> {
    let mut lines = snapshot.lines();
    // insta's header: a `---` line, its fields, and a closing `---`.
    if snapshot.starts_with("---") {
        lines.next();
        lines.by_ref().find(|line| *line == "---");
    }
    let heading = lines.next().unwrap_or_default();
    if !heading.starts_with("tick") {
        return Err(format!("not a trace: it begins {heading:?}"));
    }
    let timed = heading.contains("time");
    let events: Vec<_> = lines.filter_map(|line| event(line, timed)).collect();
    if events.is_empty() {
        return Err("the trace has no events".into());
    }
    Ok(events)
}

/// One trace line as an event, or `None` if it is not one.
fn event(line: &str, timed: bool) -> Option<Event<'_>> {
    let mut rest = line.trim_start();
    let mut field = || {
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        rest = after.trim_start();
        Some(word).filter(|word| !word.is_empty())
    };
    let tick = field()?.parse().ok()?;
    let time = if timed { Some(field()?) } else { None };
    let (who, what) = (field()?, field()?);
    Some(Event { tick, time, who, what, detail: rest })
}

// The picture's measures, in pixels.
const LABEL: u32 = 132;
const LANE: u32 = 22;
const TOP: u32 = 34;
const SLOT: u32 = 22;
const DOT: u32 = 10;
const GAP: u32 = 40;
const PASS: u32 = 8;

/// A poll: its task's lane, where it starts, what the task did in it,
/// what it returned, and the trace line that began it (to find the poll
/// that follows a wake).
struct Poll {
    lane: usize,
    x: u32,
    did: String,
    ended: &'static str,
    line: usize,
}

/// A wake: from which lane and where, for the next poll of which task,
/// and its trace line.
struct Wake {
    from: (usize, u32),
    task: String,
    line: usize,
}

/// Where each thing goes: the lanes, the passes, the waits in `select`,
/// the polls, the wakes, and the loop's own events as dots.
#[derive(Default)]
struct Layout {
    /// Each lane's task and label: the loop's, then each task's.
    lanes: Vec<(String, String)>,
    /// Where each pass begins, its number, and its time.
    passes: Vec<(u32, u64, String)>,
    /// Where each wait is, how wide it is drawn, and how long it may last.
    gaps: Vec<(u32, u32, String)>,
    polls: Vec<Poll>,
    wakes: Vec<Wake>,
    /// The lane, the place and the text of each of the loop's events.
    dots: Vec<(usize, u32, String)>,
    /// Where each event is, from left to right, for the stepper's cursor.
    xs: Vec<u32>,
    width: u32,
}

impl Layout {
    /// The lane of `task`, added at the bottom if it has none yet.
    fn lane(&mut self, task: &str) -> usize {
        match self.lanes.iter().position(|(id, _)| id == task) {
            Some(lane) => lane,
            None => {
                self.lanes.push((task.to_string(), task.to_string()));
                self.lanes.len() - 1
            }
        }
    }

    /// Lays `events` out from left to right, in one walk of the trace.
    fn new(events: &[Event]) -> Layout {
        let mut layout = Layout::default();
        layout.lane("loop");
        for event in events.iter().filter(|event| event.what == "spawn") {
            let (task, name) =
                event.detail.split_once(' ').unwrap_or((event.detail, ""));
            let lane = layout.lane(task);
            layout.lanes[lane].1 = format!("{task} {name}").trim().into();
        }
        let mut x = LABEL;
        // The poll each task is in: where it began, its line, what it did.
        let mut open: BTreeMap<usize, (u32, usize, String)> = BTreeMap::new();
        let mut tick = None;
        for (line, event) in events.iter().enumerate() {
            if tick != Some(event.tick) {
                tick = Some(event.tick);
                x += PASS;
                let time = event.time.unwrap_or_default().to_string();
                layout.passes.push((x, event.tick, time));
            }
            let who = layout.lane(event.who);
            match event.what {
                "tick" => {}
                // `select wait 10.0ms on ...` from stage 3, `wait 10.0ms`
                // in stage 2: a gap as wide as the time the clock moved
                // while the loop waited, which may be less than it could
                // have waited, at one scale in every picture.
                "select" | "wait" => {
                    let words = event.detail.split_whitespace();
                    let wait = words.into_iter().find(|w| *w != "wait");
                    let wait = wait.unwrap_or_default().to_string();
                    let next = events.get(line + 1).and_then(|e| e.time);
                    let waited =
                        ms(next).map(|end| end - ms(event.time).unwrap_or(end));
                    let width = gap_width(waited);
                    let label = match waited {
                        Some(waited) => format!("{waited:.1}ms"),
                        None => "...".into(),
                    };
                    layout.gaps.push((
                        x,
                        width,
                        format!("{label}\u{1f}{wait}"),
                    ));
                    x += width;
                }
                "poll" => {
                    open.insert(who, (x, line, String::new()));
                }
                "pending" | "done" | "panic" | "dropped" if who > 0 => {
                    let ended = match event.what {
                        "pending" => "pending",
                        "done" => "done",
                        "panic" => "panic",
                        _ => "dropped",
                    };
                    if let Some((start, line, did)) = open.remove(&who) {
                        let poll =
                            Poll { lane: who, x: start, did, ended, line };
                        layout.polls.push(poll);
                        x = x.max(start + SLOT);
                    }
                }
                "wake" if !event.detail.contains("already") => {
                    let task = event.detail.split_whitespace().next();
                    let from = match open.get(&who) {
                        Some(&(start, ..)) if who > 0 => {
                            (who, start + SLOT / 2)
                        }
                        _ => (0, x),
                    };
                    let task = task.unwrap_or_default().to_string();
                    layout.wakes.push(Wake { from, task, line });
                    if who == 0 {
                        x += DOT;
                    }
                }
                _ if who == 0 => {
                    // The loop's own events: a timer fires, an fd is
                    // ready, a task is cancelled or dropped. A dot, in the
                    // lane of the task it names if it names one.
                    let named = event.detail.split_whitespace().next();
                    let lane = named
                        .and_then(|task| {
                            layout.lanes.iter().position(|(id, _)| id == task)
                        })
                        .unwrap_or(0);
                    let text = format!("{} {}", event.what, event.detail);
                    layout.dots.push((lane, x + DOT / 2, text));
                    x += DOT;
                }
                _ => {}
            }
            layout.xs.push(x);
            // What a task does in its poll goes in its box's tooltip.
            if let Some((.., did)) = open.get_mut(&who)
                && who > 0
                && event.what != "poll"
            {
                did.push_str(&format!("{} {}; ", event.what, event.detail));
            }
        }
        layout.width = x + PASS * 2;
        layout
    }
}

/// Draws `events` as an SVG picture; `title` names it for screen readers.
pub fn render(events: &[Event], title: &str) -> String {
    let layout = Layout::new(events);
    let lanes = &layout.lanes;
    let width = layout.width;
    let height = TOP + LANE * lanes.len() as u32 + 8;
    let y = |lane: usize| TOP + LANE * lane as u32 + LANE / 2;
    let lane = |task: &str| lanes.iter().position(|(id, _)| id == task);

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}" font-family="monospace" font-size="11">"#,
        escape(title)
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    svg.push_str(
        r##"<defs><marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#d95f0e"/></marker></defs>"##,
    );
    // Lanes: their stripes here, their names last, on top.
    let fill = |i: usize| match i % 2 {
        0 => "#f7f7f7",
        _ => "#ffffff",
    };
    for i in 0..lanes.len() {
        let top = TOP + LANE * i as u32;
        let _ = write!(
            svg,
            r##"<rect x="0" y="{top}" width="{width}" height="{LANE}" fill="{}"/>"##,
            fill(i)
        );
    }
    // Passes: a line before each, its number, and its time when it moves.
    let mut last_time = "";
    for (px, tick, time) in &layout.passes {
        let _ = write!(
            svg,
            r##"<line x1="{px}" y1="{}" x2="{px}" y2="{height}" stroke="#bbb"/><text x="{}" y="12" fill="#555">{tick}</text>"##,
            TOP - 4,
            px + 2
        );
        if time != last_time {
            last_time = time;
            let _ = write!(
                svg,
                r##"<text x="{}" y="26" fill="#888" font-size="9">{time}</text>"##,
                px + 2
            );
        }
    }
    // Waits: gaps across every lane, labelled with the time waited.
    for (gx, width, text) in &layout.gaps {
        let (waited, most) = text.split_once('\u{1f}').unwrap_or((text, ""));
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{TOP}" width="{}" height="{}" fill="#e0e0e0" opacity="0.7"><title>waited {waited}, of up to {most}</title></rect><text x="{}" y="{}" fill="#555" font-size="9">{}</text>"##,
            gx + 2,
            width - 4,
            LANE * lanes.len() as u32,
            gx + 4,
            TOP + 10,
            // A 9px monospace character is about 5.4px wide.
            escape(&clip(
                waited,
                (*width as usize).saturating_sub(4) * 10 / 54
            ))
        );
    }
    // Polls: a box each, coloured by how the poll ended.
    for poll in &layout.polls {
        let fill = match poll.ended {
            "pending" => "#9ecae1",
            "done" => "#74c476",
            "panic" => "#fb6a4a",
            _ => "#bdbdbd",
        };
        let _ = write!(
            svg,
            r##"<rect class="poll" x="{}" y="{}" width="{}" height="{}" rx="3" fill="{fill}" stroke="#555"><title>{}: poll; {}{}</title></rect>"##,
            poll.x + 1,
            TOP + LANE * poll.lane as u32 + 3,
            SLOT - 2,
            LANE - 6,
            escape(&lanes[poll.lane].1),
            escape(&poll.did),
            poll.ended
        );
    }
    // The loop's events: dots.
    for (lane, dx, text) in &layout.dots {
        let _ = write!(
            svg,
            r##"<circle cx="{dx}" cy="{}" r="3" fill="#636363"><title>{}</title></circle>"##,
            y(*lane),
            escape(text.trim_end())
        );
    }
    // Wakes: an arrow to the woken task's next poll.
    for wake in &layout.wakes {
        let Some(to) = lane(&wake.task) else { continue };
        let polls = layout.polls.iter();
        let next = polls.filter(|p| p.lane == to && p.line > wake.line);
        let Some(next) = next.min_by_key(|p| p.line) else { continue };
        let (x1, y1) = (wake.from.1, y(wake.from.0));
        let (x2, y2) = (next.x + 2, y(to));
        let bend = (x1 + x2) / 2;
        let _ = write!(
            svg,
            r##"<path class="wake" d="M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}" fill="none" stroke="#d95f0e" stroke-width="1.2" marker-end="url(#arrow)"><title>wake {}</title></path>"##,
            escape(&wake.task)
        );
    }
    // What is still to come, veiled while a reader guesses it.
    let _ = write!(
        svg,
        r##"<rect class="future" x="{width}" y="0" width="0" height="{height}" fill="#fff" opacity="0.85" visibility="hidden"/>"##
    );
    // The lanes' names, in a group the page's script keeps at the left
    // edge of a picture that scrolls: each lane stays named.
    svg.push_str(r#"<g class="labels">"#);
    for (i, (_, label)) in lanes.iter().enumerate() {
        let (top, mid) = (TOP + LANE * i as u32, y(i));
        let _ = write!(
            svg,
            r##"<rect x="0" y="{top}" width="{}" height="{LANE}" fill="{}"/><text x="4" y="{}" fill="#333">{}</text>"##,
            LABEL - 4,
            fill(i),
            mid + 4,
            escape(&clip(label, 18))
        );
    }
    svg.push_str("</g>");
    // The stepper's cursor, where the page's script puts it.
    let _ = write!(
        svg,
        r##"<line class="cursor" x1="0" y1="{}" x2="0" y2="{height}" stroke="#d62728" stroke-width="2" visibility="hidden"/>"##,
        TOP - 4
    );
    svg.push_str("</svg>");
    svg
}

/// Where each of `events` is drawn, from left to right: the stepper's
/// cursor goes there.
pub fn places(events: &[Event]) -> Vec<u32> {
    Layout::new(events).xs
}

/// How wide to draw a wait that lasted `waited` milliseconds (`None`: the
/// trace ends in it): a millisecond a pixel, and room for its label. The
/// same in every picture, so that two pictures of the same scale can be
/// laid side by side.
fn gap_width(waited: Option<f64>) -> u32 {
    let ms = waited.unwrap_or(100.0).clamp(0.0, 2000.0);
    GAP + ms.round() as u32
}

/// `12.5ms` as 12.5.
fn ms(time: Option<&str>) -> Option<f64> {
    time?.strip_suffix("ms")?.parse().ok()
}

/// `text` cut to `width` characters, with an ellipsis if it was longer.
pub(crate) fn clip(text: &str, width: usize) -> String {
    match text.char_indices().nth(width) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// `text` made safe inside SVG text and attributes.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "---\nsource: x\n---\n\
tick      time  who   event    detail
   0     0.0ms  loop  spawn    t1 main

   1     0.0ms  loop  tick     1 ready
   1     0.0ms  t1    poll
   1     0.0ms  t1    spawn    t2 nap
   1     0.0ms  t1    pending

   2     0.0ms  loop  tick     1 ready
   2     0.0ms  t2    poll
   2     0.0ms  t2    timer    #1 due 10.0ms
   2     0.0ms  t2    pending

   3     0.0ms  loop  select   wait 10.0ms
   3    10.0ms  loop  tick     1 ready
   3    10.0ms  loop  fire     #1
   3    10.0ms  loop  wake     t2
   3    10.0ms  t2    poll
   3    10.0ms  t2    wake     t1
   3    10.0ms  t2    done

   4    10.0ms  loop  tick     1 ready
   4    10.0ms  t1    poll
   4    10.0ms  t1    done
result: 10
";

    #[test]
    fn a_trace_parses_into_its_events() {
        let events = parse(TRACE).unwrap();
        assert_eq!(events.len(), 19, "blank lines and the result are not");
        let wake = Event {
            tick: 3,
            time: Some("10.0ms"),
            who: "loop",
            what: "wake",
            detail: "t2",
        };
        assert_eq!(events[12], wake);
        assert_eq!(events[3].detail, "t2 nap");
    }

    #[test]
    fn a_trace_without_a_clock_parses_too() {
        let events = parse("tick  who   event    detail\n   1  t1    poll\n");
        assert_eq!(events.unwrap()[0].time, None);
    }

    #[test]
    fn what_is_not_a_trace_is_refused() {
        assert!(parse("---\nsource: x\n---\nhello\n").is_err());
        assert!(parse("tick  who   event    detail\n").is_err());
    }

    #[test]
    fn the_picture_has_a_box_per_poll_and_an_arrow_per_wake() {
        let svg = render(&parse(TRACE).unwrap(), "a nap");
        assert_eq!(svg.matches(r#"class="poll""#).count(), 4);
        assert_eq!(svg.matches(r#"class="wake""#).count(), 2);
        // The clock moved 10ms while the loop waited: so labelled, and
        // drawn a pixel a millisecond, beside the label's room.
        assert!(svg.contains("<title>waited 10.0ms, of up to 10.0ms</title>"));
        assert!(svg.contains(&format!(r#"width="{}""#, GAP + 10 - 4)));
        assert!(svg.contains(">t2 nap<"), "lanes are named from spawn");
        insta::assert_snapshot!("small_trace", svg.replace('>', ">\n"));
    }

    #[test]
    fn a_wait_is_labelled_with_the_time_the_clock_moved() {
        // select could have waited 1ms, but a socket was ready at once.
        let trace = "tick      time  who   event    detail\n\
           1     0.0ms  loop  select   wait 1.0ms on t2 read\n\
           1     0.0ms  loop  ready    t2 read\n";
        let svg = render(&parse(trace).unwrap(), "no wait");
        assert!(svg.contains("<title>waited 0.0ms, of up to 1.0ms</title>"));
        assert!(svg.contains(">0.0ms<"), "{svg}");
    }

    #[test]
    fn the_stepper_has_a_place_for_every_event() {
        let events = parse(TRACE).unwrap();
        let xs = places(&events);
        assert_eq!(xs.len(), events.len());
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "left to right");
    }
}
