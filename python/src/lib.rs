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
mod errors;

use arrays::{Input, Raw};
use nexpr::{CpuOptions, DType, Emit, Error, Expr, Kernel, Options, Program, Target, Vars};
use numpy::PyUntypedArray;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// Elements from which a call releases the GIL.
const DETACH_MIN: usize = 16 * 1024;
/// Elements from which an evaluation runs in slices with signal checks between them
/// (expressions; programs, whose loops can take long per element, from `PROGRAM_SLICE_MIN`).
const SLICE_MIN: usize = 1 << 20;
const PROGRAM_SLICE_MIN: usize = 1 << 14;
/// The first slice; later ones are sized from its time.
const FIRST_SLICE: usize = 1 << 12;
/// The time one slice should take.
const SLICE_TIME: Duration = Duration::from_millis(30);

static NTHREADS: AtomicUsize = AtomicUsize::new(1);

fn threads() -> usize {
    NTHREADS.load(Ordering::Relaxed).max(1)
}

/// How the result of an evaluation is laid out (numexpr's `order=`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Order {
    C,
    F,
    A,
    K,
}

fn parse_order(py: Python<'_>, s: Option<&Bound<'_, PyString>>) -> PyResult<Order> {
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

fn parse_casting(py: Python<'_>, s: Option<&Bound<'_, PyString>>) -> PyResult<&'static str> {
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

/// Input dtypes, and what they give: output dtypes, whether the result is a reduction.
type Signature = (Vec<DType>, Vec<DType>, bool);

/// A compiled expression or program with what the binding needs to call it quickly.
struct Entry {
    src: String,
    kernel: Kernel,
    program: bool,
    target: Target,
    exact_math: bool,
    names: Vec<String>,
    py_names: Vec<Py<PyString>>,
    outputs: Vec<String>,
    /// Input dtypes -> (output dtypes, is a reduction).
    sigs: Mutex<Vec<Signature>>,
}

impl Entry {
    fn new(
        py: Python<'_>,
        src: &str,
        program: bool,
        target: Target,
        exact_math: bool,
    ) -> Result<Entry, Error> {
        let options = Options {
            cpu: CpuOptions {
                exact_math,
                ..Default::default()
            },
            ..Default::default()
        };
        let kernel = if program {
            Program::parse(src)?.compile_with(target, &options)?
        } else {
            Expr::parse(src)?.compile_with(target, &options)?
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
            exact_math,
            names,
            py_names,
            outputs,
            sigs: Mutex::new(Vec::new()),
        })
    }

    fn slice_min(&self) -> usize {
        if self.program {
            PROGRAM_SLICE_MIN
        } else {
            SLICE_MIN
        }
    }

    fn err(&self, py: Python<'_>, e: Error) -> PyErr {
        errors::to_py(py, &e, &self.src)
    }

    /// The (first) output dtype, the number of outputs, and whether the result is a
    /// reduction, for these inputs.
    fn result_types(&self, py: Python<'_>, ins: &[Input<'_>]) -> PyResult<(DType, usize, bool)> {
        let same =
            |k: &[DType]| k.len() == ins.len() && k.iter().zip(ins).all(|(d, i)| *d == i.raw.dtype);
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
        let key = ins.iter().map(|i| i.raw.dtype).collect();
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
fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
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

/// Binds `names` to the blocks `raws`.
fn vars_of(names: &[String], raws: &[&Raw]) -> Vars<'static> {
    let mut vars = Vars::new();
    for (n, r) in names.iter().zip(raws) {
        // SAFETY: every caller keeps the inputs' holders alive while `vars` is used.
        vars.insert(n, unsafe { r.view() });
    }
    vars
}

// ---------------------------------------------------------------------------------
// Running a kernel
// ---------------------------------------------------------------------------------

