//! arcsinh, arccosh and arctanh of f64 within 1 ulp (f32: the f64 function, rounded
//! once more).
//!
//! Each is a logarithm of a double-double w = wh + wl: log w = log wh + wl/wh, with
//! log wh from `log.rs`'s double-double logarithm, so only the last addition rounds:
//! * arcsinh |x| = log(|x| + √(x² + 1)), arccosh x = log(x + √(x² − 1)), with x² ± 1
//!   summed exactly (x² split by a fused multiply-add) and the root a double-double;
//!   beyond 2^28, log x + ln 2 (the neglected 1/(4x²) is below 2^-58).
//! * arctanh |x| = log((1 + |x|)/(1 − |x|))/2, the sums exact and the quotient a
//!   double-double.
//!
//! Where w is near 1 the logarithm's argument keeps its low part, so small results
//! keep their relative accuracy; below 2^-26 arcsinh and arctanh round to x.

use super::float::{div_dd, sqrt_dd, two_prod, two_sum, LN2_DD};
use super::log::log_dd;

/// 2^-26: below it arcsinh x and arctanh x round to x.
const TINY: f64 = 1.4901161193847656e-8;
/// 2^28: beyond it log(2x) is the result.
const LARGE: f64 = 268435456.0;

/// log(wh + wl) + c for a double-double constant c, rounded once, for wh positive,
/// finite and normal.
#[inline(always)]
pub(super) fn log_of_dd(wh: f64, wl: f64, c: (f64, f64)) -> f64 {
    let (h, l) = log_dd(wh);
    let (s, s_err) = two_sum(h, c.0);
    s + (s_err + ((l + c.1) + wl / wh))
}

/// a + √(a² + sign) as a double-double (sign ±1), for 0 ≤ a ≤ 2^28.
#[inline(always)]
fn plus_root(a: f64, sign: f64) -> (f64, f64) {
    let (p, p_err) = two_prod(a, a);
    let (t, t_err) = two_sum(p, sign);
    let (s, sl) = sqrt_dd(t, t_err + p_err);
    let (w, w_err) = two_sum(a, s);
    (w, w_err + sl)
}

/// The inverse hyperbolic sine: ±inf at ±inf, NaN for NaN.
#[inline(always)]
pub fn arcsinh(x: f64) -> f64 {
    let a = x.abs();
    // Beyond 2^28 one logarithm of a, plus ln 2.
    let big = a > LARGE;
    let (wh, wl) = plus_root(a.clamp(0.0, LARGE), 1.0);
    let (wh, wl, c) = if big {
        (a, 0.0, LN2_DD)
    } else {
        (wh, wl, (0.0, 0.0))
    };
    let y = log_of_dd(wh, wl, c);
    // Tiny arguments round to themselves; inf is its own result.
    let y = if a < TINY || a == f64::INFINITY { a } else { y };
    if x.is_nan() {
        x
    } else {
        y.copysign(x)
    }
}

/// The inverse hyperbolic cosine: +0 at 1, +inf at +inf, NaN below 1 and for NaN.
#[inline(always)]
pub fn arccosh(x: f64) -> f64 {
    let big = x > LARGE;
    let (wh, wl) = plus_root(x.clamp(1.0, LARGE), -1.0);
    let (wh, wl, c) = if big {
        (x, 0.0, LN2_DD)
    } else {
        (wh, wl, (0.0, 0.0))
    };
    let y = log_of_dd(wh, wl, c);
    if x == f64::INFINITY {
        x
    } else if x >= 1.0 {
        y
    } else if x.is_nan() {
        x
    } else {
        f64::NAN
    }
}

/// The inverse hyperbolic tangent: ±inf at ±1, NaN beyond and for NaN.
#[inline(always)]
pub fn arctanh(x: f64) -> f64 {
    let a = x.abs();
    let (n, n_err) = two_sum(1.0, a);
    let (d, d_err) = two_sum(1.0, -a);
    let (q, ql) = div_dd(n, n_err, d, d_err);
    let y = 0.5 * log_of_dd(q, ql, (0.0, 0.0));
    let y = if a < TINY {
        a
    } else if a == 1.0 {
        f64::INFINITY
    } else if a < 1.0 {
        y
    } else {
        f64::NAN
    };
    if x.is_nan() {
        x
    } else {
        y.copysign(x)
    }
}
