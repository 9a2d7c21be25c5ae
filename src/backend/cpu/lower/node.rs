//! One IR node: its arguments first (memoized per statement and group), then its
//! operation, as scalar code or as vector code with the per-lane fallback.

use super::abs_compare::AbsCompare;
use super::plan::{Mode, VectorPlan};
use super::values::{is_int, Val};
use super::Lowerer;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{BinOp, Op, UnOp, ValueId};
use cranelift_codegen::ir::{InstBuilder, Value};

impl Lowerer<'_, '_> {
    /// The value of node `id` for the element (vector) at index `i`.
    pub(super) fn node(&mut self, mode: Mode, id: ValueId, i: Value) -> Result<Val> {
        // Operand chains may be `limits::MAX_DEPTH` deep (and more after lowering).
        crate::limits::stack(|| self.node_at(mode, id, i))
    }

    fn node_at(&mut self, mode: Mode, id: ValueId, i: Value) -> Result<Val> {
        if let Some(&v) = self.memo.get(&id) {
            return Ok(v);
        }
        let f = self.f;
        let n = f.node(id);
        if let Mode::Vector(p) = mode {
            if let Some(v) = self.staged_value(p, id, i) {
                self.memo.insert(id, v);
                return Ok(v);
            }
        }
        if let (Mode::Vector(p), Some(cmp)) = (mode, AbsCompare::of(f, self.layouts, id)) {
            let v = self.vabs_compare(p, cmp, i)?;
            self.memo.insert(id, v);
            return Ok(v);
        }
        let mut args = Vec::with_capacity(n.args.len());
        for &a in &n.args {
            args.push(self.node(mode, a, i)?);
        }
        let arg_ty = |k: usize| f.node(n.args[k]).ty;
        let v = match n.op {
            Op::Input(k) => self.input(mode, k, i),
            Op::Const(c) => self.constant(mode, c),
            Op::Var(v) => self.get_local(mode, v as usize),
            Op::Cast => self.cast(mode, args[0], arg_ty(0), n.ty),
            Op::Where => match mode {
                Mode::Scalar => self.select(args[0].s(), args[1], args[2]),
                Mode::Vector(p) => self.vselect_val(p, args[0].s(), args[1], args[2]),
            },
            Op::Unary(op) => match mode {
                Mode::Scalar => self.unary(op, args[0], arg_ty(0), n.ty)?,
                Mode::Vector(p) => self.vector_unary(p, op, args[0], arg_ty(0), n.ty)?,
            },
            Op::Binary(op) => match mode {
                Mode::Scalar => self.binary(op, args[0], args[1], arg_ty(0), n.ty)?,
                Mode::Vector(p) => {
                    self.vector_binary(p, op, [args[0], args[1]], arg_ty(0), n.ty)?
                }
            },
        };
        self.memo.insert(id, v);
        Ok(v)
    }

    /// A unary op on a vector: native where there is an instruction, lane by lane
    /// otherwise.
    fn vector_unary(
        &mut self,
        p: VectorPlan,
        op: UnOp,
        x: Val,
        ty: DType,
        out: DType,
    ) -> Result<Val> {
        match self.vunary(p, op, x, ty, out) {
            Some(v) => Ok(v),
            None => self.per_lane(p, &[x], &[ty], out, |s, a| s.unary(op, a[0], ty, out)),
        }
    }

    /// A binary op on vectors of operand type `ty`: native where there is an
    /// instruction, lane by lane otherwise.
    fn vector_binary(
        &mut self,
        p: VectorPlan,
        op: BinOp,
        [x, y]: [Val; 2],
        ty: DType,
        out: DType,
    ) -> Result<Val> {
        if let Some(v) = self.vbinary(p, op, x, y, ty) {
            return Ok(v);
        }
        let mut y = y;
        if let (BinOp::Pow, true, Some(m)) = (op, is_int(ty), self.active_lanes()) {
            // Inactive lanes hold stale values: a negative exponent there must not
            // raise the error.
            let z = self.b.ins().iconst(p.vec_ty(ty).lane_type(), 0);
            let z = self.b.ins().splat(p.vec_ty(ty), z);
            y = Val::S(self.b.ins().bitselect(m, y.s(), z));
        }
        self.per_lane(p, &[x, y], &[ty, ty], out, |s, a| {
            s.binary(op, a[0], a[1], ty, out)
        })
    }
}
