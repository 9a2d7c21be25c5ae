//! `hypot` and `hypotf` against exact integer arithmetic: a result is correctly rounded
//! when the squares of the midpoints around it enclose `x² + y²` (a midpoint itself
//! only with an even result). Values are held as integers in units of half the
//! smallest subnormal, where every double, every midpoint and their squares are exact.

use super::{hypot, hypotf};
use num_bigint::BigInt;

/// Units below the smallest subnormal: 2^-1075 for f64, 2^-150 for f32.
const F64_UNIT: i32 = 1075;
const F32_UNIT: i32 = 150;

/// `v` (finite, ≥ 0, as mantissa and exponent) in units of 2^-unit.
fn fixed(mantissa: u64, exponent: i32, unit: i32) -> BigInt {
    BigInt::from(mantissa) << (exponent + unit) as usize
}

fn fixed64(v: f64) -> BigInt {
    let bits = v.abs().to_bits();
    let (e, m) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    match e {
        0 => fixed(m, -1074, F64_UNIT),
        0x7ff => fixed(1, 1024, F64_UNIT), // 2^1024: the neighbour of f64::MAX
        _ => fixed(m | 1 << 52, e - 1075, F64_UNIT),
    }
}

fn fixed32(v: f32) -> BigInt {
    let bits = v.abs().to_bits();
    let (e, m) = ((bits >> 23) as i32, u64::from(bits & ((1 << 23) - 1)));
    match e {
        0 => fixed(m, -149, F32_UNIT),
        0xff => fixed(1, 128, F32_UNIT),
        _ => fixed(m | 1 << 23, e - 150, F32_UNIT),
    }
}

/// Whether `r` (with neighbours `down`, `up`, in fixed point) rounds `sqrt(s)` to
/// nearest, ties to even. An infinite `r` has `r` = 2^max and no `up`.
fn rounds_to(s: &BigInt, r: &BigInt, down: Option<BigInt>, up: Option<BigInt>, even: bool) -> bool {
    let square = |m: &BigInt| m * m;
    let above_down = match down {
        None => true,
        Some(d) => {
            let m = square(&((r + d) >> 1));
            *s > m || (*s == m && even)
        }
    };
    let below_up = match up {
        None => true,
        Some(u) => {
            let m = square(&((r + u) >> 1));
            *s < m || (*s == m && even)
        }
    };
    above_down && below_up
}

fn exact64(x: f64, y: f64) -> bool {
    let r = hypot(x, y);
    let s = fixed64(x) * fixed64(x) + fixed64(y) * fixed64(y);
    let bits = r.to_bits();
    let down = (r > 0.0).then(|| fixed64(f64::from_bits(bits - 1)));
    let up = r.is_finite().then(|| fixed64(f64::from_bits(bits + 1)));
    rounds_to(&s, &fixed64(r), down, up, bits & 1 == 0)
}

fn exact32(x: f32, y: f32) -> bool {
    let r = hypotf(x, y);
    let s = fixed32(x) * fixed32(x) + fixed32(y) * fixed32(y);
    let bits = r.to_bits();
    let down = (r > 0.0).then(|| fixed32(f32::from_bits(bits - 1)));
    let up = r.is_finite().then(|| fixed32(f32::from_bits(bits + 1)));
    rounds_to(&s, &fixed32(r), down, up, bits & 1 == 0)
}

/// xorshift64*: deterministic inputs without a dependency.
struct Bits(u64);

impl Bits {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A double of random bits, restricted to exponents around `center` ± `spread`.
    fn double(&mut self, center: i32, spread: i32) -> f64 {
        let bits = self.next();
        let e = center + (bits % (2 * spread as u64 + 1)) as i32 - spread;
        let e = e.clamp(0, 2046) as u64;
        f64::from_bits(e << 52 | (self.next() & ((1 << 52) - 1)))
    }
}

#[test]
fn random_doubles_are_correctly_rounded() {
    let mut g = Bits(0x9e37_79b9_7f4a_7c15);
    // Near 1, far apart, huge (overflowing sums), tiny, subnormal.
    for (center, spread) in [
        (1023, 2),
        (1023, 30),
        (2040, 8),
        (20, 25),
        (0, 2),
        (1023, 1023),
    ] {
        for _ in 0..20_000 {
            let (x, y) = (g.double(center, spread), g.double(center, spread));
            assert!(exact64(x, y), "hypot({x:e}, {y:e}) = {:e}", hypot(x, y));
        }
    }
}

