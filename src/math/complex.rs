//! The cores of complex exp, log, log1p, sqrt, sin, cos, tan, arcsin, arccos, arctan,
//! sinh, cosh, tanh, arcsinh, arccosh and arctanh, within 1 ulp per part, built on
//! the real functions' double-double kernels (and the steps the complex power,
//! `complex_pow.rs`, shares):
//! * exp(x + iy) = e^x·cos y + i·e^x·sin y, with e^x = 2^k·(1 + r + p) from `exp.rs`
//!   and sin y, cos y from `trig.rs`' reduction and `tan.rs`' kernels, both as
//!   double-doubles; each part is one double-double product, rounded once, then
//!   scaled by 2^k exactly.
//! * log z = ½·log(x² + y²) + i·atan2(y, x), with x² + y² summed as a double-double
//!   (the squares split by fused multiply-adds) and its logarithm from
//!   `inverse_hyperbolic.rs`' double-double logarithm, so that |z| near 1 keeps its
//!   relative accuracy.
//! * sqrt z = t + i·y/(2t) with t = √((|x| + |z|)/2) (for x < 0 the parts swap and
//!   the imaginary part takes y's sign, C99's formula), |z| = √(x² + y²) and t as
//!   double-doubles, so that both parts round once.
//! * sin, cos, sinh, cosh: sin x·cosh y + i·cos x·sinh y and the like (C99's
//!   formulas), sinh and cosh sharing one e^|t| − 1 from `exp.rs` as double-doubles.
//! * tanh z = (sinh x·cosh x + i·sin y·cos y)/(sinh² x + cos² y), numerators and
//!   denominator as double-doubles and each quotient rounded once; beyond |x| = 20,
//!   ±1 + i·4·sin y·cos y·e^{−2|x|} (the neglected terms are below 2^-57). tan z is
//!   −i·tanh(iz).
//! * arctanh z = ¼·log(((1 + x)² + y²)/((1 − x)² + y²)) + i·½·atan2(2y, 1 − x² − y²),
//!   every sum and product a double-double, the quotient's logarithm by `log_of_dd`
//!   (or, where it is within 2^-20 of 1, three terms of log1p's series) and the angle
//!   by `atan.rs`' kernel of a double-double quotient. arctan z is −i·arctanh(iz).
//! * log1p z = ½·log1p(2x + x² + y²) + i·atan2(y, 1 + x), the sum and 1 + x as
//!   double-doubles (NumPy's formula, log of hypot(1 + x, y), loses the relative
//!   accuracy of small results).
//! * arcsin z = atan2(x, √((A − x)(A + x))) + i·log1p(A − 1 + √((A − 1)(A + 1))) for
//!   x, y ≥ 0, A = (|z + 1| + |z − 1|)/2 (Hull, Fairgrieve and Tang, ACM TOMS 1997),
//!   A − x and A − 1 summed from positive terms only, every step a double-double;
//!   the signs by symmetry (arcsin is odd and commutes with conjugation). arccos z
//!   has the real part atan2(√((A − x)(A + x)), x) and the opposite imaginary part;
//!   arcsinh z is −i·arcsin(iz), arccosh z is ±i·arccos z.
//!
//! Each core covers the arguments [`exp_inside`], [`log_inside`], [`sqrt_inside`],
//! [`trig_inside`], [`tanh_inside`], [`arctanh_inside`], [`log1p_inside`] and
//! [`arcsin_inside`] accept: finite, not subnormal, away from
//! overflow and from the last bits of |z| = 1; there no part over- or underflows and C99's special values
//! are the formulas' own (a zero part keeps the sign of its IEEE product). The
//! callers (`crate::value`, the batch functions) give every other argument to the C
//! library's function, as NumPy does, so special values are C99's (Annex G) exactly.
//! complex64 evaluates the same cores on the widened parts and rounds each part once.

use super::atan::{arctan2, atan_dd, pi_minus, quotient};
use super::exp::{exp_parts, expm1_dd};
use super::float::{div_dd, fast_two_sum, scale, sqrt_dd, two_prod, two_sum};
use super::inverse_hyperbolic::log_of_dd;
use super::tan::{cos_dd, sin_dd};
use super::trig::{reduce, REDUCED_MAX};

