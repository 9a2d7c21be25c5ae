//! Operations on whole vectors where SSE has an instruction (or libmvec a function),
//! lane selects, and the fallback for everything else: the scalar operation applied
//! lane by lane, so that every operation is available in the vector loop.

use super::plan::VectorPlan;
use super::scalar_ops::{float_cc, int_cc, keep_first};
use super::values::{is_complex, is_int, lane_cast, Val};
use super::Lowerer;
use crate::backend::cpu::math;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{BinOp, UnOp};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, Value};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilder;
use cranelift_module::Module;

/// Whether `blendv` (SSE4.1) can select vector lanes on the ISA being compiled for:
/// x86-64 with SSE4.1 enabled in its flags (the host's, for the JIT).
fn blendv_ok(isa: &dyn TargetIsa) -> bool {
    isa.name() == "x64"
        && isa
            .isa_flags()
            .iter()
            .any(|f| f.name == "has_sse41" && f.as_bool() == Some(true))
}

impl Lowerer<'_, '_> {
    /// A mask with every lane set.
    pub(super) fn all_lanes(&mut self, p: VectorPlan) -> Value {
        let lt = p.mask_ty().lane_type();
        let m = self.b.ins().iconst(lt, -1);
        self.b.ins().splat(p.mask_ty(), m)
    }

    /// `mask ? x : y` lane by lane, for values of vector type `vt` and a mask whose
    /// lanes are all ones or all zeros.
    pub(super) fn vselect(&mut self, p: VectorPlan, mask: Value, x: Value, y: Value) -> Value {
        let mt = p.mask_ty();
        let vt = self.b.func.dfg.value_type(x);
        if blendv_ok(self.module.isa()) {
            // One `blendvpd`/`blendvps` instead of and/andn/or: masks built with
            // band/bor are all ones or all zeros, which Cranelift cannot see.
            let cast = |b: &mut FunctionBuilder, v: Value| {
                if vt == mt {
                    v
                } else {
                    b.ins().bitcast(mt, lane_cast(), v)
                }
            };
            let (xi, yi) = (cast(&mut self.b, x), cast(&mut self.b, y));
            let r = self.b.ins().blendv(mask, xi, yi);
            return if vt == mt {
                r
            } else {
                self.b.ins().bitcast(vt, lane_cast(), r)
            };
        }
        let m = if vt == mt {
            mask
        } else {
            self.b.ins().bitcast(vt, lane_cast(), mask)
        };
        self.b.ins().bitselect(m, x, y)
    }

    /// [`Self::vselect`] of whole values (both parts of complex ones).
    pub(super) fn vselect_val(&mut self, p: VectorPlan, mask: Value, x: Val, y: Val) -> Val {
        match (x, y) {
            (Val::C(a, b), Val::C(c, d)) => {
                Val::C(self.vselect(p, mask, a, c), self.vselect(p, mask, b, d))
            }
            _ => Val::S(self.vselect(p, mask, x.s(), y.s())),
        }
    }

    /// A unary op on vectors where it has a native form; `None`: go lane by lane.
    pub(super) fn vunary(
        &mut self,
        p: VectorPlan,
        op: UnOp,
        x: Val,
        ty: DType,
        out: DType,
    ) -> Option<Val> {
        use UnOp::*;
        if is_complex(ty) {
            return self.complex_vunary(p, op, x, ty, out);
        }
        let xv = x.s();
        let wide32 = ty == DType::I32 && p.wide_i32();
        let b = &mut self.b;
        if ty == DType::Bool || is_int(ty) {
            return match op {
                Neg if is_int(ty) && !wide32 => Some(Val::S(b.ins().ineg(xv))),
                Not => Some(Val::S(b.ins().bnot(xv))),
                _ => None,
            };
        }
        if out != ty && !matches!(op, IsNan) {
            return None;
        }
        Some(Val::S(match op {
            Neg => b.ins().fneg(xv),
            Abs => b.ins().fabs(xv),
            Sqrt => b.ins().sqrt(xv),
            Ceil => b.ins().ceil(xv),
            Floor => b.ins().floor(xv),
            Trunc => b.ins().trunc(xv),
            Round => b.ins().nearest(xv),
            IsNan if out == DType::Bool => b.ins().fcmp(FloatCC::Unordered, xv, xv),
            _ if op.is_transcendental() && op != Sqrt => self.vector_math(p, op, xv, ty)?,
            _ => return None,
        }))
    }

    /// A transcendental of a whole vector through libmvec, under fast math where
    /// libmvec has the function (otherwise the lanes call the scalar functions).
    fn vector_math(&mut self, p: VectorPlan, op: UnOp, x: Value, ty: DType) -> Option<Value> {
        if !p.fast_math {
            return None;
        }
        let name = math::vector_fn(op, ty == DType::F32)?;
        let vt = p.vec_ty(ty);
        let fr = self.import(name, &[vt], &[vt]).ok()?;
        Some(self.call1(fr, &[x]))
    }

