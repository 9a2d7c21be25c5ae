//! `nexpr.Kernel`: a compiled expression or program (`nexpr.compile`,
//! `nexpr.program`), its calls, `emit`, and pickling.

use crate::arrays::{self, Input, Raw};
use crate::context::{context, Context};
use crate::entry::{guard, vars_of, Entry, Order};
use crate::errors;
use crate::execute::{execute, run_program};
use crate::numexpr_api::unknown_name;
use nexpr::{DType, Emit, Target};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A compiled expression or program, made by `nexpr.compile` and `nexpr.program`.
///
/// Thread-safe; picklable (by source and options). Calling it evaluates it (see
/// `Kernel.__call__`); `run` returns every output of a program by name. The machine
/// code is made on the first call with each combination of input dtypes and layouts,
/// and reused after.
///
/// Attributes
/// ----------
/// source : str
///     The expression or program text.
/// input_names : list of str
///     The inputs, in the order positional arguments bind them.
/// output_names : list of str
///     The outputs (`['result']` for an expression).
/// target : str
///     `'cpu'`, `'interp'` or `'cuda'`.
/// threads : int or None
///     The CPU thread count it runs on; None for the other targets.
/// is_program : bool
///     Whether it was made by `nexpr.program`.
///
/// Examples
/// --------
/// >>> import numpy as np, nexpr
/// >>> k = nexpr.compile("2*a + b")
/// >>> k(np.arange(3.0), b=1.0)
/// array([1., 3., 5.])
#[pyclass(frozen, module = "nexpr", name = "Kernel")]
pub(crate) struct PyKernel {
    pub(crate) entry: Arc<Entry>,
    pub(crate) target_name: String,
    pub(crate) device: usize,
    /// The `threads=` it was made with: `None` resolves to the default thread count of
    /// the process it is made (or unpickled) in.
    pub(crate) threads_arg: Option<usize>,
}

pub(crate) fn parse_target(
    py: Python<'_>,
    ctx: &Context,
    target: &str,
    threads: Option<usize>,
    device: usize,
) -> PyResult<Target> {
    Ok(match target {
        "cpu" => Target::Cpu {
            threads: threads.unwrap_or_else(|| ctx.threads()),
        },
        "interp" => Target::Interp,
        "cuda" => Target::Cuda { device },
        t => {
            return Err(errors::usage(
                py,
                format!("target must be 'cpu', 'interp' or 'cuda', got {t:?}"),
            ))
        }
    })
}

pub(crate) fn make_kernel(
    py: Python<'_>,
    source: &str,
    program: bool,
    target: &str,
    threads: Option<usize>,
    device: usize,
    fast_math: bool,
) -> PyResult<PyKernel> {
    if threads == Some(0) {
        return Err(errors::usage(py, "threads must be at least 1"));
    }
    let ctx = context(py)?;
    let ctx = ctx.get();
    let t = parse_target(py, ctx, target, threads, device)?;
    let entry = guard(|| Entry::new(py, &ctx.engine, source, program, t, fast_math))
        .map_err(|e| errors::to_py(py, &e, source))?;
    Ok(PyKernel {
        entry: Arc::new(entry),
        target_name: target.to_string(),
        device,
        threads_arg: threads,
    })
}

