//! `abs(z) op k` for a complex vector `z` without a square root where the answer is
//! clear, and the out-of-line exact path for the lanes where it is not: a kernel-local
//! trampoline that preserves every register and calls `nx_abs_cmp` (its ABI is
//! `helpers::AbsCmpCode`'s).

use super::plan::{Mode, VectorPlan};
use super::values::{fconst, is_complex, mem, Val};
use super::Lowerer;
use crate::backend::cpu::helpers::{AbsCmpCode, ABS_CMP};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, Func, Node, Op, UnOp, ValueId};
use crate::runtime::Layout;
use crate::value::Scalar;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types;
use cranelift_codegen::ir::{
    AbiParam, FuncRef, InstBuilder, Signature, StackSlotData, StackSlotKind, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId, Linkage, Module};

/// A kernel-local function that calls `nx_abs_cmp` and preserves every register, so
/// that the rare slow lanes of `abs(z) op k` cost the fast path nothing.
pub const ABS_SLOW: &str = "nexpr_abs_cmp_slow";

/// `abs(z) op k` (or `k op abs(z)`) for a complex `z`, an order comparison and a
/// bound `k` that is the same for every element, with `op` normalized to
/// `abs(z) op k`.
#[derive(Clone, Copy, Debug)]
pub(super) struct AbsCompare {
    z: ValueId,
    op: BinOp,
    k: Bound,
}

/// The `k` of an [`AbsCompare`].
#[derive(Clone, Copy, Debug)]
enum Bound {
    /// A constant whose square is a normal float (checked when compiling).
    Const(f64),
    /// A scalar-layout float input (`tol`), checked the same way at run time: out of
    /// range, every lane takes the exact path.
    Input(u32),
}

impl AbsCompare {
    /// Node `id` as such a comparison, if it is one.
    pub(super) fn of(f: &Func, layouts: &[Layout], id: ValueId) -> Option<AbsCompare> {
        let n = f.node(id);
        let Op::Binary(op) = n.op else { return None };
        let (x, y) = (f.node(n.args[0]), f.node(n.args[1]));
        let bound = |m: &Node| match m.op {
            Op::Const(Scalar::F64(k)) => Some(Bound::Const(k)),
            Op::Const(Scalar::F32(k)) => Some(Bound::Const(k as f64)),
            Op::Input(k) if layouts.get(k as usize) == Some(&Layout::Scalar) => {
                matches!(m.ty, DType::F64 | DType::F32).then_some(Bound::Input(k))
            }
            _ => None,
        };
        let abs_of = |m: &Node| match m.op {
            Op::Unary(UnOp::Abs) if is_complex(f.node(m.args[0]).ty) => Some(m.args[0]),
            _ => None,
        };
        let (z, op, k) = match (abs_of(x), bound(y), bound(x), abs_of(y)) {
            (Some(z), Some(k), _, _) => (z, op, k),
            (_, _, Some(k), Some(z)) => (z, mirrored(op)?, k),
            _ => return None,
        };
        let in_range = match k {
            Bound::Const(k) => normal_square(f.node(z).ty).contains(&k),
            Bound::Input(_) => true,
        };
        (matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) && in_range)
            .then_some(AbsCompare { z, op, k })
    }
}

/// The bounds whose square (with its margins) is a normal float of `z`'s parts.
fn normal_square(z: DType) -> std::ops::Range<f64> {
    if z == DType::C64 {
        1e-15..1e15
    } else {
        1e-100..1e100
    }
}

/// The comparison `y op' x` that means `x op y`.
fn mirrored(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        _ => return None,
    })
}

/// `(p, code, k)`: the signature of `nx_abs_cmp`, with every register preserved.
fn abs_slow_sig() -> Signature {
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params
        .extend(ABS_CMP.params.iter().map(|&t| AbiParam::new(t)));
    sig
}

