//! The one way the tests compare floats and arrays: bit for bit (NaNs equal, the sign
//! of zero kept), or within a tolerance of ulps, an absolute and a relative error.

use nexpr::DynArray;
use num_complex::{Complex32, Complex64};

/// How far a float may be from the expected one. Values match when both are NaN, when
/// they are equal (infinities only to themselves), or, for finite values, when one
/// of the three bounds holds. `bits` asks for the same bits instead (NaNs still equal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tol {
    pub bits: bool,
    /// Distance in units in the last place, in the compared precision.
    pub ulps: u64,
    /// Bound on |want - got|.
    pub abs: f64,
    /// Bound on |want - got| / max(|want|, |got|, 1).
    pub rel: f64,
}

impl Tol {
    /// The same bits (any NaN matches any NaN).
    pub const BITS: Tol = Tol {
        bits: true,
        ulps: 0,
        abs: 0.0,
        rel: 0.0,
    };
    /// Equal values (0.0 matches -0.0).
    pub const EQUAL: Tol = Tol {
        bits: false,
        ulps: 0,
        abs: 0.0,
        rel: 0.0,
    };

    pub fn ulps(ulps: u64) -> Tol {
        Tol { ulps, ..Tol::EQUAL }
    }

    pub fn rel(rel: f64) -> Tol {
        Tol { rel, ..Tol::EQUAL }
    }
}

/// `x`'s place on a line of integers where neighbouring floats are 1 apart and both
/// zeros are 0.
fn ordered64(x: f64) -> i64 {
    let i = x.to_bits() as i64;
    if i < 0 {
        i64::MIN.wrapping_sub(i)
    } else {
        i
    }
}

fn ordered32(x: f32) -> i64 {
    let i = x.to_bits() as i32;
    (if i < 0 { i32::MIN.wrapping_sub(i) } else { i }) as i64
}

/// Distance in ulps between two non-NaN float64 values.
pub fn ulps64(x: f64, y: f64) -> u64 {
    ((ordered64(x) as i128) - (ordered64(y) as i128))
        .unsigned_abs()
        .min(u64::MAX as u128) as u64
}

/// Distance in ulps between two non-NaN float32 values.
pub fn ulps32(x: f32, y: f32) -> u64 {
    ordered32(x).abs_diff(ordered32(y))
}

fn close_with(want: f64, got: f64, ulps: impl Fn() -> u64, t: Tol) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if t.bits {
        return want.to_bits() == got.to_bits();
    }
    if want == got {
        return true;
    }
    if want.is_infinite() || got.is_infinite() {
        return false;
    }
    let d = (want - got).abs();
    ulps() <= t.ulps || d <= t.abs || d <= t.rel * want.abs().max(got.abs()).max(1.0)
}

pub fn close64(want: f64, got: f64, t: Tol) -> bool {
    close_with(want, got, || ulps64(want, got), t)
}

pub fn close32(want: f32, got: f32, t: Tol) -> bool {
    close_with(want as f64, got as f64, || ulps32(want, got), t)
}

/// `got` against `want`: the same dtype and shape, bools and integers equal, floats
/// and complex parts within `t32` (float32, complex64) or `t64` (float64, complex128).
/// Err names the first element that differs.
pub fn compare(want: &DynArray, got: &DynArray, t32: Tol, t64: Tol) -> Result<(), String> {
    if want.dtype() != got.dtype() || want.shape() != got.shape() {
        return Err(format!(
            "want {} {:?}, got {} {:?}",
            want.dtype(),
            want.shape(),
            got.dtype(),
            got.shape()
        ));
    }
    fn each<T: Copy + std::fmt::Debug>(
        w: &ndarray::ArrayD<T>,
        g: &ndarray::ArrayD<T>,
        same: impl Fn(T, T) -> bool,
    ) -> Result<(), String> {
        match w
            .iter()
            .zip(g.iter())
            .enumerate()
            .find(|(_, (a, b))| !same(**a, **b))
        {
            Some((k, (a, b))) => Err(format!("element {k}: want {a:?}, got {b:?}")),
            None => Ok(()),
        }
    }
    match (want, got) {
        (DynArray::Bool(w), DynArray::Bool(g)) => each(w, g, |a, b| a == b),
        (DynArray::I32(w), DynArray::I32(g)) => each(w, g, |a, b| a == b),
        (DynArray::I64(w), DynArray::I64(g)) => each(w, g, |a, b| a == b),
        (DynArray::F32(w), DynArray::F32(g)) => each(w, g, |a, b| close32(a, b, t32)),
        (DynArray::F64(w), DynArray::F64(g)) => each(w, g, |a, b| close64(a, b, t64)),
        (DynArray::C64(w), DynArray::C64(g)) => each(w, g, |a: Complex32, b: Complex32| {
            close32(a.re, b.re, t32) && close32(a.im, b.im, t32)
        }),
        (DynArray::C128(w), DynArray::C128(g)) => each(w, g, |a: Complex64, b: Complex64| {
            close64(a.re, b.re, t64) && close64(a.im, b.im, t64)
        }),
        _ => unreachable!("dtypes checked above"),
    }
}

/// `compare` with one tolerance for both precisions.
pub fn compare_all(want: &DynArray, got: &DynArray, t: Tol) -> Result<(), String> {
    compare(want, got, t, t)
}

#[test]
fn tolerances() {
    assert!(close64(0.0, -0.0, Tol::EQUAL));
    assert!(!close64(0.0, -0.0, Tol::BITS));
    assert!(close64(f64::NAN, -f64::NAN, Tol::BITS));
    assert!(close64(1.0, 1.0 + 4.0 * f64::EPSILON, Tol::ulps(4)));
    assert!(!close64(1.0, 1.0 + 8.0 * f64::EPSILON, Tol::ulps(4)));
    assert!(!close64(f64::INFINITY, f64::MAX, Tol::ulps(4)));
    assert!(!close64(f64::NAN, 0.0, Tol::ulps(4)));
    assert!(close32(
        -f32::MIN_POSITIVE,
        f32::MIN_POSITIVE,
        Tol::ulps(0x0100_0000)
    ));
    assert!(!close32(1.0, 1.0 + 8.0 * f32::EPSILON, Tol::ulps(4)));
    assert!(close64(1e6, 1e6 + 1e-4, Tol::rel(1e-9)));
    assert_eq!(ulps64(-0.0, 5e-324), 1);
    assert_eq!(ulps32(-1e-45, 1e-45), 2);
}

/// Complex numbers as a whole: both with a NaN part, the same bits, or
/// |want - got| <= `t.rel` * max(|want|, |got|, 1).
pub fn close_complex(want: Complex64, got: Complex64, t: Tol) -> bool {
    let nan = |z: Complex64| z.re.is_nan() || z.im.is_nan();
    if nan(want) || nan(got) {
        return nan(want) && nan(got);
    }
    (close64(want.re, got.re, Tol::BITS) && close64(want.im, got.im, Tol::BITS))
        || (want - got).norm() <= t.rel * want.norm().max(got.norm()).max(1.0)
}
