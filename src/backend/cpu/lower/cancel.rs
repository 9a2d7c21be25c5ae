//! Cancellation inside compiled loops: a `for` loop may run for ever (`range(10**12)`),
//! so the back edge of every loop loads the evaluation's cancellation flag and leaves
//! the kernel with [`STATUS_CANCELLED`] once it is set (`crate::CancelToken`). The
//! driver checks the same flag before every chunk, so straight-line kernels, whose
//! calls last one chunk, need no check of their own.
//!
//! The flag's address is the last entry of the input pointer table (after the
//! inputs'), loaded once in the entry block of kernels with loops; the check is a
//! plain 32-bit load (an aligned load is atomic on every target Cranelift's JIT runs
//! on) and a branch that is never taken until the end. Measured against the same
//! kernels without it in `docs/performance-log.md` ("The cost of the cancellation check").

use super::Lowerer;
use cranelift_codegen::ir::{types, Block, InstBuilder, MemFlagsData};

/// Kernel status: the evaluation's cancellation flag was set.
pub const STATUS_CANCELLED: i32 = 2;

impl Lowerer<'_, '_> {
    /// In the entry block: the address of the cancellation flag, from the slot after
    /// the inputs' pointers in the table `ins`, for kernels with loops.
    pub(super) fn load_cancel_flag(&mut self, ins: cranelift_codegen::ir::Value) {
        if !self.f.has_loop() {
            return;
        }
        let slot = (self.f.inputs.len() * 8) as i32;
        let flags = MemFlagsData::new().with_notrap().with_aligned();
        self.cancel_flag = Some(self.b.ins().load(types::I64, flags, ins, slot));
    }

    /// A loop's back edge: to `head`, or out of the kernel once cancelled.
    pub(super) fn back_edge(&mut self, head: Block) {
        let Some(flag) = self.cancel_flag else {
            self.b.ins().jump(head, &[]);
            return;
        };
        // Not `readonly`: the flag changes under the loop, so the load must stay in it.
        let flags = MemFlagsData::new().with_notrap().with_aligned();
        let set = self.b.ins().load(types::I32, flags, flag, 0);
        let exit = *self
            .cancel_block
            .get_or_insert_with(|| self.b.create_block());
        self.b.ins().brif(set, exit, &[], head, &[]);
    }

    /// The block that returns [`STATUS_CANCELLED`], if a back edge jumps to it.
    pub(super) fn finish_cancel_block(&mut self) {
        if let Some(block) = self.cancel_block {
            self.b.switch_to_block(block);
            let status = self.b.ins().iconst(types::I32, STATUS_CANCELLED as i64);
            self.b.ins().return_(&[status]);
        }
    }
}
