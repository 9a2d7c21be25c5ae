//! One `JITModule` per kernel: building it, and freeing its machine code when the
//! last user lets go.

use super::lower::{Lowerer, VectorPlan};
use crate::error::{Error, Result};
use crate::ir::Func;
use crate::options::{CpuOptions, OptLevel};
use crate::runtime::Layout;
use cranelift_codegen::ir::{types, AbiParam};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use std::mem::ManuallyDrop;
use std::sync::{Arc, OnceLock};

/// `fn(inputs, outputs, start, end) -> status`; see `lower/mod.rs`.
pub type KernelFn = unsafe extern "C" fn(*const *const u8, *const *mut u8, i64, i64) -> i32;

/// Compiled machine code and the module that owns it.
pub struct Compiled {
    module: ManuallyDrop<JITModule>,
    pub entry: KernelFn,
    /// Elements per main-loop iteration of a vector-only kernel: it processes whole
    /// steps only, and the caller runs the remainder through padded buffers.
    pub lanes: Option<usize>,
}

// SAFETY: after finalization the module is only read (to keep its memory alive) and
// freed once, in Drop; the code itself is position-independent of threads.
unsafe impl Send for Compiled {}
unsafe impl Sync for Compiled {}

impl Drop for Compiled {
    fn drop(&mut self) {
        // SAFETY: `Compiled` is only reachable through an `Arc`, and every caller of
        // `entry` holds that `Arc` for the duration of the call, so no kernel is
        // running when the last reference goes away.
        unsafe { ManuallyDrop::take(&mut self.module).free_memory() };
    }
}

/// The host ISA at each optimization level, detected once: feature detection and flag
/// parsing cost more than compiling a small kernel.
fn isa(level: OptLevel) -> Result<Arc<dyn TargetIsa>> {
    type Isa = OnceLock<std::result::Result<Arc<dyn TargetIsa>, String>>;
    static ISAS: [Isa; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (slot, opt) = match level {
        OptLevel::None => (0, "none"),
        OptLevel::Speed => (1, "speed"),
        OptLevel::SpeedAndSize => (2, "speed_and_size"),
    };
    ISAS[slot]
        .get_or_init(|| {
            let mut flags = settings::builder();
            // The IR verifier is a sizeable share of compile time; debug builds keep it.
            let verify = if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            };
            for (k, v) in [
                ("opt_level", opt),
                ("enable_verifier", verify),
                ("use_colocated_libcalls", "false"),
                ("is_pic", "false"),
            ] {
                flags
                    .set(k, v)
                    .map_err(|e| format!("cranelift flag {k}: {e}"))?;
            }
            cranelift_native::builder()
                .map_err(|e| format!("host ISA: {e}"))?
                .finish(settings::Flags::new(flags))
                .map_err(|e| format!("host ISA: {e}"))
        })
        .clone()
        .map_err(Error::backend)
}

/// The vector plan of `f` on this machine: `VectorPlan::for_func` for the host ISA
/// (none if Cranelift has no ISA for this machine).
pub fn host_plan(f: &Func, opts: &CpuOptions) -> Option<VectorPlan> {
    let isa = isa(opts.opt_level).ok()?;
    VectorPlan::for_func(f, opts, &*isa)
}

/// A JIT module for the host. On macOS, Cranelift's JIT maps its code with
/// `MAP_JIT` and toggles write protection per thread itself (untested here: the
/// project is built and tested on Linux only).
fn new_module(level: OptLevel) -> Result<JITModule> {
    let mut jb = JITBuilder::with_isa(isa(level)?, cranelift_module::default_libcall_names());
    jb.symbol_lookup_fn(Box::new(super::helpers::lookup));
    Ok(JITModule::new(jb))
}

/// Lowers `f` into a fresh module's context; returns the module, context and id.
fn build(
    f: &Func,
    layouts: &[Layout],
    plan: Option<VectorPlan>,
    leaf_sum: bool,
    level: OptLevel,
) -> Result<(
    JITModule,
    Context,
    cranelift_module::FuncId,
    Option<cranelift_module::FuncId>,
)> {
    let mut module = new_module(level)?;
    let (ctx, id, slow) = lower_into(&mut module, "nexpr_kernel", f, layouts, plan, leaf_sum)?;
    Ok((module, ctx, id, slow))
}

