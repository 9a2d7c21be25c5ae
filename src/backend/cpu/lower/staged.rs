//! Straight-line kernels whose transcendentals run 256 or 512 bits wide
//! (`VectorPlan::math`): nexpr's own batch functions (`crate::math`, compiled for AVX2
//! or AVX-512) by default, libmvec's wide variants under fast math. Both take
//! ymm/zmm registers that Cranelift cannot pass, so the main loop works on blocks of
//! up to [`BLOCK`] elements, in stages.
//!
//! A transcendental node whose wide variant exists is *batched*. Its argument becomes
//! computable in some stage: 0 when it depends on no batched node, else one more than
//! the latest stage of the batched nodes it depends on (through locals too). For each
//! block, stage `s` runs a vector loop over the block that computes the arguments of
//! the batched nodes of stage `s` (and the assignments that later statements of that
//! stage read) and stores them to one stack buffer per node; then one call per node
//! of a batch function (`crate::math::batch_fn`, or `math::batch_helper` with the
//! libmvec function) applies the wide function to the whole buffer, in place (an argument that is an input array is read from the array
//! itself, with no loop). The final stage runs the whole program over the block, reading
//! every batched node from its buffer, and stores the outputs.
//!
//! Each element's value is the function of exactly the argument the unstaged kernel
//! computes: by default the interpreter's bits (the batch functions are the scalar
//! ones vectorized), under fast math within the libmvec variant's own error. Inputs are read again by the final stage, from L1 (a block of a float64
//! input is 2 KiB); outputs are only stored by the final stage, after every stage read
//! the block's inputs, which keeps `eval_in_place` correct.

use super::plan::{Mode, VectorPlan};
use super::values::{mem, real_of, Val};
use super::Lowerer;
use crate::backend::cpu::math;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, Func, Op, Stmt, UnOp, ValueId, VarId};
use crate::runtime::Layout;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder, StackSlotData, StackSlotKind, Value};
use std::collections::{HashMap, HashSet};

/// Elements per block (rounded down to whole steps): 2 KiB per float64 buffer, and
/// the block's inputs stay in L1 between the stages; 64 to 512 measured the same,
/// 1024 slower (`docs/performance-log.md`, "Tuning the CPU defaults").
pub const BLOCK: usize = 256;

/// Most bytes of stack buffers per kernel; programs with many batched nodes get
/// shorter blocks.
const MAX_BUFFER_BYTES: usize = 64 << 10;

/// A batched transcendental node.
struct Batched {
    /// The stage whose loop computes its arguments.
    stage: usize,
    /// One argument, or two (`**` and `arctan2` of floats): the buffer holds a block
    /// of each, one after the other, and the function writes the first.
    args: Vec<ValueId>,
    /// A complex function of one complex argument, or `**` of two: the buffer holds a
    /// block of each argument's real parts and one of its imaginary parts, and the
    /// function writes the result over the first two.
    complex: bool,
    /// The batch helper that applies the function to a buffer: with the libmvec
    /// function it calls (fast math: `(function, source, destination, count)`), or
    /// nexpr's own batch function (`(source, destination, count)`).
    function: Option<&'static str>,
    helper: &'static str,
    size: i64,
    /// Per argument, the input it is, when it is a whole (not broadcast-scalar)
    /// input: the helper then reads it in place and no stage loop copies it.
    direct: Vec<Option<u32>>,
    /// Its buffer, once the kernel has one, and the buffer's address minus the
    /// block's first index times the element (part) size (so element `i` is at
    /// `base + i * size`, as in the input arrays).
    slot: Option<cranelift_codegen::ir::StackSlot>,
    base: Option<Value>,
}

/// What stage `s` does in one statement.
#[derive(Clone, Default)]
struct StmtWork {
    /// Batched nodes of the statement whose arguments this stage computes.
    roots: Vec<ValueId>,
    /// Whether the statement's assignment runs (a later statement of this stage reads
    /// its local).
    assign: bool,
}

/// The staged form of a straight-line program.
pub(super) struct Staging {
    nodes: HashMap<ValueId, Batched>,
    /// Per stage before the final one, per statement.
    work: Vec<Vec<StmtWork>>,
    /// Elements per block, a multiple of the step.
    block: usize,
    /// The stage being emitted (`work.len()`: the final one).
    current: usize,
}

