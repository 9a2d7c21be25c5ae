//! float32 functions of their own: exp, log, sin, cos, tanh and pow of f32s, evaluated in
//! f64 with polynomials only as long as an f32 result needs, then rounded once.
//!
//! Each function's f64 value is within about 2^-40 of the exact one (relative), far
//! below the f32 half ulp (2^-24), so the rounded result is within one ulp and is the
//! correctly rounded one except where the exact value lies within 2^-40 of a rounding
//! boundary (about one argument in 2^16). The float64 functions of this module carry
//! double-double intermediates for their own 1-ulp bound; an f32 argument does not
//! need them, and these take a third to a half of their time. `tests/it/cpu_ulp.rs`
//! and the unit tests below compare them with the float64 functions over every f32
//! argument of a dense sample.
//!
//! Coefficients: near-minimax (Chebyshev) fits in 200-bit arithmetic of the part each
//! polynomial approximates, on the reduced interval; the fit's relative error is given
//! beside each table.

use super::float::{horner, int_to_f64, pow2, round_int, LN2_HI, LN2_LO};
use super::{pow, trig};

/// (expm1(r) − r) / r² on |r| ≤ ln2/2, degree 8 (relative error 2^-45.9).
const EXPM1_Q: [f64; 9] = [
    0.5,
    0.1666666666664829,
    0.04166666666665136,
    0.008333333353729397,
    0.0013888888905881542,
    0.00019841208732536384,
    2.4801536388690766e-05,
    2.762511557828763e-06,
    2.761380686153829e-07,
];

/// (atanh(√z)/√z − 1) / z on 0 ≤ z ≤ ((√2−1)/(√2+1))², degree 4 (relative error
/// 2^-36.4, and the term is below 1% of log's value there).
const LOG_G: [f64; 5] = [
    0.33333333333687726,
    0.19999999398424337,
    0.1428587731786638,
    0.11095697246587528,
    0.09681388418373767,
];

/// (sin r − r) / r³ as a polynomial in z = r² on |r| ≤ π/4, degree 4 (2^-42.4).
const SIN_S: [f64; 5] = [
    -0.16666666666663885,
    0.008333333331078323,
    -0.00019841266916110632,
    2.7555990664728974e-06,
    -2.4805611712122475e-08,
];

/// (cos r − 1) / r² as a polynomial in z = r² on |r| ≤ π/4, degree 4 (2^-40.3).
const COS_C: [f64; 5] = [
    -0.49999999999963873,
    0.041666666637384386,
    -0.0013888885090262895,
    2.4799861846361453e-05,
    -2.7237108576245085e-07,
];

/// π/2 in three parts, the first two of 33 bits (fdlibm's `pio2_1`, `pio2_2`), so that
/// n·part is exact for |n| < 2^20, and the rest: within 2^-120 of π/2.
const PIO2_1: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_2: f64 = f64::from_bits(0x3dd0_b461_1a60_0000);
const PIO2_2T: f64 = f64::from_bits(0x3ba3_198a_2e03_7073);

/// Below this |x|, sin x and tanh x round to x in f32 (x³/3 is under a quarter ulp).
const F32_TINY: f64 = 2.44140625e-4; // 2^-12

/// e^x − 1 for |x| ≤ 60 (f64, relative error near 2^-50): x = k·ln2 + r, |r| ≤ ln2/2,
/// then 2^k·expm1(r) + (2^k − 1), which cancels nowhere for k ≠ 0.
#[inline(always)]
fn expm1_f64(x: f64) -> f64 {
    let (n, k) = round_int(x * std::f64::consts::LOG2_E);
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    let em = (r * r).mul_add(horner(r, &EXPM1_Q), r);
    let t = pow2(k);
    t.mul_add(em, t - 1.0)
}

/// e^y for −110 ≤ y ≤ 90 (f64, relative error near 2^-45); beyond, a value that an
/// f32 rounds to 0 or inf alike. NaN passes through `clamp`.
#[inline(always)]
fn exp_f64(y: f64) -> f64 {
    let y = y.clamp(-110.0, 90.0);
    let (n, k) = round_int(y * std::f64::consts::LOG2_E);
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, y));
    let p = 1.0 + (r * r).mul_add(horner(r, &EXPM1_Q), r);
    // 2^k is normal for −159 ≤ k ≤ 130: one exact scaling, then one rounding to f32
    // (which also gives f32's overflow and its subnormals).
    p * pow2(k)
}

