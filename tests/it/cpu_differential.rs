//! Differential tests: the Cranelift backend against the reference interpreter, on
//! random expressions and programs over random inputs of every dtype and layout
//! (C and Fortran order, slices, broadcasting, 0-d, empty), with lengths around the
//! vector width and the chunk size.
//!
//! Vectorized transcendentals (libmvec) are switched off here so every result must be
//! bit-identical (NaNs compare equal); their error budget is tested in `cpu_ulp.rs`.

use crate::common::cmp::{close32, close64, close_complex, compare_all, Tol};
use crate::common::gen::config;
use crate::common::Rng;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use nexpr::internals::CHUNK;
use nexpr::{CpuOptions, DType, DynArray, Expr, Options, Program, Target, Vars};
use nexpr_gen::{Config, Literals};
use num_complex::{Complex32, Complex64};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Scalar libm transcendentals (bit for bit the interpreter's) and predicated SIMD for
/// programs with loops over `groups` interleaved vectors.
fn exact(groups: u8) -> Options {
    Options {
        cpu: CpuOptions {
            fast_math: false,
            loop_groups: groups,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The default loop groups, exact math.
fn exact_default() -> Options {
    exact(CpuOptions::default().loop_groups)
}

/// The variables every generated expression may use, one per dtype (two floats).
const VARS: [(&str, &str); 8] = [
    ("p", "bool"),
    ("i", "int32"),
    ("k", "int64"),
    ("f", "float32"),
    ("a", "float64"),
    ("b", "float64"),
    ("w", "complex64"),
    ("z", "complex128"),
];

/// The generator over the variables named in `names` (`None`: all of them).
fn config_over(names: Option<&[&str]>) -> Config {
    let vars = VARS
        .iter()
        .filter(|(n, _)| names.is_none_or(|ns| ns.contains(n)));
    let dtype = |t: &str| DType::from_name(t).expect("a dtype name");
    config(vars.map(|&(n, t)| (n, dtype(t))))
}

/// Subsets of the variables of one lane width: expressions over them take the SIMD
/// main loop (int32 fits either width; complex values are pairs of vectors), as long
/// as no function is called on a constant (a strong float64).
const ONE_WIDTH: [&[&str]; 4] = [
    &["a", "b", "k", "p", "i"],
    &["a", "z", "k", "i", "p"],
    &["f", "i", "p"],
    &["f", "w", "i", "p"],
];

/// The generator over one of [`ONE_WIDTH`], from `seed`.
fn one_width_config(seed: u64) -> Config {
    let names = ONE_WIDTH[(seed % ONE_WIDTH.len() as u64) as usize];
    Config {
        constant_operations: false,
        literals: Literals::Tame,
        ..config_over(Some(names))
    }
}

/// An expression over every variable, from `seed` (proptest shrinks the shapes,
/// layouts and values; the seed names the expression).
fn expr(seed: u64) -> String {
    nexpr_gen::expression(&config_over(None), Rng::new(seed)).to_string()
}

/// An expression over variables of one lane width, from `seed`.
fn simd_expr(seed: u64) -> String {
    nexpr_gen::expression(&one_width_config(seed), Rng::new(seed)).to_string()
}

/// Element values that exercise the corner cases of every operation.
fn special_f64(r: u64) -> f64 {
    const S: [f64; 16] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.0,
        -3.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e-300,
        3e9,
        -7.0,
        100.0,
        0.25,
    ];
    if r.is_multiple_of(3) {
        S[(r / 3 % 16) as usize]
    } else {
        ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 8.0
    }
}

fn special_i64(r: u64) -> i64 {
    const S: [i64; 10] = [0, 1, -1, 2, -2, i64::MIN, i64::MAX, 63, 64, -65];
    if r.is_multiple_of(3) {
        S[(r / 3 % 10) as usize]
    } else {
        (r >> 8) as i64 % 20 - 10
    }
}

fn special_i32(r: u64) -> i32 {
    const S: [i32; 9] = [0, 1, -1, 2, i32::MIN, i32::MAX, 31, 32, -33];
    if r.is_multiple_of(3) {
        S[(r / 3 % 9) as usize]
    } else {
        (r >> 8) as i32 % 20 - 10
    }
}

fn fill(dtype: &str, shape: &[usize], fortran: bool, rng: &mut Rng) -> DynArray {
    let n: usize = shape.iter().product();
    let sh = IxDyn(shape);
    let sh = if fortran {
        sh.f()
    } else {
        sh.into_shape_with_order()
    };
    macro_rules! mk {
        ($f:expr) => {
            ArrayD::from_shape_vec(sh, (0..n).map(|_| $f(rng.next())).collect()).unwrap()
        };
    }
    match dtype {
        "bool" => DynArray::Bool(mk!(|r: u64| r.is_multiple_of(2))),
        "int32" => DynArray::I32(mk!(special_i32)),
        "int64" => DynArray::I64(mk!(special_i64)),
        "float32" => DynArray::F32(mk!(|r| special_f64(r) as f32)),
        "float64" => DynArray::F64(mk!(special_f64)),
        "complex64" => DynArray::C64(mk!(|r: u64| Complex32::new(
            special_f64(r) as f32,
            special_f64(r.rotate_left(17)) as f32
        ))),
        _ => DynArray::C128(mk!(|r: u64| Complex64::new(
            special_f64(r),
            special_f64(r.rotate_left(17))
        ))),
    }
}

/// How one variable is laid out relative to the iteration shape.
#[derive(Clone, Copy, Debug)]
enum Lay {
    C,
    Fortran,
    /// Every other element of a twice-as-wide array.
    Sliced,
    /// Broadcast along the first dimension.
    Row,
    Scalar0d,
}

fn make_var(dtype: &str, shape: &[usize], lay: Lay, rng: &mut Rng) -> DynArray {
    match lay {
        Lay::C => fill(dtype, shape, false, rng),
        Lay::Fortran => fill(dtype, shape, true, rng),
        Lay::Scalar0d => fill(dtype, &[], false, rng),
        Lay::Row => {
            let s = if shape.len() > 1 { &shape[1..] } else { shape };
            fill(dtype, s, false, rng)
        }
        Lay::Sliced => {
            let mut wide = shape.to_vec();
            if let Some(l) = wide.last_mut() {
                *l *= 2;
            }
            fill(dtype, &wide, false, rng)
        }
    }
}

/// A view for `Lay::Sliced`: every other element along the last axis.
fn vars_of(arrays: &BTreeMap<String, (DynArray, Lay)>) -> Vars<'_> {
    let mut v = Vars::new();
    for (name, (a, lay)) in arrays {
        v = match lay {
            Lay::Sliced => {
                macro_rules! sl {
                    ($x:expr) => {{
                        let ax = ndarray::Axis($x.ndim().saturating_sub(1));
                        if $x.ndim() == 0 {
                            v.with(name, $x)
                        } else {
                            v.with(name, $x.slice_axis(ax, ndarray::Slice::new(0, None, 2)))
                        }
                    }};
                }
                match a {
                    DynArray::Bool(x) => sl!(x),
                    DynArray::I32(x) => sl!(x),
                    DynArray::I64(x) => sl!(x),
                    DynArray::F32(x) => sl!(x),
                    DynArray::F64(x) => sl!(x),
                    DynArray::C64(x) => sl!(x),
                    DynArray::C128(x) => sl!(x),
                }
            }
            _ => v.with(name, a),
        };
    }
    v
}

/// Bit for bit the same (NaNs equal).
fn same(interp: &DynArray, cpu: &DynArray) -> Result<(), String> {
    compare_all(interp, cpu, Tol::BITS)
}

fn shape_strategy() -> impl Strategy<Value = Vec<usize>> {
    let c = CHUNK;
    prop_oneof![
        prop::sample::select(vec![0usize, 1, 2, 3, 4, 5, 7, 8, 9, 17, 33, c - 1, c + 1])
            .prop_map(|n| vec![n]),
        (1usize..6, 1usize..9).prop_map(|(r, c)| vec![r, c]),
        Just(vec![3, c / 2 + 3]),
        Just(vec![]),
    ]
}

fn lay_strategy() -> impl Strategy<Value = Lay> {
    prop::sample::select(vec![
        Lay::C,
        Lay::C,
        Lay::Fortran,
        Lay::Sliced,
        Lay::Row,
        Lay::Scalar0d,
    ])
}

/// Evaluates `run` on the interpreter and on the CPU with 1 and 2 threads; both must
/// fail or both succeed with identical outputs.
type Compile<'a> = &'a dyn Fn(Target, &Options) -> nexpr::Result<nexpr::Kernel>;

fn check_all(
    src: &str,
    compile: Compile,
    arrays: &BTreeMap<String, (DynArray, Lay)>,
) -> Result<(), TestCaseError> {
    check_all_groups(src, compile, arrays, CpuOptions::default().loop_groups)
}

/// `check_all` with `groups` interleaved vectors for programs with loops.
fn check_all_groups(
    src: &str,
    compile: Compile,
    arrays: &BTreeMap<String, (DynArray, Lay)>,
    groups: u8,
) -> Result<(), TestCaseError> {
    let vars = vars_of(arrays);
    let opts = exact(groups);
    let reference = compile(Target::Interp, &opts).and_then(|k| k.run(&vars));
    for threads in [1, 2] {
        let got = compile(Target::Cpu { threads }, &opts).and_then(|k| k.run(&vars));
        match (&reference, &got) {
            (Ok(r), Ok(g)) => {
                for (name, ra) in r {
                    if let Err(e) = same(ra, &g[name]) {
                        return Err(TestCaseError::fail(format!(
                            "`{src}` output {name}, {threads} threads: {e}"
                        )));
                    }
                }
            }
            (Err(_), Err(_)) => {}
            _ => {
                return Err(TestCaseError::fail(format!(
                    "`{src}`, {threads} threads: interp {:?} vs cpu {:?}",
                    reference.as_ref().map(|_| ()),
                    got.as_ref().map(|_| ())
                )))
            }
        }
    }
    Ok(())
}

fn make_arrays(shape: &[usize], lays: &[Lay], seed: u64) -> BTreeMap<String, (DynArray, Lay)> {
    let mut rng = Rng::new(seed);
    VARS.iter()
        .zip(lays)
        .map(|(&(n, t), &l)| {
            let l = if shape.is_empty() { Lay::C } else { l };
            (n.to_string(), (make_var(t, shape, l, &mut rng), l))
        })
        .collect()
}

/// `src` on every target against the interpreter (sources that do not parse are skipped).
fn check_expr(src: &str, shape: &[usize], lays: &[Lay], seed: u64) -> Result<(), TestCaseError> {
    let arrays = make_arrays(shape, lays, seed);
    let e = match Expr::parse(src) {
        Ok(e) => e,
        Err(_) => return Ok(()),
    };
    check_all(src, &|t, o| e.compile_with(t, o), &arrays)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn expressions_match_interpreter(
        src in any::<u64>().prop_map(expr),
        shape in shape_strategy(),
        lays in prop::collection::vec(lay_strategy(), 8),
        seed in any::<u64>(),
    ) {
        check_expr(&src, &shape, &lays, seed)?;
    }

    #[test]
    fn simd_expressions_match_interpreter(
        src in any::<u64>().prop_map(simd_expr),
        shape in shape_strategy(),
        lays in prop::collection::vec(lay_strategy(), 8),
        seed in any::<u64>(),
    ) {
        check_expr(&src, &shape, &lays, seed)?;
    }

    #[test]
    fn reductions_match_interpreter(
        src in any::<u64>().prop_map(expr),
        red in prop::sample::select(vec!["sum", "prod", "min", "max"]),
        shape in shape_strategy(),
        lays in prop::collection::vec(lay_strategy(), 8),
        seed in any::<u64>(),
    ) {
        let arrays = make_arrays(&shape, &lays, seed);
        let src = format!("{red}({src})");
        let e = match Expr::parse(&src) {
            Ok(e) => e,
            Err(_) => return Ok(()),
        };
        let vars = vars_of(&arrays);
        let r = e.compile(Target::Interp).and_then(|k| k.eval(&vars));
        for threads in [1, 2] {
            let g = e.compile_with(Target::Cpu { threads }, &exact_default()).and_then(|k| k.eval(&vars));
            match (&r, &g) {
                (Ok(r), Ok(g)) => {
                    prop_assert_eq!(r.dtype(), g.dtype());
                    // Chunked partial sums may round differently from one pairwise
                    // sum; products and extrema are exact for ints.
                    let (x, y) = (r.view(), g.view());
                    let xs = format!("{:?}", x);
                    let ys = format!("{:?}", y);
                    // Products of overflowing or NaN chunks reassociate: inf*0 patterns
                    // depend on the grouping, so only finite products are compared.
                    let nonfinite = |a: &DynArray| format!("{:?}", a.view()).contains("inf")
                        || format!("{:?}", a.view()).contains("NaN");
                    if xs != ys && !(red == "prod" && (nonfinite(r) || nonfinite(g))) {
                        let (t32, t64) = (Tol::rel(1e-3), Tol::rel(1e-9));
                        let tol_ok = match (r, g) {
                            (DynArray::F64(a), DynArray::F64(b)) => a.iter().zip(b).all(|(&u, &v)| close64(u, v, t64)),
                            (DynArray::F32(a), DynArray::F32(b)) => a.iter().zip(b).all(|(&u, &v)| close32(u, v, t32)),
                            (DynArray::C128(a), DynArray::C128(b)) => a.iter().zip(b).all(|(&u, &v)| close_complex(u, v, t64)),
                            (DynArray::C64(a), DynArray::C64(b)) => a.iter().zip(b).all(|(u, v)| {
                                let c = |z: &num_complex::Complex32| Complex64::new(z.re as f64, z.im as f64);
                                close_complex(c(u), c(v), t32)
                            }),
                            _ => false,
                        };
                        prop_assert!(tol_ok, "`{}` {} threads: interp {} cpu {}", src, threads, xs, ys);
                    }
                }
                (Err(_), Err(_)) => {}
                _ => prop_assert!(false, "`{}`: interp {:?} vs cpu {:?}", src, r.as_ref().map(|_| ()), g.as_ref().map(|_| ())),
            }
        }
    }

    #[test]
    fn programs_match_interpreter(
        seed in any::<u64>(),
        shape in shape_strategy(),
        lays in prop::collection::vec(lay_strategy(), 8),
        values in any::<u64>(),
    ) {
        let arrays = make_arrays(&shape, &lays, values);
        let src = nexpr_gen::program(&config_over(None), Rng::new(seed));
        let p = match Program::parse(&src) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{src}"))),
        };
        check_all(&src, &|t, o| p.compile_with(t, o), &arrays)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Programs over values of one lane width take the predicated SIMD loop.
    #[test]
    fn simd_programs_match_interpreter(
        seed in any::<u64>(),
        shape in shape_strategy(),
        lays in prop::collection::vec(lay_strategy(), 8),
        values in any::<u64>(),
        groups in 1u8..=4,
    ) {
        let arrays = make_arrays(&shape, &lays, values);
        let src = nexpr_gen::program(&one_width_config(seed), Rng::new(seed));
        let p = match Program::parse(&src) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{src}"))),
        };
        check_all_groups(&src, &|t, o| p.compile_with(t, o), &arrays, groups)?;
    }
}

/// The Mandelbrot kernel itself (complex values, an int32 limit in 64-bit lanes) at
/// every group count, over a length that leaves a remainder for the padded tail.
#[test]
fn complex_escape_time_program() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/kernels/mandelbrot.nx"
    ))
    .unwrap();
    let n = 1003;
    let c = ndarray::Array1::from_iter((0..n).map(|i| {
        Complex64::new(
            -2.0 + 3.0 * i as f64 / n as f64,
            -1.0 + 2.0 * ((i * 7) % n) as f64 / n as f64,
        )
    }));
    let mut arrays = BTreeMap::new();
    arrays.insert("c".to_string(), (DynArray::C128(c.into_dyn()), Lay::C));
    let maxi = ArrayD::from_elem(IxDyn(&[]), 60i32);
    arrays.insert("maxi".to_string(), (DynArray::I32(maxi), Lay::C));
    let p = Program::parse(&src).unwrap();
    for g in 1..=4 {
        check_all_groups(&src, &|t, o| p.compile_with(t, o), &arrays, g).unwrap();
    }
}

