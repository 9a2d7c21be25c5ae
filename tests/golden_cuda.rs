//! The CUDA C the emitter writes for a few expressions and one program, against
//! `tests/golden/cuda/*.cu`. Regenerate with `UPDATE_GOLDEN=1 cargo test --test golden_cuda`
//! and review the diff. Needs neither NVRTC nor a GPU.

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use nexpr::{Emit, Expr, Program, Target, Vars};
use num_complex::Complex64;

fn check(name: &str, got: &str) {
    let path = format!("{}/tests/golden/cuda/{name}.cu", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    assert_eq!(
        got, want,
        "{name}: the emitted CUDA C changed; rerun with UPDATE_GOLDEN=1 if that is intended"
    );
}

fn expr(src: &str, vars: &Vars) -> String {
    Expr::parse(src)
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .emit(vars, Emit::Cuda)
        .unwrap()
}

#[test]
fn golden_expressions() {
    let a = Array1::<f64>::zeros(8);
    let b = Array1::<f64>::zeros(8);
    let vars = Vars::new().with("a", &a).with("b", &b);
    check("axpby", &expr("2*a + 3*b", &vars));

    // Broadcasting a row against a column (strided inputs) and a 0-d input.
    let row = Array2::<i32>::zeros((1, 5));
    let col = Array2::<i32>::zeros((4, 1));
    let k = ArrayD::<i64>::zeros(IxDyn(&[]));
    let vars = Vars::new().with("x", &row).with("y", &col).with("k", &k);
    check("int_broadcast", &expr("(x // y) % k + (x << 2)", &vars));

    let z = Array1::<Complex64>::zeros(8);
    let vars = Vars::new().with("z", &z).with("a", &a);
    check(
        "complex_where",
        &expr("where(abs(z) > a, z / (z + 1j), sqrt(z) ** 2)", &vars),
    );
    check(
        "sum_reduce",
        &expr("sum(a * b)", &Vars::new().with("a", &a).with("b", &b)),
    );
}

#[test]
fn golden_program() {
    let c = Array1::<Complex64>::zeros(8);
    let maxi = ArrayD::<i64>::from_elem(IxDyn(&[]), 512);
    let vars = Vars::new().with("c", &c).with("maxi", &maxi);
    let src = "output escape\nz = 0j\nescape = maxi\nfor i in range(1, maxi):\n    z = z*z + c\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = i\n        break\n";
    let got = Program::parse(src)
        .unwrap()
        .compile(Target::Interp)
        .unwrap()
        .emit(&vars, Emit::Cuda)
        .unwrap();
    check("mandelbrot", &got);
}
