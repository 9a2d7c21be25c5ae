//! log, log1p, log2 and log10 of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! fdlibm's design, without its branches: x = 2^k·m with m in [√2/2, √2), f = m − 1
//! (exact), s = f/(2 + f), and log(1 + f) = f − f²/2 + s·(f²/2 + R(s²)) with R the
//! minimax polynomial of fdlibm (`Lg1`–`Lg7`, error below 2^-58.45); k·ln2 is added
//! in two parts so that only the last additions round. log2 and log10 take the same
//! sum as a double-double (its exact parts added by TwoSum) and multiply it by
//! 1/ln2 (1/ln10) as a double-double, so that only the last addition rounds.

use super::float::{estrin, fast_two_sum, horner, int_to_f64, pow2, two_sum, LN2_HI, LN2_LO};

/// √2/2: m is x's significand scaled into [√2/2, √2).
const SQRT1_2_BITS: i64 = 0x3fe6_a09e_667f_3bcd;
const EXPONENT_MASK: i64 = 0xfff << 52;

/// fdlibm's Lg1…Lg7: R(z) = z·(Lg1 + z·(Lg2 + …)), z = s².
const LG: [f64; 7] = [
    0.6666666666666735,
    0.3999999999940942,
    0.2857142874366239,
    0.22222198432149784,
    0.1818357216161805,
    0.15313837699209373,
    0.14798198605116586,
];

/// x = 2^k·m, m in [√2/2, √2), for positive finite normal x: (k, m).
#[inline(always)]
pub(super) fn split(x: f64) -> (i64, f64) {
    let bits = x.to_bits() as i64;
    let tmp = bits.wrapping_sub(SQRT1_2_BITS);
    // tmp >> 52 (arithmetic) as a logical shift of tmp + 2^62, which is not negative
    // for positive x: AVX2 has no 64-bit arithmetic shift.
    let k = ((tmp.wrapping_add(1 << 62) as u64) >> 52) as i64 - 1024;
    let m = f64::from_bits(bits.wrapping_sub(tmp & EXPONENT_MASK) as u64);
    (k, m)
}

/// x = 2^k·m, m in [√2/2, √2), for positive finite x, subnormals included (scaled
/// into the normals first): (k as f64, m).
#[inline(always)]
pub(super) fn split_any(x: f64) -> (f64, f64) {
    let subnormal = x < f64::MIN_POSITIVE;
    let xs = if subnormal {
        x * 18014398509481984.0
    } else {
        x
    };
    let (k, m) = split(xs);
    (int_to_f64(if subnormal { k - 54 } else { k }), m)
}

/// k·ln2 + log(1 + f) + c(s), where 1 + f is in [√2/2, √2), s = f/(2 + f) and c(s)
/// is small (a correction that may use s, which is on hand only here).
#[inline(always)]
fn log_sum(k: f64, f: f64, c: impl Fn(f64) -> f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    let hfsq = 0.5 * f * f;
    let hfsq_plus_r = z.mul_add(estrin(z, &LG), hfsq);
    k * LN2_HI - ((hfsq - s.mul_add(hfsq_plus_r, k.mul_add(LN2_LO, c(s)))) - f)
}

/// 1/(1 + f) within a relative 2^-15 from s = f/(2 + f), |s| ≤ 0.1716, without a
/// division: 1/(1 + f) = (1 − s)/(1 + s) = (1 − s)²·(1 + s² + s⁴ + …), truncated after
/// s⁴ (the rest is below s⁶·1.03 < 2^-15.2).
#[inline(always)]
fn recip_one_plus(s: f64) -> f64 {
    let t = 1.0 - s;
    let t2 = t * t;
    let s2 = s * s;
    t2.mul_add(s2.mul_add(s2, s2), t2)
}

/// The natural logarithm: −inf at ±0, NaN below 0, +inf at +inf, as C's `log`.
#[inline(always)]
pub fn log(x: f64) -> f64 {
    let (k, m) = split_any(x);
    let y = log_sum(k, m - 1.0, |_| 0.0);
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x < 0.0 {
        f64::NAN
    } else if x == f64::INFINITY || x.is_nan() {
        x + x
    } else {
        y
    }
}

