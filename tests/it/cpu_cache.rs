//! An engine's caches are bounded: its compile cache, and each kernel's cache of
//! specializations. Kernels evicted from either keep working (their machine code
//! lives as long as something holds it) and give the interpreter's results.

use nexpr::internals::{cached_kernels, specializations};
use nexpr::{DType, DynArray, Engine, EngineConfig, Expr, Options, Target, Vars};

fn engine(compile_cache_capacity: usize, signature_cache_capacity: usize) -> Engine {
    Engine::new(EngineConfig {
        compile_cache_capacity,
        signature_cache_capacity,
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn cache_is_bounded_and_eviction_is_safe() {
    const CAPACITY: usize = 12;
    let engine = engine(CAPACITY, 4);
    let cpu = |e: &Expr| {
        e.compile_in(&engine, Target::Cpu { threads: 1 }, &Options::default())
            .unwrap()
    };
    let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
    let vars = Vars::new().with("a", &a);
    let first = cpu(&Expr::parse("a + 0.25").unwrap());
    first.eval(&vars).unwrap();
    for k in 0..CAPACITY + 20 {
        let r = cpu(&Expr::parse(&format!("a * {k}.5")).unwrap())
            .eval(&vars)
            .unwrap();
        let want: Vec<f64> = a.iter().map(|x| x * (k as f64 + 0.5)).collect();
        assert_eq!(r.as_array::<f64>().unwrap().as_slice().unwrap(), &want[..]);
        assert!(cached_kernels(&engine) <= CAPACITY);
    }
    assert_eq!(cached_kernels(&engine), CAPACITY);
    // `first`'s entry has been evicted; its code must still be alive and correct.
    let r = first.eval(&vars).unwrap();
    assert_eq!(
        r.as_array::<f64>().unwrap().as_slice().unwrap(),
        &[1.25, 2.25, 3.25]
    );
    // Kernels of the process default engine never entered this one's cache.
    assert!(!first.engine().same(&Engine::process_default()));
}

/// An input of `dtype`: 1..=12 (C layout), or the 0-d scalar 3 (broadcast).
fn input(dtype: DType, scalar: bool) -> DynArray {
    let x = match scalar {
        false => ndarray::Array1::from_iter((1..=12).map(|i| i as f64)).into_dyn(),
        true => ndarray::arr0(3.0).into_dyn(),
    };
    Expr::parse(&format!("{dtype}(x)"))
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .eval(&Vars::new().with("x", &x))
        .unwrap()
}

#[test]
fn one_expression_over_many_signatures_keeps_a_bounded_number() {
    const KEEP: usize = 5;
    let engine = engine(16, KEEP);
    let e = Expr::parse("a * 2 + b").unwrap();
    let k = e
        .compile_in(&engine, Target::Cpu { threads: 1 }, &Options::default())
        .unwrap();
    let interp = e.compile(Target::Interp).unwrap();
    let dtypes = [
        DType::Bool,
        DType::I32,
        DType::I64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];
    let mut seen = 0;
    for (i, &da) in dtypes.iter().enumerate() {
        for &db in &dtypes[i..] {
            for a_scalar in [false, true] {
                let a = input(da, a_scalar);
                let b = input(db, !a_scalar);
                let vars = Vars::new().with("a", &a).with("b", &b);
                let want = interp.eval(&vars).unwrap();
                assert_eq!(
                    k.eval(&vars).unwrap(),
                    want,
                    "{da} {db}, a scalar: {a_scalar}"
                );
                seen += 1;
                assert!(specializations(&k) <= KEEP, "{} kept", specializations(&k));
                assert!(cached_kernels(&engine) <= 16);
            }
        }
    }
    assert!(seen > 4 * KEEP);
    assert_eq!(specializations(&k), KEEP);
}
