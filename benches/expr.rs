//! Criterion benchmarks of the CPU backend: the standard expressions over 1e7 float64
//! elements (f32 and complex128 variants too), each next to a hand-written Rust loop
//! (the practical limit), plus compile time and small-call overhead.
//!
//! `cargo bench --bench expr` (set `NEXPR_BENCH_N` to change the size).

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array1;
use nexpr::{Expr, Target, Vars};
use num_complex::Complex64;
use std::hint::black_box;
use std::time::Duration;

fn n() -> usize {
    std::env::var("NEXPR_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000)
}

/// Uniform [0, 1) from a fixed-seed generator.
fn uniform(n: usize, seed: u64) -> Array1<f64> {
    let mut s = seed.wrapping_mul(0x9e3779b97f4a7c15) | 1;
    Array1::from_iter((0..n).map(|_| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }))
}

fn exprs(c: &mut Criterion) {
    let n = n();
    let a = uniform(n, 1);
    let b = uniform(n, 2);
    let cc = uniform(n, 3);
    let f = a.mapv(|x| x as f32);
    let g = b.mapv(|x| x as f32);
    let z = Array1::from_iter(a.iter().zip(&b).map(|(&x, &y)| Complex64::new(x, y)));
    let zc = Array1::from_iter(a.iter().zip(&b).map(|(&x, &y)| Complex64::new(y, x)));
    let vars = Vars::new()
        .with("a", &a)
        .with("b", &b)
        .with("c", &cc)
        .with("f", &f)
        .with("g", &g)
        .with("z", &z)
        .with("zc", &zc);
    let (a, b, cc, f, g, z, zc) = (
        a.as_slice().unwrap(),
        b.as_slice().unwrap(),
        cc.as_slice().unwrap(),
        f.as_slice().unwrap(),
        g.as_slice().unwrap(),
        z.as_slice().unwrap(),
        zc.as_slice().unwrap(),
    );
    let mut out64 = vec![0.0f64; n];
    let mut out32 = vec![0.0f32; n];
    let mut outb = vec![false; n];
    let mut outz = vec![Complex64::default(); n];

    let mut group = c.benchmark_group("expr");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));

    macro_rules! nexpr_case {
        ($name:expr, $src:expr, $out:expr) => {
            for threads in [1, 2] {
                let k = Expr::parse($src)
                    .unwrap()
                    .compile(Target::Cpu { threads })
                    .unwrap();
                group.bench_function(format!("{} nexpr t{threads}", $name), |bench| {
                    bench.iter(|| {
                        let mut o = ndarray::ArrayViewMut1::from(&mut $out[..]);
                        k.eval_into(&vars, o.view_mut().into_dyn()).unwrap();
                    })
                });
            }
        };
    }
    macro_rules! hand {
        ($name:expr, $out:expr, $body:expr) => {
            let body = $body;
            group.bench_function(format!("{} hand", $name), |bench| {
                bench.iter(|| {
                    for (i, o) in $out.iter_mut().enumerate() {
                        *o = body(i);
                    }
                    black_box(&$out);
                })
            });
        };
    }

    nexpr_case!("2*a+3*b", "2*a+3*b", out64);
    hand!("2*a+3*b", out64, |i| 2.0 * a[i] + 3.0 * b[i]);
    nexpr_case!("a*b+c", "a*b+c", out64);
    hand!("a*b+c", out64, |i| a[i] * b[i] + cc[i]);
    nexpr_case!("where(a>b,a,b)", "where(a>b,a,b)", out64);
    hand!("where(a>b,a,b)", out64, |i| if a[i] > b[i] {
        a[i]
    } else {
        b[i]
    });
    nexpr_case!("(a>0.5)&(b<0.5)", "(a>0.5)&(b<0.5)", outb);
    hand!("(a>0.5)&(b<0.5)", outb, |i| (a[i] > 0.5) & (b[i] < 0.5));
    nexpr_case!("sin(a)**2+cos(b)**2", "sin(a)**2+cos(b)**2", out64);
    hand!("sin(a)**2+cos(b)**2", out64, |i: usize| a[i].sin().powi(2)
        + b[i].cos().powi(2));
    nexpr_case!("exp(-a*a)*log1p(b)", "exp(-a*a)*log1p(b)", out64);
    hand!("exp(-a*a)*log1p(b)", out64, |i: usize| (-a[i] * a[i]).exp()
        * b[i].ln_1p());
    nexpr_case!("2*f+3*g", "2*f+3*g", out32);
    hand!("2*f+3*g", out32, |i| 2.0 * f[i] + 3.0 * g[i]);
    nexpr_case!("z*z+zc", "z*z+zc", outz);
    hand!("z*z+zc", outz, |i| z[i] * z[i] + zc[i]);

    for threads in [1, 2] {
        let k = Expr::parse("sum(a*b)")
            .unwrap()
            .compile(Target::Cpu { threads })
            .unwrap();
        group.bench_function(format!("sum(a*b) nexpr t{threads}"), |bench| {
            bench.iter(|| black_box(k.eval(&vars).unwrap()))
        });
    }
    group.bench_function("sum(a*b) hand", |bench| {
        bench.iter(|| {
            let mut acc = [0.0f64; 8];
            for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
                for k in 0..8 {
                    acc[k] += x[k] * y[k];
                }
            }
            black_box(acc.iter().sum::<f64>())
        })
    });
    group.finish();
}

fn overhead(c: &mut Criterion) {
    let a = uniform(10, 1);
    let b = uniform(10, 2);
    let vars = Vars::new().with("a", &a).with("b", &b);
    let mut group = c.benchmark_group("overhead");
    group.sample_size(50);
    let mut k = 0u64;
    group.bench_function("compile new expression", |bench| {
        bench.iter(|| {
            // A fresh constant makes a new IR text: a cache miss every time.
            k += 1;
            let e = Expr::parse(&format!("2*a + b*{k}.5")).unwrap();
            black_box(
                e.compile(Target::Cpu { threads: 1 })
                    .unwrap()
                    .eval(&vars)
                    .unwrap(),
            )
        })
    });
    let kern = Expr::parse("2*a+3*b")
        .unwrap()
        .compile(Target::Cpu { threads: 2 })
        .unwrap();
    group.bench_function("eval 10 elements", |bench| {
        bench.iter(|| black_box(kern.eval(&vars).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, exprs, overhead);
criterion_main!(benches);