/// Evaluates into `out` (a block of the result's shape and dtype), slicing large
/// evaluations along their outer axes and handling signals between slices.
fn run_into(py: Python<'_>, e: &Entry, ins: &[Raw], shape: &[usize], out: &Raw) -> PyResult<()> {
    let len: usize = shape.iter().product();
    if len < e.slice_min() {
        let call = || {
            let raws: Vec<&Raw> = ins.iter().collect();
            let vars = vars_of(&e.names, &raws);
            // SAFETY: `out` is alive and writable; aliasing of inputs was checked.
            guard(|| e.kernel.eval_into(&vars, unsafe { out.view_mut() }))
        };
        let r = if len >= DETACH_MIN {
            py.detach(call)
        } else {
            call()
        };
        return r.map_err(|err| e.err(py, err));
    }
    let nd = shape.len();
    let ins: Vec<Raw> = ins.iter().map(|r| r.padded(nd)).collect();
    let mut state = SliceState { elems: FIRST_SLICE };
    slices(py, e, &ins, shape, out, &mut state)
}

struct SliceState {
    elems: usize,
}

fn slices(
    py: Python<'_>,
    e: &Entry,
    ins: &[Raw],
    shape: &[usize],
    out: &Raw,
    st: &mut SliceState,
) -> PyResult<()> {
    if shape.is_empty() {
        return one_slice(py, e, ins, out, 1, st);
    }
    let n0 = shape[0];
    let inner: usize = shape[1..].iter().product();
    if shape.len() >= 2 && inner >= st.elems {
        for i in 0..n0 {
            let sub: Vec<Raw> = ins.iter().map(|r| r.row(i)).collect();
            slices(py, e, &sub, &shape[1..], &out.row(i), st)?;
        }
        return Ok(());
    }
    let mut a = 0;
    while a < n0 {
        let rows = (st.elems / inner.max(1)).max(1);
        let b = (a + rows).min(n0);
        let sub: Vec<Raw> = ins.iter().map(|r| r.rows(a, b)).collect();
        one_slice(py, e, &sub, &out.rows(a, b), (b - a) * inner, st)?;
        a = b;
    }
    Ok(())
}

fn one_slice(
    py: Python<'_>,
    e: &Entry,
    ins: &[Raw],
    out: &Raw,
    n: usize,
    st: &mut SliceState,
) -> PyResult<()> {
    let t0 = Instant::now();
    let r = py.detach(|| {
        let raws: Vec<&Raw> = ins.iter().collect();
        let vars = vars_of(&e.names, &raws);
        // SAFETY: as in `run_into`.
        guard(|| e.kernel.eval_into(&vars, unsafe { out.view_mut() }))
    });
    r.map_err(|err| e.err(py, err))?;
    let dt = t0.elapsed().as_secs_f64().max(1e-6);
    if n > 0 {
        let want = (n as f64 * SLICE_TIME.as_secs_f64() / dt) as usize;
        st.elems = want.clamp(FIRST_SLICE, 1 << 26);
    }
    py.check_signals()
}

/// Evaluates to a fresh array (the single output), without an `out=`. `ins` and
/// `shape` are over reversed axes when `reverse` (a Fortran-order result).
///
/// Element-wise results are written straight into a new NumPy array; reductions (whose
/// shape the core decides) come back as the core's array, handed to NumPy as is.
fn run_fresh<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Raw],
    shape: Option<&[usize]>,
    dtype: DType,
    reverse: bool,
) -> PyResult<Bound<'py, PyAny>> {
    match shape {
        Some(shape) => {
            let orig: Vec<usize> = if reverse {
                shape.iter().rev().copied().collect()
            } else {
                shape.to_vec()
            };
            // SAFETY: `run_into` writes every element before the array is returned.
            let (arr, out) = unsafe { arrays::empty(py, dtype, &orig, reverse) };
            run_into(py, e, ins, shape, &out)?;
            Ok(arr)
        }
        None => {
            let len: usize = ins.iter().map(|r| r.len()).max().unwrap_or(1);
            let call = || {
                let raws: Vec<&Raw> = ins.iter().collect();
                let vars = vars_of(&e.names, &raws);
                guard(|| e.kernel.eval(&vars))
            };
            let r = if len >= DETACH_MIN {
                py.detach(call)
            } else {
                call()
            };
            let r = r.map_err(|err| e.err(py, err))?;
            Ok(arrays::to_numpy(py, r, reverse))
        }
    }
}

