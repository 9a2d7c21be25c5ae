//! How the chunks of one evaluation are shared out: the calling thread works too,
//! helpers from the pool join when they get a core, and nobody waits for a helper
//! that has not started.
//!
//! The chunks are split into one contiguous part per worker. Worker 0 is the calling
//! thread, the others are jobs spawned on the rayon pool. Each worker takes chunks
//! from the front of its own part, then from the back of the others' parts, one at a
//! time (a compare-and-swap on the part's packed `(front, back)`), so a helper that is
//! descheduled, or starts late, holds up at most the one chunk it is working on, and
//! the workers meet in the middle of a part instead of taking turns in it: a fresh
//! output's huge pages are each first touched (and zeroed by the kernel) by one
//! thread. Once the calling thread runs out of chunks it closes the gate: helpers that
//! start afterwards return without touching anything, and only those already at work
//! are waited for.
//!
//! With rayon's `install` + `into_par_iter` over the chunks (the previous scheme) the
//! calling thread only waited, and the range was cut into a few large pieces, each
//! run in order by one thread: a worker that lost its core (the dev VM's second core
//! is often busy with other processes) held up the rest of its piece, and the caller
//! waited for jobs that had not started. Measurements: `docs/performance-log.md`.

use crate::error::{Error, Result};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Runs `f(state, c)` for every chunk `c` in `0..chunks`, on the calling thread and
/// up to `workers - 1` threads of `pool`; each worker makes its `state` when it takes
/// its first chunk. Returns the first error (the others stop at their next chunk).
pub fn chunks<S>(
    pool: &rayon::ThreadPool,
    workers: usize,
    chunks: usize,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> Result<()> + Sync,
) -> Result<()> {
    let workers = workers.clamp(1, chunks.max(1));
    let Ok(total) = u32::try_from(chunks) else {
        // 2^32 chunks of 8192 elements: not an array this process can hold.
        return Err(Error::backend("too many chunks"));
    };
    let total = total as u64;
    let w = workers as u64;
    let parts: Vec<AtomicU64> = (0..w)
        .map(|k| AtomicU64::new(pack(k * total / w, (k + 1) * total / w)))
        .collect();
    let first_error = FirstError::default();
    let work = |me: usize| {
        let mut st: Option<S> = None;
        let others = (1..workers).map(|j| (me + j) % workers);
        let mut claims = std::iter::repeat(me)
            .map(|k| take_front(&parts[k]))
            .take_while(Option::is_some)
            .flatten()
            .chain(others.flat_map(|k| {
                std::iter::repeat(k)
                    .map(|k| take_back(&parts[k]))
                    .take_while(Option::is_some)
                    .flatten()
            }));
        while !first_error.stopped() {
            let Some(c) = claims.next() else { break };
            if !first_error.keep(f(st.get_or_insert_with(&state), c)) {
                break;
            }
        }
    };
    run_workers(pool, workers, &work);
    first_error.into_result()
}

/// The first error of an evaluation's workers: once there is one, the others stop at
/// their next chunk.
#[derive(Default)]
pub(super) struct FirstError {
    failed: AtomicBool,
    error: Mutex<Option<Error>>,
}

