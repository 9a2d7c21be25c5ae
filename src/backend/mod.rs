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
/// (`Any`: a backend may recover its own type from a kernel's cache, as the CUDA
/// `DeviceSession` does.)
pub trait Executable: std::any::Any + Send + Sync {
    /// Runs the elementwise program over every element of `bound`, writing each output.
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()>;

    /// A fused reduction, where the backend has one. `None`: the caller materializes
    /// the elementwise result and reduces it with `runtime::reduce`.
    fn run_reduce(&self, _bound: &Bound, _r: Reduce) -> Option<Result<DynArray>> {
        None
    }
}