/// int32 values share 64-bit lanes with float64/int64 ones, sign-extended: their
/// arithmetic must still wrap at 32 bits.
#[test]
fn int32_in_64_bit_lanes_wraps() {
    let cases = [
        "where(a > b, i + i, i - i)",
        "float64(i + i) + a",
        "(i - 7) > k",
        "int64(i + 2147483647) + k",
        "int32(k) + i + int32(a)",
        "-i + k",
        "(i - 2147483647) * 2 + a",
        "(i << 3) + k",
        "abs(i) + k",
    ];
    for src in cases {
        let e = Expr::parse(src).unwrap();
        for seed in 0..8 {
            let arrays = make_arrays(&[37], &[Lay::C; 8], seed);
            check_all(src, &|t, o| e.compile_with(t, o), &arrays).unwrap();
        }
    }
}

/// `abs(z) > k` compares |z|**2 with k**2 where that is conclusive and calls hypot
/// where it is not: points on and next to the circle, non-finite, huge and tiny parts.
#[test]
fn abs_compare_matches_hypot_at_the_boundary() {
    let mut pts = vec![];
    for (re, im) in [
        (2.0f64, 0.0f64),
        (0.0, 2.0),
        (1.2, 1.6),
        (1.6, -1.2),
        (2.0f64.sqrt(), 2.0f64.sqrt()),
    ] {
        for d in -3i64..=3 {
            let bump = |x: f64| f64::from_bits((x.to_bits() as i64 + d) as u64);
            pts.push(Complex64::new(bump(re), im));
            pts.push(Complex64::new(re, bump(im)));
        }
    }
    for x in [
        f64::NAN,
        f64::INFINITY,
        -f64::INFINITY,
        1e200,
        1e-200,
        0.0,
        -0.0,
        3e-320,
    ] {
        pts.push(Complex64::new(x, 1.0));
        pts.push(Complex64::new(1.0, x));
        pts.push(Complex64::new(x, f64::NAN));
    }
    let z = ndarray::Array1::from(pts);
    let w = z.mapv(|c| Complex32::new(c.re as f32, c.im as f32));
    let mut arrays = BTreeMap::new();
    arrays.insert("z".to_string(), (DynArray::C128(z.into_dyn()), Lay::C));
    arrays.insert("w".to_string(), (DynArray::C64(w.into_dyn()), Lay::C));
    for src in [
        "abs(z) > 2",
        "abs(z) >= 2",
        "abs(z) < 2",
        "abs(z) <= 2",
        "2 < abs(z)",
        "2.0 >= abs(z)",
        "abs(z) > 1e-100",
        "abs(z) < 1e99",
        "abs(w) > 2",
        "abs(w) <= 2",
        "2 > abs(w)",
        "where(abs(z) > 2, z, -z)",
    ] {
        let e = Expr::parse(src).unwrap();
        check_all(src, &|t, o| e.compile_with(t, o), &arrays).unwrap();
    }
}

