//! Memory and constants: loads of inputs (complex vectors deinterleaved, bools widened
//! to lane masks, int32 sign-extended into 64-bit lanes), stores of outputs (the
//! inverse), lane shuffles, and scalar or splatted constants.

use super::plan::{Mode, VectorPlan};
use super::values::{clif_type, elem_size, is_complex, lane_cast, mem, Val};
use super::Lowerer;
use crate::dtype::DType;
use crate::value::Scalar;
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl Lowerer<'_, '_> {
    /// The address of element `i` of an array of `ty` at `base`.
    pub(super) fn addr(&mut self, base: Value, i: Value, ty: DType) -> Value {
        let off = self.b.ins().imul_imm_s(i, elem_size(ty));
        self.b.ins().iadd(base, off)
    }

    /// One scalar of `ty` at `ptr + off`.
    pub(super) fn load_at(&mut self, ty: DType, ptr: Value, off: i32) -> Val {
        let t = clif_type(ty);
        let r = self.b.ins().load(t, mem(), ptr, off);
        if is_complex(ty) {
            let half = elem_size(ty) as i32 / 2;
            Val::C(r, self.b.ins().load(t, mem(), ptr, off + half))
        } else {
            Val::S(r)
        }
    }

    /// Input `k` at element `i` (the vector from `i` on, in vector mode).
    pub(super) fn input(&mut self, mode: Mode, k: u32, i: Value) -> Val {
        let k = k as usize;
        let ty = self.f.inputs[k].ty;
        match mode {
            Mode::Scalar => match self.in_scalar[k] {
                Some(v) => v,
                None => {
                    let a = self.addr(self.in_ptrs[k], i, ty);
                    self.load_at(ty, a, 0)
                }
            },
            Mode::Vector(p) => {
                if let Some(v) = self.in_splat[k] {
                    return v;
                }
                if let Some(v) = self.loaded_input(k) {
                    return v;
                }
                let a = self.addr(self.in_ptrs[k], i, ty);
                self.load_vector(p, ty, a)
            }
        }
    }

    /// The vector of `ty` at `a`.
    fn load_vector(&mut self, p: VectorPlan, ty: DType, a: Value) -> Val {
        if is_complex(ty) {
            let vt = p.vec_ty(ty);
            let v0 = self.b.ins().load(vt, mem(), a, 0);
            let v1 = self.b.ins().load(vt, mem(), a, 16);
            // [r0 i0 r1 i1 ..] -> [r0 r1 ..], [i0 i1 ..]
            let n = p.lanes as usize;
            let re: Vec<usize> = (0..n).map(|j| 2 * j).collect();
            let im: Vec<usize> = (0..n).map(|j| 2 * j + 1).collect();
            let r = self.shuffle(v0, v1, &re);
            let i = self.shuffle(v0, v1, &im);
            Val::C(r, i)
        } else if ty == DType::I32 && p.wide_i32() {
            Val::S(self.b.ins().sload32x2(mem(), a, 0))
        } else if ty == DType::Bool {
            Val::S(self.load_mask(p, a, 0))
        } else {
            Val::S(self.b.ins().load(p.vec_ty(ty), mem(), a, 0))
        }
    }

    /// Bool bytes 0/1 at `a + off` -> mask lanes 0/-1: one load of all the lanes'
    /// bytes, one byte shuffle repeating each across its lane, a byte negation.
    pub(super) fn load_mask(&mut self, p: VectorPlan, a: Value, off: i32) -> Value {
        let (bytes_ty, vector_ty) = if p.lanes == 2 {
            (types::I16, types::I16X8)
        } else {
            (types::I32, types::I32X4)
        };
        let x = self.b.ins().load(bytes_ty, mem(), a, off);
        let v = self.b.ins().scalar_to_vector(vector_ty, x);
        let v = self.b.ins().bitcast(types::I8X16, lane_cast(), v);
        let size = 16 / p.lanes as usize;
        let sel: Vec<usize> = (0..16).map(|j| j / size).collect();
        let v = self.shuffle(v, v, &sel);
        let v = self.b.ins().ineg(v);
        self.b.ins().bitcast(p.mask_ty(), lane_cast(), v)
    }

    /// Lanes `sel` (indices into the lanes of `x` followed by those of `y`) of two
    /// vectors of one type.
    pub(super) fn shuffle(&mut self, x: Value, y: Value, sel: &[usize]) -> Value {
        let vt = self.b.func.dfg.value_type(x);
        let size = vt.lane_bits() as usize / 8;
        let bytes: Vec<u8> = sel
            .iter()
            .flat_map(|&l| (0..size).map(move |k| (l * size + k) as u8))
            .collect();
        let imm = self.b.func.dfg.immediates.push(bytes.into());
        if vt == types::I8X16 {
            return self.b.ins().shuffle(x, y, imm);
        }
        let xb = self.b.ins().bitcast(types::I8X16, lane_cast(), x);
        let yb = self.b.ins().bitcast(types::I8X16, lane_cast(), y);
        let r = self.b.ins().shuffle(xb, yb, imm);
        self.b.ins().bitcast(vt, lane_cast(), r)
    }

    /// Stores `v` of dtype `ty` at `addr` (a whole vector's elements in vector mode).
    pub(super) fn store(&mut self, mode: Mode, ty: DType, v: Val, addr: Value) {
        match (mode, v) {
            (Mode::Vector(p), Val::C(r, im)) => self.store_complex_vector(p, r, im, addr),
            (Mode::Vector(p), Val::S(x)) if ty == DType::I32 && p.wide_i32() => {
                self.store_wide_i32(x, addr)
            }
            (Mode::Scalar, Val::C(r, im)) => {
                self.b.ins().store(mem(), r, addr, 0);
                let half = elem_size(ty) as i32 / 2;
                self.b.ins().store(mem(), im, addr, half);
            }
            (Mode::Vector(p), Val::S(x)) if ty == DType::Bool => self.store_mask(p, x, addr),
            (_, v) => {
                self.b.ins().store(mem(), v.s(), addr, 0);
            }
        }
    }

    /// [r0 r1 ..], [i0 i1 ..] -> [r0 i0 r1 i1 ..]
    fn store_complex_vector(&mut self, p: VectorPlan, r: Value, im: Value, addr: Value) {
        let n = p.lanes as usize;
        let lo: Vec<usize> = (0..n / 2).flat_map(|j| [j, n + j]).collect();
        let hi: Vec<usize> = (n / 2..n).flat_map(|j| [j, n + j]).collect();
        let a = self.shuffle(r, im, &lo);
        let b = self.shuffle(r, im, &hi);
        self.b.ins().store(mem(), a, addr, 0);
        self.b.ins().store(mem(), b, addr, 16);
    }

    /// Sign-extended 64-bit lanes -> two int32s.
    fn store_wide_i32(&mut self, x: Value, addr: Value) {
        let halves = self.b.ins().bitcast(types::I32X4, lane_cast(), x);
        let low = self.shuffle(halves, halves, &[0, 2, 0, 2]);
        let low = self.b.ins().bitcast(types::I64X2, lane_cast(), low);
        let both = self.b.ins().extractlane(low, 0);
        self.b.ins().store(mem(), both, addr, 0);
    }

    /// The low byte of each mask lane, gathered by one byte shuffle and stored at once
    /// as 0/1 bytes.
    fn store_mask(&mut self, p: VectorPlan, x: Value, addr: Value) {
        let n = p.lanes as usize;
        let size = 16 / n;
        let sel: Vec<usize> = (0..16).map(|j| if j < n { j * size } else { 0 }).collect();
        let xb = self.b.ins().bitcast(types::I8X16, lane_cast(), x);
        let bytes = self.shuffle(xb, xb, &sel);
        let (vector_ty, bytes_ty, ones) = if n == 2 {
            (types::I16X8, types::I16, 0x0101)
        } else {
            (types::I32X4, types::I32, 0x0101_0101)
        };
        let v = self.b.ins().bitcast(vector_ty, lane_cast(), bytes);
        let low = self.b.ins().extractlane(v, 0);
        debug_assert_eq!(self.b.func.dfg.value_type(low), bytes_ty);
        let low = self.b.ins().band_imm_s(low, ones);
        self.b.ins().store(mem(), low, addr, 0);
    }

    /// A scalar (or splatted) constant.
    pub(super) fn constant(&mut self, mode: Mode, c: Scalar) -> Val {
        let s = self.scalar_const(c);
        match mode {
            Mode::Scalar => s,
            Mode::Vector(p) => self.splat_val(p, c.dtype(), s),
        }
    }

    /// Splats a scalar value of dtype `ty` (complex: both halves).
    pub(super) fn splat_val(&mut self, p: VectorPlan, ty: DType, v: Val) -> Val {
        match v {
            Val::C(r, i) => {
                let vt = p.vec_ty(ty);
                Val::C(self.b.ins().splat(vt, r), self.b.ins().splat(vt, i))
            }
            Val::S(s) => Val::S(self.splat_of(p, ty, s)),
        }
    }

    fn scalar_const(&mut self, c: Scalar) -> Val {
        let b = &mut self.b;
        match c {
            Scalar::Bool(x) => Val::S(b.ins().iconst(types::I8, x as i64)),
            Scalar::I32(x) => Val::S(b.ins().iconst(types::I32, x as i64)),
            Scalar::I64(x) => Val::S(b.ins().iconst(types::I64, x)),
            Scalar::F32(x) => Val::S(b.ins().f32const(x)),
            Scalar::F64(x) => Val::S(b.ins().f64const(x)),
            Scalar::C64(z) => Val::C(b.ins().f32const(z.re), b.ins().f32const(z.im)),
            Scalar::C128(z) => Val::C(b.ins().f64const(z.re), b.ins().f64const(z.im)),
        }
    }

    /// Splats a scalar of dtype `ty` (bool: 0/1 -> mask 0/-1).
    pub(super) fn splat_of(&mut self, p: VectorPlan, ty: DType, s: Value) -> Value {
        if ty == DType::Bool {
            let lt = p.mask_ty().lane_type();
            let x = self.b.ins().uextend(lt, s);
            let x = self.b.ins().ineg(x);
            self.b.ins().splat(p.mask_ty(), x)
        } else if ty == DType::I32 && p.wide_i32() {
            let x = self.b.ins().sextend(types::I64, s);
            self.b.ins().splat(types::I64X2, x)
        } else {
            self.b.ins().splat(p.vec_ty(ty), s)
        }
    }
}
