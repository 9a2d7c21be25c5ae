//! `CancelToken`: an evaluation stops soon after its token is cancelled, on every
//! CPU path (the scalar loop, the predicated vector loop, threads, steps, streams) and
//! in the interpreter, and returns no result (the command's SIGINT and SIGTERM:
//! `cli/tests/cli/cancel.rs`).

use nexpr::io::{Input, MemorySink};
use nexpr::{CancelToken, CpuOptions, DynArray, ErrorKind, Options, Program, Simd, Target, Vars};
use num_complex::Complex64;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// 10^12 iterations per element: only cancellation ends it.
const FOREVER: &str = "output y\ny = a\nfor i in range(10**12):\n    y = y + 1.0\n";

/// The Mandelbrot kernel's loop with a `break` and an `if`, never leaving the set.
const MANDEL: &str = "output escape\nz = 0j\nescape = maxi\nfor i in range(1, maxi):\n    z = z*z + c\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = i\n        break\n";

fn options(simd: Simd) -> Options {
    Options {
        cpu: CpuOptions {
            simd,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Runs `f` on another thread, cancels the token after `after`, and returns what
/// `f` returned and how long it took from the cancellation.
fn cancel_after<T: Send>(
    token: &CancelToken,
    after: Duration,
    f: impl FnOnce() -> T + Send,
) -> (T, Duration) {
    std::thread::scope(|s| {
        let worker = s.spawn(f);
        std::thread::sleep(after);
        let t = Instant::now();
        token.cancel();
        let r = worker.join().expect("no panic");
        (r, t.elapsed())
    })
}

fn assert_cancelled<T: std::fmt::Debug>(r: nexpr::Result<T>, took: Duration, what: &str) {
    let e = r.expect_err("a cancelled evaluation returns no result");
    assert_eq!(e.kind, ErrorKind::Cancelled, "{what}: {e}");
    assert_eq!(e.to_string(), "interrupted: evaluation cancelled");
    assert!(
        took < Duration::from_millis(100),
        "{what}: stopped after {took:?}"
    );
}

#[test]
fn a_loop_of_10_to_12_iterations_stops_within_100_ms() {
    let a = ndarray::Array1::<f64>::zeros(1);
    let targets = [
        ("scalar loop", Target::Cpu { threads: 1 }, Simd::Off),
        ("vector loop", Target::Cpu { threads: 1 }, Simd::All),
        ("interpreter", Target::Interp, Simd::All),
    ];
    for (what, target, simd) in targets {
        let k = Program::parse(FOREVER)
            .unwrap()
            .compile_with(target, &options(simd))
            .unwrap();
        let token = CancelToken::new();
        let vars = Vars::new().with("a", &a).with_cancel(&token);
        let (r, took) = cancel_after(&token, Duration::from_millis(50), || k.run(&vars));
        assert_cancelled(r, took, what);
    }
}

#[test]
fn threads_steps_and_streams_stop() {
    // Enough elements for every thread to be in a loop when the token is cancelled.
    let c = ndarray::Array1::from_elem(200_000, Complex64::new(0.0, 0.0));
    let maxi = DynArray::scalar(i32::MAX);
    let k = Program::parse(MANDEL)
        .unwrap()
        .compile(Target::Cpu { threads: 4 })
        .unwrap();
    let token = CancelToken::new();
    let vars = Vars::new()
        .with("c", &c)
        .with("maxi", &maxi)
        .with_cancel(&token);
    let (r, took) = cancel_after(&token, Duration::from_millis(50), || k.run(&vars));
    assert_cancelled(r, took, "threads");

    let token = CancelToken::new();
    let vars = Vars::new()
        .with("c", &c)
        .with("maxi", &maxi)
        .with_cancel(&token);
    let mut steps = k.steps(&vars).unwrap().expect("the CPU target steps");
    assert!(steps.cancel_token().is_some());
    let (r, took) = cancel_after(&token, Duration::from_millis(50), || steps.step(100_000));
    assert_cancelled(r, took, "steps");
    assert_eq!(steps.done(), 0, "a cancelled step does not advance");
    assert_eq!(steps.step(1).unwrap_err().kind, ErrorKind::Cancelled);
    assert!(steps.finish().is_err());

    let token = CancelToken::new();
    let mut inputs = BTreeMap::from([
        ("c".to_string(), Input::from_array(c.clone().into_dyn())),
        ("maxi".to_string(), Input::from_array(maxi.clone())),
    ]);
    let mut sink = MemorySink::new();
    let (r, took) = cancel_after(&token, Duration::from_millis(50), || {
        k.eval_streamed_with_cancel(&mut inputs, &mut sink, &token)
    });
    assert_cancelled(r, took, "stream");
    assert!(sink.finish().is_err(), "no partial result");
}

#[test]
fn a_cancelled_token_stops_every_call_and_others_run_on() {
    let a = ndarray::Array1::from_iter((0..50_000).map(|i| i as f64));
    let token = CancelToken::new();
    token.cancel();
    let cancelled = Vars::new().with("a", &a).with_cancel(&token);
    let free = Vars::new().with("a", &a);
    let short = "output y\ny = a\nfor i in range(3):\n    y = y * 0.5\n";
    for target in [
        Target::Cpu { threads: 1 },
        Target::Cpu { threads: 2 },
        Target::Interp,
    ] {
        for src in [short, "output y\ny = a + 1\n"] {
            let k = Program::parse(src).unwrap().compile(target).unwrap();
            let e = k.run(&cancelled).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Cancelled, "{src} on {target:?}");
            let mut out = ndarray::Array1::<f64>::zeros(a.len());
            let e = k.eval_into(&cancelled, &mut out).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Cancelled);
            // The same kernel, without the token, still runs (and compiled kernels
            // give the interpreter's result).
            let expected = Program::parse(src)
                .unwrap()
                .compile(Target::Interp)
                .unwrap()
                .eval(&free)
                .unwrap();
            assert_eq!(k.eval(&free).unwrap(), expected, "{src} on {target:?}");
        }
    }
}
