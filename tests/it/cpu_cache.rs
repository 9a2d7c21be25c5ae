//! The global compile cache is bounded, and kernels evicted from it keep working
//! (their machine code lives as long as a kernel holds it).

use nexpr::internals::{cached_kernels, CACHE_CAPACITY};
use nexpr::{Expr, Target, Vars};

#[test]
fn cache_is_bounded_and_eviction_is_safe() {
    let a = ndarray::arr1(&[1.0f64, 2.0, 3.0]);
    let vars = Vars::new().with("a", &a);
    let first = Expr::parse("a + 0.25")
        .unwrap()
        .compile(Target::Cpu { threads: 1 })
        .unwrap();
    first.eval(&vars).unwrap();
    for k in 0..CACHE_CAPACITY + 20 {
        let e = Expr::parse(&format!("a * {k}.5")).unwrap();
        let r = e
            .compile(Target::Cpu { threads: 1 })
            .unwrap()
            .eval(&vars)
            .unwrap();
        let want: Vec<f64> = a.iter().map(|x| x * (k as f64 + 0.5)).collect();
        assert_eq!(r.as_array::<f64>().unwrap().as_slice().unwrap(), &want[..]);
        assert!(cached_kernels() <= CACHE_CAPACITY);
    }
    // `first`'s entry has been evicted; its code must still be alive and correct.
    let r = first.eval(&vars).unwrap();
    assert_eq!(
        r.as_array::<f64>().unwrap().as_slice().unwrap(),
        &[1.25, 2.25, 3.25]
    );
}
