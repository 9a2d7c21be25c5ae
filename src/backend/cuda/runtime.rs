//! Devices, device buffers, transfers and kernel launches.

use super::emit::{Emitted, KERNEL_NAME, REDUCE_BLOCK};
use super::nvrtc;
use crate::array::{DynArray, DynView};
use crate::backend::{Executable, OutBuf};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{Func, Reduce};
use crate::options::CudaOptions;
use crate::runtime::bind::classify;
use crate::runtime::{Bound, Layout};
use cudarc::driver::{
    sys, CudaContext, CudaEvent, CudaFunction, CudaModule, CudaSlice, CudaStream, DevicePtr,
    LaunchConfig, PushKernelArg,
};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

fn driver_err(what: &str) -> impl Fn(cudarc::driver::DriverError) -> Error + '_ {
    move |e| Error::backend(format!("CUDA {what} failed: {e}"))
}

/// Runs a cudarc call that may panic (missing driver symbols) as a `Result`.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| Error::backend(format!("CUDA target unavailable: {what} failed")))
}

/// One CUDA device: its context, the stream nexpr works on, and loaded modules.
pub struct Device {
    pub ordinal: usize,
    pub name: String,
    /// Compute capability (major, minor).
    pub arch: (u32, u32),
    pub sms: u32,
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    modules: Mutex<HashMap<Arc<str>, Arc<CudaModule>>>,
    staging: Mutex<Option<Staging>>,
}

/// Transfers at least this large go through pinned staging buffers.
const STAGE_MIN: usize = 1 << 20;
/// Size of each of the two staging buffers.
const STAGE_CHUNK: usize = 16 << 20;

/// Two page-locked host buffers that large transfers go through in chunks, the copy of
/// one chunk overlapping the host-side copy of the other. Copies from and to pageable
/// memory are several times slower (the driver stages them itself, synchronously).
struct Staging {
    bufs: [*mut u8; 2],
    done: [CudaEvent; 2],
}

// SAFETY: the buffers are only touched under the device's `staging` mutex.
unsafe impl Send for Staging {}

impl Staging {
    fn new(ctx: &Arc<CudaContext>) -> Result<Staging> {
        ctx.bind_to_thread()
            .map_err(driver_err("cuCtxSetCurrent"))?;
        let mut bufs = [std::ptr::null_mut(); 2];
        for b in &mut bufs {
            // SAFETY: plain page-locked allocation (not write-combined: the host reads it).
            *b = unsafe { cudarc::driver::result::malloc_host(STAGE_CHUNK, 0) }
                .map_err(driver_err("cuMemHostAlloc"))? as *mut u8;
        }
        let ev = || ctx.new_event(None).map_err(driver_err("cuEventCreate"));
        Ok(Staging {
            bufs,
            done: [ev()?, ev()?],
        })
    }

    fn buf(&mut self, k: usize, len: usize) -> &mut [u8] {
        // SAFETY: each buffer holds STAGE_CHUNK bytes and `len <= STAGE_CHUNK`.
        unsafe { std::slice::from_raw_parts_mut(self.bufs[k], len) }
    }
}

static DEVICES: OnceLock<Mutex<HashMap<usize, Arc<Device>>>> = OnceLock::new();

/// The device numbered `ordinal`, initialized once per process.
pub fn device(ordinal: usize) -> Result<Arc<Device>> {
    let devices = DEVICES.get_or_init(Default::default);
    let mut map = devices.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = map.get(&ordinal) {
        return Ok(d.clone());
    }
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
    let d = Arc::new(Device {
        ordinal,
        name,
        arch: (major.max(0) as u32, minor.max(0) as u32),
        sms: sms.max(1) as u32,
        ctx,
        stream,
        modules: Mutex::new(HashMap::new()),
        staging: Mutex::new(None),
    });
    map.insert(ordinal, d.clone());
    Ok(d)
}

impl Device {
    fn options(&self, opts: &CudaOptions) -> nvrtc::Options {
        nvrtc::Options {
            arch: self.arch,
            fast_math: opts.fast_math,
        }
    }

