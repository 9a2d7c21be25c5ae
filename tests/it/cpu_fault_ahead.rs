//! Fresh outputs of 4 MiB and more, evaluated on several threads, have their pages
//! faulted in ahead of the threads that compute (`CpuOptions::fault_ahead`): the
//! results must be bit for bit those of the interpreter and of the same kernel with
//! the option off, for outputs of every width at once, for stepped evaluations (whose
//! spans start anywhere in a page), and an error in the middle must come back.

use crate::common::cmp::{compare_all, Tol};
use nexpr::{CpuOptions, DynArray, Expr, Options, Program, Target, Vars};
use num_complex::Complex64;

/// Not a multiple of the chunk or of a huge page's elements: the last group is partial.
const N: usize = 1_234_567;

fn options(fault_ahead: bool) -> Options {
    Options {
        cpu: CpuOptions {
            fast_math: false,
            fault_ahead,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn inputs() -> (
    ndarray::Array1<f64>,
    ndarray::Array1<f64>,
    ndarray::Array1<Complex64>,
) {
    let a = ndarray::Array1::from_iter((0..N).map(|i| (i as f64 * 0.37).sin()));
    let b = ndarray::Array1::from_iter((0..N).map(|i| (i % 1000) as f64 - 500.0));
    let z = ndarray::Array1::from_iter((0..N).map(|i| Complex64::new(a[i], b[i] * 1e-3)));
    (a, b, z)
}

/// Bit for bit the same (NaNs equal).
fn assert_same(what: &str, want: &DynArray, got: &DynArray) {
    if let Err(e) = compare_all(want, got, Tol::BITS) {
        panic!("{what}: {e}");
    }
}

#[test]
fn fresh_outputs_of_every_width_match() {
    let (a, b, z) = inputs();
    let vars = Vars::new().with("a", &a).with("b", &b).with("z", &z);
    // bool (1.2 MB: below the threshold), int64, float64 and complex128 outputs.
    let src = "output m, k, x, w\nm = a > 0.5\nk = b // 3\nx = 2*a + sin(b)\nw = z*z + a\n";
    let p = Program::parse(src).unwrap();
    let want = p.compile(Target::Interp).unwrap().run(&vars).unwrap();
    for threads in [2, 3, 4] {
        for fault_ahead in [true, false] {
            let k = p
                .compile_with(Target::Cpu { threads }, &options(fault_ahead))
                .unwrap();
            let got = k.run(&vars).unwrap();
            for (name, w) in &want {
                let what = format!("{name}, {threads} threads, fault_ahead {fault_ahead}");
                assert_same(&what, w, &got[name]);
            }
        }
    }
}

/// Stepped evaluations write spans of fresh outputs that start in the middle of pages.
#[test]
fn stepped_spans_match() {
    let (a, b, _) = inputs();
    let vars = Vars::new().with("a", &a).with("b", &b);
    let e = Expr::parse("a*b + 1").unwrap();
    let want = e.compile(Target::Interp).unwrap().eval(&vars).unwrap();
    let k = e
        .compile_with(Target::Cpu { threads: 2 }, &options(true))
        .unwrap();
    for span in [600_001, 1 << 20, N] {
        let mut steps = k.steps(&vars).unwrap().expect("the CPU steps");
        while !steps.is_done() {
            steps.step(span).unwrap();
        }
        let got = steps.finish().unwrap();
        assert_same(&format!("spans of {span}"), &want, &got[0]);
    }
}

#[test]
fn an_error_in_the_middle_comes_back() {
    let k =
        ndarray::Array1::from_iter((0..N as i64).map(|i| if i == N as i64 / 2 { -1 } else { 2 }));
    let vars = Vars::new().with("k", &k);
    for threads in [2, 4] {
        let r = Expr::parse("k ** k")
            .unwrap()
            .compile_with(Target::Cpu { threads }, &options(true))
            .unwrap()
            .eval(&vars);
        let err = r.expect_err("a negative integer power");
        assert!(err.to_string().contains("negative integer powers"), "{err}");
    }
}
