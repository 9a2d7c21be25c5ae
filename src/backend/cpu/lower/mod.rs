//! IR -> CLIF: one function that evaluates the whole fused program over elements
//! `[start, end)`:
//!
//! ```text
//! fn kernel(inputs: *const *const u8, outputs: *const *mut u8, start: i64, end: i64) -> i32
//! ```
//!
//! Every input pointer addresses element `i` at `ptr + i * size` (the driver gathers
//! strided inputs into contiguous scratch first) except `Layout::Scalar` inputs, which
//! are loaded once. Outputs are contiguous. The input table ends with one more entry,
//! the address of the evaluation's cancellation flag (`cancel.rs`). The result is a
//! status: 0, [`STATUS_NEG_POW`] when an integer was raised to a negative power, or
//! [`STATUS_CANCELLED`] when a loop saw the flag set (the outputs are then partly
//! written).
//!
//! Values: bool is an `i8` holding 0/1 (a lane mask of 0/-1 in vectors), complex is a
//! (re, im) pair of SSA values (of vectors); see `values.rs`. Nothing traps: divisions
//! get a safe divisor and their NumPy results by `select`, float->int conversion
//! saturates and then selects `INT_MIN` for NaN/out of range, shifts past the width
//! select their NumPy result.
//!
//! Programs whose values fit one lane width compile to a 128-bit SIMD loop over whole
//! steps only (see [`VectorPlan`]; the driver runs the last `n % step` elements as one
//! padded step): straight-line ones as plain vector code, programs with loops
//! predicated over interleaved vector groups (`predicated.rs`). Everything else gets a
//! scalar loop with real control flow (`scalar_flow.rs`). Operations without a vector
//! instruction run lane by lane inside the vector loop (`vector_ops.rs`), so every
//! operation is available there.
//!
//! Every input element is loaded before the output element of the same index is
//! stored (a vector's or group's inputs before its outputs; the groups of a loop
//! program all before any output), which is what lets `Kernel::eval_in_place` pass an
//! input as the output. Every file here keeps that order: an element's (or group's)
//! locals start from its inputs, its statements run, and only then are its outputs
//! stored.
//!
//! The IR comes from `passes::optimize`: trivial per-dtype operations (`real` of a
//! float, `isnan` of an integer, ...) were rewritten by `passes::simplify`, so the
//! lowering implements each operation only where it computes something, and reports
//! any other as an error.
//!
//! One concern per file:
//! * `plan`: which programs vectorize, at which lane width, with how many groups;
//! * `values`: the CLIF form of IR values, types and memory flags;
//! * `memory`: loads, stores and shuffles of inputs, outputs and locals; constants;
//! * `scalar_flow`: the scalar loop's element, with real control flow;
//! * `predicated`: programs with control flow over interleaved vector groups;
//!   `loop_counter`: their loops' counters; `parked`: the locals their loops touch
//!   only in `if` arms, in stack slots while the loop runs;
//! * `node`: one IR node, memoized, dispatched to the operations below;
//! * `cast`, `scalar_ops`, `vector_ops` (and the per-lane fallback), `complex`;
//! * `calls`: calls of the out-of-line helpers (`super::helpers`);
//! * `staged`: straight-line kernels whose transcendentals take libmvec's 256- or
//!   512-bit variants, in stages over blocks with the arguments in buffers;
//! * `cancel`: the cancellation check on the back edge of every loop;
//! * `abs_compare`: `abs(z) op k` without `hypot` where decided, and its trampoline;
//! * `leaf_sum`: the leaf-sum kernel of float sums.

mod abs_compare;
mod calls;
mod cancel;
mod cast;
mod complex;
mod leaf_sum;
mod loop_counter;
mod memory;
mod node;
mod parked;
mod plan;
mod predicated;
mod scalar_flow;
mod scalar_ops;
mod staged;
mod values;
mod vector_ops;

pub use abs_compare::define_abs_slow;
pub use cancel::STATUS_CANCELLED;
pub use leaf_sum::{leaf_sum_ok, LEAF};
pub use plan::VectorPlan;
pub use values::elem_size;

use crate::error::{Error, Result};
use crate::ir::{Func, ValueId};
use crate::runtime::Layout;
use crate::value::Scalar;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types;
use cranelift_codegen::ir::{Block, FuncRef, InstBuilder, StackSlot, Value};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::{FuncId, Module};
use plan::Mode;
use predicated::Predication;
use std::collections::HashMap;
use values::{clif_type, is_complex, mem, Val};

