//! How the chunks of an evaluation into fresh outputs are shared out: the helper
//! threads never take a page fault; the calling thread makes the outputs' pages
//! present just ahead of them.
//!
//! A fresh output's pages are not in memory until first written: the first write to
//! each 2 MiB huge page is a page fault in which the kernel zeroes the page. When every
//! worker faults the pages of its own chunks (`schedule::chunks`), two threads of one
//! process fault at the same time, and on the development VM such faults were erratic:
//! in some evaluations (and in whole processes) the helper thread spent 20 ms zeroing
//! three pages while the calling thread computed alone, so 2 threads took longer than
//! 1 (measurements: `docs/performance-log.md`). Into an output whose pages are present,
//! 2 threads were steady in every process.
//!
//! So here the chunks are taken in groups that cover at least one huge page of every
//! output. Helpers compute chunks from the front, in order, and only in groups that are
//! present. The calling thread keeps the groups just ahead of the helpers present
//! (`populate`), at most [`AHEAD_PER_HELPER`] groups per helper beyond the front, and
//! in between computes chunks from the back, where it takes the page faults itself.
//! Keeping the window short matters: a page zeroed moments before a helper writes it
//! is still in the cache (populating the whole output first made the helpers' writes
//! miss, and was 20 % slower). A helper that finds the front group not present makes
//! the next group in the window present itself rather than wait (with many threads,
//! faulting then spreads over as many as the computing needs), and waits (spinning,
//! then yielding) only for a group another thread is making present.

use super::schedule::{pack, run_workers, take_back, take_front_if, FirstError, Front};
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Groups made present ahead of the helpers' front, per helper: measured on the
/// development VM with `examples/thread_spread.rs` (1, 2 and 3 ahead within the noise
/// of each other, all ahead of populating every group first).
const AHEAD_PER_HELPER: usize = 2;

/// Runs `f(c)` for every chunk `c` in `0..chunks` on the calling thread and up to
/// `workers - 1` threads of `pool`. Helpers run a chunk only after `populate(first,
/// end)` has made the output pages of its group of `group` chunks present; the calling
/// thread also runs chunks whose pages are not. Returns the first error (the others
/// stop at their next chunk).
pub fn chunks(
    pool: &rayon::ThreadPool,
    workers: usize,
    chunks: usize,
    group: usize,
    populate: impl Fn(usize, usize) + Sync,
    f: impl Fn(usize) -> Result<()> + Sync,
) -> Result<()> {
    let Ok(total) = u32::try_from(chunks) else {
        return Err(Error::backend("too many chunks"));
    };
    let group = group.max(1);
    let groups = Groups {
        chunks,
        group,
        next: AtomicUsize::new(0),
        present: (0..chunks.div_ceil(group))
            .map(|_| AtomicBool::new(false))
            .collect(),
    };
    let part = AtomicU64::new(pack(0, total as u64));
    let first_error = FirstError::default();
    let run = |c: usize| first_error.keep(f(c));
    // How many groups past the helpers' front may be made present.
    let window = AHEAD_PER_HELPER * workers.saturating_sub(1).max(1);
    let in_window = || {
        let front = (part.load(Ordering::Acquire) >> 32) as usize / group;
        groups.next.load(Ordering::Relaxed) < front + window
    };
    let work = |me: usize| {
        if me == 0 {
            while !first_error.stopped() {
                if in_window() && groups.populate_next(&populate) {
                    continue;
                }
                // Chunks at the back: this thread takes their page faults itself.
                match take_back(&part) {
                    Some(c) if run(c) => {}
                    _ => break,
                }
            }
            return;
        }
        while !first_error.stopped() {
            match take_front_if(&part, |c| groups.is_present(c)) {
                Front::Chunk(c) if run(c) => {}
                Front::NotYet => {
                    if !(in_window() && groups.populate_next(&populate)) {
                        groups.wait_a_little();
                    }
                }
                Front::Chunk(_) | Front::Done => break,
            }
        }
    };
    run_workers(pool, workers.clamp(1, chunks.max(1)), &work);
    first_error.into_result()
}