/// A double-double (head, tail).
type Dd = (f64, f64);

/// Below it (and above 0) a part is left to the C library: products of such parts
/// could be subnormal and round twice.
const SMALL: f64 = 3.054936363499605e-151; // 2^-500
/// e^x for |x| ≤ 700 and cosh, sinh of |t| ≤ 700 times anything ≤ 1 stay normal and
/// finite (e^700 ≈ 1.0e304, e^-700·2^-62 ≈ 2e-323 would not: the low end is −600).
const EXP_LOW: f64 = -600.0;
const EXP_HIGH: f64 = 700.0;
/// Where sinh and cosh stop summing e^t and e^-t (e^-40 < 2^-57).
const LARGE: f64 = 20.0;
/// log's core needs x² + y² normal and finite, and |x² + y² − 1| ≥ 2^-40 (below, the
/// double-double sum's error would show in the logarithm).
const LOG_LOW: f64 = 3.872591914849318e-121; // 2^-400
const LOG_HIGH: f64 = 3.273390607896142e150; // 2^500
const NEAR_ONE: f64 = 9.094947017729282e-13; // 2^-40

/// a·b for double-doubles, rounded once; a zero product is the IEEE product of the
/// heads, with its sign (the exact error terms would add +0 to it).
#[inline(always)]
pub(super) fn mul_dd(a: Dd, b: Dd) -> f64 {
    let (p, e) = two_prod(a.0, b.0);
    let r = p + (e + a.0.mul_add(b.1, a.1 * b.0));
    if p == 0.0 {
        p
    } else {
        r
    }
}

fn neg((h, l): Dd) -> Dd {
    (-h, -l)
}

/// (sin y, cos y) as double-doubles for |y| ≤ `REDUCED_MAX`; sin ±0 = ±0.
#[inline(always)]
fn sin_cos_dd(y: f64) -> (Dd, Dd) {
    let (r, r_lo, q) = reduce(y);
    let (s, c) = quadrant_sin_cos(r, r_lo, q);
    (if y == 0.0 { (y, 0.0) } else { s }, c)
}

/// (sin v, cos v) as double-doubles of a double-double v, |v.0| ≤ `REDUCED_MAX`:
/// v.0's reduction with v.1 added to its low part.
#[inline(always)]
pub(super) fn sin_cos_of_dd(v: Dd) -> (Dd, Dd) {
    let (r, r_lo, q) = reduce(v.0);
    let (r, r_lo) = two_sum(r, r_lo + v.1);
    quadrant_sin_cos(r, r_lo, q)
}

/// sin(r + qπ/2) and cos(r + qπ/2) for the reduced r + r_lo, by the quadrant q.
#[inline(always)]
fn quadrant_sin_cos(r: f64, r_lo: f64, q: i64) -> (Dd, Dd) {
    let (s, c) = (sin_dd(r, r_lo), cos_dd(r, r_lo));
    let (s, c) = if q & 1 == 0 { (s, c) } else { (c, neg(s)) };
    if q & 2 == 0 {
        (s, c)
    } else {
        (neg(s), neg(c))
    }
}

/// (k, sinh t, cosh t) with the two as double-doubles times 2^k, for |t| ≤ 700:
/// sinh |t| = (E + E/(E + 1))/2 and cosh |t| = (e^|t| + e^-|t|)/2 with E = e^|t| − 1
/// up to `LARGE`, e^|t|/2 beyond; sinh takes t's sign.
#[inline(always)]
fn sinh_cosh_dd(t: f64) -> (i64, Dd, Dd) {
    let a = t.abs();
    let (eh, el) = expm1_dd(a.min(LARGE));
    // e^a = dh + dl.
    let (dh, de) = two_sum(1.0, eh);
    let dl = de + el;
    let (q, ql) = div_dd(eh, el, dh, dl);
    let (s, se) = fast_two_sum(eh, q);
    let sinh = (0.5 * s, 0.5 * (se + (el + ql)));
    let (r, rl) = div_dd(1.0, 0.0, dh, dl);
    let (c, ce) = fast_two_sum(dh, r);
    let cosh = (0.5 * c, 0.5 * (ce + (dl + rl)));
    let (k, r, p) = exp_parts(a);
    let (h, l) = fast_two_sum(1.0, r);
    let half = (0.5 * h, 0.5 * (l + p));
    let (k, sinh, cosh) = if a > LARGE {
        (k, half, half)
    } else {
        (0, sinh, cosh)
    };
    (
        k,
        if t.is_sign_negative() {
            neg(sinh)
        } else {
            sinh
        },
        cosh,
    )
}