/// Kernel status: an integer power with a negative exponent was evaluated.
pub const STATUS_NEG_POW: i32 = 1;

/// The CLIF variables of a value: its (real) part, and the imaginary part of a complex.
#[derive(Clone, Copy)]
struct Parts {
    re: Variable,
    im: Option<Variable>,
}

/// The variables of a local: one set in scalar mode, one per vector group.
struct Local {
    scalar: Parts,
    vector: Vec<Parts>,
    /// While a loop has it parked (`parked.rs`): its stack slot per vector group,
    /// which holds its value instead of `vector`.
    slots: Vec<StackSlot>,
}

/// Lowers one function of the IR into the CLIF function that `b` builds.
pub struct Lowerer<'a, 'b> {
    f: &'a Func,
    layouts: &'a [Layout],
    module: &'a mut dyn Module,
    b: FunctionBuilder<'b>,
    /// Imported helpers, declared on first use.
    helpers: HashMap<&'static str, FuncRef>,
    in_ptrs: Vec<Value>,
    out_ptrs: Vec<Value>,
    /// Scalar-layout inputs, loaded once in the entry block (and splatted, for the
    /// vector loop).
    in_scalar: Vec<Option<Val>>,
    in_splat: Vec<Option<Val>>,
    locals: Vec<Local>,
    /// The index of the element (or first element of the step) being computed.
    idx: Variable,
    /// Returns the negative-power status.
    err_block: Block,
    /// The address of the cancellation flag, in kernels with loops (`cancel.rs`).
    cancel_flag: Option<Value>,
    /// Returns the cancelled status, once a back edge needs it.
    cancel_block: Option<Block>,
    /// Scalar mode: the exits of the enclosing loops, innermost last (the element's
    /// body first: a top-level `break` ends the element).
    loop_exits: Vec<Block>,
    /// The vector group being lowered: selects the locals' variables.
    group: usize,
    /// Vector programs with control flow: the groups' state (see `predicated.rs`).
    predication: Option<Predication<'a>>,
    /// The register-preserving trampoline to `nx_abs_cmp`, once declared.
    abs_slow: Option<(FuncId, FuncRef)>,
    /// Where the exact path of `abs(z) op k` passes its lanes (`helpers::AbsCmpCode`).
    abs_compare_slot: Option<StackSlot>,
    /// The values of the current statement's nodes (of the current group).
    memo: HashMap<ValueId, Val>,
    /// Where complex helpers write their result.
    helper_result_slot: Option<StackSlot>,
    /// A staged block being emitted: where batched nodes are read (`staged.rs`).
    staging: Option<staged::Staging>,
}

impl<'a, 'b> Lowerer<'a, 'b> {
    pub fn new(
        f: &'a Func,
        layouts: &'a [Layout],
        module: &'a mut dyn Module,
        b: FunctionBuilder<'b>,
    ) -> Self {
        let mut b = b;
        let idx = b.declare_var(types::I64);
        let err_block = b.create_block();
        Lowerer {
            f,
            layouts,
            module,
            b,
            helpers: HashMap::new(),
            in_ptrs: vec![],
            out_ptrs: vec![],
            in_scalar: vec![],
            in_splat: vec![],
            locals: vec![],
            idx,
            err_block,
            cancel_flag: None,
            cancel_block: None,
            loop_exits: vec![],
            group: 0,
            predication: None,
            abs_slow: None,
            abs_compare_slot: None,
            memo: HashMap::new(),
            helper_result_slot: None,
            staging: None,
        }
    }

