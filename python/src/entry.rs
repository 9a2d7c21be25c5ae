//! What every call shares: numexpr's `order=` and `casting=`, and `Entry`, a compiled
//! kernel with what the binding needs to call it quickly (the thread count is the
//! `Context`'s).

use crate::arrays::{Input, Raw};
use crate::errors;
use nexpr::{
    CpuOptions, CudaOptions, DType, Engine, Error, Expr, Kernel, Options, Program, Target, Vars,
};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::Mutex;
use std::time::Duration;

/// Elements from which a call releases the GIL.
pub(crate) const DETACH_MIN: usize = 16 * 1024;
/// Elements from which an evaluation runs in slices with signal checks between them
/// (expressions; programs, whose loops can take long per element, from `PROGRAM_SLICE_MIN`).
pub(crate) const SLICE_MIN: usize = 1 << 20;
pub(crate) const PROGRAM_SLICE_MIN: usize = 1 << 14;
/// The first slice; later ones are sized from its time.
pub(crate) const FIRST_SLICE: usize = 1 << 12;
/// The time one slice should take.
pub(crate) const SLICE_TIME: Duration = Duration::from_millis(30);

/// How the result of an evaluation is laid out (numexpr's `order=`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Order {
    C,
    F,
    A,
    K,
}

pub(crate) fn parse_order(py: Python<'_>, s: Option<&Bound<'_, PyString>>) -> PyResult<Order> {
    let Some(s) = s else { return Ok(Order::K) };
    Ok(match &*s.to_cow()? {
        "K" | "k" => Order::K,
        "C" | "c" => Order::C,
        "F" | "f" => Order::F,
        "A" | "a" => Order::A,
        o => {
            return Err(errors::usage(
                py,
                format!("order must be one of 'C', 'F', 'A', 'K', got {o:?}"),
            ))
        }
    })
}

pub(crate) fn parse_casting(
    py: Python<'_>,
    s: Option<&Bound<'_, PyString>>,
) -> PyResult<&'static str> {
    let Some(s) = s else { return Ok("same_kind") };
    Ok(match &*s.to_cow()? {
        "no" => "no",
        "equiv" => "equiv",
        "safe" => "safe",
        "same_kind" => "same_kind",
        "unsafe" => "unsafe",
        c => {
            return Err(errors::usage(
                py,
                format!(
                    "casting must be one of 'no', 'equiv', 'safe', 'same_kind', 'unsafe', got {c:?}"
                ),
            ))
        }
    })
}

/// Input dtypes (each with whether it is a Python scalar, which is weak), and what they
/// give: output dtypes, whether the result is a reduction.
pub(crate) type Signature = (Vec<(DType, bool)>, Vec<DType>, bool);

/// A compiled expression or program with what the binding needs to call it quickly.
pub(crate) struct Entry {
    pub(crate) src: String,
    pub(crate) kernel: Kernel,
    pub(crate) program: bool,
    pub(crate) target: Target,
    pub(crate) fast_math: bool,
    pub(crate) names: Vec<String>,
    pub(crate) py_names: Vec<Py<PyString>>,
    pub(crate) outputs: Vec<String>,
    /// Input dtypes and weakness -> (output dtypes, is a reduction).
    pub(crate) sigs: Mutex<Vec<Signature>>,
}

impl Entry {
    pub(crate) fn new(
        py: Python<'_>,
        engine: &Engine,
        src: &str,
        program: bool,
        target: Target,
        fast_math: bool,
    ) -> Result<Entry, Error> {
        let options = Options {
            cpu: CpuOptions {
                fast_math,
                ..Default::default()
            },
            cuda: CudaOptions {
                fast_math,
                ..Default::default()
            },
        };
        let kernel = if program {
            Program::parse(src)?.compile_in(engine, target, &options)?
        } else {
            Expr::parse(src)?.compile_in(engine, target, &options)?
        };
        let names = kernel.input_names().to_vec();
        let py_names = names
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect();
        let outputs = kernel.output_names();
        Ok(Entry {
            src: src.to_string(),
            kernel,
            program,
            target,
            fast_math,
            names,
            py_names,
            outputs,
            sigs: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn slice_min(&self) -> usize {
        if self.program {
            PROGRAM_SLICE_MIN
        } else {
            SLICE_MIN
        }
    }

    pub(crate) fn err(&self, py: Python<'_>, e: Error) -> PyErr {
        errors::to_py(py, &e, &self.src)
    }

    /// The (first) output dtype, the number of outputs, and whether the result is a
    /// reduction, for these inputs.
    pub(crate) fn result_types(
        &self,
        py: Python<'_>,
        ins: &[Input<'_>],
    ) -> PyResult<(DType, usize, bool)> {
        let key_of = |i: &Input<'_>| (i.raw.dtype, i.raw.python_scalar);
        let same = |k: &[(DType, bool)]| {
            k.len() == ins.len() && k.iter().zip(ins).all(|(d, i)| *d == key_of(i))
        };
        {
            let sigs = self.sigs.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, o, r)) = sigs.iter().find(|(k, _, _)| same(k)) {
                return Ok((o[0], o.len(), *r));
            }
        }
        let raws: Vec<&Raw> = ins.iter().map(|i| &i.raw).collect();
        let vars = vars_of(&self.names, &raws);
        let (o, r) = guard(|| self.kernel.result_types(&vars)).map_err(|e| self.err(py, e))?;
        if o.is_empty() {
            return Err(errors::usage(py, "the program has no output"));
        }
        let key = ins.iter().map(key_of).collect();
        let mut sigs = self.sigs.lock().unwrap_or_else(|e| e.into_inner());
        if sigs.len() > 64 {
            sigs.clear();
        }
        let first = (o[0], o.len(), r);
        sigs.push((key, o, r));
        Ok(first)
    }
}

/// Runs a call into the core, turning a panic (a bug: the core reports every error as
/// a value) into an error, so none unwinds into Python.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Error::new(
                nexpr::ErrorKind::Backend,
                format!("internal error (a bug in nexpr, please report it): {what}"),
            ))
        }
    }
}

/// Binds `names` to the blocks `raws` (Python scalars as such: weak).
pub(crate) fn vars_of(names: &[String], raws: &[&Raw]) -> Vars<'static> {
    let mut vars = Vars::new();
    for (n, r) in names.iter().zip(raws) {
        // SAFETY: every caller keeps the inputs' holders alive while `vars` is used.
        // (A Python scalar is always one element of a default dtype, so it binds.)
        if !r.python_scalar || vars.insert_python_scalar(n, unsafe { r.view() }).is_err() {
            vars.insert(n, unsafe { r.view() });
        }
    }
    vars
}
