//! The functions against committed correctly rounded values (`reference.txt`, written
//! by `python/tests/accuracy.py --rust`: mpmath at 120 bits, random and hard
//! arguments; lines of two-argument functions hold both arguments), special values,
//! and the batch entry points against the scalar functions bit for bit.

use super::{batch, Accurate};
use crate::ir::UnOp;
use crate::options::MathWidth;

pub(super) const REFERENCE: &str = include_str!("reference.txt");

/// A reference value (hex bits of an f64, or of an f32 where `f32`), widened to f64.
pub(super) fn reference_value(hex: &str, f32: bool) -> f64 {
    let bits = u64::from_str_radix(hex, 16).expect("hex");
    if f32 {
        f32::from_bits(bits as u32) as f64
    } else {
        f64::from_bits(bits)
    }
}

/// Distance in representable numbers (NaN equals NaN, −0 equals +0).
pub(super) fn ulps(a: f64, b: f64, f32: bool) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    let key = |x: f64| {
        if f32 {
            let i = (x as f32).to_bits() as i32 as i64;
            if i < 0 {
                i32::MIN as i64 - i
            } else {
                i
            }
        } else {
            let i = x.to_bits() as i64;
            if i < 0 {
                i64::MIN.wrapping_sub(i)
            } else {
                i
            }
        }
    };
    key(a).abs_diff(key(b))
}

fn apply<T: Accurate>(op: UnOp, x: T) -> T {
    match op {
        UnOp::Exp => x.exp(),
        UnOp::Expm1 => x.expm1(),
        UnOp::Log => x.log(),
        UnOp::Log1p => x.log1p(),
        UnOp::Log2 => x.log2(),
        UnOp::Log10 => x.log10(),
        UnOp::Sin => x.sin(),
        UnOp::Cos => x.cos(),
        UnOp::Tan => x.tan(),
        UnOp::Arcsin => x.arcsin(),
        UnOp::Arccos => x.arccos(),
        UnOp::Arctan => x.arctan(),
        UnOp::Sinh => x.sinh(),
        UnOp::Cosh => x.cosh(),
        UnOp::Tanh => x.tanh(),
        UnOp::Arcsinh => x.arcsinh(),
        UnOp::Arccosh => x.arccosh(),
        UnOp::Arctanh => x.arctanh(),
        _ => unreachable!("not implemented here"),
    }
}

const OPS: [(&str, UnOp); 18] = [
    ("exp", UnOp::Exp),
    ("expm1", UnOp::Expm1),
    ("log", UnOp::Log),
    ("log1p", UnOp::Log1p),
    ("log2", UnOp::Log2),
    ("log10", UnOp::Log10),
    ("sin", UnOp::Sin),
    ("cos", UnOp::Cos),
    ("tan", UnOp::Tan),
    ("arcsin", UnOp::Arcsin),
    ("arccos", UnOp::Arccos),
    ("arctan", UnOp::Arctan),
    ("sinh", UnOp::Sinh),
    ("cosh", UnOp::Cosh),
    ("tanh", UnOp::Tanh),
    ("arcsinh", UnOp::Arcsinh),
    ("arccosh", UnOp::Arccosh),
    ("arctanh", UnOp::Arctanh),
];

/// The two-argument functions of the reference: name and f(y, x) in f64 and in f32.
type Binary = (&'static str, fn(f64, f64) -> f64, fn(f32, f32) -> f32);
const BINARY: [Binary; 2] = [
    ("arctan2", Accurate::arctan2, Accurate::arctan2),
    ("power", Accurate::pow, Accurate::pow),
];

/// (name, is f32, (y, x), correctly rounded result) of each two-argument reference line.
fn binary_reference() -> Vec<(&'static Binary, bool, (f64, f64), f64)> {
    REFERENCE
        .lines()
        .filter(|l| l.split_whitespace().count() == 5)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let f = BINARY.iter().find(|b| b.0 == w[0]).expect("known function");
            let f32 = w[1] == "float32";
            let v = |s: &str| reference_value(s, f32);
            (f, f32, (v(w[2]), v(w[3])), v(w[4]))
        })
        .collect()
}

#[test]
fn two_argument_functions_within_one_ulp() {
    let cases = binary_reference();
    assert!(cases.len() > 500, "reference.txt is missing cases");
    for &(f, f32, (y, x), want) in &cases {
        let got = if f32 {
            f.2(y as f32, x as f32) as f64
        } else {
            f.1(y, x)
        };
        let d = ulps(got, want, f32);
        assert!(
            d <= 1,
            "{}({y:e}, {x:e}) {}: {got:e}, want {want:e} ({d} ulp)",
            f.0,
            if f32 { "f32" } else { "f64" },
        );
    }
}