/// `abs(z) op tol` with `tol` a scalar input decides at run time like a constant
/// bound: in range, points on and next to the circle; out of range (tiny, huge,
/// negative, zero, NaN, infinite), every lane through hypot.
#[test]
fn abs_compare_with_a_scalar_bound() {
    let bounds = [
        2.0,
        1e-8,
        0.75,
        1e-150,
        1e150,
        1e-20,
        1e20,
        -2.0,
        0.0,
        f64::NAN,
        f64::INFINITY,
    ];
    for tol in bounds {
        let mut pts = vec![];
        for (re, im) in [(tol, 0.0), (0.6 * tol, 0.8 * tol), (0.0, -tol)] {
            for d in -3i64..=3 {
                let bump = |x: f64| f64::from_bits((x.to_bits() as i64).wrapping_add(d) as u64);
                pts.push(Complex64::new(bump(re), im));
                pts.push(Complex64::new(re, bump(im)));
            }
        }
        pts.extend([
            Complex64::new(f64::NAN, 1.0),
            Complex64::new(f64::INFINITY, 0.0),
            Complex64::new(0.0, 0.0),
            Complex64::new(1e300, 1e300),
        ]);
        let z = ndarray::Array1::from(pts);
        let w = z.mapv(|c| Complex32::new(c.re as f32, c.im as f32));
        let mut arrays = BTreeMap::new();
        arrays.insert("z".to_string(), (DynArray::C128(z.into_dyn()), Lay::C));
        arrays.insert("w".to_string(), (DynArray::C64(w.into_dyn()), Lay::C));
        let t = DynArray::scalar(tol);
        arrays.insert("t".to_string(), (t, Lay::Scalar0d));
        let t32 = DynArray::scalar(tol as f32);
        arrays.insert("s".to_string(), (t32, Lay::Scalar0d));
        for src in [
            "abs(z) > t",
            "abs(z) <= t",
            "t > abs(z)",
            "abs(w) < s",
            "abs(w) >= s",
            "abs(w) < t",
        ] {
            let e = Expr::parse(src).unwrap();
            check_all(src, &|t, o| e.compile_with(t, o), &arrays).unwrap();
        }
    }
}

