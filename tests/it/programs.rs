//! Programs: block structure and its errors, statement semantics, the typing of locals,
//! and a differential test of random programs between the interpreter and the CPU target.

use crate::common::cmp::{compare_all, Tol};
use crate::common::gen::config;
use crate::common::Rng;
use ndarray::{ArrayD, IxDyn};
use nexpr::{DType, DynArray, Error, ErrorKind, Program, Target, Vars};
use nexpr_gen::{Config, Kind, Literals};
use num_complex::Complex64;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn parse_err(src: &str) -> Error {
    match Program::parse(src) {
        Ok(_) => panic!("expected a syntax error for:\n{src}"),
        Err(e) => e,
    }
}

/// An error from type checking, which needs the input dtypes: the program is run once.
fn check_err(src: &str, vars: &Vars) -> Error {
    let p = Program::parse(src).unwrap_or_else(|e| panic!("{e}"));
    match p.compile(Target::Interp).and_then(|k| k.run(vars)) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e,
    }
}

/// The 1-based (line, column) the error's caret points at.
fn line_col(e: &Error) -> (usize, usize) {
    let span = e.span.unwrap_or_else(|| panic!("no span on {e}"));
    let src = e.text.as_deref().expect("errors carry their text");
    let before = &src[..span.start];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

fn run(src: &str, vars: &Vars) -> BTreeMap<String, DynArray> {
    let p = Program::parse(src).unwrap_or_else(|e| panic!("{e}"));
    p.compile(Target::Interp)
        .and_then(|k| k.run(vars))
        .unwrap_or_else(|e| panic!("{e}\nin:\n{src}"))
}

fn f64s(out: &BTreeMap<String, DynArray>, name: &str) -> Vec<f64> {
    out[name]
        .as_array::<f64>()
        .unwrap_or_else(|| panic!("{name} is {}", out[name].dtype()))
        .iter()
        .copied()
        .collect()
}

fn i64s(out: &BTreeMap<String, DynArray>, name: &str) -> Vec<i64> {
    out[name]
        .as_array::<i64>()
        .unwrap_or_else(|| panic!("{name} is {}", out[name].dtype()))
        .iter()
        .copied()
        .collect()
}

fn arr<T: Clone>(v: &[T]) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap()
}

// ---------------------------------------------------------------------------------
// Block structure and syntax errors
// ---------------------------------------------------------------------------------

