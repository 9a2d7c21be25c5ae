//! Evaluation in steps: a kernel's outputs, or its reduction, computed a span of
//! elements at a time, so that a caller can act between two spans (a Python binding
//! handles Ctrl-C there) and still get what one uninterrupted [`Kernel::run`] returns.

use super::axis::AxisOutput;
use super::{Kernel, Prepared};
use crate::array::{DynArray, UninitArray, Vars};
use crate::backend::OutBuf;
use crate::error::{Error, ErrorKind, Result};
use crate::runtime;
use std::sync::Arc;

/// An evaluation of a [`Kernel`] that proceeds a span of elements at a time (from
/// [`Kernel::steps`]). Between two calls of [`Steps::step`] the caller may do anything;
/// [`Steps::finish`] then returns what [`Kernel::run`] returns for the same variables,
/// bit for bit:
///
/// * elementwise outputs are written span by span into the arrays that are returned
///   (an element's value does not depend on the span it is computed in);
/// * a whole-array reduction that the target fuses keeps the partial result of each
///   chunk of the driver and combines them as `run` does, so spans start on chunk
///   boundaries (`step` rounds up);
/// * a reduction over an axis that the target computes from windows of the
///   elementwise values writes whole output elements, as many as the span's
///   elementwise values make (at least one);
/// * any other reduction (one `run` computes from the elementwise values) writes
///   those values span by span and reduces them in `finish`.
///
/// ```
/// use nexpr::{Expr, Target, Vars};
/// let a = ndarray::Array1::from_iter((0..100_000).map(|i| i as f64 * 0.5));
/// let vars = Vars::new().with("a", &a);
/// let k = Expr::parse("sum(sin(a) * a)")?.compile(Target::Cpu { threads: 2 })?;
/// let mut steps = k.steps(&vars)?.expect("the CPU target evaluates in steps");
/// while !steps.is_done() {
///     steps.step(10_000)?; // a caller would check for Ctrl-C here
/// }
/// assert_eq!(steps.len(), 100_000);
/// let stepped = steps.finish()?;
/// let whole = k.eval(&vars)?;
/// let bits = |a: &nexpr::DynArray| a.as_array::<f64>().unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
/// assert_eq!(bits(&stepped[0]), bits(&whole));
/// # Ok::<(), nexpr::Error>(())
/// ```
pub struct Steps<'v> {
    prepared: Arc<Prepared>,
    bound: runtime::Bound<'v>,
    /// Elements `[0, done)` are evaluated.
    done: usize,
    progress: Progress,
}

/// What the spans evaluated so far have produced.
enum Progress {
    /// The per-chunk partial results of a fused whole-array reduction, in order.
    Partials(Vec<DynArray>),
    /// The output of a reduction over an axis, written element by element.
    Axis(AxisOutput),
    /// The elementwise values of every output (elements `[0, done)` written).
    Values(Vec<UninitArray>),
}

impl Kernel {
    /// Starts an evaluation that [`Steps::step`] advances a span of elements at a time.
    /// `None` where there is nothing to split: no elements, or a target that evaluates
    /// whole arrays only (CUDA); [`Kernel::run`] does it in one piece then. Errors are
    /// those of `run` (names, dtypes, shapes).
    pub fn steps<'v>(&self, vars: &'v Vars) -> Result<Option<Steps<'v>>> {
        let (prepared, bound) = self.specialize(vars)?;
        if bound.is_empty() || !prepared.exec.spans() {
            return Ok(None);
        }
        let progress = match prepared.func.reduce {
            Some(r) if r.axis.is_none() => Progress::Partials(Vec::new()),
            Some(r) => match AxisOutput::new(&bound, r) {
                Some(out) => Progress::Axis(out?),
                None => Progress::Values(fresh_values(&prepared, &bound)?),
            },
            None => Progress::Values(fresh_values(&prepared, &bound)?),
        };
        Ok(Some(Steps {
            prepared,
            bound,
            done: 0,
            progress,
        }))
    }
}

/// Uninitialized arrays for every elementwise output over the bound shape.
fn fresh_values(prepared: &Prepared, bound: &runtime::Bound) -> Result<Vec<UninitArray>> {
    let func = &prepared.func;
    func.outputs
        .iter()
        .map(|&v| UninitArray::new(func.vars[v as usize].ty, &bound.shape))
        .collect()
}

