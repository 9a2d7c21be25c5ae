//! The counter of a predicated `for` loop (`predicated.rs`).
//!
//! When both bounds of the range are the same for every element (they read only
//! constants and scalar-layout inputs), every lane of every group counts alike: the
//! counter is one scalar register, the loop ends on a scalar compare, and the lanes'
//! loop variable is a splat of it where the body reads it. Only `break` then clears
//! lanes. Otherwise each group counts in an `i64x2` vector from its lanes' own start,
//! and a lane leaves the loop when its counter reaches its own end.
//!
//! Escape-time loops (`range(1, maxi)`) have uniform bounds; per lane, a counter
//! costs every group a register, a compare, an `and` and an add each iteration.

use super::plan::{Mode, VectorPlan};
use super::values::Val;
use super::Lowerer;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{Func, Op, ValueId};
use crate::runtime::Layout;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use cranelift_frontend::Variable;

/// How a predicated loop counts.
pub(super) enum Counter {
    /// One scalar `i64` counter for all lanes, below `end`.
    Shared { counter: Variable, end: Value },
    /// Per group, an `i64x2` counter and the lanes' ends.
    PerLane(Vec<(Variable, Value)>),
}

impl Lowerer<'_, '_> {
    /// The counter of a loop over `range(start, end)`, evaluated once before the loop
    /// for the lanes of `commit` (per group).
    pub(super) fn loop_counter(
        &mut self,
        p: VectorPlan,
        (start, end): (ValueId, ValueId),
        commit: &[Value],
        first_index: Value,
    ) -> Result<Counter> {
        let (f, layouts) = (self.f, self.layouts);
        if uniform(f, layouts, start) && uniform(f, layouts, end) {
            // Nodes of any mode share the statement's memo: start from a clean one.
            self.enter_group(0);
            let first = self.node(Mode::Scalar, start, first_index)?.s();
            let end = self.node(Mode::Scalar, end, first_index)?.s();
            self.enter_group(0);
            let counter = self.b.declare_var(types::I64);
            self.b.def_var(counter, first);
            return Ok(Counter::Shared { counter, end });
        }
        let mode = Mode::Vector(p);
        let mut groups = Vec::with_capacity(commit.len());
        for (g, &active) in commit.iter().enumerate() {
            let index = self.enter_masked(g, active);
            let first = self.node(mode, start, index)?.s();
            let end = self.node(mode, end, index)?.s();
            let counter = self.b.declare_var(types::I64X2);
            self.b.def_var(counter, first);
            groups.push((counter, end));
        }
        Ok(Counter::PerLane(groups))
    }

    /// At the loop's head: whether the shared counter is still in range (`None` for
    /// per-lane counters, whose lanes out of range leave `live`, one mask per group).
    pub(super) fn counter_in_range(&mut self, c: &Counter, live: &[Variable]) -> Option<Value> {
        match c {
            Counter::Shared { counter, end } => {
                let c = self.b.use_var(*counter);
                Some(self.b.ins().icmp(IntCC::SignedLessThan, c, *end))
            }
            Counter::PerLane(groups) => {
                for (&(counter, end), &l) in groups.iter().zip(live) {
                    let c = self.b.use_var(counter);
                    let in_range = self.b.ins().icmp(IntCC::SignedLessThan, c, end);
                    let lanes = self.b.use_var(l);
                    let lanes = self.b.ins().band(lanes, in_range);
                    self.b.def_var(l, lanes);
                }
                None
            }
        }
    }

    /// Group `g`'s loop variable (`i64x2`, cast to `ty`) in this iteration.
    pub(super) fn counter_value(&mut self, p: VectorPlan, c: &Counter, g: usize, ty: DType) -> Val {
        let lanes = match c {
            Counter::Shared { counter, .. } => {
                let c = self.b.use_var(*counter);
                self.b.ins().splat(types::I64X2, c)
            }
            Counter::PerLane(groups) => self.b.use_var(groups[g].0),
        };
        self.cast(Mode::Vector(p), Val::S(lanes), DType::I64, ty)
    }

    /// Counts one iteration.
    pub(super) fn count(&mut self, c: &Counter) {
        match c {
            Counter::Shared { counter, .. } => {
                let c = self.b.use_var(*counter);
                let next = self.b.ins().iadd_imm_s(c, 1);
                self.b.def_var(*counter, next);
            }
            Counter::PerLane(groups) => {
                let one = self.b.ins().iconst(types::I64, 1);
                let one = self.b.ins().splat(types::I64X2, one);
                for &(counter, _) in groups {
                    let c = self.b.use_var(counter);
                    let next = self.b.ins().iadd(c, one);
                    self.b.def_var(counter, next);
                }
            }
        }
    }
}

/// Whether node `id` has the same value for every element: it reads only constants
/// and scalar-layout inputs (no local, no per-element input).
fn uniform(f: &Func, layouts: &[Layout], id: ValueId) -> bool {
    let mut stack = vec![id];
    let mut seen = vec![false; f.nodes.len()];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        let n = f.node(id);
        match n.op {
            Op::Var(_) => return false,
            Op::Input(k) if layouts.get(k as usize) != Some(&Layout::Scalar) => return false,
            _ => stack.extend(n.args.iter().copied()),
        }
    }
    true
}
