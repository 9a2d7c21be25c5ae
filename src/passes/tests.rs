//! The optimization passes never change a result: the interpreter running the
//! unoptimized IR and the optimized IR agree bit for bit.

use crate::array::{DynArray, Vars};
use crate::backend::interp::Interp;
use crate::backend::{Executable, OutBuf};
use crate::syntax::parse_expr;
use num_complex::Complex64;

fn run(func: &crate::ir::Func, vars: &Vars) -> Result<DynArray, crate::Error> {
    let names: Vec<String> = func.inputs.iter().map(|p| p.name.clone()).collect();
    let bound = crate::runtime::bind(&names, vars)?;
    let ty = func.vars[func.outputs[0] as usize].ty;
    let mut out = DynArray::zeros(ty, &bound.shape);
    Interp::new(func.clone()).run(&bound, &[OutBuf::of(&mut out)])?;
    Ok(out)
}

fn same(a: &DynArray, b: &DynArray) -> bool {
    use crate::value::Scalar;
    let s = |x: &DynArray| -> Vec<(crate::DType, u64, u64)> {
        match x {
            DynArray::Bool(v) => v.iter().map(|&e| Scalar::Bool(e).key()).collect(),
            DynArray::I32(v) => v.iter().map(|&e| Scalar::I32(e).key()).collect(),
            DynArray::I64(v) => v.iter().map(|&e| Scalar::I64(e).key()).collect(),
            DynArray::F32(v) => v.iter().map(|&e| Scalar::F32(e).key()).collect(),
            DynArray::F64(v) => v.iter().map(|&e| Scalar::F64(e).key()).collect(),
            DynArray::C64(v) => v.iter().map(|&e| Scalar::C64(e).key()).collect(),
            DynArray::C128(v) => v.iter().map(|&e| Scalar::C128(e).key()).collect(),
        }
    };
    a.shape() == b.shape() && s(a) == s(b)
}

const EXPRS: &[&str] = &[
    "i**5 + i**0 + i**1 + j**3",
    "z**7 + z**3 + z**-5 + z**2 + z**0 + z**-1 + z**99",
    "x**1. + x**0. + x**2 + x**-1 + x**0.5",
    "2*3 + x*(4-4) + sqrt(16.) + where(True, x, y)",
    "(x*y + sin(x*y)) / (x*y) + (x*y)",
    "where(x > 0.5, i // j, i % j) + (i << 3) - (j >> 1)",
    "complex(x, y) * z / (z + 1j) + abs(z)",
    "minimum(x, y) + maximum(y, x) + fmod(x, y) + copysign(x, -1.)",
    "where(isnan(x), 0, x) + float32(x) * 2",
];

#[test]
fn optimized_ir_gives_identical_results() {
    let x = ndarray::arr1(&[
        0.0f64,
        -0.0,
        1.5,
        -2.25,
        f64::NAN,
        f64::INFINITY,
        1e300,
        3.0,
    ]);
    let y = ndarray::arr1(&[1.0f64, 2.0, -0.5, 0.0, 7.0, -1.0, 1e-300, f64::NEG_INFINITY]);
    let i = ndarray::arr1(&[0i32, 1, -1, 7, i32::MIN, i32::MAX, 3, -5]);
    let j = ndarray::arr1(&[1i64, 0, -1, 2, -1, 3, 0, 9]);
    let z = ndarray::arr1(&[
        Complex64::new(0.0, 0.0),
        Complex64::new(1.0, -1.0),
        Complex64::new(-0.5, 2.0),
        Complex64::new(f64::NAN, 0.0),
        Complex64::new(0.0, f64::INFINITY),
        Complex64::new(3.0, 4.0),
        Complex64::new(1e-3, 1e3),
        Complex64::new(-1.0, 0.0),
    ]);
    let vars = Vars::new()
        .with("x", &x)
        .with("y", &y)
        .with("i", &i)
        .with("j", &j)
        .with("z", &z);
    for src in EXPRS {
        let ast = crate::sema::expr_program(&parse_expr(src).unwrap());
        let types = |n: &str| vars.input_type(n);
        let raw = crate::sema::check(&ast, &types, true).unwrap();
        let opt = super::optimize(&raw);
        assert_eq!(opt.verify(), Ok(()), "{src}");
        let a = run(&raw, &vars);
        let b = run(&opt, &vars);
        match (a, b) {
            (Ok(a), Ok(b)) => assert!(same(&a, &b), "{src}:\nraw {a:?}\nopt {b:?}"),
            (Err(a), Err(b)) => assert_eq!(a.message, b.message, "{src}"),
            (a, b) => panic!("{src}: {a:?} vs {b:?}"),
        }
    }
}