/// Complex division of vectors (inline Smith division) against the interpreter's,
/// over every pair of special parts: zeros of both signs, infinities, NaNs, equal
/// magnitudes, huge and tiny parts.
#[test]
fn complex_division_special_values() {
    let parts = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        3.5,
        -0.25,
        1e300,
        -1e-300,
        5e-324,
        f64::INFINITY,
        -f64::INFINITY,
        f64::NAN,
    ];
    let (mut a, mut b) = (vec![], vec![]);
    for &ar in &parts {
        for &ai in &parts {
            for &br in &parts {
                for &bi in &parts {
                    a.push(Complex64::new(ar, ai));
                    b.push(Complex64::new(br, bi));
                }
            }
        }
    }
    let (a, b) = (ndarray::Array1::from(a), ndarray::Array1::from(b));
    let to32 = |c: &Complex64| Complex32::new(c.re as f32, c.im as f32);
    let (a32, b32) = (a.map(to32), b.map(to32));
    let mut arrays = BTreeMap::new();
    arrays.insert("z".to_string(), (DynArray::C128(a.into_dyn()), Lay::C));
    arrays.insert("y".to_string(), (DynArray::C128(b.into_dyn()), Lay::C));
    arrays.insert("w".to_string(), (DynArray::C64(a32.into_dyn()), Lay::C));
    arrays.insert("v".to_string(), (DynArray::C64(b32.into_dyn()), Lay::C));
    for src in ["z / y", "w / v", "(z / y) / (y + 1)"] {
        let e = Expr::parse(src).unwrap();
        check_all(src, &|t, o| e.compile_with(t, o), &arrays).unwrap();
    }
    // In a predicated loop, where lanes that left keep dividing stale values.
    let src = "output q\nq = z\nfor k in range(3):\n    q = q / y\n    if abs(q) > 1e10:\n        break\n";
    let p = Program::parse(src).unwrap();
    for g in [1, 3] {
        check_all_groups(src, &|t, o| p.compile_with(t, o), &arrays, g).unwrap();
    }
}

