//! The stepper: the loop's state after each event of a trace, computed
//! here, when the book is built, for the page's script to show one event
//! at a time.
//!
//! The trace says what happened; this replays it on a model of the loop:
//! the ready queue in order, the timers, what `select` watches, and each
//! task's state and who holds its waker. Who holds a waker is read ahead:
//! whatever wakes the task next (a timer firing, an fd found ready, a task
//! that ends, another thread) held it while the task was pending.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::timeline::Event;

/// The loop's state after one event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// What the loop is doing, in words: `step of t2: its future is
    /// polled`.
    pub phase: String,
    /// Which parts of a pass that is, as the page's strip names them:
    /// `select`, `timers`, `count`, `handles`; `start` before the first
    /// pass, `shutdown` after the last. Several, space-separated, when one
    /// event ends more than one (a pass's `tick` line comes once the due
    /// timers have joined the queue and `ntodo` is counted).
    pub part: String,
    /// The ready queue, first to run first: `step t2`, `timer #1`.
    pub ready: Vec<String>,
    /// The timers set, the next due first: `#1 due 10.0ms: wakes t2`.
    pub timers: Vec<String>,
    /// What `select` watches: `t2 read`.
    pub watched: Vec<String>,
    /// How long the last `select` (or `wait`) might wait.
    pub timeout: String,
    /// Each task: its id and name, its state, and who holds its waker.
    pub tasks: Vec<Task>,
}

/// A task, as the stepper shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Task {
    /// `t2`.
    pub id: String,
    /// The name it was spawned with, if any.
    pub name: String,
    /// `ready`, `running`, `pending`, `done`, `panicked`, `cancelled`,
    /// `dropped`.
    pub state: String,
    /// Who holds its waker while it is pending: `timer #1`, `the
    /// selector (read)`, `t3's JoinHandle`... Empty otherwise.
    pub waker: String,
}

/// A timer in the model.
#[derive(Clone, Debug)]
struct Timer {
    number: u32,
    due: f64,
    due_text: String,
    what: String,
}

