//! nexpr against NumPy itself.
//!
//! `tests/fixtures/numpy_cases.json` holds a few thousand expressions with their inputs and
//! what NumPy 2 gave for them (a result, or the exception it raised). The file is written by
//! `tests/fixtures/gen_numpy_fixtures.py` (rerun it with `python
//! tests/fixtures/gen_numpy_fixtures.py`), so this test needs no Python.
//!
//! Every case is parsed, compiled for a target and evaluated; all mismatches are collected
//! (not just the first) and the test fails listing up to [`MAX_LISTED`] of them plus the
//! total. Set `NEXPR_FIXTURE_FILTER=<text>` to run only the cases whose group or expression
//! contains `<text>`, or `<id>` to run one case (a debugging aid; the test says so), and
//! `NEXPR_FIXTURE_LIST=<n>` to list n mismatches instead of [`MAX_LISTED`].
//!
//! Comparison rules:
//! * dtype and shape must be equal (after [`nexpr_dtype_name`]: NumPy's float16 and int8,
//!   which nexpr does not have, are float32 and int32 in nexpr);
//! * bool and integer values must be equal;
//! * floats: nan matches nan, infinities must be equal, -0.0 matches 0.0, otherwise values
//!   match within [`ULP_BUDGET`] ulp or within [`EPS_BUDGET`] machine epsilons absolute
//!   (for results near zero, like `sin(pi)`); complex values are compared per component
//!   the same way;
//! * NumPy exceptions must be nexpr errors of the kind given by [`expected_error_kind`].

mod common;

use common::{every_other_last, float_of};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use nexpr::{DType, DynArray, Error, ErrorKind, Expr, Target, Vars};
use num_complex::{Complex32, Complex64};
use serde_json::Value;
use std::cell::Cell;
use std::fmt::{Debug, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/numpy_cases.json"
);

/// How many ulp a float result may be from NumPy's.
///
/// The fixtures are generated with NumPy's runtime-dispatched SIMD kernels disabled (see the
/// generator's docstring), so float64 transcendental functions are the C library's and
/// float32 ones NumPy's baseline code, which is within ~2 ulp of the correctly rounded
/// value; 4 ulp leaves room for the implementation's own libm calls on top.
const ULP_BUDGET: u64 = 4;

/// Absolute tolerance, in machine epsilons of the dtype, for results near zero (`sin(pi)`,
/// `expm1(-1e-20)`...), where ulp distances are meaningless.
const EPS_BUDGET: f64 = 4.0;

/// Per-function ulp allowances on top of [`ULP_BUDGET`], for functions whose NumPy
/// implementation is known to differ from the C library by more. Matched against the
/// function names called in the expression (`name(`). Empty for now: with NumPy's SIMD
/// dispatch disabled at generation time, no function needed one. Add entries here only
/// with a comment saying why, never to hide a real mismatch.
const EXTRA_ULPS: &[(&str, u64)] = &[];

/// At most this many mismatches are printed when a test fails (`NEXPR_FIXTURE_LIST=<n>`
/// overrides it).
const MAX_LISTED: usize = 50;

/// The nexpr dtype of a NumPy result dtype: the deliberate differences.
///
/// nexpr has no float16 and no int8. Where NumPy computes in float16 (float-only functions
/// of bool arrays: `sqrt(b)`, `sin(b)`, `round(b)`, `arctan2(b, b)`...) nexpr computes in
/// float32; where NumPy computes in int8 (integer operations of two bool arrays: `b // b`,
/// `b % b`, `b << b`, `b ** b`, `b ** 2`, `conj(b)`...) nexpr computes in int32. The
/// generator already records the values of the float32/int32 computation for those cases
/// (the case carries an `adjusted` note); only the dtype name is NumPy's and is mapped here.
fn nexpr_dtype_name(numpy: &str) -> &str {
    match numpy {
        "float16" => "float32",
        "int8" => "int32",
        other => other,
    }
}

