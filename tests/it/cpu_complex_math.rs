//! The complex functions nexpr computes itself (exp, log, log10, log2, log1p, sqrt,
//! sin, cos, tan, sinh, cosh, tanh, arctan, arctanh, arcsin, arccos, arcsinh, arccosh:
//! `src/math/complex.rs`) in compiled kernels against the interpreter,
//! bit for bit: through the complex batch functions of straight-line kernels at every
//! width this CPU runs (`lower/staged.rs`), and per element in programs with loops.
//! The arguments cover each core's range and what it leaves to the C library
//! (infinities, NaN, huge and tiny parts, |z| next to 1), in blocks, remainders and
//! two threads. The complex power (`src/math/complex_pow.rs`, its batch functions
//! staging both arguments) the same way.

use crate::common::Rng;
use ndarray::{ArrayD, IxDyn};
use nexpr::{CpuOptions, DynArray, Expr, MathWidth, Options, Program, Target, Vars};
use num_complex::{Complex, Complex32, Complex64};

const FUNCTIONS: [&str; 18] = [
    "exp", "log", "log10", "log2", "log1p", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
    "arctan", "arctanh", "arcsin", "arccos", "arcsinh", "arccosh",
];

/// One part of an argument: mostly ordinary values, with every range a core hands
/// to the C library.
fn part(r: &mut Rng) -> f64 {
    match r.below(24) {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => 0.0,
        4 => -0.0,
        5 => 1e-310,
        6 => (r.unit() - 0.5) * 1e-300,
        7 => (r.unit() - 0.5) * 2e6,
        8 => (r.unit() - 0.5) * 1.5e3,
        9 => (r.unit() - 0.5) * 1e300,
        10 => 1.0,
        _ => (r.unit() - 0.5) * 12.0,
    }
}

/// Arguments, some of them on the unit circle (|z|² − 1 within rounding of 0).
fn arguments(r: &mut Rng, n: usize) -> Vec<Complex64> {
    (0..n)
        .map(|_| {
            if r.below(10) == 0 {
                let t = r.unit() * 6.3;
                Complex::new(t.cos(), t.sin())
            } else {
                Complex::new(part(r), part(r))
            }
        })
        .collect()
}

