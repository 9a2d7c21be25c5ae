//! The process default engine: the one library static that holds caches and a pool.
//!
//! The slot is a pointer swapped atomically, not a lock, so that a process forked
//! while other threads were inside it can still read and replace it: a lock held by a
//! thread at `fork` stays held forever in the child, where that thread does not exist.

use super::{Engine, EngineConfig, Inner};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

/// `Arc::into_raw` of the default engine, or null before its first use. The slot owns
/// one reference count, which it never gives back (see `set_process_default`).
static DEFAULT: AtomicPtr<Inner> = AtomicPtr::new(std::ptr::null_mut());

impl Engine {
    /// The engine of [`crate::Expr::compile`] and [`crate::Program::compile`], made
    /// with [`EngineConfig::default`] on first use.
    ///
    /// ```
    /// use nexpr::{Engine, Expr, Target};
    /// let k = Expr::parse("a + 1")?.compile(Target::cpu())?;
    /// assert!(k.engine().same(&Engine::process_default()));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn process_default() -> Engine {
        let mut p = DEFAULT.load(Ordering::Acquire);
        if p.is_null() {
            let fresh = Arc::into_raw(Engine::unchecked(EngineConfig::default()).inner);
            let fresh = fresh.cast_mut();
            p = match DEFAULT.compare_exchange(
                std::ptr::null_mut(),
                fresh,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => fresh,
                Err(first) => {
                    // SAFETY: `fresh` came from `Arc::into_raw` above and was not stored.
                    drop(unsafe { Arc::from_raw(fresh) });
                    first
                }
            };
        }
        // SAFETY: `p` came from `Arc::into_raw`, and the slot's count on it is never
        // released, so the allocation is alive; this adds the count the new handle owns.
        unsafe {
            Arc::increment_strong_count(p);
            Engine {
                inner: Arc::from_raw(p),
            }
        }
    }

    /// Makes `engine` the process default: kernels compiled from now on through
    /// [`crate::Expr::compile`] use it; kernels compiled before keep theirs.
    ///
    /// Meant for a process forked from one with threads (the Python package calls it
    /// in every child, as `os.register_at_fork` lets it): the child gets a fresh pool
    /// and empty caches, none of whose locks a thread of the parent may have held. The
    /// previous default engine is never freed (another thread may be taking a handle
    /// of it at this very moment), so replace it rarely.
    ///
    /// ```
    /// use nexpr::{Engine, EngineConfig};
    /// let fresh = Engine::new(EngineConfig::default())?;
    /// Engine::set_process_default(fresh.clone());
    /// assert!(Engine::process_default().same(&fresh));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn set_process_default(engine: Engine) {
        let new = Arc::into_raw(engine.inner).cast_mut();
        // The old pointer's count is deliberately kept: a reader may have loaded it
        // and not yet incremented it.
        DEFAULT.swap(new, Ordering::AcqRel);
    }
}