static COPYTO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn copyto(
    py: Python<'_>,
    out: &Bound<'_, PyAny>,
    r: &Bound<'_, PyAny>,
    casting: &str,
) -> PyResult<()> {
    let f = COPYTO.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("numpy")?.getattr("copyto")?.unbind())
    })?;
    let kw = PyDict::new(py);
    kw.set_item("casting", casting)?;
    f.bind(py).call((out, r), Some(&kw))?;
    Ok(())
}

/// Everything after the inputs are found: the result dtype and shape, the layout,
/// `out=`, and the run itself.
fn execute<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Input<'py>],
    out: Option<&Bound<'py, PyAny>>,
    order: Order,
    casting: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let (dtype, n_out, reduce) = e.result_types(py, ins)?;
    if n_out != 1 {
        if out.is_some() {
            return Err(errors::usage(
                py,
                "out= needs a single output; this program has several",
            ));
        }
        return run_program(py, e, ins).map(|d| d.into_any());
    }
    let raws: Vec<Raw> = ins.iter().map(|i| i.raw.clone()).collect();
    let shape = if reduce {
        None
    } else {
        Some(arrays::broadcast(
            py,
            raws.iter().map(|r| r.shape.as_slice()),
        )?)
    };
    if let Some(out) = out {
        let arr = out
            .cast::<PyUntypedArray>()
            .map_err(|_| errors::usage(py, "out= must be a NumPy array"))?;
        if let (Some(shape), Some(o)) = (shape.as_ref(), arrays::out_raw(arr)?) {
            let safe_alias = |r: &Raw| {
                !r.overlaps(&o) || (r.same_as(&o) && matches!(e.target, Target::Cpu { .. }))
            };
            if o.dtype == dtype
                && o.shape.as_slice() == shape.as_slice()
                && raws.iter().all(safe_alias)
            {
                let nd = shape.len();
                let reverse = nd >= 2 && o.is_f_contiguous() && !o.is_c_contiguous();
                if reverse {
                    let ins: Vec<Raw> = raws.iter().map(|r| r.padded(nd).reversed()).collect();
                    let rshape: Vec<usize> = shape.iter().rev().copied().collect();
                    run_into(py, e, &ins, &rshape, &o.reversed())?;
                } else {
                    run_into(py, e, &raws, shape, &o)?;
                }
                return Ok(out.clone());
            }
        }
        // Anything else: compute, then let NumPy cast, broadcast and copy.
        let r = run_fresh(py, e, &raws, shape.as_deref(), dtype, false)?;
        copyto(py, out, &r, casting)?;
        return Ok(out.clone());
    }
    let reverse = match &shape {
        Some(s) if s.len() >= 2 => fortran_result(&raws, s, order),
        _ => false,
    };
    if reverse {
        let shape = shape.unwrap_or_default();
        let nd = shape.len();
        let ins: Vec<Raw> = raws.iter().map(|r| r.padded(nd).reversed()).collect();
        let rshape: Vec<usize> = shape.iter().rev().copied().collect();
        return run_fresh(py, e, &ins, Some(&rshape), dtype, true);
    }
    run_fresh(py, e, &raws, shape.as_deref(), dtype, false)
}

/// Whether the result is laid out in Fortran order: numexpr's (and NumPy's) `order=`.
fn fortran_result(raws: &[Raw], shape: &[usize], order: Order) -> bool {
    let arrays: Vec<&Raw> = raws.iter().filter(|r| r.len() > 1).collect();
    let all_f = !arrays.is_empty()
        && arrays
            .iter()
            .all(|r| r.shape.as_slice() == shape && r.is_f_contiguous());
    match order {
        Order::C => false,
        Order::F => true,
        Order::A => all_f,
        Order::K => all_f && arrays.iter().any(|r| !r.is_c_contiguous()),
    }
}

fn run_program<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Input<'py>],
) -> PyResult<Bound<'py, PyDict>> {
    let raws: Vec<Raw> = ins.iter().map(|i| i.raw.clone()).collect();
    let len: usize = raws.iter().map(|r| r.len()).max().unwrap_or(1);
    let call = || {
        let rr: Vec<&Raw> = raws.iter().collect();
        let vars = vars_of(&e.names, &rr);
        guard(|| e.kernel.run(&vars))
    };
    let r = if len >= DETACH_MIN {
        py.detach(call)
    } else {
        call()
    };
    let r = r.map_err(|err| e.err(py, err))?;
    let d = PyDict::new(py);
    for (k, v) in r {
        d.set_item(k, arrays::to_numpy(py, v, false))?;
    }
    Ok(d)
}

