//! Operations on one element. Their instructions also serve the vector path where
//! they work on vectors unchanged (see `vector_ops.rs`).

use super::values::{clif_type, fconst, is_complex, is_int, Val};
use super::Lowerer;
use crate::backend::cpu::helpers::{dtype_code, IPOW};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, UnOp};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;

/// An operation the lowering does not implement on `ty`: one type checking rejects,
/// or a trivial one that `passes::simplify` rewrites before any backend sees it.
pub(super) fn no_lowering(op: impl std::fmt::Display, ty: DType) -> Error {
    Error::backend(format!(
        "CPU backend: no lowering of {op} on {ty} (trivial operations are removed by \
         passes::optimize)"
    ))
}

/// The condition code of a comparison of (signed) integers.
pub(super) fn int_cc(op: BinOp) -> Option<IntCC> {
    Some(match op {
        BinOp::Lt => IntCC::SignedLessThan,
        BinOp::Le => IntCC::SignedLessThanOrEqual,
        BinOp::Eq => IntCC::Equal,
        BinOp::Ne => IntCC::NotEqual,
        BinOp::Ge => IntCC::SignedGreaterThanOrEqual,
        BinOp::Gt => IntCC::SignedGreaterThan,
        _ => return None,
    })
}

/// The condition code of a comparison of floats (false when either is NaN, except `!=`).
pub(super) fn float_cc(op: BinOp) -> Option<FloatCC> {
    Some(match op {
        BinOp::Lt => FloatCC::LessThan,
        BinOp::Le => FloatCC::LessThanOrEqual,
        BinOp::Eq => FloatCC::Equal,
        BinOp::Ne => FloatCC::NotEqual,
        BinOp::Ge => FloatCC::GreaterThanOrEqual,
        BinOp::Gt => FloatCC::GreaterThan,
        _ => return None,
    })
}

/// Where NumPy's `maximum(x, y)` (or `minimum`) is `x`: where `x` wins or is NaN.
pub(super) fn keep_first(b: &mut FunctionBuilder, op: BinOp, x: Value, y: Value) -> Value {
    // Of equal operands NumPy keeps the second (`maximum(-0.0, 0.0)` is 0.0).
    let cc = if op == BinOp::Maximum {
        FloatCC::GreaterThan
    } else {
        FloatCC::LessThan
    };
    let c = b.ins().fcmp(cc, x, y);
    let n = b.ins().fcmp(FloatCC::Unordered, x, x);
    b.ins().bor(c, n)
}

impl Lowerer<'_, '_> {
    /// `c ? x : y` on one element.
    pub(super) fn select(&mut self, c: Value, x: Val, y: Val) -> Val {
        match (x, y) {
            (Val::C(a, b), Val::C(c2, d)) => {
                Val::C(self.b.ins().select(c, a, c2), self.b.ins().select(c, b, d))
            }
            _ => Val::S(self.b.ins().select(c, x.s(), y.s())),
        }
    }

    /// A unary op on `x` of dtype `ty`, with result dtype `out`.
    pub(super) fn unary(&mut self, op: UnOp, x: Val, ty: DType, out: DType) -> Result<Val> {
        use UnOp::*;
        if is_complex(ty) {
            return self.complex_unary(op, x, ty, out);
        }
        let xv = x.s();
        let r = if ty == DType::Bool {
            match op {
                Not => self.b.ins().bxor_imm_s(xv, 1),
                _ => return Err(no_lowering(op, ty)),
            }
        } else if is_int(ty) {
            self.int_unary(op, xv, ty)?
        } else {
            self.float_unary(op, xv, ty)?
        };
        let natural = if matches!(op, IsNan | IsFinite | IsInf | SignBit) {
            DType::Bool
        } else {
            ty
        };
        Ok(self.scast(Val::S(r), natural, out))
    }