fn options(math_width: MathWidth) -> Options {
    Options {
        cpu: CpuOptions {
            math_width,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Equal parts, NaN equal to NaN, zeros by sign.
fn same_parts(x: f64, y: f64) -> bool {
    (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
}

fn same(x: &DynArray, y: &DynArray) -> Result<(), String> {
    let pairs: Vec<(Complex64, Complex64)> = match (x, y) {
        (DynArray::C128(a), DynArray::C128(b)) => {
            a.iter().copied().zip(b.iter().copied()).collect()
        }
        (DynArray::C64(a), DynArray::C64(b)) => a
            .iter()
            .zip(b.iter())
            .map(|(p, q)| (p.to_f64(), q.to_f64()))
            .collect(),
        _ => return Err(format!("dtypes {:?} and {:?}", x.dtype(), y.dtype())),
    };
    if x.shape() != y.shape() {
        return Err("shapes differ".into());
    }
    match pairs
        .iter()
        .position(|(p, q)| !same_parts(p.re, q.re) || !same_parts(p.im, q.im))
    {
        None => Ok(()),
        Some(k) => Err(format!(
            "element {k}: {} against {}",
            pairs[k].0, pairs[k].1
        )),
    }
}

trait ToF64 {
    fn to_f64(&self) -> Complex64;
}
impl ToF64 for Complex32 {
    fn to_f64(&self) -> Complex64 {
        Complex::new(self.re as f64, self.im as f64)
    }
}

fn widths() -> Vec<MathWidth> {
    [MathWidth::Bits128, MathWidth::Bits256, MathWidth::Bits512]
        .into_iter()
        .filter(|&w| nexpr::internals::resolve_math_width(w) == w)
        .collect()
}

#[test]
fn straight_line_kernels_equal_the_interpreter() {
    let mut r = Rng::new(0x5eed_c0de_2026_1208);
    for w in widths() {
        for (case, f) in FUNCTIONS.iter().enumerate() {
            for n in [1usize, 3, 255, 257, 4099] {
                let z = ArrayD::from_shape_vec(IxDyn(&[n]), arguments(&mut r, n)).unwrap();
                let z32 = z.mapv(|c| Complex32::new(c.re as f32, c.im as f32));
                // Alone, twice in one statement (two staged nodes), and staged after a
                // staged node's value.
                for src in [
                    format!("{f}(z)"),
                    format!("{f}(z) * 2 - {f}(z + 1)"),
                    format!("{f}({f}(z) * 0.5)"),
                ] {
                    for c64 in [false, true] {
                        let vars = if c64 {
                            Vars::new().with("z", &z32)
                        } else {
                            Vars::new().with("z", &z)
                        };
                        let e = Expr::parse(&src).unwrap();
                        let want = e.compile(Target::Interp).unwrap().eval(&vars).unwrap();
                        let threads = 1 + (case + n) % 2;
                        let got = e
                            .compile_with(Target::Cpu { threads }, &options(w))
                            .unwrap()
                            .eval(&vars)
                            .unwrap();
                        if let Err(why) = same(&want, &got) {
                            panic!("{w:?}, {src}, n = {n}, complex64 {c64}: {why} (z = {z})");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn staged_programs_and_strided_inputs_equal_the_interpreter() {
    let mut r = Rng::new(0x0dd5_7a9e_2026_1208);
    let n = 1031;
    let full = ArrayD::from_shape_vec(IxDyn(&[2 * n]), arguments(&mut r, 2 * n)).unwrap();
    // Every other element: the driver gathers the strided input.
    let z = full.slice(ndarray::s![..;2]).into_dyn();
    for w in widths() {
        for (k, f) in FUNCTIONS.iter().enumerate() {
            let g = FUNCTIONS[(k + 3) % FUNCTIONS.len()];
            // Staged nodes in several statements, one reading another's local.
            let src = format!("output u, v\nt = {f}(z)\nu = {g}(t * 0.5) + t\nv = {f}(u - z)\n");
            let p = Program::parse(&src).unwrap();
            let vars = Vars::new().with("z", z.view());
            let want = p.compile(Target::Interp).unwrap().run(&vars).unwrap();
            let got = p
                .compile_with(Target::Cpu { threads: 2 }, &options(w))
                .unwrap()
                .run(&vars)
                .unwrap();
            for out in ["u", "v"] {
                if let Err(why) = same(&want[out], &got[out]) {
                    panic!("{w:?}, output {out} of\n{src}{why}");
                }
            }
        }
    }
}

#[test]
fn loop_programs_equal_the_interpreter() {
    let mut r = Rng::new(0x00c0_ffee_2026_1208);
    let n = 517;
    let z = ArrayD::from_shape_vec(IxDyn(&[n]), arguments(&mut r, n)).unwrap();
    for f in FUNCTIONS {
        let src = format!("output w\nw = z\nfor k in range(2):\n    w = {f}(w) * 0.25 + z\n");
        let p = Program::parse(&src).unwrap();
        let vars = Vars::new().with("z", &z);
        let want = p.compile(Target::Interp).unwrap().run(&vars).unwrap();
        let got = p
            .compile(Target::Cpu { threads: 2 })
            .unwrap()
            .run(&vars)
            .unwrap();
        if let Err(why) = same(&want["w"], &got["w"]) {
            panic!("{src}: {why}");
        }
    }
}

/// Exponents: `arguments`' values, with real integers (NumPy's repeated
/// multiplication below 100), zero and real ones mixed in.
fn exponents(r: &mut Rng, n: usize) -> Vec<Complex64> {
    let mut w = arguments(r, n);
    for (k, e) in w.iter_mut().enumerate() {
        *e = match k % 7 {
            0 => Complex::new((r.below(300) as f64) - 150.0, 0.0),
            1 => Complex::new(e.re, 0.0),
            2 => Complex::new(0.0, 0.0),
            3 => Complex::new((r.unit() - 0.5) * 8.0, (r.unit() - 0.5) * 8.0),
            _ => *e,
        };
    }
    w
}

#[test]
fn complex_power_kernels_equal_the_interpreter() {
    let mut r = Rng::new(0x90e3_c0de_2026_1208);
    for w in widths() {
        for n in [1usize, 5, 255, 257, 2051] {
            let z = ArrayD::from_shape_vec(IxDyn(&[n]), arguments(&mut r, n)).unwrap();
            let e = ArrayD::from_shape_vec(IxDyn(&[n]), exponents(&mut r, n)).unwrap();
            let narrow =
                |a: &ArrayD<Complex64>| a.mapv(|c| Complex32::new(c.re as f32, c.im as f32));
            let (z32, e32) = (narrow(&z), narrow(&e));
            // Two arrays, a literal exponent, two staged powers, a power of a power.
            for src in [
                "z**w",
                "z**2.5",
                "(1.5-0.5j)**w",
                "z**w * 2 - (z + 1)**w",
                "(z**w)**(0.5+1j)",
            ] {
                for c64 in [false, true] {
                    let vars = if c64 {
                        Vars::new().with("z", &z32).with("w", &e32)
                    } else {
                        Vars::new().with("z", &z).with("w", &e)
                    };
                    let x = Expr::parse(src).unwrap();
                    let want = x.compile(Target::Interp).unwrap().eval(&vars).unwrap();
                    let got = x
                        .compile_with(Target::Cpu { threads: 1 + n % 2 }, &options(w))
                        .unwrap()
                        .eval(&vars)
                        .unwrap();
                    if let Err(why) = same(&want, &got) {
                        panic!("{w:?}, {src}, n = {n}, complex64 {c64}: {why}");
                    }
                }
            }
        }
    }
}
