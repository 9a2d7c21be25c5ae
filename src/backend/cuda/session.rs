//! `DeviceSession`: evaluation on one device with arrays that stay there between
//! calls, and timed evaluation of host arrays.
//!
//! A session runs kernels compiled for its device (`Target::Cuda { device }` with the
//! session's ordinal) and uses the kernel's own compile cache: the specialization for a
//! signature of device arrays is the one `Kernel::eval` uses for host arrays of the
//! same dtypes and layouts. A kernel compiled for another target is refused with a
//! usage error rather than recompiled behind the caller's back.

use super::device::{self, driver_err, Device};
use super::device_array::{broadcast_strides, DevRef, DeviceArray};
use super::exec::{Arg, CudaExec, BLOCKS_PER_SM};
use super::nvrtc;
use super::timings::CudaTimings;
use crate::api::{write_outputs, Kernel, Prepared, Target};
use crate::array::{DynArray, DynView, Vars};
use crate::backend::OutBuf;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::Func;
use crate::runtime::bind::classify;
use crate::runtime::broadcast::broadcast_named;
use crate::runtime::{Bound, Layout};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    timing: AtomicBool,
    last: Mutex<Option<CudaTimings>>,
}

/// Device arrays bound to a kernel's inputs.
struct BoundRefs<'a> {
    arrays: Vec<DevRef<'a>>,
    shape: Vec<usize>,
    /// Element strides of each array over `shape`.
    strides: Vec<Vec<isize>>,
}

impl DeviceSession {
    /// A session on CUDA device number `device`; an [`crate::ErrorKind::Backend`]
    /// error where NVRTC, the driver or the device is missing.
    pub fn new(device: usize) -> Result<DeviceSession> {
        nvrtc::probe()?;
        Ok(DeviceSession {
            dev: device::device(device)?,
            timing: AtomicBool::new(false),
            last: Mutex::new(None),
        })
    }

    /// Timed mode: every evaluation over device arrays waits for its kernel and records
    /// the kernel time (see [`DeviceSession::last_timings`]). Off by default: launches
    /// then queue up on the device and only a download (or
    /// [`DeviceSession::synchronize`]) waits for them.
    pub fn set_timing(&self, on: bool) {
        self.timing.store(on, Ordering::Relaxed);
    }

