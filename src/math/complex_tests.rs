//! The complex functions nexpr computes itself against committed correctly rounded
//! parts (`reference.txt`'s lines `name complex128|complex64 re im result_re result_im`, written
//! by `python/tests/accuracy.py --rust`), and the arguments their cores leave to the
//! C library against it, bit for bit.

use super::tests::{reference_value, ulps, REFERENCE};
use crate::value::libm;
use crate::value::own_complex;
use num_complex::{Complex, Complex32, Complex64};

/// nexpr's function `name` at z, in complex128 or (`f32`) complex64, widened.
fn apply(name: &str, z: Complex64, f32: bool) -> Complex64 {
    macro_rules! by_name {
        ($z:expr) => {
            match name {
                "exp" => own_complex::exp($z),
                "log" => own_complex::log($z),
                "sqrt" => own_complex::sqrt($z),
                "sin" => own_complex::sin($z),
                "cos" => own_complex::cos($z),
                "sinh" => own_complex::sinh($z),
                "cosh" => own_complex::cosh($z),
                "tan" => own_complex::tan($z),
                "tanh" => own_complex::tanh($z),
                "arctan" => own_complex::arctan($z),
                "arctanh" => own_complex::arctanh($z),
                "log1p" => own_complex::log1p($z),
                "arcsin" => own_complex::arcsin($z),
                "arccos" => own_complex::arccos($z),
                "arcsinh" => own_complex::arcsinh($z),
                "arccosh" => own_complex::arccosh($z),
                _ => panic!("unknown complex function {name}"),
            }
        };
    }
    if f32 {
        let r: Complex32 = by_name!(Complex::new(z.re as f32, z.im as f32));
        Complex::new(r.re as f64, r.im as f64)
    } else {
        by_name!(z)
    }
}

#[test]
fn complex_parts_within_one_ulp_of_the_correctly_rounded_values() {
    let mut n = 0;
    for line in REFERENCE.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        // The power's lines (two arguments) are `complex_pow_tests.rs`'.
        if !w.get(1).is_some_and(|d| d.starts_with("complex")) || w[0] == "power" {
            continue;
        }
        assert_eq!(w.len(), 6, "{line}");
        let f32 = w[1] == "complex64";
        let part = |s: &str| reference_value(s, f32);
        let z = Complex::new(part(w[2]), part(w[3]));
        let want = Complex::new(part(w[4]), part(w[5]));
        let got = apply(w[0], z, f32);
        let d = ulps(got.re, want.re, f32).max(ulps(got.im, want.im, f32));
        assert!(
            d <= 1,
            "{} {} of {z:e}: {got:e}, want {want:e} ({d} ulp)",
            w[0],
            w[1]
        );
        n += 1;
    }
    assert!(n > 1000, "reference.txt is missing complex cases ({n})");
}

/// Parts of arguments: specials, and values next to each core's limits.
const PARTS: [f64; 16] = [
    0.0,
    -0.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e-310,
    -3e-200,
    1.0,
    -2.5,
    700.5,
    -600.5,
    709.9,
    1048577.0,
    1e200,
    -1e300,
    f64::MAX,
];

/// Same bits, NaN equal to NaN.
pub(super) fn same(a: Complex64, b: Complex64) -> bool {
    let eq = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits();
    eq(a.re, b.re) && eq(a.im, b.im)
}

#[test]
fn arguments_outside_the_cores_get_the_c_librarys_values() {
    type Function = fn(Complex64) -> Complex64;
    type Inside = fn(f64, f64) -> bool;
    use own_complex::covers;
    let cases: [(&str, Function, Inside); 16] = [
        ("exp", libm::cexp, covers::exp::<f64>),
        ("log", libm::clog, covers::log::<f64>),
        ("sqrt", libm::csqrt, covers::sqrt::<f64>),
        ("sin", libm::csin, covers::sin::<f64>),
        ("cos", libm::ccos, covers::cos::<f64>),
        ("tan", libm::ctan, covers::tan::<f64>),
        ("sinh", libm::csinh, covers::sinh::<f64>),
        ("cosh", libm::ccosh, covers::cosh::<f64>),
        ("tanh", libm::ctanh, covers::tanh::<f64>),
        ("arctan", libm::catan, covers::arctan::<f64>),
        ("arctanh", libm::catanh, covers::arctanh::<f64>),
        ("arcsin", libm::casin, covers::arcsin::<f64>),
        ("arccos", libm::cacos, covers::arccos::<f64>),
        ("arcsinh", libm::casinh, covers::arcsinh::<f64>),
        ("arccosh", libm::cacosh, covers::arccosh::<f64>),
        // log1p has no C library function: NumPy's formula.
        ("log1p", own_complex::numpy_log1p, covers::log1p::<f64>),
    ];
    for (name, c_library, inside) in cases {
        let mut outside = 0;
        for &re in &PARTS {
            for &im in &PARTS {
                let z = Complex::new(re, im);
                let got = apply(name, z, false);
                if inside(re, im) {
                    // Inside, zero parts keep C99's signs, and nothing overflows.
                    let want = c_library(z);
                    assert!(
                        got.re.is_finite() && got.im.is_finite(),
                        "{name}({z}) = {got}"
                    );
                    if want.re == 0.0 || want.im == 0.0 {
                        let sign = |x: f64| x.is_sign_negative();
                        assert!(
                            (want.re != 0.0 || sign(got.re) == sign(want.re))
                                && (want.im != 0.0 || sign(got.im) == sign(want.im)),
                            "{name}({z}): {got}, the C library gives {want}"
                        );
                    }
                } else {
                    outside += 1;
                    let want = c_library(z);
                    assert!(
                        same(got, want),
                        "{name}({z}): {got}, the C library gives {want}"
                    );
                }
            }
        }
        assert!(
            outside > 100,
            "{name}: only {outside} arguments outside the core"
        );
    }
}
