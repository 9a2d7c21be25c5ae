//! The complex functions nexpr computes itself (`crate::math::complex`'s cores), with
//! the C library's function for the arguments a core does not cover.

use super::libm;
use crate::math::complex as core;
use crate::math::scalar;
use num_complex::Complex;

/// A part type of a complex dtype: the cores compute in f64 and round once.
pub trait Part: Default + Into<f64> + num_traits::Float + crate::hypot::CorrectHypot {
    fn narrow(x: f64) -> Self;
    /// Whether exp, log, sin and cos leave the real axis to the C library (see
    /// [`covered`]).
    const REAL_AXIS_TO_C: bool;
}
impl Part for f64 {
    fn narrow(x: f64) -> f64 {
        x
    }
    const REAL_AXIS_TO_C: bool = true;
}
impl Part for f32 {
    fn narrow(x: f64) -> f32 {
        x as f32
    }
    // The C library's float functions are not correctly rounded there.
    const REAL_AXIS_TO_C: bool = false;
}

/// Whether nexpr's core computes a function at x + iy of part type `T`: `inside`
/// covers it, and, for the functions marked `axis` (exp, log, sin, cos), it is off
/// the real axis or `T` is f32. On the real axis the C library's complex128
/// functions are its real ones, correctly rounded in practice, so a complex array
/// of real values (as pandas makes them) gets NumPy's results to the last digit.
#[inline(always)]
pub fn covered<T: Part>(inside: impl Fn(f64, f64) -> bool, axis: bool, x: f64, y: f64) -> bool {
    inside(x, y) && !(axis && T::REAL_AXIS_TO_C && y == 0.0)
}

/// A core's value at z, each part rounded to `T` once.
#[inline(always)]
pub fn with_core<T: Part>(f: impl Fn(f64, f64) -> (f64, f64), z: Complex<T>) -> Complex<T> {
    let (re, im) = f(z.re.into(), z.im.into());
    Complex::new(T::narrow(re), T::narrow(im))
}

macro_rules! own {
    ($($(#[$doc:meta])* $name:ident = $core:path, $inside:expr, $axis:literal, $libm:path;)*) => {
        /// Per function, whether nexpr's core computes it at x + iy of part type `T`
        /// (else the C library does): what the functions here and the batch
        /// functions (which patch the other lanes) both ask.
        pub mod covers {
            use super::*;
            $(
                #[inline(always)]
                pub fn $name<T: Part>(x: f64, y: f64) -> bool {
                    covered::<T>($inside, $axis, x, y)
                }
            )*
        }
        $(
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<T: Part>(z: Complex<T>) -> Complex<T>
        where
            Complex<T>: libm::Cplx,
        {
            if covers::$name::<T>(z.re.into(), z.im.into()) {
                with_core($core, z)
            } else {
                $libm(z)
            }
        }
    )*
    };
}

// The cores through `math::scalar`'s dispatch (FMA instructions where the CPU
// has them: the same bits, without a libm call per `mul_add`).
own! {
    /// e^z.
    exp = scalar::complex_exp, core::exp_inside, true, libm::cexp;
    /// The principal logarithm.
    log = scalar::complex_log, core::log_inside, true, libm::clog;
    /// The principal square root.
    sqrt = scalar::complex_sqrt, core::sqrt_inside, false, libm::csqrt;
    /// The sine.
    sin = scalar::complex_sin, core::trig_inside, true, libm::csin;
    /// The cosine.
    cos = scalar::complex_cos, core::trig_inside, true, libm::ccos;
    /// The hyperbolic sine (sin and cos of the imaginary part).
    sinh = scalar::complex_sinh, |x, y| core::trig_inside(y, x), false, libm::csinh;
    /// The hyperbolic cosine.
    cosh = scalar::complex_cosh, |x, y| core::trig_inside(y, x), false, libm::ccosh;
    /// The tangent.
    tan = scalar::complex_tan, |x, y| core::tanh_inside(-y, x), false, libm::ctan;
    /// The hyperbolic tangent.
    tanh = scalar::complex_tanh, core::tanh_inside, false, libm::ctanh;
    /// The principal arctangent.
    arctan = scalar::complex_arctan, |x, y| core::arctanh_inside(-y, x), false, libm::catan;
    /// The principal inverse hyperbolic tangent.
    arctanh = scalar::complex_arctanh, core::arctanh_inside, false, libm::catanh;
    /// The principal arcsine (Hull, Fairgrieve and Tang's formulas).
    arcsin = scalar::complex_arcsin, core::arcsin_inside, false, libm::casin;
    /// The principal arccosine.
    arccos = scalar::complex_arccos, core::arcsin_inside, false, libm::cacos;
    /// The principal inverse hyperbolic sine (arcsin of iz; the core's range is
    /// symmetric in the parts).
    arcsinh = scalar::complex_arcsinh, core::arcsin_inside, false, libm::casinh;
    /// The principal inverse hyperbolic cosine.
    arccosh = scalar::complex_arccosh, core::arcsin_inside, false, libm::cacosh;
    /// log(1 + z); NumPy's formula (`numpy_log1p`) outside the core.
    log1p = scalar::complex_log1p, core::log1p_inside, false, numpy_log1p;
}

/// NumPy's log1p of a complex number: log|1 + z| (by hypot) + i·atan2(y, 1 + x).
pub fn numpy_log1p<T: Part>(z: Complex<T>) -> Complex<T> {
    let one = T::one();
    let l = (z.re + one).correct_hypot(z.im);
    Complex::new(l.ln(), z.im.atan2(z.re + one))
}

/// z·c, with c rounded to the part type first (as NumPy multiplies).
#[inline(always)]
pub fn scaled<T: Part>(z: Complex<T>, c: f64) -> Complex<T> {
    let c = T::narrow(c);
    Complex::new(z.re * c, z.im * c)
}

/// NumPy's base-10 logarithm: the logarithm times log10(e) in the part type.
pub fn log10<T: Part>(z: Complex<T>) -> Complex<T>
where
    Complex<T>: libm::Cplx,
{
    scaled(log(z), std::f64::consts::LOG10_E)
}

/// NumPy's base-2 logarithm: the logarithm times log2(e) in the part type.
pub fn log2<T: Part>(z: Complex<T>) -> Complex<T>
where
    Complex<T>: libm::Cplx,
{
    scaled(log(z), std::f64::consts::LOG2_E)
}
