//! The leaf-sum kernel of a float sum: instead of the elementwise result, the sum of
//! each leaf of [`LEAF`] elements, added exactly as NumPy's pairwise summation adds
//! them (8 running accumulators, then combined by halves); the driver adds the leaf
//! sums up by halves.

use super::plan::{Mode, VectorPlan};
use super::values::mem;
use super::Lowerer;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{Func, ReduceOp};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder, Value};
use cranelift_frontend::Variable;

/// Elements per leaf of NumPy's pairwise summation: a leaf is summed by 8 running
/// accumulators, leaves are then added up by halves.
pub const LEAF: usize = 128;

/// Whether `f` can compile to a leaf-sum kernel (see `Lowerer::lower`): a whole-array
/// float sum of a straight-line vector program.
pub fn leaf_sum_ok(f: &Func, plan: Option<VectorPlan>) -> bool {
    let Some(r) = f.reduce else { return false };
    plan.is_some()
        && f.is_straight_line()
        && r.op == ReduceOp::Sum
        && r.axis.is_none()
        && f.outputs.len() == 1
        && matches!(r.ty, DType::F64 | DType::F32)
        && f.vars[f.outputs[0] as usize].ty == r.ty
}

impl Lowerer<'_, '_> {
    /// The leaf-sum main loop: per leaf, `8 / lanes` vector accumulators start from the
    /// leaf's first 8 values and add up the rest 8 at a time; the 8 running sums are
    /// then combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`.
    pub(super) fn leaf_loops(&mut self, p: VectorPlan, end: Value, exit: Block) -> Result<()> {
        let (head, body) = (self.b.create_block(), self.b.create_block());
        let (inner_head, inner_body, inner_exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        let i = self.b.use_var(self.idx);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, i, end);
        self.b.ins().brif(go, body, &[], exit, &[]);

        self.b.switch_to_block(body);
        let i = self.b.use_var(self.idx);
        let sums = self.leaf_start(p, i)?;
        let j = self.b.declare_var(types::I64);
        let second = self.b.ins().iadd_imm_s(i, 8);
        self.b.def_var(j, second);
        let limit = self.b.ins().iadd_imm_s(i, LEAF as i64);
        self.b.ins().jump(inner_head, &[]);
        self.b.switch_to_block(inner_head);
        let next8 = self.b.use_var(j);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, next8, limit);
        self.b.ins().brif(go, inner_body, &[], inner_exit, &[]);
        self.b.switch_to_block(inner_body);
        let next8 = self.b.use_var(j);
        self.leaf_add(p, &sums, next8)?;
        let next = self.b.ins().iadd_imm_s(next8, 8);
        self.b.def_var(j, next);
        self.b.ins().jump(inner_head, &[]);

        self.b.switch_to_block(inner_exit);
        let i = self.leaf_store(p, &sums);
        let next = self.b.ins().iadd_imm_s(i, LEAF as i64);
        self.b.def_var(self.idx, next);
        self.b.ins().jump(head, &[]);
        Ok(())
    }

    /// The `8 / lanes` vector accumulators of the leaf at `i`, from its first 8 values.
    fn leaf_start(&mut self, p: VectorPlan, i: Value) -> Result<Vec<Variable>> {
        let out = self.f.outputs[0] as usize;
        let ty = self.f.vars[out].ty;
        let lanes = p.lanes as usize;
        let mut sums = vec![];
        for k in 0..8 / lanes {
            let index = self.b.ins().iadd_imm_s(i, (k * lanes) as i64);
            let v = self.leaf_value(p, index)?;
            let sum = self.b.declare_var(p.vec_ty(ty));
            self.b.def_var(sum, v);
            sums.push(sum);
        }
        Ok(sums)
    }

    /// Adds the 8 values from `j` on to the accumulators.
    fn leaf_add(&mut self, p: VectorPlan, sums: &[Variable], j: Value) -> Result<()> {
        let lanes = p.lanes as usize;
        for (k, &sum) in sums.iter().enumerate() {
            let index = self.b.ins().iadd_imm_s(j, (k * lanes) as i64);
            let v = self.leaf_value(p, index)?;
            let cur = self.b.use_var(sum);
            let new = self.b.ins().fadd(cur, v);
            self.b.def_var(sum, new);
        }
        Ok(())
    }

    /// Combines the 8 running sums by halves and stores the leaf's sum; returns the
    /// index of the leaf's first element.
    fn leaf_store(&mut self, p: VectorPlan, sums: &[Variable]) -> Value {
        let ty = self.f.vars[self.f.outputs[0] as usize].ty;
        let mut r = vec![];
        for &sum in sums {
            let v = self.b.use_var(sum);
            for lane in 0..p.lanes {
                r.push(self.b.ins().extractlane(v, lane));
            }
        }
        let b = &mut self.b;
        let s01 = b.ins().fadd(r[0], r[1]);
        let s23 = b.ins().fadd(r[2], r[3]);
        let s45 = b.ins().fadd(r[4], r[5]);
        let s67 = b.ins().fadd(r[6], r[7]);
        let lo = b.ins().fadd(s01, s23);
        let hi = b.ins().fadd(s45, s67);
        let total = b.ins().fadd(lo, hi);
        let i = self.b.use_var(self.idx);
        let leaf = self.b.ins().ushr_imm_s(i, LEAF.trailing_zeros() as i64);
        let addr = self.addr(self.out_ptrs[0], leaf, ty);
        self.b.ins().store(mem(), total, addr, 0);
        i
    }

    /// The output's value for the vector at index `i`.
    fn leaf_value(&mut self, p: VectorPlan, i: Value) -> Result<Value> {
        let mode = Mode::Vector(p);
        let out = self.f.outputs[0] as usize;
        self.memo.clear();
        self.init_locals(mode, i);
        self.scalar_body(mode, i)?;
        Ok(self.get_local(mode, out).s())
    }
}
