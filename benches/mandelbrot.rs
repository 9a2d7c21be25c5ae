//! Mandelbrot at n = 200, maxi = 256: naive masked arrays vs. the numexpr-style
//! expression sequence vs. the fused program `kernels/mandelbrot.nx` on the CPU target.
//!
//! `cargo bench --bench mandelbrot`. A target that cannot run here (backend error) is
//! reported and left out. `examples/mandelbrot.rs` has the full comparison with tables,
//! a size sweep and plots; this is the regression benchmark.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{ArrayD, IxDyn, Zip};
use nexpr::{DynArray, ErrorKind, Expr, Kernel, Program, Target, Vars};
use num_complex::Complex64;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 200;
const MAXI: i32 = 256;
const PROGRAM: &str = include_str!("../kernels/mandelbrot.nx");

/// NumPy's linspace: the last point is exactly `stop`.
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
    v[n - 1] = stop;
    v
}

fn grid(n: usize) -> ArrayD<Complex64> {
    let xs = linspace(-2.0, 1.0, n);
    let ys = linspace(-1.0, 1.0, n);
    ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| Complex64::new(xs[ix[1]], ys[ix[0]]))
}

/// The NumPy algorithm, one temporary per operator (see examples/mandelbrot.rs).
fn naive(c: &ArrayD<Complex64>, maxi: i32) -> ArrayD<i32> {
    let mut z = ArrayD::<Complex64>::zeros(c.raw_dim());
    let mut escape = ArrayD::from_elem(c.raw_dim(), maxi);
    for i in 1..maxi {
        let mask = escape.mapv(|e| e == maxi);
        let pick = |a: &ArrayD<Complex64>| -> Vec<Complex64> {
            a.iter()
                .zip(mask.iter())
                .filter(|(_, &m)| m)
                .map(|(&v, _)| v)
                .collect()
        };
        let squared: Vec<Complex64> = pick(&z).iter().map(|v| v * v).collect();
        let updated: Vec<Complex64> = squared.iter().zip(&pick(c)).map(|(a, b)| a + b).collect();
        let mut it = updated.into_iter();
        Zip::from(&mut z).and(&mask).for_each(|x, &m| {
            if m {
                if let Some(v) = it.next() {
                    *x = v;
                }
            }
        });
        let big = z.mapv(|v| v.norm()).mapv(|a| a > 2.0);
        let hit = &mask & &big;
        escape.zip_mut_with(&hit, |e, &h| {
            if h {
                *e = i;
            }
        });
    }
    escape
}

struct ExprSeq {
    mask: Kernel,
    z: Kernel,
    escape: Kernel,
}

impl ExprSeq {
    fn new(target: Target) -> nexpr::Result<ExprSeq> {
        Ok(ExprSeq {
            mask: Expr::parse("escape == maxi")?.compile(target)?,
            z: Expr::parse("where(mask, z**2 + c, 0)")?.compile(target)?,
            escape: Expr::parse("where(mask & (abs(z) > 2), i, escape)")?.compile(target)?,
        })
    }

    fn run(&self, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
        let dim = c.raw_dim();
        let mut z = ArrayD::<Complex64>::zeros(dim.clone());
        let mut z_next = z.clone();
        let mut escape = ArrayD::from_elem(dim.clone(), maxi);
        let mut escape_next = escape.clone();
        let mut mask = ArrayD::from_elem(dim, false);
        let maxi_a = DynArray::scalar(maxi);
        for i in 1..maxi {
            let i_a = DynArray::scalar(i);
            let vars = Vars::new().with("escape", &escape).with("maxi", &maxi_a);
            self.mask.eval_into(&vars, &mut mask)?;
            let vars = Vars::new().with("mask", &mask).with("z", &z).with("c", c);
            self.z.eval_into(&vars, &mut z_next)?;
            std::mem::swap(&mut z, &mut z_next);
            let vars = Vars::new()
                .with("mask", &mask)
                .with("z", &z)
                .with("i", &i_a)
                .with("escape", &escape);
            self.escape.eval_into(&vars, &mut escape_next)?;
            std::mem::swap(&mut escape, &mut escape_next);
        }
        Ok(escape)
    }
}

fn fused(k: &Kernel, c: &ArrayD<Complex64>, maxi: i32) -> nexpr::Result<ArrayD<i32>> {
    let mut escape = ArrayD::<i32>::zeros(c.raw_dim());
    let maxi_a = DynArray::scalar(maxi);
    k.eval_into(&Vars::new().with("c", c).with("maxi", &maxi_a), &mut escape)?;
    Ok(escape)
}

/// Runs `f` once (compiling on first use) and checks it against the naive result;
/// `None` when the target cannot run here. Any other failure is a bug and panics.
fn usable(
    what: &str,
    want: &ArrayD<i32>,
    f: impl Fn() -> nexpr::Result<ArrayD<i32>>,
) -> Option<()> {
    match f() {
        Ok(got) => {
            assert_eq!(&got, want, "{what} disagrees with the naive version");
            Some(())
        }
        Err(e) if e.kind == ErrorKind::Backend => {
            eprintln!("{what}: skipped: {}", e.message);
            None
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

fn bench(cr: &mut Criterion) {
    let c = grid(N);
    let want = naive(&c, MAXI);
    let threads = nexpr::api::default_threads();
    let mut g = cr.benchmark_group(format!("mandelbrot_n{N}_maxi{MAXI}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("naive", |b| b.iter(|| black_box(naive(&c, MAXI))));

    let target = Target::Cpu { threads };
    let label = format!("cpu{threads}");
    match ExprSeq::new(target) {
        Ok(seq) => {
            if usable("expression sequence", &want, || seq.run(&c, MAXI)).is_some() {
                g.bench_function(format!("expr_seq_{label}"), |b| {
                    b.iter(|| black_box(seq.run(&c, MAXI)))
                });
            }
        }
        Err(e) => eprintln!("expression sequence: skipped: {}", e.message),
    }
    // One thread (comparable with scalar C) and all of them.
    let mut thread_counts = vec![1];
    if threads > 1 {
        thread_counts.push(threads);
    }
    for t in thread_counts {
        let target = Target::Cpu { threads: t };
        match Program::parse(PROGRAM).and_then(|p| p.compile(target)) {
            Ok(k) => {
                if usable("fused program", &want, || fused(&k, &c, MAXI)).is_some() {
                    g.bench_function(format!("fused_cpu{t}"), |b| {
                        b.iter(|| black_box(fused(&k, &c, MAXI)))
                    });
                }
            }
            Err(e) => eprintln!("fused program: skipped: {}", e.message),
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
