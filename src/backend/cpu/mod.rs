//! Cranelift CPU backend: every expression or program becomes one fused loop,
//! compiled once per (IR, input layouts), run in cache-sized chunks on all cores.
//!
//! * `lower`: IR -> CLIF (a scalar loop with real control flow; a 128-bit SIMD
//!   loop for programs of one lane width, predicated over interleaved vector groups
//!   when they have control flow), one concern per file;
//! * `math`: vectorized transcendentals (libmvec) and their measured error;
//! * `helpers`: the table of out-of-line operations (symbols, signatures, operation
//!   codes), shared with the interpreter's semantics;
//! * `jit`: module lifetime; `cache`: the global compile cache; `object`: kernels
//!   for another ISA as object files (feature `cross-isa`);
//! * `driver`: chunking, strided gathers, fused reductions; `schedule`: how one
//!   evaluation's chunks are shared between the calling thread and the pool.

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

use super::{Executable, OutBuf};
use crate::array::DynArray;
use crate::error::Result;
use crate::ir::{Func, Reduce};
use crate::options::CpuOptions;
use crate::runtime::{Bound, Layout};
use std::sync::Arc;

pub use cache::CAPACITY as CACHE_CAPACITY;
pub use driver::CHUNK;
pub use pool::max_threads;

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

pub fn compile(
    f: &Func,
    layouts: &[Layout],
    threads: usize,
    opts: &CpuOptions,
) -> Result<Arc<dyn Executable>> {
    opts.validate()?;
    let (code, leaf) = cache::get_or_compile(f, layouts, opts)?;
    Ok(Arc::new(driver::CpuExec {
        code,
        leaf,
        layouts: layouts.to_vec(),
        in_types: f.inputs.iter().map(|p| p.ty).collect(),
        out_types: f.outputs.iter().map(|&v| f.vars[v as usize].ty).collect(),
        threads: threads.clamp(1, pool::max_threads()),
        cost: cost_per_element(f),
        parallel_min: opts.parallel_min,
        fault_ahead: opts.fault_ahead,
    }))
}

/// Relative work per element for the parallel threshold (see `driver`).
fn cost_per_element(f: &Func) -> usize {
    use crate::ir::{BinOp, Op};
    if !f.is_straight_line() {
        return 8;
    }
    let calls = f
        .nodes
        .iter()
        .filter(|n| match n.op {
            Op::Unary(u) => u.is_transcendental() || n.ty.is_complex(),
            Op::Binary(b) => {
                matches!(
                    b,
                    BinOp::Pow
                        | BinOp::Arctan2
                        | BinOp::Hypot
                        | BinOp::NextAfter
                        | BinOp::Fmod
                        | BinOp::FloorDiv
                        | BinOp::Mod
                ) || (n.ty.is_complex() && !matches!(b, BinOp::Add | BinOp::Sub | BinOp::Mul))
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

/// Number of kernels in the global compile cache.
pub fn cached_kernels() -> usize {
    cache::len()
}