// ---------------------------------------------------------------------------------
// numexpr's evaluate / validate / re_evaluate
// ---------------------------------------------------------------------------------

#[pyclass(frozen)]
struct CacheEntry(Arc<Entry>);

static CACHE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static GETFRAME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn cached(py: Python<'_>, ex: &Bound<'_, PyString>) -> PyResult<Arc<Entry>> {
    let cache = CACHE.get_or_init(py, || PyDict::new(py).unbind()).bind(py);
    let t = threads();
    if let Some(v) = cache.get_item(ex)? {
        let entry = &v.cast::<CacheEntry>()?.get().0;
        if matches!(entry.target, Target::Cpu { threads } if threads == t) {
            return Ok(entry.clone());
        }
    }
    let src = ex.to_cow()?;
    let entry = Arc::new(
        guard(|| Entry::new(py, &src, false, Target::Cpu { threads: t }, false))
            .map_err(|err| errors::to_py(py, &err, &src))?,
    );
    if cache.len() >= 512 {
        cache.clear();
    }
    cache.set_item(ex, CacheEntry(entry.clone()))?;
    Ok(entry)
}

/// Where names are looked up: numexpr's local dict (or the caller's locals), then its
/// global dict (or the caller's globals).
struct Scope<'py> {
    local: Option<Bound<'py, PyAny>>,
    global: Option<Bound<'py, PyAny>>,
    depth: usize,
    frame: Option<Bound<'py, PyAny>>,
    /// The caller's `f_locals` snapshot, cleared afterwards as numexpr does.
    clear_local: bool,
}

impl<'py> Scope<'py> {
    fn new(
        local: Option<&Bound<'py, PyAny>>,
        global: Option<&Bound<'py, PyAny>>,
        depth: usize,
    ) -> Self {
        Scope {
            local: local.cloned(),
            global: global.cloned(),
            depth,
            frame: None,
            clear_local: false,
        }
    }

    fn frame(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(f) = &self.frame {
            return Ok(f.clone());
        }
        let gf = GETFRAME.get_or_try_init(py, || -> PyResult<_> {
            Ok(py.import("sys")?.getattr("_getframe")?.unbind())
        })?;
        let f = gf.bind(py).call1((self.depth,))?;
        self.frame = Some(f.clone());
        Ok(f)
    }

    fn get(
        &mut self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.local.is_none() {
            let f = self.frame(py)?;
            let l = f.getattr("f_locals")?;
            let g = f.getattr("f_globals")?;
            // Only a snapshot dict of an optimized (function) frame may be cleared; a
            // module's or class body's f_locals is the namespace itself.
            self.clear_local = l.is_exact_instance_of::<PyDict>()
                && !l.is(&g)
                && f.getattr("f_code")
                    .and_then(|c| c.getattr("co_flags"))
                    .and_then(|x| x.extract::<i64>())
                    .is_ok_and(|fl| fl & 1 != 0);
            self.local = Some(l);
        }
        if let Some(v) = lookup(self.local.as_ref().unwrap(), name)? {
            return Ok(Some(v));
        }
        if self.global.is_none() {
            let g = self.frame(py)?.getattr("f_globals")?;
            self.global = Some(g);
        }
        lookup(self.global.as_ref().unwrap(), name)
    }

    fn finish(&self) {
        if self.clear_local {
            if let Some(d) = self.local.as_ref().and_then(|l| l.cast::<PyDict>().ok()) {
                d.clear();
            }
        }
    }
}

fn lookup<'py>(
    map: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(d) = map.cast::<PyDict>() {
        return d.get_item(name);
    }
    match map.get_item(name) {
        Ok(v) => Ok(Some(v)),
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyKeyError>(map.py()) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The span of the first use of `name` as a whole word in `src`.
fn name_span(src: &str, name: &str) -> Option<nexpr::Span> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = src[from..].find(name) {
        let a = from + i;
        let b = a + name.len();
        let before = src[..a].chars().next_back().is_some_and(word);
        let after = src[b..].chars().next().is_some_and(word);
        if !before && !after {
            return Some(nexpr::Span::new(a, b));
        }
        from = a + name.len().max(1);
    }
    None
}

