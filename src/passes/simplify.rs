//! Legalization of trivial per-dtype operations: a unary function that computes
//! nothing on its operand's dtype (`ceil` of an integer, `real` of a float, `isnan` of
//! an integer, `abs` of a bool, ...) becomes what it means: its operand, or a constant.
//! The backends then never see these operations, so they implement each function only
//! where it does something.
//!
//! The rewrite keeps the node's dtype, which type checking chose after NumPy (`real`
//! of an int32 is int32, `isnan` of an int64 is bool): the operand is cast to it (a cast
//! to its own dtype is no node at all), a constant is built in it. That is exactly
//! `value::unary`, which computes the operation's natural result and casts it to the
//! node's dtype; [`meaning`] agrees with it on every dtype (tested in `src/passes/tests.rs`).
//! An operand that becomes a constant is still computed where it can raise
//! (`isnan(a**b)` with an integer `b < 0` is NumPy's error; see `ir::raising`).

use crate::dtype::{DType, Kind};
use crate::ir::builder::{keep, rebuild};
use crate::ir::raising::{keeping, raising_in};
use crate::ir::{Func, Op, UnOp};
use crate::value::Scalar;

/// What a trivial operation means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Meaning {
    /// The operand itself (cast to the node's dtype).
    Operand,
    /// A constant, whatever the operand (cast to the node's dtype).
    Constant(Scalar),
}

/// What `op` on an operand of dtype `operand` means, when it computes nothing.
pub fn meaning(op: UnOp, operand: DType) -> Option<Meaning> {
    use UnOp::*;
    let real = matches!(operand.kind(), Kind::Bool | Kind::Int | Kind::Float);
    let exact = matches!(operand.kind(), Kind::Bool | Kind::Int);
    Some(match op {
        // A real number is its own real part and conjugate; its imaginary part is 0.
        Real | Conj if real => Meaning::Operand,
        Imag if real => Meaning::Constant(Scalar::zero(operand)),
        // Integers and bools are already integral, never NaN and never infinite.
        Ceil | Floor | Trunc | Round if exact => Meaning::Operand,
        IsNan | IsInf if exact => Meaning::Constant(Scalar::Bool(false)),
        IsFinite if exact => Meaning::Constant(Scalar::Bool(true)),
        // A bool is never negative.
        Abs if operand == DType::Bool => Meaning::Operand,
        SignBit if operand == DType::Bool => Meaning::Constant(Scalar::Bool(false)),
        _ => return None,
    })
}

pub fn run(f: &Func) -> Func {
    rebuild(f, |b, n, args| {
        if let Op::Unary(op) = n.op {
            match meaning(op, b.ty(args[0])) {
                Some(Meaning::Operand) => return b.cast(args[0], n.ty),
                Some(Meaning::Constant(c)) => {
                    // The operand is not needed, but what in it can raise still runs.
                    let k = b.konst(c.cast(n.ty));
                    let raising = raising_in(b, args[0]);
                    return keeping(b, k, &raising);
                }
                None => {}
            }
        }
        keep(b, n, args)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value;
    use num_complex::Complex64;

    /// `meaning` agrees with `value::unary` wherever it claims an operation is trivial.
    #[test]
    fn meaning_is_what_value_computes() {
        let samples = [0.0, -0.0, 1.5, -2.0, 7.0, f64::NAN, f64::INFINITY, -1e300];
        for operand in DType::ALL {
            for &op in UnOp::ALL {
                let Some(m) = meaning(op, operand) else {
                    continue;
                };
                for &x in &samples {
                    let x = Scalar::C128(Complex64::new(x, 0.0)).cast(operand);
                    let (want, out) = match m {
                        Meaning::Operand => (x, operand),
                        Meaning::Constant(c) => (c, c.dtype()),
                    };
                    let got = value::unary(op, x, out);
                    assert!(got.bits_eq(want), "{op} of {x:?}: {got:?}, not {want:?}");
                }
            }
        }
    }
}
