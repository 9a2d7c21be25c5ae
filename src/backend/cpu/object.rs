//! Kernels compiled for another instruction set into a relocatable ELF object
//! (`cranelift-object`), so that code generation for aarch64 can be checked from any
//! host: `tests/it/cross_aarch64.rs` links the objects with a C harness and runs them
//! under qemu. Built with the `cross-isa` feature only.
//!
//! The kernel is the JIT's (same lowering, same ABI, same `VectorPlan::for_func`),
//! and what differs comes from the target ISA (`target.rs`), not the host: vector
//! code only where the target has 128-bit vectors, no AVX2/AVX-512 batch functions
//! and no libmvec on aarch64 (transcendentals are scalar calls per lane, as on an
//! aarch64 host). Fast math is off for every target: an object links no libmvec.

use super::jit::lower_into;
use super::lower::{define_abs_slow, VectorPlan};
use crate::error::{Error, Result};
use crate::ir::Func;
use crate::options::CpuOptions;
use crate::runtime::Layout;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_module::{default_libcall_names, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::sync::Arc;

/// A kernel in object form: the ELF bytes and the symbols it imports (helpers and
/// libm functions the linker must provide).
pub struct ObjectCode {
    pub bytes: Vec<u8>,
    pub imports: Vec<String>,
}

/// Cranelift's ISA for `triple` with the JIT's flags (not position-independent:
/// objects are linked into a non-PIE executable).
fn target_isa(triple: &str, opts: &CpuOptions) -> Result<OwnedTargetIsa> {
    let mut flags = settings::builder();
    let level = match opts.opt_level {
        crate::options::OptLevel::None => "none",
        crate::options::OptLevel::Speed => "speed",
        crate::options::OptLevel::SpeedAndSize => "speed_and_size",
    };
    for (k, v) in [
        ("opt_level", level),
        ("use_colocated_libcalls", "false"),
        ("is_pic", "false"),
    ] {
        flags
            .set(k, v)
            .map_err(|e| Error::backend(format!("cranelift flag {k}: {e}")))?;
    }
    isa::lookup_by_name(triple)
        .map_err(|e| Error::backend(format!("ISA {triple}: {e}")))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| Error::backend(format!("ISA {triple}: {e}")))
}

/// The vector plan of `f` on `isa`, without libmvec.
fn target_plan(f: &Func, opts: &CpuOptions, isa: &Arc<dyn isa::TargetIsa>) -> Option<VectorPlan> {
    let opts = CpuOptions {
        fast_math: false,
        ..opts.clone()
    };
    VectorPlan::for_func(f, &opts, &**isa)
}

fn new_module(triple: &str, opts: &CpuOptions) -> Result<(ObjectModule, Arc<dyn isa::TargetIsa>)> {
    let isa = target_isa(triple, opts)?;
    let builder = ObjectBuilder::new(isa.clone(), "nexpr_kernel", default_libcall_names())
        .map_err(|e| Error::backend(format!("object module: {e}")))?;
    Ok((ObjectModule::new(builder), isa))
}

/// `f` compiled for `triple` as the exported function `symbol`.
pub fn object_code(
    f: &Func,
    layouts: &[Layout],
    opts: &CpuOptions,
    triple: &str,
    symbol: &str,
) -> Result<ObjectCode> {
    let (mut module, isa) = new_module(triple, opts)?;
    let plan = target_plan(f, opts, &isa);
    let (mut ctx, id, slow) = lower_into(&mut module, symbol, f, layouts, plan, false)?;
    module
        .define_function(id, &mut ctx)
        .map_err(|e| Error::backend(format!("compiling the kernel: {e:?}")))?;
    module.clear_context(&mut ctx);
    if let Some(slow) = slow {
        define_abs_slow(&mut module, slow)?;
    }
    let imports = module
        .declarations()
        .get_functions()
        .filter(|(_, d)| d.linkage == Linkage::Import)
        .filter_map(|(_, d)| d.name.clone())
        .collect();
    let product = module.finish();
    let bytes = product
        .emit()
        .map_err(|e| Error::backend(format!("writing the object: {e}")))?;
    Ok(ObjectCode { bytes, imports })
}

/// The CLIF text of the kernel for `triple`, before Cranelift's optimizations (the
/// golden files of `tests/golden/clif-aarch64/`).
pub fn clif(f: &Func, layouts: &[Layout], opts: &CpuOptions, triple: &str) -> Result<String> {
    let (mut module, isa) = new_module(triple, opts)?;
    let plan = target_plan(f, opts, &isa);
    let (ctx, _, _) = lower_into(&mut module, "nexpr_kernel", f, layouts, plan, false)?;
    Ok(ctx.func.display().to_string())
}