impl Staging {
    /// The stages of `f` under plan `p`, if it has batched nodes.
    pub(super) fn plan(f: &Func, layouts: &[Layout], p: VectorPlan) -> Option<Staging> {
        if !f.is_straight_line() {
            return None;
        }
        let mut nodes = HashMap::new();
        // The stage from which each node's value is computable.
        let mut ready: Vec<Option<usize>> = vec![None; f.nodes.len()];
        let mut local = vec![0usize; f.vars.len()];
        let mut owner = HashMap::new();
        let stmts = assignments(f)?;
        for (k, &(var, value)) in stmts.iter().enumerate() {
            let r = ready_at(f, p, value, &local, &mut ready, &mut nodes)?;
            local[var as usize] = r;
            // Batched nodes found in this statement belong to it.
            for id in nodes.keys() {
                owner.entry(*id).or_insert(k);
            }
        }
        if nodes.is_empty() {
            return None;
        }
        // Complex inputs interleave their parts: always copied to the buffer.
        for b in nodes.values_mut().filter(|b| !b.complex) {
            b.direct = b
                .args
                .iter()
                .map(|&a| match f.node(a).op {
                    Op::Input(k) if layouts.get(k as usize) != Some(&Layout::Scalar) => Some(k),
                    _ => None,
                })
                .collect();
        }
        let stages = nodes.values().map(|b: &Batched| b.stage + 1).max()?;
        let mut work = vec![vec![StmtWork::default(); stmts.len()]; stages];
        for (s, work) in work.iter_mut().enumerate() {
            let mut needed: HashSet<VarId> = HashSet::new();
            for k in (0..stmts.len()).rev() {
                let (var, value) = stmts[k];
                let mut roots: Vec<ValueId> = nodes
                    .iter()
                    .filter(|(id, b)| {
                        b.stage == s && owner[*id] == k && b.direct.iter().any(Option::is_none)
                    })
                    .map(|(&id, _)| id)
                    .collect();
                roots.sort_unstable();
                let assign = needed.remove(&var);
                let mut from: Vec<ValueId> = roots
                    .iter()
                    .flat_map(|id| nodes[id].copied_args().map(|(_, a)| a))
                    .collect();
                if assign {
                    from.push(value);
                }
                reads(f, &from, &nodes, &mut needed);
                work[k] = StmtWork { roots, assign };
            }
        }
        let step = p.step();
        let bytes: usize = nodes.values().map(|b| b.size as usize * b.parts()).sum();
        let fit = (MAX_BUFFER_BYTES / bytes.max(1)).min(BLOCK);
        let block = (fit / step * step).max(step);
        Some(Staging {
            nodes,
            work,
            block,
            current: 0,
        })
    }

    fn stages(&self) -> usize {
        self.work.len()
    }

    /// Whether stage `s` has anything to compute in a loop.
    fn has_loop(&self, s: usize) -> bool {
        self.work[s].iter().any(|w| w.assign || !w.roots.is_empty())
    }
}

/// The program's statements as (local, value) assignments (it is straight-line).
fn assignments(f: &Func) -> Option<Vec<(VarId, ValueId)>> {
    f.body
        .iter()
        .map(|s| match s {
            Stmt::Assign { var, value } => Some((*var, *value)),
            _ => None,
        })
        .collect()
}

/// Whether node `id` is batched under `p`: a transcendental of a float vector whose
/// wide variant and batch helper exist.
fn batched(f: &Func, p: VectorPlan, id: ValueId) -> Option<Batched> {
    let n = f.node(id);
    let Op::Unary(op) = n.op else {
        return batched_binary(f, p, id);
    };
    if f.node(n.args[0]).ty != n.ty {
        return None;
    }
    // Complex functions with a batch function (sqrt among them: it is a libm call
    // per element otherwise).
    if matches!(n.ty, DType::C128 | DType::C64) {
        return batched_complex(p, op, n.ty, n.args[0]);
    }
    if !op.is_transcendental() {
        return None;
    }
    if !matches!(n.ty, DType::F64 | DType::F32) {
        return None;
    }
    let f32 = n.ty == DType::F32;
    let (function, helper) = if p.fast_math {
        let function = math::wide_fn(op, f32, p.math)?;
        (Some(function), math::batch_helper(p.math, f32)?)
    } else {
        (None, crate::math::batch_fn(op, f32, p.math)?)
    };
    Some(Batched {
        stage: 0,
        args: vec![n.args[0]],
        complex: false,
        function,
        helper,
        size: if f32 { 4 } else { 8 },
        direct: vec![None],
        slot: None,
        base: None,
    })
}

