//! Reductions along an axis on the CPU: computed from windows of the elementwise
//! values (never the whole elementwise result), with the interpreter's values bit for
//! bit (NumPy's pairwise order of each lane's float sum), through `eval` and `steps`.

use nexpr::{CancelToken, DynArray, ErrorKind, Expr, Target, Vars};
use std::time::Duration;

const CPU: Target = Target::Cpu { threads: 2 };

/// Bits of every element (floats and complex by their bits, so NaN payloads aside
/// nothing is "equal" that differs).
fn bits(a: &DynArray) -> (Vec<usize>, Vec<String>) {
    let shape = a.shape().to_vec();
    let s = format!("{a:?}");
    let vals = match a {
        DynArray::F32(x) => x.iter().map(|v| v.to_bits().to_string()).collect(),
        DynArray::F64(x) => x.iter().map(|v| v.to_bits().to_string()).collect(),
        DynArray::C64(x) => x
            .iter()
            .map(|v| format!("{} {}", v.re.to_bits(), v.im.to_bits()))
            .collect(),
        DynArray::C128(x) => x
            .iter()
            .map(|v| format!("{} {}", v.re.to_bits(), v.im.to_bits()))
            .collect(),
        _ => vec![s],
    };
    (shape, vals)
}

/// Values whose float sums depend on the order of additions.
fn values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let k = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            (k as f64 / 7.0 - 1e5) * if i % 3 == 0 { 1e-7 } else { 1.0 }
        })
        .collect()
}

fn check(src: &str, vars: &Vars, what: &str) {
    let want = Expr::parse(src)
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .eval(vars)
        .unwrap();
    let k = Expr::parse(src).unwrap().compile(CPU).unwrap();
    let got = k.eval(vars).unwrap();
    assert_eq!(got.dtype(), want.dtype(), "{src} {what}");
    assert!(bits(&got) == bits(&want), "{src} {what}: eval differs");
    for span in [1, 300, 100_000] {
        let mut steps = k.steps(vars).unwrap().expect("the CPU target steps");
        while !steps.is_done() {
            steps.step(span).unwrap();
        }
        let got = steps.finish().unwrap().remove(0);
        assert!(
            bits(&got) == bits(&want),
            "{src} {what}: steps of {span} differ"
        );
    }
}

/// Shapes whose lanes are short and long (leaves, halvings, windows), contiguous
/// (`inner` 1) and strided, in one segment of whole rows or in tiles of columns.
#[test]
fn every_op_axis_and_dtype_matches_the_interpreter_bit_for_bit() {
    let shapes: [&[usize]; 7] = [
        &[5, 7],
        &[3, 1000],
        &[1000, 3],
        &[2, 300, 5],
        &[3, 2100],
        &[2100, 3],
        &[1, 40_000],
    ];
    for shape in shapes {
        let n: usize = shape.iter().product();
        let a = ndarray::ArrayD::from_shape_vec(shape.to_vec(), values(n)).unwrap();
        let i = a.mapv(|x| (x * 3.0) as i32);
        let f = a.mapv(|x| x as f32);
        let vars = Vars::new().with("a", &a).with("i", &i).with("f", &f);
        for axis in -1..shape.len() as i64 {
            for src in [
                format!("sum(a * 1.5, axis={axis})"),
                format!("sum(a + 0.5j * a, axis={axis})"),
                format!("sum(f * 3, axis={axis})"),
                format!("sum(f + 1j * f, axis={axis})"),
                format!("prod(1 + a * 1e-6, axis={axis})"),
                format!("min(a, axis={axis})"),
                format!("max(where(a > 0, a, log(a * 0 - 1)), axis={axis})"),
                format!("sum(i, axis={axis})"),
                format!("prod(i % 3 + 1, axis={axis})"),
                format!("max(i > 0, axis={axis})"),
            ] {
                check(&src, &vars, &format!("{shape:?}"));
            }
        }
    }
}

