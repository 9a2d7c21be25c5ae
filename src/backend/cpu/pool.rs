//! The worker threads of CPU kernels: one shared rayon pool for the whole process.
//!
//! A kernel asks for `threads` workers, the calling thread being one of them
//! (`schedule::chunks`), so it asks the pool for `threads - 1` helpers; the pool has
//! as many threads as the largest request so far (and is replaced by a larger one when
//! a larger request comes, the old one ending with its last run). `schedule::chunks`
//! then starts exactly the requested number of helpers on it, so kernels with
//! different thread counts share the same threads and a run never has more than its
//! count working (a pool thread more than needed would only wait, or spin for work on
//! a core the others need). Thread counts
//! above [`max_threads`] are clamped: the process never holds more than that many
//! workers, however many distinct counts its kernels ask for.

use crate::error::{Error, Result};
use rayon::ThreadPool;
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

/// The shared pool, with a helper thread for every one of `workers` but the calling
/// thread (which works too, see `schedule::chunks`).
pub fn for_workers(workers: usize) -> Result<Arc<ThreadPool>> {
    shared(workers.saturating_sub(1).max(1))
}

/// The shared pool, with at least `threads` threads (`threads < max_threads()`).
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
