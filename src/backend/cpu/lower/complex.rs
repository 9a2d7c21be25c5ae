//! Complex arithmetic on (re, im) pairs, scalar or vector: what is a few float
//! instructions inline (`+ - * == !=`, negation, conjugate, parts, `abs` through a
//! direct `hypot`), everything else through the complex helpers of `calls.rs`.

use super::plan::VectorPlan;
use super::values::{clif_type, real_of, Val};
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
}