/// The groups of chunks whose output pages are made present together.
struct Groups {
    chunks: usize,
    group: usize,
    /// The next group nobody has claimed to make present.
    next: AtomicUsize,
    present: Vec<AtomicBool>,
}

impl Groups {
    /// Claims the next group and makes its pages present; false when none is left.
    fn populate_next(&self, populate: &impl Fn(usize, usize)) -> bool {
        let g = self.next.fetch_add(1, Ordering::Relaxed);
        let Some(flag) = self.present.get(g) else {
            return false;
        };
        /// Marks the group present also if `populate` unwinds, so nobody waits forever.
        struct Mark<'a>(&'a AtomicBool);
        impl Drop for Mark<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let _mark = Mark(flag);
        populate(g * self.group, ((g + 1) * self.group).min(self.chunks));
        true
    }

    fn is_present(&self, c: usize) -> bool {
        self.present[c / self.group].load(Ordering::Acquire)
    }

    /// A short wait for another thread's page faults: spin, and let a thread that
    /// lost its core run.
    fn wait_a_little(&self) {
        for _ in 0..64 {
            std::hint::spin_loop();
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::testing::{occupy, pool};
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    /// Every chunk runs once, no group is populated twice, and helpers run only chunks
    /// of populated groups, whatever the group size and thread count.
    #[test]
    fn every_chunk_runs_once_helpers_after_its_group() {
        let p = pool(3);
        let caller = std::thread::current().id();
        for (workers, total, group) in [
            (1, 5, 2),
            (2, 1, 16),
            (2, 100, 16),
            (4, 1000, 7),
            (3, 0, 4),
            (2, 33, 1),
        ] {
            let populated: Vec<AtomicUsize> = (0..total).map(|_| AtomicUsize::new(0)).collect();
            let seen: Vec<AtomicUsize> = (0..total).map(|_| AtomicUsize::new(0)).collect();
            chunks(
                &p,
                workers,
                total,
                group,
                |a, b| {
                    assert!(a < b && b <= total && a % group == 0);
                    for c in &populated[a..b] {
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                },
                |c| {
                    if std::thread::current().id() != caller {
                        assert_eq!(populated[c].load(Ordering::Relaxed), 1, "chunk {c}");
                    }
                    // Slow enough for the helpers to take part.
                    std::thread::sleep(std::time::Duration::from_micros(20));
                    seen[c].fetch_add(1, Ordering::Relaxed);
                    Ok(())
                },
            )
            .unwrap();
            assert!(seen.iter().all(|s| s.load(Ordering::Relaxed) == 1));
            assert!(populated.iter().all(|s| s.load(Ordering::Relaxed) <= 1));
        }
    }

    #[test]
    fn an_error_stops_the_others_and_is_returned() {
        let p = pool(2);
        let ran = AtomicUsize::new(0);
        let r = chunks(
            &p,
            2,
            10_000,
            16,
            |_, _| {},
            |c| {
                ran.fetch_add(1, Ordering::Relaxed);
                if c == 17 {
                    return Err(Error::eval("chunk 17"));
                }
                Ok(())
            },
        );
        assert_eq!(r.unwrap_err().message, "chunk 17");
        assert!(ran.load(Ordering::Relaxed) < 10_000);
    }

    /// A panic while populating reaches the caller, and nobody waits forever for the
    /// group it left.
    #[test]
    fn a_panic_while_populating_reaches_the_caller() {
        let p = pool(2);
        let r = catch_unwind(AssertUnwindSafe(|| {
            chunks(
                &p,
                2,
                64,
                4,
                |a, _| {
                    // The calling thread is slow on the first group: a helper that
                    // started makes the second present, and panics there.
                    if a == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    assert!(a != 4, "group at 4");
                },
                |_| Ok(()),
            )
        }));
        assert!(r.is_err());
    }

    /// The calling thread populates and computes everything when no helper runs.
    #[test]
    fn a_busy_pool_does_not_hold_the_caller() {
        let p = pool(1);
        let busy = occupy(&p);
        let count = AtomicUsize::new(0);
        chunks(
            &p,
            2,
            100,
            8,
            |_, _| {},
            |_| {
                count.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 100);
        busy.send(()).unwrap();
    }
}
