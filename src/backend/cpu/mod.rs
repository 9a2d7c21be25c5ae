//! Cranelift CPU backend: every expression or program becomes one fused loop,
//! compiled once per (IR, input layouts), run in cache-sized chunks on all cores.
//!
//! * `lower`: IR -> CLIF (a scalar loop with real control flow; a 128-bit SIMD
//!   loop for programs of one lane width, predicated over interleaved vector groups
//!   when they have control flow), one concern per file;
//! * `math`: vectorized transcendentals (libmvec) and their measured error;
//! * `helpers`: the table of out-of-line operations (symbols, signatures, operation
//!   codes), shared with the interpreter's semantics;
//! * `target`: what the ISA a kernel is compiled for offers the lowering (vectors,
//!   wide transcendentals, libmvec), asked of Cranelift's ISA, never of the host;
//! * `jit`: module lifetime; `cache`: an engine's compile cache; `pool`: an engine's
//!   worker threads (both held by `CpuShared`); `object`: kernels for another ISA as
//!   object files (feature `cross-isa`);
//! * `driver`: chunking, strided gathers, fused reductions; `axis_reduce`: reductions
//!   along an axis from windows of the elementwise values; `schedule`: how one
//!   evaluation's chunks are shared between the calling thread and the pool.

mod axis_reduce;
mod cache;
mod driver;
mod fault_ahead;
mod helpers;
mod jit;
mod lower;
pub mod math;
#[cfg(feature = "cross-isa")]
pub mod object;
mod pool;
mod schedule;
mod target;

use super::{Executable, OutBuf};
use crate::array::DynArray;
use crate::engine::EngineConfig;
use crate::error::Result;
use crate::ir::{Func, Reduce};
use crate::options::CpuOptions;
use crate::runtime::{Bound, Layout};
use std::sync::Arc;

/// What an engine's CPU kernels share: the compile cache and the worker pool.
pub struct CpuShared {
    cache: cache::CompileCache,
    pool: Arc<pool::Pool>,
    max_threads: usize,
}

impl CpuShared {
    pub fn new(config: &EngineConfig) -> CpuShared {
        CpuShared {
            cache: cache::CompileCache::new(config.compile_cache_capacity),
            pool: Arc::default(),
            max_threads: config.max_threads,
        }
    }

    /// Number of kernels in the compile cache.
    pub fn cached_kernels(&self) -> usize {
        self.cache.len()
    }
}

impl Executable for driver::CpuExec {
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()> {
        driver::CpuExec::run(self, bound, outputs)
    }

    fn run_reduce(&self, bound: &Bound, r: Reduce) -> Option<Result<DynArray>> {
        driver::CpuExec::run_reduce(self, bound, r)
    }

    fn spans(&self) -> bool {
        true
    }

    fn reduce_axis(
        &self,
        bound: &Bound,
        r: Reduce,
        axis: usize,
        out: &OutBuf,
        lo: usize,
        hi: usize,
    ) -> Option<Result<()>> {
        driver::CpuExec::reduce_axis(self, bound, r, axis, out, lo, hi)
    }

    fn run_span(&self, bound: &Bound, outputs: &[OutBuf], lo: usize, hi: usize) -> Result<()> {
        driver::CpuExec::run_span(self, bound, outputs, lo, hi)
    }

    fn reduce_partials(
        &self,
        bound: &Bound,
        r: Reduce,
        lo: usize,
        hi: usize,
    ) -> Option<Result<DynArray>> {
        driver::CpuExec::reduce_partials(self, bound, r, lo, hi)
    }
}

/// The executable of `f` for these input layouts, its machine code from (or into)
/// `shared`'s compile cache, run on at most `threads` workers of `shared`'s pool
/// (clamped to the engine's `max_threads`).
pub fn compile(
    shared: &CpuShared,
    f: &Func,
    layouts: &[Layout],
    threads: usize,
    opts: &CpuOptions,
) -> Result<Arc<dyn Executable>> {
    opts.validate()?;
    let (code, leaf) = shared.cache.get_or_compile(f, layouts, opts)?;
    Ok(Arc::new(driver::CpuExec {
        code,
        leaf,
        layouts: layouts.to_vec(),
        in_types: f.inputs.iter().map(|p| p.ty).collect(),
        out_types: f.outputs.iter().map(|&v| f.vars[v as usize].ty).collect(),
        threads: threads.clamp(1, shared.max_threads),
        pool: shared.pool.clone(),
        cost: cost_per_element(f),
        parallel_min: opts.parallel_min,
        fault_ahead: opts.fault_ahead,
    }))
}

/// Relative work per element for the parallel threshold (see `driver`).
fn cost_per_element(f: &Func) -> usize {
    use crate::ir::builtins::{self, Cost};
    use crate::ir::{BinOp, Op};
    if !f.is_straight_line() {
        return 8;
    }
    let calls = f
        .nodes
        .iter()
        .filter(|n| match n.op {
            Op::Unary(u) => {
                builtins::of_unary(u).is_some_and(|b| b.cost == Cost::Call) || n.ty.is_complex()
            }
            Op::Binary(b) => {
                // Of the operators, these call helpers on every dtype.
                let operator_call = matches!(b, BinOp::Pow | BinOp::FloorDiv | BinOp::Mod);
                let function_call = builtins::of_binary(b).is_some_and(|b| b.cost == Cost::Call);
                operator_call
                    || function_call
                    || (n.ty.is_complex() && !matches!(b, BinOp::Add | BinOp::Sub | BinOp::Mul))
            }
            _ => false,
        })
        .count();
    1 + 8 * calls
}

/// The Cranelift IR of the kernel `compile` would build.
pub fn emit_clif(f: &Func, layouts: &[Layout], opts: &CpuOptions) -> Result<String> {
    jit::clif(f, layouts, opts)
}

/// The machine code of the kernel `compile` would build, disassembled.
pub fn emit_asm(f: &Func, layouts: &[Layout], opts: &CpuOptions) -> Result<String> {
    jit::disasm(f, layouts, opts)
}
