//! `EngineConfig`: the sizes of an engine's caches and of its worker pool, typed and
//! passed in by the caller. The environment supplies one documented default only,
//! `NEXPR_NUM_THREADS` (the thread count of [`crate::Target::cpu`]).

use crate::error::{Error, ErrorKind, Result};

/// How large an [`crate::Engine`]'s caches and worker pool may grow.
///
/// Every cache forgets its least recently used entry when full; an evicted kernel
/// keeps working (its machine code lives as long as something uses it), it is only
/// compiled again when asked for anew.
///
/// ```
/// use nexpr::{Engine, EngineConfig};
/// let small = EngineConfig { compile_cache_capacity: 16, max_threads: 4, ..Default::default() };
/// let engine = Engine::new(small)?;
/// assert_eq!(engine.config().compile_cache_capacity, 16);
/// assert_eq!(EngineConfig::default().signature_cache_capacity, 64);
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EngineConfig {
    /// CPU kernels (machine code) the engine's compile cache keeps, shared by all its
    /// kernels. Default 256.
    pub compile_cache_capacity: usize,
    /// Specializations (input dtypes and layouts) each kernel keeps. Default 64: an
    /// evicted one is type-checked again on its next use and usually finds its
    /// machine code in the compile cache.
    pub signature_cache_capacity: usize,
    /// CUDA kernels (PTX text) the engine keeps compiled. Default 256.
    pub ptx_cache_capacity: usize,
    /// Loaded CUDA modules the engine keeps per device. Default 256.
    pub module_cache_capacity: usize,
    /// The most worker threads a CPU evaluation runs on, and so the most threads the
    /// engine's pool holds: larger thread counts are clamped. Default: four per core,
    /// at least 16.
    pub max_threads: usize,
    /// The thread count of [`crate::Target::cpu`] (for the process default engine):
    /// `NEXPR_NUM_THREADS` when it is a positive integer, else the number of cores
    /// this process may run on; at most `max_threads`.
    pub default_threads: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let cores = EngineConfig::available_cores();
        let max_threads = (4 * cores).max(16);
        EngineConfig {
            compile_cache_capacity: 256,
            signature_cache_capacity: 64,
            ptx_cache_capacity: 256,
            module_cache_capacity: 256,
            max_threads,
            default_threads: env_threads().unwrap_or(cores).min(max_threads),
        }
    }
}

/// `NEXPR_NUM_THREADS`, when it is set to a positive integer.
fn env_threads() -> Option<usize> {
    std::env::var("NEXPR_NUM_THREADS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
}

impl EngineConfig {
    /// The number of cores this process may run on (its CPU affinity and quota), at
    /// least 1: what the default thread counts are computed from.
    ///
    /// ```
    /// use nexpr::EngineConfig;
    /// let cores = EngineConfig::available_cores();
    /// assert!(cores >= 1);
    /// assert!(EngineConfig::default().max_threads >= 4 * cores);
    /// ```
    pub fn available_cores() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Ok when every capacity and thread count is at least one and the default thread
    /// count is at most `max_threads`; the error names the field.
    ///
    /// ```
    /// let none = nexpr::EngineConfig { signature_cache_capacity: 0, ..Default::default() };
    /// assert!(none.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (name, n) in [
            ("compile_cache_capacity", self.compile_cache_capacity),
            ("signature_cache_capacity", self.signature_cache_capacity),
            ("ptx_cache_capacity", self.ptx_cache_capacity),
            ("module_cache_capacity", self.module_cache_capacity),
            ("max_threads", self.max_threads),
            ("default_threads", self.default_threads),
        ] {
            if n == 0 {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("EngineConfig::{name} must be at least 1"),
                ));
            }
        }
        if self.default_threads > self.max_threads {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "EngineConfig::default_threads ({}) exceeds max_threads ({})",
                    self.default_threads, self.max_threads
                ),
            ));
        }
        Ok(())
    }
}