/// (op, is f32, argument, correctly rounded result) of each one-argument reference line.
fn reference() -> Vec<(UnOp, bool, f64, f64)> {
    REFERENCE
        .lines()
        .filter(|l| l.split_whitespace().count() == 4 && !l.starts_with('#'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let op = OPS.iter().find(|o| o.0 == w[0]).expect("known function").1;
            let f32 = w[1] == "float32";
            (
                op,
                f32,
                reference_value(w[2], f32),
                reference_value(w[3], f32),
            )
        })
        .collect()
}

#[test]
fn within_one_ulp_of_the_correctly_rounded_values() {
    let cases = reference();
    assert!(cases.len() > 1000, "reference.txt is missing cases");
    let mut worst: Vec<(UnOp, bool, u64, usize, usize)> = Vec::new();
    for &(op, f32, x, want) in &cases {
        let got = if f32 {
            apply(op, x as f32) as f64
        } else {
            apply(op, x)
        };
        let d = ulps(got, want, f32);
        assert!(
            d <= 1,
            "{op:?} {} of {x:e} ({:#x}): {got:e}, want {want:e} ({d} ulp)",
            if f32 { "f32" } else { "f64" },
            x.to_bits()
        );
        match worst.iter_mut().find(|w| w.0 == op && w.1 == f32) {
            Some(w) => {
                w.2 = w.2.max(d);
                w.3 += (d == 0) as usize;
                w.4 += 1;
            }
            None => worst.push((op, f32, d, (d == 0) as usize, 1)),
        }
    }
    for (op, f32, max, exact, n) in worst {
        eprintln!(
            "{op:?} f32={f32}: max {max} ulp, {:.1} % correctly rounded of {n}",
            100.0 * exact as f64 / n as f64
        );
    }
}