/// Whether node `id` is a batched two-argument function: `**` or `arctan2` of two
/// float vectors of its type, with nexpr's own batch function (under fast math too:
/// libmvec's variants are not used for these).
fn batched_binary(f: &Func, p: VectorPlan, id: ValueId) -> Option<Batched> {
    let n = f.node(id);
    let Op::Binary(op @ (BinOp::Pow | BinOp::Arctan2)) = n.op else {
        return None;
    };
    if n.args.iter().any(|&a| f.node(a).ty != n.ty) {
        return None;
    }
    if matches!(n.ty, DType::C128 | DType::C64) && op == BinOp::Pow {
        return batched_complex_pow(p, n.ty, n.args.to_vec());
    }
    if !matches!(n.ty, DType::F64 | DType::F32) {
        return None;
    }
    let f32 = n.ty == DType::F32;
    Some(Batched {
        stage: 0,
        args: n.args.to_vec(),
        complex: false,
        function: None,
        helper: crate::math::binary_batch_fn(op, f32, p.math)?,
        size: if f32 { 4 } else { 8 },
        direct: vec![None; 2],
        slot: None,
        base: None,
    })
}

/// A complex function of `arg` (of dtype `ty`) with a complex batch function of
/// nexpr's own (`crate::math::complex_batch_fn`; fast math uses them too: libmvec has
/// no complex functions).
fn batched_complex(p: VectorPlan, op: UnOp, ty: DType, arg: ValueId) -> Option<Batched> {
    let f32 = ty == DType::C64;
    Some(Batched {
        stage: 0,
        args: vec![arg],
        complex: true,
        function: None,
        helper: crate::math::complex_batch_fn(op, f32, p.math)?,
        size: if f32 { 4 } else { 8 },
        direct: vec![None],
        slot: None,
        base: None,
    })
}

/// `**` of two complex arguments of dtype `ty` with nexpr's batch function
/// (`crate::math::complex_pow_batch_fn`).
fn batched_complex_pow(p: VectorPlan, ty: DType, args: Vec<ValueId>) -> Option<Batched> {
    let f32 = ty == DType::C64;
    Some(Batched {
        stage: 0,
        direct: vec![None; args.len()],
        args,
        complex: true,
        function: None,
        helper: crate::math::complex_pow_batch_fn(f32, p.math)?,
        size: if f32 { 4 } else { 8 },
        slot: None,
        base: None,
    })
}

impl Batched {
    /// Blocks in its buffer: one per argument, or the two parts of each complex one.
    fn parts(&self) -> usize {
        self.args.len() * self.parts_per_arg()
    }

    fn parts_per_arg(&self) -> usize {
        if self.complex {
            2
        } else {
            1
        }
    }

    /// The arguments the stage loops store to the buffer (those not read in place),
    /// with their part of it: argument k's part starts k blocks in.
    fn copied_args(&self) -> impl Iterator<Item = (usize, ValueId)> + '_ {
        (self.args.iter().enumerate())
            .zip(&self.direct)
            .filter(|(_, d)| d.is_none())
            .map(|((k, &a), _)| (k, a))
    }
}

/// The stage from which node `id` is computable (memoized in `ready`; nodes belong
/// to one statement, so `local` is that statement's), recording batched nodes.
fn ready_at(
    f: &Func,
    p: VectorPlan,
    id: ValueId,
    local: &[usize],
    ready: &mut [Option<usize>],
    nodes: &mut HashMap<ValueId, Batched>,
) -> Option<usize> {
    if let Some(r) = ready[id as usize] {
        return Some(r);
    }
    let n = f.node(id);
    let mut r = match n.op {
        Op::Var(v) => local[v as usize],
        _ => 0,
    };
    for &a in &n.args {
        // Expression trees may be deep: each step through `limits::stack`.
        let at = crate::limits::stack(|| ready_at(f, p, a, local, ready, nodes))?;
        r = r.max(at);
    }
    if let Some(mut b) = batched(f, p, id) {
        b.stage = r;
        nodes.insert(id, b);
        r += 1;
    }
    ready[id as usize] = Some(r);
    Some(r)
}

