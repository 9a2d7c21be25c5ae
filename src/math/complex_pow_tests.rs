//! The complex power against committed correctly rounded parts (`reference.txt`'s
//! lines `power complex128|complex64 z_re z_im w_re w_im result_re result_im`, written
//! by `python/tests/accuracy.py --rust`), and the arguments its core leaves to the C
//! library against it, bit for bit.

use super::complex_tests::same;
use super::tests::{reference_value, ulps, REFERENCE};
use crate::value::{libm, pow_c32, pow_c64};
use num_complex::{Complex, Complex32, Complex64};

#[test]
fn power_within_one_ulp_of_the_correctly_rounded_parts() {
    let mut n = 0;
    for line in REFERENCE.lines().filter(|l| l.starts_with("power complex")) {
        let w: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(w.len(), 8, "{line}");
        let f32 = w[1] == "complex64";
        let v: Vec<f64> = w[2..].iter().map(|s| reference_value(s, f32)).collect();
        let (z, e, want) = (
            Complex::new(v[0], v[1]),
            Complex::new(v[2], v[3]),
            Complex::new(v[4], v[5]),
        );
        let got = if f32 {
            let narrow = |c: Complex64| Complex32::new(c.re as f32, c.im as f32);
            let r = pow_c32(narrow(z), narrow(e));
            Complex::new(r.re as f64, r.im as f64)
        } else {
            pow_c64(z, e)
        };
        let d = ulps(got.re, want.re, f32).max(ulps(got.im, want.im, f32));
        assert!(
            d <= 1,
            "{line}: ({z:e})**({e:e}) = {got:e}, want {want:e} ({d} ulp)"
        );
        n += 1;
    }
    assert!(
        n > 300,
        "reference.txt is missing complex power cases ({n})"
    );
}

#[test]
fn power_outside_the_core_is_the_c_librarys() {
    let parts = [
        0.0,
        -0.0,
        2.0,
        -2.0,
        0.5,
        1e300,
        -1e-310,
        f64::INFINITY,
        f64::NAN,
    ];
    let exponents = [0.5, -0.0, 2.5, 1e200, -1e-310, f64::NEG_INFINITY, f64::NAN];
    let mut outside = 0;
    for (&x, &y) in parts.iter().flat_map(|a| parts.iter().map(move |b| (a, b))) {
        for (&c, &d) in exponents
            .iter()
            .flat_map(|a| exponents.iter().map(move |b| (a, b)))
        {
            let (z, w) = (Complex64::new(x, y), Complex64::new(c, d));
            if (x == 0.0 && y == 0.0) || (c == 0.0 && d == 0.0) {
                continue; // NumPy's own special cases, before any cpow
            }
            if super::complex_pow::pow(x, y, c, d).is_some() {
                continue;
            }
            outside += 1;
            let (got, want) = (pow_c64(z, w), libm::cpow(z, w));
            assert!(same(got, want), "({z:e})**({w:e}): {got:e}, cpow {want:e}");
        }
    }
    assert!(outside > 1000, "{outside}");
}