/// The state after each of `events`, and an error if the trace does not
/// fit the model (a step that is not the ready queue's first, a pass
/// whose count of handles is not the queue's length).
pub fn states(events: &[Event]) -> Result<Vec<State>, String> {
    let holders = waker_holders(events);
    let kinds = timer_kinds(events);
    let mut state = State::default();
    let mut timers: Vec<Timer> = Vec::new();
    let mut tasks: BTreeMap<u32, Task> = BTreeMap::new();
    let mut out = Vec::with_capacity(events.len());
    let timed = events.iter().any(|e| e.time.is_some());
    let io = events.iter().any(|e| e.what == "select" || e.what == "ready");
    // The pass the last event was in, and whether its `tick` line has come.
    let (mut tick, mut counted) = (None, false);
    // The task the loop is dropping or cancelling, once `run` is ending.
    let mut dropping = String::new();
    let at = |i: usize, why: String| {
        format!("event {} ({}): {why}", i + 1, line(&events[i]))
    };
    for (i, event) in events.iter().enumerate() {
        let who = event.who;
        let detail = event.detail;
        let task_named =
            |text: &str| text.split_whitespace().next().and_then(task_id);
        match event.what {
            "spawn" => {
                let (id, name) = detail.split_once(' ').unwrap_or((detail, ""));
                let n =
                    task_id(id).ok_or_else(|| at(i, "no task id".into()))?;
                let task = Task {
                    id: id.into(),
                    name: name.into(),
                    state: "ready".into(),
                    waker: String::new(),
                };
                tasks.insert(n, task);
                state.ready.push(format!("step {id}"));
                state.phase = format!(
                    "{who} spawned {id}: its first step joins the queue"
                );
            }
            "tick" => {
                // Before the count, the timers due join the queue: those
                // the pass fires, and those cancelled once due, silently.
                let want: usize = detail
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                // (The model keeps its timers by deadline, as the heap
                // gives them.)
                let now = time_ms(event.time);
                let mut fired = 0;
                while state.ready.len() < want {
                    let Some(first) =
                        timers.first().filter(|t| t.due <= now + 1e-9)
                    else {
                        break;
                    };
                    state.ready.push(format!("timer #{}", first.number));
                    timers.remove(0);
                    fired += 1;
                }
                if state.ready.len() != want {
                    return Err(at(
                        i,
                        format!(
                            "the pass counts {want} handles, the model's queue holds {}",
                            state.ready.len()
                        ),
                    ));
                }
                let joined = match fired {
                    0 => String::new(),
                    1 => "the timer due joined the queue; ".into(),
                    n => format!("the {n} timers due joined the queue; "),
                };
                let runs = match want {
                    1 => "this pass runs this one handle, and only it".into(),
                    n => format!(
                        "this pass runs these {n} handles, and only these"
                    ),
                };
                state.phase = format!("{joined}ntodo = {want}: {runs}");
            }
            "poll" => {
                let first = state.ready.first().cloned().unwrap_or_default();
                if first != format!("step {who}") {
                    return Err(at(
                        i,
                        format!(
                            "{who} is polled, but the queue's first is {first:?}"
                        ),
                    ));
                }
                state.ready.remove(0);
                set(&mut tasks, who, "running", "");
                state.phase = format!("step of {who}: its future is polled");
            }
            "pending" => {
                let holder = holders.get(&i).cloned().unwrap_or_default();
                // Woken in its own poll (a yield): its next step is queued
                // already, and nothing holds its waker.
                if state.ready.contains(&format!("step {who}")) {
                    state.phase = format!(
                        "{who} returned Pending, but woke itself first: its next step is queued"
                    );
                    set(&mut tasks, who, "ready", "");
                } else {
                    state.phase = format!(
                        "{who} returned Pending; its waker is with {holder}"
                    );
                    set(&mut tasks, who, "pending", &holder);
                }
            }
            "done" | "panic" | "dropped" => {
                let (word, phase) = match event.what {
                    "done" => ("done", "returned Ready: it is done"),
                    "panic" => (
                        "panicked",
                        "panicked; the loop caught it, and goes on",
                    ),
                    _ => ("cancelled", "was cancelled: its future is dropped"),
                };
                set(&mut tasks, who, word, "");
                state.phase = format!("{who} {phase}");
            }
            "skip" => {
                let id = detail.split_whitespace().next().unwrap_or("");
                let first = state.ready.first().cloned().unwrap_or_default();
                if first != format!("step {id}") {
                    return Err(at(
                        i,
                        format!(
                            "a step of {id} is skipped, but the queue's first is {first:?}"
                        ),
                    ));
                }
                state.ready.remove(0);
                state.phase =
                    format!("step of {id}: it has finished, so nothing to do");
            }
            "fire" => {
                let first = state.ready.first().cloned().unwrap_or_default();
                if first != format!("timer {detail}") {
                    return Err(at(
                        i,
                        format!(
                            "timer {detail} fires, but the queue's first is {first:?}"
                        ),
                    ));
                }
                state.ready.remove(0);
                state.phase = format!("timer {detail} fires");
                // Out of the timer, the waker is in the loop's hand.
                let number = detail.trim_start_matches('#').parse().ok();
                let woken = number.and_then(|n: u32| kinds.get(&n));
                if let Some(task) = woken
                    .and_then(|w| w.strip_prefix("wakes "))
                    .and_then(task_id)
                    .and_then(|n| tasks.get_mut(&n))
                {
                    task.waker = format!("the loop: timer {detail} fired");
                }
            }
            "wake" => {
                let id = detail.split_whitespace().next().unwrap_or("");
                let by = match who {
                    "loop" => "the loop",
                    who => who,
                };
                state.phase = match detail.contains("already") {
                    true => format!(
                        "{by} woke {id}, whose step is queued already: nothing more joins"
                    ),
                    false => format!(
                        "{by} woke {id}: a step of {id} joins the back of the queue"
                    ),
                };
                if !detail.contains("already") {
                    state.ready.push(format!("step {id}"));
                    if let Some(n) = task_id(id)
                        && let Some(task) = tasks.get_mut(&n)
                        && task.state != "running"
                    {
                        task.state = "ready".into();
                        task.waker.clear();
                    }
                }
            }
            "timer" => {
                // `#3 due 10.0ms`
                let mut words = detail.split_whitespace();
                let number = words
                    .next()
                    .and_then(|n| n.trim_start_matches('#').parse().ok())
                    .unwrap_or(0);
                let due_text = words.nth(1).unwrap_or("").to_string();
                let due =
                    due_text.trim_end_matches("ms").parse().unwrap_or(0.0);
                let what = kinds
                    .get(&number)
                    .cloned()
                    .unwrap_or_else(|| format!("set by {who}"));
                state.phase =
                    format!("{who} set timer #{number}, due at {due_text}");
                timers.push(Timer { number, due, due_text, what });
            }
            "cancel" if detail.starts_with('#') => {
                let number: u32 =
                    detail.trim_start_matches('#').parse().unwrap_or(0);
                timers.retain(|t| t.number != number);
                // A timer due already waits in the queue: it runs, and
                // finds itself cancelled.
                state.ready.retain(|h| *h != format!("timer #{number}"));
                state.phase = format!(
                    "{who} cancelled timer #{number}: it will not fire"
                );
            }
            "cancel" => {
                let id = detail.split_whitespace().next().unwrap_or("");
                if who == "loop" {
                    dropping = id.to_string();
                }
                if who != "loop" {
                    // `JoinHandle::cancel` queues the step that drops it.
                    state.ready.push(format!("step {id}"));
                    state.phase = format!(
                        "{who} cancelled {id}: a step that drops it joins the queue"
                    );
                } else {
                    state.phase = "shutdown: cancel what is left".into();
                }
            }
            "drop" => {
                dropping =
                    detail.split_whitespace().next().unwrap_or("").into();
                if let Some(task) =
                    task_named(detail).and_then(|n| tasks.get_mut(&n))
                {
                    task.state = "dropped".into();
                    task.waker.clear();
                }
                state.phase = "shutdown: drop what is left".into();
            }
            "select" | "wait" => {
                let wait = detail
                    .split_whitespace()
                    .find(|w| *w != "wait")
                    .unwrap_or("");
                state.timeout = wait.to_string();
                state.phase = match event.what {
                    "select" => {
                        format!("select: wait for I/O, for {wait} at most")
                    }
                    _ => format!("wait {wait}, until the next timer"),
                };
            }
            "watch" => {
                state.watched.push(format!("{who} {detail}"));
                state.phase =
                    format!("{who} asks select to watch its {detail}");
            }
            "unwatch" => {
                // The loop takes back a registration as it drops the task
                // that made it: the task of the last `drop` or `cancel`.
                let owner = match who {
                    "loop" => dropping.clone(),
                    who => who.to_string(),
                };
                state.phase = match who {
                    "loop" => format!(
                        "dropping {owner}, the loop takes back its registration ({detail})"
                    ),
                    _ => format!("{who} no longer waits for {detail}"),
                };
                let gone = format!("{owner} {detail}");
                if let Some(p) = state.watched.iter().position(|w| *w == gone) {
                    state.watched.remove(p);
                }
            }
            "ready" => {
                if detail != "wake pipe"
                    && let Some(p) =
                        state.watched.iter().position(|w| w == detail)
                {
                    state.watched.remove(p);
                }
                // Out of the selector, its waker in the loop's hand.
                if let Some(task) =
                    task_named(detail).and_then(|n| tasks.get_mut(&n))
                {
                    task.waker = "the loop: select found it ready".into();
                }
                state.phase = format!("I/O ready: {detail}");
            }
            // What a task does in its poll (`read 5 bytes`), or the loop
            // says (`stuck`): the line itself.
            _ => state.phase = line(event),
        }
        // Which part of the pass: before its `tick` line the loop waits
        // and gathers what is ready; after it, it runs the handles.
        if tick != Some(event.tick) {
            (tick, counted) = (Some(event.tick), false);
            // A pass that opens with no wait: work was ready, and `select`
            // only looked, with a timeout of zero.
            if io && !matches!(event.what, "select" | "wait") && event.tick > 0
            {
                state.timeout = "0: work was ready, select only looked".into();
            }
        }
        state.part = match event.what {
            _ if event.tick == 0 => "start",
            _ if !dropping.is_empty() && who == "loop" => "shutdown",
            "tick" if timed => "timers count",
            "tick" => "count",
            _ if counted => "handles",
            _ => "select",
        }
        .into();
        counted |= event.what == "tick";
        // By deadline, then by number: the order the heap gives them.
        timers.sort_by(|a, b| {
            a.due.total_cmp(&b.due).then(a.number.cmp(&b.number))
        });
        state.timers = timers
            .iter()
            .map(|t| format!("#{} due {}: {}", t.number, t.due_text, t.what))
            .collect();
        state.tasks = tasks.values().cloned().collect();
        out.push(state.clone());
    }
    Ok(out)
}

