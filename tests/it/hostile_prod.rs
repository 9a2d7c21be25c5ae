//! `prod` multiplies in NumPy's order on every target: one element after the other,
//! from 1 (NumPy's float multiply-reduce is sequential, unlike its pairwise sum), so
//! every thread count and every chunking gives NumPy's bits.
//!
//! Inputs (NumPy): `n = 100_003; k = (np.arange(n) * 7919) % 2001;
//! x64 = (k - 1000) * 1e-6 + 1.0; x32 = x64.astype(np.float32)`: 13 chunks of the CPU
//! driver.

use nexpr::{DynArray, Expr, Target, Vars};
use num_complex::{Complex32, Complex64};

const N: usize = 100_003;

fn x64() -> Vec<f64> {
    (0..N)
        .map(|i| ((i * 7919) % 2001) as f64)
        .map(|k| (k - 1000.0) * 1e-6 + 1.0)
        .collect()
}

fn vars() -> Vars<'static> {
    let x = x64();
    let k: Vec<f64> = (0..N).map(|i| ((i * 7919) % 2001) as f64).collect();
    // z = (x64 + 1j * ((k % 7) - 3) * 1e-4).astype(np.complex64)
    let z: Vec<Complex32> = (x.iter().zip(&k))
        .map(|(&x, &k)| Complex64::new(x, ((k % 7.0) - 3.0) * 1e-4))
        .map(|z| Complex32::new(z.re as f32, z.im as f32))
        .collect();
    let mut v = Vars::new();
    v.insert_owned(
        "x32",
        ndarray::Array1::from_iter(x.iter().map(|&v| v as f32)).into_dyn(),
    );
    v.insert_owned("x64", ndarray::Array1::from(x).into_dyn());
    v.insert_owned("z", ndarray::Array1::from(z).into_dyn());
    v
}

fn targets() -> Vec<Target> {
    let mut t = vec![Target::Interp];
    t.extend([1, 2, 4, 7].map(|threads| Target::Cpu { threads }));
    t
}

fn prod_on_every_target(src: &str) -> DynArray {
    let vars = vars();
    let e = Expr::parse(src).unwrap();
    let results: Vec<DynArray> = (targets().into_iter())
        .map(|t| e.compile(t).and_then(|k| k.eval(&vars)).unwrap())
        .collect();
    for r in &results[1..] {
        assert_eq!(r, &results[0], "{src}: targets differ");
    }
    results[0].clone()
}

#[test]
fn float32_product_has_numpys_bits() {
    // np.prod(x32) -> 0.98258907, bits 0x3f7b8af5 (folding chunk products instead
    // gave 0x3f7b8b10)
    let r = prod_on_every_target("prod(x32)");
    assert_eq!(r.as_array::<f32>().unwrap()[[]].to_bits(), 0x3f7b8af5);
    // The same through an elementwise expression that is fused into the reduction.
    let r = prod_on_every_target("prod(x32 * 1)");
    assert_eq!(r.as_array::<f32>().unwrap()[[]].to_bits(), 0x3f7b8af5);
}

#[test]
fn float64_and_complex64_products_have_numpys_bits() {
    // np.prod(x64) -> 0.9826130657642355, bits 0x3fef7190f4c28ccf
    let r = prod_on_every_target("prod(x64)");
    assert_eq!(
        r.as_array::<f64>().unwrap()[[]].to_bits(),
        0x3fef7190f4c28ccf
    );
    // np.prod(z) -> (0.9844974-0.015088168j), bits 0x3f7c0806, 0xbc77345d
    let r = prod_on_every_target("prod(z)");
    let p = r.as_array::<Complex32>().unwrap()[[]];
    assert_eq!((p.re.to_bits(), p.im.to_bits()), (0x3f7c0806, 0xbc77345d));
}

#[test]
fn integer_products_wrap_in_any_order() {
    // np.prod(np.full(n, 2, np.int32)) -> 0 (int64: 2**100003 wraps to 0)
    let r = prod_on_every_target("prod(int32(x64 * 0) + 2)");
    assert_eq!(r.as_array::<i64>().unwrap()[[]], 0);
    let r = prod_on_every_target("prod(where(x64 > 1, -1, 1))");
    let minus = (x64().iter().filter(|&&v| v > 1.0).count() % 2) as i64;
    assert_eq!(r.as_array::<i64>().unwrap()[[]], 1 - 2 * minus);
}