/// Loops whose bounds are the same for every element (constants, scalar inputs)
/// count with one scalar counter; bounds read from arrays count per lane. Both, with
/// loop variables read inside and after the loop, empty and nested ranges.
#[test]
fn uniform_and_per_lane_loop_bounds() {
    let progs = [
        "output s, j\ns = 0.0\nj = -1\nfor i in range(1, m):\n    s = s * 0.5 + a\n    if s > b:\n        j = i\n        break\n",
        "output s, i\ns = 0.0\nfor i in range(m * 2 - 3):\n    s = s + a * i\n",
        "output s\ns = 0.0\nfor i in range(k % 5, m):\n    s = s + a\n    if s > 3:\n        break\n",
        "output s\ns = 0.0\nfor i in range(m):\n    for j in range(i, m):\n        s = s + a * j\n        if s > b + 4:\n            break\n",
        "output s\ns = 0.0\nif a > 0:\n    for i in range(7, m):\n        s = s + i\n",
    ];
    for src in progs {
        let p = Program::parse(src).unwrap();
        for seed in 0..3 {
            let mut arrays = make_arrays(&[53], &[Lay::C; 8], seed);
            for m in [0i64, 1, 6] {
                arrays.insert("m".to_string(), (DynArray::scalar(m), Lay::Scalar0d));
                for g in [1, 3] {
                    check_all_groups(src, &|t, o| p.compile_with(t, o), &arrays, g).unwrap();
                }
            }
        }
    }
}