/// Sets task `who`'s state, and who holds its waker.
fn set(tasks: &mut BTreeMap<u32, Task>, who: &str, state: &str, waker: &str) {
    if let Some(task) = task_id(who).and_then(|n| tasks.get_mut(&n)) {
        task.state = state.into();
        task.waker = waker.into();
    }
}

/// `t12` as 12.
fn task_id(text: &str) -> Option<u32> {
    text.strip_prefix('t')?.parse().ok()
}

/// `12.5ms` as 12.5; 0 for a trace without a clock.
fn time_ms(time: Option<&str>) -> f64 {
    time.and_then(|t| t.trim_end_matches("ms").parse().ok()).unwrap_or(0.0)
}

/// For each `pending` event, who holds the task's waker: read ahead, from
/// whatever wakes the task next.
fn waker_holders(events: &[Event]) -> BTreeMap<usize, String> {
    let mut found = BTreeMap::new();
    for (i, event) in
        events.iter().enumerate().filter(|(_, e)| e.what == "pending")
    {
        let task = event.who;
        let next = events[i + 1..].iter().enumerate().find(|(_, e)| {
            e.what == "wake"
                && e.detail.split_whitespace().next() == Some(task)
                && !e.detail.contains("already")
        });
        let Some((j, wake)) = next else {
            // Never woken before the trace ends: what its last poll left
            // its waker with, if it left it with a timer or the selector.
            found.insert(
                i,
                left_with(events, i)
                    .unwrap_or_else(|| "nothing: no wake will reach it".into()),
            );
            continue;
        };
        let before = &events[i + j];
        let holder = if wake.detail.contains("from a thread") {
            "another thread".to_string()
        } else if wake.who == "loop" && before.what == "fire" {
            format!("timer {}", before.detail)
        } else if wake.who == "loop" && before.what == "ready" {
            format!("the selector ({})", before.detail)
        } else if wake.who == task {
            "itself".to_string()
        } else if ends_after(events, i + 1 + j, wake.who) {
            format!(
                "{}'s JoinHandle, to wake it when {} ends",
                wake.who, wake.who
            )
        } else if wake.who == "loop" {
            "the loop".to_string()
        } else {
            wake.who.to_string()
        };
        found.insert(i, holder);
    }
    found
}