    /// Where the time of this session's latest timed evaluation went: every
    /// [`DeviceSession::eval`] or [`DeviceSession::run`] of host arrays (uploads,
    /// kernel, downloads), and evaluations over device arrays in timed mode (the
    /// kernel alone). `None` before the first.
    pub fn last_timings(&self) -> Option<CudaTimings> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, t: CudaTimings) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
    }

    /// Waits for every queued evaluation.
    pub fn synchronize(&self) -> Result<()> {
        self.dev.sync()
    }

    /// The device's name, e.g. "NVIDIA H100 80GB HBM3".
    pub fn device_name(&self) -> &str {
        &self.dev.name
    }

    /// The device's ordinal.
    pub fn device(&self) -> usize {
        self.dev.ordinal
    }

    /// Copies an array (any layout) to the device, C-contiguous.
    pub fn upload<'a>(&self, a: impl Into<DynView<'a>>) -> Result<DeviceArray> {
        let v: DynView = a.into();
        let shape = v.shape().to_vec();
        let c_order = c_order_copy(&v)?;
        let view = c_order.view();
        let n: usize = shape.iter().product();
        let bytes = n * v.dtype().size();
        // SAFETY: `c_order_copy` gives a standard-layout array of exactly `n` elements.
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
        self.check_ref(&d.as_ref())?;
        let mut out = DynArray::try_zeros(d.dtype, &d.shape)?;
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
        kernel: &Kernel,
        inputs: &[(&str, &DeviceArray)],
        out: &mut DeviceArray,
    ) -> Result<()> {
        self.run_device(kernel, inputs, &mut [out])
    }

    /// Like [`DeviceSession::eval_into_device`], for programs with several outputs
    /// (in `kernel.output_names()` order).
    pub fn run_device(
        &self,
        kernel: &Kernel,
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
        kernel: &Kernel,
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

    /// The kernel's inputs looked up in `inputs`, broadcast together.
    fn bind_refs<'a>(
        &self,
        kernel: &Kernel,
        inputs: &[(&str, DevRef<'a>)],
    ) -> Result<BoundRefs<'a>> {
        let names = kernel.input_names();
        let mut arrays = Vec::with_capacity(names.len());
        for name in names {
            let a = inputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| *a)
                .ok_or_else(|| Error::new(ErrorKind::Name, format!("unknown variable `{name}`")))?;
            self.check_ref(&a)?;
            arrays.push(a);
        }
        let shape = broadcast_named(
            names
                .iter()
                .zip(&arrays)
                .map(|(n, a)| (n.as_str(), a.shape)),
        )?;
        let strides = arrays
            .iter()
            .map(|a| broadcast_strides(a.shape, &shape))
            .collect();
        Ok(BoundRefs {
            arrays,
            shape,
            strides,
        })
    }

    /// Ok when `outs` are on this device and have the dtypes of `func`'s outputs and
    /// the shape `shape`.
    fn check_outputs(&self, func: &Func, outs: &[DevRef], shape: &[usize]) -> Result<()> {
        if func.reduce.is_some() {
            return Err(Error::new(
                ErrorKind::Usage,
                "reductions return host arrays: evaluate them with DeviceSession::eval or Kernel::eval",
            ));
        }
        let types = func.output_types();
        if outs.len() != types.len() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("{} output arrays for {} outputs", outs.len(), types.len()),
            ));
        }
        for (o, &t) in outs.iter().zip(&types) {
            self.check_ref(o)?;
            if o.dtype != t || o.shape != shape {
                return Err(Error::new(
                    ErrorKind::Shape,
                    format!(
                        "output array is {} {:?}, the result is {t} {shape:?}",
                        o.dtype, o.shape
                    ),
                ));
            }
        }
        Ok(())
    }

    fn run_refs(&self, kernel: &Kernel, inputs: &[(&str, DevRef)], outs: &[DevRef]) -> Result<()> {
        check_kernel(kernel, self.dev.ordinal)?;
        let b = self.bind_refs(kernel, inputs)?;
        let sig: Vec<(DType, Layout)> = b
            .arrays
            .iter()
            .zip(&b.strides)
            .map(|(a, s)| (a.dtype, classify(&b.shape, s)))
            .collect();
        let prepared = kernel.prepared(&sig)?;
        let exec = cuda_exec(&prepared)?;
        self.check_outputs(&prepared.func, outs, &b.shape)?;
        let n: usize = b.shape.iter().product();
        if n == 0 {
            return Ok(());
        }
        let args: Vec<Arg> = b
            .arrays
            .iter()
            .zip(b.strides)
            .map(|(a, strides)| Arg {
                ptr: a.ptr,
                strides,
            })
            .collect();
        let out_ptrs: Vec<u64> = outs.iter().map(|o| o.ptr).collect();
        let timed = self.timing.load(Ordering::Relaxed);
        let blocks = exec.blocks(n, BLOCKS_PER_SM);
        let kernel_s = exec.launch(n, &b.shape, &args, &out_ptrs, blocks, timed)?;
        if timed {
            self.record(CudaTimings {
                kernel_s,
                elements: n,
                ..Default::default()
            });
        }
        Ok(())
    }

    /// [`Kernel::eval`] of host arrays on this session's device, recording where the
    /// time went (see [`DeviceSession::last_timings`]).
    pub fn eval(&self, kernel: &Kernel, vars: &Vars) -> Result<DynArray> {
        let mut outs = self.run_host(kernel, vars)?;
        Ok(outs.swap_remove(0))
    }

    /// [`Kernel::run`] of host arrays on this session's device, recording where the
    /// time went (see [`DeviceSession::last_timings`]).
    pub fn run(&self, kernel: &Kernel, vars: &Vars) -> Result<BTreeMap<String, DynArray>> {
        let outs = self.run_host(kernel, vars)?;
        Ok(kernel.output_names().into_iter().zip(outs).collect())
    }

    fn run_host(&self, kernel: &Kernel, vars: &Vars) -> Result<Vec<DynArray>> {
        check_kernel(kernel, self.dev.ordinal)?;
        if kernel.input_names().iter().any(|n| vars.get(n).is_none()) {
            // Type checking reports the missing name with a caret under it.
            kernel.typed_ir(vars)?;
        }
        let bound = crate::runtime::bind(kernel.input_names(), vars)?;
        let sig: Vec<(DType, Layout)> = bound
            .inputs
            .iter()
            .map(|b| (b.view.dtype(), b.layout))
            .collect();
        let prepared = kernel.prepared(&sig)?;
        let (outs, t) = evaluate(&prepared.func, cuda_exec(&prepared)?, &bound)?;
        self.record(t);
        Ok(outs)
    }
}