impl FirstError {
    /// Whether a worker has failed.
    pub(super) fn stopped(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Keeps the error of a chunk's result, if it is the first; true when it was `Ok`.
    pub(super) fn keep(&self, r: Result<()>) -> bool {
        let Err(e) = r else { return true };
        self.failed.store(true, Ordering::Relaxed);
        lock(&self.error).get_or_insert(e);
        false
    }

    pub(super) fn into_result(self) -> Result<()> {
        match self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

pub(super) fn pack(front: u64, back: u64) -> u64 {
    front << 32 | back
}

/// Takes the first chunk left in a part.
fn take_front(part: &AtomicU64) -> Option<usize> {
    match take_front_if(part, |_| true) {
        Front::Chunk(c) => Some(c),
        Front::NotYet | Front::Done => None,
    }
}

/// What [`take_front_if`] found at the front of a part.
pub(super) enum Front {
    /// The chunk now taken.
    Chunk(usize),
    /// The first chunk left may not be taken yet.
    NotYet,
    /// No chunk is left.
    Done,
}

/// Takes the first chunk left in a part if `ready` says it may be taken.
pub(super) fn take_front_if(part: &AtomicU64, ready: impl Fn(usize) -> bool) -> Front {
    let mut v = part.load(Ordering::Acquire);
    loop {
        let (front, back) = (v >> 32, v & 0xffff_ffff);
        if front >= back {
            return Front::Done;
        }
        if !ready(front as usize) {
            return Front::NotYet;
        }
        match part.compare_exchange_weak(
            v,
            pack(front + 1, back),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return Front::Chunk(front as usize),
            Err(now) => v = now,
        }
    }
}

/// Takes the last chunk left in a part.
pub(super) fn take_back(part: &AtomicU64) -> Option<usize> {
    let mut v = part.load(Ordering::Acquire);
    loop {
        let (front, back) = (v >> 32, v & 0xffff_ffff);
        if front >= back {
            return None;
        }
        match part.compare_exchange_weak(
            v,
            pack(front, back - 1),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return Some(back as usize - 1),
            Err(now) => v = now,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether helpers may still start `work`, how many are in it, and the first panic.
struct GateState {
    active: usize,
    closed: bool,
    panic: Option<Box<dyn Any + Send>>,
}

struct Gate {
    state: Mutex<GateState>,
    idle: Condvar,
    /// The workers' function, its lifetime erased: see `run_workers`.
    work: *const (dyn Fn(usize) + Sync + 'static),
}

// SAFETY: `work` points to a `Sync` closure, and is only called while `run_workers`
// (which owns what it borrows) has not returned.
unsafe impl Send for Gate {}
unsafe impl Sync for Gate {}

/// Runs `work(0)` here and `work(1)`, …, `work(workers - 1)` as jobs on `pool`, and
/// returns when `work(0)` has returned and no job is inside `work`; jobs that start
/// later do not call it. A panic in any of them is resumed here.
pub(super) fn run_workers(pool: &rayon::ThreadPool, workers: usize, work: &(dyn Fn(usize) + Sync)) {
    // SAFETY: only the lifetime changes. The jobs may outlive this call, but they call
    // `work` only after entering the gate while it is open, and this function does not
    // return (nor unwind, see `Closer`) before it has closed the gate and seen every
    // entered job leave.
    let erased: &'static (dyn Fn(usize) + Sync) = unsafe {
        std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static (dyn Fn(usize) + Sync)>(work)
    };
    let gate = Arc::new(Gate {
        state: Mutex::new(GateState {
            active: 0,
            closed: false,
            panic: None,
        }),
        idle: Condvar::new(),
        work: erased,
    });
    for w in 1..workers {
        let g = Arc::clone(&gate);
        pool.spawn(move || {
            {
                let mut s = lock(&g.state);
                if s.closed {
                    return;
                }
                s.active += 1;
            }
            // SAFETY: the gate was open when this job entered, so `work` is alive until
            // the job leaves below.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe { (*g.work)(w) }));
            let mut s = lock(&g.state);
            if let Err(p) = r {
                s.panic.get_or_insert(p);
            }
            s.active -= 1;
            if s.active == 0 {
                g.idle.notify_all();
            }
        });
    }
    /// Closes the gate and waits for the jobs inside, also when `work(0)` panics.
    struct Closer<'g>(&'g Gate);
    impl Drop for Closer<'_> {
        fn drop(&mut self) {
            let mut s = lock(&self.0.state);
            s.closed = true;
            while s.active > 0 {
                s = self.0.idle.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        }
    }
    let closer = Closer(&gate);
    work(0);
    drop(closer);
    let panic = lock(&gate.state).panic.take();
    if let Some(p) = panic {
        resume_unwind(p);
    }
}

/// What the tests of both schedules use.
#[cfg(test)]
pub(super) mod testing {
    /// A pool of its own with `n` threads.
    pub fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    }

    /// Occupies one thread of `pool` until the returned sender sends (or is dropped).
    pub fn occupy(pool: &rayon::ThreadPool) -> std::sync::mpsc::Sender<()> {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        pool.spawn(move || {
            let _ = rx.recv();
        });
        tx
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{occupy, pool};
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_chunk_runs_once() {
        let p = pool(3);
        for (workers, total) in [(1, 5), (2, 1), (2, 2), (3, 1000), (4, 7), (3, 0)] {
            let seen: Vec<AtomicUsize> = (0..total).map(|_| AtomicUsize::new(0)).collect();
            chunks(
                &p,
                workers,
                total,
                || (),
                |_, c| {
                    seen[c].fetch_add(1, Ordering::Relaxed);
                    Ok(())
                },
            )
            .unwrap();
            assert!(seen.iter().all(|s| s.load(Ordering::Relaxed) == 1));
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
            || (),
            |_, c| {
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

    #[test]
    fn a_panic_in_a_helper_reaches_the_caller() {
        let p = pool(2);
        let r = catch_unwind(AssertUnwindSafe(|| {
            chunks(
                &p,
                2,
                64,
                || (),
                |_, c| {
                    if c == 63 {
                        panic!("chunk 63");
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    Ok(())
                },
            )
        }));
        assert!(r.is_err());
    }

    /// The calling thread does all the work when no helper gets to run.
    #[test]
    fn a_busy_pool_does_not_hold_the_caller() {
        let p = pool(1);
        // The pool's only thread is busy until the evaluation is over.
        let busy = occupy(&p);
        let count = AtomicUsize::new(0);
        chunks(
            &p,
            2,
            100,
            || (),
            |_, _| {
                count.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 100);
        busy.send(()).unwrap();
    }
}
