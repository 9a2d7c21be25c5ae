//! Python literals with Python's semantics until they meet an array, then NumPy 2's
//! (NEP 50). Every expected value below was obtained from NumPy 2.4 with the snippet
//! in the comment above it (`i = np.array([0, 1, 2], dtype=np.int32)`).

use nexpr::{DynArray, Error, ErrorKind, Expr, Program, Target, Vars};

fn vars() -> Vars<'static> {
    let mut v = Vars::new();
    v.insert_owned("i", ndarray::arr1(&[0i32, 1, 2]).into_dyn());
    v.insert_owned("b", ndarray::arr1(&[true, false]).into_dyn());
    v.insert_owned("f", ndarray::arr1(&[1.0f32, 1.0]).into_dyn());
    v.insert_owned("z", ndarray::arr1(&[0.0f64]).into_dyn());
    v.insert_owned("one", ndarray::arr1(&[1.0f64]).into_dyn());
    v.insert_owned("s", ndarray::arr0(3.0f64).into_dyn());
    v
}

/// The result on the interpreter, checked equal to the CPU backend's.
fn eval(src: &str) -> DynArray {
    let e = Expr::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let a = (e.compile(Target::Interp).and_then(|k| k.eval(&vars())))
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    let b = (e
        .compile(Target::Cpu { threads: 1 })
        .and_then(|k| k.eval(&vars())))
    .unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(a, b, "{src}: interpreter and CPU differ");
    a
}

fn f64s(src: &str) -> Vec<f64> {
    let r = eval(src);
    let a = r
        .as_array::<f64>()
        .unwrap_or_else(|| panic!("{src}: {:?}", r.dtype()));
    a.iter().copied().collect()
}

fn error(src: &str) -> Error {
    let r = Expr::parse(src)
        .and_then(|e| e.compile(Target::Interp))
        .and_then(|k| k.eval(&vars()));
    r.expect_err(src)
}

fn assert_error(src: &str, kind: ErrorKind, part: &str) {
    let e = error(src);
    assert_eq!(e.kind, kind, "{src}: {e}");
    assert!(e.message.contains(part), "{src}: {e}");
}

#[test]
fn integers_beyond_int64_meet_float_arrays_exactly() {
    // np.array([0.0]) + 2**63 -> 9.223372036854776e+18
    assert_eq!(f64s("z + 2**63"), [9.223372036854776e18]);
    // np.array([1.0]) * 2**64 -> 1.8446744073709552e+19
    assert_eq!(f64s("one * 2**64"), [1.8446744073709552e19]);
    // np.ones(1) + 10**400 / 10**399 -> 11.0 (Python's exact int / int)
    assert_eq!(f64s("one + 10**400 / 10**399"), [11.0]);
    // np.ones(1) + 2**1024 -> OverflowError: int too large to convert to float
    assert_error(
        "one + 2**1024",
        ErrorKind::Overflow,
        "too large to convert to float",
    );
    // np.ones(1) < 2**1024 -> OverflowError
    assert_error(
        "one < 2**1024",
        ErrorKind::Overflow,
        "too large to convert to float",
    );
    // np.ones(1, np.float32) + 2**200 -> array([inf], dtype=float32)
    let r = eval("f + 2**200");
    assert_eq!(r.as_array::<f32>().unwrap()[0], f32::INFINITY);
    // np.ones(1, np.float32) < 2**200 -> array([ True])
    assert!(eval("f < 2**200").as_array::<bool>().unwrap()[0]);
}

#[test]
fn integers_meet_integer_arrays_with_numpy_overflow_errors() {
    // i + 3000000000 -> OverflowError: Python integer 3000000000 out of bounds for int32
    assert_error(
        "i + 3000000000",
        ErrorKind::Overflow,
        "out of bounds for int32",
    );
    // i - 2**31 -> OverflowError; i + (-2**31) -> [-2147483648, -2147483647, -2147483646]
    assert_error("i - 2**31", ErrorKind::Overflow, "2147483648 out of bounds");
    let r = eval("i + (-2**31)");
    assert_eq!(
        r.as_array::<i32>().unwrap().as_slice().unwrap(),
        [i32::MIN, i32::MIN + 1, i32::MIN + 2]
    );
    // i + 2**62*2 -> OverflowError (2**63 is computed exactly first)
    assert_error(
        "i + 2**62*2",
        ErrorKind::Overflow,
        "9223372036854775808 out of bounds",
    );
    // i // 3000000000, np.maximum(i, 3000000000), np.fmod(i, ...) -> OverflowError
    for src in [
        "i // 3000000000",
        "maximum(i, 3000000000)",
        "fmod(i, 3000000000)",
    ] {
        assert_error(src, ErrorKind::Overflow, "out of bounds for int32");
    }
    // i ** 2**40 -> OverflowError
    assert_error("i ** 2**40", ErrorKind::Overflow, "out of bounds for int32");
}

