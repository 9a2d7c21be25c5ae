//! Times a float escape-time program (Mandelbrot-shaped) on the CPU backend, with and
//! without the predicated SIMD loop (opt-in, `NEXPR_SIMD_LOOPS=1`): `cargo run --release --example cpu_escape_time`.

use nexpr::{Program, Target, Vars};
use std::time::Instant;

fn main() -> nexpr::Result<()> {
    let n = 1_000_000usize;
    let a =
        ndarray::Array1::from_iter((0..n).map(|i| -2.0 + 2.5 * ((i * 7919) % n) as f64 / n as f64));
    let b = ndarray::Array1::from_iter(
        (0..n).map(|i| -1.0 + 2.0 * ((i * 104729) % n) as f64 / n as f64),
    );
    let vars = Vars::new().with("a", &a).with("b", &b);
    let body = "x = 0.0\ny = 0.0\nn = 0\nfor i in range(ITER):\n    if x*x + y*y > 4.0:\n        break\n    t = x*x - y*y + a\n    y = 2.0*x*y + b\n    x = t\n    n += 1\n";
    for (label, simd, iters) in [("simd", true, 100), ("scalar", false, 101)] {
        // A different bound keeps the two kernels apart in the compile cache.
        let src = format!("output n\n{}", body.replace("ITER", &iters.to_string()));
        if simd {
            std::env::set_var("NEXPR_SIMD_LOOPS", "1");
        } else {
            std::env::remove_var("NEXPR_SIMD_LOOPS");
        }
        for threads in [1, 2] {
            let k = Program::parse(&src)?.compile(Target::Cpu { threads })?;
            k.run(&vars)?;
            let mut ts = Vec::new();
            for _ in 0..7 {
                let t = Instant::now();
                k.run(&vars)?;
                ts.push(t.elapsed().as_secs_f64());
            }
            ts.sort_by(f64::total_cmp);
            println!(
                "{label:6} t{threads} {iters} iterations: {:.2} ms",
                ts[3] * 1e3
            );
        }
    }
    Ok(())
}
