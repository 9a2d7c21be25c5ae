//! `hypot`, correctly rounded, for both float widths.
//!
//! The C library's `hypot` cannot be linked: glibc 2.35 gave it a new symbol version,
//! and a wheel built for an older glibc (manylinux2014: 2.17) would bind the old
//! implementation, which rounds differently. Rounding correctly gives the same bits on
//! every platform (`tests.rs` checks against exact integer arithmetic; glibc 2.36's
//! `hypot` is within one ulp of it and differs in about one case in 4000 random pairs).
//! The interpreter, constant folding and the CPU backend's helpers all call these
//! functions, so they agree bit for bit.
//!
//! The method: a first guess from `sqrt` of the double-double sum of squares, then the
//! exact sign of `m² - (x² + y²)` for the midpoints `m` around the guess decides the
//! rounding. Each square is an exact sum of two doubles (an `fma` gives the low part),
//! so the sign is that of a short exact sum, found by error-free transformations.

/// 2^27: below `a·2^-27`, `b` cannot move `hypot(a, b)` off `a`.
const TWO_POW_27: f64 = (1u64 << 27) as f64;

/// [`hypot`] and [`hypotf`] as a method of both float types, for code generic over
/// them (in place of the standard library's `hypot`, which calls the C library's).
pub trait CorrectHypot {
    /// `sqrt(self² + other²)`, correctly rounded.
    fn correct_hypot(self, other: Self) -> Self;
}

impl CorrectHypot for f64 {
    fn correct_hypot(self, other: f64) -> f64 {
        hypot(self, other)
    }
}

impl CorrectHypot for f32 {
    fn correct_hypot(self, other: f32) -> f32 {
        hypotf(self, other)
    }
}

/// `sqrt(x² + y²)` rounded to nearest, ties to even; `inf` if either is infinite (even
/// with a NaN), else NaN if either is NaN.
pub fn hypot(x: f64, y: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    let (a, b) = if x.abs() >= y.abs() {
        (x.abs(), y.abs())
    } else {
        (y.abs(), x.abs())
    };
    if b == 0.0 {
        return a;
    }
    if a < f64::MIN_POSITIVE {
        return subnormal_hypot(a, b);
    }
    // b < a·2^-27: the result lies within a·2^-55 above a, under half an ulp of a.
    if b * TWO_POW_27 < a {
        return a;
    }
    // Scale a to [1, 2): both stay normal (b ≥ a·2^-27) and nothing can under- or
    // overflow in the squares below. The result is normal, so scaling back is exact
    // unless it overflows, which is then the right answer.
    let k = exponent(a);
    let (a, b) = (scale(a, -k), scale(b, -k));
    scale(rounded_sqrt_of_squares(a, b), k)
}

/// `hypot` of single precision, correctly rounded (the exact check runs in `f64`,
/// where the squares and the single-precision midpoints' squares are exact).
pub fn hypotf(x: f32, y: f32) -> f32 {
    if x.is_infinite() || y.is_infinite() {
        return f32::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f32::NAN;
    }
    let (x, y) = (f64::from(x), f64::from(y));
    let (x2, y2) = (x * x, y * y);
    let mut r = (x2 + y2).sqrt() as f32;
    if r.is_infinite() || r == f32::MAX {
        // Halfway between f32::MAX and 2^128 (25 bits: its square is exact), where
        // rounding to nearest overflows; the tie goes to the even 2^128 too.
        let overflow = f64::from(f32::MAX) + f64::from_bits((1023 + 103) << 52);
        if exact_sign(&[overflow * overflow, -x2, -y2]) <= 0 {
            return f32::INFINITY;
        }
        r = f32::MAX;
    }
    // Each step moves one ulp; the guess is within one ulp of the answer.
    for _ in 0..4 {
        let up = f32::from_bits(r.to_bits() + 1);
        // Above f32::MAX, overflow was decided before the loop.
        if up.is_finite() {
            let mid_up = (f64::from(r) + f64::from(up)) / 2.0;
            match exact_sign(&[mid_up * mid_up, -x2, -y2]) {
                s if s < 0 => {
                    r = up;
                    continue;
                }
                0 => return if r.to_bits() & 1 == 0 { r } else { up },
                _ => {}
            }
        }
        if r == 0.0 {
            return r;
        }
        let down = f32::from_bits(r.to_bits() - 1);
        let mid_down = (f64::from(r) + f64::from(down)) / 2.0;
        match exact_sign(&[mid_down * mid_down, -x2, -y2]) {
            s if s > 0 => r = down,
            0 => return if r.to_bits() & 1 == 0 { r } else { down },
            _ => return r,
        }
    }
    r
}