    /// The kernel of `source`, compiled (NVRTC cache) and loaded (module cache).
    fn function(&self, source: &str, opts: &CudaOptions) -> Result<CudaFunction> {
        let ptx = nvrtc::compile_ptx(source, &self.options(opts))?;
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        let module = match modules.get(&ptx) {
            Some(m) => m.clone(),
            None => {
                let m = self
                    .ctx
                    .load_module(cudarc::nvrtc::Ptx::from_src(ptx.to_string()))
                    .map_err(driver_err("loading the PTX module"))?;
                modules.insert(ptx.clone(), m.clone());
                m
            }
        };
        module
            .load_function(KERNEL_NAME)
            .map_err(driver_err("cuModuleGetFunction"))
    }

    fn alloc(&self, bytes: usize) -> Result<CudaSlice<u8>> {
        // SAFETY: every byte is written (by a copy or a kernel) before it is read.
        unsafe { self.stream.alloc::<u8>(bytes.max(1)) }.map_err(driver_err("cuMemAlloc"))
    }

    fn upload_bytes(&self, bytes: &[u8]) -> Result<CudaSlice<u8>> {
        let mut d = self.alloc(bytes.len())?;
        if bytes.len() >= STAGE_MIN {
            let dst = self.ptr(&d);
            let mut guard = self.staging.lock().unwrap_or_else(|e| e.into_inner());
            let st = match &mut *guard {
                Some(st) => st,
                slot @ None => slot.insert(Staging::new(&self.ctx)?),
            };
            for (k, chunk) in bytes.chunks(STAGE_CHUNK).enumerate() {
                let j = k % 2;
                // The copy that last read this buffer must be done before it is refilled.
                st.done[j]
                    .synchronize()
                    .map_err(driver_err("cuEventSynchronize"))?;
                st.buf(j, chunk.len()).copy_from_slice(chunk);
                let off = (k * STAGE_CHUNK) as u64;
                // SAFETY: the device range lies inside `d`; the pinned source stays
                // untouched until `done[j]` says the copy has finished.
                unsafe {
                    cudarc::driver::result::memcpy_htod_async(
                        dst + off,
                        st.buf(j, chunk.len()),
                        self.stream.cu_stream(),
                    )
                }
                .map_err(driver_err("host-to-device copy"))?;
                st.done[j]
                    .record(&self.stream)
                    .map_err(driver_err("cuEventRecord"))?;
            }
        } else if !bytes.is_empty() {
            self.stream
                .memcpy_htod(bytes, &mut d)
                .map_err(driver_err("host-to-device copy"))?;
        }
        Ok(d)
    }