#[test]
fn special_values_as_numpy_gives_them() {
    // pandas users compare df.eval("exp(a)") with np.exp(a).
    assert_eq!(Accurate::exp(1f64), std::f64::consts::E);
    let pi = std::f64::consts::PI;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let inf = f64::INFINITY;
    let cases: [(UnOp, f64, f64); 55] = [
        (UnOp::Tanh, -0.0, -0.0),
        (UnOp::Tanh, inf, 1.0),
        (UnOp::Tanh, -inf, -1.0),
        (UnOp::Tanh, 1e-310, 1e-310),
        (UnOp::Sinh, -0.0, -0.0),
        (UnOp::Sinh, -inf, -inf),
        (UnOp::Sinh, 711.0, inf),
        (UnOp::Sinh, -5e-324, -5e-324),
        (UnOp::Cosh, -0.0, 1.0),
        (UnOp::Cosh, -inf, inf),
        (UnOp::Cosh, -711.0, inf),
        (UnOp::Arctan, -0.0, -0.0),
        (UnOp::Arctan, inf, half_pi),
        (UnOp::Arctan, -inf, -half_pi),
        (UnOp::Arcsin, 1.0, half_pi),
        (UnOp::Arcsin, -0.0, -0.0),
        (UnOp::Arccos, 1.0, 0.0),
        (UnOp::Arccos, -1.0, pi),
        (UnOp::Arccos, 0.0, half_pi),
        (UnOp::Tan, -0.0, -0.0),
        (UnOp::Tan, 1e-310, 1e-310),
        (UnOp::Arcsinh, -0.0, -0.0),
        (UnOp::Arcsinh, -inf, -inf),
        (UnOp::Arccosh, 1.0, 0.0),
        (UnOp::Arccosh, inf, inf),
        (UnOp::Arctanh, -0.0, -0.0),
        (UnOp::Arctanh, 1.0, inf),
        (UnOp::Arctanh, -1.0, -inf),
        (UnOp::Log2, 1024.0, 10.0),
        (UnOp::Log2, 5e-324, -1074.0),
        (UnOp::Log10, 1000.0, 3.0),
        (UnOp::Log10, 1e22, 22.0),
        (UnOp::Log10, 0.0, f64::NEG_INFINITY),
        (UnOp::Exp, 0.0, 1.0),
        (UnOp::Exp, f64::NEG_INFINITY, 0.0),
        (UnOp::Exp, f64::INFINITY, f64::INFINITY),
        (UnOp::Exp, 710.0, f64::INFINITY),
        (UnOp::Exp, -746.0, 0.0),
        (UnOp::Exp, -745.1332191019411, 5e-324),
        (UnOp::Expm1, -0.0, -0.0),
        (UnOp::Expm1, f64::NEG_INFINITY, -1.0),
        (UnOp::Expm1, f64::INFINITY, f64::INFINITY),
        (UnOp::Expm1, 1e-310, 1e-310),
        (UnOp::Log, 0.0, f64::NEG_INFINITY),
        (UnOp::Log, -0.0, f64::NEG_INFINITY),
        (UnOp::Log, 1.0, 0.0),
        (UnOp::Log, f64::INFINITY, f64::INFINITY),
        (UnOp::Log, 5e-324, -744.4400719213812),
        (UnOp::Log1p, -0.0, -0.0),
        (UnOp::Log1p, -1.0, f64::NEG_INFINITY),
        (UnOp::Log1p, f64::INFINITY, f64::INFINITY),
        (UnOp::Sin, -0.0, -0.0),
        (UnOp::Sin, 1e-310, 1e-310),
        (UnOp::Cos, 0.0, 1.0),
        (UnOp::Cos, -1e-310, 1.0),
    ];
    for (op, x, want) in cases {
        let got = apply(op, x);
        assert_eq!(got.to_bits(), want.to_bits(), "{op:?}({x:e}) = {got:e}");
    }
    for (y, x, want) in [
        (0.0, -0.0, pi),
        (-0.0, -0.0, -pi),
        (-0.0, 0.0, -0.0),
        (0.0, 1.0, 0.0),
        (-0.0, -1.0, -pi),
        (1.0, -0.0, half_pi),
        (-inf, inf, -std::f64::consts::FRAC_PI_4),
        (inf, -inf, 3.0 * std::f64::consts::FRAC_PI_4),
        (-1.0, -inf, -pi),
        (-inf, 2.0, -half_pi),
    ] {
        let got = Accurate::arctan2(y, x);
        assert_eq!(
            got.to_bits(),
            want.to_bits(),
            "arctan2({y:e}, {x:e}) = {got:e}"
        );
    }
    assert!(Accurate::arctan2(f64::NAN, 1.0).is_nan() && Accurate::arctan2(0.0, f64::NAN).is_nan());
    for (op, x) in [
        (UnOp::Arcsin, 1.5),
        (UnOp::Arccos, -1.0000000000000002),
        (UnOp::Arccosh, 0.5),
        (UnOp::Arccosh, -inf),
        (UnOp::Arctanh, 2.0),
        (UnOp::Tanh, f64::NAN),
        (UnOp::Sinh, f64::NAN),
        (UnOp::Cosh, f64::NAN),
        (UnOp::Arcsinh, f64::NAN),
        (UnOp::Arctan, f64::NAN),
        (UnOp::Tan, f64::INFINITY),
        (UnOp::Log, -1.0),
        (UnOp::Log1p, -2.0),
        (UnOp::Sin, f64::INFINITY),
        (UnOp::Cos, f64::NEG_INFINITY),
        (UnOp::Exp, f64::NAN),
        (UnOp::Log, f64::NAN),
    ] {
        assert!(apply(op, x).is_nan(), "{op:?}({x}) is not NaN");
    }
}

/// log1p(x) = x below 2^-53 (x − x²/2 rounds to x there), computed by the sum itself,
/// without a select: on a sample of every binade from the subnormals to 2^-54, both
/// signs, and ±0.
#[test]
fn log1p_of_tiny_arguments_is_the_argument() {
    let mut bits = 0x9e37_79b9_7f4a_7c15u64;
    for exponent in -1075..-54 {
        for _ in 0..200 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            let x = (1.0 + (bits >> 12) as f64 / (1u64 << 52) as f64) * 2f64.powi(exponent);
            for x in [x, -x] {
                let y = Accurate::log1p(x);
                assert_eq!(y.to_bits(), x.to_bits(), "log1p({x:e}) = {y:e}");
            }
        }
    }
    for x in [0.0f64, -0.0] {
        assert_eq!(Accurate::log1p(x).to_bits(), x.to_bits(), "log1p({x:e})");
    }
}

/// Arguments for the batch comparison: the reference's, specials, huge trig ones.
fn batch_arguments() -> Vec<f64> {
    let mut xs: Vec<f64> = reference().iter().map(|c| c.2).collect();
    xs.extend([
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-310,
        -5e-324,
        3e-17,
        -2e-20,
        1e-200,
        1e22,
        -3e7,
        1048576.0,
        1048576.0000000002,
    ]);
    xs
}

