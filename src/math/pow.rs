//! pow of f64 within 1 ulp (f32: the f64 function, rounded once more, in `mod.rs`),
//! with C99's special values (NumPy's `power` of floats is C's `pow`).
//!
//! x^y = e^{y·log|x|}. A result within 1 ulp needs y·log|x| to about 2^-62 absolute
//! (it reaches 745 in magnitude), so log|x| needs a relative error near 2^-68: more
//! than `log.rs`'s double-double gives. Here log|x| = k·ln2 + 2·atanh(s), s = f/(2 + f)
//! (fdlibm's reduction, |s| ≤ 0.1716) with s, s² and s³ as double-doubles, the terms
//! 2s and (2/3)s³ summed exactly and the rest s⁵·Σ 2z^n/(2n + 5) (z = s², Taylor to
//! z^10, truncation below 2^-70) in double precision, where its rounding is
//! 2^-65 of the result. Then y·log|x| is a double-double (a fused multiply-add splits
//! the product) and e^{h + l} = 2^k·e^r·(1 + l) with `exp.rs`'s reduction of h.

use super::exp::exp_parts;
use super::float::{div_dd, fast_two_sum, horner, scale, two_prod, two_sum, LN2_HI, LN2_LO};
use super::log::split_any;

/// 2/(2n + 1) for n = 2..12.
const ODD: [f64; 11] = [
    0.4,
    0.2857142857142857,
    0.2222222222222222,
    0.18181818181818182,
    0.15384615384615385,
    0.13333333333333333,
    0.11764705882352941,
    0.10526315789473684,
    0.09523809523809523,
    0.08695652173913043,
    0.08,
];
/// 2/3 as a double-double.
const TWO_THIRDS: (f64, f64) = (0.6666666666666666, 3.700743415417188e-17);

/// log x as a double-double with a relative error near 2^-68, for positive finite x.
#[inline(always)]
fn log_precise(x: f64) -> (f64, f64) {
    let (k, m) = split_any(x);
    let f = m - 1.0;
    let (d, d_err) = two_sum(2.0, f);
    let (sh, sl) = div_dd(f, 0.0, d, d_err);
    let (zh, z_err) = two_prod(sh, sh);
    let zl = z_err + 2.0 * sh * sl;
    let (ch, c_err) = two_prod(sh, zh);
    let cl = c_err + sh.mul_add(zl, sl * zh);
    let (th, t_err) = two_prod(ch, TWO_THIRDS.0);
    let tl = t_err + ch.mul_add(TWO_THIRDS.1, cl * TWO_THIRDS.0);
    let rest = ch * zh * horner(zh, &ODD);
    let (a, a_err) = two_sum(k * LN2_HI, 2.0 * sh);
    let (b, b_err) = two_sum(a, th);
    let tail = (a_err + b_err) + (k.mul_add(LN2_LO, 2.0 * sl) + (tl + rest));
    fast_two_sum(b, tail)
}

/// |x|^y for finite nonzero x and finite y: overflow to +inf, underflow through the
/// subnormals to +0.
#[inline(always)]
fn pow_finite(ax: f64, y: f64) -> f64 {
    let (lh, ll) = log_precise(ax);
    let (eh, e_err) = two_prod(y, lh);
    let el = e_err + y * ll;
    let in_range = eh.abs() < 746.0;
    let el = if in_range { el } else { 0.0 };
    let (ki, r, p) = exp_parts(eh.clamp(-746.0, 710.0));
    let (h, l) = fast_two_sum(1.0, r);
    // e^{eh + el} = 2^k·(h + l + p)·(1 + el) to far below an ulp (el < 2^-40).
    scale(h + (l + el.mul_add(h + p, p)), ki)
}

/// x^y as C's `pow`: 1 for y = 0 or x = 1 (NaN or not), NaN for NaN otherwise and for
/// negative x to a non-integer power, signed zeros and infinities at x = ±0 and
/// x = ±inf (negative only for odd integer y), the limits at y = ±inf.
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    pow_special(x, y, pow_core(x, y))
}

/// What every argument pair computes: |x|^y (with 1 for |x| when it is 0 or inf).
/// Split from [`pow_special`] so that a loop of it alone has no control flow and
/// vectorizes (`batch.rs` runs the two as two loops).
#[inline(always)]
pub fn pow_core(x: f64, y: f64) -> f64 {
    let ax = x.abs();
    pow_finite(
        if ax == 0.0 || ax == f64::INFINITY {
            1.0
        } else {
            ax
        },
        y,
    )
}

/// x^y from `core` = [`pow_core`]`(x, y)`: the special values, and the sign.
#[inline(always)]
pub fn pow_special(x: f64, y: f64, core: f64) -> f64 {
    let ax = x.abs();
    let y_int = y == y.trunc();
    let half = 0.5 * y;
    let y_odd = y_int && half != half.trunc();
    let negative = x.is_sign_negative() && y_odd;
    // |x| = 0 or inf: 0 or inf by the sign of y; |y| = inf: the limit.
    let zero_or_inf = |small: bool| if small { 0.0 } else { f64::INFINITY };
    let v = if ax == 0.0 {
        zero_or_inf(y > 0.0)
    } else if ax == f64::INFINITY {
        zero_or_inf(y < 0.0)
    } else if y.is_infinite() {
        if ax == 1.0 {
            1.0
        } else {
            zero_or_inf((ax < 1.0) == (y > 0.0))
        }
    } else {
        core
    };
    let v = if negative { -v } else { v };
    if y == 0.0 || x == 1.0 {
        1.0
    } else if x.is_nan() || y.is_nan() || (x < 0.0 && !y_int && ax != f64::INFINITY) {
        f64::NAN
    } else {
        v
    }
}
