//! Python scalars bound as variables (`Vars::insert_python_scalar`) are weak under
//! NEP 50, exactly as the same value written as a literal: for every array dtype,
//! scalar and operation, the interpreter and the CPU backend give the literal's
//! dtype, values (bit for bit) and errors. A NumPy scalar of the same dtype stays strong.

use crate::common::cmp::{compare_all, Tol};
use nexpr::{DType, DynArray, ErrorKind, Expr, Target, Vars};
use num_complex::Complex64;

/// The array `a` of dtype `d`: small values of both signs (and zero).
fn array(d: DType) -> DynArray {
    let xs = [-3.0, -1.5, 0.0, 0.5, 2.0, 7.25];
    let c = |x: f64| Complex64::new(x, 0.5 - x);
    let a = match d {
        DType::Bool => DynArray::from(ndarray::arr1(&xs.map(|x| x > 0.0)).into_dyn()),
        DType::I32 => DynArray::from(ndarray::arr1(&xs.map(|x| x as i32)).into_dyn()),
        DType::I64 => DynArray::from(ndarray::arr1(&xs.map(|x| x as i64)).into_dyn()),
        DType::F32 => DynArray::from(ndarray::arr1(&xs.map(|x| x as f32)).into_dyn()),
        DType::F64 => DynArray::from(ndarray::arr1(&xs).into_dyn()),
        DType::C64 => DynArray::from(
            ndarray::arr1(&xs.map(|x| num_complex::Complex32::new(c(x).re as f32, c(x).im as f32)))
                .into_dyn(),
        ),
        DType::C128 => DynArray::from(ndarray::arr1(&xs.map(c)).into_dyn()),
    };
    assert_eq!(a.dtype(), d);
    a
}

/// (the scalar's literal text, its 0-d array as a Python scalar binds it).
fn scalars() -> Vec<(&'static str, DynArray)> {
    vec![
        ("True", DynArray::scalar(true)),
        ("3", DynArray::scalar(3i64)),
        ("-2", DynArray::scalar(-2i64)),
        ("3000000000", DynArray::scalar(3_000_000_000i64)),
        (
            "-9223372036854775807",
            DynArray::scalar(-9_223_372_036_854_775_807i64),
        ),
        ("2.5", DynArray::scalar(2.5f64)),
        ("1e300", DynArray::scalar(1e300f64)),
        ("(1.5+2j)", DynArray::scalar(Complex64::new(1.5, 2.0))),
    ]
}

const EXPRS: &[&str] = &[
    "a + q",
    "q * a",
    "a - q",
    "a / q",
    "a // q",
    "a % q",
    "a ** q",
    "a < q",
    "q == a",
    "where(a > 0, a, q)",
    "maximum(a, q)",
    "arctan2(a, q)",
    "a * (q + 1)",
    "-a * q",
    "a & q",
    "a + real(q)",
    "a * (q).imag",
    "a + complex(q, 1)",
];

/// `text` evaluated on `target`, with `q` bound to the Python scalar `x` if given: the
/// result, or the error kind.
fn eval(
    text: &str,
    target: Target,
    a: &DynArray,
    x: Option<&DynArray>,
) -> Result<DynArray, ErrorKind> {
    let k = Expr::parse(text)
        .and_then(|e| e.compile(target))
        .map_err(|e| e.kind)?;
    let mut vars = Vars::new().with("a", a);
    if let Some(x) = x {
        vars.insert_python_scalar("q", x).unwrap();
    }
    k.eval(&vars).map_err(|e| e.kind)
}

#[test]
fn python_scalar_variables_are_the_literals_they_hold() {
    for d in DType::ALL {
        let a = array(d);
        for (lit, x) in scalars() {
            for ex in EXPRS {
                let literal = ex.replace('q', &format!("({lit})"));
                for target in [Target::Interp, Target::Cpu { threads: 1 }] {
                    let want = eval(&literal, target, &a, None);
                    let got = eval(ex, target, &a, Some(&x));
                    let what = format!("{ex} with a: {d}, q = {lit}, {target:?}");
                    match (&want, &got) {
                        (Ok(w), Ok(g)) => {
                            assert_eq!(w.dtype(), g.dtype(), "{what}");
                            compare_all(w, g, Tol::BITS).unwrap_or_else(|e| panic!("{what}: {e}"));
                        }
                        (Err(w), Err(g)) => assert_eq!(w, g, "{what}"),
                        _ => panic!("{what}: the literal gives {want:?}, the variable {got:?}"),
                    }
                }
            }
        }
    }
}

#[test]
fn numpy_scalars_stay_strong_and_signatures_keep_them_apart() {
    let a = DynArray::from(ndarray::arr1(&[1.5f32, -2.0]).into_dyn());
    let two = DynArray::scalar(2i64);
    let k = Expr::parse("a * x")
        .unwrap()
        .compile(Target::cpu())
        .unwrap();
    let mut vars = Vars::new().with("a", &a);
    vars.insert_python_scalar("x", &two).unwrap();
    assert_eq!(k.eval(&vars).unwrap().dtype(), DType::F32);
    vars.insert("x", &two);
    assert_eq!(k.eval(&vars).unwrap().dtype(), DType::F64);
    vars.insert_python_scalar("x", &two).unwrap();
    assert_eq!(k.eval(&vars).unwrap().dtype(), DType::F32);
    // Another value of the same kind reuses the specialization.
    let three = DynArray::scalar(3i64);
    vars.insert_python_scalar("x", &three).unwrap();
    let r = k.eval(&vars).unwrap();
    assert_eq!(
        r.as_array::<f32>().unwrap().as_slice().unwrap(),
        &[4.5, -6.0]
    );
}

#[test]
fn only_default_dtype_scalars_bind_as_python_scalars() {
    let f32_scalar = DynArray::scalar(2f32);
    let arr = DynArray::from(ndarray::arr1(&[1i64, 2]).into_dyn());
    let mut vars = Vars::new();
    for bad in [&f32_scalar, &arr] {
        let e = vars.insert_python_scalar("x", bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
    }
}