    fn int_unary(&mut self, op: UnOp, x: Value, ty: DType) -> Result<Value> {
        use UnOp::*;
        let b = &mut self.b;
        Ok(match op {
            Neg => b.ins().ineg(x),
            Not => b.ins().bnot(x),
            Abs => {
                let n = b.ins().ineg(x);
                let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                b.ins().select(neg, n, x)
            }
            Sign => {
                let pos = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, x, 0);
                let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                let d = b.ins().isub(pos, neg);
                b.ins().sextend(clif_type(ty), d)
            }
            SignBit => b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0),
            _ => return Err(no_lowering(op, ty)),
        })
    }

    fn float_unary(&mut self, op: UnOp, x: Value, ty: DType) -> Result<Value> {
        use UnOp::*;
        let t = clif_type(ty);
        let b = &mut self.b;
        Ok(match op {
            Neg => b.ins().fneg(x),
            Abs => b.ins().fabs(x),
            Sqrt => b.ins().sqrt(x),
            Ceil => b.ins().ceil(x),
            Floor => b.ins().floor(x),
            Trunc => b.ins().trunc(x),
            Round => b.ins().nearest(x),
            Sign => float_sign(b, t, x),
            IsNan => b.ins().fcmp(FloatCC::Unordered, x, x),
            IsFinite | IsInf => {
                let a = b.ins().fabs(x);
                let inf = fconst(b, t, f64::INFINITY);
                let cc = if op == IsFinite {
                    FloatCC::LessThan
                } else {
                    FloatCC::Equal
                };
                b.ins().fcmp(cc, a, inf)
            }
            SignBit => {
                let it = if ty == DType::F32 {
                    types::I32
                } else {
                    types::I64
                };
                let bits = b.ins().bitcast(it, MemFlagsData::new(), x);
                b.ins().icmp_imm_s(IntCC::SignedLessThan, bits, 0)
            }
            _ if op.is_transcendental() => self.float_helper_unary(op, x, ty)?,
            _ => return Err(no_lowering(op, ty)),
        })
    }

    /// A binary op on `x`, `y` of operand dtype `ty`, with result dtype `out`.
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        x: Val,
        y: Val,
        ty: DType,
        out: DType,
    ) -> Result<Val> {
        use BinOp::*;
        if is_complex(ty) {
            return Ok(match self.complex_inline(op, x, y, clif_type(ty)) {
                Some(v) => self.scast(v, if op.is_comparison() { DType::Bool } else { ty }, out),
                None => self.complex_helper_binary(op, x, y, ty, out)?,
            });
        }
        let (xv, yv) = (x.s(), y.s());
        let r = if ty == DType::Bool {
            Val::S(self.bool_binary(op, xv, yv)?)
        } else if is_int(ty) {
            self.int_binary(op, xv, yv, ty)?
        } else {
            self.float_binary(op, xv, yv, ty)?
        };
        let natural = if op.is_comparison() {
            DType::Bool
        } else if op == Complex {
            if ty == DType::F32 {
                DType::C64
            } else {
                DType::C128
            }
        } else {
            ty
        };
        Ok(self.scast(r, natural, out))
    }

    /// Bools (0/1 scalars, or masks for the ops up to `Eq`) as NumPy's bool loops.
    pub(super) fn bool_binary(&mut self, op: BinOp, x: Value, y: Value) -> Result<Value> {
        use BinOp::*;
        let b = &mut self.b;
        Ok(match op {
            Add | BitOr | Maximum => b.ins().bor(x, y),
            Mul | BitAnd | Minimum => b.ins().band(x, y),
            BitXor | Ne => b.ins().bxor(x, y),
            Eq => b.ins().icmp(IntCC::Equal, x, y),
            Lt => b.ins().icmp(IntCC::UnsignedLessThan, x, y),
            Le => b.ins().icmp(IntCC::UnsignedLessThanOrEqual, x, y),
            Gt => b.ins().icmp(IntCC::UnsignedGreaterThan, x, y),
            Ge => b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, x, y),
            _ => return Err(no_lowering(op, DType::Bool)),
        })
    }

    /// NumPy's integer loops: wrapping arithmetic, and the results of division by 0
    /// or -1 and of shifts past the width chosen by selects.
    pub(super) fn int_binary(&mut self, op: BinOp, x: Value, y: Value, ty: DType) -> Result<Val> {
        use BinOp::*;
        if op == Pow {
            return self.int_pow(x, y, ty);
        }
        let t = clif_type(ty);
        let b = &mut self.b;
        if let Some(cc) = int_cc(op) {
            return Ok(Val::S(b.ins().icmp(cc, x, y)));
        }
        Ok(Val::S(match op {
            Add => b.ins().iadd(x, y),
            Sub => b.ins().isub(x, y),
            Mul => b.ins().imul(x, y),
            BitAnd => b.ins().band(x, y),
            BitOr => b.ins().bor(x, y),
            BitXor => b.ins().bxor(x, y),
            Maximum => b.ins().smax(x, y),
            Minimum => b.ins().smin(x, y),
            FloorDiv | Mod | Fmod => int_division(b, op, x, y, t),
            Shl | Shr => int_shift(b, op, x, y, t),
            _ => return Err(no_lowering(op, ty)),
        }))
    }

    /// `x ** y`: a negative exponent ends the kernel with its status; otherwise the
    /// wrapping power comes from `nx_ipow`.
    fn int_pow(&mut self, x: Value, y: Value, ty: DType) -> Result<Val> {
        let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
        let cont = self.b.create_block();
        self.b.ins().brif(negative, self.err_block, &[], cont, &[]);
        self.b.switch_to_block(cont);
        let fr = self.helper(&IPOW)?;
        let type_code = self.b.ins().iconst(types::I32, dtype_code(ty));
        let (x64, y64) = if ty == DType::I32 {
            (
                self.b.ins().sextend(types::I64, x),
                self.b.ins().sextend(types::I64, y),
            )
        } else {
            (x, y)
        };
        let r = self.call1(fr, &[type_code, x64, y64]);
        let r = if ty == DType::I32 {
            self.b.ins().ireduce(types::I32, r)
        } else {
            r
        };
        Ok(Val::S(r))
    }

    pub(super) fn float_binary(&mut self, op: BinOp, x: Value, y: Value, ty: DType) -> Result<Val> {
        use BinOp::*;
        let b = &mut self.b;
        if let Some(cc) = float_cc(op) {
            return Ok(Val::S(b.ins().fcmp(cc, x, y)));
        }
        Ok(match op {
            Add => Val::S(b.ins().fadd(x, y)),
            Sub => Val::S(b.ins().fsub(x, y)),
            Mul => Val::S(b.ins().fmul(x, y)),
            Div => Val::S(b.ins().fdiv(x, y)),
            CopySign => Val::S(b.ins().fcopysign(x, y)),
            Maximum | Minimum => {
                let keep = keep_first(b, op, x, y);
                Val::S(b.ins().select(keep, x, y))
            }
            Complex => Val::C(x, y),
            FloorDiv | Mod | Fmod | Pow | Arctan2 | Hypot | NextAfter => {
                Val::S(self.float_helper_binary(op, x, y, ty)?)
            }
            _ => return Err(no_lowering(op, ty)),
        })
    }
}