/// Whether |t| is 0 or at least `SMALL`.
#[inline(always)]
fn not_tiny(t: f64) -> bool {
    t == 0.0 || t.abs() >= SMALL
}

/// Whether [`exp`]'s core covers x + iy.
#[inline(always)]
pub fn exp_inside(x: f64, y: f64) -> bool {
    (EXP_LOW..=EXP_HIGH).contains(&x) && y.abs() <= REDUCED_MAX && not_tiny(y)
}

/// exp(x + iy) for [`exp_inside`] arguments.
#[inline(always)]
pub fn exp(x: f64, y: f64) -> (f64, f64) {
    let (k, r, p) = exp_parts(x.clamp(EXP_LOW, EXP_HIGH));
    let (h, l) = fast_two_sum(1.0, r);
    let e = (h, l + p);
    let (s, c) = sin_cos_dd(y.clamp(-REDUCED_MAX, REDUCED_MAX));
    (scale(mul_dd(e, c), k), scale(mul_dd(e, s), k))
}

/// Whether [`log`]'s core covers x + iy.
#[inline(always)]
pub fn log_inside(x: f64, y: f64) -> bool {
    let m = x.abs().max(y.abs());
    (LOG_LOW..=LOG_HIGH).contains(&m) && (x.mul_add(x, y * y) - 1.0).abs() >= NEAR_ONE
}

/// log(x + iy) for [`log_inside`] arguments.
#[inline(always)]
pub fn log(x: f64, y: f64) -> (f64, f64) {
    let (s, sl) = norm_dd(x, y);
    // Outside the core's arguments s may be 0 or inf: any finite value will do.
    let s = if s > 0.0 && s < f64::INFINITY { s } else { 1.0 };
    (0.5 * log_of_dd(s, sl, (0.0, 0.0)), arctan2(y, x))
}

/// x² + y² as a double-double (exact squares, one rounding of the small terms).
#[inline(always)]
pub(super) fn norm_dd(x: f64, y: f64) -> Dd {
    let (a, a_err) = two_prod(x, x);
    let (b, b_err) = two_prod(y, y);
    let (s, s_err) = two_sum(a, b);
    fast_two_sum(s, s_err + (a_err + b_err))
}

/// Whether [`sqrt`]'s core covers x + iy: x² + y² normal and finite, neither part
/// subnormal (a part of the result could be).
#[inline(always)]
pub fn sqrt_inside(x: f64, y: f64) -> bool {
    let m = x.abs().max(y.abs());
    (LOG_LOW..=LOG_HIGH).contains(&m) && not_tiny(x) && not_tiny(y)
}

/// The principal square root of x + iy for [`sqrt_inside`] arguments.
#[inline(always)]
pub fn sqrt(x: f64, y: f64) -> (f64, f64) {
    let (s, sl) = norm_dd(x, y);
    let (h, hl) = sqrt_dd(s, sl);
    let (u, ue) = two_sum(x.abs(), h);
    let (t, tl) = sqrt_dd(0.5 * u, 0.5 * (ue + hl));
    // Outside the core's arguments t may be 0: any finite divisor will do.
    let (d, dl) = if t > 0.0 {
        (2.0 * t, 2.0 * tl)
    } else {
        (1.0, 0.0)
    };
    let (q, ql) = div_dd(y.abs(), 0.0, d, dl);
    let (big, small) = (t + tl, q + ql);
    if x >= 0.0 {
        (big, small.copysign(y))
    } else {
        (small, big.copysign(y))
    }
}