#[test]
fn random_singles_are_correctly_rounded() {
    let mut g = Bits(0x1234_5678_9abc_def1);
    for _ in 0..200_000 {
        let bits = g.next();
        let (x, y) = (
            f32::from_bits(bits as u32),
            f32::from_bits((bits >> 32) as u32),
        );
        if x.is_finite() && y.is_finite() {
            assert!(exact32(x, y), "hypotf({x:e}, {y:e}) = {:e}", hypotf(x, y));
        }
    }
    for _ in 0..200_000 {
        // Exponents close together, where the sum of squares is not negligible.
        let bits = g.next();
        let e = 100 + (bits % 40) as u32;
        let x = f32::from_bits(e << 23 | (bits >> 8) as u32 & 0x7f_ffff);
        let y =
            f32::from_bits((e - (bits >> 40) as u32 % 12) << 23 | (bits >> 40) as u32 & 0x7f_ffff);
        assert!(exact32(x, y), "hypotf({x:e}, {y:e}) = {:e}", hypotf(x, y));
    }
}

/// Pythagorean triples whose hypotenuse needs one bit more than the format holds:
/// the exact result is a midpoint, rounded to the even neighbour.
#[test]
fn exact_midpoints_round_to_even() {
    let mut ties = (0, 0);
    let mut g = Bits(42);
    for _ in 0..200_000 {
        // m² + n² in [2^53, 1.4·2^53) with m - n odd: c = m² + n² is odd, 54 bits.
        let m = (1u64 << 26) + g.next() % (1 << 25);
        let n = g.next() % m;
        let (a, b, c) = (m * m - n * n, 2 * m * n, m * m + n * n);
        if (m - n) % 2 == 1 && a < 1 << 53 && b < 1 << 53 && (1 << 53..1 << 54).contains(&c) {
            assert!(exact64(a as f64, b as f64), "hypot({a}, {b})");
            ties.0 += 1;
        }
        let (m, n) = (m >> 14, n >> 14);
        let (a, b, c) = (m * m - n * n, 2 * m * n, m * m + n * n);
        if m > n
            && (m - n) % 2 == 1
            && a < 1 << 24
            && b < 1 << 24
            && (1 << 24..1 << 25).contains(&c)
        {
            assert!(exact32(a as f32, b as f32), "hypotf({a}, {b})");
            ties.1 += 1;
        }
    }
    assert!(ties.0 > 1000 && ties.1 > 1000, "{ties:?}");
}

#[test]
fn special_values() {
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    assert_eq!(hypot(inf, nan), inf);
    assert_eq!(hypot(nan, -inf), inf);
    assert!(hypot(nan, 1.0).is_nan());
    assert_eq!(hypot(-0.0, -0.0).to_bits(), 0);
    assert_eq!(hypot(-3.0, 4.0), 5.0);
    assert_eq!(hypot(f64::MAX, f64::MAX), inf);
    assert_eq!(hypot(f64::MAX, 1.0), f64::MAX);
    // √2 smallest subnormals round to one.
    assert_eq!(hypot(5e-324, 5e-324), 5e-324);
    assert_eq!(hypot(5e-324, 1e-323), 1e-323);
    assert_eq!(hypotf(f32::INFINITY, f32::NAN), f32::INFINITY);
    assert!(hypotf(f32::NAN, 0.0).is_nan());
    assert_eq!(hypotf(f32::MAX, f32::MAX), f32::INFINITY);
    assert_eq!(hypotf(f32::MAX, 1.0), f32::MAX);
    for (x, y) in [
        (f64::MAX, 1e300),
        (f64::MIN_POSITIVE, 1e-310),
        (1e-310, 3e-310),
    ] {
        assert!(exact64(x, y), "hypot({x:e}, {y:e})");
    }
    for (x, y) in [(f32::MAX, 1e38), (f32::MAX, 2e19), (1e-45, 3e-45)] {
        assert!(exact32(x, y), "hypotf({x:e}, {y:e})");
    }
}

/// The C library's `hypot` (glibc documents at most 1 ulp) is not correctly rounded in
/// every case: where the two differ, by one ulp at most, this one is the right one
/// (the tests above).
#[test]
fn within_an_ulp_of_the_c_library() {
    let mut g = Bits(7);
    let mut differ = 0;
    for _ in 0..200_000 {
        let (x, y) = (g.double(1023, 40), g.double(1023, 40));
        let (a, b) = (hypot(x, y).to_bits(), x.hypot(y).to_bits());
        assert!(a.abs_diff(b) <= 1, "hypot({x:e}, {y:e})");
        differ += usize::from(a != b);
        let (x, y) = (x as f32, y as f32);
        let (a, b) = (hypotf(x, y).to_bits(), x.hypot(y).to_bits());
        assert!(a.abs_diff(b) <= 1, "hypotf({x:e}, {y:e})");
        differ += usize::from(a != b);
    }
    eprintln!("{differ} of 400000 results differ from the C library's by one ulp");
}