/// NumPy's `sign` of a float: NaN stays NaN, zeros become +0.
fn float_sign(b: &mut FunctionBuilder, t: Type, x: Value) -> Value {
    let z = fconst(b, t, 0.0);
    let one = fconst(b, t, 1.0);
    let minus_one = fconst(b, t, -1.0);
    let gt = b.ins().fcmp(FloatCC::GreaterThan, x, z);
    let lt = b.ins().fcmp(FloatCC::LessThan, x, z);
    let eq = b.ins().fcmp(FloatCC::Equal, x, z);
    let r = b.ins().select(eq, z, x);
    let r = b.ins().select(lt, minus_one, r);
    b.ins().select(gt, one, r)
}

/// Integer `//`, `%` and `fmod`: a divisor of 0 or -1 is replaced by 1 so that
/// `sdiv`/`srem` cannot trap; the NumPy results for those divisors are selected
/// afterwards.
fn int_division(b: &mut FunctionBuilder, op: BinOp, x: Value, y: Value, t: Type) -> Value {
    let zero = b.ins().iconst(t, 0);
    let one = b.ins().iconst(t, 1);
    let by_zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
    let by_minus_one = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
    let unsafe_divisor = b.ins().bor(by_zero, by_minus_one);
    let divisor = b.ins().select(unsafe_divisor, one, y);
    let quotient = b.ins().sdiv(x, divisor);
    let rem = b.ins().srem(x, divisor);
    let minus_x = b.ins().ineg(x);
    let quotient = b.ins().select(by_minus_one, minus_x, quotient);
    let rem = b.ins().select(by_minus_one, zero, rem);
    let v = match op {
        BinOp::FloorDiv => {
            // One less where the remainder is not zero and the signs differ.
            let inexact = b.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
            let x_neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
            let y_neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
            let signs_differ = b.ins().bxor(x_neg, y_neg);
            let down = b.ins().band(inexact, signs_differ);
            let down = b.ins().uextend(t, down);
            b.ins().isub(quotient, down)
        }
        BinOp::Mod => {
            // The remainder takes the divisor's sign.
            let inexact = b.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
            let rem_neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, rem, 0);
            let y_neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
            let signs_differ = b.ins().bxor(rem_neg, y_neg);
            let shift = b.ins().band(inexact, signs_differ);
            let rem_plus_y = b.ins().iadd(rem, y);
            b.ins().select(shift, rem_plus_y, rem)
        }
        _ => rem,
    };
    b.ins().select(by_zero, zero, v)
}

/// Integer `<<` and `>>`: a shift by a negative amount or by the width or more gives
/// 0 (or -1 for a negative number shifted right).
fn int_shift(b: &mut FunctionBuilder, op: BinOp, x: Value, y: Value, t: Type) -> Value {
    let bits = t.bits() as i64;
    let in_range = b.ins().icmp_imm_s(IntCC::UnsignedLessThan, y, bits);
    if op == BinOp::Shl {
        let s = b.ins().ishl(x, y);
        let z = b.ins().iconst(t, 0);
        b.ins().select(in_range, s, z)
    } else {
        let s = b.ins().sshr(x, y);
        let fill = b.ins().sshr_imm_s(x, bits - 1);
        b.ins().select(in_range, s, fill)
    }
}