    /// Copies the first `dst.len()` bytes of `src` into `dst` and waits for them.
    fn download_bytes(&self, src: &CudaSlice<u8>, dst: &mut [u8]) -> Result<()> {
        if dst.is_empty() {
            return self.sync();
        }
        if dst.len() < STAGE_MIN {
            self.stream
                .memcpy_dtoh(&src.slice(..dst.len()), dst)
                .map_err(driver_err("device-to-host copy"))?;
            return self.sync();
        }
        let base = self.ptr(src);
        let mut guard = self.staging.lock().unwrap_or_else(|e| e.into_inner());
        let st = match &mut *guard {
            Some(st) => st,
            slot @ None => slot.insert(Staging::new(&self.ctx)?),
        };
        let n = dst.len();
        let chunks = n.div_ceil(STAGE_CHUNK);
        let range = |k: usize| (k * STAGE_CHUNK, ((k + 1) * STAGE_CHUNK).min(n));
        let issue = |st: &mut Staging, k: usize| -> Result<()> {
            let (lo, hi) = range(k);
            let j = k % 2;
            st.done[j]
                .synchronize()
                .map_err(driver_err("cuEventSynchronize"))?;
            // SAFETY: the device range lies inside `src`; the pinned buffer is not read
            // until `done[j]` says the copy has finished.
            unsafe {
                cudarc::driver::result::memcpy_dtoh_async(
                    st.buf(j, hi - lo),
                    base + lo as u64,
                    self.stream.cu_stream(),
                )
            }
            .map_err(driver_err("device-to-host copy"))?;
            st.done[j]
                .record(&self.stream)
                .map_err(driver_err("cuEventRecord"))
        };
        issue(st, 0)?;
        for k in 0..chunks {
            if k + 1 < chunks {
                issue(st, k + 1)?;
            }
            let (lo, hi) = range(k);
            st.done[k % 2]
                .synchronize()
                .map_err(driver_err("cuEventSynchronize"))?;
            dst[lo..hi].copy_from_slice(st.buf(k % 2, hi - lo));
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(driver_err("stream synchronize"))
    }

    fn ptr(&self, s: &CudaSlice<u8>) -> u64 {
        s.device_ptr(&self.stream).0
    }
}

/// Where the time of the last CUDA evaluation (on any thread) went: see
/// [`CudaTimings::last`].
///
/// ```no_run
/// use nexpr::{CudaTimings, Expr, Target, Vars};
/// let a = ndarray::Array1::<f64>::zeros(1 << 20);
/// Expr::parse("2*a")?.compile(Target::Cuda { device: 0 })?.eval(&Vars::new().with("a", &a))?;
/// let t = CudaTimings::last().expect("one CUDA evaluation ran");
/// println!("kernel {:.3} ms, {} bytes uploaded", t.kernel_s * 1e3, t.upload_bytes);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CudaTimings {
    /// Host-to-device copies of the inputs, seconds.
    pub upload_s: f64,
    /// The kernel itself (CUDA events), seconds.
    pub kernel_s: f64,
    /// Device-to-host copies of the results, seconds.
    pub download_s: f64,
    /// Bytes copied to the device.
    pub upload_bytes: usize,
    /// Bytes copied back to the host.
    pub download_bytes: usize,
    /// Elements computed.
    pub elements: usize,
}

static LAST: Mutex<Option<CudaTimings>> = Mutex::new(None);

/// The timings of the most recent CUDA evaluation in this process.
pub fn last_timings() -> Option<CudaTimings> {
    *LAST.lock().unwrap_or_else(|e| e.into_inner())
}

fn record(t: CudaTimings) {
    *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
}

/// One input as the kernel sees it.
struct Arg {
    ptr: u64,
    /// Element strides over the iteration shape (used where the layout is Strided).
    strides: Vec<isize>,
}

/// A compiled kernel for one input signature.
pub struct CudaExec {
    dev: Arc<Device>,
    func: CudaFunction,
    emitted: Emitted,
    layouts: Vec<Layout>,
    /// dtype of each elementwise output.
    out_types: Vec<DType>,
    /// `CudaOptions::blocks_per_sm`.
    blocks_per_sm: Option<u32>,
}

impl CudaExec {
    pub fn new(
        dev: Arc<Device>,
        f: &Func,
        layouts: &[Layout],
        emitted: Emitted,
        opts: &CudaOptions,
    ) -> Result<Self> {
        let func = dev.function(&emitted.source, opts)?;
        Ok(CudaExec {
            dev,
            func,
            emitted,
            layouts: layouts.to_vec(),
            out_types: f.outputs.iter().map(|&v| f.vars[v as usize].ty).collect(),
            blocks_per_sm: opts.blocks_per_sm,
        })
    }

    fn blocks(&self, n: usize, per_sm: u32) -> u32 {
        let per_sm = self.blocks_per_sm.filter(|&b| b > 0).unwrap_or(per_sm);
        let want = n.div_ceil(REDUCE_BLOCK as usize);
        want.min(self.dev.sms.saturating_mul(per_sm) as usize)
            .max(1) as u32
    }

