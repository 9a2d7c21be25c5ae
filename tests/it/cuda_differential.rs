//! `Target::Cuda { device: 0 }` against the reference interpreter: the NumPy fixture
//! corpus, random expression trees (all dtypes, broadcasting, 0-d and strided inputs),
//! reductions, programs, and device-resident evaluation. Where there is no CUDA device,
//! each test prints `skipped: <test>: <reason>` and passes.
//!
//! Floats are compared within a tolerance: the GPU's libm is not the host's, so results
//! may differ by a few ulp (exactly representable results, NaN and infinities must match).

use crate::common::cmp::{self, Tol};
use crate::common::corpus::{
    build_scalars, fixture_cases, random_cases, vars_of, Case, Input, PROGRAMS,
};
use crate::common::cuda::gpu_available;
use crate::common::Rng;
use nexpr::internals::Scalar;
use nexpr::{DType, DeviceSession, DynArray, Error, Expr, Program, Target, Vars};
use num_complex::Complex64;

const GPU: Target = Target::Cuda { device: 0 };

/// Relative tolerance in machine epsilons of the working precision.
const EPS_BUDGET: f64 = 64.0;

/// Relative tolerance for complex results: the complex functions are num-complex's
/// formulas (`asin(z) = -i ln(sqrt(1 - z^2) + iz)`, `a**b = exp(b ln a)`, ...), which
/// amplify a one-ulp difference between the device's and the host's libm by the size
/// of the intermediate values.
const COMPLEX_EPS_BUDGET: f64 = 4096.0;

/// None when `got` matches `want`, else what differs. `single`: the computation went
/// through float32 somewhere (float32, complex64 or bool inputs), whatever the result's
/// dtype.
fn compare_in(want: &DynArray, got: &DynArray, single: bool) -> Option<String> {
    let budget = match want.dtype().is_complex() {
        true => COMPLEX_EPS_BUDGET,
        false => EPS_BUDGET,
    };
    let t32 = Tol::rel(budget * f32::EPSILON as f64);
    let t64 = if single {
        t32
    } else {
        Tol::rel(budget * f64::EPSILON)
    };
    cmp::compare(want, got, t32, t64).err()
}

/// The first element as a complex number.
fn first_c128(a: &DynArray) -> Option<Complex64> {
    let re = |x: f64| Complex64::new(x, 0.0);
    match a {
        DynArray::Bool(x) => x.iter().next().map(|&v| re(v as u8 as f64)),
        DynArray::I32(x) => x.iter().next().map(|&v| re(v as f64)),
        DynArray::I64(x) => x.iter().next().map(|&v| re(v as f64)),
        DynArray::F32(x) => x.iter().next().map(|&v| re(v as f64)),
        DynArray::F64(x) => x.iter().next().map(|&v| re(v)),
        DynArray::C64(x) => x
            .iter()
            .next()
            .map(|v| Complex64::new(v.re as f64, v.im as f64)),
        DynArray::C128(x) => x.iter().next().copied(),
    }
}

fn compare(want: &DynArray, got: &DynArray) -> Option<String> {
    compare_in(want, got, false)
}

/// Whether a case computes in single precision anywhere.
fn single(case: &Case) -> bool {
    case.inputs
        .iter()
        .any(|i| matches!(i.array.dtype(), DType::F32 | DType::C64 | DType::Bool))
}

fn same_outcome(
    what: &str,
    want: Result<DynArray, Error>,
    got: Result<DynArray, Error>,
    single: bool,
) -> Option<String> {
    match (want, got) {
        (Ok(w), Ok(g)) => compare_in(&w, &g, single).map(|m| format!("{what}: {m}")),
        (Err(w), Err(g)) if w.kind == g.kind => None,
        (Err(w), Err(g)) => Some(format!("{what}: interp error {w}, cuda error {g}")),
        (Ok(_), Err(g)) => Some(format!("{what}: cuda error {g}")),
        (Err(w), Ok(_)) => Some(format!("{what}: interp error {w}, cuda gave a result")),
    }
}

