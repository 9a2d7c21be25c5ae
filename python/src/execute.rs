//! Running a kernel: into a given block, into a fresh array, or to the core's own
//! arrays; large evaluations in slices or steps with the GIL released and signals
//! handled between them. Programs with loops, whose every element may take any time,
//! always run with the GIL released on a worker thread that Ctrl-C cancels
//! (`interrupt.rs`); other calls of fewer than `DETACH_MIN` elements run right here
//! (a thread would cost more than they do).

use crate::arrays::{self, Input, Raw};
use crate::entry::{guard, vars_of, Entry, Order, DETACH_MIN, FIRST_SLICE, SLICE_TIME};
use crate::errors;
use crate::interrupt::interruptible;
use nexpr::{CancelToken, DType, DynArray, Error, Target, Vars};
use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use std::time::Instant;

/// Evaluates into `out` (a block of the result's shape and dtype), slicing large
/// evaluations along their outer axes and handling signals between slices.
pub(crate) fn run_into(
    py: Python<'_>,
    e: &Entry,
    ins: &[Raw],
    shape: &[usize],
    out: &Raw,
) -> PyResult<()> {
    let len: usize = shape.iter().product();
    if len < e.slice_min() {
        let token = cancel_token(e);
        let call = || {
            let raws: Vec<&Raw> = ins.iter().collect();
            let mut vars = vars_of(&e.names, &raws);
            vars.set_cancel(token.as_ref());
            // SAFETY: `out` is alive and writable; aliasing of inputs was checked.
            e.kernel.eval_into(&vars, unsafe { out.view_mut() })
        };
        return evaluate(py, e, token.as_ref(), len >= DETACH_MIN, call);
    }
    let nd = shape.len();
    let ins: Vec<Raw> = ins.iter().map(|r| r.padded(nd)).collect();
    let mut state = SliceState { elems: FIRST_SLICE };
    slices(py, e, &ins, shape, out, &mut state)
}

pub(crate) struct SliceState {
    pub(crate) elems: usize,
}

pub(crate) fn slices(
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

pub(crate) fn one_slice(
    py: Python<'_>,
    e: &Entry,
    ins: &[Raw],
    out: &Raw,
    n: usize,
    st: &mut SliceState,
) -> PyResult<()> {
    let t0 = Instant::now();
    let token = cancel_token(e);
    evaluate(py, e, token.as_ref(), true, || {
        let raws: Vec<&Raw> = ins.iter().collect();
        let mut vars = vars_of(&e.names, &raws);
        vars.set_cancel(token.as_ref());
        // SAFETY: as in `run_into`.
        e.kernel.eval_into(&vars, unsafe { out.view_mut() })
    })?;
    let dt = t0.elapsed().as_secs_f64().max(1e-6);
    if n > 0 {
        let want = (n as f64 * SLICE_TIME.as_secs_f64() / dt) as usize;
        st.elems = want.clamp(FIRST_SLICE, 1 << 26);
    }
    py.check_signals()
}

/// Bytes from which a fresh element-wise result is the core's own array, handed to
/// NumPy without a copy, rather than an array NumPy allocates and the core writes
/// into: the core's starts on a 2 MiB boundary, so every page of it can be a huge page
/// (NumPy's does not: its first and last partial 2 MiB fault in 4 KiB pages), and at 2
/// threads and more the core knows its pages are untouched and makes them present
/// ahead of the helper threads (`src/backend/cpu/fault_ahead.rs`) instead of every
/// thread faulting its own. The core's threshold for both (`HUGE_MIN`, 4 MiB);
/// smaller results stay NumPy's, which are cheaper to make.
const CORE_RESULT_MIN: usize = 4 << 20;

/// Evaluates to a fresh array (the single output), without an `out=`. `ins` and
/// `shape` are over reversed axes when `reverse` (a Fortran-order result).
///
/// Element-wise results below `CORE_RESULT_MIN` bytes are written straight into a new
/// NumPy array; larger ones and reductions (whose shape the core decides) come back as
/// the core's array, handed to NumPy as is.
pub(crate) fn run_fresh<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Raw],
    shape: Option<&[usize]>,
    dtype: DType,
    reverse: bool,
) -> PyResult<Bound<'py, PyAny>> {
    match shape {
        Some(shape)
            if shape.iter().product::<usize>().saturating_mul(dtype.size()) < CORE_RESULT_MIN =>
        {
            let orig: Vec<usize> = if reverse {
                shape.iter().rev().copied().collect()
            } else {
                shape.to_vec()
            };
            // SAFETY: `run_into` writes every element before the array is returned.
            let (arr, out) = unsafe { arrays::empty(py, dtype, &orig, reverse)? };
            run_into(py, e, ins, shape, &out)?;
            Ok(arr)
        }
        _ => {
            // The evaluation's length is the result's (inputs may be broadcast).
            let len = shape.map_or(0, |s| s.iter().product());
            let r = outputs_of(py, e, ins, len)?.swap_remove(0);
            arrays::to_numpy(py, r, reverse)
        }
    }
}

pub(crate) static COPYTO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub(crate) fn copyto(
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
/// `out=`, and the run itself. A panic anywhere in it is an `InternalError`.
pub(crate) fn execute<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Input<'py>],
    out: Option<&Bound<'py, PyAny>>,
    order: Order,
    casting: &str,
) -> PyResult<Bound<'py, PyAny>> {
    errors::shielded(py, || execute_unshielded(py, e, ins, out, order, casting))
}

