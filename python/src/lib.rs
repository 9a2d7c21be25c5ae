//! `nexpr._nexpr`: the compiled half of the `nexpr` Python package.
//!
//! * `evaluate` / `validate` / `re_evaluate`: numexpr's functions. Compiled kernels are
//!   cached by expression (a Python dict keyed by the `str` object, whose hash Python
//!   keeps) and, inside each kernel, by input dtypes and layouts.
//! * `Kernel`: a compiled expression or program (`nexpr.compile`, `nexpr.program`).
//! * `run_cli`: the `nexpr` command (`nexpr._cli`), the `nexpr-cli` crate's.
//! * `Context` (`context.rs`): the engine, the caches of kernels and the thread count,
//!   replaced in a forked child.
//!
//! Large evaluations run with the GIL released, in slices of about 30 ms between which
//! pending signals are handled, so Ctrl-C interrupts them.

mod arrays;
mod cli;
mod context;
mod entry;
mod errors;
mod execute;
mod interrupt;
mod numexpr_api;
mod py_kernel;

use crate::context::{_after_fork_in_child, context, Context, MODULE};
use crate::numexpr_api::{cached, evaluate, re_evaluate, validate};
use crate::py_kernel::{_rebuild_cache_info, _rebuild_kernel, compile, program, PyKernel};
use pyo3::prelude::*;
use pyo3::types::PyString;

include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// The input names of an expression, in the order a kernel takes them.
///
/// Parameters
/// ----------
/// ex : str
///     The expression.
///
/// Returns
/// -------
/// list of str
#[pyfunction]
fn expression_names(py: Python<'_>, ex: &Bound<'_, PyString>) -> PyResult<Vec<String>> {
    errors::shielded(py, || Ok(cached(py, ex, false)?.names.clone()))
}

/// The reduction at the root of `ex`, as the core's parser sees it: `(op, operand
/// text, axis)`, or None if the expression is not one; syntax errors raise as
/// `evaluate` raises them.
#[pyfunction]
fn _outer_reduction(
    py: Python<'_>,
    ex: &str,
) -> PyResult<Option<(&'static str, String, Option<i64>)>> {
    errors::shielded(py, || {
        let e = nexpr::Expr::parse(ex).map_err(|e| errors::to_py(py, &e, ex))?;
        Ok(e.outer_reduction().map(|r| {
            let operand = ex[r.operand.start..r.operand.end].to_string();
            (r.op, operand, r.axis)
        }))
    })
}

#[pyfunction]
fn _set_num_threads(py: Python<'_>, n: usize) -> PyResult<usize> {
    errors::shielded(py, || Ok(context(py)?.get().set_threads(n)))
}

#[pyfunction]
fn _get_num_threads(py: Python<'_>) -> PyResult<usize> {
    errors::shielded(py, || Ok(context(py)?.get().threads()))
}

/// The most threads a kernel runs on; larger counts are clamped to it.
#[pyfunction]
fn _max_threads(py: Python<'_>) -> PyResult<usize> {
    errors::shielded(py, || Ok(context(py)?.get().engine.config().max_threads))
}

/// The engine's default thread count: `NEXPR_NUM_THREADS`, else every core.
#[pyfunction]
fn _default_threads(py: Python<'_>) -> PyResult<usize> {
    errors::shielded(py, || {
        Ok(context(py)?.get().engine.config().default_threads)
    })
}

/// The number of cores this process may run on, as the engine counts them.
#[pyfunction]
fn _cores(py: Python<'_>) -> PyResult<usize> {
    errors::shielded(py, || Ok(nexpr::EngineConfig::available_cores()))
}

#[pyfunction]
fn _clear_cache(py: Python<'_>) -> PyResult<()> {
    errors::shielded(py, || {
        context(py)?.get().expressions.bind(py).clear();
        Ok(())
    })
}

/// The `.nx` programs of the repository's `kernels/` folder: name -> source.
#[pyfunction]
fn _kernel_sources(py: Python<'_>) -> PyResult<Vec<(&'static str, &'static str)>> {
    errors::shielded(py, || Ok(KERNELS.to_vec()))
}

/// One row of the builtins table for Python: name, arity, the dtypes its operands may
/// have, whether it is transcendental.
type BuiltinRow = (&'static str, usize, Vec<&'static str>, bool);

/// The language's builtin functions, one tuple per row of the core's table.
#[pyfunction]
fn _builtins(py: Python<'_>) -> PyResult<Vec<BuiltinRow>> {
    errors::shielded(py, || {
        use nexpr::internals::{Builtin, Typing, BUILTINS};
        let dtypes = |f: &Builtin| {
            let accepted = nexpr::DType::ALL.into_iter().filter(|&d| f.accepts(d));
            accepted.map(|d| d.name()).collect()
        };
        let row = |f: &Builtin| (f.name, f.arity(), dtypes(f), f.typing == Typing::Float);
        Ok(BUILTINS.iter().map(row).collect())
    })
}

#[pymodule]
fn _nexpr(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::shielded(m.py(), || {
        m.add_function(wrap_pyfunction!(evaluate, m)?)?;
        m.add_function(wrap_pyfunction!(validate, m)?)?;
        m.add_function(wrap_pyfunction!(re_evaluate, m)?)?;
        m.add_function(wrap_pyfunction!(compile, m)?)?;
        m.add_function(wrap_pyfunction!(program, m)?)?;
        m.add_function(wrap_pyfunction!(expression_names, m)?)?;
        m.add_function(wrap_pyfunction!(_rebuild_kernel, m)?)?;
        m.add_function(wrap_pyfunction!(_rebuild_cache_info, m)?)?;
        m.add_function(wrap_pyfunction!(_outer_reduction, m)?)?;
        m.add_function(wrap_pyfunction!(_set_num_threads, m)?)?;
        m.add_function(wrap_pyfunction!(_get_num_threads, m)?)?;
        m.add_function(wrap_pyfunction!(_max_threads, m)?)?;
        m.add_function(wrap_pyfunction!(_default_threads, m)?)?;
        m.add_function(wrap_pyfunction!(_cores, m)?)?;
        m.add_function(wrap_pyfunction!(_clear_cache, m)?)?;
        m.add_function(wrap_pyfunction!(_kernel_sources, m)?)?;
        m.add_function(wrap_pyfunction!(cli::run_cli, m)?)?;
        m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
        m.add_class::<Context>()?;
        MODULE.get_or_init(m.py(), || m.clone().unbind());
        m.add_function(wrap_pyfunction!(_builtins, m)?)?;
        m.add_class::<PyKernel>()?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    })
}
