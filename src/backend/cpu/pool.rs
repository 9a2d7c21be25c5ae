//! The worker threads of CPU kernels: one shared rayon pool for the whole process.
//!
//! A kernel asks for `threads` workers; the pool has as many threads as the largest
//! request so far (and is replaced by a larger one when a larger request comes, the
//! old one ending with its last run), and a run starts exactly `threads` tasks that
//! take chunks from a shared counter. So kernels with different thread counts share
//! the same threads, a run never has more than its count working, and the chunks of
//! uneven work (escape-time loops) still balance across them. Thread counts above
//! [`max_threads`] are clamped: the process never holds more than that many workers.

use crate::error::{Error, Result};
use rayon::ThreadPool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The most worker threads a kernel gets: four per core (at least 16). More would
/// only cost memory (each thread has its own stack) and scheduling.
pub fn max_threads() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (4 * cores).max(16)
    })
}

/// The shared pool, with at least `threads` threads.
fn shared(threads: usize) -> Result<Arc<ThreadPool>> {
    static POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);
    let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = slot.as_ref() {
        if p.current_num_threads() >= threads {
            return Ok(p.clone());
        }
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("nexpr-{i}"))
        .build()
        .map_err(|e| Error::backend(format!("thread pool: {e}")))?;
    let p = Arc::new(p);
    *slot = Some(p.clone());
    Ok(p)
}

/// `f(state, c)` for every chunk `c` in `0..chunks`, on `threads` workers (each with
/// its own `init()` state); the results in chunk order, or the first error (the
/// remaining chunks are then skipped).
pub fn map_chunks<S, T, I, F>(threads: usize, chunks: usize, init: I, f: F) -> Result<Vec<T>>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> Result<T> + Sync,
{
    let threads = threads.clamp(1, max_threads());
    let pool = shared(threads)?;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(chunks));
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    pool.scope(|s| {
        for _ in 0..threads.min(chunks) {
            s.spawn(|_| {
                let mut state = init();
                let mut mine = Vec::new();
                loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    if c >= chunks {
                        break;
                    }
                    match f(&mut state, c) {
                        Ok(t) => mine.push((c, t)),
                        Err(e) => {
                            next.store(chunks, Ordering::Relaxed);
                            let mut slot = failure.lock().unwrap_or_else(|e| e.into_inner());
                            slot.get_or_insert(e);
                            break;
                        }
                    }
                }
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(mine);
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut r = results.into_inner().unwrap_or_else(|e| e.into_inner());
    r.sort_unstable_by_key(|&(c, _)| c);
    Ok(r.into_iter().map(|(_, t)| t).collect())
}
