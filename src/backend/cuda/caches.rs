//! An engine's CUDA caches (`crate::Engine`): compiled PTX, and each device's loaded
//! modules, both bounded (least recently used out first). The NVRTC library and the
//! devices' contexts stay process-wide (`nvrtc`, `device`): they are a loaded
//! library and the devices themselves, not caches.

use super::device::{driver_err, Device};
use super::emit::KERNEL_NAME;
use super::nvrtc;
use crate::engine::EngineConfig;
use crate::error::Result;
use crate::lru::Lru;
use crate::options::CudaOptions;
use cudarc::driver::{CudaFunction, CudaModule};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

type PtxKey = (String, nvrtc::Options);
/// One device's loaded modules, keyed by the PTX text.
type Modules = Lru<Arc<str>, Arc<CudaModule>>;

pub struct CudaCaches {
    ptx: Mutex<Lru<PtxKey, Arc<str>>>,
    /// Per device ordinal. Evicting a module only drops the
    /// cache's handle: a compiled kernel holds its own (`CudaFunction` keeps its
    /// module loaded).
    modules: Mutex<HashMap<usize, Modules>>,
    module_capacity: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl CudaCaches {
    pub fn new(config: &EngineConfig) -> CudaCaches {
        CudaCaches {
            ptx: Mutex::new(Lru::new(config.ptx_cache_capacity)),
            modules: Mutex::default(),
            module_capacity: config.module_cache_capacity,
        }
    }

    /// PTX for `source`, compiled once per (source, options) while the cache keeps it.
    pub fn ptx(&self, source: &str, opts: &nvrtc::Options) -> Result<Arc<str>> {
        let key = (source.to_string(), opts.clone());
        if let Some(p) = lock(&self.ptx).get(&key) {
            return Ok(p);
        }
        // Compiled outside the lock: NVRTC takes tens of milliseconds, and two threads
        // that race on one source just both compile it.
        let ptx: Arc<str> = nvrtc::compile_ptx(source, opts)?.into();
        Ok(lock(&self.ptx).insert(key, ptx))
    }

    /// The kernel of `source` on `dev`, compiled (PTX cache) and loaded (module cache).
    pub(super) fn function(
        &self,
        dev: &Device,
        source: &str,
        opts: &CudaOptions,
    ) -> Result<CudaFunction> {
        let ptx = self.ptx(source, &dev.nvrtc_options(opts))?;
        let mut all = lock(&self.modules);
        let modules = all
            .entry(dev.ordinal)
            .or_insert_with(|| Lru::new(self.module_capacity));
        let module = match modules.get(&ptx) {
            Some(m) => m,
            None => {
                let m = dev
                    .ctx
                    .load_module(cudarc::nvrtc::Ptx::from_src(ptx.to_string()))
                    .map_err(driver_err("loading the PTX module"))?;
                modules.insert(ptx, m)
            }
        };
        module
            .load_function(KERNEL_NAME)
            .map_err(driver_err("cuModuleGetFunction"))
    }
}