#[test]
fn strided_and_broadcast_inputs_match_the_interpreter() {
    let a = ndarray::Array2::from_shape_vec((300, 80), values(24_000)).unwrap();
    let t = a.t();
    let col = ndarray::Array2::from_shape_vec((300, 1), values(300)).unwrap();
    let vars = Vars::new().with("t", t).with("a", &a).with("c", &col);
    for axis in [0, 1] {
        check(&format!("sum(t * 2, axis={axis})"), &vars, "transposed");
        check(&format!("sum(a + c, axis={axis})"), &vars, "broadcast");
        check(&format!("min(a - c, axis={axis})"), &vars, "broadcast");
    }
}

#[test]
fn out_of_bounds_axes_and_empty_lanes_are_errors_as_before() {
    let a = ndarray::Array2::<f64>::zeros((3, 4));
    let e = ndarray::Array2::<f64>::zeros((3, 0));
    let vars = Vars::new().with("a", &a).with("e", &e);
    let k = Expr::parse("sum(a, axis=2)").unwrap().compile(CPU).unwrap();
    assert_eq!(k.eval(&vars).unwrap_err().kind, ErrorKind::Shape);
    let k = Expr::parse("min(e, axis=1)").unwrap().compile(CPU).unwrap();
    assert_eq!(k.eval(&vars).unwrap_err().kind, ErrorKind::Eval);
    let k = Expr::parse("sum(e, axis=1)").unwrap().compile(CPU).unwrap();
    assert_eq!(k.eval(&vars).unwrap().shape(), &[3]);
}

/// A sum along an axis of a broadcast whose elementwise result would be 2^40
/// elements (8 TiB) needs only its output: it runs (until cancelled) instead of
/// failing to allocate, and fails only when the output itself is too large.
#[test]
fn memory_is_bounded_by_the_output() {
    let col = ndarray::Array2::<f64>::zeros((1 << 20, 1));
    let row = ndarray::Array2::<f64>::zeros((1, 1 << 20));
    for axis in [0, 1] {
        let k = Expr::parse(&format!("sum(a + b, axis={axis})"))
            .unwrap()
            .compile(CPU)
            .unwrap();
        let token = CancelToken::new();
        let vars = Vars::new()
            .with("a", &col)
            .with("b", &row)
            .with_cancel(&token);
        let r = std::thread::scope(|s| {
            let worker = s.spawn(|| k.eval(&vars));
            std::thread::sleep(Duration::from_millis(300));
            token.cancel();
            worker.join().expect("no panic")
        });
        assert_eq!(r.unwrap_err().kind, ErrorKind::Cancelled, "axis={axis}");
    }
    // The output of 2^40 elements is what cannot be allocated.
    let one = ndarray::Array2::<f64>::ones((1, 1));
    let wide = one.broadcast((2, 1usize << 40)).unwrap().into_dyn();
    let vars = Vars::new().with("w", wide);
    let k = Expr::parse("sum(w, axis=0)").unwrap().compile(CPU).unwrap();
    assert_eq!(k.eval(&vars).unwrap_err().kind, ErrorKind::Memory);
}

/// A step covers whole groups of output columns (all of a narrow slab), so that a
/// sum over the long first axis is not cut into one column, and one evaluation, per
/// row (what made a stepped `sum(a, axis=0)` of 200000 x 20 take seconds).
#[test]
fn steps_cover_whole_groups_of_columns() {
    let a = ndarray::Array2::from_shape_vec((3000, 20), values(60_000)).unwrap();
    let vars = Vars::new().with("a", &a);
    let k = Expr::parse("sum(a, axis=0)").unwrap().compile(CPU).unwrap();
    let mut steps = k.steps(&vars).unwrap().unwrap();
    steps.step(1).unwrap();
    assert!(steps.is_done(), "{} of {}", steps.done(), steps.len());
    let wide = ndarray::Array2::from_shape_vec((3, 3000), values(9000)).unwrap();
    let vars = Vars::new().with("a", &wide);
    let mut steps = k.steps(&vars).unwrap().unwrap();
    steps.step(1).unwrap();
    assert_eq!(steps.done(), 3 * 1024, "1024 of 3000 columns");
}