/// Adds to `needed` the locals that computing `from` reads, stopping at batched
/// nodes (they are read from their buffers).
fn reads(
    f: &Func,
    from: &[ValueId],
    nodes: &HashMap<ValueId, Batched>,
    needed: &mut HashSet<VarId>,
) {
    let mut seen = HashSet::new();
    let mut stack = from.to_vec();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) || nodes.contains_key(&id) {
            continue;
        }
        let n = f.node(id);
        if let Op::Var(v) = n.op {
            needed.insert(v);
        }
        stack.extend(&n.args);
    }
}

/// Which loop over a block is being emitted.
#[derive(Clone, Copy)]
enum Pass {
    Stage(usize),
    Final,
}

impl Lowerer<'_, '_> {
    /// The staged main loop (see the module docs): blocks of whole steps while a step
    /// fits before `end`, then on to `done`.
    pub(super) fn staged_loop(
        &mut self,
        p: VectorPlan,
        mut st: Staging,
        end: Value,
        done: Block,
    ) -> Result<()> {
        let step = p.step() as i64;
        let block = st.block as i64;
        // In node order, so that the same program gives the same code every time.
        let mut ids: Vec<ValueId> = st.nodes.keys().copied().collect();
        ids.sort_unstable();
        for id in &ids {
            let b = st.nodes.get_mut(id).expect("a node of the staging");
            // Room for each block, rounded up to whole 64-byte vectors.
            let bytes = (st.block as u32 * b.size as u32 * b.parts() as u32).div_ceil(64) * 64;
            let data = StackSlotData::new(StackSlotKind::ExplicitSlot, bytes, 6);
            b.slot = Some(self.b.create_sized_stack_slot(data));
        }
        let (head, room) = self.whole_steps_head(end, step, done);
        let i = self.b.use_var(self.idx);
        let full = self.b.ins().iconst(types::I64, block);
        let cnt = self.b.ins().smin(room, full);
        // Whole steps only (the driver passes whole steps; this keeps the kernel safe
        // for any range).
        let rest = self.b.ins().urem_imm_s(cnt, step);
        let cnt = self.b.ins().isub(cnt, rest);
        for id in &ids {
            let b = st.nodes.get_mut(id).expect("a node of the staging");
            let slot = b.slot.expect("buffers were made above");
            let addr = self.b.ins().stack_addr(types::I64, slot, 0);
            let off = self.b.ins().imul_imm_s(i, b.size);
            b.base = Some(self.b.ins().isub(addr, off));
        }
        let stages = st.stages();
        self.staging = Some(st);
        for s in 0..stages {
            if self.staging.as_ref().is_some_and(|st| st.has_loop(s)) {
                self.block_pass(p, Pass::Stage(s), i, cnt)?;
            }
            for &id in &ids {
                let st = self.staging.as_ref().expect("set above");
                let b = &st.nodes[&id];
                if b.stage != s {
                    continue;
                }
                let (function, helper, slot) = (b.function, b.helper, b.slot.expect("made"));
                let (direct, size, complex) = (b.direct.clone(), b.size, b.complex);
                let buf = self.b.ins().stack_addr(types::I64, slot, 0);
                if complex {
                    // The parts' blocks in order; the result goes over the first two.
                    let mut call_args = vec![buf];
                    for part in 1..2 * direct.len() as i64 {
                        call_args.push(self.b.ins().iadd_imm_s(buf, part * block * size));
                    }
                    call_args.push(cnt);
                    let h = self.import(helper, &vec![types::I64; call_args.len()], &[])?;
                    self.b.ins().call(h, &call_args);
                    continue;
                }
                // Argument k: its input in place, or its part of the buffer.
                let mut srcs = Vec::with_capacity(direct.len());
                for (k, d) in direct.iter().enumerate() {
                    srcs.push(match *d {
                        Some(input) => {
                            let off = self.b.ins().imul_imm_s(i, size);
                            self.b.ins().iadd(self.in_ptrs[input as usize], off)
                        }
                        None => self.b.ins().iadd_imm_s(buf, k as i64 * block * size),
                    });
                }
                let src = srcs[0];
                if let [a, b2] = srcs[..] {
                    let h = self.import(helper, &[types::I64; 4], &[])?;
                    self.b.ins().call(h, &[a, b2, buf, cnt]);
                    continue;
                }
                match function {
                    Some(function) => {
                        let f = self.import(function, &[], &[])?;
                        let fa = self.b.ins().func_addr(types::I64, f);
                        let h = self.import(helper, &[types::I64; 4], &[])?;
                        self.b.ins().call(h, &[fa, src, buf, cnt]);
                    }
                    None => {
                        let h = self.import(helper, &[types::I64; 3], &[])?;
                        self.b.ins().call(h, &[src, buf, cnt]);
                    }
                }
            }
        }
        self.block_pass(p, Pass::Final, i, cnt)?;
        self.staging = None;
        let next = self.b.ins().iadd(i, cnt);
        self.b.def_var(self.idx, next);
        self.b.ins().jump(head, &[]);
        Ok(())
    }