    /// Launches over `n` elements of `shape`; `outs` are output pointers (or the one
    /// partials buffer of a fused reduction). `timed`: wait for the kernel and return
    /// its time in seconds; otherwise the launch may stay in flight (and 0 is returned)
    /// unless the kernel's error flag or temporary buffers need the wait anyway.
    fn launch(
        &self,
        n: usize,
        shape: &[usize],
        args: &[Arg],
        outs: &[u64],
        blocks: u32,
        timed: bool,
    ) -> Result<f64> {
        let dev = &self.dev;
        let geom = if self.emitted.uses_geom {
            let mut g: Vec<i64> = Vec::with_capacity(1 + shape.len() * (1 + args.len()));
            g.push(shape.len() as i64);
            g.extend(shape.iter().map(|&s| s as i64));
            for (a, l) in args.iter().zip(&self.layouts) {
                if *l == Layout::Strided {
                    g.extend(a.strides.iter().map(|&s| s as i64));
                }
            }
            let bytes: Vec<u8> = g.iter().flat_map(|v| v.to_ne_bytes()).collect();
            Some(dev.upload_bytes(&bytes)?)
        } else {
            None
        };
        let err = if self.emitted.uses_err {
            Some(dev.upload_bytes(&[0u8; 4])?)
        } else {
            None
        };
        let n_arg = n as i64;
        let geom_ptr = geom.as_ref().map_or(0, |g| dev.ptr(g));
        let err_ptr = err.as_ref().map_or(0, |e| dev.ptr(e));
        let ptrs: Vec<u64> = args
            .iter()
            .map(|a| a.ptr)
            .chain(outs.iter().copied())
            .collect();
        let wait = timed || err.is_some() || (geom.is_some() && !dev.ctx.has_async_alloc());
        let timing = |what| {
            dev.ctx
                .new_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
                .map_err(driver_err(what))
        };
        let events: Option<(CudaEvent, CudaEvent)> = if wait {
            let ev = (timing("cuEventCreate")?, timing("cuEventCreate")?);
            ev.0.record(&dev.stream)
                .map_err(driver_err("cuEventRecord"))?;
            Some(ev)
        } else {
            None
        };
        {
            let mut b = dev.stream.launch_builder(&self.func);
            b.arg(&n_arg).arg(&geom_ptr).arg(&err_ptr);
            for p in &ptrs {
                b.arg(p);
            }
            let cfg = LaunchConfig {
                grid_dim: (blocks, 1, 1),
                block_dim: (REDUCE_BLOCK, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: the arguments match the kernel's parameters in number and type
            // (n, geom, err, one pointer per input, then the outputs), every pointer
            // covers the elements the kernel addresses, and the buffers outlive the
            // kernel (the caller's until it synchronizes; `geom` and `err` are freed in
            // stream order or after the wait below).
            unsafe { b.launch(cfg) }.map_err(driver_err("kernel launch"))?;
        }
        let Some((start, stop)) = events else {
            return Ok(0.0);
        };
        stop.record(&dev.stream)
            .map_err(driver_err("cuEventRecord"))?;
        stop.synchronize().map_err(driver_err("kernel execution"))?;
        let ms = start
            .elapsed_ms(&stop)
            .map_err(driver_err("cuEventElapsedTime"))?;
        if let Some(e) = &err {
            let mut flag = [0u8; 4];
            dev.stream
                .memcpy_dtoh(e, &mut flag[..])
                .map_err(driver_err("device-to-host copy"))?;
            dev.sync()?;
            if i32::from_ne_bytes(flag) != 0 {
                return Err(Error::eval(crate::value::NEG_INT_POW));
            }
        }
        drop(geom);
        Ok(ms as f64 * 1e-3)
    }
}

/// The element span `[lo, hi]` (in elements, relative to the view's first element)
/// that iterating `shape` with `strides` touches.
fn span(shape: &[usize], strides: &[isize]) -> (isize, isize) {
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &s) in shape.iter().zip(strides) {
        if n == 0 {
            return (0, 0);
        }
        let ext = (n as isize - 1) * s;
        if ext < 0 {
            lo += ext;
        } else {
            hi += ext;
        }
    }
    (lo, hi)
}

/// Uploads what the kernel reads of `view`; returns the buffer and the device pointer of
/// the view's first element.
fn upload_view(
    dev: &Device,
    view: &DynView,
    shape: &[usize],
    strides: &[isize],
    layout: Layout,
) -> Result<(CudaSlice<u8>, u64)> {
    let size = view.dtype().size() as isize;
    let (lo, hi) = match layout {
        Layout::Scalar => (0, 0),
        Layout::Contiguous => (0, shape.iter().product::<usize>() as isize - 1),
        Layout::Strided => span(shape, strides),
    };
    let bytes = ((hi - lo + 1) * size) as usize;
    // SAFETY: every element at offsets lo..=hi from the first element belongs to the
    // array the view borrows from (the view's strides reach them).
    let host = unsafe { std::slice::from_raw_parts(view.as_ptr().offset(lo * size), bytes) };
    let buf = dev.upload_bytes(host)?;
    let ptr = dev.ptr(&buf) + (-lo * size) as u64;
    Ok((buf, ptr))
}

impl Executable for CudaExec {
    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()> {
        let n = bound.len();
        crate::backend::check_outputs(outputs, n, &self.out_types)?;
        if n == 0 {
            return Ok(());
        }
        let dev = &self.dev;
        let t0 = Instant::now();
        let mut keep = Vec::new();
        let mut args = Vec::new();
        let mut up_bytes = 0;
        for inp in &bound.inputs {
            let (buf, ptr) = upload_view(dev, &inp.view, &bound.shape, &inp.strides, inp.layout)?;
            up_bytes += buf.len();
            keep.push(buf);
            args.push(Arg {
                ptr,
                strides: inp.strides.clone(),
            });
        }
        let outs: Vec<CudaSlice<u8>> = self
            .out_types
            .iter()
            .map(|t| dev.alloc(n * t.size()))
            .collect::<Result<_>>()?;
        dev.sync()?;
        let upload_s = t0.elapsed().as_secs_f64();
        let out_ptrs: Vec<u64> = outs.iter().map(|o| dev.ptr(o)).collect();
        let kernel_s = self.launch(n, &bound.shape, &args, &out_ptrs, self.blocks(n, 32), true)?;
        let t1 = Instant::now();
        let mut down_bytes = 0;
        for (o, d) in outputs.iter().zip(&outs) {
            let bytes = o.len * o.dtype.size();
            if bytes == 0 {
                continue;
            }
            // SAFETY: an OutBuf is `len` writable elements of `dtype`, owned by the caller.
            let host = unsafe { std::slice::from_raw_parts_mut(o.ptr, bytes) };
            dev.download_bytes(d, host)?;
            down_bytes += bytes;
        }
        dev.sync()?;
        drop(keep);
        record(CudaTimings {
            upload_s,
            kernel_s,
            download_s: t1.elapsed().as_secs_f64(),
            upload_bytes: up_bytes,
            download_bytes: down_bytes,
            elements: n,
        });
        Ok(())
    }

