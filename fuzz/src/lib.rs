//! Shared pieces of the fuzz targets: the variables every case runs against, running
//! text through every stage, and running the cases of the language generator
//! (`nexpr-gen`) on every backend for the differential target. Only nexpr's public API is used.

pub mod generate;

use nexpr::{CpuOptions, DynArray, Error, ErrorKind, Expr, Options, Program, Target, Vars};
use num_complex::{Complex32, Complex64};

/// Variables of every dtype, with edge values, all of length 6 (or 0-d).
pub fn vars() -> Vars<'static> {
    let mut v = Vars::new();
    let f = [0.5, -0.0, f64::INFINITY, f64::NAN, 1e300, -3.0];
    v.insert_owned("a", ndarray::arr1(&f).into_dyn());
    v.insert_owned("f", ndarray::arr1(&f.map(|x| x as f32)).into_dyn());
    v.insert_owned(
        "b",
        ndarray::arr1(&[0i32, -1, i32::MIN, i32::MAX, 7, 2]).into_dyn(),
    );
    v.insert_owned(
        "l",
        ndarray::arr1(&[0i64, -1, i64::MIN, i64::MAX, 7, 64]).into_dyn(),
    );
    v.insert_owned(
        "m",
        ndarray::arr1(&[true, false, true, true, false, false]).into_dyn(),
    );
    let c = f.map(|x| Complex64::new(x, 1.0 - x));
    v.insert_owned("c", ndarray::arr1(&c).into_dyn());
    let d = c.map(|z| Complex32::new(z.re as f32, z.im as f32));
    v.insert_owned("d", ndarray::arr1(&d).into_dyn());
    v.insert_owned("s", ndarray::arr0(2.5f64).into_dyn());
    v.insert_owned("k", ndarray::arr0(3i64).into_dyn());
    v
}

