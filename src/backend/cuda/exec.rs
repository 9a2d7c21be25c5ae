//! A compiled kernel for one input signature and its launches: grid sizes, the
//! shape/stride table and error flag the kernel may need, host-array evaluations
//! (upload, launch, download) and fused reductions (per-block partials on the device,
//! combined on the host).

use super::caches::CudaCaches;
use super::device::{driver_err, Device};
use super::emit::{Emitted, REDUCE_BLOCK};
use super::timings::CudaTimings;
use super::transfer::upload_view;
use crate::array::DynArray;
use crate::backend::{Executable, OutBuf};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{Func, Reduce};
use crate::options::CudaOptions;
use crate::runtime::{Bound, Layout};
use cudarc::driver::{sys, CudaEvent, CudaFunction, CudaSlice, LaunchConfig, PushKernelArg};
use std::sync::Arc;
use std::time::Instant;

/// Resident blocks per multiprocessor of elementwise launches, unless
/// `CudaOptions::blocks_per_sm` says otherwise.
pub(super) const BLOCKS_PER_SM: u32 = 32;
/// The same for fused reductions (fewer partials to combine on the host).
const REDUCE_BLOCKS_PER_SM: u32 = 8;

/// One input as the kernel sees it.
pub(super) struct Arg {
    pub ptr: u64,
    /// Element strides over the iteration shape (used where the layout is Strided).
    pub strides: Vec<isize>,
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

/// Host inputs copied to the device for one evaluation.
struct Uploaded {
    /// The device buffers, kept alive until the kernel is done with them.
    _bufs: Vec<CudaSlice<u8>>,
    args: Vec<Arg>,
    bytes: usize,
}

impl CudaExec {
    pub(super) fn new(
        caches: &CudaCaches,
        dev: Arc<Device>,
        f: &Func,
        layouts: &[Layout],
        emitted: Emitted,
        opts: &CudaOptions,
    ) -> Result<Self> {
        let func = caches.function(&dev, &emitted.source, opts)?;
        Ok(CudaExec {
            dev,
            func,
            emitted,
            layouts: layouts.to_vec(),
            out_types: f.outputs.iter().map(|&v| f.vars[v as usize].ty).collect(),
            blocks_per_sm: opts.blocks_per_sm,
        })
    }

    /// Grid size for `n` elements: enough blocks to cover them, at most `per_sm` (or
    /// the option's count) resident blocks per multiprocessor.
    pub(super) fn blocks(&self, n: usize, per_sm: u32) -> u32 {
        let per_sm = self.blocks_per_sm.filter(|&b| b > 0).unwrap_or(per_sm);
        let want = n.div_ceil(REDUCE_BLOCK as usize);
        want.min(self.dev.sms.saturating_mul(per_sm) as usize)
            .max(1) as u32
    }

    /// The shape/stride table of a kernel that addresses inputs through it: the rank,
    /// the shape, then the strides of each strided input.
    fn geometry(&self, shape: &[usize], args: &[Arg]) -> Result<Option<CudaSlice<u8>>> {
        if !self.emitted.uses_geom {
            return Ok(None);
        }
        let mut g: Vec<i64> = Vec::with_capacity(1 + shape.len() * (1 + args.len()));
        g.push(shape.len() as i64);
        g.extend(shape.iter().map(|&s| s as i64));
        for (a, l) in args.iter().zip(&self.layouts) {
            if *l == Layout::Strided {
                g.extend(a.strides.iter().map(|&s| s as i64));
            }
        }
        let bytes: Vec<u8> = g.iter().flat_map(|v| v.to_ne_bytes()).collect();
        Ok(Some(self.dev.upload_bytes(&bytes)?))
    }

    fn event_now(&self) -> Result<CudaEvent> {
        let ev = self
            .dev
            .ctx
            .new_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
            .map_err(driver_err("cuEventCreate"))?;
        ev.record(&self.dev.stream)
            .map_err(driver_err("cuEventRecord"))?;
        Ok(ev)
    }