    fn run_reduce(&self, bound: &Bound, r: Reduce) -> Option<Result<DynArray>> {
        self.emitted.reduce?;
        Some(self.reduce_host(bound, r))
    }
}

impl CudaExec {
    fn reduce_host(&self, bound: &Bound, r: Reduce) -> Result<DynArray> {
        let n = bound.len();
        let dev = &self.dev;
        let blocks = self.blocks(n, 8);
        let mut partials = DynArray::zeros(r.ty, &[if n == 0 { 0 } else { blocks as usize }]);
        if n > 0 {
            let t0 = Instant::now();
            let mut keep = Vec::new();
            let mut args = Vec::new();
            let mut up_bytes = 0;
            for inp in &bound.inputs {
                let (buf, ptr) =
                    upload_view(dev, &inp.view, &bound.shape, &inp.strides, inp.layout)?;
                up_bytes += buf.len();
                keep.push(buf);
                args.push(Arg {
                    ptr,
                    strides: inp.strides.clone(),
                });
            }
            let bytes = blocks as usize * r.ty.size();
            let part = dev.alloc(bytes)?;
            dev.sync()?;
            let upload_s = t0.elapsed().as_secs_f64();
            let kernel_s = self.launch(n, &bound.shape, &args, &[dev.ptr(&part)], blocks, true)?;
            let t1 = Instant::now();
            let host = OutBuf::of(&mut partials);
            // SAFETY: `partials` holds `blocks` elements of `r.ty`: `bytes` bytes.
            let hs = unsafe { std::slice::from_raw_parts_mut(host.ptr, bytes) };
            dev.stream
                .memcpy_dtoh(&part, hs)
                .map_err(driver_err("device-to-host copy"))?;
            dev.sync()?;
            record(CudaTimings {
                upload_s,
                kernel_s,
                download_s: t1.elapsed().as_secs_f64(),
                upload_bytes: up_bytes,
                download_bytes: bytes,
                elements: n,
            });
        }
        // The per-block partials are combined on the host with the reduction's own
        // semantics (and its error for an empty min/max).
        crate::runtime::reduce::reduce(&partials, Reduce { axis: None, ..r })
    }
}

// ---------------------------------------------------------------------------------
// Device-resident arrays

/// A C-contiguous array in device memory, made by a [`DeviceSession`] (`upload`,
/// `zeros`) and read back with its `download`.
///
/// ```no_run
/// let s = nexpr::DeviceSession::new(0)?;
/// let d = s.zeros(nexpr::DType::F32, &[2, 3])?;
/// assert_eq!((d.dtype(), d.shape(), d.len()), (nexpr::DType::F32, &[2, 3][..], 6));
/// # Ok::<(), nexpr::Error>(())
/// ```
pub struct DeviceArray {
    buf: CudaSlice<u8>,
    dtype: DType,
    shape: Vec<usize>,
    device: usize,
}

impl DeviceArray {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// The shape (empty for a 0-d array).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a launch needs of a device array (so that one array can be both read and
/// written by an in-place evaluation).
#[derive(Clone, Copy)]
struct DevRef<'a> {
    ptr: u64,
    dtype: DType,
    shape: &'a [usize],
    device: usize,
}

impl DeviceArray {
    fn as_ref(&self) -> DevRef<'_> {
        DevRef {
            ptr: self.buf.device_ptr(self.buf.stream()).0,
            dtype: self.dtype,
            shape: &self.shape,
            device: self.device,
        }
    }
}