/// Locals that a loop touches only inside `if` arms live in stack slots while it
/// runs (when its vectors would not fit the registers): arms taken often or never,
/// read there and after the loop, complex ones, a loop nested in an arm, a local the
/// loop does not touch at all.
#[test]
fn locals_parked_during_loops() {
    let progs = [
        "output n, q, u\nq = 0j\nn = -1\nu = a + 1\nt = z\nfor i in range(1, m):\n    t = t * 0.5 + z\n    if real(t) > b:\n        n = n + i\n        q = q * 2 + t\n    if imag(t) > 2:\n        break\n",
        "output s, c\ns = 0.0\nc = 0\nx = a\nfor i in range(m):\n    x = x * 0.75 + b\n    if x > 0:\n        c = c + 1\n        for j in range(i):\n            s = s + j * x\n    else:\n        s = s - c\n",
    ];
    for src in progs {
        let p = Program::parse(src).unwrap();
        for seed in 0..3 {
            let mut arrays = make_arrays(&[61], &[Lay::C; 8], seed);
            for m in [0i64, 5] {
                arrays.insert("m".to_string(), (DynArray::scalar(m), Lay::Scalar0d));
                for g in [1, 2, 4] {
                    check_all_groups(src, &|t, o| p.compile_with(t, o), &arrays, g).unwrap();
                }
            }
        }
    }
}

/// Locals that only a top-level loop reads are not kept in lanes that left the loop;
/// the same local in a nested loop (read again by the inner loop's next run) is.
#[test]
fn loop_private_locals() {
    let progs = [
        "output s\nz = 0.0\ns = 0.0\nfor k in range(8):\n    z = z * 1.5 + a\n    if z > b:\n        break\n    s = s + z\n",
        "output s\nz = 0.0\ns = 0.0\nfor j in range(3):\n    for k in range(6):\n        z = z * 0.5 + a\n        s = s + z\n        if z > b:\n            break\n",
        "output s, w\nz = 0.0\ns = 0.0\nw = 0.0\nfor k in range(7):\n    if a > k:\n        z = z + a\n    else:\n        z = z - b\n    w = z\n    if z > 3:\n        break\n    s = s + z * k\n",
    ];
    for src in progs {
        let p = Program::parse(src).unwrap();
        for seed in 0..4 {
            let arrays = make_arrays(&[53], &[Lay::C; 8], seed);
            for g in [1, 3] {
                check_all_groups(src, &|t, o| p.compile_with(t, o), &arrays, g).unwrap();
            }
        }
    }
}

/// A float escape-time loop (the shape of a Mandelbrot kernel) on the SIMD path.
#[test]
fn escape_time_program() {
    let src = "output n\nx = 0.0\ny = 0.0\nn = 0\nfor i in range(50):\n    if x*x + y*y > 4.0:\n        break\n    t = x*x - y*y + a\n    y = 2.0*x*y + b\n    x = t\n    n += 1\n";
    let n = 1001;
    let a = ndarray::Array1::from_iter((0..n).map(|i| -2.0 + 2.5 * i as f64 / n as f64));
    let b =
        ndarray::Array1::from_iter((0..n).map(|i| -1.0 + 2.0 * ((i * 7) % n) as f64 / n as f64));
    let mut arrays = BTreeMap::new();
    arrays.insert("a".to_string(), (DynArray::F64(a.into_dyn()), Lay::C));
    arrays.insert("b".to_string(), (DynArray::F64(b.into_dyn()), Lay::C));
    let p = Program::parse(src).unwrap();
    check_all_groups(src, &|t, o| p.compile_with(t, o), &arrays, 3).unwrap();
}

/// Large arrays run on the thread pool, in many chunks.
#[test]
fn parallel_chunks_match() {
    let n = nexpr::CpuOptions::default().parallel_min * 2 + 3;
    for src in [
        "2*a + 3*b",
        "where(a > b, a, b)",
        "sin(a)**2 + k // (i + 1)",
        "z*z + w",
    ] {
        for lay in [Lay::C, Lay::Sliced] {
            let arrays = make_arrays(&[n], &[lay; 8], 7);
            let e = Expr::parse(src).unwrap();
            check_all(src, &|t, o| e.compile_with(t, o), &arrays).unwrap();
        }
    }
}