/// e^x of an f32.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    exp_f64(x as f64) as f32
}

/// log y for positive finite y (f64, relative error near 2^-44): y = 2^e·m with
/// √½ ≤ m < √2, log m = 2·atanh(s) with s = (m−1)/(m+1). f32 subnormals are normal in
/// f64; f64 subnormals are not taken.
#[inline(always)]
fn log_f64(y: f64) -> f64 {
    let bits = y.to_bits();
    // m's significand above √2's moves m to [√½, 1) and e up by one.
    let upper = (bits & 0x000f_ffff_ffff_ffff) > 0x0006_a09e_667f_3bcd;
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023 + upper as i64;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (((1023 - upper as i64) as u64) << 52));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let log_m = (2.0 * s).mul_add(z * horner(z, &LOG_G), 2.0 * s);
    // Not `e as f64`: AVX2 has no vector conversion from 64-bit integers.
    let ef = int_to_f64(e);
    ef.mul_add(LN2_HI, ef.mul_add(LN2_LO, log_m))
}

/// The natural logarithm of an f32.
#[inline(always)]
pub fn log(x: f32) -> f32 {
    let v = log_f64(x as f64) as f32;
    if x > 0.0 && x < f32::INFINITY {
        v
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        f32::NAN
    }
}

/// |x|^y of f32s, with 1 for |x| when it is 0 or inf: e^(y·log|x|) in f64, where
/// |y·log|x|| ≤ 110 (beyond, the f32 result is 0 or inf) has an absolute error near
/// 2^-37, far below the f32 half ulp. `pow::pow_special` gives C's special values
/// and the sign from it, as for f64.
#[inline(always)]
pub fn pow_core(x: f32, y: f32) -> f64 {
    let ax = (x as f64).abs();
    let ax = if ax == 0.0 || ax == f64::INFINITY {
        1.0
    } else {
        ax
    };
    exp_f64(y as f64 * log_f64(ax))
}

/// x^y of f32s as C's `powf`.
#[inline(always)]
pub fn pow(x: f32, y: f32) -> f32 {
    pow::pow_special(x as f64, y as f64, pow_core(x, y)) as f32
}

/// (sin r, cos r) of the reduced argument, |r| ≤ π/4 (plus rounding).
#[inline(always)]
fn sin_cos_kernel(r: f64) -> (f64, f64) {
    let z = r * r;
    let s = (r * z).mul_add(horner(z, &SIN_S), r);
    let c = z.mul_add(horner(z, &COS_C), 1.0);
    (s, c)
}

/// x = n·π/2 + r for |x| ≤ `trig::REDUCED_MAX`: (r, n mod 4). Each step is one fused
/// multiply-add of an exact product, so r carries one rounding per step.
#[inline(always)]
fn reduce(y: f64) -> (f64, i64) {
    let (n, q) = round_int(y * std::f64::consts::FRAC_2_PI);
    let r = (-n).mul_add(PIO2_1, y);
    let r = (-n).mul_add(PIO2_2, r);
    ((-n).mul_add(PIO2_2T, r), q & 3)
}

/// sin x of an f32 with |x| ≤ `trig::REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn sin_reduced(x: f32) -> f32 {
    let y = x as f64;
    let (r, q) = reduce(y);
    let (s, c) = sin_cos_kernel(r);
    let v = if q & 1 == 0 { s } else { c };
    let v = if q & 2 == 0 { v } else { -v };
    // Also keeps −0.
    if y.abs() < F32_TINY {
        x
    } else {
        v as f32
    }
}

/// cos x of an f32 with |x| ≤ `trig::REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn cos_reduced(x: f32) -> f32 {
    let (r, q) = reduce(x as f64);
    let (s, c) = sin_cos_kernel(r);
    let v = if q & 1 == 0 { c } else { s };
    (if (q + 1) & 2 == 0 { v } else { -v }) as f32
}

/// Whether `sin_reduced` and `cos_reduced` cover `x` (false for inf and NaN).
#[inline(always)]
pub fn reduced(x: f32) -> bool {
    trig::reduced(x as f64)
}

/// sin x of an f32: the reduction here, the float64 function's beyond it.
#[inline(always)]
pub fn sin(x: f32) -> f32 {
    if reduced(x) {
        sin_reduced(x)
    } else {
        trig::sin(x as f64) as f32
    }
}

