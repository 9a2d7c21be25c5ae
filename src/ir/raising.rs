//! Operations that can raise at run time, and how a rewrite that drops a value keeps
//! them. The one such operation is an integer `**` whose exponent may be negative
//! (NumPy's ValueError "Integers to negative integer powers are not allowed."). NumPy
//! computes every operand before an operation uses it, so `isnan(a**b)`, `(a**b).imag`
//! or `where(True, a, a**b)` raise there, whatever the operation makes of the value: a
//! simplification that does not need the operand must still compute it.

use super::builder::Builder;
use super::{BinOp, Op, ValueId};
use crate::value::Scalar;

/// Whether node `v` can raise: an integer `**` whose exponent is not a constant ≥ 0.
pub fn can_raise(b: &Builder, v: ValueId) -> bool {
    let n = b.node(v);
    if n.op != Op::Binary(BinOp::Pow) || !n.ty.is_int() {
        return false;
    }
    !matches!(b.node(n.args[1]).op, Op::Const(c) if nonnegative(c))
}

fn nonnegative(c: Scalar) -> bool {
    match c {
        Scalar::I32(x) => x >= 0,
        Scalar::I64(x) => x >= 0,
        _ => true,
    }
}

/// The nodes among `root` and what it depends on (in the builder's current statement)
/// that can raise, in id order.
pub fn raising_in(b: &Builder, root: ValueId) -> Vec<ValueId> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(v) = stack.pop() {
        if !seen.insert(v) {
            continue;
        }
        if can_raise(b, v) {
            out.push(v);
        }
        stack.extend(&b.node(v).args);
    }
    out.sort_unstable();
    out
}

/// `value`, in a form that also computes every node of `raising`:
/// `where(p == p & q == q ..., value, value)`. An integer always equals itself, so the
/// condition is true, but no pass can see that, and every backend computes the
/// condition of a `where`. Without `raising`, `value` itself.
pub fn keeping(b: &mut Builder, value: ValueId, raising: &[ValueId]) -> ValueId {
    let mut cond: Option<ValueId> = None;
    for &p in raising {
        let same = b.add(Op::Binary(BinOp::Eq), vec![p, p], crate::dtype::DType::Bool);
        cond = Some(match cond {
            None => same,
            Some(c) => b.add(
                Op::Binary(BinOp::BitAnd),
                vec![c, same],
                crate::dtype::DType::Bool,
            ),
        });
    }
    match cond {
        Some(c) => b.add(Op::Where, vec![c, value, value], b.ty(value)),
        None => value,
    }
}
