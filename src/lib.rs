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

#![warn(missing_docs)]

mod api;
mod array;
mod backend;
mod cli;
mod dtype;
mod error;
pub mod io;
mod ir;
mod limits;
mod math;
mod options;
mod passes;
mod runtime;
mod sema;
mod syntax;
mod value;

pub use api::{Emit, Expr, Kernel, Program, Steps, Target};
pub use array::{DynArray, DynView, DynViewMut, Element, Vars};
pub use backend::cuda::{CudaTimings, DeviceArray, DeviceSession};
pub use dtype::DType;
pub use error::{Error, ErrorKind, Result, Span};
pub use options::{CpuOptions, CudaOptions, MathWidth, OptLevel, Options, Simd};

/// Not API: what the `nexpr` binary, the tests, benches and examples of this
/// repository need of the internals. Anything here may change or go in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::cli::format::repr;
    pub use crate::value::Scalar;

    /// Elements per chunk of the CPU driver.
    pub const CHUNK: usize = crate::backend::cpu::CHUNK;
    /// Kernels the CPU compile cache holds at most.
    pub const CACHE_CAPACITY: usize = crate::backend::cpu::CACHE_CAPACITY;

    /// Kernels in the CPU compile cache now.
    pub fn cached_kernels() -> usize {
        crate::backend::cpu::cached_kernels()
    }

    /// The libmvec width `requested` runs at on this CPU (`Auto`: the widest it has).
    pub fn resolve_math_width(requested: crate::MathWidth) -> crate::MathWidth {
        crate::backend::cpu::math::resolve(requested)
    }

    /// Every function name the language knows.
    pub fn function_names() -> Vec<&'static str> {
        crate::sema::function_names()
    }

    /// Loads NVRTC, from `lib` (the library or its folder) if this is the first use in
    /// the process; its path and version, or why not.
    pub fn nvrtc_probe_from(lib: Option<&std::path::Path>) -> crate::Result<(String, (i32, i32))> {
        crate::backend::cuda::nvrtc::probe_from(lib)
    }

    /// PTX for CUDA C `source` for compute capability `arch`.
    pub fn compile_ptx(
        source: &str,
        arch: (u32, u32),
        fast_math: bool,
    ) -> crate::Result<std::sync::Arc<str>> {
        let opts = crate::backend::cuda::nvrtc::Options { arch, fast_math };
        crate::backend::cuda::nvrtc::compile_ptx(source, &opts)
    }

    /// The `nexpr` command line; returns the process exit code.
    pub fn cli_main() -> i32 {
        crate::cli::main()
    }
}
