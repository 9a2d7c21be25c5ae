//! Golden tests for `--emit clif`: the Cranelift IR of a few kernels, compared with
//! `tests/golden/clif/*.clif`. `UPDATE_GOLDEN=1 cargo test --test golden_clif`
//! rewrites the files.

use nexpr::{CpuOptions, Emit, Expr, Options, Program, Target, Vars};
use std::path::PathBuf;

fn check(name: &str, src: &str, vars: &Vars) {
    check_with(name, src, vars, &exact(CpuOptions::default().loop_groups));
}

/// Scalar libm calls: libmvec's presence would change the sin kernel.
fn exact(loop_groups: u8) -> Options {
    Options {
        cpu: CpuOptions {
            exact_math: true,
            loop_groups,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn check_with(name: &str, src: &str, vars: &Vars, opts: &Options) {
    let t = Target::Cpu { threads: 1 };
    let k = if src.contains('\n') {
        Program::parse(src).unwrap().compile_with(t, opts).unwrap()
    } else {
        Expr::parse(src).unwrap().compile_with(t, opts).unwrap()
    };
    let got = k.emit(vars, Emit::Clif).unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/clif")
        .join(format!("{name}.clif"));
    let text = format!("; {src}\n{got}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        want, text,
        "{name}: CLIF changed; rerun with UPDATE_GOLDEN=1 if intended"
    );
}

#[test]
fn golden_clif() {
    let a = ndarray::arr1(&[1.0f64, 2.0]);
    let b = ndarray::arr1(&[3.0f64, 4.0]);
    let s = ndarray::arr0(2.0f64);
    let i = ndarray::arr1(&[1i64, 2]);
    let z = ndarray::arr1(&[num_complex::Complex64::new(1.0, 2.0)]);
    let zz = ndarray::arr1(&[num_complex::Complex64::new(1.0, 2.0); 2]);
    let m = ndarray::arr0(20i32);
    let v = Vars::new()
        .with("a", &a)
        .with("b", &b)
        .with("s", &s)
        .with("i", &i)
        .with("z", &z)
        .with("zz", &zz)
        .with("maxi", &m);
    check("axpy", "2*a + 3*b", &v);
    check("where_scalar", "where(a > s, a, s)", &v);
    check("int_floordiv", "i // (i - 1)", &v);
    check("sin_cast", "sin(a) + i", &v);
    check("complex_mul", "z*z + z", &v);
    check("bool_out", "(a > 0.5) & (b < 0.5)", &v);
    check("abs_compare", "where(abs(zz) > 2, i, 0)", &v);
    check("sum_leaves", "sum(a*b)", &v);
    // Two interleaved vector groups of a predicated loop.
    check_with(
        "escape_loop",
        "output escape\nz = 0j\nescape = maxi\nfor k in range(1, maxi):\n    z = z*z + zz\n    if real(z)**2 + imag(z)**2 > 4:\n        escape = k\n        break\n",
        &v,
        &exact(2),
    );
}
