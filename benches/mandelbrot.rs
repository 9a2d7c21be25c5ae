//! Mandelbrot at n = 200, maxi = 256: naive masked arrays vs. the numexpr-style
//! expression sequence vs. the fused program `kernels/mandelbrot.nx` on the CPU target.
//!
//! `cargo bench --bench mandelbrot`. A target that cannot run here (backend error) is
//! reported and left out. `examples/mandelbrot/` has the full comparison with tables,
//! a size sweep and plots; this is the regression benchmark.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::ArrayD;
use nexpr::{ErrorKind, Program, Target};
use std::hint::black_box;
use std::time::Duration;

const N: usize = 200;
const MAXI: i32 = 256;
const PROGRAM: &str = include_str!("../kernels/mandelbrot.nx");

// The methods themselves are the example's, so the two time the same code.
#[path = "../examples/mandelbrot/methods.rs"]
#[allow(dead_code)]
mod methods;

use methods::{fused_into as fused, grid, naive, ExprSeq};

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
    let Target::Cpu { threads } = Target::cpu() else {
        unreachable!("Target::cpu is a CPU target")
    };
    let mut g = cr.benchmark_group(format!("mandelbrot_n{N}_maxi{MAXI}"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("naive", |b| b.iter(|| black_box(naive(&c, MAXI))));

    let target = Target::Cpu { threads };
    let label = format!("cpu{threads}");
    match ExprSeq::new(target) {
        Ok(seq) => {
            if usable("expression sequence", &want, || seq.run_into(&c, MAXI)).is_some() {
                g.bench_function(format!("expr_seq_{label}"), |b| {
                    b.iter(|| black_box(seq.run_into(&c, MAXI)))
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