/// Whether the cores of sin, cos, sinh and cosh cover the argument with `trig` the
/// part that goes through sin and cos and `hyperbolic` the other.
#[inline(always)]
pub fn trig_inside(trig: f64, hyperbolic: f64) -> bool {
    trig.abs() <= REDUCED_MAX
        && hyperbolic.abs() <= EXP_HIGH
        && not_tiny(trig)
        && not_tiny(hyperbolic)
}

/// The parts sin t, cos t of the trigonometric argument and sinh h, cosh h of the
/// hyperbolic one, and h's scale: (k, sin t, cos t, sinh h, cosh h).
#[inline(always)]
fn trig_parts(t: f64, h: f64) -> (i64, Dd, Dd, Dd, Dd) {
    let (s, c) = sin_cos_dd(t.clamp(-REDUCED_MAX, REDUCED_MAX));
    let (k, sh, ch) = sinh_cosh_dd(h.clamp(-EXP_HIGH, EXP_HIGH));
    (k, s, c, sh, ch)
}

/// a·b for double-doubles, as a double-double.
#[inline(always)]
pub(super) fn mul_dd2(a: Dd, b: Dd) -> Dd {
    let (p, e) = two_prod(a.0, b.0);
    fast_two_sum(p, e + a.0.mul_add(b.1, a.1 * b.0))
}

/// a + b for double-doubles, as a double-double: within about 2^-104 of the larger
/// (of the sum, where they have the same sign).
#[inline(always)]
pub(super) fn add_dd(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    fast_two_sum(s, e + (a.1 + b.1))
}

/// Beyond it tanh's real part rounds to ±1 and its imaginary part is
/// 4·sin y·cos y·e^{−2|x|}; below `TANH_HIGH` that stays normal.
const TANH_LARGE: f64 = 20.0;
const TANH_HIGH: f64 = 300.0;

/// Whether [`tanh`]'s core covers x + iy.
#[inline(always)]
pub fn tanh_inside(x: f64, y: f64) -> bool {
    x.abs() <= TANH_HIGH && y.abs() <= REDUCED_MAX && not_tiny(x) && not_tiny(y)
}

/// tanh(x + iy) for [`tanh_inside`] arguments.
#[inline(always)]
pub fn tanh(x: f64, y: f64) -> (f64, f64) {
    let (s, c) = sin_cos_dd(y.clamp(-REDUCED_MAX, REDUCED_MAX));
    let sc = mul_dd2(s, c);
    // |x| ≤ 20: the quotients (sinh x·2^k with k = 0 there).
    let (_, sh, ch) = sinh_cosh_dd(x.clamp(-TANH_LARGE, TANH_LARGE));
    let den = add_dd(mul_dd2(sh, sh), mul_dd2(c, c));
    let re_num = mul_dd2(sh, ch);
    let (qr, qrl) = div_dd(re_num.0, re_num.1, den.0, den.1);
    let (qi, qil) = div_dd(sc.0, sc.1, den.0, den.1);
    // |x| > 20: 4·sin y·cos y·e^{−2|x|}.
    let (k, r, p) = exp_parts(-2.0 * x.abs().clamp(TANH_LARGE, TANH_HIGH));
    let (h, l) = fast_two_sum(1.0, r);
    let far = scale(mul_dd((4.0 * sc.0, 4.0 * sc.1), (h, l + p)), k);
    let (re, im) = if x.abs() > TANH_LARGE {
        (1.0f64.copysign(x), far)
    } else {
        (qr + qrl, qi + qil)
    };
    // Zero parts keep the argument's signs (C99: tanh(±0 + iy) has real part ±0).
    (if x == 0.0 { x } else { re }, if y == 0.0 { y } else { im })
}

/// tan(x + iy) = −i·tanh(−y + ix), for `tanh_inside(-y, x)`.
#[inline(always)]
pub fn tan(x: f64, y: f64) -> (f64, f64) {
    let (a, b) = tanh(-y, x);
    (b, -a)
}

/// Below it a part of arctanh's argument's distance from ±1, (1 ∓ x)² + y², is left
/// to the C library (the logarithm's quotient would lose its accuracy).
const ARCTANH_NEAR: f64 = 1.2882297539194267e-231; // 2^-765
/// Where log w, w = 1 + u, is log1p's series u − u²/2 + u³/3 (u⁴/4 < 2^-60·u).
const SERIES: f64 = 9.5367431640625e-7; // 2^-20

