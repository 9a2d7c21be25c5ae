//! CUDA backend: the IR becomes CUDA C (`emit`), NVRTC compiles it to PTX at run time
//! (`nvrtc`), and the driver loads and launches it over device buffers (`runtime`).
//!
//! Options come from [`crate::CudaOptions`] (fast math, blocks per multiprocessor);
//! the environment only says where NVRTC is (`NEXPR_NVRTC_LIB`, see [`nvrtc`]).
//! Transfer and kernel times of the latest evaluation are in [`CudaTimings::last`].

pub(crate) mod emit;
pub(crate) mod nvrtc;
pub(crate) mod runtime;

pub use runtime::{CudaTimings, DeviceArray, DeviceSession};

impl CudaTimings {
    /// The timings of the most recent CUDA evaluation in this process (on any thread),
    /// `None` before the first one. A [`DeviceSession`] records kernel times only in
    /// its timed mode ([`DeviceSession::set_timing`]).
    pub fn last() -> Option<CudaTimings> {
        runtime::last_timings()
    }
}

use super::Executable;
use crate::error::Result;
use crate::ir::Func;
use crate::options::CudaOptions;
use crate::runtime::Layout;
use std::sync::Arc;

/// The device header every kernel includes (NVRTC gets it as an in-memory header).
pub const PRELUDE: &str = include_str!("prelude.cuh");
pub const PRELUDE_NAME: &str = "nexpr_prelude.cuh";

/// Ok when NVRTC loads and `device` exists; otherwise the reason, as an error.
pub fn check_available(device: usize) -> Result<()> {
    nvrtc::probe()?;
    runtime::device(device)?;
    Ok(())
}

pub fn compile(
    f: &Func,
    layouts: &[Layout],
    device: usize,
    opts: &CudaOptions,
) -> Result<Arc<dyn Executable>> {
    let emitted = emit::emit(f, layouts)?;
    let dev = runtime::device(device)?;
    Ok(Arc::new(runtime::CudaExec::new(
        dev, f, layouts, emitted, opts,
    )?))
}

/// The CUDA C source of the kernel for `f` (it includes [`PRELUDE_NAME`]).
pub fn emit_source(f: &Func, layouts: &[Layout]) -> Result<String> {
    Ok(emit::emit(f, layouts)?.source)
}
