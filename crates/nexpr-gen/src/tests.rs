//! The generator's own guarantees: it covers the language (every row of the builtins
//! table, every operator, cast and reduction), the language is what it was committed
//! as, its output type-checks, and any bytes end in a case.

use crate::operators::{BINARY, UNARY};
use crate::{Config, Gen, Node, Rng};
use nexpr::{DType, DynArray, Emit, Expr, Program, Target, Vars};
use std::collections::BTreeSet;

/// The functions of the language as committed: a function dropped from `sema` (or
/// added without being committed here) fails `the_language_is_the_committed_one`, so
/// that coverage cannot shrink silently with the table.
const LANGUAGE_FUNCTIONS: &[&str] = &[
    "abs",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "log",
    "log1p",
    "log10",
    "log2",
    "exp",
    "expm1",
    "conj",
    "real",
    "imag",
    "ceil",
    "floor",
    "trunc",
    "round",
    "sign",
    "isnan",
    "isfinite",
    "isinf",
    "signbit",
    "where",
    "arctan2",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
    "fmod",
    "complex",
    "copy",
    "ones_like",
    "bool",
    "int32",
    "int64",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "sum",
    "prod",
    "min",
    "max",
];

/// One input per dtype.
fn every_dtype() -> Config {
    Config::new(DType::ALL.iter().map(|d| (format!("v_{}", d.name()), *d)))
}

fn vars(cfg: &Config) -> Vars<'static> {
    let mut v = Vars::new();
    for (name, d) in &cfg.vars {
        v.insert_owned(name, DynArray::zeros(*d, &[3]));
    }
    v
}

/// What `seeds` cases (expressions, reductions and programs) call and apply.
fn used(cfg: &Config, seeds: u64) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut note = |n: &Node| match n {
        Node::Call(f, _) => drop(seen.insert(f.to_string())),
        Node::Prefix(op, _) => drop(seen.insert(format!("prefix {op}"))),
        Node::Infix(op, _, _) => drop(seen.insert(format!("infix {op}"))),
        _ => {}
    };
    for seed in 0..seeds {
        crate::expression(cfg, Rng::new(seed)).walk(&mut note);
        crate::reduction(cfg, Rng::new(seed)).walk(&mut note);
    }
    seen
}

#[test]
fn the_language_is_the_committed_one() {
    assert_eq!(nexpr::internals::function_names(), LANGUAGE_FUNCTIONS);
}

#[test]
fn every_function_operator_and_cast_is_generated() {
    let seen = used(&every_dtype(), 3000);
    let prefix = UNARY.iter().map(|o| format!("prefix {}", o.symbol));
    let infix = BINARY.iter().map(|o| format!("infix {}", o.symbol));
    let functions = LANGUAGE_FUNCTIONS.iter().map(|f| f.to_string());
    let missing: Vec<String> = (functions.chain(prefix).chain(infix))
        .filter(|x| !seen.contains(x))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

#[test]
fn programs_have_every_statement() {
    let cfg = every_dtype();
    let progs: Vec<String> = (0..300)
        .map(|s| crate::program(&cfg, Rng::new(s)))
        .collect();
    for stmt in ["for ", "range(abs(", "break", "elif ", "else:", "+= ", " t"] {
        let n = progs.iter().filter(|p| p.contains(stmt)).count();
        assert!(n > 15, "`{stmt}` in {n} programs of 300");
    }
}

/// The share of `count` cases that `check` accepts, in percent.
fn percent_ok(count: u64, check: impl Fn(u64) -> bool) -> u64 {
    (0..count).filter(|s| check(*s)).count() as u64 * 100 / count
}

#[test]
fn nearly_everything_type_checks() {
    let cfg = every_dtype();
    let v = vars(&cfg);
    let expr_ok = |text: String| {
        let k = Expr::parse(&text).and_then(|e| e.compile(Target::Interp));
        k.and_then(|k| k.emit(&v, Emit::Ir)).is_ok()
    };
    // What fails: Python integers out of an integer input's range (NEP 50).
    let exprs = percent_ok(500, |s| {
        expr_ok(crate::expression(&cfg, Rng::new(s)).to_string())
    });
    let reductions = percent_ok(500, |s| {
        expr_ok(crate::reduction(&cfg, Rng::new(s)).to_string())
    });
    let programs = percent_ok(300, |s| {
        let text = crate::program(&cfg, Rng::new(s));
        let k = Program::parse(&text).and_then(|p| p.compile(Target::Interp));
        k.and_then(|k| k.emit(&v, Emit::Ir)).is_ok()
    });
    let shares = (exprs, reductions, programs);
    assert!(
        exprs >= 90 && reductions >= 90 && programs >= 80,
        "{shares:?}"
    );
}

#[test]
fn any_bytes_end_in_a_case() {
    let cfg = every_dtype();
    let mut r = Rng::new(7);
    for len in [0usize, 1, 7, 64, 4096] {
        let bytes: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
        let u = arbitrary::Unstructured::new(&bytes);
        let mut g = Gen::new(&cfg, u);
        let text = g.program();
        assert!(text.starts_with("output r0, r1\n"), "{text}");
    }
}