fn eval(src: &str, target: Target, vars: &Vars) -> Result<DynArray, Error> {
    Expr::parse(src)?.compile(target)?.eval(vars)
}

fn finish(what: &str, total: usize, bad: Vec<String>) {
    eprintln!("{what}: {} of {total} differ", bad.len());
    for b in bad.iter().take(40) {
        eprintln!("  {b}");
    }
    assert!(bad.is_empty(), "{what}: {} of {total} differ", bad.len());
}

#[test]
fn fixture_corpus_matches_interp() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    // NEXPR_FIXTURE_FILTER=<text> runs the cases whose group or expression contains it.
    let filter = std::env::var("NEXPR_FIXTURE_FILTER")
        .ok()
        .filter(|f| !f.is_empty());
    let cases: Vec<Case> = fixture_cases()
        .into_iter()
        .filter(|c| {
            filter
                .as_deref()
                .is_none_or(|f| c.expr.contains(f) || c.group.contains(f))
        })
        .collect();
    let bad = par_check(&cases, |case| {
        let vars = case.vars();
        let want = eval(&case.expr, Target::Interp, &vars);
        let got = eval(&case.expr, GPU, &vars);
        // Where the interpreter is off NumPy (e.g. float32 arcsinh of 3e38 overflows in
        // Rust's formula), CUDA agreeing with NumPy is right.
        let numpy_agrees = case
            .numpy
            .as_ref()
            .zip(got.as_ref().ok())
            .is_some_and(|(np, g)| compare_in(np, g, single(case)).is_none());
        if numpy_agrees {
            return None;
        }
        same_outcome(
            &format!("#{} `{}`", case.id, case.expr),
            want,
            got,
            single(case),
        )
    });
    finish("fixture corpus", cases.len(), bad);
}

#[test]
fn random_expressions_match_interp() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let cases = random_cases(1500);
    let bad = par_check(&cases, |case| {
        let vars = case.vars();
        let want = eval(&case.expr, Target::Interp, &vars);
        let got = eval(&case.expr, GPU, &vars);
        let dts: Vec<String> = case
            .inputs
            .iter()
            .map(|i| format!("{}:{}{:?}", i.name, i.array.dtype().name(), i.array.shape()))
            .collect();
        same_outcome(
            &format!("`{}` [{}]", case.expr, dts.join(" ")),
            want,
            got,
            single(case),
        )
    });
    finish("random expressions", cases.len(), bad);
}

/// Runs `check` over `cases` on several threads (most of the time goes to NVRTC).
fn par_check(cases: &[Case], check: impl Fn(&Case) -> Option<String> + Sync) -> Vec<String> {
    let threads = std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(16);
    let chunk = cases.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().filter_map(&check).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a checking thread panicked".into()])
            })
            .collect()
    })
}

#[test]
fn reductions_match_interp() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let mut r = Rng::new(12345);
    let mut bad = Vec::new();
    let mut total = 0;
    for d in DType::ALL {
        for n in [0usize, 1, 7, 1000, 100_003] {
            let vals: Vec<Scalar> = (0..n).map(|_| r.value(d)).collect();
            let (a, _) = build_scalars(d, &[n], "C", &vals);
            let vars = Vars::new().with("a", &a);
            for op in ["sum", "prod", "min", "max"] {
                for src in [
                    format!("{op}(a)"),
                    format!("{op}(a * 2)"),
                    format!("{op}(a, axis=0)"),
                ] {
                    total += 1;
                    let want = eval(&src, Target::Interp, &vars);
                    let got = eval(&src, GPU, &vars);
                    // Sums are combined in another order than NumPy's pairwise
                    // summation: large float sums get a looser check.
                    let what = format!("`{src}` {d} n={n}");
                    if op == "prod" && n > 7 && (d.is_float() || d.is_complex()) {
                        continue; // products of 1000 random values overflow differently
                    }
                    if let (Ok(w), Ok(g)) = (&want, &got) {
                        if op == "sum" && (d.is_float() || d.is_complex()) {
                            if let (Some(w), Some(g)) = (first_c128(w), first_c128(g)) {
                                let tol = 1e-3 * (n as f64).max(1.0);
                                if (w - g).norm() > tol {
                                    bad.push(format!("{what}: want {w}, got {g}"));
                                }
                            }
                            continue;
                        }
                    }
                    if let Some(m) = same_outcome(&what, want, got, false) {
                        bad.push(m);
                    }
                }
            }
        }
    }
    finish("reductions", total, bad);
}