/// log(1 + x) where [`log1p_core_covers`] holds (a finite, meaningless value
/// elsewhere): the vectorized body of [`log1p`], without its special values, which
/// the batch function patches per element (`batch.rs`). Subnormals and other tiny x
/// need no select: there f = x, and below |x| = 2^-53 the terms after f are under a
/// quarter of an ulp of x, so the sum rounds to x
/// (`math::tests::log1p_of_tiny_arguments_is_the_argument`); only −0 (+0 from the sum)
/// takes one, so that zeros, common in data, stay in the vector loop.
#[inline(always)]
pub fn log1p_core(x: f64) -> f64 {
    // u = 1 + x rounded, and the exact rounding error err of that sum.
    let (u, err) = two_sum(1.0, x);
    let (k, m) = split(u);
    // Where u needs no scaling, f is x itself (exact); elsewhere f = m − 1 (exact)
    // and the rounding error of u enters as log(u + err) ≈ log(u) + err/u, where
    // err/u = err·2^-k/(1 + f). |err/u| ≤ 2^-53 and the result is at least 0.34
    // there, so a relative 2^-15 of it is far below an ulp: 1/(1 + f) comes from a
    // short polynomial in s, not a second division. 2^-k for k ≤ 1022 (2^-1022 above:
    // there u > 2^1022, err/u ≤ 2^-53 is under 2^-42 ulp of the result ≥ 708, and
    // at most four times too large).
    let near = k == 0;
    let f = if near { x } else { m - 1.0 };
    let err_scaled = err * pow2(-k.min(1022));
    let y = log_sum(int_to_f64(k), f, |s| {
        if near {
            0.0
        } else {
            err_scaled * recip_one_plus(s)
        }
    });
    // Keeps −0.
    if x == 0.0 {
        x
    } else {
        y
    }
}

/// Whether [`log1p_core`] gives log1p(x): −1 < x < inf (false for NaN).
#[inline(always)]
pub fn log1p_core_covers(x: f64) -> bool {
    x > -1.0 && x < f64::INFINITY
}

/// log(1 + x), accurate near 0: −inf at −1, NaN below −1, +inf at +inf.
#[inline(always)]
pub fn log1p(x: f64) -> f64 {
    let y = log1p_core(x);
    if log1p_core_covers(x) {
        y
    } else if x == -1.0 {
        f64::NEG_INFINITY
    } else if x < -1.0 {
        f64::NAN
    } else {
        // +inf and NaN.
        x + x
    }
}

/// 1/ln2 and 1/ln10 as double-doubles (head, tail).
const INV_LN2: (f64, f64) = (std::f64::consts::LOG2_E, 2.0355273740931033e-17);
const INV_LN10: (f64, f64) = (std::f64::consts::LOG10_E, 1.098319650216765e-17);

/// The natural logarithm of positive finite x as a double-double (head, tail), with a
/// relative error far below 2^-53: the exact parts (k·ln2's head, f, f²/2 and its
/// rounding error by a fused multiply-add) summed without rounding (TwoSum), the
/// small rest added once.
#[inline(always)]
pub(super) fn log_dd(x: f64) -> (f64, f64) {
    let (k, m) = split_any(x);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * horner(z, &LG);
    let half_f = 0.5 * f;
    let hfsq = half_f * f;
    let hfsq_err = half_f.mul_add(f, -hfsq);
    let (a, e1) = two_sum(k * LN2_HI, f);
    let (b, e2) = two_sum(a, -hfsq);
    let tail = s.mul_add(hfsq + r, k.mul_add(LN2_LO, (e1 + e2) - hfsq_err));
    fast_two_sum(b, tail)
}

/// log(x)·c for a double-double constant c, rounded once (almost), with the special
/// values of C's log2 and log10.
#[inline(always)]
fn log_times(x: f64, c: (f64, f64)) -> f64 {
    let (hi, lo) = log_dd(x);
    let p = hi * c.0;
    let p_err = hi.mul_add(c.0, -p);
    let y = p + hi.mul_add(c.1, lo.mul_add(c.0, p_err));
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x < 0.0 {
        f64::NAN
    } else if x == f64::INFINITY || x.is_nan() {
        x + x
    } else {
        y
    }
}

/// The base-2 logarithm (exact at powers of two: log(2^k)·(1/ln2) is within far less
/// than half an ulp of k).
#[inline(always)]
pub fn log2(x: f64) -> f64 {
    log_times(x, INV_LN2)
}

/// The base-10 logarithm.
#[inline(always)]
pub fn log10(x: f64) -> f64 {
    log_times(x, INV_LN10)
}