    /// Emits the whole kernel. With `leaf_sum` (see [`leaf_sum_ok`]) it computes the
    /// output's sum over each leaf of `LEAF` elements instead, exactly as NumPy's
    /// pairwise summation does there, and writes it at index `i / LEAF`; `[start, end)`
    /// must then be whole leaves.
    ///
    /// Returns the id of the `abs(z) op k` trampoline (see `abs_compare.rs`) when the
    /// kernel calls it: the caller defines it with [`define_abs_slow`].
    pub fn lower(mut self, plan: Option<VectorPlan>, leaf_sum: bool) -> Result<Option<FuncId>> {
        if self.layouts.len() != self.f.inputs.len() {
            return Err(Error::backend("layout count does not match the inputs"));
        }
        let end = self.entry(plan);
        let scalar_head = self.b.create_block();
        let exit = self.b.create_block();
        match (plan, leaf_sum) {
            (Some(p), true) => self.leaf_loops(p, end, exit)?,
            (Some(p), false) => self.vector_loop(p, end, scalar_head)?,
            (None, _) => {
                self.b.ins().jump(scalar_head, &[]);
            }
        }
        self.b.switch_to_block(scalar_head);
        if plan.is_some() || leaf_sum {
            // Vector kernels have no scalar loop: the driver runs the last `n % lanes`
            // elements as one vector over padded copies. That halves the code Cranelift
            // compiles.
            self.b.ins().jump(exit, &[]);
        } else {
            self.scalar_loop(end, scalar_head, exit)?;
        }

        self.b.switch_to_block(exit);
        let ok = self.b.ins().iconst(types::I32, 0);
        self.b.ins().return_(&[ok]);

        self.b.switch_to_block(self.err_block);
        let status = self.b.ins().iconst(types::I32, STATUS_NEG_POW as i64);
        self.b.ins().return_(&[status]);
        self.finish_cancel_block();

        self.b.seal_all_blocks();
        let cfg = self.module.target_config();
        self.b.finalize(cfg);
        Ok(self.abs_slow.map(|(id, _)| id))
    }

    /// The entry block: the array pointers, the scalar-layout inputs, the locals'
    /// variables, and `idx = start`. Returns `end`.
    fn entry(&mut self, plan: Option<VectorPlan>) -> Value {
        let f = self.f;
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (ins, outs, start, end) = (params[0], params[1], params[2], params[3]);
        for k in 0..f.inputs.len() {
            let p = self.b.ins().load(types::I64, mem(), ins, (k * 8) as i32);
            self.in_ptrs.push(p);
        }
        for k in 0..f.outputs.len() {
            let p = self.b.ins().load(types::I64, mem(), outs, (k * 8) as i32);
            self.out_ptrs.push(p);
        }
        self.load_cancel_flag(ins);
        for k in 0..f.inputs.len() {
            let (s, v) = if self.layouts[k] == Layout::Scalar {
                let ty = f.inputs[k].ty;
                let ptr = self.in_ptrs[k];
                let s = self.load_at(ty, ptr, 0);
                let v = plan.map(|p| self.splat_val(p, ty, s));
                (Some(s), v)
            } else {
                (None, None)
            };
            self.in_scalar.push(s);
            self.in_splat.push(v);
        }
        for l in &f.vars {
            let complex = is_complex(l.ty);
            let ty = clif_type(l.ty);
            let scalar = self.parts(ty, complex);
            let groups = plan.map_or(0, |p| p.groups);
            let vector = (0..groups)
                .map(|_| self.parts(plan.map_or(ty, |p| p.vec_ty(l.ty)), complex))
                .collect();
            self.locals.push(Local {
                scalar,
                vector,
                slots: vec![],
            });
        }
        self.b.def_var(self.idx, start);
        end
    }

    fn parts(&mut self, ty: types::Type, complex: bool) -> Parts {
        let re = self.b.declare_var(ty);
        let im = complex.then(|| self.b.declare_var(ty));
        Parts { re, im }
    }

    /// The vector main loop: whole steps of `p.step()` elements while they fit
    /// before `end`, then on to `done`.
    fn vector_loop(&mut self, p: VectorPlan, end: Value, done: Block) -> Result<()> {
        if let Some(st) = staged::Staging::plan(self.f, self.layouts, p) {
            return self.staged_loop(p, st, end, done);
        }
        let step = p.step() as i64;
        let (head, _) = self.whole_steps_head(end, step, done);
        let i = self.b.use_var(self.idx);
        if self.f.is_straight_line() {
            for g in 0..p.groups as usize {
                self.enter_group(g);
                let index = self.b.ins().iadd_imm_s(i, (g * p.lanes as usize) as i64);
                self.element(Mode::Vector(p), index)?;
            }
            self.enter_group(0);
        } else {
            self.vector_groups(p, i)?;
        }
        let i = self.b.use_var(self.idx);
        let next = self.b.ins().iadd_imm_s(i, step);
        self.b.def_var(self.idx, next);
        self.b.ins().jump(head, &[]);
        Ok(())
    }