/// `sqrt(a² + b²)` rounded to nearest for `a` in [1, 2) and `b` in [a·2^-27, a].
fn rounded_sqrt_of_squares(a: f64, b: f64) -> f64 {
    let (a2, a2_lo) = square(a);
    let (b2, b2_lo) = square(b);
    let (s, s_err) = two_sum(a2, b2);
    let s_lo = s_err + a2_lo + b2_lo;
    // One Newton step from sqrt of the high part: within an ulp of the answer.
    let r0 = s.sqrt();
    let (r0_sq, r0_sq_lo) = square(r0);
    let mut r = r0 + ((s - r0_sq) - r0_sq_lo + s_lo) / (2.0 * r0);
    let minus = [-a2, -a2_lo, -b2, -b2_lo];
    // `r ± h` is a midpoint: (r ± h)² - s = r² ± 2rh + h² - s, all exact doubles.
    let midpoint_sign = |r: f64, h: f64| {
        let (r2, r2_lo) = square(r);
        let mut terms = [r2, r2_lo, 2.0 * r * h, h * h, 0.0, 0.0, 0.0, 0.0];
        terms[4..].copy_from_slice(&minus);
        exact_sign(&terms)
    };
    for _ in 0..4 {
        let up = f64::from_bits(r.to_bits() + 1);
        match midpoint_sign(r, (up - r) / 2.0) {
            s if s < 0 => {
                r = up;
                continue;
            }
            0 => return if r.to_bits() & 1 == 0 { r } else { up },
            _ => {}
        }
        let down = f64::from_bits(r.to_bits() - 1);
        match midpoint_sign(r, (down - r) / 2.0) {
            s if s > 0 => r = down,
            0 => return if r.to_bits() & 1 == 0 { r } else { down },
            _ => return r,
        }
    }
    r
}

/// Both below the smallest normal: every such double is an integer multiple of
/// 2^-1074 (its bits, read as an integer), so the result is the integer square root
/// of a sum of integer squares, rounded, times 2^-1074.
fn subnormal_hypot(a: f64, b: f64) -> f64 {
    let (ia, ib) = (u128::from(a.to_bits()), u128::from(b.to_bits()));
    let s = ia * ia + ib * ib;
    let q = s.isqrt();
    // (q + ½)² = q² + q + ¼ is never an integer: no ties.
    let q = if s - q * q > q { q + 1 } else { q };
    // q < 2^53, and bits q mean q·2^-1074 (also across the smallest normal).
    f64::from_bits(q as u64)
}

/// The exact product `x·x` as a double and its rounding error.
fn square(x: f64) -> (f64, f64) {
    let p = x * x;
    (p, x.mul_add(x, -p))
}

/// Knuth's two-sum: `x + y` and its rounding error, exactly.
fn two_sum(x: f64, y: f64) -> (f64, f64) {
    let s = x + y;
    let yv = s - x;
    let xv = s - yv;
    (s, (x - xv) + (y - yv))
}

/// The sign (-1, 0, 1) of the exact sum of `terms` (at most 8, none overflowing):
/// Shewchuk's grow-expansion adds them one by one into a nonoverlapping expansion,
/// whose largest nonzero component has the sign of the whole.
fn exact_sign(terms: &[f64]) -> i32 {
    let mut expansion = [0.0f64; 8];
    for (len, &t) in terms.iter().enumerate() {
        let mut q = t;
        for e in &mut expansion[..len] {
            let (s, err) = two_sum(q, *e);
            *e = err;
            q = s;
        }
        expansion[len] = q;
    }
    match expansion[..terms.len()].iter().rev().find(|t| **t != 0.0) {
        Some(t) if *t > 0.0 => 1,
        Some(_) => -1,
        None => 0,
    }
}

/// The binary exponent of a normal, positive `x`.
fn exponent(x: f64) -> i32 {
    ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023
}

/// `x·2^k` for |k| ≤ 1023, in two exact steps where 2^k alone is not a normal double.
fn scale(x: f64, k: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    if k < -1000 {
        x * pow2(-1000) * pow2(k + 1000)
    } else if k > 1000 {
        x * pow2(1000) * pow2(k - 1000)
    } else {
        x * pow2(k)
    }
}

#[cfg(test)]
mod tests;