/// Every length around the vector width and chunk boundaries: outputs written through
/// `eval_into` into the middle of a larger buffer must leave the canaries alone, and
/// inputs read at the edges of their buffers (checked by the allocator in debug
/// builds and by comparing results).
#[test]
fn never_touches_outside_arrays() {
    let c = CHUNK;
    let p = nexpr::CpuOptions::default().parallel_min;
    for n in [
        0,
        1,
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        15,
        16,
        17,
        c - 1,
        c,
        c + 1,
        p - 1,
        p + 1,
    ] {
        for (src, threads) in [
            ("2*a + b", 1),
            ("2*a + b", 2),
            ("where(a > b, a, b) + sin(a)", 2),
        ] {
            let a = ndarray::Array1::from_iter((0..n).map(|x| x as f64));
            let b = ndarray::Array1::from_iter((0..n).map(|x| 1.0 - x as f64));
            let vars = Vars::new().with("a", &a).with("b", &b);
            let k = Expr::parse(src)
                .unwrap()
                .compile_with(Target::Cpu { threads }, &exact_default())
                .unwrap();
            let big = eval_between_canaries(&k, &vars, n, src);
            let r = Expr::parse(src)
                .unwrap()
                .compile(Target::Interp)
                .unwrap()
                .eval(&vars)
                .unwrap();
            let got = DynArray::F64(big.slice(ndarray::s![32..32 + n]).to_owned().into_dyn());
            same(&r, &got).unwrap();
            // Bool outputs (byte stores from vector lanes).
            let kb = Expr::parse("(a > 2.5) & (b < 0.5)")
                .unwrap()
                .compile_with(Target::Cpu { threads }, &exact_default())
                .unwrap();
            let mut bb = ndarray::Array1::<bool>::from_elem(n + 64, true);
            {
                let mut mid = bb.slice_mut(ndarray::s![32..32 + n]);
                kb.eval_into(&vars, mid.view_mut().into_dyn()).unwrap();
            }
            assert!(bb.iter().take(32).all(|&x| x) && bb.iter().skip(32 + n).all(|&x| x));
            // A loop program (interleaved vector groups, padded last step).
            let prog = "output r\nr = a\nfor k in range(3):\n    if r > 4:\n        break\n    r = r * 2 + b\n";
            let kp = Program::parse(prog)
                .unwrap()
                .compile_with(Target::Cpu { threads }, &exact_default())
                .unwrap();
            eval_between_canaries(&kp, &vars, n, "loop program");
        }
    }
}

/// Evaluates `k` into the middle `n` elements of a buffer with 32 canaries on each
/// side, checks the canaries, and returns the buffer.
fn eval_between_canaries(
    k: &nexpr::Kernel,
    vars: &Vars,
    n: usize,
    what: &str,
) -> ndarray::Array1<f64> {
    let mut big = ndarray::Array1::<f64>::from_elem(n + 64, -12345.0);
    {
        let mut mid = big.slice_mut(ndarray::s![32..32 + n]);
        k.eval_into(vars, mid.view_mut().into_dyn()).unwrap();
    }
    for (j, &x) in big.iter().enumerate() {
        if !(32..32 + n).contains(&j) {
            assert_eq!(x, -12345.0, "{what} n={n}: canary {j} overwritten");
        }
    }
    big
}

#[test]
fn negative_integer_power_is_an_error() {
    let k = ndarray::arr1(&[2i64, 3, -1, 4, 5]);
    let vars = Vars::new().with("k", &k);
    let e = Expr::parse("k ** k").unwrap();
    let err = e.compile(Target::Cpu { threads: 1 }).unwrap().eval(&vars);
    assert!(err.is_err());
    // The tail of a vector kernel runs in padded lanes, which must not raise it.
    let j = ndarray::arr1(&[3i64, 2, 1]);
    let r = Expr::parse("2 ** (j - 1)")
        .unwrap()
        .compile(Target::Cpu { threads: 1 })
        .unwrap()
        .eval(&Vars::new().with("j", &j))
        .unwrap();
    assert_eq!(r.as_array::<i64>().unwrap().as_slice().unwrap(), &[4, 2, 1]);
    let ok = Expr::parse("k // 0 + k % 0").unwrap();
    let r = ok
        .compile(Target::Cpu { threads: 1 })
        .unwrap()
        .eval(&vars)
        .unwrap();
    assert_eq!(r.as_array::<i64>().unwrap().as_slice().unwrap(), &[0; 5]);
}

