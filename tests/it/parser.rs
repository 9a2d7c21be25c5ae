//! The expression language: precedence, associativity, literals, and where errors point.

use nexpr::{DType, DynArray, ErrorKind, Expr, Hint, Target, Vars};

fn ev(src: &str) -> DynArray {
    Expr::parse(src)
        .and_then(|e| e.compile(Target::Interp))
        .and_then(|k| k.eval(&Vars::new()))
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn int(src: &str) -> i64 {
    match ev(src) {
        DynArray::I64(a) => a.into_iter().next().unwrap(),
        other => panic!("{src}: expected int64, got {other:?}"),
    }
}

fn float(src: &str) -> f64 {
    match ev(src) {
        DynArray::F64(a) => a.into_iter().next().unwrap(),
        other => panic!("{src}: expected float64, got {other:?}"),
    }
}

fn boolean(src: &str) -> bool {
    match ev(src) {
        DynArray::Bool(a) => a.into_iter().next().unwrap(),
        other => panic!("{src}: expected bool, got {other:?}"),
    }
}

#[test]
fn precedence_follows_python() {
    assert_eq!(int("-2**2"), -4);
    assert_eq!(float("2.**-1"), 0.5);
    assert_eq!(int("2**3**2"), 512);
    assert_eq!(int("1 + 2 * 3"), 7);
    assert_eq!(int("7 // 2 * 2"), 6);
    assert_eq!(int("1 << 2 + 1"), 8);
    assert_eq!(int("5 & 3 | 8"), 9);
    assert_eq!(int("6 ^ 3 & 1"), 7);
    assert_eq!(int("1 | 6 ^ 3"), 5);
    assert_eq!(int("~1 + 1"), -1);
    assert_eq!(int("-3 % 5"), 2);
    assert_eq!(int("10 - 4 - 3"), 3);
    assert_eq!(float("8 / 4 / 2"), 1.0);
    assert_eq!(int("(1 + 2) * 3"), 9);
    // Comparisons are loosest: `a > 0 & b` is `a > (0 & b)`.
    assert!(boolean("3 > 0 & 1"));
    assert!(boolean("2 > 1 & 2"));
}

#[test]
fn chained_comparisons_mean_what_python_means() {
    assert!(boolean("1 < 2 < 3"));
    assert!(!boolean("1 < 3 < 2"));
    assert!(boolean("3 > 2 >= 2 == 2"));
    let x = ndarray::arr1(&[0.5f64, 1.5, -0.2]);
    let vars = Vars::new().with("x", &x);
    let r = Expr::parse("0 < x < 1")
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .eval(&vars)
        .unwrap();
    assert_eq!(
        r,
        DynArray::Bool(ndarray::arr1(&[true, false, false]).into_dyn())
    );
}

#[test]
fn every_literal_form() {
    assert_eq!(float("1."), 1.0);
    assert_eq!(float(".5"), 0.5);
    assert_eq!(float("1e-3"), 1e-3);
    assert_eq!(float("2.5E+2"), 250.0);
    assert_eq!(int("1_000"), 1000);
    assert!(boolean("True"));
    assert!(!boolean("False"));
    match ev("2.5e3j") {
        DynArray::C128(a) => assert_eq!(
            a.into_iter().next().unwrap(),
            num_complex::Complex64::new(0.0, 2500.0)
        ),
        other => panic!("{other:?}"),
    }
    match ev("1j * 1j") {
        DynArray::C128(a) => assert_eq!(
            a.into_iter().next().unwrap(),
            num_complex::Complex64::new(-1.0, 0.0)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(int("9223372036854775807"), i64::MAX);
    assert_eq!(float("(1+2j).imag"), 2.0);
}

/// (source, expected column of the caret, part of the message)
const ERRORS: &[(&str, usize, &str)] = &[
    ("a + * b", 5, "expected an expression"),
    ("(a + b", 7, "end of input"),
    ("a b", 3, "unexpected `b`"),
    ("1 +", 4, "end of input"),
    ("sin(,)", 5, "unexpected `,`"),
    ("a ** ", 6, "end of input"),
    ("a = 1", 3, "unexpected `=`"),
    ("99999999999999999999", 1, "out of bounds for int64"),
    ("2**1024 * a", 1, "too large to convert to float"),
    ("where(a, b)", 1, "takes 3 arguments, got 2"),
    ("foo(a)", 1, "unknown function `foo`"),
    ("a.real.bogus", 8, "unknown attribute"),
    ("sum(a) + 1", 1, "must be the outermost"),
    ("sin(a, axis=1)", 8, "no keyword argument"),
];

#[test]
fn errors_point_at_the_fault() {
    let a = ndarray::arr1(&[1.0f64]);
    let vars = Vars::new().with("a", &a).with("b", &a);
    for &(src, col, msg) in ERRORS {
        let err = Expr::parse(src)
            .and_then(|e| e.compile(Target::Interp))
            .and_then(|k| k.eval(&vars))
            .expect_err(src);
        assert!(
            matches!(
                err.kind,
                ErrorKind::Parse | ErrorKind::Type | ErrorKind::Overflow
            ),
            "{src}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(msg),
            "{src}: message should contain {msg:?}:\n{text}"
        );
        assert!(
            text.contains(&format!("column {col}")),
            "{src}: caret should be at column {col}:\n{text}"
        );
        assert!(
            text.contains(&format!("1 | {src}")),
            "{src}: the source line is shown:\n{text}"
        );
    }
}

#[test]
fn unknown_variable_names_it() {
    let err = Expr::parse("a + nope")
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .eval(&Vars::new().with("a", &ndarray::arr1(&[1.0])))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Name);
    assert!(err.to_string().contains("unknown variable `nope`"), "{err}");
    assert!(err.to_string().contains("column 5"), "{err}");
}

#[test]
fn nothing_is_evaluated_outside_the_grammar() {
    for src in [
        "__import__('os')",
        "lambda x: x",
        "a; b",
        "a if b else c",
        "[1, 2]",
        "'str'",
        "import os",
    ] {
        assert!(Expr::parse(src).is_err(), "{src} must not parse");
    }
}

#[test]
fn every_builtin_parses() {
    use nexpr_gen::operators::{BINARY, UNARY};
    let mut srcs: Vec<String> = UNARY.iter().map(|o| format!("{}a", o.symbol)).collect();
    srcs.extend(BINARY.iter().map(|o| format!("a {} b", o.symbol)));
    for f in nexpr::internals::BUILTINS {
        let args = ["a", "b"][..f.arity()].join(", ");
        srcs.push(format!("{}({args})", f.name));
    }
    srcs.extend(DType::ALL.iter().map(|d| format!("{}(a)", d.name())));
    for src in srcs {
        Expr::parse(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}
#[test]
fn python_boolean_operators_are_a_parse_error_with_a_hint() {
    for (src, word_at) in [
        ("(a > 1) and (a < 9)", 8),
        ("a or b", 2),
        ("a>1 and\tb<2", 4),
        ("not a", 0),
        ("(not (a > 1))", 1),
    ] {
        let e = Expr::parse(src).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Parse, "{src}: {e}");
        assert_eq!(e.hint, Some(Hint::PythonBooleanOperator), "{src}: {e}");
        let span = e.span.unwrap();
        assert_eq!(span.start, word_at, "{src}: {e}");
        assert!(e.message.contains("use `&` instead of `and`"), "{e}");
    }
    // Names that only start with the words, and other faults, have no hint.
    for src in ["a + * b", "android +", "a order", "nothing b"] {
        let e = Expr::parse(src).unwrap_err();
        assert_eq!(e.hint, None, "{src}: {e}");
    }
}
