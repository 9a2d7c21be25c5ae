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
//! arctanh), `pow.rs`; `float.rs` holds the shared steps (exact sums and products,
//! double-double quotients and roots). float32 functions evaluate the float64 one
//! and round: at most one ulp of f32, almost always correctly rounded. Measured
//! accuracy: `docs/accuracy.md`; the design and speed: `docs/math.md`.

mod asin;
mod atan;
mod batch;
mod exp;
mod float;
mod hyperbolic;
mod inverse_hyperbolic;
mod log;
mod pow;
mod tan;
mod trig;

pub(crate) use batch::{batch_fn, lookup, resolve};

/// The transcendental functions per float type: what the interpreter and the CPU
/// backend's scalar helpers call (`Accurate::exp(x)`).
pub(crate) trait Accurate: Copy {
    fn exp(self) -> Self;
    fn expm1(self) -> Self;
    fn log(self) -> Self;
    fn log1p(self) -> Self;
    fn log2(self) -> Self;
    fn log10(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn arcsin(self) -> Self;
    fn arccos(self) -> Self;
    fn arctan(self) -> Self;
    fn sinh(self) -> Self;
    fn cosh(self) -> Self;
    fn tanh(self) -> Self;
    fn arcsinh(self) -> Self;
    fn arccosh(self) -> Self;
    fn arctanh(self) -> Self;
    /// arctan2(self, x): the angle of the point (x, self).
    fn arctan2(self, x: Self) -> Self;
    /// self raised to the power y, as C's `pow`.
    fn pow(self, y: Self) -> Self;
}

impl Accurate for f64 {
    fn exp(self) -> f64 {
        exp::exp(self)
    }
    fn expm1(self) -> f64 {
        exp::expm1(self)
    }
    fn log(self) -> f64 {
        log::log(self)
    }
    fn log1p(self) -> f64 {
        log::log1p(self)
    }
    fn log2(self) -> f64 {
        log::log2(self)
    }
    fn log10(self) -> f64 {
        log::log10(self)
    }
    fn sin(self) -> f64 {
        trig::sin(self)
    }
    fn cos(self) -> f64 {
        trig::cos(self)
    }
    fn tan(self) -> f64 {
        tan::tan(self)
    }
    fn arcsin(self) -> f64 {
        asin::arcsin(self)
    }
    fn arccos(self) -> f64 {
        asin::arccos(self)
    }
    fn arctan(self) -> f64 {
        atan::arctan(self)
    }
    fn sinh(self) -> f64 {
        hyperbolic::sinh(self)
    }
    fn cosh(self) -> f64 {
        hyperbolic::cosh(self)
    }
    fn tanh(self) -> f64 {
        hyperbolic::tanh(self)
    }
    fn arcsinh(self) -> f64 {
        inverse_hyperbolic::arcsinh(self)
    }
    fn arccosh(self) -> f64 {
        inverse_hyperbolic::arccosh(self)
    }
    fn arctanh(self) -> f64 {
        inverse_hyperbolic::arctanh(self)
    }
    fn arctan2(self, x: f64) -> f64 {
        atan::arctan2(self, x)
    }
    fn pow(self, y: f64) -> f64 {
        pow::pow(self, y)
    }
}

impl Accurate for f32 {
    fn exp(self) -> f32 {
        exp::exp_f32(self)
    }
    fn expm1(self) -> f32 {
        exp::expm1_f32(self)
    }
    fn log(self) -> f32 {
        log::log_f32(self)
    }
    fn log1p(self) -> f32 {
        log::log1p_f32(self)
    }
    fn log2(self) -> f32 {
        log::log2_f32(self)
    }
    fn log10(self) -> f32 {
        log::log10_f32(self)
    }
    fn sin(self) -> f32 {
        trig::sin_f32(self)
    }
    fn cos(self) -> f32 {
        trig::cos_f32(self)
    }
    fn tan(self) -> f32 {
        tan::tan_f32(self)
    }
    fn arcsin(self) -> f32 {
        asin::arcsin_f32(self)
    }
    fn arccos(self) -> f32 {
        asin::arccos_f32(self)
    }
    fn arctan(self) -> f32 {
        atan::arctan_f32(self)
    }
    fn sinh(self) -> f32 {
        hyperbolic::sinh_f32(self)
    }
    fn cosh(self) -> f32 {
        hyperbolic::cosh_f32(self)
    }
    fn tanh(self) -> f32 {
        hyperbolic::tanh_f32(self)
    }
    fn arcsinh(self) -> f32 {
        inverse_hyperbolic::arcsinh_f32(self)
    }
    fn arccosh(self) -> f32 {
        inverse_hyperbolic::arccosh_f32(self)
    }
    fn arctanh(self) -> f32 {
        inverse_hyperbolic::arctanh_f32(self)
    }
    fn arctan2(self, x: f32) -> f32 {
        atan::arctan2_f32(self, x)
    }
    fn pow(self, y: f32) -> f32 {
        pow::pow_f32(self, y)
    }
}

#[cfg(test)]
mod tests;