    /// Launches over `n` elements of `shape`; `outs` are output pointers (or the one
    /// partials buffer of a fused reduction). `timed`: wait for the kernel and return
    /// its time in seconds; otherwise the launch may stay in flight (and 0 is returned)
    /// unless the kernel's error flag or temporary buffers need the wait anyway.
    pub(super) fn launch(
        &self,
        n: usize,
        shape: &[usize],
        args: &[Arg],
        outs: &[u64],
        blocks: u32,
        timed: bool,
    ) -> Result<f64> {
        let dev = &self.dev;
        let geom = self.geometry(shape, args)?;
        let err = if self.emitted.uses_err {
            Some(dev.upload_bytes(&[0u8; 4])?)
        } else {
            None
        };
        let wait = timed || err.is_some() || (geom.is_some() && !dev.ctx.has_async_alloc());
        let start = if wait { Some(self.event_now()?) } else { None };
        let ptrs: Vec<u64> = args
            .iter()
            .map(|a| a.ptr)
            .chain(outs.iter().copied())
            .collect();
        let geom_ptr = geom.as_ref().map_or(0, |g| dev.ptr(g));
        let err_ptr = err.as_ref().map_or(0, |e| dev.ptr(e));
        self.enqueue(n, geom_ptr, err_ptr, &ptrs, blocks)?;
        let Some(start) = start else {
            return Ok(0.0);
        };
        let stop = self.event_now()?;
        stop.synchronize().map_err(driver_err("kernel execution"))?;
        let ms = start
            .elapsed_ms(&stop)
            .map_err(driver_err("cuEventElapsedTime"))?;
        if let Some(e) = &err {
            self.check_error_flag(e)?;
        }
        drop(geom);
        Ok(ms as f64 * 1e-3)
    }