    /// One loop over the `cnt` elements from `i`, a step (all groups) per iteration.
    fn block_pass(&mut self, p: VectorPlan, pass: Pass, i: Value, cnt: Value) -> Result<()> {
        if let Some(st) = self.staging.as_mut() {
            st.current = match pass {
                Pass::Stage(s) => s,
                Pass::Final => st.work.len(),
            };
        }
        let j = self.b.declare_var(types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(j, zero);
        let (head, body, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        let jv = self.b.use_var(j);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, jv, cnt);
        self.b.ins().brif(go, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        let jv = self.b.use_var(j);
        let at = self.b.ins().iadd(i, jv);
        for g in 0..p.groups as usize {
            self.enter_group(g);
            let index = self.b.ins().iadd_imm_s(at, (g * p.lanes as usize) as i64);
            match pass {
                Pass::Stage(s) => self.stage_element(p, s, index)?,
                Pass::Final => self.element(Mode::Vector(p), index)?,
            }
        }
        self.enter_group(0);
        let next = self.b.ins().iadd_imm_s(jv, p.step() as i64);
        self.b.def_var(j, next);
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(exit);
        Ok(())
    }

    /// Stage `s` of the vector at index `i`: the arguments of its batched nodes to
    /// their buffers, and the assignments later statements of the stage read.
    fn stage_element(&mut self, p: VectorPlan, s: usize, i: Value) -> Result<()> {
        let mode = Mode::Vector(p);
        self.init_locals(mode, i);
        let f = self.f;
        for (k, stmt) in f.body.iter().enumerate() {
            let Stmt::Assign { var, value } = stmt else {
                return Err(Error::backend("staged kernels are straight-line"));
            };
            let work = self.staging.as_ref().expect("staging").work[s][k].clone();
            self.memo.clear();
            for id in work.roots {
                let st = self.staging.as_ref().expect("staging");
                let b = &st.nodes[&id];
                let (base, ty) = (b.base.expect("based"), real_of(f.node(id).ty));
                let part = st.block as i32 * b.size as i32;
                let args: Vec<(usize, ValueId)> = b.copied_args().collect();
                let (complex, per_arg) = (b.complex, b.parts_per_arg());
                for (k, arg) in args {
                    let v = self.node(mode, arg, i)?;
                    let addr = self.addr(base, i, ty);
                    // A complex argument k's parts go to parts 2k and 2k + 1.
                    let parts = match v {
                        Val::C(re, im) if complex => vec![re, im],
                        v => vec![v.s()],
                    };
                    for (j, v) in parts.into_iter().enumerate() {
                        self.b
                            .ins()
                            .store(mem(), v, addr, (k * per_arg + j) as i32 * part);
                    }
                }
            }
            if work.assign {
                self.assign(mode, *var, *value, i)?;
            }
        }
        Ok(())
    }

    /// A batched node's value for the vector at `i`, from its buffer, while a staged
    /// block is being emitted.
    pub(super) fn staged_value(&mut self, p: VectorPlan, id: ValueId, i: Value) -> Option<Val> {
        let st = self.staging.as_ref()?;
        let b = st.nodes.get(&id)?;
        // A stage reads only the nodes earlier stages computed.
        debug_assert!(b.stage < st.current, "batched node read before its stage");
        let (base, complex) = (b.base?, b.complex);
        let part = st.block as i32 * b.size as i32;
        let ty = self.f.node(id).ty;
        let addr = self.addr(base, i, real_of(ty));
        let vt = p.vec_ty(ty);
        let re = self.b.ins().load(vt, mem(), addr, 0);
        Some(if complex {
            Val::C(re, self.b.ins().load(vt, mem(), addr, part))
        } else {
            Val::S(re)
        })
    }
}