/// The nexpr error kind that a NumPy exception ("Class: message") corresponds to, or None
/// when the harness knows no mapping (then the case is reported as a mismatch).
fn expected_error_kind(numpy_error: &str) -> Option<ErrorKind> {
    let (class, msg) = numpy_error.split_once(": ").unwrap_or((numpy_error, ""));
    match class {
        // Bad operand dtypes (incl. NumPy's UFuncTypeError), and weak Python ints that do not
        // fit the array's integer dtype (`int32_array + 3000000000`).
        "TypeError" | "OverflowError" => Some(ErrorKind::Type),
        "ValueError" if msg.contains("could not be broadcast") => Some(ErrorKind::Shape),
        "ValueError" if msg.contains("negative integer powers") => Some(ErrorKind::Eval),
        "ValueError" if msg.contains("zero-size array") => Some(ErrorKind::Eval),
        _ => None,
    }
}

// ----------------------------------------------------------------------------------------
// Running all cases
// ----------------------------------------------------------------------------------------

/// One case that nexpr got wrong.
#[derive(Debug)]
struct Mismatch {
    id: u64,
    group: String,
    expr: String,
    inputs: String,
    detail: String,
}

/// The outcome of running every fixture case on one target.
#[derive(Debug)]
struct Report {
    target: Target,
    numpy_version: String,
    total: usize,
    filter: Option<String>,
    mismatches: Vec<Mismatch>,
}

impl Report {
    fn assert_clean(&self) {
        if let Some(f) = &self.filter {
            eprintln!(
                "note: NEXPR_FIXTURE_FILTER={f:?}: ran {} cases only",
                self.total
            );
        }
        assert!(self.total > 0, "no fixture cases ran");
        if self.mismatches.is_empty() {
            return;
        }
        let listed = std::env::var("NEXPR_FIXTURE_LIST")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(MAX_LISTED);
        let mut s = format!(
            "{:?}: {} of {} NumPy {} fixture cases mismatch (first {} listed)\n",
            self.target,
            self.mismatches.len(),
            self.total,
            self.numpy_version,
            self.mismatches.len().min(listed)
        );
        for m in self.mismatches.iter().take(listed) {
            let _ = writeln!(
                s,
                "  #{} `{}` [{}]\n      {}",
                m.id, m.expr, m.inputs, m.detail
            );
        }
        let mut by_group = std::collections::BTreeMap::<&str, usize>::new();
        for m in &self.mismatches {
            *by_group.entry(m.group.as_str()).or_default() += 1;
        }
        let groups: Vec<String> = by_group.iter().map(|(g, n)| format!("{g} {n}")).collect();
        let _ = writeln!(s, "by group: {}", groups.join(", "));
        let _ = writeln!(
            s,
            "{:?}: {} mismatches in total (NEXPR_FIXTURE_FILTER=<id|group|text> runs a subset)",
            self.target,
            self.mismatches.len()
        );
        panic!("{s}");
    }
}

/// Runs every fixture case (parse -> compile -> eval) on `target` and collects all
/// mismatches. A panic inside nexpr is caught and reported as that case's mismatch.
/// Where nexpr deliberately differs from NumPy (each also listed in README.md's table).
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[(
    "where(c, x, 3000000000)",
    "NumPy's where() silently wraps a Python int that does not fit the array's dtype; \
     nexpr raises the OverflowError NumPy raises for the same literal in arithmetic",
)];

fn check_all(target: Target) -> Report {
    let text = std::fs::read_to_string(FIXTURES).unwrap_or_else(|e| {
        panic!("cannot read {FIXTURES}: {e} (run tests/fixtures/gen_numpy_fixtures.py)")
    });
    let doc: Value = serde_json::from_str(&quote_floats(&text)).expect("fixture JSON");
    let numpy_version = doc["numpy_version"].as_str().unwrap_or("?").to_string();
    let cases = doc["cases"].as_array().expect("cases array");
    let filter = std::env::var("NEXPR_FIXTURE_FILTER")
        .ok()
        .filter(|f| !f.is_empty());
    install_quiet_panic_hook();

    let mut total = 0;
    let mut mismatches = Vec::new();
    for case in cases {
        let id = case["id"].as_u64().expect("case id");
        let expr = case["expr"].as_str().expect("case expr");
        let group = case["group"].as_str().unwrap_or("");
        if let Some(f) = &filter {
            if !(f == &id.to_string() || expr.contains(f.as_str()) || group.contains(f.as_str())) {
                continue;
            }
        }
        if KNOWN_DEVIATIONS.iter().any(|(e, _)| *e == expr) {
            continue;
        }
        total += 1;
        let inputs = describe_inputs(&case["inputs"]);
        QUIET.with(|q| q.set(true));
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| check_case(case, expr, target)));
        QUIET.with(|q| q.set(false));
        let detail = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(detail)) => detail,
            Err(payload) => format!("panicked: {}", panic_message(&*payload)),
        };
        mismatches.push(Mismatch {
            id,
            group: group.to_string(),
            expr: expr.to_string(),
            inputs,
            detail,
        });
    }
    Report {
        target,
        numpy_version,
        total,
        filter,
        mismatches,
    }
}

