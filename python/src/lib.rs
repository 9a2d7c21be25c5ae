//! `nexpr._nexpr`: the compiled half of the `nexpr` Python package.
//!
//! * `evaluate` / `validate` / `re_evaluate`: numexpr's functions. Compiled kernels are
//!   cached by expression (a Python dict keyed by the `str` object, whose hash Python
//!   keeps) and, inside each kernel, by input dtypes and layouts.
//! * `Kernel`: a compiled expression or program (`nexpr.compile`, `nexpr.program`).
//!
//! Large evaluations run with the GIL released, in slices of about 30 ms between which
//! pending signals are handled, so Ctrl-C interrupts them.

mod arrays;
mod entry;
mod errors;
mod execute;
mod numexpr_api;
mod py_kernel;

use crate::entry::{threads, NTHREADS};
use crate::numexpr_api::{cached, evaluate, re_evaluate, validate, CACHE};
use crate::py_kernel::{_rebuild_cache_info, _rebuild_kernel, compile, program, PyKernel};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::atomic::Ordering;

include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// The input names of an expression, in the order a kernel takes them.
#[pyfunction]
fn expression_names(py: Python<'_>, ex: &Bound<'_, PyString>) -> PyResult<Vec<String>> {
    Ok(cached(py, ex, false)?.names.clone())
}

#[pyfunction]
fn _set_num_threads(n: usize) -> usize {
    NTHREADS.swap(n.max(1), Ordering::Relaxed)
}

#[pyfunction]
fn _get_num_threads() -> usize {
    threads()
}

#[pyfunction]
fn _clear_cache(py: Python<'_>) {
    if let Some(c) = CACHE.get(py) {
        c.bind(py).clear();
    }
}

/// The `.nx` programs of the repository's `kernels/` folder: name -> source.
#[pyfunction]
fn _kernel_sources() -> Vec<(&'static str, &'static str)> {
    KERNELS.to_vec()
}

#[pymodule]
fn _nexpr(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(re_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(program, m)?)?;
    m.add_function(wrap_pyfunction!(expression_names, m)?)?;
    m.add_function(wrap_pyfunction!(_rebuild_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(_rebuild_cache_info, m)?)?;
    m.add_function(wrap_pyfunction!(_set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_clear_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_kernel_sources, m)?)?;
    m.add_class::<PyKernel>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