impl Steps<'_> {
    /// The number of elements in all (of the broadcast inputs).
    pub fn len(&self) -> usize {
        self.bound.len()
    }

    /// Whether there are no elements (never true of `Steps` from [`Kernel::steps`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The token of the variables the evaluation was started with
    /// ([`crate::Vars::with_cancel`]): cancelling it makes the step running then (on
    /// any thread) return an [`ErrorKind::Cancelled`] error soon, and every later one
    /// at once.
    pub fn cancel_token(&self) -> Option<&crate::CancelToken> {
        self.bound.cancel.as_ref()
    }

    /// The number of elements evaluated so far.
    pub fn done(&self) -> usize {
        self.done
    }

    /// Whether every element is evaluated, so that [`Steps::finish`] can return.
    pub fn is_done(&self) -> bool {
        self.done == self.len()
    }

    /// Evaluates the next `elems` elements (at least one; a whole-array reduction
    /// rounds up to whole chunks of the driver), fewer at the end. After an error the
    /// evaluation is not advanced.
    pub fn step(&mut self, elems: usize) -> Result<()> {
        let (lo, n) = (self.done, self.len());
        let exec = &self.prepared.exec;
        let hi = match &mut self.progress {
            Progress::Partials(partials) => {
                let r = self.prepared.func.reduce.expect("partials of a reduction");
                let chunk = crate::runtime::CHUNK;
                let span = elems.max(1).div_ceil(chunk).saturating_mul(chunk);
                let hi = lo.saturating_add(span).min(n);
                match exec.reduce_partials(&self.bound, r, lo, hi) {
                    Some(part) => partials.push(part?),
                    None if lo == 0 => {
                        // `run` reduces the elementwise values here (an integer sum
                        // widened to int64, say): so do the steps.
                        self.progress =
                            Progress::Values(fresh_values(&self.prepared, &self.bound)?);
                        return self.step(elems);
                    }
                    None => return Err(Error::backend("the reduction stopped fusing")),
                }
                hi
            }
            Progress::Axis(out) => match out.step(&**exec, &self.bound, elems) {
                Some(r) => {
                    r?;
                    out.elems_done()
                }
                None if lo == 0 => {
                    // The target has no such reduction: `run` reduces the
                    // elementwise values, and so do the steps.
                    self.progress = Progress::Values(fresh_values(&self.prepared, &self.bound)?);
                    return self.step(elems);
                }
                None => return Err(Error::backend("the axis reduction stopped fusing")),
            },
            Progress::Values(values) => {
                let hi = lo.saturating_add(elems.max(1)).min(n);
                let bufs: Vec<OutBuf> = values
                    .iter_mut()
                    .map(|v| OutBuf::of_uninit_span(v, lo, hi))
                    .collect();
                exec.run_span(&self.bound, &bufs, lo, hi)?;
                hi
            }
        };
        self.done = hi;
        Ok(())
    }

    /// The outputs, in [`Kernel::output_names`] order, once every element is evaluated
    /// (a [`ErrorKind::Usage`] error before).
    pub fn finish(self) -> Result<Vec<DynArray>> {
        if !self.is_done() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "the evaluation is not finished: {} of {} elements done",
                    self.done,
                    self.len()
                ),
            ));
        }
        let reduce = self.prepared.func.reduce;
        match (self.progress, reduce) {
            (Progress::Partials(partials), Some(r)) => Ok(vec![runtime::reduce::combine_partials(
                &runtime::reduce::concat(&partials)?,
                r.op,
            )?]),
            (Progress::Partials(_), None) => Err(Error::backend("partials without a reduction")),
            (Progress::Axis(out), _) => Ok(vec![out.finish()?]),
            (Progress::Values(values), _) => {
                // SAFETY: every span [lo, hi) of [0, len) was written by a `run_span`
                // that returned Ok, which writes every element of its outputs.
                let outs: Vec<DynArray> = values
                    .into_iter()
                    .map(|v| unsafe { v.assume_init() })
                    .collect();
                match reduce {
                    Some(r) => Ok(vec![runtime::reduce::reduce(&outs[0], r)?]),
                    None => Ok(outs),
                }
            }
        }
    }
}