/// Checks one case; Err holds what went wrong.
fn check_case(case: &Value, expr: &str, target: Target) -> Result<(), String> {
    let built: Vec<Input> = case["inputs"]
        .as_object()
        .expect("inputs object")
        .iter()
        .map(|(name, spec)| Input::from_json(name, spec))
        .collect();
    let mut vars = Vars::new();
    for input in &built {
        input.bind(&mut vars);
    }
    let got = evaluate(expr, target, &vars);

    if let Some(err) = case.get("error").and_then(Value::as_str) {
        let Some(want) = expected_error_kind(err) else {
            return Err(format!(
                "NumPy raised an error with no known ErrorKind mapping: {err}"
            ));
        };
        return match got {
            Err(e) if e.kind == want => Ok(()),
            Err(e) => Err(format!(
                "expected a {want:?} error (NumPy: {err}), got a {:?} error: {}",
                e.kind,
                one_line(&e.to_string())
            )),
            Ok(a) => Err(format!(
                "expected a {want:?} error (NumPy: {err}), got a {} result of shape {:?}",
                a.dtype().name(),
                a.shape()
            )),
        };
    }

    let result = &case["result"];
    let got = got.map_err(|e| {
        format!(
            "expected a {} result of shape {}, got a {:?} error: {}",
            nexpr_dtype_name(result["dtype"].as_str().unwrap_or("?")),
            result["shape"],
            e.kind,
            one_line(&e.to_string())
        )
    })?;
    compare_result(result, &got, extra_ulps(expr))
}

fn evaluate(expr: &str, target: Target, vars: &Vars) -> Result<DynArray, Error> {
    Expr::parse(expr)?.compile(target)?.eval(vars)
}

fn extra_ulps(expr: &str) -> u64 {
    EXTRA_ULPS
        .iter()
        .filter(|(name, _)| expr.contains(&format!("{name}(")))
        .map(|&(_, n)| n)
        .max()
        .unwrap_or(0)
}

// ----------------------------------------------------------------------------------------
// Inputs
// ----------------------------------------------------------------------------------------

/// An input array, built in the layout the case asks for.
struct Input {
    name: String,
    /// The array itself ("C", "F", "0d"), or for "strided" the C array twice as long along
    /// the last axis whose every 2nd element is the input.
    array: DynArray,
    strided: bool,
}

impl Input {
    fn from_json(name: &str, spec: &Value) -> Input {
        let dtype = spec["dtype"].as_str().expect("input dtype");
        assert!(
            DType::from_name(dtype).is_some(),
            "unknown input dtype {dtype}"
        );
        let shape: Vec<usize> = spec["shape"]
            .as_array()
            .expect("input shape")
            .iter()
            .map(|d| d.as_u64().expect("dimension") as usize)
            .collect();
        let layout = spec["layout"].as_str().expect("input layout");
        let data = spec["data"].as_array().expect("input data");
        let (array, strided) = match dtype {
            "bool" => build(
                &shape,
                layout,
                data.iter().map(bool_of).collect(),
                true,
                DynArray::Bool,
            ),
            "int32" => build(
                &shape,
                layout,
                data.iter().map(i32_of).collect(),
                -777,
                DynArray::I32,
            ),
            "int64" => build(
                &shape,
                layout,
                data.iter().map(i64_of).collect(),
                -777,
                DynArray::I64,
            ),
            "float32" => build(
                &shape,
                layout,
                data.iter().map(f32_of).collect(),
                -777.0,
                DynArray::F32,
            ),
            "float64" => build(
                &shape,
                layout,
                data.iter().map(float_of).collect(),
                -777.0,
                DynArray::F64,
            ),
            "complex64" => build(
                &shape,
                layout,
                data.iter().map(c64_of).collect(),
                Complex32::new(-777.0, 7.0),
                DynArray::C64,
            ),
            "complex128" => build(
                &shape,
                layout,
                data.iter().map(c128_of).collect(),
                Complex64::new(-777.0, 7.0),
                DynArray::C128,
            ),
            other => panic!("unknown input dtype {other}"),
        };
        Input {
            name: name.to_string(),
            array,
            strided,
        }
    }

