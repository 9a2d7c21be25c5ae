//! Times the loop programs of `kernels/` on the CPU backend with the predicated SIMD
//! loop at 1..=4 interleaved vector groups and with the scalar loop, one thread:
//! `cargo run --release --example cpu_loops [-- N [KERNEL...]]` (N x N grid points,
//! default 400; only the named kernels, default all). Each cell is the median and
//! the minimum of 7 timed runs after a warm-up run, in CPU time of the thread (the
//! machine may be shared).
//!
//! The rows are what chose the default of `CpuOptions::loop_groups` (see
//! `src/backend/cpu/lower/plan.rs` and docs/performance-log.md).

use ndarray::{ArrayD, IxDyn};
use nexpr::{CpuOptions, DynArray, Options, Program, Simd, Target, Vars};
use num_complex::Complex64;

fn grid(n: usize, x: (f64, f64), y: (f64, f64)) -> ArrayD<Complex64> {
    let step = |(a, b): (f64, f64), k: usize| a + (b - a) * k as f64 / (n - 1).max(1) as f64;
    let v: Vec<Complex64> = (0..n * n)
        .map(|k| Complex64::new(step(x, k % n), step(y, k / n)))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[n, n]), v).expect("n * n points")
}

/// CPU time of the calling thread, in ms: on a shared machine, the time the thread
/// ran rather than the time it waited for a core (with one thread the kernel runs
/// on the calling thread).
fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 * 1e-6
}

/// The median and the minimum of the timed runs (CPU time of the thread), in ms.
fn median_min_ms(src: &str, vars: &Vars, cpu: CpuOptions) -> nexpr::Result<(f64, f64)> {
    let options = Options {
        cpu,
        ..Default::default()
    };
    let k = Program::parse(src)?.compile_with(Target::Cpu { threads: 1 }, &options)?;
    k.run(vars)?;
    let mut ts = Vec::new();
    for _ in 0..7 {
        let t = thread_cpu_ms();
        k.run(vars)?;
        ts.push(thread_cpu_ms() - t);
    }
    ts.sort_by(f64::total_cmp);
    Ok((ts[3], ts[0]))
}

fn main() -> nexpr::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(400);
    let wanted = args.get(1..).unwrap_or_default();
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
    println!("{n} x {n} points, 1 thread, thread CPU time, median / minimum of 7 (ms)");
    println!(
        "{:12} {:>15} {:>15} {:>15} {:>15} {:>15}",
        "kernel", "g=1", "g=2", "g=3", "g=4", "scalar"
    );
    for (name, vars) in &cases {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        let path = format!("{}/kernels/{name}.nx", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path)
            .map_err(|e| nexpr::Error::new(nexpr::ErrorKind::Io, format!("{path}: {e}")))?;
        let mut row = Vec::new();
        for loop_groups in 1..=4 {
            let cpu = CpuOptions {
                loop_groups,
                ..Default::default()
            };
            row.push(median_min_ms(&src, vars, cpu)?);
        }
        let scalar = CpuOptions {
            simd: Simd::StraightLine,
            ..Default::default()
        };
        row.push(median_min_ms(&src, vars, scalar)?);
        print!("{name:12}");
        for (median, min) in row {
            print!(" {median:7.2} /{min:7.2}");
        }
        println!();
    }
    Ok(())
}