fn unknown_name(py: Python<'_>, e: &Entry, name: &str) -> PyErr {
    let msg = format!("unknown variable `{name}`");
    let mut err = Error::new(nexpr::ErrorKind::Name, msg);
    err.span = name_span(&e.src, name);
    let py_err = e.err(py, err);
    let _ = py_err.value(py).setattr("name", name);
    py_err
}

/// The inputs of `e`, looked up in `scope` and converted.
fn gather<'py>(py: Python<'py>, e: &Entry, scope: &mut Scope<'py>) -> PyResult<Vec<Input<'py>>> {
    let mut ins = Vec::with_capacity(e.names.len());
    let r = (|| {
        for (name, py_name) in e.names.iter().zip(&e.py_names) {
            let obj = scope
                .get(py, py_name.bind(py))?
                .ok_or_else(|| unknown_name(py, e, name))?;
            ins.push(arrays::to_input(py, &obj)?);
        }
        Ok(())
    })();
    scope.finish();
    r.map(|()| ins)
}

/// What `re_evaluate` repeats.
struct Last {
    entry: Arc<Entry>,
    out: Option<Py<PyAny>>,
    order: Order,
    casting: &'static str,
}

thread_local! {
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
}

fn set_last(
    py: Python<'_>,
    entry: &Arc<Entry>,
    out: Option<&Bound<'_, PyAny>>,
    order: Order,
    casting: &'static str,
) -> PyResult<()> {
    // The output is remembered weakly, as numexpr does: it is not kept alive.
    let out = match out {
        Some(o) => Some(py.import("weakref")?.getattr("ref")?.call1((o,))?.unbind()),
        None => None,
    };
    LAST.with(|l| {
        *l.borrow_mut() = Some(Last {
            entry: entry.clone(),
            out,
            order,
            casting,
        })
    });
    Ok(())
}

struct Kw {
    depth: Option<i64>,
}

