//! Where the time of one CUDA evaluation went. Each evaluation returns its own record
//! (`CudaExec::run_timed`); a `DeviceSession` keeps the one of its latest evaluation.

/// Transfer and kernel times of one CUDA evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CudaTimings {
    /// Host-to-device copies of the inputs, seconds.
    pub upload_s: f64,
    /// The kernel itself (CUDA events), seconds.
    pub kernel_s: f64,
    /// Device-to-host copies of the results, seconds.
    pub download_s: f64,
    pub upload_bytes: usize,
    pub download_bytes: usize,
    /// Elements computed.
    pub elements: usize,
}