#[test]
fn float_loops_take_large_integers() {
    // i / 3000000000 -> float64 ['0x0.0p+0', '0x1.6e80fe033c8c6p-32', '0x1.6e80fe033c8c6p-31']
    assert_eq!(
        f64s("i / 3000000000"),
        [
            0.0,
            f64::from_bits(0x3DF6E80FE033C8C6),
            f64::from_bits(0x3E06E80FE033C8C6)
        ]
    );
    // np.arctan2(i, 2**70) -> [0, 2**-70, 2**-69]
    assert_eq!(
        f64s("arctan2(i, 2**70)"),
        [0.0, 2f64.powi(-70), 2f64.powi(-69)]
    );
    // np.hypot(i, 3000000000) -> [3e9, 3e9, 3e9]
    assert_eq!(f64s("hypot(i, 3000000000)"), [3e9; 3]);
    // np.copysign(i, -3000000000) -> [-0.0, -1.0, -2.0]
    let r = f64s("copysign(i, -3000000000)");
    assert_eq!(r, [-0.0, -1.0, -2.0]);
    assert!(r[0].is_sign_negative());
    // np.nextafter(i, 3000000000) -> [5e-324, 1.0000000000000002, 2.0000000000000004]
    assert_eq!(
        f64s("nextafter(i, 3000000000)"),
        [5e-324, 1.0000000000000002, 2.0000000000000004]
    );
    // np.array([True, False]) / 2**63 -> [1.0842021724855044e-19, 0.0]
    assert_eq!(f64s("b / 2**63"), [1.0842021724855044e-19, 0.0]);
    // i + 1j*3000000000 (what complex(i, 3000000000) means) -> [3e9j, 1+3e9j, 2+3e9j]
    let r = eval("complex(i, 3000000000)");
    let c: Vec<_> = r
        .as_array::<num_complex::Complex64>()
        .unwrap()
        .iter()
        .copied()
        .collect();
    assert_eq!(
        c.iter().map(|c| (c.re, c.im)).collect::<Vec<_>>(),
        [(0.0, 3e9), (1.0, 3e9), (2.0, 3e9)]
    );
}

#[test]
fn comparisons_with_integers_beyond_int64_are_exact() {
    // i < 2**70 -> all True; i == 2**70 -> all False; i != -2**70 -> all True
    for (src, want) in [
        ("i < 2**70", true),
        ("i == 2**70", false),
        ("i != -2**70", true),
        ("i > -2**70", true),
        ("2**100 <= i", false),
        ("i < 99999999999999999999999999999999999999999999", true),
    ] {
        let r = eval(src);
        assert!(
            r.as_array::<bool>().unwrap().iter().all(|&x| x == want),
            "{src}"
        );
    }
}

#[test]
fn python_bools_are_weak() {
    // np.ones(1, np.float32) + True*1.5 -> float32 2.5
    let r = eval("f + True*1.5");
    assert_eq!(r.as_array::<f32>().unwrap()[0], 2.5);
    // i + True -> int32; np.array([True, False]) + True -> bool
    assert_eq!(eval("i + True").dtype(), nexpr::DType::I32);
    assert_eq!(eval("b + True").dtype(), nexpr::DType::Bool);
    // f * (True + 1) -> float32 (True + 1 is the Python int 2)
    assert_eq!(eval("f * (True + 1)").dtype(), nexpr::DType::F32);
    // i + (-True) -> int32 [-1, 0, 1]
    let r = eval("i + (-True)");
    assert_eq!(r.as_array::<i32>().unwrap().as_slice().unwrap(), [-1, 0, 1]);
}

