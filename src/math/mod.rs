//! nexpr's own transcendental functions: within 1 ulp of the correctly rounded result
//! (NumPy's accuracy class), pure and branch-free, so that one Rust function serves
//! both the interpreter (called per element) and the CPU backend (the same code
//! compiled for AVX2 or AVX-512 and vectorized by LLVM, `batch.rs`). Fused
//! multiply-adds (`mul_add`) give the same bits with and without an FMA unit (libm's
//! `fma` is correctly rounded), so CPU kernels and the interpreter agree bit for bit.
//!
//! One file per family: `exp.rs` (exp, expm1), `log.rs` (log, log1p, log2, log10),
//! `trig.rs` (sin, cos; arguments beyond 2^20 go to libm), `tan.rs`, `atan.rs`
//! (arctan, arctan2 and the arctangent kernel), `asin.rs` (arcsin, arccos),
//! `hyperbolic.rs` (sinh, cosh, tanh), `inverse_hyperbolic.rs` (arcsinh, arccosh,
//! arctanh), `pow.rs`, `complex.rs` (the complex functions' cores), `complex_pow.rs`
//! (the complex power, with logarithm and arctangent steps to about 2^-100); `scalar.rs` (the per-element entry points, with FMA where the
//! CPU has it); `accurate.rs` (the `Accurate` trait over them). None of these files
//! uses anything else of the crate, so that the aarch64 check
//! (`tests/it/cross_aarch64/math.rs`) can compile them for aarch64 on their own; `float.rs` holds the shared steps (exact sums and products, Estrin's polynomials,
//! double-double quotients and roots). `float32.rs` has float32 exp, log, sin, cos and
//! tanh of their own (f64 arithmetic with polynomials only as long as an f32 needs);
//! the other float32 functions evaluate the float64 one and round. Either way at most
//! one ulp of f32, almost always correctly rounded. Measured
//! accuracy: `docs/accuracy.md`; the design and speed: `docs/math.md`.

mod accurate;
mod asin;
mod atan;
mod batch;
mod batch_complex_pow;
pub(crate) mod complex;
pub(crate) mod complex_pow;
mod complex_pow_tables;
mod exp;
mod float;
mod float32;
mod hyperbolic;
mod inverse_hyperbolic;
mod log;
mod pow;
pub(crate) mod scalar;
mod tan;
mod trig;

pub(crate) use accurate::Accurate;
pub(crate) use batch::{batch_fn, binary_batch_fn, complex_batch_fn, lookup, resolve};
pub(crate) use batch_complex_pow::complex_pow_batch_fn;

#[cfg(test)]
mod complex_pow_tests;
#[cfg(test)]
mod complex_tests;
#[cfg(test)]
mod tests;
