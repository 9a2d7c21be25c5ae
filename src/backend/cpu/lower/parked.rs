//! Locals that a predicated loop touches only inside `if` arms (an escape-time
//! loop's `escape = i`) are parked in stack slots while the loop runs: the arms,
//! which run only when a lane takes them, load, blend and store them, and the
//! iterations that take no arm keep every register for the values they compute. In
//! registers they would be live through every iteration, one vector per group, and
//! push the hot values out to the stack (the register allocator does not know which
//! blocks are rare). Parked only when the loop's live vectors would not fit the
//! registers anyway (`PARK_ABOVE`).

use super::plan::VectorPlan;
use super::values::is_complex;
use super::Lowerer;
use crate::ir::{Func, Op, Stmt, ValueId, VarId};
use cranelift_codegen::ir::{InstBuilder, StackSlot, StackSlotData, StackSlotKind, Type};

/// Vector registers of the 128-bit targets (x86-64's 16 XMM; aarch64 has 32).
const VECTOR_REGISTERS: usize = 16;

/// Live vectors across a loop (all groups) from which its cold locals are parked:
/// the registers less a few for the temporaries of the body.
const PARK_ABOVE: usize = VECTOR_REGISTERS - 4;

impl Lowerer<'_, '_> {
    /// Parks the locals that the loop with `body` (and loop variable `var`) reads or
    /// assigns only inside `if` arms, when the loop would not fit the registers;
    /// returns them, for [`Self::unpark`] after the loop.
    pub(super) fn park_cold_locals(
        &mut self,
        p: VectorPlan,
        var: VarId,
        body: &[Stmt],
    ) -> Vec<usize> {
        let f = self.f;
        let mut hot = vec![false; f.vars.len()];
        hot[var as usize] = true;
        mark_hot(f, body, &mut hot);
        let parts = |k: usize| 1 + is_complex(f.vars[k].ty) as usize;
        let cold: Vec<usize> = (0..f.vars.len())
            .filter(|&k| !hot[k] && self.locals[k].slots.is_empty())
            .collect();
        let locals: usize = (0..f.vars.len()).map(parts).sum();
        let inputs = self.f.inputs.len();
        // Locals, inputs and the live mask of every group.
        let live = (locals + inputs + 1) * p.groups as usize;
        if live <= PARK_ABOVE {
            return vec![];
        }
        for &k in &cold {
            let size = 16 * parts(k) as u32;
            let slots = (0..p.groups as usize)
                .map(|g| {
                    self.enter_group(g);
                    let v = self.get_local(super::plan::Mode::Vector(p), k);
                    let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                        StackSlotKind::ExplicitSlot,
                        size,
                        4,
                    ));
                    let ptr = self.module.target_config().pointer_type();
                    store_parts(&mut self.b, ptr, slot, v);
                    slot
                })
                .collect();
            self.locals[k].slots = slots;
        }
        self.enter_group(0);
        cold
    }

    /// Back into variables, after the loop: the locals [`Self::park_cold_locals`]
    /// parked.
    pub(super) fn unpark(&mut self, p: VectorPlan, parked: &[usize]) {
        for &k in parked {
            let slots = std::mem::take(&mut self.locals[k].slots);
            for (g, slot) in slots.into_iter().enumerate() {
                self.enter_group(g);
                let v = self.load_parked(p, k, slot);
                self.set_local(super::plan::Mode::Vector(p), k, v);
            }
        }
        self.enter_group(0);
    }
}

/// Stores the parts of `v` in `slot` (the imaginary part at 16).
pub(super) fn store_parts(
    b: &mut cranelift_frontend::FunctionBuilder,
    ptr: Type,
    slot: StackSlot,
    v: super::values::Val,
) {
    match v {
        super::values::Val::C(re, im) => {
            b.ins().stack_store(ptr, re, slot, 0);
            b.ins().stack_store(ptr, im, slot, 16);
        }
        super::values::Val::S(s) => {
            b.ins().stack_store(ptr, s, slot, 0);
        }
    }
}

/// Marks the locals that the statements of `body` outside `if` arms read or assign
/// (a nested loop's body runs on every iteration: all of it).
fn mark_hot(f: &Func, body: &[Stmt], hot: &mut [bool]) {
    let mut roots: Vec<ValueId> = vec![];
    let mut loops: Vec<&[Stmt]> = vec![body];
    while let Some(stmts) = loops.pop() {
        for s in stmts {
            match s {
                Stmt::Assign { var, value } => {
                    hot[*var as usize] = true;
                    roots.push(*value);
                }
                Stmt::If { cond, .. } => roots.push(*cond),
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => {
                    hot[*var as usize] = true;
                    roots.extend([*start, *end]);
                    loops.push(body);
                }
                Stmt::Break => {}
            }
        }
    }
    let mut seen = vec![false; f.nodes.len()];
    while let Some(id) = roots.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        let n = f.node(id);
        if let Op::Var(k) = n.op {
            hot[k as usize] = true;
        }
        roots.extend(n.args.iter().copied());
    }
}
