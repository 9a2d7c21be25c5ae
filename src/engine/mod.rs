//! `Engine`: what compiled kernels share — the CPU compile cache, the CPU worker
//! pool and the CUDA caches — as one explicit object (after wasmtime's `Engine` and
//! `Config`), instead of process-wide statics.
//!
//! A kernel keeps a handle to the engine it was compiled in; an engine's caches,
//! machine code and threads are freed when its last handle (the engine's clones and
//! its kernels) is dropped. [`Engine::process_default`] is the engine of the simple
//! API (`Expr::compile`, `Program::compile`).

mod config;
mod process_default;

pub use config::EngineConfig;

use crate::backend::{cpu::CpuShared, cuda::CudaCaches};
use crate::error::Result;
use std::sync::Arc;

/// The caches and the worker pool that compiled kernels share. Cheap to clone (a
/// reference-counted handle); clones are the same engine.
///
/// ```
/// use nexpr::{Engine, EngineConfig, Expr, Options, Target, Vars};
/// let engine = Engine::new(EngineConfig { max_threads: 2, ..Default::default() })?;
/// let a = ndarray::arr1(&[1.0f64, 2.0]);
/// let k = Expr::parse("a * 2")?.compile_in(&engine, Target::cpu(), &Options::default())?;
/// assert!(k.engine().same(&engine));
/// assert_eq!(k.eval(&Vars::new().with("a", &a))?.into_array::<f64>()?.into_iter().collect::<Vec<_>>(), vec![2.0, 4.0]);
/// drop((k, engine)); // its compile cache, machine code and threads go with it
/// # Ok::<(), nexpr::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: EngineConfig,
    cpu: CpuShared,
    cuda: CudaCaches,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with empty caches and no threads yet (the pool starts with the first
    /// evaluation split over threads); a [`crate::ErrorKind::Usage`] error when
    /// `config` is out of range (see [`EngineConfig::validate`]).
    pub fn new(config: EngineConfig) -> Result<Engine> {
        config.validate()?;
        Ok(Engine::unchecked(config))
    }

    fn unchecked(config: EngineConfig) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                cpu: CpuShared::new(&config),
                cuda: CudaCaches::new(&config),
                config,
            }),
        }
    }

    /// What the engine was built with.
    ///
    /// ```
    /// let engine = nexpr::Engine::process_default();
    /// assert!(engine.config().max_threads >= 16);
    /// ```
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Whether `self` and `other` are handles of the same engine.
    ///
    /// ```
    /// use nexpr::{Engine, EngineConfig};
    /// let own = Engine::new(EngineConfig::default())?;
    /// assert!(own.same(&own.clone()));
    /// assert!(!own.same(&Engine::process_default()));
    /// # Ok::<(), nexpr::Error>(())
    /// ```
    pub fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn cpu(&self) -> &CpuShared {
        &self.inner.cpu
    }

    pub(crate) fn cuda(&self) -> &CudaCaches {
        &self.inner.cuda
    }
}