/// Compiles an expression into a reusable kernel.
///
/// Its text is checked now (a syntax error raises here); dtypes are checked on the
/// first call, which compiles the machine code for the inputs' dtypes and layouts.
///
/// Parameters
/// ----------
/// ex : str
///     The expression, in numexpr's language (with nexpr's additions).
/// target : {'cpu', 'interp', 'cuda'}, optional
///     `'cpu'` (machine code, on several threads; the default), `'interp'` (the
///     reference interpreter) or `'cuda'` (CUDA C compiled by NVRTC, run on `device`).
/// threads : int, optional
///     CPU threads; None (the default): the process's count (`nexpr.set_num_threads`).
/// device : int, optional
///     The CUDA device number (`target='cuda'` only); 0 by default.
/// fast_math : bool, optional
///     True opts into faster transcendentals (glibc's libmvec, within 4 ulp; NVRTC's
///     approximations on CUDA); the default is within 1 ulp and, on the CPU, equal
///     to the interpreter's results bit for bit.
///
/// Returns
/// -------
/// Kernel
///     Call it with the arrays: `kernel(x, y)` or `kernel(a=x, b=y)`.
///
/// Raises
/// ------
/// nexpr.errors.ExpressionSyntaxError
///     A `SyntaxError`, for text that does not parse.
/// nexpr.errors.UsageError
///     A `ValueError`, for an unknown target or `threads=0`.
///
/// Examples
/// --------
/// >>> import numpy as np, nexpr
/// >>> nexpr.compile("sum(a*b)")(np.arange(4), np.arange(4))
/// array(14)
#[pyfunction]
#[pyo3(signature = (ex, target="cpu", threads=None, *, device=0, fast_math=false))]
pub(crate) fn compile(
    py: Python<'_>,
    ex: &str,
    target: &str,
    threads: Option<usize>,
    device: usize,
    fast_math: bool,
) -> PyResult<PyKernel> {
    errors::shielded(py, || {
        make_kernel(py, ex, false, target, threads, device, fast_math)
    })
}

/// Compiles a program into a reusable kernel.
///
/// A program's statements run for every element; its `output` line names what comes
/// back. Its text is checked now (syntax, the `output` line); dtypes on the first call.
///
/// Parameters
/// ----------
/// source : str
///     The program's text (see the package's README for the language).
/// target : {'cpu', 'interp', 'cuda'}, optional
///     As for `compile`.
/// threads : int, optional
///     As for `compile`.
/// device : int, optional
///     As for `compile`.
/// fast_math : bool, optional
///     As for `compile`.
///
/// Returns
/// -------
/// Kernel
///     `kernel.run(**arrays)` (or a call) returns a dict of the outputs.
///
/// Examples
/// --------
/// >>> import numpy as np, nexpr
/// >>> k = nexpr.program("output y\ny = x\nfor i in range(3):\n    y = y * 2")
/// >>> k.run(x=np.arange(3))["y"]
/// array([ 0,  8, 16])
#[pyfunction]
#[pyo3(signature = (source, target="cpu", threads=None, *, device=0, fast_math=false))]
pub(crate) fn program(
    py: Python<'_>,
    source: &str,
    target: &str,
    threads: Option<usize>,
    device: usize,
    fast_math: bool,
) -> PyResult<PyKernel> {
    errors::shielded(py, || {
        make_kernel(py, source, true, target, threads, device, fast_math)
    })
}

/// Kernels the unpickling cache (`Context::rebuilt`) keeps: keyed by what defines
/// them (source, kind, target, resolved thread count, device, options), so a kernel
/// shipped to a worker once per task is parsed, type-checked and compiled once per
/// process.
pub(crate) const REBUILT_MAX: usize = 256;

/// Unpickles a kernel: the cached one of this process when there is one.
#[pyfunction]
pub(crate) fn _rebuild_kernel(
    py: Python<'_>,
    source: &Bound<'_, PyString>,
    program: bool,
    target: &str,
    threads: Option<usize>,
    device: usize,
    fast_math: bool,
) -> PyResult<Py<PyKernel>> {
    errors::shielded(py, || {
        let ctx = context(py)?;
        let ctx = ctx.get();
        let cache = ctx.rebuilt.bind(py);
        let resolved = match target {
            "cpu" => threads.unwrap_or_else(|| ctx.threads()),
            _ => 0,
        };
        let key = (
            source, program, target, resolved, threads, device, fast_math,
        )
            .into_pyobject(py)?;
        if let Some(k) = cache.get_item(&key)? {
            return Ok(k.cast_into::<PyKernel>()?.unbind());
        }
        let k = make_kernel(
            py,
            &source.to_cow()?,
            program,
            target,
            threads,
            device,
            fast_math,
        )?;
        let k = Py::new(py, k)?;
        ctx.rebuilds.fetch_add(1, Ordering::Relaxed);
        if cache.len() >= REBUILT_MAX {
            cache.clear();
        }
        cache.set_item(key, &k)?;
        Ok(k)
    })
}

