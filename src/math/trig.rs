//! sin and cos of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! For |x| ≤ 2^20 (`REDUCED_MAX`): n = round(x·2/π) and x − n·π/2 = y + y_lo in
//! double-double, with π/2 in four parts (three of at most 33 bits, so that each
//! n·part is exact, and the rest: fdlibm's `pio2_1`…`pio2_3t`, together within
//! 2^-159 of π/2), every rounding error of the sums kept exactly; then one polynomial kernel, fdlibm's
//! sine (`__kernel_sin`) or cosine (`__kernel_cos`) by lane: the quadrant n mod 4
//! picks the coefficients, the leading terms and the sign by selects, so that each
//! lane evaluates one kernel, not both. The polynomials are evaluated by Estrin's
//! scheme and the low part y_lo enters last: the dependency chain from x to the
//! result is about half as long as with Horner's rule after a reduction by TwoSums.
//! Larger arguments (and inf, NaN) take the scalar libm function, which reduces with
//! all the bits of π it needs; the batch functions patch those lanes after the
//! vector loop (`batch.rs`).

use super::float::{fast_two_sum, round_product};

/// The largest |x| reduced here; beyond it the libm function.
pub const REDUCED_MAX: f64 = 1048576.0;

const FRAC_2_PI: f64 = std::f64::consts::FRAC_2_PI;
/// π/2 in parts: `PIO2_1` = 0x1.921fb544p0 (33 bits, last at 2^-32), `PIO2_2` =
/// 0x1.0b4611a6p-34 (33 bits, last at 2^-66), `PIO2_3` = 0x1.3198a2ep-69 (29 bits,
/// last at 2^-97), `PIO2_3T` the rest (the sum is within 2^-159 of π/2).
const PIO2_1: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_2: f64 = f64::from_bits(0x3dd0_b461_1a60_0000);
const PIO2_3: f64 = f64::from_bits(0x3ba3_198a_2e00_0000);
const PIO2_3T: f64 = f64::from_bits(0x397b_839a_2520_49c1);

/// 2^-26.
const TINY: f64 = 1.4901161193847656e-8;

/// fdlibm's `__kernel_sin` coefficients S1…S6 (odd terms x³…x¹³).
pub(super) const S: [f64; 6] = [
    -0.16666666666666632,
    0.00833333333332249,
    -0.0001984126982985795,
    2.7557313707070068e-06,
    -2.5050760253406863e-08,
    1.58969099521155e-10,
];

/// fdlibm's `__kernel_cos` coefficients C1…C6 (even terms x⁴…x¹⁴).
pub(super) const C: [f64; 6] = [
    0.0416666666666666,
    -0.001388888888887411,
    2.480158728947673e-05,
    -2.7557314351390663e-07,
    2.087572321298175e-09,
    -1.1359647557788195e-11,
];

/// x = n·π/2 + y + y_lo for |x| ≤ `REDUCED_MAX`: (y, y_lo, n mod 4), where y_lo is
/// not normalized: |y_lo| ≤ 1.5 ulp(y) + 2^-83.8, far below |y| (x is never closer
/// to a multiple of π/2 than 2^-60.48 in this range, at n = 29), which the kernels allow for.
///
/// n ≤ round(2^20·2/π) = 667544 < 2^19.35, so n times a part of 33 bits is exact.
/// Where n ≠ 0, |x| > π/4 and x is a multiple of 2^-53, so:
/// * a = x − n·`PIO2_1` is exact (a multiple of 2^-53 below 1);
/// * b = a − n·`PIO2_2` (Fast2Sum, its error e1 exact): where |a| ≥ |n·`PIO2_2`| that
///   is Fast2Sum's condition; otherwise |a − n·`PIO2_2`| < 2·n·`PIO2_2` < 2^-13.58,
///   and a multiple of 2^-66 that small is a double: the sum is exact, and Fast2Sum
///   gives it with the error 0;
/// * c = b − n·`PIO2_3` likewise: where |b| < |n·`PIO2_3`| < 2^-49.4, b was exact (a
///   multiple of 2^-66) and |c| < 2^-48.4, a multiple of 2^-97: exact again.
///
/// The chain from x to y is five operations long (n by a fused multiply-add and a
/// subtraction, a by a fused multiply-add, b and c one addition each); the errors and
/// the last part meet in y_lo off it.
#[inline(always)]
pub(super) fn reduce_unnormalized(x: f64) -> (f64, f64, i64) {
    let (n, ni) = round_product(x, FRAC_2_PI);
    let a = (-n).mul_add(PIO2_1, x);
    let (b, e1) = fast_two_sum(a, -(n * PIO2_2));
    let (c, e2) = fast_two_sum(b, -(n * PIO2_3));
    let lo = (e1 + e2) - n * PIO2_3T;
    (c, lo, ni & 3)
}

