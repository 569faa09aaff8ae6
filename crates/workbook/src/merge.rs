//! A three-way merge of lines: how a learner's own stage N becomes their
//! stage N+1. The base is the reference stage N, one side is what the
//! learner made of it, the other is the reference stage N+1 with its
//! new holes; the learner's changes and the stage's are both kept.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// A change one side made to the base: base lines `start..end` became
/// `lines`.
#[derive(Clone, Debug)]
struct Change {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// Where both sides changed the same base lines, and differently: the
/// base lines, 1-based, and what the learner had there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The base's lines, 1-based and inclusive, that both changed.
    pub base_lines: (usize, usize),
    /// What the learner had written there, which the merge leaves out.
    pub ours: Vec<String>,
}

/// Merges `ours` and `theirs`, two versions of `base`. Where both
/// changed the same lines, `theirs` wins, and the conflict is reported:
/// the learner's lines are kept elsewhere, in their own stage.
pub fn merge(base: &str, ours: &str, theirs: &str) -> (String, Vec<Conflict>) {
    let base_lines: Vec<&str> = base.lines().collect();
    let ours_changes = changes(&base_lines, ours);
    let theirs_changes = changes(&base_lines, theirs);
    let mut out: Vec<String> = Vec::new();
    let mut conflicts = Vec::new();
    let mut o = ours_changes.iter().peekable();
    let mut t = theirs_changes.iter().peekable();
    let mut at = 0;
    loop {
        let next_o = o.peek().map(|c| c.start);
        let next_t = t.peek().map(|c| c.start);
        let Some(start) = next_o.into_iter().chain(next_t).min() else { break };
        out.extend(base_lines[at..start].iter().map(|l| l.to_string()));
        // The changes of both sides that overlap, from `start` on, form
        // one region; so do two that start at the same place.
        let mut mine: Vec<Change> = Vec::new();
        let mut yours: Vec<Change> = Vec::new();
        let mut end = start;
        loop {
            let joins = |c: &&Change| c.start < end || c.start == start;
            if let Some(c) = o.next_if(joins) {
                end = end.max(c.end);
                mine.push(c.clone());
            } else if let Some(c) = t.next_if(joins) {
                end = end.max(c.end);
                yours.push(c.clone());
            } else {
                break;
            }
        }
        let rebuild = |side: &[Change]| {
            let mut lines = Vec::new();
            let mut pos = start;
            for c in side {
                lines.extend(
                    base_lines[pos..c.start].iter().map(|l| l.to_string()),
                );
                lines.extend(c.lines.iter().cloned());
                pos = c.end;
            }
            lines.extend(base_lines[pos..end].iter().map(|l| l.to_string()));
            lines
        };
        match (mine.is_empty(), yours.is_empty()) {
            (false, true) => out.extend(rebuild(&mine)),
            (true, false) => out.extend(rebuild(&yours)),
            _ => {
                let ours = rebuild(&mine);
                let theirs = rebuild(&yours);
                if ours != theirs {
                    let base_lines = (start + 1, end.max(start + 1));
                    conflicts.push(Conflict { base_lines, ours });
                }
                out.extend(theirs);
            }
        }
        at = end;
    }
    out.extend(base_lines[at..].iter().map(|l| l.to_string()));
    let mut text = out.join("\n");
    if theirs.ends_with('\n') {
        text.push('\n');
    }
    (text, conflicts)
}

/// The changes that turn `base` into `other`, in base order.
fn changes(base: &[&str], other: &str) -> Vec<Change> {
    let other: Vec<&str> = other.lines().collect();
    let ops = capture_diff_slices(Algorithm::Myers, base, &other);
    let mut found: Vec<Change> = Vec::new();
    for op in ops {
        let (start, end, new) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, .. } => {
                (old_index, old_index + old_len, 0..0)
            }
            DiffOp::Insert { old_index, new_index, new_len } => {
                (old_index, old_index, new_index..new_index + new_len)
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                (old_index, old_index + old_len, new_index..new_index + new_len)
            }
        };
        let lines = other[new].iter().map(|l| l.to_string());
        // Next to the last change: one change.
        match found.last_mut() {
            Some(last) if last.end == start => {
                last.end = end;
                last.lines.extend(lines);
            }
            _ => found.push(Change { start, end, lines: lines.collect() }),
        }
    }
    found
}