    /// Binds the input in `vars`: the array itself, or the strided view of the backing array.
    fn bind<'a>(&'a self, vars: &mut Vars<'a>) {
        common::bind(vars, &self.name, &self.array, self.strided);
    }
}

/// Builds an array with C-order logical `data` in `layout`; returns it (or, for "strided",
/// its backing array) and whether it is the strided backing. `junk` fills the gaps of the
/// backing array. Each layout is checked to hold the same logical values as `data`.
fn build<T: Copy + Debug>(
    shape: &[usize],
    layout: &str,
    data: Vec<T>,
    junk: T,
    wrap: fn(ArrayD<T>) -> DynArray,
) -> (DynArray, bool) {
    let n: usize = shape.iter().product();
    assert_eq!(data.len(), n, "data length does not match shape {shape:?}");
    let c = ArrayD::from_shape_vec(IxDyn(shape), data.clone()).expect("C-order input");
    let same = |it: &mut dyn Iterator<Item = &T>| {
        format!("{:?}", it.collect::<Vec<_>>()) == format!("{data:?}")
    };
    match layout {
        "C" | "0d" => {
            assert_eq!(
                layout == "0d",
                shape.is_empty(),
                "layout {layout} with shape {shape:?}"
            );
            (wrap(c), false)
        }
        "F" => {
            // Column-major order of `c` is the row-major order of its transpose.
            let fdata: Vec<T> = c.t().iter().copied().collect();
            let f = ArrayD::from_shape_vec(IxDyn(shape).f(), fdata).expect("F-order input");
            assert!(
                f.ndim() < 2 || f.t().is_standard_layout(),
                "not Fortran order"
            );
            assert!(same(&mut f.iter()), "F-order input changed its values");
            (wrap(f), false)
        }
        "strided" => {
            assert!(!shape.is_empty(), "strided 0-d input");
            let last = shape[shape.len() - 1];
            let mut big_shape = shape.to_vec();
            *big_shape.last_mut().unwrap() = 2 * last;
            let mut big_data = Vec::with_capacity(2 * n);
            if last > 0 {
                for row in data.chunks(last) {
                    for &v in row {
                        big_data.push(v);
                        big_data.push(junk);
                    }
                }
            }
            let big = ArrayD::from_shape_vec(IxDyn(&big_shape), big_data).expect("strided backing");
            {
                let v = every_other_last(&big);
                assert_eq!(v.shape(), shape, "strided view shape");
                assert!(
                    v.ndim() == 0 || v.len() <= 1 || !v.is_standard_layout(),
                    "view not strided"
                );
                assert!(same(&mut v.iter()), "strided input changed its values");
            }
            (wrap(big), true)
        }
        other => panic!("unknown layout {other}"),
    }
}

fn describe_inputs(inputs: &Value) -> String {
    let Some(map) = inputs.as_object() else {
        return String::new();
    };
    map.iter()
        .map(|(name, spec)| {
            format!(
                "{name}: {}{} {}",
                spec["dtype"].as_str().unwrap_or("?"),
                spec["shape"],
                spec["layout"].as_str().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ----------------------------------------------------------------------------------------
// JSON values
// ----------------------------------------------------------------------------------------

/// serde_json (without its `float_roundtrip` feature, which this crate does not enable)
/// may parse a float literal 1 ulp off. The fixtures need exact values, so before parsing,
/// every float literal outside strings becomes the string `"~<literal>"`, which
/// [`float_of`] parses with Rust's correctly rounded `str::parse`. Integers stay numbers.
fn quote_floats(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str(&text[start..i.min(b.len())]);
        } else if b[i] == b'-' || b[i].is_ascii_digit() {
            while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            let tok = &text[start..i];
            if tok.contains(['.', 'e', 'E']) {
                out.push_str("\"~");
                out.push_str(tok);
                out.push('"');
            } else {
                out.push_str(tok);
            }
        } else {
            while i < b.len() && b[i] != b'"' && b[i] != b'-' && !b[i].is_ascii_digit() {
                i += 1;
            }
            out.push_str(&text[start..i]);
        }
    }
    out
}

fn f32_of(v: &Value) -> f32 {
    let x = float_of(v);
    let y = x as f32;
    assert!(x.is_nan() || y as f64 == x, "{x} is not a float32 value");
    y
}

fn bool_of(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| panic!("bad bool {v}"))
}

fn i64_of(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("bad int64 {v}"))
}

