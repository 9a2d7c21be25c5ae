//! The entry points of the scalar functions (what `Accurate` calls per element: the
//! interpreter, constant folding, the CPU backend's helpers and per-lane fallbacks):
//! each function compiled twice, for the baseline x86-64 and for AVX2 + FMA, the copy
//! chosen at run time. Without the FMA unit every `mul_add` is a call of libm's `fma`
//! (correctly rounded, so the same bits, but several nanoseconds each: pow took 290 ns
//! an element that way, 28 ns with FMA instructions).

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
    exp(x): crate::math::exp::exp;
    expm1(x): crate::math::exp::expm1;
    log(x): crate::math::log::log;
    log1p(x): crate::math::log::log1p;
    log2(x): crate::math::log::log2;
    log10(x): crate::math::log::log10;
    sin(x): crate::math::trig::sin;
    cos(x): crate::math::trig::cos;
    tan(x): crate::math::tan::tan;
    arcsin(x): crate::math::asin::arcsin;
    arccos(x): crate::math::asin::arccos;
    arctan(x): crate::math::atan::arctan;
    sinh(x): crate::math::hyperbolic::sinh;
    cosh(x): crate::math::hyperbolic::cosh;
    tanh(x): crate::math::hyperbolic::tanh;
    arcsinh(x): crate::math::inverse_hyperbolic::arcsinh;
    arccosh(x): crate::math::inverse_hyperbolic::arccosh;
    arctanh(x): crate::math::inverse_hyperbolic::arctanh;
    arctan2(y, x): crate::math::atan::arctan2;
    pow(x, y): crate::math::pow::pow;
}
