//! The worker threads of CPU kernels: one rayon pool per engine (`crate::Engine`),
//! shared by all the engine's kernels.
//!
//! A kernel asks for `threads` workers, the calling thread being one of them
//! (`schedule::chunks`), so it asks the pool for `threads - 1` helpers; the pool has
//! as many threads as the largest request so far (and is replaced by a larger one when
//! a larger request comes, the old one ending with its last run). `schedule::chunks`
//! then starts exactly the requested number of helpers on it, so kernels with
//! different thread counts share the same threads and a run never has more than its
//! count working (a pool thread more than needed would only wait, or spin for work on
//! a core the others need). Thread counts above the engine's `max_threads` are
//! clamped (`cpu::compile`): the engine never holds more than that many workers,
//! however many distinct counts its kernels ask for. The threads end when the last
//! kernel of the engine and the engine itself are dropped.

use crate::error::{Error, Result};
use rayon::ThreadPool;
use std::sync::{Arc, Mutex};

/// An engine's pool: none until the first evaluation split over threads.
#[derive(Default)]
pub struct Pool {
    current: Mutex<Option<Owned>>,
}

/// A pool and the process that made it. A forked child inherits the pool's handle but
/// none of its threads, so a pool made by another process is never used (work sent to
/// it would wait forever): kernels compiled before a fork get a new pool in the child.
struct Owned {
    pid: u32,
    pool: Arc<ThreadPool>,
}

impl Pool {
    /// The pool, with a helper thread for every one of `workers` but the calling
    /// thread (which works too, see `schedule::chunks`).
    pub fn for_workers(&self, workers: usize) -> Result<Arc<ThreadPool>> {
        self.with_threads(workers.saturating_sub(1).max(1))
    }

    /// The pool, with at least `threads` threads.
    fn with_threads(&self, threads: usize) -> Result<Arc<ThreadPool>> {
        let mut slot = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let pid = std::process::id();
        match slot.take() {
            Some(o) if o.pid != pid => {
                // The parent's pool: its threads are not in this process, and dropping
                // it would signal them; leak the handle instead.
                std::mem::forget(o);
            }
            Some(o) if o.pool.current_num_threads() >= threads => {
                let p = o.pool.clone();
                *slot = Some(o);
                return Ok(p);
            }
            _ => {}
        }
        let p = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("nexpr-{i}"))
            .build()
            .map_err(|e| Error::backend(format!("thread pool: {e}")))?;
        let p = Arc::new(p);
        *slot = Some(Owned {
            pid,
            pool: p.clone(),
        });
        Ok(p)
    }
}