/// Declares the kernel `name` (exported) in `module` and lowers `f` into a context for
/// it; returns the context, the kernel's id and that of the `abs(z)` trampoline, if
/// used (the caller defines both).
pub fn lower_into(
    module: &mut dyn Module,
    name: &str,
    f: &Func,
    layouts: &[Layout],
    plan: Option<VectorPlan>,
    leaf_sum: bool,
) -> Result<(
    Context,
    cranelift_module::FuncId,
    Option<cranelift_module::FuncId>,
)> {
    let mut ctx = module.make_context();
    let ptr = types::I64;
    for _ in 0..4 {
        ctx.func.signature.params.push(AbiParam::new(ptr));
    }
    ctx.func.signature.returns.push(AbiParam::new(types::I32));
    let id = module
        .declare_function(name, Linkage::Export, &ctx.func.signature)
        .map_err(|e| Error::backend(format!("declaring the kernel: {e}")))?;
    let mut fbc = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
    let slow = Lowerer::new(f, layouts, module, b).lower(plan, leaf_sum)?;
    Ok((ctx, id, slow))
}

/// The error of `what` failing: `ErrorKind::Memory` where the JIT could not get memory
/// for the code (an address-space limit, say), else a backend error.
fn module_error(what: &str, e: cranelift_module::ModuleError) -> Error {
    match e {
        cranelift_module::ModuleError::Allocation { err } => {
            Error::memory(format!("{what}: no memory for its machine code ({err})"))
        }
        e => Error::backend(format!("{what}: {e:?}")),
    }
}

/// Compiles `f` (as a leaf-sum kernel with `leaf_sum`; see `lower/leaf_sum.rs`).
pub fn compile(
    f: &Func,
    layouts: &[Layout],
    plan: Option<VectorPlan>,
    leaf_sum: bool,
    level: OptLevel,
) -> Result<Compiled> {
    compile_with_disasm(f, layouts, plan, leaf_sum, level, false).map(|(c, _)| c)
}

/// Compiles `f`; with `disasm`, also returns the machine code's disassembly.
fn compile_with_disasm(
    f: &Func,
    layouts: &[Layout],
    plan: Option<VectorPlan>,
    leaf_sum: bool,
    level: OptLevel,
    disasm: bool,
) -> Result<(Compiled, String)> {
    let (mut module, mut ctx, id, slow) = build(f, layouts, plan, leaf_sum, level)?;
    ctx.set_disasm(disasm);
    module
        .define_function(id, &mut ctx)
        .map_err(|e| module_error("compiling the kernel", e))?;
    let text = match ctx.compiled_code().and_then(|c| c.vcode.as_ref()) {
        Some(v) if disasm => v.clone(),
        _ => String::new(),
    };
    module.clear_context(&mut ctx);
    if let Some(slow) = slow {
        super::lower::define_abs_slow(&mut module, slow)?;
    }
    module
        .finalize_definitions()
        .map_err(|e| module_error("linking the kernel", e))?;
    let code = module.get_finalized_function(id);
    // SAFETY: the function was declared with exactly this signature.
    let entry: KernelFn = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
    let compiled = Compiled {
        module: ManuallyDrop::new(module),
        entry,
        lanes: plan.map(|p| p.step()),
    };
    Ok((compiled, text))
}

/// The machine code of the kernel `compile` builds, disassembled (Cranelift's VCode
/// after register allocation).
pub fn disasm(f: &Func, layouts: &[Layout], opts: &CpuOptions) -> Result<String> {
    let plan = host_plan(f, opts);
    let (_, text) = compile_with_disasm(f, layouts, plan, false, opts.opt_level, true)?;
    Ok(text)
}

/// The CLIF text of the kernel, before Cranelift's own optimizations; for a float
/// sum, also that of its leaf-sum form, which adds up the whole chunks.
pub fn clif(f: &Func, layouts: &[Layout], opts: &CpuOptions) -> Result<String> {
    let plan = host_plan(f, opts);
    let mut text = String::new();
    for leaf_sum in [false, true] {
        if leaf_sum {
            if !super::lower::leaf_sum_ok(f, plan) {
                break;
            }
            text.push_str("\n; leaf sums: NumPy's pairwise sum of each 128 elements\n");
        }
        let (module, ctx, _, _) = build(f, layouts, plan, leaf_sum, opts.opt_level)?;
        text.push_str(&ctx.func.display().to_string());
        // SAFETY: nothing was compiled into the module.
        unsafe { module.free_memory() };
    }
    Ok(text)
}
