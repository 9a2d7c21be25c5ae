//! Backends turn a typed, optimized `ir::Func` into something that runs over bound
//! arrays. `interp` is the reference; `cpu` (Cranelift) and `cuda` (NVRTC) are tested
//! against it.

pub(crate) mod cpu;
pub(crate) mod cuda;
pub(crate) mod interp;

use crate::array::{DynArray, DynViewMut, UninitArray};
use crate::dtype::DType;
use crate::error::Result;
use crate::ir::Reduce;
use crate::runtime::Bound;
use std::marker::PhantomData;

/// A C-contiguous output buffer of `len` elements of `dtype`, mutably borrowed from
/// the caller for `'a`: it cannot outlive the array it points into. The pointer may be
/// copied to the threads of one evaluation, which write disjoint elements.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutBuf<'a> {
    pub(crate) ptr: *mut u8,
    pub(crate) dtype: DType,
    pub(crate) len: usize,
    /// Memory this evaluation allocated and nothing has touched yet: its pages are
    /// not yet in memory, so the first write to each one is a page fault.
    pub(crate) fresh: bool,
    _borrow: PhantomData<&'a mut [u8]>,
}

// SAFETY: an OutBuf is only a destination, borrowed mutably for its lifetime; backends
// write disjoint element ranges from different threads.
unsafe impl Send for OutBuf<'_> {}
unsafe impl Sync for OutBuf<'_> {}

impl<'a> OutBuf<'a> {
    /// The elements of an owned (hence C-contiguous) array.
    pub(crate) fn of(a: &'a mut DynArray) -> OutBuf<'a> {
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
        OutBuf {
            ptr,
            dtype,
            len,
            fresh: false,
            _borrow: PhantomData,
        }
    }

    /// The elements of an array that is not initialized yet.
    pub(crate) fn of_uninit(a: &'a mut UninitArray) -> OutBuf<'a> {
        OutBuf {
            dtype: a.dtype(),
            len: a.len(),
            ptr: a.as_mut_ptr(),
            fresh: true,
            _borrow: PhantomData,
        }
    }

    /// Elements `[lo, hi)` of an array that is not initialized yet (a span of a
    /// stepped evaluation).
    pub(crate) fn of_uninit_span(a: &'a mut UninitArray, lo: usize, hi: usize) -> OutBuf<'a> {
        assert!(lo <= hi && hi <= a.len(), "span outside the array");
        let size = a.dtype().size();
        OutBuf {
            dtype: a.dtype(),
            len: hi - lo,
            // In bounds: `lo <= len` elements of `size` bytes.
            ptr: a.as_mut_ptr().wrapping_add(lo * size),
            fresh: true,
            _borrow: PhantomData,
        }
    }

    /// The first `len` elements of `dtype` in a scratch buffer, whose start is
    /// aligned for `dtype`.
    pub(crate) fn of_bytes(bytes: &'a mut [u8], dtype: DType, len: usize) -> OutBuf<'a> {
        assert!(len * dtype.size() <= bytes.len(), "scratch too small");
        assert!(
            bytes.as_ptr().align_offset(dtype.size().min(8)) == 0,
            "misaligned scratch"
        );
        OutBuf {
            ptr: bytes.as_mut_ptr(),
            dtype,
            len,
            fresh: false,
            _borrow: PhantomData,
        }
    }

    /// The elements of a view in standard (C) layout; `None` for any other layout.
    pub(crate) fn of_view(a: &'a mut DynViewMut<'_>) -> Option<OutBuf<'a>> {
        let dtype = a.dtype();
        let len = a.shape().iter().product();
        Some(OutBuf {
            ptr: a.as_mut_ptr_c()?,
            dtype,
            len,
            fresh: false,
            _borrow: PhantomData,
        })
    }
}

/// Ok when `outputs` are one buffer of `n` elements per type in `types`, of that type:
/// what `Executable::run` writes completely, or refuses to touch.
pub(crate) fn check_outputs(outputs: &[OutBuf], n: usize, types: &[DType]) -> Result<()> {
    let fits = outputs.len() == types.len()
        && outputs
            .iter()
            .zip(types)
            .all(|(o, &t)| o.len == n && o.dtype == t);
    match fits {
        true => Ok(()),
        false => Err(crate::error::Error::backend(
            "output buffers do not match the kernel's outputs",
        )),
    }
}

/// A compiled (or interpretable) program, specialized to one input signature.
pub(crate) trait Executable: Send + Sync {
    /// The CUDA kernel this is, for what runs it on device arrays (`DeviceSession`);
    /// `None` for every other backend.
    #[cfg(feature = "cuda")]
    fn as_cuda(&self) -> Option<&cuda::CudaExec> {
        None
    }

    /// Runs the elementwise program over every element of `bound`, writing each output.
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()>;

    /// A fused reduction, where the backend has one. `None`: the caller materializes
    /// the elementwise result and reduces it with `runtime::reduce`.
    fn run_reduce(&self, _bound: &Bound, _r: Reduce) -> Option<Result<DynArray>> {
        None
    }

    /// Elements `[lo, hi)` (C order over the reduced shape) of the reduction `r` along
    /// `axis` (resolved: `runtime::reduce::resolve_axis`), written to `out`, with
    /// exactly `runtime::reduce::reduce`'s values, but from the elementwise values a
    /// block at a time instead of all of them at once. `None`: the backend has no such
    /// reduction, and the caller reduces the materialized elementwise result.
    fn reduce_axis(
        &self,
        _bound: &Bound,
        _r: Reduce,
        _axis: usize,
        _out: &OutBuf,
        _lo: usize,
        _hi: usize,
    ) -> Option<Result<()>> {
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
    /// `runtime::CHUNK`): one per `CHUNK` elements, to be combined by
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
