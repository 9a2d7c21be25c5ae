//! Times the loop programs of `kernels/` on the CPU backend with the predicated SIMD
//! loop at 1..=4 interleaved vector groups and with the scalar loop, one thread:
//! `cargo run --release --example cpu_loops [-- N]` (N x N grid points, default 400).
//!
//! The rows are what chose the default of `CpuOptions::loop_groups` (see
//! `src/backend/cpu/lower/plan.rs` and docs/performance-log.md).

use ndarray::{ArrayD, IxDyn};
use nexpr::{CpuOptions, DynArray, Options, Program, Simd, Target, Vars};
use num_complex::Complex64;
use std::time::Instant;

fn grid(n: usize, x: (f64, f64), y: (f64, f64)) -> ArrayD<Complex64> {
    let step = |(a, b): (f64, f64), k: usize| a + (b - a) * k as f64 / (n - 1).max(1) as f64;
    let v: Vec<Complex64> = (0..n * n)
        .map(|k| Complex64::new(step(x, k % n), step(y, k / n)))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[n, n]), v).expect("n * n points")
}

fn median_ms(src: &str, vars: &Vars, cpu: CpuOptions) -> nexpr::Result<f64> {
    let options = Options {
        cpu,
        ..Default::default()
    };
    let k = Program::parse(src)?.compile_with(Target::Cpu { threads: 1 }, &options)?;
    k.run(vars)?;
    let mut ts = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        k.run(vars)?;
        ts.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ts.sort_by(f64::total_cmp);
    Ok(ts[2])
}

fn main() -> nexpr::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let plane = grid(n, (-2.0, 1.0), (-1.0, 1.0));
    let julia = grid(n, (-1.5, 1.5), (-1.0, 1.0));
    let newton = grid(n, (-2.0, 2.0), (-2.0, 2.0));
    let r = ArrayD::from_shape_vec(
        IxDyn(&[n * n]),
        (0..n * n)
            .map(|k| 2.5 + 1.5 * k as f64 / (n * n) as f64)
            .collect(),
    )
    .expect("n * n rates");
    let (maxi, jc) = (
        DynArray::scalar(512i32),
        DynArray::scalar(Complex64::new(-0.8, 0.156)),
    );
    let (maxiter, tol) = (DynArray::scalar(50i64), DynArray::scalar(1e-8f64));
    let (x0, steps) = (DynArray::scalar(0.3f64), DynArray::scalar(200i64));
    let cases: Vec<(&str, Vars)> = vec![
        (
            "mandelbrot",
            Vars::new().with("c", &plane).with("maxi", &maxi),
        ),
        (
            "julia",
            Vars::new()
                .with("z", &julia)
                .with("c", &jc)
                .with("maxi", &maxi),
        ),
        (
            "newton",
            Vars::new()
                .with("z", &newton)
                .with("maxiter", &maxiter)
                .with("tol", &tol),
        ),
        (
            "logistic",
            Vars::new().with("r", &r).with("x0", &x0).with("n", &steps),
        ),
    ];
    println!("{n} x {n} points, 1 thread, median of 5 (ms)");
    println!(
        "{:12} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "kernel", "g=1", "g=2", "g=3", "g=4", "scalar"
    );
    for (name, vars) in &cases {
        let path = format!("{}/kernels/{name}.nx", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path)
            .map_err(|e| nexpr::Error::new(nexpr::ErrorKind::Io, format!("{path}: {e}")))?;
        let mut row = Vec::new();
        for loop_groups in 1..=4 {
            let cpu = CpuOptions {
                loop_groups,
                ..Default::default()
            };
            row.push(median_ms(&src, vars, cpu)?);
        }
        let scalar = CpuOptions {
            simd: Simd::StraightLine,
            ..Default::default()
        };
        row.push(median_ms(&src, vars, scalar)?);
        print!("{name:12}");
        for t in row {
            print!(" {t:8.2}");
        }
        println!();
    }
    Ok(())
}
