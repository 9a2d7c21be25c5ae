//! Complex arithmetic on (re, im) pairs, scalar or vector: what is a few float
//! instructions inline (`+ - * == !=`, negation, conjugate, parts, `abs` through a
//! direct `hypot`), everything else through the complex helpers of `calls.rs`.

use super::plan::VectorPlan;
use super::values::{clif_type, fconst, real_of, Val};
use super::Lowerer;
use crate::backend::cpu::helpers::{HYPOT_F32, HYPOT_F64};
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{BinOp, UnOp};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::ir::InstBuilder;

impl Lowerer<'_, '_> {
    /// A unary op on one complex element of dtype `ty`, with result dtype `out`.
    pub(super) fn complex_unary(&mut self, op: UnOp, x: Val, ty: DType, out: DType) -> Result<Val> {
        use UnOp::*;
        let rt = clif_type(ty);
        Ok(match op {
            Neg => {
                let (r, i) = x.c(&mut self.b, rt);
                Val::C(self.b.ins().fneg(r), self.b.ins().fneg(i))
            }
            Conj => {
                let (r, i) = x.c(&mut self.b, rt);
                Val::C(r, self.b.ins().fneg(i))
            }
            Real | Imag => {
                let (r, i) = x.c(&mut self.b, rt);
                let v = if op == Real { r } else { i };
                self.scast(Val::S(v), real_of(ty), out)
            }
            Abs => {
                // The hot op of escape-time tests (`abs(z) > 2`): call hypot directly
                // rather than through the generic complex helper.
                let (r, i) = x.c(&mut self.b, rt);
                let hypot = if rt == types::F32 {
                    &HYPOT_F32
                } else {
                    &HYPOT_F64
                };
                let fr = self.helper(hypot)?;
                let v = self.call1(fr, &[r, i]);
                self.scast(Val::S(v), real_of(ty), out)
            }
            _ => self.complex_helper_unary(op, x, ty, out)?,
        })
    }

    /// A unary op on complex vectors where it is inline; `None`: lane by lane.
    pub(super) fn complex_vunary(
        &mut self,
        p: VectorPlan,
        op: UnOp,
        x: Val,
        ty: DType,
        out: DType,
    ) -> Option<Val> {
        let (r, i) = x.c(&mut self.b, p.vec_ty(ty));
        match op {
            UnOp::Neg => Some(Val::C(self.b.ins().fneg(r), self.b.ins().fneg(i))),
            UnOp::Conj => Some(Val::C(r, self.b.ins().fneg(i))),
            UnOp::Real => Some(self.vcast(p, Val::S(r), real_of(ty), out)),
            UnOp::Imag => Some(self.vcast(p, Val::S(i), real_of(ty), out)),
            _ => None,
        }
    }

    /// Complex `+ - * == !=` on (re, im) pairs of type `rt` (scalar or vector);
    /// `None` for the operations that need a helper.
    pub(super) fn complex_inline(&mut self, op: BinOp, x: Val, y: Val, rt: Type) -> Option<Val> {
        use BinOp::*;
        let (xr, xi) = x.c(&mut self.b, rt);
        let (yr, yi) = y.c(&mut self.b, rt);
        let b = &mut self.b;
        Some(match op {
            Add => Val::C(b.ins().fadd(xr, yr), b.ins().fadd(xi, yi)),
            Sub => Val::C(b.ins().fsub(xr, yr), b.ins().fsub(xi, yi)),
            Mul => {
                let rr = b.ins().fmul(xr, yr);
                let ii = b.ins().fmul(xi, yi);
                let ri = b.ins().fmul(xr, yi);
                // A square's cross products are the same product (IEEE multiplication
                // commutes): one multiply fewer, the same bits.
                let ir = if (xr, xi) == (yr, yi) {
                    ri
                } else {
                    b.ins().fmul(xi, yr)
                };
                Val::C(b.ins().fsub(rr, ii), b.ins().fadd(ri, ir))
            }
            Eq | Ne => {
                let cc = if op == Eq {
                    FloatCC::Equal
                } else {
                    FloatCC::NotEqual
                };
                let re = b.ins().fcmp(cc, xr, yr);
                let im = b.ins().fcmp(cc, xi, yi);
                Val::S(if op == Eq {
                    b.ins().band(re, im)
                } else {
                    b.ins().bor(re, im)
                })
            }
            _ => return None,
        })
    }

    /// Complex division of vectors, inline: `value`'s Smith division (NumPy's) with
    /// both of its branches folded into one by selects, operation for operation the
    /// same, so every lane gets the interpreter's bits without a helper call.
    pub(super) fn complex_vdiv(&mut self, p: VectorPlan, x: Val, y: Val, rt: Type) -> Val {
        let (ar, ai) = x.c(&mut self.b, rt);
        let (br, bi) = y.c(&mut self.b, rt);
        let (br_abs, bi_abs) = (self.b.ins().fabs(br), self.b.ins().fabs(bi));
        // `|br| >= |bi|` (false for NaNs, as in the scalar branch).
        let big = self
            .b
            .ins()
            .fcmp(FloatCC::GreaterThanOrEqual, br_abs, bi_abs);
        // The larger part of the divisor `d` and the other `o`; `u`, `w` the parts
        // of the dividend in the same roles.
        let d = self.vselect(p, big, br, bi);
        let o = self.vselect(p, big, bi, br);
        let u = self.vselect(p, big, ar, ai);
        let w = self.vselect(p, big, ai, ar);
        let b = &mut self.b;
        let rat = b.ins().fdiv(o, d);
        let one = fconst(b, rt, 1.0);
        let o_rat = b.ins().fmul(o, rat);
        let den = b.ins().fadd(d, o_rat);
        let scl = b.ins().fdiv(one, den);
        // big: re = (ar + ai*rat), im = (ai - ar*rat); else re = (ar*rat + ai),
        // im = (ai*rat - ar): the sums commute exactly, the differences do not
        // (the sign of a zero), so both are formed.
        let w_rat = b.ins().fmul(w, rat);
        let re = b.ins().fadd(u, w_rat);
        let u_rat = b.ins().fmul(u, rat);
        let im_big = b.ins().fsub(w, u_rat);
        let im_small = b.ins().fsub(u_rat, w);
        let im = self.vselect(p, big, im_big, im_small);
        let b = &mut self.b;
        let (re, im) = (b.ins().fmul(re, scl), b.ins().fmul(im, scl));
        // A zero divisor (both parts): the dividend's parts over |br| (infinities or
        // NaNs), as the scalar code does.
        let zero = fconst(b, rt, 0.0);
        let bi_zero = b.ins().fcmp(FloatCC::Equal, bi_abs, zero);
        let br_zero = b.ins().fcmp(FloatCC::Equal, br_abs, zero);
        let both_zero = b.ins().band(br_zero, bi_zero);
        let re_zero = b.ins().fdiv(ar, br_abs);
        let im_zero = b.ins().fdiv(ai, br_abs);
        Val::C(
            self.vselect(p, both_zero, re_zero, re),
            self.vselect(p, both_zero, im_zero, im),
        )
    }
}
