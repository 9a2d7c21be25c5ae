//! Building blocks of the vector math: rounding to an integer, powers of two and exact
//! sums, all without branches or float↔int conversion instructions (AVX2 has none
//! for 64-bit integers), so that LLVM vectorizes every function built from them.
//! Bit manipulation uses wrapping arithmetic: NaN and infinite arguments take the
//! same path as the others and are replaced by a select at the end.

/// 1.5 · 2^52: adding it rounds any |x| < 2^51 to an integer (ties to even), which
/// is then the low bits of the sum's representation.
const ROUND_MAGIC: f64 = 6755399441055744.0;

/// `x` rounded to the nearest integer (ties to even), as a float and as an integer;
/// valid for |x| < 2^51.
#[inline(always)]
pub(crate) fn round_int(x: f64) -> (f64, i64) {
    unmagic(x + ROUND_MAGIC)
}

/// The integer n of t = n + `ROUND_MAGIC`, as a float and as an integer.
#[inline(always)]
fn unmagic(t: f64) -> (f64, i64) {
    let n = t - ROUND_MAGIC;
    let k = (t.to_bits() as i64).wrapping_sub(ROUND_MAGIC.to_bits() as i64);
    (n, k)
}

/// `x · c` rounded to the nearest integer, as a float and as an integer: the exact
/// product rounded once (one fused multiply-add, a shorter dependency chain than
/// [`round_int`] of the rounded product); valid for |x · c| < 2^51.
#[inline(always)]
pub(crate) fn round_product(x: f64, c: f64) -> (f64, i64) {
    unmagic(x.mul_add(c, ROUND_MAGIC))
}

/// The integer `k` (|k| < 2^51) as a float.
#[inline(always)]
pub(crate) fn int_to_f64(k: i64) -> f64 {
    f64::from_bits((ROUND_MAGIC.to_bits() as i64).wrapping_add(k) as u64) - ROUND_MAGIC
}

/// 2^k for -1022 ≤ k ≤ 1023.
#[inline(always)]
pub(crate) fn pow2(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64).wrapping_shl(52))
}

/// `y · 2^k` for -1100 < k < 1100, rounded once: two exact scalings where the result
/// is normal.
#[inline(always)]
pub(crate) fn scale(y: f64, k: i64) -> f64 {
    let k1 = k >> 1;
    y * pow2(k1) * pow2(k - k1)
}

/// `a + b` as the rounded sum and its exact error (Knuth's TwoSum).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a + b` and its exact error where |a| ≥ |b| or a is zero (Dekker's Fast2Sum).
#[inline(always)]
pub(crate) fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// The polynomial with coefficients `c` (lowest degree first) at `x`, by Horner's
/// rule with fused multiply-adds.
#[inline(always)]
pub(crate) fn horner(x: f64, c: &[f64]) -> f64 {
    let mut acc = c[c.len() - 1];
    for &k in c[..c.len() - 1].iter().rev() {
        acc = acc.mul_add(x, k);
    }
    acc
}

/// The polynomial with coefficients `c` (lowest degree first, at most 16) at `x`, by
/// Estrin's scheme: pairs c[2i] + x·c[2i+1], then pairs of those with x², x⁴, x⁸, so
/// that the dependency chain is about log2(n) fused multiply-adds long instead of n
/// (a few more multiplications). Where the terms decrease fast (|x| well below 1) it
/// is about as accurate as Horner's rule. The loops have constant trip counts and
/// `c`'s length is a constant at every call, so they unroll completely and the
/// guards fold away.
#[inline(always)]
pub(crate) fn estrin(x: f64, c: &[f64]) -> f64 {
    let mut v = [0.0; 16];
    v[..c.len()].copy_from_slice(c);
    let mut n = c.len();
    let mut power = x;
    for _level in 0..4 {
        for i in 0..8 {
            if 2 * i + 1 < n {
                v[i] = power.mul_add(v[2 * i + 1], v[2 * i]);
            } else if 2 * i < n {
                v[i] = v[2 * i];
            }
        }
        n = n.div_ceil(2);
        power *= power;
    }
    v[0]
}

/// ln 2 in two parts: `LN2_HI` has 32 significant bits, so `k · LN2_HI` is exact for
/// every integer |k| < 2^21 (fdlibm's split).
pub(crate) const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
pub(crate) const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `a · b` as the rounded product and its exact error (a fused multiply-add).
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// The double-double quotient (nh + nl) / (dh + dl): the rounded quotient and a
/// correction from the exact residual of the division (a fused multiply-add).
#[inline(always)]
pub(crate) fn div_dd(nh: f64, nl: f64, dh: f64, dl: f64) -> (f64, f64) {
    let q = nh / dh;
    let residual = (-q).mul_add(dh, nh) + (nl - q * dl);
    (q, residual / dh)
}

/// The square root of the double-double t + tl (t ≥ 0) as a double-double; the
/// correction is 0 where the root is 0.
#[inline(always)]
pub(crate) fn sqrt_dd(t: f64, tl: f64) -> (f64, f64) {
    let s = t.sqrt();
    let correction = ((-s).mul_add(s, t) + tl) / (2.0 * s);
    (s, if s == 0.0 { 0.0 } else { correction })
}

/// ln 2 as a double-double (head correctly rounded, tail the rest).
pub(crate) const LN2_DD: (f64, f64) = (std::f64::consts::LN_2, 2.3190468138462996e-17);
