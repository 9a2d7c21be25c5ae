//! tan of f64 within 1 ulp (f32: the f64 function, rounded once more).
//!
//! The reduction of `trig.rs` (x = n·π/2 + y + y_lo, |y| ≤ π/4, libm beyond 2^20),
//! then fdlibm's sine and cosine kernels taken as double-doubles (the leading term
//! and the small rest summed exactly, x² split by a fused multiply-add in the cosine)
//! and tan = sin/cos, or −cos/sin in odd quadrants, as a double-double quotient: one
//! rounding at the end instead of one per kernel and one for the division.

use super::float::{div_dd, fast_two_sum, two_prod};
use super::trig::{reduce, reduced, C, S};

/// 2^-27: below it tan x rounds to x (x³/3 is under a quarter ulp).
const TINY: f64 = 7.450580596923828e-9;

/// sin(x + y) as a double-double, for |x| ≤ π/4 and |y| ≤ ulp(x)/2.
#[inline(always)]
pub(super) fn sin_dd(x: f64, y: f64) -> (f64, f64) {
    let z = x * x;
    let w = z * z;
    let r = z.mul_add(z.mul_add(S[3], S[2]), S[1]) + z * w * z.mul_add(S[5], S[4]);
    let v = z * x;
    let rest = v.mul_add(S[0], y - z * (0.5 * y - v * r));
    fast_two_sum(x, rest)
}

/// cos(x + y) as a double-double, for |x| ≤ π/4 and |y| ≤ ulp(x)/2.
#[inline(always)]
pub(super) fn cos_dd(x: f64, y: f64) -> (f64, f64) {
    let (z, z_err) = two_prod(x, x);
    let w = z * z;
    let r =
        z * z.mul_add(z.mul_add(C[2], C[1]), C[0]) + w * w * z.mul_add(z.mul_add(C[5], C[4]), C[3]);
    let hz = 0.5 * z;
    let one_minus = 1.0 - hz;
    let rest = ((1.0 - one_minus) - hz) + (z.mul_add(r, -(x * y)) - 0.5 * z_err);
    fast_two_sum(one_minus, rest)
}

/// tan(x) for |x| ≤ `REDUCED_MAX` (a finite, meaningless value beyond).
#[inline(always)]
pub fn tan_reduced(x: f64) -> f64 {
    let (y, y_lo, q) = reduce(x);
    let (sh, sl) = sin_dd(y, y_lo);
    let (ch, cl) = cos_dd(y, y_lo);
    let odd = q & 1 == 1;
    let (nh, nl) = if odd { (-ch, -cl) } else { (sh, sl) };
    let (dh, dl) = if odd { (sh, sl) } else { (ch, cl) };
    let (t, tl) = div_dd(nh, nl, dh, dl);
    if x.abs() < TINY {
        x
    } else {
        t + tl
    }
}

/// The tangent: the reduction here, libm's beyond `REDUCED_MAX` (and for inf, NaN).
#[inline(always)]
pub fn tan(x: f64) -> f64 {
    if reduced(x) {
        tan_reduced(x)
    } else {
        x.tan()
    }
}
