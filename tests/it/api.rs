//! The public API's contracts: what `eval_into` and `eval_in_place` do with a program
//! of several outputs, typed access to results, and errors instead of panics.

use ndarray::{arr1, ArrayD};
use nexpr::{DType, DynArray, DynViewMut, ErrorKind, Expr, Program, Target, Vars};

const TWO_OUTPUTS: &str = "output s, t\ns = a + 1\nt = a * 2\n";

/// The targets every test here runs on (CUDA is covered by `cuda_differential`).
const TARGETS: [Target; 3] = [
    Target::Interp,
    Target::Cpu { threads: 1 },
    Target::Cpu { threads: 2 },
];

#[test]
fn eval_into_a_program_with_two_outputs_is_an_error_everywhere() {
    let a = arr1(&[1.0f64, 2.0, 3.0]);
    let vars = Vars::new().with("a", &a);
    let p = Program::parse(TWO_OUTPUTS).unwrap();
    for target in TARGETS {
        let k = p.compile(target).unwrap();
        let mut out = ndarray::Array1::<f64>::from_elem(3, -1.0);
        let e = k.eval_into(&vars, &mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage, "{target:?}: {e}");
        assert!(
            e.message.contains("s, t") && e.message.contains("run"),
            "{e}"
        );
        assert_eq!(out.to_vec(), vec![-1.0; 3], "{target:?}: out was written");
        let mut z = a.clone();
        let e = k.eval_in_place(&Vars::new(), "a", &mut z).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage, "{target:?}: {e}");
        assert_eq!(z, a, "{target:?}: the array was written");
        // `run` gives both; `eval` the first.
        let outs = k.run(&vars).unwrap();
        assert_eq!(
            outs["t"].as_array::<f64>().unwrap().as_slice().unwrap(),
            &[2.0, 4.0, 6.0]
        );
        assert_eq!(k.eval(&vars).unwrap(), outs["s"]);
    }
    // A program with one output is fine.
    let one = Program::parse("output t\nt = a * 2\n").unwrap();
    for target in TARGETS {
        let mut out = ndarray::Array1::<f64>::zeros(3);
        one.compile(target)
            .unwrap()
            .eval_into(&vars, &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), vec![2.0, 4.0, 6.0], "{target:?}");
    }
}

#[test]
fn eval_into_checks_dtype_and_shape_on_every_target() {
    let a = arr1(&[1.0f64, 2.0, 3.0]);
    let vars = Vars::new().with("a", &a);
    for target in TARGETS {
        let k = Expr::parse("a + 1").unwrap().compile(target).unwrap();
        let mut f32s = ndarray::Array1::<f32>::zeros(3);
        assert_eq!(
            k.eval_into(&vars, &mut f32s).unwrap_err().kind,
            ErrorKind::DType
        );
        let mut short = ndarray::Array1::<f64>::zeros(2);
        assert_eq!(
            k.eval_into(&vars, &mut short).unwrap_err().kind,
            ErrorKind::Shape
        );
        // A strided destination goes through a copy.
        let mut wide = ndarray::Array1::<f64>::zeros(6);
        let mut every_other = wide.slice_mut(ndarray::s![..;2]);
        k.eval_into(&vars, every_other.view_mut()).unwrap();
        assert_eq!(
            wide.to_vec(),
            vec![2.0, 0.0, 3.0, 0.0, 4.0, 0.0],
            "{target:?}"
        );
        // A reduction into a 0-d array.
        let s = Expr::parse("sum(a)").unwrap().compile(target).unwrap();
        let mut total = ndarray::arr0(0.0f64);
        s.eval_into(&vars, &mut total).unwrap();
        assert_eq!(total[()], 6.0);
        let mut wrong = ndarray::Array1::<f64>::zeros(3);
        assert_eq!(
            s.eval_into(&vars, &mut wrong).unwrap_err().kind,
            ErrorKind::Shape
        );
    }
}

#[test]
fn assign_reports_mismatches() {
    let mut a = ndarray::Array2::<i64>::zeros((2, 2));
    let mut v = DynViewMut::from(&mut a);
    let ints = DynArray::from(ArrayD::from_elem(ndarray::IxDyn(&[2, 2]), 7i64));
    let bools = DynArray::zeros(DType::Bool, &[2, 2]);
    let long = DynArray::zeros(DType::I64, &[4]);
    assert_eq!(v.assign(&bools).unwrap_err().kind, ErrorKind::DType);
    assert_eq!(v.assign(&long).unwrap_err().kind, ErrorKind::Shape);
    v.assign(&ints).unwrap();
    assert_eq!(a.sum(), 28);
}

#[test]
fn typed_results() {
    let r = Expr::parse("a > 1")
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .eval(&Vars::new().with("a", &arr1(&[0.5f64, 2.0])))
        .unwrap();
    let e = r.clone().into_array::<f64>().unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType);
    assert!(
        e.message.contains("bool") && e.message.contains("float64"),
        "{e}"
    );
    let b: ArrayD<bool> = r.try_into().unwrap();
    assert_eq!(b.into_raw_vec_and_offset().0, vec![false, true]);
}