#[test]
fn constant_expressions_are_python_arithmetic() {
    // np.ones(2, np.float32) * 2**-1 -> float32 [0.5, 0.5] (2**-1 is the float 0.5)
    let r = eval("f * 2**-1");
    assert_eq!(r.as_array::<f32>().unwrap().as_slice().unwrap(), [0.5, 0.5]);
    // (-8)**(1/3) -> (1.0000000000000002+1.7320508075688772j)
    let r = eval("(-8)**(1/3) + z");
    let c = r.as_array::<num_complex::Complex64>().unwrap()[0];
    assert_eq!((c.re, c.im), (1.0000000000000002, 1.7320508075688772));
    // 1/0, 1.0 % 0, 0**-1 -> ZeroDivisionError; 2.0**5000 -> OverflowError (kinds of
    // their own, which bindings raise as those classes)
    assert_error("z + 1/0", ErrorKind::ZeroDivision, "ZeroDivisionError");
    assert_error("z + 1.0 % 0", ErrorKind::ZeroDivision, "ZeroDivisionError");
    assert_error("z + 0**-1", ErrorKind::ZeroDivision, "ZeroDivisionError");
    assert_error("z + 2.0**5000", ErrorKind::Overflow, "OverflowError");
    // 1 << -1, 3 >> -1 -> ValueError (the evaluation kind, a ValueError in the
    // bindings); 1.5 & 1 and 1j < 2 -> TypeError
    assert_error("i + (1 << -1)", ErrorKind::Eval, "negative shift count");
    assert_error("i + (3 >> -1)", ErrorKind::Eval, "negative shift count");
    assert_error("i + (1.5 & 1)", ErrorKind::Type, "TypeError");
    assert_error("b & (1j < 2)", ErrorKind::Type, "TypeError");
    // -7 // 2 == -4, 5 % -3 == -1, ~True == -2 (Python ints)
    let r = eval("i * 0 + (-7 // 2) * 100 + (5 % -3) * 10 + ~True");
    assert_eq!(r.as_array::<i32>().unwrap()[0], -400 - 10 - 2);
    // A literal alone needs a dtype: int64 (NEP 50's default for a Python int).
    assert_error("2**63", ErrorKind::Overflow, "out of bounds for int64");
    assert_error("2**(2**20)", ErrorKind::Overflow, "bits");
}

#[test]
fn casts_of_literals_are_numpy_scalar_constructors() {
    // np.int32(1.5) -> 1; np.bool_(2**70) -> True; np.float32(2**70) -> 1.1805916e+21
    assert_eq!(eval("int32(1.5) + i * 0").as_array::<i32>().unwrap()[0], 1);
    assert!(eval("bool(2**70) & b").as_array::<bool>().unwrap()[0]);
    let r = eval("float32(2**70) + f * 0");
    assert_eq!(r.as_array::<f32>().unwrap()[0], 1.1805916e21);
    // np.int32(1e20) -> OverflowError; np.int64(float('nan')) -> ValueError;
    // np.float64(1j) -> TypeError
    assert_error("int32(1e20)", ErrorKind::Overflow, "OverflowError");
    assert_error("int64(1e400 - 1e400)", ErrorKind::Eval, "ValueError");
    assert_error("float64(1j)", ErrorKind::Type, "TypeError");
}

#[test]
fn reductions_of_zero_dimensional_arrays_take_axis_0_and_minus_1() {
    // np.sum(np.array(3.0), axis=0) -> 3.0; axis=-1 -> 3.0; axis=1 -> AxisError
    for src in [
        "sum(s, axis=0)",
        "sum(s, axis=-1)",
        "max(s, 0)",
        "prod(s, axis=-1)",
    ] {
        assert_eq!(f64s(src), [3.0], "{src}");
    }
    assert_error("sum(s, axis=1)", ErrorKind::Shape, "out of bounds");
    assert_error("sum(s, axis=-2)", ErrorKind::Shape, "out of bounds");
    assert_error("sum(s, axis=2**70)", ErrorKind::Type, "axis");
}

#[test]
fn range_bounds_beyond_int64_are_errors() {
    // A range() bound that int64 cannot hold used to wrap (and run zero iterations).
    let p = Program::parse("output y\ny = 0\nfor k in range(2**70):\n    y += 1\n    break\n")
        .expect("parses");
    let e = p
        .compile(Target::Interp)
        .and_then(|k| k.run(&vars()))
        .expect_err("2**70 is no int64");
    assert_eq!(e.kind, ErrorKind::Overflow);
    assert!(e.message.contains("out of bounds for int64"), "{e}");
}