/// What the poll that ends (Pending) at event `i` left its task's waker
/// with: a timer it set, or an fd it registered.
fn left_with(events: &[Event], i: usize) -> Option<String> {
    let task = events[i].who;
    let poll =
        events[..i].iter().rposition(|e| e.who == task && e.what == "poll")?;
    events[poll..i].iter().rev().filter(|e| e.who == task).find_map(|e| match e
        .what
    {
        "timer" => {
            Some(format!("timer {}", e.detail.split_whitespace().next()?))
        }
        "watch" => Some(format!("the selector ({task} {})", e.detail)),
        _ => None,
    })
}

/// Whether task `who`'s poll, in which event `i` happens, ends it.
fn ends_after(events: &[Event], i: usize, who: &str) -> bool {
    let next = events[i + 1..].iter().find(|e| {
        e.who == who
            && matches!(e.what, "pending" | "done" | "panic" | "dropped")
    });
    next.is_some_and(|e| e.what != "pending")
}

/// What each timer does, read ahead: the task a `fire` wakes, or a
/// callback. One that never fires and was the last thing its task's poll
/// set before it went Pending is that task's sleep.
fn timer_kinds(events: &[Event]) -> BTreeMap<u32, String> {
    let mut found = BTreeMap::new();
    for (i, event) in
        events.iter().enumerate().filter(|(_, e)| e.what == "pending")
    {
        if let Some(timer) = left_with(events, i)
            && let Some(number) =
                timer.strip_prefix("timer #").and_then(|n| n.parse().ok())
        {
            found.insert(number, format!("wakes {}", event.who));
        }
    }
    for (i, event) in
        events.iter().enumerate().filter(|(_, e)| e.what == "fire")
    {
        let number = event.detail.trim_start_matches('#').parse().unwrap_or(0);
        let next = events.get(i + 1);
        let what = match next {
            Some(e) if e.what == "wake" && e.who == "loop" => {
                format!(
                    "wakes {}",
                    e.detail.split_whitespace().next().unwrap_or("")
                )
            }
            _ => "runs a callback".to_string(),
        };
        found.insert(number, what);
    }
    found
}

