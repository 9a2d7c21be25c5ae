//! CUDA backend: the IR becomes CUDA C (`emit`), NVRTC compiles it to PTX at run time
//! (`nvrtc`), and the driver loads and launches it over device buffers.
//!
//! | module | what |
//! | --- | --- |
//! | `device` | contexts and streams (one per device, per process) |
//! | `caches` | an engine's PTX cache and per-device module caches |
//! | `transfer` | uploads and downloads, large ones through pinned staging buffers |
//! | `exec` | `CudaExec`: a compiled kernel, its launches, grid sizes, fused reductions |
//! | `session`, `device_array` | [`DeviceSession`] and [`DeviceArray`]: arrays kept on the device |
//! | `timings` | [`CudaTimings`]: where one evaluation's time went |
//!
//! Options come from [`crate::CudaOptions`] (fast math, blocks per multiprocessor);
//! the environment only says where NVRTC is (`NEXPR_NVRTC_LIB`, see [`nvrtc`]).
//! Transfer and kernel times are recorded per evaluation by a [`DeviceSession`]
//! ([`DeviceSession::last_timings`]).

mod caches;
mod device;
mod device_array;
pub(crate) mod emit;
mod exec;
pub(crate) mod nvrtc;
mod session;
mod timings;
mod transfer;

pub use caches::CudaCaches;
pub use device_array::DeviceArray;
pub use session::DeviceSession;
pub use timings::CudaTimings;

use super::Executable;
use crate::error::Result;
use crate::ir::Func;
use crate::options::CudaOptions;
use crate::runtime::Layout;
use exec::CudaExec;
use std::sync::Arc;

/// The device header every kernel includes (NVRTC gets it as an in-memory header).
pub const PRELUDE: &str = include_str!("prelude.cuh");
pub const PRELUDE_NAME: &str = "nexpr_prelude.cuh";

/// Ok when NVRTC loads and `device` exists; otherwise the reason, as an error.
pub fn check_available(device: usize) -> Result<()> {
    nvrtc::probe()?;
    device::device(device)?;
    Ok(())
}

pub fn compile(
    caches: &CudaCaches,
    f: &Func,
    layouts: &[Layout],
    device: usize,
    opts: &CudaOptions,
) -> Result<Arc<dyn Executable>> {
    let emitted = emit::emit(f, layouts)?;
    let dev = device::device(device)?;
    Ok(Arc::new(CudaExec::new(
        caches, dev, f, layouts, emitted, opts,
    )?))
}

/// The CUDA C source of the kernel for `f` (it includes [`PRELUDE_NAME`]).
pub fn emit_source(f: &Func, layouts: &[Layout]) -> Result<String> {
    Ok(emit::emit(f, layouts)?.source)
}
