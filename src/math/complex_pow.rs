//! The core of the complex power z^w = exp(w·log z), within 1 ulp per part.
//!
//! With log z = λ + iθ (λ = ½·log|z|², θ = arg z) and w = c + id, the result is
//! e^u·(cos v + i·sin v) with u = cλ − dθ and v = cθ + dλ. A relative error of the
//! result's modulus is the absolute error of u, and an error of v moves each part by
//! that much relative to the modulus; u and v may also be small differences of large
//! products. So λ and θ are computed to about 2^-100 (the double-double steps here:
//! 2·atanh series for the logarithm, an eighths table and a series for the
//! arctangent), u and v as double-double sums of double-double products, and only
//! then the result from `exp.rs`' reduction and `tan.rs`' sine and cosine kernels,
//! whose 2^-60 relative errors no longer matter. NumPy (the C library's `cpow`)
//! computes w·log z in double precision and loses up to log2|u| bits this way.
//!
//! [`pow`] returns `None` where it does not compute ([`pow_core`] is the same without
//! branches, for the batch functions): non-finite or subnormal parts,
//! z = 0, |u| or |v| too large (beyond exp's and the reduction's ranges, or products so
//! large that their 2^-100 would show), and v = 0, where the sign of a zero imaginary
//! part is the C library's IEEE arithmetic. The caller takes the C library's `cpow`
//! there, as NumPy does everywhere.

use super::complex::{add_dd as add, half, mul_dd, mul_dd2 as mul, norm_dd as norm, sin_cos_of_dd};
use super::complex_pow_tables::{ATAN_STEPS, LOG_STEPS};
use super::exp::exp_parts;
use super::float::{
    div_dd, fast_two_sum, horner, int_to_f64, pow2, round_int, scale, two_prod, LN2_DD,
};
use super::log::split;
use super::trig::REDUCED_MAX;

/// A double-double (head, tail).
type Dd = (f64, f64);

/// 1/3 and 1/5 as double-doubles (mpmath): the series' terms that need them.
const THIRD: Dd = (0.3333333333333333, 1.850371707708594e-17);
const FIFTH: Dd = (0.2, -1.1102230246251566e-17);

/// π and π/2 as double-doubles (mpmath).
const PI: Dd = (std::f64::consts::PI, 1.2246467991473532e-16);
const PI_2: Dd = (std::f64::consts::FRAC_PI_2, 6.123233995736766e-17);

/// log(nh + nl) for a positive normal double-double, absolute error near 2^-100·
/// max(1, |log|): nh = 2^k·m; with i = round(64·m) and g ≈ 64/i from a table of
/// −log g (double-doubles), f = m·g − 1 exactly (|f| ≤ 1/90) plus nl's share, and
/// log(1 + f) = 2·atanh s, s = f/(2 + f) (|s| ≤ 2^-7.5), = 2s·Σ s^(2j)/(2j + 1):
/// seven terms reach 2^-104, and the first two take double-double coefficients.
#[inline(always)]
fn log_hp(nh: f64, nl: f64, (g, log_h, log_l): LogStep) -> Dd {
    let (k, m) = split(nh);
    let (p, p_err) = two_prod(m, g);
    // p − 1 is exact (Sterbenz: p is within 1/90 of 1).
    let (f, fl) = fast_two_sum(p - 1.0, p_err + nl * pow2(-k) * g);
    let (d, dl) = fast_two_sum(2.0, f);
    let s = div_dd(f, fl, d, dl + fl);
    let t = mul(s, s);
    let inner = t.0 * horner(t.0, &[1.0 / 7.0, 1.0 / 9.0, 1.0 / 11.0, 1.0 / 13.0]);
    let q = add(
        mul(add(mul(add((inner, 0.0), FIFTH), t), THIRD), t),
        (1.0, 0.0),
    );
    let log_1p_f = mul((2.0 * s.0, 2.0 * s.1), q);
    add(
        add(mul((int_to_f64(k), 0.0), LN2_DD), (log_h, log_l)),
        log_1p_f,
    )
}

/// atan(a) for a double-double 0 ≤ a ≤ 1, absolute error near 2^-104: with c = j/64
/// the nearest 64th, atan a = atan c + atan t, t = (a − c)/(1 + a·c), |t| ≤ 1/128,
/// and atan t = t·Σ (−t²)^j/(2j + 1) to j = 7, the first two terms' coefficients
/// double-doubles.
#[inline(always)]
fn atan_hp(a: Dd, atan_c: Dd) -> Dd {
    let (j, _) = round_int(a.0 * 64.0);
    let c = j / 64.0;
    // a − c is exact (Sterbenz: c/2 ≤ a ≤ 2c for j ≥ 1).
    let (p, p_err) = two_prod(a.0, c);
    let (dh, dl) = fast_two_sum(1.0, p);
    let t = div_dd(a.0 - c, a.1, dh, dl + c.mul_add(a.1, p_err));
    let tt = mul(t, t);
    let z = -tt.0;
    let inner = z * horner(
        z,
        &[1.0 / 7.0, 1.0 / 9.0, 1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0],
    );
    let minus_tt = (-tt.0, -tt.1);
    let sum = add(
        mul(
            add(mul(add((inner, 0.0), FIFTH), minus_tt), THIRD),
            minus_tt,
        ),
        (1.0, 0.0),
    );
    // ATAN_STEPS[0] is atan 0 = 0: adding it leaves atan t's value as it is.
    add(atan_c, mul(t, sum))
}

