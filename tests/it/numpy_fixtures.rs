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
//! * dtype and shape must be equal (after `nexpr_dtype_name`: NumPy's float16 and int8,
//!   which nexpr does not have, are float32 and int32 in nexpr);
//! * bool and integer values must be equal;
//! * floats: nan matches nan, infinities must be equal, -0.0 matches 0.0, otherwise values
//!   match within [`ULP_BUDGET`] ulp or within [`EPS_BUDGET`] machine epsilons absolute
//!   (for results near zero, like `sin(pi)`); complex values are compared per component
//!   the same way (complex results of `**` also within [`COMPLEX_POWER_EPS`] epsilons
//!   times NumPy's modulus: NumPy's complex power is the less accurate one);
//! * NumPy exceptions must be nexpr errors of the kind given by [`expected_error_kind`].

use crate::common::cmp::{close32, close64, Tol};
use crate::common::corpus::{
    bool_of, c128_of, c64_of, f32_of, fixtures, float_of, i32_of, i64_of, nexpr_dtype_name,
    shape_of, vars_of, Input,
};
use nexpr::{DynArray, Error, ErrorKind, Expr, Target, Vars};
use serde_json::Value;
use std::cell::Cell;
use std::fmt::{Debug, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

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

/// Functions whose NumPy formula overflows an intermediate result where nexpr's does not:
/// a NumPy ±inf real part of a complex64 result against nexpr's finite one is accepted
/// (the imaginary parts must still match). Each is a row of `docs/language.md`'s table
/// of deliberate differences.
const INTERMEDIATE_OVERFLOWS: &[(&str, &str)] = &[(
    "log1p",
    "NumPy's complex log1p takes hypot(1 + x, y) in the part's precision, which \
     overflows float32 for parts near its largest value; nexpr's logarithm is finite",
)];

/// Complex results of `**` may differ from NumPy's by this many machine epsilons of the
/// part type times the modulus of NumPy's value, per part: NumPy's complex power (the
/// C library's `cpow`, `cpowf`) forms w·log z in the part's precision, so each of its
/// parts is off by up to about |w·log z| epsilons of the modulus (`docs/accuracy.md`:
/// up to a million ulp), where nexpr's are within 1 ulp (`docs/language.md`'s table of
/// deliberate differences). 2^13 covers |w·log z| up to 2^13.
const COMPLEX_POWER_EPS: f64 = 8192.0;

/// At most this many mismatches are printed when a test fails (`NEXPR_FIXTURE_LIST=<n>`
/// overrides it).
const MAX_LISTED: usize = 50;

/// The nexpr error kind that a NumPy exception ("Class: message") corresponds to, or None
/// when the harness knows no mapping (then the case is reported as a mismatch).
fn expected_error_kind(numpy_error: &str) -> Option<ErrorKind> {
    let (class, msg) = numpy_error.split_once(": ").unwrap_or((numpy_error, ""));
    match class {
        // Bad operand dtypes (incl. NumPy's UFuncTypeError).
        "TypeError" => Some(ErrorKind::Type),
        // Weak Python ints that do not fit the array's integer dtype (`int32_array +
        // 3000000000`).
        "OverflowError" => Some(ErrorKind::Overflow),
        "ZeroDivisionError" => Some(ErrorKind::ZeroDivision),
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
/// Where nexpr deliberately differs from NumPy (each also listed in the table of `docs/language.md`).
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[(
    "where(c, x, 3000000000)",
    "NumPy's where() silently wraps a Python int that does not fit the array's dtype; \
     nexpr raises the OverflowError NumPy raises for the same literal in arithmetic",
)];

fn check_all(target: Target) -> Report {
    let doc = fixtures();
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
    let vars = vars_of(&built);
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
    let overflow_ok = INTERMEDIATE_OVERFLOWS
        .iter()
        .any(|(name, _)| expr.contains(&format!("{name}(")));
    let complex_power = expr.contains("**");
    compare_result(result, &got, extra_ulps(expr), (overflow_ok, complex_power))
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
// Comparison
// ----------------------------------------------------------------------------------------

/// Compares `got` with NumPy's `result`, allowing `extra` ulp, a complex64 real part
/// NumPy overflowed (`overflow_ok`) and, for complex results of `**`
/// (`complex_power`), [`COMPLEX_POWER_EPS`] epsilons.
fn compare_result(
    result: &Value,
    got: &DynArray,
    extra: u64,
    (overflow_ok, complex_power): (bool, bool),
) -> Result<(), String> {
    let numpy_dtype = result["dtype"].as_str().expect("result dtype");
    let want_dtype = nexpr_dtype_name(numpy_dtype);
    let want_shape = shape_of(result);
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
    let t32 = Tol {
        ulps,
        abs: EPS_BUDGET * f32::EPSILON as f64,
        ..Tol::EQUAL
    };
    let t64 = Tol {
        ulps,
        abs: EPS_BUDGET * f64::EPSILON,
        ..Tol::EQUAL
    };
    let mut bad = Vec::new();
    match got {
        DynArray::Bool(a) => diff(a.iter(), data, bool_of, |e, g| e == g, &mut bad),
        DynArray::I32(a) => diff(a.iter(), data, i32_of, |e, g| e == g, &mut bad),
        DynArray::I64(a) => diff(a.iter(), data, i64_of, |e, g| e == g, &mut bad),
        DynArray::F32(a) => diff(a.iter(), data, f32_of, |e, g| close32(e, g, t32), &mut bad),
        DynArray::F64(a) => diff(
            a.iter(),
            data,
            float_of,
            |e, g| close64(e, g, t64),
            &mut bad,
        ),
        DynArray::C64(a) => diff(
            a.iter(),
            data,
            c64_of,
            |e, g| {
                let overflowed = overflow_ok && e.re.is_infinite() && g.re.is_finite();
                let modulus = e.norm() as f64 * f32::EPSILON as f64;
                let power = |x: f32, y: f32| power_close(modulus, x as f64, y as f64);
                let part = |x: f32, y: f32| close32(x, y, t32) || (complex_power && power(x, y));
                (overflowed || part(e.re, g.re)) && part(e.im, g.im)
            },
            &mut bad,
        ),
        DynArray::C128(a) => diff(
            a.iter(),
            data,
            c128_of,
            |e, g| {
                let power = |x: f64, y: f64| power_close(e.norm() * f64::EPSILON, x, y);
                let part = |x: f64, y: f64| close64(x, y, t64) || (complex_power && power(x, y));
                part(e.re, g.re) && part(e.im, g.im)
            },
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

/// Whether a part `got` of a complex power is within [`COMPLEX_POWER_EPS`] times
/// `eps_modulus` (the modulus of NumPy's value in epsilons of the part type) from
/// NumPy's part `want`.
fn power_close(eps_modulus: f64, want: f64, got: f64) -> bool {
    eps_modulus.is_finite() && (want - got).abs() <= COMPLEX_POWER_EPS * eps_modulus
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

/// The harness itself: the mapping of NumPy's exceptions (float reading, layouts and
/// tolerances are checked in `common`).
#[test]
fn harness_self_check() {
    assert_eq!(
        expected_error_kind("ValueError: operands could not be broadcast together"),
        Some(ErrorKind::Shape)
    );
    assert_eq!(
        expected_error_kind("TypeError: ufunc 'bitwise_and'"),
        Some(ErrorKind::Type)
    );
    assert_eq!(expected_error_kind("KeyError: x"), None);
}