    /// The head of a main loop over whole steps: to a new body block while at least
    /// `step` elements are left before `end`, else to `done`. Returns the head (for the
    /// body's jump back) and the elements left, with the body block current.
    pub(super) fn whole_steps_head(
        &mut self,
        end: Value,
        step: i64,
        done: Block,
    ) -> (Block, Value) {
        let head = self.b.create_block();
        let body = self.b.create_block();
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        let i = self.b.use_var(self.idx);
        let room = self.b.ins().isub(end, i);
        let go = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, room, step);
        self.b.ins().brif(go, body, &[], done, &[]);
        self.b.switch_to_block(body);
        (head, room)
    }

    /// The scalar loop, one element per iteration from `head` until `end`.
    fn scalar_loop(&mut self, end: Value, head: Block, exit: Block) -> Result<()> {
        let body = self.b.create_block();
        let i = self.b.use_var(self.idx);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, i, end);
        self.b.ins().brif(go, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        let i = self.b.use_var(self.idx);
        self.element(Mode::Scalar, i)?;
        let i = self.b.use_var(self.idx);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(self.idx, next);
        self.b.ins().jump(head, &[]);
        Ok(())
    }

    /// One element (or one vector of elements) at index `i` of a straight-line program
    /// (or any program in scalar mode): initialize the locals, run the body, store the
    /// outputs.
    fn element(&mut self, mode: Mode, i: Value) -> Result<()> {
        self.init_locals(mode, i);
        self.scalar_body(mode, i)?;
        self.store_outputs(mode, i);
        Ok(())
    }

    /// Every local starts from its input (read before assigned) or zero.
    fn init_locals(&mut self, mode: Mode, i: Value) {
        let f = self.f;
        for (k, l) in f.vars.iter().enumerate() {
            let v = match l.init_from {
                Some(inp) => {
                    let from = f.inputs[inp as usize].ty;
                    let x = self.input(mode, inp, i);
                    self.cast(mode, x, from, l.ty)
                }
                None => self.constant(mode, Scalar::zero(l.ty)),
            };
            self.set_local(mode, k, v);
        }
    }

    fn store_outputs(&mut self, mode: Mode, i: Value) {
        let f = self.f;
        for (k, &var) in f.outputs.iter().enumerate() {
            let ty = f.vars[var as usize].ty;
            let v = self.get_local(mode, var as usize);
            let base = self.out_ptrs[k];
            let addr = self.addr(base, i, ty);
            self.store(mode, ty, v, addr);
        }
    }

    /// Switches to vector group `g`: its locals, and no values shared with others.
    fn enter_group(&mut self, g: usize) {
        self.group = g;
        self.memo.clear();
    }

    /// The variables of local `k` in `mode` (of the current group in vector mode).
    fn local_parts(&self, mode: Mode, k: usize) -> Parts {
        let l = &self.locals[k];
        match mode {
            Mode::Vector(_) => l.vector[self.group],
            Mode::Scalar => l.scalar,
        }
    }

    fn set_local(&mut self, mode: Mode, k: usize, v: Val) {
        if let (Mode::Vector(_), Some(&slot)) = (mode, self.locals[k].slots.get(self.group)) {
            let ptr = self.module.target_config().pointer_type();
            parked::store_parts(&mut self.b, ptr, slot, v);
            return;
        }
        let Parts { re, im } = self.local_parts(mode, k);
        match (v, im) {
            (Val::C(r, i), Some(im)) => {
                self.b.def_var(re, r);
                self.b.def_var(im, i);
            }
            (v, _) => self.b.def_var(re, v.s()),
        }
    }

    fn get_local(&mut self, mode: Mode, k: usize) -> Val {
        if let (Mode::Vector(p), Some(&slot)) = (mode, self.locals[k].slots.get(self.group)) {
            return self.load_parked(p, k, slot);
        }
        let Parts { re, im } = self.local_parts(mode, k);
        let r = self.b.use_var(re);
        match im {
            Some(im) => Val::C(r, self.b.use_var(im)),
            None => Val::S(r),
        }
    }

    /// Local `k` of the current group from its parking slot.
    fn load_parked(&mut self, p: VectorPlan, k: usize, slot: StackSlot) -> Val {
        let ty = self.f.vars[k].ty;
        let vt = p.vec_ty(ty);
        let ptr = self.module.target_config().pointer_type();
        let re = self.b.ins().stack_load(ptr, vt, slot, 0);
        if is_complex(ty) {
            Val::C(re, self.b.ins().stack_load(ptr, vt, slot, 16))
        } else {
            Val::S(re)
        }
    }
}