#[test]
fn programs_match_interp() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let mut r = Rng::new(777);
    let mut bad = Vec::new();
    let mut total = 0;
    for (name, src, inputs) in PROGRAMS {
        for layout in ["C", "strided", "0d"] {
            total += 1;
            let arrays: Vec<Input> = inputs
                .iter()
                .map(|(n, d)| {
                    let shape: &[usize] = if layout == "0d" { &[] } else { &[30, 41] };
                    let len: usize = shape.iter().product();
                    let vals: Vec<Scalar> = (0..len)
                        .map(|_| match d {
                            DType::I32 | DType::I64 => Scalar::I64(r.below(60) as i64 + 1).cast(*d),
                            DType::C64 | DType::C128 => Scalar::C128(Complex64::new(
                                r.below(300) as f64 / 100.0 - 2.0,
                                r.below(200) as f64 / 100.0 - 1.0,
                            ))
                            .cast(*d),
                            _ => r.value(*d),
                        })
                        .collect();
                    Input::of_scalars(n, *d, shape, layout, &vals)
                })
                .collect();
            let vars = vars_of(&arrays);
            let p = Program::parse(src).unwrap();
            let want = p.compile(Target::Interp).and_then(|k| k.run(&vars));
            let got = p.compile(GPU).and_then(|k| k.run(&vars));
            match (want, got) {
                (Ok(w), Ok(g)) => {
                    for (k, wv) in &w {
                        if let Some(m) = compare(wv, &g[k]) {
                            bad.push(format!("{name} ({layout}) output {k}: {m}"));
                        }
                    }
                }
                (Err(w), Err(g)) if w.kind == g.kind => {}
                (w, g) => bad.push(format!("{name} ({layout}): {:?} vs {:?}", w.err(), g.err())),
            }
        }
    }
    finish("programs", total, bad);
}

#[test]
fn negative_integer_power_is_an_eval_error() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let a = ndarray::arr1(&[2i64, 3, 4]);
    let b = ndarray::arr1(&[1i64, -1, 2]);
    let vars = Vars::new().with("a", &a).with("b", &b);
    let e = eval("a ** b", GPU, &vars).unwrap_err();
    let want = eval("a ** b", Target::Interp, &vars).unwrap_err();
    assert_eq!(e.kind, nexpr::ErrorKind::Eval);
    assert_eq!(e.message, want.message);
}

