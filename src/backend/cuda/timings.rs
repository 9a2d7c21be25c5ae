//! Where the time of one CUDA evaluation went. Each evaluation returns its own record
//! (`CudaExec::run_timed`); a `DeviceSession` keeps the one of its latest evaluation.

/// Transfer and kernel times of one CUDA evaluation, as a [`crate::DeviceSession`]
/// records them.
///
/// ```no_run
/// use nexpr::{DeviceSession, Expr, Target, Vars};
/// let s = DeviceSession::new(0)?;
/// let a = ndarray::Array1::<f64>::zeros(1 << 20);
/// let k = Expr::parse("2*a")?.compile(Target::Cuda { device: 0 })?;
/// s.eval(&k, &Vars::new().with("a", &a))?;
/// let t = s.last_timings().expect("one CUDA evaluation ran");
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
