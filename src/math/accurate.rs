//! The `Accurate` trait: the transcendental function of each name per float type,
//! through `scalar.rs`'s entry points. Uses nothing but its sibling modules (see
//! `mod.rs`), so that the aarch64 check can compile the math files on their own.

use super::scalar;

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

/// The f64 functions through `scalar.rs`'s dispatch. The f32 ones are `float32.rs`'s
/// where it has its own (`$own`, and pow), else the f64 function rounded once (what the batch
/// functions' f32 entry points compute too).
macro_rules! accurate_impls {
    (own f32: $($own:ident => $own32:ident),*; rounded: $($name:ident),*) => {
        impl Accurate for f64 {
            $(fn $own(self) -> f64 {
                scalar::$own(self)
            })*
            $(fn $name(self) -> f64 {
                scalar::$name(self)
            })*
            fn arctan2(self, x: f64) -> f64 {
                scalar::arctan2(self, x)
            }
            fn pow(self, y: f64) -> f64 {
                scalar::pow(self, y)
            }
        }
        impl Accurate for f32 {
            $(fn $own(self) -> f32 {
                scalar::$own32(self)
            })*
            $(fn $name(self) -> f32 {
                scalar::$name(self as f64) as f32
            })*
            fn arctan2(self, x: f32) -> f32 {
                scalar::arctan2(self as f64, x as f64) as f32
            }
            fn pow(self, y: f32) -> f32 {
                scalar::pow_f32(self, y)
            }
        }
    };
}

accurate_impls!(
    own f32: exp => exp_f32, log => log_f32, sin => sin_f32, cos => cos_f32, tanh => tanh_f32;
    rounded: expm1, log1p, log2, log10, tan, arcsin, arccos, arctan, sinh, cosh, arcsinh, arccosh,
    arctanh
);
