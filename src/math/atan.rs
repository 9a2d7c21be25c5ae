//! arctan and arctan2 of f64 within 1 ulp (f32: the f64 function, rounded once more;
//! arctan2's in `mod.rs`),
//! and the arctangent of a double-double that arcsin and arccos (`asin.rs`) share.
//!
//! fdlibm's `s_atan.c` reduction and polynomial, without branches and in two parts:
//! u ≥ 0 is reduced by atan u = atan c + atan((u − c)/(1 + c·u)) with c = 0, 1/2, 1,
//! 3/2 on [0, 7/16), [7/16, 11/16), [11/16, 19/16), [19/16, 39/16), and beyond by
//! atan u = π/2 + atan(−1/u); the reduced argument v (|v| ≤ 7/16) is a double-double
//! quotient (u − c is exact there, and 1 + c·u is summed exactly), atan v = v − v³·Q(v²)
//! with fdlibm's minimax Q, and atan c's two parts, v and the small terms are summed
//! so that only the last addition rounds. A quotient y/x reaches the kernel as a
//! double-double too, so arctan2 rounds once as well.

use super::float::{div_dd, fast_two_sum, horner, two_prod, two_sum};

/// atan(1/2), atan(1), atan(3/2), π/2: head (fdlibm's `atanhi`).
const ATAN_HI: [f64; 4] = [
    f64::from_bits(0x3fdd_ac67_0561_bb4f),
    f64::from_bits(0x3fe9_21fb_5444_2d18),
    f64::from_bits(0x3fef_730b_d281_f69b),
    f64::from_bits(0x3ff9_21fb_5444_2d18),
];
/// The tails (fdlibm's `atanlo`).
const ATAN_LO: [f64; 4] = [
    f64::from_bits(0x3c7a_2b7f_222f_65e2),
    f64::from_bits(0x3c81_a626_3314_5c07),
    f64::from_bits(0x3c70_0788_7af0_cbbd),
    f64::from_bits(0x3c91_a626_3314_5c07),
];
/// fdlibm's aT[0..10]: atan v = v − v·z·Q(z), z = v².
const AT: [f64; 11] = [
    f64::from_bits(0x3fd5_5555_5555_550d),
    f64::from_bits(0xbfc9_9999_9998_ebc4),
    f64::from_bits(0x3fc2_4924_9200_83ff),
    f64::from_bits(0xbfbc_71c6_fe23_1671),
    f64::from_bits(0x3fb7_45cd_c54c_206e),
    f64::from_bits(0xbfb3_b0f2_af74_9a6d),
    f64::from_bits(0x3fb1_0d66_a0d0_3d51),
    f64::from_bits(0xbfad_de2d_52de_fd9a),
    f64::from_bits(0x3fa9_7b4b_2476_0deb),
    f64::from_bits(0xbfa2_b444_2c6a_6c2f),
    f64::from_bits(0x3f90_ad3a_e322_da11),
];

/// π as a double-double.
pub(super) const PI_DD: (f64, f64) = (std::f64::consts::PI, 1.2246467991473532e-16);

/// 2^100: larger arguments have atan u = π/2 rounded (and inf has no residual).
pub(super) const U_MAX: f64 = 1.2676506002282294e30;

/// 2^-27: below it atan x rounds to x.
const TINY: f64 = 7.450580596923828e-9;

/// atan(u + ul) for 0 ≤ u ≤ `U_MAX` and |ul| ≤ ulp(u), as a double-double.
#[inline(always)]
pub(super) fn atan_dd(u: f64, ul: f64) -> (f64, f64) {
    // NaN takes this branch too, and stays NaN.
    let big = u >= 2.4375 || u.is_nan();
    // Selects of constants, not a table lookup: lanes stay independent of memory.
    let (c, base_hi, base_lo) = if u < 0.4375 {
        (0.0, 0.0, 0.0)
    } else if u < 0.6875 {
        (0.5, ATAN_HI[0], ATAN_LO[0])
    } else if u < 1.1875 {
        (1.0, ATAN_HI[1], ATAN_LO[1])
    } else {
        (1.5, ATAN_HI[2], ATAN_LO[2])
    };
    let (base_hi, base_lo) = if big {
        (ATAN_HI[3], ATAN_LO[3])
    } else {
        (base_hi, base_lo)
    };
    // v = (u − c)/(1 + c·u), or −1/u.
    let (p, p_err) = two_prod(c, u);
    let (d, d_err) = two_sum(1.0, p);
    let (nh, nl) = if big { (-1.0, 0.0) } else { (u - c, ul) };
    let (dh, dl) = if big {
        (u, ul)
    } else {
        (d, d_err + c.mul_add(ul, p_err))
    };
    let (v, vl) = div_dd(nh, nl, dh, dl);
    let z = v * v;
    let cubic = v * z * horner(z, &AT);
    let (s, s_err) = two_sum(base_hi, v);
    fast_two_sum(s, s_err + (base_lo + (vl / (1.0 + z) - cubic)))
}

/// (u, its residual) for the quotient n/d of n, d ≥ 0, ready for [`atan_dd`]: the
/// double-double n/d + (n − (n/d)·d)/d, `U_MAX` without residual where the quotient is
/// larger (or infinite), no residual where it is 0.
#[inline(always)]
pub(super) fn quotient(n: f64, nl: f64, d: f64, dl: f64) -> (f64, f64) {
    let (u, ul) = div_dd(n, nl, d, dl);
    if u >= U_MAX {
        (U_MAX, 0.0)
    } else if u == 0.0 {
        (0.0, 0.0)
    } else {
        (u, ul)
    }
}

/// The arctangent: ±π/2 at ±inf, NaN for NaN.
#[inline(always)]
pub fn arctan(x: f64) -> f64 {
    let a = x.abs();
    let u = if a > U_MAX { U_MAX } else { a };
    let (h, l) = atan_dd(u, 0.0);
    let y = if a < TINY { a } else { h + l };
    y.copysign(x)
}

/// π − (h + l), rounded once.
#[inline(always)]
pub(super) fn pi_minus(h: f64, l: f64) -> f64 {
    let (s, s_err) = two_sum(PI_DD.0, -h);
    s + (s_err + (PI_DD.1 - l))
}

/// The angle of the point (x, y), C99's `atan2(y, x)` with its special values (as
/// NumPy's `arctan2`): ±0 and ±π for y = ±0, ±π/2 for x = ±0, the multiples of π/4
/// at infinities, NaN if either is NaN.
#[inline(always)]
pub fn arctan2(y: f64, x: f64) -> f64 {
    let (n, d) = (y.abs(), x.abs());
    let (u, ul) = quotient(n, 0.0, d, 0.0);
    let both_inf = n == f64::INFINITY && d == f64::INFINITY;
    // y = 0 (with x = 0 too) is angle 0 or π; both infinite, π/4 or 3π/4.
    let (u, ul) = if n == 0.0 {
        (0.0, 0.0)
    } else if both_inf {
        (1.0, 0.0)
    } else {
        (u, ul)
    };
    let (h, l) = atan_dd(u, ul);
    let r = if x.is_sign_negative() {
        pi_minus(h, l)
    } else {
        h + l
    };
    if x.is_nan() || y.is_nan() {
        x + y
    } else {
        r.copysign(y)
    }
}
