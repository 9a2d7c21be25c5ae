//! Backends turn a typed, optimized `ir::Func` into something that runs over bound
//! arrays. `interp` is the reference; `cpu` (Cranelift) and `cuda` (NVRTC) are tested
//! against it.

pub mod cpu;
pub mod cuda;
pub mod interp;

use crate::array::DynArray;
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::Reduce;
use crate::runtime::Bound;

/// A C-contiguous output buffer of `len` elements of `dtype`, owned by the caller.
#[derive(Clone, Copy, Debug)]
pub struct OutBuf {
    pub ptr: *mut u8,
    pub dtype: DType,
    pub len: usize,
}

// SAFETY: an OutBuf is only a destination; backends write disjoint element ranges
// from different threads.
unsafe impl Send for OutBuf {}
unsafe impl Sync for OutBuf {}

impl OutBuf {
    pub fn of(a: &mut DynArray) -> OutBuf {
        let dtype = a.dtype();
        let len = a.len();
        let ptr = match a {
            DynArray::Bool(x) => x.as_mut_ptr() as *mut u8,
            DynArray::I32(x) => x.as_mut_ptr() as *mut u8,
            DynArray::I64(x) => x.as_mut_ptr() as *mut u8,
            DynArray::F32(x) => x.as_mut_ptr() as *mut u8,
            DynArray::F64(x) => x.as_mut_ptr() as *mut u8,
            DynArray::C64(x) => x.as_mut_ptr() as *mut u8,
            DynArray::C128(x) => x.as_mut_ptr() as *mut u8,
        };
        OutBuf { ptr, dtype, len }
    }
}

/// A compiled (or interpretable) program, specialized to one input signature.
pub trait Executable: Send + Sync {
    /// Runs the elementwise program over every element of `bound`, writing each output.
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()>;

    /// A fused reduction, where the backend has one. `None`: the caller materializes
    /// the elementwise result and reduces it with `runtime::reduce`.
    fn run_reduce(&self, _bound: &Bound, _r: Reduce) -> Option<Result<DynArray>> {
        None
    }

    /// Runs elements `[lo, hi)` only, writing element `i` to element `i - lo` of each
    /// output (a block of a streamed evaluation; `Contiguous` inputs may hold only the
    /// block, see `BoundInput::window`). Backends without it run whole arrays only.
    fn run_span(&self, bound: &Bound, outputs: &[OutBuf], lo: usize, hi: usize) -> Result<()> {
        if lo == 0 && hi == bound.len() {
            return self.run(bound, outputs);
        }
        Err(crate::error::Error::backend(
            "this target evaluates whole arrays only",
        ))
    }

    /// Whether `run_span` evaluates blocks.
    fn spans(&self) -> bool {
        false
    }

    /// A whole-array reduction's partial results over `[lo, hi)` (`lo` a multiple of
    /// `cpu::CHUNK`): one per `CHUNK` elements, to be combined by
    /// `runtime::reduce::combine_partials`, as `run_reduce` combines them.
    fn reduce_partials(
        &self,
        _bound: &Bound,
        _r: Reduce,
        _lo: usize,
        _hi: usize,
    ) -> Option<Result<DynArray>> {
        None
    }
}
