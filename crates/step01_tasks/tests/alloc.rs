//! A pass of the loop allocates nothing: the ready queue keeps its buffer
//! from pass to pass, and waking and polling a task take no heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use step01_tasks::{run, spawn, yield_now};

thread_local! {
    /// Allocations made on this thread: tests run on threads of their own.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting allocations per thread.
struct Counting;

// SAFETY: every call goes to the system allocator unchanged; the count is
// a const thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller keeps `alloc`'s contract; we pass it on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations made by a run of ten tasks that yield `yields` times each.
fn allocations(yields: u32) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    run(async move {
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                spawn(async move {
                    for _ in 0..yields {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    ALLOCATIONS.with(Cell::get) - before
}

// ANCHOR: a_pass_allocates_nothing
#[test]
fn a_pass_allocates_nothing() {
    // The first run warms up what the thread allocates once.
    allocations(1);
    let (few, many) = (allocations(10), allocations(100));
    assert!(few > 0, "the count counts: spawning allocates");
    assert_eq!(few, many, "90 more passes allocated {} more", many - few);
}
// ANCHOR_END: a_pass_allocates_nothing