/// Ok when `kernel` was compiled for CUDA device `d`; otherwise a usage error that
/// says how to compile it.
fn check_kernel(kernel: &Kernel, d: usize) -> Result<()> {
    match kernel.target() {
        Target::Cuda { device } if device == d => Ok(()),
        other => Err(Error::new(
            ErrorKind::Usage,
            format!(
                "the kernel was compiled for {other:?}; a DeviceSession on CUDA device {d} \
                 runs kernels compiled with Target::Cuda {{ device: {d} }}"
            ),
        )),
    }
}

/// The CUDA kernel of a specialization compiled for a CUDA target.
fn cuda_exec(p: &Prepared) -> Result<&CudaExec> {
    p.exec
        .as_cuda()
        .ok_or_else(|| Error::backend("a kernel compiled for CUDA has no CUDA executable"))
}

/// Runs `func` over host arrays with `exec`, as `Kernel::eval` does.
fn evaluate(func: &Func, exec: &CudaExec, bound: &Bound) -> Result<(Vec<DynArray>, CudaTimings)> {
    if let Some(r) = func.reduce {
        if let Some(res) = exec.reduce_timed(bound, r) {
            let (total, t) = res?;
            return Ok((vec![total], t));
        }
    }
    let (outs, t) = write_outputs(func, &bound.shape, |bufs| exec.run_timed(bound, bufs))?;
    match func.reduce {
        Some(r) => Ok((vec![crate::runtime::reduce::reduce(&outs[0], r)?], t)),
        None => Ok((outs, t)),
    }
}

/// A C-order copy of `v`, allocated fallibly (an [`crate::ErrorKind::Memory`] error
/// rather than an abort for a view too large for memory).
fn c_order_copy(v: &DynView) -> Result<DynArray> {
    let mut c = DynArray::try_zeros(v.dtype(), v.shape())?;
    macro_rules! copy {
        ($($var:ident),*) => {
            match (&mut c, v) {
                $((DynArray::$var(dst), DynView::$var(src)) => dst.assign(src),)*
                _ => unreachable!("one dtype"),
            }
        };
    }
    copy!(Bool, I32, I64, F32, F64, C64, C128);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::{broadcast_strides, check_kernel};
    use crate::runtime::bind::classify;
    use crate::runtime::Layout;
    use crate::{DType, ErrorKind, Expr, Target, Vars};
    use std::sync::Arc;

    #[test]
    fn kernels_for_other_targets_are_refused_with_a_usage_error() {
        let k = Expr::parse("2*a").unwrap();
        for t in [Target::Interp, Target::Cpu { threads: 1 }] {
            let e = check_kernel(&k.compile(t).unwrap(), 0).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Usage);
            assert!(e.message.contains("Target::Cuda { device: 0 }"), "{e}");
        }
    }

    #[test]
    fn a_signature_without_arrays_hits_the_kernels_cache() {
        let k = Expr::parse("2*a + b")
            .unwrap()
            .compile(Target::Interp)
            .unwrap();
        let a = ndarray::Array2::<f64>::zeros((3, 4));
        let b = ndarray::arr1(&[1i32, 2, 3, 4]);
        let vars = Vars::new().with("a", &a).with("b", &b);
        let want = k.eval(&vars).unwrap();
        // Device arrays are C-contiguous; their layouts come from broadcast strides.
        let layout = |shape: &[usize]| classify(&[3, 4], &broadcast_strides(shape, &[3, 4]));
        assert_eq!(layout(&[3, 4]), Layout::Contiguous);
        assert_eq!(layout(&[4]), Layout::Strided);
        let sig = [(DType::F64, layout(&[3, 4])), (DType::I32, layout(&[4]))];
        let p = k.prepared(&sig).unwrap();
        assert!(Arc::ptr_eq(&p, &k.prepared(&sig).unwrap()));
        assert_eq!(p.func.output_types(), vec![want.dtype()]);
        assert_eq!(
            crate::ir::print::print(&p.func),
            crate::ir::print::print(&k.typed_ir(&vars).unwrap())
        );
    }
}
