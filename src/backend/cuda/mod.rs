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

// Without the `cuda` feature only the CUDA C text is here (`--emit cuda` needs no
// GPU); NVRTC, the driver and device arrays are left out with cudarc.
#[cfg(feature = "cuda")]
mod caches;
#[cfg(feature = "cuda")]
mod device;
#[cfg(feature = "cuda")]
mod device_array;
// Without `cuda` only the text is used, not what `Emitted` tells the launcher.
#[cfg_attr(not(feature = "cuda"), allow(dead_code))]
pub(crate) mod emit;
#[cfg(feature = "cuda")]
mod exec;
#[cfg(feature = "cuda")]
pub(crate) mod nvrtc;
#[cfg(feature = "cuda")]
mod session;
mod timings;
#[cfg(feature = "cuda")]
mod transfer;

#[cfg(feature = "cuda")]
pub use caches::CudaCaches;
#[cfg(feature = "cuda")]
pub use device_array::DeviceArray;
#[cfg(feature = "cuda")]
pub(crate) use exec::CudaExec;
#[cfg(feature = "cuda")]
pub use session::DeviceSession;
pub use timings::CudaTimings;

use super::Executable;
use crate::error::Result;
use crate::ir::Func;
use crate::options::CudaOptions;
use crate::runtime::Layout;
use std::sync::Arc;

/// The device header every kernel includes (NVRTC gets it as an in-memory header).
#[cfg(feature = "cuda")]
pub const PRELUDE: &str = include_str!("prelude.cuh");
pub const PRELUDE_NAME: &str = "nexpr_prelude.cuh";

/// Ok when NVRTC loads and `device` exists; otherwise the reason, as an error.
#[cfg(feature = "cuda")]
pub fn check_available(device: usize) -> Result<()> {
    nvrtc::probe()?;
    device::device(device)?;
    Ok(())
}

#[cfg(feature = "cuda")]
pub fn compile(
    caches: &CudaCaches,
    f: &Func,
    layouts: &[Layout],
    device: usize,
    opts: &CudaOptions,
) -> Result<Arc<dyn Executable>> {
    let emitted = emit::emit(f, layouts)?;
    let dev = device::device(device)?;
    Ok(Arc::new(exec::CudaExec::new(
        caches, dev, f, layouts, emitted, opts,
    )?))
}

/// This build has no CUDA backend: said as an error, not discovered as a missing item.
#[cfg(not(feature = "cuda"))]
fn not_built() -> crate::error::Error {
    crate::error::Error::backend(
        "this build of nexpr has no CUDA backend (built without the `cuda` feature); \
         use Target::Cpu or Target::Interp, or rebuild with `--features cuda`",
    )
}

/// Without the backend an engine has no CUDA caches to hold.
#[cfg(not(feature = "cuda"))]
pub struct CudaCaches;

#[cfg(not(feature = "cuda"))]
impl CudaCaches {
    pub fn new(_config: &crate::engine::EngineConfig) -> CudaCaches {
        CudaCaches
    }
}

#[cfg(not(feature = "cuda"))]
pub fn check_available(_device: usize) -> Result<()> {
    Err(not_built())
}

#[cfg(not(feature = "cuda"))]
pub fn compile(
    _caches: &CudaCaches,
    _f: &Func,
    _layouts: &[Layout],
    _device: usize,
    _opts: &CudaOptions,
) -> Result<Arc<dyn Executable>> {
    Err(not_built())
}

pub fn emit_source(f: &Func, layouts: &[Layout]) -> Result<String> {
    Ok(emit::emit(f, layouts)?.source)
}