/// `eval_in_place` equals `eval` then a copy: on the CPU it writes over the input it
/// reads (C layout, any length, 1 or 2 threads, expressions and loop programs); other
/// layouts, reductions and the interpreter go through a copy.
#[test]
fn eval_in_place_matches_eval() {
    let cases = [
        ("where(m, z*z + c, 0)", "z"),
        ("where(m & (abs(z) > 2), 7, e)", "e"),
        ("e + 1", "e"),
    ];
    for n in [0usize, 1, 3, 5, 6, 7, 8193, 300_001] {
        let c = ndarray::Array1::from_iter((0..n).map(|k| Complex64::new(k as f64 * 1e-5, -0.5)));
        let z0 = ndarray::Array1::from_iter((0..n).map(|k| Complex64::new(0.3, k as f64 * 1e-6)));
        let e0 = ndarray::Array1::from_iter((0..n).map(|k| (k % 5) as i32));
        let m = ndarray::Array1::from_iter((0..n).map(|k| k % 3 != 0));
        for (src, name) in cases {
            let e = Expr::parse(src).unwrap();
            for target in [
                Target::Interp,
                Target::Cpu { threads: 1 },
                Target::Cpu { threads: 2 },
            ] {
                let k = e.compile(target).unwrap();
                let all = Vars::new()
                    .with("c", &c)
                    .with("m", &m)
                    .with("z", &z0)
                    .with("e", &e0);
                let want = k.eval(&all).unwrap();
                let rest = Vars::new().with("c", &c).with("m", &m);
                let got = if name == "z" {
                    let rest = rest.with("e", &e0);
                    let mut z = z0.clone();
                    k.eval_in_place(&rest, "z", &mut z).unwrap();
                    DynArray::from(z.into_dyn())
                } else {
                    let rest = rest.with("z", &z0);
                    let mut ev = e0.clone();
                    k.eval_in_place(&rest, "e", &mut ev).unwrap();
                    DynArray::from(ev.into_dyn())
                };
                assert_eq!(got, want, "`{src}` n={n} {target:?}");
            }
        }
    }
    // A Fortran-order array and a loop program.
    let z =
        ArrayD::from_shape_vec(IxDyn(&[3, 5]).f(), (0..15).map(|k| k as f64).collect()).unwrap();
    let p = Program::parse("output z\nfor k in range(3):\n    z = z * 2 + k\n").unwrap();
    let k = p.compile(Target::Cpu { threads: 1 }).unwrap();
    let want = k.eval(&Vars::new().with("z", &z)).unwrap();
    let mut zz = z.clone();
    k.eval_in_place(&Vars::new(), "z", &mut zz).unwrap();
    assert_eq!(DynArray::from(zz), want);
    // A mismatched array is an error, not a partial write.
    let k = Expr::parse("z + 1.5")
        .unwrap()
        .compile(Target::Cpu { threads: 1 })
        .unwrap();
    let mut zi = ndarray::Array1::from(vec![1i32, 2, 3]);
    let err = k.eval_in_place(&Vars::new(), "z", &mut zi).unwrap_err();
    assert!(err.to_string().contains("dtype"), "{err}");
    assert_eq!(zi.to_vec(), vec![1, 2, 3]);
}

/// Float sums of vector expressions add whole chunks inside the kernel (a leaf-sum
/// kernel): the result is bit-identical to NumPy's pairwise sum of each chunk (the
/// interpreter's sum of that slice), then the pairwise sum of the chunk sums.
#[test]
fn fused_sums_are_pairwise_per_chunk() {
    let chunk = CHUNK;
    let interp_sum = |x: &DynArray| -> DynArray {
        let k = Expr::parse("sum(x)")
            .unwrap()
            .compile(Target::Interp)
            .unwrap();
        k.eval(&Vars::new().with("x", x)).unwrap()
    };
    for n in [chunk, chunk + 5, 3 * chunk, 2 * chunk - 1, 100_003] {
        let a =
            ndarray::Array1::from_iter((0..n).map(|k| ((k * 7919) % 1000) as f64 * 1.1e-3 - 0.3));
        let b = ndarray::Array1::from_iter((0..n).map(|k| ((k * 104_729) % 997) as f64 * 3.7e5));
        let f = a.mapv(|x| x as f32);
        let g = b.mapv(|x| (x * 1e-5) as f32);
        let vars = Vars::new()
            .with("a", &a)
            .with("b", &b)
            .with("f", &f)
            .with("g", &g);
        for (src, elem) in [
            ("sum(a*b)", "a*b"),
            (
                "sum(where(a > 0, a, -0.0) + b)",
                "where(a > 0, a, -0.0) + b",
            ),
            ("sum(f*g - f)", "f*g - f"),
        ] {
            let values = Expr::parse(elem)
                .unwrap()
                .compile(Target::Interp)
                .unwrap()
                .eval(&vars)
                .unwrap();
            let mut parts = vec![];
            for lo in (0..n).step_by(chunk) {
                let hi = (lo + chunk).min(n);
                let part = match &values {
                    DynArray::F64(v) => {
                        DynArray::from(v.slice(ndarray::s![lo..hi]).to_owned().into_dyn())
                    }
                    DynArray::F32(v) => {
                        DynArray::from(v.slice(ndarray::s![lo..hi]).to_owned().into_dyn())
                    }
                    _ => unreachable!(),
                };
                parts.push(interp_sum(&part));
            }
            let want = if parts.len() == 1 {
                parts.pop().unwrap()
            } else {
                match &parts[0] {
                    DynArray::F64(_) => interp_sum(&DynArray::from(
                        ndarray::Array1::from_iter(parts.iter().map(|p| match p {
                            DynArray::F64(x) => x[[]],
                            _ => unreachable!(),
                        }))
                        .into_dyn(),
                    )),
                    _ => interp_sum(&DynArray::from(
                        ndarray::Array1::from_iter(parts.iter().map(|p| match p {
                            DynArray::F32(x) => x[[]],
                            _ => unreachable!(),
                        }))
                        .into_dyn(),
                    )),
                }
            };
            for threads in [1, 2] {
                let got = Expr::parse(src)
                    .unwrap()
                    .compile_with(Target::Cpu { threads }, &exact_default())
                    .unwrap()
                    .eval(&vars)
                    .unwrap();
                assert_eq!(got, want, "`{src}` n={n} threads={threads}");
            }
        }
    }
}
