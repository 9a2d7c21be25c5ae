//! arcsin and arccos of f64 within 1 ulp (f32: the f64 function, rounded once more),
//! through the arctangent kernel of `atan.rs`:
//! arcsin x = atan(|x| / √(1 − x²)) and arccos x = atan(√(1 − x²) / |x|) (π minus
//! it for x < 0), with 1 − x² summed exactly (x² split by a fused multiply-add), its
//! root and the quotient as double-doubles, so that only the kernel's last addition
//! rounds. Near |x| = 1, where √(1 − x²) loses its relative accuracy in a plain
//! evaluation, the double-double keeps it.

use super::atan::{atan_dd, pi_minus, quotient};
use super::float::{sqrt_dd, two_prod, two_sum};

/// 2^-26: below it arcsin x rounds to x (x³/6 is under a quarter ulp).
const TINY: f64 = 1.4901161193847656e-8;

/// √(1 − a²) as a double-double, for 0 ≤ a ≤ 1.
#[inline(always)]
fn cosine_of_arcsin(a: f64) -> (f64, f64) {
    let (p, p_err) = two_prod(a, a);
    let (t, t_err) = two_sum(1.0, -p);
    sqrt_dd(t, t_err - p_err)
}

/// The arcsine: NaN outside [−1, 1] and for NaN.
#[inline(always)]
pub fn arcsin(x: f64) -> f64 {
    let a = x.abs();
    let (s, sl) = cosine_of_arcsin(a);
    let (u, ul) = quotient(a, 0.0, s, sl);
    let (h, l) = atan_dd(u, ul);
    let y = if a < TINY { a } else { h + l };
    if a <= 1.0 {
        y.copysign(x)
    } else {
        f64::NAN
    }
}

/// The arccosine: NaN outside [−1, 1] and for NaN.
#[inline(always)]
pub fn arccos(x: f64) -> f64 {
    let a = x.abs();
    let (s, sl) = cosine_of_arcsin(a);
    let (u, ul) = quotient(s, sl, a, 0.0);
    let (h, l) = atan_dd(u, ul);
    let y = if x < 0.0 { pi_minus(h, l) } else { h + l };
    if a <= 1.0 {
        y
    } else {
        f64::NAN
    }
}
