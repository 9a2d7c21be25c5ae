//! exp and expm1 of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! Both reduce x = k·ln2 + r with k = round(x / ln2), |r| ≤ ln2/2, keeping the
//! rounding error of r (`corr`), and evaluate e^r − 1 − r = r²·P(r) with P the Taylor
//! series to degree 11 (truncation error below 2^-57 on |r| ≤ 0.3466: 0.04 ulp). The
//! leading terms are summed exactly (TwoSum) and everything small is added last, so
//! the result is rounded essentially once: the error stays near 0.5 ulp.

use super::float::{estrin, fast_two_sum, pow2, round_product, two_sum, LN2_HI, LN2_LO};

const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// 1/n! for n = 2..13: e^r = 1 + r + r²·P(r).
const TAYLOR: [f64; 12] = [
    0.5,
    0.16666666666666666,
    0.041666666666666664,
    0.008333333333333333,
    0.001388888888888889,
    0.0001984126984126984,
    2.48015873015873e-05,
    2.7557319223985893e-06,
    2.755731922398589e-07,
    2.505210838544172e-08,
    2.08767569878681e-09,
    1.6059043836821613e-10,
];

/// x = k·ln2 + r + corr: (k, k as an integer, r, corr), for |x| < 2^20.
#[inline(always)]
fn reduce(x: f64) -> (f64, i64, f64, f64) {
    let (k, ki) = round_product(x, INV_LN2);
    // Exact: k·LN2_HI has at most 53 bits and is within a factor 2 of x.
    let hi = (-k).mul_add(LN2_HI, x);
    let lo = k * LN2_LO;
    let r = hi - lo;
    let corr = (hi - r) - lo;
    (k, ki, r, corr)
}

/// e^x = 2^k·(1 + r + p) for |x| < 2^20 (clamped beforehand): (k, r, p), with the
/// reduction's rounding error carried in p.
#[inline(always)]
pub(super) fn exp_parts(x: f64) -> (i64, f64, f64) {
    let (_, ki, r, corr) = reduce(x);
    let p = (r * r).mul_add(
        r.mul_add(r.mul_add(estrin(r, &TAYLOR[2..]), TAYLOR[1]), TAYLOR[0]),
        corr,
    );
    (ki, r, p)
}

/// e^x. Overflow to +inf above 709.78…, underflow through the subnormals to +0
/// below −745.13…, NaN for NaN, as C's `exp`.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Clamped so that k stays in range; beyond the clamps the result is inf or 0
    // anyway. NaN passes through the comparisons.
    let (ki, r, p) = exp_parts(x.clamp(-746.0, 710.0));
    let (h, l) = fast_two_sum(1.0, r);
    // scale(h + (l + p), ki) with the addition fused into the first scaling: 2^k1 is
    // exact on every value here (the scaled sum stays normal for |k| < 1100), so
    // rounding (l + p)·2^k1 + h·2^k1 once gives the same bits, one operation sooner.
    let k1 = ki >> 1;
    let s1 = pow2(k1);
    (l + p).mul_add(s1, h * s1) * pow2(ki - k1)
}

/// e^x − 1 as a double-double (head, tail) for |x| ≤ 709, relative error near 2^-57:
/// the terms of (2^k − 1) + 2^k·r + 2^k·p, the first two summed exactly.
#[inline(always)]
pub(super) fn expm1_dd(x: f64) -> (f64, f64) {
    let (ki, r, p) = exp_parts(x);
    let t = pow2(ki);
    let (a, a_err) = two_sum(t, -1.0);
    let (s, s_err) = two_sum(a, t * r);
    fast_two_sum(s, s_err + a_err + t * p)
}

/// e^x − 1, accurate near 0; −1 below −40 (where e^x < 2^-57), e^x above 709.
#[inline(always)]
pub fn expm1(x: f64) -> f64 {
    let (h, l) = expm1_dd(x.clamp(-40.0, 709.0));
    let y = h + l;
    if x.abs() < 1.0e-17 {
        // Keeps −0 and the subnormals exact.
        x
    } else if x < -40.0 {
        -1.0
    } else if x > 709.0 {
        exp(x)
    } else {
        y
    }
}
