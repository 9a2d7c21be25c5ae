//! CUDA backend: the IR becomes CUDA C (`emit`), NVRTC compiles it to PTX at run time
//! (`nvrtc`), and the driver loads and launches it over device buffers (`runtime`).
//!
//! Environment:
//! * `NEXPR_NVRTC_LIB`: path of `libnvrtc.so.*` or of its folder (see [`nvrtc`]);
//! * `NEXPR_CUDA_FAST_MATH=1`: compile with `--use_fast_math` (approximate
//!   transcendentals, flushed denormals, fused multiply-add); off by default because
//!   results then differ from NumPy's;
//! * `NEXPR_CUDA_TIMING=1`: print transfer and kernel times of every evaluation to
//!   stderr (they are always available from [`last_timings`]).

pub mod emit;
pub mod nvrtc;
pub mod runtime;

pub use runtime::{last_timings, CudaTimings, DeviceArray, DeviceSession};

use super::Executable;
use crate::error::Result;
use crate::ir::Func;
use crate::runtime::Layout;
use std::sync::Arc;

/// The device header every kernel includes (NVRTC gets it as an in-memory header).
pub const PRELUDE: &str = include_str!("prelude.cuh");
pub const PRELUDE_NAME: &str = "nexpr_prelude.cuh";

/// Whether kernels are compiled with fast math (`NEXPR_CUDA_FAST_MATH=1`).
pub fn fast_math() -> bool {
    std::env::var("NEXPR_CUDA_FAST_MATH").is_ok_and(|v| v == "1")
}

/// Ok when NVRTC loads and `device` exists; otherwise the reason, as an error.
pub fn check_available(device: usize) -> Result<()> {
    nvrtc::probe()?;
    runtime::device(device)?;
    Ok(())
}

pub fn compile(f: &Func, layouts: &[Layout], device: usize) -> Result<Arc<dyn Executable>> {
    let emitted = emit::emit(f, layouts)?;
    let dev = runtime::device(device)?;
    Ok(Arc::new(runtime::CudaExec::new(dev, f, layouts, emitted)?))
}

/// The CUDA C source of the kernel for `f` (it includes [`PRELUDE_NAME`]).
pub fn emit_source(f: &Func, layouts: &[Layout]) -> Result<String> {
    Ok(emit::emit(f, layouts)?.source)
}