fn i32_of(v: &Value) -> i32 {
    i32::try_from(i64_of(v)).unwrap_or_else(|_| panic!("bad int32 {v}"))
}

fn pair(v: &Value) -> (f64, f64) {
    match v.as_array().map(Vec::as_slice) {
        Some([re, im]) => (float_of(re), float_of(im)),
        _ => panic!("bad complex {v}"),
    }
}

fn c64_of(v: &Value) -> Complex32 {
    let (re, im) = pair(v);
    Complex32::new(re as f32, im as f32)
}

fn c128_of(v: &Value) -> Complex64 {
    let (re, im) = pair(v);
    Complex64::new(re, im)
}

// ----------------------------------------------------------------------------------------
// Comparison
// ----------------------------------------------------------------------------------------

fn compare_result(result: &Value, got: &DynArray, extra: u64) -> Result<(), String> {
    let numpy_dtype = result["dtype"].as_str().expect("result dtype");
    let want_dtype = nexpr_dtype_name(numpy_dtype);
    let want_shape: Vec<usize> = result["shape"]
        .as_array()
        .expect("result shape")
        .iter()
        .map(|d| d.as_u64().expect("dimension") as usize)
        .collect();
    let data = result["data"].as_array().expect("result data");
    let note = if want_dtype != numpy_dtype {
        format!(" (NumPy: {numpy_dtype})")
    } else {
        String::new()
    };
    if got.dtype().name() != want_dtype || got.shape() != want_shape.as_slice() {
        return Err(format!(
            "expected {want_dtype}{note} {want_shape:?}, got {} {:?}",
            got.dtype().name(),
            got.shape()
        ));
    }
    let ulps = ULP_BUDGET + extra;
    let mut bad = Vec::new();
    match got {
        DynArray::Bool(a) => diff(a.iter(), data, bool_of, |e, g| e == g, &mut bad),
        DynArray::I32(a) => diff(a.iter(), data, i32_of, |e, g| e == g, &mut bad),
        DynArray::I64(a) => diff(a.iter(), data, i64_of, |e, g| e == g, &mut bad),
        DynArray::F32(a) => diff(a.iter(), data, f32_of, |e, g| close32(e, g, ulps), &mut bad),
        DynArray::F64(a) => diff(
            a.iter(),
            data,
            float_of,
            |e, g| close64(e, g, ulps),
            &mut bad,
        ),
        DynArray::C64(a) => diff(
            a.iter(),
            data,
            c64_of,
            |e, g| close32(e.re, g.re, ulps) && close32(e.im, g.im, ulps),
            &mut bad,
        ),
        DynArray::C128(a) => diff(
            a.iter(),
            data,
            c128_of,
            |e, g| close64(e.re, g.re, ulps) && close64(e.im, g.im, ulps),
            &mut bad,
        ),
    }
    if bad.is_empty() {
        return Ok(());
    }
    let mut s = format!(
        "{want_dtype}{note}: {} of {} values differ:",
        bad.len(),
        data.len()
    );
    for b in bad.iter().take(4) {
        let _ = write!(s, " {b};");
    }
    Err(s)
}

/// Compares values in C logical order; describes each difference in `bad`.
fn diff<'a, T: Copy + Debug + 'a>(
    got: impl Iterator<Item = &'a T>,
    want: &[Value],
    parse: fn(&Value) -> T,
    same: impl Fn(T, T) -> bool,
    bad: &mut Vec<String>,
) {
    for (i, (g, w)) in got.zip(want).enumerate() {
        let e = parse(w);
        if !same(e, *g) {
            bad.push(format!("[{i}] expected {e:?} got {g:?}"));
        }
    }
}

