//! IR -> CLIF: one function that evaluates the whole fused program over elements
//! `[start, end)`:
//!
//! ```text
//! fn kernel(inputs: *const *const u8, outputs: *const *mut u8, start: i64, end: i64) -> i32
//! ```
//!
//! Every input pointer addresses element `i` at `ptr + i * size` (the driver gathers
//! strided inputs into contiguous scratch first) except `Layout::Scalar` inputs, which
//! are loaded once. Outputs are contiguous. The result is a status: 0, or
//! [`STATUS_NEG_POW`] when an integer was raised to a negative power.
//!
//! Values: bool is an `i8` holding 0/1 (a lane mask of 0/-1 in vectors), complex is a
//! (re, im) pair of SSA values (of vectors). Nothing traps: divisions get a safe divisor
//! and their NumPy results by `select`, float->int conversion saturates and then
//! selects `INT_MIN` for NaN/out of range.
//!
//! Programs whose values fit one lane width compile to a 128-bit SIMD loop over whole
//! steps only (see [`VectorPlan`]; the driver runs the last `n % step` elements as one
//! padded step): straight-line ones as plain vector code, programs with loops
//! predicated over interleaved vector groups (see [`Lowerer::vblock`]). Everything else
//! gets a scalar loop with real control flow. Operations without a vector instruction
//! run lane by lane inside the vector loop (`per_lane`), so every operation is
//! available there.
//!
//! Every input element is loaded before the output element of the same index is
//! stored (a vector's or group's inputs before its outputs; the groups of a loop
//! program all before any output), which is what lets `Kernel::eval_in_place` pass an
//! input as the output.

use super::helpers::{binop_code, dtype_code, unop_code};
use super::math;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, Func, Op, Stmt, UnOp, ValueId};
use crate::options::{CpuOptions, Simd};
use crate::runtime::Layout;
use crate::value::Scalar;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::ir::{
    AbiParam, Block, Endianness, FuncRef, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind,
    Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{Linkage, Module};
use std::collections::HashMap;

/// Kernel status: an integer power with a negative exponent was evaluated.
pub const STATUS_NEG_POW: i32 = 1;

/// Elements per leaf of NumPy's pairwise summation: a leaf is summed by 8 running
/// accumulators, leaves are then added up by halves.
pub const LEAF: usize = 128;

/// Whether `f` can compile to a leaf-sum kernel (see [`Lowerer::lower`]): a whole-array
/// float sum of a straight-line vector program.
pub fn leaf_sum_ok(f: &Func, plan: Option<VectorPlan>) -> bool {
    let Some(r) = f.reduce else { return false };
    plan.is_some()
        && f.is_straight_line()
        && r.op == crate::ir::ReduceOp::Sum
        && r.axis.is_none()
        && f.outputs.len() == 1
        && matches!(r.ty, DType::F64 | DType::F32)
        && f.vars[f.outputs[0] as usize].ty == r.ty
}

// Vectors per main-loop iteration of a straight-line program default to
// `CpuOptions::straight_groups` = 2. Measured (dev VM, 1 thread): the Mandelbrot
// expression sequence, whose arrays live in L3, took 178.8 / 169.7 / 165.7 / 163.1 ms
// at 1 / 2 / 3 / 4 vectors (`escape == maxi` alone: 33 -> 23 µs at 2); 1e7-element
// memory-bound expressions did not change. Compiling `2*a + b*K.5` took 170 / 188 /
// 202 / 217 µs, so two.
#[derive(Clone, Copy, Debug)]
enum Val {
    S(Value),
    C(Value, Value),
}

impl Val {
    fn s(self) -> Value {
        match self {
            Val::S(v) | Val::C(v, _) => v,
        }
    }
    fn c(self, b: &mut FunctionBuilder, zero_ty: Type) -> (Value, Value) {
        match self {
            Val::C(r, i) => (r, i),
            Val::S(r) => {
                let z = fconst(b, zero_ty, 0.0);
                (r, z)
            }
        }
    }
}

/// Whether (and how wide) the main loop is vectorized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VectorPlan {
    pub lanes: u8,
    /// Vectors processed side by side in one main-loop iteration. Programs with loops
    /// interleave several independent vectors so that the loop-carried latency of one
    /// (e.g. `z = z*z + c`) hides behind the others' work.
    pub groups: u8,
    /// Transcendentals of whole vectors through libmvec (`!CpuOptions::exact_math`).
    pub vector_math: bool,
}

/// Programs with loops of more nodes than this run one vector group (see `for_func`).
const INTERLEAVE_MAX_NODES: usize = 2000;

// Vector groups of a predicated loop default to `CpuOptions::loop_groups` = 3.
// Measured with `examples/cpu_loops.rs` (400 x 400 points, 1 thread): Mandelbrot takes
// 33.8, 28.6, 25.8 and 27.2 ms at 1..4 groups against 58.0 ms for the scalar loop;
// beyond 3 groups the live vectors outnumber the 16 XMM registers and spill.

impl VectorPlan {
    /// Programs whose values all fit one lane width qualify: 64-bit lanes
    /// (f64/i64/complex128, with int32 held sign-extended) or 32-bit lanes
    /// (f32/i32/complex64). Complex values are (re, im) pairs of vectors.
    ///
    /// Programs with control flow run predicated at 64 bits (their loop counters are
    /// int64; see [`Lowerer::vblock`]) over `loop_groups` interleaved vectors;
    /// `Simd::StraightLine` gives them the scalar loop instead, which leaves each
    /// element as soon as it is done.
    pub fn for_func(f: &Func, opts: &CpuOptions) -> Option<VectorPlan> {
        if opts.simd == Simd::Off {
            return None;
        }
        let types = f
            .nodes
            .iter()
            .map(|n| n.ty)
            .chain(f.inputs.iter().map(|p| p.ty))
            .chain(f.vars.iter().map(|v| v.ty));
        let (mut w64, mut w32) = (false, false);
        for t in types {
            match t {
                DType::Bool | DType::I32 => {}
                DType::F64 | DType::I64 | DType::C128 => w64 = true,
                DType::F32 | DType::C64 => w32 = true,
            }
        }
        let lanes = match (w64, w32) {
            (true, true) => return None,
            (true, false) => 2,
            (false, true) => 4,
            // int32/bool only: loops need 64-bit lanes for their counters.
            (false, false) if f.is_straight_line() => 4,
            (false, false) => 2,
        };
        let vector_math = !opts.exact_math;
        if f.is_straight_line() {
            let groups = opts.straight_groups.clamp(1, 8);
            return Some(VectorPlan {
                lanes,
                groups,
                vector_math,
            });
        }
        if lanes != 2 || opts.simd != Simd::All {
            return None;
        }
        // Interleaved groups multiply what is live across a loop body, and Cranelift's
        // register allocator then slows down faster than linearly (a loop of 10,000
        // statements took minutes at 3 groups, seconds at 1); a body that large has
        // parallelism of its own to hide latency.
        let groups = match f.nodes.len() {
            n if n > INTERLEAVE_MAX_NODES => 1,
            _ => opts.loop_groups.clamp(1, 8),
        };
        Some(VectorPlan {
            lanes,
            groups,
            vector_math,
        })
    }
    /// Elements per main-loop iteration.
    pub fn step(self) -> usize {
        self.lanes as usize * self.groups as usize
    }
    /// int32 values live sign-extended in 64-bit lanes.
    fn wide_i32(self) -> bool {
        self.lanes == 2
    }
    /// The integer lane type of masks (and the width of every value).
    fn mask_ty(self) -> Type {
        if self.lanes == 2 {
            types::I64X2
        } else {
            types::I32X4
        }
    }
    /// The vector type of a value (of each half, for complex values).
    fn vec_ty(self, d: DType) -> Type {
        match d {
            DType::F64 | DType::C128 => types::F64X2,
            DType::F32 | DType::C64 => types::F32X4,
            DType::I64 => types::I64X2,
            DType::I32 if self.wide_i32() => types::I64X2,
            DType::I32 => types::I32X4,
            DType::Bool => self.mask_ty(),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Scalar,
    Vector(VectorPlan),
}

pub fn clif_type(d: DType) -> Type {
    match d {
        DType::Bool => types::I8,
        DType::I32 => types::I32,
        DType::I64 => types::I64,
        DType::F32 | DType::C64 => types::F32,
        DType::F64 | DType::C128 => types::F64,
    }
}

pub fn elem_size(d: DType) -> i64 {
    match d {
        DType::Bool => 1,
        DType::I32 | DType::F32 => 4,
        DType::I64 | DType::F64 | DType::C64 => 8,
        DType::C128 => 16,
    }
}

fn is_complex(d: DType) -> bool {
    matches!(d, DType::C64 | DType::C128)
}

fn is_int(d: DType) -> bool {
    matches!(d, DType::I32 | DType::I64)
}

/// The real type of a complex (or float) dtype.
fn real_of(d: DType) -> DType {
    match d {
        DType::C64 | DType::F32 => DType::F32,
        _ => DType::F64,
    }
}

fn mem() -> MemFlagsData {
    // Inputs are only element-aligned, so no `aligned` flag (it would allow
    // aligned-only vector loads).
    MemFlagsData::new().with_notrap()
}

fn lane_cast() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// The symbol of the direct scalar helper for a transcendental (see `helpers.rs`).
fn direct_name(op: UnOp, ty: DType) -> (&'static str, Type) {
    macro_rules! names {
        ($($v:ident => $n:literal),*) => {
            match (op, ty == DType::F32) {
                $((UnOp::$v, false) => concat!("nx_", $n, "_f64"),
                  (UnOp::$v, true) => concat!("nx_", $n, "_f32"),)*
                _ => "nx_funary",
            }
        };
    }
    let name = names!(Sin => "sin", Cos => "cos", Tan => "tan", Arcsin => "arcsin",
        Arccos => "arccos", Arctan => "arctan", Sinh => "sinh", Cosh => "cosh", Tanh => "tanh",
        Arcsinh => "arcsinh", Arccosh => "arccosh", Arctanh => "arctanh", Log => "log",
        Log1p => "log1p", Log10 => "log10", Log2 => "log2", Exp => "exp", Expm1 => "expm1");
    (name, clif_type(ty))
}

/// Whether loop variable `var` of the loop with body `body` is read only inside
/// that body (so its lanes need not be kept after they leave the loop).
fn loop_private(f: &Func, body: &[Stmt], var: u32) -> bool {
    if f.outputs.contains(&var) || f.vars[var as usize].init_from.is_some() {
        return false;
    }
    fn roots(stmts: &[Stmt], skip: *const Stmt, out: &mut Vec<ValueId>) {
        for s in stmts {
            match s {
                Stmt::Assign { value, .. } => out.push(*value),
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    out.push(*cond);
                    roots(then_body, skip, out);
                    roots(else_body, skip, out);
                }
                Stmt::For {
                    start, end, body, ..
                } => {
                    out.push(*start);
                    out.push(*end);
                    if body.as_ptr() != skip {
                        roots(body, skip, out);
                    }
                }
                Stmt::Break => {}
            }
        }
    }
    let mut stack = vec![];
    roots(&f.body, body.as_ptr(), &mut stack);
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

/// `abs(z) op k` (or `k op abs(z)`) for a complex `z`, an order comparison and a
/// constant `k` whose square is a normal float: `(z, op, k)` with `op` normalized to
/// `abs(z) op k`. See [`Lowerer::vabs_compare`].
fn abs_compare(f: &Func, id: ValueId) -> Option<(ValueId, BinOp, f64)> {
    let n = f.node(id);
    let Op::Binary(op) = n.op else { return None };
    let (x, y) = (f.node(n.args[0]), f.node(n.args[1]));
    let konst = |m: &crate::ir::Node| match m.op {
        Op::Const(Scalar::F64(k)) => Some(k),
        Op::Const(Scalar::F32(k)) => Some(k as f64),
        _ => None,
    };
    let abs_of = |m: &crate::ir::Node| match m.op {
        Op::Unary(UnOp::Abs) if is_complex(f.node(m.args[0]).ty) => Some(m.args[0]),
        _ => None,
    };
    let (z, op, k) = match (abs_of(x), konst(y), konst(x), abs_of(y)) {
        (Some(z), Some(k), _, _) => (z, op, k),
        (_, _, Some(k), Some(z)) => {
            let mirrored = match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                _ => return None,
            };
            (z, mirrored, k)
        }
        _ => return None,
    };
    let range = if f.node(z).ty == DType::C64 {
        1e-15..1e15
    } else {
        1e-100..1e100
    };
    (matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) && range.contains(&k))
        .then_some((z, op, k))
}

