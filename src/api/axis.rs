//! The output of a reduction along an axis that the target computes without the
//! elementwise result (`Executable::reduce_axis`), filled whole by `run` or a span
//! of output elements at a time by `Steps`.

use crate::array::{DynArray, UninitArray};
use crate::backend::{Executable, OutBuf};
use crate::error::{Error, Result};
use crate::ir::Reduce;
use crate::runtime::{reduce::resolve_axis, Bound, AXIS_TILE};

/// An axis reduction's output, its elements `[0, done)` written.
pub(super) struct AxisOutput {
    r: Reduce,
    axis: usize,
    /// The length of the reduced axis: the elementwise values per output element.
    lane: usize,
    /// The output elements computed together (`runtime::AXIS_TILE` columns of a slab,
    /// or all of them): what a step covers a whole number of.
    group: usize,
    values: UninitArray,
    done: usize,
}

impl AxisOutput {
    /// The output of `r` over `bound`, allocated (fallibly) but not computed: `None`
    /// where `r` is not over an axis of a non-empty iteration shape (the elementwise
    /// result is no larger than the output then, or empty).
    pub(super) fn new(bound: &Bound, r: Reduce) -> Option<Result<AxisOutput>> {
        r.axis?;
        let axis = match resolve_axis(r.axis, bound.shape.len()) {
            Ok(axis) => axis?,
            Err(e) => return Some(Err(e)),
        };
        if bound.is_empty() {
            return None;
        }
        let mut shape = bound.shape.clone();
        let lane = shape.remove(axis);
        let inner: usize = shape[axis..].iter().product();
        Some(UninitArray::new(r.ty, &shape).map(|values| AxisOutput {
            r,
            axis,
            lane,
            group: inner.min(AXIS_TILE),
            values,
            done: 0,
        }))
    }

    /// The number of output elements.
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// The elementwise values that the output elements written so far reduce.
    pub(super) fn elems_done(&self) -> usize {
        self.done * self.lane
    }

    /// Computes the next output elements, enough for about `elems` elementwise values,
    /// rounded up to a whole group (see `group`). `None`: the target has no such
    /// reduction (nothing written).
    pub(super) fn step(
        &mut self,
        exec: &dyn Executable,
        bound: &Bound,
        elems: usize,
    ) -> Option<Result<()>> {
        let (lo, n) = (self.done, self.len());
        let want = lo.saturating_add(elems.div_ceil(self.lane).max(1));
        let hi = want.div_ceil(self.group).saturating_mul(self.group).min(n);
        let out = OutBuf::of_uninit_span(&mut self.values, lo, hi);
        let r = exec.reduce_axis(bound, self.r, self.axis, &out, lo, hi)?;
        if r.is_ok() {
            self.done = hi;
        }
        Some(r)
    }

    /// The whole output, once every element is written.
    pub(super) fn finish(self) -> Result<DynArray> {
        if self.done != self.len() {
            return Err(Error::backend("the axis reduction is not finished"));
        }
        // SAFETY: every element of [0, len) was written by a `reduce_axis` that
        // returned Ok (the contract of `Executable::reduce_axis`).
        Ok(unsafe { self.values.assume_init() })
    }
}

/// The axis reduction `r` computed whole by the target's `reduce_axis`, or `None`
/// where it has none (or `r` is not over an axis).
pub(super) fn eval(exec: &dyn Executable, bound: &Bound, r: Reduce) -> Option<Result<DynArray>> {
    let mut out = match AxisOutput::new(bound, r)? {
        Ok(out) => out,
        Err(e) => return Some(Err(e)),
    };
    if let Err(e) = out.step(exec, bound, usize::MAX)? {
        return Some(Err(e));
    }
    Some(out.finish())
}
