//! Compile time grows linearly with the number of statements (it used to grow with
//! their square: name lookups, per-statement scans of the whole IR arena, interleaved
//! vector groups in huge loop bodies). Timing on a shared machine is noisy, so the
//! check is ignored by default: `cargo test --release --test it hostile_compile_time --
//! --ignored`.

use nexpr::{Program, Target, Vars};
use std::time::{Duration, Instant};

/// `n` statements, each assigning a new local from the previous one, optionally in
/// the body of a loop.
fn program(n: usize, in_loop: bool) -> String {
    let pad = if in_loop { "    " } else { "" };
    let mut src = String::from("output y\ny = a\n");
    if in_loop {
        src += "for i in range(3):\n";
    }
    for k in 0..n / 2 {
        src += &format!("{pad}t{k} = y * 0.5 + {k}\n{pad}y = t{k} - a\n");
    }
    src
}

/// The fastest of three compilations (first evaluation included) on `target`.
fn compile_time(src: &str, target: Target) -> Duration {
    let a = ndarray::arr1(&[1.0f64]).into_dyn();
    let vars = Vars::new().with("a", &a);
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let k = Program::parse(src).unwrap().compile(target).unwrap();
            k.run(&vars).unwrap();
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
#[ignore = "timing: run alone, in release"]
fn compile_time_is_linear_in_statements() {
    for in_loop in [false, true] {
        for target in [Target::Interp, Target::Cpu { threads: 1 }] {
            let t = |n| compile_time(&program(n, in_loop), target);
            let (small, large) = (t(10_000), t(40_000));
            let ratio = large.as_secs_f64() / small.as_secs_f64();
            eprintln!("loop {in_loop}, {target:?}: 10k {small:?}, 40k {large:?}, x{ratio:.1}");
            // Linear is 4; quadratic would be 16.
            assert!(ratio < 8.0, "x{ratio:.1}");
        }
    }
}
