//! `nexpr::Error` -> the Python exception numexpr's callers expect.
//!
//! The classes live in `nexpr/errors.py`; each derives from the built-in exception
//! numexpr raises in that situation (and, where numexpr and NumPy disagree, from both),
//! so `except TypeError` in pandas and `except SyntaxError` in user code keep working.

use nexpr::{Error, ErrorKind, Hint};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    Ok(ERRORS
        .get_or_try_init(py, || {
            PyModule::import(py, "nexpr.errors").map(|m| m.unbind())
        })?
        .bind(py))
}

/// One character offset (1-based column, line) of a byte offset in `src`.
fn position(src: &str, byte: usize) -> (usize, usize) {
    let byte = src.floor_char_boundary(byte);
    let line_start = src[..byte].rfind('\n').map_or(0, |i| i + 1);
    let line = src[..line_start].matches('\n').count() + 1;
    let col = src[line_start..byte].chars().count() + 1;
    (line, col)
}

/// The source line holding byte offset `byte`.
fn line_of(src: &str, byte: usize) -> &str {
    let byte = src.floor_char_boundary(byte);
    let start = src[..byte].rfind('\n').map_or(0, |i| i + 1);
    let end = src[byte..].find('\n').map_or(src.len(), |i| byte + i);
    &src[start..end]
}

/// The error's message, with the text and a caret under the fault where it has a span
/// (the core's rendering; `src` is the text unless the error keeps its own).
pub fn message(e: &Error, src: &str) -> String {
    match (&e.text, e.span) {
        (None, Some(_)) if !src.is_empty() => {
            let mut e = e.clone();
            e.text = Some(src.to_string());
            e.to_string()
        }
        _ => e.to_string(),
    }
}

/// The Python exception for `e`, raised from evaluating `src`.
pub fn to_py(py: Python<'_>, e: &Error, src: &str) -> PyErr {
    match build(py, e, src) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, e: &Error, src: &str) -> PyResult<PyErr> {
    let m = errors_module(py)?;
    let msg = message(e, src);
    let (class, kind) = match e.kind {
        ErrorKind::Parse => ("ExpressionSyntaxError", "parse"),
        ErrorKind::Type => ("ExpressionTypeError", "type"),
        ErrorKind::Name => ("UnknownNameError", "name"),
        ErrorKind::Shape => ("ShapeError", "shape"),
        ErrorKind::DType => ("UnsupportedDTypeError", "dtype"),
        ErrorKind::Eval => ("EvaluationError", "eval"),
        ErrorKind::Io => ("NexprIOError", "io"),
        ErrorKind::Backend => ("BackendError", "backend"),
        ErrorKind::Usage => ("UsageError", "usage"),
        ErrorKind::Memory => ("NexprMemoryError", "memory"),
        ErrorKind::Overflow => ("ExpressionOverflowError", "overflow"),
        ErrorKind::ZeroDivision => ("ExpressionZeroDivisionError", "zero-division"),
        #[allow(unreachable_patterns)]
        _ => ("NexprError", "other"),
    };
    // Python's `and`/`or`/`not`: numexpr raises a TypeError, and the core's message
    // points to `&|~`.
    let class = match e.hint {
        Some(Hint::PythonBooleanOperator) => "BooleanOperatorError",
        _ => class,
    };
    let cls = m.getattr(class)?;
    let obj = if e.kind == ErrorKind::Parse {
        // SyntaxError(msg, (filename, lineno, offset, text, end_lineno, end_offset)):
        // offsets are 1-based character columns, as Python reports its own.
        let (start, end) = match e.span {
            Some(s) => (s.start, s.end.max(s.start)),
            None => (src.len(), src.len()),
        };
        let (line, col) = position(src, start);
        let (end_line, end_col) = position(src, end);
        let end_col = if (end_line, end_col) == (line, col) {
            col + 1
        } else {
            end_col
        };
        let text = line_of(src, start);
        cls.call1((msg, ("<expr>", line, col, text, end_line, end_col)))?
    } else {
        cls.call1((msg,))?
    };
    obj.setattr("kind", kind)?;
    obj.setattr("expression", src)?;
    let chars = |b: usize| src[..src.floor_char_boundary(b)].chars().count();
    match e.span {
        Some(s) => obj.setattr("span", (chars(s.start), chars(s.end)))?,
        None => obj.setattr("span", py.None())?,
    }
    Ok(PyErr::from_value(obj))
}

/// A `ValueError`-derived usage error raised by the binding itself.
pub fn usage(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    to_py(py, &Error::new(ErrorKind::Usage, msg), "")
}

/// A `TypeError`/`ValueError`-derived error for an array nexpr cannot take.
pub fn dtype(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    to_py(py, &Error::new(ErrorKind::DType, msg), "")
}

/// Runs a binding entry point, turning a panic (a bug: every error is a value) into an
/// `nexpr.errors.InternalError` instead of pyo3's `PanicException`, which
/// derives from `BaseException` and so escapes `except Exception`.
pub fn shielded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(internal(py, &panic_text(payload.as_ref()))),
    }
}

/// What a panic said, from its payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// An `InternalError` (a `RuntimeError`) for a panic that said `what`.
pub fn internal(py: Python<'_>, what: &str) -> PyErr {
    let msg = format!("internal error (a bug in nexpr, please report it): {what}");
    let class = errors_module(py).and_then(|m| m.getattr("InternalError"));
    match class {
        Ok(c) => match c.call1((msg.clone(),)) {
            Ok(obj) => {
                let _ = obj.setattr("kind", "internal");
                PyErr::from_value(obj)
            }
            Err(e) => e,
        },
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(msg),
    }
}