/// A kernel-local function that calls `nx_abs_cmp` and preserves every register, so
/// that the rare slow lanes of `abs(z) op k` cost the fast path nothing.
pub const ABS_SLOW: &str = "nexpr_abs_cmp_slow";

fn abs_slow_sig() -> cranelift_codegen::ir::Signature {
    let mut sig = cranelift_codegen::ir::Signature::new(CallConv::PreserveAll);
    sig.params
        .extend([types::I64, types::I32, types::F64].map(AbiParam::new));
    sig
}

/// Defines the `ABS_SLOW` trampoline (declared as `id`) in `module`.
pub fn define_abs_slow(module: &mut JITModule, id: cranelift_module::FuncId) -> Result<()> {
    let mut ctx = module.make_context();
    ctx.func.signature = abs_slow_sig();
    let mut fbc = cranelift_frontend::FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let args = b.block_params(entry).to_vec();
    let mut sig = module.make_signature();
    sig.params
        .extend([types::I64, types::I32, types::F64].map(AbiParam::new));
    let helper = module
        .declare_function("nx_abs_cmp", Linkage::Import, &sig)
        .map_err(|e| Error::backend(format!("declaring nx_abs_cmp: {e}")))?;
    let fr = module.declare_func_in_func(helper, b.func);
    b.ins().call(fr, &args);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(module.target_config());
    module
        .define_function(id, &mut ctx)
        .map_err(|e| Error::backend(format!("compiling {ABS_SLOW}: {e:?}")))?;
    module.clear_context(&mut ctx);
    Ok(())
}

/// The condition code of a comparison of (signed) integers.
fn int_cc(op: BinOp) -> Option<IntCC> {
    Some(match op {
        BinOp::Lt => IntCC::SignedLessThan,
        BinOp::Le => IntCC::SignedLessThanOrEqual,
        BinOp::Eq => IntCC::Equal,
        BinOp::Ne => IntCC::NotEqual,
        BinOp::Ge => IntCC::SignedGreaterThanOrEqual,
        BinOp::Gt => IntCC::SignedGreaterThan,
        _ => return None,
    })
}

/// The condition code of a comparison of floats (false when either is NaN, except `!=`).
fn float_cc(op: BinOp) -> Option<FloatCC> {
    Some(match op {
        BinOp::Lt => FloatCC::LessThan,
        BinOp::Le => FloatCC::LessThanOrEqual,
        BinOp::Eq => FloatCC::Equal,
        BinOp::Ne => FloatCC::NotEqual,
        BinOp::Ge => FloatCC::GreaterThanOrEqual,
        BinOp::Gt => FloatCC::GreaterThan,
        _ => return None,
    })
}

/// Where NumPy's `maximum(x, y)` (or `minimum`) is `x`: where `x` wins or is NaN.
fn keep_first(b: &mut FunctionBuilder, op: BinOp, x: Value, y: Value) -> Value {
    let cc = if op == BinOp::Maximum {
        FloatCC::GreaterThanOrEqual
    } else {
        FloatCC::LessThanOrEqual
    };
    let c = b.ins().fcmp(cc, x, y);
    let n = b.ins().fcmp(FloatCC::Unordered, x, x);
    b.ins().bor(c, n)
}

/// Whether `blendv` (SSE4.1) can select vector lanes.
fn blendv_ok() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn fconst(b: &mut FunctionBuilder, ty: Type, x: f64) -> Value {
    if ty.is_vector() {
        let s = fconst(b, ty.lane_type(), x);
        b.ins().splat(ty, s)
    } else if ty == types::F32 {
        b.ins().f32const(x as f32)
    } else {
        b.ins().f64const(x)
    }
}

struct Local {
    re: Variable,
    im: Option<Variable>,
    /// Vector mode: the (re, im) variables of each vector group.
    vec: Vec<(Variable, Option<Variable>)>,
}

pub struct Lowerer<'a, 'b> {
    f: &'a Func,
    layouts: &'a [Layout],
    module: &'a mut JITModule,
    b: FunctionBuilder<'b>,
    helpers: HashMap<&'static str, FuncRef>,
    in_ptrs: Vec<Value>,
    out_ptrs: Vec<Value>,
    /// Scalar-layout inputs, loaded once in the entry block.
    in_scalar: Vec<Option<Val>>,
    in_splat: Vec<Option<Val>>,
    locals: Vec<Local>,
    idx: Variable,
    err_block: Block,
    loop_exits: Vec<Block>,
    /// Vector programs with control flow: the live-lane masks (one per vector group)
    /// of each enclosing loop and of the whole body, and the mask of the statement
    /// being lowered.
    alive: Vec<Vec<Variable>>,
    active: Option<Value>,
    /// The vector group being lowered: selects the locals' variables.
    group: usize,
    /// Bodies of the loops enclosing the statement being lowered (vector mode).
    loop_bodies: Vec<&'a [Stmt]>,
    /// Inputs of programs with loops, loaded once per (group, input).
    in_cache: HashMap<(usize, u32), Val>,
    /// The register-preserving trampoline to `nx_abs_cmp`, once declared.
    abs_slow: Option<(cranelift_module::FuncId, FuncRef)>,
    abs_slot: Option<cranelift_codegen::ir::StackSlot>,
    memo: HashMap<ValueId, Val>,
    slot: Option<cranelift_codegen::ir::StackSlot>,
}

