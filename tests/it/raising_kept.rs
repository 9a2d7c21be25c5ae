//! An operation that can raise (an integer `**` a negative integer) raises even where
//! what uses its value does not need it (`isnan` of an integer, `.imag` of a real, the
//! arm `where` does not pick, `ones_like`, a comparison answered by the dtype's range),
//! as in NumPy, which computes every operand: on the interpreter and the CPU backend,
//! with the unoptimized IR's semantics.

use nexpr::{DynArray, ErrorKind, Expr, Target, Vars};

const EXPRS: &[&str] = &[
    "(a**b).imag",
    "imag(a**b) + 1",
    "isnan(a**b)",
    "isfinite(a**b) & isinf(a**b)",
    "where(True, a, a**b)",
    "where(False, a**b + 1, a)",
    "ones_like(a**b)",
    "(a**b) < 3000000000",
    "isnan(float64(a**b))",
];

fn eval(text: &str, target: Target, b: &[i32]) -> Result<DynArray, ErrorKind> {
    let a = ndarray::arr1(&[2i32, 3, -1]);
    let b = ndarray::arr1(b);
    let k = Expr::parse(text)
        .and_then(|e| e.compile(target))
        .map_err(|e| e.kind)?;
    k.eval(&Vars::new().with("a", &a).with("b", &b))
        .map_err(|e| e.kind)
}

#[test]
fn integer_power_errors_survive_simplification() {
    for target in [Target::Interp, Target::Cpu { threads: 1 }] {
        for ex in EXPRS {
            let err = eval(ex, target, &[1, -2, 0]);
            assert_eq!(err.unwrap_err(), ErrorKind::Eval, "{ex} on {target:?}");
            // Without a negative exponent, the simplified value.
            let ok = eval(ex, target, &[1, 2, 0]);
            assert!(ok.is_ok(), "{ex} on {target:?}: {ok:?}");
        }
    }
}

#[test]
fn what_cannot_raise_is_still_simplified_away() {
    let a = ndarray::arr1(&[2i32, 3]);
    let b = ndarray::arr1(&[1i32, 2]);
    let vars = Vars::new().with("a", &a).with("b", &b);
    let k = Expr::parse("isnan(a**2) | isnan(a*b)")
        .unwrap()
        .compile(Target::cpu())
        .unwrap();
    let ir = k.emit(&vars, nexpr::Emit::Ir).unwrap();
    assert!(!ir.contains("pow") && !ir.contains("mul"), "{ir}");
}