    fn enqueue(&self, n: usize, geom: u64, err: u64, ptrs: &[u64], blocks: u32) -> Result<()> {
        let n_arg = n as i64;
        let mut b = self.dev.stream.launch_builder(&self.func);
        b.arg(&n_arg).arg(&geom).arg(&err);
        for p in ptrs {
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
        // stream order or after the wait in `launch`).
        unsafe { b.launch(cfg) }.map_err(driver_err("kernel launch"))?;
        Ok(())
    }

    /// The kernel raises its error flag for an integer raised to a negative power.
    fn check_error_flag(&self, flag_buf: &CudaSlice<u8>) -> Result<()> {
        let mut flag = [0u8; 4];
        self.dev
            .stream
            .memcpy_dtoh(flag_buf, &mut flag[..])
            .map_err(driver_err("device-to-host copy"))?;
        self.dev.sync()?;
        if i32::from_ne_bytes(flag) != 0 {
            return Err(Error::eval(crate::value::NEG_INT_POW));
        }
        Ok(())
    }

    /// Copies what the kernel reads of every input to the device.
    fn upload_inputs(&self, bound: &Bound) -> Result<Uploaded> {
        let mut up = Uploaded {
            _bufs: Vec::with_capacity(bound.inputs.len()),
            args: Vec::with_capacity(bound.inputs.len()),
            bytes: 0,
        };
        for inp in &bound.inputs {
            let (buf, ptr) =
                upload_view(&self.dev, &inp.view, &bound.shape, &inp.strides, inp.layout)?;
            up.bytes += buf.len();
            up._bufs.push(buf);
            up.args.push(Arg {
                ptr,
                strides: inp.strides.clone(),
            });
        }
        Ok(up)
    }

    /// [`Executable::run`], returning where the time went.
    pub fn run_timed(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<CudaTimings> {
        let n = bound.len();
        crate::backend::check_outputs(outputs, n, &self.out_types)?;
        if n == 0 {
            return Ok(CudaTimings::default());
        }
        let dev = &self.dev;
        let t0 = Instant::now();
        let up = self.upload_inputs(bound)?;
        let outs: Vec<CudaSlice<u8>> = self
            .out_types
            .iter()
            .map(|t| dev.alloc(n * t.size()))
            .collect::<Result<_>>()?;
        dev.sync()?;
        let upload_s = t0.elapsed().as_secs_f64();
        let out_ptrs: Vec<u64> = outs.iter().map(|o| dev.ptr(o)).collect();
        let blocks = self.blocks(n, BLOCKS_PER_SM);
        let kernel_s = self.launch(n, &bound.shape, &up.args, &out_ptrs, blocks, true)?;
        let t1 = Instant::now();
        let mut download_bytes = 0;
        for (o, d) in outputs.iter().zip(&outs) {
            let bytes = o.len * o.dtype.size();
            if bytes == 0 {
                continue;
            }
            // SAFETY: an OutBuf is `len` writable elements of `dtype`, owned by the caller.
            let host = unsafe { std::slice::from_raw_parts_mut(o.ptr, bytes) };
            dev.download_bytes(d, host)?;
            download_bytes += bytes;
        }
        dev.sync()?;
        let upload_bytes = up.bytes;
        drop(up);
        Ok(CudaTimings {
            upload_s,
            kernel_s,
            download_s: t1.elapsed().as_secs_f64(),
            upload_bytes,
            download_bytes,
            elements: n,
        })
    }

    /// [`Executable::run_reduce`], returning where the time went; `None` where the
    /// kernel has no fused reduction.
    pub fn reduce_timed(
        &self,
        bound: &Bound,
        r: Reduce,
    ) -> Option<Result<(DynArray, CudaTimings)>> {
        self.emitted.reduce?;
        Some(self.reduce_fused(bound, r))
    }

    fn reduce_fused(&self, bound: &Bound, r: Reduce) -> Result<(DynArray, CudaTimings)> {
        let n = bound.len();
        let blocks = self.blocks(n, REDUCE_BLOCKS_PER_SM);
        let mut partials = DynArray::try_zeros(r.ty, &[if n == 0 { 0 } else { blocks as usize }])?;
        let timings = if n > 0 {
            self.partials_into(bound, blocks, &mut partials)?
        } else {
            CudaTimings::default()
        };
        // The per-block partials are combined on the host with the reduction's own
        // semantics (and its error for an empty min/max).
        let total = crate::runtime::reduce::reduce(&partials, Reduce { axis: None, ..r })?;
        Ok((total, timings))
    }

    /// Runs the reduction kernel over `bound` (not empty) and copies its per-block
    /// partial results into `partials` (`blocks` elements).
    fn partials_into(
        &self,
        bound: &Bound,
        blocks: u32,
        partials: &mut DynArray,
    ) -> Result<CudaTimings> {
        let n = bound.len();
        let dev = &self.dev;
        let t0 = Instant::now();
        let up = self.upload_inputs(bound)?;
        let bytes = blocks as usize * partials.dtype().size();
        let part = dev.alloc(bytes)?;
        dev.sync()?;
        let upload_s = t0.elapsed().as_secs_f64();
        let kernel_s = self.launch(n, &bound.shape, &up.args, &[dev.ptr(&part)], blocks, true)?;
        let t1 = Instant::now();
        let host = OutBuf::of(partials);
        // SAFETY: `partials` holds `blocks` elements of its dtype: `bytes` bytes.
        let hs = unsafe { std::slice::from_raw_parts_mut(host.ptr, bytes) };
        dev.stream
            .memcpy_dtoh(&part, hs)
            .map_err(driver_err("device-to-host copy"))?;
        dev.sync()?;
        Ok(CudaTimings {
            upload_s,
            kernel_s,
            download_s: t1.elapsed().as_secs_f64(),
            upload_bytes: up.bytes,
            download_bytes: bytes,
            elements: n,
        })
    }
}

impl Executable for CudaExec {
    fn as_cuda(&self) -> Option<&CudaExec> {
        Some(self)
    }

    fn run(&self, bound: &Bound, outputs: &[OutBuf]) -> Result<()> {
        self.run_timed(bound, outputs).map(drop)
    }

    fn run_reduce(&self, bound: &Bound, r: Reduce) -> Option<Result<DynArray>> {
        self.reduce_timed(bound, r).map(|res| res.map(|(a, _)| a))
    }
}
