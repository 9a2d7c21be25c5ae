//! Programs with control flow in vector mode: `p.groups` vectors of elements run
//! predicated side by side. Every statement runs for all lanes and commits only in
//! the lanes of `arm & live` (the enclosing `if` arms' mask and the innermost loop's
//! live lanes); an `if` arm runs (under its mask) when any lane takes it; a loop
//! iterates while any lane of any group is still in it; `break` clears lanes from the
//! innermost loop's live mask. Each statement is lowered for every group in turn, so
//! the groups' dependency chains interleave.
//!
//! All groups load their inputs before the body runs and store their outputs after it,
//! so every input of the step is read before any output is written.

use super::loop_counter::Counter;
use super::plan::{Mode, VectorPlan};
use super::values::Val;
use super::Lowerer;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::{Func, Op, Stmt, ValueId, VarId};
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::Variable;

/// The state of a predicated program while it is lowered.
pub(super) struct Predication<'a> {
    groups: Vec<Group>,
    /// Bodies of the loops enclosing the statement being lowered, outermost first.
    loop_bodies: Vec<&'a [Stmt]>,
    /// The lanes of the current group that the statement being lowered commits.
    active: Option<Value>,
}

/// One vector group.
struct Group {
    /// The index of its first element.
    index: Value,
    /// Its inputs, loaded (and deinterleaved) once, not once per loop iteration.
    inputs: Vec<Val>,
    /// Its live-lane masks: the whole body's, then one per enclosing loop (innermost
    /// last).
    live: Vec<Variable>,
}