fn execute_unshielded<'py>(
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
        return run_program_unshielded(py, e, ins).map(|d| d.into_any());
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
    if reduce {
        return reduction_result(py, e, &raws, dtype, order);
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

/// A reduction's result, in Fortran order where `order=` asks for it as it does for an
/// elementwise result over the same inputs (a copy of the reduced values: the core
/// writes them in C order).
fn reduction_result<'py>(
    py: Python<'py>,
    e: &Entry,
    raws: &[Raw],
    dtype: DType,
    order: Order,
) -> PyResult<Bound<'py, PyAny>> {
    let r = run_fresh(py, e, raws, None, dtype, false)?;
    let ndim = r.cast::<PyUntypedArray>().map_or(0, |a| a.ndim());
    if ndim < 2 {
        return Ok(r);
    }
    let shape = arrays::broadcast(py, raws.iter().map(|r| r.shape.as_slice()))?;
    if !fortran_result(raws, &shape, order) {
        return Ok(r);
    }
    py.import("numpy")?.getattr("asfortranarray")?.call1((r,))
}

/// Whether the result is laid out in Fortran order: numexpr's (and NumPy's) `order=`.
pub(crate) fn fortran_result(raws: &[Raw], shape: &[usize], order: Order) -> bool {
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

/// Every output of a program, by name, in a dict. A panic in it is an `InternalError`.
pub(crate) fn run_program<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Input<'py>],
) -> PyResult<Bound<'py, PyDict>> {
    errors::shielded(py, || run_program_unshielded(py, e, ins))
}

fn run_program_unshielded<'py>(
    py: Python<'py>,
    e: &Entry,
    ins: &[Input<'py>],
) -> PyResult<Bound<'py, PyDict>> {
    let raws: Vec<Raw> = ins.iter().map(|i| i.raw.clone()).collect();
    let outs = run_outputs(py, e, &raws)?;
    let d = PyDict::new(py);
    for (k, v) in e.kernel.output_names().iter().zip(outs) {
        d.set_item(k, arrays::to_numpy(py, v, false)?)?;
    }
    Ok(d)
}

/// Every output of the kernel as the core's arrays (a program's outputs, a reduction,
/// whose shapes the core decides), in `output_names` order. Large evaluations run in
/// steps, with signals handled between them.
pub(crate) fn run_outputs(py: Python<'_>, e: &Entry, raws: &[Raw]) -> PyResult<Vec<DynArray>> {
    outputs_of(py, e, raws, 0)
}

/// `run_outputs` of an evaluation of at least `len` elements (the longest input's
/// length where that is more): what decides whether it runs in steps and without the
/// GIL.
fn outputs_of(py: Python<'_>, e: &Entry, raws: &[Raw], len: usize) -> PyResult<Vec<DynArray>> {
    let longest: usize = raws.iter().map(|r| r.len()).max().unwrap_or(1);
    let len = len.max(longest);
    let rr: Vec<&Raw> = raws.iter().collect();
    let mut vars = vars_of(&e.names, &rr);
    let token = cancel_token(e);
    vars.set_cancel(token.as_ref());
    if len >= e.slice_min() {
        if let Some(outs) = stepped(py, e, &vars)? {
            return Ok(outs);
        }
    }
    let call = || {
        let mut r = e.kernel.run(&vars)?;
        Ok(e.kernel
            .output_names()
            .iter()
            .map(|name| r.remove(name).expect("run returns every output"))
            .collect())
    };
    evaluate(py, e, token.as_ref(), len >= DETACH_MIN, call)
}

/// The token of an evaluation that Ctrl-C must be able to stop while it runs: one of a
/// program with loops.
fn cancel_token(e: &Entry) -> Option<CancelToken> {
    e.kernel.has_loops().then(CancelToken::new)
}

/// Runs `f`, an evaluation attached to `token` if any: with a token, on a worker
/// thread that Ctrl-C cancels; else with the GIL released when `detach`, or right
/// here.
fn evaluate<T: Send>(
    py: Python<'_>,
    e: &Entry,
    token: Option<&CancelToken>,
    detach: bool,
    f: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<T> {
    let r = match token {
        Some(token) => interruptible(py, token, || guard(f))?,
        None if detach => py.detach(|| guard(f)),
        None => guard(f),
    };
    r.map_err(|err| e.err(py, err))
}

/// Evaluates in steps (`Kernel::steps`) sized to take about `SLICE_TIME` each, with
/// the GIL released during a step and signals handled between two: Ctrl-C stops a
/// long reduction or program. `None` where the target evaluates whole arrays only.
pub(crate) fn stepped(
    py: Python<'_>,
    e: &Entry,
    vars: &Vars<'_>,
) -> PyResult<Option<Vec<DynArray>>> {
    let steps = py
        .detach(|| guard(|| e.kernel.steps(vars)))
        .map_err(|err| e.err(py, err))?;
    let Some(mut steps) = steps else {
        return Ok(None);
    };
    let mut span = FIRST_SLICE;
    while !steps.is_done() {
        let (t0, before) = (Instant::now(), steps.done());
        let token = steps.cancel_token().cloned();
        evaluate(py, e, token.as_ref(), true, || steps.step(span))?;
        let dt = t0.elapsed().as_secs_f64().max(1e-6);
        let want = (steps.done() - before) as f64 * SLICE_TIME.as_secs_f64() / dt;
        span = (want as usize).clamp(FIRST_SLICE, 1 << 26);
        py.check_signals()?;
    }
    py.detach(|| guard(|| steps.finish()))
        .map(Some)
        .map_err(|err| e.err(py, err))
}