/// (kernels held by the unpickling cache, kernels it has built) in this process.
#[pyfunction]
pub(crate) fn _rebuild_cache_info(py: Python<'_>) -> PyResult<(usize, usize)> {
    errors::shielded(py, || {
        Ok(match context(py) {
            Ok(ctx) => {
                let ctx = ctx.get();
                (
                    ctx.rebuilt.bind(py).len(),
                    ctx.rebuilds.load(Ordering::Relaxed),
                )
            }
            Err(_) => (0, 0),
        })
    })
}

impl PyKernel {
    pub(crate) fn inputs<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Vec<Input<'py>>> {
        self.objects(py, args, kwargs)?
            .iter()
            .map(|o| arrays::to_input(py, o))
            .collect()
    }

    /// The argument of each input, in `input_names` order.
    pub(crate) fn objects<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let e = &self.entry;
        if args.len() > e.names.len() {
            return Err(errors::usage(
                py,
                format!(
                    "the kernel takes {} inputs ({}), got {} positional arguments",
                    e.names.len(),
                    e.names.join(", "),
                    args.len()
                ),
            ));
        }
        if let Some(kw) = kwargs {
            for k in kw.keys() {
                let k: String = k.extract()?;
                if !e.names.contains(&k) {
                    return Err(errors::usage(
                        py,
                        format!(
                            "the kernel has no input `{k}` (its inputs: {})",
                            e.names.join(", ")
                        ),
                    ));
                }
            }
        }
        let mut ins = Vec::with_capacity(e.names.len());
        for (i, (name, py_name)) in e.names.iter().zip(&e.py_names).enumerate() {
            let obj = if i < args.len() {
                if kwargs.is_some_and(|k| k.contains(py_name.bind(py)).unwrap_or(false)) {
                    return Err(errors::usage(py, format!("input `{name}` given twice")));
                }
                args.get_item(i)?
            } else {
                match kwargs
                    .map(|k| k.get_item(py_name.bind(py)))
                    .transpose()?
                    .flatten()
                {
                    Some(v) => v,
                    None => return Err(unknown_name(py, e, name)),
                }
            };
            ins.push(obj);
        }
        Ok(ins)
    }

    /// Output names and dtypes, and whether the result is a reduction, for inputs of
    /// the dtypes the arguments give (dtype-likes or examples), by type checking alone.
    pub(crate) fn types_of<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(Vec<DType>, bool)> {
        let objs = self.objects(py, args, kwargs)?;
        // A Python scalar given as an example is weak, as it is when the kernel is
        // called with it.
        let ins: Vec<Input<'_>> = objs
            .iter()
            .map(|o| match arrays::python_scalar(o)? {
                Some(input) => Ok(input),
                None => arrays::dtype_of(py, o).map(arrays::typed_zero),
            })
            .collect::<PyResult<_>>()?;
        let raws: Vec<&Raw> = ins.iter().map(|i| &i.raw).collect();
        let vars = vars_of(&self.entry.names, &raws);
        let (o, r) =
            guard(|| self.entry.kernel.result_types(&vars)).map_err(|e| self.entry.err(py, e))?;
        Ok((o, r))
    }
}