/// The angle of (x, y) ≠ (0, 0), finite, as a double-double (C's `carg` to about
/// 2^-100), given atan of the ratio's nearest 64th (`ATAN_STEPS`).
#[inline(always)]
fn arg_hp(x: f64, y: f64, atan_c: Dd) -> Dd {
    let swap = y.abs() > x.abs();
    let a = ratio(x, y);
    let r = atan_hp(a, atan_c);
    let r = if swap { add(PI_2, (-r.0, -r.1)) } else { r };
    let r = if x < 0.0 { add(PI, (-r.0, -r.1)) } else { r };
    if y.is_sign_negative() {
        (-r.0, -r.1)
    } else {
        r
    }
}

/// min(|x|, |y|)/max(|x|, |y|) as a double-double.
#[inline(always)]
fn ratio(x: f64, y: f64) -> Dd {
    let (ax, ay) = (x.abs(), y.abs());
    let (n, d) = if ay > ax { (ax, ay) } else { (ay, ax) };
    div_dd(n, 0.0, d, 0.0)
}

/// A row of `LOG_STEPS`: (g, −log g as a double-double).
type LogStep = (f64, f64, f64);

/// The rows of `LOG_STEPS` and `ATAN_STEPS` the core reads at the (sanitized)
/// arguments. Apart from the core, so that the batch functions can look them up in a
/// loop of their own: a table lookup in the core would keep LLVM from vectorizing it
/// (AVX2's gathers count as slow).
#[inline(always)]
pub fn rows(x: f64, y: f64, c: f64, d: f64) -> (usize, usize) {
    let (_, (x, y, _, _)) = sanitized(x, y, c, d);
    let (_, m) = split(norm(x, y).0);
    // m·64 rounds to 45…91 and the ratio's 64 multiple to 0…64; the clamps keep the
    // indices provably in the tables.
    let (_, i) = round_int(m * 64.0);
    let (_, j) = round_int(ratio(x, y).0 * 64.0);
    ((i - 45).clamp(0, 46) as usize, j.clamp(0, 64) as usize)
}

/// Whether the core computes at the arguments, and the arguments it computes with:
/// the same, or 1 + i where it does not.
#[inline(always)]
fn sanitized(x: f64, y: f64, c: f64, d: f64) -> (bool, (f64, f64, f64, f64)) {
    let inside = parts_inside([x, y, c, d]) & !((x == 0.0) & (y == 0.0));
    let args = if inside {
        (x, y, c, d)
    } else {
        (1.0, 1.0, 1.0, 1.0)
    };
    (inside, args)
}

/// Parts beyond it (or below `SMALL`, not 0) are left to the C library: so x², y²
/// and their exact errors stay normal.
const LARGE: f64 = 2.5822498780869086e120; // 2^400
const SMALL: f64 = 3.872591914849318e-121; // 2^-400
/// |c·λ| + |d·θ| and |c·θ| + |d·λ| beyond it are left to the C library: their
/// 2^-104 would show in u and v.
const PRODUCT_MAX: f64 = 1048576.0; // 2^20
/// exp's range for u: the result stays normal and finite.
const U_LOW: f64 = -600.0;
const U_HIGH: f64 = 700.0;

/// Whether every part is finite and either 0 or of magnitude in [`SMALL`, `LARGE`].
#[inline(always)]
fn parts_inside(parts: [f64; 4]) -> bool {
    parts.iter().fold(true, |all, p| {
        all & ((*p == 0.0) | (SMALL..=LARGE).contains(&p.abs()))
    })
}

/// (x + iy)^(c + id) as (re, im), or `None` where the C library is to compute it (see
/// the module's description).
#[inline(always)]
pub fn pow(x: f64, y: f64, c: f64, d: f64) -> Option<(f64, f64)> {
    let (i, j) = rows(x, y, c, d);
    let (re, im, ok) = pow_core(x, y, c, d, (LOG_STEPS[i], ATAN_STEPS[j]));
    ok.then_some((re, im))
}

/// [`pow`] without branches, so that it vectorizes (`batch_complex_pow.rs`), given
/// the table rows [`rows`] names: the parts and whether they are the power's, every
/// lane computing finite values of arguments in range (others are replaced or
/// clamped).
#[inline(always)]
pub fn pow_core(
    x: f64,
    y: f64,
    c: f64,
    d: f64,
    (log_step, atan_c): (LogStep, Dd),
) -> (f64, f64, bool) {
    let (inside, (x, y, c, d)) = sanitized(x, y, c, d);
    let (nh, nl) = norm(x, y);
    let lambda = half(log_hp(nh, nl, log_step));
    let theta = arg_hp(x, y, atan_c);
    let size_u = (c * lambda.0).abs() + (d * theta.0).abs();
    let size_v = (c * theta.0).abs() + (d * lambda.0).abs();
    let u = add(mul((c, 0.0), lambda), mul((-d, 0.0), theta));
    let v = add(mul((c, 0.0), theta), mul((d, 0.0), lambda));
    let ok = inside
        & (size_u <= PRODUCT_MAX)
        & (size_v <= PRODUCT_MAX)
        & (U_LOW..=U_HIGH).contains(&u.0)
        & (v.0 != 0.0)
        & (v.0.abs() <= REDUCED_MAX);
    // e^u = 2^k·(1 + r + p)·(1 + u.1).
    let (k, r, p) = exp_parts(u.0.clamp(U_LOW, U_HIGH));
    let (h, hl) = fast_two_sum(1.0, r);
    let tail = hl + p;
    let modulus = (h, tail + (h + tail) * u.1);
    let (sin_v, cos_v) = sin_cos_of_dd((v.0.clamp(-REDUCED_MAX, REDUCED_MAX), v.1));
    // The parts are not zero where `ok` holds (v ≠ 0, and cos v is never 0 for a
    // double v), so `mul_dd`'s rule for zero products does not enter.
    (
        scale(mul_dd(modulus, cos_v), k),
        scale(mul_dd(modulus, sin_v), k),
        ok,
    )
}