/// cos x of an f32: the reduction here, the float64 function's beyond it.
#[inline(always)]
pub fn cos(x: f32) -> f32 {
    if reduced(x) {
        cos_reduced(x)
    } else {
        trig::cos(x as f64) as f32
    }
}

/// tanh x of an f32: e/(e + 2) with e = expm1(2|x|), the sign of x; |x| ≥ 10 gives ±1
/// (tanh rounds to 1 in f32 from 9.01 on); NaN is returned as it came.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let y = (x as f64).abs();
    let e = expm1_f64(if y < 10.0 { 2.0 * y } else { 20.0 });
    let t = (e / (e + 2.0)) as f32;
    if y < F32_TINY || x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{exp, hyperbolic, log, trig};

    /// Whether `got` is one of the two f32 values next to `want` (or `want` itself):
    /// within one ulp of the float64 function, itself within one ulp of f64.
    fn faithful(got: f32, want: f64) -> bool {
        if want.is_nan() || got.is_nan() {
            return want.is_nan() && got.is_nan();
        }
        let r = want as f32;
        let (below, above) = if (r as f64) <= want {
            (
                r,
                f32::from_bits(if r >= 0.0 {
                    r.to_bits() + 1
                } else {
                    r.to_bits() - 1
                }),
            )
        } else {
            (
                f32::from_bits(if r > 0.0 {
                    r.to_bits() - 1
                } else {
                    r.to_bits() + 1
                }),
                r,
            )
        };
        (got == below || got == above || got == r) && got.is_sign_negative() == r.is_sign_negative()
    }

    type Pair = (&'static str, fn(f32) -> f32, fn(f64) -> f64);

    const PAIRS: [Pair; 5] = [
        ("exp", super::exp, exp::exp),
        ("log", super::log, log::log),
        ("sin", super::sin, trig::sin),
        ("cos", super::cos, trig::cos),
        ("tanh", super::tanh, hyperbolic::tanh),
    ];

    #[test]
    fn within_one_ulp_on_a_dense_sample_of_every_f32() {
        for (name, f32_fn, f64_fn) in PAIRS {
            // Every 4099th bit pattern: both signs, subnormals, NaNs and infinities.
            for bits in (0..=u32::MAX)
                .step_by(4099)
                .chain([0x8000_0000, 0x7f80_0000, 0xff80_0000])
            {
                let x = f32::from_bits(bits);
                let (got, want) = (f32_fn(x), f64_fn(x as f64));
                assert!(
                    faithful(got, want),
                    "{name}({x:e}) = {got:e}, float64 gives {want:e}"
                );
            }
        }
    }

    #[test]
    fn pow_within_one_ulp_on_a_sample_of_pairs() {
        // Bases over every binade, exponents small and large, integers and halves.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..400_000 {
            let x = f32::from_bits(next() as u32 & 0x7fff_ffff);
            let y = match next() % 4 {
                0 => (next() % 64) as f32 - 32.0,
                1 => ((next() % 64) as f32 - 32.0) * 0.5,
                2 => f32::from_bits(next() as u32),
                _ => (next() % 2_000_000) as f32 / 10_000.0 - 100.0,
            };
            for x in [x, -x] {
                let (got, want) = (super::pow(x, y), super::super::pow::pow(x as f64, y as f64));
                assert!(
                    faithful(got, want),
                    "pow({x:e}, {y:e}) = {got:e}, float64 gives {want:e}"
                );
            }
        }
    }

    #[test]
    fn special_values_as_numpy_gives_them() {
        assert_eq!(super::exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(super::exp(88.72284), f32::INFINITY);
        assert_eq!(super::exp(-0.0), 1.0);
        assert!(super::log(-1.0).is_nan());
        assert_eq!(super::log(0.0), f32::NEG_INFINITY);
        assert_eq!(super::log(-0.0), f32::NEG_INFINITY);
        assert_eq!(super::log(f32::INFINITY), f32::INFINITY);
        assert_eq!(super::log(1.0).to_bits(), 0);
        for f in [super::sin, super::tanh] {
            assert_eq!(f(-0.0).to_bits(), (-0.0f32).to_bits());
            assert_eq!(f(f32::from_bits(1)), f32::from_bits(1));
        }
        assert!(super::sin(f32::INFINITY).is_nan() && super::cos(f32::NEG_INFINITY).is_nan());
        assert_eq!(super::tanh(f32::NEG_INFINITY), -1.0);
        for f in [super::exp, super::log, super::sin, super::cos, super::tanh] {
            assert!(f(f32::NAN).is_nan());
        }
    }
}
