//! Every row of the builtins table (`nexpr::internals::BUILTINS`) through every layer:
//! it parses; it type checks for exactly the dtypes its typing rule accepts; the
//! interpreter evaluates it; the CPU backend compiles it and agrees with the
//! interpreter bit for bit (libmvec off); the CUDA emitter writes it. A function added
//! to the table without its implementation in some layer fails here.

use crate::common::cmp::{compare_all, Tol};
use ndarray::{ArrayD, IxDyn};
use nexpr::internals::{Builtin, BUILTINS};
use nexpr::{DType, DynArray, Emit, Expr, Options, Target, Vars};
use num_complex::{Complex32, Complex64};

/// Values with the edge cases the functions treat specially; long enough for the
/// vector loop and its remainder.
const VALUES: [f64; 19] = [
    -3.0,
    -1.5,
    -1.0,
    -0.5,
    -0.0,
    0.0,
    0.25,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    7.0,
    1e-310,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    -1e300,
];

/// `VALUES` as an array of `dtype` (`shift` varies the second operand); integers
/// take the values' truncation, bools whether they are above 0.5.
fn array(dtype: DType, shift: f64) -> DynArray {
    let xs: Vec<f64> = VALUES.iter().map(|v| v * 0.5 + shift).collect();
    let ints = || VALUES.iter().map(|v| (v.clamp(-1e6, 1e6) + shift) as i64);
    fn array<T>(v: Vec<T>) -> ArrayD<T> {
        let n = v.len();
        ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("shape")
    }
    match dtype {
        DType::Bool => DynArray::Bool(array(xs.iter().map(|&x| x > 0.5).collect())),
        DType::I32 => DynArray::I32(array(ints().map(|x| x as i32).collect())),
        DType::I64 => DynArray::I64(array(ints().collect())),
        DType::F32 => DynArray::F32(array(xs.iter().map(|&x| x as f32).collect())),
        DType::F64 => DynArray::F64(array(xs.clone())),
        DType::C64 => DynArray::C64(array(
            xs.iter()
                .zip(xs.iter().rev())
                .map(|(&re, &im)| Complex32::new(re as f32, im as f32))
                .collect(),
        )),
        DType::C128 => DynArray::C128(array(
            xs.iter()
                .zip(xs.iter().rev())
                .map(|(&re, &im)| Complex64::new(re, im))
                .collect(),
        )),
    }
}

fn call(f: &Builtin) -> String {
    match f.arity() {
        1 => format!("{}(a)", f.name),
        _ => format!("{}(a, b)", f.name),
    }
}

/// The row's function on operands of `dtype` through every layer.
fn check(f: &Builtin, dtype: DType) -> Result<(), String> {
    let src = call(f);
    let expr = Expr::parse(&src).map_err(|e| format!("parse: {e}"))?;
    let (a, b) = (array(dtype, 0.0), array(dtype, 0.375));
    let vars = Vars::new().with("a", &a).with("b", &b);
    let interp = expr.compile(Target::Interp).map_err(|e| e.to_string())?;
    let typed = interp.emit(&vars, Emit::Ir);
    match (f.accepts(dtype), typed) {
        (true, Ok(_)) => {}
        (false, Err(_)) => return Ok(()),
        (true, Err(e)) => return Err(format!("refused: {e}")),
        (false, Ok(_)) => return Err("accepted, but the row's rule refuses it".into()),
    }
    let want = interp
        .eval(&vars)
        .map_err(|e| format!("interpreter: {e}"))?;
    // The default (accurate) math gives the interpreter's bits.
    let exact = Options::default();
    let cpu = expr
        .compile_with(Target::Cpu { threads: 1 }, &exact)
        .and_then(|k| k.eval(&vars))
        .map_err(|e| format!("cpu: {e}"))?;
    compare_all(&want, &cpu, Tol::BITS).map_err(|e| format!("cpu vs interpreter: {e}"))?;
    interp
        .emit(&vars, Emit::Cuda)
        .map_err(|e| format!("cuda: {e}"))?;
    Ok(())
}

#[test]
fn every_builtin_works_in_every_layer_for_the_dtypes_it_accepts() {
    let mut failures = Vec::new();
    for f in BUILTINS {
        for dtype in DType::ALL {
            if let Err(e) = check(f, dtype) {
                failures.push(format!("{} of {dtype}: {e}", call(f)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_builtin_is_a_known_function_name() {
    let names = nexpr::internals::function_names();
    for f in BUILTINS {
        assert!(names.contains(&f.name), "{}", f.name);
    }
}

#[test]
fn wrong_arities_are_refused() {
    let a = array(DType::F64, 0.0);
    let vars = Vars::new().with("a", &a);
    for f in BUILTINS {
        let args = vec!["a"; f.arity() + 1].join(", ");
        let src = format!("{}({args})", f.name);
        let k = Expr::parse(&src).and_then(|e| e.compile(Target::Interp));
        let err = k.and_then(|k| k.eval(&vars)).expect_err(&src);
        assert!(err.to_string().contains("argument"), "{src}: {err}");
    }
}