/// Distance in ulp between two finite floats of the same type, via their bit patterns
/// mapped onto a monotone integer line (-0.0 and 0.0 both map to 0).
fn ulp_distance(a: i64, b: i64) -> u64 {
    (a as i128 - b as i128).unsigned_abs().min(u64::MAX as u128) as u64
}

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

fn close64(want: f64, got: f64, ulps: u64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return want == got;
    }
    want == got
        || ulp_distance(ordered64(want), ordered64(got)) <= ulps
        || (want - got).abs() <= EPS_BUDGET * f64::EPSILON
}

fn close32(want: f32, got: f32, ulps: u64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return want == got;
    }
    want == got
        || ulp_distance(ordered32(want), ordered32(got)) <= ulps
        || ((want as f64) - (got as f64)).abs() <= EPS_BUDGET * f32::EPSILON as f64
}

// ----------------------------------------------------------------------------------------
// Panics inside nexpr
// ----------------------------------------------------------------------------------------

thread_local! {
    /// Set while a case runs: its panic is caught and reported, so the hook stays quiet.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

fn install_quiet_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        one_line(s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        one_line(s)
    } else {
        "(non-string panic payload)".to_string()
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

// ----------------------------------------------------------------------------------------
// Tests
// ----------------------------------------------------------------------------------------

#[test]
fn interp_matches_numpy() {
    check_all(Target::Interp).assert_clean();
}

#[test]
fn cpu_matches_numpy() {
    check_all(Target::Cpu { threads: 2 }).assert_clean();
}

/// The harness itself: float quoting, ulp distances and the layouts it builds.
#[test]
fn harness_self_check() {
    let q =
        quote_floats(r#"{"expr":"a + 1.5e3","d":[1.0,-2,3e-5,"nan",-0.0,[0.1,2]],"x":"\"1.5\""}"#);
    assert_eq!(
        q,
        r#"{"expr":"a + 1.5e3","d":["~1.0",-2,"~3e-5","nan","~-0.0",["~0.1",2]],"x":"\"1.5\""}"#
    );
    let v: Value = serde_json::from_str(&q).unwrap();
    assert_eq!(float_of(&v["d"][0]), 1.0);
    assert_eq!(i64_of(&v["d"][1]), -2);
    assert!(float_of(&v["d"][3]).is_nan());
    assert!(float_of(&v["d"][4]).is_sign_negative());
    // 0.1 + 0.2's exact repr needs a correctly rounded parse.
    assert_eq!(
        float_of(&Value::String("~0.30000000000000004".into())),
        0.1 + 0.2
    );

    assert!(close64(0.0, -0.0, 0));
    assert!(close64(1.0, 1.0 + 4.0 * f64::EPSILON, 4));
    assert!(!close64(1.0, 1.0 + 8.0 * f64::EPSILON, 4));
    assert!(close64(1e-17, -1e-17, 0));
    assert!(!close64(f64::INFINITY, f64::MAX, 4));
    assert!(!close64(f64::NAN, 0.0, 4));
    assert!(close32(-f32::MIN_POSITIVE, f32::MIN_POSITIVE, 0));
    assert!(!close32(1.0, 1.0 + 8.0 * f32::EPSILON, 4));
    assert_eq!(ulp_distance(ordered64(-0.0), ordered64(5e-324)), 1);
    assert_eq!(ulp_distance(ordered32(-1e-45), ordered32(1e-45)), 2);

    let data: Vec<i32> = (0..6).collect();
    for layout in ["C", "F", "strided"] {
        let (a, strided) = build(&[2, 3], layout, data.clone(), -1, DynArray::I32);
        let DynArray::I32(a) = a else { unreachable!() };
        let logical: Vec<i32> = if strided {
            every_other_last(&a).iter().copied().collect()
        } else {
            a.iter().copied().collect()
        };
        assert_eq!(logical, data, "{layout}");
    }
    let (a, _) = build(&[2, 0], "strided", Vec::<f64>::new(), 0.0, DynArray::F64);
    assert_eq!(a.shape(), &[2, 0]);
    assert_eq!(nexpr_dtype_name("float16"), "float32");
    assert_eq!(
        expected_error_kind("ValueError: operands could not be broadcast together"),
        Some(ErrorKind::Shape)
    );
}