/// Compile options under which the CPU backend must equal the interpreter bit for bit.
pub fn exact() -> Options {
    Options {
        cpu: CpuOptions {
            fast_math: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Renders an error (the caret code must cope with any span and text).
fn render<T>(r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(t) => Some(t),
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// Parses `text` as an expression, compiles it for the interpreter and the CPU, and
/// evaluates it on [`vars`]; nothing may panic.
pub fn exercise_expr(text: &str) {
    let Some(e) = render(Expr::parse(text)) else {
        return;
    };
    let vars = vars();
    for target in [Target::Interp, Target::Cpu { threads: 2 }] {
        if let Some(k) = render(e.compile(target)) {
            render(k.eval(&vars));
        }
    }
}

/// As [`exercise_expr`] for a program; programs whose loops may run long are only
/// compiled (see [`short_loops`]).
pub fn exercise_program(text: &str) {
    let Some(p) = render(Program::parse(text)) else {
        return;
    };
    let vars = vars();
    for target in [Target::Interp, Target::Cpu { threads: 2 }] {
        if let Some(k) = render(p.compile(target)) {
            if short_loops(text) {
                render(k.run(&vars));
            } else {
                render(k.emit(&vars, nexpr::Emit::Clif));
            }
        }
    }
}

/// Whether every loop of `text` is `range(` of at most three-digit literals, at most
/// two of them: then running the program takes at most a million steps per element.
pub fn short_loops(text: &str) -> bool {
    let loops: Vec<&str> = text.split("range(").skip(1).collect();
    loops.len() <= 2
        && loops.iter().all(|rest| {
            let args = rest.split(')').next().unwrap_or("");
            args.split(',').all(|a| {
                let a = a.trim();
                !a.is_empty() && a.len() <= 3 && a.bytes().all(|c| c.is_ascii_digit())
            })
        })
}

/// Bit-for-bit equality of two results (any NaN equals any NaN).
pub fn same(a: &DynArray, b: &DynArray) -> bool {
    fn f64_eq(x: f64, y: f64) -> bool {
        (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
    }
    fn f32_eq(x: f32, y: f32) -> bool {
        (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
    }
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    macro_rules! all {
        ($t:ty, $eq:expr) => {{
            let (x, y) = (a.as_array::<$t>().unwrap(), b.as_array::<$t>().unwrap());
            x.iter().zip(y.iter()).all(|(p, q)| $eq(*p, *q))
        }};
    }
    use nexpr::DType::*;
    match a.dtype() {
        Bool => all!(bool, |p, q| p == q),
        I32 => all!(i32, |p, q| p == q),
        I64 => all!(i64, |p, q| p == q),
        F32 => all!(f32, f32_eq),
        F64 => all!(f64, f64_eq),
        C64 => all!(Complex32, |p: Complex32, q: Complex32| f32_eq(p.re, q.re)
            && f32_eq(p.im, q.im)),
        C128 => all!(Complex64, |p: Complex64, q: Complex64| f64_eq(p.re, q.re)
            && f64_eq(p.im, q.im)),
    }
}

/// Runs a generated case on the interpreter and on the CPU backend (1 and 3 threads,
/// exact math) and panics where they differ: in a value, or in whether evaluation
/// fails.
pub fn differential(case: &generate::Case) {
    let vars = case.vars();
    let run = |target: Target| -> Result<Vec<DynArray>, Error> {
        if case.is_expr {
            let e = Expr::parse(&case.source)?;
            Ok(vec![e.compile_with(target, &exact())?.eval(&vars)?])
        } else {
            let p = Program::parse(&case.source)?;
            Ok(p.compile_with(target, &exact())?
                .run(&vars)?
                .into_values()
                .collect())
        }
    };
    let interp = run(Target::Interp);
    if std::env::var_os("NEXPR_FUZZ_SHOW").is_some() {
        // How often generated cases type-check: `NEXPR_FUZZ_SHOW=1 cargo fuzz run ...`.
        let outcome = interp
            .as_ref()
            .map_or_else(|e| format!("{:?}", e.kind), |_| "ok".into());
        eprintln!("[{outcome}] {}", case.source.replace('\n', "; "));
    }
    let want = match interp {
        Ok(v) => v,
        // Refused by type checking (a Python integer out of an input's range): nothing to compare.
        Err(e) if e.kind != ErrorKind::Eval => return,
        Err(e) => {
            for threads in [1, 3] {
                let got = run(Target::Cpu { threads });
                assert!(
                    matches!(&got, Err(g) if g.kind == ErrorKind::Eval),
                    "{case}\ninterpreter: {e}\ncpu ({threads} threads): {got:?}"
                );
            }
            return;
        }
    };
    cuda_compiles(case, &vars);
    for threads in [1, 3] {
        let got = run(Target::Cpu { threads })
            .unwrap_or_else(|e| panic!("{case}\ninterpreter: {want:?}\ncpu: {e}"));
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(
                same(g, w),
                "{case}\ninterpreter: {w:?}\ncpu ({threads} threads): {g:?}"
            );
        }
    }
}

/// Where NVRTC is found (`NEXPR_NVRTC_LIB` or the usual places), the CUDA C emitted for
/// one well-typed case in eight (NVRTC takes tens of milliseconds a kernel) must compile.
fn cuda_compiles(case: &generate::Case, vars: &Vars) {
    use std::hash::{Hash, Hasher};
    static NVRTC: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    case.source.hash(&mut h);
    // NVRTC counts as present when it compiles an empty kernel (it needs its builtins
    // library on the loader's path too).
    let present = || {
        nexpr::internals::nvrtc_probe_from(None).is_ok()
            && nexpr::internals::compile_ptx("extern \"C\" __global__ void k() {}", (8, 0), false)
                .is_ok()
    };
    if h.finish() % 8 != 0 || !*NVRTC.get_or_init(present) {
        return;
    }
    let emitted = if case.is_expr {
        Expr::parse(&case.source)
            .and_then(|e| e.compile(Target::Interp)?.emit(vars, nexpr::Emit::Cuda))
    } else {
        Program::parse(&case.source)
            .and_then(|p| p.compile(Target::Interp)?.emit(vars, nexpr::Emit::Cuda))
    };
    let cuda = emitted.unwrap_or_else(|e| panic!("{case}\nemitting CUDA C: {e}"));
    if let Err(e) = nexpr::internals::compile_ptx(&cuda, (8, 0), false) {
        panic!("{case}\nNVRTC refused the emitted CUDA C: {e}\n{cuda}");
    }
}
