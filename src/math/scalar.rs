//! The entry points of the scalar functions (what `Accurate` calls per element: the
//! interpreter, constant folding, the CPU backend's helpers and per-lane fallbacks):
//! each function compiled twice, for the baseline x86-64 and for AVX2 + FMA, the copy
//! chosen at run time. Without the FMA unit every `mul_add` is a call of libm's `fma`
//! (correctly rounded, so the same bits, but ten times slower per element for pow;
//! `docs/performance-log.md`).

use super::{asin, atan, exp, hyperbolic, inverse_hyperbolic, log, pow, tan, trig};

/// Whether this CPU runs the AVX2 + FMA copies (std caches the detection).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
}

/// `$name(args)`: `$path` compiled for AVX2 + FMA where the CPU has them, else for the
/// baseline.
macro_rules! dispatched {
    ($($name:ident($($a:ident),*): $path:path;)*) => {
        #[cfg(target_arch = "x86_64")]
        mod fma_copies {
            use super::*;
            $(
                #[target_feature(enable = "avx2,fma")]
                pub(super) fn $name($($a: f64),*) -> f64 {
                    $path($($a),*)
                }
            )*
        }
        $(
            #[inline]
            pub(super) fn $name($($a: f64),*) -> f64 {
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
    exp(x): exp::exp;
    expm1(x): exp::expm1;
    log(x): log::log;
    log1p(x): log::log1p;
    log2(x): log::log2;
    log10(x): log::log10;
    sin(x): trig::sin;
    cos(x): trig::cos;
    tan(x): tan::tan;
    arcsin(x): asin::arcsin;
    arccos(x): asin::arccos;
    arctan(x): atan::arctan;
    sinh(x): hyperbolic::sinh;
    cosh(x): hyperbolic::cosh;
    tanh(x): hyperbolic::tanh;
    arcsinh(x): inverse_hyperbolic::arcsinh;
    arccosh(x): inverse_hyperbolic::arccosh;
    arctanh(x): inverse_hyperbolic::arctanh;
    arctan2(y, x): atan::arctan2;
    pow(x, y): pow::pow;
}
