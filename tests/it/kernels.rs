//! The ready-made programs in `kernels/`, each checked against an independent plain-Rust
//! computation of the same mathematics.
//!
//! Every kernel runs on the interpreter, and on the CPU target compared with the
//! interpreter; a CPU target that reports a backend error (not built, no JIT on this
//! host) is skipped with a printed line rather than failed.
//!
//! The references repeat the kernels' arithmetic operation for operation (NumPy's complex
//! product and Smith's division, hypot for `abs`), because the iterations are chaotic:
//! one ulp of difference can change an escape count or a logistic orbit.

use ndarray::{ArrayD, IxDyn};
use nexpr::{DynArray, ErrorKind, Program, Target, Vars};
use num_complex::Complex64;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn kernel_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kernels")
}

fn load(name: &str) -> Program {
    let path = kernel_dir().join(name);
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Program::parse(&src).unwrap_or_else(|e| panic!("{name} does not parse:\n{e}"))
}

fn run(p: &Program, target: Target, vars: &Vars) -> nexpr::Result<BTreeMap<String, DynArray>> {
    p.compile(target)?.run(vars)
}

fn interp(p: &Program, vars: &Vars) -> BTreeMap<String, DynArray> {
    run(p, Target::Interp, vars).unwrap_or_else(|e| panic!("interp failed:\n{e}"))
}

/// Runs on the CPU target, or says why not: `None` when the backend cannot run here.
fn cpu(name: &str, p: &Program, vars: &Vars) -> Option<BTreeMap<String, DynArray>> {
    match run(p, Target::Cpu { threads: 2 }, vars) {
        Ok(out) => Some(out),
        Err(e) if e.kind == ErrorKind::Backend => {
            crate::common::skip(&format!("kernels::{name} on the CPU target"), &e.message);
            None
        }
        Err(e) => panic!("{name} on the CPU target:\n{e}"),
    }
}

fn get<'a, T: nexpr::Element>(out: &'a BTreeMap<String, DynArray>, name: &str) -> &'a ArrayD<T> {
    let a = out
        .get(name)
        .unwrap_or_else(|| panic!("no output `{name}`"));
    a.as_array::<T>()
        .unwrap_or_else(|| panic!("output `{name}` has dtype {}", a.dtype()))
}

/// NumPy's linspace: `start + i*step`, the last point exactly `stop`.
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

/// `x + 1j*y` over `meshgrid(xs, ys)`: `ny` rows, `nx` columns.
fn complex_grid(x: (f64, f64), y: (f64, f64), nx: usize, ny: usize) -> ArrayD<Complex64> {
    let xs = linspace(x.0, x.1, nx);
    let ys = linspace(y.0, y.1, ny);
    ArrayD::from_shape_fn(IxDyn(&[ny, nx]), |ix| Complex64::new(xs[ix[1]], ys[ix[0]]))
}

