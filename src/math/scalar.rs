//! The entry points of the scalar functions (what `Accurate` calls per element: the
//! interpreter, constant folding, the CPU backend's helpers and per-lane fallbacks):
//! each function compiled twice, for the baseline x86-64 and for AVX2 + FMA, the copy
//! chosen at run time. Without the FMA unit every `mul_add` is a call of libm's `fma`
//! (correctly rounded, so the same bits, but ten times slower per element for pow;
//! `docs/performance-log.md`).

use super::{
    asin, atan, complex, complex_pow, exp, float32, hyperbolic, inverse_hyperbolic, log, pow, tan,
    trig,
};

/// Whether this CPU runs the AVX2 + FMA copies (std caches the detection).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
}

/// `$name(args)`: `$path` compiled for AVX2 + FMA where the CPU has them, else for the
/// baseline (arguments of type `$t`, a result of type `$r`).
macro_rules! dispatched {
    ($($name:ident($($a:ident),*): $t:ty => $r:ty = $path:path;)*) => {
        #[cfg(target_arch = "x86_64")]
        mod fma_copies {
            use super::*;
            $(
                #[target_feature(enable = "avx2,fma")]
                pub(super) fn $name($($a: $t),*) -> $r {
                    $path($($a),*)
                }
            )*
        }
        $(
            #[inline]
            pub(crate) fn $name($($a: $t),*) -> $r {
                #[cfg(target_arch = "x86_64")]
                if has_fma() {
                    // SAFETY: the CPU has AVX2 and FMA.
                    return unsafe { fma_copies::$name($($a),*) };
                }
                $path($($a),*)
            }
        )*
    };
}

dispatched! {
    exp(x): f64 => f64 = exp::exp;
    expm1(x): f64 => f64 = exp::expm1;
    log(x): f64 => f64 = log::log;
    log1p(x): f64 => f64 = log::log1p;
    log2(x): f64 => f64 = log::log2;
    log10(x): f64 => f64 = log::log10;
    sin(x): f64 => f64 = trig::sin;
    cos(x): f64 => f64 = trig::cos;
    tan(x): f64 => f64 = tan::tan;
    arcsin(x): f64 => f64 = asin::arcsin;
    arccos(x): f64 => f64 = asin::arccos;
    arctan(x): f64 => f64 = atan::arctan;
    sinh(x): f64 => f64 = hyperbolic::sinh;
    cosh(x): f64 => f64 = hyperbolic::cosh;
    tanh(x): f64 => f64 = hyperbolic::tanh;
    arcsinh(x): f64 => f64 = inverse_hyperbolic::arcsinh;
    arccosh(x): f64 => f64 = inverse_hyperbolic::arccosh;
    arctanh(x): f64 => f64 = inverse_hyperbolic::arctanh;
    arctan2(y, x): f64 => f64 = atan::arctan2;
    pow(x, y): f64 => f64 = pow::pow;
    exp_f32(x): f32 => f32 = float32::exp;
    log_f32(x): f32 => f32 = float32::log;
    sin_f32(x): f32 => f32 = float32::sin;
    cos_f32(x): f32 => f32 = float32::cos;
    tanh_f32(x): f32 => f32 = float32::tanh;
    pow_f32(x, y): f32 => f32 = float32::pow;
    // The complex cores (`complex.rs`): (re, im) of (x, y).
    complex_exp(x, y): f64 => (f64, f64) = complex::exp;
    complex_log(x, y): f64 => (f64, f64) = complex::log;
    complex_sqrt(x, y): f64 => (f64, f64) = complex::sqrt;
    complex_tan(x, y): f64 => (f64, f64) = complex::tan;
    complex_tanh(x, y): f64 => (f64, f64) = complex::tanh;
    complex_arctan(x, y): f64 => (f64, f64) = complex::arctan;
    complex_arctanh(x, y): f64 => (f64, f64) = complex::arctanh;
    complex_arcsin(x, y): f64 => (f64, f64) = complex::arcsin;
    complex_arccos(x, y): f64 => (f64, f64) = complex::arccos;
    complex_arcsinh(x, y): f64 => (f64, f64) = complex::arcsinh;
    complex_arccosh(x, y): f64 => (f64, f64) = complex::arccosh;
    complex_log1p(x, y): f64 => (f64, f64) = complex::log1p;
    complex_sin(x, y): f64 => (f64, f64) = complex::sin;
    complex_cos(x, y): f64 => (f64, f64) = complex::cos;
    complex_sinh(x, y): f64 => (f64, f64) = complex::sinh;
    complex_cosh(x, y): f64 => (f64, f64) = complex::cosh;
    complex_pow(x, y, c, d): f64 => Option<(f64, f64)> = complex_pow::pow;
}
