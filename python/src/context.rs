//! `Context`: everything the package's calls share, in one place — the engine that
//! compiles and runs their kernels, `evaluate`'s expression cache, the unpickling
//! cache of `nexpr.Kernel`, and the thread count of `evaluate` and of kernels made
//! without `threads=`.
//!
//! It is the attribute `_context` of this module (set by `nexpr/__init__.py`, which
//! decides the initial thread count), not a Rust static, so that a forked child can
//! replace it: `_after_fork_in_child` (registered with `os.register_at_fork`) gives
//! the child a fresh engine (a new worker pool, empty caches; the parent's worker
//! threads do not exist in the child, and locks they held stay held) and empty caches
//! of kernels, as NumPy's OpenBLAS and numexpr do.

use crate::errors;
use nexpr::{Engine, EngineConfig};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `_nexpr` module, where the context lives (a handle, not a cache).
pub(crate) static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The package's shared state (see the module docs).
#[pyclass(frozen, module = "nexpr._nexpr")]
pub(crate) struct Context {
    pub(crate) engine: Engine,
    /// `evaluate`'s kernels: expression `str` -> `CacheEntry` (cleared when full).
    pub(crate) expressions: Py<PyDict>,
    /// Kernels rebuilt from pickles, keyed by what defines them (see `py_kernel`).
    pub(crate) rebuilt: Py<PyDict>,
    /// Kernels `_rebuild_kernel` had to make (cache misses).
    pub(crate) rebuilds: AtomicUsize,
    threads: AtomicUsize,
}

#[pymethods]
impl Context {
    /// A context on the process default engine, `evaluate` running on `threads`.
    #[new]
    fn py_new(py: Python<'_>, threads: usize) -> PyResult<Context> {
        errors::shielded(py, || {
            Ok(Context::new(py, Engine::process_default(), threads))
        })
    }
}

impl Context {
    fn new(py: Python<'_>, engine: Engine, threads: usize) -> Context {
        Context {
            engine,
            expressions: PyDict::new(py).unbind(),
            rebuilt: PyDict::new(py).unbind(),
            rebuilds: AtomicUsize::new(0),
            threads: AtomicUsize::new(threads.max(1)),
        }
    }

    /// The thread count of `evaluate` and of kernels made without `threads=`.
    pub(crate) fn threads(&self) -> usize {
        self.threads.load(Ordering::Relaxed).max(1)
    }

    /// Sets the thread count; returns the previous one.
    pub(crate) fn set_threads(&self, n: usize) -> usize {
        self.threads.swap(n.max(1), Ordering::Relaxed)
    }
}

fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    let m = MODULE.get(py).ok_or_else(|| {
        pyo3::exceptions::PyImportError::new_err("nexpr._nexpr is not initialized")
    })?;
    Ok(m.bind(py))
}

/// The current context.
pub(crate) fn context(py: Python<'_>) -> PyResult<Bound<'_, Context>> {
    Ok(module(py)?
        .getattr(intern!(py, "_context"))?
        .cast_into::<Context>()?)
}

/// In a forked child: a fresh process default engine (same configuration) and a fresh
/// context on it, with the parent's thread count.
#[pyfunction]
pub(crate) fn _after_fork_in_child(py: Python<'_>) -> PyResult<()> {
    errors::shielded(py, || {
        let old = context(py)?;
        let config: EngineConfig = old.get().engine.config().clone();
        let engine = Engine::new(config).map_err(|e| errors::to_py(py, &e, ""))?;
        Engine::set_process_default(engine.clone());
        let fresh = Context::new(py, engine, old.get().threads());
        module(py)?.setattr(intern!(py, "_context"), fresh)
    })
}
