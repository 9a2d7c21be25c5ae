//! CUDA devices: one context and one stream per device, opened once per process (the
//! devices are the process's; the cache of loaded modules is an engine's, `caches`).
//! Transfers are in `transfer`.

use super::nvrtc;
use super::transfer::Staging;
use crate::error::{Error, Result};
use crate::options::CudaOptions;
use cudarc::driver::{sys, CudaContext, CudaSlice, CudaStream, DevicePtr};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};

pub(super) fn driver_err(what: &str) -> impl Fn(cudarc::driver::DriverError) -> Error + '_ {
    move |e| Error::backend(format!("CUDA {what} failed: {e}"))
}

/// Runs a cudarc call that may panic (missing driver symbols) as a `Result`.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| Error::backend(format!("CUDA target unavailable: {what} failed")))
}

/// One CUDA device: its context, the stream nexpr works on, its staging buffers.
pub struct Device {
    pub ordinal: usize,
    pub name: String,
    /// Compute capability (major, minor).
    pub arch: (u32, u32),
    pub sms: u32,
    pub(super) ctx: Arc<CudaContext>,
    pub(super) stream: Arc<CudaStream>,
    /// Pinned buffers for large transfers, allocated on first use.
    pub(super) staging: Mutex<Option<Staging>>,
}

static DEVICES: OnceLock<Mutex<HashMap<usize, Arc<Device>>>> = OnceLock::new();

/// The device numbered `ordinal`, initialized once per process.
pub fn device(ordinal: usize) -> Result<Arc<Device>> {
    let devices = DEVICES.get_or_init(Default::default);
    let mut map = devices.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = map.get(&ordinal) {
        return Ok(d.clone());
    }
    init_driver(ordinal)?;
    let d = Arc::new(open(ordinal)?);
    map.insert(ordinal, d.clone());
    Ok(d)
}

/// Loads and initializes the driver; Ok when device `ordinal` exists.
fn init_driver(ordinal: usize) -> Result<()> {
    // SAFETY: only tries to dlopen the driver library.
    let present = guarded("loading libcuda", || unsafe { sys::is_culib_present() })?;
    if !present {
        return Err(Error::backend(
            "CUDA target unavailable: no CUDA driver (libcuda.so.1 not found), so no CUDA device",
        ));
    }
    guarded("cuInit", cudarc::driver::result::init)?
        .map_err(|e| Error::backend(format!("CUDA target unavailable: no CUDA device ({e})")))?;
    let count = guarded("cuDeviceGetCount", CudaContext::device_count)?
        .map_err(driver_err("cuDeviceGetCount"))?;
    if count <= 0 {
        return Err(Error::backend("CUDA target unavailable: no CUDA device"));
    }
    if ordinal >= count as usize {
        return Err(Error::backend(format!(
            "CUDA target unavailable: no CUDA device {ordinal} ({count} present)"
        )));
    }
    Ok(())
}

/// Creates the context of device `ordinal` and reads what launches need of it.
fn open(ordinal: usize) -> Result<Device> {
    let ctx = guarded("creating a context", || CudaContext::new(ordinal))?
        .map_err(driver_err("context creation"))?;
    // One stream, used in order: the per-buffer event tracking cudarc offers for
    // multi-stream use would only add work.
    // SAFETY: nothing is in flight on this new context yet.
    unsafe { ctx.disable_event_tracking() };
    let (major, minor) = ctx
        .compute_capability()
        .map_err(driver_err("cuDeviceGetAttribute"))?;
    let sms = ctx
        .attribute(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
        .map_err(driver_err("cuDeviceGetAttribute"))?;
    let name = ctx
        .name()
        .unwrap_or_else(|_| format!("CUDA device {ordinal}"));
    let stream = ctx.default_stream();
    Ok(Device {
        ordinal,
        name,
        arch: (major.max(0) as u32, minor.max(0) as u32),
        sms: sms.max(1) as u32,
        ctx,
        stream,
        staging: Mutex::new(None),
    })
}

impl Device {
    /// NVRTC's options for this device's kernels.
    pub(super) fn nvrtc_options(&self, opts: &CudaOptions) -> nvrtc::Options {
        nvrtc::Options {
            arch: self.arch,
            fast_math: opts.fast_math,
        }
    }

    /// An uninitialized device buffer of `bytes` bytes (at least one).
    pub(super) fn alloc(&self, bytes: usize) -> Result<CudaSlice<u8>> {
        // SAFETY: every byte is written (by a copy or a kernel) before it is read.
        unsafe { self.stream.alloc::<u8>(bytes.max(1)) }.map_err(driver_err("cuMemAlloc"))
    }

    /// Waits for everything queued on the device's stream.
    pub(super) fn sync(&self) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(driver_err("stream synchronize"))
    }

    /// The device address of `s`.
    pub(super) fn ptr(&self, s: &CudaSlice<u8>) -> u64 {
        s.device_ptr(&self.stream).0
    }
}