/// x = n·π/2 + y + y_lo for |x| ≤ `REDUCED_MAX`: (y, y_lo, n mod 4), with
/// |y_lo| ≤ ulp(y)/2 (the double-double normalized).
#[inline(always)]
pub(super) fn reduce(x: f64) -> (f64, f64, i64) {
    let (c, lo, q) = reduce_unnormalized(x);
    let (y, y_lo) = fast_two_sum(c, lo);
    (y, y_lo, q)
}

/// sin(y + y_lo) (`cosine` false: fdlibm's sine kernel) or cos(y + y_lo) (`cosine`
/// true: its cosine kernel), for |y| ≤ π/4 and |y_lo| far below |y| (a few ulps).
///
/// Both are head + m·z·K1 + m·z²·R(z) + correction, z = y², R with five
/// coefficients: the sine y + y³·S1 + y⁵·(S2 + … + S6·z⁴) + y_lo·(1 − z/2), the
/// cosine (1 − z/2) + z²·C1 + z³·(C2 + … + C6·z⁴) + (the exact rounding error of
/// 1 − z/2) − y·y_lo, so that a select per coefficient replaces the second kernel.
/// R by Estrin's scheme (depth three fused multiply-adds); the leading product m·z·K1
/// is rounded once with everything smaller (as fdlibm subtracts its rounded product
/// last), and the head is added last: one rounding on a small rest.
#[inline(always)]
fn kernel(y: f64, y_lo: f64, cosine: bool) -> f64 {
    let k = |i: usize| if cosine { C[i] } else { S[i] };
    let z = y * y;
    let w = z * z;
    let p12 = z.mul_add(k(2), k(1));
    let p34 = z.mul_add(k(4), k(3));
    let r = w.mul_add(w.mul_add(k(5), p34), p12);
    let hz = 0.5 * z;
    let one_minus = 1.0 - hz;
    let (head, m, correction) = if cosine {
        (one_minus, z, ((1.0 - one_minus) - hz) - y * y_lo)
    } else {
        (y, y, (-hz).mul_add(y_lo, y_lo))
    };
    let m3 = m * z;
    head + m3.mul_add(k(0), (m3 * z).mul_add(r, correction))
}

/// `v` negated where bit 1 of the quadrant `q` is set.
#[inline(always)]
fn negated_if_bit1(v: f64, q: i64) -> f64 {
    f64::from_bits(v.to_bits() ^ (((q as u64) & 2) << 62))
}

/// sin(x) for |x| ≤ `REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn sin_reduced(x: f64) -> f64 {
    let (y, y_lo, q) = reduce_unnormalized(x);
    let v = negated_if_bit1(kernel(y, y_lo, q & 1 == 1), q);
    // sin x = x correctly rounded below 2^-26 (and −0 stays −0).
    if x.abs() < TINY {
        x
    } else {
        v
    }
}

/// cos(x) for |x| ≤ `REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn cos_reduced(x: f64) -> f64 {
    let (y, y_lo, q) = reduce_unnormalized(x);
    negated_if_bit1(kernel(y, y_lo, q & 1 == 0), q + 1)
}

/// Whether the reduction here covers `x` (false for inf and NaN).
#[inline(always)]
pub fn reduced(x: f64) -> bool {
    x.abs() <= REDUCED_MAX
}

/// The sine: the reduction here, libm's beyond `REDUCED_MAX`.
#[inline(always)]
pub fn sin(x: f64) -> f64 {
    if reduced(x) {
        sin_reduced(x)
    } else {
        x.sin()
    }
}

/// The cosine: the reduction here, libm's beyond `REDUCED_MAX`.
#[inline(always)]
pub fn cos(x: f64) -> f64 {
    if reduced(x) {
        cos_reduced(x)
    } else {
        x.cos()
    }
}