impl<'a, 'b> Lowerer<'a, 'b> {
    pub fn new(
        f: &'a Func,
        layouts: &'a [Layout],
        module: &'a mut JITModule,
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
            loop_exits: vec![],
            alive: vec![],
            active: None,
            memo: HashMap::new(),
            slot: None,
            group: 0,
            loop_bodies: vec![],
            in_cache: HashMap::new(),
            abs_slow: None,
            abs_slot: None,
        }
    }

    /// Emits the whole kernel. With `leaf_sum` (see [`leaf_sum_ok`]) it computes the
    /// output's sum over each leaf of `LEAF` elements instead, exactly as NumPy's
    /// pairwise summation does there, and writes it at index `i / LEAF`; `[start, end)`
    /// must then be whole leaves.
    ///
    /// Returns the id of the trampoline (see [`ABS_SLOW`]) when the kernel calls it:
    /// the caller defines it with [`define_abs_slow`].
    pub fn lower(
        mut self,
        plan: Option<VectorPlan>,
        leaf_sum: bool,
    ) -> Result<Option<cranelift_module::FuncId>> {
        let f = self.f;
        if self.layouts.len() != f.inputs.len() {
            return Err(Error::backend("layout count does not match the inputs"));
        }
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
            let ty = clif_type(l.ty);
            let re = self.b.declare_var(ty);
            let im = is_complex(l.ty).then(|| self.b.declare_var(ty));
            let mut vec = vec![];
            if let Some(p) = plan {
                for _ in 0..p.groups {
                    let vt = p.vec_ty(l.ty);
                    let vre = self.b.declare_var(vt);
                    let vim = is_complex(l.ty).then(|| self.b.declare_var(vt));
                    vec.push((vre, vim));
                }
            }
            self.locals.push(Local { re, im, vec });
        }
        self.b.def_var(self.idx, start);

        let scalar_head = self.b.create_block();
        let exit = self.b.create_block();
        if let (Some(p), true) = (plan, leaf_sum) {
            self.leaf_loops(p, end, exit)?;
        } else if let Some(p) = plan {
            let step = p.step() as i64;
            let vhead = self.b.create_block();
            let vbody = self.b.create_block();
            self.b.ins().jump(vhead, &[]);
            self.b.switch_to_block(vhead);
            let i = self.b.use_var(self.idx);
            let room = self.b.ins().isub(end, i);
            let go = self
                .b
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, room, step);
            self.b.ins().brif(go, vbody, &[], scalar_head, &[]);
            self.b.switch_to_block(vbody);
            let i = self.b.use_var(self.idx);
            if f.is_straight_line() {
                for g in 0..p.groups as usize {
                    self.enter_group(g);
                    let ig = self.b.ins().iadd_imm_s(i, (g * p.lanes as usize) as i64);
                    self.element(Mode::Vector(p), ig)?;
                }
                self.enter_group(0);
            } else {
                self.vector_groups(p, i)?;
            }
            let i = self.b.use_var(self.idx);
            let next = self.b.ins().iadd_imm_s(i, step);
            self.b.def_var(self.idx, next);
            self.b.ins().jump(vhead, &[]);
        } else {
            self.b.ins().jump(scalar_head, &[]);
        }

        self.b.switch_to_block(scalar_head);
        if plan.is_some() || leaf_sum {
            // Vector kernels have no scalar loop: the driver runs the last `n % lanes`
            // elements as one vector over padded copies. That halves the code Cranelift
            // compiles.
            self.b.ins().jump(exit, &[]);
        } else {
            let sbody = self.b.create_block();
            let i = self.b.use_var(self.idx);
            let go = self.b.ins().icmp(IntCC::SignedLessThan, i, end);
            self.b.ins().brif(go, sbody, &[], exit, &[]);
            self.b.switch_to_block(sbody);
            let i = self.b.use_var(self.idx);
            self.element(Mode::Scalar, i)?;
            let i = self.b.use_var(self.idx);
            let next = self.b.ins().iadd_imm_s(i, 1);
            self.b.def_var(self.idx, next);
            self.b.ins().jump(scalar_head, &[]);
        }

        self.b.switch_to_block(exit);
        let ok = self.b.ins().iconst(types::I32, 0);
        self.b.ins().return_(&[ok]);

        self.b.switch_to_block(self.err_block);
        let st = self.b.ins().iconst(types::I32, STATUS_NEG_POW as i64);
        self.b.ins().return_(&[st]);

        self.b.seal_all_blocks();
        let cfg = self.module.target_config();
        self.b.finalize(cfg);
        Ok(self.abs_slow.map(|(id, _)| id))
    }

    /// The leaf-sum main loop: per leaf, `8 / lanes` vector accumulators start from the
    /// leaf's first 8 values and add up the rest 8 at a time; the 8 running sums are
    /// then combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`.
    fn leaf_loops(&mut self, p: VectorPlan, end: Value, exit: Block) -> Result<()> {
        let mode = Mode::Vector(p);
        let lanes = p.lanes as usize;
        let per = 8 / lanes;
        let out = self.f.outputs[0] as usize;
        let ty = self.f.vars[out].ty;
        let (head, body) = (self.b.create_block(), self.b.create_block());
        let (ihead, ibody, iexit) = (
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
        let mut acc = vec![];
        for u in 0..per {
            let iu = self.b.ins().iadd_imm_s(i, (u * lanes) as i64);
            let v = self.leaf_value(mode, out, iu)?;
            let a = self.b.declare_var(p.vec_ty(ty));
            self.b.def_var(a, v);
            acc.push(a);
        }
        let j = self.b.declare_var(types::I64);
        let j0 = self.b.ins().iadd_imm_s(i, 8);
        self.b.def_var(j, j0);
        let lim = self.b.ins().iadd_imm_s(i, LEAF as i64);
        self.b.ins().jump(ihead, &[]);
        self.b.switch_to_block(ihead);
        let jv = self.b.use_var(j);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, jv, lim);
        self.b.ins().brif(go, ibody, &[], iexit, &[]);
        self.b.switch_to_block(ibody);
        let jv = self.b.use_var(j);
        for (u, &a) in acc.iter().enumerate() {
            let ju = self.b.ins().iadd_imm_s(jv, (u * lanes) as i64);
            let v = self.leaf_value(mode, out, ju)?;
            let cur = self.b.use_var(a);
            let sum = self.b.ins().fadd(cur, v);
            self.b.def_var(a, sum);
        }
        let jn = self.b.ins().iadd_imm_s(jv, 8);
        self.b.def_var(j, jn);
        self.b.ins().jump(ihead, &[]);

        self.b.switch_to_block(iexit);
        let mut r = vec![];
        for &a in &acc {
            let v = self.b.use_var(a);
            for l in 0..lanes {
                r.push(self.b.ins().extractlane(v, l as u8));
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
        let k = self.b.ins().ushr_imm_s(i, LEAF.trailing_zeros() as i64);
        let addr = self.addr(self.out_ptrs[0], k, ty);
        self.b.ins().store(mem(), total, addr, 0);
        let next = self.b.ins().iadd_imm_s(i, LEAF as i64);
        self.b.def_var(self.idx, next);
        self.b.ins().jump(head, &[]);
        Ok(())
    }

    /// The value of local `out` for the vector at index `i`.
    fn leaf_value(&mut self, mode: Mode, out: usize, i: Value) -> Result<Value> {
        self.memo.clear();
        self.init_locals(mode, i);
        self.scalar_body(mode, i)?;
        Ok(self.get_local(mode, out).s())
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

    /// `p.groups` vectors of a program with control flow, from index `i` on, run
    /// predicated side by side (see [`Self::vblock`]).
    fn vector_groups(&mut self, p: VectorPlan, i: Value) -> Result<()> {
        let mode = Mode::Vector(p);
        let mut idx = vec![];
        let mut tops = vec![];
        let all = self.all_lanes(p);
        for g in 0..p.groups as usize {
            self.enter_group(g);
            let ig = self.b.ins().iadd_imm_s(i, (g * p.lanes as usize) as i64);
            idx.push(ig);
            // Loaded (and deinterleaved) once, not once per loop iteration.
            for k in 0..self.f.inputs.len() as u32 {
                let v = self.input(mode, k, ig);
                self.in_cache.insert((g, k), v);
            }
            self.init_locals(mode, ig);
            let top = self.b.declare_var(p.mask_ty());
            self.b.def_var(top, all);
            tops.push(top);
        }
        self.alive.push(tops);
        let masks = vec![None; p.groups as usize];
        let f = self.f;
        self.vblock(p, &f.body, &masks, &idx)?;
        self.alive.pop();
        self.active = None;
        self.in_cache.clear();
        for (g, &ig) in idx.iter().enumerate() {
            self.enter_group(g);
            self.store_outputs(mode, ig);
        }
        self.enter_group(0);
        Ok(())
    }

    /// Switches to vector group `g`: its locals, and no values shared with others.
    fn enter_group(&mut self, g: usize) {
        self.group = g;
        self.memo.clear();
    }

    fn all_lanes(&mut self, p: VectorPlan) -> Value {
        let lt = p.mask_ty().lane_type();
        let m = self.b.ins().iconst(lt, -1);
        self.b.ins().splat(p.mask_ty(), m)
    }

    /// `mask ? x : y` lane by lane, for values of vector type `vt` and a mask whose
    /// lanes are all ones or all zeros.
    fn vselect(&mut self, p: VectorPlan, mask: Value, x: Value, y: Value) -> Value {
        let mt = p.mask_ty();
        let vt = self.b.func.dfg.value_type(x);
        if blendv_ok() {
            // One `blendvpd`/`blendvps` instead of and/andn/or: masks built with
            // band/bor are all ones or all zeros, which Cranelift cannot see.
            let cast = |b: &mut FunctionBuilder, v: Value| {
                if vt == mt {
                    v
                } else {
                    b.ins().bitcast(mt, lane_cast(), v)
                }
            };
            let (xi, yi) = (cast(&mut self.b, x), cast(&mut self.b, y));
            let r = self.b.ins().blendv(mask, xi, yi);
            return if vt == mt {
                r
            } else {
                self.b.ins().bitcast(vt, lane_cast(), r)
            };
        }
        let m = if vt == mt {
            mask
        } else {
            self.b.ins().bitcast(vt, lane_cast(), mask)
        };
        self.b.ins().bitselect(m, x, y)
    }

    fn vselect_val(&mut self, p: VectorPlan, mask: Value, x: Val, y: Val) -> Val {
        match (x, y) {
            (Val::C(a, b), Val::C(c, d)) => {
                Val::C(self.vselect(p, mask, a, c), self.vselect(p, mask, b, d))
            }
            _ => Val::S(self.vselect(p, mask, x.s(), y.s())),
        }
    }

    /// Assigns `v` to local `k` in the lanes of `mask` only.
    fn masked_set(&mut self, p: VectorPlan, k: usize, v: Val, mask: Value) {
        let old = self.get_local(Mode::Vector(p), k);
        let new = self.vselect_val(p, mask, v, old);
        self.set_local(Mode::Vector(p), k, new);
    }

    /// A program with control flow over `p.groups` vectors of elements (at indices
    /// `idx`), predicated: every statement runs for all lanes and commits only in the
    /// lanes of `if_mask & alive` (`None`: all lanes); an `if` arm runs (under its
    /// mask) when any lane takes it; a loop iterates while any lane of any group is
    /// still in it; `break` clears lanes from the innermost loop's live mask. Each
    /// statement is lowered for every group in turn, so the groups' dependency chains
    /// interleave.
    fn vblock(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        if_mask: &[Option<Value>],
        idx: &[Value],
    ) -> Result<()> {
        crate::limits::stack(|| self.vblock_at(p, body, if_mask, idx))
    }

    fn vblock_at(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        if_mask: &[Option<Value>],
        idx: &[Value],
    ) -> Result<()> {
        let mode = Mode::Vector(p);
        let groups = p.groups as usize;
        for s in body {
            let mut acts = Vec::with_capacity(groups);
            for (g, m) in if_mask.iter().enumerate() {
                let alive_var = self.alive.last().expect("a live mask exists")[g];
                let alive = self.b.use_var(alive_var);
                acts.push(match m {
                    Some(m) => self.b.ins().band(*m, alive),
                    None => alive,
                });
            }
            match s {
                Stmt::Assign { var, value } => {
                    // In a top-level loop (it runs once per element), a local that only
                    // its body reads need not be kept in lanes that left the loop: no
                    // one reads them again.
                    let private = matches!(self.loop_bodies.as_slice(), [body]
                        if loop_private(self.f, body, *var));
                    for g in 0..groups {
                        self.enter_group(g);
                        self.active = Some(acts[g]);
                        let v = self.node(mode, *value, idx[g])?;
                        let from = self.f.node(*value).ty;
                        let to = self.f.vars[*var as usize].ty;
                        let v = self.cast(mode, v, from, to);
                        match (private, if_mask[g]) {
                            (true, None) => self.set_local(mode, *var as usize, v),
                            (true, Some(m)) => self.masked_set(p, *var as usize, v, m),
                            (false, _) => self.masked_set(p, *var as usize, v, acts[g]),
                        }
                    }
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    let (mut tms, mut ems) = (vec![], vec![]);
                    for g in 0..groups {
                        self.enter_group(g);
                        self.active = Some(acts[g]);
                        let c = self.node(mode, *cond, idx[g])?;
                        let c = self.cast(mode, c, self.f.node(*cond).ty, DType::Bool).s();
                        let (t, e) = match if_mask[g] {
                            Some(m) => (self.b.ins().band(m, c), self.b.ins().band_not(m, c)),
                            None => (c, self.b.ins().bnot(c)),
                        };
                        tms.push(Some(t));
                        ems.push(Some(e));
                    }
                    self.varm(p, then_body, &tms, &acts, idx)?;
                    self.varm(p, else_body, &ems, &acts, idx)?;
                }
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => {
                    let (mut ctrs, mut las, mut ends) = (vec![], vec![], vec![]);
                    for g in 0..groups {
                        self.enter_group(g);
                        self.active = Some(acts[g]);
                        let s0 = self.node(mode, *start, idx[g])?.s();
                        let e0 = self.node(mode, *end, idx[g])?.s();
                        let ctr = self.b.declare_var(types::I64X2);
                        self.b.def_var(ctr, s0);
                        let la = self.b.declare_var(p.mask_ty());
                        self.b.def_var(la, acts[g]);
                        ctrs.push(ctr);
                        las.push(la);
                        ends.push(e0);
                    }
                    let (head, bodyb, exit) = (
                        self.b.create_block(),
                        self.b.create_block(),
                        self.b.create_block(),
                    );
                    self.b.ins().jump(head, &[]);
                    self.b.switch_to_block(head);
                    let mut any = None;
                    for g in 0..groups {
                        let c = self.b.use_var(ctrs[g]);
                        let inr = self.b.ins().icmp(IntCC::SignedLessThan, c, ends[g]);
                        let cur = self.b.use_var(las[g]);
                        let live = self.b.ins().band(cur, inr);
                        self.b.def_var(las[g], live);
                        any = Some(match any {
                            None => live,
                            Some(a) => self.b.ins().bor(a, live),
                        });
                    }
                    let any = self.b.ins().vany_true(any.expect("one group at least"));
                    self.b.ins().brif(any, bodyb, &[], exit, &[]);
                    self.b.switch_to_block(bodyb);
                    let ty = self.f.vars[*var as usize].ty;
                    let private = loop_private(self.f, body, *var);
                    for g in 0..groups {
                        self.enter_group(g);
                        let c = self.b.use_var(ctrs[g]);
                        let live = self.b.use_var(las[g]);
                        let cv = self.cast(mode, Val::S(c), DType::I64, ty);
                        if private {
                            // Only the body reads it, and only its live lanes commit.
                            self.set_local(mode, *var as usize, cv);
                        } else {
                            self.masked_set(p, *var as usize, cv, live);
                        }
                    }
                    self.alive.push(las.clone());
                    self.loop_bodies.push(body);
                    self.vblock(p, body, &vec![None; groups], idx)?;
                    self.loop_bodies.pop();
                    self.alive.pop();
                    let one = self.b.ins().iconst(types::I64, 1);
                    let one = self.b.ins().splat(types::I64X2, one);
                    for &ctr in &ctrs {
                        let c = self.b.use_var(ctr);
                        let c1 = self.b.ins().iadd(c, one);
                        self.b.def_var(ctr, c1);
                    }
                    self.b.ins().jump(head, &[]);
                    self.b.switch_to_block(exit);
                }
                Stmt::Break => {
                    for (g, &act) in acts.iter().enumerate() {
                        let alive_var = self.alive.last().expect("a live mask exists")[g];
                        let cur = self.b.use_var(alive_var);
                        let left = self.b.ins().band_not(cur, act);
                        self.b.def_var(alive_var, left);
                    }
                }
            }
        }
        Ok(())
    }

    /// One arm of an `if` under the masks `arm & alive`: skipped by a branch when no
    /// lane of any group takes it (escape-time tests rarely fire).
    fn varm(
        &mut self,
        p: VectorPlan,
        body: &'a [Stmt],
        arm: &[Option<Value>],
        acts: &[Value],
        idx: &[Value],
    ) -> Result<()> {
        if body.is_empty() {
            return Ok(());
        }
        let mut any = None;
        for (m, &a) in arm.iter().zip(acts) {
            let live = match m {
                Some(m) => self.b.ins().band(*m, a),
                None => a,
            };
            any = Some(match any {
                None => live,
                Some(x) => self.b.ins().bor(x, live),
            });
        }
        let any = self.b.ins().vany_true(any.expect("one group at least"));
        let (run, done) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(any, run, &[], done, &[]);
        self.b.switch_to_block(run);
        self.vblock(p, body, arm, idx)?;
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(())
    }

    /// The scalar body of one element, with real control flow.
    fn scalar_body(&mut self, mode: Mode, i: Value) -> Result<()> {
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

    fn addr(&mut self, base: Value, i: Value, ty: DType) -> Value {
        let off = self.b.ins().imul_imm_s(i, elem_size(ty));
        self.b.ins().iadd(base, off)
    }

    fn set_local(&mut self, mode: Mode, k: usize, v: Val) {
        let l = &self.locals[k];
        match mode {
            Mode::Vector(_) => {
                let (re, im) = l.vec[self.group];
                match (v, im) {
                    (Val::C(r, i), Some(im)) => {
                        self.b.def_var(re, r);
                        self.b.def_var(im, i);
                    }
                    (v, _) => self.b.def_var(re, v.s()),
                }
            }
            Mode::Scalar => {
                let (re, im) = (l.re, l.im);
                match (v, im) {
                    (Val::C(r, i), Some(im)) => {
                        self.b.def_var(re, r);
                        self.b.def_var(im, i);
                    }
                    (v, _) => self.b.def_var(re, v.s()),
                }
            }
        }
    }

    fn get_local(&mut self, mode: Mode, k: usize) -> Val {
        let l = &self.locals[k];
        match mode {
            Mode::Vector(_) => {
                let (re, im) = l.vec[self.group];
                let r = self.b.use_var(re);
                match im {
                    Some(im) => Val::C(r, self.b.use_var(im)),
                    None => Val::S(r),
                }
            }
            Mode::Scalar => {
                let (re, im) = (l.re, l.im);
                let r = self.b.use_var(re);
                match im {
                    Some(im) => Val::C(r, self.b.use_var(im)),
                    None => Val::S(r),
                }
            }
        }
    }

    fn block(&mut self, mode: Mode, body: &[Stmt], i: Value) -> Result<()> {
        crate::limits::stack(|| self.block_at(mode, body, i))
    }

    fn block_at(&mut self, mode: Mode, body: &[Stmt], i: Value) -> Result<()> {
        for s in body {
            self.memo.clear();
            match s {
                Stmt::Assign { var, value } => {
                    let v = self.node(mode, *value, i)?;
                    let from = self.f.node(*value).ty;
                    let to = self.f.vars[*var as usize].ty;
                    let v = self.cast(mode, v, from, to);
                    self.set_local(mode, *var as usize, v);
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    let c = self.node(mode, *cond, i)?;
                    let c = self.cast(mode, c, self.f.node(*cond).ty, DType::Bool).s();
                    let (tb, eb, merge) = (
                        self.b.create_block(),
                        self.b.create_block(),
                        self.b.create_block(),
                    );
                    self.b.ins().brif(c, tb, &[], eb, &[]);
                    self.b.switch_to_block(tb);
                    self.block(mode, then_body, i)?;
                    self.b.ins().jump(merge, &[]);
                    self.b.switch_to_block(eb);
                    self.block(mode, else_body, i)?;
                    self.b.ins().jump(merge, &[]);
                    self.b.switch_to_block(merge);
                }
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => {
                    let s0 = self.node(mode, *start, i)?.s();
                    let e0 = self.node(mode, *end, i)?.s();
                    let ctr = self.b.declare_var(types::I64);
                    self.b.def_var(ctr, s0);
                    let (head, bodyb, exit) = (
                        self.b.create_block(),
                        self.b.create_block(),
                        self.b.create_block(),
                    );
                    self.b.ins().jump(head, &[]);
                    self.b.switch_to_block(head);
                    let c = self.b.use_var(ctr);
                    let go = self.b.ins().icmp(IntCC::SignedLessThan, c, e0);
                    self.b.ins().brif(go, bodyb, &[], exit, &[]);
                    self.b.switch_to_block(bodyb);
                    let c = self.b.use_var(ctr);
                    let ty = self.f.vars[*var as usize].ty;
                    let cv = self.cast(mode, Val::S(c), DType::I64, ty);
                    self.set_local(mode, *var as usize, cv);
                    self.loop_exits.push(exit);
                    self.block(mode, body, i)?;
                    self.loop_exits.pop();
                    let c = self.b.use_var(ctr);
                    let c1 = self.b.ins().iadd_imm_s(c, 1);
                    self.b.def_var(ctr, c1);
                    self.b.ins().jump(head, &[]);
                    self.b.switch_to_block(exit);
                }
                Stmt::Break => {
                    let exit = *self
                        .loop_exits
                        .last()
                        .ok_or_else(|| Error::backend("break outside a loop"))?;
                    self.b.ins().jump(exit, &[]);
                    // Whatever follows a break is dead; give it a block to live in.
                    let dead = self.b.create_block();
                    self.b.switch_to_block(dead);
                }
            }
        }
        Ok(())
    }

    fn node(&mut self, mode: Mode, id: ValueId, i: Value) -> Result<Val> {
        // Operand chains may be `limits::MAX_DEPTH` deep (and more after lowering).
        crate::limits::stack(|| self.node_at(mode, id, i))
    }

    fn node_at(&mut self, mode: Mode, id: ValueId, i: Value) -> Result<Val> {
        if let Some(&v) = self.memo.get(&id) {
            return Ok(v);
        }
        let f = self.f;
        let n = f.node(id);
        if let (Mode::Vector(p), Some((z, op, k))) = (mode, abs_compare(f, id)) {
            let v = self.vabs_compare(p, z, op, k, i)?;
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
            Op::Unary(u) => match mode {
                Mode::Scalar => self.unary(u, args[0], arg_ty(0), n.ty)?,
                Mode::Vector(p) => match self.vunary(p, u, args[0], arg_ty(0), n.ty) {
                    Some(v) => v,
                    None => self.per_lane(p, &args, &[arg_ty(0)], n.ty, |s, a| {
                        s.unary(u, a[0], arg_ty(0), n.ty)
                    })?,
                },
            },
            Op::Binary(bop) => {
                let t = arg_ty(0);
                match mode {
                    Mode::Scalar => self.binary(bop, args[0], args[1], t, n.ty)?,
                    Mode::Vector(p) => match self.vbinary(p, bop, args[0], args[1], t) {
                        Some(v) => v,
                        None => {
                            let mut args = args.clone();
                            if let (BinOp::Pow, true, Some(m)) = (bop, is_int(t), self.active) {
                                // Inactive lanes hold stale values: a negative exponent
                                // there must not raise the error.
                                let z = self.b.ins().iconst(p.vec_ty(t).lane_type(), 0);
                                let z = self.b.ins().splat(p.vec_ty(t), z);
                                args[1] = Val::S(self.b.ins().bitselect(m, args[1].s(), z));
                            }
                            self.per_lane(p, &args, &[t, t], n.ty, |s, a| {
                                s.binary(bop, a[0], a[1], t, n.ty)
                            })?
                        }
                    },
                }
            }
        };
        self.memo.insert(id, v);
        Ok(v)
    }

    /// `abs(z) op k` without a square root where the answer is clear: with
    /// `s = re*re + im*im` (relative error below 2^-50 for complex128, 2^-21 for
    /// complex64, overflow to inf and underflow to 0 included), `s > k*k*(1 + eps)`
    /// proves `|z| > k` by more than hypot's 1-ulp error, and `s < k*k*(1 - eps)`
    /// proves `|z| < k`. Lanes in between (and NaNs) call hypot as the interpreter
    /// does, so the result is identical; in escape-time tests they almost never occur.
    fn vabs_compare(
        &mut self,
        p: VectorPlan,
        z: ValueId,
        op: BinOp,
        k: f64,
        i: Value,
    ) -> Result<Val> {
        let mode = Mode::Vector(p);
        let zty = self.f.node(z).ty;
        let vt = p.vec_ty(zty);
        let eps = if zty == DType::C64 {
            1.0 / 4096.0
        } else {
            1e-9
        };
        let zv = self.node(mode, z, i)?;
        let (re, im) = zv.c(&mut self.b, vt);
        let rr = self.b.ins().fmul(re, re);
        let ii = self.b.ins().fmul(im, im);
        let sq = self.b.ins().fadd(rr, ii);
        let hi = fconst(&mut self.b, vt, k * k * (1.0 + eps));
        let lo = fconst(&mut self.b, vt, k * k * (1.0 - eps));
        let above = self.b.ins().fcmp(FloatCC::GreaterThan, sq, hi);
        let below = self.b.ins().fcmp(FloatCC::LessThan, sq, lo);
        let yes = if matches!(op, BinOp::Gt | BinOp::Ge) {
            above
        } else {
            below
        };
        let decided = self.b.ins().bor(above, below);
        let res = self.b.declare_var(p.mask_ty());
        self.b.def_var(res, yes);
        // One `movmskpd` and a compare: is any lane undecided?
        let bits = self.b.ins().vhigh_bits(types::I32, decided);
        let any = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, bits, (1i64 << p.lanes) - 1);
        let (slow, done) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(any, slow, &[], done, &[]);
        self.b.switch_to_block(slow);
        // Out of line, through a trampoline that preserves every register: a plain
        // call here would make the fast path keep its values in callee-saved
        // registers or on the stack around it (measured: 131 vs 157 µs per 160 000
        // points for `where(mask & (abs(z) > 2), i, escape)`).
        let ss = *self.abs_slot.get_or_insert_with(|| {
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 48, 4))
        });
        let ptr = self.b.ins().stack_addr(types::I64, ss, 0);
        self.b.ins().store(mem(), re, ptr, 0);
        self.b.ins().store(mem(), im, ptr, 16);
        let c64 = if zty == DType::C64 { 0x100 } else { 0 };
        let code = p.lanes as i64 | c64 | (binop_code(op) << 16);
        let code = self.b.ins().iconst(types::I32, code);
        let kv = self.b.ins().f64const(k);
        let fr = self.abs_slow_ref()?;
        self.b.ins().call(fr, &[ptr, code, kv]);
        let exact = self.load_mask(p, ptr, 32);
        self.b.def_var(res, exact);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(Val::S(self.b.use_var(res)))
    }

    /// The kernel's reference to the `abs` trampoline, declared on first use.
    fn abs_slow_ref(&mut self) -> Result<FuncRef> {
        if let Some((_, r)) = self.abs_slow {
            return Ok(r);
        }
        let id = self
            .module
            .declare_function(ABS_SLOW, Linkage::Local, &abs_slow_sig())
            .map_err(|e| Error::backend(format!("declaring {ABS_SLOW}: {e}")))?;
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.abs_slow = Some((id, r));
        Ok(r)
    }

    fn select(&mut self, c: Value, x: Val, y: Val) -> Val {
        match (x, y) {
            (Val::C(a, b), Val::C(c2, d)) => {
                Val::C(self.b.ins().select(c, a, c2), self.b.ins().select(c, b, d))
            }
            _ => Val::S(self.b.ins().select(c, x.s(), y.s())),
        }
    }

    fn load_at(&mut self, ty: DType, ptr: Value, off: i32) -> Val {
        let t = clif_type(ty);
        let r = self.b.ins().load(t, mem(), ptr, off);
        if is_complex(ty) {
            let half = elem_size(ty) as i32 / 2;
            Val::C(r, self.b.ins().load(t, mem(), ptr, off + half))
        } else {
            Val::S(r)
        }
    }

    fn input(&mut self, mode: Mode, k: u32, i: Value) -> Val {
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
                if let Some(&v) = self.in_cache.get(&(self.group, k as u32)) {
                    return v;
                }
                let a = self.addr(self.in_ptrs[k], i, ty);
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
        }
    }

    /// Bool bytes 0/1 at `a + off` -> mask lanes 0/-1: one load of all the lanes'
    /// bytes, one byte shuffle repeating each across its lane, a byte negation.
    fn load_mask(&mut self, p: VectorPlan, a: Value, off: i32) -> Value {
        let (st, vt) = if p.lanes == 2 {
            (types::I16, types::I16X8)
        } else {
            (types::I32, types::I32X4)
        };
        let x = self.b.ins().load(st, mem(), a, off);
        let v = self.b.ins().scalar_to_vector(vt, x);
        let v = self.b.ins().bitcast(types::I8X16, lane_cast(), v);
        let size = 16 / p.lanes as usize;
        let sel: Vec<usize> = (0..16).map(|j| j / size).collect();
        let v = self.shuffle(v, v, &sel);
        let v = self.b.ins().ineg(v);
        self.b.ins().bitcast(p.mask_ty(), lane_cast(), v)
    }

    /// Lanes `sel` (indices into the lanes of `x` followed by those of `y`) of two
    /// vectors of one type.
    fn shuffle(&mut self, x: Value, y: Value, sel: &[usize]) -> Value {
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

    fn store(&mut self, mode: Mode, ty: DType, v: Val, addr: Value) {
        match (mode, v) {
            (Mode::Vector(p), Val::C(r, im)) => {
                // [r0 r1 ..], [i0 i1 ..] -> [r0 i0 r1 i1 ..]
                let n = p.lanes as usize;
                let lo: Vec<usize> = (0..n / 2).flat_map(|j| [j, n + j]).collect();
                let hi: Vec<usize> = (n / 2..n).flat_map(|j| [j, n + j]).collect();
                let a = self.shuffle(r, im, &lo);
                let b = self.shuffle(r, im, &hi);
                self.b.ins().store(mem(), a, addr, 0);
                self.b.ins().store(mem(), b, addr, 16);
            }
            (Mode::Vector(p), Val::S(x)) if ty == DType::I32 && p.wide_i32() => {
                // Sign-extended 64-bit lanes -> two int32s.
                let x4 = self.b.ins().bitcast(types::I32X4, lane_cast(), x);
                let lo = self.shuffle(x4, x4, &[0, 2, 0, 2]);
                let lo = self.b.ins().bitcast(types::I64X2, lane_cast(), lo);
                let w = self.b.ins().extractlane(lo, 0);
                self.b.ins().store(mem(), w, addr, 0);
            }
            (Mode::Scalar, Val::C(r, im)) => {
                self.b.ins().store(mem(), r, addr, 0);
                let half = elem_size(ty) as i32 / 2;
                self.b.ins().store(mem(), im, addr, half);
            }
            (Mode::Vector(p), Val::S(x)) if ty == DType::Bool => {
                // The low byte of each mask lane, gathered by one byte shuffle and
                // stored at once.
                let n = p.lanes as usize;
                let size = 16 / n;
                let sel: Vec<usize> = (0..16).map(|j| if j < n { j * size } else { 0 }).collect();
                let xb = self.b.ins().bitcast(types::I8X16, lane_cast(), x);
                let bytes = self.shuffle(xb, xb, &sel);
                let (vt, st, ones) = if n == 2 {
                    (types::I16X8, types::I16, 0x0101)
                } else {
                    (types::I32X4, types::I32, 0x0101_0101)
                };
                let w = self.b.ins().bitcast(vt, lane_cast(), bytes);
                let w = self.b.ins().extractlane(w, 0);
                debug_assert_eq!(self.b.func.dfg.value_type(w), st);
                let w = self.b.ins().band_imm_s(w, ones);
                self.b.ins().store(mem(), w, addr, 0);
            }
            (_, v) => {
                self.b.ins().store(mem(), v.s(), addr, 0);
            }
        }
    }

    /// A scalar (or splatted) constant.
    fn constant(&mut self, mode: Mode, c: Scalar) -> Val {
        let s = self.scalar_const(c);
        match mode {
            Mode::Scalar => s,
            Mode::Vector(p) => self.splat_val(p, c.dtype(), s),
        }
    }

    /// Splats a scalar value of dtype `ty` (complex: both halves).
    fn splat_val(&mut self, p: VectorPlan, ty: DType, v: Val) -> Val {
        match v {
            Val::C(r, i) => {
                let vt = p.vec_ty(ty);
                Val::C(self.b.ins().splat(vt, r), self.b.ins().splat(vt, i))
            }
            Val::S(s) => Val::S(self.splat_of(p, ty, s)),
        }
    }

    fn scalar_const(&mut self, c: Scalar) -> Val {
        match c {
            Scalar::Bool(x) => Val::S(self.b.ins().iconst(types::I8, x as i64)),
            Scalar::I32(x) => Val::S(self.b.ins().iconst(types::I32, x as i64)),
            Scalar::I64(x) => Val::S(self.b.ins().iconst(types::I64, x)),
            Scalar::F32(x) => Val::S(self.b.ins().f32const(x)),
            Scalar::F64(x) => Val::S(self.b.ins().f64const(x)),
            Scalar::C64(z) => Val::C(self.b.ins().f32const(z.re), self.b.ins().f32const(z.im)),
            Scalar::C128(z) => Val::C(self.b.ins().f64const(z.re), self.b.ins().f64const(z.im)),
        }
    }

    /// Splats a scalar of dtype `ty` (bool: 0/1 -> mask 0/-1).
    fn splat_of(&mut self, p: VectorPlan, ty: DType, s: Value) -> Value {
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

    /// Evaluates a scalar operation lane by lane: the vector path's fallback for
    /// operations without a native vector form.
    fn per_lane(
        &mut self,
        p: VectorPlan,
        args: &[Val],
        arg_tys: &[DType],
        out: DType,
        mut op: impl FnMut(&mut Self, &[Val]) -> Result<Val>,
    ) -> Result<Val> {
        let out_vt = p.vec_ty(out);
        let (mut acc, mut acc_im) = (None, None);
        for j in 0..p.lanes {
            let mut lane_args = Vec::with_capacity(args.len());
            for (a, &t) in args.iter().zip(arg_tys) {
                let x = self.b.ins().extractlane(a.s(), j);
                let x = match t {
                    DType::Bool => self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
                    DType::I32 if p.wide_i32() => self.b.ins().ireduce(types::I32, x),
                    _ => x,
                };
                lane_args.push(match a {
                    Val::C(_, im) => Val::C(x, self.b.ins().extractlane(*im, j)),
                    Val::S(_) => Val::S(x),
                });
            }
            let r = op(self, &lane_args)?;
            let (r, im) = match r {
                Val::C(r, im) => (r, Some(im)),
                Val::S(r) => (r, None),
            };
            let r = match out {
                DType::Bool => {
                    let lt = p.mask_ty().lane_type();
                    let r = self.b.ins().uextend(lt, r);
                    self.b.ins().ineg(r)
                }
                DType::I32 if p.wide_i32() => self.b.ins().sextend(types::I64, r),
                _ => r,
            };
            acc = Some(match acc {
                None => self.b.ins().scalar_to_vector(out_vt, r),
                Some(v) => self.b.ins().insertlane(v, r, j),
            });
            if let Some(im) = im {
                acc_im = Some(match acc_im {
                    None => self.b.ins().scalar_to_vector(out_vt, im),
                    Some(v) => self.b.ins().insertlane(v, im, j),
                });
            }
        }
        let re = acc.expect("at least one lane");
        Ok(match acc_im {
            Some(im) => Val::C(re, im),
            None => Val::S(re),
        })
    }

    // ------------------------------------------------------------------------------
    // Helpers

    fn helper(&mut self, name: &'static str, params: &[Type], rets: &[Type]) -> Result<FuncRef> {
        if let Some(&r) = self.helpers.get(name) {
            return Ok(r);
        }
        let mut sig = self.module.make_signature();
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.extend(rets.iter().map(|&t| AbiParam::new(t)));
        let id = self
            .module
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| Error::backend(format!("declaring {name}: {e}")))?;
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.helpers.insert(name, r);
        Ok(r)
    }

    fn call1(&mut self, fr: FuncRef, args: &[Value]) -> Value {
        let inst = self.b.ins().call(fr, args);
        self.b.inst_results(inst)[0]
    }

    fn widen(&mut self, x: Value, ty: DType) -> Value {
        if real_of(ty) == DType::F32 {
            self.b.ins().fpromote(types::F64, x)
        } else {
            x
        }
    }

    fn narrow(&mut self, x: Value, ty: DType) -> Value {
        if real_of(ty) == DType::F32 {
            self.b.ins().fdemote(types::F32, x)
        } else {
            x
        }
    }

    fn fhelper_unary(&mut self, op: UnOp, x: Value, ty: DType) -> Result<Value> {
        if op.is_transcendental() {
            let (name, t) = direct_name(op, ty);
            let fr = self.helper(name, &[t], &[t])?;
            return Ok(self.call1(fr, &[x]));
        }
        let fr = self.helper(
            "nx_funary",
            &[types::I32, types::I32, types::F64],
            &[types::F64],
        )?;
        let opc = self.b.ins().iconst(types::I32, unop_code(op));
        let tc = self.b.ins().iconst(types::I32, dtype_code(ty));
        let xd = self.widen(x, ty);
        let r = self.call1(fr, &[opc, tc, xd]);
        Ok(self.narrow(r, ty))
    }

    fn fhelper_binary(&mut self, op: BinOp, x: Value, y: Value, ty: DType) -> Result<Value> {
        let fr = self.helper(
            "nx_fbinary",
            &[types::I32, types::I32, types::F64, types::F64],
            &[types::F64],
        )?;
        let opc = self.b.ins().iconst(types::I32, binop_code(op));
        let tc = self.b.ins().iconst(types::I32, dtype_code(ty));
        let xd = self.widen(x, ty);
        let yd = self.widen(y, ty);
        let r = self.call1(fr, &[opc, tc, xd, yd]);
        Ok(self.narrow(r, ty))
    }

    fn out_slot(&mut self) -> Value {
        let ss = *self.slot.get_or_insert_with(|| {
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3))
        });
        self.b.ins().stack_addr(types::I64, ss, 0)
    }

    /// Reads a helper's (re, im) f64 result back as a value of dtype `out`.
    fn read_slot(&mut self, p: Value, out: DType) -> Val {
        let re = self.b.ins().load(types::F64, mem(), p, 0);
        let im = self.b.ins().load(types::F64, mem(), p, 8);
        let c = Val::C(re, im);
        self.cast(Mode::Scalar, c, DType::C128, out)
    }

    fn chelper_unary(&mut self, op: UnOp, x: Val, ty: DType, out: DType) -> Result<Val> {
        let fr = self.helper(
            "nx_cunary",
            &[
                types::I32,
                types::I32,
                types::I32,
                types::F64,
                types::F64,
                types::I64,
            ],
            &[],
        )?;
        let (re, im) = x.c(&mut self.b, clif_type(ty));
        let (re, im) = (self.widen(re, ty), self.widen(im, ty));
        let opc = self.b.ins().iconst(types::I32, unop_code(op));
        let tc = self.b.ins().iconst(types::I32, dtype_code(ty));
        let oc = self.b.ins().iconst(types::I32, dtype_code(out));
        let p = self.out_slot();
        self.b.ins().call(fr, &[opc, tc, oc, re, im, p]);
        Ok(self.read_slot(p, out))
    }

    fn chelper_binary(&mut self, op: BinOp, x: Val, y: Val, ty: DType, out: DType) -> Result<Val> {
        let f = types::F64;
        let fr = self.helper(
            "nx_cbinary",
            &[types::I32, types::I32, types::I32, f, f, f, f, types::I64],
            &[],
        )?;
        let (ar, ai) = x.c(&mut self.b, clif_type(ty));
        let (br, bi) = y.c(&mut self.b, clif_type(ty));
        let (ar, ai) = (self.widen(ar, ty), self.widen(ai, ty));
        let (br, bi) = (self.widen(br, ty), self.widen(bi, ty));
        let opc = self.b.ins().iconst(types::I32, binop_code(op));
        let tc = self.b.ins().iconst(types::I32, dtype_code(ty));
        let oc = self.b.ins().iconst(types::I32, dtype_code(out));
        let p = self.out_slot();
        self.b.ins().call(fr, &[opc, tc, oc, ar, ai, br, bi, p]);
        Ok(self.read_slot(p, out))
    }

    // ------------------------------------------------------------------------------
    // Casts

    fn cast(&mut self, mode: Mode, v: Val, from: DType, to: DType) -> Val {
        if from == to {
            return v;
        }
        match mode {
            Mode::Scalar => self.scast(v, from, to),
            Mode::Vector(p) => self.vcast(p, v, from, to),
        }
    }

    /// `astype` on vectors: native where SSE has it, lane by lane otherwise.
    fn vcast(&mut self, p: VectorPlan, v: Val, from: DType, to: DType) -> Val {
        use DType::*;
        if from == to {
            return v;
        }
        match (from, to) {
            (Bool, F32 | F64) => {
                // Mask & bits(1.0).
                let one = fconst(&mut self.b, p.vec_ty(to), 1.0);
                let m = self.b.ins().bitcast(p.vec_ty(to), lane_cast(), v.s());
                Val::S(self.b.ins().band(m, one))
            }
            (I32, I64) if p.wide_i32() => v,
            (I64, I32) => Val::S(self.sext32(v.s())),
            (C64 | C128, Bool) => {
                let (r, i) = v.c(&mut self.b, p.vec_ty(from));
                let z = fconst(&mut self.b, p.vec_ty(from), 0.0);
                let a = self.b.ins().fcmp(FloatCC::NotEqual, r, z);
                let c = self.b.ins().fcmp(FloatCC::NotEqual, i, z);
                Val::S(self.b.ins().bor(a, c))
            }
            (C64 | C128, F32 | F64 | I32 | I64) => {
                let (r, _) = v.c(&mut self.b, p.vec_ty(from));
                self.vcast(p, Val::S(r), real_of(from), to)
            }
            (Bool | I32 | I64 | F32 | F64, C64 | C128) => {
                let r = self.vcast(p, v, from, real_of(to)).s();
                let z = fconst(&mut self.b, p.vec_ty(to), 0.0);
                Val::C(r, z)
            }
            _ => {
                let r = self.per_lane(p, &[v], &[from], to, |s, a| Ok(s.scast(a[0], from, to)));
                r.unwrap_or(v)
            }
        }
    }

    /// Wraps 64-bit lanes to int32, sign-extended again (SSE has no 64-bit
    /// arithmetic shift): `((x << 32) >>> 32 ^ 2^31) - 2^31`.
    fn sext32(&mut self, x: Value) -> Value {
        let b = &mut self.b;
        let hi = b.ins().ishl_imm_s(x, 32);
        let lo = b.ins().ushr_imm_s(hi, 32);
        let k = b.ins().iconst(types::I64, 1 << 31);
        let k = b.ins().splat(types::I64X2, k);
        let f = b.ins().bxor(lo, k);
        b.ins().isub(f, k)
    }

    /// NumPy `astype` on one element (see `Scalar::cast`).
    fn scast(&mut self, v: Val, from: DType, to: DType) -> Val {
        use DType::*;
        if from == to {
            return v;
        }
        let b = &mut self.b;
        match (from, to) {
            (C64 | C128, Bool) => {
                let (r, i) = v.c(b, clif_type(from));
                let z = fconst(b, clif_type(from), 0.0);
                let a = b.ins().fcmp(FloatCC::NotEqual, r, z);
                let c = b.ins().fcmp(FloatCC::NotEqual, i, z);
                Val::S(b.ins().bor(a, c))
            }
            (C64 | C128, C64 | C128) => {
                let (r, i) = v.c(b, clif_type(from));
                let r = self.scast(Val::S(r), real_of(from), real_of(to)).s();
                let i = self.scast(Val::S(i), real_of(from), real_of(to)).s();
                Val::C(r, i)
            }
            (C64 | C128, _) => {
                let (r, _) = v.c(b, clif_type(from));
                self.scast(Val::S(r), real_of(from), to)
            }
            (_, C64 | C128) => {
                let r = self.scast(v, from, real_of(to)).s();
                let z = fconst(&mut self.b, clif_type(to), 0.0);
                Val::C(r, z)
            }
            (Bool, I32 | I64) => Val::S(b.ins().uextend(clif_type(to), v.s())),
            (Bool, F32 | F64) => {
                let x = b.ins().uextend(types::I32, v.s());
                Val::S(b.ins().fcvt_from_sint(clif_type(to), x))
            }
            (I32 | I64, Bool) => Val::S(b.ins().icmp_imm_s(IntCC::NotEqual, v.s(), 0)),
            (I32, I64) => Val::S(b.ins().sextend(types::I64, v.s())),
            (I64, I32) => Val::S(b.ins().ireduce(types::I32, v.s())),
            (I32 | I64, F32 | F64) => Val::S(b.ins().fcvt_from_sint(clif_type(to), v.s())),
            (F32 | F64, Bool) => {
                let z = fconst(b, clif_type(from), 0.0);
                Val::S(b.ins().fcmp(FloatCC::NotEqual, v.s(), z))
            }
            (F32, F64) => Val::S(b.ins().fpromote(types::F64, v.s())),
            (F64, F32) => Val::S(b.ins().fdemote(types::F32, v.s())),
            (F32 | F64, I32 | I64) => {
                // x86 `cvttsd2si`: NaN and out-of-range give INT_MIN. f32 goes through
                // f64 exactly, as `Scalar::cast` does.
                let x = if from == F32 {
                    b.ins().fpromote(types::F64, v.s())
                } else {
                    v.s()
                };
                let (lo, hi, min) = if to == I32 {
                    (-2147483649.0, 2147483648.0, i32::MIN as i64)
                } else {
                    (-9.223372036854776e18, 9.223372036854776e18, i64::MIN)
                };
                let t = clif_type(to);
                let sat = b.ins().fcvt_to_sint_sat(t, x);
                let lo = b.ins().f64const(lo);
                let hi = b.ins().f64const(hi);
                let above = if to == I32 {
                    b.ins().fcmp(FloatCC::GreaterThan, x, lo)
                } else {
                    b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo)
                };
                let below = b.ins().fcmp(FloatCC::LessThan, x, hi);
                let ok = b.ins().band(above, below);
                let m = b.ins().iconst(t, min);
                Val::S(b.ins().select(ok, sat, m))
            }
            _ => v,
        }
    }

    // ------------------------------------------------------------------------------
    // Scalar operations

    fn bconst(&mut self, x: bool) -> Val {
        Val::S(self.b.ins().iconst(types::I8, x as i64))
    }

    fn unary(&mut self, op: UnOp, x: Val, ty: DType, out: DType) -> Result<Val> {
        use UnOp::*;
        if is_complex(ty) {
            let rt = clif_type(ty);
            return Ok(match op {
                Neg => {
                    let (r, i) = x.c(&mut self.b, rt);
                    Val::C(self.b.ins().fneg(r), self.b.ins().fneg(i))
                }
                Conj => {
                    let (r, i) = x.c(&mut self.b, rt);
                    Val::C(r, self.b.ins().fneg(i))
                }
                Real | Imag => {
                    let (r, i) = x.c(&mut self.b, rt);
                    let v = if op == Real { r } else { i };
                    self.scast(Val::S(v), real_of(ty), out)
                }
                Abs => {
                    // The hot op of escape-time tests (`abs(z) > 2`): call hypot directly
                    // rather than through the generic complex helper.
                    let (r, i) = x.c(&mut self.b, rt);
                    let name = if rt == types::F32 {
                        "nx_hypot_f32"
                    } else {
                        "nx_hypot_f64"
                    };
                    let fr = self.helper(name, &[rt, rt], &[rt])?;
                    let v = self.call1(fr, &[r, i]);
                    self.scast(Val::S(v), real_of(ty), out)
                }
                _ => self.chelper_unary(op, x, ty, out)?,
            });
        }
        let xv = x.s();
        let (r, natural) = if ty == DType::Bool {
            match op {
                Not => (Val::S(self.b.ins().bxor_imm_s(xv, 1)), ty),
                Abs | Conj | Real | Ceil | Floor | Trunc | Round => (x, ty),
                Imag | IsNan | IsInf | SignBit => (self.bconst(false), DType::Bool),
                IsFinite => (self.bconst(true), DType::Bool),
                _ => return Err(Error::backend(format!("{op:?} on bool"))),
            }
        } else if is_int(ty) {
            let t = clif_type(ty);
            let b = &mut self.b;
            match op {
                Neg => (Val::S(b.ins().ineg(xv)), ty),
                Not => (Val::S(b.ins().bnot(xv)), ty),
                Abs => {
                    let n = b.ins().ineg(xv);
                    let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, xv, 0);
                    (Val::S(b.ins().select(neg, n, xv)), ty)
                }
                Conj | Real | Ceil | Floor | Trunc | Round => (x, ty),
                Imag => (Val::S(b.ins().iconst(t, 0)), ty),
                Sign => {
                    let pos = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, xv, 0);
                    let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, xv, 0);
                    let d = b.ins().isub(pos, neg);
                    (Val::S(b.ins().sextend(t, d)), ty)
                }
                IsNan | IsInf => (self.bconst(false), DType::Bool),
                IsFinite => (self.bconst(true), DType::Bool),
                SignBit => (
                    Val::S(b.ins().icmp_imm_s(IntCC::SignedLessThan, xv, 0)),
                    DType::Bool,
                ),
                _ => return Err(Error::backend(format!("{op:?} on integers"))),
            }
        } else {
            let t = clif_type(ty);
            match op {
                Neg => (Val::S(self.b.ins().fneg(xv)), ty),
                Abs => (Val::S(self.b.ins().fabs(xv)), ty),
                Sqrt => (Val::S(self.b.ins().sqrt(xv)), ty),
                Ceil => (Val::S(self.b.ins().ceil(xv)), ty),
                Floor => (Val::S(self.b.ins().floor(xv)), ty),
                Trunc => (Val::S(self.b.ins().trunc(xv)), ty),
                Round => (Val::S(self.b.ins().nearest(xv)), ty),
                Conj | Real => (x, ty),
                Imag => (Val::S(fconst(&mut self.b, t, 0.0)), ty),
                Sign => {
                    let b = &mut self.b;
                    let z = fconst(b, t, 0.0);
                    let one = fconst(b, t, 1.0);
                    let mone = fconst(b, t, -1.0);
                    let gt = b.ins().fcmp(FloatCC::GreaterThan, xv, z);
                    let lt = b.ins().fcmp(FloatCC::LessThan, xv, z);
                    let eq = b.ins().fcmp(FloatCC::Equal, xv, z);
                    // NaN stays NaN, zeros become +0.
                    let r = b.ins().select(eq, z, xv);
                    let r = b.ins().select(lt, mone, r);
                    (Val::S(b.ins().select(gt, one, r)), ty)
                }
                IsNan => (
                    Val::S(self.b.ins().fcmp(FloatCC::Unordered, xv, xv)),
                    DType::Bool,
                ),
                IsFinite | IsInf => {
                    let b = &mut self.b;
                    let a = b.ins().fabs(xv);
                    let inf = fconst(b, t, f64::INFINITY);
                    let cc = if op == IsFinite {
                        FloatCC::LessThan
                    } else {
                        FloatCC::Equal
                    };
                    (Val::S(b.ins().fcmp(cc, a, inf)), DType::Bool)
                }
                SignBit => {
                    let it = if ty == DType::F32 {
                        types::I32
                    } else {
                        types::I64
                    };
                    let bits = self.b.ins().bitcast(it, MemFlagsData::new(), xv);
                    (
                        Val::S(self.b.ins().icmp_imm_s(IntCC::SignedLessThan, bits, 0)),
                        DType::Bool,
                    )
                }
                Not => return Err(Error::backend("~ on floats")),
                _ => (Val::S(self.fhelper_unary(op, xv, ty)?), ty),
            }
        };
        Ok(self.scast(r, natural, out))
    }

    fn binary(&mut self, op: BinOp, x: Val, y: Val, ty: DType, out: DType) -> Result<Val> {
        use BinOp::*;
        if is_complex(ty) {
            return Ok(match self.complex_inline(op, x, y, clif_type(ty)) {
                Some(v) => self.scast(v, if op.is_comparison() { DType::Bool } else { ty }, out),
                None => self.chelper_binary(op, x, y, ty, out)?,
            });
        }
        let (xv, yv) = (x.s(), y.s());
        let r = if ty == DType::Bool {
            let b = &mut self.b;
            Val::S(match op {
                Add | BitOr | Maximum => b.ins().bor(xv, yv),
                Mul | BitAnd | Minimum => b.ins().band(xv, yv),
                BitXor | Ne => b.ins().bxor(xv, yv),
                Eq => b.ins().icmp(IntCC::Equal, xv, yv),
                Lt => b.ins().icmp(IntCC::UnsignedLessThan, xv, yv),
                Le => b.ins().icmp(IntCC::UnsignedLessThanOrEqual, xv, yv),
                Gt => b.ins().icmp(IntCC::UnsignedGreaterThan, xv, yv),
                Ge => b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, xv, yv),
                _ => return Err(Error::backend(format!("{op:?} on bool"))),
            })
        } else if is_int(ty) {
            self.int_binary(op, xv, yv, ty)?
        } else {
            self.float_binary(op, xv, yv, ty)?
        };
        let natural = if op.is_comparison() {
            DType::Bool
        } else if op == Complex {
            if ty == DType::F32 {
                DType::C64
            } else {
                DType::C128
            }
        } else {
            ty
        };
        Ok(self.scast(r, natural, out))
    }

    /// Complex `+ - * == !=` on (re, im) pairs of type `rt` (scalar or vector);
    /// `None` for the operations that need a helper.
    fn complex_inline(&mut self, op: BinOp, x: Val, y: Val, rt: Type) -> Option<Val> {
        use BinOp::*;
        let (a, b2) = x.c(&mut self.b, rt);
        let (c, d) = y.c(&mut self.b, rt);
        let b = &mut self.b;
        Some(match op {
            Add => Val::C(b.ins().fadd(a, c), b.ins().fadd(b2, d)),
            Sub => Val::C(b.ins().fsub(a, c), b.ins().fsub(b2, d)),
            Mul => {
                let ac = b.ins().fmul(a, c);
                let bd = b.ins().fmul(b2, d);
                let ad = b.ins().fmul(a, d);
                let bc = b.ins().fmul(b2, c);
                Val::C(b.ins().fsub(ac, bd), b.ins().fadd(ad, bc))
            }
            Eq | Ne => {
                let cc = if op == Eq {
                    FloatCC::Equal
                } else {
                    FloatCC::NotEqual
                };
                let r = b.ins().fcmp(cc, a, c);
                let i = b.ins().fcmp(cc, b2, d);
                Val::S(if op == Eq {
                    b.ins().band(r, i)
                } else {
                    b.ins().bor(r, i)
                })
            }
            _ => return None,
        })
    }

    fn int_binary(&mut self, op: BinOp, x: Value, y: Value, ty: DType) -> Result<Val> {
        use BinOp::*;
        let t = clif_type(ty);
        let bits = t.bits() as i64;
        if op == Pow {
            let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
            let cont = self.b.create_block();
            self.b.ins().brif(neg, self.err_block, &[], cont, &[]);
            self.b.switch_to_block(cont);
            let fr = self.helper(
                "nx_ipow",
                &[types::I32, types::I64, types::I64],
                &[types::I64],
            )?;
            let tc = self.b.ins().iconst(types::I32, dtype_code(ty));
            let (xa, ya) = if ty == DType::I32 {
                (
                    self.b.ins().sextend(types::I64, x),
                    self.b.ins().sextend(types::I64, y),
                )
            } else {
                (x, y)
            };
            let r = self.call1(fr, &[tc, xa, ya]);
            let r = if ty == DType::I32 {
                self.b.ins().ireduce(types::I32, r)
            } else {
                r
            };
            return Ok(Val::S(r));
        }
        let b = &mut self.b;
        if let Some(cc) = int_cc(op) {
            return Ok(Val::S(b.ins().icmp(cc, x, y)));
        }
        Ok(match op {
            Add => Val::S(b.ins().iadd(x, y)),
            Sub => Val::S(b.ins().isub(x, y)),
            Mul => Val::S(b.ins().imul(x, y)),
            BitAnd => Val::S(b.ins().band(x, y)),
            BitOr => Val::S(b.ins().bor(x, y)),
            BitXor => Val::S(b.ins().bxor(x, y)),
            Maximum => Val::S(b.ins().smax(x, y)),
            Minimum => Val::S(b.ins().smin(x, y)),
            FloorDiv | Mod | Fmod => {
                // A divisor of 0 or -1 is replaced by 1 so `sdiv`/`srem` cannot trap;
                // the NumPy results for those divisors are selected afterwards.
                let zero = b.ins().iconst(t, 0);
                let one = b.ins().iconst(t, 1);
                let y0 = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let ym1 = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let bad = b.ins().bor(y0, ym1);
                let sy = b.ins().select(bad, one, y);
                let q = b.ins().sdiv(x, sy);
                let r = b.ins().srem(x, sy);
                let nx = b.ins().ineg(x);
                let q = b.ins().select(ym1, nx, q);
                let r = b.ins().select(ym1, zero, r);
                let v = match op {
                    FloorDiv => {
                        let rnz = b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                        let xs = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                        let ys = b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
                        let diff = b.ins().bxor(xs, ys);
                        let adj = b.ins().band(rnz, diff);
                        let adj = b.ins().uextend(t, adj);
                        b.ins().isub(q, adj)
                    }
                    Mod => {
                        let rnz = b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                        let rs = b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
                        let ys = b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
                        let diff = b.ins().bxor(rs, ys);
                        let adj = b.ins().band(rnz, diff);
                        let ry = b.ins().iadd(r, y);
                        b.ins().select(adj, ry, r)
                    }
                    _ => r,
                };
                Val::S(b.ins().select(y0, zero, v))
            }
            Shl | Shr => {
                let inr = b.ins().icmp_imm_s(IntCC::UnsignedLessThan, y, bits);
                let v = if op == Shl {
                    let s = b.ins().ishl(x, y);
                    let z = b.ins().iconst(t, 0);
                    b.ins().select(inr, s, z)
                } else {
                    let s = b.ins().sshr(x, y);
                    let fill = b.ins().sshr_imm_s(x, bits - 1);
                    b.ins().select(inr, s, fill)
                };
                Val::S(v)
            }
            _ => return Err(Error::backend(format!("{op:?} on integers"))),
        })
    }

    fn float_binary(&mut self, op: BinOp, x: Value, y: Value, ty: DType) -> Result<Val> {
        use BinOp::*;
        let b = &mut self.b;
        if let Some(cc) = float_cc(op) {
            return Ok(Val::S(b.ins().fcmp(cc, x, y)));
        }
        Ok(match op {
            Add => Val::S(b.ins().fadd(x, y)),
            Sub => Val::S(b.ins().fsub(x, y)),
            Mul => Val::S(b.ins().fmul(x, y)),
            Div => Val::S(b.ins().fdiv(x, y)),
            CopySign => Val::S(b.ins().fcopysign(x, y)),
            Maximum | Minimum => {
                let keep = keep_first(b, op, x, y);
                Val::S(b.ins().select(keep, x, y))
            }
            Complex => Val::C(x, y),
            FloorDiv | Mod | Fmod | Pow | Arctan2 | Hypot | NextAfter => {
                Val::S(self.fhelper_binary(op, x, y, ty)?)
            }
            _ => return Err(Error::backend(format!("{op:?} on floats"))),
        })
    }

    // ------------------------------------------------------------------------------
    // Vector operations: `None` means "no native form, go lane by lane".

    fn vunary(&mut self, p: VectorPlan, op: UnOp, x: Val, ty: DType, out: DType) -> Option<Val> {
        use UnOp::*;
        if is_complex(ty) {
            let (r, i) = x.c(&mut self.b, p.vec_ty(ty));
            return match op {
                Neg => Some(Val::C(self.b.ins().fneg(r), self.b.ins().fneg(i))),
                Conj => Some(Val::C(r, self.b.ins().fneg(i))),
                Real => Some(self.vcast(p, Val::S(r), real_of(ty), out)),
                Imag => Some(self.vcast(p, Val::S(i), real_of(ty), out)),
                _ => None,
            };
        }
        let xv = x.s();
        let wide32 = ty == DType::I32 && p.wide_i32();
        let b = &mut self.b;
        if ty == DType::Bool {
            return match op {
                Not => Some(Val::S(b.ins().bnot(xv))),
                _ => None,
            };
        }
        if is_int(ty) {
            return match op {
                Neg if !wide32 => Some(Val::S(b.ins().ineg(xv))),
                Not => Some(Val::S(b.ins().bnot(xv))),
                Conj | Real | Ceil | Floor | Trunc | Round if out == ty => Some(x),
                _ => None,
            };
        }
        if out != ty && !matches!(op, IsNan) {
            return None;
        }
        Some(Val::S(match op {
            Neg => b.ins().fneg(xv),
            Abs => b.ins().fabs(xv),
            Sqrt => b.ins().sqrt(xv),
            Ceil => b.ins().ceil(xv),
            Floor => b.ins().floor(xv),
            Trunc => b.ins().trunc(xv),
            Round => b.ins().nearest(xv),
            Conj | Real => xv,
            IsNan if out == DType::Bool => b.ins().fcmp(FloatCC::Unordered, xv, xv),
            _ if op.is_transcendental() && op != Sqrt => {
                if !p.vector_math {
                    return None;
                }
                let name = math::vector_fn(op, ty == DType::F32)?;
                let vt = p.vec_ty(ty);
                let fr = self.helper(name, &[vt], &[vt]).ok()?;
                self.call1(fr, &[xv])
            }
            _ => return None,
        }))
    }

    fn vbinary(&mut self, p: VectorPlan, op: BinOp, x: Val, y: Val, ty: DType) -> Option<Val> {
        use BinOp::*;
        if is_complex(ty) {
            let vt = p.vec_ty(ty);
            return match op {
                Add | Sub | Mul | Eq | Ne => self.complex_inline(op, x, y, vt),
                _ => None,
            };
        }
        let (xv, yv) = (x.s(), y.s());
        let wide32 = ty == DType::I32 && p.wide_i32();
        let b = &mut self.b;
        if ty == DType::Bool {
            return Some(Val::S(match op {
                Add | BitOr | Maximum => b.ins().bor(xv, yv),
                Mul | BitAnd | Minimum => b.ins().band(xv, yv),
                BitXor | Ne => b.ins().bxor(xv, yv),
                Eq => b.ins().icmp(IntCC::Equal, xv, yv),
                _ => return None,
            }));
        }
        if is_int(ty) {
            // The scalar lowering's instructions work on vectors too, except `imul` of
            // 64-bit lanes (no SSE instruction) and 32-bit wrapping in 64-bit lanes.
            return match op {
                Add | Sub if wide32 => {
                    let v = self.int_binary(op, xv, yv, ty).ok()?.s();
                    Some(Val::S(self.sext32(v)))
                }
                Mul if p.lanes != 4 => None,
                Add | Sub | Mul | BitAnd | BitOr | BitXor => self.int_binary(op, xv, yv, ty).ok(),
                _ if int_cc(op).is_some() => self.int_binary(op, xv, yv, ty).ok(),
                _ => None,
            };
        }
        match op {
            Maximum | Minimum => {
                let keep = keep_first(b, op, xv, yv);
                let vt = p.vec_ty(ty);
                let keep = b.ins().bitcast(vt, lane_cast(), keep);
                Some(Val::S(b.ins().bitselect(keep, xv, yv)))
            }
            Add | Sub | Mul | Div | Complex => self.float_binary(op, xv, yv, ty).ok(),
            _ if float_cc(op).is_some() => self.float_binary(op, xv, yv, ty).ok(),
            _ => None,
        }
    }
}
