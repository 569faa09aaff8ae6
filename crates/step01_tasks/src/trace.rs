//! The event trace: a line for each thing the loop does, and the little
//! state it takes to write one (which pass, which task is being polled).

use std::cell::{Cell, RefCell};
use std::fmt::Display;

/// Where the trace goes: a function given each line as it happens.
pub(crate) type Sink = Box<dyn FnMut(&str)>;

/// The line of column headings that opens every trace.
pub(crate) const HEADINGS: &str = "tick  who   event    detail";

// ANCHOR: Trace
/// The trace's state: where lines go, and what each line is stamped with.
#[derive(Default)]
pub(crate) struct Trace {
    /// `None` when nobody asked for a trace: then nothing is formatted.
    sink: Option<RefCell<Sink>>,
    /// The loop's pass, counted from 1: asyncio has no name for it, the
    /// trace calls it a tick.
    pub tick: Cell<u64>,
    /// The id of the task being polled, if any: who the line is about.
    pub running: Cell<Option<u32>>,
    /// The pass of the last line written, to put a blank line between
    /// passes.
    written: Cell<u64>,
}

impl Trace {
    /// A trace that sends its lines to `sink`, or writes nothing.
    pub fn new(sink: Option<Sink>) -> Self {
        Trace { sink: sink.map(RefCell::new), ..Default::default() }
    }

    /// Writes a line: the pass, who acted (the running task, or the loop
    /// itself), what happened, and the details.
    #[inline]
    pub fn write(&self, what: &str, detail: impl Display) {
        // Untraced, the loop pays this one branch, inlined where it traces:
        // nothing is formatted, and no call made.
        if self.sink.is_some() {
            self.write_line(what, &detail);
        }
    }

    fn write_line(&self, what: &str, detail: &dyn Display) {
        // Only `write` calls this, once it has seen a sink.
        let Some(sink) = &self.sink else { return };
        // The running task acts; between tasks, the loop does.
        let who = self.running.get().map_or("loop".into(), |t| format!("t{t}"));
        let tick = self.tick.get();
        let line = format!("{tick:>4}  {who:<5} {what:<8} {detail}");
        let mut sink = sink.borrow_mut();
        // A blank line between passes.
        if self.written.replace(tick) != tick {
            sink("");
        }
        // An event with no detail would leave spaces at the line's end.
        sink(line.trim_end());
    }
}
// ANCHOR_END: Trace
