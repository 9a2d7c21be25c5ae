//! The body of one element with real control flow: `if` as branches, `for` as a loop
//! with a counter, `break` as a jump to the loop's exit. Straight-line programs in
//! vector mode go through here too (they have only assignments).

use super::plan::Mode;
use super::values::Val;
use super::Lowerer;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{Stmt, ValueId, VarId};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

impl Lowerer<'_, '_> {
    /// The body of the element at index `i`.
    pub(super) fn scalar_body(&mut self, mode: Mode, i: Value) -> Result<()> {
        let f = self.f;
        // Top-level `break` ends the element's body, as in the interpreter.
        let done = self.b.create_block();
        self.loop_exits.push(done);
        self.block(mode, &f.body, i)?;
        self.loop_exits.pop();
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    fn block(&mut self, mode: Mode, body: &[Stmt], i: Value) -> Result<()> {
        // Blocks nest up to `limits::MAX_BLOCKS` deep.
        crate::limits::stack(|| self.block_at(mode, body, i))
    }

    fn block_at(&mut self, mode: Mode, body: &[Stmt], i: Value) -> Result<()> {
        for s in body {
            self.memo.clear();
            match s {
                Stmt::Assign { var, value } => self.assign(mode, *var, *value, i)?,
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => self.branch(mode, *cond, then_body, else_body, i)?,
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => self.counted_loop(mode, *var, (*start, *end), body, i)?,
                Stmt::Break => self.break_loop()?,
            }
        }
        Ok(())
    }

    pub(super) fn assign(
        &mut self,
        mode: Mode,
        var: VarId,
        value: ValueId,
        i: Value,
    ) -> Result<()> {
        let v = self.node(mode, value, i)?;
        let from = self.f.node(value).ty;
        let to = self.f.vars[var as usize].ty;
        let v = self.cast(mode, v, from, to);
        self.set_local(mode, var as usize, v);
        Ok(())
    }

    fn branch(
        &mut self,
        mode: Mode,
        cond: ValueId,
        then_body: &[Stmt],
        else_body: &[Stmt],
        i: Value,
    ) -> Result<()> {
        let c = self.node(mode, cond, i)?;
        let c = self.cast(mode, c, self.f.node(cond).ty, DType::Bool).s();
        let (then_block, else_block, merge) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(c, then_block, &[], else_block, &[]);
        self.b.switch_to_block(then_block);
        self.block(mode, then_body, i)?;
        self.b.ins().jump(merge, &[]);
        self.b.switch_to_block(else_block);
        self.block(mode, else_body, i)?;
        self.b.ins().jump(merge, &[]);
        self.b.switch_to_block(merge);
        Ok(())
    }

    /// `for var in range(start, end)`: the bounds are evaluated once, before the loop.
    fn counted_loop(
        &mut self,
        mode: Mode,
        var: VarId,
        (start, end): (ValueId, ValueId),
        body: &[Stmt],
        i: Value,
    ) -> Result<()> {
        let first = self.node(mode, start, i)?.s();
        let last = self.node(mode, end, i)?.s();
        let counter = self.b.declare_var(types::I64);
        self.b.def_var(counter, first);
        let (head, body_block, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        let c = self.b.use_var(counter);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, c, last);
        self.b.ins().brif(go, body_block, &[], exit, &[]);
        self.b.switch_to_block(body_block);
        let c = self.b.use_var(counter);
        let ty = self.f.vars[var as usize].ty;
        let value = self.cast(mode, Val::S(c), DType::I64, ty);
        self.set_local(mode, var as usize, value);
        self.loop_exits.push(exit);
        self.block(mode, body, i)?;
        self.loop_exits.pop();
        let c = self.b.use_var(counter);
        let next = self.b.ins().iadd_imm_s(c, 1);
        self.b.def_var(counter, next);
        self.back_edge(head);
        self.b.switch_to_block(exit);
        Ok(())
    }

    fn break_loop(&mut self) -> Result<()> {
        let exit = *self
            .loop_exits
            .last()
            .ok_or_else(|| Error::backend("break outside a loop"))?;
        self.b.ins().jump(exit, &[]);
        // Whatever follows a break is dead; give it a block to live in.
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
        Ok(())
    }
}