/// NumPy's complex product, spelled out so the reference does not depend on how a
/// library orders it.
fn cmul(a: Complex64, b: Complex64) -> Complex64 {
    Complex64::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// NumPy's complex division (Smith's method).
fn cdiv(a: Complex64, b: Complex64) -> Complex64 {
    if b.re.abs() >= b.im.abs() {
        if b.re == 0.0 && b.im == 0.0 {
            return Complex64::new(a.re / b.re.abs(), a.im / b.re.abs());
        }
        let rat = b.im / b.re;
        let scl = 1.0 / (b.re + b.im * rat);
        Complex64::new((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl)
    } else {
        let rat = b.re / b.im;
        let scl = 1.0 / (b.im + b.re * rat);
        Complex64::new((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl)
    }
}

/// Escape time of z -> z**2 + c from z0, with the kernels' `|z|**2 > 4` test.
fn escape_time(mut z: Complex64, c: Complex64, maxi: i32) -> i32 {
    for i in 1..maxi {
        z = cmul(z, z) + c;
        if z.re * z.re + z.im * z.im > 4.0 {
            return i;
        }
    }
    maxi
}

fn mandelbrot_reference(c: &ArrayD<Complex64>, maxi: i32) -> ArrayD<i32> {
    c.mapv(|c| escape_time(Complex64::new(0.0, 0.0), c, maxi))
}

/// Floats equal within a relative tolerance (transcendental functions may differ by
/// an ulp between targets); NaNs match NaNs and infinities must agree exactly.
fn assert_close(name: &str, got: &ArrayD<f64>, want: &ArrayD<f64>, rtol: f64) {
    assert_eq!(got.shape(), want.shape(), "{name}: shape");
    for (k, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
        let ok = (g.is_nan() && w.is_nan())
            || g == w
            || (g.is_finite() && w.is_finite() && (g - w).abs() <= rtol * w.abs().max(1.0));
        assert!(ok, "{name}[{k}]: got {g}, want {w}");
    }
}

#[test]
fn every_kernel_has_a_header_and_a_test() {
    let tested = [
        "mandelbrot.nx",
        "julia.nx",
        "newton.nx",
        "logistic.nx",
        "black_scholes.nx",
    ];
    let mut found = Vec::new();
    for entry in std::fs::read_dir(kernel_dir()).expect("kernels/ exists") {
        let path = entry.expect("readable kernels/").path();
        if path.extension().and_then(|e| e.to_str()) != Some("nx") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        assert!(
            src.starts_with('#'),
            "{name}: a kernel starts with a header comment"
        );
        assert!(
            src.contains("Usage:"),
            "{name}: the header has a usage line"
        );
        load(&name);
        assert!(
            tested.contains(&name.as_str()),
            "{name} has no test in tests/kernels.rs"
        );
        found.push(name);
    }
    for t in tested {
        assert!(found.iter().any(|f| f == t), "kernels/{t} is missing");
    }
}

fn check_mandelbrot(c: &ArrayD<Complex64>, maxi: i32) -> ArrayD<i32> {
    let p = load("mandelbrot.nx");
    let maxi_a = DynArray::scalar(maxi);
    let vars = Vars::new().with("c", c).with("maxi", &maxi_a);
    let out = interp(&p, &vars);
    let escape = get::<i32>(&out, "escape");
    let want = mandelbrot_reference(c, maxi);
    assert_eq!(escape, &want, "mandelbrot on interp vs. the Rust reference");
    if let Some(cpu_out) = cpu("mandelbrot", &p, &vars) {
        assert_eq!(
            get::<i32>(&cpu_out, "escape"),
            escape,
            "mandelbrot: cpu vs interp"
        );
    }
    want
}

#[test]
fn mandelbrot_small_grid() {
    let c = complex_grid((-2.0, 1.0), (-1.0, 1.0), 61, 41);
    let escape = check_mandelbrot(&c, 100);
    // The grid covers both the body of the set and points escaping at once.
    assert!(escape.iter().any(|&e| e == 100));
    assert!(escape.iter().any(|&e| e == 1));
}

#[test]
fn mandelbrot_maxi_one_never_iterates() {
    let c = complex_grid((-2.0, 1.0), (-1.0, 1.0), 5, 3);
    let escape = check_mandelbrot(&c, 1);
    assert!(escape.iter().all(|&e| e == 1));
}

/// The NumPy original's checksum for n = 400, maxi = 512. The Rust reference and the CPU
/// target are checked against it at full size; the interpreter at full size only in
/// optimized builds (in debug it would take minutes), on a band of rows otherwise.
#[test]
fn mandelbrot_numpy_checksum() {
    let (n, maxi) = (400, 512);
    let checksum = |a: &ArrayD<i32>| a.iter().map(|&e| i64::from(e)).sum::<i64>();
    let c = complex_grid((-2.0, 1.0), (-1.0, 1.0), n, n);
    let want = mandelbrot_reference(&c, maxi);
    assert_eq!(checksum(&want), 21_463_747);
    let p = load("mandelbrot.nx");
    let maxi_a = DynArray::scalar(maxi);
    if let Some(out) = cpu(
        "mandelbrot",
        &p,
        &Vars::new().with("c", &c).with("maxi", &maxi_a),
    ) {
        assert_eq!(checksum(get::<i32>(&out, "escape")), 21_463_747, "cpu");
    }
    let rows = if cfg!(debug_assertions) { n / 10 } else { n };
    // Rows around the middle, where the set is, so the slice does real work.
    let start = (n - rows) / 2;
    let band = ndarray::s![start..start + rows, ..];
    let c_part = c.slice(band).to_owned().into_dyn();
    let want_part = want.slice(band).to_owned().into_dyn();
    let out = interp(&p, &Vars::new().with("c", &c_part).with("maxi", &maxi_a));
    assert_eq!(get::<i32>(&out, "escape"), &want_part);
}

#[test]
fn mandelbrot_escape_has_the_dtype_of_maxi() {
    let p = load("mandelbrot.nx");
    let c = complex_grid((-2.0, 1.0), (-1.0, 1.0), 4, 3);
    let maxi = DynArray::scalar(20i64);
    let out = interp(&p, &Vars::new().with("c", &c).with("maxi", &maxi));
    let escape = get::<i64>(&out, "escape");
    let want = mandelbrot_reference(&c, 20).mapv(i64::from);
    assert_eq!(escape, &want);
}

#[test]
fn julia() {
    let p = load("julia.nx");
    let z0 = complex_grid((-1.6, 1.6), (-1.0, 1.0), 48, 30);
    let c = Complex64::new(-0.8, 0.156);
    let maxi = 200;
    let (c_a, maxi_a) = (DynArray::scalar(c), DynArray::scalar(maxi));
    let vars = Vars::new()
        .with("z", &z0)
        .with("c", &c_a)
        .with("maxi", &maxi_a);
    let out = interp(&p, &vars);
    let escape = get::<i32>(&out, "escape");
    let want = z0.mapv(|z| escape_time(z, c, maxi));
    assert_eq!(escape, &want, "julia on interp vs. the Rust reference");
    assert!(escape.iter().any(|&e| e == maxi) && escape.iter().any(|&e| e < 5));
    if let Some(cpu_out) = cpu("julia", &p, &vars) {
        assert_eq!(
            get::<i32>(&cpu_out, "escape"),
            escape,
            "julia: cpu vs interp"
        );
    }
}

/// Newton's method for z**3 - 1 as the kernel writes it: (root index, steps).
fn newton_reference(mut z: Complex64, maxiter: i64, tol: f64) -> (i64, i64) {
    let one = Complex64::new(1.0, 0.0);
    let three = Complex64::new(3.0, 0.0);
    let roots = [
        one,
        Complex64::new(-0.5, 0.8660254037844386),
        Complex64::new(-0.5, -0.8660254037844386),
    ];
    for i in 0..maxiter {
        let num = cmul(cmul(z, z), z) - one;
        let den = cmul(cmul(three, z), z);
        z -= cdiv(num, den);
        for (k, &root) in roots.iter().enumerate() {
            let d = z - root;
            if d.re.hypot(d.im) < tol {
                return (k as i64, i + 1);
            }
        }
    }
    (-1, maxiter)
}

#[test]
fn newton() {
    let p = load("newton.nx");
    // An even number of points per axis keeps the grid off the origin (where z'(0) = 0).
    let z0 = complex_grid((-1.5, 1.5), (-1.5, 1.5), 40, 40);
    let (maxiter, tol) = (40i64, 1e-8);
    let (m, t) = (DynArray::scalar(maxiter), DynArray::scalar(tol));
    let vars = Vars::new()
        .with("z", &z0)
        .with("maxiter", &m)
        .with("tol", &t);
    let out = interp(&p, &vars);
    let (root, iters) = (get::<i64>(&out, "root"), get::<i64>(&out, "iters"));
    let want = z0.mapv(|z| newton_reference(z, maxiter, tol));
    assert_eq!(
        root,
        &want.mapv(|w| w.0),
        "newton root: interp vs. reference"
    );
    assert_eq!(
        iters,
        &want.mapv(|w| w.1),
        "newton iters: interp vs. reference"
    );
    // All three basins are present and the real axis right of 0 goes to 1.
    for k in 0..3 {
        assert!(
            root.iter().any(|&r| r == k),
            "no start converged to root {k}"
        );
    }
    let z_real = ArrayD::from_elem(IxDyn(&[1]), Complex64::new(2.0, 0.0));
    let out1 = interp(
        &p,
        &Vars::new()
            .with("z", &z_real)
            .with("maxiter", &m)
            .with("tol", &t),
    );
    assert_eq!(get::<i64>(&out1, "root")[[0]], 0);
    if let Some(cpu_out) = cpu("newton", &p, &vars) {
        // Basin boundaries are fractal: a backend with a differently rounded complex
        // division may flip a handful of boundary points, but no more.
        let differ = get::<i64>(&cpu_out, "root")
            .iter()
            .zip(root.iter())
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            differ * 100 <= root.len(),
            "newton: {differ} of {} roots differ between cpu and interp",
            root.len()
        );
    }
}

#[test]
fn logistic() {
    let p = load("logistic.nx");
    let r = ArrayD::from_shape_vec(IxDyn(&[64]), linspace(2.5, 4.0, 64)).unwrap();
    let x0 = ArrayD::from_elem(IxDyn(&[]), 0.3f64);
    let n = 300i64;
    let n_a = DynArray::scalar(n);
    let vars = Vars::new().with("r", &r).with("x0", &x0).with("n", &n_a);
    let out = interp(&p, &vars);
    let (x, lyap) = (get::<f64>(&out, "x"), get::<f64>(&out, "lyapunov"));
    let mut want_x = r.clone();
    let mut want_l = r.clone();
    for (k, &rk) in r.iter().enumerate() {
        let (mut xk, mut sum) = (0.3f64, 0.0f64);
        for _ in 0..n {
            sum += (rk - 2.0 * rk * xk).abs().ln();
            xk = rk * xk * (1.0 - xk);
        }
        want_x[k] = xk;
        want_l[k] = sum / n as f64;
    }
    // Basic arithmetic only: the orbit must match to the bit, chaos or not.
    assert_eq!(x, &want_x, "logistic x: interp vs. reference");
    assert_close("logistic lyapunov", lyap, &want_l, 1e-12);
    // Stable below r = 3, chaotic at r = 4 (exponent ln 2).
    assert!(lyap[[0]] < 0.0);
    assert!(
        (lyap[[63]] - std::f64::consts::LN_2).abs() < 0.05,
        "{}",
        lyap[[63]]
    );
    if let Some(cpu_out) = cpu("logistic", &p, &vars) {
        assert_eq!(get::<f64>(&cpu_out, "x"), x, "logistic x: cpu vs interp");
        assert_close(
            "logistic lyapunov (cpu)",
            get(&cpu_out, "lyapunov"),
            lyap,
            1e-9,
        );
    }
}

/// Abramowitz & Stegun 26.2.17, as the kernel writes it.
fn norm_cdf(d: f64) -> f64 {
    let u = 1.0 / (1.0 + 0.2316419 * d.abs());
    let poly = u
        * (0.319381530
            + u * (-0.356563782 + u * (1.781477937 + u * (-1.821255978 + u * 1.330274429))));
    let n = 1.0 - 0.3989422804014327 * (-0.5 * d * d).exp() * poly;
    if d < 0.0 {
        1.0 - n
    } else {
        n
    }
}

#[test]
fn black_scholes() {
    let p = load("black_scholes.nx");
    let s = ArrayD::<f64>::from_shape_vec(IxDyn(&[5, 1]), vec![60.0, 90.0, 100.0, 110.0, 150.0])
        .unwrap();
    let k = ArrayD::<f64>::from_shape_vec(IxDyn(&[1, 4]), vec![80.0, 100.0, 100.0, 120.0]).unwrap();
    let t = ArrayD::<f64>::from_shape_vec(IxDyn(&[1, 4]), vec![0.25, 1.0, 2.0, 0.5]).unwrap();
    let (r, sigma) = (0.05f64, 0.2f64);
    let (r_a, sigma_a) = (DynArray::scalar(r), DynArray::scalar(sigma));
    let vars = Vars::new()
        .with("s", &s)
        .with("k", &k)
        .with("t", &t)
        .with("r", &r_a)
        .with("sigma", &sigma_a);
    let out = interp(&p, &vars);
    let (call, put) = (get::<f64>(&out, "call"), get::<f64>(&out, "put"));
    assert_eq!(call.shape(), &[5, 4]);
    let mut want_call = ArrayD::zeros(IxDyn(&[5, 4]));
    let mut want_put = want_call.clone();
    for i in 0..5 {
        for j in 0..4 {
            let (s, k, t) = (s[[i, 0]], k[[0, j]], t[[0, j]]);
            let vol = sigma * t.sqrt();
            let d1 = ((s / k).ln() + (r + 0.5 * sigma * sigma) * t) / vol;
            let d2 = d1 - vol;
            let disc = k * (-r * t).exp();
            want_call[[i, j]] = s * norm_cdf(d1) - disc * norm_cdf(d2);
            want_put[[i, j]] = disc * (1.0 - norm_cdf(d2)) - s * (1.0 - norm_cdf(d1));
            // Put-call parity holds whatever the CDF approximation.
            let parity = call[[i, j]] - put[[i, j]] - (s - disc);
            assert!(parity.abs() < 1e-9, "parity off by {parity} at {i},{j}");
        }
    }
    assert_close("call", call, &want_call, 1e-12);
    assert_close("put", put, &want_put, 1e-12);
    // The textbook case S = K = 100, T = 1, r = 5%, sigma = 20%.
    assert!(
        (call[[2, 1]] - 10.450583572185565).abs() < 1e-5,
        "{}",
        call[[2, 1]]
    );
    assert!(
        (put[[2, 1]] - 5.573526022256971).abs() < 1e-5,
        "{}",
        put[[2, 1]]
    );
    if let Some(cpu_out) = cpu("black_scholes", &p, &vars) {
        assert_close("call (cpu)", get(&cpu_out, "call"), call, 1e-12);
        assert_close("put (cpu)", get(&cpu_out, "put"), put, 1e-12);
    }
}