fn parse_kwargs(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Kw> {
    let mut kw = Kw { depth: None };
    let Some(kwargs) = kwargs else { return Ok(kw) };
    for (k, v) in kwargs.iter() {
        let k: String = k.extract()?;
        match k.as_str() {
            "optimization" => {
                let ok = v
                    .extract::<String>()
                    .is_ok_and(|s| matches!(s.as_str(), "none" | "moderate" | "aggressive"));
                if !ok {
                    return Err(errors::usage(
                        py,
                        "'optimization' must be one of ('none', 'moderate', 'aggressive')",
                    ));
                }
            }
            "truediv" => {
                let ok = v.is_instance_of::<pyo3::types::PyBool>()
                    || v.extract::<String>().is_ok_and(|s| s == "auto");
                if !ok {
                    return Err(errors::usage(
                        py,
                        "'truediv' must be one of (False, True, 'auto')",
                    ));
                }
            }
            // The grammar is the only door: there is no eval() to sanitize for.
            "sanitize" | "disable_cache" => {}
            "_frame_depth" => kw.depth = Some(v.extract()?),
            _ => {
                return Err(errors::usage(py, format!("Unknown keyword argument '{k}'")));
            }
        }
    }
    Ok(kw)
}

fn expr_str<'a, 'py>(
    py: Python<'py>,
    ex: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyString>> {
    ex.cast::<PyString>()
        .map_err(|_| errors::usage(py, "must specify expression as a string"))
}

/// Evaluates the array expression `ex` (numexpr's language) and returns a NumPy array.
///
/// Names are looked up in `local_dict`, then `global_dict`; by default in the caller's
/// locals and globals. `out` receives the result (it may also be an input); `order`
/// lays out a new result ('K' keeps Fortran order for Fortran inputs); `casting`
/// rules the copy into an `out` of another dtype. `optimization=`, `truediv=`,
/// `sanitize=` and `disable_cache=` are accepted for numexpr compatibility.
#[pyfunction]
#[pyo3(signature = (ex, local_dict=None, global_dict=None, out=None, order=None, casting=None, **kwargs), text_signature = "(ex, local_dict=None, global_dict=None, out=None, order='K', casting='same_kind', **kwargs)")]
#[allow(clippy::too_many_arguments)]
fn evaluate<'py>(
    py: Python<'py>,
    ex: &Bound<'py, PyAny>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
    order: Option<&Bound<'py, PyString>>,
    casting: Option<&Bound<'py, PyString>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kw = parse_kwargs(py, kwargs)?;
    let ex = expr_str(py, ex)?;
    let order = parse_order(py, order)?;
    let casting = parse_casting(py, casting)?;
    let entry = cached(py, ex)?;
    let depth = kw.depth.map_or(0, |d| (d - 3).max(0) as usize);
    let mut scope = Scope::new(local_dict, global_dict, depth);
    let ins = gather(py, &entry, &mut scope)?;
    let out = out.filter(|o| !o.is_none());
    set_last(py, &entry, out, order, casting)?;
    execute(py, &entry, &ins, out, order, casting)
}

/// Checks `ex` and its variables as `evaluate` would, without computing: returns None,
/// or the exception `evaluate` would raise. `re_evaluate()` then runs it.
#[pyfunction]
#[pyo3(signature = (ex, local_dict=None, global_dict=None, out=None, order=None, casting=None, **kwargs), text_signature = "(ex, local_dict=None, global_dict=None, out=None, order='K', casting='same_kind', **kwargs)")]
#[allow(clippy::too_many_arguments)]
fn validate<'py>(
    py: Python<'py>,
    ex: &Bound<'py, PyAny>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
    order: Option<&Bound<'py, PyString>>,
    casting: Option<&Bound<'py, PyString>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Py<PyAny>>> {
    let r = (|| -> PyResult<()> {
        let kw = parse_kwargs(py, kwargs)?;
        let ex = expr_str(py, ex)?;
        let order = parse_order(py, order)?;
        let casting = parse_casting(py, casting)?;
        let entry = cached(py, ex)?;
        let depth = kw.depth.map_or(0, |d| (d - 2).max(0) as usize);
        let mut scope = Scope::new(local_dict, global_dict, depth);
        let ins = gather(py, &entry, &mut scope)?;
        let (_, _, reduce) = entry.result_types(py, &ins)?;
        if !reduce {
            arrays::broadcast(py, ins.iter().map(|i| i.raw.shape.as_slice()))?;
        }
        set_last(py, &entry, out.filter(|o| !o.is_none()), order, casting)
    })();
    match r {
        Ok(()) => Ok(None),
        Err(err) => Ok(Some(err.into_value(py).into_any())),
    }
}

/// Evaluates the expression of the last `evaluate` or `validate` (of this thread)
/// again, with its variables looked up anew.
#[pyfunction]
#[pyo3(signature = (local_dict=None, global_dict=None, _frame_depth=2))]
fn re_evaluate<'py>(
    py: Python<'py>,
    local_dict: Option<&Bound<'py, PyAny>>,
    global_dict: Option<&Bound<'py, PyAny>>,
    _frame_depth: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let last = LAST.with(|l| {
        l.borrow().as_ref().map(|l| {
            (
                l.entry.clone(),
                l.out.as_ref().map(|o| o.clone_ref(py)),
                l.order,
                l.casting,
            )
        })
    });
    let Some((entry, out_ref, order, casting)) = last else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "A previous evaluate() execution was not found, please call `validate` or `evaluate` once before `re_evaluate`",
        ));
    };
    let out = match out_ref {
        Some(w) => {
            let o = w.bind(py).call0()?;
            if o.is_none() {
                None
            } else {
                Some(o)
            }
        }
        None => None,
    };
    let mut scope = Scope::new(local_dict, global_dict, (_frame_depth - 2).max(0) as usize);
    let ins = gather(py, &entry, &mut scope)?;
    execute(py, &entry, &ins, out.as_ref(), order, casting)
}