impl std::fmt::Debug for DeviceArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceArray")
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("device", &self.device)
            .finish()
    }
}

type SessionKey = (String, Vec<(DType, Layout)>);

/// Evaluation with arrays kept on one device between calls: upload once, run many
/// kernels over device arrays, download the results at the end.
///
/// ```no_run
/// use nexpr::{DeviceSession, Expr, Target};
/// let s = DeviceSession::new(0)?;
/// let a = s.upload(&ndarray::Array1::<f64>::linspace(0.0, 1.0, 1000))?;
/// let mut out = s.zeros(nexpr::DType::F64, &[1000])?;
/// let k = Expr::parse("2*a + 1")?.compile(Target::Cuda { device: 0 })?;
/// s.eval_into_device(&k, &[("a", &a)], &mut out)?;
/// let host = s.download(&out)?;
/// # Ok::<(), nexpr::Error>(())
/// ```
pub struct DeviceSession {
    dev: Arc<Device>,
    timing: std::sync::atomic::AtomicBool,
    cache: Mutex<HashMap<SessionKey, Arc<(Func, CudaExec)>>>,
}

impl DeviceSession {
    /// A session on CUDA device number `device`; an [`crate::ErrorKind::Backend`]
    /// error where NVRTC, the driver or the device is missing.
    pub fn new(device: usize) -> Result<DeviceSession> {
        nvrtc::probe()?;
        Ok(DeviceSession {
            dev: self::device(device)?,
            timing: std::sync::atomic::AtomicBool::new(false),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Timed mode: every evaluation waits for its kernel and records the kernel time
    /// (see [`CudaTimings::last`]). Off by default: launches then queue up on the device and
    /// only a download (or [`DeviceSession::synchronize`]) waits for them.
    pub fn set_timing(&self, on: bool) {
        self.timing.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Waits for every queued evaluation.
    pub fn synchronize(&self) -> Result<()> {
        self.dev.sync()
    }

    /// The device's name, e.g. "NVIDIA H100 80GB HBM3".
    pub fn device_name(&self) -> &str {
        &self.dev.name
    }

    /// Copies an array (any layout) to the device, C-contiguous.
    pub fn upload<'a>(&self, a: impl Into<DynView<'a>>) -> Result<DeviceArray> {
        let v: DynView = a.into();
        let shape = v.shape().to_vec();
        // `to_owned` keeps a Fortran-order view's order: ask for C order explicitly.
        let c_order = match &v {
            DynView::Bool(a) => DynArray::Bool(a.as_standard_layout().into_owned()),
            DynView::I32(a) => DynArray::I32(a.as_standard_layout().into_owned()),
            DynView::I64(a) => DynArray::I64(a.as_standard_layout().into_owned()),
            DynView::F32(a) => DynArray::F32(a.as_standard_layout().into_owned()),
            DynView::F64(a) => DynArray::F64(a.as_standard_layout().into_owned()),
            DynView::C64(a) => DynArray::C64(a.as_standard_layout().into_owned()),
            DynView::C128(a) => DynArray::C128(a.as_standard_layout().into_owned()),
        };
        let view = c_order.view();
        let n: usize = shape.iter().product();
        let bytes = n * v.dtype().size();
        // SAFETY: `to_owned` gives a standard-layout array of exactly `n` elements.
        let host = unsafe { std::slice::from_raw_parts(view.as_ptr(), bytes) };
        let buf = self.dev.upload_bytes(host)?;
        self.dev.sync()?;
        Ok(DeviceArray {
            buf,
            dtype: v.dtype(),
            shape,
            device: self.dev.ordinal,
        })
    }

    /// A device array of zeros.
    pub fn zeros(&self, dtype: DType, shape: &[usize]) -> Result<DeviceArray> {
        let n: usize = shape.iter().product();
        let mut buf = self.dev.alloc(n * dtype.size())?;
        self.dev
            .stream
            .memset_zeros(&mut buf)
            .map_err(driver_err("cuMemset"))?;
        Ok(DeviceArray {
            buf,
            dtype,
            shape: shape.to_vec(),
            device: self.dev.ordinal,
        })
    }

    /// Copies a device array back to the host.
    pub fn download(&self, d: &DeviceArray) -> Result<DynArray> {
        self.check(d)?;
        let mut out = DynArray::zeros(d.dtype, &d.shape);
        let bytes = d.len() * d.dtype.size();
        if bytes > 0 {
            let o = OutBuf::of(&mut out);
            // SAFETY: `out` is a fresh C-contiguous array of exactly `bytes` bytes.
            let host = unsafe { std::slice::from_raw_parts_mut(o.ptr, bytes) };
            self.dev.download_bytes(&d.buf, host)?;
        }
        self.dev.sync()?;
        Ok(out)
    }

    fn check(&self, d: &DeviceArray) -> Result<()> {
        self.check_ref(&d.as_ref())
    }

    fn check_ref(&self, d: &DevRef) -> Result<()> {
        if d.device != self.dev.ordinal {
            return Err(Error::backend(format!(
                "array lives on CUDA device {}, the session on {}",
                d.device, self.dev.ordinal
            )));
        }
        Ok(())
    }

    /// Evaluates `kernel` (an expression or a one-output program) over device arrays
    /// into the device array `out`, which must have the result's dtype and shape. Only
    /// the kernel runs: nothing is copied between host and device.
    pub fn eval_into_device(
        &self,
        kernel: &crate::Kernel,
        inputs: &[(&str, &DeviceArray)],
        out: &mut DeviceArray,
    ) -> Result<()> {
        self.run_device(kernel, inputs, &mut [out])
    }

    /// Like [`DeviceSession::eval_into_device`], for programs with several outputs
    /// (in `kernel.output_names()` order).
    pub fn run_device(
        &self,
        kernel: &crate::Kernel,
        inputs: &[(&str, &DeviceArray)],
        outs: &mut [&mut DeviceArray],
    ) -> Result<()> {
        let ins: Vec<(&str, DevRef)> = inputs.iter().map(|(n, a)| (*n, a.as_ref())).collect();
        let outs: Vec<DevRef> = outs.iter().map(|o| o.as_ref()).collect();
        self.run_refs(kernel, &ins, &outs)
    }

    /// Evaluates `kernel` with `target` bound as the variable `name` and overwrites
    /// `target` with the result (`z = z*z + c` without a second buffer). The result must
    /// have `target`'s dtype and shape; then every element is read and written by the
    /// same thread, so updating in place is safe.
    pub fn eval_in_place(
        &self,
        kernel: &crate::Kernel,
        inputs: &[(&str, &DeviceArray)],
        name: &str,
        target: &mut DeviceArray,
    ) -> Result<()> {
        let mut ins: Vec<(&str, DevRef)> = inputs
            .iter()
            .filter(|(n, _)| *n != name)
            .map(|(n, a)| (*n, a.as_ref()))
            .collect();
        ins.push((name, target.as_ref()));
        self.run_refs(kernel, &ins, &[target.as_ref()])
    }

    fn run_refs(
        &self,
        kernel: &crate::Kernel,
        inputs: &[(&str, DevRef)],
        outs: &[DevRef],
    ) -> Result<()> {
        let names = kernel.input_names();
        let mut arrays = Vec::with_capacity(names.len());
        for name in names {
            let a = inputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| a)
                .ok_or_else(|| {
                    Error::new(crate::ErrorKind::Name, format!("unknown variable `{name}`"))
                })?;
            self.check_ref(a)?;
            arrays.push(a);
        }
        let shape = crate::runtime::bind::broadcast_shapes(
            names
                .iter()
                .zip(&arrays)
                .map(|(n, a)| (n.as_str(), a.shape)),
        )?;
        let strides: Vec<Vec<isize>> = arrays
            .iter()
            .map(|a| broadcast_strides(a.shape, &shape))
            .collect();
        let key: SessionKey = (
            format!("{kernel:?}"),
            arrays
                .iter()
                .zip(&strides)
                .map(|(a, s)| (a.dtype, classify(&shape, s)))
                .collect(),
        );
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        let prepared = match cached {
            Some(p) => p,
            None => {
                let mut vars = crate::Vars::new();
                for (n, a) in names.iter().zip(&arrays) {
                    vars.insert_owned(n, DynArray::zeros(a.dtype, &[]));
                }
                let func = kernel.typed_ir(&vars)?;
                if func.reduce.is_some() {
                    return Err(Error::new(
                        crate::ErrorKind::Usage,
                        "reductions return host arrays: evaluate them with Kernel::eval",
                    ));
                }
                let layouts: Vec<Layout> = key.1.iter().map(|k| k.1).collect();
                let em = super::emit::emit(&func, &layouts)?;
                let exec = CudaExec::new(
                    self.dev.clone(),
                    &func,
                    &layouts,
                    em,
                    &kernel.options().cuda,
                )?;
                let p = Arc::new((func, exec));
                self.cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, p.clone());
                p
            }
        };
        let (func, exec) = &*prepared;
        let types = func.output_types();
        if outs.len() != types.len() {
            return Err(Error::new(
                crate::ErrorKind::Usage,
                format!("{} output arrays for {} outputs", outs.len(), types.len()),
            ));
        }
        for (o, &t) in outs.iter().zip(&types) {
            self.check_ref(o)?;
            if o.dtype != t || o.shape != shape.as_slice() {
                return Err(Error::new(
                    crate::ErrorKind::Shape,
                    format!(
                        "output array is {} {:?}, the result is {t} {shape:?}",
                        o.dtype, o.shape
                    ),
                ));
            }
        }
        let n: usize = shape.iter().product();
        if n == 0 {
            return Ok(());
        }
        let args: Vec<Arg> = arrays
            .iter()
            .zip(strides)
            .map(|(a, s)| Arg {
                ptr: a.ptr,
                strides: s,
            })
            .collect();
        let out_ptrs: Vec<u64> = outs.iter().map(|o| o.ptr).collect();
        let timed = self.timing.load(std::sync::atomic::Ordering::Relaxed);
        let kernel_s = exec.launch(n, &shape, &args, &out_ptrs, exec.blocks(n, 32), timed)?;
        if timed {
            record(CudaTimings {
                kernel_s,
                elements: n,
                ..Default::default()
            });
        }
        Ok(())
    }
}

/// Element strides of a C-contiguous array of `shape` broadcast to `to`.
fn broadcast_strides(shape: &[usize], to: &[usize]) -> Vec<isize> {
    let mut own = vec![0isize; shape.len()];
    let mut s = 1isize;
    for d in (0..shape.len()).rev() {
        own[d] = s;
        s *= shape[d] as isize;
    }
    crate::runtime::bind::broadcast_strides(shape, &own, to)
}