/// Whether [`arctanh`]'s core covers x + iy.
#[inline(always)]
pub fn arctanh_inside(x: f64, y: f64) -> bool {
    let m = x.abs().max(y.abs());
    let (a, b) = (1.0 - x.abs(), y.abs());
    m <= LOG_HIGH && not_tiny(x) && not_tiny(y) && a.mul_add(a, b * b) >= ARCTANH_NEAR
}

/// arctanh(x + iy) for [`arctanh_inside`] arguments.
#[inline(always)]
pub fn arctanh(x: f64, y: f64) -> (f64, f64) {
    let y2 = two_prod(y, y);
    let square = |t: Dd| add_dd(mul_dd2(t, t), y2);
    let a = square(two_sum(1.0, x));
    let b = square(two_sum(1.0, -x));
    // The real part: ¼·log(a/b) = ¼·log1p(4x/b).
    let (u, ul) = div_dd(4.0 * x, 0.0, b.0, b.1);
    let series = log1p_series(u, ul);
    let (q, ql) = div_dd(a.0, a.1, b.0, b.1);
    // Outside the core's arguments q may be 0, inf or NaN: any positive value will do.
    let q = if q > 0.0 && q < f64::INFINITY { q } else { 1.0 };
    let logarithm = log_of_dd(q, ql, (0.0, 0.0));
    let re = 0.25 * if u.abs() < SERIES { series } else { logarithm };
    // The imaginary part: ½·atan2(2y, 1 − x² − y²), 1 − x² − y² a double-double.
    let x2 = two_prod(x, x);
    let (d, e1) = two_sum(1.0, -x2.0);
    let (d, e2) = two_sum(d, -y2.0);
    let (d, dl) = fast_two_sum(d, (e1 + e2) - (x2.1 + y2.1));
    let negative = d < 0.0;
    let (d, dl) = if negative { (-d, -dl) } else { (d, dl) };
    let (v, vl) = quotient(2.0 * y.abs(), 0.0, d, dl);
    let (h, l) = atan_dd(v, vl);
    let angle = if negative { pi_minus(h, l) } else { h + l };
    let im = 0.5 * angle.copysign(y);
    (if x == 0.0 { x } else { re }, im)
}

/// log(1 + (t + tl)) for a double-double |t| < `SERIES`: t − t²/2 + t³/3 (the next
/// term is below 2^-60·|t|).
#[inline(always)]
fn log1p_series(t: f64, tl: f64) -> f64 {
    t + (tl + t * t * (-0.5 + t * (1.0 / 3.0)))
}

/// log(1 + (t + tl)) for a double-double t > −1 (1 + t normal): the series where
/// |t| < 2^-20, else the logarithm of the double-double 1 + t.
#[inline(always)]
fn log1p_dd(t: f64, tl: f64) -> f64 {
    let series = log1p_series(t, tl);
    // 1 + t, renormalized: its head may cancel to 0 (t next to −1).
    let (w, w_err) = two_sum(1.0, t);
    let (w, wl) = fast_two_sum(w, w_err + tl);
    // Where the series is taken w may be anything: any positive value will do.
    let w = if w > 0.0 && w < f64::INFINITY { w } else { 1.0 };
    let logarithm = log_of_dd(w, wl, (0.0, 0.0));
    if t.abs() < SERIES {
        series
    } else {
        logarithm
    }
}

/// Whether [`log1p`]'s core covers x + iy: parts within 2^500, |1 + z|² ≥ 2^-765, and
/// 2x + x² + y² not within 2^-40 of cancelling.
#[inline(always)]
pub fn log1p_inside(x: f64, y: f64) -> bool {
    let m = x.abs().max(y.abs());
    let (a, b) = (1.0 + x, y.abs());
    let (t, size) = (x.mul_add(x + 2.0, y * y), 2.0 * x.abs() + m * m);
    m <= LOG_HIGH
        && not_tiny(x)
        && not_tiny(y)
        && a.mul_add(a, b * b) >= ARCTANH_NEAR
        && t.abs() >= NEAR_ONE * size
}