/// An event's line, as the trace shows it, without the pass and time.
pub fn line(event: &Event) -> String {
    format!("{} {} {}", event.who, event.what, event.detail)
        .trim_end()
        .to_string()
}

/// The choices a reader guesses the event after `at` among: that event
/// first, then others that could have come next. The page shuffles them.
pub fn choices(events: &[Event], states: &[State], at: usize) -> Vec<String> {
    let Some(next) = events.get(at + 1) else { return Vec::new() };
    let right = line(next);
    let mut options = vec![right.clone()];
    let mut add = |option: String| {
        if !options.contains(&option) && options.len() < 4 {
            options.push(option);
        }
    };
    let state = &states[at];
    match next.what {
        // Which task is polled next: any task in the queue could be.
        "poll" => {
            for handle in &state.ready {
                if let Some(task) = handle.strip_prefix("step ") {
                    add(format!("{task} poll"));
                }
            }
        }
        "pending" | "done" | "panic" => {
            for end in ["pending", "done", "panic"] {
                add(format!("{} {end}", next.who));
            }
        }
        _ => {}
    }
    // What came a little later is a choice too.
    for later in events.iter().skip(at + 2).take(3) {
        add(line(later));
    }
    options
}

/// The parts of a pass the page's strip shows for `events`, each with
/// its label: what the trace's stage has (a clock, `select`), in the
/// order `run_once` does them; and before and after the loop, if the
/// trace shows them.
pub fn parts(
    events: &[Event],
    states: &[State],
) -> Vec<(&'static str, &'static str)> {
    let has = |part: &str| {
        states.iter().any(|s| s.part.split(' ').any(|p| p == part))
    };
    let io = events.iter().any(|e| e.what == "select" || e.what == "ready");
    let timed = events.iter().any(|e| e.time.is_some());
    let mut parts = Vec::new();
    if has("start") {
        parts.push(("start", "before run"));
    }
    match (io, timed) {
        (true, _) => parts.push(("select", "select(timeout)")),
        (false, true) => parts.push(("select", "wait(timeout)")),
        _ => {}
    }
    if timed {
        parts.push(("timers", "due timers join the queue"));
    }
    parts.push(("count", "ntodo = len(ready)"));
    parts.push(("handles", "run those ntodo handles"));
    if has("shutdown") {
        parts.push(("shutdown", "shutdown"));
    }
    parts
}

/// The stepper of one timeline as JSON, for the page's script: the parts
/// of a pass, each event's trace line and place in the picture (`xs`),
/// and the state after each, with the choices to guess it by.
pub fn json(events: &[Event], states: &[State], xs: &[u32]) -> String {
    let mut out = String::from("{\"parts\":[");
    for (i, (key, label)) in parts(events, states).iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        let _ = write!(out, "{comma}[{},{}]", quote(key), quote(label));
    }
    let lines: Vec<String> = events.iter().map(trace_line).collect();
    let xs: Vec<String> = xs.iter().map(u32::to_string).collect();
    let _ = write!(
        out,
        "],\"lines\":{},\"xs\":[{}],\"states\":[",
        list(&lines),
        xs.join(",")
    );
    for (i, (event, state)) in events.iter().zip(states).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let tasks: Vec<String> = state
            .tasks
            .iter()
            .map(|t| {
                format!(
                    "[{},{},{},{}]",
                    quote(&t.id),
                    quote(&t.name),
                    quote(&t.state),
                    quote(&t.waker)
                )
            })
            .collect();
        let prior =
            if i == 0 { Vec::new() } else { choices(events, states, i - 1) };
        let _ = write!(
            out,
            "{{\"tick\":{},\"time\":{},\"phase\":{},\"part\":{},\"ready\":{},\"timers\":{},\"watched\":{},\"timeout\":{},\"tasks\":[{}],\"choices\":{}}}",
            event.tick,
            quote(event.time.unwrap_or("")),
            quote(&state.phase),
            quote(&state.part),
            list(&state.ready),
            list(&state.timers),
            list(&state.watched),
            quote(&state.timeout),
            tasks.join(","),
            list(&prior)
        );
    }
    out.push_str("]}");
    out
}

