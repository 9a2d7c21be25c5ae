//! nexpr: numexpr-language expressions and elementwise programs, fused into one
//! chunked loop and compiled with Cranelift (CPU) or NVRTC (CUDA).
//!
//! Parse once ([`Expr`], [`Program`]), compile for a [`Target`] (a [`Kernel`]), then
//! evaluate over n-d arrays as often as needed. Arrays go in as [`Vars`] (owned arrays
//! or borrowed `ndarray` views of any layout) and come out as [`DynArray`], whose
//! [`DType`] is known at run time. Every failure is an [`Error`] with an [`ErrorKind`]
//! and, where it comes from the text, a [`Span`].
//!
//! ```
//! use nexpr::{Expr, Target, Vars};
//! let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
//! let vars = Vars::new().with("a", &a);
//! let out = Expr::parse("2*a + 1")?.compile(Target::Interp)?.eval(&vars)?;
//! assert_eq!(out.as_array::<f64>().unwrap().as_slice().unwrap(), &[3.0, 5.0, 7.0]);
//! # Ok::<(), nexpr::Error>(())
//! ```
//!
//! Files: [`io`] reads and writes NumPy's `.npy` and `.npz`, and opens them for
//! [`Kernel::eval_streamed`], which evaluates over arrays larger than memory a block
//! at a time.
//!
//! Inside, one module per stage: `syntax` (text -> AST) -> `sema` (AST + input dtypes
//! -> typed IR) -> `ir` -> `passes` (constant folding, CSE, power expansion) ->
//! `backend` (interp, cpu, cuda), driven by `runtime` (broadcasting, chunking) behind
//! `api`. None of them is public: the items re-exported here and the [`io`] module are
//! the whole API.
//!
//! Compiled kernels share an [`Engine`]: the CPU compile cache, the worker threads and
//! the CUDA caches, every one bounded. [`Expr::compile`] uses the process default
//! engine; [`Expr::compile_in`] takes one of the caller's.

#![warn(missing_docs)]

mod alloc;
mod api;
mod array;
mod backend;
mod cancel;
#[cfg(doctest)]
mod doc_snippets;
mod dtype;
mod engine;
mod error;
mod hypot;
pub mod io;
mod ir;
mod limits;
mod lru;
mod math;
mod options;
mod passes;
mod repr;
mod runtime;
mod scalar;
mod sema;
mod syntax;
mod value;

pub use api::{Emit, Expr, Kernel, Program, Steps, Target};
pub use array::{DynArray, DynView, DynViewMut, Element, Vars};
pub use backend::cuda::CudaTimings;
#[cfg(feature = "cuda")]
pub use backend::cuda::{DeviceArray, DeviceSession};
pub use cancel::CancelToken;
pub use dtype::DType;
pub use engine::{Engine, EngineConfig};
pub use error::{Error, ErrorKind, Hint, Result, Span};
pub use options::{CpuOptions, CudaOptions, MathWidth, OptLevel, Options, Simd};
pub use repr::repr;
pub use runtime::broadcast::broadcast_shape;
pub use sema::OuterReduction;

/// Not API: what the `nexpr` command line, the tests, benches and examples of this
/// repository need of the internals. Anything here may change or go in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::value::Scalar;

    /// Elements per chunk of the CPU driver.
    pub const CHUNK: usize = crate::runtime::CHUNK;
    /// Kernels in `engine`'s CPU compile cache now.
    pub fn cached_kernels(engine: &crate::Engine) -> usize {
        engine.cpu().cached_kernels()
    }

    /// Specializations (input signatures) `kernel` keeps now.
    pub fn specializations(kernel: &crate::Kernel) -> usize {
        kernel.specializations()
    }

    /// The libmvec width `requested` runs at on this CPU (`Auto`: the widest it has).
    pub fn resolve_math_width(requested: crate::MathWidth) -> crate::MathWidth {
        crate::backend::cpu::math::resolve(requested)
    }

    /// The builtin functions, one row each: what every layer derives from.
    pub use crate::ir::builtins::{Builtin, Cost, CpuLowering, FuncOp, Typing, BUILTINS};

    /// Every function name the language knows.
    pub fn function_names() -> Vec<&'static str> {
        crate::sema::function_names()
    }

    #[cfg(feature = "cuda")]
    /// Loads NVRTC, from `lib` (the library or its folder) if this is the first use in
    /// the process; its path and version, or why not.
    pub fn nvrtc_probe_from(lib: Option<&std::path::Path>) -> crate::Result<(String, (i32, i32))> {
        crate::backend::cuda::nvrtc::probe_from(lib)
    }

    #[cfg(feature = "cuda")]
    /// PTX for CUDA C `source` for compute capability `arch`.
    pub fn compile_ptx(
        source: &str,
        arch: (u32, u32),
        fast_math: bool,
    ) -> crate::Result<std::sync::Arc<str>> {
        let opts = crate::backend::cuda::nvrtc::Options { arch, fast_math };
        crate::Engine::process_default().cuda().ptx(source, &opts)
    }

    /// The kernel `kernel` compiles for `vars`, compiled for the target `triple` (e.g.
    /// `aarch64-unknown-linux-gnu`) into an ELF object exporting it as `symbol`: the
    /// object's bytes and the symbols it imports.
    #[cfg(feature = "cross-isa")]
    pub fn object_code(
        kernel: &crate::Kernel,
        vars: &crate::Vars,
        triple: &str,
        symbol: &str,
    ) -> crate::Result<(Vec<u8>, Vec<String>)> {
        let (f, layouts) = kernel.ir_and_layouts(vars)?;
        let code = crate::backend::cpu::object::object_code(
            &f,
            &layouts,
            kernel.cpu_options(),
            triple,
            symbol,
        )?;
        Ok((code.bytes, code.imports))
    }

    /// The CLIF text of the kernel for `vars` as compiled for the target `triple`.
    #[cfg(feature = "cross-isa")]
    pub fn clif_for(
        kernel: &crate::Kernel,
        vars: &crate::Vars,
        triple: &str,
    ) -> crate::Result<String> {
        let (f, layouts) = kernel.ir_and_layouts(vars)?;
        crate::backend::cpu::object::clif(&f, &layouts, kernel.cpu_options(), triple)
    }
}