#[test]
fn unexpected_indentation_points_at_the_line() {
    let e = parse_err("output y\ny = 1\n  y = 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("unexpected indentation"), "{e}");
    // The caret sits where the over-indented statement starts.
    assert_eq!(line_col(&e), (3, 3));
    let shown = e.to_string();
    assert!(shown.contains("line 3, column 3"), "{shown}");
    assert!(shown.ends_with("3 |   y = 2\n  |   ^"), "{shown}");
}

#[test]
fn dedent_to_an_unknown_level_is_an_error() {
    let e = parse_err("output y\nif a > 0:\n    y = 1\n  else:\n    y = 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("indent"), "{e}");
    assert_eq!(line_col(&e).0, 4);
    // Mixing a tab and spaces at one level is no level at all.
    let e = parse_err("output y\nfor i in range(3):\n    y = 1\n\ty = 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(line_col(&e).0, 4);
}

#[test]
fn a_colon_needs_an_indented_block() {
    let e = parse_err("output y\nfor i in range(3):\ny = 1\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("indented block"), "{e}");
    // The caret sits on the colon.
    assert_eq!(line_col(&e), (2, 18));
    let e = parse_err("output y\ny = 0\nif a > 0:\n");
    assert_eq!(line_col(&e), (3, 9));
}

#[test]
fn else_without_if() {
    let e = parse_err("output y\ny = 1\nelse:\n    y = 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(line_col(&e), (3, 1));
    let e = parse_err("output y\ny = 1\nelif y > 0:\n    y = 2\n");
    assert_eq!(line_col(&e), (3, 1));
}

#[test]
fn output_is_required_and_top_level() {
    let e = parse_err("y = 1\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("output"), "{e}");
    let e = parse_err("output y\nif a > 0:\n    output z\n    y = 1\nelse:\n    y = 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(line_col(&e), (3, 5));
}

#[test]
fn syntax_error_in_an_expression_points_into_its_line() {
    let e = parse_err("output y\n\ny = a +* 2\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    let (line, col) = line_col(&e);
    assert_eq!(line, 3);
    assert!((7..=8).contains(&col), "column {col}: {e}");
}

#[test]
fn comments_and_blank_lines_are_ignored() {
    let src = "# header\noutput y   # the result\n\n   # indented comment\ny = a + 1  # add\n\n";
    let a = arr(&[1.0, 2.0]);
    let out = run(src, &Vars::new().with("a", &a));
    assert_eq!(f64s(&out, "y"), vec![2.0, 3.0]);
}

// ---------------------------------------------------------------------------------
// Name and type errors
// ---------------------------------------------------------------------------------

#[test]
fn an_output_declared_twice_is_refused_by_parse() {
    // Refused with the text alone, before any input dtype is known.
    let e = Program::parse("output y, y\ny = 1.0\n").expect_err("y twice");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert!(e.message.contains("output `y` is declared twice"), "{e}");
    assert_eq!(e.span.map(|s| (s.start, s.end)), Some((10, 11)));
}

#[test]
fn break_outside_a_loop() {
    let a = arr(&[1.0]);
    let e = check_err("output y\ny = a\nbreak\n", &Vars::new().with("a", &a));
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.message.contains("`break` outside a loop"), "{e}");
    assert_eq!(line_col(&e), (3, 1));
    // Inside an `if` that is not in a loop, still outside.
    let e = check_err(
        "output y\ny = a\nif a > 0:\n    break\n",
        &Vars::new().with("a", &a),
    );
    assert_eq!(line_col(&e), (4, 5));
}

#[test]
fn output_never_assigned() {
    let a = arr(&[1.0]);
    let e = check_err("output y, w\ny = a\n", &Vars::new().with("a", &a));
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.message.contains("`w` is never assigned"), "{e}");
    assert_eq!(line_col(&e), (1, 11));
}

#[test]
fn output_assigned_on_one_path_only() {
    let a = arr(&[1.0]);
    let e = check_err(
        "output y\nif a > 0:\n    y = 1\n",
        &Vars::new().with("a", &a),
    );
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.message.contains("not assigned on every path"), "{e}");
}

#[test]
fn use_before_assignment_reads_an_input() {
    // `t` is read before the program assigns it, so it is an input; without one bound,
    // the read is reported where it happens.
    let src = "output y\ny = t + 1\nt = 2\n";
    let e = check_err(src, &Vars::new());
    assert_eq!(e.kind, ErrorKind::Name);
    assert!(e.message.contains("`t`"), "{e}");
    assert_eq!(line_col(&e), (2, 5));
    let t = arr(&[10.0]);
    let out = run(src, &Vars::new().with("t", &t));
    assert_eq!(f64s(&out, "y"), vec![11.0]);
    // Assigned on one branch only: the other path reads the input of that name.
    let src = "output y\nif a > 0:\n    t = 1.0\ny = t\n";
    let a = arr(&[1.0, -1.0]);
    let e = check_err(src, &Vars::new().with("a", &a));
    assert_eq!(e.kind, ErrorKind::Name);
    assert_eq!(line_col(&e), (4, 5));
    let t = arr(&[7.0, 7.0]);
    let out = run(src, &Vars::new().with("a", &a).with("t", &t));
    assert_eq!(f64s(&out, "y"), vec![1.0, 7.0]);
}

#[test]
fn range_bounds_must_be_integers() {
    let a = arr(&[1.0]);
    let e = check_err(
        "output y\ny = a\nfor i in range(a):\n    y += 1\n",
        &Vars::new().with("a", &a),
    );
    assert_eq!(e.kind, ErrorKind::Type);
    assert_eq!(line_col(&e), (3, 16));
}

// ---------------------------------------------------------------------------------
// Semantics
// ---------------------------------------------------------------------------------

#[test]
fn elif_chain_takes_the_first_true_branch() {
    let src = "\
output y
if a < 0:
    y = -1
elif a < 1:
    y = 0
elif a < 2:
    y = 1
else:
    y = 2
";
    let a = arr(&[-5.0, 0.5, 1.5, 2.0, 1.0]);
    let out = run(src, &Vars::new().with("a", &a));
    assert_eq!(i64s(&out, "y"), vec![-1, 0, 1, 2, 1]);
}

#[test]
fn nested_if_and_else_are_per_element() {
    let src = "\
output y
y = 0
if a > 0:
    if b > 0:
        y = 1
    else:
        y = 2
else:
    y = 3
";
    let (a, b) = (arr(&[1.0, 1.0, -1.0]), arr(&[1.0, -1.0, 1.0]));
    let out = run(src, &Vars::new().with("a", &a).with("b", &b));
    assert_eq!(i64s(&out, "y"), vec![1, 2, 3]);
}

#[test]
fn augmented_assignment() {
    let src = "\
output s, p, d, q
s = a
s += 2
p = a
p *= 3
d = a
d -= 0.5
q = a
q /= 4
";
    let a = arr(&[2.0, -4.0]);
    let out = run(src, &Vars::new().with("a", &a));
    assert_eq!(f64s(&out, "s"), vec![4.0, -2.0]);
    assert_eq!(f64s(&out, "p"), vec![6.0, -12.0]);
    assert_eq!(f64s(&out, "d"), vec![1.5, -4.5]);
    assert_eq!(f64s(&out, "q"), vec![0.5, -1.0]);
}

#[test]
fn augmented_division_of_an_int_makes_a_float() {
    // Python's `x /= 2` rebinds x to a float, and locals take the join of their values.
    let src = "output x\nx = n\nx /= 2\n";
    let n = arr(&[3i64, 4]);
    let out = run(src, &Vars::new().with("n", &n));
    assert_eq!(out["x"].dtype(), DType::F64);
    assert_eq!(f64s(&out, "x"), vec![1.5, 2.0]);
}

#[test]
fn for_loops_count_like_python_range() {
    let src = "\
output total, last, empty
total = 0
last = -1
empty = 0
for i in range(2, 6):
    total += i
    last = i
for j in range(n):
    empty += 1
";
    let n = DynArray::scalar(0i64);
    let out = run(src, &Vars::new().with("n", &n));
    assert_eq!(i64s(&out, "total"), vec![2 + 3 + 4 + 5]);
    assert_eq!(i64s(&out, "last"), vec![5]);
    assert_eq!(i64s(&out, "empty"), vec![0]);
}

#[test]
fn range_bounds_come_from_the_element() {
    let src = "output s\ns = 0\nfor i in range(n):\n    s += i\n";
    let n = arr(&[0i64, 1, 4, -3]);
    let out = run(src, &Vars::new().with("n", &n));
    assert_eq!(i64s(&out, "s"), vec![0, 0, 6, 0]);
}

#[test]
fn break_leaves_only_the_inner_loop() {
    let src = "\
output count, found
count = 0
found = 0
for i in range(4):
    for j in range(10):
        if j >= lim:
            break
        count += 1
    found += 1
";
    let lim = arr(&[0i64, 3, 20]);
    let out = run(src, &Vars::new().with("lim", &lim));
    assert_eq!(i64s(&out, "count"), vec![0, 12, 40]);
    // The outer loop always runs to the end.
    assert_eq!(i64s(&out, "found"), vec![4, 4, 4]);
}

#[test]
fn break_stops_before_the_rest_of_the_body() {
    let src = "\
output n, after
n = 0
after = 0
for i in range(10):
    n += 1
    if i == stop:
        break
    after += 1
";
    let stop = arr(&[0i64, 4, 99]);
    let out = run(src, &Vars::new().with("stop", &stop));
    assert_eq!(i64s(&out, "n"), vec![1, 5, 10]);
    assert_eq!(i64s(&out, "after"), vec![0, 4, 10]);
}

#[test]
fn input_reassigned_starts_from_its_value() {
    let src = "output z\nfor i in range(3):\n    z = z * 2\n";
    let z = arr(&[1.0f32, 1.5]);
    let out = run(src, &Vars::new().with("z", &z));
    assert_eq!(out["z"].dtype(), DType::F32);
    let got: Vec<f32> = out["z"]
        .as_array::<f32>()
        .unwrap()
        .iter()
        .copied()
        .collect();
    assert_eq!(got, vec![8.0, 12.0]);
}

// ---------------------------------------------------------------------------------
// Typing of locals: the NumPy promotion of everything assigned to them
// ---------------------------------------------------------------------------------

fn out_dtype(src: &str, vars: &Vars, name: &str) -> DType {
    let out = run(src, vars);
    out[name].dtype()
}

#[test]
fn literal_locals_are_python_like() {
    let v = Vars::new();
    assert_eq!(out_dtype("output x\nx = 1\n", &v, "x"), DType::I64);
    assert_eq!(out_dtype("output x\nx = 1.5\n", &v, "x"), DType::F64);
    assert_eq!(out_dtype("output x\nx = True\n", &v, "x"), DType::Bool);
    assert_eq!(out_dtype("output x\nx = 1j\n", &v, "x"), DType::C128);
    // int then float: the join is float64, and the int value is converted.
    let out = run("output x\nx = 1\nif True:\n    x = 2.5\n", &v);
    assert_eq!(out["x"].dtype(), DType::F64);
}

#[test]
fn locals_join_with_strong_input_dtypes() {
    let i32s = arr(&[1i32, 2]);
    let f32s = arr(&[1.0f32, 2.0]);
    let c64s = arr(&[num_complex::Complex32::new(1.0, 0.0)]);
    let v = Vars::new()
        .with("n", &i32s)
        .with("f", &f32s)
        .with("c", &c64s);
    // A weak Python int joins an int32 input without widening it (NEP 50)...
    assert_eq!(
        out_dtype("output x\nx = n\nfor i in range(3):\n    x = i\n", &v, "x"),
        DType::I32
    );
    // ...but a float literal makes an int32 local float64, and float32 stays float32.
    assert_eq!(out_dtype("output x\nx = n\nx = 0.5\n", &v, "x"), DType::F64);
    assert_eq!(out_dtype("output x\nx = f\nx = 0.5\n", &v, "x"), DType::F32);
    // int32 with float32 is float64, as np.result_type says.
    assert_eq!(out_dtype("output x\nx = n\nx = f\n", &v, "x"), DType::F64);
    // complex64 with a float64 literal stays complex64; with int32 it is complex128.
    assert_eq!(out_dtype("output x\nx = c\nx = 2.0\n", &v, "x"), DType::C64);
    assert_eq!(out_dtype("output x\nx = c\nx = n\n", &v, "x"), DType::C128);
    // Bool joins anything numeric to the number.
    assert_eq!(
        out_dtype("output x\nx = n > 1\nx = n\n", &v, "x"),
        DType::I32
    );
}

#[test]
fn join_is_found_through_loops() {
    // `x` only becomes complex on a later iteration's path; its dtype is still complex
    // from the start, so the first assignment is converted.
    let src = "\
output x
x = 0
for i in range(3):
    if i == 2:
        x = x + 1j
    else:
        x = x + 1
";
    let out = run(src, &Vars::new());
    assert_eq!(out["x"].dtype(), DType::C128);
    let got = out["x"].as_array::<Complex64>().unwrap()[IxDyn(&[])];
    assert_eq!(got, Complex64::new(2.0, 1.0));
}

#[test]
fn loop_variables_are_weak_int64() {
    let i32s = arr(&[10i32]);
    let src = "output y\ny = n\nfor i in range(2):\n    y = y + i\n";
    let out = run(src, &Vars::new().with("n", &i32s));
    assert_eq!(out["y"].dtype(), DType::I32);
    let src = "output y, k\ny = 0\nk = 0\nfor i in range(2):\n    k = i\n";
    let out = run(src, &Vars::new());
    assert_eq!(out["k"].dtype(), DType::I64);
}

#[test]
fn outputs_broadcast_against_all_inputs() {
    let a = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0, 2.0]).unwrap();
    let b = arr(&[10.0, 20.0, 30.0]);
    let out = run(
        "output y, k\ny = a + b\nk = 1\n",
        &Vars::new().with("a", &a).with("b", &b),
    );
    assert_eq!(out["y"].shape(), &[2, 3]);
    // Even an output that reads no input has the broadcast shape.
    assert_eq!(out["k"].shape(), &[2, 3]);
}

// ---------------------------------------------------------------------------------
// Differential test: random programs, interpreter vs. CPU target
// ---------------------------------------------------------------------------------

/// Random programs of the language generator over inputs `a` float64, `b` int64, `m`
/// bool, `w` complex128, with outputs `r0`, `r1` (floats) and `q` (complex).
fn random_program(seed: u64) -> String {
    let vars = [
        ("a", DType::F64),
        ("b", DType::I64),
        ("m", DType::Bool),
        ("w", DType::C128),
    ];
    let outputs = [
        ("r0", Kind::Float),
        ("r1", Kind::Float),
        ("q", Kind::Complex),
    ];
    let cfg = Config {
        max_depth: 3,
        literals: Literals::Tame,
        outputs: outputs.map(|(n, k)| (n.to_string(), Some(k))).to_vec(),
        ..config(vars)
    };
    nexpr_gen::program(&cfg, Rng::new(seed))
}

/// Equal up to rounding: transcendental-free programs could be bit-exact, but the
/// backends may evaluate `abs` of a complex or a division differently by an ulp.
fn same(a: &DynArray, b: &DynArray) -> bool {
    compare_all(a, b, Tol::rel(1e-9)).is_ok()
}

/// Values for the inputs `a`, `b`, `m` and `w` (as re, im pairs), all of one length.
type Inputs = (Vec<f64>, Vec<i64>, Vec<bool>, Vec<(f64, f64)>);

fn inputs() -> impl Strategy<Value = Inputs> {
    (1usize..9).prop_flat_map(|n| {
        (
            proptest::collection::vec(-4.0f64..4.0, n),
            proptest::collection::vec(-4i64..5, n),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec((-2.0f64..2.0, -2.0f64..2.0), n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_agree_between_interp_and_cpu(seed in any::<u64>(), (a, b, m, w) in inputs()) {
        let src = random_program(seed);
        let a = arr(&a);
        let b = arr(&b);
        let m = arr(&m);
        let w = arr(&w.iter().map(|&(re, im)| Complex64::new(re, im)).collect::<Vec<_>>());
        let vars = Vars::new().with("a", &a).with("b", &b).with("m", &m).with("w", &w);
        let p = Program::parse(&src).map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
        let want = match p.compile(Target::Interp).and_then(|k| k.run(&vars)) {
            Ok(want) => want,
            // Refused by type checking (a constant division by zero): nothing to compare.
            Err(e) if e.kind != ErrorKind::Eval => return Ok(()),
            Err(e) => {
                let got = p.compile(Target::Cpu { threads: 1 }).and_then(|k| k.run(&vars));
                prop_assert!(got.is_err(), "interp: {}, cpu: {:?}\n{}", e, got, src);
                return Ok(());
            }
        };
        match p.compile(Target::Cpu { threads: 1 }).and_then(|k| k.run(&vars)) {
            Ok(got) => {
                for (name, w) in &want {
                    prop_assert!(
                        same(&got[name], w),
                        "output {} differs\ncpu:    {:?}\ninterp: {:?}\nprogram:\n{}",
                        name, got[name], w, src
                    );
                }
            }
            Err(e) if e.kind == ErrorKind::Backend => {
                crate::common::skip("programs: random programs on the CPU target", &e.message);
            }
            Err(e) => return Err(TestCaseError::fail(format!("cpu: {e}\n{src}"))),
        }
    }
}
