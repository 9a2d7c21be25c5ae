//! `abs(z)` of complex128 on the CPU backend (a direct libm `hypot` call, the hot op of
//! escape-time tests) equals the interpreter's bit for bit, across all of hypot's
//! ranges: both correction branches, negligible operands, rescaled huge and tiny values,
//! infinities and NaNs.

use crate::common::Rng;
use nexpr::{DynArray, Expr, Target, Vars};
use num_complex::Complex64;

#[test]
fn inline_hypot_is_libm_hypot() {
    let mut r = Rng::new(1);
    let mut zs = Vec::new();
    for k in 0..200_000u64 {
        let u = r.unit() - 0.5;
        let v = r.unit() - 0.5;
        // Mix scales so both correction branches, the negligible-operand case and the
        // rescaled ranges are reached.
        let e1 = [1.0, 4.0, 1e3, 1e-3, 1e150, 1e-160, 1e300, 1e-310][(k % 8) as usize];
        let e2 = [1.0, 3.0, 1e-20, 1e5, 1e-300][(k % 5) as usize];
        zs.push(Complex64::new(u * e1, v * e2));
    }
    for special in [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        f64::MAX,
    ] {
        for other in [0.0, 1.0, f64::NAN, f64::INFINITY, 5e-324] {
            zs.push(Complex64::new(special, other));
            zs.push(Complex64::new(other, special));
        }
    }
    let z = ndarray::Array1::from(zs);
    let vars = Vars::new().with("z", &z);
    let e = Expr::parse("abs(z)").unwrap();
    let want = e.compile(Target::Interp).unwrap().eval(&vars).unwrap();
    let got = e
        .compile(Target::Cpu { threads: 2 })
        .unwrap()
        .eval(&vars)
        .unwrap();
    let (DynArray::F64(w), DynArray::F64(g)) = (&want, &got) else {
        panic!("abs of complex128 is float64");
    };
    let bad: Vec<_> = w
        .iter()
        .zip(g.iter())
        .zip(z.iter())
        .filter(|((a, b), _)| a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan()))
        .take(5)
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}
