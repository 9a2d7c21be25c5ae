//! nexpr: numexpr-language expressions and elementwise programs, fused into one
//! chunked loop and compiled with Cranelift (CPU) or NVRTC (CUDA).
//!
//! The pipeline, one folder per stage:
//! `syntax` (text -> AST) -> `sema` (AST + input dtypes -> typed IR) -> `ir` ->
//! `passes` (constant folding, CSE, power expansion) -> `backend` (interp, cpu, cuda),
//! driven by `runtime` (broadcasting, chunking, caches) behind the `api`.
//!
//! ```
//! use nexpr::{Expr, Target, Vars};
//! let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
//! let vars = Vars::new().with("a", &a);
//! let out = Expr::parse("2*a + 1")?.compile(Target::Interp)?.eval(&vars)?;
//! assert_eq!(out.as_array::<f64>().unwrap().as_slice().unwrap(), &[3.0, 5.0, 7.0]);
//! # Ok::<(), nexpr::Error>(())
//! ```

pub mod api;
pub mod array;
pub mod backend;
pub mod cli;
pub mod dtype;
pub mod error;
pub mod ir;
pub mod limits;
pub mod options;
pub mod passes;
pub mod runtime;
pub mod sema;
pub mod syntax;
pub mod value;

pub use api::{Emit, Expr, Kernel, Program, Target};
pub use array::{DynArray, DynView, DynViewMut, Element, Vars};
pub use dtype::DType;
pub use error::{Error, ErrorKind, Result, Span};
pub use options::{CpuOptions, CudaOptions, OptLevel, Options, Simd};
