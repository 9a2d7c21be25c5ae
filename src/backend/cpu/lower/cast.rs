//! NumPy's `astype` (see `Scalar::cast`) on scalars and vectors. Float -> int follows
//! x86's `cvttsd2si`: NaN and out-of-range values become `INT_MIN`, by a select after
//! a saturating conversion, so that nothing traps.

use super::plan::{Mode, VectorPlan};
use super::values::{clif_type, fconst, is_complex, lane_cast, real_of, Val};
use super::Lowerer;
use crate::dtype::DType;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl Lowerer<'_, '_> {
    pub(super) fn cast(&mut self, mode: Mode, v: Val, from: DType, to: DType) -> Val {
        if from == to {
            return v;
        }
        match mode {
            Mode::Scalar => self.scast(v, from, to),
            Mode::Vector(p) => self.vcast(p, v, from, to),
        }
    }

    /// `astype` on vectors: native where SSE has it, lane by lane otherwise.
    pub(super) fn vcast(&mut self, p: VectorPlan, v: Val, from: DType, to: DType) -> Val {
        use DType::*;
        if from == to {
            return v;
        }
        match (from, to) {
            (Bool, F32 | F64) => {
                // Mask & bits(1.0).
                let one = fconst(&mut self.b, p.vec_ty(to), 1.0);
                let m = self.b.ins().bitcast(p.vec_ty(to), lane_cast(), v.s());
                Val::S(self.b.ins().band(m, one))
            }
            (I32, I64) if p.wide_i32() => v,
            (I64, I32) => Val::S(self.sext32(v.s())),
            (C64 | C128, Bool) => {
                let (r, i) = v.c(&mut self.b, p.vec_ty(from));
                let z = fconst(&mut self.b, p.vec_ty(from), 0.0);
                let a = self.b.ins().fcmp(FloatCC::NotEqual, r, z);
                let c = self.b.ins().fcmp(FloatCC::NotEqual, i, z);
                Val::S(self.b.ins().bor(a, c))
            }
            (C64 | C128, F32 | F64 | I32 | I64) => {
                let (r, _) = v.c(&mut self.b, p.vec_ty(from));
                self.vcast(p, Val::S(r), real_of(from), to)
            }
            (Bool | I32 | I64 | F32 | F64, C64 | C128) => {
                let r = self.vcast(p, v, from, real_of(to)).s();
                let z = fconst(&mut self.b, p.vec_ty(to), 0.0);
                Val::C(r, z)
            }
            _ => {
                let r = self.per_lane(p, &[v], &[from], to, |s, a| Ok(s.scast(a[0], from, to)));
                r.unwrap_or(v)
            }
        }
    }

    /// Wraps 64-bit lanes to int32, sign-extended again (SSE has no 64-bit
    /// arithmetic shift): `((x << 32) >>> 32 ^ 2^31) - 2^31`.
    pub(super) fn sext32(&mut self, x: Value) -> Value {
        let b = &mut self.b;
        let hi = b.ins().ishl_imm_s(x, 32);
        let lo = b.ins().ushr_imm_s(hi, 32);
        let k = b.ins().iconst(types::I64, 1 << 31);
        let k = b.ins().splat(types::I64X2, k);
        let f = b.ins().bxor(lo, k);
        b.ins().isub(f, k)
    }

    /// NumPy `astype` on one element (see `Scalar::cast`).
    pub(super) fn scast(&mut self, v: Val, from: DType, to: DType) -> Val {
        use DType::*;
        if from == to {
            return v;
        }
        if is_complex(from) || is_complex(to) {
            return self.scast_complex(v, from, to);
        }
        let x = v.s();
        let b = &mut self.b;
        Val::S(match (from, to) {
            (Bool, I32 | I64) => b.ins().uextend(clif_type(to), x),
            (Bool, F32 | F64) => {
                let wide = b.ins().uextend(types::I32, x);
                b.ins().fcvt_from_sint(clif_type(to), wide)
            }
            (I32 | I64, Bool) => b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
            (I32, I64) => b.ins().sextend(types::I64, x),
            (I64, I32) => b.ins().ireduce(types::I32, x),
            (I32 | I64, F32 | F64) => b.ins().fcvt_from_sint(clif_type(to), x),
            (F32 | F64, Bool) => {
                let z = fconst(b, clif_type(from), 0.0);
                b.ins().fcmp(FloatCC::NotEqual, x, z)
            }
            (F32, F64) => b.ins().fpromote(types::F64, x),
            (F64, F32) => b.ins().fdemote(types::F32, x),
            (F32 | F64, I32 | I64) => self.float_to_int(x, from, to),
            _ => return v,
        })
    }

    /// `astype` from or to a complex dtype, on one element.
    fn scast_complex(&mut self, v: Val, from: DType, to: DType) -> Val {
        use DType::*;
        let b = &mut self.b;
        match (from, to) {
            (C64 | C128, Bool) => {
                let (r, i) = v.c(b, clif_type(from));
                let z = fconst(b, clif_type(from), 0.0);
                let a = b.ins().fcmp(FloatCC::NotEqual, r, z);
                let c = b.ins().fcmp(FloatCC::NotEqual, i, z);
                Val::S(b.ins().bor(a, c))
            }
            (C64 | C128, C64 | C128) => {
                let (r, i) = v.c(b, clif_type(from));
                let r = self.scast(Val::S(r), real_of(from), real_of(to)).s();
                let i = self.scast(Val::S(i), real_of(from), real_of(to)).s();
                Val::C(r, i)
            }
            (C64 | C128, _) => {
                let (r, _) = v.c(b, clif_type(from));
                self.scast(Val::S(r), real_of(from), to)
            }
            _ => {
                let r = self.scast(v, from, real_of(to)).s();
                let z = fconst(&mut self.b, clif_type(to), 0.0);
                Val::C(r, z)
            }
        }
    }

    /// x86 `cvttsd2si`: NaN and out-of-range give INT_MIN. f32 goes through f64
    /// exactly, as `Scalar::cast` does.
    fn float_to_int(&mut self, x: Value, from: DType, to: DType) -> Value {
        let b = &mut self.b;
        let x = if from == DType::F32 {
            b.ins().fpromote(types::F64, x)
        } else {
            x
        };
        let (lo, hi, min) = if to == DType::I32 {
            (-2147483649.0, 2147483648.0, i32::MIN as i64)
        } else {
            (-9.223372036854776e18, 9.223372036854776e18, i64::MIN)
        };
        let t = clif_type(to);
        let sat = b.ins().fcvt_to_sint_sat(t, x);
        let lo = b.ins().f64const(lo);
        let hi = b.ins().f64const(hi);
        let above = if to == DType::I32 {
            b.ins().fcmp(FloatCC::GreaterThan, x, lo)
        } else {
            b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo)
        };
        let below = b.ins().fcmp(FloatCC::LessThan, x, hi);
        let ok = b.ins().band(above, below);
        let m = b.ins().iconst(t, min);
        b.ins().select(ok, sat, m)
    }
}