/// log(1 + x + iy) for [`log1p_inside`] arguments.
#[inline(always)]
pub fn log1p(x: f64, y: f64) -> (f64, f64) {
    // t = 2x + x² + y² as a double-double.
    let (x2, y2) = (two_prod(x, x), two_prod(y, y));
    let (s, e1) = two_sum(2.0 * x, x2.0);
    let (s, e2) = two_sum(s, y2.0);
    let (t, tl) = fast_two_sum(s, (e1 + e2) + (x2.1 + y2.1));
    let re = 0.5 * log1p_dd(t, tl);
    // atan2(y, 1 + x) with 1 + x a double-double.
    let (d, dl) = two_sum(1.0, x);
    let negative = d < 0.0;
    let (d, dl) = if negative { (-d, -dl) } else { (d, dl) };
    let (v, vl) = quotient(y.abs(), 0.0, d, dl);
    let (h, l) = atan_dd(v, vl);
    let angle = if negative { pi_minus(h, l) } else { h + l };
    // log1p(±0 + 0i) is +0 + 0i, as NumPy gives it (log 1).
    (re, angle.copysign(y))
}

/// arctan(x + iy) = −i·arctanh(−y + ix), for `arctanh_inside(-y, x)`.
#[inline(always)]
pub fn arctan(x: f64, y: f64) -> (f64, f64) {
    let (a, b) = arctanh(-y, x);
    (b, -a)
}

/// sin(x + iy) = sin x·cosh y + i·cos x·sinh y, for `trig_inside(x, y)`.
#[inline(always)]
pub fn sin(x: f64, y: f64) -> (f64, f64) {
    let (k, s, c, sh, ch) = trig_parts(x, y);
    (scale(mul_dd(s, ch), k), scale(mul_dd(c, sh), k))
}

/// cos(x + iy) = cos x·cosh y − i·sin x·sinh y, for `trig_inside(x, y)`.
#[inline(always)]
pub fn cos(x: f64, y: f64) -> (f64, f64) {
    let (k, s, c, sh, ch) = trig_parts(x, y);
    (scale(mul_dd(c, ch), k), -scale(mul_dd(s, sh), k))
}

/// sinh(x + iy) = sinh x·cos y + i·cosh x·sin y, for `trig_inside(y, x)`.
#[inline(always)]
pub fn sinh(x: f64, y: f64) -> (f64, f64) {
    let (k, s, c, sh, ch) = trig_parts(y, x);
    (scale(mul_dd(sh, c), k), scale(mul_dd(ch, s), k))
}

/// cosh(x + iy) = cosh x·cos y + i·sinh x·sin y, for `trig_inside(y, x)`.
#[inline(always)]
pub fn cosh(x: f64, y: f64) -> (f64, f64) {
    let (k, s, c, sh, ch) = trig_parts(y, x);
    (scale(mul_dd(ch, c), k), scale(mul_dd(sh, s), k))
}

/// Whether the cores of arcsin, arccos (and, with the parts swapped, arcsinh,
/// arccosh) cover x + iy: parts within 2^500 (the squares stay finite), neither
/// subnormal nor below 2^-500 (the squares stay normal, and so do the results).
#[inline(always)]
pub fn arcsin_inside(x: f64, y: f64) -> bool {
    x.abs().max(y.abs()) <= LOG_HIGH && not_tiny(x) && not_tiny(y)
}

/// √a for a double-double a ≥ 0, as a double-double.
#[inline(always)]
fn root(a: Dd) -> Dd {
    sqrt_dd(a.0, a.1)
}

/// a/b for double-doubles, as a double-double (b > 0).
#[inline(always)]
fn div(a: Dd, b: Dd) -> Dd {
    let (q, ql) = div_dd(a.0, a.1, b.0, b.1);
    fast_two_sum(q, ql)
}

pub(super) fn half((h, l): Dd) -> Dd {
    (0.5 * h, 0.5 * l)
}