/// An event as its trace shows it, pass and time first.
pub fn trace_line(event: &Event) -> String {
    let time = event.time.map(|t| format!("{t:>9}")).unwrap_or_default();
    format!("{:>4} {time}  {}", event.tick, line(event))
}

/// A timeline's stepper, for the page: the controls and the panels,
/// hidden until the page's script fills them (a reader without scripts
/// has the picture and the trace in the text), and the states as JSON.
/// `id` names the figure, for links to a moment: `#{id}-step-12`.
pub fn html(
    id: &str,
    events: &[Event],
    states: &[State],
    xs: &[u32],
) -> String {
    let timed = events.iter().any(|e| e.time.is_some());
    let io = events.iter().any(|e| e.what == "select" || e.what == "ready");
    let mut panels = String::from(
        "<section><div class=\"stepper-title\">ready queue</div>\
         <ol data-panel=\"ready\"></ol></section>",
    );
    if timed {
        panels += "<section><div class=\"stepper-title\">timers, next due first</div>\
                   <ul data-panel=\"timers\"></ul></section>";
    }
    if io {
        panels += "<section><div class=\"stepper-title\">select watches</div>\
                   <ul data-panel=\"watched\"></ul>\
                   <div>the pass's timeout: <span data-panel=\"timeout\"></span></div></section>";
    }
    panels += "<section class=\"stepper-tasks\"><div class=\"stepper-title\">tasks</div>\
               <table><thead><tr><th>task</th><th>state</th><th>its waker is with</th></tr></thead>\
               <tbody data-panel=\"tasks\"></tbody></table></section>";
    format!(
        "<div class=\"stepper\" hidden>\
         <div class=\"stepper-bar\">\
         <button type=\"button\" data-go=\"first\" title=\"back to the start (Home)\">start</button>\
         <button type=\"button\" data-go=\"back\" title=\"the event before (←)\">◀ back</button>\
         <button type=\"button\" data-go=\"next\" title=\"the next event (→)\">next ▶</button>\
         <span data-panel=\"at\"></span>\
         <span class=\"stepper-keys\">click here, then ← →</span>\
         <label><input type=\"checkbox\" class=\"stepper-guess\"> guess the next event</label>\
         </div>\
         <ol class=\"stepper-parts\" data-panel=\"parts\"></ol>\
         <p class=\"stepper-phase\" data-panel=\"phase\"></p>\
         <div class=\"stepper-guesses\" data-panel=\"guesses\"></div>\
         <div class=\"stepper-body\"><pre class=\"stepper-trace\" data-panel=\"trace\"></pre>\
         <div class=\"stepper-panels\">{panels}</div></div>\
         </div>\
         <script type=\"application/json\" class=\"stepper-data\" data-for=\"{id}\">{}</script>",
        json(events, states, xs)
    )
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", items.join(","))
}

/// `text` as a JSON string, safe inside an HTML `<script>` too.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What the stepper's panels show after event `at` (from 0) of `events`,
/// in one line: what the browser check reads off the page, to compare
/// with this.
pub fn shown(events: &[Event], states: &[State], at: usize) -> String {
    let state = &states[at];
    let timed = events.iter().any(|e| e.time.is_some());
    let io = events.iter().any(|e| e.what == "select" || e.what == "ready");
    let panel = |has: bool, items: &[String]| match has {
        true => items.join(", "),
        false => "-".into(),
    };
    let timeout = match (io, state.timeout.as_str()) {
        (false, _) => "-",
        (true, "") => "none yet",
        (true, timeout) => timeout,
    };
    let tasks: Vec<String> = state
        .tasks
        .iter()
        .map(|t| {
            let name = format!("{} {}", t.id, t.name);
            format!("{}: {}, {}", name.trim_end(), t.state, t.waker)
        })
        .collect();
    format!(
        "line={} | phase={} | part={} | ready={} | timers={} | watched={} | timeout={timeout} | tasks={}",
        trace_line(&events[at]).trim(),
        state.phase,
        state.part,
        state.ready.join(", "),
        panel(timed, &state.timers),
        panel(io, &state.watched),
        tasks.join("; ")
    )
}