/// The input names of an expression, in the order a kernel takes them.
#[pyfunction]
fn expression_names(py: Python<'_>, ex: &Bound<'_, PyString>) -> PyResult<Vec<String>> {
    Ok(cached(py, ex)?.names.clone())
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

// ---------------------------------------------------------------------------------
// Compiled kernels
// ---------------------------------------------------------------------------------

/// A compiled expression or program: call it with arrays (by name, or positionally in
/// `input_names` order). Thread-safe; picklable (by source and options).
#[pyclass(frozen, module = "nexpr", name = "Kernel")]
struct PyKernel {
    entry: Arc<Entry>,
    target_name: String,
    device: usize,
    /// The `threads=` it was made with: `None` resolves to the default thread count of
    /// the process it is made (or unpickled) in.
    threads_arg: Option<usize>,
}

fn parse_target(
    py: Python<'_>,
    target: &str,
    threads: Option<usize>,
    device: usize,
) -> PyResult<Target> {
    Ok(match target {
        "cpu" => Target::Cpu {
            threads: threads.unwrap_or_else(crate::threads),
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

fn make_kernel(
    py: Python<'_>,
    source: &str,
    program: bool,
    target: &str,
    threads: Option<usize>,
    device: usize,
    exact_math: bool,
) -> PyResult<PyKernel> {
    if threads == Some(0) {
        return Err(errors::usage(py, "threads must be at least 1"));
    }
    let t = parse_target(py, target, threads, device)?;
    let entry = guard(|| Entry::new(py, source, program, t, exact_math))
        .map_err(|e| errors::to_py(py, &e, source))?;
    Ok(PyKernel {
        entry: Arc::new(entry),
        target_name: target.to_string(),
        device,
        threads_arg: threads,
    })
}

/// Compiles the expression `ex` into a reusable kernel.
#[pyfunction]
#[pyo3(signature = (ex, target="cpu", threads=None, *, device=0, exact_math=false))]
fn compile(
    py: Python<'_>,
    ex: &str,
    target: &str,
    threads: Option<usize>,
    device: usize,
    exact_math: bool,
) -> PyResult<PyKernel> {
    make_kernel(py, ex, false, target, threads, device, exact_math)
}

/// Compiles a program (statements run for every element; `output` names what comes
/// back) into a kernel whose `run(**arrays)` returns a dict of outputs.
#[pyfunction]
#[pyo3(signature = (source, target="cpu", threads=None, *, device=0, exact_math=false))]
fn program(
    py: Python<'_>,
    source: &str,
    target: &str,
    threads: Option<usize>,
    device: usize,
    exact_math: bool,
) -> PyResult<PyKernel> {
    make_kernel(py, source, true, target, threads, device, exact_math)
}

/// Kernels rebuilt from pickles in this process, keyed by what defines them (source,
/// kind, target, resolved thread count, device, options): a kernel shipped to a worker
/// once per task is parsed, type-checked and compiled once per process.
static REBUILT: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
/// Kernels `_rebuild_kernel` had to make (cache misses).
static REBUILDS: AtomicUsize = AtomicUsize::new(0);
const REBUILT_MAX: usize = 256;

/// Unpickles a kernel: the cached one of this process when there is one.
#[pyfunction]
fn _rebuild_kernel(
    py: Python<'_>,
    source: &Bound<'_, PyString>,
    program: bool,
    target: &str,
    threads: Option<usize>,
    device: usize,
    exact_math: bool,
) -> PyResult<Py<PyKernel>> {
    let cache = REBUILT
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py);
    let resolved = match target {
        "cpu" => threads.unwrap_or_else(crate::threads),
        _ => 0,
    };
    let key = (
        source, program, target, resolved, threads, device, exact_math,
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
        exact_math,
    )?;
    let k = Py::new(py, k)?;
    REBUILDS.fetch_add(1, Ordering::Relaxed);
    if cache.len() >= REBUILT_MAX {
        cache.clear();
    }
    cache.set_item(key, &k)?;
    Ok(k)
}

/// (kernels held by the unpickling cache, kernels it has built) in this process.
#[pyfunction]
fn _rebuild_cache_info(py: Python<'_>) -> (usize, usize) {
    let n = REBUILT.get(py).map_or(0, |c| c.bind(py).len());
    (n, REBUILDS.load(Ordering::Relaxed))
}

impl PyKernel {
    fn inputs<'py>(
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
    fn objects<'py>(
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
    fn types_of<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(Vec<DType>, bool)> {
        let objs = self.objects(py, args, kwargs)?;
        let ins: Vec<Input<'_>> = objs
            .iter()
            .map(|o| arrays::dtype_of(py, o).map(arrays::typed_zero))
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
    /// kernel(*arrays, out=None, **arrays): the result (a dict of outputs for a program
    /// with several).
    #[pyo3(signature = (*args, out=None, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        out: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
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
    }

    /// run(*arrays, **arrays) -> dict: every output by name.
    #[pyo3(signature = (*args, **kwargs))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ins = self.inputs(py, args, kwargs)?;
        let (_, n_out, _) = self.entry.result_types(py, &ins)?;
        if n_out == 1 {
            let r = execute(py, &self.entry, &ins, None, Order::K, "same_kind")?;
            let d = PyDict::new(py);
            d.set_item(&self.entry.outputs[0], r)?;
            return Ok(d);
        }
        run_program(py, &self.entry, &ins)
    }

    /// emit(what='ir', *arrays, **arrays) -> str: the optimized IR ('ir'), Cranelift IR
    /// ('clif'), CUDA C ('cuda') or disassembly ('asm') for inputs like these.
    #[pyo3(signature = (what="ir", *args, **kwargs))]
    fn emit<'py>(
        &self,
        py: Python<'py>,
        what: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<String> {
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
    }

    /// result_dtypes(*inputs, **inputs) -> dict: the dtype of each output for inputs
    /// given as dtypes (`np.float32`, `'f8'`, `x.dtype`) or examples (arrays, scalars,
    /// Dask arrays: only their dtype is read), found by type checking alone.
    #[pyo3(signature = (*args, **kwargs))]
    fn result_dtypes<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (o, _) = self.types_of(py, args, kwargs)?;
        let d = PyDict::new(py);
        for (name, t) in self.entry.outputs.iter().zip(o) {
            d.set_item(name, arrays::np_dtype(py, t))?;
        }
        Ok(d)
    }

    /// result_dtype(*inputs, **inputs) -> numpy.dtype: the dtype of the single output
    /// (as `result_dtypes`), e.g. for `dask.array.map_blocks(kernel, x, y,
    /// dtype=kernel.result_dtype(x, y))`.
    #[pyo3(signature = (*args, **kwargs))]
    fn result_dtype<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
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
    }

    /// _result_types(*inputs, **inputs) -> ([dtype of each output], is a reduction).
    #[pyo3(signature = (*args, **kwargs))]
    fn _result_types<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(Vec<Bound<'py, PyAny>>, bool)> {
        let (o, r) = self.types_of(py, args, kwargs)?;
        let ds = o
            .into_iter()
            .map(|t| arrays::np_dtype(py, t).into_any())
            .collect();
        Ok((ds, r))
    }

    #[getter]
    fn source(&self) -> &str {
        &self.entry.src
    }

    #[getter]
    fn input_names(&self) -> Vec<String> {
        self.entry.names.clone()
    }

    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.entry.outputs.clone()
    }

    #[getter]
    fn target(&self) -> &str {
        &self.target_name
    }

    #[getter]
    fn threads(&self) -> Option<usize> {
        match self.entry.target {
            Target::Cpu { threads } => Some(threads),
            _ => None,
        }
    }

    #[getter]
    fn is_program(&self) -> bool {
        self.entry.program
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let f = py.import("nexpr._nexpr")?.getattr("_rebuild_kernel")?;
        let args = (
            self.entry.src.clone(),
            self.entry.program,
            self.target_name.clone(),
            self.threads_arg,
            self.device,
            self.entry.exact_math,
        )
            .into_pyobject(py)?;
        Ok((f, args))
    }

    /// Dask's deterministic token: what the kernel is made of (its pickle).
    fn __dask_tokenize__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let (_, args) = self.__reduce__(py)?;
        Ok(args)
    }

    fn __repr__(&self) -> String {
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
        format!(
            "<nexpr.Kernel {what} {src}, target={:?}{threads}>",
            self.target_name
        )
    }
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