/// Hull, Fairgrieve and Tang's pieces of arcsin and arccos at x + iy, x, y ≥ 0,
/// as double-doubles: with r = |z + 1|, s = |z − 1| and A = (r + s)/2,
/// (√((A − x)(A + x)), A − 1 + √((A − 1)(A + 1))), so that arcsin z =
/// atan2(x, the first) + i·log1p(the second). A − x and A − 1 are summed from
/// positive terms only: with P = y²/(r + x + 1) and E = s + |x − 1|, they are
/// ½(P + E) and y²·K, K = ½(1/(r + x + 1) + 1/E), which one is which depending on x
/// against 1. Beyond 1, √((A − x)(A + x)) is y·√(K·(A + x)): y² may underflow there.
#[inline(always)]
fn arcsin_parts(x: f64, y: f64) -> (Dd, Dd) {
    let y2 = two_prod(y, y);
    // x ± 1, exactly.
    let plus = two_sum(x, 1.0);
    let minus = two_sum(x, -1.0);
    let minus = if minus.0 < 0.0 { neg(minus) } else { minus };
    let r = root(add_dd(mul_dd2(plus, plus), y2));
    let s = root(add_dd(mul_dd2(minus, minus), y2));
    let a = half(add_dd(r, s));
    let r_plus_x_1 = add_dd(r, plus);
    let e = add_dd(s, minus);
    // E is 0 only at z = 1, where the sums with E are taken.
    let k = half(add_dd(div((1.0, 0.0), r_plus_x_1), div((1.0, 0.0), e)));
    let with_e = half(add_dd(div(y2, r_plus_x_1), e));
    let a_plus_x = add_dd(a, (x, 0.0));
    let t = if x <= 1.0 {
        root(mul_dd2(with_e, a_plus_x))
    } else {
        mul_dd2((y, 0.0), root(mul_dd2(k, a_plus_x)))
    };
    let a_minus_1 = if x < 1.0 { mul_dd2(y2, k) } else { with_e };
    let g = root(mul_dd2(a_minus_1, add_dd(a, (1.0, 0.0))));
    (t, add_dd(a_minus_1, g))
}

/// arcsin(x + iy) for [`arcsin_inside`] arguments: the parts of |x| + i|y| (see
/// [`arcsin_parts`]), with x's and y's signs (arcsin is odd and commutes with
/// conjugation, C99's signs on the cuts).
#[inline(always)]
pub fn arcsin(x: f64, y: f64) -> (f64, f64) {
    let (t, w) = arcsin_parts(x.abs(), y.abs());
    let (u, ul) = quotient(x.abs(), 0.0, t.0, t.1);
    let (h, l) = atan_dd(u, ul);
    ((h + l).copysign(x), log1p_dd(w.0, w.1).copysign(y))
}

/// (Re arccos(x + iy), |Im arccos(x + iy)|): atan2(√((A − x)(A + x)), x) and
/// log1p(A − 1 + √((A − 1)(A + 1))) (see [`arcsin_parts`]).
#[inline(always)]
fn arccos_parts(x: f64, y: f64) -> (f64, f64) {
    let (t, w) = arcsin_parts(x.abs(), y.abs());
    let (u, ul) = quotient(t.0, t.1, x.abs(), 0.0);
    let (h, l) = atan_dd(u, ul);
    let angle = if x < 0.0 { pi_minus(h, l) } else { h + l };
    (angle, log1p_dd(w.0, w.1))
}

/// arccos(x + iy) for [`arcsin_inside`] arguments; the imaginary part has the
/// sign opposite to y's (C99: arccos(conj z) = conj arccos z).
#[inline(always)]
pub fn arccos(x: f64, y: f64) -> (f64, f64) {
    let (re, im) = arccos_parts(x, y);
    (re, -im.copysign(y))
}

/// arcsinh(x + iy) = −i·arcsin(−y + ix), for `arcsin_inside(y, x)`.
#[inline(always)]
pub fn arcsinh(x: f64, y: f64) -> (f64, f64) {
    let (a, b) = arcsin(-y, x);
    (b, -a)
}

/// arccosh(x + iy) = ±i·arccos(x + iy), the sign that makes the real part ≥ 0:
/// |Im arccos| + i·Re arccos with y's sign, for [`arcsin_inside`] arguments.
#[inline(always)]
pub fn arccosh(x: f64, y: f64) -> (f64, f64) {
    let (re, im) = arccos_parts(x, y);
    (im, re.copysign(y))
}