/// Defines the `ABS_SLOW` trampoline (declared as `id`) in `module`.
pub fn define_abs_slow(module: &mut dyn Module, id: FuncId) -> Result<()> {
    let mut ctx = module.make_context();
    ctx.func.signature = abs_slow_sig();
    let mut fbc = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let args = b.block_params(entry).to_vec();
    let mut sig = module.make_signature();
    sig.params
        .extend(ABS_CMP.params.iter().map(|&t| AbiParam::new(t)));
    let helper = module
        .declare_function(ABS_CMP.name, Linkage::Import, &sig)
        .map_err(|e| Error::backend(format!("declaring {}: {e}", ABS_CMP.name)))?;
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

impl Lowerer<'_, '_> {
    /// `abs(z) op k` without a square root where the answer is clear: with
    /// `s = re*re + im*im` (relative error below 2^-50 for complex128, 2^-21 for
    /// complex64, overflow to inf and underflow to 0 included), `s > k*k*(1 + eps)`
    /// proves `|z| > k` by more than hypot's 1-ulp error, and `s < k*k*(1 - eps)`
    /// proves `|z| < k`. Lanes in between (and NaNs) call hypot as the interpreter
    /// does, so the result is identical; in escape-time tests they almost never occur.
    pub(super) fn vabs_compare(&mut self, p: VectorPlan, cmp: AbsCompare, i: Value) -> Result<Val> {
        let AbsCompare { z, op, k } = cmp;
        let zty = self.f.node(z).ty;
        let vt = p.vec_ty(zty);
        let zv = self.node(Mode::Vector(p), z, i)?;
        let (re, im) = zv.c(&mut self.b, vt);
        let rr = self.b.ins().fmul(re, re);
        let ii = self.b.ins().fmul(im, im);
        let square = self.b.ins().fadd(rr, ii);
        let (hi, lo) = self.abs_compare_bounds(vt, zty, k);
        let above = self.b.ins().fcmp(FloatCC::GreaterThan, square, hi);
        let below = self.b.ins().fcmp(FloatCC::LessThan, square, lo);
        let yes = if matches!(op, BinOp::Gt | BinOp::Ge) {
            above
        } else {
            below
        };
        let decided = self.b.ins().bor(above, below);
        let result = self.b.declare_var(p.mask_ty());
        self.b.def_var(result, yes);
        // One `movmskpd` and a compare: is any lane undecided?
        let bits = self.b.ins().vhigh_bits(types::I32, decided);
        let any = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, bits, (1i64 << p.lanes) - 1);
        let (slow, done) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(any, slow, &[], done, &[]);
        self.b.switch_to_block(slow);
        let code = AbsCmpCode {
            lanes: p.lanes,
            complex64: zty == DType::C64,
            op,
        };
        let exact = self.abs_compare_exact(p, (re, im), code, k)?;
        self.b.def_var(result, exact);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        Ok(Val::S(self.b.use_var(result)))
    }

    /// `k` as an `f64`.
    fn abs_compare_k(&mut self, k: Bound) -> Value {
        match k {
            Bound::Const(k) => self.b.ins().f64const(k),
            Bound::Input(n) => {
                let k = self.in_scalar[n as usize]
                    .expect("a scalar-layout input")
                    .s();
                if self.b.func.dfg.value_type(k) == types::F32 {
                    self.b.ins().fpromote(types::F64, k)
                } else {
                    k
                }
            }
        }
    }

    /// The thresholds `k*k*(1 ± eps)` in vectors of type `vt`
    /// (with `eps` covering hypot's error and the sum's rounding for parts of `zty`):
    /// a square above `hi` is surely above `k*k`, one below `lo` surely below. A
    /// bound from an input out of the range where that holds gets thresholds that
    /// decide nothing.
    fn abs_compare_bounds(&mut self, vt: types::Type, zty: DType, k: Bound) -> (Value, Value) {
        let eps = if zty == DType::C64 {
            1.0 / 4096.0
        } else {
            1e-9
        };
        if let Bound::Const(k) = k {
            let hi = fconst(&mut self.b, vt, k * k * (1.0 + eps));
            let lo = fconst(&mut self.b, vt, k * k * (1.0 - eps));
            return (hi, lo);
        }
        let k = self.abs_compare_k(k);
        let b = &mut self.b;
        // The same operations as the constant case, in f64, then to the lane type.
        let kk = b.ins().fmul(k, k);
        let above = b.ins().f64const(1.0 + eps);
        let below = b.ins().f64const(1.0 - eps);
        let (hi, lo) = (b.ins().fmul(kk, above), b.ins().fmul(kk, below));
        let range = normal_square(zty);
        let min = b.ins().f64const(range.start);
        let max = b.ins().f64const(range.end);
        let from_min = b.ins().fcmp(FloatCC::GreaterThanOrEqual, k, min);
        let to_max = b.ins().fcmp(FloatCC::LessThan, k, max);
        let ok = b.ins().band(from_min, to_max);
        let inf = b.ins().f64const(f64::INFINITY);
        let ninf = b.ins().f64const(f64::NEG_INFINITY);
        let hi = b.ins().select(ok, hi, inf);
        let lo = b.ins().select(ok, lo, ninf);
        let lane = |b: &mut FunctionBuilder, x: Value| {
            let x = if vt.lane_type() == types::F32 {
                b.ins().fdemote(types::F32, x)
            } else {
                x
            };
            b.ins().splat(vt, x)
        };
        (lane(b, hi), lane(b, lo))
    }

    /// The exact mask of `abs(z) op k` for the lanes `(re, im)`, out of line, through
    /// the trampoline: a plain call here would make the fast path keep its values in
    /// callee-saved registers or on the stack around it, which was slower
    /// (`docs/performance-log.md`, "Tuning the CPU defaults").
    fn abs_compare_exact(
        &mut self,
        p: VectorPlan,
        (re, im): (Value, Value),
        code: AbsCmpCode,
        k: Bound,
    ) -> Result<Value> {
        let slot = *self.abs_compare_slot.get_or_insert_with(|| {
            let size = AbsCmpCode::SLOT_SIZE;
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 4))
        });
        let ptr = self.b.ins().stack_addr(types::I64, slot, 0);
        self.b.ins().store(mem(), re, ptr, AbsCmpCode::RE);
        self.b.ins().store(mem(), im, ptr, AbsCmpCode::IM);
        let code = self.b.ins().iconst(types::I32, code.encode());
        let k = self.abs_compare_k(k);
        let fr = self.abs_slow_ref()?;
        self.b.ins().call(fr, &[ptr, code, k]);
        Ok(self.load_mask(p, ptr, AbsCmpCode::OUT))
    }

    /// The kernel's reference to the trampoline, declared on first use.
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
}
