//! CUDA measurements: the Mandelbrot program (one fused kernel, and a driver of three
//! expressions per iteration over device-resident arrays), and the memory-bound
//! `2*a + 3*b` and `a*b + c` over 1e8 float64 elements as a fraction of peak bandwidth.
//!
//! `cargo run --release --example cuda_bench [peak_GB_per_s]` (default 3000). Needs a CUDA device.

use ndarray::{Array2, ArrayD, IxDyn};
use nexpr::DeviceSession;
use nexpr::{CudaOptions, DType, Expr, Options, Program, Target, Vars};
use num_complex::Complex64;
use std::time::Instant;

const GPU: Target = Target::Cuda { device: 0 };
const MANDELBROT: &str = "output escape
z = 0j
escape = maxi
for i in range(1, maxi):
    z = z*z + c
    if real(z)**2 + imag(z)**2 > 4:
        escape = i
        break
";

fn grid(n: usize) -> Array2<Complex64> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        let x = -2.0 + 3.0 * j as f64 / (n - 1) as f64;
        let y = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
        Complex64::new(x, y)
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> nexpr::Result<()> {
    let peak_gbs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000.0);
    let s = DeviceSession::new(0)?;
    println!("device: {}", s.device_name());

    // --- Mandelbrot, one fused kernel per evaluation (host arrays in and out).
    let maxi = ArrayD::<i64>::from_elem(IxDyn(&[]), 512);
    let prog = Program::parse(MANDELBROT)?.compile(GPU)?;
    println!("\nmandelbrot program, maxi=512 (times in ms; median of 5)");
    println!(
        "{:>6} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "n", "kernel", "upload", "download", "end-to-end", "Mpix/s"
    );
    for n in [400usize, 1000, 2000, 3000, 4000] {
        let c = grid(n);
        let vars = Vars::new().with("c", &c).with("maxi", &maxi);
        let _ = s.eval(&prog, &vars)?; // compile and warm up
        let (mut k, mut u, mut d, mut e) = (vec![], vec![], vec![], vec![]);
        for _ in 0..5 {
            let t = Instant::now();
            let _ = s.eval(&prog, &vars)?;
            e.push(t.elapsed().as_secs_f64());
            let lt = s.last_timings().unwrap_or_default();
            k.push(lt.kernel_s);
            u.push(lt.upload_s);
            d.push(lt.download_s);
        }
        let (k, u, d, e) = (median(k), median(u), median(d), median(e));
        println!(
            "{n:>6} {:>12.3} {:>12.3} {:>12.3} {:>12.3} {:>10.1}",
            k * 1e3,
            u * 1e3,
            d * 1e3,
            e * 1e3,
            (n * n) as f64 / k / 1e6
        );
    }

    // --- Mandelbrot as three expressions per iteration over device-resident arrays.
    let n = 1000;
    let c_host = grid(n);
    let want = prog.eval(&Vars::new().with("c", &c_host).with("maxi", &maxi))?;
    let step = Expr::parse("z*z + c")?.compile(GPU)?;
    let mark =
        Expr::parse("where((escape == maxi) & (real(z2)**2 + imag(z2)**2 > 4), it, escape)")?
            .compile(GPU)?;
    let keep = Expr::parse("where(escape == maxi, z2, z)")?.compile(GPU)?;
    let t = Instant::now();
    let c = s.upload(&c_host)?;
    let maxi_d = s.upload(&maxi)?;
    let mut z = s.zeros(DType::C128, &[n, n])?;
    let mut z2 = s.zeros(DType::C128, &[n, n])?;
    let mut esc = s.upload(&ArrayD::<i64>::from_elem(IxDyn(&[n, n]), 512))?;
    let mut esc2 = s.zeros(DType::I64, &[n, n])?;
    let mut z3 = s.zeros(DType::C128, &[n, n])?;
    let its: Vec<_> = (1..512i64)
        .map(|i| s.upload(&ArrayD::<i64>::from_elem(IxDyn(&[]), i)))
        .collect::<nexpr::Result<_>>()?;
    // Compile the three kernels before anything is timed.
    s.eval_into_device(&step, &[("z", &z), ("c", &c)], &mut z2)?;
    s.eval_into_device(
        &mark,
        &[
            ("escape", &esc),
            ("maxi", &maxi_d),
            ("z2", &z2),
            ("it", &its[0]),
        ],
        &mut esc2,
    )?;
    s.eval_into_device(
        &keep,
        &[("escape", &esc), ("maxi", &maxi_d), ("z2", &z2), ("z", &z)],
        &mut z3,
    )?;
    s.synchronize()?;
    // Untimed first (launches queue up), then again timed (each kernel waited for).
    let mut loop_s = 0.0;
    let mut kernel_s = 0.0;
    for timed in [false, true] {
        s.set_timing(timed);
        let t_loop = Instant::now();
        for it in &its {
            s.eval_into_device(&step, &[("z", &z), ("c", &c)], &mut z2)?;
            if timed {
                kernel_s += s.last_timings().unwrap_or_default().kernel_s;
            }
            s.eval_into_device(
                &mark,
                &[("escape", &esc), ("maxi", &maxi_d), ("z2", &z2), ("it", it)],
                &mut esc2,
            )?;
            if timed {
                kernel_s += s.last_timings().unwrap_or_default().kernel_s;
            }
            std::mem::swap(&mut esc, &mut esc2);
            s.eval_into_device(
                &keep,
                &[("escape", &esc), ("maxi", &maxi_d), ("z2", &z2), ("z", &z)],
                &mut z3,
            )?;
            if timed {
                kernel_s += s.last_timings().unwrap_or_default().kernel_s;
            }
            std::mem::swap(&mut z, &mut z3);
        }
        s.synchronize()?;
        if !timed {
            loop_s = t_loop.elapsed().as_secs_f64();
            // Start over for the timed pass.
            z = s.zeros(DType::C128, &[n, n])?;
            esc = s.upload(&ArrayD::<i64>::from_elem(IxDyn(&[n, n]), 512))?;
        }
    }
    let got = s.download(&esc)?;
    let total = t.elapsed().as_secs_f64();
    println!(
        "\nmandelbrot driver, n={n}, 511 iterations x 3 expressions on device-resident arrays:\n  loop {:.1} ms ({:.1} us per evaluation; kernels alone {:.1} ms when timed one by one), end-to-end with uploads and the timed pass {:.1} ms, matches the fused program: {}",
        loop_s * 1e3,
        loop_s / (511.0 * 3.0) * 1e6,
        kernel_s * 1e3,
        total * 1e3,
        got == want
    );

    // --- Memory-bound expressions on 1e8 float64 elements.
    let len = 100_000_000usize;
    let host = ndarray::Array1::from_shape_fn(len, |i| (i % 1000) as f64 * 0.001);
    let a = s.upload(&host)?;
    let b_ = s.upload(&host)?;
    let cc = s.upload(&host)?;
    let mut out = s.zeros(DType::F64, &[len])?;
    println!("\nmemory-bound, 1e8 float64 (peak taken as {peak_gbs} GB/s)");
    for (src, arrays) in [("2*a + 3*b", 3.0), ("a*b + c", 4.0)] {
        let k = Expr::parse(src)?.compile(GPU)?;
        let mut times = vec![];
        for _ in 0..12 {
            s.eval_into_device(&k, &[("a", &a), ("b", &b_), ("c", &cc)], &mut out)?;
            times.push(s.last_timings().unwrap_or_default().kernel_s);
        }
        let kt = median(times[2..].to_vec());
        // How the grid size (resident blocks per multiprocessor) moves it.
        let mut by_blocks = Vec::new();
        for b in [4, 8, 16, 64] {
            let options = Options {
                cuda: CudaOptions {
                    blocks_per_sm: Some(b),
                    ..Default::default()
                },
                ..Default::default()
            };
            let k = Expr::parse(src)?.compile_with(GPU, &options)?;
            let mut t = vec![];
            for _ in 0..6 {
                s.eval_into_device(&k, &[("a", &a), ("b", &b_), ("c", &cc)], &mut out)?;
                t.push(s.last_timings().unwrap_or_default().kernel_s);
            }
            let kb = median(t[1..].to_vec());
            by_blocks.push(format!(
                "{b}/SM: {:.0}%",
                100.0 * arrays * 8.0 * len as f64 / kb / 1e9 / peak_gbs
            ));
        }
        println!(
            "  {src:<10} grid size: {} (default 32/SM)",
            by_blocks.join(", ")
        );
        let gbs = arrays * 8.0 * len as f64 / kt / 1e9;
        println!(
            "  {src:<10} kernel {:.3} ms, {:.0} GB/s = {:.0}% of peak",
            kt * 1e3,
            gbs,
            100.0 * gbs / peak_gbs
        );
        // End to end from host arrays (pageable memory), for comparison.
        let vars = Vars::new()
            .with("a", &host)
            .with("b", &host)
            .with("c", &host);
        let _ = s.eval(&k, &vars)?;
        let t = Instant::now();
        let _ = s.eval(&k, &vars)?;
        let e = t.elapsed().as_secs_f64();
        let lt = s.last_timings().unwrap_or_default();
        println!(
            "  {src:<10} from host arrays: end-to-end {:.1} ms (upload {:.1} ms, kernel {:.3} ms, download {:.1} ms)",
            e * 1e3,
            lt.upload_s * 1e3,
            lt.kernel_s * 1e3,
            lt.download_s * 1e3
        );
    }
    Ok(())
}