#[pymethods]
impl PyKernel {
    /// A call (`kernel(...)`); its documentation is `_call`'s, which is also
    /// `Kernel.__call__` (see `nexpr/__init__.py`).
    #[pyo3(signature = (*args, out=None, **kwargs))]
    pub(crate) fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        out: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        errors::shielded(py, || {
            if self.entry.program {
                if out.is_some_and(|o| !o.is_none()) {
                    return Err(errors::usage(
                        py,
                        "a program returns its outputs by name; out= is for expressions",
                    ));
                }
                return self.run(py, args, kwargs).map(|d| d.into_any());
            }
            let ins = self.inputs(py, args, kwargs)?;
            execute(
                py,
                &self.entry,
                &ins,
                out.filter(|o| !o.is_none()),
                Order::K,
                "same_kind",
            )
        })
    }

    /// Evaluates the kernel: `kernel(*arrays, out=None, **named)`.
    ///
    /// Parameters
    /// ----------
    /// *arrays : array_like
    ///     The inputs in `input_names` order: arrays, or scalars and sequences NumPy
    ///     converts. Their shapes broadcast together.
    /// out : numpy.ndarray, optional
    ///     For an expression, an array of the result's shape and dtype written in
    ///     place (it may be one of the inputs); it is also returned. Not for programs.
    /// **named : array_like
    ///     Inputs by name. Each input is given once, by position or by name.
    ///
    /// Returns
    /// -------
    /// numpy.ndarray or dict of str to numpy.ndarray
    ///     The result (a 0-d array for a whole-array reduction), or for a program the
    ///     dict `run` returns.
    #[pyo3(name = "_call", signature = (*args, out=None, **kwargs), text_signature = "($self, *arrays, out=None, **named)")]
    pub(crate) fn documented_call<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        out: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Shielded like every entry point (the call it makes is too).
        errors::shielded(py, || self.__call__(py, args, out, kwargs))
    }

    /// Evaluates the kernel and returns every output by name.
    ///
    /// Parameters
    /// ----------
    /// *arrays : array_like
    ///     The inputs in `input_names` order.
    /// **named : array_like
    ///     Inputs by name (as when calling the kernel).
    ///
    /// Returns
    /// -------
    /// dict of str to numpy.ndarray
    ///     Each output, by its name in `output_names`.
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, *arrays, **named)")]
    pub(crate) fn run<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        errors::shielded(py, || {
            let ins = self.inputs(py, args, kwargs)?;
            let (_, n_out, _) = self.entry.result_types(py, &ins)?;
            if n_out == 1 {
                let r = execute(py, &self.entry, &ins, None, Order::K, "same_kind")?;
                let d = PyDict::new(py);
                d.set_item(&self.entry.outputs[0], r)?;
                return Ok(d);
            }
            run_program(py, &self.entry, &ins)
        })
    }

    /// The code the kernel compiles to for inputs like these.
    ///
    /// Parameters
    /// ----------
    /// what : {'ir', 'clif', 'cuda', 'asm'}, optional
    ///     The optimized IR (the default), Cranelift IR, CUDA C or disassembly.
    /// *arrays : array_like
    ///     Example inputs in `input_names` order (their dtypes and layouts count).
    /// **named : array_like
    ///     Example inputs by name.
    ///
    /// Returns
    /// -------
    /// str
    #[pyo3(signature = (what="ir", *args, **kwargs), text_signature = "($self, what='ir', *arrays, **named)")]
    pub(crate) fn emit<'py>(
        &self,
        py: Python<'py>,
        what: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<String> {
        errors::shielded(py, || {
            let w = match what {
                "ir" => Emit::Ir,
                "clif" => Emit::Clif,
                "cuda" => Emit::Cuda,
                "asm" => Emit::Asm,
                _ => {
                    return Err(errors::usage(
                        py,
                        format!("emit what? 'ir', 'clif', 'cuda' or 'asm', got {what:?}"),
                    ))
                }
            };
            let ins = self.inputs(py, args, kwargs)?;
            let raws: Vec<&Raw> = ins.iter().map(|i| &i.raw).collect();
            let vars = vars_of(&self.entry.names, &raws);
            guard(|| self.entry.kernel.emit(&vars, w)).map_err(|e| self.entry.err(py, e))
        })
    }

    /// The dtype of each output for inputs of the given dtypes, by type checking alone.
    ///
    /// Parameters
    /// ----------
    /// *inputs : dtype_like or array_like
    ///     In `input_names` order: dtypes (`np.float32`, `'f8'`, `x.dtype`) or examples
    ///     (arrays, scalars, Dask arrays: only their dtype is read).
    /// **named : dtype_like or array_like
    ///     The same, by name.
    ///
    /// Returns
    /// -------
    /// dict of str to numpy.dtype
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, *inputs, **named)")]
    pub(crate) fn result_dtypes<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        errors::shielded(py, || {
            let (o, _) = self.types_of(py, args, kwargs)?;
            let d = PyDict::new(py);
            for (name, t) in self.entry.outputs.iter().zip(o) {
                d.set_item(name, arrays::np_dtype(py, t))?;
            }
            Ok(d)
        })
    }

    /// The dtype of the single output, as `result_dtypes` finds it; e.g. for
    /// `dask.array.map_blocks(kernel, x, y, dtype=kernel.result_dtype(x, y))`.
    ///
    /// Parameters
    /// ----------
    /// *inputs : dtype_like or array_like
    ///     As for `result_dtypes`.
    /// **named : dtype_like or array_like
    ///     As for `result_dtypes`.
    ///
    /// Returns
    /// -------
    /// numpy.dtype
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, *inputs, **named)")]
    pub(crate) fn result_dtype<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        errors::shielded(py, || {
            let (o, _) = self.types_of(py, args, kwargs)?;
            match o.as_slice() {
                [t] => Ok(arrays::np_dtype(py, *t).into_any()),
                _ => Err(errors::usage(
                    py,
                    format!(
                        "result_dtype: the program has {} outputs ({}); use result_dtypes",
                        o.len(),
                        self.entry.outputs.join(", ")
                    ),
                )),
            }
        })
    }

    /// _result_types(*inputs, **inputs) -> ([dtype of each output], is a reduction).
    #[pyo3(signature = (*args, **kwargs))]
    pub(crate) fn _result_types<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(Vec<Bound<'py, PyAny>>, bool)> {
        errors::shielded(py, || {
            let (o, r) = self.types_of(py, args, kwargs)?;
            let ds = o
                .into_iter()
                .map(|t| arrays::np_dtype(py, t).into_any())
                .collect();
            Ok((ds, r))
        })
    }

    /// The expression or program text.
    #[getter]
    pub(crate) fn source(&self) -> &str {
        &self.entry.src
    }

    /// The inputs, in the order positional arguments bind them.
    #[getter]
    pub(crate) fn input_names(&self) -> Vec<String> {
        self.entry.names.clone()
    }

    /// The outputs, in the order of the program's `output` line (`['result']` for an expression).
    #[getter]
    pub(crate) fn output_names(&self) -> Vec<String> {
        self.entry.outputs.clone()
    }

    /// `'cpu'`, `'interp'` or `'cuda'`.
    #[getter]
    pub(crate) fn target(&self) -> &str {
        &self.target_name
    }

    /// The CPU thread count it runs on; None for the other targets.
    #[getter]
    pub(crate) fn threads(&self) -> Option<usize> {
        match self.entry.target {
            Target::Cpu { threads } => Some(threads),
            _ => None,
        }
    }

    /// Whether it was made by `nexpr.program`.
    #[getter]
    pub(crate) fn is_program(&self) -> bool {
        self.entry.program
    }

    pub(crate) fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        errors::shielded(py, || {
            let f = py.import("nexpr._nexpr")?.getattr("_rebuild_kernel")?;
            let args = (
                self.entry.src.clone(),
                self.entry.program,
                self.target_name.clone(),
                self.threads_arg,
                self.device,
                self.entry.fast_math,
            )
                .into_pyobject(py)?;
            Ok((f, args))
        })
    }

    /// Dask's deterministic token: what the kernel is made of (its pickle).
    pub(crate) fn __dask_tokenize__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        errors::shielded(py, || {
            let (_, args) = self.__reduce__(py)?;
            Ok(args)
        })
    }

    pub(crate) fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        errors::shielded(py, || {
            let what = if self.entry.program {
                "program"
            } else {
                "expression"
            };
            let threads = match self.threads() {
                Some(t) => format!(", threads={t}"),
                None => String::new(),
            };
            let src = if self.entry.program {
                format!("{} lines", self.entry.src.lines().count())
            } else {
                format!("{:?}", self.entry.src)
            };
            Ok(format!(
                "<nexpr.Kernel {what} {src}, target={:?}{threads}>",
                self.target_name
            ))
        })
    }
}