#[test]
fn device_session_keeps_arrays_resident() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let s = DeviceSession::new(0).unwrap();
    let n = 64;
    let re = ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
        Complex64::new(
            -2.0 + 3.0 * j as f64 / n as f64,
            -1.0 + 2.0 * i as f64 / n as f64,
        )
    });
    let c = s.upload(&re).unwrap();
    let mut z = s.zeros(DType::C128, &[n, n]).unwrap();
    let mut z2 = s.zeros(DType::C128, &[n, n]).unwrap();
    let step = Expr::parse("z*z + c").unwrap().compile(GPU).unwrap();
    for k in 0..20 {
        // Queued launches, except the last one, which is timed.
        s.set_timing(k == 19);
        s.eval_into_device(&step, &[("z", &z), ("c", &c)], &mut z2)
            .unwrap();
        std::mem::swap(&mut z, &mut z2);
    }
    let got = s.download(&z).unwrap();
    let mut zh = DynArray::zeros(DType::C128, &[n, n]);
    let step_i = Expr::parse("z*z + c")
        .unwrap()
        .compile(Target::Interp)
        .unwrap();
    for _ in 0..20 {
        let vars = Vars::new().with("z", &zh).with("c", &re);
        zh = step_i.eval(&vars).unwrap();
    }
    assert!(compare(&zh, &got).is_none(), "{:?}", compare(&zh, &got));
    let t = s
        .last_timings()
        .expect("the timed evaluation recorded its kernel time");
    assert_eq!(t.elements, n * n);

    // The same iteration in place, on one buffer.
    let mut zi = s.zeros(DType::C128, &[n, n]).unwrap();
    for _ in 0..20 {
        s.eval_in_place(&step, &[("c", &c)], "z", &mut zi).unwrap();
    }
    let got = s.download(&zi).unwrap();
    assert!(compare(&zh, &got).is_none(), "{:?}", compare(&zh, &got));

    // Uploads keep the logical order of any layout (here Fortran order).
    let t = s.upload(re.t()).unwrap();
    let back = s.download(&t).unwrap();
    assert_eq!(back, DynArray::C128(re.t().to_owned().into_dyn()));
}

#[test]
fn device_session_shares_the_kernels_specializations_and_times_host_evaluations() {
    if !gpu_available("cuda_differential: the CUDA target against the interpreter") {
        return;
    }
    let s = DeviceSession::new(0).unwrap();
    let n = 1000;
    let a_host = ndarray::Array1::from_shape_fn(n, |i| i as f64);
    let vars = Vars::new().with("a", &a_host);
    let k = Expr::parse("2*a + 1").unwrap().compile(GPU).unwrap();

    // Host arrays through the session: as Kernel::eval, with the time recorded.
    let host = s.eval(&k, &vars).unwrap();
    assert_eq!(host, k.eval(&vars).unwrap());
    let t = s
        .last_timings()
        .expect("a host evaluation records its timings");
    assert_eq!(
        (t.elements, t.upload_bytes, t.download_bytes),
        (n, 8 * n, 8 * n)
    );

    // Device arrays of the same signature: the specialization the kernel compiled.
    let a = s.upload(&a_host).unwrap();
    let mut out = s.zeros(DType::F64, &[n]).unwrap();
    s.eval_into_device(&k, &[("a", &a)], &mut out).unwrap();
    assert_eq!(s.download(&out).unwrap(), host);

    // Reductions: host arrays yes (integers, so any summation order is exact), device
    // outputs no.
    let sum = Expr::parse("sum(a)").unwrap().compile(GPU).unwrap();
    assert_eq!(s.eval(&sum, &vars).unwrap(), sum.eval(&vars).unwrap());
    let e = s
        .eval_into_device(&sum, &[("a", &a)], &mut out)
        .unwrap_err();
    assert_eq!(e.kind, nexpr::ErrorKind::Usage);

    // Programs with several outputs, by name.
    let p = Program::parse("output x, y\nx = a + 1\ny = a > 3")
        .unwrap()
        .compile(GPU)
        .unwrap();
    let outs = s.run(&p, &vars).unwrap();
    assert_eq!(outs, p.run(&vars).unwrap());

    // A kernel compiled for the CPU is refused, and says how to compile it.
    let cpu = Expr::parse("2*a + 1")
        .unwrap()
        .compile(Target::Cpu { threads: 1 })
        .unwrap();
    for e in [
        s.eval_into_device(&cpu, &[("a", &a)], &mut out)
            .unwrap_err(),
        s.eval(&cpu, &vars).unwrap_err(),
    ] {
        assert_eq!(e.kind, nexpr::ErrorKind::Usage);
        assert!(e.message.contains("Target::Cuda { device: 0 }"), "{e}");
    }
}
