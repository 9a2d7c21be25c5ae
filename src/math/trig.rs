//! sin and cos of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! For |x| ≤ 2^20 (`REDUCED_MAX`): n = round(x·2/π) and x − n·π/2 = y + y_lo in
//! double-double, with π/2 in four parts (three of 33 bits, so that each n·part is
//! exact, and the rest: fdlibm's `pio2_1`…`pio2_3t`, together within 2^-159 of
//! π/2); then fdlibm's kernels (`__kernel_sin`, `__kernel_cos`: minimax polynomials
//! on [−π/4, π/4] with the low part of y as a correction) and the quadrant n mod 4
//! pick the sign and the function, by selects. Larger arguments (and inf, NaN) take
//! the scalar libm function, which reduces with all the bits of π it needs; the batch
//! functions patch those lanes after the vector loop (`batch.rs`).

use super::float::{fast_two_sum, round_int, two_sum};

/// The largest |x| reduced here; beyond it the libm function.
pub const REDUCED_MAX: f64 = 1048576.0;

const FRAC_2_PI: f64 = std::f64::consts::FRAC_2_PI;
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

/// x = n·π/2 + y + y_lo for |x| ≤ `REDUCED_MAX`: (y, y_lo, n mod 4).
#[inline(always)]
pub(super) fn reduce(x: f64) -> (f64, f64, i64) {
    let (n, ni) = round_int(x * FRAC_2_PI);
    // Exact: n·PIO2_1 has at most 53 bits, and x − n·PIO2_1 is a multiple of
    // x's ulp below 1.
    let a = (-n).mul_add(PIO2_1, x);
    let (b, e1) = two_sum(a, -(n * PIO2_2));
    let (c, e2) = two_sum(b, -(n * PIO2_3));
    let lo = (e1 + e2) - n * PIO2_3T;
    let (y, y_lo) = fast_two_sum(c, lo);
    (y, y_lo, ni & 3)
}

/// sin(x + y) for |x| ≤ π/4 and |y| ≤ ulp(x)/2 (fdlibm's kernel).
#[inline(always)]
fn sin_kernel(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = z.mul_add(z.mul_add(S[3], S[2]), S[1]) + z * w * z.mul_add(S[5], S[4]);
    let v = z * x;
    x - ((z * (0.5 * y - v * r) - y) - v * S[0])
}

/// cos(x + y) for |x| ≤ π/4 and |y| ≤ ulp(x)/2 (fdlibm's kernel).
#[inline(always)]
fn cos_kernel(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r =
        z * z.mul_add(z.mul_add(C[2], C[1]), C[0]) + w * w * z.mul_add(z.mul_add(C[5], C[4]), C[3]);
    let hz = 0.5 * z;
    let one_minus = 1.0 - hz;
    one_minus + (((1.0 - one_minus) - hz) + z.mul_add(r, -(x * y)))
}

/// sin(x) for |x| ≤ `REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn sin_reduced(x: f64) -> f64 {
    let (y, y_lo, q) = reduce(x);
    let s = sin_kernel(y, y_lo);
    let c = cos_kernel(y, y_lo);
    let v = if q & 1 == 0 { s } else { c };
    let v = if q & 2 == 0 { v } else { -v };
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
    let (y, y_lo, q) = reduce(x);
    let s = sin_kernel(y, y_lo);
    let c = cos_kernel(y, y_lo);
    let v = if q & 1 == 0 { c } else { s };
    if (q + 1) & 2 == 0 {
        v
    } else {
        -v
    }
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
