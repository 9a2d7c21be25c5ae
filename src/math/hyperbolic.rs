//! sinh, cosh and tanh of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! All three come from the exp/expm1 reduction of `exp.rs` taken as double-doubles,
//! so that only the last operation rounds (fdlibm's formulas, with the intermediate
//! results carried in two parts instead of rounded):
//! * tanh x = E/(E + 2) with E = e^{2|x|} − 1; ±1 beyond |x| = 20 (1 − tanh 20 < 2^-57).
//! * sinh x = (E + E/(E + 1))/2 with E = e^{|x|} − 1 up to |x| = 20, where e^{−|x|}
//!   stops mattering (e^{−40} < 2^-57); beyond, 2^{k−1}·(1 + r + p), scaled so that
//!   e^{|x|}/2 does not overflow before the true result does (near 710.4758).
//! * cosh x = (e^{|x|} + e^{−|x|})/2 with e^{|x|} and its reciprocal as
//!   double-doubles up to 20, the same scaled exponential beyond.
//!
//! Below 2^-27 sinh x and tanh x are x rounded (x³/6 is under a quarter ulp), which
//! also keeps −0 and the subnormals exact.

use super::exp::{exp_parts, expm1_dd};
use super::float::{div_dd, fast_two_sum, pow2, scale, two_sum};

/// 2^-27: below it sinh x, tanh x round to x.
const TINY: f64 = 7.450580596923828e-9;
/// Where the double-double formulas stop and e^{|x|}/2 alone is the result.
const LARGE: f64 = 20.0;
/// A clamp for the exponent: beyond it every result has overflowed.
const HUGE: f64 = 711.0;

/// e^{|x|}/2 for LARGE ≤ |x| ≤ HUGE, rounded once (+inf past sinh's and cosh's
/// overflow threshold).
#[inline(always)]
fn half_exp(a: f64) -> f64 {
    let (ki, r, p) = exp_parts(a.clamp(0.0, HUGE));
    let (h, l) = fast_two_sum(1.0, r);
    scale(h + (l + p), ki - 1)
}

/// The hyperbolic tangent: ±1 beyond |x| = 20, NaN for NaN.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    let (eh, el) = expm1_dd(2.0 * a.clamp(0.0, LARGE));
    let (dh, de) = two_sum(eh, 2.0);
    let (q, ql) = div_dd(eh, el, dh, de + el);
    let y = q + ql;
    let y = if a < TINY {
        a
    } else if a > LARGE {
        1.0
    } else {
        y
    };
    y.copysign(x)
}

/// The hyperbolic sine: ±inf beyond ±710.4758…, NaN for NaN.
#[inline(always)]
pub fn sinh(x: f64) -> f64 {
    let a = x.abs();
    let (eh, el) = expm1_dd(a.clamp(0.0, LARGE));
    let (dh, de) = two_sum(1.0, eh);
    let (q, ql) = div_dd(eh, el, dh, de + el);
    let (s, se) = fast_two_sum(eh, q);
    let mid = 0.5 * (s + (se + (el + ql)));
    let y = if a < TINY {
        a
    } else if a <= LARGE {
        mid
    } else {
        half_exp(a)
    };
    y.copysign(x)
}

/// The hyperbolic cosine: +inf beyond ±710.4758…, NaN for NaN.
#[inline(always)]
pub fn cosh(x: f64) -> f64 {
    let a = x.abs();
    let (ki, r, p) = exp_parts(a.clamp(0.0, LARGE));
    let t = pow2(ki);
    // e^{|x|} = eh + el exactly scaled (k ≤ 29), its reciprocal q + ql.
    let (h, l) = fast_two_sum(1.0, r);
    let (h, l) = fast_two_sum(h, l + p);
    let (eh, el) = (h * t, l * t);
    let (q, ql) = div_dd(1.0, 0.0, eh, el);
    let (s, se) = two_sum(eh, q);
    let mid = 0.5 * (s + (se + (el + ql)));
    if a <= LARGE {
        mid
    } else {
        half_exp(a)
    }
}
