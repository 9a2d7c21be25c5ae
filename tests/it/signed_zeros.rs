//! `maximum`/`minimum` of equal operands, where the sign of zero tells which one came
//! back: NumPy keeps the second (`maximum(-0.0, 0.0)` is `0.0`, `maximum(0.0, -0.0)`
//! is `-0.0`), and so do its reductions (`max([-0.0, 0.0])` is `0.0`). The expected
//! signs were printed by NumPy 2.4:
//!
//! ```python
//! a = np.array([-0.0, 0.0] * n); b = np.array([0.0, -0.0] * n)
//! np.signbit(np.maximum(a, b)), np.signbit(np.minimum(a, b)), np.signbit(np.max(a))
//! ```

use ndarray::Array1;
use nexpr::{CpuOptions, DynArray, Expr, Options, Simd, Target, Vars};

/// Every CPU code path (vector and scalar loops, one and two threads) and the
/// interpreter.
fn targets() -> Vec<(Target, Options)> {
    let scalar = Options {
        cpu: CpuOptions {
            simd: Simd::Off,
            ..Default::default()
        },
        ..Default::default()
    };
    vec![
        (Target::Interp, Options::default()),
        (Target::Cpu { threads: 1 }, Options::default()),
        (Target::Cpu { threads: 2 }, Options::default()),
        (Target::Cpu { threads: 1 }, scalar),
    ]
}

fn signbits(a: &DynArray) -> Vec<bool> {
    match a {
        DynArray::F64(x) => x.iter().map(|v| v.is_sign_negative()).collect(),
        DynArray::F32(x) => x.iter().map(|v| v.is_sign_negative()).collect(),
        other => panic!("a float result, got {:?}", other.dtype()),
    }
}

fn check(src: &str, vars: &Vars, want: &[bool]) {
    for (target, options) in targets() {
        let k = Expr::parse(src)
            .unwrap()
            .compile_with(target, &options)
            .unwrap();
        let got = signbits(&k.eval(vars).unwrap());
        assert_eq!(got, want, "`{src}` on {target:?} {:?}", options.cpu.simd);
    }
}

#[test]
fn maximum_and_minimum_keep_the_second_of_equal_operands() {
    // 11 pairs: the vector loop, its padded last step and the scalar loop all run.
    let n = 11;
    let a: Array1<f64> = (0..2 * n)
        .map(|i| if i % 2 == 0 { -0.0 } else { 0.0 })
        .collect();
    let b = a.mapv(|x: f64| -x);
    let second: Vec<bool> = b.iter().map(|v| v.is_sign_negative()).collect();
    let (a32, b32) = (a.mapv(|x| x as f32), b.mapv(|x| x as f32));
    let vars64 = Vars::new().with("a", &a).with("b", &b);
    let vars32 = Vars::new().with("a", &a32).with("b", &b32);
    for vars in [&vars64, &vars32] {
        check("maximum(a, b)", vars, &second);
        check("minimum(a, b)", vars, &second);
    }
}

#[test]
fn max_and_min_reductions_keep_the_last_of_equal_values() {
    for (values, negative) in [(vec![-0.0, 0.0], false), (vec![0.0, -0.0], true)] {
        let a = Array1::from(values.repeat(40));
        let vars = Vars::new().with("a", &a);
        check("max(a)", &vars, &[negative]);
        check("min(a)", &vars, &[negative]);
    }
}