impl<'a> Lowerer<'a, '_> {
    /// `p.groups` vectors of a program with control flow, from index `i` on.
    pub(super) fn vector_groups(&mut self, p: VectorPlan, i: Value) -> Result<()> {
        let mode = Mode::Vector(p);
        let all = self.all_lanes(p);
        self.predication = Some(Predication {
            groups: vec![],
            loop_bodies: vec![],
            active: None,
        });
        for g in 0..p.groups as usize {
            self.enter_group(g);
            let index = self.b.ins().iadd_imm_s(i, (g * p.lanes as usize) as i64);
            let inputs = (0..self.f.inputs.len() as u32)
                .map(|k| self.input(mode, k, index))
                .collect();
            let live = vec![];
            self.predication_mut().groups.push(Group {
                index,
                inputs,
                live,
            });
            self.init_locals(mode, index);
            let all_live = self.b.declare_var(p.mask_ty());
            self.b.def_var(all_live, all);
            self.predication_mut().groups[g].live.push(all_live);
        }
        let f = self.f;
        self.masked_block(p, &f.body, &vec![None; p.groups as usize])?;
        let groups = self
            .predication
            .take()
            .map(|s| s.groups)
            .unwrap_or_default();
        for (g, group) in groups.iter().enumerate() {
            self.enter_group(g);
            self.store_outputs(mode, group.index);
        }
        self.enter_group(0);
        Ok(())
    }

    fn predication_mut(&mut self) -> &mut Predication<'a> {
        self.predication
            .as_mut()
            .expect("inside a predicated program")
    }

    fn loop_bodies(&self) -> &[&'a [Stmt]] {
        self.predication.as_ref().map_or(&[], |s| &s.loop_bodies)
    }

    /// The current group's input `k`, when a predicated program has loaded it.
    pub(super) fn loaded_input(&self, k: usize) -> Option<Val> {
        let group = self.predication.as_ref()?.groups.get(self.group)?;
        Some(group.inputs[k])
    }

    /// The lanes the statement being lowered commits, in a predicated program.
    pub(super) fn active_lanes(&self) -> Option<Value> {
        self.predication.as_ref()?.active
    }

    /// Switches to group `g` for a statement that commits the lanes of `active`;
    /// returns the index of the group's first element.
    pub(super) fn enter_masked(&mut self, g: usize, active: Value) -> Value {
        self.enter_group(g);
        let state = self.predication_mut();
        state.active = Some(active);
        state.groups[g].index
    }

    fn live_mask(&mut self, g: usize) -> Variable {
        let live = self.predication_mut().groups[g].live.last();
        *live.expect("a live mask exists")
    }

    /// The statements of `body`, in the lanes of `arm` (per group; `None`: all lanes).
    fn masked_block(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        arm: &[Option<Value>],
    ) -> Result<()> {
        // Blocks nest up to `limits::MAX_BLOCKS` deep.
        crate::limits::stack(|| self.masked_block_at(p, body, arm))
    }

    fn masked_block_at(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        arm: &[Option<Value>],
    ) -> Result<()> {
        for s in body {
            let commit = self.commit_masks(arm);
            match s {
                Stmt::Assign { var, value } => self.masked_assign(p, *var, *value, arm, &commit)?,
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => self.masked_branch(p, *cond, (then_body, else_body), arm, &commit)?,
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => self.masked_loop(p, *var, (*start, *end), body, &commit)?,
                Stmt::Break => self.masked_break(&commit),
            }
        }
        Ok(())
    }

    /// Per group, the lanes a statement commits: `arm & live`.
    fn commit_masks(&mut self, arm: &[Option<Value>]) -> Vec<Value> {
        let mut commit = Vec::with_capacity(arm.len());
        for (g, m) in arm.iter().enumerate() {
            let live_var = self.live_mask(g);
            let live = self.b.use_var(live_var);
            commit.push(match m {
                Some(m) => self.b.ins().band(*m, live),
                None => live,
            });
        }
        commit
    }

    fn masked_assign(
        &mut self,
        p: VectorPlan,
        var: VarId,
        value: ValueId,
        arm: &[Option<Value>],
        commit: &[Value],
    ) -> Result<()> {
        let mode = Mode::Vector(p);
        // In a top-level loop (it runs once per element), a local that only its body
        // reads need not be kept in lanes that left the loop: no one reads them again.
        let f = self.f;
        let private = matches!(self.loop_bodies(), [body] if loop_private(f, body, var));
        for (g, &active) in commit.iter().enumerate() {
            let index = self.enter_masked(g, active);
            let v = self.node(mode, value, index)?;
            let from = self.f.node(value).ty;
            let to = self.f.vars[var as usize].ty;
            let v = self.cast(mode, v, from, to);
            match (private, arm[g]) {
                (true, None) => self.set_local(mode, var as usize, v),
                (true, Some(m)) => self.masked_set(p, var as usize, v, m),
                (false, _) => self.masked_set(p, var as usize, v, active),
            }
        }
        Ok(())
    }

    fn masked_branch(
        &mut self,
        p: VectorPlan,
        cond: ValueId,
        (then_body, else_body): (&'a [Stmt], &'a [Stmt]),
        arm: &[Option<Value>],
        commit: &[Value],
    ) -> Result<()> {
        let mode = Mode::Vector(p);
        let (mut then_masks, mut else_masks) = (vec![], vec![]);
        for (g, &active) in commit.iter().enumerate() {
            let index = self.enter_masked(g, active);
            let c = self.node(mode, cond, index)?;
            let c = self.cast(mode, c, self.f.node(cond).ty, DType::Bool).s();
            let (taken, not_taken) = match arm[g] {
                Some(m) => (self.b.ins().band(m, c), self.b.ins().band_not(m, c)),
                None => (c, self.b.ins().bnot(c)),
            };
            then_masks.push(Some(taken));
            else_masks.push(Some(not_taken));
        }
        self.masked_arm(p, then_body, &then_masks, commit)?;
        self.masked_arm(p, else_body, &else_masks, commit)
    }

    /// One arm of an `if` under the masks `arm & commit`: skipped by a branch when no
    /// lane of any group takes it (escape-time tests rarely fire).
    fn masked_arm(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        arm: &[Option<Value>],
        commit: &[Value],
    ) -> Result<()> {
        if body.is_empty() {
            return Ok(());
        }
        let mut any = None;
        for (m, &active) in arm.iter().zip(commit) {
            let taken = match m {
                Some(m) => self.b.ins().band(*m, active),
                None => active,
            };
            any = Some(self.either(any, taken));
        }
        let any = self.b.ins().vany_true(any.expect("one group at least"));
        let (run, done) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(any, run, &[], done, &[]);
        self.b.switch_to_block(run);
        self.masked_block(p, body, arm)?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// The lanes of `any` (if any yet) or of `mask`.
    fn either(&mut self, any: Option<Value>, mask: Value) -> Value {
        match any {
            None => mask,
            Some(a) => self.b.ins().bor(a, mask),
        }
    }

    /// `for var in range(start, end)`: every group's lanes count from their `start`
    /// and stay in the loop while below their `end` and not broken out (see
    /// `loop_counter.rs`); the loop iterates while any lane of any group is in it.
    fn masked_loop(
        &mut self,
        p: VectorPlan,
        var: VarId,
        bounds: (ValueId, ValueId),
        body: &'a [Stmt],
        commit: &[Value],
    ) -> Result<()> {
        let first_index = self.predication_mut().groups[0].index;
        let counter = self.loop_counter(p, bounds, commit, first_index)?;
        let parked = self.park_cold_locals(p, var, body);
        let live: Vec<Variable> = commit
            .iter()
            .map(|&active| {
                let l = self.b.declare_var(p.mask_ty());
                self.b.def_var(l, active);
                l
            })
            .collect();
        let (head, any_live, body_block, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        match self.counter_in_range(&counter, &live) {
            Some(in_range) => self.b.ins().brif(in_range, any_live, &[], exit, &[]),
            None => self.b.ins().jump(any_live, &[]),
        };
        self.b.switch_to_block(any_live);
        let mut any = None;
        for &l in &live {
            let lanes = self.b.use_var(l);
            any = Some(self.either(any, lanes));
        }
        let any = self.b.ins().vany_true(any.expect("one group at least"));
        self.b.ins().brif(any, body_block, &[], exit, &[]);
        self.b.switch_to_block(body_block);
        self.assign_counters(p, var, body, &counter, &live);
        for (g, &l) in live.iter().enumerate() {
            self.predication_mut().groups[g].live.push(l);
        }
        self.predication_mut().loop_bodies.push(body);
        self.masked_block(p, body, &vec![None; live.len()])?;
        self.predication_mut().loop_bodies.pop();
        for g in 0..live.len() {
            self.predication_mut().groups[g].live.pop();
        }
        self.count(&counter);
        self.back_edge(head);
        self.b.switch_to_block(exit);
        self.unpark(p, &parked);
        Ok(())
    }

    /// The loop variable of each group, from the counter, at the top of the body.
    fn assign_counters(
        &mut self,
        p: VectorPlan,
        var: VarId,
        body: &[Stmt],
        counter: &Counter,
        live: &[Variable],
    ) {
        let mode = Mode::Vector(p);
        let ty = self.f.vars[var as usize].ty;
        let private = loop_private(self.f, body, var);
        for (g, &l) in live.iter().enumerate() {
            self.enter_group(g);
            let value = self.counter_value(p, counter, g, ty);
            if private {
                // Only the body reads it, and only its live lanes commit.
                self.set_local(mode, var as usize, value);
            } else {
                let live = self.b.use_var(l);
                self.masked_set(p, var as usize, value, live);
            }
        }
    }

    /// `break`: the committing lanes leave the innermost loop.
    fn masked_break(&mut self, commit: &[Value]) {
        for (g, &active) in commit.iter().enumerate() {
            let live_var = self.live_mask(g);
            let live = self.b.use_var(live_var);
            let left = self.b.ins().band_not(live, active);
            self.b.def_var(live_var, left);
        }
    }

    /// Assigns `v` to local `k` in the lanes of `mask` only.
    fn masked_set(&mut self, p: VectorPlan, k: usize, v: Val, mask: Value) {
        let old = self.get_local(Mode::Vector(p), k);
        let new = self.vselect_val(p, mask, v, old);
        self.set_local(Mode::Vector(p), k, new);
    }
}

/// Whether loop variable `var` of the loop with body `body` is read only inside
/// that body (so its lanes need not be kept after they leave the loop).
fn loop_private(f: &Func, body: &[Stmt], var: u32) -> bool {
    // A local that starts from its input is private too: its lanes take the input's
    // value before the loop, whatever the body leaves in them nobody reads.
    if f.outputs.contains(&var) {
        return false;
    }
    let mut stack = vec![];
    roots_outside(&f.body, body.as_ptr(), &mut stack);
    let mut seen = vec![false; f.nodes.len()];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        let n = f.node(id);
        if n.op == Op::Var(var) {
            return false;
        }
        stack.extend(n.args.iter().copied());
    }
    true
}

/// The statement roots of `stmts`, except those inside the loop body at `skip`.
fn roots_outside(stmts: &[Stmt], skip: *const Stmt, out: &mut Vec<ValueId>) {
    for s in stmts {
        match s {
            Stmt::Assign { value, .. } => out.push(*value),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                out.push(*cond);
                roots_outside(then_body, skip, out);
                roots_outside(else_body, skip, out);
            }
            Stmt::For {
                start, end, body, ..
            } => {
                out.push(*start);
                out.push(*end);
                if body.as_ptr() != skip {
                    roots_outside(body, skip, out);
                }
            }
            Stmt::Break => {}
        }
    }
}