#[test]
fn batch_functions_equal_the_scalar_ones_bit_for_bit() {
    let xs = batch_arguments();
    for width in [MathWidth::Bits256, MathWidth::Bits512] {
        if batch::resolve(width) != width {
            eprintln!("skipped: batch functions at {width:?}: the CPU lacks them");
            continue;
        }
        for &(_, op) in &OPS {
            for f32 in [false, true] {
                let name = batch::batch_fn(op, f32, width).expect("every op has one");
                let f = batch::lookup(name).expect("listed");
                // SAFETY: the entry point of this name has this signature.
                let f: unsafe extern "C" fn(*const u8, *mut u8, i64) =
                    unsafe { std::mem::transmute(f) };
                if f32 {
                    let x: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
                    let mut y = x.clone();
                    // SAFETY: in place over the whole buffer; the CPU has the width.
                    unsafe { f(y.as_ptr().cast(), y.as_mut_ptr().cast(), y.len() as i64) };
                    for (a, b) in x.iter().zip(&y) {
                        let want = apply(op, *a);
                        assert!(
                            want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()),
                            "{name}({a:e}) = {b:e}, scalar {want:e}"
                        );
                    }
                } else {
                    let mut y = vec![0.0f64; xs.len()];
                    // SAFETY: two buffers of the same length; the CPU has the width.
                    unsafe { f(xs.as_ptr().cast(), y.as_mut_ptr().cast(), y.len() as i64) };
                    for (a, b) in xs.iter().zip(&y) {
                        let want = apply(op, *a);
                        assert!(
                            want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()),
                            "{name}({a:e}) = {b:e}, scalar {want:e}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn binary_batch_functions_equal_the_scalar_ones_bit_for_bit() {
    use crate::ir::BinOp;
    let xs = batch_arguments();
    // Every argument against a rotation of the others, plus exponents that are
    // integers, halves and special values.
    let mut pairs: Vec<(f64, f64)> = xs
        .iter()
        .zip(xs.iter().cycle().skip(7))
        .map(|(&a, &b)| (a, b))
        .collect();
    for &x in &xs {
        for y in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            0.5,
            -2.5,
            3.0,
            f64::INFINITY,
            f64::NAN,
        ] {
            pairs.push((x, y));
        }
    }
    for width in [MathWidth::Bits256, MathWidth::Bits512] {
        if batch::resolve(width) != width {
            eprintln!("skipped: batch functions at {width:?}: the CPU lacks them");
            continue;
        }
        for op in [BinOp::Pow, BinOp::Arctan2] {
            let scalar = |x: f64, y: f64| match op {
                BinOp::Pow => Accurate::pow(x, y),
                _ => Accurate::arctan2(x, y),
            };
            let scalar32 = |x: f32, y: f32| match op {
                BinOp::Pow => Accurate::pow(x, y),
                _ => Accurate::arctan2(x, y),
            };
            for f32 in [false, true] {
                let name = batch::binary_batch_fn(op, f32, width).expect("both have one");
                let f = batch::lookup(name).expect("listed");
                // SAFETY: the entry point of this name has this signature.
                let f: unsafe extern "C" fn(*const u8, *const u8, *mut u8, i64) =
                    unsafe { std::mem::transmute(f) };
                let n = pairs.len() as i64;
                if f32 {
                    let a: Vec<f32> = pairs.iter().map(|p| p.0 as f32).collect();
                    let b: Vec<f32> = pairs.iter().map(|p| p.1 as f32).collect();
                    let mut y = a.clone();
                    // SAFETY: the first source is also the destination, as in kernels.
                    unsafe {
                        f(
                            y.as_ptr().cast(),
                            b.as_ptr().cast(),
                            y.as_mut_ptr().cast(),
                            n,
                        )
                    };
                    for ((&x, &e), &got) in a.iter().zip(&b).zip(&y) {
                        let want = scalar32(x, e);
                        assert!(
                            want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                            "{name}({x:e}, {e:e}) = {got:e}, scalar {want:e}"
                        );
                    }
                } else {
                    let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
                    let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
                    let mut y = vec![0.0f64; pairs.len()];
                    // SAFETY: three buffers of the same length.
                    unsafe {
                        f(
                            a.as_ptr().cast(),
                            b.as_ptr().cast(),
                            y.as_mut_ptr().cast(),
                            n,
                        )
                    };
                    for ((&x, &e), &got) in a.iter().zip(&b).zip(&y) {
                        let want = scalar(x, e);
                        assert!(
                            want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                            "{name}({x:e}, {e:e}) = {got:e}, scalar {want:e}"
                        );
                    }
                }
            }
        }
    }
}
