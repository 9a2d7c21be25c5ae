//! The `nexpr` command of the wheel: `nexpr._cli:main` hands `sys.argv` to the Rust
//! command line (`nexpr-cli`), so `pip install` gives the same command as `cargo install`.

use pyo3::prelude::*;

/// Runs the `nexpr` command line with `argv` (the program name first) and returns its
/// exit code. Runs without the GIL: the command reads and writes files and may compute
/// for long. A panic (a bug) is an `InternalError`, as in every entry point.
#[pyfunction]
pub fn run_cli(py: Python<'_>, argv: Vec<String>) -> PyResult<i32> {
    crate::errors::shielded(py, || Ok(py.detach(|| nexpr_cli::run(argv))))
}