#[test]
fn errors_keep_kind_message_span_and_text() {
    let e = Expr::parse("a + (b").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.text.as_deref(), Some("a + (b"));
    assert!(e.span.is_some() && !e.message.is_empty());
    // The expression text is not the error's `source()`: that is for a causing error.
    assert!(std::error::Error::source(&e).is_none());
}

/// `Kernel::steps` gives what `run` gives, bit for bit, whatever the span sizes:
/// elementwise outputs, fused float reductions (chunk partials), integer sums that
/// `run` reduces from the elementwise values, axis reductions, several outputs.
#[test]
fn steps_give_the_result_of_run_bit_for_bit() {
    let n = 3 * 8192 + 123;
    let a = ndarray::Array1::from_iter((0..n).map(|i| ((i * 7919) % 1000) as f64 * 0.37 - 150.0));
    let b = ndarray::Array1::from_iter((0..n).map(|i| ((i * 104_729) % 997) as f64 * 1e-3));
    let i = ndarray::Array1::from_iter((0..n).map(|k| (k as i32).wrapping_mul(48_271)));
    let m = a.clone().into_shape_with_order((n / 3, 3)).unwrap();
    let mut vars = Vars::new().with("a", &a).with("b", &b).with("i", &i);
    vars.insert("m", &m);
    let cases: [(&str, bool); 9] = [
        ("sin(a) * b + 1", false),
        ("sum(sin(a) * b)", false),
        ("sum(a * 1e-3 + b * 1j)", false),
        ("prod(1 + b * 1e-4)", false),
        ("min(a - b)", false),
        ("sum(i)", false),
        ("sum(m * 2, axis=0)", false),
        ("max(m, axis=1)", false),
        (TWO_OUTPUTS, true),
    ];
    for target in TARGETS {
        for (src, program) in cases {
            let k = if program {
                Program::parse(src).unwrap().compile(target).unwrap()
            } else {
                Expr::parse(src).unwrap().compile(target).unwrap()
            };
            let mut run = k.run(&vars).unwrap();
            let whole: Vec<DynArray> = k
                .output_names()
                .iter()
                .map(|name| run.remove(name).unwrap())
                .collect();
            for span in [1, 1000, 8192, 20_000, usize::MAX] {
                let mut steps = k.steps(&vars).unwrap().expect("CPU and interp step");
                let mut calls = 0;
                while !steps.is_done() {
                    let before = steps.done();
                    steps.step(span).unwrap();
                    assert!(steps.done() > before);
                    calls += 1;
                }
                assert!(calls >= 1);
                let got = steps.finish().unwrap();
                assert_eq!(
                    format!("{got:?}"),
                    format!("{whole:?}"),
                    "{target:?} {src:?} in spans of {span}"
                );
            }
        }
    }
}

#[test]
fn steps_refuse_to_finish_early_and_skip_empty_inputs() {
    let a = ndarray::Array1::from_iter((0..50_000).map(|i| i as f64));
    let vars = Vars::new().with("a", &a);
    for target in TARGETS {
        let k = Expr::parse("sum(a * 2)").unwrap().compile(target).unwrap();
        let mut steps = k.steps(&vars).unwrap().unwrap();
        steps.step(10).unwrap();
        assert_eq!(steps.len(), 50_000);
        assert!(!steps.is_done());
        let e = steps.finish().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage, "{e}");
        let empty = ndarray::Array1::<f64>::zeros(0);
        assert!(k.steps(&Vars::new().with("a", &empty)).unwrap().is_none());
    }
}

/// Built without the `cuda` feature, the CUDA target is an error that says so; the
/// CUDA C can still be printed.
#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_target_without_the_feature_is_a_backend_error() {
    let e = nexpr::Expr::parse("a + 1")
        .unwrap()
        .compile(nexpr::Target::Cuda { device: 0 })
        .unwrap_err();
    assert_eq!(e.kind, nexpr::ErrorKind::Backend);
    assert!(e.message.contains("`cuda` feature"), "{}", e.message);
    let a = ndarray::arr1(&[1.0f64]);
    let vars = nexpr::Vars::new().with("a", &a);
    let k = nexpr::Expr::parse("a + 1")
        .unwrap()
        .compile(nexpr::Target::Interp)
        .unwrap();
    assert!(k
        .emit(&vars, nexpr::Emit::Cuda)
        .unwrap()
        .contains("__global__"));
}

#[test]
fn axis_none_is_the_whole_array_reduction() {
    let m = ndarray::Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as f64 * 0.25);
    let vars = Vars::new().with("m", &m);
    for target in [Target::Interp, Target::Cpu { threads: 2 }] {
        for op in ["sum", "prod", "min", "max"] {
            let whole = Expr::parse(&format!("{op}(m + 1)")).unwrap();
            let none = Expr::parse(&format!("{op}(m + 1, axis=None)")).unwrap();
            let want = whole.compile(target).unwrap().eval(&vars).unwrap();
            let got = none.compile(target).unwrap().eval(&vars).unwrap();
            assert_eq!(got, want, "{op} on {target:?}");
        }
    }
}
