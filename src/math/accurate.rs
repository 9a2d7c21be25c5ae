//! The `Accurate` trait: the transcendental function of each name per float type,
//! from the family files (`exp.rs`, `log.rs`, `trig.rs`) or libm. Uses nothing but
//! its sibling modules (see `mod.rs`).

use super::{exp, log, trig};

/// The transcendental functions per float type: what the interpreter and the CPU
/// backend's scalar helpers call (`Accurate::exp(x)`). tan, the inverse trigonometric
/// and the hyperbolic functions are libm's; their float32 versions evaluate libm's
/// float64 function and round (glibc's float32 `tanhf` and `coshf` are 2 ulp off).
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
        f64::tan(self)
    }
    fn arcsin(self) -> f64 {
        f64::asin(self)
    }
    fn arccos(self) -> f64 {
        f64::acos(self)
    }
    fn arctan(self) -> f64 {
        f64::atan(self)
    }
    fn sinh(self) -> f64 {
        f64::sinh(self)
    }
    fn cosh(self) -> f64 {
        f64::cosh(self)
    }
    fn tanh(self) -> f64 {
        f64::tanh(self)
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
        f64::tan(self as f64) as f32
    }
    fn arcsin(self) -> f32 {
        f64::asin(self as f64) as f32
    }
    fn arccos(self) -> f32 {
        f64::acos(self as f64) as f32
    }
    fn arctan(self) -> f32 {
        f64::atan(self as f64) as f32
    }
    fn sinh(self) -> f32 {
        f64::sinh(self as f64) as f32
    }
    fn cosh(self) -> f32 {
        f64::cosh(self as f64) as f32
    }
    fn tanh(self) -> f32 {
        f64::tanh(self as f64) as f32
    }
}
