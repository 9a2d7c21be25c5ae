//! Kernels with many different thread counts share one pool of workers: the process
//! does not accumulate threads, and every count gives the same results.

use nexpr::{Expr, Target, Vars};

/// The threads of this process (Linux).
fn os_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn thread_counts_share_one_bounded_pool() {
    // Large enough to be split over threads (see CpuOptions::parallel_min).
    let a = ndarray::Array1::from_iter((0..300_000).map(|i| (i % 977) as f64)).into_dyn();
    let vars = Vars::new().with("a", &a);
    let e = Expr::parse("sin(a) * 2 + a").unwrap();
    let want = e
        .compile(Target::Cpu { threads: 1 })
        .unwrap()
        .eval(&vars)
        .unwrap();
    let sum = Expr::parse("sum(a * 2)").unwrap();
    let want_sum = sum
        .compile(Target::Cpu { threads: 1 })
        .unwrap()
        .eval(&vars)
        .unwrap();
    let before = os_threads();
    let mut kernels = Vec::new();
    for threads in (2..=40).chain([1000, 100_000]) {
        let k = e.compile(Target::Cpu { threads }).unwrap();
        assert_eq!(k.eval(&vars).unwrap(), want, "{threads} threads");
        let s = sum.compile(Target::Cpu { threads }).unwrap();
        assert_eq!(s.eval(&vars).unwrap(), want_sum, "{threads} threads");
        // Kept alive: live kernels must not pin threads of their own either.
        kernels.push((k, s));
    }
    if let (Some(before), Some(after)) = (before, os_threads()) {
        let cap = Target::max_threads();
        assert!(
            after <= before + cap + 1,
            "{before} threads before, {after} after (cap {cap})"
        );
    }
}