    /// A binary op on vectors of operand type `ty` where it has a native form;
    /// `None`: go lane by lane.
    pub(super) fn vbinary(
        &mut self,
        p: VectorPlan,
        op: BinOp,
        x: Val,
        y: Val,
        ty: DType,
    ) -> Option<Val> {
        use BinOp::*;
        if is_complex(ty) {
            let vt = p.vec_ty(ty);
            return match op {
                Add | Sub | Mul | Eq | Ne => self.complex_inline(op, x, y, vt),
                Div => Some(self.complex_vdiv(p, x, y, vt)),
                _ => None,
            };
        }
        let (xv, yv) = (x.s(), y.s());
        if ty == DType::Bool {
            // Lanes are masks: only the bitwise forms apply.
            return match op {
                Add | BitOr | Maximum | Mul | BitAnd | Minimum | BitXor | Ne | Eq => {
                    self.bool_binary(op, xv, yv).ok().map(Val::S)
                }
                _ => None,
            };
        }
        if is_int(ty) {
            return self.int_vbinary(p, op, xv, yv, ty);
        }
        match op {
            Maximum | Minimum => {
                let b = &mut self.b;
                let keep = keep_first(b, op, xv, yv);
                let vt = p.vec_ty(ty);
                let keep = b.ins().bitcast(vt, lane_cast(), keep);
                Some(Val::S(b.ins().bitselect(keep, xv, yv)))
            }
            Add | Sub | Mul | Div | Complex => self.float_binary(op, xv, yv, ty).ok(),
            _ if float_cc(op).is_some() => self.float_binary(op, xv, yv, ty).ok(),
            _ => None,
        }
    }

    /// The scalar lowering's integer instructions work on vectors too, except `imul`
    /// of 64-bit lanes (no SSE instruction) and 32-bit wrapping in 64-bit lanes.
    fn int_vbinary(
        &mut self,
        p: VectorPlan,
        op: BinOp,
        x: Value,
        y: Value,
        ty: DType,
    ) -> Option<Val> {
        use BinOp::*;
        let wide32 = ty == DType::I32 && p.wide_i32();
        match op {
            Add | Sub if wide32 => {
                let v = self.int_binary(op, x, y, ty).ok()?.s();
                Some(Val::S(self.sext32(v)))
            }
            Mul if p.lanes != 4 => None,
            Add | Sub | Mul | BitAnd | BitOr | BitXor => self.int_binary(op, x, y, ty).ok(),
            _ if int_cc(op).is_some() => self.int_binary(op, x, y, ty).ok(),
            _ => None,
        }
    }

    /// Evaluates a scalar operation lane by lane: the vector path's fallback for
    /// operations without a native vector form.
    pub(super) fn per_lane(
        &mut self,
        p: VectorPlan,
        args: &[Val],
        arg_tys: &[DType],
        out: DType,
        mut op: impl FnMut(&mut Self, &[Val]) -> Result<Val>,
    ) -> Result<Val> {
        let out_vt = p.vec_ty(out);
        let (mut acc, mut acc_im) = (None, None);
        for j in 0..p.lanes {
            let lane_args = self.lane_args(p, args, arg_tys, j);
            let (r, im) = match op(self, &lane_args)? {
                Val::C(r, im) => (r, Some(im)),
                Val::S(r) => (r, None),
            };
            let r = self.lane_of(p, r, out);
            acc = Some(match acc {
                None => self.b.ins().scalar_to_vector(out_vt, r),
                Some(v) => self.b.ins().insertlane(v, r, j),
            });
            if let Some(im) = im {
                acc_im = Some(match acc_im {
                    None => self.b.ins().scalar_to_vector(out_vt, im),
                    Some(v) => self.b.ins().insertlane(v, im, j),
                });
            }
        }
        let re = acc.expect("at least one lane");
        Ok(match acc_im {
            Some(im) => Val::C(re, im),
            None => Val::S(re),
        })
    }

    /// Lane `j` of each argument, as the scalar operation takes it: bools as 0/1,
    /// int32 narrowed from its 64-bit lane.
    fn lane_args(&mut self, p: VectorPlan, args: &[Val], arg_tys: &[DType], j: u8) -> Vec<Val> {
        let mut lane_args = Vec::with_capacity(args.len());
        for (a, &t) in args.iter().zip(arg_tys) {
            let x = self.b.ins().extractlane(a.s(), j);
            let x = match t {
                DType::Bool => self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
                DType::I32 if p.wide_i32() => self.b.ins().ireduce(types::I32, x),
                _ => x,
            };
            lane_args.push(match a {
                Val::C(_, im) => Val::C(x, self.b.ins().extractlane(*im, j)),
                Val::S(_) => Val::S(x),
            });
        }
        lane_args
    }

    /// A scalar result of dtype `out` as a lane: bools as masks, int32 sign-extended
    /// into 64-bit lanes.
    fn lane_of(&mut self, p: VectorPlan, r: Value, out: DType) -> Value {
        match out {
            DType::Bool => {
                let lt = p.mask_ty().lane_type();
                let r = self.b.ins().uextend(lt, r);
                self.b.ins().ineg(r)
            }
            DType::I32 if p.wide_i32() => self.b.ins().sextend(types::I64, r),
            _ => r,
        }
    }
}
