//! The outermost reduction of an expression, as a caller that splits the work needs
//! it (the Dask integration reduces each block with the operand's kernel, then the
//! partial results): which reduction, where its operand is in the text, and its axis.
//! The reduction names and the axis rule are `calls`' own, so this agrees with what
//! type checking accepts.

use super::calls::{axis_literal, reduce_op};
use crate::error::Span;
use crate::syntax::ast::{Expr, ExprKind};

/// `sum(a*b, axis=1)`: `op` `"sum"`, `operand` the span of `a*b`, `axis` `Some(1)`.
///
/// ```
/// let e = nexpr::Expr::parse("sum(a*b, axis=1)")?;
/// let r = e.outer_reduction().expect("a reduction");
/// assert_eq!((r.op, &e.source()[r.operand.start..r.operand.end], r.axis), ("sum", "a*b", Some(1)));
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OuterReduction {
    /// `sum`, `prod`, `min` or `max`.
    pub op: &'static str,
    /// Where the reduced expression is in the source text.
    pub operand: Span,
    /// `None` for a whole-array reduction (no axis, or `axis=None`).
    pub axis: Option<i64>,
}

/// The reduction at the root of `e`, where there is one of a form type checking
/// accepts (one operand, an integer-literal or `None` axis given once).
pub fn outer_reduction(e: &Expr) -> Option<OuterReduction> {
    let ExprKind::Call {
        func, args, kwargs, ..
    } = &e.kind
    else {
        return None;
    };
    let op = reduce_op(func)?;
    let (operand, positional_axis) = match &args[..] {
        [x] => (x, None),
        [x, axis] => (x, Some(axis)),
        _ => return None,
    };
    let axis_expr = match (&kwargs[..], positional_axis) {
        ([], axis) => axis,
        ([(k, _, axis)], None) if k == "axis" => Some(axis),
        _ => return None,
    };
    let axis = match axis_expr {
        Some(a) if matches!(&a.kind, ExprKind::Name(n) if n == "None") => None,
        Some(a) => Some(axis_literal(a).ok()?),
        None => None,
    };
    Some(OuterReduction {
        op: op.name(),
        operand: operand.span,
        axis,
    })
}