/// Arrays of every dtype with the values that tell the trivial operations apart from
/// anything else (NaN, infinities, signed zeros, negative numbers, extremes), 11
/// elements long so that the CPU's vector loop and its padded last step both run.
fn arrays_of_every_dtype() -> Vec<(crate::DType, DynArray)> {
    use crate::DType;
    use num_complex::Complex32;
    let f = [
        0.0f64,
        -0.0,
        1.5,
        -2.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        3.0,
        -7.0,
        1e300,
        0.5,
    ];
    let i = [
        0i64,
        1,
        -1,
        7,
        i32::MIN as i64,
        i32::MAX as i64,
        -8,
        3,
        2,
        5,
        -3,
    ];
    let z: Vec<Complex64> = f
        .iter()
        .zip(f.iter().rev())
        .map(|(&re, &im)| Complex64::new(re, im))
        .collect();
    fn arr<T>(v: Vec<T>) -> ndarray::ArrayD<T> {
        ndarray::Array1::from(v).into_dyn()
    }
    vec![
        (
            DType::Bool,
            DynArray::Bool(arr(i.iter().map(|&x| x % 2 != 0).collect())),
        ),
        (
            DType::I32,
            DynArray::I32(arr(i.iter().map(|&x| x as i32).collect())),
        ),
        (
            DType::I64,
            DynArray::I64(arr(i.iter().map(|&x| x * 1_000_000_007).collect())),
        ),
        (
            DType::F32,
            DynArray::F32(arr(f.iter().map(|&x| x as f32).collect())),
        ),
        (DType::F64, DynArray::F64(arr(f.to_vec()))),
        (
            DType::C64,
            DynArray::C64(arr(z
                .iter()
                .map(|c| Complex32::new(c.re as f32, c.im as f32))
                .collect())),
        ),
        (DType::C128, DynArray::C128(arr(z))),
    ]
}

/// The unary nodes of `f` that `passes::simplify` rewrites.
fn trivial_ops(f: &crate::ir::Func) -> Vec<String> {
    use crate::ir::Op;
    use crate::passes::simplify::meaning;
    f.nodes
        .iter()
        .filter_map(|n| match n.op {
            Op::Unary(op) => {
                let operand = f.node(n.args[0]).ty;
                meaning(op, operand).map(|_| format!("{op}({operand}) -> {}", n.ty))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn trivial_operations_are_simplified_away_with_unchanged_results() {
    use crate::{CpuOptions, Expr, Options, Simd, Target};
    let exact = |simd| Options {
        cpu: CpuOptions {
            fast_math: false,
            simd,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut removed = 0;
    for (dtype, array) in arrays_of_every_dtype() {
        let vars = Vars::new().with("x", &array);
        let functions = crate::ir::builtins::BUILTINS
            .iter()
            .filter(|f| f.arity() == 1);
        for src in functions.map(|f| format!("{}(x)", f.name)) {
            let ast = crate::sema::expr_program(&parse_expr(&src).unwrap());
            let types = |n: &str| vars.input_type(n);
            let Ok(raw) = crate::sema::check(&ast, &types, true) else {
                continue; // refused for this dtype, as NumPy refuses it
            };
            let opt = crate::passes::optimize(&raw);
            let what = format!("{src} on {dtype}");
            assert_eq!(opt.verify(), Ok(()), "{what}");
            assert_eq!(trivial_ops(&opt), Vec::<String>::new(), "{what}");
            assert_eq!(opt.output_types(), raw.output_types(), "{what}");
            removed += trivial_ops(&raw).len();
            let reference = run(&raw, &vars).unwrap();
            assert!(same(&reference, &run(&opt, &vars).unwrap()), "{what}");
            for simd in [Simd::All, Simd::Off] {
                let kernel = Expr::parse(&src)
                    .unwrap()
                    .compile_with(Target::Cpu { threads: 1 }, &exact(simd))
                    .unwrap();
                let got = kernel.eval(&vars).unwrap();
                assert!(
                    same(&reference, &got),
                    "{what}, CPU {simd:?}:\n{reference:?}\n{got:?}"
                );
            }
        }
    }
    // Every dtype has some: ceil of an int, real of a float, isnan of a bool, ...
    assert!(removed >= 30, "only {removed} trivial operations");
}
